/* vmfault runner — the board around the CPUs: a GICv2 on the bus, interrupt
 * lines wired into it (scenario events, device outputs, the timers' PPIs), its
 * outputs wired into the vCPUs, and the device tree a booting guest is given. */
#include <stdio.h>
#include <string.h>

#include <sel4vm/guest_vcpu_fault.h>

#include "devices/fdt.h"
#include "runner/session.h"

/* ---- the GIC on the bus: a libsel4vm handler per register block ------------------------------- */

static memory_fault_result_t gic_access(struct dev_slot *slot, vm_vcpu_t *vcpu, bool cpu_if)
{
    struct vmf_gicv2 *g = &slot->state->gic;
    uint64_t base = cpu_if ? slot->d->cpu_base : slot->d->base;
    uint64_t off = get_vcpu_fault_address(vcpu) - base;
    unsigned size = (unsigned)get_vcpu_fault_size(vcpu), cpu = vcpu->vcpu_id;
    char note[96] = "";
    if (is_vcpu_read_fault(vcpu)) {
        uint64_t v = 0;
        if (cpu_if)
            vmf_gicv2_cpu_read(g, cpu, off, size, &v, note, sizeof(note));
        else
            vmf_gicv2_dist_read(g, cpu, off, size, &v, note, sizeof(note));
        set_vcpu_fault_data(vcpu, v);
    } else if (cpu_if) {
        vmf_gicv2_cpu_write(g, cpu, off, size, get_vcpu_fault_data(vcpu), note, sizeof(note));
    } else {
        vmf_gicv2_dist_write(g, cpu, off, size, get_vcpu_fault_data(vcpu), note, sizeof(note));
    }
    if (note[0] && slot->ctx->o->explain) /* RAZ/WI: the architecture's answer, worth a note */
        fprintf(slot->ctx->o->explain, "gic note: %s (cpu%u, %s+0x%llx, %u bytes)\n", note, cpu,
                cpu_if ? "GICC" : "GICD", (unsigned long long)off, size);
    advance_vcpu_fault(vcpu);
    return FAULT_HANDLED;
}

static memory_fault_result_t gicd_fault(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)vm;
    (void)paddr;
    (void)len;
    return gic_access(cookie, vcpu, false);
}

static memory_fault_result_t gicc_fault(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)vm;
    (void)paddr;
    (void)len;
    return gic_access(cookie, vcpu, true);
}

/* ---- wiring --------------------------------------------------------------------------------------- */

static void gic_output(void *cookie, unsigned cpu, bool irq, bool fiq)
{
    struct runner_session *c = cookie;
    if (cpu < c->vm->num_vcpus)
        vmf_vcpu_set_irq_input(c->vm->vcpus[cpu], irq, fiq);
}

/* VM lines 32.. are the GIC's SPIs (lines below 32 have no meaning on this board). */
static void line_sink(vmf_vm *vm, uint32_t line, bool level, void *cookie)
{
    (void)vm;
    struct runner_session *c = cookie;
    if (c->gic && line >= 32)
        vmf_gicv2_set_spi(c->gic, line, level);
}

static void ppi_sink(vmf_vm *vm, unsigned cpu, uint32_t intid, bool level, void *cookie)
{
    (void)vm;
    struct runner_session *c = cookie;
    if (c->gic)
        vmf_gicv2_set_ppi(c->gic, cpu, intid, level);
}

void platform_trace_irq(struct runner_session *c, uint64_t t, uint32_t line, bool level, uint8_t device)
{
    struct tr_event e = {.kind = TR_IRQ, .t = t, .line = line, .level = level, .device = device};
    trace_push(&c->r->trace, &e);
    if (c->o->explain)
        fprintf(c->o->explain, "irq %u %s at t=%llu%s%s\n", line, level ? "raised" : "lowered", (unsigned long long)t,
                device != TR_NO_DEVICE ? " by " : "", device != TR_NO_DEVICE ? c->names[device] : "");
}

void platform_device_irq(struct runner_session *c, int device, uint64_t t)
{
    if (c->o->replay) {
        /* The recording shows the edges this access caused right after it. */
        const struct trace *rec = c->o->replay;
        while (c->replay_next < rec->n && rec->ev[c->replay_next].kind == TR_IRQ &&
               rec->ev[c->replay_next].device != TR_NO_DEVICE && rec->ev[c->replay_next].t == t) {
            const struct tr_event *e = &rec->ev[c->replay_next++];
            vmf_irq_set(c->vm, e->line, e->level);
            platform_trace_irq(c, t, e->line, e->level, e->device);
        }
        return;
    }
    if (device == TR_NO_DEVICE)
        return;
    struct dev_slot *slot = &c->dev[device];
    if (slot->d->model != SCN_MODEL_PL011 || slot->d->irq < 0 || !slot->state)
        return;
    const struct vmf_pl011 *u = &slot->state->pl011;
    bool level = vmf_pl011_irq(u); /* UARTINTR: any masked interrupt status */
    if (level == slot->irq_level)
        return;
    slot->irq_level = level;
    vmf_irq_set(c->vm, (uint32_t)slot->d->irq, level);
    platform_trace_irq(c, t, (uint32_t)slot->d->irq, level, (uint8_t)device);
}

/* ---- the device tree -------------------------------------------------------------------------- */

static int write_dtb(struct runner_session *c, struct scn_error *err)
{
    const struct scenario *s = c->s;
    struct vmf_virt_desc d;
    memset(&d, 0, sizeof(d));
    d.ncpus = s->cpus ? s->cpus : 1;
    for (size_t i = 0; i < s->nram && d.nram < VMF_VIRT_MAX_RAM; i++) {
        d.ram[d.nram].base = s->ram[i].base;
        d.ram[d.nram].size = s->ram[i].size;
        d.nram++;
    }
    for (size_t i = 0; i < s->ndevices; i++) {
        const struct scn_device *dev = &s->devices[i];
        if (dev->model == SCN_MODEL_GICV2 && !d.gicd) {
            d.gicd = dev->base;
            d.gicc = dev->cpu_base;
        } else if (dev->model == SCN_MODEL_PL011 && !d.uart) {
            d.uart = dev->base;
            d.uart_spi = dev->irq >= 32 ? (unsigned)dev->irq - 32 : 1;
        }
    }
    d.psci_method = s->platform.psci == 1 ? "hvc" : s->platform.psci == 2 ? "smc" : NULL;
    d.bootargs = s->platform.bootargs[0] ? s->platform.bootargs : NULL;
    uint8_t blob[8192];
    size_t size;
    int st = vmf_virt_fdt(&d, blob, sizeof(blob), &size);
    uint64_t at = s->platform.dtb_address ? s->platform.dtb_address : s->ram[0].base + s->ram[0].size - 0x10000;
    if (!st)
        st = vmf_mem_write(c->vm, at, blob, size);
    if (st) {
        snprintf(err->file, sizeof(err->file), "%s", s->files[s->platform.loc.file]);
        err->line = s->platform.loc.line;
        err->col = s->platform.loc.col;
        snprintf(err->message, sizeof(err->message), "cannot place the device tree at 0x%llx: %s",
                 (unsigned long long)at, vmf_strerror(st));
        return -1;
    }
    return vmf_reg_write(c->vcpu, 0, at) ? -1 : 0; /* x0 = the tree, as Linux and test suites expect */
}

/* --explain: an exception or interrupt entering the guest, with the syndrome
 * decoded the way a textbook would. */
static void explain_exception(vmf_vcpu *vcpu, int kind, uint32_t esr, uint64_t elr, uint64_t vector, void *cookie)
{
    struct runner_session *c = cookie;
    FILE *out = c->o->explain;
    fprintf(out, "exception on cpu%u at t=%llu: ", vcpu->vcpu_id, (unsigned long long)vmf_vcpu_icount(vcpu));
    if (kind != 0) {
        fprintf(out, "%s, return to 0x%llx, vector 0x%llx (VBAR_EL1 + 0x%x)\n", kind == 1 ? "IRQ" : "FIQ",
                (unsigned long long)elr, (unsigned long long)vector, kind == 1 ? 0x280 : 0x300);
        return;
    }
    unsigned ec = esr >> 26;
    const char *what = ec == 0x15   ? "SVC"
                       : ec == 0x3c ? "BRK"
                       : ec == 0x25 ? "data abort (same EL)"
                       : ec == 0x21 ? "instruction abort (same EL)"
                       : ec == 0x00 ? "undefined instruction"
                                    : "synchronous exception";
    fprintf(out, "%s, ESR_EL1 0x%08x (EC 0x%02x, ISS 0x%07x), return to 0x%llx, vector 0x%llx\n", what, esr, ec,
            esr & 0x1ffffff, (unsigned long long)elr, (unsigned long long)vector);
}

int platform_setup(struct runner_session *c, struct scn_error *err)
{
    const struct scenario *s = c->s;
    for (size_t i = 0; i < s->ndevices; i++) {
        struct dev_slot *slot = &c->dev[i];
        if (s->devices[i].model != SCN_MODEL_GICV2)
            continue;
        if (c->gic) {
            snprintf(err->file, sizeof(err->file), "%s", s->files[s->devices[i].loc.file]);
            err->line = s->devices[i].loc.line;
            err->col = s->devices[i].loc.col;
            snprintf(err->message, sizeof(err->message), "one interrupt controller per board");
            return -1;
        }
        c->gic = &slot->state->gic;
        vmf_gicv2_init(c->gic, c->vm->num_vcpus, s->devices[i].nirqs, gic_output, c);
    }
    vmf_vm_set_irq_sink(c->vm, line_sink, c);
    if (c->o->explain)
        vmf_vm_set_exception_observer(c->vm, explain_exception, c);
    vmf_vm_set_ppi_sink(c->vm, ppi_sink, c);
    vmf_vm_set_psci(c->vm, (enum vmf_psci_conduit)s->platform.psci);
    for (unsigned i = 0; i < c->vm->num_vcpus; i++) {
        vmf_vcpu_set_exception_mode(c->vm->vcpus[i], s->platform.exceptions ? VMF_EXC_DELIVER : VMF_EXC_EXIT);
        vmf_vcpu_set_online(c->vm->vcpus[i], i == 0); /* secondaries wait for PSCI CPU_ON */
    }
    if (s->platform.dtb && write_dtb(c, err))
        return -1;
    return 0;
}

int platform_attach_gic(struct runner_session *c, struct dev_slot *slot)
{
    slot->res = vm_reserve_memory_at(c->vm, slot->d->base, slot->d->size, gicd_fault, slot);
    slot->res2 = vm_reserve_memory_at(c->vm, slot->d->cpu_base, 0x2000, gicc_fault, slot);
    if (!slot->res || !slot->res2)
        return -1;
    char name[48];
    snprintf(name, sizeof(name), "%s.cpu", slot->d->name);
    vmf_reservation_set_name(slot->res2, name);
    return 0;
}
