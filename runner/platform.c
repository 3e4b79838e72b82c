/* vmfault runner — the board around the CPUs: a GICv2 on the bus, interrupt
 * lines wired into it (scenario events, device outputs, the timers' PPIs), its
 * outputs wired into the vCPUs, and the device tree a booting guest is given. */
#include <stdio.h>
#include <string.h>

#include <sel4vm/arch/ioports.h>
#include <sel4vm/guest_vcpu_fault.h>

#include "devices/fdt.h"
#include "runner/session.h"
#include "vmfault/x86.h"

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

static int x86_setup(struct runner_session *c, struct scn_error *err);

int platform_setup(struct runner_session *c, struct scn_error *err)
{
    const struct scenario *s = c->s;
    if (s->arch == SCN_ARCH_X86_64)
        return x86_setup(c, err);
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

/* ---- the x86-64 board ------------------------------------------------------------------------------ */

int platform_port_device(const struct runner_session *c, uint16_t port)
{
    for (size_t i = 0; i < c->s->ndevices; i++) {
        const struct scn_device *d = &c->s->devices[i];
        if (d->port && port >= d->base && port - d->base < d->size)
            return (int)i;
    }
    return TR_NO_DEVICE;
}

void platform_x86_disasm(vmf_vm *vm, uint64_t pc, char *buf, size_t len, unsigned *length)
{
    uint8_t b[15];
    size_t n = sizeof(b);
    while (n > 0 && vmf_mem_read(vm, pc, b, n)) /* the instruction may end a RAM region */
        n--;
    vmf_x86_access a;
    if (length)
        *length = n && vmf_x86_decode(b, n, &a) != VMF_EUNDEF ? a.length : 0;
    if (!n || vmf_x86_disasm(b, n, pc, buf, len))
        snprintf(buf, len, "?");
}

static const struct scn_vmcall *find_vmcall(const struct scenario *s, uint64_t nr)
{
    for (size_t i = 0; i < s->x86.nvmcalls; i++)
        if (s->x86.vmcalls[i].nr == nr)
            return &s->x86.vmcalls[i];
    return NULL;
}

/* x86.vmcalls: the built-in behaviours. */
static int vmcall_builtin(vmf_vcpu *vcpu, uint64_t nr, const uint64_t args[4], uint64_t *result, void *cookie)
{
    struct runner_session *c = cookie;
    const struct scn_vmcall *vc = find_vmcall(c->s, nr);
    *result = 0;
    if (!vc)
        return -1;
    if (vc->exit) { /* a hypercall test exit: status = RBX */
        c->vmcall_exit = true;
        c->vmcall_status = (uint32_t)args[0];
        vmf_vcpu_request_stop(vcpu);
        return 0;
    }
    *result = vc->ret == SCN_VMCALL_RET_VALUE ? vc->value : args[vc->ret - SCN_VMCALL_RET_RBX];
    return 0;
}

/* x86.unhandled: ignore -- what a forgiving VMM answers instead of stopping. */
#define KVM_ENOSYS_RESULT ((uint64_t)-1000) /* KVM's answer to an unknown hypercall: -KVM_ENOSYS */

static ioport_fault_result_t ignore_port(vm_t *vm, unsigned int port_no, bool is_in, unsigned int *value, size_t size,
                                         void *cookie)
{
    (void)vm;
    (void)port_no;
    (void)is_in;
    (void)value;
    (void)size;
    (void)cookie;
    return IO_FAULT_UNHANDLED; /* libsel4vm: an IN reads all ones, an OUT is dropped */
}

static int ignore_exit(vmf_vcpu *vcpu, vmf_exit *exit, void *cookie)
{
    (void)cookie;
    int r = vmf_x86_default_handler(vcpu, exit);
    if (r != VMF_X86_UNHANDLED)
        return r;
    if (exit->exitcode == VMF_EXIT_RDMSR) {
        vmf_reg_write(vcpu, VMF_X86_REG_RAX, 0);
        vmf_reg_write(vcpu, VMF_X86_REG_RDX, 0);
    } else if (exit->exitcode == VMF_EXIT_VMCALL) {
        vmf_reg_write(vcpu, VMF_X86_REG_RAX, KVM_ENOSYS_RESULT);
    }
    return VMF_X86_HANDLED; /* WRMSR: dropped */
}

static uint64_t reg64(vmf_vcpu *vcpu, unsigned r)
{
    uint64_t v = 0;
    vmf_reg_read(vcpu, r, &v);
    return v;
}

static const char *msr_name(uint64_t msr)
{
    switch (msr) {
    case 0x10: return "IA32_TSC";
    case 0x1b: return "IA32_APIC_BASE";
    case 0x3a: return "IA32_FEATURE_CONTROL";
    case 0x1a0: return "IA32_MISC_ENABLE";
    case 0x277: return "IA32_PAT";
    case 0xc0000080: return "EFER";
    case 0xc0000081: return "STAR";
    case 0xc0000082: return "LSTAR";
    case 0xc0000084: return "SFMASK";
    case 0xc0000100: return "FS.base";
    case 0xc0000101: return "GS.base";
    case 0xc0000102: return "KernelGSbase";
    case 0xc0000103: return "TSC_AUX";
    default: return NULL;
    }
}

/* " 'H'" for a printable byte value, else "". */
static const char *char_of(uint64_t v, unsigned bytes, char buf[8])
{
    buf[0] = 0;
    if (bytes == 1 && v >= 0x20 && v < 0x7f)
        snprintf(buf, 8, " '%c'", (char)v);
    else if (bytes == 1 && v == '\n')
        snprintf(buf, 8, " '\\n'");
    return buf;
}

/* "model uart8250 (com1, THR)" or "the trace" */
static void port_handler_text(const struct runner_session *c, int device, uint16_t port, bool write, char *buf,
                              size_t len)
{
    if (c->o->replay) {
        snprintf(buf, len, "the recorded trace (%s, replayed without a device model)", c->names[device]);
        return;
    }
    const struct scn_device *d = &c->s->devices[device];
    uint64_t off = port - d->base;
    const char *reg = NULL;
    if (d->model == SCN_MODEL_UART8250 && c->dev[device].state)
        reg = vmf_uart8250_reg_name(&c->dev[device].state->uart8250, off, write);
    else if (d->model == SCN_MODEL_REGFILE)
        for (size_t i = 0; i < d->regfile.nregs && !reg; i++)
            if (off - d->regfile.regs[i].offset < d->regfile.regs[i].size && d->regfile.regs[i].name[0])
                reg = d->regfile.regs[i].name;
    const char *model = d->model == SCN_MODEL_UART8250        ? "uart8250"
                        : d->model == SCN_MODEL_DEBUG_EXIT    ? "debug-exit"
                        : d->model == SCN_MODEL_RESET_CONTROL ? "reset-control"
                        : d->model == SCN_MODEL_ACPI_PM       ? "acpi-pm"
                                                              : "regfile";
    if (reg)
        snprintf(buf, len, "%s model (%s, %s at offset %llu)", model, d->name, reg, (unsigned long long)off);
    else
        snprintf(buf, len, "%s model (%s, offset %llu)", model, d->name, (unsigned long long)off);
}

static const char *acc_reg(unsigned bytes)
{
    return bytes == 1 ? "AL" : bytes == 2 ? "AX" : "EAX";
}

/* The step a handled exit ends with. */
static void step_text(const vmf_exit *ex, char *buf, size_t len)
{
    snprintf(buf, len, "RIP steps past the %d-byte instruction", ex->inst_length);
}

static void explain_inout(FILE *out, const struct runner_session *c, const vmf_exit *ex, int result,
                          const struct tr_event *e)
{
    const bool in = ex->u.inout.in, str = ex->u.inout.string, rep = ex->u.inout.rep;
    const unsigned bytes = ex->u.inout.bytes;
    const char sfx = bytes == 1 ? 'B' : bytes == 2 ? 'W' : 'D';
    char ch[8], what[160], handler[160], step[96];
    uint16_t port = ex->u.inout.port;
    if (!str)
        snprintf(what, sizeof(what), "%s %s port 0x%x (%u byte%s", in ? "IN" : "OUT", in ? "from" : "to", port, bytes,
                 bytes == 1 ? "" : "s");
    else
        snprintf(what, sizeof(what), "%s%s%c %s port 0x%x, one element (%u byte%s %s [%s] 0x%llx", rep ? "REP " : "",
                 in ? "INS" : "OUTS", sfx, in ? "from" : "to", port, bytes, bytes == 1 ? "" : "s", in ? "for" : "from",
                 in ? "RDI" : "RSI", (unsigned long long)ex->u.inout.addr);
    if (!in)
        fprintf(out, "  %s, value 0x%llx%s)", what, (unsigned long long)e->data, char_of(e->data, bytes, ch));
    else
        fprintf(out, "  %s)", what);
    if (rep)
        fprintf(out, ", RCX = %llu before it", (unsigned long long)ex->u.inout.count);
    step_text(ex, step, sizeof(step));
    if (str && rep) {
        if (ex->u.inout.count > 1)
            snprintf(step, sizeof(step), "%s moves on, RCX counts down to %llu and RIP stays on the instruction",
                     in ? "RDI" : "RSI", (unsigned long long)ex->u.inout.count - 1);
        else
            snprintf(step, sizeof(step), "%s moves on, RCX reaches 0 and RIP steps past the %d-byte instruction",
                     in ? "RDI" : "RSI", ex->inst_length);
    } else if (str) {
        snprintf(step, sizeof(step), "%s moves on and RIP steps past the %d-byte instruction", in ? "RDI" : "RSI",
                 ex->inst_length);
    }
    if (e->device == TR_NO_DEVICE) {
        if (result == VMF_X86_HANDLED && in)
            fprintf(out,
                    ": no port device covers it; with x86.unhandled: ignore it reads all ones (0x%llx), like an "
                    "empty ISA bus; %s.\n",
                    (unsigned long long)e->data, step);
        else if (result == VMF_X86_HANDLED)
            fprintf(out, ": no port device covers it; with x86.unhandled: ignore the VMM drops the value; %s.\n", step);
        else
            fprintf(out, ": no port device covers it, so the VMM has no handler (the \"unimplemented\" path): the "
                         "run stops with RIP on the instruction.\n");
        return;
    }
    port_handler_text(c, e->device, port, !in, handler, sizeof(handler));
    if (result != VMF_X86_HANDLED) {
        fprintf(out, ": the VMM's %s refused it: the run stops with an error.\n", handler);
        return;
    }
    const struct scn_device *d = &c->s->devices[e->device];
    if (!in && !c->o->replay && c->dev[e->device].state &&
        ((d->model == SCN_MODEL_RESET_CONTROL && (e->data & 4)) ||
         (d->model == SCN_MODEL_ACPI_PM && (e->data & 0x2000) && !(e->data & 0x1c00)))) {
        fprintf(out, ": the VMM's %s %s: the run ends with a SUSPENDED exit (%s), as bhyve's vm_suspend would.\n",
                handler,
                d->model == SCN_MODEL_RESET_CONTROL ? "sees RST_CPU set and resets the machine"
                                                    : "sees SLP_EN with sleep type 0 (S5) and powers it off",
                d->model == SCN_MODEL_RESET_CONTROL ? "reset" : "poweroff");
        return;
    }
    if (!in && d->model == SCN_MODEL_DEBUG_EXIT && !c->o->replay) {
        fprintf(out,
                ": the VMM's %s ends the run the way QEMU's isa-debug-exit does, with status (0x%llx << 1) | 1 = "
                "%llu.\n",
                handler, (unsigned long long)e->data, (unsigned long long)((e->data << 1 | 1) & 0xffffffffu));
        return;
    }
    /* a received character is worth showing as one; a status register is not */
    bool rx = d->model == SCN_MODEL_UART8250 && port == d->base;
    if (!rx)
        ch[0] = 0;
    if (in && str)
        fprintf(out, ": the VMM's %s answers 0x%llx%s, stored at 0x%llx; %s.\n", handler, (unsigned long long)e->data,
                rx ? char_of(e->data, bytes, ch) : ch, (unsigned long long)ex->u.inout.addr, step);
    else if (in)
        fprintf(out, ": the VMM's %s answers 0x%llx%s, which the CPU gets in %s; %s.\n", handler,
                (unsigned long long)e->data, rx ? char_of(e->data, bytes, ch) : ch, acc_reg(bytes), step);
    else
        fprintf(out, ": the VMM's %s takes the %s; %s.\n", handler, bytes == 1 ? "byte" : "value", step);
    if (!c->o->replay && c->dev[e->device].bind.stopped) /* unlisted: stop */
        fprintf(out, "  The device asks the VMM to end the run here (%s).\n", c->dev[e->device].bind.message);
}

/* Four register bytes as text when they are printable (vendor strings). */
static bool ascii4(uint32_t r, char *p)
{
    for (int i = 0; i < 4; i++) {
        char ch = (char)(r >> (8 * i));
        if (ch < 0x20 || ch > 0x7e)
            return false;
        p[i] = ch;
    }
    return true;
}

static void explain_x86_exit(FILE *out, const struct runner_session *c, vmf_vcpu *vcpu, const vmf_exit *ex, int result,
                             const struct tr_event *e, size_t n)
{
    char text[128], step[96];
    platform_x86_disasm(c->vm, ex->pc, text, sizeof(text), NULL);
    fprintf(out, "exit %zu at t=%llu on cpu%u: %s at rip 0x%llx (%s exit)\n", n, (unsigned long long)e->t,
            vcpu->vcpu_id, text, (unsigned long long)ex->pc, vmf_exit_name(ex->exitcode));
    step_text(ex, step, sizeof(step));
    const char *stops = "the VMM has no answer (the \"unimplemented\" path): the run stops with RIP on the instruction";
    switch (ex->exitcode) {
    case VMF_EXIT_INOUT: explain_inout(out, c, ex, result, e); return;
    case VMF_EXIT_CPUID: {
        uint32_t r[4] = {(uint32_t)e->data, (uint32_t)(e->data >> 32), (uint32_t)e->data2, (uint32_t)(e->data2 >> 32)};
        fprintf(out,
                "  CPUID leaf 0x%x (EAX), subleaf 0x%x (ECX): the VMM answers from its CPUID table (x86.cpuid, on top "
                "of vmfault's own leaves) EAX=0x%x EBX=0x%x ECX=0x%x EDX=0x%x",
                (unsigned)e->code, e->sub, r[0], r[1], r[2], r[3]);
        char v[13] = {0};
        bool txt = e->code == 0            ? ascii4(r[1], v) && ascii4(r[3], v + 4) && ascii4(r[2], v + 8)
                   : e->code == 0x40000000 ? ascii4(r[1], v) && ascii4(r[2], v + 4) && ascii4(r[3], v + 8)
                                           : false;
        if (txt)
            fprintf(out, " (vendor \"%s\")", v);
        fprintf(out, "; %s.\n", step);
        return;
    }
    case VMF_EXIT_RDMSR: {
        const char *name = msr_name(e->code);
        uint64_t stored;
        fprintf(out, "  RDMSR of MSR 0x%llx%s%s (ECX)", (unsigned long long)e->code, name ? ", " : "",
                name ? name : "");
        if (result != VMF_X86_HANDLED)
            fprintf(out, ": not in x86.msrs and never written, so %s.\n", stops);
        else if (c->s->x86.unhandled_ignore && vmf_x86_msr_get(vcpu, (uint32_t)e->code, &stored) == VMF_ENOENT)
            fprintf(out, ": not in x86.msrs and never written; with x86.unhandled: ignore it reads 0; %s.\n", step);
        else if (e->code == 0x10)
            fprintf(out, ": the VMM answers virtual time, 0x%llx instructions, in EDX:EAX; %s.\n",
                    (unsigned long long)e->data, step);
        else
            fprintf(out, ": the VMM answers 0x%llx from its MSR store, in EDX:EAX; %s.\n", (unsigned long long)e->data,
                    step);
        return;
    }
    case VMF_EXIT_WRMSR: {
        const char *name = msr_name(e->code);
        fprintf(out, "  WRMSR of MSR 0x%llx%s%s (ECX) with EDX:EAX = 0x%llx", (unsigned long long)e->code,
                name ? ", " : "", name ? name : "", (unsigned long long)e->data);
        bool cpu_msr = e->code == 0x10 || e->code == 0xc0000080;
        if (result == VMF_X86_HANDLED && cpu_msr) /* only x86.unhandled: ignore lets these through */
            fprintf(out,
                    ": the VMM does not let the guest change %s; with x86.unhandled: ignore it drops the "
                    "write; %s.\n",
                    e->code == 0x10 ? "IA32_TSC" : "EFER", step);
        else if (result != VMF_X86_HANDLED)
            fprintf(out, ": the VMM does not let the guest change %s, so %s.\n",
                    e->code == 0x10 ? "IA32_TSC (it is virtual time)" : "EFER (the CPU mode)", stops);
        else if (e->code == 0xc0000100 || e->code == 0xc0000101)
            fprintf(out, ": the VMM loads it into the CPU's segment base; %s.\n", step);
        else
            fprintf(out, ": the VMM keeps it in its MSR store, where a later RDMSR finds it; %s.\n", step);
        return;
    }
    case VMF_EXIT_VMCALL: {
        const struct scn_vmcall *vc = find_vmcall(c->s, e->code);
        fprintf(out, "  VMCALL %llu (RAX) with RBX=0x%llx RCX=0x%llx RDX=0x%llx RSI=0x%llx, a hypercall",
                (unsigned long long)e->code, (unsigned long long)ex->u.vmcall.args[0],
                (unsigned long long)ex->u.vmcall.args[1], (unsigned long long)ex->u.vmcall.args[2],
                (unsigned long long)ex->u.vmcall.args[3]);
        if (result != VMF_X86_HANDLED)
            fprintf(out, ": no x86.vmcalls entry for call %llu, so %s.\n", (unsigned long long)e->code, stops);
        else if (!vc)
            fprintf(out,
                    ": no x86.vmcalls entry; with x86.unhandled: ignore the VMM answers -ENOSYS (RAX = -1000, "
                    "as KVM does); %s.\n",
                    step);
        else if (vc->exit)
            fprintf(out, ": its x86.vmcalls entry ends the run, with status RBX = %u.\n",
                    (unsigned)ex->u.vmcall.args[0]);
        else if (vc->log && vc->ret == SCN_VMCALL_RET_VALUE && !vc->value)
            fprintf(out,
                    ": its x86.vmcalls entry (log) does nothing but leave the call and its arguments in the "
                    "trace, and returns 0 in RAX; %s.\n",
                    step);
        else if (vc->ret != SCN_VMCALL_RET_VALUE)
            fprintf(out, ": its x86.vmcalls entry returns its argument %s = 0x%llx in RAX; %s.\n",
                    vc->ret == SCN_VMCALL_RET_RBX   ? "RBX"
                    : vc->ret == SCN_VMCALL_RET_RCX ? "RCX"
                    : vc->ret == SCN_VMCALL_RET_RDX ? "RDX"
                                                    : "RSI",
                    (unsigned long long)e->data, step);
        else
            fprintf(out, ": its x86.vmcalls entry returns 0x%llx in RAX; %s.\n", (unsigned long long)e->data, step);
        return;
    }
    case VMF_EXIT_INVD:
        fprintf(
            out,
            "  %s: the guest asked to %s its caches; the VMM has no cache of its own to flush and ignores it; %s.\n",
            e->sub ? "WBINVD" : "INVD", e->sub ? "write back and invalidate" : "invalidate (without writing back)",
            step);
        return;
    case VMF_EXIT_HLT:
        if (reg64(vcpu, VMF_X86_REG_RFLAGS) & 0x200)
            fprintf(out, "  HLT with RFLAGS.IF=1: the CPU waits for an interrupt; this board has no interrupt "
                         "controller, so nothing will wake it: the run ends (expect.exit: hlt).\n");
        else
            fprintf(out, "  HLT with RFLAGS.IF=0: interrupts are masked, so nothing can ever wake the CPU: the VMM "
                         "treats it as a halt (SUSPENDED/HALT, expect.exit: halt).\n");
        return;
    default: fprintf(out, "  %s.\n", result == VMF_X86_HANDLED ? step : stops); return;
    }
}

/* Every exit the dispatcher handled or returned: one trace event (and --explain). */
static void x86_observer(vmf_vcpu *vcpu, const vmf_exit *ex, int result, void *cookie)
{
    struct runner_session *c = cookie;
    if (!tr_x86_kind_name(ex->exitcode))
        return;
    struct tr_event e = {.kind = TR_X86,
                         .cpu = (uint8_t)vcpu->vcpu_id,
                         .t = ex->icount + 1, /* like a fault: the exiting instruction counts */
                         .pc = ex->pc,
                         .xexit = (uint8_t)ex->exitcode,
                         .result = (uint8_t)result,
                         .device = TR_NO_DEVICE};
    bool ok = result == VMF_X86_HANDLED;
    switch (ex->exitcode) {
    case VMF_EXIT_INOUT: {
        unsigned bytes = ex->u.inout.bytes;
        e.code = ex->u.inout.port;
        e.size = (uint8_t)bytes;
        e.dir = ex->u.inout.in ? 1 : 2;
        e.flags = (uint8_t)((ex->u.inout.string ? TR_X86_STRING : 0) | (ex->u.inout.rep ? TR_X86_REP : 0));
        e.device = (uint8_t)platform_port_device(c, ex->u.inout.port);
        if (!ex->u.inout.in) {
            e.data = ex->u.inout.eax;
        } else if (ok && ex->u.inout.string) {
            uint8_t b[4] = {0};
            if (!vmf_mem_read(c->vm, ex->u.inout.addr, b, bytes))
                e.data = (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 | (uint64_t)b[3] << 24;
        } else if (ok) {
            e.data = reg64(vcpu, VMF_X86_REG_RAX) & (bytes == 4 ? 0xffffffffu : (1u << (8 * bytes)) - 1);
        }
        break;
    }
    case VMF_EXIT_CPUID:
        e.code = ex->u.cpuid.leaf;
        e.sub = ex->u.cpuid.subleaf;
        if (ok) {
            e.data = (reg64(vcpu, VMF_X86_REG_RAX) & 0xffffffffu) | reg64(vcpu, VMF_X86_REG_RBX) << 32;
            e.data2 = (reg64(vcpu, VMF_X86_REG_RCX) & 0xffffffffu) | reg64(vcpu, VMF_X86_REG_RDX) << 32;
        }
        break;
    case VMF_EXIT_RDMSR:
        e.code = ex->u.msr.code;
        if (ok)
            e.data = (reg64(vcpu, VMF_X86_REG_RAX) & 0xffffffffu) | reg64(vcpu, VMF_X86_REG_RDX) << 32;
        break;
    case VMF_EXIT_WRMSR:
        e.code = ex->u.msr.code;
        e.data = ex->u.msr.wval;
        break;
    case VMF_EXIT_VMCALL:
        e.code = ex->u.vmcall.nr;
        e.flags = TR_X86_ARGS; /* the arguments are part of the call */
        memcpy(e.args, ex->u.vmcall.args, sizeof(e.args));
        if (ok)
            e.data = reg64(vcpu, VMF_X86_REG_RAX);
        break;
    case VMF_EXIT_INVD: e.sub = ex->u.invd.wb; break;
    default: break;
    }
    trace_push(&c->r->trace, &e);
    c->r->xexits++;
    if (c->o->explain)
        explain_x86_exit(c->o->explain, c, vcpu, ex, result, &e, c->r->xexits);
}

/* ---- replay: port devices served from the trace ---------------------------------------------------- */

/* Events a port access neither makes nor consumes: IRQ edges, x86 exits of
 * no port device (regenerated), faults of no device or of the GIC (modelled). */
static bool port_skips(const struct runner_session *c, const struct tr_event *e)
{
    if (e->kind == TR_IRQ)
        return true;
    if (e->kind == TR_X86)
        return e->xexit != VMF_EXIT_INOUT || e->device == TR_NO_DEVICE;
    if (e->kind == TR_FAULT)
        return e->device == TR_NO_DEVICE || c->s->devices[e->device].model == SCN_MODEL_GICV2;
    return false;
}

static int replay_port(struct dev_slot *slot, vmf_vcpu *vcpu, uint16_t port, unsigned bytes, bool in, uint32_t *value)
{
    struct runner_session *c = slot->ctx;
    const struct trace *t = c->o->replay;
    int device = (int)(slot - c->dev);
    uint64_t rip = reg64(vcpu, VMF_X86_REG_RIP);
    while (c->replay_next < t->n && port_skips(c, &t->ev[c->replay_next]))
        c->replay_next++;
    const struct tr_event *e = c->replay_next < t->n ? &t->ev[c->replay_next] : NULL;
    if (!e || e->kind != TR_X86 || e->code != port || e->size != bytes || e->dir != (in ? 1 : 2) || e->pc != rip ||
        e->device != device || (!in && e->data != *value)) {
        if (!c->replay_mismatch) {
            snprintf(c->replay_msg, sizeof(c->replay_msg),
                     e ? "the %s of %u byte%s at port 0x%x by rip 0x%llx differs from the recorded one"
                       : "the guest made an %s of %u byte%s at port 0x%x (rip 0x%llx) that the trace does not have",
                     in ? "IN" : "OUT", bytes, bytes == 1 ? "" : "s", port, (unsigned long long)rip);
            c->replay_mismatch = true;
        }
        vmf_vcpu_request_stop(vcpu);
        if (in)
            *value = 0;
        return VMF_X86_HANDLED;
    }
    c->replay_next++;
    if (in)
        *value = (uint32_t)e->data;
    /* A device that ended the recorded run (debug-exit, an unlisted access with
     * policy stop) did it on this access: end the replay the same way. */
    const struct tr_event *next = c->replay_next < t->n ? &t->ev[c->replay_next] : NULL;
    if (next && next->kind == TR_EXIT && (next->reason == TR_EXIT_TEST || next->reason == TR_EXIT_STOP) &&
        next->t == e->t) {
        c->replay_stop = next->reason;
        c->replay_status = next->status;
        vmf_vcpu_request_stop(vcpu);
    }
    /* and one that reset or powered the machine off (reset-control, acpi-pm) */
    if (next && next->kind == TR_EXIT && (next->reason == TR_EXIT_RESET || next->reason == TR_EXIT_POWEROFF) &&
        next->t == e->t)
        vmf_vcpu_request_suspend(vcpu, next->reason == TR_EXIT_RESET ? VMF_SUSPEND_RESET : VMF_SUSPEND_POWEROFF);
    return e->result;
}

static int replay_port_in(vmf_vcpu *vcpu, uint16_t port, unsigned bytes, uint32_t *value, void *cookie)
{
    return replay_port(cookie, vcpu, port, bytes, true, value);
}

static int replay_port_out(vmf_vcpu *vcpu, uint16_t port, unsigned bytes, uint32_t value, void *cookie)
{
    return replay_port(cookie, vcpu, port, bytes, false, &value);
}

int platform_replay_ports(struct runner_session *c, struct dev_slot *slot)
{
    const struct scn_device *d = slot->d;
    return vmf_x86_add_ports(c->vm, (uint16_t)d->base, (uint16_t)(d->base + d->size - 1), replay_port_in,
                             replay_port_out, slot, d->name);
}

/* ---- --explain of an x86 MMIO fault ---------------------------------------------------------------- */

void platform_explain_x86_fault(FILE *out, const struct runner_session *c, const vmf_fault *f, unsigned cpu, int device,
                                size_t n, const char *model)
{
    const vmf_x86_access *a = &f->x86;
    char text[128];
    unsigned len = a->length <= sizeof(f->insn_bytes) ? a->length : 0;
    if (!len || vmf_x86_disasm(f->insn_bytes, len, f->pc, text, sizeof(text)))
        snprintf(text, sizeof(text), "(not decoded)");
    fprintf(out, "fault %zu at t=%llu on cpu%u\n", n, (unsigned long long)f->icount, cpu);
    fprintf(out, "  instruction  0x%llx: %s  (", (unsigned long long)f->pc, text);
    for (unsigned i = 0; i < len; i++)
        fprintf(out, "%s%02x", i ? " " : "", f->insn_bytes[i]);
    fprintf(out, ", %u byte%s)\n", len, len == 1 ? "" : "s");
    fprintf(out,
            "  exit         EPT violation, %s at 0x%llx, exit qualification 0x%x (%s, GPA not mapped, linear "
            "address valid): no size or register in it; the VMM decodes the bytes at RIP\n",
            f->access == VMF_ACCESS_READ ? "read" : "write", (unsigned long long)f->addr, f->ept_qual,
            f->access == VMF_ACCESS_READ ? "bit 0 data read" : "bit 1 data write");
    const char *acc = a->access == VMF_ACCESS_READ    ? "read"
                      : a->access == VMF_ACCESS_WRITE ? "write"
                                                      : "read-modify-write";
    fprintf(out, "  decoded      %s: %s of %u byte%s", a->mnemonic[0] ? a->mnemonic : "?", acc, a->size,
            a->size == 1 ? "" : "s");
    if (a->nmem > 1 && a->mem[1].access != a->access)
        fprintf(out, " then %s of %u", a->mem[1].access == VMF_ACCESS_WRITE ? "write" : "read", a->size);
    const char *rn = vmf_x86_reg_text(a->reg, a->reg_size, a->reg_high8);
    if (rn)
        fprintf(out, "%s %s",
                a->access == VMF_ACCESS_READ    ? " into"
                : a->access == VMF_ACCESS_WRITE ? " from"
                                                : " with",
                rn);
    if (a->has_imm)
        fprintf(out, "%s immediate 0x%llx", rn ? " and" : " with", (unsigned long long)a->imm);
    if (a->sign_extend)
        fprintf(out, ", sign-extended");
    if (a->zero_extend)
        fprintf(out, ", zero-extended");
    if (a->string)
        fprintf(out, "%s, one element per execution", a->rep || a->repne ? ", rep" : "");
    const char *sub = vmf_x86_subop_name(a->subop);
    fprintf(out, "  (op %s%s%s)\n", vmf_x86_op_name(a->op), sub ? ", subop " : "", sub ? sub : "");
    const char *dev = device != TR_NO_DEVICE ? c->names[device] : vmf_reservation_name(f->reservation);
    uint64_t base = device != TR_NO_DEVICE ? c->s->devices[device].base : 0;
    fprintf(out, "  access       %s of %u byte%s at 0x%llx", f->access == VMF_ACCESS_READ ? "read" : "write", f->size,
            f->size == 1 ? "" : "s", (unsigned long long)f->addr);
    if (device != TR_NO_DEVICE)
        fprintf(out, " = %s+0x%llx", dev, (unsigned long long)(f->addr - base));
    if (f->parts > 1)
        fprintf(out, ", access %u of %u of this instruction", f->part + 1u, f->parts);
    fprintf(out, "\n");
    uint64_t wm = f->size >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (8 * f->size)) - 1;
    fprintf(out, "  handler      %s (%s, %s path)\n", dev, model, f->path == VMF_PATH_EXIT ? "exit" : "fast");
    fprintf(out, "  data         0x%llx, mask 0x%llx\n", (unsigned long long)f->data, (unsigned long long)wm);
    fprintf(out, "  result       %s%s\n", vmf_fault_result_name(f->result),
            device == TR_NO_DEVICE && f->result == VMF_RESULT_RESTART
                ? ": the reservation is mapped now; the instruction runs again, on RAM"
                : "");
}

/* ---- setup ------------------------------------------------------------------------------------------ */

static int x86_fail(struct scn_error *err, const struct scenario *s, struct scn_loc loc, const char *what, int st)
{
    snprintf(err->file, sizeof(err->file), "%s", s->files[loc.file < s->nfiles ? loc.file : 0]);
    err->line = loc.line;
    err->col = loc.col;
    snprintf(err->message, sizeof(err->message), "%s: %s", what, vmf_strerror(st));
    return -1;
}

static int x86_setup(struct runner_session *c, struct scn_error *err)
{
    const struct scenario *s = c->s;
    int st;
    for (size_t i = 0; i < s->x86.ncpuid; i++) {
        const struct scn_cpuid *e = &s->x86.cpuid[i];
        if ((st = vmf_x86_set_cpuid(c->vm, e->leaf, e->subleaf, e->regs)))
            return x86_fail(err, s, e->loc, "cpuid", st);
    }
    for (size_t i = 0; i < s->x86.nmsrs; i++) {
        const struct scn_msr *m = &s->x86.msrs[i];
        if ((st = vmf_x86_msr_set(c->vcpu, m->msr, m->value)))
            return x86_fail(err, s, m->loc, "msr", st);
    }
    for (size_t i = 0; i < s->x86.nvmcalls; i++) {
        const struct scn_vmcall *vc = &s->x86.vmcalls[i];
        if ((st = vmf_x86_set_vmcall(c->vm, vc->nr, vmcall_builtin, c)))
            return x86_fail(err, s, vc->loc, "vmcall", st);
    }
    if (s->x86.unhandled_ignore) {
        vm_register_unhandled_ioport_callback(c->vm, ignore_port, c);
        vmf_x86_set_exit_handler(c->vm, VMF_EXIT_RDMSR, ignore_exit, c);
        vmf_x86_set_exit_handler(c->vm, VMF_EXIT_WRMSR, ignore_exit, c);
        vmf_x86_set_exit_handler(c->vm, VMF_EXIT_VMCALL, ignore_exit, c);
    }
    vmf_x86_set_exit_observer(c->vm, x86_observer, c);
    vmf_vm_set_irq_sink(c->vm, line_sink, c); /* scenario events: lines with nothing behind them */
    for (unsigned i = 0; i < c->vm->num_vcpus; i++)
        vmf_vcpu_set_online(c->vm->vcpus[i], i == 0);
    return 0;
}
