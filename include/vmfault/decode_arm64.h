/* vmfault — AArch64 load/store decoder.
 *
 * Turns one A64 instruction word into the data access a hypervisor would be
 * told about on a stage-2 data abort: size, direction, registers, extension,
 * addressing mode, and the ESR_EL2 syndrome a real CPU reports for it.
 *
 * Pure functions: no Unicorn, no engine, no allocation, no global state.
 * The fast classifier below works on the encoding directly (a few ns per
 * instruction); vmf_arm64_disasm() uses Capstone for human-readable text.
 */
#ifndef VMFAULT_DECODE_ARM64_H
#define VMFAULT_DECODE_ARM64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmfault/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Direction of a data access, as a bit set. */
enum vmf_access_dir {
    VMF_ACCESS_READ = 1,
    VMF_ACCESS_WRITE = 2,
    VMF_ACCESS_READ_WRITE = 3, /* atomics: one instruction reads and writes */
};

/* How the effective address is formed. */
enum vmf_arm64_addr_mode {
    VMF_A64_ADDR_OFFSET = 0,  /* [Xn|SP{, #imm}]  (scaled, unscaled, no writeback) */
    VMF_A64_ADDR_PRE = 1,     /* [Xn|SP, #imm]!   address = Xn + imm, Xn := address */
    VMF_A64_ADDR_POST = 2,    /* [Xn|SP], #imm    address = Xn,       Xn := Xn + imm */
    VMF_A64_ADDR_REG = 3,     /* [Xn|SP, Rm{, extend #amount}] */
    VMF_A64_ADDR_LITERAL = 4, /* PC + imm */
    VMF_A64_ADDR_POST_REG = 5 /* [Xn|SP], Xm  (SIMD structure post-index by register) */
};

/* Extend kinds for VMF_A64_ADDR_REG (the 3-bit "option" field of the encoding). */
enum vmf_arm64_extend {
    VMF_A64_UXTW = 2,
    VMF_A64_LSL = 3, /* UXTX */
    VMF_A64_SXTW = 6,
    VMF_A64_SXTX = 7,
};

#define VMF_A64_MAX_REGS 4
#define VMF_A64_NO_REG 0xff

/* DFSC value put in the syndrome by vmf_arm64_decode: translation fault, level 3. */
#define VMF_A64_DFSC_TRANSLATION_L3 0x07u
/* Exception class of a data abort taken from a lower exception level. */
#define VMF_A64_EC_DABT_LOW 0x24u

typedef struct vmf_arm64_access {
    uint32_t insn;                /* the instruction word */
    const char *mnemonic;         /* static lower-case base mnemonic: "ldr", "ldrsb", "stp", "ldxr", "ld1" ... */
    uint8_t access;               /* enum vmf_access_dir */
    uint8_t size;                 /* bytes per register transferred: 1, 2, 4, 8 or 16 */
    uint8_t nregs;                /* data registers transferred: 1, 2 for pairs, 1-4 for LD1/ST1 */
    uint8_t rt[VMF_A64_MAX_REGS]; /* data registers in transfer order (rt[1] is Rt2 of a pair);
                                     GPR 31 means XZR/WZR; unused slots VMF_A64_NO_REG */
    uint8_t rn;                   /* base register, 31 means SP; VMF_A64_NO_REG for literal loads */
    uint8_t rm;                   /* index register (REG, POST_REG modes; 31 = XZR) or VMF_A64_NO_REG */
    uint8_t rs;                   /* store-exclusive status register (Ws); for LSE atomics and CAS the
                               operand register Rs (CASP: the even register of the pair);
                               else VMF_A64_NO_REG */
    uint8_t addr_mode;            /* enum vmf_arm64_addr_mode */
    uint8_t extend;               /* enum vmf_arm64_extend, REG mode only */
    uint8_t shift;                /* left shift applied to the extended index, REG mode only */
    bool vreg;                    /* data registers are SIMD&FP registers (B/H/S/D/Q views of V) */
    bool sign_extend;             /* load sign-extends the value (LDRS*, LDPSW) */
    bool dest64;                  /* GPR data register is 64-bit (X); false = 32-bit (W) */
    bool acqrel;                  /* acquire or release semantics (LDAR, STLR, LDAXR, ...) */
    bool exclusive;               /* load/store exclusive */
    bool unprivileged;            /* LDTR/STTR family */
    bool writeback;               /* base register is updated (PRE, POST, POST_REG) */
    int64_t imm;                  /* byte offset: OFFSET/PRE/POST/LITERAL (already scaled) */
    uint32_t total;               /* total bytes moved = size * nregs */
    /* Syndrome, as ESR_EL2 reports a stage-2 data abort on this instruction.  */
    bool isv;     /* instruction syndrome valid (single GPR, no writeback,
                               not exclusive, not an atomic read-modify-write,
                               not SIMD&FP, not a pair) */
    uint32_t esr; /* full ESR_EL2: EC=0x24, IL=1, ISS incl. DFSC = translation L3.
                               When isv is false ISS[23:14] are zero (RES0). */
} vmf_arm64_access;

/* Decode one instruction word.
 * Returns 0 and fills *out for every load/store that accesses data memory,
 * VMF_ENOTMEM for an instruction that is not a data access (data processing,
 * branches, system instructions, PRFM and other hints), VMF_EUNDEF for
 * unallocated encodings of the load/store group, VMF_EUNSUPP for load/store
 * encodings vmfault does not model (out->mnemonic then names the class),
 * VMF_EINVAL for out == NULL.  On any non-zero return *out is zeroed apart
 * from insn and mnemonic. */
int vmf_arm64_decode(uint32_t insn, vmf_arm64_access *out);

/* The effective address of the access.  *new_base (when not NULL) is always
 * written: the updated base for writeback forms, rn_value otherwise.
 * rn_value is the base register (SP when rn == 31), rm_value the index
 * register (0 for XZR), pc the instruction's address.  Wraps modulo 2^64. */
uint64_t vmf_arm64_address(const vmf_arm64_access *a, uint64_t rn_value, uint64_t rm_value, uint64_t pc,
                           uint64_t *new_base);

/* The ESR_EL2 value for this access with a caller-chosen DFSC (low 6 bits). */
uint32_t vmf_arm64_esr(const vmf_arm64_access *a, uint32_t dfsc);

/* Capstone disassembly "ldr w1, [x0, #4]" into buf (NUL-terminated, truncated
 * to len).  Returns 0, VMF_EUNDEF if Capstone does not know the encoding,
 * VMF_EINVAL for bad arguments, VMF_ENOMEM/VMF_EUNSUPP if Capstone cannot
 * be opened.  Thread-safe and stateless: it opens a
 * Capstone handle per call, so keep it off hot paths. */
int vmf_arm64_disasm(uint32_t insn, uint64_t pc, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
