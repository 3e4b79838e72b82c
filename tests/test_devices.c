/* Device models: the register file, the PL011, test-exit, the UART8250 and
 * debug-exit, each through its ops table; then the binding (devices/bind.c)
 * with real AArch64 guests on both trap paths, and on the x86-64 I/O-port bus. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "devices/bind.h"
#include "devices/pc_power.h"
#include "devices/pl011.h"
#include "devices/regfile.h"
#include "devices/test_exit.h"
#include "devices/uart8250.h"
#include "guest_util.h"
#include "vmfault/x86.h"

/* ---- helpers -------------------------------------------------------------------------------- */

static uint64_t rd(const vmf_device_ops *ops, void *dev, uint64_t off, unsigned size)
{
    uint64_t v = 0xdeadbeefdeadbeefull;
    char msg[160] = "";
    int r = ops->read(dev, off, size, &v, msg, sizeof(msg));
    cr_assert_eq(r, VMF_DEV_OK, "%s read of %u at 0x%llx: result %d (%s)", ops->model, size, (unsigned long long)off, r,
                 msg);
    return v;
}

static void wr(const vmf_device_ops *ops, void *dev, uint64_t off, unsigned size, uint64_t v)
{
    char msg[160] = "";
    int r = ops->write(dev, off, size, v, msg, sizeof(msg));
    cr_assert_eq(r, VMF_DEV_OK, "%s write of %u at 0x%llx: result %d (%s)", ops->model, size, (unsigned long long)off,
                 r, msg);
}

static struct vmf_regfile_reg reg(const char *name, uint64_t offset, uint8_t size, uint8_t kind, uint64_t value)
{
    struct vmf_regfile_reg r;
    memset(&r, 0, sizeof(r));
    strncpy(r.name, name, sizeof(r.name) - 1);
    r.offset = offset;
    r.size = size;
    r.kind = kind;
    r.value = value;
    return r;
}

static struct vmf_regfile_reg seq(const char *name, uint64_t offset, uint8_t size, uint8_t kind, const uint64_t *v,
                                  uint8_t n)
{
    struct vmf_regfile_reg r = reg(name, offset, size, kind, 0);
    memcpy(r.values, v, n * sizeof(v[0]));
    r.nvalues = n;
    return r;
}

static struct vmf_regfile_reg bitfield(const char *name, uint64_t offset, uint8_t size, uint64_t background,
                                       uint8_t lsb, uint8_t width, uint64_t start, uint64_t step)
{
    struct vmf_regfile_reg r = reg(name, offset, size, VMF_REG_BITFIELD, background);
    r.lsb = lsb;
    r.width = width;
    r.start = start;
    r.step = step;
    return r;
}

/* A config with a representative register of every kind. */
static void sample_config(struct vmf_regfile_config *c, uint8_t policy)
{
    static const uint64_t s[] = {0, 0, 1};
    static const uint64_t v[] = {0xa, 0xb, 0xc};
    memset(c, 0, sizeof(*c));
    c->regs[0] = reg("id", 0x0, 4, VMF_REG_CONST, 0x44332211);
    c->regs[1] = seq("status", 0x4, 4, VMF_REG_SEQUENCE, s, 3);
    c->regs[2] = seq("data", 0x8, 4, VMF_REG_VALUES, v, 3);
    c->regs[3] = bitfield("count", 0xc, 4, 0xa00000ff, 4, 4, 1, 3);
    c->regs[4] = reg("scratch", 0x10, 4, VMF_REG_PASSTHROUGH, 0x11223344);
    c->regs[5] = reg("wide", 0x18, 8, VMF_REG_PASSTHROUGH, 0x8877665544332211ull);
    c->nregs = 6;
    c->unlisted = policy;
}

static void sample(struct vmf_regfile *rf, uint8_t policy)
{
    struct vmf_regfile_config c;
    sample_config(&c, policy);
    char msg[160] = "";
    cr_assert_eq(vmf_regfile_init(rf, &c, msg, sizeof(msg)), 0, "%s", msg);
}

static const vmf_device_ops *const RF = &vmf_regfile_ops;
static const vmf_device_ops *const UART = &vmf_pl011_ops;
static const vmf_device_ops *const TEXIT = &vmf_test_exit_ops;

/* ---- register file: the models --------------------------------------------------------------------- */

Test(regfile, ops_table)
{
    cr_expect_str_eq(RF->model, "regfile");
    cr_expect_eq(RF->sizes, 1 | 2 | 4 | 8);
    cr_expect(RF->unaligned);
    struct vmf_regfile rf;
    sample(&rf, VMF_UNLISTED_ZERO);
    cr_expect_eq(RF->snapshot_size(&rf), sizeof(rf));
}

Test(regfile, const_and_narrow_reads)
{
    struct vmf_regfile rf;
    sample(&rf, VMF_UNLISTED_ZERO);
    cr_expect_eq(rd(RF, &rf, 0x0, 4), 0x44332211);
    cr_expect_eq(rd(RF, &rf, 0x0, 4), 0x44332211);
    cr_expect_eq(rd(RF, &rf, 0x1, 1), 0x22);   /* the byte at offset 1 */
    cr_expect_eq(rd(RF, &rf, 0x2, 2), 0x4433); /* the half at offset 2 */
    cr_expect_eq(rd(RF, &rf, 0x1, 2), 0x3322); /* unaligned, still inside the register */
    wr(RF, &rf, 0x0, 4, 0xffffffff);           /* ignored, but counted */
    cr_expect_eq(rd(RF, &rf, 0x0, 4), 0x44332211);
    const struct vmf_regfile_regstate *s = vmf_regfile_find(&rf, "id");
    cr_assert_not_null(s);
    cr_expect_eq(s->reads, 6);
    cr_expect_eq(s->writes, 1);
    cr_expect_eq(s->last_write, 0xffffffff);
    cr_expect_eq(s->current, 0x44332211);
}

Test(regfile, sequence_sticks_at_last)
{
    struct vmf_regfile rf;
    sample(&rf, VMF_UNLISTED_ZERO);
    const struct vmf_regfile_regstate *s = vmf_regfile_find(&rf, "status");
    cr_expect_eq(s->current, 0, "nothing read yet");
    const uint64_t want[] = {0, 0, 1, 1, 1, 1};
    for (size_t i = 0; i < 6; i++)
        cr_expect_eq(rd(RF, &rf, 0x4, 4), want[i], "read %zu", i);
    cr_expect_eq(s->reads, 6);
    cr_expect_eq(s->current, 1);
}

Test(regfile, values_cycle)
{
    struct vmf_regfile rf;
    sample(&rf, VMF_UNLISTED_ZERO);
    const uint64_t want[] = {0xa, 0xb, 0xc, 0xa, 0xb, 0xc, 0xa};
    for (size_t i = 0; i < 7; i++)
        cr_expect_eq(rd(RF, &rf, 0x8, 4), want[i], "read %zu", i);
}

Test(regfile, narrow_reads_advance_per_access)
{
    struct vmf_regfile rf;
    sample(&rf, VMF_UNLISTED_ZERO);
    cr_expect_eq(rd(RF, &rf, 0x8, 1), 0xa);
    cr_expect_eq(rd(RF, &rf, 0x9, 1), 0x0); /* byte 1 of the second value, 0xb */
    cr_expect_eq(rd(RF, &rf, 0x8, 2), 0xc);
    cr_expect_eq(vmf_regfile_find(&rf, "data")->reads, 3);
}

Test(regfile, bitfield_counts_over_background)
{
    struct vmf_regfile rf;
    sample(&rf, VMF_UNLISTED_ZERO);
    /* background 0xa00000ff, bits [4,8) = (1 + 3n) mod 16 */
    const uint64_t want[] = {0xa000001f, 0xa000004f, 0xa000007f, 0xa00000af, 0xa00000df, 0xa000000f, 0xa000003f};
    for (size_t i = 0; i < 7; i++)
        cr_expect_eq(rd(RF, &rf, 0xc, 4), want[i], "read %zu", i);
    cr_expect_eq(vmf_regfile_find(&rf, "count")->current, 0xa000003f);
}

Test(regfile, bitfield_full_width_64)
{
    struct vmf_regfile_config c;
    memset(&c, 0, sizeof(c));
    c.regs[0] = bitfield("ctr", 0, 8, 0x1234, 0, 64, 0xfffffffffffffffeull, 1);
    c.nregs = 1;
    struct vmf_regfile rf;
    cr_assert_eq(vmf_regfile_init(&rf, &c, NULL, 0), 0);
    cr_expect_eq(rd(RF, &rf, 0, 8), 0xfffffffffffffffeull);
    cr_expect_eq(rd(RF, &rf, 0, 8), 0xffffffffffffffffull);
    cr_expect_eq(rd(RF, &rf, 0, 8), 0, "the counter wraps");
    cr_expect_eq(rd(RF, &rf, 4, 4), 0, "upper half of 1");
}

Test(regfile, passthrough_merges_narrow_writes)
{
    struct vmf_regfile rf;
    sample(&rf, VMF_UNLISTED_ZERO);
    cr_expect_eq(rd(RF, &rf, 0x10, 4), 0x11223344, "initial value");
    wr(RF, &rf, 0x11, 1, 0xaa);
    cr_expect_eq(rd(RF, &rf, 0x10, 4), 0x1122aa44);
    wr(RF, &rf, 0x12, 2, 0xbbcc);
    cr_expect_eq(rd(RF, &rf, 0x10, 4), 0xbbccaa44);
    wr(RF, &rf, 0x13, 1, 0x1ff); /* only the low byte of the access counts */
    cr_expect_eq(rd(RF, &rf, 0x10, 4), 0xffccaa44);
    wr(RF, &rf, 0x10, 4, 0x01020304);
    cr_expect_eq(rd(RF, &rf, 0x10, 4), 0x01020304);
    cr_expect_eq(rd(RF, &rf, 0x12, 1), 0x02);
    const struct vmf_regfile_regstate *s = vmf_regfile_find(&rf, "scratch");
    cr_expect_eq(s->writes, 4);
    cr_expect_eq(s->last_write, 0x01020304);
    cr_expect_eq(s->current, 0x01020304);

    /* 8-byte register: halves and a byte */
    cr_expect_eq(rd(RF, &rf, 0x18, 8), 0x8877665544332211ull);
    wr(RF, &rf, 0x1c, 4, 0xdeadbeef);
    wr(RF, &rf, 0x18, 1, 0x99);
    cr_expect_eq(rd(RF, &rf, 0x18, 8), 0xdeadbeef44332299ull);
    cr_expect_eq(vmf_regfile_find(&rf, "wide")->last_write, 0x99);
}

Test(regfile, writes_counted_on_every_kind)
{
    struct vmf_regfile rf;
    sample(&rf, VMF_UNLISTED_ZERO);
    wr(RF, &rf, 0x4, 4, 7);
    wr(RF, &rf, 0x5, 1, 0x1234); /* narrow: last_write keeps the access's low byte */
    wr(RF, &rf, 0x8, 2, 0xfeed);
    wr(RF, &rf, 0xc, 4, 1);
    const struct vmf_regfile_regstate *st = vmf_regfile_find(&rf, "status");
    cr_expect_eq(st->writes, 2);
    cr_expect_eq(st->last_write, 0x34);
    cr_expect_eq(vmf_regfile_find(&rf, "data")->last_write, 0xfeed);
    cr_expect_eq(vmf_regfile_find(&rf, "count")->writes, 1);
    /* writes do not disturb the scripted reads */
    cr_expect_eq(rd(RF, &rf, 0x4, 4), 0);
    cr_expect_eq(rd(RF, &rf, 0x8, 4), 0xa);
    cr_expect_eq(rd(RF, &rf, 0xc, 4), 0xa000001f);
}

Test(regfile, narrow_register_masks_its_value)
{
    struct vmf_regfile_config c;
    memset(&c, 0, sizeof(c));
    c.regs[0] = reg("b", 0x3, 1, VMF_REG_CONST, 0x1ab);
    c.regs[1] = reg("h", 0x4, 2, VMF_REG_PASSTHROUGH, 0xffff1234);
    c.nregs = 2;
    struct vmf_regfile rf;
    cr_assert_eq(vmf_regfile_init(&rf, &c, NULL, 0), 0);
    cr_expect_eq(rd(RF, &rf, 0x3, 1), 0xab);
    cr_expect_eq(rd(RF, &rf, 0x4, 2), 0x1234);
    cr_expect_eq(rd(RF, &rf, 0x5, 1), 0x12);
}

Test(regfile, find)
{
    struct vmf_regfile rf;
    sample(&rf, VMF_UNLISTED_ZERO);
    cr_expect_eq(vmf_regfile_find(&rf, "id"), &rf.st[0]);
    cr_expect_eq(vmf_regfile_find(&rf, "wide"), &rf.st[5]);
    cr_expect_null(vmf_regfile_find(&rf, "nope"));
    cr_expect_null(vmf_regfile_find(&rf, ""));
    cr_expect_null(vmf_regfile_find(&rf, NULL));
    cr_expect_null(vmf_regfile_find(NULL, "id"));
}

/* ---- register file: unlisted policies ---------------------------------------------------------------- */

Test(regfile, unlisted_zero)
{
    struct vmf_regfile rf;
    sample(&rf, VMF_UNLISTED_ZERO);
    cr_expect_eq(rd(RF, &rf, 0x20, 4), 0, "no register there");
    cr_expect_eq(rd(RF, &rf, 0x2, 4), 0, "straddles id and status");
    cr_expect_eq(rd(RF, &rf, 0x0, 8), 0, "wider than id");
    wr(RF, &rf, 0x100, 8, 5);
    cr_expect_eq(rf.unlisted_reads, 3);
    cr_expect_eq(rf.unlisted_writes, 1);
    cr_expect_eq(vmf_regfile_find(&rf, "id")->reads, 0, "a straddling access counts for no register");
    cr_expect_eq(vmf_regfile_find(&rf, "status")->reads, 0);
}

Test(regfile, unlisted_error_messages)
{
    struct vmf_regfile rf;
    sample(&rf, VMF_UNLISTED_ERROR);
    char msg[160] = "";
    uint64_t v = 1;
    cr_expect_eq(RF->read(&rf, 0x20, 4, &v, msg, sizeof(msg)), VMF_DEV_ERROR);
    cr_expect_str_eq(msg, "read of 4 bytes at offset 0x20: no register there");
    cr_expect_eq(RF->write(&rf, 0x40, 1, 9, msg, sizeof(msg)), VMF_DEV_ERROR);
    cr_expect_str_eq(msg, "write of 1 bytes at offset 0x40: no register there");
    cr_expect_eq(RF->read(&rf, 0x12, 4, &v, msg, sizeof(msg)), VMF_DEV_ERROR);
    cr_expect_str_eq(msg,
                     "read of 4 bytes at offset 0x12: not inside one register (overlaps scratch at 0x10, 4 bytes)");
    cr_expect_eq(RF->read(&rf, 0x2, 8, &v, msg, sizeof(msg)), VMF_DEV_ERROR);
    cr_expect_str_eq(msg, "read of 8 bytes at offset 0x2: not inside one register (overlaps id at 0x0, 4 bytes)");
    cr_expect_eq(RF->read(&rf, 0x20, 4, &v, NULL, 0), VMF_DEV_ERROR, "msg may be NULL");
    cr_expect_eq(rf.unlisted_reads, 4);
    cr_expect_eq(rf.unlisted_writes, 1);
    /* registers still work */
    cr_expect_eq(rd(RF, &rf, 0x0, 4), 0x44332211);
}

Test(regfile, unlisted_stop)
{
    struct vmf_regfile rf;
    sample(&rf, VMF_UNLISTED_STOP);
    char msg[160] = "";
    uint64_t v = 1;
    cr_expect_eq(RF->read(&rf, 0x24, 4, &v, msg, sizeof(msg)), VMF_DEV_STOP);
    cr_expect_eq(v, 0, "a stopping read still returns a value");
    cr_expect_str_eq(msg, "read of 4 bytes at offset 0x24: no register there");
    cr_expect_eq(RF->write(&rf, 0x800, 2, 1, msg, sizeof(msg)), VMF_DEV_STOP);
    cr_expect_str_eq(msg, "write of 2 bytes at offset 0x800: no register there");
    cr_expect_eq(rf.unlisted_reads, 1);
    cr_expect_eq(rf.unlisted_writes, 1);
}

/* ---- register file: configuration checks ----------------------------------------------------------- */

/* Expect check() and init() to refuse c with a message containing `part`. */
static void refused(const struct vmf_regfile_config *c, const char *part)
{
    char msg[160] = "";
    cr_expect_eq(vmf_regfile_check(c, msg, sizeof(msg)), -1, "expected refusal: %s", part);
    cr_expect(strstr(msg, part) != NULL, "message '%s' should contain '%s'", msg, part);
    struct vmf_regfile rf;
    cr_expect_eq(vmf_regfile_init(&rf, c, NULL, 0), -1);
}

Test(regfile, check_accepts_sample_and_empty)
{
    struct vmf_regfile_config c;
    sample_config(&c, VMF_UNLISTED_STOP);
    cr_expect_eq(vmf_regfile_check(&c, NULL, 0), 0);
    memset(&c, 0, sizeof(c));
    cr_expect_eq(vmf_regfile_check(&c, NULL, 0), 0, "no registers: everything is unlisted");
}

Test(regfile, check_rejects)
{
    struct vmf_regfile_config c;

    sample_config(&c, 0);
    c.regs[6] = reg("over", 0x12, 2, VMF_REG_CONST, 0); /* inside scratch */
    c.nregs = 7;
    refused(&c, "overlaps register 4 (scratch)");

    sample_config(&c, 0);
    c.regs[6] = reg("wide2", 0x10, 8, VMF_REG_CONST, 0); /* covers scratch */
    c.nregs = 7;
    refused(&c, "overlaps");

    sample_config(&c, 0);
    c.regs[6] = reg("mis", 0x22, 4, VMF_REG_CONST, 0);
    c.nregs = 7;
    refused(&c, "offset 0x22 is not a multiple of its size 4");

    sample_config(&c, 0);
    c.regs[6] = reg("odd", 0x30, 3, VMF_REG_CONST, 0);
    c.nregs = 7;
    refused(&c, "size 3 is not 1, 2, 4 or 8");

    sample_config(&c, 0);
    c.regs[6] = reg("big", 0x40, 16, VMF_REG_CONST, 0);
    c.nregs = 7;
    refused(&c, "size 16");

    sample_config(&c, 0);
    c.regs[6] = bitfield("bf", 0x40, 4, 0, 30, 4, 0, 1); /* bits [30,34) of a 32-bit register */
    c.nregs = 7;
    refused(&c, "bitfield [30, 34) does not fit in 32 bits");

    sample_config(&c, 0);
    c.regs[6] = bitfield("bf0", 0x40, 4, 0, 0, 0, 0, 1);
    c.nregs = 7;
    refused(&c, "bitfield");

    sample_config(&c, 0);
    c.regs[6] = bitfield("bf65", 0x40, 8, 0, 0, 65, 0, 1);
    c.nregs = 7;
    refused(&c, "bitfield");

    sample_config(&c, 0);
    c.regs[6] = reg("noval", 0x40, 4, VMF_REG_SEQUENCE, 0);
    c.nregs = 7;
    refused(&c, "0 values");

    sample_config(&c, 0);
    c.regs[6] = reg("noval", 0x40, 4, VMF_REG_VALUES, 0);
    c.regs[6].nvalues = VMF_REGFILE_MAX_VALUES + 1;
    c.nregs = 7;
    refused(&c, "65 values");

    sample_config(&c, 0);
    c.regs[6] = reg("kind", 0x40, 4, 9, 0);
    c.nregs = 7;
    refused(&c, "kind 9");

    sample_config(&c, 0);
    c.regs[6] = reg("id", 0x40, 4, VMF_REG_CONST, 0);
    c.nregs = 7;
    refused(&c, "both named 'id'");

    sample_config(&c, 0);
    memset(c.regs[6].name, 'x', sizeof(c.regs[6].name));
    c.regs[6].size = 4;
    c.regs[6].offset = 0x40;
    c.nregs = 7;
    refused(&c, "not NUL-terminated");

    sample_config(&c, 0);
    c.regs[6] = reg("wrap", 0xfffffffffffffff8ull, 8, VMF_REG_CONST, 0);
    c.nregs = 7;
    refused(&c, "wraps");

    sample_config(&c, 3);
    refused(&c, "unlisted policy 3");

    sample_config(&c, 0);
    c.nregs = VMF_REGFILE_MAX_REGS + 1;
    refused(&c, "65 registers");

    cr_expect_eq(vmf_regfile_check(NULL, NULL, 0), -1);
    cr_expect_eq(vmf_regfile_init(NULL, &c, NULL, 0), -1);
}

Test(regfile, unnamed_registers_may_repeat)
{
    struct vmf_regfile_config c;
    memset(&c, 0, sizeof(c));
    c.regs[0] = reg("", 0, 4, VMF_REG_CONST, 1);
    c.regs[1] = reg("", 4, 4, VMF_REG_CONST, 2);
    c.nregs = 2;
    cr_expect_eq(vmf_regfile_check(&c, NULL, 0), 0);
}

/* ---- register file: snapshot, restore, reset, determinism -------------------------------------------- */

/* Touch every register once, returning the values read (one per register). */
static void touch_all(struct vmf_regfile *rf, uint64_t out[6])
{
    static const uint64_t offs[] = {0x0, 0x4, 0x8, 0xc, 0x10, 0x18};
    for (int i = 0; i < 6; i++) {
        out[i] = rd(RF, rf, offs[i], i == 5 ? 8 : 4);
        wr(RF, rf, offs[i] + 1, 1, (uint64_t)(0x50 + i));
    }
}

Test(regfile, snapshot_restore_replays_identically)
{
    struct vmf_regfile rf;
    sample(&rf, VMF_UNLISTED_ZERO);
    uint64_t first[6], a[6], b[6];
    touch_all(&rf, first);
    static unsigned char snap[sizeof(struct vmf_regfile)], after[sizeof(struct vmf_regfile)];
    cr_assert_eq(RF->snapshot_size(&rf), sizeof(snap));
    RF->snapshot(&rf, snap);
    for (int k = 0; k < 3; k++)
        touch_all(&rf, a);
    RF->snapshot(&rf, after);
    RF->restore(&rf, snap);
    cr_expect_eq(memcmp(&rf, snap, sizeof(snap)), 0);
    for (int k = 0; k < 3; k++)
        touch_all(&rf, b);
    cr_expect_eq(memcmp(a, b, sizeof(a)), 0, "same reads after restore");
    cr_expect_eq(memcmp(&rf, after, sizeof(after)), 0, "same state after the same accesses");
    cr_expect_neq(memcmp(first, a, sizeof(a)), 0, "the scripted registers moved on");
}

Test(regfile, reset_returns_to_init)
{
    struct vmf_regfile rf;
    sample(&rf, VMF_UNLISTED_ZERO);
    static struct vmf_regfile fresh;
    memcpy(&fresh, &rf, sizeof(rf));
    uint64_t a[6], b[6];
    touch_all(&rf, a);
    rd(RF, &rf, 0x100, 4);
    wr(RF, &rf, 0x100, 4, 1);
    cr_expect_neq(memcmp(&rf, &fresh, sizeof(rf)), 0);
    RF->reset(&rf);
    cr_expect_eq(memcmp(&rf, &fresh, sizeof(rf)), 0);
    touch_all(&rf, b);
    cr_expect_eq(memcmp(a, b, sizeof(a)), 0);
}

Test(regfile, init_is_canonical)
{
    /* The same registers from configs with different junk in unused bytes give
     * byte-identical devices, so their snapshots compare equal. */
    static struct vmf_regfile_config c1, c2;
    static struct vmf_regfile r1, r2;
    sample_config(&c1, VMF_UNLISTED_ERROR);
    memset(&c2, 0xa5, sizeof(c2));
    for (int i = 0; i < 6; i++) {
        struct vmf_regfile_reg *d = &c2.regs[i];
        const struct vmf_regfile_reg *s = &c1.regs[i];
        memcpy(d->name, s->name, strlen(s->name) + 1);
        d->offset = s->offset;
        d->size = s->size;
        d->kind = s->kind;
        d->value = s->value;
        d->nvalues = s->nvalues;
        memcpy(d->values, s->values, s->nvalues * sizeof(s->values[0]));
        d->lsb = s->lsb;
        d->width = s->width;
        d->start = s->start;
        d->step = s->step;
    }
    c2.nregs = c1.nregs;
    c2.unlisted = c1.unlisted;
    memset(&r1, 0x11, sizeof(r1));
    memset(&r2, 0x77, sizeof(r2));
    cr_assert_eq(vmf_regfile_init(&r1, &c1, NULL, 0), 0);
    cr_assert_eq(vmf_regfile_init(&r2, &c2, NULL, 0), 0);
    cr_expect_eq(memcmp(&r1, &r2, sizeof(r1)), 0);
}

/* ---- PL011 ----------------------------------------------------------------------------------------- */

#define DR 0x000
#define RSR 0x004
#define FR 0x018
#define IBRD 0x024
#define FBRD 0x028
#define LCRH 0x02c
#define CR 0x030
#define IFLS 0x034
#define IMSC 0x038
#define RIS 0x03c
#define MIS 0x040
#define ICR 0x044
#define DMACR 0x048

static struct vmf_pl011 *new_uart(void)
{
    /* 64 KiB of capture: on the heap, so Criterion's stack is not a concern */
    struct vmf_pl011 *u = malloc(sizeof(*u));
    cr_assert_not_null(u);
    memset(u, 0x5a, sizeof(*u));
    vmf_pl011_init(u);
    return u;
}

Test(pl011, ops_table)
{
    cr_expect_str_eq(UART->model, "pl011");
    cr_expect_eq(UART->sizes, 1 | 2 | 4);
    cr_expect_not(UART->unaligned);
    struct vmf_pl011 *u = new_uart();
    cr_expect_eq(UART->snapshot_size(u), sizeof(*u));
    free(u);
}

Test(pl011, reset_values)
{
    struct vmf_pl011 *u = new_uart();
    cr_expect_eq(rd(UART, u, FR, 4), 0x90, "TXFE | RXFE");
    cr_expect_eq(rd(UART, u, CR, 4), 0x300, "TXE | RXE, UART disabled");
    cr_expect_eq(rd(UART, u, IFLS, 4), 0x12);
    cr_expect_eq(rd(UART, u, RIS, 4), 0);
    cr_expect_eq(rd(UART, u, MIS, 4), 0);
    cr_expect_eq(rd(UART, u, IMSC, 4), 0);
    cr_expect_eq(rd(UART, u, RSR, 4), 0);
    cr_expect_eq(rd(UART, u, DR, 4), 0, "no input: DR reads 0");
    cr_expect_eq(u->out_len, 0);
    cr_expect_eq(u->out[0], 0);
    free(u);
}

Test(pl011, peripheral_and_primecell_ids)
{
    struct vmf_pl011 *u = new_uart();
    static const uint64_t id[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
    for (unsigned i = 0; i < 8; i++) {
        cr_expect_eq(rd(UART, u, 0xfe0 + 4 * i, 4), id[i], "ID register 0x%x", 0xfe0 + 4 * i);
        cr_expect_eq(rd(UART, u, 0xfe0 + 4 * i, 1), id[i]);
    }
    wr(UART, u, 0xfe0, 4, 0xff); /* read-only */
    cr_expect_eq(rd(UART, u, 0xfe0, 4), 0x11);
    free(u);
}

Test(pl011, flags_follow_input)
{
    struct vmf_pl011 *u = new_uart();
    cr_expect_eq(vmf_pl011_input(u, "ab", 2), 2);
    uint64_t fr = rd(UART, u, FR, 4);
    cr_expect_eq(fr, 0x80, "TXFE only: input queued");
    cr_expect_eq(fr & ((1u << 3) | (1u << 5) | (1u << 6)), 0, "never busy or full");
    cr_expect_eq(rd(UART, u, DR, 4), 'a');
    cr_expect_eq(rd(UART, u, FR, 1), 0x80);
    cr_expect_eq(rd(UART, u, DR, 1), 'b');
    cr_expect_eq(rd(UART, u, FR, 4), 0x90, "drained: RXFE again");
    cr_expect_eq(rd(UART, u, DR, 4), 0);
    free(u);
}

Test(pl011, input_queue_bounds_and_wrap)
{
    struct vmf_pl011 *u = new_uart();
    uint8_t buf[VMF_PL011_IN_MAX + 10];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)i;
    cr_expect_eq(vmf_pl011_input(u, buf, sizeof(buf)), VMF_PL011_IN_MAX, "only what fits");
    cr_expect_eq(vmf_pl011_input(u, buf, 1), 0, "full");
    for (unsigned i = 0; i < 200; i++)
        cr_assert_eq(rd(UART, u, DR, 4), i & 0xff);
    cr_expect_eq(vmf_pl011_input(u, "xyz", 3), 3, "room again, across the end of the ring");
    for (unsigned i = 200; i < VMF_PL011_IN_MAX; i++)
        cr_assert_eq(rd(UART, u, DR, 4), i & 0xff);
    cr_expect_eq(rd(UART, u, DR, 4), 'x');
    cr_expect_eq(rd(UART, u, DR, 4), 'y');
    cr_expect_eq(rd(UART, u, DR, 4), 'z');
    cr_expect_eq(rd(UART, u, FR, 4), 0x90);
    cr_expect_eq(vmf_pl011_input(u, NULL, 0), 0);
    cr_expect_eq(vmf_pl011_input(NULL, "a", 1), 0);
    free(u);
}

Test(pl011, narrow_dr_read_off_lane_does_not_pop)
{
    struct vmf_pl011 *u = new_uart();
    vmf_pl011_input(u, "q", 1);
    cr_expect_eq(rd(UART, u, DR + 1, 1), 0, "error flags byte: no errors, nothing consumed");
    cr_expect_eq(rd(UART, u, DR, 2), 'q');
    free(u);
}

Test(pl011, dr_captures_output)
{
    struct vmf_pl011 *u = new_uart();
    wr(UART, u, DR, 1, 'h');
    wr(UART, u, DR, 4, 0x769); /* only the data byte: 'i' */
    wr(UART, u, DR, 2, '\n');
    wr(UART, u, DR + 1, 1, 'X'); /* not the data lane: nothing sent */
    cr_expect_eq(u->out_len, 3);
    cr_expect_str_eq(u->out, "hi\n");
    free(u);
}

Test(pl011, output_past_the_buffer)
{
    struct vmf_pl011 *u = new_uart();
    for (uint32_t i = 0; i < VMF_PL011_OUT_MAX + 10; i++)
        wr(UART, u, DR, 1, 'a' + i % 26);
    cr_expect_eq(u->out_len, VMF_PL011_OUT_MAX + 10, "every byte counted");
    const char *nul = memchr(u->out, 0, VMF_PL011_OUT_MAX);
    cr_assert_not_null(nul, "NUL-terminated within bounds");
    cr_expect_eq(nul - u->out, VMF_PL011_OUT_MAX - 1, "kept bytes");
    cr_expect_eq(u->out[VMF_PL011_OUT_MAX - 1], 0);
    cr_expect_eq(u->out[0], 'a');
    cr_expect_eq(u->out[VMF_PL011_OUT_MAX - 2], 'a' + (VMF_PL011_OUT_MAX - 2) % 26);
    free(u);
}

Test(pl011, control_registers_store_and_mask)
{
    struct vmf_pl011 *u = new_uart();
    wr(UART, u, IBRD, 4, 0x12345);
    cr_expect_eq(rd(UART, u, IBRD, 4), 0x2345, "16 bits");
    wr(UART, u, FBRD, 4, 0xff);
    cr_expect_eq(rd(UART, u, FBRD, 4), 0x3f, "6 bits");
    wr(UART, u, LCRH, 4, 0x70);
    cr_expect_eq(rd(UART, u, LCRH, 4), 0x70);
    wr(UART, u, CR + 1, 1, 0x03); /* byte write to CR's upper byte keeps the low one */
    wr(UART, u, CR, 1, 0x01);
    cr_expect_eq(rd(UART, u, CR, 4), 0x301);
    cr_expect_eq(rd(UART, u, CR + 1, 1), 0x03);
    cr_expect_eq(rd(UART, u, CR, 2), 0x301);
    wr(UART, u, IMSC, 4, 0xffffffff);
    cr_expect_eq(rd(UART, u, IMSC, 4), 0x7ff, "11 interrupt bits");
    wr(UART, u, DMACR, 4, 0xff);
    cr_expect_eq(rd(UART, u, DMACR, 4), 0x7);
    wr(UART, u, FR, 4, 0);
    cr_expect_eq(rd(UART, u, FR, 4), 0x90, "FR is read-only");
    wr(UART, u, 0x100, 4, 0x1234); /* unknown offset: ignored */
    cr_expect_eq(rd(UART, u, 0x100, 4), 0);
    cr_expect_eq(rd(UART, u, ICR, 4), 0, "ICR is write-only");
    free(u);
}

Test(pl011, interrupts_ris_imsc_mis_icr)
{
    struct vmf_pl011 *u = new_uart();
    cr_expect_eq(rd(UART, u, RIS, 4), 0, "UART disabled: no TX interrupt");
    wr(UART, u, CR, 4, 0x301); /* UARTEN | TXE | RXE */
    cr_expect_eq(rd(UART, u, RIS, 4), 0x20, "TX FIFO empty: TXRIS");
    cr_expect_eq(rd(UART, u, MIS, 4), 0, "masked");
    wr(UART, u, IMSC, 4, 0x30); /* RXIM | TXIM */
    cr_expect_eq(rd(UART, u, MIS, 4), 0x20);
    wr(UART, u, ICR, 4, 0x20);
    cr_expect_eq(rd(UART, u, RIS, 4), 0, "ICR clears TXRIS");
    cr_expect_eq(rd(UART, u, MIS, 4), 0);
    wr(UART, u, DR, 1, 'x');
    cr_expect_eq(rd(UART, u, RIS, 4), 0x20, "a transmitted byte re-asserts it");

    vmf_pl011_input(u, "12", 2);
    cr_expect_eq(rd(UART, u, RIS, 4), 0x30, "input: RXRIS");
    cr_expect_eq(rd(UART, u, MIS, 4), 0x30);
    wr(UART, u, IMSC, 4, 0x10);
    cr_expect_eq(rd(UART, u, MIS, 4), 0x10, "MIS = RIS & IMSC");
    wr(UART, u, ICR, 4, 0x10);
    cr_expect_eq(rd(UART, u, RIS, 4), 0x20, "ICR clears RXRIS, data still queued");
    cr_expect_eq(rd(UART, u, FR, 4), 0x80);
    vmf_pl011_input(u, "3", 1);
    cr_expect_eq(rd(UART, u, MIS, 4), 0x10, "new input re-asserts RXRIS");
    rd(UART, u, DR, 4);
    rd(UART, u, DR, 4);
    cr_expect_eq(rd(UART, u, MIS, 4), 0x10, "still data");
    rd(UART, u, DR, 4);
    cr_expect_eq(rd(UART, u, MIS, 4), 0, "drained: RXRIS drops");
    wr(UART, u, RIS, 4, 0x7ff);
    cr_expect_eq(rd(UART, u, RIS, 4), 0x20, "RIS is read-only");
    wr(UART, u, ICR, 4, 0x7ff);
    cr_expect_eq(rd(UART, u, RIS, 4), 0);
    wr(UART, u, CR, 4, 0x201); /* TXE off */
    wr(UART, u, DR, 1, 'y');
    cr_expect_eq(rd(UART, u, RIS, 4), 0, "transmitter disabled: no TX interrupt");
    free(u);
}

Test(pl011, snapshot_restore_and_reset)
{
    struct vmf_pl011 *u = new_uart();
    struct vmf_pl011 *snap = malloc(sizeof(*u));
    struct vmf_pl011 *fresh = malloc(sizeof(*u));
    memcpy(fresh, u, sizeof(*u));
    wr(UART, u, DR, 1, 'a');
    wr(UART, u, CR, 4, 0x301);
    vmf_pl011_input(u, "xy", 2);
    UART->snapshot(u, snap);
    cr_expect_eq(rd(UART, u, DR, 4), 'x');
    wr(UART, u, DR, 1, 'b');
    UART->restore(u, snap);
    cr_expect_str_eq(u->out, "a");
    cr_expect_eq(rd(UART, u, DR, 4), 'x', "the queue is back");
    cr_expect_eq(rd(UART, u, CR, 4), 0x301);
    UART->reset(u);
    cr_expect_eq(memcmp(u, fresh, sizeof(*u)), 0, "reset = state after init");
    free(fresh);
    free(snap);
    free(u);
}

/* ---- test-exit ------------------------------------------------------------------------------------- */

Test(test_exit, probe_and_exit)
{
    cr_expect_str_eq(TEXIT->model, "test-exit");
    cr_expect_eq(TEXIT->sizes, 4);
    struct vmf_test_exit t;
    memset(&t, 0x33, sizeof(t));
    vmf_test_exit_init(&t);
    cr_expect_not(t.exited);
    cr_expect_eq(rd(TEXIT, &t, 0, 4), 0x54455354, "\"TEST\"");
    cr_expect_eq(rd(TEXIT, &t, 4, 4), 0);
    wr(TEXIT, &t, 4, 4, 9); /* other offsets: ignored */
    cr_expect_not(t.exited);
    char msg[64] = "";
    cr_expect_eq(TEXIT->write(&t, 0, 4, 42, msg, sizeof(msg)), VMF_DEV_STOP);
    cr_expect_str_eq(msg, "test-exit: status 42");
    cr_expect(t.exited);
    cr_expect_eq(t.status, 42);
    cr_expect_eq(TEXIT->write(&t, 0, 4, 0xffffffff, NULL, 0), VMF_DEV_STOP, "msg may be NULL");
    cr_expect_eq(t.status, 0xffffffffu);

    struct vmf_test_exit snap, fresh;
    vmf_test_exit_init(&fresh);
    cr_expect_eq(TEXIT->snapshot_size(&t), sizeof(t));
    TEXIT->snapshot(&t, &snap);
    TEXIT->reset(&t);
    cr_expect_eq(memcmp(&t, &fresh, sizeof(t)), 0);
    TEXIT->restore(&t, &snap);
    cr_expect(t.exited);
    cr_expect_eq(t.status, 0xffffffffu);
}

/* ---- the binding, with real guests on both trap paths ----------------------------------------------- */

/* One test per trap path from one body. */
#define BOTH_PATHS(suite, name)                                                                                        \
    static void name(enum vmf_path path);                                                                              \
    Test(suite, name##_fast)                                                                                           \
    {                                                                                                                  \
        name(VMF_PATH_FAST);                                                                                           \
    }                                                                                                                  \
    Test(suite, name##_exit)                                                                                           \
    {                                                                                                                  \
        name(VMF_PATH_EXIT);                                                                                           \
    }                                                                                                                  \
    static void name(enum vmf_path path)

static void boot(struct tvm *t, enum vmf_path path, const uint32_t *code, size_t n)
{
    cr_assert_eq(tvm_create(t, path), 0);
    cr_assert_eq(tvm_load(t, code, n), 0);
}

static void run(struct tvm *t, vmf_exit *ex)
{
    cr_assert_eq(tvm_run(t, 100000, ex), 0);
}

/* x0 = UART; prints the NUL-terminated string after the code, polling FR.TXFF. */
static const uint32_t hi_guest[] = {
    0x10000103, /*     adr  x3, msg             */
    0x38401461, /* 1:  ldrb w1, [x3], #1        */
    0x340000a1, /*     cbz  w1, 3f              */
    0xb9401802, /* 2:  ldr  w2, [x0, #0x18]     FR */
    0x372fffe2, /*     tbnz w2, #5, 2b          TXFF */
    0x39000001, /*     strb w1, [x0]            DR */
    0x17fffffb, /*     b    1b                  */
    A64_WFI,    /* 3:  wfi                      */
    0x000a6968, /* msg: .ascii "hi\n\0"         */
};

BOTH_PATHS(bind, pl011_prints_hi)
{
    struct tvm t;
    boot(&t, path, hi_guest, sizeof(hi_guest) / 4);
    struct vmf_pl011 *u = new_uart();
    struct vmf_device_binding b;
    cr_assert_eq(vmf_device_attach(t.vm, &b, "uart0", TVM_DEV, 0x1000, &vmf_pl011_ops, u), 0);
    cr_expect_str_eq(vmf_reservation_name(b.res), "uart0");
    tvm_set_x(&t, 0, TVM_DEV);
    vmf_exit ex;
    run(&t, &ex);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "exit %s: %s", vmf_exit_name(ex.exitcode), ex.u.error.message);
    cr_expect_eq(u->out_len, 3);
    cr_expect_str_eq(u->out, "hi\n");
    cr_expect_not(b.stopped);
    cr_expect_str_eq(b.message, "");
    tvm_destroy(&t);
    free(u);
}

/* x0 = register file; waits for status (offset 4) to become non-zero. */
static const uint32_t poll_guest[] = {
    0xb9400401, /* 1: ldr  w1, [x0, #4]   status */
    0x34ffffe1, /*    cbz  w1, 1b         */
    0xb9400802, /*    ldr  w2, [x0, #8]   id */
    0x39402404, /*    ldrb w4, [x0, #9]   id, byte 1 */
    A64_WFI,    /*    wfi                 */
};

BOTH_PATHS(bind, regfile_polled_sequence)
{
    struct tvm t;
    boot(&t, path, poll_guest, sizeof(poll_guest) / 4);
    static const uint64_t s[] = {0, 0, 0, 0x80000001};
    struct vmf_regfile_config c;
    memset(&c, 0, sizeof(c));
    c.regs[0] = seq("status", 4, 4, VMF_REG_SEQUENCE, s, 4);
    c.regs[1] = reg("id", 8, 4, VMF_REG_CONST, 0x12345678);
    c.nregs = 2;
    c.unlisted = VMF_UNLISTED_ERROR;
    struct vmf_regfile rf;
    cr_assert_eq(vmf_regfile_init(&rf, &c, NULL, 0), 0);
    struct vmf_device_binding b;
    cr_assert_eq(vmf_device_attach(t.vm, &b, "regs", TVM_DEV, 0x1000, &vmf_regfile_ops, &rf), 0);
    tvm_set_x(&t, 0, TVM_DEV);
    vmf_exit ex;
    run(&t, &ex);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "exit %s: %s / %s", vmf_exit_name(ex.exitcode), ex.u.error.message,
                 b.message);
    cr_expect_eq(tvm_x(&t, 1), 0x80000001, "w1 zero-extends");
    cr_expect_eq(tvm_x(&t, 2), 0x12345678);
    cr_expect_eq(tvm_x(&t, 4), 0x56);
    cr_expect_eq(vmf_regfile_find(&rf, "status")->reads, 4);
    cr_expect_eq(vmf_regfile_find(&rf, "id")->reads, 2);
    cr_expect_eq(rd(RF, &rf, 4, 4), 0x80000001, "the sequence sticks");
    tvm_destroy(&t);
}

static const uint32_t wide_guest[] = {
    0xd2800821, /* mov x1, #0x41  */
    0xf9000001, /* str x1, [x0]   8 bytes to DR */
    A64_WFI,    /* wfi            */
};

BOTH_PATHS(bind, pl011_refuses_8_bytes)
{
    struct tvm t;
    boot(&t, path, wide_guest, sizeof(wide_guest) / 4);
    struct vmf_pl011 *u = new_uart();
    struct vmf_device_binding b;
    cr_assert_eq(vmf_device_attach(t.vm, &b, "uart0", TVM_DEV, 0x1000, &vmf_pl011_ops, u), 0);
    tvm_set_x(&t, 0, TVM_DEV);
    vmf_exit ex;
    run(&t, &ex);
    cr_expect_eq(ex.exitcode, VMF_EXIT_ERROR, "exit %s", vmf_exit_name(ex.exitcode));
    cr_expect_eq(ex.u.error.status, VMF_EHANDLER);
    cr_expect_str_eq(b.message, "uart0: write of 8 bytes at offset 0x0 not accepted (sizes 1, 2, 4)");
    cr_expect_eq(u->out_len, 0, "the model never saw it");
    cr_expect_not(b.stopped);
    tvm_destroy(&t);
    free(u);
}

static const uint32_t unaligned_guest[] = {
    0xb8402001, /* ldur w1, [x0, #2] */
    A64_WFI,    /* wfi               */
};

BOTH_PATHS(bind, pl011_refuses_unaligned)
{
    struct tvm t;
    boot(&t, path, unaligned_guest, sizeof(unaligned_guest) / 4);
    struct vmf_pl011 *u = new_uart();
    struct vmf_device_binding b;
    cr_assert_eq(vmf_device_attach(t.vm, &b, "uart0", TVM_DEV, 0x1000, &vmf_pl011_ops, u), 0);
    tvm_set_x(&t, 0, TVM_DEV + 0x18);
    vmf_exit ex;
    run(&t, &ex);
    cr_expect_eq(ex.exitcode, VMF_EXIT_ERROR, "exit %s", vmf_exit_name(ex.exitcode));
    cr_expect_str_eq(b.message, "uart0: read of 4 bytes at offset 0x1a not accepted (unaligned)");
    tvm_destroy(&t);
    free(u);
}

static const uint32_t exit_guest[] = {
    0x52800061, /* mov w1, #3      */
    0xb9000001, /* str w1, [x0]    test-exit */
    0xd28000e5, /* mov x5, #7      never runs */
    A64_WFI,    /* wfi             */
};

BOTH_PATHS(bind, test_exit_stops_the_run)
{
    struct tvm t;
    boot(&t, path, exit_guest, sizeof(exit_guest) / 4);
    struct vmf_test_exit te;
    vmf_test_exit_init(&te);
    struct vmf_device_binding b;
    cr_assert_eq(vmf_device_attach(t.vm, &b, "exit0", TVM_DEV, 0x1000, &vmf_test_exit_ops, &te), 0);
    tvm_set_x(&t, 0, TVM_DEV);
    vmf_exit ex;
    run(&t, &ex);
    cr_expect_eq(ex.exitcode, VMF_EXIT_STOP, "exit %s: %s", vmf_exit_name(ex.exitcode), ex.u.error.message);
    cr_expect(te.exited);
    cr_expect_eq(te.status, 3);
    cr_expect(b.stopped);
    cr_expect_str_eq(b.message, "exit0: test-exit: status 3");
    cr_expect_eq(tvm_x(&t, 5), 0, "stopped right after the store");
    uint64_t pc = 0;
    vmf_reg_read(t.vcpu, VMF_ARM64_PC, &pc);
    cr_expect_eq(pc, TVM_RAM + 8, "the store completed");
    tvm_destroy(&t);
}

/* x0 = UART, x6 = test-exit: print "ok", probe the test device, exit 0. */
static const uint32_t two_dev_guest[] = {
    0x52800de1, /* mov  w1, #'o'    */
    0x39000001, /* strb w1, [x0]    */
    0x52800d61, /* mov  w1, #'k'    */
    0x39000001, /* strb w1, [x0]    */
    0xb94000c2, /* ldr  w2, [x6]    "TEST" */
    0xb90000df, /* str  wzr, [x6]   exit 0 */
    0xd28000e5, /* mov  x5, #7      never runs */
    A64_WFI,    /* wfi              */
};

BOTH_PATHS(bind, uart_and_test_exit_together)
{
    struct tvm t;
    boot(&t, path, two_dev_guest, sizeof(two_dev_guest) / 4);
    struct vmf_pl011 *u = new_uart();
    struct vmf_test_exit te;
    vmf_test_exit_init(&te);
    struct vmf_device_binding bu, bt;
    cr_assert_eq(vmf_device_attach(t.vm, &bu, "uart0", TVM_DEV, 0x1000, &vmf_pl011_ops, u), 0);
    cr_assert_eq(vmf_device_attach(t.vm, &bt, NULL, TVM_DEV + 0x1000, 0x1000, &vmf_test_exit_ops, &te), 0);
    cr_expect_str_eq(bt.name, "test-exit", "unnamed: the model's name");
    tvm_set_x(&t, 0, TVM_DEV);
    tvm_set_x(&t, 6, TVM_DEV + 0x1000);
    vmf_exit ex;
    run(&t, &ex);
    cr_expect_eq(ex.exitcode, VMF_EXIT_STOP, "exit %s: %s", vmf_exit_name(ex.exitcode), ex.u.error.message);
    cr_expect_str_eq(u->out, "ok");
    cr_expect_eq(tvm_x(&t, 2), 0x54455354);
    cr_expect(te.exited);
    cr_expect_eq(te.status, 0);
    cr_expect_str_eq(bt.message, "test-exit: test-exit: status 0");
    cr_expect_not(bu.stopped);
    cr_expect_eq(tvm_x(&t, 5), 0);
    tvm_destroy(&t);
    free(u);
}

static const uint32_t unlisted_guest[] = {
    0xb9402001, /* ldr w1, [x0, #0x20]  no register there */
    0xd28000e5, /* mov x5, #7           */
    A64_WFI,    /* wfi                  */
};

/* The register file's "error" and "stop" policies, as the run sees them. */
static void unlisted_run(enum vmf_path path, uint8_t policy, vmf_exit *ex, struct vmf_device_binding *b, uint64_t *x5)
{
    struct tvm t;
    boot(&t, path, unlisted_guest, sizeof(unlisted_guest) / 4);
    struct vmf_regfile_config c;
    memset(&c, 0, sizeof(c));
    c.regs[0] = reg("ctrl", 0, 4, VMF_REG_PASSTHROUGH, 0);
    c.nregs = 1;
    c.unlisted = policy;
    struct vmf_regfile rf;
    cr_assert_eq(vmf_regfile_init(&rf, &c, NULL, 0), 0);
    cr_assert_eq(vmf_device_attach(t.vm, b, "regs", TVM_DEV, 0x1000, &vmf_regfile_ops, &rf), 0);
    tvm_set_x(&t, 0, TVM_DEV);
    tvm_set_x(&t, 1, 0x1111);
    run(&t, ex);
    *x5 = tvm_x(&t, 5);
    cr_expect_eq(rf.unlisted_reads, 1);
    if (policy == VMF_UNLISTED_STOP)
        cr_expect_eq(tvm_x(&t, 1), 0, "the stopping read completed with 0");
    tvm_destroy(&t);
}

BOTH_PATHS(bind, regfile_unlisted_error)
{
    vmf_exit ex;
    struct vmf_device_binding b;
    uint64_t x5;
    unlisted_run(path, VMF_UNLISTED_ERROR, &ex, &b, &x5);
    cr_expect_eq(ex.exitcode, VMF_EXIT_ERROR, "exit %s", vmf_exit_name(ex.exitcode));
    cr_expect_str_eq(b.message, "regs: read of 4 bytes at offset 0x20: no register there");
    cr_expect_not(b.stopped);
    cr_expect_eq(x5, 0);
}

BOTH_PATHS(bind, regfile_unlisted_stop)
{
    vmf_exit ex;
    struct vmf_device_binding b;
    uint64_t x5;
    unlisted_run(path, VMF_UNLISTED_STOP, &ex, &b, &x5);
    cr_expect_eq(ex.exitcode, VMF_EXIT_STOP, "exit %s", vmf_exit_name(ex.exitcode));
    cr_expect_str_eq(b.message, "regs: read of 4 bytes at offset 0x20: no register there");
    cr_expect(b.stopped);
    cr_expect_eq(x5, 0);
}

Test(bind, attach_checks_arguments)
{
    struct tvm t;
    cr_assert_eq(tvm_create(&t, VMF_PATH_FAST), 0);
    struct vmf_test_exit te;
    vmf_test_exit_init(&te);
    struct vmf_device_binding b, b2;
    cr_expect_eq(vmf_device_attach(NULL, &b, "x", TVM_DEV, 0x1000, &vmf_test_exit_ops, &te), VMF_EINVAL);
    cr_expect_eq(vmf_device_attach(t.vm, NULL, "x", TVM_DEV, 0x1000, &vmf_test_exit_ops, &te), VMF_EINVAL);
    cr_expect_eq(vmf_device_attach(t.vm, &b, "x", TVM_DEV, 0x1000, NULL, &te), VMF_EINVAL);
    cr_expect_eq(vmf_device_attach(t.vm, &b, "x", TVM_DEV, 0x1000, &vmf_test_exit_ops, NULL), VMF_EINVAL);
    cr_expect_eq(vmf_device_attach(t.vm, &b, "x", TVM_DEV + 4, 0x1000, &vmf_test_exit_ops, &te), VMF_EALIGN);
    cr_expect_eq(vmf_device_attach(t.vm, &b, "x", TVM_DEV, 0x1000, &vmf_test_exit_ops, &te), 0);
    cr_expect_eq(vmf_device_attach(t.vm, &b2, "y", TVM_DEV, 0x2000, &vmf_test_exit_ops, &te), VMF_EOVERLAP);
    cr_expect_eq(vmf_device_attach(t.vm, &b2, "a-name-longer-than-thirty-one-characters", TVM_DEV + 0x1000, 0x1000,
                                   &vmf_test_exit_ops, &te),
                 0);
    cr_expect_eq(strlen(b2.name), 31, "truncated to fit");
    tvm_destroy(&t);
}

/* ---- uart8250 ----------------------------------------------------------------------------------- */

static const vmf_device_ops *const U8250 = &vmf_uart8250_ops;

Test(uart8250, ops_table)
{
    cr_expect_str_eq(U8250->model, "uart8250");
    cr_expect_eq(U8250->sizes, VMF_DEV_SIZE(1), "byte-wide registers only");
    cr_expect_not_null(U8250->reset);
    cr_expect_not_null(U8250->snapshot);
    cr_expect_not_null(U8250->restore);
}

Test(uart8250, reset_values)
{
    struct vmf_uart8250 u;
    memset(&u, 0x5a, sizeof(u));
    vmf_uart8250_init(&u);
    cr_expect_eq(rd(U8250, &u, VMF_UART8250_LSR, 1), 0x60, "THRE | TEMT, no data ready");
    cr_expect_eq(rd(U8250, &u, VMF_UART8250_IIR, 1), 0x01, "no interrupt pending, FIFOs off");
    cr_expect_eq(rd(U8250, &u, VMF_UART8250_MSR, 1), 0xb0, "DCD | DSR | CTS");
    cr_expect_eq(rd(U8250, &u, VMF_UART8250_THR, 1), 0, "RBR with nothing queued");
    cr_expect_eq(rd(U8250, &u, VMF_UART8250_LCR, 1), 0);
    cr_expect_eq(rd(U8250, &u, 8, 1), 0, "past the eight registers");
    cr_expect_eq(u.out_len, 0);
}

Test(uart8250, thr_captures_output)
{
    struct vmf_uart8250 u;
    vmf_uart8250_init(&u);
    const char *msg = "hi\n";
    for (const char *p = msg; *p; p++) {
        cr_expect_eq(rd(U8250, &u, VMF_UART8250_LSR, 1) & VMF_UART8250_LSR_THRE, VMF_UART8250_LSR_THRE);
        wr(U8250, &u, VMF_UART8250_THR, 1, (uint8_t)*p);
    }
    cr_expect_eq(u.out_len, 3);
    cr_expect_str_eq(u.out, "hi\n");
    wr(U8250, &u, VMF_UART8250_LSR, 1, 0); /* read only: ignored */
    wr(U8250, &u, 9, 1, 0x41);             /* past the registers: ignored */
    cr_expect_eq(u.out_len, 3);
}

Test(uart8250, input_queue_and_lsr_dr)
{
    struct vmf_uart8250 u;
    vmf_uart8250_init(&u);
    cr_expect_eq(vmf_uart8250_input(&u, "ab", 2), 2);
    cr_expect_eq(rd(U8250, &u, VMF_UART8250_LSR, 1), 0x61, "DR while input is queued");
    cr_expect_eq(rd(U8250, &u, VMF_UART8250_THR, 1), 'a');
    cr_expect_eq(rd(U8250, &u, VMF_UART8250_THR, 1), 'b');
    cr_expect_eq(rd(U8250, &u, VMF_UART8250_LSR, 1), 0x60);
    cr_expect_eq(rd(U8250, &u, VMF_UART8250_THR, 1), 0);
    /* FCR bit 1 drops what is queued; bit 0 turns the FIFOs on (IIR bits 7:6) */
    vmf_uart8250_input(&u, "xyz", 3);
    wr(U8250, &u, VMF_UART8250_IIR, 1, 0x03);
    cr_expect_eq(rd(U8250, &u, VMF_UART8250_LSR, 1), 0x60);
    cr_expect_eq(rd(U8250, &u, VMF_UART8250_IIR, 1), 0xc1);
    /* the queue holds VMF_UART8250_IN_MAX bytes */
    char big[VMF_UART8250_IN_MAX + 10];
    memset(big, 'q', sizeof(big));
    cr_expect_eq(vmf_uart8250_input(&u, big, sizeof(big)), VMF_UART8250_IN_MAX);
    cr_expect_eq(vmf_uart8250_input(&u, big, 1), 0);
    cr_expect_eq(vmf_uart8250_input(NULL, big, 1), 0);
}

Test(uart8250, dlab_selects_the_divisor)
{
    struct vmf_uart8250 u;
    vmf_uart8250_init(&u);
    wr(U8250, &u, VMF_UART8250_LCR, 1, 0x83); /* DLAB, 8N1 */
    wr(U8250, &u, VMF_UART8250_THR, 1, 0x01); /* DLL: 115200 baud */
    wr(U8250, &u, VMF_UART8250_IER, 1, 0x00); /* DLM */
    cr_expect_eq(u.out_len, 0, "a divisor write is not output");
    cr_expect_eq(rd(U8250, &u, VMF_UART8250_THR, 1), 0x01);
    cr_expect_str_eq(vmf_uart8250_reg_name(&u, 0, true), "DLL");
    wr(U8250, &u, VMF_UART8250_LCR, 1, 0x03);
    cr_expect_str_eq(vmf_uart8250_reg_name(&u, 0, true), "THR");
    cr_expect_str_eq(vmf_uart8250_reg_name(&u, 0, false), "RBR");
    cr_expect_str_eq(vmf_uart8250_reg_name(&u, 2, true), "FCR");
    cr_expect_str_eq(vmf_uart8250_reg_name(&u, 5, false), "LSR");
    wr(U8250, &u, VMF_UART8250_IER, 1, 0xff);
    cr_expect_eq(rd(U8250, &u, VMF_UART8250_IER, 1), 0x0f, "IER keeps bits 3:0");
    wr(U8250, &u, VMF_UART8250_MCR, 1, 0xff);
    cr_expect_eq(rd(U8250, &u, VMF_UART8250_MCR, 1), 0x1f);
    wr(U8250, &u, VMF_UART8250_SCR, 1, 0xa5);
    cr_expect_eq(rd(U8250, &u, VMF_UART8250_SCR, 1), 0xa5);
    cr_expect_eq(rd(U8250, &u, VMF_UART8250_LCR, 1), 0x03);
}

Test(uart8250, output_past_the_buffer)
{
    struct vmf_uart8250 *u = malloc(sizeof(*u));
    vmf_uart8250_init(u);
    for (unsigned i = 0; i < VMF_UART8250_OUT_MAX + 5; i++)
        wr(U8250, u, VMF_UART8250_THR, 1, 'a' + i % 26);
    cr_expect_eq(u->out_len, VMF_UART8250_OUT_MAX + 5, "every byte counts");
    cr_expect_eq(strlen(u->out), VMF_UART8250_OUT_MAX - 1, "the buffer keeps the first ones, NUL-terminated");
    free(u);
}

Test(uart8250, snapshot_restore_and_reset)
{
    struct vmf_uart8250 *u = malloc(sizeof(*u)), *snap = malloc(sizeof(*u)), *fresh = malloc(sizeof(*u));
    vmf_uart8250_init(u);
    vmf_uart8250_init(fresh);
    vmf_uart8250_input(u, "k", 1);
    wr(U8250, u, VMF_UART8250_THR, 1, 'A');
    cr_expect_eq(U8250->snapshot_size(u), sizeof(*u));
    U8250->snapshot(u, snap);
    wr(U8250, u, VMF_UART8250_THR, 1, 'B');
    cr_expect_eq(rd(U8250, u, VMF_UART8250_THR, 1), 'k');
    U8250->restore(u, snap);
    cr_expect_eq(u->out_len, 1);
    cr_expect_eq(rd(U8250, u, VMF_UART8250_THR, 1), 'k', "the queue came back too");
    U8250->reset(u);
    cr_expect_eq(memcmp(u, fresh, sizeof(*u)), 0, "reset == init, byte for byte");
    free(fresh);
    free(snap);
    free(u);
}

/* ---- debug-exit ----------------------------------------------------------------------------------- */

Test(debug_exit, status_is_value_shifted_or_one)
{
    const vmf_device_ops *D = &vmf_debug_exit_ops;
    cr_expect_str_eq(D->model, "debug-exit");
    cr_expect_eq(D->sizes, VMF_DEV_SIZE(1) | VMF_DEV_SIZE(2) | VMF_DEV_SIZE(4));
    struct vmf_test_exit t;
    vmf_test_exit_init(&t);
    cr_expect_eq(rd(D, &t, 0, 1), 0);
    char msg[80] = "";
    cr_expect_eq(D->write(&t, 0, 1, 0, msg, sizeof(msg)), VMF_DEV_STOP);
    cr_expect(t.exited);
    cr_expect_eq(t.status, 1, "QEMU: (0 << 1) | 1");
    cr_expect_str_eq(msg, "debug-exit: wrote 0x0, status 1");
    cr_expect_eq(D->write(&t, 3, 1, 0x1ff, NULL, 0), VMF_DEV_STOP, "any offset; the access width masks the value");
    cr_expect_eq(t.status, 0x1ff);
    cr_expect_eq(D->write(&t, 0, 2, 0x10, NULL, 0), VMF_DEV_STOP);
    cr_expect_eq(t.status, 0x21);
    cr_expect_eq(D->write(&t, 0, 4, 0x80000001u, NULL, 0), VMF_DEV_STOP);
    cr_expect_eq(t.status, 3, "the top bit is shifted out of 32 bits");
}

Test(pc_power, reset_control)
{
    const vmf_device_ops *D = &vmf_reset_control_ops;
    cr_expect_str_eq(D->model, "reset-control");
    cr_expect_eq(D->sizes, VMF_DEV_SIZE(1));
    struct vmf_pc_power p;
    vmf_pc_power_init(&p);
    cr_expect_eq(rd(D, &p, 0, 1), 0);
    char msg[80] = "";
    cr_expect_eq(D->write(&p, 0, 1, 0x02, msg, sizeof(msg)), VMF_DEV_OK, "SYS_RST alone only arms the kind");
    cr_expect_eq(rd(D, &p, 0, 1), 0x02);
    cr_expect_eq(p.requested, 0);
    cr_expect_eq(D->write(&p, 0, 1, 0x06, msg, sizeof(msg)), VMF_DEV_RESET);
    cr_expect_eq(p.requested, VMF_DEV_RESET);
    cr_expect_str_eq(msg, "reset-control: 0x06 written, hard reset");
    cr_expect_eq(rd(D, &p, 0, 1), 0x02, "RST_CPU does not read back");
    cr_expect_eq(D->write(&p, 0, 1, 0x04, msg, sizeof(msg)), VMF_DEV_RESET);
    cr_expect_str_eq(msg, "reset-control: 0x04 written, soft reset");
}

Test(pc_power, acpi_pm1a_control)
{
    const vmf_device_ops *D = &vmf_acpi_pm_ops;
    cr_expect_str_eq(D->model, "acpi-pm");
    struct vmf_pc_power p;
    vmf_pc_power_init(&p);
    char msg[96] = "";
    cr_expect_eq(D->write(&p, 0, 2, 0x0001, msg, sizeof(msg)), VMF_DEV_OK, "SCI_EN: stored");
    cr_expect_eq(rd(D, &p, 0, 2), 0x0001);
    cr_expect_eq(D->write(&p, 0, 2, 0x1401, msg, sizeof(msg)), VMF_DEV_OK, "a sleep type without SLP_EN");
    cr_expect_eq(rd(D, &p, 1, 1), 0x14, "byte 1 alone");
    cr_expect_eq(D->write(&p, 0, 2, 0x2000 | (1u << 10), msg, sizeof(msg)), VMF_DEV_ERROR, "S1 is not modelled");
    cr_expect_str_eq(msg, "acpi-pm: sleep type 1 requested; only S5 (soft off, SLP_TYP 0) is modelled");
    cr_expect_eq(p.requested, 0);
    cr_expect_eq(D->write(&p, 0, 2, 0x2000, msg, sizeof(msg)), VMF_DEV_POWEROFF);
    cr_expect_eq(p.requested, VMF_DEV_POWEROFF);
    cr_expect_eq(rd(D, &p, 0, 2) & 0x2000, 0, "SLP_EN is write-only");
    /* the high byte alone, as a byte-wide write */
    vmf_pc_power_init(&p);
    cr_expect_eq(D->write(&p, 1, 1, 0x20, msg, sizeof(msg)), VMF_DEV_POWEROFF);
}

/* ---- the binding on the x86-64 I/O-port bus ------------------------------------------------------- */

struct xvm {
    vmf_vm *vm;
    vmf_vcpu *vcpu;
};

#define X86_RAM 0x100000u

static void xvm_create(struct xvm *x, const uint8_t *code, size_t len)
{
    cr_assert_eq(vmf_vm_create(VMF_ARCH_X86_64, "ports", &x->vm), 0);
    cr_assert_eq(vmf_vcpu_create(x->vm, &x->vcpu), 0);
    cr_assert_eq(vmf_ram_add(x->vm, X86_RAM, 0x10000, NULL), 0);
    cr_assert_eq(vmf_mem_write(x->vm, X86_RAM, code, len), 0);
    cr_assert_eq(vmf_reg_write(x->vcpu, VMF_X86_REG_RIP, X86_RAM), 0);
}

Test(bind_ports, uart_and_debug_exit_serve_in_and_out)
{
    static const uint8_t code[] = {
        0x66, 0xba, 0xfd, 0x03, /* mov dx, 0x3fd */
        0xec,                   /* in al, dx: LSR */
        0x88, 0xc3,             /* mov bl, al */
        0x66, 0xba, 0xf8, 0x03, /* mov dx, 0x3f8 */
        0xb0, 0x4f,             /* mov al, 'O' */
        0xee,                   /* out dx, al */
        0xb0, 0x4b,             /* mov al, 'K' */
        0xee,                   /* out dx, al */
        0xb0, 0x02,             /* mov al, 2 */
        0xe6, 0xf6,             /* out 0xf6, al: debug-exit, offset 2 */
        0xf4,                   /* hlt: not reached */
    };
    struct xvm x;
    xvm_create(&x, code, sizeof(code));
    struct vmf_uart8250 u;
    struct vmf_test_exit t;
    vmf_uart8250_init(&u);
    vmf_test_exit_init(&t);
    struct vmf_device_binding bu, bt;
    cr_assert_eq(vmf_device_attach_ports(x.vm, &bu, "com1", 0x3f8, 0x3ff, &vmf_uart8250_ops, &u), 0);
    cr_assert_eq(vmf_device_attach_ports(x.vm, &bt, "testdev", 0xf4, 0xf7, &vmf_debug_exit_ops, &t), 0);
    cr_expect_null(bu.res, "no reservation for ports");
    cr_expect_eq(bu.base, 0x3f8);
    cr_expect_eq(bu.size, 8);
    cr_expect_str_eq(vmf_x86_port_owner(x.vm, 0x3fd), "com1");
    vmf_exit ex;
    cr_assert_eq(vmf_run(x.vcpu, 1000, &ex), 0);
    cr_expect_eq(ex.exitcode, VMF_EXIT_STOP, "exit %s", vmf_exit_name(ex.exitcode));
    cr_expect_str_eq(u.out, "OK");
    uint64_t rbx = 0;
    vmf_reg_read(x.vcpu, VMF_X86_REG_RBX, &rbx);
    cr_expect_eq(rbx & 0xff, 0x60, "IN read LSR");
    cr_expect(bt.stopped);
    cr_expect_eq(t.status, 5);
    cr_expect_str_eq(bt.message, "testdev: debug-exit: wrote 0x2, status 5");
    vmf_vm_destroy(x.vm);
}

Test(bind_ports, reset_and_poweroff_end_the_run_suspended)
{
    static const uint8_t code[] = {
        0x66, 0xba, 0xf9, 0x0c, /* mov dx, 0xcf9 */
        0xb0, 0x06,             /* mov al, 6 */
        0xee,                   /* out dx, al: RST_CPU */
        0x66, 0xba, 0x04, 0x06, /* mov dx, 0x604 */
        0x66, 0xb8, 0x00, 0x20, /* mov ax, 0x2000 */
        0x66, 0xef,             /* out dx, ax: SLP_EN, S5 */
        0xf4,                   /* hlt: not reached */
    };
    struct xvm x;
    xvm_create(&x, code, sizeof(code));
    struct vmf_pc_power r, p;
    vmf_pc_power_init(&r);
    vmf_pc_power_init(&p);
    struct vmf_device_binding br, bp;
    cr_assert_eq(vmf_device_attach_ports(x.vm, &br, "rcr", 0xcf9, 0xcf9, &vmf_reset_control_ops, &r), 0);
    cr_assert_eq(vmf_device_attach_ports(x.vm, &bp, "pm", 0x604, 0x605, &vmf_acpi_pm_ops, &p), 0);
    vmf_exit ex;
    cr_assert_eq(vmf_run(x.vcpu, 1000, &ex), 0);
    cr_expect_eq(ex.exitcode, VMF_EXIT_SUSPENDED, "exit %s", vmf_exit_name(ex.exitcode));
    cr_expect_eq(ex.u.suspended.how, VMF_SUSPEND_RESET);
    cr_expect_str_eq(br.message, "rcr: reset-control: 0x06 written, hard reset");
    cr_assert_eq(vmf_run(x.vcpu, 1000, &ex), 0);
    cr_expect_eq(ex.exitcode, VMF_EXIT_SUSPENDED, "exit %s", vmf_exit_name(ex.exitcode));
    cr_expect_eq(ex.u.suspended.how, VMF_SUSPEND_POWEROFF);
    uint64_t rip = 0;
    vmf_reg_read(x.vcpu, VMF_X86_REG_RIP, &rip);
    cr_expect_eq(rip, X86_RAM + 17, "the OUT completed; the HLT did not run");
    vmf_vm_destroy(x.vm);
}

Test(bind_ports, refused_sizes_and_ranges_stop_with_a_message)
{
    static const uint8_t wide[] = {0x66, 0xba, 0xf8, 0x03, 0x66, 0xef, 0xf4}; /* mov dx, 0x3f8; out dx, ax */
    static const uint8_t past[] = {0x66, 0xba, 0xf6, 0x00, 0xef, 0xf4};       /* mov dx, 0xf6; out dx, eax */
    struct xvm x;
    struct vmf_uart8250 u;
    struct vmf_test_exit t;
    struct vmf_device_binding b;
    vmf_exit ex;

    xvm_create(&x, wide, sizeof(wide));
    vmf_uart8250_init(&u);
    cr_assert_eq(vmf_device_attach_ports(x.vm, &b, "com1", 0x3f8, 0x3ff, &vmf_uart8250_ops, &u), 0);
    cr_assert_eq(vmf_run(x.vcpu, 1000, &ex), 0);
    cr_expect_eq(ex.exitcode, VMF_EXIT_ERROR, "exit %s", vmf_exit_name(ex.exitcode));
    cr_expect_str_eq(b.message, "com1: OUT of 2 bytes at port 0x3f8 not accepted (sizes 1)");
    cr_expect_eq(u.out_len, 0);
    vmf_vm_destroy(x.vm);

    xvm_create(&x, past, sizeof(past));
    vmf_test_exit_init(&t);
    cr_assert_eq(vmf_device_attach_ports(x.vm, &b, "testdev", 0xf4, 0xf7, &vmf_debug_exit_ops, &t), 0);
    cr_assert_eq(vmf_run(x.vcpu, 1000, &ex), 0);
    cr_expect_eq(ex.exitcode, VMF_EXIT_ERROR, "exit %s", vmf_exit_name(ex.exitcode));
    cr_expect_str_eq(b.message, "testdev: OUT of 4 bytes at port 0xf6 runs past its last port 0xf7");
    cr_expect_not(t.exited);
    vmf_vm_destroy(x.vm);
}

Test(bind_ports, attach_checks_arguments)
{
    struct xvm x;
    static const uint8_t code[] = {0xf4};
    xvm_create(&x, code, sizeof(code));
    struct vmf_uart8250 u;
    vmf_uart8250_init(&u);
    struct vmf_device_binding b, b2;
    cr_expect_eq(vmf_device_attach_ports(NULL, &b, "u", 0x3f8, 0x3ff, &vmf_uart8250_ops, &u), VMF_EINVAL);
    cr_expect_eq(vmf_device_attach_ports(x.vm, NULL, "u", 0x3f8, 0x3ff, &vmf_uart8250_ops, &u), VMF_EINVAL);
    cr_expect_eq(vmf_device_attach_ports(x.vm, &b, "u", 0x3f8, 0x3ff, NULL, &u), VMF_EINVAL);
    cr_expect_eq(vmf_device_attach_ports(x.vm, &b, "u", 0x3f8, 0x3ff, &vmf_uart8250_ops, NULL), VMF_EINVAL);
    cr_expect_eq(vmf_device_attach_ports(x.vm, &b, "u", 0x3ff, 0x3f8, &vmf_uart8250_ops, &u), VMF_EINVAL);
    cr_expect_eq(vmf_device_attach_ports(x.vm, &b, "u", 0x3f8, 0x3ff, &vmf_uart8250_ops, &u), 0);
    cr_expect_eq(vmf_device_attach_ports(x.vm, &b2, "v", 0x3f0, 0x3f8, &vmf_uart8250_ops, &u), VMF_EBUSY);
    vmf_vm_destroy(x.vm);
    /* an arm64 VM has no I/O ports */
    struct tvm t;
    cr_assert_eq(tvm_create(&t, VMF_PATH_FAST), 0);
    cr_expect_eq(vmf_device_attach_ports(t.vm, &b, "u", 0x3f8, 0x3ff, &vmf_uart8250_ops, &u), VMF_EINVAL);
    tvm_destroy(&t);
}
