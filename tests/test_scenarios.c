/* Every runnable scenario under scenarios/ (arm64 and x86-64 alike): its
 * expectations hold on both trap paths, both paths give the same digest, runs
 * repeat bit for bit, and a recorded trace replays identically (on the other
 * path too). */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/runner.h"

static size_t find(const char *dir, char (*out)[512], size_t max, size_t n)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s", dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "platforms") || !strcmp(e->d_name, "guests"))
            continue;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        size_t len = strlen(e->d_name);
        if (len > 5 && !strcmp(e->d_name + len - 5, ".yaml")) {
            if (n < max)
                snprintf(out[n++], sizeof(out[0]), "%s", path);
        } else if (e->d_type == DT_DIR) {
            n = find(path, out, max, n);
        }
    }
    closedir(d);
    return n;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

Test(scenarios, every_scenario_passes_on_both_paths_and_replays)
{
    const char *root = getenv("VMFAULT_SCENARIOS");
    cr_assert_not_null(root, "VMFAULT_SCENARIOS must name the scenarios directory (ctest sets it)");
    static char files[256][512];
    size_t n = find(root, files, 256, 0);
    qsort(files, n, sizeof(files[0]), cmp);
    cr_assert_geq(n, 8, "only %zu scenarios found under %s", n, root);
    size_t x86 = 0;
    for (size_t i = 0; i < n; i++) {
        struct scenario *s;
        struct scn_error err;
        cr_assert_eq(scenario_load_file(files[i], &s, &err), 0, "%s:%u:%u: %s", err.file, err.line, err.col,
                     err.message);
        x86 += s->arch == SCN_ARCH_X86_64;
        char digest[3][65];
        uint8_t paths[3] = {SCN_PATH_FAST, SCN_PATH_EXIT, SCN_PATH_FAST};
        struct run_result r;
        for (int p = 0; p < 3; p++) {
            struct runner_opts o = {.path = paths[p]};
            cr_assert_eq(runner_run(s, &o, &r, &err), 0, "%s: %s", files[i], err.message);
            cr_expect_eq(r.failed, 0, "%s on the %s path: %s", files[i], p == 1 ? "exit" : "fast", r.failure);
            memcpy(digest[p], r.digest, 65);
            if (p == 0) {
                /* record on the fast path, replay on the exit path */
                char path[] = "/tmp/vmfault-scn-XXXXXX";
                int fd = mkstemp(path);
                FILE *f = fdopen(fd, "w");
                cr_assert_eq(record_write(f, s, &o, &r), 0);
                fclose(f);
                struct replay_file rf;
                cr_assert_eq(replay_load(path, &rf, &err), 0, "%s: %s:%u:%u: %s", files[i], err.file, err.line, err.col,
                             err.message);
                struct runner_opts ro = {.path = SCN_PATH_EXIT, .replay = &rf.trace, .image = &rf.image};
                struct run_result rr;
                cr_assert_eq(runner_run(rf.scenario, &ro, &rr, &err), 0, "%s", err.message);
                cr_expect(!rr.diverged, "%s: replay diverged: %s", files[i], rr.divergence);
                cr_expect_str_eq(rr.digest, r.digest, "%s: replay digest", files[i]);
                cr_expect_str_eq(rf.digest, r.digest, "%s: recorded digest", files[i]);
                run_result_free(&rr);
                replay_free(&rf);
                remove(path);
            }
            run_result_free(&r);
        }
        cr_expect_str_eq(digest[0], digest[1], "%s: the fast and exit paths differ", files[i]);
        cr_expect_str_eq(digest[0], digest[2], "%s: two runs differ", files[i]);
        scenario_free(s);
    }
    /* the x86-64 tutorials and regressions are found by the same walk */
    cr_expect_geq(x86, 7, "only %zu x86-64 scenarios found under %s", x86, root);
}
