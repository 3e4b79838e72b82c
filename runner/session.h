/* vmfault runner — the state of one run, shared by run.c and platform.c (private). */
#ifndef VMFAULT_RUNNER_SESSION_H
#define VMFAULT_RUNNER_SESSION_H

#include "devices/bind.h"
#include "devices/pl011.h"
#include "devices/regfile.h"
#include "devices/sel4vm_demo.h"
#include "devices/pc_power.h"
#include "devices/test_exit.h"
#include "devices/uart8250.h"
#include "irq_models/gicv2.h"
#include "runner/runner.h"
#include "vmfault/vmfault.h"

struct runner_session;

struct dev_slot {
    struct runner_session *ctx;
    const struct scn_device *d;
    struct vmf_device_binding bind;
    vm_memory_reservation_t *res;
    vm_memory_reservation_t *res2; /* gicv2: the CPU interface */
    bool irq_level;                /* pl011: the interrupt line as last driven */
    union {
        struct vmf_regfile regfile;
        struct vmf_pl011 pl011;
        struct vmf_test_exit test_exit; /* test-exit, debug-exit */
        struct vmf_uart8250 uart8250;
        struct vmf_pc_power power; /* reset-control, acpi-pm */
        struct demo_dev demo;
        struct vmf_gicv2 gic;
    } * state;
};

struct runner_session {
    const struct scenario *s;
    const struct runner_opts *o;
    struct run_result *r;
    vmf_vm *vm;
    vmf_vcpu *vcpu; /* vCPU 0 */
    struct dev_slot dev[SCN_MAX_DEVICES];
    const char *names[SCN_MAX_DEVICES];
    struct vmf_gicv2 *gic; /* the platform's interrupt controller, if any */
    size_t replay_next;    /* next recorded event to serve */
    bool replay_mismatch;
    uint8_t replay_stop; /* the recorded run stopped at a device's request (test-exit, stop) */
    uint32_t replay_status;
    size_t next_event;                      /* index into s->events */
    uint64_t now;                           /* the scheduler's time: every online vCPU has run up to here */
    bool halted[CONFIG_MAX_NUM_NODES];      /* in WFI with nothing pending */
    uint64_t halt_pc[CONFIG_MAX_NUM_NODES]; /* where */
    bool ended;
    char replay_msg[512];
    bool vmcall_exit; /* x86: a VMCALL with `exit: true` ended the run */
    uint32_t vmcall_status;
};

/* platform.c: the interrupt controller, interrupt wiring, device tree */
int platform_setup(struct runner_session *c, struct scn_error *err);
/* A device access happened: drive the device's interrupt line if it changed
 * (and, replaying, apply the edges the recording had right after it). */
void platform_device_irq(struct runner_session *c, int device, uint64_t t);
/* A whole VM line (scenario events, device interrupts) changed: trace it. */
void platform_trace_irq(struct runner_session *c, uint64_t t, uint32_t line, bool level, uint8_t device);
/* Reserve a gicv2 device's two register blocks (its state is allocated). */
int platform_attach_gic(struct runner_session *c, struct dev_slot *slot);

/* x86-64 (platform.c): serve a port device's range from the recorded trace (replay). */
int platform_replay_ports(struct runner_session *c, struct dev_slot *slot);
/* The port device holding `port`, or TR_NO_DEVICE. */
int platform_port_device(const struct runner_session *c, uint16_t port);
/* --explain of an x86-64 MMIO fault (the arm64 one is in run.c). */
void platform_explain_x86_fault(FILE *out, const struct runner_session *c, const vmf_fault *f, unsigned cpu, int device,
                                size_t n, const char *model);
/* x86 instruction text at pc for messages, from guest RAM ("?" when not readable). */
void platform_x86_disasm(vmf_vm *vm, uint64_t pc, char *buf, size_t len, unsigned *length);

#endif
