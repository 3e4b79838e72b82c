/* vmfault — snapshot a VM and restore it in place.
 *
 * A snapshot holds every vCPU's register state, virtual time, timers,
 * interrupt inputs and power state, the bytes of all guest RAM (including
 * mapped reservations) and the interrupt line levels.
 * Restoring puts the same VM back exactly; a re-run then gives the same trace.
 * Device models keep their own state (devices/device.h snapshot/restore): the
 * runner snapshots them alongside.
 *
 * Restore copies only the RAM pages that changed and drops Unicorn's
 * translations of exactly those pages, so restoring a scenario-sized VM costs
 * microseconds — the loop a fuzzer runs.
 */
#ifndef VMFAULT_SNAPSHOT_H
#define VMFAULT_SNAPSHOT_H

#include "vmfault/vm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vmf_snapshot vmf_snapshot;

/* VMF_ESTATE when a fault is pending (complete or restart it first). */
int vmf_snapshot_take(vmf_vm *vm, vmf_snapshot **out);
/* VMF_ESTATE if the memory map or the vCPUs changed since the snapshot was
 * taken (mapping a reservation, adding RAM or a vCPU): restore needs the same
 * layout. */
int vmf_snapshot_restore(vmf_vm *vm, const vmf_snapshot *snap);
void vmf_snapshot_free(vmf_snapshot *snap);
/* Bytes of guest RAM the snapshot holds. */
size_t vmf_snapshot_ram_bytes(const vmf_snapshot *snap);

#ifdef __cplusplus
}
#endif

#endif
