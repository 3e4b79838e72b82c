/* libsel4vm's x86 vCPU context accessors (sel4vm/arch/guest_x86_context.h),
 * over vmfault.  The registers are the 64-bit ones of an x86-64 vCPU. */
#ifndef SEL4VM_ARCH_GUEST_X86_CONTEXT_H
#define SEL4VM_ARCH_GUEST_X86_CONTEXT_H

#include <sel4vm/guest_vm.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vcpu_context_reg {
    VCPU_CONTEXT_EAX = 0,
    VCPU_CONTEXT_EBX,
    VCPU_CONTEXT_ECX,
    VCPU_CONTEXT_EDX,
    VCPU_CONTEXT_ESI,
    VCPU_CONTEXT_EDI,
    VCPU_CONTEXT_EBP,
} vcpu_context_reg_t;

/* 0, or -1 for a bad register or a vCPU that is not x86-64. */
int vm_get_thread_context_reg(vm_vcpu_t *vcpu, vcpu_context_reg_t reg, seL4_Word *value);
int vm_set_thread_context_reg(vm_vcpu_t *vcpu, vcpu_context_reg_t reg, seL4_Word value);

#ifdef __cplusplus
}
#endif

#endif
