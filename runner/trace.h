/* vmfault runner — the trace of a run: every fault, every IRQ edge, the exit.
 *
 * The digest is SHA-256 over a fixed little-endian encoding of the events
 * (trace_digest), so it depends on nothing but what the guest and its devices
 * did: not the trap path, not the host, not the time of day.
 */
#ifndef VMFAULT_RUNNER_TRACE_H
#define VMFAULT_RUNNER_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tr_kind {
    TR_FAULT = 1,
    TR_IRQ = 2,
    TR_EXIT = 3,
};

/* How a run ended (also the `exit` names of scenario expectations). */
enum tr_exit {
    TR_EXIT_WFI = 1,
    TR_EXIT_TEST = 2,   /* test-exit device */
    TR_EXIT_PC = 3,     /* stop.pc reached */
    TR_EXIT_BUDGET = 4, /* stop.max_instructions */
    TR_EXIT_ERROR = 5,
    TR_EXIT_STOP = 6,     /* a device asked to stop (regfile unlisted: stop) */
    TR_EXIT_POWEROFF = 7, /* PSCI SYSTEM_OFF */
    TR_EXIT_RESET = 8,    /* PSCI SYSTEM_RESET */
};

#define TR_NO_DEVICE 0xff

struct tr_event {
    uint8_t kind; /* enum tr_kind */
    uint8_t cpu;
    uint64_t t; /* virtual time (instructions retired by that vCPU) */
    /* TR_FAULT */
    uint64_t pc, addr, data;
    uint32_t insn;
    uint8_t size, dir; /* dir: 1 read, 2 write */
    uint8_t result;    /* enum vmf_fault_result */
    uint8_t device;    /* index in the scenario's devices, or TR_NO_DEVICE */
    uint8_t part, parts;
    /* TR_IRQ */
    uint32_t line;
    bool level;
    /* TR_EXIT (pc above too) */
    uint8_t reason; /* enum tr_exit */
    uint32_t status;
};

struct trace {
    struct tr_event *ev;
    size_t n, cap;
};

int trace_push(struct trace *t, const struct tr_event *e);
void trace_free(struct trace *t);
void trace_digest(const struct trace *t, uint8_t out[32]);
void trace_digest_hex(const struct trace *t, char out[65]);
/* Equal as the digest sees them. */
bool tr_event_equal(const struct tr_event *a, const struct tr_event *b);
/* One line: "fault read 4 bytes at 0x9000000 = 0x1234 by pc 0x40000004 (handled)". */
void tr_event_str(const struct tr_event *e, const char *const *device_names, char *buf, size_t len);

const char *tr_exit_name(int reason);
/* -1 when unknown. */
int tr_exit_from_name(const char *name);

#endif
