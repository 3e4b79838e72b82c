/* libsel4vm's guest_memory.h, as vmfault provides it.
 *
 * Guest-physical memory is RAM plus reservations.  A reservation is a range
 * whose accesses fault to a callback (an emulated device) until it is mapped;
 * mapping backs it with frames and turns it into RAM.
 *
 * vmfault runs on a host, so a frame capability is the host address of the
 * frame's bytes: a seL4_CPtr holds a pointer to 2^size_bits bytes that stay
 * valid while the frame is mapped.  seL4_CapNull (0) is failure, as in seL4.
 * vmf_anon_frame_iterator (vmfault/memory.h) hands out zeroed frames the VM
 * owns, which is what most users of vm_map_reservation want.
 *
 * Differences from libsel4vm, all on the strict side:
 *  - reservations are page granular (4 KiB base and size): VMF_EALIGN otherwise;
 *  - an access that straddles the end of a reservation is refused and reported,
 *    never handed to the callback as if it fitted;
 *  - the callback's result must be one of the five below: anything else stops
 *    the run with an error naming the reservation.
 */
#ifndef SEL4VM_GUEST_MEMORY_H
#define SEL4VM_GUEST_MEMORY_H

#include <sel4vm/guest_vm.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum memory_fault_result {
    FAULT_HANDLED,   /* the handler completed the access (and called advance_vcpu_fault) */
    FAULT_UNHANDLED, /* not for this handler: the fault leaves vmf_run as an exit */
    FAULT_RESTART,   /* re-execute the faulting instruction */
    FAULT_IGNORE,    /* complete the instruction with no data (reads return 0) */
    FAULT_ERROR      /* the handler failed: the run stops with an error */
} memory_fault_result_t;

typedef struct vm_frame {
    seL4_CPtr cptr;          /* the frame: host address of its bytes in vmfault */
    seL4_CapRights_t rights; /* mapping rights (recorded; guest RAM is always RWX here) */
    uintptr_t vaddr;         /* guest-physical address the frame maps at */
    size_t size_bits;        /* log2 of the frame size, at least 12 */
} vm_frame_t;

typedef struct vm_memory_reservation vm_memory_reservation_t;

typedef memory_fault_result_t (*memory_fault_callback_fn)(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len,
                                                          void *cookie);
typedef vm_frame_t (*memory_map_iterator_fn)(uintptr_t addr, void *cookie);

/* Initialise the VM's memory interface.  vmf_vm_create already does it; a
 * second call is harmless.  -1 on failure, 0 on success. */
int vm_memory_init(vm_t *vm);

/* Reserve [addr, addr + bytes) for fault_callback.  NULL on failure; the
 * reason is available from vmf_vm_last_error(vm). */
vm_memory_reservation_t *vm_reserve_memory_at(vm_t *vm, uintptr_t addr, size_t bytes,
                                              memory_fault_callback_fn fault_callback, void *cookie);

/* Declare [addr, addr + size) as the pool vm_reserve_anon_memory allocates from. */
int vm_memory_make_anon(vm_t *vm, uintptr_t addr, size_t size);

/* Reserve `bytes` at the lowest `align`-aligned free address of the anon pool. */
vm_memory_reservation_t *vm_reserve_anon_memory(vm_t *vm, size_t bytes, size_t align,
                                                memory_fault_callback_fn fault_callback, void *cookie, uintptr_t *addr);

/* Remove a reservation (and its mapping).  -1 on failure, 0 on success. */
int vm_free_reserved_memory(vm_t *vm, vm_memory_reservation_t *reservation);

/* Back the reservation with frames from map_iterator.  Mapped at once, or on
 * the first access when the VM defers mapping (vmf_vm_set_defer_memory_map),
 * in which case the faulting instruction is restarted after the mapping. */
int vm_map_reservation(vm_t *vm, vm_memory_reservation_t *reservation, memory_map_iterator_fn map_iterator,
                       void *cookie);

/* Back the reservation with num_frames frames of 2^frame_size_bits bytes, in
 * address order from the reservation's base (frames[i] is a host pointer). */
int vm_map_reservation_frames(vm_t *vm, vm_memory_reservation_t *reservation, seL4_CPtr *frames, size_t num_frames,
                              size_t frame_size_bits);

void vm_get_reservation_memory_region(vm_memory_reservation_t *reservation, uintptr_t *addr, size_t *size);

#ifdef __cplusplus
}
#endif

#endif
