/* vmfault — x86-64 memory-operand decoder, on Zydis 4.
 *
 * vmf_x86_decode() takes the bytes of one 64-bit-mode instruction and
 * describes the data access(es) it makes, the way a hypervisor must emulate
 * them after an EPT violation on an emulated device (bhyve's
 * vmm_instruction_emul.c, Xen's x86_emulate.c).  Unlike the AArch64 decoder
 * beside it (decoders/arm64.c: a switch tree on encoding fields, because A64
 * has a fixed-width, regular load/store group), the x86 side leaves the
 * variable-length decode — prefixes, REX/VEX, ModRM/SIB, displacement and
 * immediate widths — to Zydis (ZydisDecoderDecodeFull: ~200 ns, a 20-byte
 * decoder on the caller's stack per call, no allocation, no global state) and
 * adds on top what an emulator needs and Zydis does not say directly: the
 * bhyve-style operation class and exact sub-operation, the direction of each
 * memory access by the Intel SDM rules of each class, the register and
 * immediate as the instruction uses them, extension, string/REP behaviour,
 * and the implicit stack access of PUSH and POP.
 *
 * Coverage (status 0).  "m" is a memory operand, r a general register of
 * 8/16/32/64 bits (AH/CH/DH/BH included), x an XMM, y a YMM register.
 *
 *   op MOV       MOV m,r  MOV r,m  (88 89 8A 8B)
 *                MOV m,imm  (C6 /0 ib, C7 /0 iw/id; REX.W: imm32 sign-extended)
 *                MOV moffs forms  (A0 A1 A2 A3, 64-bit absolute address; 0x67: 32-bit)
 *                MOVNTI m32/m64, r
 *                MOVD x,m32  MOVD m32,x  MOVQ x,m64 (F3 0F 7E, 66 REX.W 0F 6E)
 *                MOVQ m64,x (66 0F D6, 66 REX.W 0F 7E)
 *                MOVDQA MOVDQU MOVAPS MOVUPS MOVAPD MOVUPD  x,m128 / m128,x
 *                MOVSS x,m32 / m32,x   MOVSD x,m64 / m64,x   (SSE scalar moves)
 *                MOVNTDQ MOVNTPS MOVNTPD m128,x   MOVNTDQA x,m128
 *                VEX: VMOVD VMOVQ VMOVSS VMOVSD (x forms)
 *                     VMOVDQA VMOVDQU VMOVAPS VMOVUPS VMOVAPD VMOVUPD (x and y)
 *                     VMOVNTDQ VMOVNTPS VMOVNTPD m,x|y   VMOVNTDQA x|y,m
 *   op MOVZX     MOVZX r16/32/64, m8   MOVZX r16/32/64, m16
 *   op MOVSX     MOVSX r16/32/64, m8   MOVSX r16/32/64, m16
 *                MOVSXD r64, m32 (REX.W 63)   MOVSXD r32, m32 (63 without REX.W)
 *   op ALU       ADD OR ADC SBB AND SUB XOR CMP:
 *                  m,r (00 01 08 09 ... 38 39)   r,m (02 03 ... 3A 3B)
 *                  m,imm8 / m,imm16/32 / m,imm8 sign-extended (80 81 83 /0-/7)
 *   op TEST      TEST m,r (84 85)  TEST m,imm (F6 /0 ib, F7 /0 iw/id; and the /1 alias)
 *   op UNARY     INC DEC (FE FF /0 /1)  NOT NEG (F6 F7 /2 /3)
 *   op SHIFT     ROL ROR RCL RCR SHL(=SAL) SHR SAR  m,1 (D0 D1)  m,CL (D2 D3)  m,imm8 (C0 C1)
 *                SHLD SHRD  m,r,imm8 (0F A4 / 0F AC)  m,r,CL (0F A5 / 0F AD)
 *   op BITTEST   BT BTS BTR BTC  m,r (0F A3 AB B3 BB)  m,imm8 (0F BA /4-/7)
 *   op XCHG      XCHG m,r (86 87)  CMPXCHG m,r (0F B0 B1)  XADD m,r (0F C0 C1)
 *                CMPXCHG8B m64 (0F C7 /1)  CMPXCHG16B m128 (REX.W 0F C7 /1)
 *   op PUSH      PUSH m (FF /6)  PUSH r (50+r)  PUSH imm8/imm16/imm32 (6A 68)
 *                PUSHF/PUSHFQ (9C)
 *   op POP       POP m (8F /0)  POP r (58+r)  POPF/POPFQ (9D)
 *   op MOVS      MOVSB MOVSW MOVSD MOVSQ, with and without REP (also REPNE)
 *   op STOS      STOSB/W/D/Q, with and without REP
 *   op LODS      LODSB/W/D/Q, with and without REP
 *   op CMPS      CMPSB/W/D/Q, with and without REPE/REPNE
 *   op SCAS      SCASB/W/D/Q, with and without REPE/REPNE
 *   op SETCC     SETcc m8, all 16 conditions (0F 90-9F)
 *   op CMOVCC    CMOVcc r16/32/64, m, all 16 conditions (0F 40-4F)
 *   Every form above takes any ModRM/SIB address (base, index, scale,
 *   disp8/disp32, RIP-relative), REX.R/X/B registers, 0x66 and REX.W sizes,
 *   0x67 address size, FS/GS overrides, and LOCK where the SDM allows it.
 *
 * VMF_ENOTMEM (valid, no data access): instructions without a memory operand
 * (MOV r,r, JMP rel, MOVD x,r32, ...), LEA (an address-generation operand),
 * NOP r/m (0F 1F, and the reserved-NOP hint space 0F 18-1E wherever Zydis
 * decodes it as NOP: 0F 18 /4-/7, 0F 19-1B, 0F 1C /1-/7, 0F 1D, 0F 1E), and
 * PREFETCH/PREFETCHW/PREFETCHNTA/PREFETCHT0-T2/PREFETCHWT1 (0F 18 /0-/3,
 * 0F 0D).  0F 1C /0 is CLDEMOTE (VMF_EUNSUPP).
 * VMF_EUNDEF: bytes Zydis rejects (unallocated opcodes, LOCK where it is not
 * allowed, too long, truncated) and UD0/UD1/UD2, which are defined only to
 * raise #UD (Zydis decodes them, UD0/UD1 even with a ModRM memory operand).
 * VMF_EUNSUPP, op OTHER: every other instruction with a memory operand —
 * explicit (MOVBE, IMUL/MUL/DIV, MOV m,Sreg, MMX MOVD/MOVQ, EVEX moves,
 * MOVSXD with 0x66 (the SDM lists "MOVSXD r16, r/m16", Zydis 4 decodes a
 * 32-bit memory operand: the width is in doubt, so it is not emulated),
 * MOVLPS/MOVHPS..., x87, FXSAVE/XSAVE, CLFLUSH, CLDEMOTE, gathers...) or
 * implicit (CALL, RET, ENTER, LEAVE, IRET, XLAT, PUSH FS...).  The mnemonic,
 * length, lock/prefixes and, best effort, the memory operand(s) with Zydis's
 * own read/write actions are filled in; size is 0 for operands over 255 bytes.
 *
 * Choices and conventions (beyond the header):
 *
 * - Registers: reg and mem bases/indexes name the 64-bit register that holds
 *   the value (RAX=0 ... R15=15); AH/CH/DH/BH are RAX..RBX with reg_high8.
 *   XMMn and YMMn are VMF_X86_XMM0+n; XMM16-31/ZMM/MMX/segment/control
 *   registers make an instruction unsupported.
 * - reg_size is the width of the register as the instruction uses it: the
 *   width read for a source, the width written for a destination.  In 64-bit
 *   mode a 32-bit GPR destination also clears bits 63:32 (the usual rule, not
 *   flagged).  zero_extend says the destination bits from size*8 up to
 *   reg_size*8 are cleared: MOVZX; MOVD/MOVQ/MOVSS/MOVSD loads into an XMM
 *   (reg_size 16); and every VEX load into an XMM, which also clears the upper
 *   half of the YMM, so its reg_size is 32 (AVX-512's bits above 255 are not
 *   modelled).  Legacy-SSE 128-bit loads keep bits 255:128: reg_size 16.
 * - imm is sign-extended from its encoded width, which equals sign-extending
 *   the operand-size value the CPU uses ("add dword [m], 0x80" via 83 /0 is
 *   -128, via 81 /0 is 128; "mov word [m], 0xffff" is -1).  Shift and rotate
 *   counts and BT bit offsets are unsigned imm8 (0..255; the CPU masks them).
 *   The by-1 shifts (D0 D1) report has_imm with imm 1.  A shift without an
 *   immediate counts by CL: for ROL..SAR reg is then RCX with reg_size 1; for
 *   SHLD/SHRD reg is the source register and CL is implicit.
 * - Implicit registers are not in reg: CMPXCHG's accumulator (RAX of the
 *   operand size), CMPXCHG8B/16B's RDX:RAX and RCX:RBX (reg NO_REG), the
 *   string instructions' RSI/RDI/RCX.  STOS/LODS/SCAS report reg RAX
 *   (source, destination, comparand) with reg_size = size.
 * - lock is true for a LOCK prefix and for XCHG with memory, which the CPU
 *   always locks; prefixes keeps the raw prefix bits (VMF_X86_PFX_*).
 * - Addresses: base VMF_X86_RIP is RIP-relative, and disp is then relative
 *   to the address of the NEXT instruction (as Zydis and the SDM report it:
 *   target = rip + length + disp).  moffs forms have no base and the absolute
 *   address in disp (two's complement).  scale is 1 when there is no index.
 *   segment is VMF_X86_SEG_FS/GS for an FS/GS override, else 0; the implicit
 *   SS of RSP/RBP bases and the fixed ES of [RDI] string operands are 0
 *   (their base is 0 in 64-bit mode).
 * - Two memory operands (nmem 2) are always source then destination:
 *   MOVS [RSI] -> [RDI]; CMPS [RSI] vs [RDI] (SRC1 - SRC2, both READ);
 *   PUSH m: [m] -> stack; POP m: stack -> [m].  access is mem[0]'s.
 * - The stack operand of PUSH/POP is base RSP, disp -size for PUSH (the slot
 *   below the current RSP) and 0 for POP, addr_size 8 (the stack is always
 *   64-bit in long mode, whatever 0x67 says).  For PUSH m with an RSP base the
 *   CPU computes the source address before decrementing RSP; for POP m after
 *   incrementing it (SDM): the expression in mem[] is as encoded.
 * - BT/BTS/BTR/BTC with a register bit offset address a bit string: the
 *   offset is signed and not masked, and the CPU touches `size` bytes at
 *   [m] + size * (offset >> log2(8 * size)) (arithmetic shift; SDM BT,
 *   "Effective Address + (4 * (BitOffset DIV 32))").  mem[0] is the encoded
 *   [m], the start of the string; the immediate forms stay inside [m].
 * - MOVS/STOS/LODS with F2 (REPNE): Zydis reports REPNE and so does repne.
 *   The SDM leaves F2 on them reserved; QEMU (under Unicorn) repeats them
 *   exactly as with F3.  An engine should treat rep || repne as "repeated"
 *   and test ZF only for CMPS/SCAS.
 * - CMOVcc always reads its memory source (and, with a 32-bit destination,
 *   always clears bits 63:32), whatever the condition.  CMPXCHG writes its
 *   destination in both outcomes (the old value when the comparison fails),
 *   so it is READ_WRITE.  Shifts by a count of 0 still count as READ_WRITE.
 * - writes_flags comes from Zydis's per-instruction flag table (modified,
 *   set to 0/1, or left undefined): NOT, MOV, XCHG, SETcc, CMOVcc, PUSH,
 *   PUSHF, string moves do not write RFLAGS; POPF does.
 * - MPX is switched off in the Zydis decoder: 0F 1A/0F 1B are the reserved
 *   NOPs they are on every current CPU (VMF_ENOTMEM), not BNDLDX/BNDSTX.
 */
#include "vmfault/decode_x86.h"

#include <string.h>

#include <Zydis/Zydis.h>

#define NR VMF_X86_NO_REG
#define RSP 4 /* vmf_x86_reg number of RSP */

/* The header fixes these values as Zydis's; check that they still are. */
_Static_assert((int)VMF_X86_SEG_FS == (int)ZYDIS_REGISTER_FS, "FS is Zydis's FS");
_Static_assert((int)VMF_X86_SEG_GS == (int)ZYDIS_REGISTER_GS, "GS is Zydis's GS");
#define PFX_SHIFT 27
#define PFX_MASK 0x3ffffull
_Static_assert(VMF_X86_PFX_LOCK == ZYDIS_ATTRIB_HAS_LOCK >> PFX_SHIFT, "prefix bits");
_Static_assert(VMF_X86_PFX_REP == ZYDIS_ATTRIB_HAS_REP >> PFX_SHIFT, "prefix bits");
_Static_assert(VMF_X86_PFX_REPE == ZYDIS_ATTRIB_HAS_REPE >> PFX_SHIFT, "prefix bits");
_Static_assert(VMF_X86_PFX_REPNE == ZYDIS_ATTRIB_HAS_REPNE >> PFX_SHIFT, "prefix bits");
_Static_assert(VMF_X86_PFX_BND == ZYDIS_ATTRIB_HAS_BND >> PFX_SHIFT, "prefix bits");
_Static_assert(VMF_X86_PFX_XACQUIRE == ZYDIS_ATTRIB_HAS_XACQUIRE >> PFX_SHIFT, "prefix bits");
_Static_assert(VMF_X86_PFX_XRELEASE == ZYDIS_ATTRIB_HAS_XRELEASE >> PFX_SHIFT, "prefix bits");
_Static_assert(VMF_X86_PFX_BRANCH_NOT_TAKEN == ZYDIS_ATTRIB_HAS_BRANCH_NOT_TAKEN >> PFX_SHIFT, "prefix bits");
_Static_assert(VMF_X86_PFX_BRANCH_TAKEN == ZYDIS_ATTRIB_HAS_BRANCH_TAKEN >> PFX_SHIFT, "prefix bits");
_Static_assert(VMF_X86_PFX_NOTRACK == ZYDIS_ATTRIB_HAS_NOTRACK >> PFX_SHIFT, "prefix bits");
_Static_assert(VMF_X86_PFX_CS == ZYDIS_ATTRIB_HAS_SEGMENT_CS >> PFX_SHIFT, "prefix bits");
_Static_assert(VMF_X86_PFX_SS == ZYDIS_ATTRIB_HAS_SEGMENT_SS >> PFX_SHIFT, "prefix bits");
_Static_assert(VMF_X86_PFX_DS == ZYDIS_ATTRIB_HAS_SEGMENT_DS >> PFX_SHIFT, "prefix bits");
_Static_assert(VMF_X86_PFX_ES == ZYDIS_ATTRIB_HAS_SEGMENT_ES >> PFX_SHIFT, "prefix bits");
_Static_assert(VMF_X86_PFX_FS == ZYDIS_ATTRIB_HAS_SEGMENT_FS >> PFX_SHIFT, "prefix bits");
_Static_assert(VMF_X86_PFX_GS == ZYDIS_ATTRIB_HAS_SEGMENT_GS >> PFX_SHIFT, "prefix bits");
_Static_assert(VMF_X86_PFX_OPSIZE == ZYDIS_ATTRIB_HAS_OPERANDSIZE >> PFX_SHIFT, "prefix bits");
_Static_assert(VMF_X86_PFX_ADDRSIZE == ZYDIS_ATTRIB_HAS_ADDRESSSIZE >> PFX_SHIFT, "prefix bits");

/* ---- classification ------------------------------------------------------ */

/* How the fields are filled in, per class of instruction. */
enum kind {
    K_MOV,  /* MOV, MOVNTI: GPR or immediate with one memory operand */
    K_VMOV, /* SSE/AVX moves between an XMM/YMM register and memory */
    K_MOVX, /* MOVZX, MOVSX, MOVSXD */
    K_ALU,  /* ADD ... CMP */
    K_TEST,
    K_UNARY,
    K_SHIFT,
    K_BIT,
    K_XCHG,
    K_PUSH,
    K_POP,
    K_STRING,
    K_SETCC,
    K_CMOVCC,
};

struct cls {
    uint8_t kind, op, subop;
};

static bool cls_set(struct cls *c, enum kind k, enum vmf_x86_op op, enum vmf_x86_subop sub)
{
    c->kind = (uint8_t)k;
    c->op = (uint8_t)op;
    c->subop = (uint8_t)sub;
    return true;
}

/* Map a Zydis instruction to its class; false for "not modelled". */
static bool classify(const ZydisDecodedInstruction *in, struct cls *c)
{
    const bool legacy_map = in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT;

    switch (in->mnemonic) {
    case ZYDIS_MNEMONIC_MOV:
    case ZYDIS_MNEMONIC_MOVNTI: return cls_set(c, K_MOV, VMF_X86_OP_MOV, VMF_X86_SUB_NONE);

    case ZYDIS_MNEMONIC_MOVSD: /* A5 is the string move, F2 0F 10/11 the SSE scalar move */
        if (legacy_map)
            return cls_set(c, K_STRING, VMF_X86_OP_MOVS, VMF_X86_SUB_NONE);
        return cls_set(c, K_VMOV, VMF_X86_OP_MOV, VMF_X86_SUB_NONE);
    case ZYDIS_MNEMONIC_MOVD:
    case ZYDIS_MNEMONIC_MOVQ:
    case ZYDIS_MNEMONIC_MOVDQA:
    case ZYDIS_MNEMONIC_MOVDQU:
    case ZYDIS_MNEMONIC_MOVAPS:
    case ZYDIS_MNEMONIC_MOVUPS:
    case ZYDIS_MNEMONIC_MOVAPD:
    case ZYDIS_MNEMONIC_MOVUPD:
    case ZYDIS_MNEMONIC_MOVSS:
    case ZYDIS_MNEMONIC_MOVNTDQ:
    case ZYDIS_MNEMONIC_MOVNTDQA:
    case ZYDIS_MNEMONIC_MOVNTPS:
    case ZYDIS_MNEMONIC_MOVNTPD:
    case ZYDIS_MNEMONIC_VMOVD:
    case ZYDIS_MNEMONIC_VMOVQ:
    case ZYDIS_MNEMONIC_VMOVSS:
    case ZYDIS_MNEMONIC_VMOVSD:
    case ZYDIS_MNEMONIC_VMOVDQA:
    case ZYDIS_MNEMONIC_VMOVDQU:
    case ZYDIS_MNEMONIC_VMOVAPS:
    case ZYDIS_MNEMONIC_VMOVUPS:
    case ZYDIS_MNEMONIC_VMOVAPD:
    case ZYDIS_MNEMONIC_VMOVUPD:
    case ZYDIS_MNEMONIC_VMOVNTDQ:
    case ZYDIS_MNEMONIC_VMOVNTDQA:
    case ZYDIS_MNEMONIC_VMOVNTPS:
    case ZYDIS_MNEMONIC_VMOVNTPD: return cls_set(c, K_VMOV, VMF_X86_OP_MOV, VMF_X86_SUB_NONE);

    case ZYDIS_MNEMONIC_MOVZX: return cls_set(c, K_MOVX, VMF_X86_OP_MOVZX, VMF_X86_SUB_NONE);
    case ZYDIS_MNEMONIC_MOVSX:
    case ZYDIS_MNEMONIC_MOVSXD: return cls_set(c, K_MOVX, VMF_X86_OP_MOVSX, VMF_X86_SUB_NONE);

    case ZYDIS_MNEMONIC_ADD: return cls_set(c, K_ALU, VMF_X86_OP_ALU, VMF_X86_ADD);
    case ZYDIS_MNEMONIC_OR: return cls_set(c, K_ALU, VMF_X86_OP_ALU, VMF_X86_OR);
    case ZYDIS_MNEMONIC_ADC: return cls_set(c, K_ALU, VMF_X86_OP_ALU, VMF_X86_ADC);
    case ZYDIS_MNEMONIC_SBB: return cls_set(c, K_ALU, VMF_X86_OP_ALU, VMF_X86_SBB);
    case ZYDIS_MNEMONIC_AND: return cls_set(c, K_ALU, VMF_X86_OP_ALU, VMF_X86_AND);
    case ZYDIS_MNEMONIC_SUB: return cls_set(c, K_ALU, VMF_X86_OP_ALU, VMF_X86_SUB);
    case ZYDIS_MNEMONIC_XOR: return cls_set(c, K_ALU, VMF_X86_OP_ALU, VMF_X86_XOR);
    case ZYDIS_MNEMONIC_CMP: return cls_set(c, K_ALU, VMF_X86_OP_ALU, VMF_X86_CMP);

    case ZYDIS_MNEMONIC_TEST: return cls_set(c, K_TEST, VMF_X86_OP_TEST, VMF_X86_SUB_NONE);

    case ZYDIS_MNEMONIC_INC: return cls_set(c, K_UNARY, VMF_X86_OP_UNARY, VMF_X86_INC);
    case ZYDIS_MNEMONIC_DEC: return cls_set(c, K_UNARY, VMF_X86_OP_UNARY, VMF_X86_DEC);
    case ZYDIS_MNEMONIC_NOT: return cls_set(c, K_UNARY, VMF_X86_OP_UNARY, VMF_X86_NOT);
    case ZYDIS_MNEMONIC_NEG: return cls_set(c, K_UNARY, VMF_X86_OP_UNARY, VMF_X86_NEG);

    case ZYDIS_MNEMONIC_ROL: return cls_set(c, K_SHIFT, VMF_X86_OP_SHIFT, VMF_X86_ROL);
    case ZYDIS_MNEMONIC_ROR: return cls_set(c, K_SHIFT, VMF_X86_OP_SHIFT, VMF_X86_ROR);
    case ZYDIS_MNEMONIC_RCL: return cls_set(c, K_SHIFT, VMF_X86_OP_SHIFT, VMF_X86_RCL);
    case ZYDIS_MNEMONIC_RCR: return cls_set(c, K_SHIFT, VMF_X86_OP_SHIFT, VMF_X86_RCR);
    case ZYDIS_MNEMONIC_SHL: return cls_set(c, K_SHIFT, VMF_X86_OP_SHIFT, VMF_X86_SHL);
    case ZYDIS_MNEMONIC_SHR: return cls_set(c, K_SHIFT, VMF_X86_OP_SHIFT, VMF_X86_SHR);
    case ZYDIS_MNEMONIC_SAR: return cls_set(c, K_SHIFT, VMF_X86_OP_SHIFT, VMF_X86_SAR);
    case ZYDIS_MNEMONIC_SHLD: return cls_set(c, K_SHIFT, VMF_X86_OP_SHIFT, VMF_X86_SHLD);
    case ZYDIS_MNEMONIC_SHRD: return cls_set(c, K_SHIFT, VMF_X86_OP_SHIFT, VMF_X86_SHRD);

    case ZYDIS_MNEMONIC_BT: return cls_set(c, K_BIT, VMF_X86_OP_BITTEST, VMF_X86_BT);
    case ZYDIS_MNEMONIC_BTS: return cls_set(c, K_BIT, VMF_X86_OP_BITTEST, VMF_X86_BTS);
    case ZYDIS_MNEMONIC_BTR: return cls_set(c, K_BIT, VMF_X86_OP_BITTEST, VMF_X86_BTR);
    case ZYDIS_MNEMONIC_BTC: return cls_set(c, K_BIT, VMF_X86_OP_BITTEST, VMF_X86_BTC);

    case ZYDIS_MNEMONIC_XCHG: return cls_set(c, K_XCHG, VMF_X86_OP_XCHG, VMF_X86_XCHG);
    case ZYDIS_MNEMONIC_CMPXCHG: return cls_set(c, K_XCHG, VMF_X86_OP_XCHG, VMF_X86_CMPXCHG);
    case ZYDIS_MNEMONIC_CMPXCHG8B: return cls_set(c, K_XCHG, VMF_X86_OP_XCHG, VMF_X86_CMPXCHG8B);
    case ZYDIS_MNEMONIC_CMPXCHG16B: return cls_set(c, K_XCHG, VMF_X86_OP_XCHG, VMF_X86_CMPXCHG16B);
    case ZYDIS_MNEMONIC_XADD: return cls_set(c, K_XCHG, VMF_X86_OP_XCHG, VMF_X86_XADD);

    case ZYDIS_MNEMONIC_PUSH:
    case ZYDIS_MNEMONIC_PUSHF:
    case ZYDIS_MNEMONIC_PUSHFQ: return cls_set(c, K_PUSH, VMF_X86_OP_PUSH, VMF_X86_SUB_NONE);
    case ZYDIS_MNEMONIC_POP:
    case ZYDIS_MNEMONIC_POPF:
    case ZYDIS_MNEMONIC_POPFQ: return cls_set(c, K_POP, VMF_X86_OP_POP, VMF_X86_SUB_NONE);

    case ZYDIS_MNEMONIC_MOVSB:
    case ZYDIS_MNEMONIC_MOVSW:
    case ZYDIS_MNEMONIC_MOVSQ: return cls_set(c, K_STRING, VMF_X86_OP_MOVS, VMF_X86_SUB_NONE);
    case ZYDIS_MNEMONIC_CMPSD: /* A7 is the string compare, F2 0F C2 the SSE compare */
        if (!legacy_map)
            return false;
        return cls_set(c, K_STRING, VMF_X86_OP_CMPS, VMF_X86_SUB_NONE);
    case ZYDIS_MNEMONIC_CMPSB:
    case ZYDIS_MNEMONIC_CMPSW:
    case ZYDIS_MNEMONIC_CMPSQ: return cls_set(c, K_STRING, VMF_X86_OP_CMPS, VMF_X86_SUB_NONE);
    case ZYDIS_MNEMONIC_STOSB:
    case ZYDIS_MNEMONIC_STOSW:
    case ZYDIS_MNEMONIC_STOSD:
    case ZYDIS_MNEMONIC_STOSQ: return cls_set(c, K_STRING, VMF_X86_OP_STOS, VMF_X86_SUB_NONE);
    case ZYDIS_MNEMONIC_LODSB:
    case ZYDIS_MNEMONIC_LODSW:
    case ZYDIS_MNEMONIC_LODSD:
    case ZYDIS_MNEMONIC_LODSQ: return cls_set(c, K_STRING, VMF_X86_OP_LODS, VMF_X86_SUB_NONE);
    case ZYDIS_MNEMONIC_SCASB:
    case ZYDIS_MNEMONIC_SCASW:
    case ZYDIS_MNEMONIC_SCASD:
    case ZYDIS_MNEMONIC_SCASQ: return cls_set(c, K_STRING, VMF_X86_OP_SCAS, VMF_X86_SUB_NONE);

    case ZYDIS_MNEMONIC_SETO:
    case ZYDIS_MNEMONIC_SETNO:
    case ZYDIS_MNEMONIC_SETB:
    case ZYDIS_MNEMONIC_SETNB:
    case ZYDIS_MNEMONIC_SETZ:
    case ZYDIS_MNEMONIC_SETNZ:
    case ZYDIS_MNEMONIC_SETBE:
    case ZYDIS_MNEMONIC_SETNBE:
    case ZYDIS_MNEMONIC_SETS:
    case ZYDIS_MNEMONIC_SETNS:
    case ZYDIS_MNEMONIC_SETP:
    case ZYDIS_MNEMONIC_SETNP:
    case ZYDIS_MNEMONIC_SETL:
    case ZYDIS_MNEMONIC_SETNL:
    case ZYDIS_MNEMONIC_SETLE:
    case ZYDIS_MNEMONIC_SETNLE: return cls_set(c, K_SETCC, VMF_X86_OP_SETCC, VMF_X86_SUB_NONE);

    case ZYDIS_MNEMONIC_CMOVO:
    case ZYDIS_MNEMONIC_CMOVNO:
    case ZYDIS_MNEMONIC_CMOVB:
    case ZYDIS_MNEMONIC_CMOVNB:
    case ZYDIS_MNEMONIC_CMOVZ:
    case ZYDIS_MNEMONIC_CMOVNZ:
    case ZYDIS_MNEMONIC_CMOVBE:
    case ZYDIS_MNEMONIC_CMOVNBE:
    case ZYDIS_MNEMONIC_CMOVS:
    case ZYDIS_MNEMONIC_CMOVNS:
    case ZYDIS_MNEMONIC_CMOVP:
    case ZYDIS_MNEMONIC_CMOVNP:
    case ZYDIS_MNEMONIC_CMOVL:
    case ZYDIS_MNEMONIC_CMOVNL:
    case ZYDIS_MNEMONIC_CMOVLE:
    case ZYDIS_MNEMONIC_CMOVNLE: return cls_set(c, K_CMOVCC, VMF_X86_OP_CMOVCC, VMF_X86_SUB_NONE);

    default: return false;
    }
}

/* Valid instructions whose memory operand is not a data access. */
static bool no_access(ZydisMnemonic m)
{
    switch (m) {
    case ZYDIS_MNEMONIC_NOP:
    case ZYDIS_MNEMONIC_PREFETCH:
    case ZYDIS_MNEMONIC_PREFETCHW:
    case ZYDIS_MNEMONIC_PREFETCHWT1:
    case ZYDIS_MNEMONIC_PREFETCHNTA:
    case ZYDIS_MNEMONIC_PREFETCHT0:
    case ZYDIS_MNEMONIC_PREFETCHT1:
    case ZYDIS_MNEMONIC_PREFETCHT2: return true;
    default: return false;
    }
}

/* ---- registers ----------------------------------------------------------- */

/* A Zydis register as vmf_x86_reg; NR (with *ok false) when it has no
 * vmfault number.  *high8 is set for AH/CH/DH/BH. */
static uint8_t map_reg(ZydisRegister r, bool *high8, bool *ok)
{
    *high8 = false;
    *ok = true;
    if (r >= ZYDIS_REGISTER_AL && r <= ZYDIS_REGISTER_BL)
        return (uint8_t)(r - ZYDIS_REGISTER_AL);
    if (r >= ZYDIS_REGISTER_AH && r <= ZYDIS_REGISTER_BH) {
        *high8 = true;
        return (uint8_t)(r - ZYDIS_REGISTER_AH);
    }
    if (r >= ZYDIS_REGISTER_SPL && r <= ZYDIS_REGISTER_R15B) /* SPL BPL SIL DIL R8B..R15B */
        return (uint8_t)(4 + (r - ZYDIS_REGISTER_SPL));
    if (r >= ZYDIS_REGISTER_AX && r <= ZYDIS_REGISTER_R15W)
        return (uint8_t)(r - ZYDIS_REGISTER_AX);
    if (r >= ZYDIS_REGISTER_EAX && r <= ZYDIS_REGISTER_R15D)
        return (uint8_t)(r - ZYDIS_REGISTER_EAX);
    if (r >= ZYDIS_REGISTER_RAX && r <= ZYDIS_REGISTER_R15)
        return (uint8_t)(r - ZYDIS_REGISTER_RAX);
    if (r >= ZYDIS_REGISTER_XMM0 && r <= ZYDIS_REGISTER_XMM15)
        return (uint8_t)(VMF_X86_XMM0 + (r - ZYDIS_REGISTER_XMM0));
    if (r >= ZYDIS_REGISTER_YMM0 && r <= ZYDIS_REGISTER_YMM15)
        return (uint8_t)(VMF_X86_XMM0 + (r - ZYDIS_REGISTER_YMM0));
    if (r == ZYDIS_REGISTER_RIP || r == ZYDIS_REGISTER_EIP)
        return VMF_X86_RIP;
    if (r == ZYDIS_REGISTER_RFLAGS || r == ZYDIS_REGISTER_EFLAGS || r == ZYDIS_REGISTER_FLAGS)
        return VMF_X86_RFLAGS;
    *ok = false;
    return NR;
}

static bool is_gpr(uint8_t reg)
{
    return reg <= 15;
}

static bool is_vec(uint8_t reg)
{
    return reg >= VMF_X86_XMM0 && reg < VMF_X86_XMM0 + 16;
}

/* ---- operands ------------------------------------------------------------ */

static bool is_mem(const ZydisDecodedOperand *o)
{
    return o->type == ZYDIS_OPERAND_TYPE_MEMORY &&
           (o->mem.type == ZYDIS_MEMOP_TYPE_MEM || o->mem.type == ZYDIS_MEMOP_TYPE_VSIB);
}

static bool is_shown(const ZydisDecodedOperand *o)
{
    return o->visibility == ZYDIS_OPERAND_VISIBILITY_EXPLICIT || o->visibility == ZYDIS_OPERAND_VISIBILITY_IMPLICIT;
}

static uint8_t bytes_of(uint16_t bits)
{
    return bits / 8u <= 255u ? (uint8_t)(bits / 8u) : 0;
}

static uint8_t dir_of(ZydisOperandActions a)
{
    unsigned d = 0;
    if (a & ZYDIS_OPERAND_ACTION_MASK_READ)
        d |= VMF_ACCESS_READ;
    if (a & ZYDIS_OPERAND_ACTION_MASK_WRITE)
        d |= VMF_ACCESS_WRITE;
    return (uint8_t)d;
}

/* The address expression of a Zydis memory operand. */
static bool fill_mem(vmf_x86_mem *m, const ZydisDecodedInstruction *in, const ZydisDecodedOperand *o, uint8_t access)
{
    bool h, ok_b = true, ok_i = true;

    m->base = o->mem.base == ZYDIS_REGISTER_NONE ? NR : map_reg(o->mem.base, &h, &ok_b);
    m->index = o->mem.index == ZYDIS_REGISTER_NONE ? NR : map_reg(o->mem.index, &h, &ok_i);
    m->scale = (m->index != NR && o->mem.scale != 0) ? o->mem.scale : 1;
    m->segment = (o->mem.segment == ZYDIS_REGISTER_FS || o->mem.segment == ZYDIS_REGISTER_GS) ? (uint8_t)o->mem.segment
                                                                                              : VMF_X86_SEG_NONE;
    m->disp = o->mem.disp.has_displacement ? o->mem.disp.value : 0;
    m->addr_size = (uint8_t)(in->address_width / 8u);
    m->access = access;
    return ok_b && ok_i;
}

/* The stack slot of a PUSH (disp -size) or POP (disp 0). */
static void stack_mem(vmf_x86_mem *m, uint8_t size, bool push, uint8_t access)
{
    m->base = RSP;
    m->index = NR;
    m->scale = 1;
    m->segment = VMF_X86_SEG_NONE;
    m->disp = push ? -(int64_t)size : 0;
    m->addr_size = 8;
    m->access = access;
}

static void clear_mem(vmf_x86_mem *m)
{
    memset(m, 0, sizeof *m);
    m->base = NR;
    m->index = NR;
    m->scale = 1;
}

static void init_out(vmf_x86_access *out)
{
    memset(out, 0, sizeof *out);
    clear_mem(&out->mem[0]);
    clear_mem(&out->mem[1]);
    out->reg = NR;
    out->cc = VMF_X86_CC_NONE;
}

/* Best-effort description of an instruction vmfault does not model. */
static int unsupported(vmf_x86_access *out, const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops)
{
    const vmf_x86_access keep = *out;
    uint8_t n = 0;

    /* Start again from the fields that do not depend on the class. */
    init_out(out);
    out->length = keep.length;
    memcpy(out->mnemonic, keep.mnemonic, sizeof out->mnemonic);
    out->prefixes = keep.prefixes;
    out->lock = (in->attributes & ZYDIS_ATTRIB_HAS_LOCK) != 0;
    out->writes_flags = keep.writes_flags;

    for (unsigned i = 0; i < in->operand_count && n < 2; i++) {
        if (!is_mem(&ops[i]))
            continue;
        (void)fill_mem(&out->mem[n], in, &ops[i], dir_of(ops[i].actions));
        if (n == 0)
            out->size = bytes_of(ops[i].size);
        n++;
    }
    out->op = VMF_X86_OP_OTHER;
    out->nmem = n;
    out->access = out->mem[0].access;
    return VMF_EUNSUPP;
}

/* ---- the decoder --------------------------------------------------------- */

int vmf_x86_decode(const uint8_t *bytes, size_t len, vmf_x86_access *out)
{
    ZydisDecoder dec;
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    const ZydisDecodedOperand *xmem = NULL, *reg = NULL, *imm = NULL, *stack = NULL;
    const ZydisDecodedOperand *src = NULL, *dst = NULL; /* string ops: [RSI], [RDI] */
    const char *mn;
    struct cls c;
    unsigned nmem = 0;
    bool high8 = false, ok = true;

    if (bytes == NULL || out == NULL)
        return VMF_EINVAL;
    init_out(out);
    if (len == 0)
        return VMF_EUNDEF;

    if (!ZYAN_SUCCESS(ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)) ||
        !ZYAN_SUCCESS(ZydisDecoderEnableMode(&dec, ZYDIS_DECODER_MODE_MPX, ZYAN_FALSE)))
        return VMF_EINVAL; /* cannot happen with these constant arguments */
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, bytes, len, &in, ops)))
        return VMF_EUNDEF;

    out->length = in.length;
    mn = ZydisMnemonicGetString(in.mnemonic);
    if (mn != NULL) {
        size_t n = strlen(mn);
        if (n >= sizeof out->mnemonic)
            n = sizeof out->mnemonic - 1;
        memcpy(out->mnemonic, mn, n);
    }
    out->prefixes = (uint32_t)((in.attributes >> PFX_SHIFT) & PFX_MASK);
    out->lock = (in.attributes & ZYDIS_ATTRIB_HAS_LOCK) != 0;
    if (in.cpu_flags != NULL)
        out->writes_flags =
            (in.cpu_flags->modified | in.cpu_flags->set_0 | in.cpu_flags->set_1 | in.cpu_flags->undefined) != 0;

    if (in.mnemonic == ZYDIS_MNEMONIC_UD0 || in.mnemonic == ZYDIS_MNEMONIC_UD1 || in.mnemonic == ZYDIS_MNEMONIC_UD2)
        return VMF_EUNDEF;

    /* Sort the operands out once. */
    for (unsigned i = 0; i < in.operand_count; i++) {
        const ZydisDecodedOperand *o = &ops[i];
        if (is_mem(o)) {
            nmem++;
            if (o->visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN) {
                if (o->mem.base == ZYDIS_REGISTER_RSP)
                    stack = o;
                else if (o->mem.base == ZYDIS_REGISTER_RSI || o->mem.base == ZYDIS_REGISTER_ESI)
                    src = o;
                else if (o->mem.base == ZYDIS_REGISTER_RDI || o->mem.base == ZYDIS_REGISTER_EDI)
                    dst = o;
            } else if (xmem == NULL) {
                xmem = o;
                out->mem_first = i == 0;
            }
        } else if (o->type == ZYDIS_OPERAND_TYPE_REGISTER && is_shown(o)) {
            if (reg == NULL)
                reg = o;
        } else if (o->type == ZYDIS_OPERAND_TYPE_IMMEDIATE && is_shown(o)) {
            if (imm == NULL)
                imm = o;
        }
    }
    if (nmem == 0 || no_access(in.mnemonic)) {
        out->mem_first = false;
        return VMF_ENOTMEM;
    }
    if (!classify(&in, &c))
        return unsupported(out, &in, ops);

    out->op = c.op;
    out->subop = c.subop;

    if (reg != NULL) {
        out->reg = map_reg(reg->reg.value, &high8, &ok);
        out->reg_size = bytes_of(reg->size);
        out->reg_high8 = high8;
        if (!ok)
            return unsupported(out, &in, ops);
    }
    if (imm != NULL) {
        out->has_imm = true;
        out->imm = imm->imm.is_signed ? imm->imm.value.s : (int64_t)imm->imm.value.u;
    }

    switch ((enum kind)c.kind) {
    case K_STRING: {
        const ZydisDecodedOperand *first = src != NULL ? src : dst;
        if (first == NULL)
            return unsupported(out, &in, ops);
        out->string = true;
        out->rep = (in.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE)) != 0;
        out->repne = (in.attributes & ZYDIS_ATTRIB_HAS_REPNE) != 0;
        out->size = bytes_of(first->size);
        if (c.op == VMF_X86_OP_MOVS || c.op == VMF_X86_OP_CMPS) {
            if (src == NULL || dst == NULL)
                return unsupported(out, &in, ops);
            out->nmem = 2;
            ok = fill_mem(&out->mem[0], &in, src, VMF_ACCESS_READ);
            ok &= fill_mem(&out->mem[1], &in, dst, c.op == VMF_X86_OP_MOVS ? VMF_ACCESS_WRITE : VMF_ACCESS_READ);
        } else {
            out->nmem = 1;
            ok = fill_mem(&out->mem[0], &in, first, c.op == VMF_X86_OP_STOS ? VMF_ACCESS_WRITE : VMF_ACCESS_READ);
            out->reg = VMF_X86_RAX; /* AL/AX/EAX/RAX: hidden in Zydis's operand list */
            out->reg_size = out->size;
        }
        break;
    }
    case K_PUSH:
    case K_POP: {
        const bool push = c.kind == K_PUSH;
        if (stack == NULL)
            return unsupported(out, &in, ops);
        out->size = bytes_of(stack->size);
        if (reg == NULL && xmem == NULL && imm == NULL) { /* PUSHF/POPF: RFLAGS is hidden */
            out->reg = VMF_X86_RFLAGS;
            out->reg_size = out->size;
        }
        if (xmem == NULL) {
            out->nmem = 1;
            stack_mem(&out->mem[0], out->size, push, push ? VMF_ACCESS_WRITE : VMF_ACCESS_READ);
        } else {
            out->nmem = 2;
            if (push) {
                ok = fill_mem(&out->mem[0], &in, xmem, VMF_ACCESS_READ);
                stack_mem(&out->mem[1], out->size, true, VMF_ACCESS_WRITE);
            } else {
                stack_mem(&out->mem[0], out->size, false, VMF_ACCESS_READ);
                ok = fill_mem(&out->mem[1], &in, xmem, VMF_ACCESS_WRITE);
            }
        }
        break;
    }
    default: {
        uint8_t dir;
        if (xmem == NULL)
            return unsupported(out, &in, ops);
        switch ((enum kind)c.kind) {
        case K_MOV:
            if (reg != NULL && !is_gpr(out->reg)) /* MOV m, Sreg / MOV Sreg, m */
                return unsupported(out, &in, ops);
            dir = out->mem_first ? VMF_ACCESS_WRITE : VMF_ACCESS_READ;
            break;
        case K_VMOV:
            if (reg == NULL || !is_vec(out->reg) ||
                (in.encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY && in.encoding != ZYDIS_INSTRUCTION_ENCODING_VEX))
                return unsupported(out, &in, ops); /* MMX, EVEX */
            dir = out->mem_first ? VMF_ACCESS_WRITE : VMF_ACCESS_READ;
            if (!out->mem_first && in.encoding == ZYDIS_INSTRUCTION_ENCODING_VEX)
                out->reg_size = 32; /* VEX.128 loads clear the upper half of the YMM */
            break;
        case K_MOVX:
        case K_CMOVCC: dir = VMF_ACCESS_READ; break;
        case K_ALU: dir = (out->mem_first && c.subop != VMF_X86_CMP) ? VMF_ACCESS_READ_WRITE : VMF_ACCESS_READ; break;
        case K_TEST: dir = VMF_ACCESS_READ; break;
        case K_BIT: dir = c.subop == VMF_X86_BT ? VMF_ACCESS_READ : VMF_ACCESS_READ_WRITE; break;
        case K_SETCC: dir = VMF_ACCESS_WRITE; break;
        case K_XCHG:
            if (c.subop == VMF_X86_XCHG)
                out->lock = true; /* XCHG with memory is always locked */
            dir = VMF_ACCESS_READ_WRITE;
            break;
        default: /* K_UNARY, K_SHIFT */ dir = VMF_ACCESS_READ_WRITE; break;
        }
        if (reg != NULL && !is_gpr(out->reg) && c.kind != K_VMOV)
            return unsupported(out, &in, ops);
        if (in.mnemonic == ZYDIS_MNEMONIC_MOVSXD && out->reg_size == 2)
            return unsupported(out, &in, ops); /* 66 63: memory width disputed, see above */
        out->nmem = 1;
        out->size = bytes_of(xmem->size);
        ok = fill_mem(&out->mem[0], &in, xmem, dir);
        if (c.kind == K_SETCC || c.kind == K_CMOVCC)
            out->cc = (uint8_t)(in.opcode & 0x0fu);
        if (c.op == VMF_X86_OP_MOVSX)
            out->sign_extend = true;
        else if (c.op == VMF_X86_OP_MOVZX)
            out->zero_extend = true;
        else if (c.kind == K_VMOV && !out->mem_first && out->reg_size > out->size)
            out->zero_extend = true;
        break;
    }
    }
    if (!ok)
        return unsupported(out, &in, ops);
    out->access = out->mem[0].access;
    return VMF_OK;
}
