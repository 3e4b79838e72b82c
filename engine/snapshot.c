/* vmfault engine — snapshot and in-place restore. */
#include <stdlib.h>
#include <string.h>

#include "vmfault/snapshot.h"

#include "internal.h"
#include "arch/x86_internal.h"

struct cpu_snap {
    uc_context *ctx;
    uint64_t icount, rng;
    struct arm64_timer timer[2];
    bool irq_in, fiq_in, online;
    struct x86_msr *msrs; /* x86-64: the MSR store */
    size_t nmsrs;
};

struct vmf_snapshot {
    vm_t *vm;
    uint64_t map_gen;
    unsigned ncpus;
    struct cpu_snap cpu[CONFIG_MAX_NUM_NODES];
    uint64_t irq_levels[VMF_IRQ_LINES / 64];
    size_t nchunks;
    struct chunk *chunks; /* guest layout at the time */
    uint8_t **bytes;      /* a copy of each chunk */
    size_t ram_bytes;
};

void vmf_snapshot_free(vmf_snapshot *s)
{
    if (!s)
        return;
    for (unsigned i = 0; i < s->ncpus; i++) {
        if (s->cpu[i].ctx)
            uc_context_free(s->cpu[i].ctx);
        free(s->cpu[i].msrs);
    }
    for (size_t i = 0; i < s->nchunks; i++)
        free(s->bytes ? s->bytes[i] : NULL);
    free(s->bytes);
    free(s->chunks);
    free(s);
}

size_t vmf_snapshot_ram_bytes(const vmf_snapshot *s)
{
    return s ? s->ram_bytes : 0;
}

int vmf_snapshot_take(vmf_vm *vm, vmf_snapshot **out)
{
    if (!vm || !out)
        return VMF_EINVAL;
    *out = NULL;
    for (unsigned i = 0; i < vm->num_vcpus; i++)
        if (vm->vcpus[i]->impl->fault_pending)
            return VMF_ESTATE;
    struct memmap *m = &vm->impl->map;
    vmf_snapshot *s = calloc(1, sizeof(*s));
    if (!s)
        return VMF_ENOMEM;
    s->vm = vm;
    s->map_gen = m->gen;
    s->ncpus = vm->num_vcpus;
    memcpy(s->irq_levels, vm->impl->irq_levels, sizeof(s->irq_levels));
    s->nchunks = m->nchunks;
    s->chunks = calloc(m->nchunks ? m->nchunks : 1, sizeof(*s->chunks));
    s->bytes = calloc(m->nchunks ? m->nchunks : 1, sizeof(*s->bytes));
    if (!s->chunks || !s->bytes)
        goto nomem;
    for (size_t i = 0; i < m->nchunks; i++) {
        s->chunks[i] = m->chunks[i];
        s->bytes[i] = malloc(m->chunks[i].size);
        if (!s->bytes[i])
            goto nomem;
        memcpy(s->bytes[i], m->chunks[i].host, m->chunks[i].size);
        s->ram_bytes += m->chunks[i].size;
    }
    for (unsigned i = 0; i < s->ncpus; i++) {
        struct vmf_vcpu_impl *v = vm->vcpus[i]->impl;
        if (uc_context_alloc(v->uc, &s->cpu[i].ctx) != UC_ERR_OK ||
            uc_context_save(v->uc, s->cpu[i].ctx) != UC_ERR_OK) {
            vmf_snapshot_free(s);
            return VMF_EUNICORN;
        }
        s->cpu[i].icount = v->icount;
        s->cpu[i].rng = v->rng;
        memcpy(s->cpu[i].timer, v->timer, sizeof(v->timer));
        s->cpu[i].irq_in = v->irq_in;
        s->cpu[i].fiq_in = v->fiq_in;
        s->cpu[i].online = vm->vcpus[i]->vcpu_online;
        if (v->x86 && v->x86->nmsrs) {
            s->cpu[i].msrs = malloc(v->x86->nmsrs * sizeof(*v->x86->msrs));
            if (!s->cpu[i].msrs)
                goto nomem;
            memcpy(s->cpu[i].msrs, v->x86->msrs, v->x86->nmsrs * sizeof(*v->x86->msrs));
            s->cpu[i].nmsrs = v->x86->nmsrs;
        }
    }
    *out = s;
    return VMF_OK;
nomem:
    vmf_snapshot_free(s);
    return VMF_ENOMEM;
}

int vmf_snapshot_restore(vmf_vm *vm, const vmf_snapshot *s)
{
    if (!vm || !s || s->vm != vm)
        return VMF_EINVAL;
    struct memmap *m = &vm->impl->map;
    if (m->gen != s->map_gen || vm->num_vcpus != s->ncpus || m->nchunks != s->nchunks)
        return VMF_ESTATE;
    for (size_t i = 0; i < s->nchunks; i++) {
        const struct chunk *c = &m->chunks[i];
        for (uint64_t off = 0; off < c->size; off += VMF_PAGE_SIZE) {
            if (!memcmp(c->host + off, s->bytes[i] + off, VMF_PAGE_SIZE))
                continue;
            memcpy(c->host + off, s->bytes[i] + off, VMF_PAGE_SIZE);
            /* the page may hold code Unicorn translated from the newer bytes */
            for (unsigned j = 0; j < vm->num_vcpus; j++)
                uc_ctl_remove_cache(vm->vcpus[j]->impl->uc, c->base + off, c->base + off + VMF_PAGE_SIZE);
        }
    }
    for (unsigned i = 0; i < s->ncpus; i++) {
        struct vmf_vcpu_impl *v = vm->vcpus[i]->impl;
        if (v->x86) { /* first, the one step that can fail for want of memory */
            struct x86_vcpu *x = v->x86;
            if (s->cpu[i].nmsrs > x->msrcap) {
                struct x86_msr *p = realloc(x->msrs, s->cpu[i].nmsrs * sizeof(*p));
                if (!p)
                    return VMF_ENOMEM;
                x->msrs = p;
                x->msrcap = s->cpu[i].nmsrs;
            }
            if (s->cpu[i].nmsrs)
                memcpy(x->msrs, s->cpu[i].msrs, s->cpu[i].nmsrs * sizeof(*x->msrs));
            x->nmsrs = s->cpu[i].nmsrs;
            x->cur_valid = false;
        }
        if (uc_context_restore(v->uc, s->cpu[i].ctx) != UC_ERR_OK)
            return VMF_EUNICORN;
        v->icount = s->cpu[i].icount;
        v->rng = s->cpu[i].rng;
        memcpy(v->timer, s->cpu[i].timer, sizeof(v->timer));
        v->irq_in = s->cpu[i].irq_in;
        v->fiq_in = s->cpu[i].fiq_in;
        v->exc_streak = 0;
        vm->vcpus[i]->vcpu_online = s->cpu[i].online;
        v->fault_pending = false;
        v->fl.active = false;
        v->stop_requested = false;
        v->suspend_how = 0;
        v->excl_watch = false; /* a restore clears the exclusive monitor, like an exception return */
    }
    memcpy(vm->impl->irq_levels, s->irq_levels, sizeof(s->irq_levels));
    return VMF_OK;
}
