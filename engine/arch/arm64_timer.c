/* vmfault engine — the Arm generic timer on virtual time.
 *
 * The counter (CNTPCT_EL0 = CNTVCT_EL0, CNTVOFF = 0) is the vCPU's virtual
 * time.  Each vCPU has the EL1 physical timer (CNTP_*, PPI INTID 30) and the
 * virtual timer (CNTV_*, INTID 27); their condition is met when the counter
 * reaches CVAL, and the output (ENABLE and not IMASK and ISTATUS) drives a
 * level PPI through the VM's PPI sink into the interrupt controller.  The run
 * loop stops exactly at the next deadline so the line rises on time.
 * (Arm ARM D11 "The Generic Timer in AArch64 state".)
 */
#include "../internal.h"

#define CTL_ENABLE 1u
#define CTL_IMASK 2u
#define CTL_ISTATUS 4u

static const uint32_t timer_intid[2] = {30, 27};

static bool output(const struct arm64_timer *t, uint64_t now)
{
    return (t->ctl & CTL_ENABLE) && !(t->ctl & CTL_IMASK) && now >= t->cval;
}

void arm64_timer_update(vmf_vcpu *vcpu)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    struct vmf_vm_impl *vi = vcpu->vm->impl;
    for (unsigned i = 0; i < 2; i++) {
        bool level = output(&v->timer[i], v->icount);
        if (level == v->timer[i].out)
            continue;
        v->timer[i].out = level;
        if (vi->ppi_sink)
            vi->ppi_sink(vcpu->vm, vcpu->vcpu_id, timer_intid[i], level, vi->ppi_cookie);
    }
}

uint64_t vmf_vcpu_next_deadline(const vmf_vcpu *vcpu)
{
    uint64_t next = UINT64_MAX;
    if (!vcpu)
        return next;
    const struct vmf_vcpu_impl *v = vcpu->impl;
    for (unsigned i = 0; i < 2; i++) {
        const struct arm64_timer *t = &v->timer[i];
        if ((t->ctl & CTL_ENABLE) && !(t->ctl & CTL_IMASK) && t->cval > v->icount && t->cval < next)
            next = t->cval;
    }
    return next;
}

int vmf_vcpu_wait_until(vmf_vcpu *vcpu, uint64_t t)
{
    if (!vcpu)
        return VMF_EINVAL;
    if (t > vcpu->impl->icount)
        vcpu->impl->icount = t;
    arm64_timer_update(vcpu);
    return VMF_OK;
}

/* CNTP_{CTL,CVAL,TVAL}_EL0 and CNTV_{CTL,CVAL,TVAL}_EL0: op0 3, op1 3, CRn 14,
 * CRm 2 (physical) or 3 (virtual), op2 1 CTL, 2 CVAL, 0 TVAL. */
bool arm64_timer_sysreg(vmf_vcpu *vcpu, const uc_arm64_cp_reg *cp, bool write, uint64_t *value)
{
    if (cp->op0 != 3 || cp->op1 != 3 || cp->crn != 14 || (cp->crm != 2 && cp->crm != 3) || cp->op2 > 2)
        return false;
    struct vmf_vcpu_impl *v = vcpu->impl;
    struct arm64_timer *t = &v->timer[cp->crm == 2 ? 0 : 1];
    uint64_t now = v->icount;
    switch (cp->op2) {
    case 1: /* CTL: ISTATUS is read only */
        if (write)
            t->ctl = (uint32_t)*value & (CTL_ENABLE | CTL_IMASK);
        else
            *value = t->ctl | ((t->ctl & CTL_ENABLE) && now >= t->cval ? CTL_ISTATUS : 0);
        break;
    case 2: /* CVAL */
        if (write)
            t->cval = *value;
        else
            *value = t->cval;
        break;
    default: /* TVAL: a signed 32-bit view of CVAL - counter */
        if (write)
            t->cval = now + (uint64_t)(int64_t)(int32_t)(uint32_t)*value;
        else
            *value = (uint32_t)(t->cval - now);
        break;
    }
    if (write) {
        arm64_timer_update(vcpu);
        /* a running vCPU must stop at the new deadline, not at the one computed before */
        uint64_t next = vmf_vcpu_next_deadline(vcpu);
        if (next < v->limit)
            v->limit = next;
    }
    return true;
}
