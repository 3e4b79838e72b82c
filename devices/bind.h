/* vmfault devices — attach a device model to a VM as a libsel4vm reservation.
 *
 * The binding is the bus: it checks the access size and alignment the model
 * declared (refused accesses stop the run with an error naming the device,
 * offset and size), calls the model through the libsel4vm fault API, and turns
 * VMF_DEV_STOP into vmf_vcpu_request_stop.  The model never sees a vCPU.
 */
#ifndef VMFAULT_DEVICES_BIND_H
#define VMFAULT_DEVICES_BIND_H

#include <sel4vm/guest_memory.h>

#include "devices/device.h"
#include "vmfault/vm.h"

struct vmf_device_binding {
    const vmf_device_ops *ops;
    void *dev;
    char name[32];
    uint64_t base, size;          /* ports: the first port and the number of ports */
    vm_memory_reservation_t *res; /* NULL for ports */
    bool stopped;                 /* the model asked the run to stop */
    char message[160];            /* "<name>: <reason>" for a stop or an error */
};

/* Reserve [base, base+size) and serve it with ops/dev.  `b` must outlive the VM. */
int vmf_device_attach(vmf_vm *vm, struct vmf_device_binding *b, const char *name, uint64_t base, uint64_t size,
                      const vmf_device_ops *ops, void *dev);

/* x86-64: serve the I/O ports [first, last] with ops/dev (vmf_x86_add_ports):
 * IN and OUT reach the model at offset port - first, with the same size and
 * alignment checks; a refused access, or one that runs past `last`, stops the
 * run with an error naming the device, port and size. */
int vmf_device_attach_ports(vmf_vm *vm, struct vmf_device_binding *b, const char *name, uint16_t first, uint16_t last,
                            const vmf_device_ops *ops, void *dev);

#endif
