/* vmfault devices — a device model served as a libsel4vm reservation (see bind.h).
 *
 * This file is the bus between a vCPU and a model.  It uses only the
 * libsel4vm fault API, exactly as a handler written for seL4 would:
 *   offset = get_vcpu_fault_address - base;
 *   read:  ops->read  -> set_vcpu_fault_data      -> advance_vcpu_fault
 *   write: get_vcpu_fault_data -> ops->write      -> advance_vcpu_fault
 * and it refuses the access sizes and alignments the model did not declare,
 * as QEMU's memory core does with MemoryRegionOps.valid, so no model
 * re-checks them.  On x86-64 the same models sit on the I/O-port bus: the
 * backend's INOUT exit handler calls port_in / port_out below.
 */
#include "devices/bind.h"

#include <sel4vm/guest_vcpu_fault.h>
#include <stdio.h>
#include <string.h>

#include "vmfault/memory.h"
#include "vmfault/x86.h"

/* "1, 2, 4" from the size bit set. */
static void sizes_text(uint8_t sizes, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
    for (unsigned b = 1; b <= 8; b <<= 1) {
        if (!(sizes & VMF_DEV_SIZE(b)))
            continue;
        int n = snprintf(buf + at, len - at, "%s%u", at ? ", " : "", b);
        if (n < 0 || (size_t)n >= len - at)
            break;
        at += (size_t)n;
    }
    if (!at)
        snprintf(buf, len, "none");
}

/* b->message = "<name>: <reason>", truncated to fit. */
static void set_message(struct vmf_device_binding *b, const char *reason)
{
    size_t cap = sizeof(b->message) - 1, at = 0;
    const char *parts[3] = {b->name, ": ", reason};
    for (int i = 0; i < 3; i++)
        for (const char *p = parts[i]; *p && at < cap; p++)
            b->message[at++] = *p;
    b->message[at] = 0;
}

static memory_fault_result_t device_fault(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)vm;
    (void)paddr;
    (void)len;
    struct vmf_device_binding *b = cookie;
    const vmf_device_ops *ops = b->ops;
    uint64_t offset = get_vcpu_fault_address(vcpu) - b->base;
    size_t size = get_vcpu_fault_size(vcpu);
    bool read = is_vcpu_read_fault(vcpu);
    const char *what = read ? "read" : "write";

    /* The bus refuses what the model did not declare. */
    if (size == 0 || size > 8 || !(ops->sizes & VMF_DEV_SIZE(size))) {
        char sizes[32];
        sizes_text(ops->sizes, sizes, sizeof(sizes));
        snprintf(b->message, sizeof(b->message), "%s: %s of %zu bytes at offset 0x%llx not accepted (sizes %s)",
                 b->name, what, size, (unsigned long long)offset, sizes);
        return FAULT_ERROR;
    }
    if (!ops->unaligned && (offset & (size - 1))) {
        snprintf(b->message, sizeof(b->message), "%s: %s of %zu bytes at offset 0x%llx not accepted (unaligned)",
                 b->name, what, size, (unsigned long long)offset);
        return FAULT_ERROR;
    }

    char msg[sizeof(b->message)] = "";
    uint64_t value = 0;
    int r;
    if (read)
        r = ops->read(b->dev, offset, (unsigned)size, &value, msg, sizeof(msg));
    else
        r = ops->write(b->dev, offset, (unsigned)size, get_vcpu_fault_data(vcpu), msg, sizeof(msg));

    switch (r) {
    case VMF_DEV_OK:
    case VMF_DEV_STOP:
        if (read)
            set_vcpu_fault_data(vcpu, value);
        advance_vcpu_fault(vcpu);
        if (r == VMF_DEV_STOP) {
            /* The access completes; the vCPU stops at the next instruction boundary. */
            b->stopped = true;
            set_message(b, msg[0] ? msg : "stop requested");
            vmf_vcpu_request_stop(vcpu);
        }
        return FAULT_HANDLED;
    case VMF_DEV_RESET:
    case VMF_DEV_POWEROFF:
        /* The access completes; the run ends with a SUSPENDED exit at the next boundary. */
        if (read)
            set_vcpu_fault_data(vcpu, value);
        advance_vcpu_fault(vcpu);
        set_message(b, msg[0] ? msg : r == VMF_DEV_RESET ? "reset" : "power off");
        vmf_vcpu_request_suspend(vcpu, r == VMF_DEV_RESET ? VMF_SUSPEND_RESET : VMF_SUSPEND_POWEROFF);
        return FAULT_HANDLED;
    case VMF_DEV_ERROR: set_message(b, msg[0] ? msg : "device error"); return FAULT_ERROR;
    default:
        snprintf(b->message, sizeof(b->message), "%s: model %s returned %d for the %s of %zu bytes at offset 0x%llx",
                 b->name, ops->model ? ops->model : "?", r, what, size, (unsigned long long)offset);
        return FAULT_ERROR;
    }
}

int vmf_device_attach(vmf_vm *vm, struct vmf_device_binding *b, const char *name, uint64_t base, uint64_t size,
                      const vmf_device_ops *ops, void *dev)
{
    if (!vm || !b || !ops || !ops->read || !ops->write || !dev)
        return VMF_EINVAL;
    if (!name)
        name = ops->model ? ops->model : "device";
    memset(b, 0, sizeof(*b));
    b->ops = ops;
    b->dev = dev;
    snprintf(b->name, sizeof(b->name), "%s", name);
    b->base = base;
    b->size = size;
    b->res = vm_reserve_memory_at(vm, (uintptr_t)base, (size_t)size, device_fault, b);
    if (!b->res) {
        int st = 0;
        vmf_vm_last_error(vm, &st);
        return st ? st : VMF_EINVAL;
    }
    return vmf_reservation_set_name(b->res, b->name);
}

/* ---- the x86 I/O-port bus ----------------------------------------------------------------- */

/* The checks of device_fault for a port access; 0 or VMF_X86_ERROR with b->message set. */
static int port_check(struct vmf_device_binding *b, uint16_t port, unsigned bytes, bool in, uint64_t *offset)
{
    const vmf_device_ops *ops = b->ops;
    const char *what = in ? "IN" : "OUT";
    *offset = (uint64_t)port - b->base;
    if (bytes == 0 || bytes > 4 || !(ops->sizes & VMF_DEV_SIZE(bytes))) {
        char sizes[32];
        sizes_text(ops->sizes, sizes, sizeof(sizes));
        snprintf(b->message, sizeof(b->message), "%s: %s of %u bytes at port 0x%x not accepted (sizes %s)", b->name,
                 what, bytes, port, sizes);
        return VMF_X86_ERROR;
    }
    if (*offset + bytes > b->size) {
        snprintf(b->message, sizeof(b->message), "%s: %s of %u bytes at port 0x%x runs past its last port 0x%llx",
                 b->name, what, bytes, port, (unsigned long long)(b->base + b->size - 1));
        return VMF_X86_ERROR;
    }
    if (!ops->unaligned && (*offset & (bytes - 1))) {
        snprintf(b->message, sizeof(b->message), "%s: %s of %u bytes at port 0x%x not accepted (unaligned)", b->name,
                 what, bytes, port);
        return VMF_X86_ERROR;
    }
    return 0;
}

static int port_result(struct vmf_device_binding *b, vmf_vcpu *vcpu, int r, const char *msg, bool in, unsigned bytes,
                       uint16_t port)
{
    switch (r) {
    case VMF_DEV_OK: return VMF_X86_HANDLED;
    case VMF_DEV_STOP:
        /* The access completes; the vCPU stops before the next instruction. */
        b->stopped = true;
        set_message(b, msg[0] ? msg : "stop requested");
        vmf_vcpu_request_stop(vcpu);
        return VMF_X86_HANDLED;
    case VMF_DEV_RESET:
    case VMF_DEV_POWEROFF:
        /* The access completes; the run ends with a SUSPENDED exit before the next instruction. */
        set_message(b, msg[0] ? msg : r == VMF_DEV_RESET ? "reset" : "power off");
        vmf_vcpu_request_suspend(vcpu, r == VMF_DEV_RESET ? VMF_SUSPEND_RESET : VMF_SUSPEND_POWEROFF);
        return VMF_X86_HANDLED;
    case VMF_DEV_ERROR: set_message(b, msg[0] ? msg : "device error"); return VMF_X86_ERROR;
    default:
        snprintf(b->message, sizeof(b->message), "%s: model %s returned %d for the %s of %u bytes at port 0x%x",
                 b->name, b->ops->model ? b->ops->model : "?", r, in ? "IN" : "OUT", bytes, port);
        return VMF_X86_ERROR;
    }
}

static int port_in(vmf_vcpu *vcpu, uint16_t port, unsigned bytes, uint32_t *value, void *cookie)
{
    struct vmf_device_binding *b = cookie;
    uint64_t offset, v = 0;
    if (port_check(b, port, bytes, true, &offset))
        return VMF_X86_ERROR;
    char msg[sizeof(b->message)] = "";
    int r = b->ops->read(b->dev, offset, bytes, &v, msg, sizeof(msg));
    *value = (uint32_t)v;
    return port_result(b, vcpu, r, msg, true, bytes, port);
}

static int port_out(vmf_vcpu *vcpu, uint16_t port, unsigned bytes, uint32_t value, void *cookie)
{
    struct vmf_device_binding *b = cookie;
    uint64_t offset;
    if (port_check(b, port, bytes, false, &offset))
        return VMF_X86_ERROR;
    char msg[sizeof(b->message)] = "";
    int r = b->ops->write(b->dev, offset, bytes, value, msg, sizeof(msg));
    return port_result(b, vcpu, r, msg, false, bytes, port);
}

int vmf_device_attach_ports(vmf_vm *vm, struct vmf_device_binding *b, const char *name, uint16_t first, uint16_t last,
                            const vmf_device_ops *ops, void *dev)
{
    if (!vm || !b || !ops || !ops->read || !ops->write || !dev || last < first)
        return VMF_EINVAL;
    if (!name)
        name = ops->model ? ops->model : "ports";
    memset(b, 0, sizeof(*b));
    b->ops = ops;
    b->dev = dev;
    snprintf(b->name, sizeof(b->name), "%s", name);
    b->base = first;
    b->size = (uint64_t)last - first + 1;
    return vmf_x86_add_ports(vm, first, last, port_in, port_out, b, b->name);
}
