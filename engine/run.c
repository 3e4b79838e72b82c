/* vmfault engine — the run loop and both trap paths.
 *
 * Fast path: a reservation is a Unicorn MMIO range.  Its callbacks are matched
 * against the decoded instruction's beats, so a fault always carries the
 * guest's real address, size and data, whatever Unicorn split or rounded.
 * When a callback cannot be served as the guest meant it (an unaligned access
 * Unicorn rounded down, a result other than HANDLED/IGNORE), the callback
 * stops the CPU, the engine undoes the half-executed instruction and finishes
 * it in software, exactly as the exit path does.
 *
 * Exit path: a reservation is absent from Unicorn.  The access stops the CPU
 * (the UNMAPPED hook), and the engine decodes and completes the instruction.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Never executed: Unicorn re-translates the block holding `until` on every
 * start, so it must not be a real guest address (UNICORN-NOTES.md). */
#define UNTIL_NEVER 0xfffffffffffffffcull

/* ---- keeping Unicorn's map in step with the VM's ---------------------------------------- */

static uint64_t width_mask(unsigned size)
{
    return size >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * size)) - 1);
}

static uint64_t mmio_read(uc_engine *uc, uint64_t offset, unsigned size, void *user);
static void mmio_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *user);

static int push_range(struct mapped_range **a, size_t *n, size_t *cap, struct mapped_range r)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        struct mapped_range *p = realloc(*a, ncap * sizeof(*p));
        if (!p)
            return VMF_ENOMEM;
        *a = p;
        *cap = ncap;
    }
    (*a)[(*n)++] = r;
    return VMF_OK;
}

static bool same_range(const struct mapped_range *x, const struct mapped_range *y)
{
    return x->base == y->base && x->size == y->size && x->host == y->host && x->res == y->res;
}

int vcpu_sync_maps(vmf_vcpu *vcpu)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    struct memmap *m = &vcpu->vm->impl->map;
    if (v->map_gen == m->gen)
        return VMF_OK;
    /* What Unicorn should map: every chunk, and the unmapped fast-path reservations. */
    struct mapped_range *want = NULL;
    size_t nwant = 0, wcap = 0;
    int st = VMF_OK;
    for (size_t i = 0; i < m->nchunks && !st; i++)
        st = push_range(
            &want, &nwant, &wcap,
            (struct mapped_range){.base = m->chunks[i].base, .size = m->chunks[i].size, .host = m->chunks[i].host});
    for (size_t i = 0; i < m->nregions && !st; i++) {
        const struct region *r = &m->regions[i];
        /* x86-64 maps exit-path reservations too: its callbacks stop the CPU (arch/x86.c) */
        if (r->kind == REGION_RESERVATION && !r->res->mapped &&
            (r->res->path == VMF_PATH_FAST || vcpu->vm->impl->arch == VMF_ARCH_X86_64))
            st = push_range(&want, &nwant, &wcap,
                            (struct mapped_range){.base = r->base, .size = r->size, .res = r->res});
    }
    if (st) {
        free(want);
        return st;
    }
    /* Unmap what is no longer wanted, then map what is new. */
    size_t keep = 0;
    for (size_t i = 0; i < v->nmaps; i++) {
        bool wanted = false;
        for (size_t j = 0; j < nwant && !wanted; j++)
            wanted = same_range(&v->maps[i], &want[j]);
        if (wanted) {
            v->maps[keep++] = v->maps[i];
            continue;
        }
        uc_mem_unmap(v->uc, v->maps[i].base, v->maps[i].size);
        free(v->maps[i].ctx);
    }
    v->nmaps = keep;
    for (size_t j = 0; j < nwant && !st; j++) {
        bool have = false;
        for (size_t i = 0; i < keep && !have; i++)
            have = same_range(&v->maps[i], &want[j]);
        if (have)
            continue;
        struct mapped_range r = want[j];
        uc_err e;
        if (r.host) {
            e = uc_mem_map_ptr(v->uc, r.base, r.size, UC_PROT_ALL, r.host);
        } else {
            r.ctx = malloc(sizeof(*r.ctx));
            if (!r.ctx) {
                st = VMF_ENOMEM;
                break;
            }
            r.ctx->vcpu = vcpu;
            r.ctx->res = r.res;
            if (vcpu->vm->impl->arch == VMF_ARCH_X86_64)
                e = uc_mmio_map(v->uc, r.base, r.size, x86_mmio_read, r.ctx, x86_mmio_write, r.ctx);
            else
                e = uc_mmio_map(v->uc, r.base, r.size, mmio_read, r.ctx, mmio_write, r.ctx);
        }
        if (e != UC_ERR_OK) {
            free(r.ctx);
            st = VMF_EUNICORN;
            break;
        }
        st = push_range(&v->maps, &v->nmaps, &v->mapcap, r);
    }
    free(want);
    if (!st)
        v->map_gen = m->gen;
    return st;
}

/* ---- the fast path ---------------------------------------------------------------------------- */

/* Abandon the instruction in Unicorn; the run loop finishes it. */
static void fast_abort(struct vmf_vcpu_impl *v, uint8_t outcome)
{
    v->fl.aborted = true;
    v->fl.outcome = outcome;
    if (v->stop == STOP_NONE || v->stop == STOP_MAP)
        v->stop = STOP_FAST;
    uc_emu_stop(v->uc);
}

/* The in-flight record of the instruction Unicorn is executing, prepared on
 * its first callback; NULL once the fast path has given up on it. */
static struct inflight *fast_inflight(vmf_vcpu *vcpu)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    struct inflight *fl = &v->fl;
    if (fl->active && fl->fast && fl->icount == v->icount && fl->pc == v->cur_pc)
        return fl->aborted ? NULL : fl;
    if (arm64_prepare(vcpu, fl, v->cur_pc, NULL) != VMF_OK) {
        fl->active = true; /* so the abort is remembered for this instruction */
        fl->fast = true;
        fl->pc = v->cur_pc;
        fl->icount = v->icount;
        fast_abort(v, FAST_MISMATCH);
        return NULL;
    }
    fl->fast = true;
    arm64_save(vcpu, fl);
    arm64_gather_store_data(vcpu, fl);
    return fl;
}

static bool inside(const vm_memory_reservation_t *res, uint64_t addr, uint64_t len)
{
    return addr >= res->base && addr - res->base < res->size && len <= res->size - (addr - res->base);
}

/* The beat that holds [gpa, gpa+size), in the callback's direction, and lies
 * wholly in this reservation (one that does not is the software path's to
 * report, from its first byte on). */
static struct beat *match_beat(struct inflight *fl, const vm_memory_reservation_t *res, uint64_t gpa, unsigned size,
                               uint8_t dir)
{
    if (!(fl->acc.access & dir))
        return NULL;
    for (unsigned i = 0; i < fl->nbeats; i++) {
        struct beat *b = &fl->beats[i];
        if (gpa >= b->addr && gpa - b->addr < b->size && size <= b->size - (gpa - b->addr))
            return inside(res, b->addr, b->size) ? b : NULL;
    }
    return NULL;
}

/* A store Unicorn is abandoning may still write its bytes that fall in RAM
 * after the MMIO part (a beat straddling the reservation's end): keep their
 * old values so the undo can put them back. */
static void save_straddling_ram(vmf_vcpu *vcpu, struct inflight *fl, const vm_memory_reservation_t *res)
{
    const struct memmap *m = &vcpu->vm->impl->map;
    fl->nram_saved = 0;
    if (!(fl->acc.access & VMF_ACCESS_WRITE))
        return;
    for (unsigned i = 0; i < fl->nbeats; i++) {
        const struct beat *b = &fl->beats[i];
        if (inside(res, b->addr, b->size) || !inside(res, b->addr, 1) || b->size > 8)
            continue;
        for (uint64_t a = b->addr; a - b->addr < b->size; a++) {
            const uint8_t *h = memmap_host(m, a, 1);
            if (h && fl->nram_saved < sizeof(fl->ram_saved) / sizeof(fl->ram_saved[0]))
                fl->ram_saved[fl->nram_saved++] = (struct saved_byte){.addr = a, .value = *h};
        }
    }
}

static void mismatch(vmf_vcpu *vcpu, struct inflight *fl, const vm_memory_reservation_t *res)
{
    save_straddling_ram(vcpu, fl, res);
    fast_abort(vcpu->impl, FAST_MISMATCH);
}

static int fast_serve(vmf_vcpu *vcpu, struct inflight *fl, struct mmio_ctx *c, struct beat *b)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    fl->cur = (uint8_t)(b - fl->beats);
    switch (fault_dispatch(vcpu, c->res, b, VMF_PATH_FAST)) {
    case DISPATCH_DONE:
        /* A handler that changed the memory map stopped the CPU mid-instruction. */
        return v->stop == STOP_MAP ? FAST_MISMATCH : FAST_OK;
    case DISPATCH_RESTART: return FAST_RESTART;
    case DISPATCH_UNHANDLED: return FAST_UNHANDLED;
    default: return FAST_ERROR;
    }
}

static uint64_t mmio_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    (void)uc;
    struct mmio_ctx *c = user;
    vmf_vcpu *vcpu = c->vcpu;
    if (!c->res) { /* freed by a handler during this instruction */
        fast_abort(vcpu->impl, FAST_MISMATCH);
        return 0;
    }
    struct inflight *fl = fast_inflight(vcpu);
    if (!fl)
        return 0;
    uint64_t gpa = c->res->base + offset;
    struct beat *b = match_beat(fl, c->res, gpa, size, VMF_ACCESS_READ);
    if (!b) {
        mismatch(vcpu, fl, c->res);
        return 0;
    }
    if (!b->done) {
        int o = fast_serve(vcpu, fl, c, b);
        if (o != FAST_OK) {
            fast_abort(vcpu->impl, (uint8_t)o);
            return 0;
        }
    }
    return (b->data >> (8 * (gpa - b->addr))) & width_mask(size);
}

static void mmio_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *user)
{
    (void)uc;
    struct mmio_ctx *c = user;
    vmf_vcpu *vcpu = c->vcpu;
    if (!c->res) { /* freed by a handler during this instruction */
        fast_abort(vcpu->impl, FAST_MISMATCH);
        return;
    }
    struct inflight *fl = fast_inflight(vcpu);
    if (!fl)
        return;
    uint64_t gpa = c->res->base + offset;
    struct beat *b = match_beat(fl, c->res, gpa, size, VMF_ACCESS_WRITE);
    unsigned shift = b ? 8 * (unsigned)(gpa - b->addr) : 0;
    /* The bytes Unicorn stores must be the ones the registers say. */
    if (!b || b->done || ((b->data >> shift) & width_mask(size)) != (value & width_mask(size))) {
        mismatch(vcpu, fl, c->res);
        return;
    }
    /* one bit per byte of the beat received so far */
    b->wmask = (uint8_t)(b->wmask | (((1u << size) - 1) << (gpa - b->addr)));
    if (b->wmask != (uint8_t)((1u << b->size) - 1))
        return; /* the rest of this beat comes in the next callback */
    int o = fast_serve(vcpu, fl, c, b);
    if (o != FAST_OK)
        fast_abort(vcpu->impl, (uint8_t)o);
}

/* ---- the software completion shared by both paths ---------------------------------------------- */

enum step {
    STEP_DONE,    /* instruction completed, PC advanced */
    STEP_RESTART, /* run the instruction again */
    STEP_EXIT,    /* *exit filled */
};

static void fill_inst_emul(vmf_vcpu *vcpu, vmf_exit *exit)
{
    const vmf_fault *f = &vcpu->impl->fault;
    exit->exitcode = VMF_EXIT_INST_EMUL;
    exit->inst_length = 4;
    exit->pc = f->pc;
    exit->u.inst_emul.gpa = f->addr;
    exit->u.inst_emul.size = f->size;
    exit->u.inst_emul.access = f->access;
    exit->u.inst_emul.data = f->data;
    exit->u.inst_emul.esr = f->insn.esr;
    exit->u.inst_emul.insn = f->insn;
}

static int restart(vmf_vcpu *vcpu)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    v->fl.active = false;
    v->fl.nram_saved = 0;
    v->icount--; /* the instruction did not retire */
    uc_reg_write(v->uc, UC_ARM64_REG_PC, &v->fl.pc);
    return STEP_RESTART;
}

static int abandon(vmf_vcpu *vcpu)
{
    restart(vcpu);
    return STEP_EXIT;
}

static bool ram_like(const struct region *r)
{
    return r->kind == REGION_RAM || (r->kind == REGION_RESERVATION && r->res->mapped);
}

/* An access that runs off the end of RAM region r is still a RAM access when
 * the next region starts right there and is RAM too (beats are <= 8 bytes,
 * so at most one boundary is crossed). */
static bool ram_tail(const struct memmap *m, const struct region *r, const struct beat *b)
{
    uint64_t end = r->base + r->size; /* no wrap: the region was checked on insert */
    if (end == 0)
        return false;
    struct region *next = memmap_find(m, end);
    return next && ram_like(next) && b->size - (end - b->addr) <= next->size;
}

/* Run the remaining beats of the in-flight instruction and commit it. */
static int software_complete(vmf_vcpu *vcpu, vmf_exit *exit)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    struct inflight *fl = &v->fl;
    struct memmap *m = &vcpu->vm->impl->map;
    for (unsigned i = 0; i < fl->nbeats; i++) {
        struct beat *b = &fl->beats[i];
        if (b->done)
            continue;
        fl->cur = (uint8_t)i;
        struct region *r;
        int st = memmap_lookup(m, b->addr, b->size, &r);
        if (r && ram_like(r) && (st == VMF_OK || ram_tail(m, r, b))) {
            /* RAM, a mapped reservation, or adjacent RAM regions: Unicorn's own
             * accessors cross mappings and keep its code cache honest. */
            uc_err e = fl->acc.access & VMF_ACCESS_READ ? uc_mem_read(v->uc, b->addr, &b->data, b->size)
                                                        : uc_mem_write(v->uc, b->addr, &b->data, b->size);
            if (e != UC_ERR_OK) {
                exit_error(exit, VMF_EUNICORN, "RAM access of %u bytes at 0x%llx (pc 0x%llx) failed: %s", b->size,
                           (unsigned long long)b->addr, (unsigned long long)fl->pc, uc_strerror(e));
                exit->pc = fl->pc;
                return abandon(vcpu);
            }
            b->done = true;
            continue;
        }
        if (!r || r->kind == REGION_ANON_POOL) {
            restart(vcpu); /* the instruction does not complete: it takes an abort or exits */
            if (arm64_deliver_abort(vcpu, fl->pc, b->addr, false, &fl->acc))
                return STEP_DONE;
            exit->exitcode = VMF_EXIT_PAGING;
            exit->inst_length = 4;
            exit->pc = fl->pc;
            exit->u.paging.gpa = b->addr;
            exit->u.paging.fault_type = fl->acc.access & VMF_ACCESS_WRITE ? VMF_FAULT_WRITE : VMF_FAULT_READ;
            return STEP_EXIT;
        }
        if (st != VMF_OK) {
            exit_error(exit, VMF_EBOUNDS,
                       "%s of %u bytes at 0x%llx (pc 0x%llx, insn 0x%08x) runs past the end of %s [0x%llx, 0x%llx)",
                       fl->acc.access & VMF_ACCESS_WRITE ? "write" : "read", b->size, (unsigned long long)b->addr,
                       (unsigned long long)fl->pc, fl->word, r->kind == REGION_RESERVATION ? r->res->name : "RAM",
                       (unsigned long long)r->base, (unsigned long long)(r->base + r->size));
            exit->pc = fl->pc;
            return abandon(vcpu);
        }
        switch (fault_dispatch(vcpu, r->res, b, VMF_PATH_EXIT)) {
        case DISPATCH_DONE: break;
        case DISPATCH_RESTART: return restart(vcpu);
        case DISPATCH_UNHANDLED: fill_inst_emul(vcpu, exit); return STEP_EXIT;
        default:
            exit_error(exit, v->errstatus, "%s", v->errmsg);
            exit->pc = fl->pc;
            return abandon(vcpu);
        }
    }
    arm64_commit(vcpu, fl);
    return STEP_DONE;
}

/* The exit path proper: decode the instruction at the PC and complete it in software. */
static int emulate_current(vmf_vcpu *vcpu, vmf_exit *exit)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    if (arm64_prepare(vcpu, &v->fl, v->cur_pc, exit) != VMF_OK) {
        exit->pc = v->cur_pc;
        v->fl.pc = v->cur_pc;
        return abandon(vcpu);
    }
    arm64_gather_store_data(vcpu, &v->fl);
    return software_complete(vcpu, exit);
}

/* The caller completed (or restarted) the fault of an INST_EMUL exit. */
static int resume_pending(vmf_vcpu *vcpu, vmf_exit *exit)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    struct beat *b = &v->fl.beats[v->fl.cur];
    if (v->fault_restarted) {
        v->fault_pending = false;
        return restart(vcpu);
    }
    if (!v->fault_advanced)
        return VMF_ESTATE;
    if (fault_resolve(vcpu, b, FAULT_HANDLED) != DISPATCH_DONE) {
        exit_error(exit, v->errstatus, "%s", v->errmsg);
        return abandon(vcpu);
    }
    return software_complete(vcpu, exit);
}

/* ---- the loop ----------------------------------------------------------------------------------- */

static bool is_wait(const struct memmap *m, uint64_t pc)
{
    const uint8_t *p = memmap_host(m, pc, 4);
    if (!p)
        return false;
    uint32_t w = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return w == 0xd503207fu /* wfi */ || w == 0xd503205fu /* wfe */;
}

uint64_t vcpu_random(struct vmf_vcpu_impl *v)
{
    v->rng ^= v->rng << 13;
    v->rng ^= v->rng >> 7;
    v->rng ^= v->rng << 17;
    return v->rng;
}

bool run_slice_ends(struct vmf_vcpu_impl *v, vmf_exit *exit)
{
    if (v->suspend_how) { /* vmf_vcpu_request_suspend */
        exit->exitcode = VMF_EXIT_SUSPENDED;
        exit->u.suspended.how = v->suspend_how;
        v->suspend_how = 0;
        v->stop_requested = false;
        return true;
    }
    if (v->stop_requested) {
        v->stop_requested = false;
        exit->exitcode = VMF_EXIT_STOP;
        return true;
    }
    if (v->icount >= v->budget) {
        exit->exitcode = VMF_EXIT_BUDGET;
        return true;
    }
    return false;
}

int vmf_run(vmf_vcpu *vcpu, uint64_t max_insns, vmf_exit *exit)
{
    if (!vcpu || !vcpu->impl || !exit)
        return VMF_EINVAL;
    struct vmf_vcpu_impl *v = vcpu->impl;
    struct memmap *m = &vcpu->vm->impl->map;
    memset(exit, 0, sizeof(*exit));
    v->budget = max_insns ? v->icount + max_insns : UINT64_MAX;
    if (v->budget < v->icount)
        v->budget = UINT64_MAX;
    v->limit = v->budget;
    if (!vcpu->vcpu_online) {
        exit->exitcode = VMF_EXIT_SUSPENDED;
        exit->u.suspended.how = VMF_SUSPEND_CPU_OFF;
        goto out;
    }
    if (vcpu->vm->impl->arch == VMF_ARCH_X86_64)
        return x86_run(vcpu, exit);

    {
        uint64_t start;
        uc_reg_read(v->uc, UC_ARM64_REG_PC, &start);
        v->bpt_skip = start == v->bpt;
    }
    if (v->fault_pending) {
        int s = resume_pending(vcpu, exit);
        if (s < 0)
            return s;
        if (s == STEP_EXIT)
            goto out;
    }
    for (;;) {
        if (run_slice_ends(v, exit))
            break;
        /* stop exactly at the next timer deadline, so its interrupt is on time */
        uint64_t deadline = vmf_vcpu_next_deadline(vcpu);
        v->limit = deadline < v->budget ? deadline : v->budget;
        int st = vcpu_sync_maps(vcpu);
        if (st) {
            exit_error(exit, st, "cannot apply the memory map to Unicorn: %s", vmf_strerror(st));
            break;
        }
        uint64_t pc;
        uc_reg_read(v->uc, UC_ARM64_REG_PC, &pc);
        v->stop = STOP_NONE;
        v->fl.active = false;
        v->in_run = true;
        uc_err e = uc_emu_start(v->uc, pc, UNTIL_NEVER, 0, 0);
        v->in_run = false;
        int s = STEP_DONE;
        switch (v->stop) {
        case STOP_FAST:
            if (v->fl.nbeats)
                arm64_undo(vcpu, &v->fl);
            else
                uc_reg_write(v->uc, UC_ARM64_REG_PC, &v->fl.pc);
            for (unsigned i = 0; i < v->fl.nram_saved; i++)
                uc_mem_write(v->uc, v->fl.ram_saved[i].addr, &v->fl.ram_saved[i].value, 1);
            switch (v->fl.outcome) {
            case FAST_RESTART: s = restart(vcpu); break;
            case FAST_UNHANDLED:
                fill_inst_emul(vcpu, exit);
                s = STEP_EXIT;
                break;
            case FAST_ERROR:
                exit_error(exit, v->errstatus, "%s", v->errmsg);
                s = abandon(vcpu);
                break;
            default: /* finish in software: decode again, beats served so far stay served */
                if (!v->fl.nbeats && arm64_prepare(vcpu, &v->fl, v->fl.pc, exit) != VMF_OK) {
                    s = abandon(vcpu);
                    break;
                }
                s = software_complete(vcpu, exit);
                break;
            }
            break;
        case STOP_UNMAPPED:
            if (v->unmapped.type == UC_MEM_FETCH_UNMAPPED) {
                if (arm64_deliver_abort(vcpu, v->unmapped.addr, v->unmapped.addr, true, NULL))
                    break;
                exit->exitcode = VMF_EXIT_PAGING;
                exit->u.paging.gpa = v->unmapped.addr;
                exit->u.paging.fault_type = VMF_FAULT_EXEC;
                exit->pc = v->unmapped.addr;
                s = STEP_EXIT;
                break;
            }
            s = emulate_current(vcpu, exit);
            if (exit->exitcode == VMF_EXIT_ERROR && !v->fl.nbeats) {
                /* Not decodable; if nothing is there at all it is a plain stage-2 miss. */
                struct region *r = memmap_find(m, v->unmapped.addr);
                if (!r || r->kind != REGION_RESERVATION) {
                    memset(exit, 0, sizeof(*exit));
                    exit->exitcode = VMF_EXIT_PAGING;
                    exit->pc = v->cur_pc;
                    exit->u.paging.gpa = v->unmapped.addr;
                    exit->u.paging.fault_type =
                        v->unmapped.type == UC_MEM_WRITE_UNMAPPED ? VMF_FAULT_WRITE : VMF_FAULT_READ;
                }
            }
            break;
        case STOP_INTR: s = arm64_handle_intr(vcpu, exit) ? STEP_EXIT : STEP_DONE; break;
        case STOP_IRQ: {
            /* FIQ first: it has the higher priority when both are unmasked */
            uint64_t pstate = 0;
            uc_reg_read(v->uc, UC_ARM64_REG_PSTATE, &pstate);
            enum exc_kind k = v->fiq_in && !(pstate & 0x40) ? EXC_FIQ : EXC_IRQ;
            if (arm64_take_exception(vcpu, k, v->cur_pc, 0, false, 0) != VMF_OK) {
                exit_error(exit, VMF_EUNSUPP, "interrupt at pc 0x%llx taken from EL0 or EL1t: not supported",
                           (unsigned long long)v->cur_pc);
                exit->pc = v->cur_pc;
                s = STEP_EXIT;
            }
            break;
        }
        case STOP_EXCL:
            /* A store-exclusive paired with a load-exclusive the engine emulated:
             * Unicorn's monitor never saw that load, so vmfault completes the store. */
            v->icount++; /* the code hook stopped before counting it */
            s = emulate_current(vcpu, exit);
            break;
        case STOP_BPT:
            exit->exitcode = VMF_EXIT_BPT;
            exit->pc = v->cur_pc;
            exit->inst_length = 4;
            s = STEP_EXIT;
            break;
        case STOP_LIMIT: arm64_timer_update(vcpu); break; /* budget, a timer deadline, or a stop request */
        case STOP_MAP: break;
        default:
            if (e != UC_ERR_OK) {
                exit_error(exit, VMF_EUNICORN, "Unicorn stopped at pc 0x%llx: %s", (unsigned long long)v->cur_pc,
                           uc_strerror(e));
                exit->pc = v->cur_pc;
                s = STEP_EXIT;
            } else if (is_wait(m, v->cur_pc)) {
                uint64_t next = v->cur_pc + 4;
                uc_reg_write(v->uc, UC_ARM64_REG_PC, &next);
                if (!v->irq_in && !v->fiq_in) { /* a pending interrupt, even masked, wakes WFI at once */
                    exit->exitcode = VMF_EXIT_HLT;
                    exit->pc = v->cur_pc;
                    exit->inst_length = 4;
                    exit->u.hlt.wake_at = vmf_vcpu_next_deadline(vcpu);
                    s = STEP_EXIT;
                }
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
        uc_reg_read(v->uc, UC_ARM64_REG_PC, &exit->pc);
    return VMF_OK;
}
