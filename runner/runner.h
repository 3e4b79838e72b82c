/* vmfault runner — run a scenario: build the VM, run it on a schedule of
 * events and stop conditions, record the trace, check the expectations. */
#ifndef VMFAULT_RUNNER_RUNNER_H
#define VMFAULT_RUNNER_RUNNER_H

#include <stdio.h>

#include <sel4vm/guest_memory.h>

#include "runner/scenario.h"
#include "runner/trace.h"

/* A handler a C program registers by name, for devices with `model: handler`. */
struct runner_handler {
    const char *name;
    memory_fault_callback_fn fn;
    void *cookie;
};

/* The guest program as loaded. */
struct guest_image {
    uint8_t *bytes;
    size_t len;
    uint64_t load, entry;
    /* ELF: up to 8 loadable segments; a flat image is one segment at load */
    struct {
        uint64_t addr;
        size_t off, len;
    } seg[8];
    size_t nseg;
};

struct runner_opts {
    uint8_t path;  /* SCN_PATH_FAST (default) or SCN_PATH_EXIT */
    FILE *explain; /* non-NULL: print every exit as a textbook would */
    const struct runner_handler *handlers;
    size_t nhandlers;
    const struct trace *replay;      /* non-NULL: devices are served from this trace */
    const struct guest_image *image; /* non-NULL: load this instead of building the scenario's guest */
};

struct run_result {
    int reason;      /* enum tr_exit */
    uint32_t status; /* test-exit status */
    uint64_t pc, icount;
    char error[512]; /* TR_EXIT_ERROR: what and where */
    struct trace trace;
    char digest[65];
    unsigned faults;
    unsigned xexits; /* x86-64 exits traced (TR_X86 events) */
    /* expectations */
    unsigned checked, failed;
    char failure[2048]; /* the first failed expectation, in context */
    /* replay */
    bool diverged;
    char divergence[1024];
    /* what was run, for `record` */
    struct guest_image image;
    char uart[4096]; /* PL011 and UART8250 output, concatenated in device order */
    size_t uart_len;
};

/* Build the guest image the scenario describes (assembling it if needed).
 * 0, or -1 with err pointing at the guest (assembler errors at their line). */
int guest_build(const struct scenario *s, struct guest_image *img, struct scn_error *err);
void guest_free(struct guest_image *img);

/* Run the scenario.  0 when it ran, whatever happened (see r->reason,
 * r->failed, r->diverged); -1 with err when it could not be set up. */
int runner_run(const struct scenario *s, const struct runner_opts *o, struct run_result *r, struct scn_error *err);
void run_result_free(struct run_result *r);

/* The same in steps, for snapshots and fuzzing loops:
 * runner_open builds the VM; runner_continue runs until the scenario ends
 * (returns 1: expectations checked, digest set) or virtual time reaches
 * pause_at (returns 0; 0 = no pause) — exactly there with one vCPU, at the
 * first round boundary at or after it with several, so pausing never changes
 * how vCPUs interleave; runner_close frees the session (r stays valid until
 * run_result_free). */
struct runner_session;
int runner_open(const struct scenario *s, const struct runner_opts *o, struct run_result *r,
                struct runner_session **out, struct scn_error *err);
int runner_continue(struct runner_session *ss, uint64_t pause_at);
void runner_close(struct runner_session *ss);

/* Snapshot a paused session: the VM (registers, RAM, virtual time), the
 * built-in device models' state and the trace position.  Restoring and
 * continuing gives the same trace and digest as the first time.  Handlers a
 * program registers (model: handler) keep their own state: the snapshot does
 * not see it.  A VMF_* status. */
struct runner_snap;
int runner_snapshot(struct runner_session *ss, struct runner_snap **out);
int runner_restore(struct runner_session *ss, const struct runner_snap *snap);
void runner_snap_free(struct runner_snap *snap);

/* Write the trace file of a finished run (record). */
int record_write(FILE *f, const struct scenario *s, const struct runner_opts *o, const struct run_result *r);

/* A loaded trace file: the machine to re-run (as a scenario with the guest as
 * hex and the devices served from the trace) and the recorded events. */
struct replay_file {
    struct scenario *scenario;
    struct guest_image image;
    struct trace trace;
    char digest[65];
    uint8_t path;
};
int replay_load(const char *path, struct replay_file *rf, struct scn_error *err);
void replay_free(struct replay_file *rf);

#endif
