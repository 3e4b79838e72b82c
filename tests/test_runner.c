#define _DEFAULT_SOURCE
/* The runner: every stop condition, every expectation kind (holding and
 * failing, with the message a user reads), events at exact virtual times,
 * assembler errors at their line, registered C handlers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sel4vm/guest_vcpu_fault.h>

#include "runner/runner.h"
#include "vmfault/x86.h"

static struct scenario *load(const char *text)
{
    struct scenario *s = NULL;
    struct scn_error err;
    int rc = scenario_load_string(text, strlen(text), "inline.yaml", &s, &err);
    cr_assert_eq(rc, 0, "%s:%u:%u: %s", err.file, err.line, err.col, err.message);
    return s;
}

static void run(const char *text, uint8_t path, struct run_result *r)
{
    struct scenario *s = load(text);
    struct runner_opts o = {.path = path};
    struct scn_error err;
    cr_assert_eq(runner_run(s, &o, r, &err), 0, "%s:%u:%u: %s", err.file, err.line, err.col, err.message);
    scenario_free(s);
}

#define BOARD                                                                                                          \
    "arch: arm64\n"                                                                                                    \
    "memory:\n"                                                                                                        \
    "  ram: [{base: 0x40000000, size: 0x10000}]\n"                                                                     \
    "  devices:\n"                                                                                                     \
    "    - {name: dev, model: regfile, base: 0x9000000, registers: [{name: id, offset: 0, size: 4, const: 0x2a},\n"    \
    "       {name: word, offset: 4, size: 4, passthrough: 0}]}\n"                                                      \
    "    - {name: done, model: test-exit, base: 0x9100000}\n"

Test(runner, stop_on_wfi_with_expectations_holding)
{
    struct run_result r;
    run(BOARD "guest:\n  asm: |\n    movz x0, #0x900, lsl #16\n    ldr w1, [x0]\n    str w1, [x0, #4]\n    wfi\n"
              "expect:\n  exit: wfi\n  registers: {x1: 0x2a}\n  devices: {dev: {word: 0x2a}}\n"
              "  faults:\n    - {pc: 0x40000004, address: 0x9000000, size: 4, dir: read, data: 0x2a, device: dev}\n"
              "    - {dir: write, data: 0x2a}\n"
              "  memory: [{address: 0x40000000, bytes: \"00 20 a1 d2\"}]\n",
        SCN_PATH_FAST, &r);
    cr_expect_eq(r.reason, TR_EXIT_WFI);
    cr_expect_eq(r.failed, 0, "%s", r.failure);
    cr_expect_eq(r.checked, 6);
    cr_expect_eq(r.faults, 2);
    cr_expect_eq(r.icount, 4);
    cr_expect_eq(strlen(r.digest), 64);
    run_result_free(&r);
}

Test(runner, stop_on_budget_and_pc)
{
    struct run_result r;
    run(BOARD "guest:\n  asm: |\n    add x1, x1, #1\n    b .-4\nstop: {max_instructions: 101}\n"
              "expect: {exit: budget, registers: {x1: 51}}\n",
        SCN_PATH_FAST, &r);
    cr_expect_eq(r.reason, TR_EXIT_BUDGET);
    cr_expect_eq(r.icount, 101);
    cr_expect_eq(r.failed, 0, "%s", r.failure);
    run_result_free(&r);
    run(BOARD "guest:\n  asm: |\n    nop\n    nop\n    add x1, x1, #1\n    wfi\nstop: {pc: 0x40000008}\n"
              "expect: {exit: pc, registers: {x1: 0}}\n",
        SCN_PATH_FAST, &r);
    cr_expect_eq(r.reason, TR_EXIT_PC);
    cr_expect_eq(r.pc, 0x40000008);
    cr_expect_eq(r.icount, 2);
    cr_expect_eq(r.failed, 0, "%s", r.failure);
    run_result_free(&r);
}

Test(runner, test_exit_status)
{
    struct run_result r;
    const char *text = BOARD "guest:\n  asm: |\n    movz x0, #0x910, lsl #16\n    mov w1, #3\n    str w1, [x0]\n"
                             "    wfi\nexpect: {exit: test-exit, status: 3}\n";
    run(text, SCN_PATH_EXIT, &r);
    cr_expect_eq(r.reason, TR_EXIT_TEST);
    cr_expect_eq(r.status, 3);
    cr_expect_eq(r.failed, 0, "%s", r.failure);
    run_result_free(&r);
    run(BOARD "guest:\n  asm: |\n    movz x0, #0x910, lsl #16\n    mov w1, #3\n    str w1, [x0]\n"
              "expect: {status: 0}\n",
        SCN_PATH_FAST, &r);
    cr_expect_eq(r.failed, 1);
    cr_expect(strstr(r.failure, "inline.yaml:") == r.failure, "%s", r.failure);
    cr_expect_not_null(strstr(r.failure, "expected status 0, got 3"), "%s", r.failure);
    run_result_free(&r);
}

Test(runner, errors_end_the_run_and_fail_unless_expected)
{
    struct run_result r;
    run(BOARD "guest:\n  asm: |\n    movz x0, #0x800, lsl #16\n    ldr w1, [x0]\n", SCN_PATH_FAST, &r);
    cr_expect_eq(r.reason, TR_EXIT_ERROR);
    cr_expect_not_null(strstr(r.error, "read at 0x8000000 (pc 0x40000004) is outside every RAM region and device"),
                       "%s", r.error);
    cr_expect_eq(r.failed, 1, "an unexpected error fails the run");
    run_result_free(&r);
    run(BOARD "guest:\n  asm: |\n    movz x0, #0x800, lsl #16\n    ldr w1, [x0]\nexpect: {exit: error}\n",
        SCN_PATH_EXIT, &r);
    cr_expect_eq(r.failed, 0, "%s", r.failure);
    run_result_free(&r);
}

Test(runner, unlisted_stop_policy)
{
    struct run_result r;
    run("arch: arm64\nmemory:\n  ram: [{base: 0x40000000, size: 0x10000}]\n  devices:\n"
        "    - {name: strict, model: regfile, base: 0x9000000, unlisted: stop, registers: [{offset: 0, const: 1}]}\n"
        "guest:\n  asm: |\n    movz x0, #0x900, lsl #16\n    ldr w1, [x0]\n    ldr w2, [x0, #0x20]\n    wfi\n"
        "expect: {exit: stop, registers: {x1: 1}}\n",
        SCN_PATH_FAST, &r);
    cr_expect_eq(r.reason, TR_EXIT_STOP);
    cr_expect_not_null(strstr(r.error, "0x20"), "%s", r.error);
    cr_expect_eq(r.failed, 0, "%s", r.failure);
    run_result_free(&r);
}

Test(runner, failures_name_the_expectation_and_the_instruction)
{
    struct run_result r;
    run(BOARD "guest:\n  asm: |\n    movz x0, #0x900, lsl #16\n    ldr w1, [x0]\n    wfi\n"
              "expect:\n  faults:\n    - {dir: write}\n",
        SCN_PATH_FAST, &r);
    cr_expect_eq(r.failed, 1);
    cr_expect_not_null(strstr(r.failure, "inline.yaml:15:7: expect.faults[0]: expected { write }"), "%s", r.failure);
    cr_expect_not_null(strstr(r.failure, "got fault 0: read of 4 bytes at 0x9000000 on dev = 0x2a by 0x40000004: "
                                         "ldr w1, [x0]"),
                       "%s", r.failure);
    run_result_free(&r);
    run(BOARD "guest:\n  asm: |\n    movz x0, #0x900, lsl #16\n    ldr w1, [x0]\n    wfi\n"
              "expect:\n  registers: {x1: 0x2b}\n",
        SCN_PATH_FAST, &r);
    cr_expect_not_null(strstr(r.failure, "expect.registers.x1: expected 0x2b, got 0x2a"), "%s", r.failure);
    run_result_free(&r);
    run(BOARD "guest:\n  asm: |\n    wfi\nexpect:\n  faults: [{dir: read}]\n", SCN_PATH_FAST, &r);
    cr_expect_not_null(strstr(r.failure, "the run made only 0 faults"), "%s", r.failure);
    run_result_free(&r);
    run(BOARD "guest:\n  asm: |\n    movz x0, #0x900, lsl #16\n    ldr w1, [x0]\n    wfi\n"
              "expect:\n  faults: []\n",
        SCN_PATH_FAST, &r);
    cr_expect_not_null(strstr(r.failure, "the first extra one: read of 4 bytes"), "%s", r.failure);
    run_result_free(&r);
    run(BOARD "guest:\n  asm: |\n    wfi\nexpect:\n  memory: [{address: 0x40000000, bytes: \"7f 20 03 d4\"}]\n",
        SCN_PATH_FAST, &r);
    cr_expect_not_null(strstr(r.failure, "byte at 0x40000003: expected 0xd4, got 0xd5"), "%s", r.failure);
    run_result_free(&r);
    run(BOARD "guest:\n  asm: |\n    wfi\nexpect:\n  devices: {dev: {word: 1}}\n", SCN_PATH_FAST, &r);
    cr_expect_not_null(strstr(r.failure, "expect.devices.dev.word: expected 0x1, got 0x0"), "%s", r.failure);
    run_result_free(&r);
    run(BOARD "guest:\n  asm: |\n    wfi\nexpect:\n  uart: \"hi\"\n", SCN_PATH_FAST, &r);
    cr_expect_not_null(strstr(r.failure, "expect.uart: expected \"hi\", got \"\""), "%s", r.failure);
    run_result_free(&r);
}

Test(runner, events_fire_at_exact_virtual_times)
{
    struct run_result r;
    run(BOARD "guest:\n  asm: |\n    nop\n    nop\n    nop\n    mrs x1, cntvct_el0\n    nop\n    wfi\n"
              "events:\n  - {at: 2, irq: 33, level: high}\n  - {at: 2, irq: 34, level: high}\n"
              "  - {at: 5, irq: 33, level: low}\n"
              "expect: {registers: {x1: 4}}\n",
        SCN_PATH_FAST, &r);
    cr_expect_eq(r.failed, 0, "%s", r.failure);
    cr_assert_eq(r.trace.n, 4);
    cr_expect_eq(r.trace.ev[0].kind, TR_IRQ);
    cr_expect_eq(r.trace.ev[0].t, 2);
    cr_expect_eq(r.trace.ev[0].line, 33);
    cr_expect_eq(r.trace.ev[1].line, 34);
    cr_expect_eq(r.trace.ev[2].t, 5);
    cr_expect(!r.trace.ev[2].level);
    cr_expect_eq(r.trace.ev[3].kind, TR_EXIT);
    run_result_free(&r);
}

Test(runner, assembler_errors_point_at_the_line)
{
    const char *text = BOARD "guest:\n  asm: |\n    nop\n    lodr w1, [x0]\n";
    struct scenario *s = load(text);
    struct runner_opts o = {.path = SCN_PATH_FAST};
    struct run_result r;
    struct scn_error err;
    cr_assert_eq(runner_run(s, &o, &r, &err), -1);
    cr_expect_str_eq(err.file, "inline.yaml");
    cr_expect_eq(err.line, 11, "line %u", err.line);
    cr_expect_not_null(strstr(err.message, "assembler"), "%s", err.message);
    cr_expect_not_null(strstr(err.message, "lodr"), "%s", err.message);
    run_result_free(&r);
    scenario_free(s);
}

static memory_fault_result_t answer(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)vm;
    (void)len;
    (*(int *)cookie)++;
    set_vcpu_fault_data(vcpu, paddr & 0xfff);
    advance_vcpu_fault(vcpu);
    return FAULT_HANDLED;
}

Test(runner, registered_handlers)
{
    int calls = 0;
    struct runner_handler h = {.name = "answer", .fn = answer, .cookie = &calls};
    const char *text = "arch: arm64\nmemory:\n  ram: [{base: 0x40000000, size: 0x10000}]\n"
                       "  devices: [{name: mine, model: handler, handler: answer, base: 0x9000000}]\n"
                       "guest:\n  asm: |\n    movz x0, #0x900, lsl #16\n    ldr w1, [x0, #0x24]\n    wfi\n"
                       "expect: {registers: {x1: 0x24}}\n";
    struct scenario *s = load(text);
    struct runner_opts o = {.path = SCN_PATH_EXIT, .handlers = &h, .nhandlers = 1};
    struct run_result r;
    struct scn_error err;
    cr_assert_eq(runner_run(s, &o, &r, &err), 0, "%s", err.message);
    cr_expect_eq(r.failed, 0, "%s", r.failure);
    cr_expect_eq(calls, 1);
    run_result_free(&r);
    o.nhandlers = 0;
    cr_expect_eq(runner_run(s, &o, &r, &err), -1);
    cr_expect_not_null(strstr(err.message, "no handler is registered as 'answer'"), "%s", err.message);
    cr_expect_eq(err.line, 4);
    run_result_free(&r);
    scenario_free(s);
}

Test(runner, altered_trace_reports_the_divergence)
{
    const char *text = BOARD "guest:\n  asm: |\n    movz x0, #0x900, lsl #16\n    ldr w1, [x0]\n    add w1, w1, #1\n"
                             "    str w1, [x0, #4]\n    ldr w2, [x0, #4]\n    wfi\n";
    struct scenario *s = load(text);
    struct runner_opts o = {.path = SCN_PATH_FAST};
    struct run_result r;
    struct scn_error err;
    cr_assert_eq(runner_run(s, &o, &r, &err), 0, "%s", err.message);
    char path[] = "/tmp/vmfault-trace-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    cr_assert_eq(record_write(f, s, &o, &r), 0);
    fclose(f);

    /* Replayed as recorded: identical. */
    struct replay_file rf;
    cr_assert_eq(replay_load(path, &rf, &err), 0, "%s:%u:%u: %s", err.file, err.line, err.col, err.message);
    struct runner_opts ro = {.path = SCN_PATH_EXIT, .replay = &rf.trace, .image = &rf.image};
    struct run_result rr;
    cr_assert_eq(runner_run(rf.scenario, &ro, &rr, &err), 0, "%s", err.message);
    cr_expect(!rr.diverged, "%s", rr.divergence);
    cr_expect_str_eq(rr.digest, r.digest, "the replay on the other path has the same digest");
    run_result_free(&rr);
    replay_free(&rf);

    /* Alter the recorded read of the ID register: the guest now stores 0x2c, not 0x2b. */
    FILE *in = fopen(path, "r");
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, in);
    buf[n] = 0;
    fclose(in);
    char *hit = strstr(buf, "data: 0x2a, result: handled");
    cr_assert_not_null(hit);
    hit[9] = 'b'; /* "data: 0x2a" -> "data: 0x2b" */
    FILE *out = fopen(path, "w");
    fwrite(buf, 1, n, out);
    fclose(out);
    cr_assert_eq(replay_load(path, &rf, &err), 0, "%s", err.message);
    cr_assert_eq(runner_run(rf.scenario, &ro, &rr, &err), 0, "%s", err.message);
    cr_expect(rr.diverged);
    cr_expect_not_null(strstr(rr.divergence, "event 1: expected t=4 cpu0 write of 4 bytes at 0x9000004 on dev = 0x2b"),
                       "%s", rr.divergence);
    cr_expect_not_null(strstr(rr.divergence, "got t=4 cpu0 write of 4 bytes at 0x9000004 on dev = 0x2c"), "%s",
                       rr.divergence);
    run_result_free(&rr);
    replay_free(&rf);
    remove(path);
    run_result_free(&r);
    scenario_free(s);
}

Test(runner, snapshot_restore_reruns_to_the_same_digest)
{
    const char *good = "arch: arm64\nmemory:\n  ram: [{base: 0x40000000, size: 0x100000}]\n  devices:\n"
                       "    - {name: adc, model: regfile, base: 0x9000000, registers: [{name: s, offset: 0, size: 4,\n"
                       "       values: [3, 1, 4, 1, 5]}, {name: acc, offset: 4, size: 4, passthrough: 0}]}\n"
                       "    - {name: uart0, model: pl011, base: 0x9100000}\n"
                       "guest:\n  asm: |\n"
                       "    movz x0, #0x900, lsl #16\n    movz x4, #0x910, lsl #16\n    mov x3, #40\n"
                       "    loop:\n      ldr w1, [x0]\n      ldr w2, [x0, #4]\n      add w2, w2, w1\n"
                       "      str w2, [x0, #4]\n      add w5, w1, #0x30\n      strb w5, [x4]\n"
                       "      str x2, [x6, #8]!\n"
                       "      subs x3, x3, #1\n      b.ne loop\n    wfi\n"
                       "registers: {x6: 0x40080000}\n";
    struct scenario *s = load(good);
    struct runner_opts o = {.path = SCN_PATH_FAST};
    struct run_result r;
    struct scn_error err;
    struct runner_session *ss;
    cr_assert_eq(runner_open(s, &o, &r, &ss, &err), 0, "%s", err.message);
    cr_assert_eq(runner_continue(ss, 100), 0, "paused");
    struct runner_snap *snap;
    cr_assert_eq(runner_snapshot(ss, &snap), 0);
    cr_assert_eq(runner_continue(ss, 0), 1);
    cr_expect_eq(r.reason, TR_EXIT_WFI, "%s", r.error);
    char digest[65], uart[64];
    memcpy(digest, r.digest, 65);
    snprintf(uart, sizeof(uart), "%.*s", (int)r.uart_len, r.uart);
    cr_expect_eq(strlen(uart), 40);
    size_t events = r.trace.n;
    for (int k = 0; k < 2; k++) {
        cr_assert_eq(runner_restore(ss, snap), 0);
        cr_expect_eq(r.trace.n < events, true, "the trace is cut back to the snapshot");
        cr_assert_eq(runner_continue(ss, 0), 1);
        cr_expect_str_eq(r.digest, digest, "re-run %d after restore", k);
        cr_expect_eq(r.trace.n, events);
        cr_expect_eq(r.uart_len, 40);
    }
    /* A straight run without the pause gives the same digest. */
    struct run_result straight;
    cr_assert_eq(runner_run(s, &o, &straight, &err), 0);
    cr_expect_str_eq(straight.digest, digest);
    run_result_free(&straight);
    runner_snap_free(snap);
    runner_close(ss);
    run_result_free(&r);
    scenario_free(s);
}

Test(runner, snapshot_with_timer_gic_and_smp_state)
{
    const char *root = getenv("VMFAULT_SCENARIOS");
    cr_assert_not_null(root);
    const char *files[] = {"platform/01-timer-one-shot.yaml", "platform/06-sgi-between-cpus.yaml"};
    for (size_t k = 0; k < 2; k++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", root, files[k]);
        struct scenario *s;
        struct scn_error err;
        cr_assert_eq(scenario_load_file(path, &s, &err), 0, "%s", err.message);
        if (k == 0)
            s->cpus = 1; /* one vCPU: the pause lands exactly at t=200, mid-round */
        struct runner_opts o = {.path = SCN_PATH_FAST};
        struct run_result straight;
        cr_assert_eq(runner_run(s, &o, &straight, &err), 0, "%s", err.message);
        cr_assert_eq(straight.failed, 0, "%s", straight.failure);
        /* pause mid-run (timer armed, second CPU possibly running), snapshot, finish, restore, finish again */
        struct run_result r;
        struct runner_session *ss;
        cr_assert_eq(runner_open(s, &o, &r, &ss, &err), 0);
        cr_assert_eq(runner_continue(ss, k == 0 ? 200 : 1000), 0); /* SMP: at a round's end */
        struct runner_snap *snap;
        cr_assert_eq(runner_snapshot(ss, &snap), 0);
        cr_assert_eq(runner_continue(ss, 0), 1);
        cr_expect_str_eq(r.digest, straight.digest, "%s: pausing changed the run", files[k]);
        for (int i = 0; i < 2; i++) {
            cr_assert_eq(runner_restore(ss, snap), 0);
            cr_assert_eq(runner_continue(ss, 0), 1);
            cr_expect_str_eq(r.digest, straight.digest, "%s: restore %d", files[k], i);
            cr_expect_eq(r.failed, 0, "%s: %s", files[k], r.failure);
        }
        runner_snap_free(snap);
        runner_close(ss);
        run_result_free(&r);
        run_result_free(&straight);
        scenario_free(s);
    }
}

/* ---- x86-64 ------------------------------------------------------------------------------------------ */

#define X86RAM                                                                                                         \
    "arch: x86-64\n"                                                                                                   \
    "memory:\n"                                                                                                        \
    "  ram: [{base: 0x100000, size: 0x10000}]\n"                                                                       \
    "  devices:\n"                                                                                                     \
    "    - {name: dev, model: regfile, base: 0xfeb00000, registers: [{name: id, offset: 0, size: 4, const: 0x2a}]}\n"
#define X86BOARD                                                                                                       \
    X86RAM "x86:\n"                                                                                                    \
           "  ports:\n"                                                                                                \
           "    - {name: com1, model: uart8250, first: 0x3f8}\n"                                                       \
           "    - {name: testdev, model: debug-exit, first: 0xf4}\n"

static void load_err(const char *text, uint32_t line, uint32_t col, const char *msg)
{
    struct scenario *s = (struct scenario *)1;
    struct scn_error err;
    int rc = scenario_load_string(text, strlen(text), "inline.yaml", &s, &err);
    cr_assert_eq(rc, -1, "expected '%s', got no error", msg);
    cr_expect_null(s);
    cr_expect_str_eq(err.file, "inline.yaml");
    cr_expect_eq(err.line, line, "line %u, want %u (%s)", err.line, line, err.message);
    cr_expect_eq(err.col, col, "col %u, want %u (%s)", err.col, col, err.message);
    cr_expect_str_eq(err.message, msg);
}

Test(runner, x86_registers_by_name)
{
    struct run_result r;
    run(X86BOARD "registers: {rbx: 5, r15: 0x1111, rflags: 0x202}\n"
                 "guest:\n  asm: |\n    add %rbx, %rbx\n    mov %rsp, %rax\n    hlt\n"
                 "expect:\n  exit: hlt\n  registers: {rbx: 10, rax: 0x110000, r15: 0x1111, rip: 0x100007, "
                 "rflags: 0x206}\n",
        SCN_PATH_FAST, &r);
    cr_expect_eq(r.reason, TR_EXIT_HLT, "%s", tr_exit_name(r.reason));
    cr_expect_eq(r.failed, 0, "%s", r.failure);
    cr_expect_eq(r.checked, 6);
    cr_expect_eq(r.xexits, 1, "the HLT is a traced exit");
    cr_expect_eq(r.icount, 3);
    run_result_free(&r);
    run(X86BOARD "registers: {rbx: 5}\nguest:\n  asm: |\n    hlt\nexpect:\n  registers: {rbx: 6}\n", SCN_PATH_EXIT, &r);
    cr_expect_str_eq(r.failure, "inline.yaml:15:15: expect.registers.rbx: expected 0x6, got 0x5");
    cr_expect_eq(r.reason, TR_EXIT_HALT, "IF=0: a halt");
    run_result_free(&r);
}

#define XB "arch: x86-64\nmemory: {ram: [{base: 0x100000, size: 0x10000}]}\nguest: {hex: f4}\n"
#define AB "arch: arm64\nguest: {hex: d503207f}\n"

Test(runner, x86_loader_errors_name_file_line_and_column)
{
    /* registers by the architecture's names */
    load_err(XB "registers: {x0: 1}\n", 4, 13,
             "unknown register 'x0' (rax..r15, rip, rflags, cr0..cr8, efer, fs_base, gs_base, dr0..dr7, ...)");
    load_err(AB "registers: {rax: 1}\n", 3, 13, "unknown register 'rax' (x0..x30, sp, pc or nzcv)");
    load_err("arch: amd64\n", 1, 7, "unknown arch 'amd64' (arm64 or x86-64)");
    /* x86.cpuid, x86.msrs, x86.vmcalls */
    load_err(XB "x86:\n  cpuid: [{eax: 1}]\n", 5, 11, "cpuid entry needs 'leaf'");
    load_err(XB "x86:\n  cpuid: [{leaf: 1, subleaf: 0xffffffff}]\n", 5, 30,
             "subleaf 0xffffffff is reserved (leave 'subleaf' out for any subleaf)");
    load_err(XB "x86:\n  cpuid: [{leaf: 0x1_0000_0000}]\n", 5, 18, "'leaf' must be between 0 and 4294967295");
    load_err(XB "x86:\n  msrs: [{msr: 0xc0000080, value: 0}]\n", 5, 16,
             "MSR 0xc0000080 is EFER: the CPU holds it, it cannot be preset");
    load_err(XB "x86:\n  msrs: [{msr: 0x1b}]\n", 5, 10, "msr entry needs 'value'");
    load_err(XB "x86:\n  vmcalls: [{nr: 1}]\n", 5, 13,
             "vmcall 1 needs a behaviour: 'return', 'log: true' or 'exit: true'");
    load_err(XB "x86:\n  vmcalls: [{nr: 1, return: r8}]\n", 5, 29,
             "'return' must be a number or an argument register (rbx, rcx, rdx, rsi), not 'r8'");
    load_err(XB "x86:\n  vmcalls:\n    - {nr: 1, log: true}\n    - {nr: 1, return: 2}\n", 7, 12,
             "duplicate vmcall 1 (first at inline.yaml:6:7)");
    load_err(XB "x86:\n  vmcalls: [{nr: 1, exit: true, return: 2}]\n", 5, 33,
             "vmcall 1 ends the run ('exit: true'): it returns nothing");
    load_err(XB "x86:\n  unhandled: maybe\n", 5, 14, "unknown unhandled policy 'maybe' (error or ignore)");
    load_err(XB "x86:\n  bogus: 1\n", 5, 3, "unknown key 'bogus' in x86");
    /* x86.ports */
    load_err(XB "x86:\n  ports: [{name: a, model: pl011, first: 0x3f8}]\n", 5, 28,
             "unknown port device model 'pl011' (regfile, uart8250, debug-exit, reset-control or acpi-pm)");
    load_err(XB "x86:\n  ports: [{name: a, model: uart8250, first: 0x10000}]\n", 5, 45,
             "'first' must be between 0 and 65535");
    load_err(XB "x86:\n  ports:\n    - {name: a, model: uart8250, first: 0x3f8}\n"
                "    - {name: b, model: debug-exit, first: 0x3fc}\n",
             7, 7, "ports [0x3fc, 0x3ff] of 'b' overlap 'a' [0x3f8, 0x3ff] (at inline.yaml:6:7)");
    load_err(XB
             "x86:\n  ports: [{name: a, model: regfile, first: 0x70, registers: [{offset: 0, size: 8, const: 1}]}]\n",
             5, 80, "port registers are 1, 2 or 4 bytes (an IN or OUT moves at most 4)");
    load_err(XB "x86:\n  ports: [{name: a, model: regfile, first: 0x70, last: 0x71, "
                "registers: [{offset: 2, size: 1, const: 1}]}]\n",
             5, 83, "register offset 0x2 is outside the port range (0x2 ports)");
    load_err(XB "x86:\n  ports: [{name: a, model: uart8250, first: 0x3f8, registers: []}]\n", 5, 52,
             "'registers' is only valid for model regfile");
    load_err(XB "x86:\n  ports: [{name: a, model: debug-exit, first: 0xf4, last: 0xf0}]\n", 5, 59,
             "'last' (0xf0) is below 'first' (0xf4)");
    load_err(XB "x86:\n  ports: [{name: a, model: debug-exit, first: 0xf4, path: exit}]\n", 5, 53,
             "unknown key 'path' in x86.ports[0]");
    load_err(X86RAM "guest: {hex: f4}\nx86:\n  ports: [{name: dev, model: debug-exit, first: 0xf4}]\n", 8, 18,
             "duplicate device name 'dev' (first at inline.yaml:5:7)");
    /* expect.exits */
    load_err(XB "expect:\n  exits: [{kind: cpuid, port: 0x3f8}]\n", 5, 25, "'port' is only valid for kind inout");
    load_err(XB "expect:\n  exits: [{kind: vmexit}]\n", 5, 18,
             "unknown exit kind 'vmexit' (inout, cpuid, rdmsr, wrmsr, vmcall, invd or hlt)");
    load_err(XB "expect:\n  exits: [{size: 8}]\n", 5, 18,
             "'size' must be 1, 2 or 4 (an IN or OUT moves at most 4 bytes)");
    load_err(XB "expect:\n  exits: [{device: nope}]\n", 5, 20, "no device named 'nope'");
    /* what belongs to one architecture */
    load_err(XB "expect:\n  exit: wfi\n", 5, 9,
             "exit 'wfi' is arm64's; an x86-64 vCPU waits with HLT: 'hlt' (RFLAGS.IF=1) or 'halt' (IF=0)");
    load_err(AB "expect:\n  exit: hlt\n", 4, 9, "exit 'hlt' is x86-64's; an arm64 vCPU waits with WFI: 'wfi'");
    load_err(AB "x86:\n  unhandled: ignore\n", 3, 1, "'x86' is only valid with arch: x86-64");
    load_err(AB "expect:\n  exits: []\n", 4, 3, "expect.exits is only valid with arch: x86-64");
    load_err(XB "stop: {wfi: false}\n", 4, 8, "stop.wfi is for arm64 scenarios (use stop.hlt)");
    load_err(XB "stop: {wfi: false, hlt: true}\n", 4, 20,
             "stop has both 'wfi' and 'hlt' (arm64 waits with WFI, x86-64 with HLT)");
    load_err(XB "cpus: 2\n", 4, 7, "x86-64 scenarios run on one vCPU (cpus: 1)");
    load_err(XB "platform: {psci: hvc}\n", 4, 12, "platform.psci is arm64 only");
}

/* Registers named in an include that has no arch wait until the arch is known;
 * a register given twice keeps the includer's value. */
Test(runner, x86_registers_resolved_after_the_arch)
{
    char dir[] = "/tmp/vmfault-inc-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char inc[64], mainf[64];
    snprintf(inc, sizeof(inc), "%s/regs.yaml", dir);
    snprintf(mainf, sizeof(mainf), "%s/main.yaml", dir);
    FILE *f = fopen(inc, "w");
    fputs("registers: {rbx: 1, rcx: 2}\nexpect: {registers: {rcx: 2}}\n", f);
    fclose(f);
    f = fopen(mainf, "w");
    fputs("include: regs.yaml\narch: x86-64\nmemory: {ram: [{base: 0x100000, size: 0x10000}]}\n"
          "guest: {hex: f4}\nregisters: {rbx: 3}\n",
          f);
    fclose(f);
    struct scenario *s;
    struct scn_error err;
    cr_assert_eq(scenario_load_file(mainf, &s, &err), 0, "%s:%u:%u: %s", err.file, err.line, err.col, err.message);
    cr_expect_eq(s->nregs, 2);
    for (size_t i = 0; i < s->nregs; i++)
        cr_expect_eq(s->regs[i].value, s->regs[i].reg == VMF_X86_REG_RBX ? 3u : 2u);
    cr_expect_eq(s->nexpect_regs, 1);
    cr_expect_eq(s->expect_regs[0].reg, VMF_X86_REG_RCX);
    scenario_free(s);
    /* ... and a name the arch does not have is reported where it was written */
    f = fopen(inc, "w");
    fputs("registers: {x1: 1}\n", f);
    fclose(f);
    cr_expect_eq(scenario_load_file(mainf, &s, &err), -1);
    cr_expect_str_eq(err.file, inc);
    cr_expect_eq(err.line, 1);
    cr_expect_eq(err.col, 13);
    cr_expect_str_eq(err.message,
                     "unknown register 'x1' (rax..r15, rip, rflags, cr0..cr8, efer, fs_base, gs_base, dr0..dr7, ...)");
    remove(inc);
    remove(mainf);
    rmdir(dir);
}

Test(runner, x86_unhandled_exits_end_the_run_naming_them)
{
    static const struct {
        const char *guest, *error;
    } cases[] = {
        {"    mov $0x12, %al\n    out %al, $0x80\n",
         "unhandled INOUT exit: OUT to port 0x80 (1 byte, value 0x12) at rip 0x100002: no x86.ports device covers it"},
        {"    mov $0x70, %dx\n    in %dx, %ax\n",
         "unhandled INOUT exit: IN from port 0x70 (2 bytes) at rip 0x100004: no x86.ports device covers it"},
        {"    mov $0x3a, %ecx\n    rdmsr\n",
         "unhandled RDMSR exit: MSR 0x3a at rip 0x100005 is not in x86.msrs and was never written"},
        {"    mov $0x10, %ecx\n    wrmsr\n",
         "unhandled WRMSR exit: MSR 0x10 = 0x0 at rip 0x100005: IA32_TSC is virtual time, the guest cannot set it"},
        {"    mov $7, %eax\n    vmcall\n",
         "unhandled VMCALL exit: call 7 (RAX) at rip 0x100005: no x86.vmcalls entry for it"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[2048];
        snprintf(text, sizeof(text), X86BOARD "guest:\n  asm: |\n%s    hlt\n", cases[i].guest);
        for (uint8_t path = SCN_PATH_FAST; path <= SCN_PATH_EXIT; path++) {
            struct run_result r;
            run(text, path, &r);
            cr_expect_eq(r.reason, TR_EXIT_ERROR, "case %zu: %s", i, tr_exit_name(r.reason));
            cr_expect_str_eq(r.error, cases[i].error, "case %zu", i);
            cr_expect_eq(r.failed, 1, "an unexpected error fails the run");
            cr_assert_geq(r.trace.n, 2);
            const struct tr_event *e = &r.trace.ev[r.trace.n - 2];
            cr_expect_eq(e->kind, TR_X86, "case %zu: the exit is traced", i);
            cr_expect_eq(e->result, VMF_X86_UNHANDLED, "case %zu", i);
            run_result_free(&r);
        }
    }
    /* unless the scenario says otherwise: x86.unhandled: ignore */
    struct run_result r;
    run(X86RAM "x86: {unhandled: ignore}\n"
               "guest:\n  asm: |\n    in $0x80, %al\n    mov %rax, %r8\n    mov $0x3a, %ecx\n    rdmsr\n"
               "    mov %rax, %r9\n    mov $9, %eax\n    vmcall\n    hlt\n"
               "expect:\n  exit: halt\n  registers: {r8: 0xff, r9: 0, rax: 0xfffffffffffffc18}\n"
               "  exits:\n    - {kind: inout, port: 0x80, dir: in, value: 0xff}\n"
               "    - {kind: rdmsr, msr: 0x3a, value: 0}\n    - {kind: vmcall, nr: 9, value: 0xfffffffffffffc18}\n"
               "    - {kind: hlt}\n",
        SCN_PATH_FAST, &r);
    cr_expect_eq(r.failed, 0, "%s", r.failure);
    run_result_free(&r);
}

Test(runner, x86_expect_exits_report_the_first_difference)
{
    const char *guest = "guest:\n  asm: |\n    mov $0x3f8, %dx\n    mov $0x41, %al\n    out %al, %dx\n"
                        "    xor %eax, %eax\n    cpuid\n    hlt\n";
    char text[4096];
    struct run_result r;
    snprintf(text, sizeof(text), X86BOARD "%sexpect:\n  exits:\n    - {kind: inout, port: 0x3f8, value: 0x42}\n",
             guest);
    run(text, SCN_PATH_FAST, &r);
    cr_expect_eq(r.failed, 1);
    cr_expect_str_eq(r.failure, "inline.yaml:20:7: expect.exits[0]: expected { inout port 0x3f8 value 0x42 }\n"
                                "  got exit 0: t=3 cpu0 inout out of 1 byte at port 0x3f8 on com1 = 0x41 by rip "
                                "0x100006, handled: out dx, al");
    run_result_free(&r);
    snprintf(text, sizeof(text), X86BOARD "%sexpect:\n  exits:\n    - {kind: inout, dir: out, device: com1}\n", guest);
    run(text, SCN_PATH_FAST, &r);
    cr_expect_str_eq(r.failure, "inline.yaml:19:3: expect.exits: the run made 3 exits, 1 expected; the first extra "
                                "one: t=5 cpu0 cpuid leaf 0x0 subleaf 0x0 = eax 0x1 ebx 0x61666d76 ecx 0x544c464d "
                                "edx 0x56746c75 by rip 0x100009, handled: cpuid");
    run_result_free(&r);
    snprintf(text, sizeof(text),
             X86BOARD "%sexpect:\n  exits_exact: false\n  exits:\n    - {kind: cpuid, leaf: 0}\n"
                      "    - {kind: hlt, rip: 0x10000b}\n",
             guest);
    run(text, SCN_PATH_EXIT, &r);
    cr_expect_eq(r.failed, 0, "%s", r.failure);
    cr_expect_eq(r.checked, 2);
    run_result_free(&r);
    snprintf(text, sizeof(text), X86BOARD "%sexpect:\n  exits_exact: false\n  exits:\n    - {kind: rdmsr}\n", guest);
    run(text, SCN_PATH_FAST, &r);
    cr_expect_str_eq(r.failure, "inline.yaml:21:7: expect.exits[0]: no exit { rdmsr } in the rest of the run");
    run_result_free(&r);
}

Test(runner, x86_debug_exit_and_vmcall_exit_report_a_status)
{
    struct run_result r;
    run(X86BOARD "guest:\n  asm: |\n    mov $0x20, %al\n    out %al, $0xf5\n    hlt\n"
                 "expect: {exit: test-exit, status: 0x41}\n",
        SCN_PATH_EXIT, &r);
    cr_expect_eq(r.reason, TR_EXIT_TEST);
    cr_expect_eq(r.status, 0x41, "(0x20 << 1) | 1");
    cr_expect_eq(r.failed, 0, "%s", r.failure);
    cr_expect_eq(r.icount, 2, "the OUT completed");
    run_result_free(&r);
    run(X86RAM "x86: {vmcalls: [{nr: 0x100, exit: true}]}\n"
               "guest:\n  asm: |\n    mov $0x100, %eax\n    mov $3, %ebx\n    vmcall\n    hlt\n"
               "expect: {exit: test-exit, status: 3, exits: [{kind: vmcall, nr: 0x100, args: [3, 0]}]}\n",
        SCN_PATH_FAST, &r);
    cr_expect_eq(r.failed, 0, "%s", r.failure);
    cr_expect_eq(r.status, 3);
    run_result_free(&r);
}

/* A port device replayed from its trace: the IN comes from the trace, so an
 * altered value changes what the guest writes next, and the replay says where. */
Test(runner, x86_altered_port_read_reports_the_divergence)
{
    const char *text = X86BOARD "guest:\n  asm: |\n    mov $0x3fd, %dx\n    in %dx, %al\n    mov $0x3f8, %dx\n"
                                "    out %al, %dx\n    hlt\n";
    struct scenario *s = load(text);
    struct runner_opts o = {.path = SCN_PATH_FAST};
    struct run_result r;
    struct scn_error err;
    cr_assert_eq(runner_run(s, &o, &r, &err), 0, "%s", err.message);
    char path[] = "/tmp/vmfault-trace-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    cr_assert_eq(record_write(f, s, &o, &r), 0);
    fclose(f);

    struct replay_file rf;
    cr_assert_eq(replay_load(path, &rf, &err), 0, "%s:%u:%u: %s", err.file, err.line, err.col, err.message);
    cr_expect_eq(rf.scenario->arch, SCN_ARCH_X86_64);
    struct runner_opts ro = {.path = SCN_PATH_EXIT, .replay = &rf.trace, .image = &rf.image};
    struct run_result rr;
    cr_assert_eq(runner_run(rf.scenario, &ro, &rr, &err), 0, "%s", err.message);
    cr_expect(!rr.diverged, "%s", rr.divergence);
    cr_expect_str_eq(rr.digest, r.digest);
    run_result_free(&rr);
    replay_free(&rf);

    FILE *in = fopen(path, "r");
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, in);
    buf[n] = 0;
    fclose(in);
    char *hit = strstr(buf, "dir: in, size: 1, value: 0x60");
    cr_assert_not_null(hit, "%s", buf);
    hit[28] = '1'; /* the LSR read: 0x60 -> 0x61 */
    FILE *out = fopen(path, "w");
    fwrite(buf, 1, n, out);
    fclose(out);
    cr_assert_eq(replay_load(path, &rf, &err), 0, "%s", err.message);
    cr_assert_eq(runner_run(rf.scenario, &ro, &rr, &err), 0, "%s", err.message);
    cr_expect(rr.diverged);
    cr_expect_str_eq(rr.divergence, "event 1: expected t=4 cpu0 inout out of 1 byte at port 0x3f8 on com1 = 0x60 by "
                                    "rip 0x100009, handled\n  got t=4 cpu0 inout out of 1 byte at port 0x3f8 on com1 "
                                    "= 0x61 by rip 0x100009, handled");
    cr_expect_eq(rr.reason, TR_EXIT_ERROR);
    cr_expect_str_eq(rr.error, "replay: the OUT of 1 byte at port 0x3f8 by rip 0x100009 differs from the recorded one");
    run_result_free(&rr);
    replay_free(&rf);
    remove(path);
    run_result_free(&r);
    scenario_free(s);
}

/* The loader's x86 register names are the engine's (vmf_x86_reg_by_name), one for one. */
Test(runner, x86_register_names_are_the_engines)
{
    for (unsigned i = 0; i < VMF_X86_REG_COUNT; i++) {
        const char *name = vmf_x86_reg_name(i);
        cr_assert_not_null(name);
        cr_expect_eq(vmf_x86_reg_by_name(name), (int)i);
        char text[256];
        snprintf(text, sizeof(text), XB "registers: {%s: 0}\n", name);
        struct scenario *s = load(text);
        cr_expect_eq(s->nregs, 1);
        cr_expect_eq(s->regs[0].reg, i, "%s", name);
        scenario_free(s);
    }
}
