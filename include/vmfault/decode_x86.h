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
    VMF_X86_OP_MOV,      /* MOV, MOV moffs, MOVNTI, MOVD/MOVQ, MOVDQA/MOVDQU/MOVAPS/MOVUPS... */
    VMF_X86_OP_MOVSX,    /* MOVSX, MOVSXD */
    VMF_X86_OP_MOVZX,
    VMF_X86_OP_ALU,      /* ADD OR ADC SBB AND SUB XOR CMP (register/immediate with memory) */
    VMF_X86_OP_TEST,
    VMF_X86_OP_UNARY,    /* INC DEC NEG NOT */
    VMF_X86_OP_SHIFT,    /* ROL ROR RCL RCR SHL SHR SAR SHLD SHRD */
    VMF_X86_OP_BITTEST,  /* BT BTS BTR BTC */
    VMF_X86_OP_XCHG,     /* XCHG, CMPXCHG, XADD (and CMPXCHG8B/16B) */
    VMF_X86_OP_PUSH,     /* PUSH m / PUSH to an MMIO stack */
    VMF_X86_OP_POP,
    VMF_X86_OP_MOVS,     /* MOVS (two memory operands) */
    VMF_X86_OP_STOS,
    VMF_X86_OP_LODS,
    VMF_X86_OP_CMPS,     /* two memory operands */
    VMF_X86_OP_SCAS,
    VMF_X86_OP_OTHER,    /* a memory operand vmfault recognises but does not emulate */
};

typedef struct vmf_x86_mem {
    uint8_t base, index;  /* vmf_x86_reg or VMF_X86_NO_REG; base VMF_X86_RIP for RIP-relative */
    uint8_t scale;        /* 1, 2, 4, 8 */
    uint8_t segment;      /* 0 none/DS-default, else the Zydis segment register (FS/GS matter in 64-bit mode) */
    int64_t disp;
    uint8_t addr_size;    /* 8 (default) or 4 (0x67 prefix) */
} vmf_x86_mem;

typedef struct vmf_x86_access {
    uint8_t length;          /* instruction bytes */
    char mnemonic[24];       /* lower-case, as Zydis spells it ("mov", "movzx", "cmpxchg") */
    uint8_t op;              /* enum vmf_x86_op */
    uint8_t access;          /* enum vmf_access_dir for the (first) memory operand */
    uint8_t size;            /* bytes of each memory access: 1 2 4 8 16 32 */
    uint8_t nmem;            /* memory operands: 1, or 2 for MOVS/CMPS (source then destination) */
    vmf_x86_mem mem[2];
    uint8_t reg;             /* the register operand (source or destination) or VMF_X86_NO_REG */
    uint8_t reg_size;        /* its width in bytes */
    bool reg_high8;          /* AH, CH, DH or BH */
    bool has_imm;
    int64_t imm;             /* sign-extended to 64 bits as the instruction uses it */
    bool sign_extend, zero_extend; /* register destination filled from a narrower memory value */
    bool string;             /* MOVS/STOS/LODS/CMPS/SCAS */
    bool rep, repne;         /* REP/REPE, REPNE prefixes on a string instruction */
    bool lock;
    bool writes_flags;       /* the instruction updates RFLAGS */
    uint32_t prefixes;       /* raw legacy-prefix bits as Zydis reports them (attributes) */
} vmf_x86_access;

/* Decode one instruction (64-bit mode) from up to `len` bytes.
 * 0 and *out for instructions with a memory operand vmfault models;
 * VMF_ENOTMEM for valid instructions without a data memory operand (including
 * LEA, NOP with ModRM, prefetches); VMF_EUNSUPP for memory instructions not
 * modelled (out->mnemonic names them; op = VMF_X86_OP_OTHER); VMF_EUNDEF for
 * bytes Zydis cannot decode (or too few bytes); VMF_EINVAL for NULL. */
int vmf_x86_decode(const uint8_t *bytes, size_t len, vmf_x86_access *out);

/* Intel-syntax text ("mov dword ptr [rax+0x4], ecx") for `rip`. */
int vmf_x86_disasm(const uint8_t *bytes, size_t len, uint64_t rip, char *buf, size_t buflen);

#ifdef __cplusplus
}
#endif

#endif
