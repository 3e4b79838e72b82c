/* vmfault devices — a scripted register file, in the spirit of Fuzzware's MMIO models.
 *
 * Each register has an offset, a width and a model for what reads return:
 *   const       always `value`
 *   sequence    values[0], values[1], ... then the last one forever
 *   values      values[0], values[1], ... cycling
 *   bitfield    `value` with bits [lsb, lsb+width) replaced by (start + step * n), n = reads so far
 *   passthrough memory: reads return what was last written (initially `value`)
 * Every write is recorded (count and last value per register).  A passthrough
 * register stores it; the others ignore it.  Accesses may be narrower than the
 * register (they see the bytes at their offset); an access that does not lie
 * inside one register, or touches no register, follows the `unlisted` policy:
 * zero (reads 0, writes ignored), error (the run stops with an error), or stop
 * (the access is recorded and the run stops cleanly).
 */
#ifndef VMFAULT_DEVICES_REGFILE_H
#define VMFAULT_DEVICES_REGFILE_H

#include "devices/device.h"

enum vmf_regfile_kind {
    VMF_REG_CONST = 0,
    VMF_REG_SEQUENCE = 1,
    VMF_REG_VALUES = 2,
    VMF_REG_BITFIELD = 3,
    VMF_REG_PASSTHROUGH = 4,
};

enum vmf_regfile_policy {
    VMF_UNLISTED_ZERO = 0,
    VMF_UNLISTED_ERROR = 1,
    VMF_UNLISTED_STOP = 2,
};

#define VMF_REGFILE_MAX_REGS 64
#define VMF_REGFILE_MAX_VALUES 64

struct vmf_regfile_reg {
    char name[32];                           /* for expectations and messages; may be empty */
    uint64_t offset;                         /* within the device */
    uint8_t size;                            /* register width: 1, 2, 4 or 8 bytes; offset is a multiple of it */
    uint8_t kind;                            /* enum vmf_regfile_kind */
    uint64_t value;                          /* const value, passthrough initial value, bitfield background */
    uint64_t values[VMF_REGFILE_MAX_VALUES]; /* sequence / values */
    uint8_t nvalues;
    uint8_t lsb, width;   /* bitfield position (width 1..64, lsb + width <= 8 * size) */
    uint64_t start, step; /* bitfield counter */
};

struct vmf_regfile_config {
    struct vmf_regfile_reg regs[VMF_REGFILE_MAX_REGS];
    size_t nregs;
    uint8_t unlisted; /* enum vmf_regfile_policy */
};

/* Per-register dynamic state (public so expectations and tests can read it). */
struct vmf_regfile_regstate {
    uint64_t current;    /* passthrough: stored value; others: value the last read returned (0 before) */
    uint64_t reads;      /* read accesses so far */
    uint64_t writes;     /* write accesses so far */
    uint64_t last_write; /* data of the last write access, as written (low `size` bytes of the access) */
};

struct vmf_regfile {
    struct vmf_regfile_config cfg;
    struct vmf_regfile_regstate st[VMF_REGFILE_MAX_REGS];
    uint64_t unlisted_reads, unlisted_writes;
};

/* Check a configuration (offsets aligned to width, no overlap, bitfield
 * bounds, nvalues > 0 for sequence/values, unique non-empty names).
 * 0 or -1 with a reason in msg.  Values wider than a register are masked on read. */
int vmf_regfile_check(const struct vmf_regfile_config *cfg, char *msg, size_t msglen);
/* Copy cfg into rf and reset it.  0 or -1 (cfg invalid: see vmf_regfile_check). */
int vmf_regfile_init(struct vmf_regfile *rf, const struct vmf_regfile_config *cfg, char *msg, size_t msglen);
/* The register called `name`, or NULL. */
const struct vmf_regfile_regstate *vmf_regfile_find(const struct vmf_regfile *rf, const char *name);

extern const vmf_device_ops vmf_regfile_ops; /* dev = struct vmf_regfile * */

#endif
