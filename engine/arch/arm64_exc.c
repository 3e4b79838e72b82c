/* vmfault engine — AArch64 exception entry, interrupt inputs and PSCI.
 *
 * Unicorn reports exceptions through UC_HOOK_INTR but never vectors them, and
 * has no interrupt input.  This file performs what the CPU would: save PSTATE
 * in SPSR_EL1 and the preferred return address in ELR_EL1, record the syndrome
 * (ESR_EL1) and fault address (FAR_EL1), mask DAIF and jump to VBAR_EL1 plus
 * the vector offset (Arm ARM D1.10 "Exception entry": current EL with SP_ELx
 * at +0x200; synchronous +0x0, IRQ +0x80, FIQ +0x100).
 */
#include <string.h>

#include "../internal.h"

#define PSTATE_M_EL1H 0x5u
#define PSTATE_DAIF 0x3c0u
#define PSTATE_I 0x80u
#define PSTATE_F 0x40u

/* ESR_EL1 exception classes used here */
#define EC_UNKNOWN 0x00u
#define EC_SVC64 0x15u
#define EC_IABT_CUR 0x21u
#define EC_DABT_CUR 0x25u
#define EC_BRK64 0x3cu
#define ESR_IL (1u << 25)
#define FSC_SYNC_EXTERNAL 0x10u /* no memory there: the bus says so */

/* PSCI 1.0 (Arm DEN 0022) function IDs and return codes */
#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_SUSPEND 0x84000001u
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON 0x84000003u
#define PSCI_AFFINITY_INFO 0x84000004u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u
#define PSCI_FEATURES 0x8400000au
#define PSCI_64 0x40000000u /* SMC64 variant bit */
#define PSCI_SUCCESS 0
#define PSCI_NOT_SUPPORTED (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_ALREADY_ON (-4)

static uint64_t reg(vmf_vcpu *vcpu, int r)
{
    uint64_t x = 0;
    uc_reg_read(vcpu->impl->uc, r, &x);
    return x;
}

static void set_reg(vmf_vcpu *vcpu, int r, uint64_t x)
{
    uc_reg_write(vcpu->impl->uc, r, &x);
}

int arm64_take_exception(vmf_vcpu *vcpu, enum exc_kind kind, uint64_t elr, uint32_t esr, bool set_far, uint64_t far)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    uint64_t pstate = reg(vcpu, UC_ARM64_REG_PSTATE);
    if ((pstate & 0xf) != PSTATE_M_EL1H)
        return VMF_EUNSUPP;
    /* A vector that itself faults (UDF there, VBAR pointing nowhere) takes the
     * same exception forever without retiring an instruction: virtual time
     * would stand still and no budget could end the run.  Refuse the loop. */
    if (kind == EXC_SYNC) {
        v->exc_streak = v->icount == v->exc_icount ? v->exc_streak + 1 : 0;
        v->exc_icount = v->icount;
        if (v->exc_streak >= 16)
            return VMF_ESTATE;
    }
    uint64_t vbar = 0;
    vmf_sysreg_read(vcpu, VMF_A64_VBAR_EL1, &vbar);
    vmf_sysreg_write(vcpu, VMF_A64_SPSR_EL1, pstate & 0xffffffffu);
    vmf_sysreg_write(vcpu, VMF_A64_ELR_EL1, elr);
    if (kind == EXC_SYNC) {
        vmf_sysreg_write(vcpu, VMF_A64_ESR_EL1, esr);
        if (set_far)
            vmf_sysreg_write(vcpu, VMF_A64_FAR_EL1, far);
    }
    /* Same EL and stack: only the masks change, which Unicorn's PSTATE write handles. */
    set_reg(vcpu, UC_ARM64_REG_PSTATE, (pstate & 0xf0000000u) | PSTATE_DAIF | PSTATE_M_EL1H);
    uint64_t offset = 0x200 + (kind == EXC_IRQ ? 0x80 : kind == EXC_FIQ ? 0x100 : 0);
    uint64_t vector = (vbar & ~(uint64_t)0x7ff) + offset;
    set_reg(vcpu, UC_ARM64_REG_PC, vector);
    struct vmf_vm_impl *vi = vcpu->vm->impl;
    if (vi->exc_observer)
        vi->exc_observer(vcpu, (int)kind, kind == EXC_SYNC ? esr : 0, elr, vector, vi->exc_cookie);
    vcpu->impl->excl_watch = false; /* taking an exception clears the exclusive monitor */
    return VMF_OK;
}

bool arm64_irq_deliverable(struct vmf_vcpu_impl *v)
{
    if (!v->irq_in && !v->fiq_in)
        return false;
    uint64_t pstate = 0;
    uc_reg_read(v->uc, UC_ARM64_REG_PSTATE, &pstate);
    return (v->fiq_in && !(pstate & PSTATE_F)) || (v->irq_in && !(pstate & PSTATE_I));
}

int vmf_vcpu_set_exception_mode(vmf_vcpu *vcpu, enum vmf_exc_mode mode)
{
    if (!vcpu || (mode != VMF_EXC_EXIT && mode != VMF_EXC_DELIVER))
        return VMF_EINVAL;
    if (mode == VMF_EXC_DELIVER && vcpu->vm->impl->arch != VMF_ARCH_ARM64)
        return VMF_EUNSUPP; /* x86-64: exceptions leave vmf_run (no IDT delivery yet) */
    vcpu->impl->exc_mode = (uint8_t)mode;
    return VMF_OK;
}

int vmf_vcpu_set_irq_input(vmf_vcpu *vcpu, bool irq, bool fiq)
{
    if (!vcpu)
        return VMF_EINVAL;
    vcpu->impl->irq_in = irq;
    vcpu->impl->fiq_in = fiq;
    return VMF_OK;
}

int vmf_vm_set_exception_observer(vmf_vm *vm, vmf_exception_observer_fn fn, void *cookie)
{
    if (!vm)
        return VMF_EINVAL;
    vm->impl->exc_observer = fn;
    vm->impl->exc_cookie = cookie;
    return VMF_OK;
}

bool vmf_vcpu_irq_pending(const vmf_vcpu *vcpu)
{
    return vcpu && (vcpu->impl->irq_in || vcpu->impl->fiq_in);
}

int vmf_vm_set_ppi_sink(vmf_vm *vm, vmf_ppi_sink_fn fn, void *cookie)
{
    if (!vm)
        return VMF_EINVAL;
    vm->impl->ppi_sink = fn;
    vm->impl->ppi_cookie = cookie;
    return VMF_OK;
}

int vmf_vm_set_psci(vmf_vm *vm, enum vmf_psci_conduit conduit)
{
    if (!vm || conduit > VMF_PSCI_SMC)
        return VMF_EINVAL;
    if (conduit != VMF_PSCI_NONE && vm->impl->arch != VMF_ARCH_ARM64)
        return VMF_EUNSUPP;
    vm->impl->psci = (uint8_t)conduit;
    return VMF_OK;
}

int vmf_vcpu_set_online(vmf_vcpu *vcpu, bool online)
{
    if (!vcpu)
        return VMF_EINVAL;
    vcpu->vcpu_online = online;
    return VMF_OK;
}

/* ---- PSCI ---------------------------------------------------------------------------------- */

static int psci(vmf_vcpu *vcpu, vmf_exit *exit, uint64_t pc)
{
    vmf_vm *vm = vcpu->vm;
    uint64_t fid = reg(vcpu, UC_ARM64_REG_X0) & 0xffffffffu;
    uint64_t x1 = reg(vcpu, UC_ARM64_REG_X1), x2 = reg(vcpu, UC_ARM64_REG_X2), x3 = reg(vcpu, UC_ARM64_REG_X3);
    bool is64 = (fid & PSCI_64) != 0;
    int64_t ret = PSCI_NOT_SUPPORTED;
    set_reg(vcpu, UC_ARM64_REG_PC, pc + 4);
    switch (fid & ~(uint64_t)PSCI_64) {
    case PSCI_VERSION:
        ret = 0x10000; /* 1.0 */
        break;
    case PSCI_FEATURES: {
        uint64_t f = x1 & ~(uint64_t)PSCI_64 & 0xffffffffu;
        ret = f == PSCI_VERSION || f == PSCI_CPU_OFF || f == PSCI_CPU_ON || f == PSCI_AFFINITY_INFO ||
                      f == PSCI_SYSTEM_OFF || f == PSCI_SYSTEM_RESET || f == PSCI_FEATURES
                  ? PSCI_SUCCESS
                  : PSCI_NOT_SUPPORTED;
        break;
    }
    case PSCI_CPU_ON: {
        uint64_t target = x1, entry = is64 ? x2 : x2 & 0xffffffffu, context = is64 ? x3 : x3 & 0xffffffffu;
        if (target & ~(uint64_t)0xff || target >= vm->num_vcpus) {
            ret = PSCI_INVALID_PARAMETERS;
        } else if (vm->vcpus[target]->vcpu_online) {
            ret = PSCI_ALREADY_ON;
        } else {
            vmf_vcpu *t = vm->vcpus[target];
            set_reg(t, UC_ARM64_REG_PSTATE, PSTATE_DAIF | PSTATE_M_EL1H);
            set_reg(t, UC_ARM64_REG_PC, entry);
            set_reg(t, UC_ARM64_REG_X0, context);
            /* one system counter for all CPUs: the new CPU starts at the caller's time */
            if (t->impl->icount < vcpu->impl->icount)
                t->impl->icount = vcpu->impl->icount;
            t->vcpu_online = true;
            ret = PSCI_SUCCESS;
        }
        break;
    }
    case PSCI_AFFINITY_INFO:
        if (x1 & ~(uint64_t)0xff || x1 >= vm->num_vcpus || (x2 & 0xffffffffu) != 0)
            ret = PSCI_INVALID_PARAMETERS;
        else
            ret = vm->vcpus[x1]->vcpu_online ? 0 /* ON */ : 1 /* OFF */;
        break;
    case PSCI_CPU_OFF:
    case PSCI_SYSTEM_OFF:
    case PSCI_SYSTEM_RESET: {
        uint64_t f = fid & ~(uint64_t)PSCI_64;
        if (f == PSCI_CPU_OFF)
            vcpu->vcpu_online = false;
        exit->exitcode = VMF_EXIT_SUSPENDED;
        exit->pc = pc;
        exit->inst_length = 4;
        exit->u.suspended.how = f == PSCI_CPU_OFF      ? VMF_SUSPEND_CPU_OFF
                                : f == PSCI_SYSTEM_OFF ? VMF_SUSPEND_POWEROFF
                                                       : VMF_SUSPEND_RESET;
        return 1;
    }
    default: break; /* SMCCC: unknown function IDs return NOT_SUPPORTED */
    }
    set_reg(vcpu, UC_ARM64_REG_X0, (uint64_t)ret);
    return 0;
}

/* ---- synchronous exceptions ------------------------------------------------------------------ */

int arm64_handle_intr(vmf_vcpu *vcpu, vmf_exit *exit)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    uint64_t pc = v->cur_pc;
    uint32_t w = 0;
    const uint8_t *p = memmap_host(v->map, pc, 4);
    if (p)
        w = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    bool hvc = (w & 0xffe0001fu) == 0xd4000002u, smc = (w & 0xffe0001fu) == 0xd4000003u;
    uint8_t conduit = vcpu->vm->impl->psci;
    if ((hvc && conduit == VMF_PSCI_HVC) || (smc && conduit == VMF_PSCI_SMC))
        return psci(vcpu, exit, pc);

    if (v->exc_mode == VMF_EXC_DELIVER) {
        uint32_t imm16 = (w >> 5) & 0xffff, esr;
        uint64_t elr = pc;
        switch (v->intno) {
        case 2: /* EXCP_SWI: SVC; returns to the next instruction */
            esr = EC_SVC64 << 26 | ESR_IL | imm16;
            elr = pc + 4;
            break;
        case 7: /* EXCP_BKPT: BRK */
            esr = EC_BRK64 << 26 | ESR_IL | imm16;
            v->icount--; /* not retired: the exception is taken instead */
            break;
        default: /* undefined instruction, and HVC/SMC with no EL2/EL3 to take them */
            esr = EC_UNKNOWN << 26 | ESR_IL;
            v->icount--;
            break;
        }
        int st = arm64_take_exception(vcpu, EXC_SYNC, elr, esr, false, 0);
        if (st == VMF_OK)
            return 0;
        if (st == VMF_ESTATE)
            exit_error(exit, st,
                       "exception loop at pc 0x%llx (0x%08x, ESR 0x%08x): 16 exceptions without an instruction "
                       "retiring; the vector itself faults",
                       (unsigned long long)pc, w, esr);
        else
            exit_error(exit, st, "exception at pc 0x%llx (0x%08x) taken from EL0 or EL1t: not supported",
                       (unsigned long long)pc, w);
        exit->pc = pc;
        return 1;
    }
    exit->exitcode = VMF_EXIT_EXCEPTION;
    exit->pc = pc;
    exit->inst_length = 4;
    exit->u.exception.intno = v->intno;
    exit->u.exception.insn = w;
    return 1;
}

int arm64_deliver_abort(vmf_vcpu *vcpu, uint64_t pc, uint64_t addr, bool fetch, const vmf_arm64_access *acc)
{
    if (vcpu->impl->exc_mode != VMF_EXC_DELIVER)
        return 0;
    uint32_t esr;
    if (fetch) {
        esr = EC_IABT_CUR << 26 | ESR_IL | FSC_SYNC_EXTERNAL;
        pc = addr;
    } else {
        /* the same instruction syndrome as the stage-2 abort, with an external abort status */
        uint32_t iss = acc ? (acc->esr & 0x1ffffc0u) : 0;
        esr = EC_DABT_CUR << 26 | ESR_IL | iss | FSC_SYNC_EXTERNAL;
    }
    return arm64_take_exception(vcpu, EXC_SYNC, pc, esr, true, addr) == VMF_OK;
}
