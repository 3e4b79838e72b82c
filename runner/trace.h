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
    TR_X86 = 4, /* an x86-64 exit the dispatcher handled or returned (IN/OUT, CPUID, MSRs, VMCALL, INVD, HLT) */
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
    TR_EXIT_HLT = 9,      /* x86-64: HLT with RFLAGS.IF=1 and nothing that can wake the vCPU */
    TR_EXIT_HALT = 10,    /* x86-64: HLT with RFLAGS.IF=0 (SUSPENDED/HALT: nothing ever can) */
};

/* TR_X86 flags. */
#define TR_X86_STRING 0x1u /* INS / OUTS: one element */
#define TR_X86_REP 0x2u    /* ... with a REP prefix */
#define TR_X86_ARGS 0x4u   /* args[] carries RBX, RCX, RDX, RSI (every VMCALL) */

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
    /* TR_X86 (t, pc, size, dir, data, result, device above too):
     *   xexit   the exit code (enum vmf_exitcode: INOUT, CPUID, RDMSR, WRMSR, VMCALL, INVD, HLT)
     *   code    the port, MSR, CPUID leaf or VMCALL number
     *   sub     the CPUID subleaf; INVD: 1 for WBINVD
     *   size, dir  INOUT: bytes and 1 in / 2 out
     *   data    IN: the value read; OUT: written; RDMSR: EDX:EAX read; WRMSR: written;
     *           CPUID: EBX:EAX as answered (data2 = EDX:ECX); VMCALL: RAX returned
     *   result  enum vmf_x86_handler_result: 0 handled, 1 unhandled, 2 error
     *   device  INOUT: the port device, TR_NO_DEVICE if none */
    uint8_t xexit, flags;
    uint64_t code, data2;
    uint32_t sub;
    uint64_t args[4];
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
/* The x86 exit kind names of expectations and traces ("inout", "cpuid", ...); NULL if none. */
const char *tr_x86_kind_name(int exitcode);
/* -1 when unknown. */
int tr_x86_kind_from_name(const char *name);
const char *tr_x86_result_name(int result);
int tr_x86_result_from_name(const char *name);
void tr_event_str(const struct tr_event *e, const char *const *device_names, char *buf, size_t len);

const char *tr_exit_name(int reason);
/* -1 when unknown. */
int tr_exit_from_name(const char *name);

#endif
