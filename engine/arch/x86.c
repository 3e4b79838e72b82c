/* vmfault engine — the x86-64 backend: registers, hooks, MMIO and the run loop.
 *
 * MMIO.  Every unmapped reservation is a Unicorn MMIO range, whatever its
 * path, and Unicorn executes the instruction itself — so ALU results, flags,
 * string-instruction side effects and register widths are Unicorn's, for any
 * instruction with a memory operand.  The callbacks turn Unicorn's accesses
 * back into the guest's: the decoder and the registers give each memory
 * operand's address and size, and the callbacks (which Unicorn splits into
 * aligned pieces of at most 4 bytes) are gathered into accesses of at most 8
 * bytes, one fault each, exactly once per execution of the instruction.
 *
 * Unicorn 2.0.1 x86 abandons an instruction without side effects when
 * uc_emu_stop() is called inside one of its memory callbacks: RIP stays on it,
 * registers, flags and memory keep their old values (tests/test_x86_engine.c,
 * x86_engine_unicorn, pins this and its two exceptions, which inflight() and
 * replay() undo: CMPXCHG8B/16B run to their end in a C helper, and a 16-byte
 * load writes its first half to the XMM register before reading the second).
 * That is what both paths build on:
 *
 * - fast path: the handler runs inside the callback, and the value goes
 *   straight back to Unicorn;
 * - exit path: the callback stops the CPU (a VM exit), the handler runs
 *   outside Unicorn, and the instruction is executed again, its served
 *   accesses answered from the record without calling the handler again.
 *
 * A handler result that cannot be served in place (UNHANDLED, RESTART, ERROR,
 * a map change) uses the same stop-and-replay.  REP string instructions are
 * one execution per element in Unicorn (and in virtual time), so each element
 * is its own instruction here too.
 *
 * Intercepted instructions (IN/OUT/INS/OUTS, CPUID, RDMSR, WRMSR, VMCALL,
 * HLT, INVD, WBINVD, and RDTSC/RDTSCP/RDRAND/RDSEED, which must not read host
 * state) are recognised by the code hook before they execute: Unicorn hooks
 * only IN, OUT and CPUID among them.  arch/x86_exits.c emulates them.
 */
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "x86_internal.h"

#define UNTIL_NEVER 0xfffffffffffffffcull

/* ---- registers ------------------------------------------------------------------------------- */

static const int uc_gprs[16] = {
    UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX, UC_X86_REG_RSP, UC_X86_REG_RBP,
    UC_X86_REG_RSI, UC_X86_REG_RDI, UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11,
    UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
};

static const char *const reg_names[VMF_X86_REG_COUNT] = {
    "rax",        "rcx",       "rdx",        "rbx",  "rsp", "rbp", "rsi",    "rdi", "r8",      "r9",      "r10",
    "r11",        "r12",       "r13",        "r14",  "r15", "rip", "rflags", "cr0", "cr2",     "cr3",     "cr4",
    "cr8",        "efer",      "cs",         "ss",   "ds",  "es",  "fs",     "gs",  "fs_base", "gs_base", "gdtr_base",
    "gdtr_limit", "idtr_base", "idtr_limit", "ldtr", "tr",  "dr0", "dr1",    "dr2", "dr3",     "dr6",     "dr7",
};

const char *vmf_x86_reg_name(unsigned reg)
{
    return reg < VMF_X86_REG_COUNT ? reg_names[reg] : NULL;
}

int vmf_x86_reg_by_name(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < VMF_X86_REG_COUNT; i++)
        if (!strcmp(name, reg_names[i]))
            return i;
    return -1;
}

uint64_t x86_gpr(struct vmf_vcpu_impl *v, unsigned n)
{
    uint64_t x = 0;
    uc_reg_read(v->uc, uc_gprs[n & 15], &x);
    return x;
}

void x86_set_gpr(struct vmf_vcpu_impl *v, unsigned n, uint64_t x)
{
    uc_reg_write(v->uc, uc_gprs[n & 15], &x);
}

uint64_t x86_rip(struct vmf_vcpu_impl *v)
{
    uint64_t x = 0;
    uc_reg_read(v->uc, UC_X86_REG_RIP, &x);
    return x;
}

void x86_set_rip(struct vmf_vcpu_impl *v, uint64_t x)
{
    uc_reg_write(v->uc, UC_X86_REG_RIP, &x);
}

static int uc_reg_of(unsigned reg)
{
    switch (reg) {
    case VMF_X86_REG_RIP: return UC_X86_REG_RIP;
    case VMF_X86_REG_RFLAGS: return UC_X86_REG_RFLAGS;
    case VMF_X86_REG_CR0: return UC_X86_REG_CR0;
    case VMF_X86_REG_CR2: return UC_X86_REG_CR2;
    case VMF_X86_REG_CR3: return UC_X86_REG_CR3;
    case VMF_X86_REG_CR4: return UC_X86_REG_CR4;
    case VMF_X86_REG_CR8: return UC_X86_REG_CR8;
    case VMF_X86_REG_CS: return UC_X86_REG_CS;
    case VMF_X86_REG_SS: return UC_X86_REG_SS;
    case VMF_X86_REG_DS: return UC_X86_REG_DS;
    case VMF_X86_REG_ES: return UC_X86_REG_ES;
    case VMF_X86_REG_FS: return UC_X86_REG_FS;
    case VMF_X86_REG_GS: return UC_X86_REG_GS;
    case VMF_X86_REG_FS_BASE: return UC_X86_REG_FS_BASE;
    case VMF_X86_REG_GS_BASE: return UC_X86_REG_GS_BASE;
    case VMF_X86_REG_DR0: return UC_X86_REG_DR0;
    case VMF_X86_REG_DR1: return UC_X86_REG_DR1;
    case VMF_X86_REG_DR2: return UC_X86_REG_DR2;
    case VMF_X86_REG_DR3: return UC_X86_REG_DR3;
    case VMF_X86_REG_DR6: return UC_X86_REG_DR6;
    case VMF_X86_REG_DR7: return UC_X86_REG_DR7;
    default: return -1;
    }
}

int x86_reg_read(vmf_vcpu *vcpu, unsigned reg, uint64_t *value)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    *value = 0;
    if (reg < 16) {
        *value = x86_gpr(v, reg);
        return VMF_OK;
    }
    if (reg == VMF_X86_REG_EFER) {
        uc_x86_msr m = {.rid = X86_MSR_EFER};
        if (uc_reg_read(v->uc, UC_X86_REG_MSR, &m) != UC_ERR_OK)
            return VMF_EUNICORN;
        *value = m.value;
        return VMF_OK;
    }
    if (reg >= VMF_X86_REG_GDTR_BASE && reg <= VMF_X86_REG_TR) {
        uc_x86_mmr m = {0};
        int r = reg <= VMF_X86_REG_GDTR_LIMIT   ? UC_X86_REG_GDTR
                : reg <= VMF_X86_REG_IDTR_LIMIT ? UC_X86_REG_IDTR
                : reg == VMF_X86_REG_LDTR       ? UC_X86_REG_LDTR
                                                : UC_X86_REG_TR;
        if (uc_reg_read(v->uc, r, &m) != UC_ERR_OK)
            return VMF_EUNICORN;
        *value = reg == VMF_X86_REG_GDTR_BASE || reg == VMF_X86_REG_IDTR_BASE     ? m.base
                 : reg == VMF_X86_REG_GDTR_LIMIT || reg == VMF_X86_REG_IDTR_LIMIT ? m.limit
                                                                                  : m.selector;
        return VMF_OK;
    }
    int r = uc_reg_of(reg);
    if (r < 0)
        return VMF_ERANGE;
    if (uc_reg_read(v->uc, r, value) != UC_ERR_OK)
        return VMF_EUNICORN;
    if (reg >= VMF_X86_REG_CS && reg <= VMF_X86_REG_GS)
        *value &= 0xffff;
    return VMF_OK;
}

int x86_reg_write(vmf_vcpu *vcpu, unsigned reg, uint64_t value)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    if (reg < 16) {
        x86_set_gpr(v, reg, value);
        return VMF_OK;
    }
    switch (reg) {
    case VMF_X86_REG_RIP:
    case VMF_X86_REG_CR2:
    case VMF_X86_REG_FS_BASE:
    case VMF_X86_REG_GS_BASE:
    case VMF_X86_REG_DR0:
    case VMF_X86_REG_DR1:
    case VMF_X86_REG_DR2:
    case VMF_X86_REG_DR3:
    case VMF_X86_REG_DR6:
    case VMF_X86_REG_DR7: break;
    case VMF_X86_REG_RFLAGS:
        /* bit 1 always reads 1; TF would make Unicorn raise debug exceptions */
        value = (value & 0x3f7fd7) | 0x2;
        value &= ~(uint64_t)0x100;
        break;
    /* read only; CR8 too: Unicorn has no local APIC to hold the TPR, so it
     * drops a write (from here or from the guest) and reads 0 */
    default: return reg < VMF_X86_REG_COUNT ? VMF_EUNSUPP : VMF_ERANGE;
    }
    if (uc_reg_write(v->uc, uc_reg_of(reg), &value) != UC_ERR_OK)
        return VMF_EUNICORN;
    return VMF_OK;
}

int x86_vreg_read(vmf_vcpu *vcpu, unsigned n, uint8_t value[16])
{
    if (n > 15)
        return VMF_ERANGE;
    return uc_reg_read(vcpu->impl->uc, UC_X86_REG_XMM0 + (int)n, value) == UC_ERR_OK ? VMF_OK : VMF_EUNICORN;
}

int x86_vreg_write(vmf_vcpu *vcpu, unsigned n, const uint8_t value[16])
{
    if (n > 15)
        return VMF_ERANGE;
    return uc_reg_write(vcpu->impl->uc, UC_X86_REG_XMM0 + (int)n, value) == UC_ERR_OK ? VMF_OK : VMF_EUNICORN;
}

int vmf_x86_write_gpr(vmf_vcpu *vcpu, unsigned reg, unsigned bytes, bool high8, uint64_t value)
{
    if (!vcpu || !vcpu->impl || vcpu->vm->impl->arch != VMF_ARCH_X86_64)
        return VMF_EINVAL;
    if (reg > 15 || (bytes != 1 && bytes != 2 && bytes != 4 && bytes != 8) || (high8 && (bytes != 1 || reg > 3)))
        return VMF_EINVAL;
    struct vmf_vcpu_impl *v = vcpu->impl;
    uint64_t old = x86_gpr(v, reg), x;
    switch (bytes) {
    case 1: x = high8 ? (old & ~0xff00ull) | (value & 0xff) << 8 : (old & ~0xffull) | (value & 0xff); break;
    case 2: x = (old & ~0xffffull) | (value & 0xffff); break;
    case 4: x = value & 0xffffffffull; break; /* a 32-bit destination clears bits 63:32 */
    default: x = value; break;
    }
    x86_set_gpr(v, reg, x);
    return VMF_OK;
}

/* ---- hooks ------------------------------------------------------------------------------------ */

/* Host bytes of the instruction at pc (code runs from RAM), through a
 * one-entry cache of the chunk that held the last instruction. */
static const uint8_t *code_bytes(struct vmf_vcpu_impl *v, uint64_t pc, uint32_t size)
{
    struct x86_vcpu *x = v->x86;
    if (x->code_gen == v->map->gen && pc - x->code_base < x->code_size && size <= x->code_size - (pc - x->code_base))
        return x->code_host + (pc - x->code_base);
    const struct memmap *m = v->map;
    for (size_t i = 0; i < m->nchunks; i++) {
        const struct chunk *c = &m->chunks[i];
        if (pc - c->base < c->size && size <= c->size - (pc - c->base)) {
            x->code_base = c->base;
            x->code_size = c->size;
            x->code_host = c->host;
            x->code_gen = m->gen;
            return c->host + (pc - c->base);
        }
    }
    return NULL;
}

static void code_hook(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    struct vmf_vcpu_impl *v = user;
    if (v->stop != STOP_NONE) {
        /* A stop is pending that the instruction before did not honour (a C
         * helper of Unicorn's, like CMPXCHG8B's, runs to its end after an
         * abort): this instruction is not started, counted or intercepted. */
        uc_emu_stop(uc);
        return;
    }
    if (v->icount >= v->limit) {
        if (v->stop == STOP_NONE)
            v->stop = STOP_LIMIT;
        uc_emu_stop(uc);
        return;
    }
    /* a replay of the instruction in flight (it started, so it passed the
     * breakpoint check already) is the same execution: no second stop */
    if (address == v->bpt && !(v->fl.active && v->fl.pc == address && v->fl.icount == v->icount + 1)) {
        if (!v->bpt_skip) {
            v->stop = STOP_BPT;
            v->cur_pc = address;
            uc_emu_stop(uc);
            return;
        }
        v->bpt_skip = false;
    }
    /* Unicorn passes size 0xf1f1f1f1 for an instruction its CPU model lacks
     * (VMCALL, RDRAND, RDSEED): then the parser finds the length itself. */
    bool known = size <= 15;
    const uint8_t *p = code_bytes(v, address, known ? size : 1);
    uint8_t len = 0;
    if (p) {
        size_t avail = size;
        if (!known) {
            avail = v->x86->code_size - (address - v->x86->code_base);
            avail = avail > 15 ? 15 : avail;
        }
        int kind = x86_exit_kind(p, avail, known, &len);
        if (kind > 0) {
            v->stop = STOP_X86_EXIT; /* not executed, not counted: x86_exits.c emulates it */
            v->cur_pc = address;
            v->x86->exit_len = len;
            uc_emu_stop(uc);
            return;
        }
        if (kind == X86_KEEP_FLAGS) /* RCL/RCR m, SETcc m: the flags before it starts (internal.h) */
            uc_reg_read(uc, UC_X86_REG_RFLAGS, &v->x86->undo_rflags);
    }
    v->icount++;
    v->cur_pc = address;
}

static bool unmapped_hook(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value, void *user)
{
    (void)uc;
    struct vmf_vcpu_impl *v = user;
    /* An access that crosses from a reservation into nothing: Unicorn reads
     * the MMIO piece first, and the abort that piece caused (serve()) stands. */
    if (v->stop != STOP_FAST)
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
    if (v->stop == STOP_NONE || v->stop == STOP_MAP)
        v->stop = STOP_INTR;
    v->intno = (int)intno;
    uc_emu_stop(uc);
}

int x86_vcpu_init(vmf_vcpu *vcpu)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    v->x86 = calloc(1, sizeof(*v->x86));
    if (!v->x86)
        return VMF_ENOMEM;
    if (uc_open(UC_ARCH_X86, UC_MODE_64, &v->uc) != UC_ERR_OK) {
        free(v->x86);
        v->x86 = NULL;
        return VMF_EUNICORN;
    }
    if (uc_hook_add(v->uc, &v->h_code, UC_HOOK_CODE, (void *)code_hook, v, 1, 0) != UC_ERR_OK ||
        uc_hook_add(v->uc, &v->h_unmapped, UC_HOOK_MEM_UNMAPPED, (void *)unmapped_hook, v, 1, 0) != UC_ERR_OK ||
        uc_hook_add(v->uc, &v->h_intr, UC_HOOK_INTR, (void *)intr_hook, v, 1, 0) != UC_ERR_OK) {
        x86_vcpu_fini(vcpu);
        return VMF_EUNICORN;
    }
    uint64_t rflags = 0x2;
    uc_reg_write(v->uc, UC_X86_REG_RFLAGS, &rflags);
    v->x86->code_gen = UINT64_MAX;
    return VMF_OK;
}

void x86_vcpu_fini(vmf_vcpu *vcpu)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    if (v->uc)
        uc_close(v->uc);
    v->uc = NULL;
    if (v->x86)
        free(v->x86->msrs);
    free(v->x86);
    v->x86 = NULL;
}

/* ---- the instruction in flight ------------------------------------------------------------------ */

static uint64_t width_mask(unsigned size)
{
    return size >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * size)) - 1);
}

/* The address of memory operand j of the instruction at pc as the CPU computes it now. */
static uint64_t operand_address(struct vmf_vcpu_impl *v, const vmf_x86_access *a, uint64_t pc, unsigned j)
{
    const vmf_x86_mem *m = &a->mem[j];
    uint64_t ea = (uint64_t)m->disp;
    if (m->base == VMF_X86_RIP)
        ea += pc + a->length;
    else if (m->base < 16)
        ea += x86_gpr(v, m->base);
    if (m->index < 16)
        ea += x86_gpr(v, m->index) * m->scale;
    if (a->op == VMF_X86_OP_POP && j == 1 && m->base == VMF_X86_REG_RSP)
        ea += a->size; /* SDM POP: an RSP base is the value after the pop (the decoder reports it as encoded) */
    if (a->op == VMF_X86_OP_BITTEST && !a->has_imm && a->reg < 16 && j == 0 && a->size) {
        /* bit string: the register offset is signed and selects the unit */
        uint64_t r = x86_gpr(v, a->reg);
        int64_t off = a->reg_size == 8 ? (int64_t)r : a->reg_size == 4 ? (int32_t)r : (int16_t)r;
        int64_t unit = off >= 0 ? off / (8 * a->size) : -((-off + 8 * a->size - 1) / (8 * a->size));
        ea += (uint64_t)(unit * a->size);
    }
    if (m->addr_size == 4)
        ea &= 0xffffffffull;
    if (m->segment == VMF_X86_SEG_FS || m->segment == VMF_X86_SEG_GS) {
        uint64_t base = 0;
        uc_reg_read(v->uc, m->segment == VMF_X86_SEG_FS ? UC_X86_REG_FS_BASE : UC_X86_REG_GS_BASE, &base);
        ea += base;
    }
    return ea;
}

/* The in-flight record of the instruction Unicorn is executing: decoded on
 * its first callback, kept across stops and replays of the same execution. */
static struct inflight *inflight(vmf_vcpu *vcpu)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    struct inflight *fl = &v->fl;
    if (fl->active && fl->icount == v->icount && fl->pc == v->cur_pc)
        return fl;
    memset(fl, 0, offsetof(struct inflight, beats));
    fl->active = true;
    fl->fast = true;
    fl->pc = v->cur_pc;
    fl->icount = v->icount;
    fl->nbeats = 0;
    fl->nram_saved = 0;
    const uint8_t *p = code_bytes(v, fl->pc, 1);
    size_t avail = 0;
    if (p) {
        struct x86_vcpu *x = v->x86;
        avail = x->code_size - (fl->pc - x->code_base);
        if (avail > 15)
            avail = 15;
        memcpy(fl->xbytes, p, avail);
    }
    fl->word = (uint32_t)fl->xbytes[0] | (uint32_t)fl->xbytes[1] << 8 | (uint32_t)fl->xbytes[2] << 16 |
               (uint32_t)fl->xbytes[3] << 24;
    int st = x86_decode_cached(v->x86, fl->pc, fl->xbytes, avail, &fl->xacc);
    fl->xdecoded = st == VMF_OK && fl->xacc.size > 0;
    if (fl->xdecoded) {
        for (unsigned j = 0; j < fl->xacc.nmem && j < 2; j++)
            fl->xea[j] = operand_address(v, &fl->xacc, fl->pc, j);
    } else if (st != VMF_OK && st != VMF_EUNSUPP) {
        memset(&fl->xacc, 0, sizeof(fl->xacc));
        fl->xacc.length = 0;
    }
    /* CMPXCHG8B/16B run in a C helper of Unicorn's, which a uc_emu_stop does
     * not interrupt: after an aborted access it still compares, stores and
     * writes EDX:EAX and ZF from the value the aborted read returned.  Keep
     * what they write (this first callback is their first access) so the
     * replay starts from the registers the instruction really had. */
    struct x86_vcpu *x = v->x86;
    /* RCL/RCR m, SETcc m: by now Unicorn has overwritten its flag state, so
     * the flags come from the code hook (X86_KEEP_FLAGS), which saw the same
     * bytes; RAX and RDX they leave alone, so restoring them is a no-op. */
    bool rotc =
        fl->xdecoded &&
        ((fl->xacc.op == VMF_X86_OP_SHIFT && (fl->xacc.subop == VMF_X86_RCL || fl->xacc.subop == VMF_X86_RCR)) ||
         fl->xacc.op == VMF_X86_OP_SETCC);
    x->undo_valid = rotc || (fl->xdecoded && fl->xacc.op == VMF_X86_OP_XCHG &&
                             (fl->xacc.subop == VMF_X86_CMPXCHG8B || fl->xacc.subop == VMF_X86_CMPXCHG16B));
    if (x->undo_valid) {
        x->undo_rax = x86_gpr(v, VMF_X86_REG_RAX);
        x->undo_rdx = x86_gpr(v, VMF_X86_REG_RDX);
        if (!rotc)
            uc_reg_read(v->uc, UC_X86_REG_RFLAGS, &x->undo_rflags);
    }
    /* Likewise a 16-byte load into an XMM register is two 8-byte loads, and
     * the first half reaches the register before the second is read: keep
     * the register for an abort on the second half. */
    x->undo_xmm = fl->xdecoded && fl->xacc.size == 16 && (fl->xacc.access & VMF_ACCESS_READ) &&
                  fl->xacc.reg >= VMF_X86_XMM0 && fl->xacc.reg < VMF_X86_XMM0 + 16;
    if (x->undo_xmm)
        uc_reg_read(v->uc, UC_X86_REG_XMM0 + (fl->xacc.reg - VMF_X86_XMM0), x->undo_xmm_value);
    return fl;
}

static void abort_insn(struct vmf_vcpu_impl *v, uint8_t outcome)
{
    if (!v->fl.aborted) {
        v->fl.aborted = true;
        v->fl.outcome = outcome;
    }
    if (v->stop == STOP_NONE || v->stop == STOP_MAP)
        v->stop = STOP_FAST;
    uc_emu_stop(v->uc);
}

/* The access window [*a, *a + *n) of the guest's access that holds byte
 * gpa: the memory operand containing it, cut into pieces of at most 8 bytes
 * (one fault each).  Without a decode (or outside every operand): Unicorn's
 * own callback.  false for a byte that lies outside every operand but inside
 * the 8-byte-aligned span around one: Unicorn loads an unaligned MMIO
 * operand as aligned pieces that cover it (QEMU's load_helper,
 * do_unaligned_access) and discards the bytes outside it, so such a byte is
 * no access of the guest's.
 * Only operands accessed in direction dir count (a read callback is never
 * the store of a MOVS's destination, nor a write the load of its source):
 * with overlapping operands, a MOVS whose destination started inside the
 * source's window (or its aligned span) had its store split between two
 * beats that never filled — the store was lost — and the bytes Unicorn reads
 * around an unaligned source became a read of the destination
 * (tests/test_x86_random.c, x86_random_regress). */
static bool access_window(const struct inflight *fl, uint64_t gpa, unsigned cb_size, uint8_t dir, uint64_t *a,
                          unsigned *n)
{
    if (fl->xdecoded) {
        bool cover = false;
        for (unsigned j = 0; j < fl->xacc.nmem && j < 2; j++) {
            if (fl->xacc.mem[j].access && !(fl->xacc.mem[j].access & dir))
                continue;
            uint64_t base = fl->xea[j];
            unsigned size = fl->xacc.size;
            if (gpa - base < size) {
                uint64_t k = (gpa - base) / 8;
                *a = base + 8 * k;
                *n = size - 8 * k < 8 ? (unsigned)(size - 8 * k) : 8;
                return true;
            }
            uint64_t lo = base & ~7ull, hi = (base + size + 7) & ~7ull;
            cover = cover || gpa - lo < hi - lo;
        }
        if (cover)
            return false;
    }
    *a = gpa;
    *n = cb_size;
    return true;
}

static struct beat *find_beat(struct inflight *fl, uint64_t addr, unsigned size, uint8_t dir)
{
    for (unsigned i = 0; i < fl->nbeats; i++) {
        struct beat *b = &fl->beats[i];
        if (b->addr == addr && b->size == size && b->dir == dir)
            return b;
    }
    if (fl->nbeats == VMF_MAX_BEATS)
        return NULL;
    struct beat *b = &fl->beats[fl->nbeats++];
    memset(b, 0, sizeof(*b));
    b->addr = addr;
    b->size = (uint8_t)size;
    b->dir = dir;
    return b;
}

static bool inside(const vm_memory_reservation_t *res, uint64_t addr, uint64_t len)
{
    return addr >= res->base && addr - res->base < res->size && len <= res->size - (addr - res->base);
}

/* Serve one complete beat: in place (fast path) or by stopping (exit path).
 * true when it is done and the callback can go on. */
static bool serve(vmf_vcpu *vcpu, struct inflight *fl, vm_memory_reservation_t *res, struct beat *b)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    if (b->done)
        return true;
    if (!inside(res, b->addr, b->size)) {
        vcpu_error(vcpu, VMF_EBOUNDS,
                   "%s of %u bytes at 0x%llx (pc 0x%llx, %s) runs past the end of %s [0x%llx, 0x%llx)",
                   b->dir == VMF_ACCESS_WRITE ? "write" : "read", b->size, (unsigned long long)b->addr,
                   (unsigned long long)fl->pc, fl->xacc.mnemonic[0] ? fl->xacc.mnemonic : "?", res->name,
                   (unsigned long long)res->base, (unsigned long long)(res->base + res->size));
        abort_insn(v, FAST_ERROR);
        return false;
    }
    fl->cur = (uint8_t)(b - fl->beats);
    /* The exit path replays the instruction after the handler ran, which
     * needs an instruction the decoder knows.  One it does not model (x87,
     * FXSAVE...) may be a C helper of Unicorn's that carries on after the
     * stop: an x87 80-bit load still pushes, a store still pops, and the
     * replay did it twice — FLD TBYTE from an exit-path reservation left the
     * FPU stack one deeper, silently (tests/test_x86_random.c,
     * x86_random_robust.unmodelled_instructions).  Its accesses are served
     * in place, as on the fast path; the fault still says EXIT. */
    if (res->path == VMF_PATH_EXIT && fl->xdecoded) {
        fl->xpending = (uint8_t)(fl->cur + 1);
        abort_insn(v, FAST_X86_EXIT_BEAT);
        return false;
    }
    switch (fault_dispatch(vcpu, res, b, res->path == VMF_PATH_EXIT ? VMF_PATH_EXIT : VMF_PATH_FAST)) {
    case DISPATCH_DONE:
        if (v->stop == STOP_MAP) {
            /* The handler changed the map (freed or mapped a reservation):
             * Unicorn must leave to see it, which abandons the instruction.
             * It is replayed once more on the map it started with, this
             * access answered from the record (x86_run). */
            v->x86->stale_replay = true;
            abort_insn(v, FAST_MISMATCH);
            return false;
        }
        return true;
    case DISPATCH_RESTART: abort_insn(v, FAST_RESTART); return false;
    case DISPATCH_UNHANDLED: abort_insn(v, FAST_UNHANDLED); return false;
    default: abort_insn(v, FAST_ERROR); return false;
    }
}

/* The RAM bytes of beat b past the end of res (see x86_mmio_write). */
static void save_ram_after(vmf_vcpu *vcpu, struct inflight *fl, const struct beat *b,
                           const vm_memory_reservation_t *res)
{
    const struct memmap *m = &vcpu->vm->impl->map;
    for (uint64_t a = res->base + res->size; a - b->addr < b->size; a++) {
        const uint8_t *h = memmap_host(m, a, 1);
        if (h && fl->nram_saved < sizeof(fl->ram_saved) / sizeof(fl->ram_saved[0]))
            fl->ram_saved[fl->nram_saved++] = (struct saved_byte){.addr = a, .value = *h};
    }
}

/* A range of Unicorn's map that the VM's map no longer has as it is: its
 * reservation was freed (res NULL) or mapped by a handler of the instruction
 * being replayed on its old map (x86_run).  Its base, from the vCPU's list. */
static bool stale_range(struct vmf_vcpu_impl *v, const struct mmio_ctx *c, uint64_t *base)
{
    if (c->res && !c->res->mapped)
        return false;
    *base = UINT64_MAX;
    for (size_t j = 0; j < v->nmaps; j++)
        if (v->maps[j].ctx == c)
            *base = v->maps[j].base;
    return true;
}

/* The RAM now behind beat b in a stale range whose reservation a handler
 * mapped: the rest of the instruction goes there, as after a map change on
 * AArch64 (its served accesses stay served).  NULL when freed. */
static uint8_t *stale_ram(vmf_vcpu *vcpu, const struct mmio_ctx *c, const struct beat *b)
{
    if (!c->res || !c->res->mapped)
        return NULL;
    return memmap_host(&vcpu->vm->impl->map, b->addr, b->size);
}

uint64_t x86_mmio_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    (void)uc;
    struct mmio_ctx *c = user;
    vmf_vcpu *vcpu = c->vcpu;
    struct inflight *fl = inflight(vcpu);
    if (fl->aborted)
        return 0;
    uint64_t base = c->res ? c->res->base : 0;
    bool stale = stale_range(vcpu->impl, c, &base);
    if (stale && base == UINT64_MAX) {
        abort_insn(vcpu->impl, FAST_MISMATCH);
        return 0;
    }
    uint64_t gpa = base + offset, value = 0;
    for (unsigned i = 0; i < size;) {
        uint64_t a;
        unsigned n;
        if (!access_window(fl, gpa + i, size - i, VMF_ACCESS_READ, &a, &n)) {
            i++; /* a byte Unicorn reads around an unaligned operand and discards: 0 */
            continue;
        }
        struct beat *b = find_beat(fl, a, n, VMF_ACCESS_READ);
        if (!b) {
            vcpu_error(vcpu, VMF_EUNSUPP, "instruction at 0x%llx makes more than %d accesses",
                       (unsigned long long)fl->pc, VMF_MAX_BEATS);
            abort_insn(vcpu->impl, FAST_ERROR);
            return 0;
        }
        if (stale && !b->done) {
            const uint8_t *ram = stale_ram(vcpu, c, b);
            if (!ram) { /* freed: replay on the new map */
                abort_insn(vcpu->impl, FAST_MISMATCH);
                return 0;
            }
            b->data = 0;
            for (unsigned k = 0; k < b->size; k++)
                b->data |= (uint64_t)ram[k] << (8 * k);
            b->done = true;
        }
        if (!stale && !serve(vcpu, fl, c->res, b))
            return 0;
        /* the bytes of this beat that fall in the callback's window */
        for (; i < size && gpa + i - b->addr < b->size; i++)
            value |= ((b->data >> (8 * (gpa + i - b->addr))) & 0xff) << (8 * i);
    }
    return value & width_mask(size);
}

void x86_mmio_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *user)
{
    (void)uc;
    struct mmio_ctx *c = user;
    vmf_vcpu *vcpu = c->vcpu;
    struct inflight *fl = inflight(vcpu);
    if (fl->aborted)
        return;
    uint64_t base = c->res ? c->res->base : 0;
    bool stale = stale_range(vcpu->impl, c, &base);
    if (stale && base == UINT64_MAX) {
        abort_insn(vcpu->impl, FAST_MISMATCH);
        return;
    }
    uint64_t gpa = base + offset;
    for (unsigned i = 0; i < size;) {
        uint64_t a;
        unsigned n;
        if (!access_window(fl, gpa + i, size - i, VMF_ACCESS_WRITE, &a, &n)) {
            /* Unicorn stores an unaligned MMIO operand byte by byte, never
             * around it: should it, the store is Unicorn's own callback */
            a = gpa + i;
            n = size - i;
        }
        struct beat *b = find_beat(fl, a, n, VMF_ACCESS_WRITE);
        if (!b) {
            vcpu_error(vcpu, VMF_EUNSUPP, "instruction at 0x%llx makes more than %d accesses",
                       (unsigned long long)fl->pc, VMF_MAX_BEATS);
            abort_insn(vcpu->impl, FAST_ERROR);
            return;
        }
        uint8_t *ram = NULL;
        if (stale && !b->done && !(ram = stale_ram(vcpu, c, b))) { /* freed: replay on the new map */
            abort_insn(vcpu->impl, FAST_MISMATCH);
            return;
        }
        for (; i < size && gpa + i - b->addr < b->size; i++) {
            unsigned k = (unsigned)(gpa + i - b->addr);
            uint64_t byte = (value >> (8 * i)) & 0xff;
            if (b->done) {
                if (((b->data >> (8 * k)) & 0xff) != byte) { /* a replay must store what was served */
                    vcpu_error(vcpu, VMF_EINTERNAL, "replay of 0x%llx stored other data at 0x%llx",
                               (unsigned long long)fl->pc, (unsigned long long)(b->addr + k));
                    abort_insn(vcpu->impl, FAST_ERROR);
                    return;
                }
                continue;
            }
            b->data = (b->data & ~(0xffull << (8 * k))) | byte << (8 * k);
            b->wmask = (uint8_t)(b->wmask | 1u << k);
        }
        if (ram) {
            if (b->wmask == (uint8_t)((1u << b->size) - 1)) {
                for (unsigned k = 0; k < b->size; k++)
                    ram[k] = (uint8_t)(b->data >> (8 * k));
                b->done = true;
            }
            continue;
        }
        if (!b->done && !inside(c->res, b->addr, b->size)) {
            /* A store that runs past the reservation (or into it from the RAM
             * before it) is refused now: the rest of it never comes here.
             * Unicorn stores such an access byte by byte in address order
             * and goes on after the abort, so keep the RAM bytes it will
             * still write; replay() puts them back. */
            save_ram_after(vcpu, fl, b, c->res);
            serve(vcpu, fl, c->res, b);
            return;
        }
        if (!b->done && b->wmask == (uint8_t)((1u << b->size) - 1) && !serve(vcpu, fl, c->res, b))
            return;
    }
}

/* ---- the loop ----------------------------------------------------------------------------------- */

static void fill_inst_emul(vmf_vcpu *vcpu, vmf_exit *exit)
{
    const vmf_fault *f = &vcpu->impl->fault;
    exit->exitcode = VMF_EXIT_INST_EMUL;
    exit->inst_length = f->x86.length;
    exit->pc = f->pc;
    exit->u.inst_emul.gpa = f->addr;
    exit->u.inst_emul.size = f->size;
    exit->u.inst_emul.access = f->access;
    exit->u.inst_emul.data = f->data;
    exit->u.inst_emul.x86 = f->x86;
    exit->u.inst_emul.ept_qual = f->ept_qual;
}

/* Put back what the abandoned in-flight instruction changed all the same
 * (inflight(), x86_mmio_write()). */
static void undo(struct vmf_vcpu_impl *v)
{
    struct x86_vcpu *x = v->x86;
    if (x->undo_valid) { /* what Unicorn's CMPXCHG8B/16B helper wrote after the abort */
        x86_set_gpr(v, VMF_X86_REG_RAX, x->undo_rax);
        x86_set_gpr(v, VMF_X86_REG_RDX, x->undo_rdx);
        uc_reg_write(v->uc, UC_X86_REG_RFLAGS, &x->undo_rflags);
    }
    if (x->undo_xmm) /* the first half of a 16-byte load */
        uc_reg_write(v->uc, UC_X86_REG_XMM0 + (v->fl.xacc.reg - VMF_X86_XMM0), x->undo_xmm_value);
    for (unsigned i = 0; i < v->fl.nram_saved; i++) /* RAM an abandoned straddling store wrote */
        uc_mem_write(v->uc, v->fl.ram_saved[i].addr, &v->fl.ram_saved[i].value, 1);
    v->fl.nram_saved = 0;
}

/* Execute the in-flight instruction again: it did not retire. */
static void replay(struct vmf_vcpu_impl *v)
{
    v->icount = v->fl.icount - 1;
    x86_set_rip(v, v->fl.pc);
    undo(v);
    v->fl.aborted = false;
    v->fl.outcome = 0;
    v->fl.xpending = 0;
    for (unsigned i = 0; i < v->fl.nbeats; i++)
        if (!v->fl.beats[i].done)
            v->fl.beats[i].wmask = 0;
}

/* Start the instruction over: every access is made (and handled) again. */
static void restart_insn(struct vmf_vcpu_impl *v)
{
    replay(v);
    v->fl.active = false;
}

enum step {
    STEP_DONE,
    STEP_EXIT,
};

/* Outcome of a beat's handler, inside or outside Unicorn. */
static int settle(vmf_vcpu *vcpu, int outcome, vmf_exit *exit)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    switch (outcome) {
    case FAST_OK:
    case FAST_MISMATCH: replay(v); return STEP_DONE;
    case FAST_RESTART: restart_insn(v); return STEP_DONE;
    case FAST_UNHANDLED:
        replay(v);
        fill_inst_emul(vcpu, exit);
        return STEP_EXIT;
    default:
        exit_error(exit, v->errstatus, "%s", v->errmsg);
        exit->pc = v->fl.pc;
        exit->inst_length = v->fl.xacc.length;
        restart_insn(v);
        return STEP_EXIT;
    }
}

static int exit_beat(vmf_vcpu *vcpu, vmf_exit *exit)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    struct inflight *fl = &v->fl;
    struct beat *b = &fl->beats[fl->xpending - 1];
    struct region *r = memmap_find(&vcpu->vm->impl->map, b->addr);
    if (!r || r->kind != REGION_RESERVATION) { /* freed by an earlier handler: run it again on the new map */
        restart_insn(v);
        return STEP_DONE;
    }
    fl->cur = (uint8_t)(b - fl->beats);
    switch (fault_dispatch(vcpu, r->res, b, VMF_PATH_EXIT)) {
    case DISPATCH_DONE:
        /* a handler that changed the map: the replay runs on the old one (x86_run) */
        v->x86->stale_replay = v->map_gen != vcpu->vm->impl->map.gen;
        return settle(vcpu, FAST_OK, exit);
    case DISPATCH_RESTART: return settle(vcpu, FAST_RESTART, exit);
    case DISPATCH_UNHANDLED: return settle(vcpu, FAST_UNHANDLED, exit);
    default: return settle(vcpu, FAST_ERROR, exit);
    }
}

/* The caller completed (or restarted) the fault of an INST_EMUL exit. */
static int resume_pending(vmf_vcpu *vcpu, vmf_exit *exit)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    struct beat *b = &v->fl.beats[v->fl.cur];
    if (v->fault_restarted) {
        v->fault_pending = false;
        restart_insn(v);
        return STEP_DONE;
    }
    if (!v->fault_advanced)
        return VMF_ESTATE;
    if (fault_resolve(vcpu, b, FAULT_HANDLED) != DISPATCH_DONE) {
        exit_error(exit, v->errstatus, "%s", v->errmsg);
        restart_insn(v);
        return STEP_EXIT;
    }
    return STEP_DONE; /* the fl record stays: the replay serves the beat */
}

/* An access outside every region that is the tail of a beat starting in a
 * reservation (an access running past its end into nothing: Unicorn looks the
 * second page up before it touches the first) is the same bounds error as
 * with RAM after the reservation (serve()).  true when *exit is that error. */
static bool bounds_exit(vmf_vcpu *vcpu, const vmf_x86_access *a, vmf_exit *exit)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    const struct memmap *m = &vcpu->vm->impl->map;
    for (unsigned j = 0; j < a->nmem && j < 2 && a->size; j++) {
        uint64_t ea = operand_address(v, a, v->cur_pc, j);
        for (unsigned k = 0; k < a->size; k += 8) {
            uint64_t addr = ea + k, n = a->size - k < 8 ? a->size - k : 8;
            const struct region *r = memmap_find(m, addr);
            if (!r || r->kind != REGION_RESERVATION || n <= r->base + r->size - addr)
                continue;
            uint64_t end = r->base + r->size;
            if (v->unmapped.addr - end >= addr + n - end)
                continue; /* the unmapped access is not this beat's tail */
            exit_error(exit, VMF_EBOUNDS,
                       "%s of %u bytes at 0x%llx (pc 0x%llx, %s) runs past the end of %s [0x%llx, 0x%llx)",
                       v->unmapped.type == UC_MEM_WRITE_UNMAPPED ? "write" : "read", (unsigned)n,
                       (unsigned long long)addr, (unsigned long long)v->cur_pc, a->mnemonic, r->res->name,
                       (unsigned long long)r->base, (unsigned long long)end);
            return true;
        }
    }
    return false;
}

static void paging_exit(vmf_vcpu *vcpu, vmf_exit *exit)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    exit->exitcode = VMF_EXIT_PAGING;
    exit->u.paging.gpa = v->unmapped.addr;
    switch (v->unmapped.type) {
    case UC_MEM_FETCH_UNMAPPED:
        exit->u.paging.fault_type = VMF_FAULT_EXEC;
        exit->pc = v->unmapped.addr;
        return;
    case UC_MEM_WRITE_UNMAPPED: exit->u.paging.fault_type = VMF_FAULT_WRITE; break;
    default: exit->u.paging.fault_type = VMF_FAULT_READ; break;
    }
    /* the access did not happen: the instruction is still to run, from the
     * start (its MMIO accesses too: the in-flight record goes) */
    const uint8_t *p = code_bytes(v, v->cur_pc, 1);
    size_t avail = p ? v->x86->code_size - (v->cur_pc - v->x86->code_base) : 0;
    if (v->fl.active && v->fl.pc == v->cur_pc && v->fl.icount == v->icount)
        undo(v); /* e.g. a 16-byte load whose first half came from a reservation */
    else if (p && x86_exit_kind(p, avail > 15 ? 15 : avail, false, &(uint8_t){0}) == X86_KEEP_FLAGS)
        /* RCL/RCR/SETcc: flags from the code hook */
        uc_reg_write(v->uc, UC_X86_REG_RFLAGS, &v->x86->undo_rflags);
    v->icount--;
    x86_set_rip(v, v->cur_pc);
    v->fl.active = false;
    if (p) {
        vmf_x86_access a;
        int st = x86_decode_cached(v->x86, v->cur_pc, p, avail > 15 ? 15 : avail, &a);
        if (st == VMF_OK && bounds_exit(vcpu, &a, exit))
            exit->inst_length = a.length;
        else if (st != VMF_EUNDEF)
            exit->inst_length = a.length;
    }
    exit->pc = v->cur_pc;
}

int x86_run(vmf_vcpu *vcpu, vmf_exit *exit)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    v->bpt_skip = x86_rip(v) == v->bpt;
    if (v->fault_pending) {
        int s = resume_pending(vcpu, exit);
        if (s < 0)
            return s;
        if (s == STEP_EXIT)
            goto out;
    }
    x86_exit_resumed(vcpu);
    for (;;) {
        if (run_slice_ends(v, exit))
            break;
        v->limit = v->budget;
        /* A handler changed the map while serving an access of the
         * instruction about to be replayed: Unicorn keeps the map it started
         * with for this one instruction, so the accesses already served are
         * answered from the record (a freed or mapped reservation's range is
         * stale: stale_range()); the code hook stops at the next instruction,
         * and the map is brought up to date before it runs. */
        struct x86_vcpu *x = v->x86;
        bool stale = x->stale_replay && v->fl.active && v->icount + 1 == v->fl.icount && x86_rip(v) == v->fl.pc;
        x->stale_replay = false;
        if (stale) {
            if (v->limit > v->fl.icount)
                v->limit = v->fl.icount;
        } else {
            int st = vcpu_sync_maps(vcpu);
            if (st) {
                exit_error(exit, st, "cannot apply the memory map to Unicorn: %s", vmf_strerror(st));
                break;
            }
        }
        uint64_t pc = x86_rip(v);
        v->stop = STOP_NONE;
        v->in_run = true;
        uc_err e = uc_emu_start(v->uc, pc, UNTIL_NEVER, 0, 0);
        v->in_run = false;
        int s = STEP_DONE;
        switch (v->stop) {
        case STOP_FAST:
            if (v->fl.outcome == FAST_X86_EXIT_BEAT)
                s = exit_beat(vcpu, exit);
            else
                s = settle(vcpu, v->fl.outcome, exit);
            break;
        case STOP_UNMAPPED: {
            /* Outside every region (reservations are all MMIO ranges here). */
            paging_exit(vcpu, exit);
            s = STEP_EXIT;
            break;
        }
        case STOP_INTR:
            exit->exitcode = VMF_EXIT_EXCEPTION;
            exit->pc = v->cur_pc;
            exit->u.exception.intno = v->intno;
            {
                const uint8_t *p = code_bytes(v, v->cur_pc, 4);
                if (p)
                    exit->u.exception.insn =
                        (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
            }
            s = STEP_EXIT;
            break;
        case STOP_X86_EXIT: s = x86_handle_exit_insn(vcpu, exit) ? STEP_EXIT : STEP_DONE; break;
        case STOP_BPT:
            exit->exitcode = VMF_EXIT_BPT;
            exit->pc = v->cur_pc;
            s = STEP_EXIT;
            break;
        case STOP_LIMIT:
        case STOP_MAP: break;
        default:
            if (e == UC_ERR_INSN_INVALID) {
                /* #UD (UD2, an unknown opcode, AVX-256 on Unicorn's CPU model): Unicorn stops with
                 * this error instead of calling the interrupt hook.  An exception like any other. */
                exit->exitcode = VMF_EXIT_EXCEPTION;
                exit->pc = v->cur_pc;
                exit->u.exception.intno = 6; /* EXCP06_ILLOP */
                const uint8_t *p = code_bytes(v, v->cur_pc, 4);
                if (p)
                    exit->u.exception.insn =
                        (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
                x86_set_rip(v, v->cur_pc);
                s = STEP_EXIT;
            } else if (e == UC_ERR_FETCH_PROT) {
                /* An instruction fetch from a reservation (a Unicorn MMIO
                 * range): RIP is already there, and cur_pc is the jump that
                 * went there.  Name the fetch and the reservation. */
                uint64_t rip = x86_rip(v);
                const struct region *r = NULL;
                for (unsigned k = 0; k < 15 && !r; k++) {
                    r = memmap_find(&vcpu->vm->impl->map, rip + k);
                    if (r && r->kind != REGION_RESERVATION)
                        r = NULL;
                }
                exit_error(exit, VMF_EUNSUPP, "instruction fetch at 0x%llx from %s, which cannot be executed",
                           (unsigned long long)rip, r ? r->res->name : "a reservation");
                exit->pc = rip;
                s = STEP_EXIT;
            } else if (e != UC_ERR_OK) {
                exit_error(exit, VMF_EUNICORN, "Unicorn stopped at rip 0x%llx: %s", (unsigned long long)v->cur_pc,
                           uc_strerror(e));
                exit->pc = v->cur_pc;
                s = STEP_EXIT;
            }
            break;
        }
        if (s == STEP_EXIT)
            break;
    }
out:
    v->limit = UINT64_MAX;
    exit->icount = v->icount;
    if (!exit->pc && exit->exitcode != VMF_EXIT_PAGING)
        exit->pc = x86_rip(v);
    return VMF_OK;
}
