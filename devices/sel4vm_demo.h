/* vmfault devices — the demo device: a one-page device whose handler uses
 * only the libsel4vm API.  `vmfault demo` runs it; scenarios reach it as
 * `model: handler, handler: demo-device`.
 *
 *   0x00 ID (reads "VMF1")   0x04..0x7f 32-bit registers (byte lanes merge)
 *   0x08 STATUS (0x80)       0x10 a 64-bit counter: 8-byte reads count up
 *   0x40 transmit: written bytes are collected in `uart`
 */
#ifndef VMFAULT_DEVICES_SEL4VM_DEMO_H
#define VMFAULT_DEVICES_SEL4VM_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include <sel4vm/guest_memory.h>

struct demo_dev {
    uint32_t regs[32]; /* 128 bytes of 32-bit registers */
    uint64_t counter;  /* at 0x10: 64-bit, counts reads */
    char uart[128];    /* bytes written to 0x40 */
    size_t uart_len;
};

void demo_dev_init(struct demo_dev *d);
memory_fault_result_t demo_dev_fault(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie);

#endif
