/* vmfault — the guest-physical memory map, natively.
 *
 * The map is a sorted set of non-overlapping regions: RAM, and reservations
 * (the libsel4vm ones, see <sel4vm/guest_memory.h>).  All ranges are page
 * granular (4 KiB), like stage-2 translation.  Every range is checked for a
 * zero size (VMF_ESIZE), misalignment (VMF_EALIGN), wrap-around past 2^64
 * (VMF_ERANGE) and overlap (VMF_EOVERLAP) before anything changes.
 */
#ifndef VMFAULT_MEMORY_H
#define VMFAULT_MEMORY_H

#include <sel4vm/guest_memory.h>

#include "vmfault/vm.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VMF_PAGE_SIZE 4096u

/* Add RAM at [base, base + size).  host == NULL: the VM allocates zeroed
 * memory it owns; otherwise host points to `size` bytes the caller keeps
 * alive for the VM's lifetime. */
int vmf_ram_add(vmf_vm *vm, uint64_t base, uint64_t size, void *host);

/* Copy between guest-physical RAM and the host.  Ranges must lie in RAM
 * (VMF_ENOENT otherwise); reservations are never touched. */
int vmf_mem_read(vmf_vm *vm, uint64_t gpa, void *buf, size_t len);
int vmf_mem_write(vmf_vm *vm, uint64_t gpa, const void *buf, size_t len);

/* Choose the trap path of one reservation (before or between runs). */
int vmf_reservation_set_path(vmf_vm *vm, vm_memory_reservation_t *res, enum vmf_path path);
/* A name for traces and error messages ("uart0"); copied. */
int vmf_reservation_set_name(vm_memory_reservation_t *res, const char *name);
const char *vmf_reservation_name(const vm_memory_reservation_t *res);
/* Whether the reservation is backed by frames (i.e. is RAM now). */
bool vmf_reservation_is_mapped(const vm_memory_reservation_t *res);

/* A memory_map_iterator_fn handing out zeroed 4 KiB frames that the VM owns
 * and frees on vmf_vm_destroy.  Pass the vm as the cookie. */
vm_frame_t vmf_anon_frame_iterator(uintptr_t addr, void *cookie);

#ifdef __cplusplus
}
#endif

#endif
