/* vmfault run / record / replay — scenarios from the command line. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "runner/runner.h"

static void print_error(const struct scn_error *e)
{
    if (e->line)
        fprintf(stderr, "%s:%u:%u: %s\n", e->file, e->line, e->col, e->message);
    else
        fprintf(stderr, "%s: %s\n", e->file, e->message);
}

static int parse_path(const char *cmd, const char *p, uint8_t *path)
{
    if (!strcmp(p, "fast"))
        *path = SCN_PATH_FAST;
    else if (!strcmp(p, "exit"))
        *path = SCN_PATH_EXIT;
    else {
        fprintf(stderr, "vmfault %s: --path must be fast or exit, not '%s'\n", cmd, p);
        return -1;
    }
    return 0;
}

static void summary(const struct scenario *s, const struct runner_opts *o, const struct run_result *r)
{
    printf("scenario: %s\n", s->name);
    printf("path: %s\n", o->path == SCN_PATH_EXIT ? "exit" : "fast");
    printf("exit: %s at pc 0x%llx after %llu instructions", tr_exit_name(r->reason), (unsigned long long)r->pc,
           (unsigned long long)r->icount);
    if (r->reason == TR_EXIT_TEST || r->reason == TR_EXIT_POWEROFF)
        printf(" (status %u)", r->status);
    printf("\n");
    if (r->error[0])
        printf("error: %s\n", r->error);
    printf("faults: %u\n", r->faults);
}

static int write_trace(const char *file, const struct scenario *s, const struct runner_opts *o,
                       const struct run_result *r)
{
    FILE *f = fopen(file, "w");
    if (!f || record_write(f, s, o, r) || fclose(f)) {
        fprintf(stderr, "vmfault: cannot write the trace to %s\n", file);
        return -1;
    }
    return 0;
}

/* run and record share everything but the trace file being required. */
static int run_or_record(int argc, char **argv, bool record)
{
    const char *cmd = record ? "record" : "run", *file = NULL, *trace = NULL;
    struct runner_opts o = {.path = SCN_PATH_FAST};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--path") && i + 1 < argc) {
            if (parse_path(cmd, argv[++i], &o.path))
                return 2;
        } else if ((!strcmp(argv[i], "--trace") || !strcmp(argv[i], "-o")) && i + 1 < argc) {
            trace = argv[++i];
        } else if (!strcmp(argv[i], "--explain")) {
            o.explain = stdout;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "vmfault %s: unknown option '%s'\n", cmd, argv[i]);
            return 2;
        } else if (!file) {
            file = argv[i];
        } else {
            fprintf(stderr, "vmfault %s: one scenario at a time ('%s' is extra)\n", cmd, argv[i]);
            return 2;
        }
    }
    if (!file || (record && !trace)) {
        fprintf(stderr, record ? "usage: vmfault record SCENARIO -o TRACE.yaml [--path fast|exit]\n"
                               : "usage: vmfault run SCENARIO [--path fast|exit] [--trace FILE] [--explain]\n");
        return 2;
    }
    struct scenario *s;
    struct scn_error err;
    if (scenario_load_file(file, &s, &err)) {
        print_error(&err);
        return 2;
    }
    struct run_result r;
    if (runner_run(s, &o, &r, &err)) {
        print_error(&err);
        run_result_free(&r);
        scenario_free(s);
        return 2;
    }
    summary(s, &o, &r);
    int rc = 0;
    if (!record) {
        if (r.failed) {
            printf("expectations: %u of %u FAILED\n%s\n", r.failed, r.checked, r.failure);
            rc = 1;
        } else {
            printf("expectations: %u checked, all hold\n", r.checked);
        }
    }
    printf("digest: %s\n", r.digest);
    if (trace && write_trace(trace, s, &o, &r))
        rc = 2;
    else if (record)
        printf("trace: %s (%zu events)\n", trace, r.trace.n);
    run_result_free(&r);
    scenario_free(s);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    return run_or_record(argc, argv, false);
}

int cmd_record(int argc, char **argv)
{
    return run_or_record(argc, argv, true);
}

int cmd_replay(int argc, char **argv)
{
    const char *file = NULL;
    uint8_t path = 0;
    bool explain = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--path") && i + 1 < argc) {
            if (parse_path("replay", argv[++i], &path))
                return 2;
        } else if (!strcmp(argv[i], "--explain")) {
            explain = true;
        } else if (argv[i][0] == '-' || file) {
            fprintf(stderr, "vmfault replay: unexpected argument '%s'\n", argv[i]);
            return 2;
        } else {
            file = argv[i];
        }
    }
    if (!file) {
        fprintf(stderr, "usage: vmfault replay TRACE.yaml [--path fast|exit] [--explain]\n");
        return 2;
    }
    struct replay_file rf;
    struct scn_error err;
    if (replay_load(file, &rf, &err)) {
        print_error(&err);
        return 2;
    }
    struct runner_opts o = {
        .path = path ? path : rf.path, .replay = &rf.trace, .image = &rf.image, .explain = explain ? stdout : NULL};
    struct run_result r;
    if (runner_run(rf.scenario, &o, &r, &err)) {
        print_error(&err);
        run_result_free(&r);
        replay_free(&rf);
        return 2;
    }
    summary(rf.scenario, &o, &r);
    int rc = 0;
    if (r.diverged) {
        printf("replay: DIVERGED\n  %s\n", r.divergence);
        rc = 1;
    } else if (strcmp(r.digest, rf.digest)) {
        printf("replay: the events match but the recorded digest does not (%s recorded)\n", rf.digest);
        rc = 1;
    } else {
        printf("replay: identical (%zu events)\n", r.trace.n);
    }
    printf("digest: %s\n", r.digest);
    run_result_free(&r);
    replay_free(&rf);
    return rc;
}
