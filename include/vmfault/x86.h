/* vmfault — the x86-64 backend: registers, exit dispatch, I/O ports, VMCALL,
 * CPUID and MSRs.
 *
 * An x86-64 vCPU runs in 64-bit long mode at CPL0 with flat segments and no
 * paging (guest-virtual = guest-physical).  MMIO uses the same reservations and
 * fault API as AArch64 (<sel4vm/guest_memory.h>, <sel4vm/guest_vcpu_fault.h>);
 * the fault's x86 field carries the decoded instruction.
 *
 * The instructions a VMX hypervisor intercepts — IN/OUT/INS/OUTS, CPUID,
 * RDMSR, WRMSR, VMCALL, HLT, INVD, WBINVD — stop the vCPU before they execute
 * and become an exit record shaped after bhyve's struct vm_exit (vm.h).  Each
 * goes first to the VM's handler for that exit code, as in Bareflank's exit
 * handler: a default per exit (below) that a caller can replace one by one.
 * A handler that returns VMF_X86_UNHANDLED makes vmf_run return the exit to
 * its caller, with RIP still on the instruction.
 *
 * RDTSC, RDTSCP and RDMSR of IA32_TSC read virtual time (retired
 * instructions); RDRAND and RDSEED return a fixed-seed sequence: no host state
 * reaches the guest.
 */
#ifndef VMFAULT_X86_H
#define VMFAULT_X86_H

#include <stdbool.h>
#include <stdint.h>

#include "vmfault/vm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Register numbers for vmf_reg_read / vmf_reg_write on an x86-64 vCPU (after
 * bhyve's vm_reg_name, those Unicorn has).  The general registers use the
 * encoding numbers of decode_x86.h.  XMM0-15 are vmf_vreg_read/write's 0..15.
 * Read only (VMF_EUNSUPP on write): CR0, CR3, CR4, CR8, EFER, the segment
 * selectors and descriptor tables (Unicorn cannot leave long mode or reload
 * segments safely from outside, and drops CR8 writes). */
enum vmf_x86_64_reg {
    VMF_X86_REG_RAX = 0,
    VMF_X86_REG_RCX,
    VMF_X86_REG_RDX,
    VMF_X86_REG_RBX,
    VMF_X86_REG_RSP,
    VMF_X86_REG_RBP,
    VMF_X86_REG_RSI,
    VMF_X86_REG_RDI,
    VMF_X86_REG_R8,
    VMF_X86_REG_R9,
    VMF_X86_REG_R10,
    VMF_X86_REG_R11,
    VMF_X86_REG_R12,
    VMF_X86_REG_R13,
    VMF_X86_REG_R14,
    VMF_X86_REG_R15,
    VMF_X86_REG_RIP = 16,
    VMF_X86_REG_RFLAGS = 17,
    VMF_X86_REG_CR0,
    VMF_X86_REG_CR2,
    VMF_X86_REG_CR3,
    VMF_X86_REG_CR4,
    VMF_X86_REG_CR8,
    VMF_X86_REG_EFER,
    VMF_X86_REG_CS,
    VMF_X86_REG_SS,
    VMF_X86_REG_DS,
    VMF_X86_REG_ES,
    VMF_X86_REG_FS,
    VMF_X86_REG_GS,
    VMF_X86_REG_FS_BASE,
    VMF_X86_REG_GS_BASE,
    VMF_X86_REG_GDTR_BASE,
    VMF_X86_REG_GDTR_LIMIT,
    VMF_X86_REG_IDTR_BASE,
    VMF_X86_REG_IDTR_LIMIT,
    VMF_X86_REG_LDTR,
    VMF_X86_REG_TR,
    VMF_X86_REG_DR0,
    VMF_X86_REG_DR1,
    VMF_X86_REG_DR2,
    VMF_X86_REG_DR3,
    VMF_X86_REG_DR6,
    VMF_X86_REG_DR7,
    VMF_X86_REG_COUNT
};

/* Name of a register ("rax", "rflags", "cr0", ...), NULL for a bad number. */
const char *vmf_x86_reg_name(unsigned reg);
/* Register number for a name (lower case), or -1. */
int vmf_x86_reg_by_name(const char *name);

/* Write a general register the way an x86 instruction with a `bytes`-wide
 * destination does: 1 and 2 merge into the low bits (high8: AH/CH/DH/BH),
 * 4 zero-extends to 64 bits, 8 replaces. */
int vmf_x86_write_gpr(vmf_vcpu *vcpu, unsigned reg, unsigned bytes, bool high8, uint64_t value);

/* ---- exit dispatch (Bareflank-style) ------------------------------------------------ */

enum vmf_x86_handler_result {
    VMF_X86_HANDLED = 0,   /* done: the run goes on (RIP stepped past unless the handler moved it) */
    VMF_X86_UNHANDLED = 1, /* leave vmf_run with this exit; RIP stays on the instruction */
    VMF_X86_ERROR = 2,     /* stop the run with an ERROR exit naming the exit and the handler */
};

/* A handler for one exit code (INOUT, RDMSR, WRMSR, CPUID, VMCALL, INVD,
 * HLT).  It may read and write registers and call vmf_x86_advance. */
typedef int (*vmf_x86_exit_handler_fn)(vmf_vcpu *vcpu, vmf_exit *exit, void *cookie);

/* Replace the handler of an exit code; NULL restores the default.
 * Defaults:
 *   INOUT  the I/O-port handler registered for the port (libsel4vm's
 *          vm_io_port_add_handler), else the unhandled-port callback, else
 *          UNHANDLED;
 *   CPUID  the VM's CPUID table (vmf_x86_set_cpuid; a leaf not in it reads 0);
 *   RDMSR  the VM's MSR store: a written or configured value, IA32_TSC from
 *          virtual time, FS/GS base and EFER from the CPU, else UNHANDLED;
 *   WRMSR  stores the value (FS/GS base go to the CPU; EFER and IA32_TSC are
 *          UNHANDLED);
 *   VMCALL the handler registered for RAX (vmf_x86_set_vmcall,
 *          vm_reg_new_vmcall_handler), else UNHANDLED;
 *   INVD   no-op (INVD and WBINVD);
 *   HLT    UNHANDLED: vmf_run returns HLT with RIP past the HLT (RFLAGS.IF=1),
 *          or SUSPENDED/HALT (IF=0: nothing can wake the vCPU).
 * The "unimplemented" path: an UNHANDLED result leaves vmf_run with the exit
 * record, so the caller sees what and where. */
int vmf_x86_set_exit_handler(vmf_vm *vm, int exitcode, vmf_x86_exit_handler_fn fn, void *cookie);
/* The default handler of exit->exitcode, for an override that adds to it. */
int vmf_x86_default_handler(vmf_vcpu *vcpu, vmf_exit *exit);

/* Complete the instruction of the exit being handled (or of the exit vmf_run
 * last returned) by stepping RIP past it.  For INS/OUTS it completes one
 * element: RSI or RDI moves (by DF), RCX counts down with REP, and RIP stays
 * on the instruction while elements remain (an INS element stores nothing:
 * use vmf_x86_complete_in to supply its value).  VMF_ESTATE when there is
 * no such exit. */
int vmf_x86_advance(vmf_vcpu *vcpu);

/* Complete an IN or INS exit with the value read from the port (the
 * instruction's width of it) and step past the instruction: IN writes
 * AL/AX/EAX, INS stores the element at RDI and moves RDI (and RCX with REP). */
int vmf_x86_complete_in(vmf_vcpu *vcpu, uint32_t value);

/* ---- CPUID, MSRs, VMCALL ------------------------------------------------------------- */

/* Set what CPUID returns for a leaf (subleaf VMF_X86_ANY_SUBLEAF: every
 * subleaf without an entry of its own).  A new VM has leaf 0 (max basic leaf
 * 1, vendor "vmfaultVMFLT"), leaf 1 (family 6, hypervisor bit), and leaf
 * 0x40000000 (hypervisor vendor "vmfault     "). */
#define VMF_X86_ANY_SUBLEAF UINT32_MAX
int vmf_x86_set_cpuid(vmf_vm *vm, uint32_t leaf, uint32_t subleaf, const uint32_t regs[4]);
/* What the table holds for leaf/subleaf (zeros when nothing), as CPUID reads it. */
void vmf_x86_cpuid_lookup(const vmf_vm *vm, uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);

/* The MSR store, per vCPU (MSRs are per logical processor). */
int vmf_x86_msr_set(vmf_vcpu *vcpu, uint32_t msr, uint64_t value);
/* VMF_ENOENT for an MSR never set or written (and not one the CPU holds). */
int vmf_x86_msr_get(vmf_vcpu *vcpu, uint32_t msr, uint64_t *value);

/* A VMCALL handler for the call number in RAX: args are RBX, RCX, RDX, RSI;
 * *result goes to RAX when it returns 0.  A nonzero return stops the run with
 * an ERROR exit. */
typedef int (*vmf_x86_vmcall_fn)(vmf_vcpu *vcpu, uint64_t nr, const uint64_t args[4], uint64_t *result, void *cookie);
int vmf_x86_set_vmcall(vmf_vm *vm, uint64_t nr, vmf_x86_vmcall_fn fn, void *cookie);

/* ---- I/O ports ------------------------------------------------------------------------- */

/* A port range [first, last] with read and write callbacks (either may be
 * NULL: that direction is unhandled).  Results are enum vmf_x86_handler_result. */
typedef int (*vmf_x86_port_in_fn)(vmf_vcpu *vcpu, uint16_t port, unsigned bytes, uint32_t *value, void *cookie);
typedef int (*vmf_x86_port_out_fn)(vmf_vcpu *vcpu, uint16_t port, unsigned bytes, uint32_t value, void *cookie);
/* VMF_EBUSY when the range overlaps one already registered. */
int vmf_x86_add_ports(vmf_vm *vm, uint16_t first, uint16_t last, vmf_x86_port_in_fn in, vmf_x86_port_out_fn out,
                      void *cookie, const char *name);
/* Name of the range holding port, or NULL. */
const char *vmf_x86_port_owner(const vmf_vm *vm, uint16_t port);

/* Observer of every exit the dispatcher handled or returned (for traces and
 * --explain), called after the handler with its result. */
typedef void (*vmf_x86_exit_observer_fn)(vmf_vcpu *vcpu, const vmf_exit *exit, int result, void *cookie);
int vmf_x86_set_exit_observer(vmf_vm *vm, vmf_x86_exit_observer_fn fn, void *cookie);

#ifdef __cplusplus
}
#endif

#endif
