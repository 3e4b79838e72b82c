#define _DEFAULT_SOURCE
/* The runner: every stop condition, every expectation kind (holding and
 * failing, with the message a user reads), events at exact virtual times,
 * assembler errors at their line, registered C handlers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sel4vm/guest_vcpu_fault.h>

#include "runner/runner.h"

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
