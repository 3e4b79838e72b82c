/* vmfault devices — the demo device, written against the libsel4vm API only.
 *
 * This file includes nothing from vmfault: it is what a device handler for an
 * seL4 VMM looks like, and it compiles here unmodified. */
#include <string.h>

#include <sel4vm/guest_memory.h>
#include <sel4vm/guest_vcpu_fault.h>

#include "devices/sel4vm_demo.h"

memory_fault_result_t demo_dev_fault(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)vm;
    struct demo_dev *d = cookie;
    uintptr_t off = paddr & 0xfff;                             /* a one-page device, wherever it is reserved */
    if (off == 0x10 && len == 8 && is_vcpu_read_fault(vcpu)) { /* the 64-bit counter */
        set_vcpu_fault_data(vcpu, d->counter++);
    } else if (off == 0x40 && !is_vcpu_read_fault(vcpu)) { /* UART transmit */
        if (d->uart_len + 1 < sizeof(d->uart))
            d->uart[d->uart_len++] = (char)(get_vcpu_fault_data(vcpu) & 0xff);
    } else if (off + len <= sizeof(d->regs)) {
        uint32_t *reg = &d->regs[off / 4];
        if (is_vcpu_read_fault(vcpu))
            set_vcpu_fault_data(vcpu, emulate_vcpu_fault(vcpu, *reg));
        else
            *reg = (uint32_t)emulate_vcpu_fault(vcpu, *reg);
    } else {
        return FAULT_ERROR;
    }
    advance_vcpu_fault(vcpu);
    return FAULT_HANDLED;
}

void demo_dev_init(struct demo_dev *d)
{
    memset(d, 0, sizeof(*d));
    d->regs[0] = 0x564d4631; /* ID "VMF1" */
    d->regs[2] = 0x80;       /* STATUS: top bit set, to show sign extension */
    d->regs[6] = 0x11111111;
    d->regs[7] = 0x22222222;
    d->regs[12] = 0xc0ffee;
    d->counter = 0x0123456789abcdefull;
}
