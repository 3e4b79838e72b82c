/* vmfault benchmarks — the shared harness (harness.h). */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int fail(const char *figure, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: %s: ", bench_program, figure);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

int now_ns(uint64_t *t)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return -1;
    *t = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, unsigned n)
{
    qsort(t, n, sizeof(t[0]), cmp_double);
    return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2.0;
}

bool skipped(const struct opts *o, const char *name)
{
    for (unsigned i = 0; i < o->nskip; i++)
        if (!strcmp(o->skip[i], name))
            return true;
    return false;
}

int measure(const struct opts *o, struct results *res, const char *name, const char *unit, const char *what,
            uint64_t count, rep_fn fn, void *ctx)
{
    if (skipped(o, name)) {
        if (res->nskipped < MAX_SKIPS)
            res->skipped[res->nskipped++] = name;
        return 0;
    }
    if (res->n >= MAX_FIGURES)
        return fail(name, "too many figures");
    if (o->reps == 0 || o->reps > MAX_REPS)
        return fail(name, "repetitions must be 1..%d", MAX_REPS);
    double t[MAX_REPS];
    uint64_t ns;
    if (fn(ctx, &ns))
        return -1;
    for (unsigned i = 0; i < o->reps; i++) {
        if (fn(ctx, &ns))
            return -1;
        t[i] = (double)ns / (double)count;
    }
    res->fig[res->n++] =
        (struct figure){.name = name, .unit = unit, .what = what, .ns = median(t, o->reps), .count = count};
    return 0;
}

int add_derived(struct results *res, const char *name, const char *unit, const char *what, double ns, uint64_t count)
{
    if (res->n >= MAX_FIGURES)
        return fail(name, "too many figures");
    res->fig[res->n++] = (struct figure){.name = name, .unit = unit, .what = what, .ns = ns, .count = count};
    return 0;
}

const struct figure *find_figure(const struct results *res, const char *name)
{
    for (size_t i = 0; i < res->n; i++)
        if (!strcmp(res->fig[i].name, name))
            return &res->fig[i];
    return NULL;
}

uint64_t scaled(const struct opts *o, uint64_t full)
{
    uint64_t n = o->quick ? full / 10 : full;
    return n ? n : 1;
}
