/* vmfault — the full record of a vCPU's current fault.
 *
 * The libsel4vm accessors (<sel4vm/guest_vcpu_fault.h>) give the classic view;
 * this gives all of it, including what the decoder worked out, for explain
 * output, traces and tests.
 */
#ifndef VMFAULT_FAULT_H
#define VMFAULT_FAULT_H

#include <sel4vm/guest_memory.h>

#include "vmfault/vm.h"

#ifdef __cplusplus
extern "C" {
#endif

enum vmf_fault_result {
    VMF_RESULT_NONE = 0,
    VMF_RESULT_HANDLED,
    VMF_RESULT_UNHANDLED,
    VMF_RESULT_RESTART,
    VMF_RESULT_IGNORE,
    VMF_RESULT_ERROR,
};

typedef struct vmf_fault {
    uint64_t addr;      /* guest-physical address of this access */
    uint64_t pc;        /* the faulting instruction */
    uint64_t icount;    /* virtual time when it faulted */
    uint64_t data;      /* write: value stored; read: value supplied so far */
    uint8_t size;       /* bytes: 1, 2, 4 or 8 */
    uint8_t access;     /* VMF_ACCESS_READ or VMF_ACCESS_WRITE */
    uint8_t part;       /* index of this access within the instruction (0-based) */
    uint8_t parts;      /* accesses the instruction makes to reservations and RAM */
    uint8_t path;       /* enum vmf_path the fault arrived on */
    uint8_t result;     /* enum vmf_fault_result, once the handler returned */
    uint32_t insn_word; /* the instruction (AArch64; x86-64: its first 4 bytes, little-endian) */
    vm_memory_reservation_t *reservation;
    vmf_arm64_access insn;  /* decoded instruction (AArch64; always filled by the engine) */
    vmf_x86_access x86;     /* decoded instruction (x86-64; always filled by the engine) */
    uint8_t insn_bytes[15]; /* x86-64: the instruction's bytes (x86.length of them) */
    /* x86-64: the exit qualification of the EPT violation (SDM "Exit Qualification for EPT
     * Violations"): bit 0 data read, 1 data write, 2 instruction fetch, 3-5 the GPA's
     * permissions (0: not mapped at all), 7 a guest linear address is valid, 8 the access
     * was to that linear address (not a page walk) — 0x181 for an MMIO read, 0x182 a write. */
    uint32_t ept_qual;
} vmf_fault;

/* The vCPU's current fault, or NULL when none is pending. */
const vmf_fault *vmf_vcpu_fault(const vmf_vcpu *vcpu);

/* Observer of every completed fault, for printing and tracing: called after
 * the handler returned and the result is known (fault->result set). */
typedef void (*vmf_fault_observer_fn)(vmf_vcpu *vcpu, const vmf_fault *fault, void *cookie);
int vmf_vm_set_fault_observer(vmf_vm *vm, vmf_fault_observer_fn fn, void *cookie);

const char *vmf_fault_result_name(int result);

#ifdef __cplusplus
}
#endif

#endif
