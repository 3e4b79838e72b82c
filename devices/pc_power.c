/* vmfault devices — the PC's reset control register and ACPI PM1a control
 * register (see pc_power.h). */
#include "devices/pc_power.h"

#include <stdio.h>
#include <string.h>

#define RCR_SYS_RST 0x2u
#define RCR_RST_CPU 0x4u
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN 0x2000u

void vmf_pc_power_init(struct vmf_pc_power *p)
{
    if (p)
        memset(p, 0, sizeof(*p));
}

static int power_read(void *dev, uint64_t offset, unsigned size, uint64_t *value, char *msg, size_t msglen)
{
    (void)msg;
    (void)msglen;
    const struct vmf_pc_power *p = dev;
    /* byte `offset` of the register and on */
    *value = offset < 2 ? (uint64_t)(p->reg >> (8 * offset)) & (size >= 2 ? 0xffffu : 0xffu) : 0;
    return VMF_DEV_OK;
}

static int reset_write(void *dev, uint64_t offset, unsigned size, uint64_t value, char *msg, size_t msglen)
{
    (void)size;
    struct vmf_pc_power *p = dev;
    if (offset != 0)
        return VMF_DEV_OK;
    p->reg = (uint16_t)(value & RCR_SYS_RST);
    if (!(value & RCR_RST_CPU))
        return VMF_DEV_OK;
    p->requested = VMF_DEV_RESET;
    if (msg && msglen)
        snprintf(msg, msglen, "reset-control: 0x%02x written, %s reset", (unsigned)(value & 0xff),
                 value & RCR_SYS_RST ? "hard" : "soft");
    return VMF_DEV_RESET;
}

static int acpi_write(void *dev, uint64_t offset, unsigned size, uint64_t value, char *msg, size_t msglen)
{
    struct vmf_pc_power *p = dev;
    /* a 1-byte write changes one byte of the 16-bit register */
    uint16_t v = size >= 2     ? (uint16_t)value
                 : offset == 0 ? (uint16_t)((p->reg & 0xff00u) | (value & 0xffu))
                               : (uint16_t)((p->reg & 0x00ffu) | (value & 0xffu) << 8);
    if (offset > 1 || (size >= 2 && offset != 0))
        return VMF_DEV_OK;
    p->reg = (uint16_t)(v & ~PM1_SLP_EN);
    if (!(v & PM1_SLP_EN))
        return VMF_DEV_OK;
    unsigned typ = (v >> PM1_SLP_TYP_SHIFT) & 7u;
    if (typ != 0) {
        if (msg && msglen)
            snprintf(msg, msglen, "acpi-pm: sleep type %u requested; only S5 (soft off, SLP_TYP 0) is modelled", typ);
        return VMF_DEV_ERROR;
    }
    p->requested = VMF_DEV_POWEROFF;
    if (msg && msglen)
        snprintf(msg, msglen, "acpi-pm: PM1a_CNT 0x%04x written, S5 (soft off)", v);
    return VMF_DEV_POWEROFF;
}

static void power_reset(void *dev)
{
    vmf_pc_power_init(dev);
}

static size_t power_snapshot_size(const void *dev)
{
    (void)dev;
    return sizeof(struct vmf_pc_power);
}

static void power_snapshot(const void *dev, void *buf)
{
    memcpy(buf, dev, sizeof(struct vmf_pc_power));
}

static void power_restore(void *dev, const void *buf)
{
    memcpy(dev, buf, sizeof(struct vmf_pc_power));
}

const vmf_device_ops vmf_reset_control_ops = {
    .model = "reset-control",
    .sizes = VMF_DEV_SIZE(1),
    .read = power_read,
    .write = reset_write,
    .reset = power_reset,
    .snapshot_size = power_snapshot_size,
    .snapshot = power_snapshot,
    .restore = power_restore,
};

const vmf_device_ops vmf_acpi_pm_ops = {
    .model = "acpi-pm",
    .sizes = VMF_DEV_SIZE(1) | VMF_DEV_SIZE(2),
    .read = power_read,
    .write = acpi_write,
    .reset = power_reset,
    .snapshot_size = power_snapshot_size,
    .snapshot = power_snapshot,
    .restore = power_restore,
};
