/* vmfault benchmarks — the shared harness: options, timed repetitions with a
 * median, the table of figures, and errors that name the figure.
 *
 * Each benchmark program defines bench_program (its name, for messages). */
#ifndef VMFAULT_BENCH_HARNESS_H
#define VMFAULT_BENCH_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_REPS 100
#define MAX_FIGURES 40
#define MAX_SKIPS 8

extern const char bench_program[];

struct opts {
    bool quick;
    bool yaml;
    unsigned reps;
    const char *skip[MAX_SKIPS]; /* --skip NAME: figures not measured (printed as skipped) */
    unsigned nskip;
};

struct figure {
    const char *name;
    const char *unit; /* "ns/access", "ns/op", "ns/insn", "ns/call" */
    const char *what;
    double ns;      /* median, per unit */
    uint64_t count; /* units per repetition */
};

struct results {
    struct figure fig[MAX_FIGURES];
    size_t n;
    const char *skipped[MAX_SKIPS];
    size_t nskipped;
    double clock_cold_ns; /* bench_x86: the clock_gettime pair subtracted from decode_cold */
};

/* "PROGRAM: FIGURE: message" on stderr; returns -1. */
int fail(const char *figure, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* CLOCK_MONOTONIC in ns; -1 if the clock fails. */
int now_ns(uint64_t *t);

/* Whether --skip named this figure. */
bool skipped(const struct opts *o, const char *name);

/* One repetition: run the work once and put its wall time in *ns. */
typedef int (*rep_fn)(void *ctx, uint64_t *ns);

/* 1 warm-up + opts->reps timed repetitions; record the median per unit
 * (or, for a name in opts->skip, record that it was skipped). */
int measure(const struct opts *o, struct results *res, const char *name, const char *unit, const char *what,
            uint64_t count, rep_fn fn, void *ctx);
/* A figure computed from others. */
int add_derived(struct results *res, const char *name, const char *unit, const char *what, double ns, uint64_t count);
const struct figure *find_figure(const struct results *res, const char *name);
/* An iteration count: full, or a tenth of it with --quick (at least 1). */
uint64_t scaled(const struct opts *o, uint64_t full);

#endif
