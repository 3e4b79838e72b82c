/* vmfault devices — the scripted register file (see regfile.h).
 *
 * A register file is a table of registers, each with a model of what reads
 * return.  An access is matched to the one register that contains it; a
 * narrower access sees the bytes at its offset inside the register
 * (little-endian, as the bus delivers them).  Everything is in one fixed-size
 * struct with no pointers, so a snapshot is a memcpy and two snapshots of the
 * same state are byte-identical.
 */
#include "devices/regfile.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* All-ones in the low `bytes` bytes. */
static uint64_t width_mask(unsigned bytes)
{
    return bytes >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (8 * bytes)) - 1;
}

static uint64_t bits_mask(unsigned width)
{
    return width >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << width) - 1;
}

static void say(char *msg, size_t msglen, const char *fmt, ...)
{
    if (!msg || !msglen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, msglen, fmt, ap);
    va_end(ap);
}

static const char *reg_label(const struct vmf_regfile_reg *r)
{
    return r->name[0] ? r->name : "(unnamed)";
}

/* ---- configuration -------------------------------------------------------------------- */

int vmf_regfile_check(const struct vmf_regfile_config *cfg, char *msg, size_t msglen)
{
    if (!cfg) {
        say(msg, msglen, "no configuration");
        return -1;
    }
    if (cfg->nregs > VMF_REGFILE_MAX_REGS) {
        say(msg, msglen, "%zu registers, at most %d allowed", cfg->nregs, VMF_REGFILE_MAX_REGS);
        return -1;
    }
    if (cfg->unlisted > VMF_UNLISTED_STOP) {
        say(msg, msglen, "unlisted policy %u is not zero (0), error (1) or stop (2)", cfg->unlisted);
        return -1;
    }
    for (size_t i = 0; i < cfg->nregs; i++) {
        const struct vmf_regfile_reg *r = &cfg->regs[i];
        if (!memchr(r->name, 0, sizeof(r->name))) {
            say(msg, msglen, "register %zu: name is not NUL-terminated within %zu bytes", i, sizeof(r->name));
            return -1;
        }
        const char *n = reg_label(r);
        if (r->size != 1 && r->size != 2 && r->size != 4 && r->size != 8) {
            say(msg, msglen, "register %zu (%s): size %u is not 1, 2, 4 or 8", i, n, r->size);
            return -1;
        }
        if (r->offset % r->size) {
            say(msg, msglen, "register %zu (%s): offset 0x%llx is not a multiple of its size %u", i, n,
                (unsigned long long)r->offset, r->size);
            return -1;
        }
        if (r->offset + r->size < r->offset) {
            say(msg, msglen, "register %zu (%s): offset 0x%llx + size %u wraps around", i, n,
                (unsigned long long)r->offset, r->size);
            return -1;
        }
        switch (r->kind) {
        case VMF_REG_CONST:
        case VMF_REG_PASSTHROUGH: break;
        case VMF_REG_SEQUENCE:
        case VMF_REG_VALUES:
            if (r->nvalues == 0 || r->nvalues > VMF_REGFILE_MAX_VALUES) {
                say(msg, msglen, "register %zu (%s): %u values, need 1 to %d", i, n, r->nvalues,
                    VMF_REGFILE_MAX_VALUES);
                return -1;
            }
            break;
        case VMF_REG_BITFIELD:
            /* The field must lie inside the register, or no read could ever show it. */
            if (r->width < 1 || r->width > 64 || (unsigned)r->lsb + r->width > 8u * r->size) {
                say(msg, msglen, "register %zu (%s): bitfield [%u, %u) does not fit in %u bits (width 1..64)", i, n,
                    r->lsb, (unsigned)r->lsb + r->width, 8u * r->size);
                return -1;
            }
            break;
        default:
            say(msg, msglen, "register %zu (%s): kind %u is not const, sequence, values, bitfield or passthrough", i, n,
                r->kind);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            const struct vmf_regfile_reg *o = &cfg->regs[j];
            if (r->offset < o->offset + o->size && o->offset < r->offset + r->size) {
                say(msg, msglen, "register %zu (%s) at 0x%llx overlaps register %zu (%s) at 0x%llx", i, n,
                    (unsigned long long)r->offset, j, reg_label(o), (unsigned long long)o->offset);
                return -1;
            }
            if (r->name[0] && !strcmp(r->name, o->name)) {
                say(msg, msglen, "registers %zu and %zu are both named '%s'", j, i, r->name);
                return -1;
            }
        }
    }
    return 0;
}

static void regfile_reset(void *dev)
{
    struct vmf_regfile *rf = dev;
    memset(rf->st, 0, sizeof(rf->st));
    rf->unlisted_reads = rf->unlisted_writes = 0;
    for (size_t i = 0; i < rf->cfg.nregs; i++) {
        const struct vmf_regfile_reg *r = &rf->cfg.regs[i];
        if (r->kind == VMF_REG_PASSTHROUGH)
            rf->st[i].current = r->value & width_mask(r->size);
    }
}

int vmf_regfile_init(struct vmf_regfile *rf, const struct vmf_regfile_config *cfg, char *msg, size_t msglen)
{
    if (!rf) {
        say(msg, msglen, "no register file");
        return -1;
    }
    if (vmf_regfile_check(cfg, msg, msglen))
        return -1;
    /* Copy field by field into a zeroed struct: padding, unused value slots and
     * the bytes after each name's NUL are all zero, so equal configurations give
     * byte-identical snapshots whatever the caller's struct held. */
    memset(rf, 0, sizeof(*rf));
    rf->cfg.nregs = cfg->nregs;
    rf->cfg.unlisted = cfg->unlisted;
    for (size_t i = 0; i < cfg->nregs; i++) {
        const struct vmf_regfile_reg *s = &cfg->regs[i];
        struct vmf_regfile_reg *d = &rf->cfg.regs[i];
        memcpy(d->name, s->name, strlen(s->name));
        d->offset = s->offset;
        d->size = s->size;
        d->kind = s->kind;
        d->value = s->value;
        if (s->kind == VMF_REG_SEQUENCE || s->kind == VMF_REG_VALUES) {
            d->nvalues = s->nvalues;
            memcpy(d->values, s->values, s->nvalues * sizeof(s->values[0]));
        }
        if (s->kind == VMF_REG_BITFIELD) {
            d->lsb = s->lsb;
            d->width = s->width;
            d->start = s->start;
            d->step = s->step;
        }
    }
    regfile_reset(rf);
    return 0;
}

const struct vmf_regfile_regstate *vmf_regfile_find(const struct vmf_regfile *rf, const char *name)
{
    if (!rf || !name || !name[0])
        return NULL;
    for (size_t i = 0; i < rf->cfg.nregs && i < VMF_REGFILE_MAX_REGS; i++)
        if (!strcmp(rf->cfg.regs[i].name, name)) /* NUL-terminated: vmf_regfile_init checked */
            return &rf->st[i];
    return NULL;
}

/* ---- accesses -------------------------------------------------------------------------- */

/* The register that wholly contains [offset, offset + size), or -1. */
static int find_reg(const struct vmf_regfile *rf, uint64_t offset, unsigned size)
{
    for (size_t i = 0; i < rf->cfg.nregs; i++) {
        const struct vmf_regfile_reg *r = &rf->cfg.regs[i];
        /* Written without offset + size, which could wrap near 2^64. */
        if (offset >= r->offset && offset - r->offset < r->size && size <= r->size - (offset - r->offset))
            return (int)i;
    }
    return -1;
}

/* An access that is not inside one register: apply the unlisted policy. */
static int unlisted(struct vmf_regfile *rf, bool write, uint64_t offset, unsigned size, char *msg, size_t msglen)
{
    if (write)
        rf->unlisted_writes++;
    else
        rf->unlisted_reads++;
    if (rf->cfg.unlisted == VMF_UNLISTED_ZERO)
        return VMF_DEV_OK;
    /* Say whether the access missed every register or straddled one. */
    const struct vmf_regfile_reg *hit = NULL;
    for (size_t i = 0; i < rf->cfg.nregs && !hit; i++) {
        const struct vmf_regfile_reg *r = &rf->cfg.regs[i];
        if (offset < r->offset + r->size && (r->offset <= offset || r->offset - offset < size))
            hit = r;
    }
    const char *what = write ? "write" : "read";
    if (hit)
        say(msg, msglen, "%s of %u bytes at offset 0x%llx: not inside one register (overlaps %s at 0x%llx, %u bytes)",
            what, size, (unsigned long long)offset, reg_label(hit), (unsigned long long)hit->offset, hit->size);
    else
        say(msg, msglen, "%s of %u bytes at offset 0x%llx: no register there", what, size, (unsigned long long)offset);
    return rf->cfg.unlisted == VMF_UNLISTED_ERROR ? VMF_DEV_ERROR : VMF_DEV_STOP;
}

static int regfile_read(void *dev, uint64_t offset, unsigned size, uint64_t *value, char *msg, size_t msglen)
{
    struct vmf_regfile *rf = dev;
    *value = 0;
    int i = find_reg(rf, offset, size);
    if (i < 0)
        return unlisted(rf, false, offset, size, msg, msglen);
    const struct vmf_regfile_reg *r = &rf->cfg.regs[i];
    struct vmf_regfile_regstate *s = &rf->st[i];
    uint64_t n = s->reads; /* reads before this one: what the scripted models index by */
    uint64_t v;
    switch (r->kind) {
    case VMF_REG_SEQUENCE: v = r->values[n < r->nvalues ? n : (uint64_t)r->nvalues - 1]; break;
    case VMF_REG_VALUES: v = r->values[n % r->nvalues]; break;
    case VMF_REG_BITFIELD: {
        uint64_t field = bits_mask(r->width);
        v = (r->value & ~(field << r->lsb)) | (((r->start + r->step * n) & field) << r->lsb);
        break;
    }
    case VMF_REG_PASSTHROUGH: v = s->current; break;
    default: /* VMF_REG_CONST */ v = r->value; break;
    }
    v &= width_mask(r->size);
    s->current = v;
    s->reads++;
    /* A narrow read sees the bytes at its offset within the register. */
    *value = (v >> (8 * (offset - r->offset))) & width_mask(size);
    return VMF_DEV_OK;
}

static int regfile_write(void *dev, uint64_t offset, unsigned size, uint64_t value, char *msg, size_t msglen)
{
    struct vmf_regfile *rf = dev;
    int i = find_reg(rf, offset, size);
    if (i < 0)
        return unlisted(rf, true, offset, size, msg, msglen);
    const struct vmf_regfile_reg *r = &rf->cfg.regs[i];
    struct vmf_regfile_regstate *s = &rf->st[i];
    uint64_t m = width_mask(size);
    s->writes++;
    s->last_write = value & m;
    if (r->kind == VMF_REG_PASSTHROUGH) {
        /* A narrow write replaces only its own bytes of the stored value. */
        unsigned shift = 8 * (unsigned)(offset - r->offset);
        s->current = (s->current & ~(m << shift)) | ((value & m) << shift);
    }
    return VMF_DEV_OK;
}

static size_t regfile_snapshot_size(const void *dev)
{
    (void)dev;
    return sizeof(struct vmf_regfile);
}

static void regfile_snapshot(const void *dev, void *buf)
{
    memcpy(buf, dev, sizeof(struct vmf_regfile));
}

static void regfile_restore(void *dev, const void *buf)
{
    memcpy(dev, buf, sizeof(struct vmf_regfile));
}

const vmf_device_ops vmf_regfile_ops = {
    .model = "regfile",
    .sizes = VMF_DEV_SIZE(1) | VMF_DEV_SIZE(2) | VMF_DEV_SIZE(4) | VMF_DEV_SIZE(8),
    .unaligned = true, /* but only inside one register: the rest is "unlisted" */
    .read = regfile_read,
    .write = regfile_write,
    .reset = regfile_reset,
    .snapshot_size = regfile_snapshot_size,
    .snapshot = regfile_snapshot,
    .restore = regfile_restore,
};
