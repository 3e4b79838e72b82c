/* vmfault — AArch64 load/store decoder: the fast classifier.
 *
 * vmf_arm64_decode() takes one A64 instruction word and describes the data
 * access it makes, the way a hypervisor sees it on a stage-2 data abort.  It
 * works on the encoding alone: a switch tree on the major fields of the
 * "Loads and Stores" encoding group of the Arm ARM (DDI 0487, chapter C4,
 * "A64 Instruction Set Encoding"), plus a few small lookup tables indexed
 * directly by fields (mnemonics, size:opc properties).  No pattern search,
 * no allocation, no global mutable state.
 *
 * Field names in the comments follow the Arm ARM encoding diagrams.  Bit
 * ranges are written hi:lo.  Inside the group the decode fields are
 * op0 = 31:28, op1 = 26 (V, SIMD&FP), op2 = 24:23, op3 = 21:16, op4 = 11:10.
 *
 * Modelled (status 0):
 *   Load register (literal)                          LDR W/X/S/D/Q, LDRSW
 *   Load/store register (unsigned immediate)         B H W X, signed, SIMD&FP B..Q
 *   Load/store register (unscaled immediate)         LDUR/STUR/LDURS*, SIMD&FP
 *   Load/store register (immediate pre/post-indexed) writeback forms, SIMD&FP
 *   Load/store register (unprivileged)               LDTR/STTR/LDTRS*
 *   Load/store register (register offset)            UXTW/LSL/SXTW/SXTX, SIMD&FP
 *   Load/store register pair (offset/pre/post/no-allocate)
 *                                                    LDP/STP W X, LDPSW, LDNP/STNP,
 *                                                    SIMD&FP S D Q
 *   Load/store exclusive and ordered                 LDXR/STXR/LDAXR/STLXR (B H W X),
 *                                                    LDXP/STXP/LDAXP/STLXP, LDAR/STLR,
 *                                                    LDLAR/STLLR (v8.1 LOR)
 *   Compare and swap (v8.1 LSE)                      CAS*, CASP*
 *   Atomic memory operations (v8.1 LSE)              LD<op>*, ST<op>* aliases, SWP*
 *   LDAPR (v8.3 RCPC); LDAPUR/STLUR (v8.4 RCPC2, unscaled immediate)
 *   Advanced SIMD load/store multiple structures     LD1/ST1, 1-4 registers,
 *                                                    no offset and post-index
 * Recognised but not modelled (VMF_EUNSUPP, mnemonic names the instruction):
 *   LD2-4/ST2-4 (multiple), all single-structure forms incl. LD1R..LD4R,
 *   LDRAA/LDRAB (v8.3 PAuth), STGP and the memory-tag class (v8.5 MTE),
 *   LD64B/ST64B* (v8.7 LS64), SIMD&FP LDAPUR/STLUR (v8.9 RCPC3), and SVE
 *   memory instructions ("sve-ld"/"sve-st"; they sit outside the load/store
 *   group, in op0 = 0010, but do access memory).
 * Prefetches (PRFM immediate/literal/register, PRFUM): VMF_ENOTMEM.
 *
 * Register conventions beyond the header: for atomics and CAS, rs is the
 * operand register Rs (CAS: compare value, which also receives the old
 * value; CASP: the even register of the Rs pair) and rt[] holds Rt (CASP:
 * Rt, Rt+1).  For store-exclusive, rs is the status register Ws.
 * Should-be-one fields (Rs/Rt2 = 11111 in single exclusives, LDAPR) are not
 * checked, as hardware does not require them either.
 *
 * Syndrome (ESR_EL2, EC 0x24 "Data Abort from a lower Exception level")
 * ----------------------------------------------------------------------
 * ISS encoding for an exception from a Data Abort:
 *   [24] ISV  [23:22] SAS  [21] SSE  [20:16] SRT  [15] SF  [14] AR
 *   [13:7] VNCR/SET/FnV/EA/CM/S1PTW (all 0 here)  [6] WnR  [5:0] DFSC
 *
 * ISV rule.  Arm ARM DDI 0487, "ISS encoding for an exception from a Data
 * Abort": for faults reported in ESR_EL2, ISV is 0 except for stage 2 aborts
 * on "AArch64 loads and stores of a single general-purpose register
 * (including the register specified with 0b11111, including those with
 * Acquire/Release semantics, but excluding Load Exclusive or Store Exclusive
 * and excluding those with writeback)".  Checked against that text as quoted
 * by Peter Maydell on kvm@vger.kernel.org (4 Oct 2024, reply to a report of
 * a post-indexed LDR faulting on MMIO under KVM) and on the jailhouse-dev
 * list (same ISV paragraph, "str wzr, [x1, #16]!" reporting ISV=0), and the
 * QEMU issue https://gitlab.com/qemu-project/qemu/-/issues/1057 (post-
 * indexed STR must report ISV=0).  QEMU's target/arm translate-a64.c agrees
 * on the corner cases: LDAPR and LDAPUR report ISV=1 with AR=1, LSE atomics
 * report no syndrome.
 * So ISV=1 here exactly for: one GPR, no writeback, not exclusive, not an
 * atomic read-modify-write, not SIMD&FP.  Literal loads, LDTR/STTR,
 * LDAR/STLR, LDLAR/STLLR, LDAPR/LDAPUR/STLUR qualify.  When ISV=0,
 * ISS[23:14] are RES0 and are left zero.
 *
 * WnR rule.  WnR=1 for a write.  For an atomic instruction that both reads
 * and writes a location (LDADD, SWP, CAS, ...), the Arm ARM WnR description
 * sets WnR to 0 if a read of the address would have generated the fault
 * being reported, and to 1 otherwise.  gem5 implements the same rule
 * (MMU::checkPermissions64 in src/arch/arm/mmu.cc: atomics "count as read if
 * a read to that address would have generated the fault; they count as
 * writes otherwise").  The syndrome computed here is for a translation
 * fault, which a read takes as well, so READ_WRITE accesses get WnR=0.
 * vmf_arm64_esr() applies the same rule whatever DFSC it is given: the
 * decoder cannot know whether a permission fault would also hit a read (on
 * a readable but not writable page real hardware reports WnR=1).
 */
#include "vmfault/decode_arm64.h"

#include <string.h>

#define NR VMF_A64_NO_REG

/* Positive internal marker: the size/opc slot is a prefetch (PRFM, PRFUM). */
#define SLOT_PREFETCH 1

/* ---- bit-field helpers --------------------------------------------------- */

static inline uint32_t fld(uint32_t insn, unsigned lo, unsigned width)
{
    return (insn >> lo) & ((1u << width) - 1u);
}

static inline bool bit(uint32_t insn, unsigned n)
{
    return ((insn >> n) & 1u) != 0;
}

static inline uint8_t reg5(uint32_t insn, unsigned lo)
{
    return (uint8_t)((insn >> lo) & 31u);
}

/* Sign-extend the low `width` bits of v. */
static inline int64_t sext(uint32_t v, unsigned width)
{
    uint64_t m = 1ull << (width - 1u);
    uint64_t x = (uint64_t)v & ((1ull << width) - 1ull);
    return (int64_t)(x ^ m) - (int64_t)m;
}

/* log2 of an access size of 1, 2, 4, 8 or 16 bytes (a lookup: no branches). */
static inline unsigned lg2(uint8_t size)
{
    static const uint8_t log2_of[17] = {0, 0, 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4};
    return log2_of[size <= 16 ? size : 0];
}

/* ---- mnemonic tables ----------------------------------------------------- */

/* Single-register classes, general-purpose view, indexed [size][opc].
 * NULL marks slots that are a prefetch or unallocated (see gpr_sizeopc). */
static const char *const MN_LDR[4][4] = {
    {"strb", "ldrb", "ldrsb", "ldrsb"},
    {"strh", "ldrh", "ldrsh", "ldrsh"},
    {"str", "ldr", "ldrsw", NULL},
    {"str", "ldr", NULL, NULL},
};
static const char *const MN_LDUR[4][4] = {
    {"sturb", "ldurb", "ldursb", "ldursb"},
    {"sturh", "ldurh", "ldursh", "ldursh"},
    {"stur", "ldur", "ldursw", NULL},
    {"stur", "ldur", NULL, NULL},
};
static const char *const MN_LDTR[4][4] = {
    {"sttrb", "ldtrb", "ldtrsb", "ldtrsb"},
    {"sttrh", "ldtrh", "ldtrsh", "ldtrsh"},
    {"sttr", "ldtr", "ldtrsw", NULL},
    {"sttr", "ldtr", NULL, NULL},
};
static const char *const MN_LDAPUR[4][4] = {
    {"stlurb", "ldapurb", "ldapursb", "ldapursb"},
    {"stlurh", "ldapurh", "ldapursh", "ldapursh"},
    {"stlur", "ldapur", "ldapursw", NULL},
    {"stlur", "ldapur", NULL, NULL},
};

/* Exclusives, indexed [L][o0][size]. */
static const char *const MN_EXCL[2][2][4] = {
    {{"stxrb", "stxrh", "stxr", "stxr"}, {"stlxrb", "stlxrh", "stlxr", "stlxr"}},
    {{"ldxrb", "ldxrh", "ldxr", "ldxr"}, {"ldaxrb", "ldaxrh", "ldaxr", "ldaxr"}},
};
/* Exclusive pairs, indexed [L][o0]. */
static const char *const MN_EXCLP[2][2] = {{"stxp", "stlxp"}, {"ldxp", "ldaxp"}};
/* Ordered (LOR and acquire/release), indexed [L][o0][size]. */
static const char *const MN_ORD[2][2][4] = {
    {{"stllrb", "stllrh", "stllr", "stllr"}, {"stlrb", "stlrh", "stlr", "stlr"}},
    {{"ldlarb", "ldlarh", "ldlar", "ldlar"}, {"ldarb", "ldarh", "ldar", "ldar"}},
};

// clang-format off
/* LSE atomics, indexed [ordering][size] with ordering = acquire:release
 * (0 none, 1 release "l", 2 acquire "a", 3 both "al"). */
#define MN_ORDER_SIZE(op)                                                        \
    {                                                                            \
        {op "b", op "h", op, op}, {op "lb", op "lh", op "l", op "l"},            \
            {op "ab", op "ah", op "a", op "a"}, {op "alb", op "alh", op "al", op "al"} \
    }
/* ST<op> aliases (Rt == 31, no acquire), indexed [release][size]. */
#define MN_ST_ALIAS(op)                                                          \
    {                                                                            \
        {op "b", op "h", op, op}, {op "lb", op "lh", op "l", op "l"}             \
    }
/* LD<op> by opc (o3 = 0), then SWP (o3 = 1, opc = 000). */
static const char *const MN_LDOP[9][4][4] = {
    MN_ORDER_SIZE("ldadd"),  MN_ORDER_SIZE("ldclr"),  MN_ORDER_SIZE("ldeor"),
    MN_ORDER_SIZE("ldset"),  MN_ORDER_SIZE("ldsmax"), MN_ORDER_SIZE("ldsmin"),
    MN_ORDER_SIZE("ldumax"), MN_ORDER_SIZE("ldumin"), MN_ORDER_SIZE("swp"),
};
static const char *const MN_STOP[8][2][4] = {
    MN_ST_ALIAS("stadd"),  MN_ST_ALIAS("stclr"),  MN_ST_ALIAS("steor"),
    MN_ST_ALIAS("stset"),  MN_ST_ALIAS("stsmax"), MN_ST_ALIAS("stsmin"),
    MN_ST_ALIAS("stumax"), MN_ST_ALIAS("stumin"),
};
// clang-format on
static const char *const MN_CAS[4][4] = MN_ORDER_SIZE("cas");
static const char *const MN_CASP[4] = {"casp", "caspl", "caspa", "caspal"};
static const char *const MN_LDAPR[4] = {"ldaprb", "ldaprh", "ldapr", "ldapr"};

/* ---- output helpers ------------------------------------------------------ */

static void init_out(vmf_arm64_access *a, uint32_t insn)
{
    memset(a, 0, sizeof *a);
    a->insn = insn;
    a->nregs = 1;
    a->rt[0] = a->rt[1] = a->rt[2] = a->rt[3] = NR;
    a->rn = a->rm = a->rs = NR;
}

/* Failure: zero everything except insn and mnemonic. */
static int reject(vmf_arm64_access *a, const char *mnemonic, int status)
{
    uint32_t insn = a->insn;
    memset(a, 0, sizeof *a);
    a->insn = insn;
    a->mnemonic = mnemonic;
    return status;
}

static uint32_t compute_esr(const vmf_arm64_access *a, uint32_t dfsc);

/* Success: derived fields (total, writeback, ISV, syndrome). */
static int finish(vmf_arm64_access *a)
{
    a->total = (uint32_t)a->size * a->nregs;
    a->writeback =
        a->addr_mode == VMF_A64_ADDR_PRE || a->addr_mode == VMF_A64_ADDR_POST || a->addr_mode == VMF_A64_ADDR_POST_REG;
    a->isv = a->nregs == 1 && !a->vreg && !a->writeback && !a->exclusive && a->access != VMF_ACCESS_READ_WRITE;
    a->esr = compute_esr(a, VMF_A64_DFSC_TRANSLATION_L3);
    return VMF_OK;
}

/* size (31:30) and opc (23:22) of the single-register classes, integer view
 * (V = 0).  opc: 00 store, 01 zero-extending load, 10 sign-extending load to
 * X (LDRSB/LDRSH Xt, LDRSW), 11 sign-extending load to W (B and H only).
 * size 11 / opc 10 is the prefetch slot (PRFM, PRFUM); size 1x / opc 11 is
 * unallocated.  The properties are a 16-entry table indexed by size:opc. */
enum {
    P_VALID = 1,     /* allocated data access */
    P_LOAD = 2,      /* load (else store) */
    P_SIGN = 4,      /* sign-extending */
    P_X = 8,         /* Xt (else Wt) */
    P_PREFETCH = 16, /* PRFM / PRFUM slot */
    /* the combinations that occur */
    ST_W = P_VALID,
    ST_X = P_VALID | P_X,
    LD_W = P_VALID | P_LOAD,
    LD_X = P_VALID | P_LOAD | P_X,
    LDS_W = P_VALID | P_LOAD | P_SIGN,
    LDS_X = P_VALID | P_LOAD | P_SIGN | P_X,
    UNALLOC = 0,
};
static const uint8_t GPR_PROPS[4][4] = {
    /*             opc 00  01    10          11 */
    /* size 00 */ {ST_W, LD_W, LDS_X, LDS_W},        /* STRB  LDRB  LDRSB Xt  LDRSB Wt */
    /* size 01 */ {ST_W, LD_W, LDS_X, LDS_W},        /* STRH  LDRH  LDRSH Xt  LDRSH Wt */
    /* size 10 */ {ST_W, LD_W, LDS_X, UNALLOC},      /* STR Wt  LDR Wt  LDRSW     -    */
    /* size 11 */ {ST_X, LD_X, P_PREFETCH, UNALLOC}, /* STR Xt  LDR Xt  PRFM     -    */
};

static int gpr_sizeopc(vmf_arm64_access *a, uint32_t size, uint32_t opc, const char *const mn[4][4])
{
    unsigned p = GPR_PROPS[size][opc];

    if (!(p & P_VALID))
        return (p & P_PREFETCH) ? SLOT_PREFETCH : VMF_EUNDEF;
    a->mnemonic = mn[size][opc];
    a->size = (uint8_t)(1u << size);
    a->access = (p & P_LOAD) ? VMF_ACCESS_READ : VMF_ACCESS_WRITE;
    a->sign_extend = (p & P_SIGN) != 0;
    a->dest64 = (p & P_X) != 0;
    return VMF_OK;
}

/* size and opc of the single-register classes, SIMD&FP view (V = 1).
 * The register is chosen by size:opc<1>: 00:0 B, 01:0 H, 10:0 S, 11:0 D,
 * 00:1 Q; opc<0> is L (1 = load).  Other combinations are unallocated. */
static int simd_sizeopc(vmf_arm64_access *a, uint32_t size, uint32_t opc, const char *ld, const char *st)
{
    if (opc & 2u) {
        if (size != 0)
            return VMF_EUNDEF;
        a->size = 16;
    } else {
        a->size = (uint8_t)(1u << size);
    }
    a->vreg = true;
    a->access = (opc & 1u) ? VMF_ACCESS_READ : VMF_ACCESS_WRITE;
    a->mnemonic = (opc & 1u) ? ld : st;
    return VMF_OK;
}

/* ---- encoding classes ---------------------------------------------------- */

/* Load register (literal):  opc(31:30) 011 V(26) 00 imm19(23:5) Rt(4:0)
 *   V=0: opc 00 LDR Wt, 01 LDR Xt, 10 LDRSW, 11 PRFM (literal)
 *   V=1: opc 00 LDR St, 01 LDR Dt, 10 LDR Qt, 11 unallocated */
static int dec_literal(vmf_arm64_access *a, uint32_t insn)
{
    uint32_t opc = fld(insn, 30, 2);

    if (bit(insn, 26)) {
        if (opc == 3)
            return reject(a, NULL, VMF_EUNDEF);
        a->vreg = true;
        a->size = (uint8_t)(4u << opc);
    } else {
        if (opc == 3)
            return reject(a, "prfm", VMF_ENOTMEM);
        a->size = opc == 1 ? 8 : 4; /* LDR Xt; LDR Wt and LDRSW move a word */
        a->dest64 = opc != 0;
        a->sign_extend = opc == 2;
    }
    a->mnemonic = (!a->vreg && opc == 2) ? "ldrsw" : "ldr";
    a->access = VMF_ACCESS_READ;
    a->rt[0] = reg5(insn, 0);
    a->addr_mode = VMF_A64_ADDR_LITERAL;
    a->imm = sext(fld(insn, 5, 19), 19) * 4;
    return finish(a);
}

/* Load/store register (unsigned immediate):
 *   size(31:30) 111 V(26) 01 opc(23:22) imm12(21:10) Rn Rt
 * imm12 is scaled by the access size. */
static int dec_unsigned_imm(vmf_arm64_access *a, uint32_t insn)
{
    uint32_t size = fld(insn, 30, 2), opc = fld(insn, 22, 2);
    int rc = bit(insn, 26) ? simd_sizeopc(a, size, opc, "ldr", "str") : gpr_sizeopc(a, size, opc, MN_LDR);
    if (rc == SLOT_PREFETCH)
        return reject(a, "prfm", VMF_ENOTMEM);
    if (rc != VMF_OK)
        return reject(a, NULL, rc);
    a->rt[0] = reg5(insn, 0);
    a->rn = reg5(insn, 5);
    a->addr_mode = VMF_A64_ADDR_OFFSET;
    a->imm = (int64_t)((uint64_t)fld(insn, 10, 12) << lg2(a->size));
    return finish(a);
}

/* The four classes with a signed 9-bit unscaled immediate:
 *   size(31:30) 111 V(26) 00 opc(23:22) 0 imm9(20:12) op(11:10) Rn Rt
 *   op 00  Load/store register (unscaled immediate)      LDUR/STUR, PRFUM
 *   op 01  Load/store register (immediate post-indexed)  [Xn], #imm
 *   op 10  Load/store register (unprivileged)            LDTR/STTR, no SIMD&FP
 *   op 11  Load/store register (immediate pre-indexed)   [Xn, #imm]! */
static int dec_imm9(vmf_arm64_access *a, uint32_t insn)
{
    uint32_t size = fld(insn, 30, 2), opc = fld(insn, 22, 2), op = fld(insn, 10, 2);
    bool v = bit(insn, 26);
    int rc;

    if (op == 2 && v)
        return reject(a, NULL, VMF_EUNDEF);
    if (v)
        rc = simd_sizeopc(a, size, opc, op == 0 ? "ldur" : "ldr", op == 0 ? "stur" : "str");
    else
        rc = gpr_sizeopc(a, size, opc, op == 0 ? MN_LDUR : op == 2 ? MN_LDTR : MN_LDR);
    if (rc == SLOT_PREFETCH)
        return op == 0 ? reject(a, "prfum", VMF_ENOTMEM) : reject(a, NULL, VMF_EUNDEF);
    if (rc != VMF_OK)
        return reject(a, NULL, rc);
    a->rt[0] = reg5(insn, 0);
    a->rn = reg5(insn, 5);
    a->imm = sext(fld(insn, 12, 9), 9);
    a->unprivileged = op == 2;
    a->addr_mode = op == 1 ? VMF_A64_ADDR_POST : op == 3 ? VMF_A64_ADDR_PRE : VMF_A64_ADDR_OFFSET;
    return finish(a);
}

/* Load/store register (register offset):
 *   size(31:30) 111 V(26) 00 opc(23:22) 1 Rm(20:16) option(15:13) S(12) 10 Rn Rt
 * option: 010 UXTW, 011 LSL (UXTX), 110 SXTW, 111 SXTX; option<1> = 0 is
 * unallocated.  S=1 shifts the index left by log2(access size). */
static int dec_reg_offset(vmf_arm64_access *a, uint32_t insn)
{
    uint32_t size = fld(insn, 30, 2), opc = fld(insn, 22, 2), option = fld(insn, 13, 3);
    int rc;

    if ((option & 2u) == 0)
        return reject(a, NULL, VMF_EUNDEF);
    rc = bit(insn, 26) ? simd_sizeopc(a, size, opc, "ldr", "str") : gpr_sizeopc(a, size, opc, MN_LDR);
    if (rc == SLOT_PREFETCH)
        return reject(a, "prfm", VMF_ENOTMEM);
    if (rc != VMF_OK)
        return reject(a, NULL, rc);
    a->rt[0] = reg5(insn, 0);
    a->rn = reg5(insn, 5);
    a->rm = reg5(insn, 16);
    a->addr_mode = VMF_A64_ADDR_REG;
    a->extend = (uint8_t)option;
    a->shift = (uint8_t)(bit(insn, 12) ? lg2(a->size) : 0u);
    return finish(a);
}

/* Atomic memory operations (Armv8.1 LSE, plus LDAPR from Armv8.3 RCPC):
 *   size(31:30) 111 V(26) 00 A(23) R(22) 1 Rs(20:16) o3(15) opc(14:12) 00 Rn Rt
 *   o3=0: opc selects LDADD LDCLR LDEOR LDSET LDSMAX LDSMIN LDUMAX LDUMIN
 *   o3=1, opc=000: SWP;  o3=1, opc=100, A=1, R=0: LDAPR (Rs = 11111)
 *   o3=1, size=11, A=R=0: opc 001 ST64B, 101 LD64B, 011 ST64BV, 010 ST64BV0
 * Rs is the operand register (rs), Rt receives the old value (rt[0]). */
static int dec_atomic(vmf_arm64_access *a, uint32_t insn)
{
    uint32_t size = fld(insn, 30, 2), o3opc = fld(insn, 12, 4);
    bool acq = bit(insn, 23), rel = bit(insn, 22);
    uint8_t rt = reg5(insn, 0);

    if (bit(insn, 26))
        return reject(a, NULL, VMF_EUNDEF);
    a->size = (uint8_t)(1u << size);
    a->dest64 = size == 3;
    a->rt[0] = rt;
    a->rn = reg5(insn, 5);
    a->addr_mode = VMF_A64_ADDR_OFFSET;
    if (o3opc == 12) { /* o3=1 opc=100 */
        if (!acq || rel)
            return reject(a, NULL, VMF_EUNDEF);
        a->mnemonic = MN_LDAPR[size];
        a->access = VMF_ACCESS_READ;
        a->acqrel = true;
        return finish(a);
    }
    if (o3opc > 8) {
        if (size == 3 && !acq && !rel) {
            switch (o3opc & 7u) {
            case 1: return reject(a, "st64b", VMF_EUNSUPP);
            case 2: return reject(a, "st64bv0", VMF_EUNSUPP);
            case 3: return reject(a, "st64bv", VMF_EUNSUPP);
            case 5: return reject(a, "ld64b", VMF_EUNSUPP);
            default: break;
            }
        }
        return reject(a, NULL, VMF_EUNDEF);
    }
    /* o3opc 0-7: LD<op>; 8: SWP. */
    if (o3opc < 8 && rt == 31 && !acq)
        a->mnemonic = MN_STOP[o3opc][rel][size];
    else
        a->mnemonic = MN_LDOP[o3opc][(acq ? 2u : 0u) | (rel ? 1u : 0u)][size];
    a->access = VMF_ACCESS_READ_WRITE;
    a->acqrel = acq || rel;
    a->rs = reg5(insn, 16);
    return finish(a);
}

/* Load/store exclusive, ordered, and compare-and-swap (Armv8.0 layout):
 *   size(31:30) 001000 o2(23) L(22) o1(21) Rs(20:16) o0(15) Rt2(14:10) Rn Rt
 *   o2=0 o1=0: STXR/STLXR (L=0), LDXR/LDAXR (L=1); o0 = release/acquire
 *   o2=0 o1=1: size 1x: STXP/STLXP/LDXP/LDAXP (size<0>: W or X pair)
 *              size 0x: CASP{A,L,AL} (Armv8.1, sz = size<0>, Rt2 = 11111)
 *   o2=1 o1=0: STLLR (L=0,o0=0), STLR (0,1), LDLAR (1,0), LDAR (1,1)
 *   o2=1 o1=1: CAS{A,L,AL}{B,H} (Armv8.1, L = acquire, o0 = release, Rt2 = 11111)
 * Rs (store status, or CAS compare value) and Rt2 are 11111 where unused;
 * those should-be-one fields are not checked. */
static int dec_exclusive(vmf_arm64_access *a, uint32_t insn)
{
    uint32_t size = fld(insn, 30, 2);
    bool o2 = bit(insn, 23), l = bit(insn, 22), o1 = bit(insn, 21), o0 = bit(insn, 15);
    uint8_t rs = reg5(insn, 16), rt2 = reg5(insn, 10), rt = reg5(insn, 0);

    a->rt[0] = rt;
    a->rn = reg5(insn, 5);
    a->addr_mode = VMF_A64_ADDR_OFFSET;
    a->access = l ? VMF_ACCESS_READ : VMF_ACCESS_WRITE;

    if (!o2 && !o1) { /* single-register exclusive */
        a->mnemonic = MN_EXCL[l][o0][size];
        a->size = (uint8_t)(1u << size);
        a->dest64 = size == 3;
        a->exclusive = true;
        a->acqrel = o0;
        if (!l)
            a->rs = rs;
        return finish(a);
    }
    if (!o2 && o1 && size >= 2) { /* exclusive pair */
        a->mnemonic = MN_EXCLP[l][o0];
        a->size = size == 3 ? 8 : 4;
        a->nregs = 2;
        a->rt[1] = rt2;
        a->dest64 = size == 3;
        a->exclusive = true;
        a->acqrel = o0;
        if (!l)
            a->rs = rs;
        return finish(a);
    }
    if (o2 && !o1) { /* ordered: LDAR/STLR, LDLAR/STLLR */
        a->mnemonic = MN_ORD[l][o0][size];
        a->size = (uint8_t)(1u << size);
        a->dest64 = size == 3;
        a->acqrel = true;
        return finish(a);
    }
    /* Compare and swap (single: o2=1 o1=1; pair: o2=0 o1=1 size=0x). */
    if (rt2 != 31)
        return reject(a, NULL, VMF_EUNDEF);
    a->access = VMF_ACCESS_READ_WRITE;
    a->acqrel = l || o0;
    a->rs = rs;
    if (o2) {
        a->mnemonic = MN_CAS[(l ? 2u : 0u) | (o0 ? 1u : 0u)][size];
        a->size = (uint8_t)(1u << size);
        a->dest64 = size == 3;
        return finish(a);
    }
    if ((rs & 1u) || (rt & 1u))
        return reject(a, NULL, VMF_EUNDEF);
    a->mnemonic = MN_CASP[(l ? 2u : 0u) | (o0 ? 1u : 0u)];
    a->size = (size & 1u) ? 8 : 4;
    a->dest64 = (size & 1u) != 0;
    a->nregs = 2;
    a->rt[1] = (uint8_t)(rt + 1u);
    return finish(a);
}

/* Load/store register pair, four classes selected by type (24:23):
 *   opc(31:30) 101 V(26) 0 type(24:23) L(22) imm7(21:15) Rt2(14:10) Rn Rt
 *   type 00 no-allocate pair (offset) LDNP/STNP, 01 post-indexed,
 *   10 signed offset, 11 pre-indexed.
 *   V=0: opc 00 W pair, 01 L=1 LDPSW / L=0 STGP (MTE; neither in LDNP/STNP),
 *        10 X pair, 11 unallocated
 *   V=1: opc 00 S, 01 D, 10 Q, 11 unallocated
 * imm7 is scaled by the register size. */
static int dec_pair(vmf_arm64_access *a, uint32_t insn)
{
    uint32_t opc = fld(insn, 30, 2), type = fld(insn, 23, 2);
    bool v = bit(insn, 26), l = bit(insn, 22);

    if (opc == 3)
        return reject(a, NULL, VMF_EUNDEF);
    if (v) {
        a->vreg = true;
        a->size = (uint8_t)(4u << opc);
    } else if (opc == 1) {
        if (type == 0)
            return reject(a, NULL, VMF_EUNDEF);
        if (!l)
            return reject(a, "stgp", VMF_EUNSUPP);
        a->size = 4;
        a->sign_extend = true;
        a->dest64 = true;
    } else {
        a->size = opc == 2 ? 8 : 4;
        a->dest64 = opc == 2;
    }
    if (type == 0)
        a->mnemonic = l ? "ldnp" : "stnp";
    else
        a->mnemonic = a->sign_extend ? "ldpsw" : l ? "ldp" : "stp";
    a->access = l ? VMF_ACCESS_READ : VMF_ACCESS_WRITE;
    a->nregs = 2;
    a->rt[0] = reg5(insn, 0);
    a->rt[1] = reg5(insn, 10);
    a->rn = reg5(insn, 5);
    a->imm = sext(fld(insn, 15, 7), 7) * (int64_t)a->size;
    a->addr_mode = type == 1 ? VMF_A64_ADDR_POST : type == 3 ? VMF_A64_ADDR_PRE : VMF_A64_ADDR_OFFSET;
    return finish(a);
}

/* Advanced SIMD load/store multiple structures (op2 = 00) and its
 * post-indexed form (op2 = 01):
 *   0 Q(30) 0011000 L(22) 000000 opcode(15:12) size(11:10) Rn Rt
 *   0 Q(30) 0011001 L(22) 0 Rm(20:16) opcode(15:12) size(11:10) Rn Rt
 * opcode: 0000 LD4/ST4, 0010 LD1/ST1 x4, 0100 LD3/ST3, 0110 LD1/ST1 x3,
 *         0111 LD1/ST1 x1, 1000 LD2/ST2, 1010 LD1/ST1 x2.
 * Each register moves 8 (Q=0) or 16 (Q=1) bytes.  Post-index with
 * Rm = 11111 adds the immediate total; otherwise Xm. */
static int dec_simd_multiple(vmf_arm64_access *a, uint32_t insn)
{
    bool post = bit(insn, 23), l = bit(insn, 22);
    uint32_t opcode = fld(insn, 12, 4), rm = fld(insn, 16, 5);
    uint32_t nregs;

    if (bit(insn, 21) || (!post && rm != 0))
        return reject(a, NULL, VMF_EUNDEF);
    switch (opcode) {
    case 0x7: nregs = 1; break;
    case 0xa: nregs = 2; break;
    case 0x6: nregs = 3; break;
    case 0x2: nregs = 4; break;
    case 0x0: /* LD4/ST4 */
    case 0x4: /* LD3/ST3 */
    case 0x8: /* LD2/ST2 */ {
        static const char *const mn_ld[3] = {"ld4", "ld3", "ld2"};
        static const char *const mn_st[3] = {"st4", "st3", "st2"};
        /* size:Q = 11:0 (1D arrangement) is reserved for interleaving forms. */
        if (fld(insn, 10, 2) == 3 && !bit(insn, 30))
            return reject(a, NULL, VMF_EUNDEF);
        return reject(a, l ? mn_ld[opcode >> 2] : mn_st[opcode >> 2], VMF_EUNSUPP);
    }
    default: return reject(a, NULL, VMF_EUNDEF);
    }
    a->mnemonic = l ? "ld1" : "st1";
    a->access = l ? VMF_ACCESS_READ : VMF_ACCESS_WRITE;
    a->vreg = true;
    a->size = bit(insn, 30) ? 16 : 8;
    a->nregs = (uint8_t)nregs;
    for (uint32_t i = 0; i < nregs; i++) /* consecutive registers, modulo 32 */
        a->rt[i] = (uint8_t)((fld(insn, 0, 5) + i) & 31u);
    a->rn = reg5(insn, 5);
    if (!post) {
        a->addr_mode = VMF_A64_ADDR_OFFSET;
    } else if (rm == 31) {
        a->addr_mode = VMF_A64_ADDR_POST;
        a->imm = (int64_t)(a->size * nregs);
    } else {
        a->addr_mode = VMF_A64_ADDR_POST_REG;
        a->rm = (uint8_t)rm;
    }
    return finish(a);
}

/* Advanced SIMD load/store single structure (op2 = 10) and post-indexed
 * (op2 = 11):
 *   0 Q(30) 0011010 L(22) R(21) 00000 opcode(15:13) S(12) size(11:10) Rn Rt
 *   0 Q(30) 0011011 L(22) R(21) Rm    opcode(15:13) S(12) size(11:10) Rn Rt
 * opcode<2:1> is the element scale (3 = replicate LDnR, loads only);
 * opcode<0>:R + 1 is the number of structure elements.  Not modelled:
 * returns VMF_EUNSUPP naming the instruction, or VMF_EUNDEF. */
static int dec_simd_single(vmf_arm64_access *a, uint32_t insn)
{
    static const char *const mn_ld[4] = {"ld1", "ld2", "ld3", "ld4"};
    static const char *const mn_st[4] = {"st1", "st2", "st3", "st4"};
    static const char *const mn_ldr[4] = {"ld1r", "ld2r", "ld3r", "ld4r"};
    bool post = bit(insn, 23), l = bit(insn, 22), s = bit(insn, 12);
    uint32_t opcode = fld(insn, 13, 3), size = fld(insn, 10, 2);
    uint32_t selem = ((opcode & 1u) << 1 | (bit(insn, 21) ? 1u : 0u));

    if (!post && fld(insn, 16, 5) != 0)
        return reject(a, NULL, VMF_EUNDEF);
    switch (opcode >> 1) {
    case 0: /* byte elements */ break;
    case 1: /* halfword elements */
        if (size & 1u)
            return reject(a, NULL, VMF_EUNDEF);
        break;
    case 2: /* word (size 00) or doubleword (size 01, S = 0) elements */
        if ((size & 2u) || ((size & 1u) && s))
            return reject(a, NULL, VMF_EUNDEF);
        break;
    default: /* replicate */
        if (!l || s)
            return reject(a, NULL, VMF_EUNDEF);
        return reject(a, mn_ldr[selem], VMF_EUNSUPP);
    }
    return reject(a, l ? mn_ld[selem] : mn_st[selem], VMF_EUNSUPP);
}

/* op0<1:0> = 01 with op2 = 1x (bits 29:28 = 01, bit 24 = 1):
 *   size(31:30) 011001 opc(23:22) 0 imm9(20:12) 00 Rn Rt
 *     LDAPR/STLR (unscaled immediate), Armv8.4 RCPC2: STLUR, LDAPUR, LDAPURS*
 *   11 011001 opc(23:22) 1 imm9(20:12) op2(11:10) Rn Rt
 *     Load/store memory tags (Armv8.5 MTE): not modelled */
static int dec_rcpc_tags(vmf_arm64_access *a, uint32_t insn)
{
    uint32_t size = fld(insn, 30, 2), opc = fld(insn, 22, 2), op2 = fld(insn, 10, 2);
    int rc;

    if (bit(insn, 26)) {
        /* Armv8.9 RCPC3 SIMD&FP LDAPUR/STLUR (op2 = 10): not modelled. */
        if (!bit(insn, 21) && op2 == 2 && (opc < 2 || size == 0))
            return reject(a, (opc & 1u) ? "ldapur" : "stlur", VMF_EUNSUPP);
        return reject(a, NULL, VMF_EUNDEF);
    }
    if (bit(insn, 21)) {
        static const char *const mn_tag[4][2] = {
            {"stzgm", "stg"}, {"ldg", "stzg"}, {"stgm", "st2g"}, {"ldgm", "stz2g"}};
        bool imm9_zero = fld(insn, 12, 9) == 0;
        if (size != 3)
            return reject(a, NULL, VMF_EUNDEF);
        if (op2 != 0)
            return reject(a, mn_tag[opc][1], VMF_EUNSUPP);
        if (opc != 1 && !imm9_zero) /* STZGM, STGM, LDGM have imm9 = 0 */
            return reject(a, NULL, VMF_EUNDEF);
        return reject(a, mn_tag[opc][0], VMF_EUNSUPP);
    }
    if (op2 != 0)
        return reject(a, NULL, VMF_EUNDEF);
    rc = gpr_sizeopc(a, size, opc, MN_LDAPUR);
    if (rc != VMF_OK)
        return reject(a, NULL, VMF_EUNDEF);
    a->rt[0] = reg5(insn, 0);
    a->rn = reg5(insn, 5);
    a->imm = sext(fld(insn, 12, 9), 9);
    a->addr_mode = VMF_A64_ADDR_OFFSET;
    a->acqrel = true;
    return finish(a);
}

/* ---- public API ---------------------------------------------------------- */

int vmf_arm64_decode(uint32_t insn, vmf_arm64_access *out)
{
    if (out == NULL)
        return VMF_EINVAL;
    init_out(out, insn);

    /* Top level: op0 (28:25) = x1x0 is the "Loads and Stores" group. */
    if ((insn & 0x0a000000u) != 0x08000000u) {
        /* op0 = 0010 is SVE; its bits 31:29 = 1xx are the SVE memory groups
         * (111: contiguous stores, others: loads, gathers, prefetches).
         * They access memory but are not modelled. */
        if ((insn & 0x9e000000u) == 0x84000000u)
            return reject(out, fld(insn, 29, 3) == 7 ? "sve-st" : "sve-ld", VMF_EUNSUPP);
        return reject(out, NULL, VMF_ENOTMEM);
    }

    /* Inside it: op0 = 31:28, op1 = 26, op2 = 24:23, op3 = 21:16, op4 = 11:10. */
    switch (fld(insn, 28, 2)) {
    case 0: /* xx00 */
        if (bit(insn, 26)) {
            /* 0x00, op1 = 1: Advanced SIMD structures; 1x00 is unallocated. */
            if (bit(insn, 31))
                return reject(out, NULL, VMF_EUNDEF);
            return bit(insn, 24) ? dec_simd_single(out, insn) : dec_simd_multiple(out, insn);
        }
        /* op2 = 0x: exclusive / ordered / CAS; op2 = 1x: unallocated. */
        if (bit(insn, 24))
            return reject(out, NULL, VMF_EUNDEF);
        return dec_exclusive(out, insn);
    case 1: /* xx01: op2 = 0x literal, op2 = 1x RCPC2 / memory tags */
        return bit(insn, 24) ? dec_rcpc_tags(out, insn) : dec_literal(out, insn);
    case 2: /* xx10: register pairs */ return dec_pair(out, insn);
    default: /* xx11: single register */
        if (bit(insn, 24))
            return dec_unsigned_imm(out, insn);
        if (!bit(insn, 21))
            return dec_imm9(out, insn);
        switch (fld(insn, 10, 2)) {
        case 0: return dec_atomic(out, insn);
        case 2: return dec_reg_offset(out, insn);
        default:
            /* Load/store register (pac), Armv8.3 PAuth:
             * size(31:30) 111 V 00 M(23) S(22) 1 imm9 W(11) 1 Rn Rt */
            if (fld(insn, 30, 2) == 3 && !bit(insn, 26))
                return reject(out, bit(insn, 23) ? "ldrab" : "ldraa", VMF_EUNSUPP);
            return reject(out, NULL, VMF_EUNDEF);
        }
    }
}

uint64_t vmf_arm64_address(const vmf_arm64_access *a, uint64_t rn_value, uint64_t rm_value, uint64_t pc,
                           uint64_t *new_base)
{
    uint64_t addr, base = rn_value, index;

    if (a == NULL)
        return 0;
    switch (a->addr_mode) {
    case VMF_A64_ADDR_PRE:
        addr = rn_value + (uint64_t)a->imm;
        base = addr;
        break;
    case VMF_A64_ADDR_POST:
        addr = rn_value;
        base = rn_value + (uint64_t)a->imm;
        break;
    case VMF_A64_ADDR_REG:
        switch (a->extend) {
        case VMF_A64_UXTW: index = rm_value & 0xffffffffu; break;
        case VMF_A64_SXTW:
            index = rm_value & 0xffffffffu;
            if (index & 0x80000000u)
                index |= 0xffffffff00000000u;
            break;
        default: /* LSL (UXTX) and SXTX use all 64 bits */ index = rm_value; break;
        }
        addr = rn_value + (index << (a->shift & 63u));
        break;
    case VMF_A64_ADDR_LITERAL: addr = pc + (uint64_t)a->imm; break;
    case VMF_A64_ADDR_POST_REG:
        addr = rn_value;
        base = rn_value + rm_value;
        break;
    default: /* VMF_A64_ADDR_OFFSET */ addr = rn_value + (uint64_t)a->imm; break;
    }
    /* Without writeback the base is unchanged: report rn_value. */
    if (new_base != NULL)
        *new_base = base;
    return addr;
}

/* ESR_EL2 for a data abort from a lower EL; see the rules at the top. */
static inline uint32_t compute_esr(const vmf_arm64_access *a, uint32_t dfsc)
{
    uint32_t esr = (VMF_A64_EC_DABT_LOW << 26) | (1u << 25) | (dfsc & 0x3fu);
    uint32_t iss;

    /* WnR: writes only; loads and atomics (READ_WRITE) report 0. */
    esr |= (a->access == VMF_ACCESS_WRITE ? 1u : 0u) << 6;
    /* ISS[24:14], only when the instruction syndrome is valid. */
    iss = (1u << 24)                            /* ISV */
          | (uint32_t)(lg2(a->size) & 3u) << 22 /* SAS */
          | (a->sign_extend ? 1u : 0u) << 21    /* SSE */
          | (uint32_t)(a->rt[0] & 31u) << 16    /* SRT */
          | (a->dest64 ? 1u : 0u) << 15         /* SF */
          | (a->acqrel ? 1u : 0u) << 14;        /* AR */
    return esr | (a->isv ? iss : 0u);
}

uint32_t vmf_arm64_esr(const vmf_arm64_access *a, uint32_t dfsc)
{
    if (a == NULL)
        return 0;
    return compute_esr(a, dfsc);
}
