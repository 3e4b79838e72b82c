/* vmfault devices — the one ops table every device model follows.
 *
 * A model is bus-agnostic: it is read and written by offset and size, owns its
 * state in a struct the caller allocates (the model says how big), and can be
 * reset, snapshotted and restored.  Like QEMU's MemoryRegionOps, a model
 * declares the access sizes it accepts; the binding (devices/bind.c) refuses
 * the rest before the model sees them, so no model re-checks sizes.
 *
 * Nothing here knows about Unicorn, the engine or YAML.
 */
#ifndef VMFAULT_DEVICES_DEVICE_H
#define VMFAULT_DEVICES_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a device access did. */
enum vmf_dev_result {
    VMF_DEV_OK = 0,       /* done */
    VMF_DEV_ERROR = 1,    /* the access is an error (policy "error"): the run stops with a message */
    VMF_DEV_STOP = 2,     /* the access is done but the run must stop (policy "stop", test-exit) */
    VMF_DEV_RESET = 3,    /* the access is done and the machine resets: a SUSPENDED exit, how RESET */
    VMF_DEV_POWEROFF = 4, /* the access is done and the machine powers off: SUSPENDED, how POWEROFF */
};

/* Access sizes as a bit set: bit n set = 2^n bytes accepted. */
#define VMF_DEV_SIZE(bytes) ((uint8_t)((bytes) == 1 ? 1 : (bytes) == 2 ? 2 : (bytes) == 4 ? 4 : (bytes) == 8 ? 8 : 0))

typedef struct vmf_device_ops {
    const char *model; /* "regfile", "pl011", "test-exit" */
    uint8_t sizes;     /* VMF_DEV_SIZE(1) | VMF_DEV_SIZE(4) ... */
    bool unaligned;    /* accepts accesses not aligned to their size */
    /* value: low `size` bytes; *value for reads must be written on VMF_DEV_OK/STOP.
     * msg (may be NULL) receives a one-line reason on ERROR/STOP/RESET/POWEROFF. */
    int (*read)(void *dev, uint64_t offset, unsigned size, uint64_t *value, char *msg, size_t msglen);
    int (*write)(void *dev, uint64_t offset, unsigned size, uint64_t value, char *msg, size_t msglen);
    void (*reset)(void *dev);
    size_t (*snapshot_size)(const void *dev);
    /* Copy the whole mutable state out / back in (same size as snapshot_size). */
    void (*snapshot)(const void *dev, void *buf);
    void (*restore)(void *dev, const void *buf);
} vmf_device_ops;

#endif
