/* libsel4vm's guest_vcpu_fault.h, as vmfault provides it.
 *
 * The current fault of a vCPU: what the guest touched and how.  Valid inside a
 * memory_fault_callback_fn, and after vmf_run returns an INST_EMUL exit.
 *
 * Data conventions (the same as libsel4vm on Arm, so handlers compute the same
 * values):
 *  - get_vcpu_fault_data: for a write, the value stored, in the low `size`
 *    bytes (upper bytes zero); for a read, what set_vcpu_fault_data stored.
 *  - get_vcpu_fault_data_mask: the width mask (0xff, 0xffff, 0xffffffff,
 *    ~0 for 8 bytes) shifted left by 8 * (address & 3), the byte lane of the
 *    address within its 32-bit word.
 *  - emulate_vcpu_fault(vcpu, o): o is the current value of the word that holds
 *    the address.  Read: returns (o & mask) >> lane.  Write: returns o with the
 *    written bytes merged in at their lane.
 *  - A read completes with the data last set by set_vcpu_fault_data (masked to
 *    the access width), extended into the destination register the way the
 *    architecture does.
 *
 * One instruction that moves more than 8 bytes (pairs, 16-byte SIMD) or whose
 * registers span several accesses arrives as one fault per access of at most
 * 8 bytes, in address order (vmf_vcpu_fault() tells which one).
 */
#ifndef SEL4VM_GUEST_VCPU_FAULT_H
#define SEL4VM_GUEST_VCPU_FAULT_H

#include <sel4vm/guest_vm.h>

#ifdef __cplusplus
extern "C" {
#endif

seL4_Word get_vcpu_fault_address(vm_vcpu_t *vcpu);
seL4_Word get_vcpu_fault_ip(vm_vcpu_t *vcpu);
seL4_Word get_vcpu_fault_data(vm_vcpu_t *vcpu);
seL4_Word get_vcpu_fault_data_mask(vm_vcpu_t *vcpu);
size_t get_vcpu_fault_size(vm_vcpu_t *vcpu);
bool is_vcpu_read_fault(vm_vcpu_t *vcpu);
int set_vcpu_fault_data(vm_vcpu_t *vcpu, seL4_Word data);
seL4_Word emulate_vcpu_fault(vm_vcpu_t *vcpu, seL4_Word data);
void advance_vcpu_fault(vm_vcpu_t *vcpu);
void restart_vcpu_fault(vm_vcpu_t *vcpu);

#ifdef __cplusplus
}
#endif

#endif
