/* vmfault runner — scenario → VM → run → trace → expectations. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sel4vm/guest_vcpu_fault.h>

#include "devices/bind.h"
#include "devices/pl011.h"
#include "devices/regfile.h"
#include "devices/sel4vm_demo.h"
#include "devices/test_exit.h"
#include "devices/uart8250.h"
#include "runner/expect.h"
#include "runner/runner.h"
#include "vmfault/vmfault.h"

#include "runner/session.h"

static int setup_fail(struct scn_error *err, const struct scenario *s, struct scn_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int setup_fail(struct scn_error *err, const struct scenario *s, struct scn_loc loc, const char *fmt, ...)
{
    snprintf(err->file, sizeof(err->file), "%s", s->files[loc.file < s->nfiles ? loc.file : 0]);
    err->line = loc.line;
    err->col = loc.col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return -1;
}

static int device_of(const struct runner_session *c, const vm_memory_reservation_t *res)
{
    for (size_t i = 0; i < c->s->ndevices; i++)
        if (res && (c->dev[i].res == res || c->dev[i].res2 == res))
            return (int)i;
    return TR_NO_DEVICE;
}

/* ---- explain: each exit the way a hypervisor textbook shows it ------------------------------- */

static const char *sas_name(unsigned sas)
{
    static const char *const n[] = {"byte", "halfword", "word", "doubleword"};
    return n[sas & 3];
}

static const char *model_name(const struct runner_session *c, int device)
{
    static const char *const names[] = {"?",     "regfile",  "pl011",      "test-exit",     "handler",
                                        "gicv2", "uart8250", "debug-exit", "reset-control", "acpi-pm"};
    if (c->o->replay)
        return "served from the trace";
    if (device == TR_NO_DEVICE)
        return "lazily mapped RAM";
    unsigned m = c->s->devices[device].model;
    return names[m <= 7 ? m : 0];
}

static void explain_fault(FILE *out, const struct runner_session *c, const vmf_fault *f, unsigned cpu, int device,
                          size_t n)
{
    char text[96];
    if (vmf_arm64_disasm(f->insn_word, f->pc, text, sizeof(text)))
        snprintf(text, sizeof(text), "(not known to Capstone)");
    uint32_t esr = f->insn.esr;
    fprintf(out, "fault %zu at t=%llu on cpu%u\n", n, (unsigned long long)f->icount, cpu);
    fprintf(out, "  instruction  0x%llx: %s  (0x%08x)\n", (unsigned long long)f->pc, text, f->insn_word);
    fprintf(out, "  syndrome     ESR_EL2 0x%08x: EC=0x%02x (data abort from a lower EL) IL=%u ISV=%u", esr, esr >> 26,
            esr >> 25 & 1, esr >> 24 & 1);
    if (esr >> 24 & 1)
        fprintf(out, " SAS=%u (%s) SSE=%u SRT=%u SF=%u AR=%u", esr >> 22 & 3, sas_name(esr >> 22), esr >> 21 & 1,
                esr >> 16 & 31, esr >> 15 & 1, esr >> 14 & 1);
    fprintf(out, " WnR=%u DFSC=0x%02x (translation fault, level 3)\n", esr >> 6 & 1, esr & 0x3f);
    if (!(esr >> 24 & 1))
        fprintf(out,
                "               ISV=0: a hypervisor gets no register or size from the syndrome (%s); "
                "vmfault decoded the instruction instead\n",
                f->insn.nregs > 1   ? "several registers"
                : f->insn.writeback ? "writeback"
                : f->insn.exclusive ? "exclusive"
                : f->insn.vreg      ? "SIMD&FP register"
                                    : "not a single GPR access");
    const char *dev = device != TR_NO_DEVICE ? c->names[device] : vmf_reservation_name(f->reservation);
    uint64_t base = device != TR_NO_DEVICE ? c->s->devices[device].base : 0;
    const char *part = "";
    if (device != TR_NO_DEVICE && c->s->devices[device].model == SCN_MODEL_GICV2 &&
        f->addr >= c->s->devices[device].cpu_base) {
        base = c->s->devices[device].cpu_base; /* the CPU interface block */
        part = ".cpu";
    }
    fprintf(out, "  access       %s of %u byte%s at 0x%llx", f->access == VMF_ACCESS_READ ? "read" : "write", f->size,
            f->size == 1 ? "" : "s", (unsigned long long)f->addr);
    if (device != TR_NO_DEVICE)
        fprintf(out, " = %s%s+0x%llx", dev, part, (unsigned long long)(f->addr - base));
    if (f->parts > 1)
        fprintf(out, ", access %u of %u of this instruction", f->part + 1u, f->parts);
    fprintf(out, "\n");
    uint64_t wm = f->size >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (8 * f->size)) - 1;
    fprintf(out, "  handler      %s (%s, %s path)\n", dev, model_name(c, device),
            f->path == VMF_PATH_EXIT ? "exit" : "fast");
    fprintf(out, "  data         0x%llx, mask 0x%llx (byte lane %u of its 32-bit word)\n", (unsigned long long)f->data,
            (unsigned long long)(wm << (8 * (f->addr & 3))), (unsigned)(f->addr & 3));
    fprintf(out, "  result       %s%s\n", vmf_fault_result_name(f->result),
            device == TR_NO_DEVICE && f->result == VMF_RESULT_RESTART
                ? ": the reservation is mapped now; the instruction runs again, on RAM"
                : "");
}

/* ---- the trace ------------------------------------------------------------------------------------ */

static void observer(vmf_vcpu *vcpu, const vmf_fault *f, void *cookie)
{
    struct runner_session *c = cookie;
    int device = device_of(c, f->reservation);
    struct tr_event e = {.kind = TR_FAULT,
                         .cpu = (uint8_t)vcpu->vcpu_id,
                         .t = f->icount,
                         .pc = f->pc,
                         .addr = f->addr,
                         .data = f->data,
                         .insn = f->insn_word,
                         .size = f->size,
                         .dir = f->access == VMF_ACCESS_WRITE ? 2 : 1,
                         .result = f->result,
                         .device = (uint8_t)device,
                         .part = f->part,
                         .parts = f->parts};
    trace_push(&c->r->trace, &e);
    c->r->faults++;
    if (c->o->explain && c->s->arch == SCN_ARCH_X86_64)
        platform_explain_x86_fault(c->o->explain, c, f, vcpu->vcpu_id, device, c->r->faults, model_name(c, device));
    else if (c->o->explain)
        explain_fault(c->o->explain, c, f, vcpu->vcpu_id, device, c->r->faults);
    platform_device_irq(c, device, f->icount);
}

/* ---- replay: device accesses served from a recorded trace ------------------------------------------ */

static void replay_diverge(struct runner_session *c, vm_vcpu_t *vcpu, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void replay_diverge(struct runner_session *c, vm_vcpu_t *vcpu, const char *fmt, ...)
{
    if (!c->replay_mismatch) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->replay_msg, sizeof(c->replay_msg), fmt, ap);
        va_end(ap);
        c->replay_mismatch = true;
    }
    vmf_vcpu_request_stop(vcpu);
}

static memory_fault_result_t replay_fault(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)vm;
    struct dev_slot *slot = cookie;
    struct runner_session *c = slot->ctx;
    const struct trace *t = c->o->replay;
    int device = (int)(slot - c->dev);
    /* skip what the replay regenerates itself: scenario IRQ events, the GIC's
     * accesses (the interrupt controller is modelled, not replayed), lazy maps */
    while (c->replay_next < t->n &&
           (t->ev[c->replay_next].kind != TR_FAULT || t->ev[c->replay_next].device == TR_NO_DEVICE ||
            c->s->devices[t->ev[c->replay_next].device].model == SCN_MODEL_GICV2))
        c->replay_next++;
    bool read = is_vcpu_read_fault(vcpu);
    if (c->replay_next >= t->n) {
        replay_diverge(c, vcpu, "the guest made a %s of %zu bytes at 0x%lx that the trace does not have",
                       read ? "read" : "write", len, (unsigned long)paddr);
    } else {
        const struct tr_event *e = &t->ev[c->replay_next];
        if (e->addr != paddr || e->size != len || e->dir != (read ? 1 : 2) || e->pc != get_vcpu_fault_ip(vcpu) ||
            e->device != device || (!read && e->data != get_vcpu_fault_data(vcpu)))
            replay_diverge(c, vcpu, "the access differs from the recorded one");
    }
    if (c->replay_mismatch) {
        if (read)
            set_vcpu_fault_data(vcpu, 0);
        advance_vcpu_fault(vcpu);
        return FAULT_HANDLED;
    }
    const struct tr_event *e = &t->ev[c->replay_next++];
    if (read)
        set_vcpu_fault_data(vcpu, e->data);
    /* A device that ended the recorded run (test-exit, an unlisted access with
     * policy stop) did it on this access: end the replay the same way. */
    const struct tr_event *next = c->replay_next < t->n ? &t->ev[c->replay_next] : NULL;
    if (next && next->kind == TR_EXIT && (next->reason == TR_EXIT_TEST || next->reason == TR_EXIT_STOP) &&
        next->t == e->t) {
        c->replay_stop = next->reason;
        c->replay_status = next->status;
        vmf_vcpu_request_stop(vcpu);
    }
    switch (e->result) {
    case VMF_RESULT_HANDLED: advance_vcpu_fault(vcpu); return FAULT_HANDLED;
    case VMF_RESULT_IGNORE: return FAULT_IGNORE;
    case VMF_RESULT_RESTART: return FAULT_RESTART;
    case VMF_RESULT_UNHANDLED: return FAULT_UNHANDLED;
    default: return FAULT_ERROR;
    }
}

/* ---- building the VM -------------------------------------------------------------------------------- */

/* The state and ops of a built-in device model, on the memory or the port bus. */
static int new_model(struct runner_session *c, struct dev_slot *slot, const vmf_device_ops **ops, struct scn_error *err)
{
    const struct scenario *s = c->s;
    const struct scn_device *d = slot->d;
    slot->state = calloc(1, sizeof(*slot->state));
    if (!slot->state)
        return setup_fail(err, s, d->loc, "out of memory");
    char msg[160] = "";
    switch (d->model) {
    case SCN_MODEL_REGFILE:
        if (vmf_regfile_init(&slot->state->regfile, &d->regfile, msg, sizeof(msg)))
            return setup_fail(err, s, d->loc, "device %s: %s", d->name, msg);
        *ops = &vmf_regfile_ops;
        return 0;
    case SCN_MODEL_PL011:
        vmf_pl011_init(&slot->state->pl011);
        vmf_pl011_input(&slot->state->pl011, d->uart_input, d->uart_input_len);
        *ops = &vmf_pl011_ops;
        return 0;
    case SCN_MODEL_UART8250:
        vmf_uart8250_init(&slot->state->uart8250);
        vmf_uart8250_input(&slot->state->uart8250, d->uart_input, d->uart_input_len);
        *ops = &vmf_uart8250_ops;
        return 0;
    case SCN_MODEL_RESET_CONTROL:
    case SCN_MODEL_ACPI_PM:
        vmf_pc_power_init(&slot->state->power);
        *ops = d->model == SCN_MODEL_RESET_CONTROL ? &vmf_reset_control_ops : &vmf_acpi_pm_ops;
        return 0;
    case SCN_MODEL_TEST_EXIT:
    case SCN_MODEL_DEBUG_EXIT:
        vmf_test_exit_init(&slot->state->test_exit);
        *ops = d->model == SCN_MODEL_TEST_EXIT ? &vmf_test_exit_ops : &vmf_debug_exit_ops;
        return 0;
    default: return setup_fail(err, s, d->loc, "device %s: unknown model %u", d->name, d->model);
    }
}

static int add_devices(struct runner_session *c, struct scn_error *err)
{
    const struct scenario *s = c->s;
    for (size_t i = 0; i < s->ndevices; i++) {
        const struct scn_device *d = &s->devices[i];
        struct dev_slot *slot = &c->dev[i];
        slot->ctx = c;
        slot->d = d;
        c->names[i] = d->name;
        if (d->port) { /* x86 I/O ports: no reservation */
            int st = 0;
            if (c->o->replay) {
                st = platform_replay_ports(c, slot);
            } else {
                const vmf_device_ops *ops = NULL;
                if (new_model(c, slot, &ops, err))
                    return -1;
                st = vmf_device_attach_ports(c->vm, &slot->bind, d->name, (uint16_t)d->base,
                                             (uint16_t)(d->base + d->size - 1), ops, slot->state);
            }
            if (st)
                return setup_fail(err, s, d->loc, "device %s: ports [0x%llx, 0x%llx]: %s", d->name,
                                  (unsigned long long)d->base, (unsigned long long)(d->base + d->size - 1),
                                  vmf_strerror(st));
            continue;
        }
        if (d->model == SCN_MODEL_GICV2) { /* modelled even in a replay: platform.c */
            slot->state = calloc(1, sizeof(*slot->state));
            if (!slot->state || platform_attach_gic(c, slot))
                return setup_fail(err, s, d->loc, "device %s: %s", d->name, vmf_vm_last_error(c->vm, NULL));
        } else if (c->o->replay) {
            slot->res = vm_reserve_memory_at(c->vm, d->base, d->size, replay_fault, slot);
        } else if (d->model == SCN_MODEL_HANDLER) {
            const struct runner_handler *h = NULL;
            for (size_t k = 0; k < c->o->nhandlers && !h; k++)
                if (!strcmp(c->o->handlers[k].name, d->handler))
                    h = &c->o->handlers[k];
            if (h) {
                slot->res = vm_reserve_memory_at(c->vm, d->base, d->size, h->fn, h->cookie);
            } else if (!strcmp(d->handler, "demo-device")) { /* built in: devices/sel4vm_demo.c */
                slot->state = calloc(1, sizeof(*slot->state));
                if (!slot->state)
                    return setup_fail(err, s, d->loc, "out of memory");
                demo_dev_init(&slot->state->demo);
                slot->res = vm_reserve_memory_at(c->vm, d->base, d->size, demo_dev_fault, &slot->state->demo);
            } else {
                return setup_fail(err, s, d->loc,
                                  "device %s: no handler is registered as '%s' by this program "
                                  "(built in: demo-device)",
                                  d->name, d->handler);
            }
        } else {
            const vmf_device_ops *ops = NULL;
            if (new_model(c, slot, &ops, err))
                return -1;
            int st = vmf_device_attach(c->vm, &slot->bind, d->name, d->base, d->size, ops, slot->state);
            if (st)
                return setup_fail(err, s, d->loc, "device %s: %s", d->name, vmf_vm_last_error(c->vm, NULL));
            slot->res = slot->bind.res;
        }
        if (!slot->res)
            return setup_fail(err, s, d->loc, "device %s: %s", d->name, vmf_vm_last_error(c->vm, NULL));
        vmf_reservation_set_name(slot->res, d->name);
        uint8_t path = d->path ? d->path : c->o->path ? c->o->path : SCN_PATH_FAST;
        vmf_reservation_set_path(c->vm, slot->res, path == SCN_PATH_EXIT ? VMF_PATH_EXIT : VMF_PATH_FAST);
        if (slot->res2)
            vmf_reservation_set_path(c->vm, slot->res2, path == SCN_PATH_EXIT ? VMF_PATH_EXIT : VMF_PATH_FAST);
    }
    return 0;
}

static int build(struct runner_session *c, struct scn_error *err)
{
    const struct scenario *s = c->s;
    struct run_result *r = c->r;
    bool x86 = s->arch == SCN_ARCH_X86_64;
    int st = vmf_vm_create(x86 ? VMF_ARCH_X86_64 : VMF_ARCH_ARM64, s->name, &c->vm);
    if (st)
        return setup_fail(err, s, s->guest_loc, "cannot create the VM: %s", vmf_strerror(st));
    for (uint32_t i = 0; i < (s->cpus ? s->cpus : 1); i++) {
        vmf_vcpu *v;
        if ((st = vmf_vcpu_create(c->vm, &v)))
            return setup_fail(err, s, s->guest_loc, "cannot create vCPU %u: %s", i, vmf_strerror(st));
        if (i == 0)
            c->vcpu = v;
    }
    vmf_vm_set_defer_memory_map(c->vm, true); /* only lazy RAM is ever mapped through a reservation */
    for (size_t i = 0; i < s->nram; i++) {
        const struct scn_ram *m = &s->ram[i];
        if (m->lazy) {
            /* A reservation with no handler and a map iterator: the first touch maps
             * it and restarts the instruction (the trace shows that as a restart). */
            vm_memory_reservation_t *res = vm_reserve_memory_at(c->vm, m->base, m->size, NULL, NULL);
            if (!res || vm_map_reservation(c->vm, res, vmf_anon_frame_iterator, c->vm))
                return setup_fail(err, s, m->loc, "lazy RAM [0x%llx, +0x%llx): %s", (unsigned long long)m->base,
                                  (unsigned long long)m->size, vmf_vm_last_error(c->vm, NULL));
            vmf_reservation_set_name(res, "lazy-ram");
            vmf_reservation_set_path(c->vm, res, c->o->path == SCN_PATH_EXIT ? VMF_PATH_EXIT : VMF_PATH_FAST);
        } else if ((st = vmf_ram_add(c->vm, m->base, m->size, NULL))) {
            return setup_fail(err, s, m->loc, "RAM [0x%llx, +0x%llx): %s", (unsigned long long)m->base,
                              (unsigned long long)m->size, vmf_strerror(st));
        }
    }
    if (add_devices(c, err))
        return -1;
    if (c->o->image) {
        r->image = *c->o->image;
        r->image.bytes = malloc(c->o->image->len ? c->o->image->len : 1);
        if (!r->image.bytes)
            return setup_fail(err, s, s->guest_loc, "out of memory");
        memcpy(r->image.bytes, c->o->image->bytes, c->o->image->len);
    } else if (guest_build(s, &r->image, err)) {
        return -1;
    }
    for (size_t i = 0; i < r->image.nseg; i++) {
        const uint8_t *bytes = r->image.bytes + r->image.seg[i].off;
        if (r->image.seg[i].len && vmf_mem_write(c->vm, r->image.seg[i].addr, bytes, r->image.seg[i].len))
            return setup_fail(err, s, s->guest_loc, "the guest (%zu bytes at 0x%llx) does not fit in RAM",
                              r->image.seg[i].len, (unsigned long long)r->image.seg[i].addr);
    }
    /* the stack pointer starts at the top of the first RAM region; `registers` may move it */
    vmf_reg_write(c->vcpu, x86 ? VMF_X86_REG_RSP : VMF_ARM64_SP, s->ram[0].base + s->ram[0].size);
    vmf_reg_write(c->vcpu, x86 ? VMF_X86_REG_RIP : VMF_ARM64_PC, r->image.entry);
    if (platform_setup(c, err))
        return -1;
    for (size_t i = 0; i < s->nregs; i++)
        if ((st = vmf_reg_write(c->vcpu, s->regs[i].reg, s->regs[i].value)))
            return setup_fail(err, s, s->regs[i].loc, "register: %s", vmf_strerror(st));
    if (s->has_stop_pc)
        vmf_vcpu_set_breakpoint(c->vcpu, s->stop_pc);
    vmf_vm_set_fault_observer(c->vm, observer, c);
    return 0;
}

/* ---- running ------------------------------------------------------------------------------------------ */

static void set_error(struct run_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_error(struct run_result *r, const char *fmt, ...)
{
    r->reason = TR_EXIT_ERROR;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->error, sizeof(r->error), fmt, ap);
    va_end(ap);
}

/* Why a STOP exit: a device asked for it (test-exit, unlisted access) or replay diverged. */
static void stop_reason(struct runner_session *c)
{
    struct run_result *r = c->r;
    if (c->replay_mismatch) {
        set_error(r, "replay: %s", c->replay_msg);
        return;
    }
    if (c->replay_stop) {
        r->reason = c->replay_stop;
        r->status = c->replay_status;
        return;
    }
    if (c->vmcall_exit) { /* x86.vmcalls: exit */
        r->reason = TR_EXIT_TEST;
        r->status = c->vmcall_status;
        return;
    }
    for (size_t i = 0; i < c->s->ndevices; i++) {
        const struct dev_slot *d = &c->dev[i];
        if (!d->bind.stopped)
            continue;
        if (d->d->model == SCN_MODEL_TEST_EXIT || d->d->model == SCN_MODEL_DEBUG_EXIT) {
            r->reason = TR_EXIT_TEST;
            r->status = d->state->test_exit.status;
        } else {
            r->reason = TR_EXIT_STOP;
            snprintf(r->error, sizeof(r->error), "%s", d->bind.message);
        }
        return;
    }
    r->reason = TR_EXIT_STOP;
}

/* A test that powers off reports its status on the UART the kvm-unit-tests
 * way: the last "EXIT: STATUS=<n>" line; 0 when there is none.  The text is
 * taken from the trace (bytes written to a PL011's data register), so a
 * replay, which has no UART model, finds the same status. */
static uint32_t uart_status(const struct runner_session *c)
{
    char text[4096];
    size_t n = 0;
    const struct trace *t = &c->r->trace;
    for (size_t i = 0; i < t->n && n + 1 < sizeof(text); i++) {
        const struct tr_event *e = &t->ev[i];
        if (e->kind == TR_FAULT && e->dir == 2 && e->device != TR_NO_DEVICE &&
            c->s->devices[e->device].model == SCN_MODEL_PL011 && e->addr == c->s->devices[e->device].base)
            text[n++] = (char)(e->data & 0xff);
    }
    text[n] = 0;
    uint32_t status = 0;
    for (const char *p = text; (p = strstr(p, "EXIT: STATUS=")); p += 13)
        status = (uint32_t)strtoul(p + 13, NULL, 0);
    return status;
}

/* An x86 exit the VMM had no answer for (the "unimplemented" path): the run
 * ends with an error naming the exit, the port or MSR and the RIP. */
static void x86_unhandled(struct runner_session *c, const vmf_exit *ex)
{
    struct run_result *r = c->r;
    unsigned long long rip = (unsigned long long)ex->pc;
    switch (ex->exitcode) {
    case VMF_EXIT_INOUT: {
        const char *what = ex->u.inout.string ? (ex->u.inout.in ? "INS" : "OUTS") : (ex->u.inout.in ? "IN" : "OUT");
        const char *bytes = ex->u.inout.bytes == 1 ? "byte" : "bytes";
        if (ex->u.inout.in)
            set_error(r, "unhandled INOUT exit: %s from port 0x%x (%u %s) at rip 0x%llx: no x86.ports device covers it",
                      what, ex->u.inout.port, ex->u.inout.bytes, bytes, rip);
        else
            set_error(r,
                      "unhandled INOUT exit: %s to port 0x%x (%u %s, value 0x%x) at rip 0x%llx: no x86.ports device "
                      "covers it",
                      what, ex->u.inout.port, ex->u.inout.bytes, bytes, ex->u.inout.eax, rip);
        return;
    }
    case VMF_EXIT_RDMSR:
        set_error(r, "unhandled RDMSR exit: MSR 0x%x at rip 0x%llx is not in x86.msrs and was never written",
                  ex->u.msr.code, rip);
        return;
    case VMF_EXIT_WRMSR:
        set_error(r, "unhandled WRMSR exit: MSR 0x%x = 0x%llx at rip 0x%llx: %s", ex->u.msr.code,
                  (unsigned long long)ex->u.msr.wval, rip,
                  ex->u.msr.code == 0x10         ? "IA32_TSC is virtual time, the guest cannot set it"
                  : ex->u.msr.code == 0xc0000080 ? "EFER would change the CPU mode"
                                                 : "the VMM refused it");
        return;
    case VMF_EXIT_VMCALL:
        set_error(r, "unhandled VMCALL exit: call %llu (RAX) at rip 0x%llx: no x86.vmcalls entry for it",
                  (unsigned long long)ex->u.vmcall.nr, rip);
        return;
    default: set_error(r, "unhandled %s exit at rip 0x%llx", vmf_exit_name(ex->exitcode), rip); return;
    }
}

/* How one vCPU's run ended, in scenario terms; false while the run goes on. */
static bool handle_exit(struct runner_session *c, const vmf_exit *ex)
{
    const struct scenario *s = c->s;
    struct run_result *r = c->r;
    r->pc = ex->pc;
    switch (ex->exitcode) {
    case VMF_EXIT_BUDGET:
    case VMF_EXIT_HLT: return false;
    case VMF_EXIT_SUSPENDED:
        switch (ex->u.suspended.how) {
        case VMF_SUSPEND_CPU_OFF: return false;
        case VMF_SUSPEND_POWEROFF: r->reason = TR_EXIT_POWEROFF; return true;
        case VMF_SUSPEND_HALT: r->reason = TR_EXIT_HALT; return true;
        case VMF_SUSPEND_TRIPLE_FAULT:
            set_error(r, "triple fault at rip 0x%llx: the guest raised an exception it cannot take",
                      (unsigned long long)ex->pc);
            return true;
        default: r->reason = TR_EXIT_RESET; return true;
        }
    case VMF_EXIT_INOUT:
    case VMF_EXIT_RDMSR:
    case VMF_EXIT_WRMSR:
    case VMF_EXIT_CPUID:
    case VMF_EXIT_VMCALL:
    case VMF_EXIT_INVD: x86_unhandled(c, ex); return true;
    case VMF_EXIT_STOP: stop_reason(c); return true;
    case VMF_EXIT_BPT: r->reason = TR_EXIT_PC; return true;
    case VMF_EXIT_INST_EMUL:
        set_error(r, "%s of %u bytes at 0x%llx by pc 0x%llx: no handler completed it (FAULT_UNHANDLED)",
                  ex->u.inst_emul.access == VMF_ACCESS_WRITE ? "write" : "read", ex->u.inst_emul.size,
                  (unsigned long long)ex->u.inst_emul.gpa, (unsigned long long)ex->pc);
        return true;
    case VMF_EXIT_PAGING:
        set_error(r, "%s at 0x%llx (pc 0x%llx) is outside every RAM region and device",
                  ex->u.paging.fault_type == VMF_FAULT_EXEC    ? "instruction fetch"
                  : ex->u.paging.fault_type == VMF_FAULT_WRITE ? "write"
                                                               : "read",
                  (unsigned long long)ex->u.paging.gpa, (unsigned long long)ex->pc);
        return true;
    case VMF_EXIT_EXCEPTION: {
        char text[128];
        if (s->arch == SCN_ARCH_X86_64) {
            platform_x86_disasm(c->vm, ex->pc, text, sizeof(text), NULL);
            set_error(r,
                      "the guest raised an exception at rip 0x%llx (%s, interrupt %d); x86-64 exceptions are "
                      "reported, not delivered",
                      (unsigned long long)ex->pc, text, ex->u.exception.intno);
            return true;
        }
        if (vmf_arm64_disasm(ex->u.exception.insn, ex->pc, text, sizeof(text)))
            snprintf(text, sizeof(text), "undefined");
        set_error(r,
                  "the guest raised an exception at pc 0x%llx (0x%08x: %s); with platform.exceptions: exit "
                  "it is reported, not delivered",
                  (unsigned long long)ex->pc, ex->u.exception.insn, text);
        return true;
    }
    default: {
        /* ERROR: prefer a device binding's specific message */
        const char *why = ex->u.error.message;
        for (size_t i = 0; i < s->ndevices; i++)
            if (c->dev[i].bind.message[0] && !c->dev[i].bind.stopped)
                why = c->dev[i].bind.message;
        set_error(r, "%s", why);
        return true;
    }
    }
}

/* The scheduler (DESIGN.md "Determinism"): rounds of a fixed quantum of virtual
 * time; in each, every online vCPU in order runs up to the round's end.  A
 * vCPU in WFI with nothing pending waits: its clock follows the round, and it
 * runs again once an interrupt input is raised (by a device, another CPU's
 * SGI, an event) or its timer fires.  When every vCPU waits, time jumps to the
 * next timer deadline or scheduled event; with none, WFI ends the run.
 * Cross-CPU effects land at the end of the sending CPU's slice. */
static bool run_loop(struct runner_session *c, uint64_t pause_at)
{
    const struct scenario *s = c->s;
    struct run_result *r = c->r;
    vmf_vm *vm = c->vm;
    uint64_t budget = s->max_instructions ? s->max_instructions : 1000000;
    uint64_t quantum = s->platform.quantum ? s->platform.quantum : 1000;
    size_t ei = c->next_event;
    bool done = false;
    while (!done) {
        while (ei < s->nevents && s->events[ei].at <= c->now) {
            const struct scn_event *ev = &s->events[ei++];
            vmf_irq_set(vm, ev->irq, ev->level);
            platform_trace_irq(c, ev->at, ev->irq, ev->level, TR_NO_DEVICE);
        }
        c->next_event = ei;
        if (c->now >= budget) {
            r->reason = TR_EXIT_BUDGET;
            break;
        }
        if (pause_at && c->now >= pause_at)
            return false;
        for (unsigned i = 0; i < vm->num_vcpus; i++)
            if (c->halted[i] && vm->vcpus[i]->vcpu_online && vmf_vcpu_irq_pending(vm->vcpus[i])) {
                vmf_vcpu_wait_until(vm->vcpus[i], c->now); /* it slept until this round */
                c->halted[i] = false;
            }
        uint64_t target = c->now + quantum;
        if (ei < s->nevents && s->events[ei].at < target)
            target = s->events[ei].at;
        if (target > budget)
            target = budget;
        /* With one vCPU, a round can end anywhere without changing the run; with
         * several, the pause waits for the round's end so they interleave as always. */
        if (pause_at && pause_at < target && vm->num_vcpus == 1)
            target = pause_at;
        bool anyone_runs = false;
        uint64_t wake = UINT64_MAX;
        for (unsigned i = 0; i < vm->num_vcpus && !done; i++) {
            vmf_vcpu *v = vm->vcpus[i];
            while (v->vcpu_online && !done) {
                if (c->halted[i]) {
                    /* An input raised before this round woke it at the round's start (below);
                     * one raised during the round by another CPU waits for the next round, so
                     * nothing is received before it was sent.  Its own timer wakes it on time. */
                    uint64_t d = vmf_vcpu_next_deadline(v);
                    if (d > target)
                        break;
                    vmf_vcpu_wait_until(v, d);
                    if (!vmf_vcpu_irq_pending(v))
                        break;
                    c->halted[i] = false;
                }
                if (vmf_vcpu_icount(v) >= target)
                    break;
                vmf_exit ex;
                if (vmf_run(v, target - vmf_vcpu_icount(v), &ex)) {
                    set_error(r, "vmf_run on vCPU %u failed", i);
                    done = true;
                    break;
                }
                if (ex.exitcode == VMF_EXIT_HLT) {
                    c->halted[i] = true;
                    c->halt_pc[i] = ex.pc;
                }
                done = handle_exit(c, &ex);
            }
        }
        if (done)
            break;
        /* after the whole round, so that what one CPU did to another counts */
        for (unsigned i = 0; i < vm->num_vcpus; i++) {
            vmf_vcpu *v = vm->vcpus[i];
            if (!v->vcpu_online)
                continue;
            if (!c->halted[i] || vmf_vcpu_irq_pending(v)) {
                anyone_runs = true;
            } else {
                uint64_t d = vmf_vcpu_next_deadline(v);
                if (d < wake)
                    wake = d;
            }
        }
        if (!anyone_runs) {
            /* everyone waits: jump to the next thing that can wake someone */
            uint64_t next = wake;
            if (ei < s->nevents && s->events[ei].at < next)
                next = s->events[ei].at;
            if (next == UINT64_MAX && s->stop_on_wfi) {
                r->reason = s->arch == SCN_ARCH_X86_64 ? TR_EXIT_HLT : TR_EXIT_WFI;
                r->pc = c->halt_pc[0];
                break;
            }
            c->now = next < budget ? (next > target ? next : target) : budget;
            continue;
        }
        c->now = target;
    }
    c->next_event = ei;
    c->ended = true;
    r->icount = vmf_vcpu_icount(c->vcpu);
    if (r->reason == TR_EXIT_POWEROFF)
        r->status = uart_status(c);
    struct tr_event e = {
        .kind = TR_EXIT, .t = r->icount, .reason = (uint8_t)r->reason, .pc = r->pc, .status = r->status};
    trace_push(&r->trace, &e);
    if (c->o->explain)
        fprintf(c->o->explain, "exit %s at pc 0x%llx after %llu instructions%s%s\n", tr_exit_name(r->reason),
                (unsigned long long)r->pc, (unsigned long long)r->icount, r->error[0] ? ": " : "", r->error);
    return true;
}

/* ---- the whole run -------------------------------------------------------------------------------- */

static void compare_replay(struct runner_session *c)
{
    const struct trace *want = c->o->replay, *got = &c->r->trace;
    size_t n = want->n < got->n ? want->n : got->n;
    char a[320], b[320];
    for (size_t i = 0; i <= n; i++) {
        const struct tr_event *x = i < want->n ? &want->ev[i] : NULL, *y = i < got->n ? &got->ev[i] : NULL;
        if (x && y && tr_event_equal(x, y))
            continue;
        if (!x && !y)
            return;
        if (x)
            tr_event_str(x, c->names, a, sizeof(a));
        if (y)
            tr_event_str(y, c->names, b, sizeof(b));
        c->r->diverged = true;
        snprintf(c->r->divergence, sizeof(c->r->divergence), "event %zu: expected %s\n  got %s", i,
                 x ? a : "the end of the trace", y ? b : "the end of the run");
        return;
    }
}

static void finish(struct runner_session *c)
{
    const struct scenario *s = c->s;
    struct run_result *r = c->r;
    for (size_t i = 0; i < s->ndevices; i++) {
        const char *out = NULL;
        size_t n = 0;
        if (s->devices[i].model == SCN_MODEL_PL011 && c->dev[i].state) {
            const struct vmf_pl011 *u = &c->dev[i].state->pl011;
            n = u->out_len < VMF_PL011_OUT_MAX - 1 ? u->out_len : VMF_PL011_OUT_MAX - 1;
            out = u->out;
        } else if (s->devices[i].model == SCN_MODEL_UART8250 && c->dev[i].state) {
            const struct vmf_uart8250 *u = &c->dev[i].state->uart8250;
            n = u->out_len < VMF_UART8250_OUT_MAX - 1 ? u->out_len : VMF_UART8250_OUT_MAX - 1;
            out = u->out;
        }
        if (!out)
            continue;
        if (n > sizeof(r->uart) - 1 - r->uart_len)
            n = sizeof(r->uart) - 1 - r->uart_len;
        memcpy(r->uart + r->uart_len, out, n);
        r->uart_len += n;
    }
    trace_digest_hex(&r->trace, r->digest);
    if (c->o->replay) {
        compare_replay(c);
        return;
    }
    struct expect_view v = {.vm = c->vm, .vcpu = c->vcpu, .names = c->names};
    for (size_t i = 0; i < s->ndevices; i++)
        v.regfile[i] = s->devices[i].model == SCN_MODEL_REGFILE && c->dev[i].state ? &c->dev[i].state->regfile : NULL;
    expect_check(s, &v, r);
}

int runner_open(const struct scenario *s, const struct runner_opts *o, struct run_result *r,
                struct runner_session **out, struct scn_error *err)
{
    memset(r, 0, sizeof(*r));
    memset(err, 0, sizeof(*err));
    *out = NULL;
    struct runner_session *c = calloc(1, sizeof(*c));
    if (!c)
        return setup_fail(err, s, s->guest_loc, "out of memory");
    c->s = s;
    c->o = o;
    c->r = r;
    if (build(c, err)) {
        runner_close(c);
        return -1;
    }
    *out = c;
    return 0;
}

int runner_continue(struct runner_session *c, uint64_t pause_at)
{
    if (c->ended)
        return 1;
    if (!run_loop(c, pause_at))
        return 0;
    finish(c);
    return 1;
}

void runner_close(struct runner_session *c)
{
    if (!c)
        return;
    vmf_vm_destroy(c->vm);
    for (size_t i = 0; i < SCN_MAX_DEVICES; i++)
        free(c->dev[i].state);
    free(c);
}

int runner_run(const struct scenario *s, const struct runner_opts *o, struct run_result *r, struct scn_error *err)
{
    struct runner_session *c;
    if (runner_open(s, o, r, &c, err))
        return -1;
    runner_continue(c, 0);
    runner_close(c);
    return 0;
}

/* ---- snapshots of a whole run: VM, device models, trace position ---------------------------------- */

struct runner_snap {
    vmf_snapshot *vm;
    struct runner_session ctx; /* the scalar run state (pointers are the session's own) */
    struct run_result result;  /* likewise; the trace is cut back to trace_n */
    size_t trace_n;
    struct dev_state {
        struct vmf_device_binding bind;
        uint8_t bytes[sizeof(*((struct dev_slot *)0)->state)];
        size_t off, len; /* the span of bytes[] that was saved (state_span) */
        bool has_state;
    } dev[SCN_MAX_DEVICES];
};

/* The part of a device model's state that changes while it runs: a restore
 * copies only that (a register file's configuration and a UART's unused
 * output buffer stay as they are). */
static void state_span(const struct dev_slot *slot, size_t *off, size_t *len)
{
    *off = 0;
    *len = sizeof(*slot->state);
    switch (slot->d->model) {
    case SCN_MODEL_REGFILE:
        *off = offsetof(struct vmf_regfile, st);
        *len = sizeof(struct vmf_regfile) - *off;
        break;
    case SCN_MODEL_PL011: {
        const struct vmf_pl011 *u = &slot->state->pl011;
        size_t used = u->out_len < VMF_PL011_OUT_MAX ? u->out_len + 1 : VMF_PL011_OUT_MAX; /* with its NUL */
        *len = offsetof(struct vmf_pl011, out) + used;
        break;
    }
    case SCN_MODEL_UART8250: {
        const struct vmf_uart8250 *u = &slot->state->uart8250;
        size_t used = u->out_len < VMF_UART8250_OUT_MAX ? u->out_len + 1 : VMF_UART8250_OUT_MAX; /* with its NUL */
        *len = offsetof(struct vmf_uart8250, out) + used;
        break;
    }
    case SCN_MODEL_GICV2: *len = sizeof(struct vmf_gicv2); break;
    case SCN_MODEL_TEST_EXIT:
    case SCN_MODEL_DEBUG_EXIT: *len = sizeof(struct vmf_test_exit); break;
    case SCN_MODEL_RESET_CONTROL:
    case SCN_MODEL_ACPI_PM: *len = sizeof(struct vmf_pc_power); break;
    default: break;
    }
}

int runner_snapshot(struct runner_session *c, struct runner_snap **out)
{
    *out = NULL;
    struct runner_snap *sn = calloc(1, sizeof(*sn));
    if (!sn)
        return VMF_ENOMEM;
    int st = vmf_snapshot_take(c->vm, &sn->vm);
    if (st) {
        free(sn);
        return st;
    }
    sn->ctx = *c;
    sn->result = *c->r;
    sn->trace_n = c->r->trace.n;
    for (size_t i = 0; i < c->s->ndevices; i++) {
        sn->dev[i].bind = c->dev[i].bind;
        if (c->dev[i].state) {
            state_span(&c->dev[i], &sn->dev[i].off, &sn->dev[i].len);
            memcpy(sn->dev[i].bytes + sn->dev[i].off, (const uint8_t *)c->dev[i].state + sn->dev[i].off,
                   sn->dev[i].len);
            sn->dev[i].has_state = true;
        }
    }
    *out = sn;
    return VMF_OK;
}

int runner_restore(struct runner_session *c, const struct runner_snap *sn)
{
    int st = vmf_snapshot_restore(c->vm, sn->vm);
    if (st)
        return st;
    struct runner_session keep = *c;
    /* scalar state back; everything that points somewhere stays the session's */
    c->replay_next = sn->ctx.replay_next;
    c->replay_mismatch = sn->ctx.replay_mismatch;
    memcpy(c->replay_msg, sn->ctx.replay_msg, sizeof(c->replay_msg));
    c->replay_stop = sn->ctx.replay_stop;
    c->replay_status = sn->ctx.replay_status;
    c->vmcall_exit = sn->ctx.vmcall_exit;
    c->vmcall_status = sn->ctx.vmcall_status;
    c->next_event = sn->ctx.next_event;
    c->ended = sn->ctx.ended;
    c->now = sn->ctx.now;
    memcpy(c->halted, sn->ctx.halted, sizeof(c->halted));
    memcpy(c->halt_pc, sn->ctx.halt_pc, sizeof(c->halt_pc));
    struct trace tr = keep.r->trace;
    struct guest_image img = keep.r->image;
    *c->r = sn->result;
    c->r->trace = tr;
    c->r->trace.n = sn->trace_n;
    c->r->image = img;
    for (size_t i = 0; i < c->s->ndevices; i++) {
        vm_memory_reservation_t *res = c->dev[i].bind.res;
        c->dev[i].bind = sn->dev[i].bind;
        c->dev[i].bind.res = res;
        if (sn->dev[i].has_state && c->dev[i].state)
            memcpy((uint8_t *)c->dev[i].state + sn->dev[i].off, sn->dev[i].bytes + sn->dev[i].off, sn->dev[i].len);
    }
    return VMF_OK;
}

void runner_snap_free(struct runner_snap *sn)
{
    if (!sn)
        return;
    vmf_snapshot_free(sn->vm);
    free(sn);
}

void run_result_free(struct run_result *r)
{
    trace_free(&r->trace);
    guest_free(&r->image);
}
