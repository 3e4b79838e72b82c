/* libsel4vm's x86 I/O-port interface (sel4vm/arch/ioports.h), over vmfault.
 *
 * A range registered here serves IN/OUT/INS/OUTS to its ports through the
 * x86 backend's INOUT exit handler (<vmfault/x86.h>).  As in libsel4vm, an
 * IN that a handler leaves unhandled reads all ones and an OUT is dropped;
 * ports no range covers go to the unhandled-ioport callback, or without one
 * leave vmf_run as an INOUT exit. */
#ifndef SEL4VM_ARCH_IOPORTS_H
#define SEL4VM_ARCH_IOPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sel4vm/guest_vm.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ioport_fault_result { IO_FAULT_HANDLED, IO_FAULT_UNHANDLED, IO_FAULT_ERROR } ioport_fault_result_t;

typedef ioport_fault_result_t (*vm_ioport_in_fn)(void *cookie, unsigned int port_no, unsigned int size,
                                                 unsigned int *result);
typedef ioport_fault_result_t (*vm_ioport_out_fn)(void *cookie, unsigned int port_no, unsigned int size,
                                                  unsigned int value);
typedef ioport_fault_result_t (*unhandled_ioport_callback_fn)(vm_t *vm, unsigned int port_no, bool is_in,
                                                              unsigned int *value, size_t size, void *cookie);

/* Ports start..end, both included. */
typedef struct vm_ioport_range {
    uint16_t start;
    uint16_t end;
} vm_ioport_range_t;

typedef struct vm_ioport_interface {
    void *cookie;
    vm_ioport_in_fn port_in;
    vm_ioport_out_fn port_out;
    const char *desc;
} vm_ioport_interface_t;

/* 0, or -1 for a bad VM (not x86-64) or a range overlapping one registered. */
int vm_io_port_add_handler(vm_t *vm, vm_ioport_range_t ioport_range, vm_ioport_interface_t ioport_interface);
int vm_register_unhandled_ioport_callback(vm_t *vm, unhandled_ioport_callback_fn ioport_callback, void *cookie);

#ifdef __cplusplus
}
#endif

#endif
