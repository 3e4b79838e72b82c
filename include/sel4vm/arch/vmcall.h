/* libsel4vm's x86 VMCALL interface (sel4vm/arch/vmcall.h), over vmfault.
 * The handler registered for a token runs when the guest executes VMCALL
 * with that value in EAX; it returns 0 on success (the run goes on past the
 * VMCALL), anything else stops the run with an ERROR exit. */
#ifndef SEL4VM_ARCH_VMCALL_H
#define SEL4VM_ARCH_VMCALL_H

#include <sel4vm/guest_vm.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int (*vmcall_handler)(vm_vcpu_t *vcpu);

/* 0, or -1 (not an x86-64 VM, no function, or the token is taken). */
int vm_reg_new_vmcall_handler(vm_t *vm, vmcall_handler func, int token);

#ifdef __cplusplus
}
#endif

#endif
