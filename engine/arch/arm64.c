/* vmfault engine — the AArch64 backend on Unicorn.
 *
 * Owns the register map, the Unicorn hooks that make traps exact, and the
 * software half of the exit path: laying an instruction's accesses out as
 * beats, gathering store data and committing loads to registers with the
 * architecture's extension rules.
 */
#include <string.h>

#include "../internal.h"

/* ---- registers ------------------------------------------------------------------ */

static int uc_gpr(unsigned n)
{
    if (n <= 28)
        return UC_ARM64_REG_X0 + (int)n;
    if (n == 29)
        return UC_ARM64_REG_X29;
    if (n == 30)
        return UC_ARM64_REG_X30;
    return UC_ARM64_REG_SP;
}

static int uc_reg_of(unsigned reg)
{
    if (reg <= 31)
        return uc_gpr(reg);
    switch (reg) {
    case VMF_ARM64_PC: return UC_ARM64_REG_PC;
    case VMF_ARM64_NZCV: return UC_ARM64_REG_NZCV;
    case VMF_ARM64_FPSR: return UC_ARM64_REG_FPSR;
    case VMF_ARM64_FPCR: return UC_ARM64_REG_FPCR;
    case VMF_ARM64_PSTATE: return UC_ARM64_REG_PSTATE;
    default: return -1;
    }
}

int arm64_reg_read(vmf_vcpu *vcpu, unsigned reg, uint64_t *v)
{
    int r = uc_reg_of(reg);
    if (r < 0)
        return VMF_EINVAL;
    *v = 0;
    return uc_reg_read(vcpu->impl->uc, r, v) == UC_ERR_OK ? VMF_OK : VMF_EUNICORN;
}

int arm64_reg_write(vmf_vcpu *vcpu, unsigned reg, uint64_t v)
{
    int r = uc_reg_of(reg);
    if (reg == VMF_ARM64_PSTATE)
        return VMF_EUNSUPP;
    if (r < 0)
        return VMF_EINVAL;
    return uc_reg_write(vcpu->impl->uc, r, &v) == UC_ERR_OK ? VMF_OK : VMF_EUNICORN;
}

int arm64_vreg_read(vmf_vcpu *vcpu, unsigned n, uint8_t v[16])
{
    if (n > 31)
        return VMF_EINVAL;
    uint64_t q[2] = {0, 0};
    if (uc_reg_read(vcpu->impl->uc, UC_ARM64_REG_Q0 + (int)n, q) != UC_ERR_OK)
        return VMF_EUNICORN;
    memcpy(v, q, 16);
    return VMF_OK;
}

int arm64_vreg_write(vmf_vcpu *vcpu, unsigned n, const uint8_t v[16])
{
    if (n > 31)
        return VMF_EINVAL;
    uint64_t q[2];
    memcpy(q, v, 16);
    return uc_reg_write(vcpu->impl->uc, UC_ARM64_REG_Q0 + (int)n, q) == UC_ERR_OK ? VMF_OK : VMF_EUNICORN;
}

static int sysreg_access(vmf_vcpu *vcpu, uint32_t sysreg, uint64_t *v, bool write)
{
    if (sysreg >> 19)
        return VMF_EINVAL;
    uc_arm64_cp_reg cp = {.op0 = sysreg >> 16 & 3,
                          .op1 = sysreg >> 12 & 7,
                          .crn = sysreg >> 8 & 15,
                          .crm = sysreg >> 4 & 15,
                          .op2 = sysreg & 7,
                          .val = write ? *v : 0};
    uc_err e = write ? uc_reg_write(vcpu->impl->uc, UC_ARM64_REG_CP_REG, &cp)
                     : uc_reg_read(vcpu->impl->uc, UC_ARM64_REG_CP_REG, &cp);
    if (e != UC_ERR_OK)
        return e == UC_ERR_ARG ? VMF_ENOENT : VMF_EUNICORN;
    if (!write)
        *v = cp.val;
    return VMF_OK;
}

int vmf_sysreg_read(vmf_vcpu *vcpu, uint32_t sysreg, uint64_t *value)
{
    if (!vcpu || !vcpu->impl || !value)
        return VMF_EINVAL;
    if (vcpu->vm->impl->arch != VMF_ARCH_ARM64)
        return VMF_EUNSUPP;
    return sysreg_access(vcpu, sysreg, value, false);
}

int vmf_sysreg_write(vmf_vcpu *vcpu, uint32_t sysreg, uint64_t value)
{
    if (!vcpu || !vcpu->impl)
        return VMF_EINVAL;
    if (vcpu->vm->impl->arch != VMF_ARCH_ARM64)
        return VMF_EUNSUPP;
    return sysreg_access(vcpu, sysreg, &value, true);
}

/* ---- hooks ----------------------------------------------------------------------- */

/* After vmfault emulated a load-exclusive from a reservation, Unicorn's own
 * exclusive monitor is not armed, so it would fail the matching store-exclusive
 * without even trying it.  Until the guest's next store-exclusive or CLREX, the
 * code hook looks at each instruction: a store-exclusive to the same 64-byte
 * granule (the largest Exclusives Reservation Granule) is stopped before it
 * executes and completed by vmfault.  Costs nothing when no watch is armed. */
static bool exclusive_watch(uc_engine *uc, struct vmf_vcpu_impl *v, uint64_t address)
{
    const uint8_t *p = memmap_host(v->map, address, 4);
    if (!p)
        return false;
    uint32_t w = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    if ((w & 0xfffff0ffu) == 0xd503305fu) { /* CLREX */
        v->excl_watch = false;
        return false;
    }
    if ((w & 0x3fc00000u) != 0x08000000u) /* load/store exclusive class, o2 = 0, L = 0: a store-exclusive */
        return false;
    v->excl_watch = false;
    uint64_t rn = 0;
    unsigned n = (w >> 5) & 31;
    uc_reg_read(uc,
                n <= 28   ? UC_ARM64_REG_X0 + (int)n
                : n == 29 ? UC_ARM64_REG_X29
                : n == 30 ? UC_ARM64_REG_X30
                          : UC_ARM64_REG_SP,
                &rn);
    return (rn & ~(uint64_t)63) == (v->excl_addr & ~(uint64_t)63);
}

/* One call per guest instruction, before it executes: virtual time, the exact
 * PC (Unicorn's own PC is only exact inside memory callbacks when a code hook
 * exists: UNICORN-NOTES.md), and slice ends. */
static void code_hook(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    (void)size;
    struct vmf_vcpu_impl *v = user;
    if (v->icount >= v->limit) {
        if (v->stop == STOP_NONE)
            v->stop = STOP_LIMIT;
        uc_emu_stop(uc);
        return;
    }
    if ((v->irq_in || v->fiq_in) && arm64_irq_deliverable(v)) {
        v->stop = STOP_IRQ; /* taken before this instruction, which does not retire */
        v->cur_pc = address;
        uc_emu_stop(uc);
        return;
    }
    if (v->excl_watch && exclusive_watch(uc, v, address)) {
        v->stop = STOP_EXCL;
        v->cur_pc = address;
        uc_emu_stop(uc);
        return;
    }
    if (address == v->bpt) {
        if (!v->bpt_skip) {
            v->stop = STOP_BPT;
            v->cur_pc = address;
            uc_emu_stop(uc);
            return;
        }
        v->bpt_skip = false;
    }
    v->icount++;
    v->cur_pc = address;
}

static bool unmapped_hook(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value, void *user)
{
    (void)uc;
    struct vmf_vcpu_impl *v = user;
    v->stop = STOP_UNMAPPED;
    v->unmapped.type = type;
    v->unmapped.addr = address;
    v->unmapped.size = size;
    v->unmapped.value = value;
    return false;
}

static void intr_hook(uc_engine *uc, uint32_t intno, void *user)
{
    struct vmf_vcpu_impl *v = user;
    v->stop = STOP_INTR;
    v->intno = (int)intno;
    uc_emu_stop(uc);
}

/* MRS of the registers through which host state would leak into the guest:
 * the generic counters read virtual time (one tick per retired instruction),
 * RNDR/RNDRRS a fixed-seed xorshift sequence.  Everything else: Unicorn. */
static uint32_t mrs_hook(uc_engine *uc, uc_arm64_reg reg, const uc_arm64_cp_reg *cp, void *user)
{
    struct vmf_vcpu_impl *v = user;
    uint64_t value;
    if (arm64_timer_sysreg(v->self, cp, false, &value)) {
        /* the generic timer: arm64_timer.c */
    } else if (cp->op0 == 3 && cp->op1 == 0 && cp->crn == 0 && cp->crm == 0 && cp->op2 == 5) {
        value = 0x80000000u | v->self->vcpu_id; /* MPIDR_EL1: Aff0 = vCPU number, uniprocessor bit clear */
    } else if (cp->op0 == 3 && cp->op1 == 3 && cp->crn == 14 && cp->crm == 0 && (cp->op2 == 1 || cp->op2 == 2)) {
        value = v->icount; /* CNTPCT_EL0 (op2 1), CNTVCT_EL0 (op2 2) */
    } else if (cp->op0 == 3 && cp->op1 == 3 && cp->crn == 2 && cp->crm == 4 && cp->op2 <= 1) {
        value = vcpu_random(v); /* RNDR, RNDRRS: succeed (NZCV = 0) with the next value */
        uint64_t nzcv = 0;
        uc_reg_write(uc, UC_ARM64_REG_NZCV, &nzcv);
    } else {
        return 0;
    }
    if (reg != UC_ARM64_REG_XZR)
        uc_reg_write(uc, reg, &value);
    return 1; /* handled: Unicorn skips the instruction's own effect */
}

/* MSR to the timer registers (everything else is Unicorn's). */
static uint32_t msr_hook(uc_engine *uc, uc_arm64_reg reg, const uc_arm64_cp_reg *cp, void *user)
{
    struct vmf_vcpu_impl *v = user;
    uint64_t value = 0;
    if (reg != UC_ARM64_REG_XZR)
        uc_reg_read(uc, reg, &value);
    return arm64_timer_sysreg(v->self, cp, true, &value) ? 1 : 0;
}

int arm64_vcpu_init(vmf_vcpu *vcpu)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    if (uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &v->uc) != UC_ERR_OK)
        return VMF_EUNICORN;
    if (uc_ctl_set_cpu_model(v->uc, UC_CPU_ARM64_MAX) != UC_ERR_OK ||
        uc_hook_add(v->uc, &v->h_code, UC_HOOK_CODE, (void *)code_hook, v, 1, 0) != UC_ERR_OK ||
        uc_hook_add(v->uc, &v->h_unmapped, UC_HOOK_MEM_UNMAPPED, (void *)unmapped_hook, v, 1, 0) != UC_ERR_OK ||
        uc_hook_add(v->uc, &v->h_intr, UC_HOOK_INTR, (void *)intr_hook, v, 1, 0) != UC_ERR_OK ||
        uc_hook_add(v->uc, &v->h_mrs, UC_HOOK_INSN, (void *)mrs_hook, v, 1, 0, UC_ARM64_INS_MRS) != UC_ERR_OK ||
        uc_hook_add(v->uc, &v->h_msr, UC_HOOK_INSN, (void *)msr_hook, v, 1, 0, UC_ARM64_INS_MSR) != UC_ERR_OK) {
        uc_close(v->uc);
        v->uc = NULL;
        return VMF_EUNICORN;
    }
    return VMF_OK;
}

void arm64_vcpu_fini(vmf_vcpu *vcpu)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    if (v->uc)
        uc_close(v->uc);
    v->uc = NULL;
}

/* ---- the instruction in flight --------------------------------------------------- */

static uint64_t gpr(vmf_vcpu *vcpu, unsigned n, bool sp)
{
    uint64_t x = 0;
    if (n == 31 && !sp)
        return 0; /* XZR */
    uc_reg_read(vcpu->impl->uc, uc_gpr(n), &x);
    return x;
}

static void set_gpr(vmf_vcpu *vcpu, unsigned n, bool sp, uint64_t x)
{
    if (n == 31 && !sp)
        return; /* XZR: writes are ignored */
    uc_reg_write(vcpu->impl->uc, uc_gpr(n), &x);
}

int arm64_prepare(vmf_vcpu *vcpu, struct inflight *fl, uint64_t pc, vmf_exit *exit)
{
    /* Hot path: set only what this instruction uses (beats are cleared as laid out). */
    fl->active = fl->fast = fl->aborted = false;
    fl->outcome = 0;
    fl->nbeats = fl->cur = 0;
    fl->nram_saved = 0;
    fl->pc = pc;
    fl->icount = vcpu->impl->icount;
    const uint8_t *code = memmap_host(&vcpu->vm->impl->map, pc, 4);
    if (!code) {
        if (exit)
            exit_error(exit, VMF_ENOENT, "cannot read the instruction at pc 0x%llx: not in RAM",
                       (unsigned long long)pc);
        return VMF_ENOENT;
    }
    fl->word = (uint32_t)code[0] | (uint32_t)code[1] << 8 | (uint32_t)code[2] << 16 | (uint32_t)code[3] << 24;
    int st = vmf_arm64_decode(fl->word, &fl->acc);
    if (st) {
        if (exit)
            exit_error(exit, st,
                       "instruction 0x%08x (%s) at pc 0x%llx accesses a reservation but cannot be emulated: %s",
                       fl->word, fl->acc.mnemonic ? fl->acc.mnemonic : "?", (unsigned long long)pc, vmf_strerror(st));
        return st;
    }
    const vmf_arm64_access *a = &fl->acc;
    if (a->access == VMF_ACCESS_READ_WRITE) {
        /* LSE atomics and CAS: a read-modify-write of device memory that no bus
         * guarantees; completing it as a plain load would corrupt state silently. */
        if (exit)
            exit_error(exit, VMF_EUNSUPP,
                       "atomic %s (0x%08x) at pc 0x%llx touches a reservation: atomic read-modify-write of "
                       "emulated memory is not supported",
                       a->mnemonic, fl->word, (unsigned long long)pc);
        return VMF_EUNSUPP;
    }
    uint64_t rn = a->rn == VMF_A64_NO_REG ? 0 : gpr(vcpu, a->rn, true);
    uint64_t rm = a->rm == VMF_A64_NO_REG ? 0 : gpr(vcpu, a->rm, false);
    fl->addr = vmf_arm64_address(a, rn, rm, pc, &fl->new_base);
    fl->saved_rn = rn;
    /* One beat per register, split into 8-byte halves for 16-byte registers. */
    unsigned piece = a->size > 8 ? 8 : a->size;
    unsigned per = a->size / piece;
    if (a->nregs * per > VMF_MAX_BEATS) {
        if (exit)
            exit_error(exit, VMF_EUNSUPP, "instruction 0x%08x at pc 0x%llx moves too many bytes", fl->word,
                       (unsigned long long)pc);
        return VMF_EUNSUPP;
    }
    for (unsigned r = 0; r < a->nregs; r++)
        for (unsigned p = 0; p < per; p++) {
            struct beat *b = &fl->beats[fl->nbeats++];
            b->data = 0;
            b->wmask = 0;
            b->done = false;
            b->elem = (uint8_t)r;
            b->offset = (uint8_t)(p * piece);
            b->size = (uint8_t)piece;
            b->addr = fl->addr + (uint64_t)r * a->size + p * piece;
        }
    fl->active = true;
    return VMF_OK;
}

int arm64_gather_store_data(vmf_vcpu *vcpu, struct inflight *fl)
{
    const vmf_arm64_access *a = &fl->acc;
    if (a->access == VMF_ACCESS_READ)
        return VMF_OK;
    for (unsigned i = 0; i < fl->nbeats; i++) {
        struct beat *b = &fl->beats[i];
        unsigned rt = a->rt[b->elem];
        uint64_t x;
        if (a->vreg) {
            uint8_t v[16];
            arm64_vreg_read(vcpu, rt, v);
            memcpy(&x, v + b->offset, 8);
        } else {
            x = gpr(vcpu, rt, false);
        }
        b->data = b->size >= 8 ? x : x & (((uint64_t)1 << (8 * b->size)) - 1);
    }
    return VMF_OK;
}

static uint64_t extend(uint64_t x, const vmf_arm64_access *a)
{
    unsigned bits = 8u * a->size;
    if (a->sign_extend && bits < 64) {
        uint64_t sign = (uint64_t)1 << (bits - 1);
        x = (x ^ sign) - sign;
    }
    if (!a->dest64)
        x &= 0xffffffffu; /* a W register write clears bits 63:32 */
    return x;
}

int arm64_commit(vmf_vcpu *vcpu, struct inflight *fl)
{
    const vmf_arm64_access *a = &fl->acc;
    if (a->access & VMF_ACCESS_READ) {
        for (unsigned r = 0; r < a->nregs; r++) {
            if (a->vreg) {
                uint8_t v[16] = {0}; /* an FP/SIMD load zeroes the rest of the vector */
                for (unsigned i = 0; i < fl->nbeats; i++)
                    if (fl->beats[i].elem == r)
                        memcpy(v + fl->beats[i].offset, &fl->beats[i].data, fl->beats[i].size);
                arm64_vreg_write(vcpu, a->rt[r], v);
            } else {
                uint64_t x = 0;
                for (unsigned i = 0; i < fl->nbeats; i++)
                    if (fl->beats[i].elem == r)
                        x = fl->beats[i].data;
                set_gpr(vcpu, a->rt[r], false, extend(x, a));
            }
        }
    }
    if (a->exclusive && a->access == VMF_ACCESS_WRITE && a->rs != VMF_A64_NO_REG)
        set_gpr(vcpu, a->rs, false, 0); /* store-exclusive status: the store happened */
    if (a->exclusive && a->access == VMF_ACCESS_READ) {
        vcpu->impl->excl_watch = true; /* see exclusive_watch */
        vcpu->impl->excl_addr = fl->addr;
    }
    if (a->writeback)
        set_gpr(vcpu, a->rn, true, fl->new_base);
    uint64_t next = fl->pc + 4;
    uc_reg_write(vcpu->impl->uc, UC_ARM64_REG_PC, &next);
    fl->active = false;
    return VMF_OK;
}

int arm64_save(vmf_vcpu *vcpu, struct inflight *fl)
{
    /* The base was read by arm64_prepare (saved_rn); stores leave Rt alone. */
    const vmf_arm64_access *a = &fl->acc;
    if (!(a->access & VMF_ACCESS_READ))
        return VMF_OK;
    for (unsigned r = 0; r < a->nregs; r++) {
        if (a->vreg)
            arm64_vreg_read(vcpu, a->rt[r], fl->saved_v[r]);
        else
            fl->saved_x[r] = gpr(vcpu, a->rt[r], false);
    }
    return VMF_OK;
}

int arm64_undo(vmf_vcpu *vcpu, struct inflight *fl)
{
    const vmf_arm64_access *a = &fl->acc;
    for (unsigned r = 0; r < a->nregs && (a->access & VMF_ACCESS_READ); r++) {
        if (a->vreg)
            arm64_vreg_write(vcpu, a->rt[r], fl->saved_v[r]);
        else
            set_gpr(vcpu, a->rt[r], false, fl->saved_x[r]);
    }
    if (a->rn != VMF_A64_NO_REG)
        set_gpr(vcpu, a->rn, true, fl->saved_rn);
    uc_reg_write(vcpu->impl->uc, UC_ARM64_REG_PC, &fl->pc);
    return VMF_OK;
}
