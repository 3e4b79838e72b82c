/* vmfault bench — snapshot restore for fuzzing loops.
 *
 * A scenario-sized VM (1 MiB of RAM, a register file, a PL011) is paused
 * mid-run and snapshotted; each iteration restores it and runs 200 more guest
 * instructions that dirty RAM and devices, which is what a fuzzer does per
 * input.  Reported: ns per restore, restores per second, and the ratio to
 * building the VM from the scenario again (runner_open), measured in the same
 * run on the same machine.  `--quick` for CI smoke runs.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runner/runner.h"

static const char scenario[] =
    "arch: arm64\n"
    "memory:\n"
    "  ram: [{base: 0x40000000, size: 0x100000}]\n"
    "  devices:\n"
    "    - {name: adc, model: regfile, base: 0x9000000, registers: [{name: s, offset: 0, size: 4,\n"
    "       values: [3, 1, 4, 1, 5]}, {name: acc, offset: 4, size: 4, passthrough: 0}]}\n"
    "    - {name: uart0, model: pl011, base: 0x9100000}\n"
    "guest:\n"
    "  hex: \"0020a1d2 0422a1d2 037d80d2 010040b9 020440b9 4200010b 020400b9 25c00011 85000039"
    "         c28c00f8 630400f1 01ffff54 7f2003d5\"\n"
    "registers: {x6: 0x40080000}\n"
    "stop: {max_instructions: 100000000}\n";
/* movz x0, #0x900, lsl #16 ; movz x4, #0x910, lsl #16 ; mov x3, #1000
 * loop: ldr w1, [x0] ; ldr w2, [x0, #4] ; add w2, w2, w1 ; str w2, [x0, #4] ; add w5, w1, #0x30
 *       strb w5, [x4] (uart) ; str x2, [x6, #8]! (RAM, a new page every 512 laps) ; subs x3, x3, #1 ; b.ne loop
 * wfi */

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int quick = argc > 1 && !strcmp(argv[1], "--quick");
    int iters = quick ? 200 : 2000, reps = 5;
    struct scenario *s;
    struct scn_error err;
    if (scenario_load_string(scenario, sizeof(scenario) - 1, "bench_snapshot", &s, &err)) {
        fprintf(stderr, "bench_snapshot: %s:%u:%u: %s\n", err.file, err.line, err.col, err.message);
        return 1;
    }
    struct runner_opts o = {.path = SCN_PATH_FAST};
    struct run_result r;
    struct runner_session *ss;
    if (runner_open(s, &o, &r, &ss, &err) || runner_continue(ss, 1000) != 0) {
        fprintf(stderr, "bench_snapshot: cannot start the scenario: %s\n", err.message);
        return 1;
    }
    struct runner_snap *snap;
    if (runner_snapshot(ss, &snap)) {
        fprintf(stderr, "bench_snapshot: snapshot failed\n");
        return 1;
    }
    double restore[5], rerun[5], open[5];
    for (int k = 0; k < reps; k++) {
        double t_restore = 0, t0 = now_ns();
        for (int i = 0; i < iters; i++) {
            double a = now_ns();
            if (runner_restore(ss, snap)) {
                fprintf(stderr, "bench_snapshot: restore failed\n");
                return 1;
            }
            t_restore += now_ns() - a;
            if (runner_continue(ss, 1200) != 0) {
                fprintf(stderr, "bench_snapshot: the guest ended early\n");
                return 1;
            }
        }
        rerun[k] = (now_ns() - t0) / iters;
        restore[k] = t_restore / iters;
        int n = quick ? 5 : 20;
        t0 = now_ns();
        for (int i = 0; i < n; i++) {
            struct run_result r2;
            struct runner_session *s2;
            if (runner_open(s, &o, &r2, &s2, &err)) {
                fprintf(stderr, "bench_snapshot: %s\n", err.message);
                return 1;
            }
            runner_close(s2);
            run_result_free(&r2);
        }
        open[k] = (now_ns() - t0) / n;
    }
    qsort(restore, (size_t)reps, sizeof(double), cmp);
    qsort(rerun, (size_t)reps, sizeof(double), cmp);
    qsort(open, (size_t)reps, sizeof(double), cmp);
    printf("# vmfault bench_snapshot: 1 MiB RAM, a register file and a PL011; median of %d repetitions\n", reps);
    printf("%-26s %12s %12s %10s\n", "figure", "ns", "per second", "ratio");
    printf("%-26s %12.0f %12.0f %10.4f  (to runner_open)\n", "restore", restore[2], 1e9 / restore[2],
           restore[2] / open[2]);
    printf("%-26s %12.0f %12.0f %10.4f  (restore + 200 guest instructions)\n", "restore_and_run", rerun[2],
           1e9 / rerun[2], rerun[2] / open[2]);
    printf("%-26s %12.0f %12.0f %10.4f  (build the VM from the scenario: the baseline)\n", "runner_open", open[2],
           1e9 / open[2], 1.0);
    runner_snap_free(snap);
    runner_close(ss);
    run_result_free(&r);
    scenario_free(s);
    return 0;
}
