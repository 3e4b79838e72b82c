/* vmfault — the differential test of the two trap paths.
 *
 * Every load/store form in the tables below runs three ways, each in a fresh
 * VM, in the middle of the same little program
 *
 *     add x29, x29, #1      <- so the access is mid-block
 *     <the instruction(s)>
 *     add x28, x28, #3      <- must run exactly once
 *     wfi
 *
 *   RAM   the data page at DEV is plain RAM holding the byte pattern;
 *   FAST  DEV is a reservation on VMF_PATH_FAST (Unicorn MMIO callbacks);
 *   EXIT  DEV is a reservation on VMF_PATH_EXIT (stop, decode, complete).
 *
 * The reservation's handler (written against the libsel4vm API only) serves
 * reads from its own copy of the same pattern, applies writes to it and
 * records every fault.  All general registers X0..X30 and V0..V31 start with
 * distinct non-zero values.  The runs must agree on X0..X30, SP, PC, NZCV,
 * FPSR, FPCR, V0..V31, the instruction count, the exit (HLT at the WFI), the
 * final bytes of the data page and of all RAM; FAST and EXIT must produce the
 * same fault list, and that list must be the guest's real accesses, as given
 * in the table (address, size, direction, instruction).  Every table runs a
 * second time single-stepped (vmf_run with a budget of one instruction), and
 * the exits on the way must match the RAM run's too.
 *
 * After the tables: handler results other than HANDLED (IGNORE, RESTART,
 * UNHANDLED and its completion, ERROR, an invalid result, HANDLED without
 * advance), lazy mapping, PAGING exits, and accesses that straddle the edge
 * of a reservation.
 *
 * Instruction words were produced with aarch64-linux-gnu-as -march=armv8.2-a
 * and aarch64-linux-gnu-objdump -d from the assembly text beside each word.
 */
#include <criterion/criterion.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_util.h"
#include "vmfault/vmfault.h"

/* The tables below are laid out by hand, one instruction per line. */
// clang-format off

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define DEV TVM_DEV          /* the data page(s): RAM in the reference run, a reservation otherwise */
#define DEV_SIZE 0x2000u     /* two pages, so an access can cross a page inside the reservation */
#define CODE TVM_RAM
#define BUDGET 1000u         /* instructions: far more than any program here needs */

#define I_ADD_X29 0x910007bdu /* add x29, x29, #1 */
#define I_ADD_X28 0x91000f9cu /* add x28, x28, #3 */
#define I_WFI 0xd503207fu     /* wfi */

/* The data page's content: byte at offset o is 0x3c + 0x9b*o.  Offsets used
 * for sign extension (relative to 0x100, where X0 points): byte +1 = 0xd7 (<0),
 * +2 = 0x72 (>=0); halfword +4 has top byte 0x43 (>=0), +10 has 0xe5 (<0);
 * word +8 has top byte 0xe5 (<0), +12 has 0x51 (>=0).  Checked by
 * trap_paths.pattern_signs. */
static uint8_t pattern(uint64_t off)
{
    return (uint8_t)(0x3cu + 0x9bu * (unsigned)off);
}

/* ---- the table ------------------------------------------------------------------------------ */

enum { RD = 1, WR = 2 };

/* One expected fault: offset from DEV, size, direction, which instruction (0 or 1). */
struct fexp {
    uint16_t off;
    uint8_t size;
    uint8_t dir;
    uint8_t insn;
};

/* Flags of a case. */
#define SPB 0x1u /* the base register is SP: SP = DEV + base */
#define OPT 0x2u /* run only if vmf_arm64_decode supports the instruction */
#define LOOP 0x4u /* the instructions loop: icount is not 3 + their number */

struct tcase {
    const char *text;   /* assembly, for messages */
    uint32_t insn[4];   /* one to four instructions (0 = none) */
    int32_t base;       /* X0 (or SP) = DEV + base */
    uint64_t x3;        /* index register value; 0 keeps the seed */
    unsigned flags;
    struct fexp f[8];   /* expected faults; size 0 ends the list */
};

#define R(o, s) {(o), (s), RD, 0}
#define W(o, s) {(o), (s), WR, 0}
#define R1(o, s) {(o), (s), RD, 1}
#define W1(o, s) {(o), (s), WR, 1}

static const struct tcase GPR_BASIC[] = {
    {"ldrb w1, [x0, #3]", {0x39400c01u /* ldrb w1, [x0, #3] */}, 0x100, 0, 0, {R(0x103, 1)}},
    {"ldrh w1, [x0, #6]", {0x79400c01u /* ldrh w1, [x0, #6] */}, 0x100, 0, 0, {R(0x106, 2)}},
    {"ldr w1, [x0, #8]", {0xb9400801u /* ldr w1, [x0, #8] */}, 0x100, 0, 0, {R(0x108, 4)}},
    {"ldr x1, [x0, #16]", {0xf9400801u /* ldr x1, [x0, #16] */}, 0x100, 0, 0, {R(0x110, 8)}},
    {"strb w1, [x0, #3]", {0x39000c01u /* strb w1, [x0, #3] */}, 0x100, 0, 0, {W(0x103, 1)}},
    {"strh w1, [x0, #6]", {0x79000c01u /* strh w1, [x0, #6] */}, 0x100, 0, 0, {W(0x106, 2)}},
    {"str w1, [x0, #8]", {0xb9000801u /* str w1, [x0, #8] */}, 0x100, 0, 0, {W(0x108, 4)}},
    {"str x1, [x0, #16]", {0xf9000801u /* str x1, [x0, #16] */}, 0x100, 0, 0, {W(0x110, 8)}},
    /* a W load must clear bits 63:32 of X1 (seeded non-zero there) */
    {"ldr w1, [x0]", {0xb9400001u /* ldr w1, [x0] */}, 0x100, 0, 0, {R(0x100, 4)}},
    /* destination is also the base (no writeback: allowed) */
    {"ldr x0, [x0]", {0xf9400000u /* ldr x0, [x0] */}, 0x100, 0, 0, {R(0x100, 8)}},
};

/* Several accesses in one block, and loops (translated blocks run again). */
static const struct tcase SEQUENCES[] = {
    {"str x1, [x0]; ldr x2, [x0]", {0xf9000001u /* str x1, [x0] */, 0xf9400002u /* ldr x2, [x0] */}, 0x100, 0, 0,
     {W(0x100, 8), R1(0x100, 8)}},
    {"ldr x1, [x0]; ldr x2, [x0, #8]", {0xf9400001u /* ldr x1, [x0] */, 0xf9400402u /* ldr x2, [x0, #8] */}, 0x100, 0,
     0, {R(0x100, 8), R1(0x108, 8)}},
    {"ldp w1, w2, [x0]; stp w2, w1, [x0, #8]",
     {0x29400801u /* ldp w1, w2, [x0] */, 0x29010402u /* stp w2, w1, [x0, #8] */}, 0x100, 0, 0,
     {R(0x100, 4), R(0x104, 4), W1(0x108, 4), W1(0x10c, 4)}},
    /* an unaligned access (fast path falls back to software) then an aligned one in the same block */
    {"ldr w1, [x0]; str w1, [x0, #8] @+2", {0xb9400001u /* ldr w1, [x0] */, 0xb9000801u /* str w1, [x0, #8] */}, 0x102,
     0, 0, {R(0x102, 4), W1(0x10a, 4)}},
    {"loop 5x: ldr x1, [x0], #8; add x5, x5, x1; sub x3, x3, #1; cbnz x3, .-12",
     {0xf8408401u /* ldr x1, [x0], #8 */, 0x8b0100a5u /* add x5, x5, x1 */, 0xd1000463u /* sub x3, x3, #1 */,
      0xb5ffffa3u /* cbnz x3, .-12 */},
     0x100, 5, LOOP, {R(0x100, 8), R(0x108, 8), R(0x110, 8), R(0x118, 8), R(0x120, 8)}},
    {"loop 4x: ldrb w1, [x0], #1; strb w1, [x0, #0x3f]; sub x3, x3, #1; cbnz x3, .-12",
     {0x38401401u /* ldrb w1, [x0], #1 */, 0x3900fc01u /* strb w1, [x0, #0x3f] */, 0xd1000463u /* sub x3, x3, #1 */,
      0xb5ffffa3u /* cbnz x3, .-12 */},
     0x100, 4, LOOP,
     {R(0x100, 1), W1(0x140, 1), R(0x101, 1), W1(0x141, 1), R(0x102, 1), W1(0x142, 1), R(0x103, 1), W1(0x143, 1)}},
};

static const struct tcase SIGN_EXT[] = {
    {"ldrsb w1, [x0, #1]", {0x39c00401u /* ldrsb w1, [x0, #1] */}, 0x100, 0, 0, {R(0x101, 1)}},
    {"ldrsb w1, [x0, #2]", {0x39c00801u /* ldrsb w1, [x0, #2] */}, 0x100, 0, 0, {R(0x102, 1)}},
    {"ldrsb x1, [x0, #1]", {0x39800401u /* ldrsb x1, [x0, #1] */}, 0x100, 0, 0, {R(0x101, 1)}},
    {"ldrsb x1, [x0, #2]", {0x39800801u /* ldrsb x1, [x0, #2] */}, 0x100, 0, 0, {R(0x102, 1)}},
    {"ldrsh w1, [x0, #4]", {0x79c00801u /* ldrsh w1, [x0, #4] */}, 0x100, 0, 0, {R(0x104, 2)}},
    {"ldrsh w1, [x0, #10]", {0x79c01401u /* ldrsh w1, [x0, #10] */}, 0x100, 0, 0, {R(0x10a, 2)}},
    {"ldrsh x1, [x0, #4]", {0x79800801u /* ldrsh x1, [x0, #4] */}, 0x100, 0, 0, {R(0x104, 2)}},
    {"ldrsh x1, [x0, #10]", {0x79801401u /* ldrsh x1, [x0, #10] */}, 0x100, 0, 0, {R(0x10a, 2)}},
    {"ldrsw x1, [x0, #8]", {0xb9800801u /* ldrsw x1, [x0, #8] */}, 0x100, 0, 0, {R(0x108, 4)}},
    {"ldrsw x1, [x0, #12]", {0xb9800c01u /* ldrsw x1, [x0, #12] */}, 0x100, 0, 0, {R(0x10c, 4)}},
};

static const struct tcase UNSCALED[] = {
    {"ldur x1, [x0, #-8]", {0xf85f8001u /* ldur x1, [x0, #-8] */}, 0x100, 0, 0, {R(0xf8, 8)}},
    {"ldur w1, [x0, #-4]", {0xb85fc001u /* ldur w1, [x0, #-4] */}, 0x100, 0, 0, {R(0xfc, 4)}},
    {"ldurh w1, [x0, #-2]", {0x785fe001u /* ldurh w1, [x0, #-2] */}, 0x100, 0, 0, {R(0xfe, 2)}},
    {"ldursb x1, [x0, #-1]", {0x389ff001u /* ldursb x1, [x0, #-1] */}, 0x100, 0, 0, {R(0xff, 1)}},
    {"stur x1, [x0, #-8]", {0xf81f8001u /* stur x1, [x0, #-8] */}, 0x100, 0, 0, {W(0xf8, 8)}},
    {"stur w1, [x0, #-4]", {0xb81fc001u /* stur w1, [x0, #-4] */}, 0x100, 0, 0, {W(0xfc, 4)}},
};

static const struct tcase WRITEBACK[] = {
    {"ldr x1, [x0, #8]!", {0xf8408c01u /* ldr x1, [x0, #8]! */}, 0x100, 0, 0, {R(0x108, 8)}},
    {"ldr x1, [x0], #-8", {0xf85f8401u /* ldr x1, [x0], #-8 */}, 0x100, 0, 0, {R(0x100, 8)}},
    {"ldrb w1, [x0, #1]!", {0x38401c01u /* ldrb w1, [x0, #1]! */}, 0x100, 0, 0, {R(0x101, 1)}},
    {"ldrsh x1, [x0], #2", {0x78802401u /* ldrsh x1, [x0], #2 */}, 0x100, 0, 0, {R(0x100, 2)}},
    {"ldr w1, [x0, #-4]!", {0xb85fcc01u /* ldr w1, [x0, #-4]! */}, 0x100, 0, 0, {R(0xfc, 4)}},
    {"str x1, [x0, #-16]!", {0xf81f0c01u /* str x1, [x0, #-16]! */}, 0x100, 0, 0, {W(0xf0, 8)}},
    {"str x1, [x0], #8", {0xf8008401u /* str x1, [x0], #8 */}, 0x100, 0, 0, {W(0x100, 8)}},
    {"strh w1, [x0, #2]!", {0x78002c01u /* strh w1, [x0, #2]! */}, 0x100, 0, 0, {W(0x102, 2)}},
    {"str w1, [x0], #-4", {0xb81fc401u /* str w1, [x0], #-4 */}, 0x100, 0, 0, {W(0x100, 4)}},
};

static const struct tcase REG_OFFSET[] = {
    {"ldr x1, [x0, x3, lsl #3]", {0xf8637801u /* ldr x1, [x0, x3, lsl #3] */}, 0x100, 2, 0, {R(0x110, 8)}},
    {"ldr x1, [x0, x3]", {0xf8636801u /* ldr x1, [x0, x3] */}, 0x100, 0x18, 0, {R(0x118, 8)}},
    /* UXTW ignores bits 63:32 of X3 */
    {"ldr w1, [x0, w3, uxtw #2]", {0xb8635801u /* ldr w1, [x0, w3, uxtw #2] */}, 0x100, 0xdeadbeef00000003ull, 0,
     {R(0x10c, 4)}},
    /* SXTW of a negative W3 (bits 63:32 of X3 are not zero either) */
    {"ldr x1, [x0, w3, sxtw #3]", {0xf863d801u /* ldr x1, [x0, w3, sxtw #3] */}, 0x100, 0x12345678fffffffeull, 0,
     {R(0xf0, 8)}},
    {"ldrb w1, [x0, w3, sxtw]", {0x3863c801u /* ldrb w1, [x0, w3, sxtw] */}, 0x100, 0x00000001ffffffffull, 0,
     {R(0xff, 1)}},
    {"ldrsh x1, [x0, w3, sxtw #1]", {0x78a3d801u /* ldrsh x1, [x0, w3, sxtw #1] */}, 0x100, 0xfffffffdull, 0,
     {R(0xfa, 2)}},
    {"str w1, [x0, x3, lsl #2]", {0xb8237801u /* str w1, [x0, x3, lsl #2] */}, 0x100, 5, 0, {W(0x114, 4)}},
    {"str x1, [x0, w3, sxtw #3]", {0xf823d801u /* str x1, [x0, w3, sxtw #3] */}, 0x100, 0xaaaaaaaafffffffcull, 0,
     {W(0xe0, 8)}},
};

static const struct tcase PAIRS[] = {
    {"ldp w1, w2, [x0, #8]", {0x29410801u /* ldp w1, w2, [x0, #8] */}, 0x100, 0, 0, {R(0x108, 4), R(0x10c, 4)}},
    {"ldp x1, x2, [x0, #16]", {0xa9410801u /* ldp x1, x2, [x0, #16] */}, 0x100, 0, 0, {R(0x110, 8), R(0x118, 8)}},
    {"stp w1, w2, [x0, #8]", {0x29010801u /* stp w1, w2, [x0, #8] */}, 0x100, 0, 0, {W(0x108, 4), W(0x10c, 4)}},
    {"stp x1, x2, [x0, #16]", {0xa9010801u /* stp x1, x2, [x0, #16] */}, 0x100, 0, 0, {W(0x110, 8), W(0x118, 8)}},
    {"ldpsw x1, x2, [x0, #8]", {0x69410801u /* ldpsw x1, x2, [x0, #8] */}, 0x100, 0, 0, {R(0x108, 4), R(0x10c, 4)}},
    {"ldp x1, x2, [x0, #16]!", {0xa9c10801u /* ldp x1, x2, [x0, #16]! */}, 0x100, 0, 0, {R(0x110, 8), R(0x118, 8)}},
    {"ldp x1, x2, [x0], #-16", {0xa8ff0801u /* ldp x1, x2, [x0], #-16 */}, 0x100, 0, 0, {R(0x100, 8), R(0x108, 8)}},
    {"ldp w1, w2, [x0, #-8]!", {0x29ff0801u /* ldp w1, w2, [x0, #-8]! */}, 0x100, 0, 0, {R(0xf8, 4), R(0xfc, 4)}},
    {"stp x1, x2, [x0, #-16]!", {0xa9bf0801u /* stp x1, x2, [x0, #-16]! */}, 0x100, 0, 0, {W(0xf0, 8), W(0xf8, 8)}},
    {"stp w1, w2, [x0], #8", {0x28810801u /* stp w1, w2, [x0], #8 */}, 0x100, 0, 0, {W(0x100, 4), W(0x104, 4)}},
    /* Rt2 is the base (no writeback: allowed) */
    {"ldp x1, x0, [x0]", {0xa9400001u /* ldp x1, x0, [x0] */}, 0x100, 0, 0, {R(0x100, 8), R(0x108, 8)}},
};

/* Exclusives: an STXR only stores after an LDXR of the same address armed
 * the monitor, so each store-exclusive follows its load-exclusive; the
 * status register W4 is seeded non-zero and must read 0 (success) after. */
static const struct tcase EXCLUSIVE[] = {
    {"ldxr x1, [x0]", {0xc85f7c01u /* ldxr x1, [x0] */}, 0x100, 0, 0, {R(0x100, 8)}},
    {"ldxr w1, [x0]", {0x885f7c01u /* ldxr w1, [x0] */}, 0x100, 0, 0, {R(0x100, 4)}},
    {"ldxr x5, [x0]; stxr w4, x1, [x0]",
     {0xc85f7c05u /* ldxr x5, [x0] */, 0xc8047c01u /* stxr w4, x1, [x0] */}, 0x100, 0, 0,
     {R(0x100, 8), W1(0x100, 8)}},
    {"ldxrh w5, [x0]; stxrh w4, w1, [x0]",
     {0x485f7c05u /* ldxrh w5, [x0] */, 0x48047c01u /* stxrh w4, w1, [x0] */}, 0x100, 0, 0,
     {R(0x100, 2), W1(0x100, 2)}},
    {"ldaxr x1, [x0]", {0xc85ffc01u /* ldaxr x1, [x0] */}, 0x100, 0, 0, {R(0x100, 8)}},
    {"ldaxr x5, [x0]; stlxr w4, x1, [x0]",
     {0xc85ffc05u /* ldaxr x5, [x0] */, 0xc804fc01u /* stlxr w4, x1, [x0] */}, 0x100, 0, 0,
     {R(0x100, 8), W1(0x100, 8)}},
    {"ldaxr w5, [x0]; stlxr w4, w1, [x0]",
     {0x885ffc05u /* ldaxr w5, [x0] */, 0x8804fc01u /* stlxr w4, w1, [x0] */}, 0x100, 0, 0,
     {R(0x100, 4), W1(0x100, 4)}},
    /* the usual retry loop: one iteration on RAM */
    {"ldxr x5, [x0]; stxr w4, x1, [x0]; cbnz w4, .-8",
     {0xc85f7c05u /* ldxr x5, [x0] */, 0xc8047c01u /* stxr w4, x1, [x0] */, 0x35ffffc4u /* cbnz w4, .-8 */}, 0x100, 0,
     0, {R(0x100, 8), W1(0x100, 8)}},
};

static const struct tcase ACQREL[] = {
    {"ldar x1, [x0]", {0xc8dffc01u /* ldar x1, [x0] */}, 0x100, 0, 0, {R(0x100, 8)}},
    {"ldar w1, [x0]", {0x88dffc01u /* ldar w1, [x0] */}, 0x100, 0, 0, {R(0x100, 4)}},
    {"ldarb w1, [x0]", {0x08dffc01u /* ldarb w1, [x0] */}, 0x100, 0, 0, {R(0x100, 1)}},
    {"stlr x1, [x0]", {0xc89ffc01u /* stlr x1, [x0] */}, 0x100, 0, 0, {W(0x100, 8)}},
    {"stlr w1, [x0]", {0x889ffc01u /* stlr w1, [x0] */}, 0x100, 0, 0, {W(0x100, 4)}},
    {"stlrh w1, [x0]", {0x489ffc01u /* stlrh w1, [x0] */}, 0x100, 0, 0, {W(0x100, 2)}},
};

static const struct tcase SIMD[] = {
    {"ldr b1, [x0, #3]", {0x3d400c01u /* ldr b1, [x0, #3] */}, 0x100, 0, 0, {R(0x103, 1)}},
    {"ldr h1, [x0, #6]", {0x7d400c01u /* ldr h1, [x0, #6] */}, 0x100, 0, 0, {R(0x106, 2)}},
    {"ldr s1, [x0, #8]", {0xbd400801u /* ldr s1, [x0, #8] */}, 0x100, 0, 0, {R(0x108, 4)}},
    {"ldr d1, [x0, #16]", {0xfd400801u /* ldr d1, [x0, #16] */}, 0x100, 0, 0, {R(0x110, 8)}},
    {"ldr q1, [x0, #32]", {0x3dc00801u /* ldr q1, [x0, #32] */}, 0x100, 0, 0, {R(0x120, 8), R(0x128, 8)}},
    {"str b1, [x0, #3]", {0x3d000c01u /* str b1, [x0, #3] */}, 0x100, 0, 0, {W(0x103, 1)}},
    {"str h1, [x0, #6]", {0x7d000c01u /* str h1, [x0, #6] */}, 0x100, 0, 0, {W(0x106, 2)}},
    {"str s1, [x0, #8]", {0xbd000801u /* str s1, [x0, #8] */}, 0x100, 0, 0, {W(0x108, 4)}},
    {"str d1, [x0, #16]", {0xfd000801u /* str d1, [x0, #16] */}, 0x100, 0, 0, {W(0x110, 8)}},
    {"str q1, [x0, #32]", {0x3d800801u /* str q1, [x0, #32] */}, 0x100, 0, 0, {W(0x120, 8), W(0x128, 8)}},
    {"ldp s1, s2, [x0, #8]", {0x2d410801u /* ldp s1, s2, [x0, #8] */}, 0x100, 0, 0, {R(0x108, 4), R(0x10c, 4)}},
    {"ldp d1, d2, [x0, #16]", {0x6d410801u /* ldp d1, d2, [x0, #16] */}, 0x100, 0, 0, {R(0x110, 8), R(0x118, 8)}},
    {"stp d1, d2, [x0, #16]", {0x6d010801u /* stp d1, d2, [x0, #16] */}, 0x100, 0, 0, {W(0x110, 8), W(0x118, 8)}},
    {"ldp q1, q2, [x0, #32]", {0xad410801u /* ldp q1, q2, [x0, #32] */}, 0x100, 0, 0,
     {R(0x120, 8), R(0x128, 8), R(0x130, 8), R(0x138, 8)}},
    {"stp q1, q2, [x0, #32]", {0xad010801u /* stp q1, q2, [x0, #32] */}, 0x100, 0, 0,
     {W(0x120, 8), W(0x128, 8), W(0x130, 8), W(0x138, 8)}},
    {"ldr q1, [x0, #16]!", {0x3cc10c01u /* ldr q1, [x0, #16]! */}, 0x100, 0, 0, {R(0x110, 8), R(0x118, 8)}},
    {"ldur q1, [x0, #-16]", {0x3cdf0001u /* ldur q1, [x0, #-16] */}, 0x100, 0, 0, {R(0xf0, 8), R(0xf8, 8)}},
    {"stp q1, q2, [x0], #-32", {0xacbf0801u /* stp q1, q2, [x0], #-32 */}, 0x100, 0, 0,
     {W(0x100, 8), W(0x108, 8), W(0x110, 8), W(0x118, 8)}},
};

static const struct tcase LD1ST1[] = {
    {"ld1 {v1.16b}, [x0]", {0x4c407001u /* ld1 {v1.16b}, [x0] */}, 0x100, 0, OPT, {R(0x100, 8), R(0x108, 8)}},
    {"ld1 {v1.16b, v2.16b}, [x0]", {0x4c40a001u /* ld1 {v1.16b, v2.16b}, [x0] */}, 0x100, 0, OPT,
     {R(0x100, 8), R(0x108, 8), R(0x110, 8), R(0x118, 8)}},
    {"st1 {v1.16b}, [x0]", {0x4c007001u /* st1 {v1.16b}, [x0] */}, 0x100, 0, OPT, {W(0x100, 8), W(0x108, 8)}},
    {"st1 {v1.16b, v2.16b}, [x0]", {0x4c00a001u /* st1 {v1.16b, v2.16b}, [x0] */}, 0x100, 0, OPT,
     {W(0x100, 8), W(0x108, 8), W(0x110, 8), W(0x118, 8)}},
    {"ld1 {v1.2d}, [x0]", {0x4c407c01u /* ld1 {v1.2d}, [x0] */}, 0x100, 0, OPT, {R(0x100, 8), R(0x108, 8)}},
    {"ld1 {v1.8b}, [x0]", {0x0c407001u /* ld1 {v1.8b}, [x0] */}, 0x100, 0, OPT, {R(0x100, 8)}},
    {"ld1 {v1.16b}, [x0], #16", {0x4cdf7001u /* ld1 {v1.16b}, [x0], #16 */}, 0x100, 0, OPT,
     {R(0x100, 8), R(0x108, 8)}},
    {"ld1 {v1.2d, v2.2d}, [x0], x3", {0x4cc3ac01u /* ld1 {v1.2d, v2.2d}, [x0], x3 */}, 0x100, 0x40, OPT,
     {R(0x100, 8), R(0x108, 8), R(0x110, 8), R(0x118, 8)}},
    {"st1 {v1.4s, v2.4s}, [x0], #32", {0x4c9fa801u /* st1 {v1.4s, v2.4s}, [x0], #32 */}, 0x100, 0, OPT,
     {W(0x100, 8), W(0x108, 8), W(0x110, 8), W(0x118, 8)}},
};

/* Unaligned: Unicorn's MMIO rounds these down (test_unicorn_pins.c); the
 * fault must still carry the guest's own address and size. */
static const struct tcase UNALIGNED[] = {
    {"ldr w1, [x0] @+2", {0xb9400001u /* ldr w1, [x0] */}, 0x102, 0, 0, {R(0x102, 4)}},
    {"ldr x1, [x0] @+4", {0xf9400001u /* ldr x1, [x0] */}, 0x104, 0, 0, {R(0x104, 8)}},
    {"ldr x1, [x0] @+7", {0xf9400001u /* ldr x1, [x0] */}, 0x107, 0, 0, {R(0x107, 8)}},
    {"ldrh w1, [x0] @+1", {0x79400001u /* ldrh w1, [x0] */}, 0x101, 0, 0, {R(0x101, 2)}},
    {"ldur w1, [x0, #1]", {0xb8401001u /* ldur w1, [x0, #1] */}, 0x100, 0, 0, {R(0x101, 4)}},
    {"str w1, [x0] @+2", {0xb9000001u /* str w1, [x0] */}, 0x102, 0, 0, {W(0x102, 4)}},
    {"str x1, [x0] @+4", {0xf9000001u /* str x1, [x0] */}, 0x104, 0, 0, {W(0x104, 8)}},
    {"str x1, [x0] @+3", {0xf9000001u /* str x1, [x0] */}, 0x103, 0, 0, {W(0x103, 8)}},
    {"ldp w1, w2, [x0] @+2", {0x29400801u /* ldp w1, w2, [x0] */}, 0x102, 0, 0, {R(0x102, 4), R(0x106, 4)}},
    {"stp x1, x2, [x0] @+0xc", {0xa9000801u /* stp x1, x2, [x0] */}, 0x10c, 0, 0, {W(0x10c, 8), W(0x114, 8)}},
    {"ldr q1, [x0] @+4", {0x3dc00001u /* ldr q1, [x0] */}, 0x104, 0, 0, {R(0x104, 8), R(0x10c, 8)}},
    /* crossing the page boundary inside the (two-page) reservation */
    {"ldr x1, [x0] @+0xffc", {0xf9400001u /* ldr x1, [x0] */}, 0xffc, 0, 0, {R(0xffc, 8)}},
    {"str x1, [x0] @+0xffa", {0xf9000001u /* str x1, [x0] */}, 0xffa, 0, 0, {W(0xffa, 8)}},
};

static const struct tcase ZERO_REG[] = {
    {"ldr xzr, [x0, #8]", {0xf940041fu /* ldr xzr, [x0, #8] */}, 0x100, 0, 0, {R(0x108, 8)}},
    {"ldr wzr, [x0, #8]", {0xb940081fu /* ldr wzr, [x0, #8] */}, 0x100, 0, 0, {R(0x108, 4)}},
    {"str xzr, [x0, #8]", {0xf900041fu /* str xzr, [x0, #8] */}, 0x100, 0, 0, {W(0x108, 8)}},
    {"strb wzr, [x0, #3]", {0x39000c1fu /* strb wzr, [x0, #3] */}, 0x100, 0, 0, {W(0x103, 1)}},
    {"stp xzr, xzr, [x0, #16]", {0xa9017c1fu /* stp xzr, xzr, [x0, #16] */}, 0x100, 0, 0, {W(0x110, 8), W(0x118, 8)}},
    {"stp wzr, w1, [x0, #8]", {0x2901041fu /* stp wzr, w1, [x0, #8] */}, 0x100, 0, 0, {W(0x108, 4), W(0x10c, 4)}},
};

static const struct tcase SP_BASE[] = {
    {"ldr x1, [sp, #8]", {0xf94007e1u /* ldr x1, [sp, #8] */}, 0x100, 0, SPB, {R(0x108, 8)}},
    {"str x1, [sp, #-16]!", {0xf81f0fe1u /* str x1, [sp, #-16]! */}, 0x100, 0, SPB, {W(0xf0, 8)}},
    {"ldp x1, x2, [sp], #16", {0xa8c10be1u /* ldp x1, x2, [sp], #16 */}, 0x100, 0, SPB, {R(0x100, 8), R(0x108, 8)}},
};

/* ---- the device ----------------------------------------------------------------------------- */

/* What the handler does with the k-th fault it sees (default HANDLED). */
enum act {
    A_HANDLED = 0, /* serve from / apply to the pattern copy, advance, FAULT_HANDLED */
    A_IGNORE,      /* set garbage read data, FAULT_IGNORE (the engine must give 0) */
    A_RESTART,     /* FAULT_RESTART */
    A_RESTART_API, /* restart_vcpu_fault, then FAULT_HANDLED */
    A_UNHANDLED,   /* FAULT_UNHANDLED */
    A_ERROR,       /* FAULT_ERROR */
    A_GARBAGE,     /* (memory_fault_result_t)42 */
    A_NO_ADVANCE,  /* serve, but FAULT_HANDLED without advance_vcpu_fault */
    A_WIDE,        /* serve a read with every bit above the access size set (must be masked off) */
};

struct rec {
    uint64_t addr, data, pc;
    uint8_t size;
    uint8_t dir;   /* RD or WR */
    uint8_t path;  /* vmf_vcpu_fault()->path */
    uint8_t part, parts;
};

#define MAXREC 32

struct dev {
    uint8_t mem[DEV_SIZE];
    struct rec rec[MAXREC];
    unsigned n;               /* faults seen */
    uint8_t script[16];
    unsigned anomalies;       /* API inconsistencies the handler saw */
    char anomaly[200];
};

static void dev_anomaly(struct dev *d, const char *what, uint64_t addr)
{
    if (!d->anomalies++)
        snprintf(d->anomaly, sizeof(d->anomaly), "%s (fault address 0x%llx)", what, (unsigned long long)addr);
}

static memory_fault_result_t dev_fault(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    struct dev *d = cookie;
    uint64_t addr = get_vcpu_fault_address(vcpu);
    size_t size = get_vcpu_fault_size(vcpu);
    bool rd = is_vcpu_read_fault(vcpu);
    unsigned k = d->n++;
    struct rec r = {.addr = addr, .size = (uint8_t)size, .dir = rd ? RD : WR, .pc = get_vcpu_fault_ip(vcpu)};
    const vmf_fault *f = vmf_vcpu_fault(vcpu);
    if (f) {
        r.path = f->path;
        r.part = f->part;
        r.parts = f->parts;
    } else {
        dev_anomaly(d, "vmf_vcpu_fault is NULL inside the handler", addr);
    }
    if (vm != vcpu->vm)
        dev_anomaly(d, "vm argument is not vcpu->vm", addr);
    if (paddr != addr || len != size)
        dev_anomaly(d, "callback paddr/len differ from get_vcpu_fault_address/size", addr);
    if (addr < DEV || size == 0 || size > 8 || addr - DEV > DEV_SIZE - size) {
        dev_anomaly(d, "fault outside the reservation or of a bad size", addr);
        if (k < MAXREC)
            d->rec[k] = r;
        return FAULT_ERROR;
    }
    uint64_t off = addr - DEV;
    uint8_t act = k < NELEM(d->script) ? d->script[k] : A_HANDLED;
    if (rd) {
        for (unsigned i = 0; i < size; i++)
            r.data |= (uint64_t)d->mem[off + i] << (8 * i);
    } else {
        r.data = get_vcpu_fault_data(vcpu);
        if (size < 8 && (r.data >> (8 * size)) != 0)
            dev_anomaly(d, "write data has bits above the access size", addr);
    }
    if (k < MAXREC)
        d->rec[k] = r;
    switch (act) {
    case A_HANDLED:
    case A_NO_ADVANCE:
    case A_WIDE:
        if (rd) {
            uint64_t above = size >= 8 ? 0 : ~(uint64_t)0 << (8 * size);
            set_vcpu_fault_data(vcpu, act == A_WIDE ? r.data | above : r.data);
        } else {
            for (unsigned i = 0; i < size; i++)
                d->mem[off + i] = (uint8_t)(r.data >> (8 * i));
        }
        if (act != A_NO_ADVANCE)
            advance_vcpu_fault(vcpu);
        return FAULT_HANDLED;
    case A_IGNORE:
        if (rd)
            set_vcpu_fault_data(vcpu, 0x5a5a5a5a5a5a5a5aull);
        return FAULT_IGNORE;
    case A_RESTART: return FAULT_RESTART;
    case A_RESTART_API: restart_vcpu_fault(vcpu); return FAULT_HANDLED;
    case A_UNHANDLED: return FAULT_UNHANDLED;
    case A_ERROR: return FAULT_ERROR;
    default: return (memory_fault_result_t)42;
    }
}

/* ---- one VM ------------------------------------------------------------------------------------ */

enum mode { M_RAM = 0, M_FAST = 1, M_EXIT = 2 };
static const char *const MODE[] = {"RAM", "FAST", "EXIT"};

struct layout {
    uint64_t dev_size; /* 0: DEV_SIZE */
    bool ram_after;    /* a page of RAM right after the data region */
    bool ram_before;   /* a page of RAM right before it */
    bool no_callback;  /* reservation with a NULL callback */
};

struct rig {
    struct tvm t;
    struct dev *dev;
    vm_memory_reservation_t *res;
    enum mode mode;
    uint64_t dev_size;
};

static uint64_t seed_x(unsigned i)
{
    return 0xc0de000000000000ull | ((uint64_t)(i + 1) << 40) | (0x01234567ull * (i + 1) + 0x89ull);
}

static void seed_v(unsigned n, uint8_t v[16])
{
    for (unsigned k = 0; k < 16; k++)
        v[k] = (uint8_t)(0x11u + 7u * n + 29u * k);
}

#define NZCV_SEED 0x60000000ull /* Z and C */

static void rig_open(struct rig *g, enum mode m, const struct layout *lay)
{
    memset(g, 0, sizeof(*g));
    g->mode = m;
    g->dev_size = lay && lay->dev_size ? lay->dev_size : DEV_SIZE;
    g->dev = calloc(1, sizeof(*g->dev));
    cr_assert_not_null(g->dev);
    for (uint64_t i = 0; i < DEV_SIZE; i++)
        g->dev->mem[i] = pattern(i);
    cr_assert_eq(tvm_create(&g->t, m == M_EXIT ? VMF_PATH_EXIT : VMF_PATH_FAST), 0);
    if (m == M_RAM) {
        cr_assert_eq(vmf_ram_add(g->t.vm, DEV, g->dev_size, NULL), 0);
        cr_assert_eq(vmf_mem_write(g->t.vm, DEV, g->dev->mem, g->dev_size), 0);
    } else {
        g->res = vm_reserve_memory_at(g->t.vm, DEV, g->dev_size, lay && lay->no_callback ? NULL : dev_fault, g->dev);
        cr_assert_not_null(g->res, "vm_reserve_memory_at: %s", vmf_vm_last_error(g->t.vm, NULL));
        cr_assert_eq(vmf_reservation_set_path(g->t.vm, g->res, m == M_FAST ? VMF_PATH_FAST : VMF_PATH_EXIT), 0);
        cr_assert_eq(vmf_reservation_set_name(g->res, "trapdev"), 0);
    }
    if (lay && lay->ram_after)
        cr_assert_eq(vmf_ram_add(g->t.vm, DEV + g->dev_size, 0x1000, NULL), 0);
    if (lay && lay->ram_before)
        cr_assert_eq(vmf_ram_add(g->t.vm, DEV - 0x1000, 0x1000, NULL), 0);
}

/* Load "add x29; insns; add x28; wfi", seed every register, point X0 (or SP) at DEV + base. */
static void rig_load(struct rig *g, const uint32_t *insns, unsigned n, uint64_t x0, uint64_t x3, bool sp_base)
{
    uint32_t prog[8];
    unsigned k = 0;
    prog[k++] = I_ADD_X29;
    for (unsigned i = 0; i < n; i++)
        prog[k++] = insns[i];
    prog[k++] = I_ADD_X28;
    prog[k++] = I_WFI;
    cr_assert_eq(tvm_load(&g->t, prog, k), 0);
    for (unsigned i = 0; i <= 30; i++)
        cr_assert_eq(vmf_reg_write(g->t.vcpu, i, seed_x(i)), 0);
    for (unsigned i = 0; i < 32; i++) {
        uint8_t v[16];
        seed_v(i, v);
        cr_assert_eq(vmf_vreg_write(g->t.vcpu, i, v), 0);
    }
    cr_assert_eq(vmf_reg_write(g->t.vcpu, VMF_ARM64_NZCV, NZCV_SEED), 0);
    if (sp_base)
        cr_assert_eq(vmf_reg_write(g->t.vcpu, VMF_ARM64_SP, x0), 0);
    else
        cr_assert_eq(vmf_reg_write(g->t.vcpu, 0, x0), 0);
    if (x3)
        cr_assert_eq(vmf_reg_write(g->t.vcpu, 3, x3), 0);
}

static int rig_run(struct rig *g, vmf_exit *ex)
{
    return vmf_run(g->t.vcpu, BUDGET, ex);
}

static void rig_close(struct rig *g)
{
    tvm_destroy(&g->t);
    free(g->dev);
    g->dev = NULL;
}

struct state {
    uint64_t x[31], sp, pc, nzcv, fpsr, fpcr;
    uint8_t v[32][16];
    uint64_t icount;
};

static void get_state(struct rig *g, struct state *s)
{
    memset(s, 0, sizeof(*s));
    for (unsigned i = 0; i <= 30; i++)
        vmf_reg_read(g->t.vcpu, i, &s->x[i]);
    vmf_reg_read(g->t.vcpu, VMF_ARM64_SP, &s->sp);
    vmf_reg_read(g->t.vcpu, VMF_ARM64_PC, &s->pc);
    vmf_reg_read(g->t.vcpu, VMF_ARM64_NZCV, &s->nzcv);
    vmf_reg_read(g->t.vcpu, VMF_ARM64_FPSR, &s->fpsr);
    vmf_reg_read(g->t.vcpu, VMF_ARM64_FPCR, &s->fpcr);
    for (unsigned i = 0; i < 32; i++)
        vmf_vreg_read(g->t.vcpu, i, s->v[i]);
    s->icount = vmf_vcpu_icount(g->t.vcpu);
}

/* Everything a run leaves behind. */
struct step {
    int exitcode;
    uint64_t pc, icount;
};

struct outcome {
    int rc;
    vmf_exit ex;
    unsigned nsteps;        /* single-stepped runs: the exits on the way */
    struct step steps[64];
    struct state st;
    uint8_t data[DEV_SIZE]; /* the data page(s): RAM bytes, or the handler's copy */
    uint8_t ram[TVM_RAM_SIZE];
    struct dev dev;
};

static void capture(struct rig *g, struct outcome *o)
{
    get_state(g, &o->st);
    if (g->mode == M_RAM)
        cr_assert_eq(vmf_mem_read(g->t.vm, DEV, o->data, g->dev_size), 0);
    else
        memcpy(o->data, g->dev->mem, sizeof(o->data));
    cr_assert_eq(vmf_mem_read(g->t.vm, TVM_RAM, o->ram, TVM_RAM_SIZE), 0);
    o->dev = *g->dev;
}

static unsigned ninsns(const struct tcase *c)
{
    unsigned n = 0;
    while (n < NELEM(c->insn) && c->insn[n])
        n++;
    return n;
}

/* Run a case to its end; with `step`, as a series of vmf_run calls with a
 * budget of one instruction each (every slice boundary then falls next to a
 * faulting instruction). */
static void run_case_ex(const struct tcase *c, enum mode m, const uint8_t *script, size_t nscript, bool step,
                        struct outcome *o)
{
    struct rig g;
    rig_open(&g, m, NULL);
    for (size_t i = 0; i < nscript && i < NELEM(g.dev->script); i++)
        g.dev->script[i] = script[i];
    rig_load(&g, c->insn, ninsns(c), DEV + c->base, c->x3, (c->flags & SPB) != 0);
    if (!step) {
        o->rc = rig_run(&g, &o->ex);
    } else {
        for (;;) {
            o->rc = vmf_run(g.t.vcpu, 1, &o->ex);
            if (o->nsteps < NELEM(o->steps))
                o->steps[o->nsteps] = (struct step){o->ex.exitcode, o->ex.pc, vmf_vcpu_icount(g.t.vcpu)};
            o->nsteps++;
            if (o->rc || o->ex.exitcode != VMF_EXIT_BUDGET || o->nsteps >= 4 * NELEM(o->steps))
                break;
        }
    }
    capture(&g, o);
    rig_close(&g);
}

static void run_case(const struct tcase *c, enum mode m, const uint8_t *script, size_t nscript, struct outcome *o)
{
    run_case_ex(c, m, script, nscript, false, o);
}

/* ---- comparing -------------------------------------------------------------------------------- */

static unsigned nexpected(const struct tcase *c)
{
    unsigned n = 0;
    while (n < NELEM(c->f) && c->f[n].size)
        n++;
    return n;
}

static const char *dir_name(unsigned d)
{
    return d == RD ? "read" : d == WR ? "write" : "?";
}

/* cr_expect that also counts the failure in the caller's `bad`. */
#define CHECK(cond, ...)                                                                                              \
    do {                                                                                                              \
        if (!(cond)) {                                                                                                \
            bad++;                                                                                                    \
            cr_expect(false, __VA_ARGS__);                                                                            \
        }                                                                                                             \
    } while (0)

/* Compare a reservation run with the RAM reference; returns the mismatches. */
static unsigned compare_with_ram(const char *text, enum mode m, const struct outcome *ref, const struct outcome *o)
{
    unsigned bad = 0;
    CHECK(o->rc == 0, "[%s] %s: vmf_run returned %d (%s)", text, MODE[m], o->rc, vmf_strerror(o->rc));
    CHECK(o->ex.exitcode == VMF_EXIT_HLT, "[%s] %s: exit %s, expected HLT%s%s", text, MODE[m],
          vmf_exit_name(o->ex.exitcode), o->ex.exitcode == VMF_EXIT_ERROR ? ": " : "",
          o->ex.exitcode == VMF_EXIT_ERROR ? o->ex.u.error.message : "");
    CHECK(o->ex.pc == ref->ex.pc, "[%s] %s: exit pc 0x%llx, RAM run 0x%llx", text, MODE[m],
          (unsigned long long)o->ex.pc, (unsigned long long)ref->ex.pc);
    for (unsigned i = 0; i <= 30; i++)
        CHECK(o->st.x[i] == ref->st.x[i], "[%s] %s: X%u = 0x%016llx, RAM run 0x%016llx", text, MODE[m], i,
              (unsigned long long)o->st.x[i], (unsigned long long)ref->st.x[i]);
    CHECK(o->st.sp == ref->st.sp, "[%s] %s: SP = 0x%llx, RAM run 0x%llx", text, MODE[m], (unsigned long long)o->st.sp,
          (unsigned long long)ref->st.sp);
    CHECK(o->st.pc == ref->st.pc, "[%s] %s: PC = 0x%llx, RAM run 0x%llx", text, MODE[m], (unsigned long long)o->st.pc,
          (unsigned long long)ref->st.pc);
    CHECK(o->st.nzcv == ref->st.nzcv, "[%s] %s: NZCV = 0x%llx, RAM run 0x%llx", text, MODE[m],
          (unsigned long long)o->st.nzcv, (unsigned long long)ref->st.nzcv);
    CHECK(o->st.fpsr == ref->st.fpsr && o->st.fpcr == ref->st.fpcr, "[%s] %s: FPSR/FPCR differ", text, MODE[m]);
    for (unsigned i = 0; i < 32; i++) {
        if (memcmp(o->st.v[i], ref->st.v[i], 16) != 0) {
            uint64_t a[2], b[2];
            memcpy(a, o->st.v[i], 16);
            memcpy(b, ref->st.v[i], 16);
            CHECK(false, "[%s] %s: V%u = 0x%016llx%016llx, RAM run 0x%016llx%016llx", text, MODE[m], i,
                  (unsigned long long)a[1], (unsigned long long)a[0], (unsigned long long)b[1],
                  (unsigned long long)b[0]);
        }
    }
    CHECK(o->st.icount == ref->st.icount, "[%s] %s: icount %llu, RAM run %llu", text, MODE[m],
          (unsigned long long)o->st.icount, (unsigned long long)ref->st.icount);
    for (unsigned i = 0; i < DEV_SIZE; i++)
        if (o->data[i] != ref->data[i]) {
            CHECK(false, "[%s] %s: data byte at +0x%x = 0x%02x, RAM run 0x%02x", text, MODE[m], i, o->data[i],
                  ref->data[i]);
            break;
        }
    for (unsigned i = 0; i < TVM_RAM_SIZE; i++)
        if (o->ram[i] != ref->ram[i]) {
            CHECK(false, "[%s] %s: RAM byte at 0x%llx = 0x%02x, RAM run 0x%02x", text, MODE[m],
                  (unsigned long long)(TVM_RAM + i), o->ram[i], ref->ram[i]);
            break;
        }
    CHECK(o->dev.anomalies == 0, "[%s] %s: handler saw %u API anomalies: %s", text, MODE[m], o->dev.anomalies,
          o->dev.anomaly);
    return bad;
}

/* The fault list against the table's expectation. */
static unsigned compare_faults(const char *text, enum mode m, const struct tcase *c, const struct outcome *o)
{
    unsigned bad = 0;
    unsigned n = nexpected(c);
    CHECK(o->dev.n == n, "[%s] %s: %u faults, expected %u", text, MODE[m], o->dev.n, n);
    for (unsigned i = 0; i < n && i < o->dev.n && i < MAXREC; i++) {
        const struct rec *r = &o->dev.rec[i];
        const struct fexp *e = &c->f[i];
        uint64_t pc = CODE + 4 + 4u * e->insn;
        CHECK(r->addr == DEV + e->off && r->size == e->size && r->dir == e->dir && r->pc == pc,
              "[%s] %s: fault %u is a %u-byte %s at +0x%llx pc 0x%llx, expected a %u-byte %s at +0x%x pc 0x%llx", text,
              MODE[m], i, r->size, dir_name(r->dir), (unsigned long long)(r->addr - DEV), (unsigned long long)r->pc,
              e->size, dir_name(e->dir), e->off, (unsigned long long)pc);
    }
    return bad;
}

static unsigned compare_fast_exit(const char *text, const struct outcome *f, const struct outcome *x)
{
    unsigned bad = 0;
    CHECK(f->dev.n == x->dev.n, "[%s] FAST saw %u faults, EXIT %u", text, f->dev.n, x->dev.n);
    for (unsigned i = 0; i < f->dev.n && i < x->dev.n && i < MAXREC; i++) {
        const struct rec *a = &f->dev.rec[i], *b = &x->dev.rec[i];
        CHECK(a->addr == b->addr && a->size == b->size && a->dir == b->dir && a->data == b->data && a->pc == b->pc &&
                  a->part == b->part && a->parts == b->parts,
              "[%s] fault %u: FAST {0x%llx, %u, %s, data 0x%llx, pc 0x%llx, part %u/%u} "
              "EXIT {0x%llx, %u, %s, data 0x%llx, pc 0x%llx, part %u/%u}",
              text, i, (unsigned long long)a->addr, a->size, dir_name(a->dir), (unsigned long long)a->data,
              (unsigned long long)a->pc, a->part, a->parts, (unsigned long long)b->addr, b->size, dir_name(b->dir),
              (unsigned long long)b->data, (unsigned long long)b->pc, b->part, b->parts);
    }
    CHECK(f->st.icount == x->st.icount, "[%s] icount FAST %llu, EXIT %llu", text, (unsigned long long)f->st.icount,
          (unsigned long long)x->st.icount);
    return bad;
}

static unsigned compare_steps(const char *text, enum mode m, const struct outcome *ref, const struct outcome *o)
{
    unsigned bad = 0;
    CHECK(o->nsteps == ref->nsteps, "[%s] %s single-stepped: %u vmf_run calls, RAM run %u", text, MODE[m], o->nsteps,
          ref->nsteps);
    for (unsigned i = 0; i < o->nsteps && i < ref->nsteps && i < NELEM(o->steps); i++) {
        const struct step *a = &o->steps[i], *b = &ref->steps[i];
        CHECK(a->exitcode == b->exitcode && a->pc == b->pc && a->icount == b->icount,
              "[%s] %s single-stepped: step %u {%s, pc 0x%llx, icount %llu}, RAM run {%s, pc 0x%llx, icount %llu}",
              text, MODE[m], i, vmf_exit_name(a->exitcode), (unsigned long long)a->pc, (unsigned long long)a->icount,
              vmf_exit_name(b->exitcode), (unsigned long long)b->pc, (unsigned long long)b->icount);
    }
    return bad;
}

/* Run one case three ways and compare; a handler script applies to both reservation runs. */
static unsigned differential_ex(const struct tcase *c, const uint8_t *script, size_t nscript, bool step)
{
    for (unsigned i = 0; i < ninsns(c); i++) {
        vmf_arm64_access a;
        int st = vmf_arm64_decode(c->insn[i], &a);
        if (st == VMF_ENOTMEM)
            continue; /* ADD, SUB, CBNZ of the loops */
        if (st && (c->flags & OPT)) {
            cr_log_warn("[%s] skipped: vmf_arm64_decode(0x%08x) = %s", c->text, c->insn[i], vmf_strerror(st));
            return 0;
        }
        cr_expect_eq(st, 0, "[%s] vmf_arm64_decode(0x%08x) = %s", c->text, c->insn[i], vmf_strerror(st));
    }
    struct outcome *o[3];
    for (unsigned m = 0; m < 3; m++) {
        o[m] = calloc(1, sizeof(*o[m]));
        cr_assert_not_null(o[m]);
        run_case_ex(c, (enum mode)m, script, nscript, step, o[m]);
    }
    unsigned bad = 0;
    /* the reference itself: the program ran to its WFI */
    cr_assert_eq(o[M_RAM]->rc, 0);
    cr_assert_eq(o[M_RAM]->ex.exitcode, VMF_EXIT_HLT, "[%s] RAM run: exit %s %s", c->text,
                 vmf_exit_name(o[M_RAM]->ex.exitcode), o[M_RAM]->ex.u.error.message);
    cr_assert_eq(o[M_RAM]->ex.pc, CODE + 4 * (ninsns(c) + 2));
    if (!(c->flags & LOOP)) {
        cr_assert_eq(o[M_RAM]->st.icount, ninsns(c) + 3);
        if (step)
            cr_assert_eq(o[M_RAM]->nsteps, ninsns(c) + 3);
    }
    for (unsigned m = M_FAST; m <= M_EXIT; m++) {
        bad += compare_with_ram(c->text, (enum mode)m, o[M_RAM], o[m]);
        bad += compare_faults(c->text, (enum mode)m, c, o[m]);
        if (step)
            bad += compare_steps(c->text, (enum mode)m, o[M_RAM], o[m]);
    }
    bad += compare_fast_exit(c->text, o[M_FAST], o[M_EXIT]);
    for (unsigned m = 0; m < 3; m++)
        free(o[m]);
    return bad;
}

static unsigned differential_script(const struct tcase *c, const uint8_t *script, size_t nscript)
{
    return differential_ex(c, script, nscript, false);
}

/* Every table runs twice: in one vmf_run, and single-stepped. */
static void run_table(const struct tcase *t, size_t n)
{
    unsigned failed = 0, failed_step = 0;
    for (size_t i = 0; i < n; i++) {
        if (differential_ex(&t[i], NULL, 0, false))
            failed++;
        if (differential_ex(&t[i], NULL, 0, true))
            failed_step++;
    }
    cr_expect_eq(failed, 0, "%u of %zu cases differ", failed, n);
    cr_expect_eq(failed_step, 0, "%u of %zu cases differ when single-stepped", failed_step, n);
}

/* ---- the differential tables --------------------------------------------------------------------- */

Test(trap_paths, pattern_signs)
{
    /* the sign-extension rows need both signs */
    cr_assert(pattern(0x101) & 0x80);
    cr_assert(!(pattern(0x102) & 0x80));
    cr_assert(!(pattern(0x105) & 0x80));
    cr_assert(pattern(0x10b) & 0x80);
    cr_assert(!(pattern(0x10f) & 0x80));
}

Test(trap_paths, gpr_unsigned_offset)
{
    run_table(GPR_BASIC, NELEM(GPR_BASIC));
}

Test(trap_paths, sequences_and_loops)
{
    run_table(SEQUENCES, NELEM(SEQUENCES));
}

Test(trap_paths, sign_extension)
{
    run_table(SIGN_EXT, NELEM(SIGN_EXT));
}

Test(trap_paths, unscaled)
{
    run_table(UNSCALED, NELEM(UNSCALED));
}

Test(trap_paths, writeback)
{
    run_table(WRITEBACK, NELEM(WRITEBACK));
}

Test(trap_paths, register_offset)
{
    run_table(REG_OFFSET, NELEM(REG_OFFSET));
}

Test(trap_paths, pairs)
{
    run_table(PAIRS, NELEM(PAIRS));
}

Test(trap_paths, exclusive)
{
    run_table(EXCLUSIVE, NELEM(EXCLUSIVE));
}

Test(trap_paths, acquire_release)
{
    run_table(ACQREL, NELEM(ACQREL));
}

Test(trap_paths, simd_fp)
{
    run_table(SIMD, NELEM(SIMD));
}

Test(trap_paths, ld1_st1)
{
    run_table(LD1ST1, NELEM(LD1ST1));
}

Test(trap_paths, unaligned)
{
    run_table(UNALIGNED, NELEM(UNALIGNED));
}

Test(trap_paths, zero_register)
{
    run_table(ZERO_REG, NELEM(ZERO_REG));
}

Test(trap_paths, sp_base)
{
    run_table(SP_BASE, NELEM(SP_BASE));
}

/* ---- explicit values, so the reference run is not the only judge ------------------------------------ */

static uint64_t pat(uint64_t off, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)pattern(off + i) << (8 * i);
    return v;
}

/* The device's copy of the 8 bytes at offset off. */
static uint64_t dev_word(const struct dev *d, unsigned off)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++)
        v |= (uint64_t)d->mem[off + i] << (8 * i);
    return v;
}

/* One reservation run of a case; returns the rig still open for inspection. */
static void run_one(struct rig *g, enum mode m, const struct tcase *c, const uint8_t *script, size_t nscript,
                    const struct layout *lay, vmf_exit *ex, int *rc)
{
    rig_open(g, m, lay);
    for (size_t i = 0; i < nscript && i < NELEM(g->dev->script); i++)
        g->dev->script[i] = script[i];
    rig_load(g, c->insn, ninsns(c), DEV + c->base, c->x3, (c->flags & SPB) != 0);
    *rc = rig_run(g, ex);
}

Test(trap_paths, explicit_values)
{
    static const struct {
        struct tcase c;
        unsigned reg;
        uint64_t want; /* 0 = computed below */
    } rows[] = {
        {{"ldr w1, [x0]", {0xb9400001u /* ldr w1, [x0] */}, 0x100, 0, 0, {R(0x100, 4)}}, 1, 0},
        {{"ldrsb x1, [x0, #1]", {0x39800401u /* ldrsb x1, [x0, #1] */}, 0x100, 0, 0, {R(0x101, 1)}}, 1, 0},
        {{"ldrsb w1, [x0, #1]", {0x39c00401u /* ldrsb w1, [x0, #1] */}, 0x100, 0, 0, {R(0x101, 1)}}, 1, 0},
        {{"ldrsw x1, [x0, #8]", {0xb9800801u /* ldrsw x1, [x0, #8] */}, 0x100, 0, 0, {R(0x108, 4)}}, 1, 0},
        {{"ldxr x5, [x0]; stxr w4, x1, [x0]",
          {0xc85f7c05u /* ldxr x5, [x0] */, 0xc8047c01u /* stxr w4, x1, [x0] */}, 0x100, 0, 0,
          {R(0x100, 8), W1(0x100, 8)}}, 4, 0},
        {{"ldaxr x5, [x0]; stlxr w4, x1, [x0]",
          {0xc85ffc05u /* ldaxr x5, [x0] */, 0xc804fc01u /* stlxr w4, x1, [x0] */}, 0x100, 0, 0,
          {R(0x100, 8), W1(0x100, 8)}}, 4, 0},
    };
    const uint64_t want[] = {
        pat(0x100, 4),                                  /* W load: bits 63:32 cleared */
        0xffffffffffffff00ull | pat(0x101, 1),          /* 0xd7 sign-extended to 64 bits */
        0x00000000ffffff00ull | pat(0x101, 1),          /* ... to 32 bits, upper half cleared */
        0xffffffff00000000ull | pat(0x108, 4),          /* negative word */
        0,                                              /* STXR status: success */
        0,                                              /* STLXR status: success */
    };
    for (unsigned i = 0; i < NELEM(rows); i++)
        for (enum mode m = M_FAST; m <= M_EXIT; m++) {
            struct rig g;
            vmf_exit ex;
            int rc;
            run_one(&g, m, &rows[i].c, NULL, 0, NULL, &ex, &rc);
            cr_expect_eq(rc, 0);
            cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "[%s] %s: exit %s", rows[i].c.text, MODE[m],
                         vmf_exit_name(ex.exitcode));
            cr_expect_eq(tvm_x(&g.t, rows[i].reg), want[i], "[%s] %s: X%u = 0x%llx, expected 0x%llx", rows[i].c.text,
                         MODE[m], rows[i].reg, (unsigned long long)tvm_x(&g.t, rows[i].reg),
                         (unsigned long long)want[i]);
            rig_close(&g);
        }
}

/* The fast path really is the fast path: an aligned access to a FAST
 * reservation is served from Unicorn's MMIO callbacks (fault path FAST), with
 * no fallback to the software completion; EXIT faults say EXIT. */
Test(trap_paths, fault_path_field)
{
    static const struct tcase rows[] = {
        {"ldr x1, [x0, #16]", {0xf9400801u /* ldr x1, [x0, #16] */}, 0x100, 0, 0, {R(0x110, 8)}},
        {"str w1, [x0, #8]", {0xb9000801u /* str w1, [x0, #8] */}, 0x100, 0, 0, {W(0x108, 4)}},
        {"ldp x1, x2, [x0, #16]", {0xa9410801u /* ldp x1, x2, [x0, #16] */}, 0x100, 0, 0, {R(0x110, 8), R(0x118, 8)}},
        {"stp x1, x2, [x0, #16]", {0xa9010801u /* stp x1, x2, [x0, #16] */}, 0x100, 0, 0, {W(0x110, 8), W(0x118, 8)}},
        {"str q1, [x0, #32]", {0x3d800801u /* str q1, [x0, #32] */}, 0x100, 0, 0, {W(0x120, 8), W(0x128, 8)}},
        {"stp q1, q2, [x0, #32]", {0xad010801u /* stp q1, q2, [x0, #32] */}, 0x100, 0, 0,
         {W(0x120, 8), W(0x128, 8), W(0x130, 8), W(0x138, 8)}},
    };
    for (unsigned i = 0; i < NELEM(rows); i++)
        for (enum mode m = M_FAST; m <= M_EXIT; m++) {
            struct rig g;
            vmf_exit ex;
            int rc;
            run_one(&g, m, &rows[i], NULL, 0, NULL, &ex, &rc);
            cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
            cr_expect_eq(g.dev->n, nexpected(&rows[i]), "[%s] %s", rows[i].text, MODE[m]);
            uint8_t want = m == M_FAST ? VMF_PATH_FAST : VMF_PATH_EXIT;
            for (unsigned k = 0; k < g.dev->n && k < MAXREC; k++)
                cr_expect_eq(g.dev->rec[k].path, want, "[%s] %s: fault %u (+0x%llx) arrived on path %u, expected %u",
                             rows[i].text, MODE[m], k, (unsigned long long)(g.dev->rec[k].addr - DEV),
                             g.dev->rec[k].path, want);
            rig_close(&g);
        }
}

/* ---- handler results other than HANDLED ---------------------------------------------------------- */

/* FAULT_IGNORE: reads complete with 0 (whatever set_vcpu_fault_data said),
 * writes are dropped, the PC advances, and both paths agree. */
Test(trap_paths, result_ignore)
{
    static const struct {
        struct tcase c;
        uint8_t script[4];
    } rows[] = {
        {{"ldr x1, [x0, #8]", {0xf9400401u /* ldr x1, [x0, #8] */}, 0x100, 0, 0, {R(0x108, 8)}}, {A_IGNORE}},
        {{"ldrsb x1, [x0, #1]", {0x39800401u /* ldrsb x1, [x0, #1] */}, 0x100, 0, 0, {R(0x101, 1)}}, {A_IGNORE}},
        {{"ldp w1, w2, [x0, #8]", {0x29410801u /* ldp w1, w2, [x0, #8] */}, 0x100, 0, 0, {R(0x108, 4), R(0x10c, 4)}},
         {A_IGNORE, A_HANDLED}},
        {{"str x1, [x0, #16]", {0xf9000801u /* str x1, [x0, #16] */}, 0x100, 0, 0, {W(0x110, 8)}}, {A_IGNORE}},
        {{"ldr q1, [x0, #32]", {0x3dc00801u /* ldr q1, [x0, #32] */}, 0x100, 0, 0, {R(0x120, 8), R(0x128, 8)}},
         {A_IGNORE, A_IGNORE}},
        {{"ldr x1, [x0, #8]!", {0xf8408c01u /* ldr x1, [x0, #8]! */}, 0x100, 0, 0, {R(0x108, 8)}}, {A_IGNORE}},
        {{"ldr w1, [x0] @+2", {0xb9400001u /* ldr w1, [x0] */}, 0x102, 0, 0, {R(0x102, 4)}}, {A_IGNORE}},
    };
    for (unsigned i = 0; i < NELEM(rows); i++) {
        const struct tcase *c = &rows[i].c;
        struct outcome *o[3] = {NULL, NULL, NULL};
        for (enum mode m = M_FAST; m <= M_EXIT; m++) {
            o[m] = calloc(1, sizeof(*o[m]));
            run_case(c, m, rows[i].script, NELEM(rows[i].script), o[m]);
            const struct outcome *r = o[m];
            cr_expect_eq(r->ex.exitcode, VMF_EXIT_HLT, "[%s] %s: exit %s %s", c->text, MODE[m],
                         vmf_exit_name(r->ex.exitcode), r->ex.u.error.message);
            cr_expect_eq(r->st.pc, CODE + 16, "[%s] %s: PC 0x%llx", c->text, MODE[m], (unsigned long long)r->st.pc);
            cr_expect_eq(r->st.icount, 4, "[%s] %s: icount %llu", c->text, MODE[m], (unsigned long long)r->st.icount);
            cr_expect_eq(r->st.x[29], seed_x(29) + 1);
            cr_expect_eq(r->st.x[28], seed_x(28) + 3);
            compare_faults(c->text, m, c, r);
            switch (i) {
            case 0:
            case 1: cr_expect_eq(r->st.x[1], 0, "[%s] %s: X1 0x%llx", c->text, MODE[m], (unsigned long long)r->st.x[1]); break;
            case 2:
                cr_expect_eq(r->st.x[1], 0, "[%s] %s", c->text, MODE[m]);
                cr_expect_eq(r->st.x[2], pat(0x10c, 4), "[%s] %s", c->text, MODE[m]);
                break;
            case 3:
                for (unsigned k = 0; k < DEV_SIZE; k++)
                    if (r->data[k] != pattern(k)) {
                        cr_expect(false, "[%s] %s: ignored store changed +0x%x", c->text, MODE[m], k);
                        break;
                    }
                cr_expect_eq(r->st.x[1], seed_x(1));
                break;
            case 4: {
                static const uint8_t zero[16];
                cr_expect(memcmp(r->st.v[1], zero, 16) == 0, "[%s] %s: V1 not zero", c->text, MODE[m]);
                break;
            }
            case 5:
                cr_expect_eq(r->st.x[1], 0);
                cr_expect_eq(r->st.x[0], DEV + 0x108, "[%s] %s: writeback", c->text, MODE[m]);
                break;
            default:
                cr_expect_eq(r->st.x[1], 0, "[%s] %s: X1 0x%llx", c->text, MODE[m], (unsigned long long)r->st.x[1]);
                break;
            }
        }
        compare_fast_exit(c->text, o[M_FAST], o[M_EXIT]);
        free(o[M_FAST]);
        free(o[M_EXIT]);
    }
}

/* FAULT_RESTART (and restart_vcpu_fault + FAULT_HANDLED): the instruction runs
 * again; the device sees the access again; the end state is exactly the RAM
 * run's (the restarted instruction retires once, the ADD before it is not
 * re-run, a writeback happens once). */
Test(trap_paths, result_restart)
{
    static const struct {
        struct tcase c;
        uint8_t script[4];
    } rows[] = {
        {{"ldr x1, [x0, #8] (restart)", {0xf9400401u /* ldr x1, [x0, #8] */}, 0x100, 0, 0, {R(0x108, 8), R(0x108, 8)}},
         {A_RESTART}},
        {{"ldr x1, [x0, #8] (restart_vcpu_fault)", {0xf9400401u /* ldr x1, [x0, #8] */}, 0x100, 0, 0,
          {R(0x108, 8), R(0x108, 8)}},
         {A_RESTART_API}},
        {{"ldr x1, [x0, #8]! (restart)", {0xf8408c01u /* ldr x1, [x0, #8]! */}, 0x100, 0, 0,
          {R(0x108, 8), R(0x108, 8)}},
         {A_RESTART}},
        {{"str x1, [x0, #16] (restart)", {0xf9000801u /* str x1, [x0, #16] */}, 0x100, 0, 0,
          {W(0x110, 8), W(0x110, 8)}},
         {A_RESTART}},
        {{"ldp x1, x2, [x0, #16] (restart 2nd)", {0xa9410801u /* ldp x1, x2, [x0, #16] */}, 0x100, 0, 0,
          {R(0x110, 8), R(0x118, 8), R(0x110, 8), R(0x118, 8)}},
         {A_HANDLED, A_RESTART}},
        {{"stp x1, x2, [x0, #16] (restart 2nd)", {0xa9010801u /* stp x1, x2, [x0, #16] */}, 0x100, 0, 0,
          {W(0x110, 8), W(0x118, 8), W(0x110, 8), W(0x118, 8)}},
         {A_HANDLED, A_RESTART}},
        {{"ldr q1, [x0, #32] (restart 2nd)", {0x3dc00801u /* ldr q1, [x0, #32] */}, 0x100, 0, 0,
          {R(0x120, 8), R(0x128, 8), R(0x120, 8), R(0x128, 8)}},
         {A_HANDLED, A_RESTART}},
        {{"ldr w1, [x0] @+2 (restart)", {0xb9400001u /* ldr w1, [x0] */}, 0x102, 0, 0, {R(0x102, 4), R(0x102, 4)}},
         {A_RESTART}},
    };
    unsigned failed = 0;
    for (unsigned i = 0; i < NELEM(rows); i++)
        if (differential_script(&rows[i].c, rows[i].script, NELEM(rows[i].script)))
            failed++;
    cr_expect_eq(failed, 0);
}

/* FAULT_UNHANDLED: vmf_run returns INST_EMUL with the access and the decoded
 * instruction; the caller completes it with set_vcpu_fault_data +
 * advance_vcpu_fault and runs again. */
Test(trap_paths, result_unhandled_load)
{
    static const struct tcase c = {"ldr x1, [x0, #8]", {0xf9400401u /* ldr x1, [x0, #8] */}, 0x100, 0, 0, {R(0x108, 8)}};
    static const uint8_t script[] = {A_UNHANDLED};
    uint64_t icount[3] = {0, 0, 0};
    for (enum mode m = M_FAST; m <= M_EXIT; m++) {
        struct rig g;
        vmf_exit ex;
        int rc;
        run_one(&g, m, &c, script, NELEM(script), NULL, &ex, &rc);
        cr_assert_eq(rc, 0);
        cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL, "%s: exit %s %s", MODE[m], vmf_exit_name(ex.exitcode),
                     ex.u.error.message);
        cr_expect_eq(ex.pc, CODE + 4, "%s: pc 0x%llx", MODE[m], (unsigned long long)ex.pc);
        cr_expect_eq(ex.inst_length, 4);
        cr_expect_eq(ex.u.inst_emul.gpa, DEV + 0x108, "%s: gpa 0x%llx", MODE[m],
                     (unsigned long long)ex.u.inst_emul.gpa);
        cr_expect_eq(ex.u.inst_emul.size, 8);
        cr_expect_eq(ex.u.inst_emul.access, VMF_ACCESS_READ);
        /* EC 0x24, IL, ISV, SAS=3, SRT=1, SF, DFSC 0x07 */
        cr_expect_eq(ex.u.inst_emul.esr, 0x93c18007u, "%s: esr 0x%08x", MODE[m], ex.u.inst_emul.esr);
        cr_expect_eq(ex.u.inst_emul.insn.insn, 0xf9400401u);
        cr_expect_str_eq(ex.u.inst_emul.insn.mnemonic, "ldr");
        cr_expect_eq(ex.u.inst_emul.insn.rt[0], 1);
        cr_expect_eq(ex.u.inst_emul.insn.rn, 0);
        cr_expect_eq(ex.u.inst_emul.insn.size, 8);
        const vmf_fault *f = vmf_vcpu_fault(g.t.vcpu);
        cr_assert_not_null(f, "%s: no pending fault after INST_EMUL", MODE[m]);
        cr_expect_eq(f->addr, DEV + 0x108);
        cr_expect_eq(f->result, VMF_RESULT_UNHANDLED);
        cr_expect_eq(get_vcpu_fault_address(g.t.vcpu), DEV + 0x108);
        cr_expect(is_vcpu_read_fault(g.t.vcpu));
        /* nothing completed yet: X1 untouched, the instruction after not run */
        cr_expect_eq(tvm_x(&g.t, 1), seed_x(1), "%s: X1 changed before completion", MODE[m]);
        cr_expect_eq(tvm_x(&g.t, 28), seed_x(28));
        /* running again without completing is misuse */
        vmf_exit ex2;
        cr_expect_eq(vmf_run(g.t.vcpu, BUDGET, &ex2), VMF_ESTATE, "%s", MODE[m]);
        cr_assert_eq(set_vcpu_fault_data(g.t.vcpu, 0x1122334455667788ull), 0);
        advance_vcpu_fault(g.t.vcpu);
        cr_assert_eq(vmf_run(g.t.vcpu, BUDGET, &ex2), 0);
        cr_expect_eq(ex2.exitcode, VMF_EXIT_HLT, "%s: exit %s %s", MODE[m], vmf_exit_name(ex2.exitcode),
                     ex2.u.error.message);
        cr_expect_eq(ex2.pc, CODE + 12);
        cr_expect_eq(tvm_x(&g.t, 1), 0x1122334455667788ull, "%s: X1 0x%llx", MODE[m],
                     (unsigned long long)tvm_x(&g.t, 1));
        cr_expect_eq(tvm_x(&g.t, 29), seed_x(29) + 1);
        cr_expect_eq(tvm_x(&g.t, 28), seed_x(28) + 3);
        cr_expect_eq(tvm_x(&g.t, 0), DEV + 0x100);
        cr_expect_eq(g.dev->n, 1, "%s: handler calls %u", MODE[m], g.dev->n);
        cr_expect_null(vmf_vcpu_fault(g.t.vcpu));
        icount[m] = vmf_vcpu_icount(g.t.vcpu);
        cr_expect_eq(icount[m], 4, "%s: icount %llu", MODE[m], (unsigned long long)icount[m]);
        rig_close(&g);
    }
    cr_expect_eq(icount[M_FAST], icount[M_EXIT]);
}

Test(trap_paths, result_unhandled_variants)
{
    /* a store: the exit carries the data; completing it stores nothing in the device */
    static const struct tcase st = {"str x1, [x0, #16]", {0xf9000801u /* str x1, [x0, #16] */}, 0x100, 0, 0,
                                    {W(0x110, 8)}};
    /* writeback must happen exactly once, after completion */
    static const struct tcase wb = {"ldr w1, [x0, #-4]!", {0xb85fcc01u /* ldr w1, [x0, #-4]! */}, 0x100, 0, 0,
                                    {R(0xfc, 4)}};
    /* a pair: the first beat leaves as an exit, the second goes to the handler */
    static const struct tcase pr = {"ldp x1, x2, [x0, #16]", {0xa9410801u /* ldp x1, x2, [x0, #16] */}, 0x100, 0, 0,
                                    {R(0x110, 8), R(0x118, 8)}};
    /* unaligned: the exit has the guest's address */
    static const struct tcase ua = {"ldr w1, [x0] @+2", {0xb9400001u /* ldr w1, [x0] */}, 0x102, 0, 0, {R(0x102, 4)}};
    static const uint8_t script[] = {A_UNHANDLED};
    for (enum mode m = M_FAST; m <= M_EXIT; m++) {
        struct rig g;
        vmf_exit ex;
        int rc;

        run_one(&g, m, &st, script, 1, NULL, &ex, &rc);
        cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL, "%s: %s", MODE[m], vmf_exit_name(ex.exitcode));
        cr_expect_eq(ex.u.inst_emul.gpa, DEV + 0x110);
        cr_expect_eq(ex.u.inst_emul.access, VMF_ACCESS_WRITE);
        cr_expect_eq(ex.u.inst_emul.size, 8);
        cr_expect_eq(ex.u.inst_emul.data, seed_x(1), "%s: data 0x%llx", MODE[m],
                     (unsigned long long)ex.u.inst_emul.data);
        cr_expect_eq(ex.u.inst_emul.esr, 0x93c18047u, "%s: esr 0x%08x", MODE[m], ex.u.inst_emul.esr);
        cr_expect_eq(get_vcpu_fault_data(g.t.vcpu), seed_x(1));
        advance_vcpu_fault(g.t.vcpu);
        cr_assert_eq(vmf_run(g.t.vcpu, BUDGET, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
        cr_expect_eq(dev_word(g.dev, 0x110), pat(0x110, 8), "%s: the device changed", MODE[m]);
        cr_expect_eq(vmf_vcpu_icount(g.t.vcpu), 4);
        rig_close(&g);

        run_one(&g, m, &wb, script, 1, NULL, &ex, &rc);
        cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL, "%s: %s", MODE[m], vmf_exit_name(ex.exitcode));
        cr_expect_eq(ex.u.inst_emul.gpa, DEV + 0xfc);
        cr_expect_eq(tvm_x(&g.t, 0), DEV + 0x100, "%s: base written back before completion", MODE[m]);
        set_vcpu_fault_data(g.t.vcpu, 0xfedcba9876543210ull);
        advance_vcpu_fault(g.t.vcpu);
        cr_assert_eq(vmf_run(g.t.vcpu, BUDGET, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
        cr_expect_eq(tvm_x(&g.t, 1), 0x76543210ull, "%s: X1 0x%llx (W load, masked to 4 bytes)", MODE[m],
                     (unsigned long long)tvm_x(&g.t, 1));
        cr_expect_eq(tvm_x(&g.t, 0), DEV + 0xfc, "%s: X0 0x%llx", MODE[m], (unsigned long long)tvm_x(&g.t, 0));
        rig_close(&g);

        run_one(&g, m, &pr, script, 1, NULL, &ex, &rc);
        cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL, "%s: %s", MODE[m], vmf_exit_name(ex.exitcode));
        cr_expect_eq(ex.u.inst_emul.gpa, DEV + 0x110);
        cr_expect_eq(ex.u.inst_emul.size, 8);
        cr_expect_str_eq(ex.u.inst_emul.insn.mnemonic, "ldp");
        cr_expect_eq(ex.u.inst_emul.insn.rt[1], 2);
        set_vcpu_fault_data(g.t.vcpu, 0x0102030405060708ull);
        advance_vcpu_fault(g.t.vcpu);
        cr_assert_eq(vmf_run(g.t.vcpu, BUDGET, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s: %s %s", MODE[m], vmf_exit_name(ex.exitcode), ex.u.error.message);
        cr_expect_eq(tvm_x(&g.t, 1), 0x0102030405060708ull);
        cr_expect_eq(tvm_x(&g.t, 2), pat(0x118, 8));
        cr_expect_eq(g.dev->n, 2, "%s: handler calls %u", MODE[m], g.dev->n);
        cr_expect_eq(g.dev->rec[1].addr, DEV + 0x118);
        cr_expect_eq(vmf_vcpu_icount(g.t.vcpu), 4);
        rig_close(&g);

        run_one(&g, m, &ua, script, 1, NULL, &ex, &rc);
        cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL, "%s: %s", MODE[m], vmf_exit_name(ex.exitcode));
        cr_expect_eq(ex.u.inst_emul.gpa, DEV + 0x102, "%s: gpa 0x%llx", MODE[m],
                     (unsigned long long)ex.u.inst_emul.gpa);
        cr_expect_eq(ex.u.inst_emul.size, 4);
        set_vcpu_fault_data(g.t.vcpu, 0xabcd1234u);
        advance_vcpu_fault(g.t.vcpu);
        cr_assert_eq(vmf_run(g.t.vcpu, BUDGET, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
        cr_expect_eq(tvm_x(&g.t, 1), 0xabcd1234u);
        rig_close(&g);
    }
}

/* After an INST_EMUL exit the caller may restart instead: the instruction is
 * re-executed and the handler sees it again. */
Test(trap_paths, result_unhandled_then_restart)
{
    static const struct tcase c = {"ldr x1, [x0, #8]", {0xf9400401u /* ldr x1, [x0, #8] */}, 0x100, 0, 0, {R(0x108, 8)}};
    static const uint8_t script[] = {A_UNHANDLED, A_HANDLED};
    for (enum mode m = M_FAST; m <= M_EXIT; m++) {
        struct rig g;
        vmf_exit ex;
        int rc;
        run_one(&g, m, &c, script, NELEM(script), NULL, &ex, &rc);
        cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL);
        restart_vcpu_fault(g.t.vcpu);
        cr_assert_eq(vmf_run(g.t.vcpu, BUDGET, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s: %s %s", MODE[m], vmf_exit_name(ex.exitcode), ex.u.error.message);
        cr_expect_eq(tvm_x(&g.t, 1), pat(0x108, 8));
        cr_expect_eq(tvm_x(&g.t, 29), seed_x(29) + 1);
        cr_expect_eq(g.dev->n, 2);
        cr_expect_eq(vmf_vcpu_icount(g.t.vcpu), 4, "%s: icount %llu", MODE[m],
                     (unsigned long long)vmf_vcpu_icount(g.t.vcpu));
        rig_close(&g);
    }
}

/* A reservation without a callback: every access is an INST_EMUL exit. */
Test(trap_paths, result_no_callback)
{
    static const struct tcase c = {"ldrh w1, [x0, #6]", {0x79400c01u /* ldrh w1, [x0, #6] */}, 0x100, 0, 0,
                                   {R(0x106, 2)}};
    const struct layout lay = {.no_callback = true};
    for (enum mode m = M_FAST; m <= M_EXIT; m++) {
        struct rig g;
        vmf_exit ex;
        int rc;
        run_one(&g, m, &c, NULL, 0, &lay, &ex, &rc);
        cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL, "%s: %s", MODE[m], vmf_exit_name(ex.exitcode));
        cr_expect_eq(ex.u.inst_emul.gpa, DEV + 0x106);
        cr_expect_eq(ex.u.inst_emul.size, 2);
        set_vcpu_fault_data(g.t.vcpu, 0xffff8001u);
        advance_vcpu_fault(g.t.vcpu);
        cr_assert_eq(vmf_run(g.t.vcpu, BUDGET, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
        cr_expect_eq(tvm_x(&g.t, 1), 0x8001u, "%s: X1 0x%llx", MODE[m], (unsigned long long)tvm_x(&g.t, 1));
        rig_close(&g);
    }
}

/* FAULT_ERROR, a result that is not a memory_fault_result_t, and HANDLED
 * without advance: an ERROR exit whose message names the reservation; the
 * instruction is not completed (registers as before it, PC at it). */
Test(trap_paths, result_error_garbage_no_advance)
{
    static const struct tcase c = {"ldr x1, [x0, #8]!", {0xf8408c01u /* ldr x1, [x0, #8]! */}, 0x100, 0, 0,
                                   {R(0x108, 8)}};
    static const struct {
        uint8_t act;
        const char *needle;
    } rows[] = {
        {A_ERROR, "FAULT_ERROR"},
        {A_GARBAGE, "42"},
        {A_NO_ADVANCE, "advance_vcpu_fault"},
    };
    for (unsigned i = 0; i < NELEM(rows); i++) {
        struct state s[3];
        for (enum mode m = M_FAST; m <= M_EXIT; m++) {
            struct rig g;
            vmf_exit ex;
            int rc;
            const uint8_t script[1] = {rows[i].act};
            run_one(&g, m, &c, script, 1, NULL, &ex, &rc);
            cr_assert_eq(rc, 0);
            cr_expect_eq(ex.exitcode, VMF_EXIT_ERROR, "%s/%s: exit %s", rows[i].needle, MODE[m],
                         vmf_exit_name(ex.exitcode));
            cr_expect_eq(ex.u.error.status, VMF_EHANDLER, "%s/%s: status %d", rows[i].needle, MODE[m],
                         ex.u.error.status);
            cr_expect(strstr(ex.u.error.message, "trapdev") != NULL, "%s/%s: message '%s' does not name the reservation",
                      rows[i].needle, MODE[m], ex.u.error.message);
            cr_expect(strstr(ex.u.error.message, rows[i].needle) != NULL, "%s/%s: message '%s'", rows[i].needle,
                      MODE[m], ex.u.error.message);
            cr_expect_eq(ex.pc, CODE + 4, "%s/%s: exit pc 0x%llx", rows[i].needle, MODE[m], (unsigned long long)ex.pc);
            get_state(&g, &s[m]);
            cr_expect_eq(s[m].pc, CODE + 4, "%s/%s: PC 0x%llx", rows[i].needle, MODE[m], (unsigned long long)s[m].pc);
            cr_expect_eq(s[m].x[1], seed_x(1), "%s/%s: X1 changed", rows[i].needle, MODE[m]);
            cr_expect_eq(s[m].x[0], DEV + 0x100, "%s/%s: X0 0x%llx (writeback of a failed load)", rows[i].needle,
                         MODE[m], (unsigned long long)s[m].x[0]);
            cr_expect_eq(s[m].x[29], seed_x(29) + 1);
            cr_expect_eq(s[m].x[28], seed_x(28));
            cr_expect_eq(g.dev->n, 1);
            cr_expect_null(vmf_vcpu_fault(g.t.vcpu), "%s/%s: a fault is still pending", rows[i].needle, MODE[m]);
            rig_close(&g);
        }
        cr_expect_eq(s[M_FAST].icount, s[M_EXIT].icount, "%s: icount FAST %llu EXIT %llu", rows[i].needle,
                     (unsigned long long)s[M_FAST].icount, (unsigned long long)s[M_EXIT].icount);
        cr_expect_eq(s[M_FAST].icount, 1, "%s: the failed load did not retire", rows[i].needle);
    }
}

/* ---- lazy mapping (libsel4vm's CONFIG_LIB_SEL4VM_DEFER_MEMORY_MAP) ---------------------------------- */

static memory_fault_result_t never_called(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)vm;
    (void)vcpu;
    (void)paddr;
    (void)len;
    unsigned *calls = cookie;
    (*calls)++;
    return FAULT_ERROR;
}

Test(trap_paths, lazy_map)
{
    static const uint32_t prog[] = {
        0xf9000801u, /* str x1, [x0, #16] */
        0xf9400802u, /* ldr x2, [x0, #16] */
    };
    for (enum mode m = M_FAST; m <= M_EXIT; m++) {
        struct tvm t;
        cr_assert_eq(tvm_create(&t, m == M_FAST ? VMF_PATH_FAST : VMF_PATH_EXIT), 0);
        cr_assert_eq(vmf_vm_set_defer_memory_map(t.vm, true), 0);
        unsigned calls = 0;
        vm_memory_reservation_t *res = vm_reserve_memory_at(t.vm, DEV, 0x1000, never_called, &calls);
        cr_assert_not_null(res);
        cr_assert_eq(vmf_reservation_set_path(t.vm, res, m == M_FAST ? VMF_PATH_FAST : VMF_PATH_EXIT), 0);
        cr_assert_eq(vm_map_reservation(t.vm, res, vmf_anon_frame_iterator, t.vm), 0);
        cr_expect(!vmf_reservation_is_mapped(res), "%s: mapped before the first touch", MODE[m]);
        uint32_t words[5] = {I_ADD_X29, prog[0], prog[1], I_ADD_X28, I_WFI};
        cr_assert_eq(tvm_load(&t, words, 5), 0);
        tvm_set_x(&t, 0, DEV + 0x100);
        tvm_set_x(&t, 1, 0x0badc0ffee0ddf00ull);
        tvm_set_x(&t, 2, 0x2222222222222222ull);
        vmf_exit ex;
        cr_assert_eq(tvm_run(&t, BUDGET, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s: exit %s %s", MODE[m], vmf_exit_name(ex.exitcode),
                     ex.u.error.message);
        cr_expect_eq(calls, 0, "%s: the callback of a mapped reservation was called %u times", MODE[m], calls);
        cr_expect(vmf_reservation_is_mapped(res), "%s", MODE[m]);
        cr_expect_eq(tvm_x(&t, 2), 0x0badc0ffee0ddf00ull, "%s: X2 0x%llx", MODE[m], (unsigned long long)tvm_x(&t, 2));
        uint64_t v = 0;
        cr_expect_eq(vmf_mem_read(t.vm, DEV + 0x110, &v, 8), 0);
        cr_expect_eq(v, 0x0badc0ffee0ddf00ull, "%s: memory 0x%llx", MODE[m], (unsigned long long)v);
        cr_expect_eq(vmf_vcpu_icount(t.vcpu), 5, "%s: icount %llu", MODE[m], (unsigned long long)vmf_vcpu_icount(t.vcpu));
        cr_expect_eq(tvm_x(&t, 29), 0 + 1, "%s: X29", MODE[m]);
        tvm_destroy(&t);
    }
}

/* ---- accesses nothing backs ------------------------------------------------------------------------- */

static void paging_case(enum mode m, uint32_t insn, uint64_t x0, uint64_t want_gpa, int want_type)
{
    struct tvm t;
    cr_assert_eq(tvm_create(&t, m == M_FAST ? VMF_PATH_FAST : VMF_PATH_EXIT), 0);
    struct dev *d = calloc(1, sizeof(*d));
    cr_assert_not_null(vm_reserve_memory_at(t.vm, DEV, DEV_SIZE, dev_fault, d));
    uint32_t words[4] = {I_ADD_X29, insn, I_ADD_X28, I_WFI};
    cr_assert_eq(tvm_load(&t, words, 4), 0);
    tvm_set_x(&t, 0, x0);
    tvm_set_x(&t, 1, 0x1111111111111111ull);
    tvm_set_x(&t, 28, 0);
    tvm_set_x(&t, 29, 0);
    vmf_exit ex;
    cr_assert_eq(tvm_run(&t, BUDGET, &ex), 0);
    cr_expect_eq(ex.exitcode, VMF_EXIT_PAGING, "%s insn 0x%08x: exit %s %s", MODE[m], insn, vmf_exit_name(ex.exitcode),
                 ex.u.error.message);
    cr_expect_eq(ex.u.paging.gpa, want_gpa, "%s insn 0x%08x: gpa 0x%llx", MODE[m], insn,
                 (unsigned long long)ex.u.paging.gpa);
    cr_expect_eq(ex.u.paging.fault_type, want_type, "%s insn 0x%08x: fault_type %d", MODE[m], insn,
                 ex.u.paging.fault_type);
    cr_expect_eq(ex.pc, CODE + 4, "%s insn 0x%08x: pc 0x%llx", MODE[m], insn, (unsigned long long)ex.pc);
    cr_expect_eq(tvm_x(&t, 1), 0x1111111111111111ull);
    cr_expect_eq(tvm_x(&t, 0), x0);
    cr_expect_eq(tvm_x(&t, 28), 0, "the instruction after ran");
    cr_expect_eq(tvm_x(&t, VMF_ARM64_PC), CODE + 4);
    cr_expect_eq(vmf_vcpu_icount(t.vcpu), 1, "%s insn 0x%08x: icount %llu", MODE[m], insn,
                 (unsigned long long)vmf_vcpu_icount(t.vcpu));
    cr_expect_eq(d->n, 0);
    tvm_destroy(&t);
    free(d);
}

Test(trap_paths, paging_data)
{
    for (enum mode m = M_FAST; m <= M_EXIT; m++) {
        paging_case(m, 0xf9400001u /* ldr x1, [x0] */, 0x50000000ull, 0x50000000ull, VMF_FAULT_READ);
        paging_case(m, 0xf9000001u /* str x1, [x0] */, 0x50000000ull, 0x50000000ull, VMF_FAULT_WRITE);
        paging_case(m, 0xb9400001u /* ldr w1, [x0] */, 0x50000002ull, 0x50000002ull, VMF_FAULT_READ);
        paging_case(m, 0xa9400801u /* ldp x1, x2, [x0] */, 0x50000000ull, 0x50000000ull, VMF_FAULT_READ);
        paging_case(m, 0x3dc00001u /* ldr q1, [x0] */, 0x50000000ull, 0x50000000ull, VMF_FAULT_READ);
        paging_case(m, 0xf8408c01u /* ldr x1, [x0, #8]! */, 0x50000000ull, 0x50000008ull, VMF_FAULT_READ);
    }
}

Test(trap_paths, paging_exec)
{
    for (enum mode m = M_FAST; m <= M_EXIT; m++) {
        struct tvm t;
        cr_assert_eq(tvm_create(&t, m == M_FAST ? VMF_PATH_FAST : VMF_PATH_EXIT), 0);
        uint32_t words[3] = {I_ADD_X29, 0xd61f0020u /* br x1 */, I_WFI};
        cr_assert_eq(tvm_load(&t, words, 3), 0);
        tvm_set_x(&t, 1, 0x60000000ull);
        vmf_exit ex;
        cr_assert_eq(tvm_run(&t, BUDGET, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_PAGING, "%s: exit %s", MODE[m], vmf_exit_name(ex.exitcode));
        cr_expect_eq(ex.u.paging.gpa, 0x60000000ull);
        cr_expect_eq(ex.u.paging.fault_type, VMF_FAULT_EXEC);
        cr_expect_eq(ex.pc, 0x60000000ull);
        tvm_destroy(&t);
    }
}

/* An access that runs past the end of a reservation is refused (VMF_EBOUNDS)
 * and never reaches the handler, whether or not RAM follows it.  When RAM
 * follows, both paths must leave that RAM the same (DESIGN.md: two trap
 * paths, one behaviour); the exit path does not write it. */
Test(trap_paths, straddle_reservation_end)
{
    static const struct tcase rows[] = {
        {"ldr x1, [x0] @end-4", {0xf9400001u /* ldr x1, [x0] */}, 0xffc, 0, 0, {{0, 0, 0, 0}}},
        {"str x1, [x0] @end-4", {0xf9000001u /* str x1, [x0] */}, 0xffc, 0, 0, {{0, 0, 0, 0}}},
        {"ldr w1, [x0] @end-2", {0xb9400001u /* ldr w1, [x0] */}, 0xffe, 0, 0, {{0, 0, 0, 0}}},
        {"str w1, [x0] @end-2", {0xb9000001u /* str w1, [x0] */}, 0xffe, 0, 0, {{0, 0, 0, 0}}},
        {"ldrh w1, [x0] @end-1", {0x79400001u /* ldrh w1, [x0] */}, 0xfff, 0, 0, {{0, 0, 0, 0}}},
    };
    for (unsigned ram_after = 0; ram_after < 2; ram_after++)
        for (unsigned i = 0; i < NELEM(rows); i++) {
            uint8_t after[3][8];
            memset(after, 0, sizeof(after));
            for (enum mode m = M_FAST; m <= M_EXIT; m++) {
                const struct layout lay = {.dev_size = 0x1000, .ram_after = ram_after != 0};
                struct rig g;
                vmf_exit ex;
                int rc;
                run_one(&g, m, &rows[i], NULL, 0, &lay, &ex, &rc);
                cr_assert_eq(rc, 0);
                cr_expect_eq(ex.exitcode, VMF_EXIT_ERROR, "[%s] %s ram_after=%u: exit %s", rows[i].text, MODE[m],
                             ram_after, vmf_exit_name(ex.exitcode));
                cr_expect_eq(ex.u.error.status, VMF_EBOUNDS, "[%s] %s ram_after=%u: status %d (%s)", rows[i].text,
                             MODE[m], ram_after, ex.u.error.status, ex.u.error.message);
                cr_expect(strstr(ex.u.error.message, "trapdev") != NULL, "[%s] %s: message '%s'", rows[i].text,
                          MODE[m], ex.u.error.message);
                cr_expect_eq(ex.pc, CODE + 4);
                cr_expect_eq(g.dev->n, 0, "[%s] %s ram_after=%u: the handler was called %u times", rows[i].text,
                             MODE[m], ram_after, g.dev->n);
                cr_expect_eq(tvm_x(&g.t, 1), seed_x(1));
                cr_expect_eq(tvm_x(&g.t, 28), seed_x(28));
                cr_expect_eq(tvm_x(&g.t, VMF_ARM64_PC), CODE + 4);
                cr_expect_eq(vmf_vcpu_icount(g.t.vcpu), 1);
                if (ram_after)
                    cr_expect_eq(vmf_mem_read(g.t.vm, DEV + 0x1000, after[m], 8), 0);
                rig_close(&g);
            }
            cr_expect(memcmp(after[M_FAST], after[M_EXIT], 8) == 0,
                      "[%s] ram_after=%u: the refused access left the RAM after the reservation as "
                      "%02x %02x %02x %02x on FAST and %02x %02x %02x %02x on EXIT",
                      rows[i].text, ram_after, after[M_FAST][0], after[M_FAST][1], after[M_FAST][2], after[M_FAST][3],
                      after[M_EXIT][0], after[M_EXIT][1], after[M_EXIT][2], after[M_EXIT][3]);
        }
}

/* A handler's read data is masked to the access width before it reaches the
 * register ("masked to the access width, extended the way the architecture
 * does"): set_vcpu_fault_data with every bit above the size set must give the
 * RAM run's registers. */
Test(trap_paths, read_data_masked_to_access_size)
{
    static const struct tcase rows[] = {
        {"ldrb w1, [x0, #3]", {0x39400c01u /* ldrb w1, [x0, #3] */}, 0x100, 0, 0, {R(0x103, 1)}},
        {"ldrsb x1, [x0, #2]", {0x39800801u /* ldrsb x1, [x0, #2] */}, 0x100, 0, 0, {R(0x102, 1)}},
        {"ldrh w1, [x0, #6]", {0x79400c01u /* ldrh w1, [x0, #6] */}, 0x100, 0, 0, {R(0x106, 2)}},
        {"ldrsh x1, [x0, #4]", {0x79800801u /* ldrsh x1, [x0, #4] */}, 0x100, 0, 0, {R(0x104, 2)}},
        {"ldr w1, [x0, #8]", {0xb9400801u /* ldr w1, [x0, #8] */}, 0x100, 0, 0, {R(0x108, 4)}},
        {"ldrsw x1, [x0, #12]", {0xb9800c01u /* ldrsw x1, [x0, #12] */}, 0x100, 0, 0, {R(0x10c, 4)}},
        {"ldp w1, w2, [x0, #8]", {0x29410801u /* ldp w1, w2, [x0, #8] */}, 0x100, 0, 0, {R(0x108, 4), R(0x10c, 4)}},
        {"ldr b1, [x0, #3]", {0x3d400c01u /* ldr b1, [x0, #3] */}, 0x100, 0, 0, {R(0x103, 1)}},
        {"ldr s1, [x0, #8]", {0xbd400801u /* ldr s1, [x0, #8] */}, 0x100, 0, 0, {R(0x108, 4)}},
        {"ldr w1, [x0] @+2", {0xb9400001u /* ldr w1, [x0] */}, 0x102, 0, 0, {R(0x102, 4)}},
    };
    static const uint8_t script[] = {A_WIDE, A_WIDE};
    unsigned failed = 0;
    for (unsigned i = 0; i < NELEM(rows); i++)
        if (differential_script(&rows[i], script, NELEM(script)))
            failed++;
    cr_expect_eq(failed, 0);
}

/* An UNHANDLED second beat: the first beat was served by the handler (on the
 * fast path, inside Unicorn's callback), the second leaves as an exit; after
 * completion both registers are right and the first beat is not re-done. */
Test(trap_paths, result_unhandled_second_beat)
{
    static const struct tcase c = {"ldp x1, x2, [x0, #16]", {0xa9410801u /* ldp x1, x2, [x0, #16] */}, 0x100, 0, 0,
                                   {R(0x110, 8), R(0x118, 8)}};
    static const uint8_t script[] = {A_HANDLED, A_UNHANDLED};
    for (enum mode m = M_FAST; m <= M_EXIT; m++) {
        struct rig g;
        vmf_exit ex;
        int rc;
        run_one(&g, m, &c, script, NELEM(script), NULL, &ex, &rc);
        cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL, "%s: %s %s", MODE[m], vmf_exit_name(ex.exitcode),
                     ex.u.error.message);
        cr_expect_eq(ex.u.inst_emul.gpa, DEV + 0x118);
        cr_expect_eq(ex.pc, CODE + 4);
        cr_expect_eq(tvm_x(&g.t, 1), seed_x(1), "%s: X1 written before the instruction completed", MODE[m]);
        set_vcpu_fault_data(g.t.vcpu, 0x7766554433221100ull);
        advance_vcpu_fault(g.t.vcpu);
        cr_assert_eq(vmf_run(g.t.vcpu, BUDGET, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s: %s %s", MODE[m], vmf_exit_name(ex.exitcode), ex.u.error.message);
        cr_expect_eq(tvm_x(&g.t, 1), pat(0x110, 8), "%s: X1 0x%llx", MODE[m], (unsigned long long)tvm_x(&g.t, 1));
        cr_expect_eq(tvm_x(&g.t, 2), 0x7766554433221100ull, "%s: X2 0x%llx", MODE[m],
                     (unsigned long long)tvm_x(&g.t, 2));
        cr_expect_eq(g.dev->n, 2, "%s: handler calls %u", MODE[m], g.dev->n);
        cr_expect_eq(vmf_vcpu_icount(g.t.vcpu), 4);
        rig_close(&g);
    }
}

/* A load-exclusive the engine completed in software (here: after an
 * INST_EMUL exit, on either path) must still let the following
 * store-exclusive succeed, as on RAM: status 0 and the store reaches the
 * device. */
Test(trap_paths, exclusive_after_software_completion)
{
    static const struct tcase c = {"ldxr x5, [x0]; stxr w4, x1, [x0]",
                                   {0xc85f7c05u /* ldxr x5, [x0] */, 0xc8047c01u /* stxr w4, x1, [x0] */}, 0x100, 0, 0,
                                   {R(0x100, 8), W1(0x100, 8)}};
    static const uint8_t script[] = {A_UNHANDLED};
    for (enum mode m = M_FAST; m <= M_EXIT; m++) {
        struct rig g;
        vmf_exit ex;
        int rc;
        run_one(&g, m, &c, script, NELEM(script), NULL, &ex, &rc);
        cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL, "%s: %s", MODE[m], vmf_exit_name(ex.exitcode));
        cr_expect_eq(ex.u.inst_emul.insn.exclusive, true);
        set_vcpu_fault_data(g.t.vcpu, pat(0x100, 8));
        advance_vcpu_fault(g.t.vcpu);
        cr_assert_eq(vmf_run(g.t.vcpu, BUDGET, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s: %s %s", MODE[m], vmf_exit_name(ex.exitcode), ex.u.error.message);
        cr_expect_eq(tvm_x(&g.t, 5), pat(0x100, 8));
        cr_expect_eq(tvm_x(&g.t, 4), 0, "%s: store-exclusive status %llu", MODE[m],
                     (unsigned long long)tvm_x(&g.t, 4));
        cr_expect_eq(g.dev->n, 2, "%s: the device saw %u accesses, expected the load and the store", MODE[m],
                     g.dev->n);
        uint64_t stored = dev_word(g.dev, 0x100);
        cr_expect_eq(stored, seed_x(1), "%s: device word 0x%llx", MODE[m], (unsigned long long)stored);
        rig_close(&g);
    }
}

/* The same refusal at the start of a reservation: an access that begins in
 * the RAM page below it and runs into it fits in no single region, so it is
 * refused with VMF_EBOUNDS on both paths and the handler is not called.
 * (The part of a store that falls in RAM may be written first, as on a real
 * CPU; both paths must agree on it.) */
Test(trap_paths, straddle_reservation_start)
{
    static const struct tcase rows[] = {
        {"ldr x1, [x0] @start-4", {0xf9400001u /* ldr x1, [x0] */}, -4, 0, 0, {{0, 0, 0, 0}}},
        {"str x1, [x0] @start-4", {0xf9000001u /* str x1, [x0] */}, -4, 0, 0, {{0, 0, 0, 0}}},
        {"str w1, [x0] @start-2", {0xb9000001u /* str w1, [x0] */}, -2, 0, 0, {{0, 0, 0, 0}}},
        {"stp x1, x2, [x0] @start-12", {0xa9000801u /* stp x1, x2, [x0] */}, -12, 0, 0, {{0, 0, 0, 0}}},
    };
    const struct layout lay = {.ram_before = true};
    for (unsigned i = 0; i < NELEM(rows); i++) {
        uint8_t below[3][16];
        memset(below, 0, sizeof(below));
        for (enum mode m = M_FAST; m <= M_EXIT; m++) {
            struct rig g;
            vmf_exit ex;
            int rc;
            run_one(&g, m, &rows[i], NULL, 0, &lay, &ex, &rc);
            cr_assert_eq(rc, 0);
            cr_expect_eq(ex.exitcode, VMF_EXIT_ERROR, "[%s] %s: exit %s (the device saw %u accesses)", rows[i].text,
                         MODE[m], vmf_exit_name(ex.exitcode), g.dev->n);
            cr_expect_eq(ex.u.error.status, VMF_EBOUNDS, "[%s] %s: status %d (%s)", rows[i].text, MODE[m],
                         ex.u.error.status, ex.u.error.message);
            cr_expect_eq(ex.pc, CODE + 4, "[%s] %s: exit pc 0x%llx", rows[i].text, MODE[m], (unsigned long long)ex.pc);
            cr_expect_eq(g.dev->n, 0, "[%s] %s: the handler was called %u times", rows[i].text, MODE[m], g.dev->n);
            cr_expect_eq(tvm_x(&g.t, 1), seed_x(1));
            cr_expect_eq(tvm_x(&g.t, 28), seed_x(28), "[%s] %s: the instruction after the refused one ran",
                         rows[i].text, MODE[m]);
            cr_expect_eq(vmf_mem_read(g.t.vm, DEV - 16, below[m], 16), 0);
            for (unsigned k = 0; k < DEV_SIZE; k++)
                if (g.dev->mem[k] != pattern(k)) {
                    cr_expect(false, "[%s] %s: device byte +0x%x changed", rows[i].text, MODE[m], k);
                    break;
                }
            rig_close(&g);
        }
        cr_expect(memcmp(below[M_FAST], below[M_EXIT], 16) == 0, "[%s] FAST and EXIT left different RAM below",
                  rows[i].text);
    }
}
// clang-format on
