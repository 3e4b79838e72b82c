/* The vmfault command: decode's YAML keys and errors, the demo job, run / record /
 * replay of arm64 and x86-64 scenarios and their --explain output. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int run(const char *args, char *out, size_t len)
{
    const char *bin = getenv("VMFAULT_BIN");
    cr_assert_not_null(bin, "VMFAULT_BIN must name the vmfault command (ctest sets it)");
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "%s %s 2>&1", bin, args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, len - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void expect_line(const char *out, const char *line)
{
    char want[256];
    snprintf(want, sizeof(want), "\n%s\n", line);
    char *buf = malloc(strlen(out) + 2);
    buf[0] = '\n';
    strcpy(buf + 1, out);
    cr_expect_not_null(strstr(buf, want), "missing line '%s' in:\n%s", line, out);
    free(buf);
}

Test(cli, decode_ldr_w1)
{
    char out[4096];
    cr_assert_eq(run("decode --arch arm64 010040b9", out, sizeof(out)), 0, "%s", out);
    expect_line(out, "mnemonic: ldr");
    expect_line(out, "text: \"ldr w1, [x0]\"");
    expect_line(out, "length: 4");
    expect_line(out, "size: 4");
    expect_line(out, "access: read");
    expect_line(out, "register: w1");
    expect_line(out, "sign_extend: false");
    expect_line(out, "isv: true");
    expect_line(out, "sf: false");
    expect_line(out, "ar: false");
    expect_line(out, "esr: 0x93810007");
}

Test(cli, decode_signed_and_pair_and_store)
{
    char out[4096];
    /* ldrsb x4, [x0, #8] */
    cr_assert_eq(run("decode --arch arm64 04208039", out, sizeof(out)), 0, "%s", out);
    expect_line(out, "mnemonic: ldrsb");
    expect_line(out, "sign_extend: true");
    expect_line(out, "sf: true");
    expect_line(out, "register: x4");
    expect_line(out, "esr: 0x93248007");
    /* ldp w6, w7, [x0, #24]: ISV=0 */
    cr_assert_eq(run("decode --arch arm64 061c4329", out, sizeof(out)), 0, "%s", out);
    expect_line(out, "mnemonic: ldp");
    expect_line(out, "isv: false");
    expect_line(out, "registers: [w6, w7]");
    expect_line(out, "esr: 0x92000007");
    /* stlr w1, [x0]: a release store */
    cr_assert_eq(run("decode --arch arm64 01fc9f88 --pc 0x1000", out, sizeof(out)), 0, "%s", out);
    expect_line(out, "access: write");
    expect_line(out, "ar: true");
    expect_line(out, "pc: 0x1000");
    expect_line(out, "esr: 0x93814047");
}

Test(cli, decode_errors_are_clear)
{
    char out[4096];
    cr_expect_eq(run("decode --arch arm64 1f2003d5", out, sizeof(out)), 1, "nop: %s", out);
    cr_expect_not_null(strstr(out, "does not access data memory"), "%s", out);
    cr_expect_eq(run("decode --arch arm64 zz0040b9", out, sizeof(out)), 2);
    cr_expect_not_null(strstr(out, "not 4 bytes of hex"), "%s", out);
    cr_expect_eq(run("decode --arch arm64 010040", out, sizeof(out)), 2);
    cr_expect_eq(run("decode --arch mips 010040b9", out, sizeof(out)), 2);
    cr_expect_not_null(strstr(out, "not supported"), "%s", out);
    cr_expect_eq(run("decode --arch arm64", out, sizeof(out)), 2);
    cr_expect_eq(run("decode --arch arm64 010040b9 --pc banana", out, sizeof(out)), 2);
    cr_expect_eq(run("frobnicate", out, sizeof(out)), 2);
}

Test(cli, demo_runs_the_same_on_both_paths)
{
    static char fast[16384], exitp[16384];
    cr_assert_eq(run("demo --path fast", fast, sizeof(fast)), 0, "%s", fast);
    cr_assert_eq(run("demo --path exit", exitp, sizeof(exitp)), 0, "%s", exitp);
    cr_expect_not_null(strstr(fast, "uart: \"hello from the guest\\n\""), "%s", fast);
    cr_expect_not_null(strstr(fast, "reason: HLT"), "%s", fast);
    cr_expect_not_null(strstr(fast, "insn: \"ldp w6, w7, [x0, #0x18]\", read: 0x9000018, size: 4"), "%s", fast);
    /* Everything after the header line is identical. */
    cr_expect_str_eq(strchr(fast, '\n'), strchr(exitp, '\n'));
    cr_expect_eq(run("demo --path sideways", fast, sizeof(fast)), 2);
}

static const char *scenario_dir(void)
{
    const char *d = getenv("VMFAULT_SCENARIOS");
    cr_assert_not_null(d, "VMFAULT_SCENARIOS must name the scenarios directory (ctest sets it)");
    return d;
}

Test(cli, run_record_replay)
{
    static char out[65536];
    char args[1024], trace[] = "/tmp/vmfault-cli-XXXXXX";
    int fd = mkstemp(trace);
    cr_assert(fd >= 0);
    close(fd);
    snprintf(args, sizeof(args), "run %s/tutorial/05-hello-uart.yaml --path exit", scenario_dir());
    cr_assert_eq(run(args, out, sizeof(out)), 0, "%s", out);
    expect_line(out, "exit: test-exit at pc 0x40000028 after 84 instructions (status 0)");
    expect_line(out, "expectations: 3 checked, all hold");
    char *d = strstr(out, "digest: ");
    cr_assert_not_null(d);
    char digest[80];
    snprintf(digest, sizeof(digest), "%.72s", d);

    snprintf(args, sizeof(args), "record %s/tutorial/05-hello-uart.yaml -o %s", scenario_dir(), trace);
    cr_assert_eq(run(args, out, sizeof(out)), 0, "%s", out);
    cr_expect_not_null(strstr(out, digest), "record prints the same digest as run on the other path:\n%s", out);

    snprintf(args, sizeof(args), "replay %s", trace);
    cr_assert_eq(run(args, out, sizeof(out)), 0, "%s", out);
    cr_expect_not_null(strstr(out, "replay: identical"), "%s", out);
    cr_expect_not_null(strstr(out, digest), "%s", out);

    /* Alter one transmitted byte: 'h' (0x68) becomes 'j'. */
    FILE *f = fopen(trace, "r");
    static char buf[262144];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = 0;
    fclose(f);
    char *hit = strstr(buf, "data: 0x68, result: handled, device: uart0");
    cr_assert_not_null(hit);
    hit[9] = 'a';
    f = fopen(trace, "w");
    fwrite(buf, 1, n, f);
    fclose(f);
    cr_expect_eq(run(args, out, sizeof(out)), 1, "%s", out);
    cr_expect_not_null(strstr(out, "replay: DIVERGED"), "%s", out);
    cr_expect_not_null(strstr(out, "expected t="), "%s", out);
    remove(trace);
}

Test(cli, scenario_errors_name_file_line_and_column)
{
    static char out[8192];
    char path[] = "/tmp/vmfault-bad-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    const char text[] = "arch: arm64\nmemory:\n  ram:\n    - {base: 0x40000000, sise: 0x1000}\n";
    cr_assert_eq(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd);
    char args[256], want[512];
    snprintf(args, sizeof(args), "run %s", path);
    cr_expect_eq(run(args, out, sizeof(out)), 2, "%s", out);
    snprintf(want, sizeof(want), "%s:4:", path);
    cr_expect(strncmp(out, want, strlen(want)) == 0, "%s", out);
    cr_expect_not_null(strstr(out, "sise"), "%s", out);
    remove(path);
    cr_expect_eq(run("run", out, sizeof(out)), 2);
    cr_expect_eq(run("record /nonexistent.yaml", out, sizeof(out)), 2, "record needs -o");
    cr_expect_eq(run("replay /nonexistent.yaml", out, sizeof(out)), 2);
}

Test(cli, failed_expectation_exits_one_with_context)
{
    static char out[8192];
    char path[] = "/tmp/vmfault-fail-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    const char text[] = "arch: arm64\nmemory:\n  ram: [{base: 0x40000000, size: 0x1000}]\n"
                        "guest: {asm: \"mov x1, #5\\nwfi\"}\nexpect:\n  registers: {x1: 6}\n";
    cr_assert_eq(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd);
    char args[256];
    snprintf(args, sizeof(args), "run %s --explain", path);
    cr_expect_eq(run(args, out, sizeof(out)), 1, "%s", out);
    cr_expect_not_null(strstr(out, "expectations: 1 of 1 FAILED"), "%s", out);
    cr_expect_not_null(strstr(out, "expect.registers.x1: expected 0x6, got 0x5"), "%s", out);
    cr_expect_not_null(strstr(out, "exit wfi at pc"), "explain prints the exit:\n%s", out);
    remove(path);
}

Test(cli, decode_x86)
{
    char out[4096];
    cr_assert_eq(run("decode --arch x86-64 894804", out, sizeof(out)), 0, "%s", out);
    expect_line(out, "mnemonic: mov");
    expect_line(out, "text: \"mov dword ptr [rax+0x4], ecx\"");
    expect_line(out, "length: 3");
    expect_line(out, "size: 4");
    expect_line(out, "access: write");
    expect_line(out, "register: ecx");
    expect_line(out, "sign_extend: false");
    expect_line(out, "memory: {base: rax, index: none, scale: 1, disp: 4, address_size: 8, access: write}");
    /* movsx rcx, word ptr [rax+0x8] */
    cr_assert_eq(run("decode --arch x86-64 480fbf4808", out, sizeof(out)), 0, "%s", out);
    expect_line(out, "size: 2");
    expect_line(out, "register: rcx");
    expect_line(out, "sign_extend: true");
    /* lock add qword ptr [rip+0x10], 5: read-modify-write, RIP-relative */
    cr_assert_eq(run("decode --arch x86-64 f04883051000000005", out, sizeof(out)), 0, "%s", out);
    expect_line(out, "access: read-write");
    expect_line(out, "immediate: 5");
    expect_line(out, "rip_relative: true");
    expect_line(out, "lock: true");
    expect_line(out, "writes_flags: true");
    expect_line(out, "op: alu");
    expect_line(out, "subop: add");
    /* rep movsd: two memory operands */
    cr_assert_eq(run("decode --arch x86-64 f3a5", out, sizeof(out)), 0, "%s", out);
    expect_line(out, "memory_operands: 2");
    expect_line(out, "rep: true");
    expect_line(out, "op: movs");
    expect_line(out, "subop: none");
    cr_expect_eq(run("decode --arch x86-64 90", out, sizeof(out)), 1, "nop: %s", out);
    cr_expect_not_null(strstr(out, "does not access data memory"), "%s", out);
    cr_expect_eq(run("decode --arch x86-64 0f0b", out, sizeof(out)), 1, "ud2: %s", out);
    cr_expect_eq(run("decode --arch x86-64 00112233445566778899aabbccddeeff", out, sizeof(out)), 2, "16 bytes");
}

Test(cli, x86_run_explain_record_replay)
{
    static char out[65536];
    char args[1024], trace[] = "/tmp/vmfault-cli-x86-XXXXXX";
    int fd = mkstemp(trace);
    cr_assert(fd >= 0);
    close(fd);
    snprintf(args, sizeof(args), "run %s/tutorial/07-x86-port-io.yaml", scenario_dir());
    cr_assert_eq(run(args, out, sizeof(out)), 0, "%s", out);
    expect_line(out, "exit: test-exit at pc 0x100022 after 16 instructions (status 1)");
    expect_line(out, "expectations: 12 checked, all hold");

    /* --explain: each exit in plain words */
    snprintf(args, sizeof(args), "run %s/tutorial/07-x86-port-io.yaml --explain --path exit", scenario_dir());
    cr_assert_eq(run(args, out, sizeof(out)), 0, "%s", out);
    expect_line(out, "exit 2 at t=7 on cpu0: out dx, al at rip 0x10000f (INOUT exit)");
    cr_expect_not_null(strstr(out, "\n  OUT to port 0x3f8 (1 byte, value 0x68 'h'): the VMM's uart8250 model (com1, "
                                   "THR at offset 0) takes the byte; RIP steps past the 1-byte instruction.\n"),
                       "%s", out);
    cr_expect_not_null(strstr(out, "\n  IN from port 0x3fd (1 byte): the VMM's uart8250 model (com1, LSR at offset 5) "
                                   "answers 0x60, which the CPU gets in AL; RIP steps past the 1-byte instruction.\n"),
                       "%s", out);
    cr_expect_not_null(strstr(out, "REP OUTSB to port 0x3f8, one element (1 byte from [RSI] 0x100023, value 0x65 'e'), "
                                   "RCX = 5 before it"),
                       "%s", out);
    cr_expect_not_null(strstr(out, "isa-debug-exit does, with status (0x0 << 1) | 1 = 1."), "%s", out);

    /* an x86 fault: the decoded instruction, bhyve-style op and subop */
    snprintf(args, sizeof(args), "run %s/tutorial/06-x86-mmio.yaml --explain", scenario_dir());
    cr_assert_eq(run(args, out, sizeof(out)), 0, "%s", out);
    expect_line(out, "  instruction  0x100007: or dword ptr [rbx+0x4], 0x1  (83 4b 04 01, 4 bytes)");
    cr_expect_not_null(strstr(out, "  exit         EPT violation, write at 0xfeb00004, exit qualification 0x182 (bit 1 "
                                   "data write, GPA not mapped, linear address valid)"),
                       "%s", out);
    expect_line(out, "  decoded      or: read-modify-write of 4 bytes with immediate 0x1  (op alu, subop or)");
    expect_line(out, "  access       write of 4 bytes at 0xfeb00004 = sensor+0x4, access 2 of 2 of this instruction");
    cr_expect_not_null(strstr(out, "HLT with RFLAGS.IF=0: interrupts are masked"), "%s", out);

    /* CPUID, MSRs and VMCALLs in words too */
    snprintf(args, sizeof(args), "run %s/tutorial/08-x86-cpuid-msr.yaml --explain", scenario_dir());
    cr_assert_eq(run(args, out, sizeof(out)), 0, "%s", out);
    cr_expect_not_null(strstr(out, "(vendor \"vmfault     \")"), "%s", out);
    cr_expect_not_null(strstr(out, "RDMSR of MSR 0x1b, IA32_APIC_BASE (ECX): the VMM answers 0xfee00900 from its MSR "
                                   "store, in EDX:EAX"),
                       "%s", out);
    snprintf(args, sizeof(args), "run %s/tutorial/09-x86-vmcall.yaml --explain", scenario_dir());
    cr_assert_eq(run(args, out, sizeof(out)), 0, "%s", out);
    cr_expect_not_null(strstr(out, "VMCALL 2 (RAX) with RBX=0xcafe RCX=0x0 RDX=0x0 RSI=0x0, a hypercall: its "
                                   "x86.vmcalls entry returns its argument RBX = 0xcafe in RAX"),
                       "%s", out);

    /* record, then replay with no device model: identical */
    snprintf(args, sizeof(args), "record %s/tutorial/07-x86-port-io.yaml -o %s", scenario_dir(), trace);
    cr_assert_eq(run(args, out, sizeof(out)), 0, "%s", out);
    char *d = strstr(out, "digest: ");
    cr_assert_not_null(d);
    char digest[80];
    snprintf(digest, sizeof(digest), "%.72s", d);
    snprintf(args, sizeof(args), "replay %s --path exit", trace);
    cr_assert_eq(run(args, out, sizeof(out)), 0, "%s", out);
    cr_expect_not_null(strstr(out, "replay: identical (9 events)"), "%s", out);
    cr_expect_not_null(strstr(out, digest), "%s", out);
    remove(trace);
}

Test(cli, x86_unhandled_port_exits_one_naming_port_and_rip)
{
    static char out[8192];
    char path[] = "/tmp/vmfault-x86-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    const char text[] = "arch: x86-64\nmemory:\n  ram: [{base: 0x100000, size: 0x1000}]\n"
                        "guest: {asm: \"mov $0x55, %al\\nout %al, $0x80\\nhlt\"}\n";
    cr_assert_eq(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd);
    char args[256];
    snprintf(args, sizeof(args), "run %s --explain", path);
    cr_expect_eq(run(args, out, sizeof(out)), 1, "%s", out);
    expect_line(out, "error: unhandled INOUT exit: OUT to port 0x80 (1 byte, value 0x55) at rip 0x100002: no x86.ports "
                     "device covers it");
    cr_expect_not_null(strstr(out, "no port device covers it, so the VMM has no handler (the \"unimplemented\" path)"),
                       "%s", out);
    remove(path);
}
