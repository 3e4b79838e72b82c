/* vmfault devices — "test exit" (see test_exit.h).
 *
 * The emulator equivalent of QEMU's sifive_test / isa-debug-exit: the guest
 * writes a status and the run ends.  The model only records the status and
 * returns VMF_DEV_STOP; the binding completes the write and stops the vCPU.
 */
#include "devices/test_exit.h"

#include <stdio.h>
#include <string.h>

#define TEST_EXIT_MAGIC 0x54455354u /* "TEST" */

void vmf_test_exit_init(struct vmf_test_exit *t)
{
    if (t)
        memset(t, 0, sizeof(*t)); /* padding too: snapshots compare byte for byte */
}

static int test_exit_read(void *dev, uint64_t offset, unsigned size, uint64_t *value, char *msg, size_t msglen)
{
    (void)dev;
    (void)msg;
    (void)msglen;
    (void)size;
    *value = offset == 0 ? TEST_EXIT_MAGIC : 0;
    return VMF_DEV_OK;
}

static int test_exit_write(void *dev, uint64_t offset, unsigned size, uint64_t value, char *msg, size_t msglen)
{
    (void)size;
    struct vmf_test_exit *t = dev;
    if (offset != 0)
        return VMF_DEV_OK;
    t->exited = true;
    t->status = (uint32_t)value;
    if (msg && msglen)
        snprintf(msg, msglen, "test-exit: status %u", t->status);
    return VMF_DEV_STOP;
}

static int debug_exit_read(void *dev, uint64_t offset, unsigned size, uint64_t *value, char *msg, size_t msglen)
{
    (void)dev;
    (void)offset;
    (void)size;
    (void)msg;
    (void)msglen;
    *value = 0;
    return VMF_DEV_OK;
}

static int debug_exit_write(void *dev, uint64_t offset, unsigned size, uint64_t value, char *msg, size_t msglen)
{
    (void)offset;
    struct vmf_test_exit *t = dev;
    uint32_t v = size >= 4 ? (uint32_t)value : (uint32_t)value & ((1u << (8 * size)) - 1);
    t->exited = true;
    t->status = v << 1 | 1; /* QEMU: exit((val << 1) | 1) */
    if (msg && msglen)
        snprintf(msg, msglen, "debug-exit: wrote 0x%x, status %u", v, t->status);
    return VMF_DEV_STOP;
}

static void test_exit_reset(void *dev)
{
    vmf_test_exit_init(dev);
}

static size_t test_exit_snapshot_size(const void *dev)
{
    (void)dev;
    return sizeof(struct vmf_test_exit);
}

static void test_exit_snapshot(const void *dev, void *buf)
{
    memcpy(buf, dev, sizeof(struct vmf_test_exit));
}

static void test_exit_restore(void *dev, const void *buf)
{
    memcpy(dev, buf, sizeof(struct vmf_test_exit));
}

const vmf_device_ops vmf_test_exit_ops = {
    .model = "test-exit",
    .sizes = VMF_DEV_SIZE(4), /* one 32-bit register */
    .unaligned = false,
    .read = test_exit_read,
    .write = test_exit_write,
    .reset = test_exit_reset,
    .snapshot_size = test_exit_snapshot_size,
    .snapshot = test_exit_snapshot,
    .restore = test_exit_restore,
};

const vmf_device_ops vmf_debug_exit_ops = {
    .model = "debug-exit",
    .sizes = VMF_DEV_SIZE(1) | VMF_DEV_SIZE(2) | VMF_DEV_SIZE(4),
    .unaligned = true, /* an I/O port has no alignment */
    .read = debug_exit_read,
    .write = debug_exit_write,
    .reset = test_exit_reset,
    .snapshot_size = test_exit_snapshot_size,
    .snapshot = test_exit_snapshot,
    .restore = test_exit_restore,
};
