/* vmfault — x86-64 memory-operand decoder (on Zydis).
 *
 * Turns the bytes of one 64-bit-mode instruction into the data access(es) a
 * hypervisor must emulate on an EPT violation: size, direction, the register
 * or immediate operand, extension, the address expression, string/REP
 * behaviour, prefixes, and a bhyve `vie`-shaped operation class.
 *
 * Pure functions: no Unicorn, no engine, no global mutable state.  The Zydis
 * decoder object is created on the caller's stack per call (Zydis decoders are
 * plain structs); no allocation.
 */
#ifndef VMFAULT_DECODE_X86_H
#define VMFAULT_DECODE_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmfault/decode_arm64.h" /* enum vmf_access_dir */
#include "vmfault/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Registers: general purpose by their encoding number, then the rest. */
enum vmf_x86_reg {
    VMF_X86_RAX = 0, /* RAX RCX RDX RBX RSP RBP RSI RDI R8..R15 = 0..15 */
    VMF_X86_RIP = 16,
    VMF_X86_RFLAGS = 17,
    VMF_X86_XMM0 = 32, /* XMM0..XMM15 = 32..47 (YMM: same numbers, size 32) */
    VMF_X86_NO_REG = 0xff,
};

/* bhyve's instruction-emulation classes (vie op types), as far as they apply. */
enum vmf_x86_op {
    VMF_X86_OP_NONE = 0,
    VMF_X86_OP_MOV,   /* MOV, MOV moffs, MOVNTI, MOVD/MOVQ, MOVDQA/MOVDQU/MOVAPS/MOVUPS... */
    VMF_X86_OP_MOVSX, /* MOVSX, MOVSXD */
    VMF_X86_OP_MOVZX,
    VMF_X86_OP_ALU, /* ADD OR ADC SBB AND SUB XOR CMP (register/immediate with memory) */
    VMF_X86_OP_TEST,
    VMF_X86_OP_UNARY,   /* INC DEC NEG NOT */
    VMF_X86_OP_SHIFT,   /* ROL ROR RCL RCR SHL SHR SAR SHLD SHRD */
    VMF_X86_OP_BITTEST, /* BT BTS BTR BTC.  With a register bit offset the operand is a bit
                           string: mem[0] is its start, and the CPU touches `size` bytes at
                           mem[0] + size * (offset >> log2(8 * size)), the offset signed */
    VMF_X86_OP_XCHG,    /* XCHG, CMPXCHG, XADD (and CMPXCHG8B/16B) */
    VMF_X86_OP_PUSH,    /* PUSH m / PUSH to an MMIO stack */
    VMF_X86_OP_POP,
    VMF_X86_OP_MOVS, /* MOVS (two memory operands) */
    VMF_X86_OP_STOS,
    VMF_X86_OP_LODS,
    VMF_X86_OP_CMPS, /* two memory operands */
    VMF_X86_OP_SCAS,
    VMF_X86_OP_OTHER, /* a memory operand vmfault recognises but does not emulate */
    /* Added with decoders/x86.c (appended, so the values above are unchanged): */
    VMF_X86_OP_SETCC,  /* SETcc m8: writes 0 or 1 according to `cc` */
    VMF_X86_OP_CMOVCC, /* CMOVcc r, m: the memory source is read whatever `cc` says */
};

/* The exact operation inside an op class (vmf_x86_access.subop); NONE for the
 * classes that need none (MOV, MOVSX, MOVZX, TEST, PUSH, POP, string ops,
 * SETCC, CMOVCC, OTHER).  ALU values follow the x86 /digit order of opcodes
 * 80-83 (ADD=/0 ... CMP=/7), shift values the /digit order of C0-D3. */
enum vmf_x86_subop {
    VMF_X86_SUB_NONE = 0,
    /* VMF_X86_OP_ALU */
    VMF_X86_ADD = 1,
    VMF_X86_OR,
    VMF_X86_ADC,
    VMF_X86_SBB,
    VMF_X86_AND,
    VMF_X86_SUB,
    VMF_X86_XOR,
    VMF_X86_CMP,
    /* VMF_X86_OP_UNARY */
    VMF_X86_INC = 16,
    VMF_X86_DEC,
    VMF_X86_NOT,
    VMF_X86_NEG,
    /* VMF_X86_OP_SHIFT (SAL decodes as SHL) */
    VMF_X86_ROL = 32,
    VMF_X86_ROR,
    VMF_X86_RCL,
    VMF_X86_RCR,
    VMF_X86_SHL,
    VMF_X86_SHR,
    VMF_X86_SAR,
    VMF_X86_SHLD,
    VMF_X86_SHRD,
    /* VMF_X86_OP_BITTEST */
    VMF_X86_BT = 48,
    VMF_X86_BTS,
    VMF_X86_BTR,
    VMF_X86_BTC,
    /* VMF_X86_OP_XCHG */
    VMF_X86_XCHG = 64,
    VMF_X86_CMPXCHG,
    VMF_X86_CMPXCHG8B,
    VMF_X86_CMPXCHG16B,
    VMF_X86_XADD,
};

/* vmf_x86_access.cc when the instruction has no condition. */
#define VMF_X86_CC_NONE 0xffu

/* vmf_x86_mem.segment values.  They are Zydis 4's ZydisRegister numbers, as
 * the field's comment says (decoders/x86.c checks this at compile time).  In
 * 64-bit mode only FS and GS overrides change the address (Zydis ignores
 * CS/SS/DS/ES prefixes there), so only these two are ever reported. */
enum vmf_x86_segment {
    VMF_X86_SEG_NONE = 0,
    VMF_X86_SEG_FS = 202,
    VMF_X86_SEG_GS = 203,
};

/* Bits of vmf_x86_access.prefixes: Zydis's ZYDIS_ATTRIB_HAS_* prefix
 * attributes (bits 27..44 of its 64-bit attribute word), shifted down by 27
 * so that they fit 32 bits.  Zydis sets a bit only for a prefix the
 * instruction accepts and that takes effect (e.g. F3 on MOVS is REP, on CMPS
 * REPE; a CS/DS/ES/SS override in 64-bit mode sets nothing). */
enum vmf_x86_prefix {
    VMF_X86_PFX_LOCK = 1u << 0,
    VMF_X86_PFX_REP = 1u << 1,
    VMF_X86_PFX_REPE = 1u << 2,
    VMF_X86_PFX_REPNE = 1u << 3,
    VMF_X86_PFX_BND = 1u << 4,
    VMF_X86_PFX_XACQUIRE = 1u << 5,
    VMF_X86_PFX_XRELEASE = 1u << 6,
    VMF_X86_PFX_BRANCH_NOT_TAKEN = 1u << 7,
    VMF_X86_PFX_BRANCH_TAKEN = 1u << 8,
    VMF_X86_PFX_NOTRACK = 1u << 9,
    VMF_X86_PFX_CS = 1u << 10,
    VMF_X86_PFX_SS = 1u << 11,
    VMF_X86_PFX_DS = 1u << 12,
    VMF_X86_PFX_ES = 1u << 13,
    VMF_X86_PFX_FS = 1u << 14,
    VMF_X86_PFX_GS = 1u << 15,
    VMF_X86_PFX_OPSIZE = 1u << 16,   /* 0x66 acting as operand-size override */
    VMF_X86_PFX_ADDRSIZE = 1u << 17, /* 0x67 */
};

typedef struct vmf_x86_mem {
    uint8_t base, index; /* vmf_x86_reg or VMF_X86_NO_REG; base VMF_X86_RIP for RIP-relative */
    uint8_t scale;       /* 1, 2, 4, 8 */
    uint8_t segment;     /* 0 none/DS-default, else the Zydis segment register (FS/GS matter in 64-bit mode) */
    int64_t disp;
    uint8_t addr_size; /* 8 (default) or 4 (0x67 prefix) */
    uint8_t access;    /* added: enum vmf_access_dir of this operand (MOVS: mem[0] READ,
                             mem[1] WRITE; CMPS: both READ) */
} vmf_x86_mem;

typedef struct vmf_x86_access {
    uint8_t length;    /* instruction bytes */
    char mnemonic[24]; /* lower-case, as Zydis spells it ("mov", "movzx", "cmpxchg") */
    uint8_t op;        /* enum vmf_x86_op */
    uint8_t access;    /* enum vmf_access_dir for the (first) memory operand */
    uint8_t size;      /* bytes of each memory access: 1 2 4 8 16 32 (unsupported forms may
                                report 64, e.g. CLFLUSH, or 0, e.g. FXSAVE) */
    uint8_t nmem;      /* memory operands: 1, or 2 (source then destination) for MOVS/CMPS,
                                PUSH m / POP m (with the stack slot) and some unsupported forms */
    vmf_x86_mem mem[2];
    uint8_t reg;      /* the register operand (source or destination) or VMF_X86_NO_REG */
    uint8_t reg_size; /* its width in bytes */
    bool reg_high8;   /* AH, CH, DH or BH */
    bool has_imm;
    int64_t imm;                   /* sign-extended to 64 bits as the instruction uses it */
    bool sign_extend, zero_extend; /* register destination filled from a narrower memory value */
    bool string;                   /* MOVS/STOS/LODS/CMPS/SCAS */
    bool rep, repne;               /* REP/REPE, REPNE prefixes on a string instruction */
    bool lock;
    bool writes_flags; /* the instruction updates RFLAGS */
    uint32_t prefixes; /* enum vmf_x86_prefix bits (Zydis's prefix attributes, shifted down by 27) */
    /* Added with decoders/x86.c: */
    uint8_t subop;  /* enum vmf_x86_subop: which ALU/unary/shift/bit/exchange operation */
    uint8_t cc;     /* SETcc/CMOVcc condition, the tttn field of the opcode (0 O, 1 NO,
                                2 B, 3 NB, 4 Z, 5 NZ, 6 BE, 7 NBE, 8 S, 9 NS, A P, B NP, C L,
                                D NL, E LE, F NLE); VMF_X86_CC_NONE otherwise */
    bool mem_first; /* the memory operand is the first operand in Intel order (the
                                destination position): "cmp [m], r" true, "cmp r, [m]" false;
                                false when all memory operands are implicit (string ops,
                                PUSH/POP of a register or immediate, PUSHF/POPF) */
} vmf_x86_access;

/* Decode one instruction (64-bit mode) from up to `len` bytes.
 * 0 and *out for instructions with a memory operand vmfault models;
 * VMF_ENOTMEM for valid instructions without a data memory operand (including
 * LEA, NOP with ModRM, prefetches); VMF_EUNSUPP for memory instructions not
 * modelled (out->mnemonic names them; op = VMF_X86_OP_OTHER); VMF_EUNDEF for
 * bytes Zydis cannot decode (or too few bytes); VMF_EINVAL for NULL. */
int vmf_x86_decode(const uint8_t *bytes, size_t len, vmf_x86_access *out);

/* Names (decoders/x86_names.c): a register at a width in bytes (1 2 4 8; XMM
 * at 16, YMM at 32; "ah".."bh" with high8; "rip"), NULL for VMF_X86_NO_REG
 * or an unknown number; an op class ("alu", "?" if unknown); a sub-operation
 * ("cmpxchg", NULL for VMF_X86_SUB_NONE). */
const char *vmf_x86_reg_text(unsigned reg, unsigned size, bool high8);
const char *vmf_x86_op_name(unsigned op);
const char *vmf_x86_subop_name(unsigned subop);

/* Intel-syntax text ("mov dword ptr [rax+0x4], ecx") for `rip`. */
int vmf_x86_disasm(const uint8_t *bytes, size_t len, uint64_t rip, char *buf, size_t buflen);

#ifdef __cplusplus
}
#endif

#endif
