/* vmfault bench — the interrupt platform: an SGI-to-self round trip (inject
 * through GICD_SGIR, exception entry, IAR, EOIR, ERET) and timer interrupts,
 * each in ns and as a ratio to a plain MMIO fault measured in the same run.
 * `--quick` for CI smoke runs. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runner/runner.h"

#define BOARD                                                                                                          \
    "arch: arm64\n"                                                                                                    \
    "memory:\n"                                                                                                        \
    "  ram: [{base: 0x40000000, size: 0x100000}]\n"                                                                    \
    "  devices:\n"                                                                                                     \
    "    - {name: gic, model: gicv2, base: 0x08000000, size: 0x10000, cpu_interface: 0x08010000}\n"                    \
    "    - {name: dev, model: regfile, base: 0x09000000, registers: [{name: r, offset: 0, const: 7}]}\n"               \
    "platform: {exceptions: deliver}\n"                                                                                \
    "stop: {max_instructions: 1000000000}\n"

static const char mmio[] = BOARD "guest:\n  asm: |\n"
                                 "    movz x0, #0x900, lsl #16\n"
                                 "    loop:\n      ldr w1, [x0]\n      subs x2, x2, #1\n      b.ne loop\n"
                                 "    wfi\n";

/* Common GIC set-up: x19 GICD, x20 GICC, vectors, distributor and CPU interface on. */
#define GIC_SETUP                                                                                                      \
    "    movz x19, #0x800, lsl #16\n    movz x20, #0x801, lsl #16\n    adr x9, vectors\n    msr vbar_el1, x9\n"        \
    "    isb\n    mov w0, #1\n    str w0, [x19]\n    mov w0, #0xf8\n    str w0, [x20, #4]\n"                           \
    "    mov w0, #1\n    str w0, [x20]\n"

static const char sgi[] =
    BOARD "guest:\n  asm: |\n" GIC_SETUP "    mov w3, #0x02000000\n" /* SGIR: target filter 2 (self), SGI 0 */
          "    msr daifclr, #2\n"
          "    loop:\n      str w3, [x19, #0xf00]\n      cbnz x4, 1f\n      b loop\n"
          "    1:\n      mov x4, #0\n      subs x2, x2, #1\n      b.ne loop\n"
          "    wfi\n"
          "    .balign 2048\n    vectors:\n    .org vectors + 0x280\n"
          "      ldr w5, [x20, #0xc]\n      str w5, [x20, #0x10]\n      mov x4, #1\n      eret\n";

static const char timer[] =
    BOARD "guest:\n  asm: |\n" GIC_SETUP "    mov w0, #(1 << 27)\n    str w0, [x19, #0x100]\n" /* enable PPI 27 */
          "    mov x0, #100\n    msr cntv_tval_el0, x0\n    mov x0, #1\n"
          "    msr cntv_ctl_el0, x0\n    msr daifclr, #2\n"
          "    loop:\n      wfi\n      cbnz x2, loop\n"
          "    mov x0, #0\n    msr cntv_ctl_el0, x0\n    wfi\n"
          "    .balign 2048\n    vectors:\n    .org vectors + 0x280\n"
          "      ldr w5, [x20, #0xc]\n      mov x0, #100\n      msr cntv_tval_el0, x0\n"
          "      str w5, [x20, #0x10]\n      sub x2, x2, #1\n      eret\n";

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Median ns per iteration of a scenario (minus nothing: the loop overhead is
 * part of each figure, as in bench_arm64). */
static double measure(const char *fmt, int iters, int reps, unsigned *faults)
{
    char text[4096];
    snprintf(text, sizeof(text), "%sregisters: {x2: %d}\n", fmt, iters); /* x2 = iterations */
    struct scenario *s;
    struct scn_error err;
    if (scenario_load_string(text, strlen(text), "bench_irq", &s, &err)) {
        fprintf(stderr, "bench_irq: %s:%u:%u: %s\n", err.file, err.line, err.col, err.message);
        exit(1);
    }
    double best[16];
    for (int k = 0; k < reps; k++) {
        struct runner_opts o = {.path = SCN_PATH_FAST};
        struct run_result r;
        struct runner_session *ss;
        if (runner_open(s, &o, &r, &ss, &err)) { /* assembling and building are not timed */
            fprintf(stderr, "bench_irq: %s\n", err.message);
            exit(1);
        }
        double t0 = now_ns();
        runner_continue(ss, 0);
        best[k] = (now_ns() - t0) / iters;
        runner_close(ss);
        if (r.reason != TR_EXIT_WFI) {
            fprintf(stderr, "bench_irq: the guest did not finish (%s): %s\n", tr_exit_name(r.reason), r.error);
            exit(1);
        }
        *faults = r.faults;
        run_result_free(&r);
    }
    scenario_free(s);
    for (int i = 1; i < reps; i++) /* insertion sort: median */
        for (int j = i; j > 0 && best[j] < best[j - 1]; j--) {
            double x = best[j];
            best[j] = best[j - 1];
            best[j - 1] = x;
        }
    return best[reps / 2];
}

int main(int argc, char **argv)
{
    int quick = argc > 1 && !strcmp(argv[1], "--quick");
    int n = quick ? 2000 : 50000, reps = quick ? 3 : 5;
    unsigned f_mmio, f_sgi, f_timer;
    double mmio_ns = measure(mmio, n, reps, &f_mmio);
    double sgi_ns = measure(sgi, n, reps, &f_sgi);
    double timer_ns = measure(timer, n, reps, &f_timer);
    /* sanity: every iteration did its accesses (SGIR + IAR + EOIR per SGI, IAR + EOIR per tick) */
    if (f_mmio < (unsigned)n || f_sgi < 3u * (unsigned)n || f_timer < 2u * (unsigned)n) {
        fprintf(stderr, "bench_irq: fewer faults than iterations (%u, %u, %u)\n", f_mmio, f_sgi, f_timer);
        return 1;
    }
    printf("# vmfault bench_irq: GICv2 + generic timer, fast path; median of %d runs (the run only)\n", reps);
    printf("%-24s %10s %10s %14s\n", "figure", "ns", "ratio", "per second");
    printf("%-24s %10.1f %10.2f %14.0f  (ldr from a register file: the baseline)\n", "mmio_fault", mmio_ns, 1.0,
           1e9 / mmio_ns);
    printf("%-24s %10.1f %10.2f %14.0f  (SGIR write, IRQ entry, IAR, EOIR, ERET)\n", "sgi_round_trip", sgi_ns,
           sgi_ns / mmio_ns, 1e9 / sgi_ns);
    printf("%-24s %10.1f %10.2f %14.0f  (timer fires, IRQ, IAR, re-arm, EOIR, ERET, WFI)\n", "timer_interrupt",
           timer_ns, timer_ns / mmio_ns, 1e9 / timer_ns);
    return 0;
}
