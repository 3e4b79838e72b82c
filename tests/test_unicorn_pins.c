/* vmfault — pins of the Unicorn 2.0.1 behaviours the engine relies on.
 *
 * These tests use the raw Unicorn API (no vmfault code at all): each one
 * states a fact the engine (engine/run.c, engine/arch/arm64.c) is built on,
 * and names what depends on it.  If a Unicorn upgrade changes one of these,
 * the test that pins it fails first and says which part of the engine must
 * be revisited.  Facts are what was observed on Debian's libunicorn2
 * 2.0.1.post1; where that differs from UNICORN-NOTES.md (the team notes beside this repository) the
 * test says so.
 *
 * Instruction words were produced with aarch64-linux-gnu-as and
 * aarch64-linux-gnu-objdump -d from the assembly text beside each word.
 *
 * The engine configures Unicorn the same way as here: UC_ARCH_ARM64,
 * UC_CPU_ARM64_MAX, a UC_HOOK_CODE over all code (begin 1, end 0), a
 * UC_HOOK_MEM_UNMAPPED returning false, a UC_HOOK_INTR, and
 * uc_emu_start(pc, until = an address never executed, 0, 0).
 */
#include <criterion/criterion.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <unicorn/unicorn.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define CODE 0x10000ull                   /* one page of RAM holding the program */
#define DEV 0x09000000ull                 /* one page of uc_mmio_map */
#define UNTIL_NEVER 0xfffffffffffffffcull /* as engine/run.c: never a real guest address */

/* ---- instruction words ---------------------------------------------------------------- */
#define I_ADD_X2 0x91000442u     /* add x2, x2, #1 */
#define I_LDR_W 0xb9400001u      /* ldr w1, [x0] */
#define I_LDR_X 0xf9400001u      /* ldr x1, [x0] */
#define I_LDR_Q 0x3dc00001u      /* ldr q1, [x0] */
#define I_STR_X 0xf9000001u      /* str x1, [x0] */
#define I_STR_Q 0x3d800001u      /* str q1, [x0] */
#define I_LDRB_W 0x39400001u     /* ldrb w1, [x0] */
#define I_LDRH_W 0x79400001u     /* ldrh w1, [x0] */
#define I_STRB_W 0x39000001u     /* strb w1, [x0] */
#define I_STRH_W 0x79000001u     /* strh w1, [x0] */
#define I_STR_W 0xb9000001u      /* str w1, [x0] */
#define I_LDP_X 0xa9400c01u      /* ldp x1, x3, [x0] */
#define I_STP_X 0xa9000c01u      /* stp x1, x3, [x0] */
#define I_LD1_16B 0x4c407001u    /* ld1 {v1.16b}, [x0] */
#define I_LDR_X_PRE 0xf8408c01u  /* ldr x1, [x0, #8]! */
#define I_LDR_X_POST 0xf8408401u /* ldr x1, [x0], #8 */
#define I_STR_X_POST 0xf8008401u /* str x1, [x0], #8 */
#define I_LDXR_X5 0xc85f7c05u    /* ldxr x5, [x0] */
#define I_STXR 0xc8047c01u       /* stxr w4, x1, [x0] */
#define I_WFI 0xd503207fu        /* wfi */
#define I_SVC 0xd4000001u        /* svc #0 */
#define I_BR_X0 0xd61f0000u      /* br x0 */

/* ---- a small harness ---------------------------------------------------------------------- */

enum ev_kind { EV_CODE = 1, EV_READ, EV_WRITE, EV_UNMAPPED, EV_INTR };

struct ev {
    int kind;
    uint64_t addr; /* code: instruction; read/write: offset in the MMIO page; unmapped: address */
    unsigned size;
    uint64_t value; /* read: value returned; write / unmapped: value given */
    uint64_t pc;    /* PC read inside the callback */
    uint64_t x0;    /* X0 read inside the callback */
    int type;       /* unmapped: uc_mem_type */
};

struct pin {
    uc_engine *uc;
    uc_hook hcode, hunmapped, hintr;
    struct ev ev[64];
    unsigned n;
    bool stop_in_read, stop_in_write;
    uint64_t stop_at; /* code hook: uc_emu_stop when about to run this address (0: never) */
};

/* The MMIO page's content as the read callback serves it: byte o is 0x21 + 13*o. */
static uint8_t dev_byte(uint64_t off)
{
    return (uint8_t)(0x21u + 13u * (unsigned)off);
}

static uint64_t dev_value(uint64_t off, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size && i < 8; i++)
        v |= (uint64_t)dev_byte(off + i) << (8 * i);
    return v;
}

static void log_ev(struct pin *p, struct ev e)
{
    uc_reg_read(p->uc, UC_ARM64_REG_PC, &e.pc);
    uc_reg_read(p->uc, UC_ARM64_REG_X0, &e.x0);
    if (p->n < NELEM(p->ev))
        p->ev[p->n++] = e;
}

static uint64_t mmio_rd(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    struct pin *p = user;
    uint64_t v = dev_value(offset, size);
    log_ev(p, (struct ev){.kind = EV_READ, .addr = offset, .size = size, .value = v});
    if (p->stop_in_read)
        uc_emu_stop(uc);
    return v;
}

static void mmio_wr(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *user)
{
    struct pin *p = user;
    log_ev(p, (struct ev){.kind = EV_WRITE, .addr = offset, .size = size, .value = value});
    if (p->stop_in_write)
        uc_emu_stop(uc);
}

static void code_hook(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    (void)size;
    struct pin *p = user;
    if (p->stop_at && address == p->stop_at) {
        uc_emu_stop(uc);
        return; /* not logged: the instruction must not run */
    }
    log_ev(p, (struct ev){.kind = EV_CODE, .addr = address, .size = size});
}

static bool unmapped_hook(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value, void *user)
{
    (void)uc;
    struct pin *p = user;
    log_ev(
        p,
        (struct ev){
            .kind = EV_UNMAPPED, .addr = address, .size = (unsigned)size, .value = (uint64_t)value, .type = (int)type});
    return false;
}

static void intr_hook(uc_engine *uc, uint32_t intno, void *user)
{
    struct pin *p = user;
    log_ev(p, (struct ev){.kind = EV_INTR, .addr = intno});
    uc_emu_stop(uc);
}

static const uint64_t X1_SEED = 0x8877665544332211ull;
static const uint64_t X3_SEED = 0xffeeddccbbaa9988ull;
static const uint64_t Q1_SEED[2] = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};

/* Open an AArch64 engine like the engine's vCPU: code page at CODE, optional MMIO page at DEV. */
static void pin_open(struct pin *p, bool with_code_hook, bool with_mmio, const uint32_t *code, size_t n)
{
    memset(p, 0, sizeof(*p));
    cr_assert_eq(uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &p->uc), UC_ERR_OK);
    cr_assert_eq(uc_ctl_set_cpu_model(p->uc, UC_CPU_ARM64_MAX), UC_ERR_OK);
    cr_assert_eq(uc_mem_map(p->uc, CODE, 0x1000, UC_PROT_ALL), UC_ERR_OK);
    if (with_mmio)
        cr_assert_eq(uc_mmio_map(p->uc, DEV, 0x1000, mmio_rd, p, mmio_wr, p), UC_ERR_OK);
    uint8_t buf[256];
    cr_assert(n * 4 <= sizeof(buf));
    for (size_t i = 0; i < n; i++)
        for (unsigned b = 0; b < 4; b++)
            buf[4 * i + b] = (uint8_t)(code[i] >> (8 * b));
    cr_assert_eq(uc_mem_write(p->uc, CODE, buf, n * 4), UC_ERR_OK);
    if (with_code_hook)
        cr_assert_eq(uc_hook_add(p->uc, &p->hcode, UC_HOOK_CODE, (void *)code_hook, p, 1, 0), UC_ERR_OK);
    cr_assert_eq(uc_hook_add(p->uc, &p->hunmapped, UC_HOOK_MEM_UNMAPPED, (void *)unmapped_hook, p, 1, 0), UC_ERR_OK);
    cr_assert_eq(uc_hook_add(p->uc, &p->hintr, UC_HOOK_INTR, (void *)intr_hook, p, 1, 0), UC_ERR_OK);
    uint64_t x0 = DEV, x1 = X1_SEED, x2 = 100, x3 = X3_SEED;
    uc_reg_write(p->uc, UC_ARM64_REG_X0, &x0);
    uc_reg_write(p->uc, UC_ARM64_REG_X1, &x1);
    uc_reg_write(p->uc, UC_ARM64_REG_X2, &x2);
    uc_reg_write(p->uc, UC_ARM64_REG_X3, &x3);
    uc_reg_write(p->uc, UC_ARM64_REG_Q1, Q1_SEED);
}

static uc_err pin_run(struct pin *p)
{
    return uc_emu_start(p->uc, CODE, UNTIL_NEVER, 0, 0);
}

static uc_err pin_run_from(struct pin *p, uint64_t pc)
{
    return uc_emu_start(p->uc, pc, UNTIL_NEVER, 0, 0);
}

static uint64_t reg(struct pin *p, int r)
{
    uint64_t v = 0;
    uc_reg_read(p->uc, r, &v);
    return v;
}

static void pin_close(struct pin *p)
{
    uc_close(p->uc);
    p->uc = NULL;
}

/* The events of one kind, in order. */
static unsigned only(const struct pin *p, int kind, struct ev *out, unsigned max)
{
    unsigned k = 0;
    for (unsigned i = 0; i < p->n; i++)
        if (p->ev[i].kind == kind && k < max)
            out[k++] = p->ev[i];
    return k;
}

static void expect_access(const struct ev *e, int kind, uint64_t off, unsigned size)
{
    cr_expect_eq(e->kind, kind, "event kind %d, expected %d", e->kind, kind);
    cr_expect_eq(e->addr, off, "callback offset 0x%llx, expected 0x%llx", (unsigned long long)e->addr,
                 (unsigned long long)off);
    cr_expect_eq(e->size, size, "callback size %u at offset 0x%llx, expected %u", e->size, (unsigned long long)e->addr,
                 size);
}

/* ---- (a) the PC inside a uc_mmio_map callback ------------------------------------------------ */

/* Engine: the fast path (run.c fast_inflight) identifies the faulting
 * instruction by the code hook's last address (vcpu->impl->cur_pc); that is
 * only right if the code hook runs once per instruction, before it, and the
 * MMIO callback of an instruction comes after that instruction's hook and
 * before the next one's.  With the hook installed, Unicorn's own PC is also
 * exact inside the callback. */
Test(pins, mmio_callback_pc_exact_with_code_hook)
{
    static const uint32_t prog[] = {I_ADD_X2, I_ADD_X2, I_LDR_W, I_ADD_X2, I_WFI};
    struct pin p;
    pin_open(&p, true, true, prog, NELEM(prog));
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    cr_assert_eq(p.n, 6, "events: %u", p.n);
    static const int kinds[] = {EV_CODE, EV_CODE, EV_CODE, EV_READ, EV_CODE, EV_CODE};
    static const uint64_t addrs[] = {CODE, CODE + 4, CODE + 8, 0, CODE + 12, CODE + 16};
    for (unsigned i = 0; i < 6; i++) {
        cr_expect_eq(p.ev[i].kind, kinds[i], "event %u kind %d", i, p.ev[i].kind);
        cr_expect_eq(p.ev[i].addr, addrs[i], "event %u addr 0x%llx", i, (unsigned long long)p.ev[i].addr);
    }
    cr_expect_eq(p.ev[3].pc, CODE + 8, "PC inside the read callback: 0x%llx", (unsigned long long)p.ev[3].pc);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X1), dev_value(0, 4));
    cr_expect_eq(reg(&p, UC_ARM64_REG_X2), 103);
    pin_close(&p);
}

/* Engine: the reason a code hook is installed at all (arm64.c code_hook).  As
 * UNICORN-NOTES.md says, without it the PC inside the callback is the start
 * of the translation block, not the load. */
Test(pins, mmio_callback_pc_is_block_start_without_code_hook)
{
    static const uint32_t prog[] = {I_ADD_X2, I_ADD_X2, I_LDR_W, I_ADD_X2, I_WFI};
    struct pin p;
    pin_open(&p, false, true, prog, NELEM(prog));
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    cr_assert_eq(p.n, 1);
    expect_access(&p.ev[0], EV_READ, 0, 4);
    cr_expect_eq(p.ev[0].pc, CODE, "PC 0x%llx", (unsigned long long)p.ev[0].pc);
    pin_close(&p);
}

/* ---- (b) how uc_mmio_map splits accesses ---------------------------------------------------- */

/* Engine: fast-path match_beat / mmio_read in run.c.  A beat is at most 8
 * bytes; callbacks of 1, 2 and 4 bytes reach it unchanged, an 8-byte access
 * arrives as two 4-byte callbacks, low half first, and the engine serves the
 * whole beat on the first and the rest from the beat's data. */
Test(pins, mmio_small_loads_arrive_whole)
{
    static const uint32_t words[] = {I_LDRB_W, I_LDRH_W, I_LDR_W};
    static const unsigned sizes[] = {1, 2, 4};
    for (unsigned i = 0; i < NELEM(words); i++) {
        const uint32_t prog[] = {words[i], I_WFI};
        struct pin p;
        pin_open(&p, true, true, prog, NELEM(prog));
        cr_assert_eq(pin_run(&p), UC_ERR_OK);
        struct ev r[8];
        cr_assert_eq(only(&p, EV_READ, r, 8), 1, "insn 0x%08x", words[i]);
        expect_access(&r[0], EV_READ, 0, sizes[i]);
        cr_expect_eq(reg(&p, UC_ARM64_REG_X1), dev_value(0, sizes[i]));
        pin_close(&p);
    }
}

Test(pins, mmio_small_stores_arrive_whole)
{
    static const uint32_t words[] = {I_STRB_W, I_STRH_W, I_STR_W};
    static const unsigned sizes[] = {1, 2, 4};
    for (unsigned i = 0; i < NELEM(words); i++) {
        const uint32_t prog[] = {words[i], I_WFI};
        struct pin p;
        pin_open(&p, true, true, prog, NELEM(prog));
        cr_assert_eq(pin_run(&p), UC_ERR_OK);
        struct ev w[8];
        cr_assert_eq(only(&p, EV_WRITE, w, 8), 1, "insn 0x%08x", words[i]);
        expect_access(&w[0], EV_WRITE, 0, sizes[i]);
        uint64_t mask = ((uint64_t)1 << (8 * sizes[i])) - 1;
        cr_expect_eq(w[0].value, X1_SEED & mask);
        pin_close(&p);
    }
}

Test(pins, mmio_8_byte_load_is_two_4_byte_callbacks_low_first)
{
    static const uint32_t prog[] = {I_ADD_X2, I_LDR_X, I_WFI};
    struct pin p;
    pin_open(&p, true, true, prog, NELEM(prog));
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    struct ev r[8];
    cr_assert_eq(only(&p, EV_READ, r, 8), 2);
    expect_access(&r[0], EV_READ, 0, 4);
    expect_access(&r[1], EV_READ, 4, 4);
    cr_expect_eq(r[0].pc, CODE + 4);
    cr_expect_eq(r[1].pc, CODE + 4);
    /* the register is the low callback's value | the high one's << 32 */
    cr_expect_eq(reg(&p, UC_ARM64_REG_X1), dev_value(0, 8));
    pin_close(&p);
}

Test(pins, mmio_16_byte_q_load_is_four_4_byte_callbacks)
{
    static const uint32_t prog[] = {I_LDR_Q, I_WFI};
    struct pin p;
    pin_open(&p, true, true, prog, NELEM(prog));
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    struct ev r[8];
    cr_assert_eq(only(&p, EV_READ, r, 8), 4);
    for (unsigned i = 0; i < 4; i++)
        expect_access(&r[i], EV_READ, 4 * i, 4);
    uint64_t q[2] = {0, 0};
    uc_reg_read(p.uc, UC_ARM64_REG_Q1, q);
    cr_expect_eq(q[0], dev_value(0, 8));
    cr_expect_eq(q[1], dev_value(8, 8));
    pin_close(&p);
}

/* Engine: LD1 beats (arm64_prepare splits each 16-byte register in two 8-byte
 * beats); Unicorn's LD1 {Vt.16b} does not go byte by byte but arrives like a Q load. */
Test(pins, mmio_ld1_16b_is_four_4_byte_callbacks)
{
    static const uint32_t prog[] = {I_LD1_16B, I_WFI};
    struct pin p;
    pin_open(&p, true, true, prog, NELEM(prog));
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    struct ev r[20];
    cr_assert_eq(only(&p, EV_READ, r, 20), 4);
    for (unsigned i = 0; i < 4; i++)
        expect_access(&r[i], EV_READ, 4 * i, 4);
    pin_close(&p);
}

Test(pins, mmio_8_byte_store_is_two_4_byte_callbacks_low_first)
{
    static const uint32_t prog[] = {I_STR_X, I_WFI};
    struct pin p;
    pin_open(&p, true, true, prog, NELEM(prog));
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    struct ev w[8];
    cr_assert_eq(only(&p, EV_WRITE, w, 8), 2);
    expect_access(&w[0], EV_WRITE, 0, 4);
    expect_access(&w[1], EV_WRITE, 4, 4);
    cr_expect_eq(w[0].value, X1_SEED & 0xffffffffu);
    cr_expect_eq(w[1].value, X1_SEED >> 32);
    pin_close(&p);
}

Test(pins, mmio_q_store_and_stp_are_4_byte_callbacks_in_address_order)
{
    {
        static const uint32_t prog[] = {I_STR_Q, I_WFI};
        struct pin p;
        pin_open(&p, true, true, prog, NELEM(prog));
        cr_assert_eq(pin_run(&p), UC_ERR_OK);
        struct ev w[8];
        cr_assert_eq(only(&p, EV_WRITE, w, 8), 4);
        for (unsigned i = 0; i < 4; i++) {
            expect_access(&w[i], EV_WRITE, 4 * i, 4);
            cr_expect_eq(w[i].value, (Q1_SEED[i / 2] >> (32 * (i % 2))) & 0xffffffffu, "write %u", i);
        }
        pin_close(&p);
    }
    {
        static const uint32_t prog[] = {I_STP_X, I_WFI};
        struct pin p;
        pin_open(&p, true, true, prog, NELEM(prog));
        cr_assert_eq(pin_run(&p), UC_ERR_OK);
        struct ev w[8];
        cr_assert_eq(only(&p, EV_WRITE, w, 8), 4);
        const uint64_t vals[4] = {X1_SEED & 0xffffffffu, X1_SEED >> 32, X3_SEED & 0xffffffffu, X3_SEED >> 32};
        for (unsigned i = 0; i < 4; i++) {
            expect_access(&w[i], EV_WRITE, 4 * i, 4);
            cr_expect_eq(w[i].value, vals[i], "write %u", i);
        }
        pin_close(&p);
    }
}

/* ---- (c) unaligned accesses: the callback offset cannot be trusted ----------------------- */

/* Engine: match_beat refuses callbacks that are not inside a beat, so an
 * unaligned access falls back to the software completion with the guest's
 * real address (run.c: FAST_MISMATCH).  Observed (differs from the brief and
 * from UNICORN-NOTES.md "refuses unaligned accesses"): Unicorn does not refuse
 * them; an unaligned 4-byte load at offset 2 arrives as TWO aligned 4-byte
 * callbacks at offsets 0 and 4 (the aligned words covering it), and the
 * register gets the right bytes 2..5. */
Test(pins, mmio_unaligned_4_byte_load_is_rounded_to_aligned_words)
{
    static const uint32_t prog[] = {I_LDR_W, I_WFI};
    struct pin p;
    pin_open(&p, true, true, prog, NELEM(prog));
    uint64_t x0 = DEV + 2;
    uc_reg_write(p.uc, UC_ARM64_REG_X0, &x0);
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    struct ev r[8];
    cr_assert_eq(only(&p, EV_READ, r, 8), 2);
    expect_access(&r[0], EV_READ, 0, 4); /* not 2: the address is rounded down */
    expect_access(&r[1], EV_READ, 4, 4);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X1), dev_value(2, 4));
    pin_close(&p);
}

/* An unaligned 8-byte load at offset 4 reads the two aligned doublewords
 * around it: four 4-byte callbacks at 0, 4, 8, 12 (16 bytes for an 8-byte
 * access); an unaligned 2-byte load at offset 1 reads halfwords 0 and 2. */
Test(pins, mmio_unaligned_8_and_2_byte_loads_are_widened)
{
    {
        static const uint32_t prog[] = {I_LDR_X, I_WFI};
        struct pin p;
        pin_open(&p, true, true, prog, NELEM(prog));
        uint64_t x0 = DEV + 4;
        uc_reg_write(p.uc, UC_ARM64_REG_X0, &x0);
        cr_assert_eq(pin_run(&p), UC_ERR_OK);
        struct ev r[8];
        cr_assert_eq(only(&p, EV_READ, r, 8), 4);
        for (unsigned i = 0; i < 4; i++)
            expect_access(&r[i], EV_READ, 4 * i, 4);
        cr_expect_eq(reg(&p, UC_ARM64_REG_X1), dev_value(4, 8));
        pin_close(&p);
    }
    {
        static const uint32_t prog[] = {I_LDRH_W, I_WFI};
        struct pin p;
        pin_open(&p, true, true, prog, NELEM(prog));
        uint64_t x0 = DEV + 1;
        uc_reg_write(p.uc, UC_ARM64_REG_X0, &x0);
        cr_assert_eq(pin_run(&p), UC_ERR_OK);
        struct ev r[8];
        cr_assert_eq(only(&p, EV_READ, r, 8), 2);
        expect_access(&r[0], EV_READ, 0, 2);
        expect_access(&r[1], EV_READ, 2, 2);
        cr_expect_eq(reg(&p, UC_ARM64_REG_X1), dev_value(1, 2));
        pin_close(&p);
    }
}

/* Stores are different: an unaligned 4-byte store at offset 2 arrives as four
 * 1-byte callbacks at the real offsets 2, 3, 4, 5 (run.c mmio_write collects
 * them in the beat's write mask). */
Test(pins, mmio_unaligned_4_byte_store_is_four_byte_callbacks)
{
    static const uint32_t prog[] = {I_STR_W, I_WFI};
    struct pin p;
    pin_open(&p, true, true, prog, NELEM(prog));
    uint64_t x0 = DEV + 2;
    uc_reg_write(p.uc, UC_ARM64_REG_X0, &x0);
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    struct ev w[8];
    cr_assert_eq(only(&p, EV_WRITE, w, 8), 4);
    for (unsigned i = 0; i < 4; i++) {
        expect_access(&w[i], EV_WRITE, 2 + i, 1);
        cr_expect_eq(w[i].value, (X1_SEED >> (8 * i)) & 0xff);
    }
    pin_close(&p);
}

/* An 8-byte load at the last 4 bytes of an MMIO page followed by nothing:
 * Unicorn first reads the aligned word below (offset 0xff8, not 0xffc), then
 * 0xffc, then the UNMAPPED hook fires for the next page with size 8, and the
 * load never completes.  Engine: the bounds check (VMF_EBOUNDS) must come
 * from the decoded access, never from the callback (run.c fast_serve). */
Test(pins, mmio_page_crossing_load_reads_below_then_faults)
{
    static const uint32_t prog[] = {I_ADD_X2, I_LDR_X, I_WFI};
    struct pin p;
    pin_open(&p, true, true, prog, NELEM(prog));
    uint64_t x0 = DEV + 0xffc;
    uc_reg_write(p.uc, UC_ARM64_REG_X0, &x0);
    cr_assert_eq(pin_run(&p), UC_ERR_READ_UNMAPPED);
    struct ev r[8], u[4];
    cr_assert_eq(only(&p, EV_READ, r, 8), 2);
    expect_access(&r[0], EV_READ, 0xff8, 4);
    expect_access(&r[1], EV_READ, 0xffc, 4);
    cr_assert_eq(only(&p, EV_UNMAPPED, u, 4), 1);
    cr_expect_eq(u[0].addr, DEV + 0x1000);
    cr_expect_eq(u[0].size, 8);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X1), X1_SEED);
    cr_expect_eq(reg(&p, UC_ARM64_REG_PC), CODE + 4);
    pin_close(&p);
}

/* ---- (d) uc_emu_stop inside an MMIO callback ------------------------------------------------ */

/* Engine: fast_abort stops the CPU inside a callback and the run loop undoes
 * the half-executed instruction (arm64_undo) before finishing it in software.
 * Observed: both 4-byte halves of the 8-byte load are still delivered, the
 * loaded value reaches X1, the post-index writeback of X0 does NOT happen, the
 * PC left is the load itself, and the code hook does not run for the next
 * instruction (so the engine's instruction count stays exact). */
Test(pins, stop_in_read_callback_post_index)
{
    static const uint32_t prog[] = {I_ADD_X2, I_LDR_X_POST, I_ADD_X2, I_WFI};
    struct pin p;
    pin_open(&p, true, true, prog, NELEM(prog));
    p.stop_in_read = true;
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    struct ev r[8], c[8];
    cr_assert_eq(only(&p, EV_READ, r, 8), 2);
    expect_access(&r[0], EV_READ, 0, 4);
    expect_access(&r[1], EV_READ, 4, 4);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X1), dev_value(0, 8), "the loaded value reached X1");
    cr_expect_eq(reg(&p, UC_ARM64_REG_X0), DEV, "no writeback");
    cr_expect_eq(reg(&p, UC_ARM64_REG_PC), CODE + 4, "PC left at the load");
    cr_expect_eq(reg(&p, UC_ARM64_REG_X2), 101, "the instruction before ran once, the one after not at all");
    cr_expect_eq(only(&p, EV_CODE, c, 8), 2, "code hook calls");
    pin_close(&p);
}

/* A Q load is two 8-byte accesses; a stop in the first callback ends it after
 * the first 8 bytes, and Q1 keeps its old value.  (So "the loaded value
 * reaches the register" holds for GPR loads of up to 8 bytes only; the
 * engine's undo covers both.) */
Test(pins, stop_in_read_callback_q_load)
{
    static const uint32_t prog[] = {I_LDR_Q, I_ADD_X2, I_WFI};
    struct pin p;
    pin_open(&p, true, true, prog, NELEM(prog));
    p.stop_in_read = true;
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    struct ev r[8];
    cr_assert_eq(only(&p, EV_READ, r, 8), 2);
    expect_access(&r[0], EV_READ, 0, 4);
    expect_access(&r[1], EV_READ, 4, 4);
    uint64_t q[2] = {0, 0};
    uc_reg_read(p.uc, UC_ARM64_REG_Q1, q);
    cr_expect_eq(q[0], Q1_SEED[0]);
    cr_expect_eq(q[1], Q1_SEED[1]);
    cr_expect_eq(reg(&p, UC_ARM64_REG_PC), CODE);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X2), 100);
    pin_close(&p);
}

/* The same for a store (fast-path mmio_write aborts): both halves are
 * written, the post-index writeback does not happen, PC stays at the store. */
Test(pins, stop_in_write_callback_post_index)
{
    static const uint32_t prog[] = {I_STR_X_POST, I_ADD_X2, I_WFI};
    struct pin p;
    pin_open(&p, true, true, prog, NELEM(prog));
    p.stop_in_write = true;
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    struct ev w[8];
    cr_assert_eq(only(&p, EV_WRITE, w, 8), 2);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X0), DEV);
    cr_expect_eq(reg(&p, UC_ARM64_REG_PC), CODE);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X2), 100);
    pin_close(&p);
}

/* Without the code hook the PC left by a stop in a callback is the block
 * start (UNICORN-NOTES.md), so resuming would run the block's earlier
 * instructions twice: another reason for the engine's code hook. */
Test(pins, stop_in_read_callback_without_code_hook_leaves_block_start)
{
    static const uint32_t prog[] = {I_ADD_X2, I_LDR_X_POST, I_ADD_X2, I_WFI};
    struct pin p;
    pin_open(&p, false, true, prog, NELEM(prog));
    p.stop_in_read = true;
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    cr_expect_eq(reg(&p, UC_ARM64_REG_PC), CODE);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X2), 101, "the ADD before the load did run");
    pin_close(&p);
}

/* Engine: the fast path cannot stop an access half way.  A store that
 * crosses from an MMIO page into a RAM page is split into byte accesses: the
 * MMIO bytes reach the callback (1-byte callbacks at the real offsets
 * 0xffc..0xfff) and the RAM bytes are written, even when the first callback
 * calls uc_emu_stop.  (This is how a refused straddling store on the fast
 * path still writes the RAM after the reservation: see
 * trap_paths.straddle_reservation_end.) */
Test(pins, stop_does_not_abort_a_store_crossing_from_mmio_into_ram)
{
    static const uint32_t prog[] = {I_STR_X, I_ADD_X2, I_WFI};
    struct pin p;
    pin_open(&p, true, true, prog, NELEM(prog));
    cr_assert_eq(uc_mem_map(p.uc, DEV + 0x1000, 0x1000, UC_PROT_ALL), UC_ERR_OK);
    uint64_t x0 = DEV + 0xffc;
    uc_reg_write(p.uc, UC_ARM64_REG_X0, &x0);
    p.stop_in_write = true;
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    struct ev w[8];
    cr_assert_eq(only(&p, EV_WRITE, w, 8), 4);
    for (unsigned i = 0; i < 4; i++) {
        expect_access(&w[i], EV_WRITE, 0xffc + i, 1);
        cr_expect_eq(w[i].value, (X1_SEED >> (8 * i)) & 0xff);
    }
    uint32_t ram = 0;
    cr_assert_eq(uc_mem_read(p.uc, DEV + 0x1000, &ram, 4), UC_ERR_OK);
    cr_expect_eq(ram, (uint32_t)(X1_SEED >> 32), "RAM after the MMIO page: 0x%08x", ram);
    cr_expect_eq(reg(&p, UC_ARM64_REG_PC), CODE);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X2), 100);
    pin_close(&p);
}

/* A store that crosses from a RAM page into an MMIO page: the RAM bytes are
 * written directly and only the upper bytes reach the MMIO callback, as
 * 1-byte callbacks at offsets 0..3.  Engine: run.c mmio_write must refuse a
 * beat that is not wholly inside the reservation at the first callback; it
 * cannot wait for the beat's other bytes, which never come. */
Test(pins, store_crossing_from_ram_into_mmio)
{
    static const uint32_t prog[] = {I_STR_X, I_WFI};
    struct pin p;
    pin_open(&p, true, true, prog, NELEM(prog));
    cr_assert_eq(uc_mem_map(p.uc, DEV - 0x1000, 0x1000, UC_PROT_ALL), UC_ERR_OK);
    uint64_t x0 = DEV - 4;
    uc_reg_write(p.uc, UC_ARM64_REG_X0, &x0);
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    struct ev w[8];
    cr_assert_eq(only(&p, EV_WRITE, w, 8), 4);
    for (unsigned i = 0; i < 4; i++) {
        expect_access(&w[i], EV_WRITE, i, 1);
        cr_expect_eq(w[i].value, (X1_SEED >> (32 + 8 * i)) & 0xff);
    }
    uint32_t ram = 0;
    cr_assert_eq(uc_mem_read(p.uc, DEV - 4, &ram, 4), UC_ERR_OK);
    cr_expect_eq(ram, (uint32_t)X1_SEED);
    pin_close(&p);
}

/* The same store into an unmapped page (the exit path): the RAM bytes are
 * written before the UNMAPPED hook fires, once per remaining byte (four
 * 1-byte calls at the real addresses), and uc_emu_start returns
 * UC_ERR_WRITE_UNMAPPED with PC at the store. */
Test(pins, store_crossing_from_ram_into_unmapped)
{
    static const uint32_t prog[] = {I_STR_X, I_WFI};
    struct pin p;
    pin_open(&p, true, false, prog, NELEM(prog));
    cr_assert_eq(uc_mem_map(p.uc, DEV - 0x1000, 0x1000, UC_PROT_ALL), UC_ERR_OK);
    uint64_t x0 = DEV - 4;
    uc_reg_write(p.uc, UC_ARM64_REG_X0, &x0);
    cr_assert_eq(pin_run(&p), UC_ERR_WRITE_UNMAPPED);
    struct ev u[8];
    cr_assert_eq(only(&p, EV_UNMAPPED, u, 8), 4);
    for (unsigned i = 0; i < 4; i++) {
        cr_expect_eq(u[i].addr, DEV + i);
        cr_expect_eq(u[i].size, 1);
    }
    uint32_t ram = 0;
    cr_assert_eq(uc_mem_read(p.uc, DEV - 4, &ram, 4), UC_ERR_OK);
    cr_expect_eq(ram, (uint32_t)X1_SEED);
    cr_expect_eq(reg(&p, UC_ARM64_REG_PC), CODE);
    pin_close(&p);
}

/* ---- (e) uc_emu_stop in a code hook ---------------------------------------------------------- */

/* Engine: code_hook ends a slice (instruction budget, vmf_vcpu_request_stop)
 * by stopping before the instruction: it must not execute, and PC is left at it. */
Test(pins, stop_in_code_hook_prevents_the_instruction)
{
    static const uint32_t prog[] = {I_ADD_X2, I_ADD_X2, I_ADD_X2, I_WFI};
    struct pin p;
    pin_open(&p, true, false, prog, NELEM(prog));
    p.stop_at = CODE + 8;
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X2), 102);
    cr_expect_eq(reg(&p, UC_ARM64_REG_PC), CODE + 8);
    /* and a load stopped that way does not touch the device */
    static const uint32_t prog2[] = {I_ADD_X2, I_LDR_X, I_WFI};
    struct pin q;
    pin_open(&q, true, true, prog2, NELEM(prog2));
    q.stop_at = CODE + 4;
    cr_assert_eq(pin_run(&q), UC_ERR_OK);
    struct ev r[4];
    cr_expect_eq(only(&q, EV_READ, r, 4), 0);
    cr_expect_eq(reg(&q, UC_ARM64_REG_X1), X1_SEED);
    cr_expect_eq(reg(&q, UC_ARM64_REG_PC), CODE + 4);
    pin_close(&q);
    pin_close(&p);
}

/* ---- (f) the UNMAPPED hook returning false ---------------------------------------------------- */

/* Engine: the exit path (arm64.c unmapped_hook, run.c STOP_UNMAPPED).
 * uc_emu_start returns UC_ERR_READ_UNMAPPED; with the code hook the PC is
 * the faulting load; the earlier instructions of its block have run; the
 * hook sees the guest's full access size (8 for LDR X) and exact address;
 * the load left X1 untouched. */
Test(pins, unmapped_read_returns_error_with_exact_pc)
{
    static const uint32_t prog[] = {I_ADD_X2, I_ADD_X2, I_LDR_X, I_ADD_X2, I_WFI};
    struct pin p;
    pin_open(&p, true, false, prog, NELEM(prog));
    cr_assert_eq(pin_run(&p), UC_ERR_READ_UNMAPPED);
    struct ev u[4];
    cr_assert_eq(only(&p, EV_UNMAPPED, u, 4), 1);
    cr_expect_eq(u[0].type, UC_MEM_READ_UNMAPPED);
    cr_expect_eq(u[0].addr, DEV);
    cr_expect_eq(u[0].size, 8);
    cr_expect_eq(u[0].pc, CODE + 8, "PC inside the hook 0x%llx", (unsigned long long)u[0].pc);
    cr_expect_eq(reg(&p, UC_ARM64_REG_PC), CODE + 8);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X2), 102);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X1), X1_SEED);
    pin_close(&p);
}

Test(pins, unmapped_write_returns_error_with_value)
{
    static const uint32_t prog[] = {I_ADD_X2, I_STR_X, I_WFI};
    struct pin p;
    pin_open(&p, true, false, prog, NELEM(prog));
    cr_assert_eq(pin_run(&p), UC_ERR_WRITE_UNMAPPED);
    struct ev u[4];
    cr_assert_eq(only(&p, EV_UNMAPPED, u, 4), 1);
    cr_expect_eq(u[0].type, UC_MEM_WRITE_UNMAPPED);
    cr_expect_eq(u[0].addr, DEV);
    cr_expect_eq(u[0].size, 8);
    cr_expect_eq(u[0].value, X1_SEED);
    cr_expect_eq(reg(&p, UC_ARM64_REG_PC), CODE + 4);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X2), 101);
    pin_close(&p);
}

/* Unlike uc_mmio_map, the UNMAPPED hook sees an unaligned access with its
 * real address: the exit path gets the guest's address from Unicorn, but the
 * engine recomputes it from the decoded instruction anyway. */
Test(pins, unmapped_unaligned_read_has_real_address)
{
    static const uint32_t prog[] = {I_LDR_W, I_WFI};
    struct pin p;
    pin_open(&p, true, false, prog, NELEM(prog));
    uint64_t x0 = DEV + 2;
    uc_reg_write(p.uc, UC_ARM64_REG_X0, &x0);
    cr_assert_eq(pin_run(&p), UC_ERR_READ_UNMAPPED);
    struct ev u[4];
    cr_assert_eq(only(&p, EV_UNMAPPED, u, 4), 1);
    cr_expect_eq(u[0].addr, DEV + 2);
    cr_expect_eq(u[0].size, 4);
    pin_close(&p);
}

/* Engine: the PAGING exit with VMF_FAULT_EXEC (run.c: UC_MEM_FETCH_UNMAPPED,
 * the hook's address is the branch target). */
Test(pins, unmapped_fetch_reports_the_target)
{
    static const uint32_t prog[] = {I_BR_X0, I_WFI};
    struct pin p;
    pin_open(&p, true, false, prog, NELEM(prog));
    uint64_t x0 = 0x70000000ull;
    uc_reg_write(p.uc, UC_ARM64_REG_X0, &x0);
    cr_assert_eq(pin_run(&p), UC_ERR_FETCH_UNMAPPED);
    struct ev u[4];
    cr_assert_eq(only(&p, EV_UNMAPPED, u, 4), 1);
    cr_expect_eq(u[0].type, UC_MEM_FETCH_UNMAPPED);
    cr_expect_eq(u[0].addr, 0x70000000ull);
    cr_expect_eq(reg(&p, UC_ARM64_REG_PC), 0x70000000ull);
    pin_close(&p);
}

/* Without the code hook the PC after the UNMAPPED error is the block start
 * (UNICORN-NOTES.md), though the block's earlier instructions did run. */
Test(pins, unmapped_read_without_code_hook_leaves_block_start)
{
    static const uint32_t prog[] = {I_ADD_X2, I_ADD_X2, I_LDR_X, I_ADD_X2, I_WFI};
    struct pin p;
    pin_open(&p, false, false, prog, NELEM(prog));
    cr_assert_eq(pin_run(&p), UC_ERR_READ_UNMAPPED);
    cr_expect_eq(reg(&p, UC_ARM64_REG_PC), CODE);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X2), 102);
    pin_close(&p);
}

/* ---- (g) the base register inside a callback of a writeback load ----------------------------- */

/* Engine: fast_inflight prepares the instruction (address, new base, saved
 * registers for the undo) from the registers it reads in the first callback:
 * the base must still hold its old value for both pre- and post-index forms. */
Test(pins, base_register_in_callback_is_old_value)
{
    static const uint32_t words[] = {I_LDR_X_PRE, I_LDR_X_POST};
    static const uint64_t first_off[] = {8, 0};
    for (unsigned i = 0; i < 2; i++) {
        const uint32_t prog[] = {words[i], I_WFI};
        struct pin p;
        pin_open(&p, true, true, prog, NELEM(prog));
        cr_assert_eq(pin_run(&p), UC_ERR_OK);
        struct ev r[8];
        cr_assert_eq(only(&p, EV_READ, r, 8), 2);
        expect_access(&r[0], EV_READ, first_off[i], 4);
        cr_expect_eq(r[0].x0, DEV, "insn 0x%08x: X0 in the first callback 0x%llx", words[i],
                     (unsigned long long)r[0].x0);
        cr_expect_eq(r[1].x0, DEV, "insn 0x%08x: X0 in the second callback 0x%llx", words[i],
                     (unsigned long long)r[1].x0);
        cr_expect_eq(reg(&p, UC_ARM64_REG_X0), DEV + 8, "after the instruction");
        cr_expect_eq(reg(&p, UC_ARM64_REG_X1), dev_value(first_off[i], 8));
        pin_close(&p);
    }
}

/* ---- (h) WFI ----------------------------------------------------------------------------------- */

/* Engine: the HLT exit (run.c is_wait): WFI ends uc_emu_start with UC_ERR_OK,
 * the code hook has run for the WFI (so cur_pc is the WFI), nothing after it
 * ran.  Unicorn leaves PC past the WFI; the engine writes cur_pc + 4 itself. */
Test(pins, wfi_returns_ok)
{
    static const uint32_t prog[] = {I_ADD_X2, I_WFI, I_ADD_X2, I_WFI};
    struct pin p;
    pin_open(&p, true, false, prog, NELEM(prog));
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    struct ev c[8];
    cr_assert_eq(only(&p, EV_CODE, c, 8), 2);
    cr_expect_eq(c[1].addr, CODE + 4);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X2), 101);
    cr_expect_eq(reg(&p, UC_ARM64_REG_PC), CODE + 8);
    pin_close(&p);
}

/* ---- (i) SVC ------------------------------------------------------------------------------------ */

/* Engine: the EXCEPTION exit (arm64.c intr_hook, run.c STOP_INTR).  SVC calls
 * UC_HOOK_INTR with intno 2 (QEMU's EXCP_SWI); the PC there is past the SVC,
 * which is why the engine reports cur_pc from the code hook instead. */
Test(pins, svc_reaches_intr_hook)
{
    static const uint32_t prog[] = {I_ADD_X2, I_SVC, I_ADD_X2, I_WFI};
    struct pin p;
    pin_open(&p, true, false, prog, NELEM(prog));
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    struct ev e[4], c[8];
    cr_assert_eq(only(&p, EV_INTR, e, 4), 1);
    cr_expect_eq(e[0].addr, 2, "intno %llu", (unsigned long long)e[0].addr);
    cr_expect_eq(e[0].pc, CODE + 8);
    cr_expect_eq(only(&p, EV_CODE, c, 8), 2);
    cr_expect_eq(c[1].addr, CODE + 4);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X2), 101);
    pin_close(&p);
}

/* ---- exclusives on MMIO ----------------------------------------------------------------------- */

/* Engine: the fast path of STXR (run.c match_beat sees a READ callback for a
 * store and falls back to software).  Observed: after an LDXR from the MMIO
 * page (two read callbacks), the STXR re-reads the 8 bytes (two read
 * callbacks, for its compare-and-swap) and then writes them (two write
 * callbacks); the status register reads 0 (success). */
Test(pins, stxr_on_mmio_reads_then_writes)
{
    static const uint32_t prog[] = {I_LDXR_X5, I_STXR, I_WFI};
    struct pin p;
    pin_open(&p, true, true, prog, NELEM(prog));
    uint64_t x4 = 0x55;
    uc_reg_write(p.uc, UC_ARM64_REG_X4, &x4);
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    static const int kinds[] = {EV_CODE, EV_READ, EV_READ, EV_CODE, EV_READ, EV_READ, EV_WRITE, EV_WRITE, EV_CODE};
    cr_assert_eq(p.n, NELEM(kinds));
    for (unsigned i = 0; i < NELEM(kinds); i++)
        cr_expect_eq(p.ev[i].kind, kinds[i], "event %u", i);
    cr_expect_eq(p.ev[6].value, X1_SEED & 0xffffffffu);
    cr_expect_eq(p.ev[7].value, X1_SEED >> 32);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X4), 0);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X5), dev_value(0, 8));
    pin_close(&p);
}

/* Engine: the exit path emulates LDXR in software, which cannot arm
 * Unicorn's exclusive monitor.  Pinned: a STXR with no LDXR executed by
 * Unicorn before it fails (status 1) without any memory access at all: no
 * MMIO callback and no UNMAPPED hook. */
Test(pins, stxr_without_monitor_fails_without_access)
{
    static const uint32_t prog[] = {I_STXR, I_WFI};
    {
        struct pin p;
        pin_open(&p, true, true, prog, NELEM(prog));
        cr_assert_eq(pin_run(&p), UC_ERR_OK);
        struct ev e[8];
        cr_expect_eq(only(&p, EV_READ, e, 8), 0);
        cr_expect_eq(only(&p, EV_WRITE, e, 8), 0);
        cr_expect_eq(reg(&p, UC_ARM64_REG_X4), 1);
        pin_close(&p);
    }
    {
        struct pin p;
        pin_open(&p, true, false, prog, NELEM(prog));
        cr_assert_eq(pin_run(&p), UC_ERR_OK);
        struct ev e[8];
        cr_expect_eq(only(&p, EV_UNMAPPED, e, 8), 0);
        cr_expect_eq(reg(&p, UC_ARM64_REG_X4), 1);
        pin_close(&p);
    }
}

/* Engine: the fast path's abort of a load-exclusive.  Unlike a plain load
 * (stop_in_read_callback_post_index), an LDXR stopped inside its read
 * callback leaves its destination register unchanged AND does not arm the
 * exclusive monitor: when the engine then completes the LDXR in software
 * (INST_EMUL exit, or any fast-path fallback), the following STXR executed
 * by Unicorn fails (status 1) without touching memory. */
Test(pins, stop_in_ldxr_callback_leaves_monitor_unarmed)
{
    static const uint32_t prog[] = {I_LDXR_X5, I_STXR, I_WFI};
    struct pin p;
    pin_open(&p, true, true, prog, NELEM(prog));
    uint64_t x4 = 0x55, x5 = 0x5555;
    uc_reg_write(p.uc, UC_ARM64_REG_X4, &x4);
    uc_reg_write(p.uc, UC_ARM64_REG_X5, &x5);
    p.stop_in_read = true;
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    struct ev r[8];
    cr_assert_eq(only(&p, EV_READ, r, 8), 2);
    cr_expect_eq(reg(&p, UC_ARM64_REG_PC), CODE);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X5), 0x5555, "LDXR's register after the stop: 0x%llx",
                 (unsigned long long)reg(&p, UC_ARM64_REG_X5));
    /* complete the LDXR as the engine does: write X5, step the PC, resume */
    p.stop_in_read = false;
    p.n = 0;
    x5 = dev_value(0, 8);
    uc_reg_write(p.uc, UC_ARM64_REG_X5, &x5);
    cr_assert_eq(pin_run_from(&p, CODE + 4), UC_ERR_OK);
    struct ev e[8];
    cr_expect_eq(only(&p, EV_READ, e, 8), 0);
    cr_expect_eq(only(&p, EV_WRITE, e, 8), 0, "the STXR stored");
    cr_expect_eq(reg(&p, UC_ARM64_REG_X4), 1, "STXR status %llu", (unsigned long long)reg(&p, UC_ARM64_REG_X4));
    pin_close(&p);
}

/* The monitor itself survives between uc_emu_start calls: an LDXR from RAM,
 * a stop by the code hook before the STXR (a slice end), then the STXR in the
 * next run succeeds.  So the failure above is the abort, not the restart. */
Test(pins, exclusive_monitor_survives_between_runs)
{
    static const uint32_t prog[] = {I_LDXR_X5, I_STXR, I_WFI};
    struct pin p;
    pin_open(&p, true, false, prog, NELEM(prog));
    cr_assert_eq(uc_mem_map(p.uc, DEV, 0x1000, UC_PROT_ALL), UC_ERR_OK);
    uint64_t x4 = 0x55;
    uc_reg_write(p.uc, UC_ARM64_REG_X4, &x4);
    p.stop_at = CODE + 4;
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    cr_expect_eq(reg(&p, UC_ARM64_REG_PC), CODE + 4);
    p.stop_at = 0;
    cr_assert_eq(pin_run_from(&p, CODE + 4), UC_ERR_OK);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X4), 0);
    uint64_t m = 0;
    cr_assert_eq(uc_mem_read(p.uc, DEV, &m, 8), UC_ERR_OK);
    cr_expect_eq(m, X1_SEED);
    pin_close(&p);
}

/* ---- changing the map between runs ------------------------------------------------------------- */

/* Engine: vcpu_sync_maps turns a fast-path reservation into RAM when it gets
 * mapped (lazy mapping): uc_mem_unmap of an MMIO range, then uc_mem_map_ptr
 * at the same address, and already-translated code must now reach RAM. */
Test(pins, mmio_unmap_then_map_ptr_takes_effect)
{
    static const uint32_t prog[] = {I_LDR_X, I_WFI};
    struct pin p;
    pin_open(&p, true, true, prog, NELEM(prog));
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    struct ev r[8];
    cr_assert_eq(only(&p, EV_READ, r, 8), 2);
    static uint8_t page[0x1000] __attribute__((aligned(4096)));
    for (unsigned i = 0; i < sizeof(page); i++)
        page[i] = (uint8_t)(0xc3u ^ i);
    cr_assert_eq(uc_mem_unmap(p.uc, DEV, 0x1000), UC_ERR_OK);
    cr_assert_eq(uc_mem_map_ptr(p.uc, DEV, 0x1000, UC_PROT_ALL, page), UC_ERR_OK);
    p.n = 0;
    cr_assert_eq(pin_run(&p), UC_ERR_OK);
    cr_expect_eq(only(&p, EV_READ, r, 8), 0);
    uint64_t want;
    memcpy(&want, page, 8);
    cr_expect_eq(reg(&p, UC_ARM64_REG_X1), want);
    pin_close(&p);
}

/* ---- (j) two engines on two threads --------------------------------------------------------------- */

/* Engine: "no global mutable state; two VMs in one process must work, on two
 * threads" (DESIGN.md) rests on Unicorn instances being independent.  Smoke
 * test: two threads each run a loop of MMIO loads on their own engine; each
 * sees only its own callbacks and computes its own sum. */
struct thread_job {
    uint64_t seed; /* what this thread's device returns (plus a counter) */
    uint64_t iters;
    uint64_t calls; /* MMIO read callbacks seen */
    uint64_t x3;    /* the guest's sum */
    uc_err err;
    uint64_t foreign; /* callbacks whose user data was not this job */
};

static uint64_t thread_rd(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    (void)uc;
    (void)offset;
    struct thread_job *j = user;
    j->calls++;
    (void)size;
    return offset == 0 ? j->seed + j->calls : 0; /* low word varies, high word 0 */
}

static void thread_wr(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *user)
{
    (void)uc;
    (void)offset;
    (void)size;
    (void)value;
    struct thread_job *j = user;
    j->foreign++;
}

static void *thread_main(void *arg)
{
    struct thread_job *j = arg;
    static const uint32_t prog[] = {
        0xf9400001u, /* ldr x1, [x0] */
        0x8b010063u, /* add x3, x3, x1 */
        0xd1000529u, /* sub x9, x9, #1 */
        0xb5ffffa9u, /* cbnz x9, .-12 */
        0xd503207fu, /* wfi */
    };
    uc_engine *uc;
    j->err = uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &uc);
    if (j->err)
        return NULL;
    uint8_t buf[sizeof(prog)];
    memcpy(buf, prog, sizeof(prog)); /* little-endian host */
    uint64_t x0 = DEV, x3 = 0, x9 = j->iters;
    if ((j->err = uc_ctl_set_cpu_model(uc, UC_CPU_ARM64_MAX)) || (j->err = uc_mem_map(uc, CODE, 0x1000, UC_PROT_ALL)) ||
        (j->err = uc_mmio_map(uc, DEV, 0x1000, thread_rd, j, thread_wr, j)) ||
        (j->err = uc_mem_write(uc, CODE, buf, sizeof(buf))) || (j->err = uc_reg_write(uc, UC_ARM64_REG_X0, &x0)) ||
        (j->err = uc_reg_write(uc, UC_ARM64_REG_X3, &x3)) || (j->err = uc_reg_write(uc, UC_ARM64_REG_X9, &x9)) ||
        (j->err = uc_emu_start(uc, CODE, UNTIL_NEVER, 0, 0))) {
        uc_close(uc);
        return NULL;
    }
    uc_reg_read(uc, UC_ARM64_REG_X3, &j->x3);
    uc_close(uc);
    return NULL;
}

Test(pins, two_engines_on_two_threads)
{
    struct thread_job jobs[2] = {{.seed = 1000, .iters = 20000}, {.seed = 5000000, .iters = 30000}};
    pthread_t th[2];
    for (unsigned i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, thread_main, &jobs[i]), 0);
    for (unsigned i = 0; i < 2; i++)
        cr_assert_eq(pthread_join(th[i], NULL), 0);
    for (unsigned i = 0; i < 2; i++) {
        const struct thread_job *j = &jobs[i];
        cr_expect_eq(j->err, UC_ERR_OK, "thread %u: %s", i, uc_strerror(j->err));
        /* each 8-byte load is two 4-byte callbacks (offset 0, then 4) */
        cr_expect_eq(j->calls, 2 * j->iters, "thread %u: %llu callbacks", i, (unsigned long long)j->calls);
        cr_expect_eq(j->foreign, 0);
        /* the k-th load (k = 1..iters) reads seed + (2k - 1) */
        uint64_t want = j->iters * j->seed + j->iters * j->iters;
        cr_expect_eq(j->x3, want, "thread %u: sum %llu, expected %llu", i, (unsigned long long)j->x3,
                     (unsigned long long)want);
    }
}
