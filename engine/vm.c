/* vmfault engine — VM and vCPU lifecycle, registers, host access to RAM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int vm_fail(vm_t *vm, int status, const char *fmt, ...)
{
    if (vm && vm->impl) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(vm->impl->lasterr, sizeof(vm->impl->lasterr), fmt, ap);
        va_end(ap);
        vm->impl->laststatus = status;
    }
    return status;
}

void exit_error(vmf_exit *exit, int status, const char *fmt, ...)
{
    exit->exitcode = VMF_EXIT_ERROR;
    exit->u.error.status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(exit->u.error.message, sizeof(exit->u.error.message), fmt, ap);
    va_end(ap);
}

int vmf_vm_create(enum vmf_arch arch, const char *name, vmf_vm **out)
{
    if (!out)
        return VMF_EINVAL;
    *out = NULL;
    if (arch != VMF_ARCH_ARM64 && arch != VMF_ARCH_X86_64)
        return VMF_EUNSUPP;
    vmf_vm *vm = calloc(1, sizeof(*vm));
    struct vmf_vm_impl *impl = calloc(1, sizeof(*impl));
    if (!vm || !impl) {
        free(vm);
        free(impl);
        return VMF_ENOMEM;
    }
    impl->arch = arch;
    impl->default_path = VMF_PATH_FAST;
    snprintf(impl->name, sizeof(impl->name), "%s", name ? name : "vm");
    vm->impl = impl;
    vm->vm_name = impl->name;
    if (arch == VMF_ARCH_X86_64 && x86_vm_init(vm) != VMF_OK) {
        free(impl);
        free(vm);
        return VMF_ENOMEM;
    }
    *out = vm;
    return VMF_OK;
}

void vmf_vm_destroy(vmf_vm *vm)
{
    if (!vm)
        return;
    for (unsigned i = 0; i < vm->num_vcpus; i++) {
        vmf_vcpu *v = vm->vcpus[i];
        if (vm->impl->arch == VMF_ARCH_X86_64)
            x86_vcpu_fini(v);
        else
            arm64_vcpu_fini(v);
        for (size_t j = 0; j < v->impl->nmaps; j++)
            free(v->impl->maps[j].ctx);
        free(v->impl->maps);
        free(v->impl);
        free(v);
    }
    memmap_free(&vm->impl->map);
    x86_vm_fini(vm);
    free(vm->impl);
    free(vm);
}

int vmf_vcpu_create(vmf_vm *vm, vmf_vcpu **out)
{
    if (!vm || !out)
        return VMF_EINVAL;
    *out = NULL;
    if (vm->num_vcpus >= CONFIG_MAX_NUM_NODES)
        return VMF_EFULL;
    vmf_vcpu *v = calloc(1, sizeof(*v));
    struct vmf_vcpu_impl *impl = calloc(1, sizeof(*impl));
    if (!v || !impl) {
        free(v);
        free(impl);
        return VMF_ENOMEM;
    }
    v->vm = vm;
    v->vcpu_id = vm->num_vcpus;
    v->target_cpu = (int)v->vcpu_id;
    v->vcpu_online = true;
    v->impl = impl;
    impl->map_gen = UINT64_MAX; /* force the first sync */
    impl->map = &vm->impl->map;
    impl->limit = UINT64_MAX;
    impl->rng = 0x9e3779b97f4a7c15ull ^ v->vcpu_id; /* RNDR/RDRAND: fixed per vCPU */
    impl->bpt = VMF_BPT_NONE;
    impl->self = v;
    int st = vm->impl->arch == VMF_ARCH_X86_64 ? x86_vcpu_init(v) : arm64_vcpu_init(v);
    if (st) {
        free(impl);
        free(v);
        return st;
    }
    vm->vcpus[vm->num_vcpus++] = v;
    *out = v;
    return VMF_OK;
}

enum vmf_arch vmf_vm_arch(const vmf_vm *vm)
{
    return vm->impl->arch;
}

const char *vmf_vm_last_error(const vmf_vm *vm, int *status)
{
    if (status)
        *status = vm ? vm->impl->laststatus : VMF_EINVAL;
    return vm ? vm->impl->lasterr : "no VM";
}

int vmf_vm_set_default_path(vmf_vm *vm, enum vmf_path path)
{
    if (!vm || (path != VMF_PATH_FAST && path != VMF_PATH_EXIT))
        return VMF_EINVAL;
    vm->impl->default_path = (uint8_t)path;
    return VMF_OK;
}

int vmf_vm_set_defer_memory_map(vmf_vm *vm, bool defer)
{
    if (!vm)
        return VMF_EINVAL;
    vm->impl->defer_map = defer;
    return VMF_OK;
}

int vmf_vm_set_fault_observer(vmf_vm *vm, vmf_fault_observer_fn fn, void *cookie)
{
    if (!vm)
        return VMF_EINVAL;
    vm->impl->observer = fn;
    vm->impl->observer_cookie = cookie;
    return VMF_OK;
}

void vm_map_changed(vm_t *vm)
{
    /* A vCPU inside uc_emu_start must leave it before Unicorn's map changes. */
    for (unsigned i = 0; i < vm->num_vcpus; i++) {
        struct vmf_vcpu_impl *v = vm->vcpus[i]->impl;
        if (v->in_run) {
            if (v->stop == STOP_NONE)
                v->stop = STOP_MAP;
            uc_emu_stop(v->uc);
        }
    }
}

int vmf_ram_add(vmf_vm *vm, uint64_t base, uint64_t size, void *host)
{
    if (!vm)
        return VMF_EINVAL;
    int st = memmap_check_range(base, size);
    if (st)
        return st;
    struct region r = {.base = base, .size = size, .kind = REGION_RAM, .host = host};
    if (!host) {
        r.host = calloc(1, size);
        if (!r.host)
            return VMF_ENOMEM;
        r.owned = true;
    }
    st = memmap_insert(&vm->impl->map, &r);
    if (st) {
        if (r.owned)
            free(r.host);
        return st;
    }
    st = memmap_add_chunk(&vm->impl->map, base, size, r.host);
    if (!st && r.owned)
        st = memmap_own(&vm->impl->map, r.host);
    if (st) {
        memmap_remove_chunks(&vm->impl->map, base, size);
        memmap_remove(&vm->impl->map, base);
        if (r.owned)
            free(r.host);
        return st;
    }
    vm_map_changed(vm);
    return VMF_OK;
}

static int host_span(vmf_vm *vm, uint64_t gpa, size_t len, uint8_t **p)
{
    if (!vm || (!p) || len == 0)
        return VMF_EINVAL;
    *p = memmap_host(&vm->impl->map, gpa, len);
    return *p ? VMF_OK : VMF_ENOENT;
}

int vmf_mem_read(vmf_vm *vm, uint64_t gpa, void *buf, size_t len)
{
    uint8_t *p;
    if (!buf)
        return VMF_EINVAL;
    int st = host_span(vm, gpa, len, &p);
    if (!st)
        memcpy(buf, p, len);
    return st;
}

int vmf_mem_write(vmf_vm *vm, uint64_t gpa, const void *buf, size_t len)
{
    uint8_t *p;
    if (!buf)
        return VMF_EINVAL;
    int st = host_span(vm, gpa, len, &p);
    if (st)
        return st;
    memcpy(p, buf, len);
    /* Unicorn does not see host writes to code it already translated. */
    for (unsigned i = 0; i < vm->num_vcpus; i++)
        uc_ctl_remove_cache(vm->vcpus[i]->impl->uc, gpa, gpa + len);
    return VMF_OK;
}

static int check_vcpu(const vmf_vcpu *vcpu)
{
    return vcpu && vcpu->impl ? VMF_OK : VMF_EINVAL;
}

int vmf_reg_read(vmf_vcpu *vcpu, unsigned reg, uint64_t *value)
{
    if (check_vcpu(vcpu) || !value)
        return VMF_EINVAL;
    if (vcpu->vm->impl->arch == VMF_ARCH_X86_64)
        return x86_reg_read(vcpu, reg, value);
    return arm64_reg_read(vcpu, reg, value);
}

int vmf_reg_write(vmf_vcpu *vcpu, unsigned reg, uint64_t value)
{
    if (check_vcpu(vcpu))
        return VMF_EINVAL;
    if (vcpu->vm->impl->arch == VMF_ARCH_X86_64)
        return x86_reg_write(vcpu, reg, value);
    return arm64_reg_write(vcpu, reg, value);
}

int vmf_vreg_read(vmf_vcpu *vcpu, unsigned n, uint8_t value[16])
{
    if (check_vcpu(vcpu) || !value)
        return VMF_EINVAL;
    if (vcpu->vm->impl->arch == VMF_ARCH_X86_64)
        return x86_vreg_read(vcpu, n, value);
    return arm64_vreg_read(vcpu, n, value);
}

int vmf_vreg_write(vmf_vcpu *vcpu, unsigned n, const uint8_t value[16])
{
    if (check_vcpu(vcpu) || !value)
        return VMF_EINVAL;
    if (vcpu->vm->impl->arch == VMF_ARCH_X86_64)
        return x86_vreg_write(vcpu, n, value);
    return arm64_vreg_write(vcpu, n, value);
}

uint64_t vmf_vcpu_icount(const vmf_vcpu *vcpu)
{
    return vcpu ? vcpu->impl->icount : 0;
}

void vmf_vcpu_request_stop(vmf_vcpu *vcpu)
{
    if (!vcpu)
        return;
    vcpu->impl->stop_requested = true;
    if (vcpu->impl->in_run)
        vcpu->impl->limit = vcpu->impl->icount; /* the code hook stops at the next instruction */
}

int vmf_vcpu_request_suspend(vmf_vcpu *vcpu, int how)
{
    if (!vcpu || !vcpu->impl || how < VMF_SUSPEND_POWEROFF || how > VMF_SUSPEND_TRIPLE_FAULT)
        return VMF_EINVAL;
    vcpu->impl->suspend_how = (uint8_t)how;
    if (vcpu->impl->in_run)
        vcpu->impl->limit = vcpu->impl->icount; /* the code hook stops at the next instruction */
    return VMF_OK;
}

int vmf_vcpu_set_breakpoint(vmf_vcpu *vcpu, uint64_t pc)
{
    if (!vcpu || !vcpu->impl)
        return VMF_EINVAL;
    vcpu->impl->bpt = pc;
    return VMF_OK;
}

const char *vmf_exit_name(int exitcode)
{
    switch (exitcode) {
    case VMF_EXIT_BUDGET: return "BUDGET";
    case VMF_EXIT_INST_EMUL: return "INST_EMUL";
    case VMF_EXIT_PAGING: return "PAGING";
    case VMF_EXIT_HLT: return "HLT";
    case VMF_EXIT_EXCEPTION: return "EXCEPTION";
    case VMF_EXIT_ERROR: return "ERROR";
    case VMF_EXIT_STOP: return "STOP";
    case VMF_EXIT_BPT: return "BPT";
    case VMF_EXIT_SUSPENDED: return "SUSPENDED";
    case VMF_EXIT_INOUT: return "INOUT";
    case VMF_EXIT_RDMSR: return "RDMSR";
    case VMF_EXIT_WRMSR: return "WRMSR";
    case VMF_EXIT_CPUID: return "CPUID";
    case VMF_EXIT_VMCALL: return "VMCALL";
    case VMF_EXIT_INVD: return "INVD";
    default: return "UNKNOWN";
    }
}

const char *vmf_fault_result_name(int result)
{
    switch (result) {
    case VMF_RESULT_HANDLED: return "handled";
    case VMF_RESULT_UNHANDLED: return "unhandled";
    case VMF_RESULT_RESTART: return "restart";
    case VMF_RESULT_IGNORE: return "ignore";
    case VMF_RESULT_ERROR: return "error";
    default: return "none";
    }
}

int vmf_vm_set_irq_sink(vmf_vm *vm, vmf_irq_sink_fn fn, void *cookie)
{
    if (!vm)
        return VMF_EINVAL;
    vm->impl->irq_sink = fn;
    vm->impl->irq_cookie = cookie;
    return VMF_OK;
}

int vmf_irq_set(vmf_vm *vm, uint32_t line, bool level)
{
    if (!vm)
        return VMF_EINVAL;
    if (line >= VMF_IRQ_LINES)
        return VMF_ERANGE;
    uint64_t *w = &vm->impl->irq_levels[line / 64], bit = (uint64_t)1 << (line % 64);
    if (((*w & bit) != 0) == level)
        return VMF_OK;
    *w = level ? *w | bit : *w & ~bit;
    if (vm->impl->irq_sink)
        vm->impl->irq_sink(vm, line, level, vm->impl->irq_cookie);
    return VMF_OK;
}

bool vmf_irq_level(const vmf_vm *vm, uint32_t line)
{
    if (!vm || line >= VMF_IRQ_LINES)
        return false;
    return (vm->impl->irq_levels[line / 64] >> (line % 64)) & 1;
}
