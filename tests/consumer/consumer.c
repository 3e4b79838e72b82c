/* A libsel4vm-style handler built against the installed headers and library. */
#include <sel4vm/guest_memory.h>
#include <sel4vm/guest_vcpu_fault.h>
#include <stdio.h>
#include <vmfault/vmfault.h>

static memory_fault_result_t answer(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)vm;
    (void)paddr;
    (void)len;
    (void)cookie;
    set_vcpu_fault_data(vcpu, 42);
    advance_vcpu_fault(vcpu);
    return FAULT_HANDLED;
}

int main(void)
{
    /* ldr w1, [x0] ; wfi */
    const unsigned char code[] = {0x01, 0x00, 0x40, 0xb9, 0x7f, 0x20, 0x03, 0xd5};
    vmf_vm *vm;
    vmf_vcpu *vcpu;
    vmf_exit ex;
    uint64_t x1 = 0;
    if (vmf_vm_create(VMF_ARCH_ARM64, "consumer", &vm) || vmf_vcpu_create(vm, &vcpu) ||
        vmf_ram_add(vm, 0x40000000, 0x1000, NULL) || vmf_mem_write(vm, 0x40000000, code, sizeof(code)) ||
        vmf_reg_write(vcpu, VMF_ARM64_PC, 0x40000000) || vmf_reg_write(vcpu, 0, 0x9000000) ||
        !vm_reserve_memory_at(vm, 0x9000000, 0x1000, answer, NULL) || vmf_run(vcpu, 10, &ex) ||
        ex.exitcode != VMF_EXIT_HLT || vmf_reg_read(vcpu, 1, &x1) || x1 != 42) {
        fprintf(stderr, "consumer: the installed vmfault did not run the guest\n");
        return 1;
    }
    vmf_vm_destroy(vm);
    puts("consumer: ok");
    return 0;
}
