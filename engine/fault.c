/* vmfault engine — libsel4vm's guest_vcpu_fault.h and the dispatch of one
 * access to its reservation's handler (steps 3-5 of the fault life cycle). */
#include <stdio.h>
#include <string.h>

#include <sel4vm/guest_vcpu_fault.h>

#include "internal.h"

static uint64_t width_mask(unsigned size)
{
    return size >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * size)) - 1);
}

void vcpu_error(vmf_vcpu *vcpu, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(vcpu->impl->errmsg, sizeof(vcpu->impl->errmsg), fmt, ap);
    va_end(ap);
    vcpu->impl->errstatus = status;
}

/* The pending fault of a vCPU, or NULL (every accessor is a no-op then). */
static vmf_fault *pending(vm_vcpu_t *vcpu)
{
    if (!vcpu || !vcpu->impl || !vcpu->impl->fault_pending)
        return NULL;
    return &vcpu->impl->fault;
}

const vmf_fault *vmf_vcpu_fault(const vmf_vcpu *vcpu)
{
    return vcpu && vcpu->impl && vcpu->impl->fault_pending ? &vcpu->impl->fault : NULL;
}

seL4_Word get_vcpu_fault_address(vm_vcpu_t *vcpu)
{
    vmf_fault *f = pending(vcpu);
    return f ? f->addr : 0;
}

seL4_Word get_vcpu_fault_ip(vm_vcpu_t *vcpu)
{
    vmf_fault *f = pending(vcpu);
    return f ? f->pc : 0;
}

seL4_Word get_vcpu_fault_data(vm_vcpu_t *vcpu)
{
    vmf_fault *f = pending(vcpu);
    return f ? f->data : 0;
}

size_t get_vcpu_fault_size(vm_vcpu_t *vcpu)
{
    vmf_fault *f = pending(vcpu);
    return f ? f->size : 0;
}

bool is_vcpu_read_fault(vm_vcpu_t *vcpu)
{
    vmf_fault *f = pending(vcpu);
    return f && f->access == VMF_ACCESS_READ;
}

seL4_Word get_vcpu_fault_data_mask(vm_vcpu_t *vcpu)
{
    vmf_fault *f = pending(vcpu);
    if (!f)
        return 0;
    return width_mask(f->size) << (8 * (f->addr & 3));
}

int set_vcpu_fault_data(vm_vcpu_t *vcpu, seL4_Word data)
{
    vmf_fault *f = pending(vcpu);
    if (!f)
        return -1;
    f->data = data;
    vcpu->impl->fault_data_set = true;
    return 0;
}

seL4_Word emulate_vcpu_fault(vm_vcpu_t *vcpu, seL4_Word o)
{
    vmf_fault *f = pending(vcpu);
    if (!f)
        return o;
    unsigned s = 8 * (unsigned)(f->addr & 3);
    seL4_Word m = get_vcpu_fault_data_mask(vcpu);
    if (f->access == VMF_ACCESS_READ)
        return (o & m) >> s;
    return (o & ~m) | ((f->data << s) & m);
}

void advance_vcpu_fault(vm_vcpu_t *vcpu)
{
    if (pending(vcpu))
        vcpu->impl->fault_advanced = true;
}

void restart_vcpu_fault(vm_vcpu_t *vcpu)
{
    if (pending(vcpu))
        vcpu->impl->fault_restarted = true;
}

static void observe(vmf_vcpu *vcpu)
{
    struct vmf_vm_impl *vi = vcpu->vm->impl;
    if (vi->observer)
        vi->observer(vcpu, &vcpu->impl->fault, vi->observer_cookie);
}

/* Finish a beat from the state the fault API left: shared by the handler
 * return and by a caller completing an INST_EMUL exit. */
int fault_resolve(vmf_vcpu *vcpu, struct beat *b, int result)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    vmf_fault *f = &v->fault;
    switch (result) {
    case FAULT_HANDLED:
        if (v->fault_restarted) {
            f->result = VMF_RESULT_RESTART;
            break;
        }
        if (!v->fault_advanced) {
            f->result = VMF_RESULT_ERROR;
            vcpu_error(vcpu, VMF_EHANDLER,
                       "handler of %s returned FAULT_HANDLED for the %s of %u bytes at 0x%llx (pc 0x%llx) "
                       "without calling advance_vcpu_fault or restart_vcpu_fault",
                       vmf_reservation_name(f->reservation), f->access == VMF_ACCESS_READ ? "read" : "write", f->size,
                       (unsigned long long)f->addr, (unsigned long long)f->pc);
            break;
        }
        f->result = VMF_RESULT_HANDLED;
        break;
    case FAULT_IGNORE:
        if (f->access == VMF_ACCESS_READ)
            f->data = 0;
        f->result = VMF_RESULT_IGNORE;
        break;
    case FAULT_RESTART: f->result = VMF_RESULT_RESTART; break;
    case FAULT_UNHANDLED: f->result = VMF_RESULT_UNHANDLED; break;
    case FAULT_ERROR:
        f->result = VMF_RESULT_ERROR;
        vcpu_error(vcpu, VMF_EHANDLER,
                   "handler of %s returned FAULT_ERROR for the %s of %u bytes at 0x%llx (pc 0x%llx)",
                   vmf_reservation_name(f->reservation), f->access == VMF_ACCESS_READ ? "read" : "write", f->size,
                   (unsigned long long)f->addr, (unsigned long long)f->pc);
        break;
    default:
        f->result = VMF_RESULT_ERROR;
        vcpu_error(vcpu, VMF_EHANDLER,
                   "handler of %s returned %d, which is not a memory_fault_result_t (access at 0x%llx, pc 0x%llx)",
                   vmf_reservation_name(f->reservation), result, (unsigned long long)f->addr,
                   (unsigned long long)f->pc);
        break;
    }
    if (f->access == VMF_ACCESS_READ)
        f->data &= width_mask(f->size);
    observe(vcpu);
    switch (f->result) {
    case VMF_RESULT_HANDLED:
    case VMF_RESULT_IGNORE:
        if (f->access == VMF_ACCESS_READ)
            b->data = f->data;
        b->done = true;
        v->fault_pending = false;
        return DISPATCH_DONE;
    case VMF_RESULT_RESTART: v->fault_pending = false; return DISPATCH_RESTART;
    case VMF_RESULT_UNHANDLED:
        v->fault_advanced = v->fault_restarted = false; /* the caller decides anew */
        return DISPATCH_UNHANDLED;
    default: v->fault_pending = false; return DISPATCH_ERROR;
    }
}

int fault_dispatch(vmf_vcpu *vcpu, vm_memory_reservation_t *res, struct beat *b, uint8_t path)
{
    struct vmf_vcpu_impl *v = vcpu->impl;
    const struct inflight *fl = &v->fl;
    vmf_fault *f = &v->fault;
    memset(f, 0, sizeof(*f));
    f->addr = b->addr;
    f->pc = fl->pc;
    f->icount = fl->icount;
    f->size = b->size;
    if (b->dir)
        f->access = b->dir;
    else
        f->access = fl->acc.access == VMF_ACCESS_WRITE ? VMF_ACCESS_WRITE : VMF_ACCESS_READ;
    f->data = f->access == VMF_ACCESS_WRITE ? b->data : 0;
    f->part = (uint8_t)(b - fl->beats);
    f->parts = fl->nbeats;
    f->path = path;
    f->insn_word = fl->word;
    f->reservation = res;
    if (vcpu->vm->impl->arch == VMF_ARCH_X86_64) {
        f->x86 = fl->xacc;
        memcpy(f->insn_bytes, fl->xbytes, sizeof(f->insn_bytes));
        f->ept_qual = (f->access == VMF_ACCESS_WRITE ? 0x2u : 0x1u) | 0x80u | 0x100u;
    } else {
        f->insn = fl->acc;
    }
    v->fault_pending = true;
    v->fault_advanced = v->fault_restarted = v->fault_data_set = false;

    if (res->map_iterator) {
        /* libsel4vm's deferred mapping: back the reservation now, run the instruction again on RAM. */
        int st = reservation_map_deferred(vcpu->vm, res);
        if (st) {
            v->fault_pending = false;
            vcpu_error(vcpu, st, "lazy mapping of %s at 0x%llx failed: %s", res->name, (unsigned long long)b->addr,
                       vcpu->vm->impl->lasterr);
            return DISPATCH_ERROR;
        }
        f->result = VMF_RESULT_RESTART;
        observe(vcpu);
        v->fault_pending = false;
        return DISPATCH_RESTART;
    }
    int result =
        res->callback ? (int)res->callback(vcpu->vm, vcpu, (uintptr_t)b->addr, b->size, res->cookie) : FAULT_UNHANDLED;
    return fault_resolve(vcpu, b, result);
}
