/* vmfault — tests for the x86-64 memory-operand decoder (decoders/x86.c)
 * and its disassembly helper (decoders/x86_disasm.c).
 *
 * Every byte string below was produced by the host's GNU assembler from the
 * text stored next to it, one instruction per object file:
 *     printf '.intel_syntax noprefix\n<text>\n' > a.s
 *     as --64 a.s -o a.o && objdump -d -M intel a.o
 * and is written as objdump printed it.  Rows whose text starts with ".byte"
 * are hand-encoded (forms GNU as does not emit for that text, or encodings it
 * refuses); objdump was used to check what they are.
 *
 * The expected fields are written by hand from the Intel SDM (Vol. 2
 * instruction pages, Vol. 1 §3.7.5 addressing), not computed by the code
 * under test.  The conventions they follow are those of the header comment
 * of decoders/x86.c; the ones worth repeating here:
 *   - access: MOV store WRITE, load READ; ALU with a memory destination,
 *     INC/DEC/NOT/NEG, shifts, BTS/BTR/BTC, XCHG/CMPXCHG/XADD READ_WRITE;
 *     CMP, TEST, BT, MOVZX/MOVSX, CMOVcc READ; SETcc WRITE.
 *   - reg names the 64-bit register (AH is RAX with H8); reg_size is the
 *     width used; VEX loads into an XMM have reg_size 32 (the YMM is
 *     written: bits 255:128 cleared) and zero_extend.
 *   - imm is sign-extended from its encoded width (the value the CPU uses,
 *     sign-extended to 64 bits); shift counts and BT offsets are unsigned.
 *   - RIP-relative disp is relative to the next instruction; moffs forms
 *     have no base and the absolute address in disp.
 *   - two memory operands are source then destination; the stack slot of
 *     PUSH is [RSP-size], of POP [RSP].
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vmfault/decode_x86.h"

/* The tables below are laid out by hand, one instruction per line. */
// clang-format off

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define NR VMF_X86_NO_REG
enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };
#define X(n) (VMF_X86_XMM0 + (n)) /* XMMn / YMMn */
#define RIP VMF_X86_RIP
#define RFL VMF_X86_RFLAGS
#define FS VMF_X86_SEG_FS
#define GS VMF_X86_SEG_GS

#define RD VMF_ACCESS_READ
#define WR VMF_ACCESS_WRITE
#define RW VMF_ACCESS_READ_WRITE

#define OMOV VMF_X86_OP_MOV
#define OMOVSX VMF_X86_OP_MOVSX
#define OMOVZX VMF_X86_OP_MOVZX
#define OALU VMF_X86_OP_ALU
#define OTEST VMF_X86_OP_TEST
#define OUN VMF_X86_OP_UNARY
#define OSH VMF_X86_OP_SHIFT
#define OBIT VMF_X86_OP_BITTEST
#define OXCH VMF_X86_OP_XCHG
#define OPUSH VMF_X86_OP_PUSH
#define OPOP VMF_X86_OP_POP
#define OMOVS VMF_X86_OP_MOVS
#define OSTOS VMF_X86_OP_STOS
#define OLODS VMF_X86_OP_LODS
#define OCMPS VMF_X86_OP_CMPS
#define OSCAS VMF_X86_OP_SCAS
#define OOTH VMF_X86_OP_OTHER
#define OSET VMF_X86_OP_SETCC
#define OCMOV VMF_X86_OP_CMOVCC

#define NOCC VMF_X86_CC_NONE

/* Prefix bits (vmf_x86_access.prefixes). */
#define P_LOCK VMF_X86_PFX_LOCK
#define P_REP VMF_X86_PFX_REP
#define P_REPE VMF_X86_PFX_REPE
#define P_REPNE VMF_X86_PFX_REPNE
#define P_FS VMF_X86_PFX_FS
#define P_GS VMF_X86_PFX_GS
#define P_OS VMF_X86_PFX_OPSIZE
#define P_AS VMF_X86_PFX_ADDRSIZE

/* Boolean fields of vmf_x86_access, as a bit set in the tables. */
#define H8 0x001u   /* reg_high8 */
#define IMM 0x002u  /* has_imm */
#define SX 0x004u   /* sign_extend */
#define ZX 0x008u   /* zero_extend */
#define STR 0x010u  /* string */
#define REP 0x020u  /* rep */
#define RPN 0x040u  /* repne */
#define LCK 0x080u  /* lock */
#define FL 0x100u   /* writes_flags */
#define MF 0x200u   /* mem_first */

/* Expected address expression.  access 0 in mem[0] stands for "the row's
 * access" (they are the same thing for a single memory operand). */
struct emem {
    uint8_t base, index, scale, segment;
    int64_t disp;
    uint8_t addr_size, access;
};
#define M(b, i, s, d) {(b), (i), (s), 0, (d), 8, 0}
#define MA(b, i, s, d, acc) {(b), (i), (s), 0, (d), 8, (acc)}
#define MS(b, i, s, d, seg) {(b), (i), (s), (seg), (d), 8, 0}
#define MSA(b, i, s, d, seg, acc) {(b), (i), (s), (seg), (d), 8, (acc)}
#define M4(b, i, s, d) {(b), (i), (s), 0, (d), 4, 0}
#define M4A(b, i, s, d, acc) {(b), (i), (s), 0, (d), 4, (acc)}
#define STK(d, acc) {RSP, NR, 1, 0, (d), 8, (acc)}
#define NOM {NR, NR, 1, 0, 0, 0, 0} /* an unused slot, as the decoder clears it */

struct xcase {
    const char *text; /* the assembly the bytes came from */
    const char *hex;  /* the bytes, as objdump printed them */
    const char *mnemonic;
    uint8_t op, subop, access, size, nmem;
    struct emem mem[2];
    uint8_t reg, reg_size;
    int64_t imm;
    unsigned flags;
    uint32_t prefixes;
    uint8_t cc;
};

/* ---- MOV (GPR and immediate), moffs, MOVNTI ------------------------------ */

static const struct xcase mov_cases[] = {
    {"mov dword ptr [rax+0x4], ecx",                "89 48 04",                      "mov", OMOV, 0, WR, 4, 1, {M(RAX, NR, 1, 4), NOM}, RCX, 4, 0, MF, 0, NOCC},
    {"mov rdx, qword ptr [rbx]",                    "48 8b 13",                      "mov", OMOV, 0, RD, 8, 1, {M(RBX, NR, 1, 0), NOM}, RDX, 8, 0, 0, 0, NOCC},
    {"mov ax, word ptr [rsi]",                      "66 8b 06",                      "mov", OMOV, 0, RD, 2, 1, {M(RSI, NR, 1, 0), NOM}, RAX, 2, 0, 0, P_OS, NOCC},
    {"mov byte ptr [rdi], al",                      "88 07",                         "mov", OMOV, 0, WR, 1, 1, {M(RDI, NR, 1, 0), NOM}, RAX, 1, 0, MF, 0, NOCC},
    {"mov ah, byte ptr [rbx]",                      "8a 23",                         "mov", OMOV, 0, RD, 1, 1, {M(RBX, NR, 1, 0), NOM}, RAX, 1, 0, H8, 0, NOCC},
    {"mov byte ptr [rax], bh",                      "88 38",                         "mov", OMOV, 0, WR, 1, 1, {M(RAX, NR, 1, 0), NOM}, RBX, 1, 0, H8 | MF, 0, NOCC},
    {"mov byte ptr [rax], sil",                     "40 88 30",                      "mov", OMOV, 0, WR, 1, 1, {M(RAX, NR, 1, 0), NOM}, RSI, 1, 0, MF, 0, NOCC},
    {"mov r9b, byte ptr [r10]",                     "45 8a 0a",                      "mov", OMOV, 0, RD, 1, 1, {M(R10, NR, 1, 0), NOM}, R9, 1, 0, 0, 0, NOCC},
    {"mov qword ptr [r15+0x7f], r8",                "4d 89 47 7f",                   "mov", OMOV, 0, WR, 8, 1, {M(R15, NR, 1, 0x7f), NOM}, R8, 8, 0, MF, 0, NOCC},
    {"mov r14d, dword ptr [rax]",                   "44 8b 30",                      "mov", OMOV, 0, RD, 4, 1, {M(RAX, NR, 1, 0), NOM}, R14, 4, 0, 0, 0, NOCC},
    {"mov byte ptr [rax], 0x80",                    "c6 00 80",                      "mov", OMOV, 0, WR, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, -128, IMM | MF, 0, NOCC},
    {"mov word ptr [rax], 0xffff",                  "66 c7 00 ff ff",                "mov", OMOV, 0, WR, 2, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, -1, IMM | MF, P_OS, NOCC},
    {"mov dword ptr [rax], 0x80000000",             "c7 00 00 00 00 80",             "mov", OMOV, 0, WR, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, -0x80000000LL, IMM | MF, 0, NOCC},
    {"mov qword ptr [rax], -1",                     "48 c7 00 ff ff ff ff",          "mov", OMOV, 0, WR, 8, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, -1, IMM | MF, 0, NOCC},
    {"mov qword ptr [rax], 0x7fffffff",             "48 c7 00 ff ff ff 7f",          "mov", OMOV, 0, WR, 8, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0x7fffffff, IMM | MF, 0, NOCC},
    {"movabs eax, dword ptr [0x1122334455667788]",  "a1 88 77 66 55 44 33 22 11",    "mov", OMOV, 0, RD, 4, 1, {M(NR, NR, 1, 0x1122334455667788LL), NOM}, RAX, 4, 0, 0, 0, NOCC},
    {"movabs qword ptr [0x1122334455667788], rax",  "48 a3 88 77 66 55 44 33 22 11", "mov", OMOV, 0, WR, 8, 1, {M(NR, NR, 1, 0x1122334455667788LL), NOM}, RAX, 8, 0, MF, 0, NOCC},
    {"movabs al, byte ptr [0xfffffffffffffff0]",    "a0 f0 ff ff ff ff ff ff ff",    "mov", OMOV, 0, RD, 1, 1, {M(NR, NR, 1, -16), NOM}, RAX, 1, 0, 0, 0, NOCC},
    {"movabs word ptr [0x10], ax",                  "66 a3 10 00 00 00 00 00 00 00", "mov", OMOV, 0, WR, 2, 1, {M(NR, NR, 1, 0x10), NOM}, RAX, 2, 0, MF, P_OS, NOCC},
    {".byte 0x67, 0xa1, 0x78, 0x56, 0x34, 0x12 (addr32 mov eax, [0x12345678])",
                                                    "67 a1 78 56 34 12",             "mov", OMOV, 0, RD, 4, 1, {M4(NR, NR, 1, 0x12345678), NOM}, RAX, 4, 0, 0, P_AS, NOCC},
    {"movnti dword ptr [rax], ecx",                 "0f c3 08",                      "movnti", OMOV, 0, WR, 4, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 4, 0, MF, 0, NOCC},
    {"movnti qword ptr [rbx+rcx*8], r11",           "4c 0f c3 1c cb",                "movnti", OMOV, 0, WR, 8, 1, {M(RBX, RCX, 8, 0), NOM}, R11, 8, 0, MF, 0, NOCC},
};

/* ---- SSE and AVX moves ----------------------------------------------------- */

static const struct xcase sse_cases[] = {
    {"movd xmm1, dword ptr [rax]",                  "66 0f 6e 08",          "movd", OMOV, 0, RD, 4, 1, {M(RAX, NR, 1, 0), NOM}, X(1), 16, 0, ZX, 0, NOCC},
    {"movd dword ptr [rax], xmm2",                  "66 0f 7e 10",          "movd", OMOV, 0, WR, 4, 1, {M(RAX, NR, 1, 0), NOM}, X(2), 4, 0, MF, 0, NOCC},
    {"movq xmm1, qword ptr [rax]",                  "f3 0f 7e 08",          "movq", OMOV, 0, RD, 8, 1, {M(RAX, NR, 1, 0), NOM}, X(1), 16, 0, ZX, 0, NOCC},
    {"movq qword ptr [rax], xmm1",                  "66 0f d6 08",          "movq", OMOV, 0, WR, 8, 1, {M(RAX, NR, 1, 0), NOM}, X(1), 8, 0, MF, 0, NOCC},
    {".byte 0x66, 0x48, 0x0f, 0x6e, 0x18 (movq xmm3, qword ptr [rax])",
                                                    "66 48 0f 6e 18",       "movq", OMOV, 0, RD, 8, 1, {M(RAX, NR, 1, 0), NOM}, X(3), 16, 0, ZX, 0, NOCC},
    {".byte 0x66, 0x48, 0x0f, 0x7e, 0x18 (movq qword ptr [rax], xmm3)",
                                                    "66 48 0f 7e 18",       "movq", OMOV, 0, WR, 8, 1, {M(RAX, NR, 1, 0), NOM}, X(3), 8, 0, MF, 0, NOCC},
    {"movdqa xmm0, xmmword ptr [rax]",              "66 0f 6f 00",          "movdqa", OMOV, 0, RD, 16, 1, {M(RAX, NR, 1, 0), NOM}, X(0), 16, 0, 0, 0, NOCC},
    {"movdqu xmmword ptr [rcx+0x10], xmm15",        "f3 44 0f 7f 79 10",    "movdqu", OMOV, 0, WR, 16, 1, {M(RCX, NR, 1, 0x10), NOM}, X(15), 16, 0, MF, 0, NOCC},
    {"movaps xmm2, xmmword ptr [rip+0x100]",        "0f 28 15 00 01 00 00", "movaps", OMOV, 0, RD, 16, 1, {M(RIP, NR, 1, 0x100), NOM}, X(2), 16, 0, 0, 0, NOCC},
    {"movups xmmword ptr [rax], xmm3",              "0f 11 18",             "movups", OMOV, 0, WR, 16, 1, {M(RAX, NR, 1, 0), NOM}, X(3), 16, 0, MF, 0, NOCC},
    {"movapd xmm4, xmmword ptr [rax]",              "66 0f 28 20",          "movapd", OMOV, 0, RD, 16, 1, {M(RAX, NR, 1, 0), NOM}, X(4), 16, 0, 0, 0, NOCC},
    {"movupd xmmword ptr [rax], xmm5",              "66 0f 11 28",          "movupd", OMOV, 0, WR, 16, 1, {M(RAX, NR, 1, 0), NOM}, X(5), 16, 0, MF, 0, NOCC},
    {"movss xmm0, dword ptr [rax]",                 "f3 0f 10 00",          "movss", OMOV, 0, RD, 4, 1, {M(RAX, NR, 1, 0), NOM}, X(0), 16, 0, ZX, 0, NOCC},
    {"movss dword ptr [rax], xmm0",                 "f3 0f 11 00",          "movss", OMOV, 0, WR, 4, 1, {M(RAX, NR, 1, 0), NOM}, X(0), 4, 0, MF, 0, NOCC},
    {"movsd xmm1, qword ptr [rax]",                 "f2 0f 10 08",          "movsd", OMOV, 0, RD, 8, 1, {M(RAX, NR, 1, 0), NOM}, X(1), 16, 0, ZX, 0, NOCC},
    {"movsd qword ptr [rax], xmm1",                 "f2 0f 11 08",          "movsd", OMOV, 0, WR, 8, 1, {M(RAX, NR, 1, 0), NOM}, X(1), 8, 0, MF, 0, NOCC},
    {"movntdq xmmword ptr [rax], xmm1",             "66 0f e7 08",          "movntdq", OMOV, 0, WR, 16, 1, {M(RAX, NR, 1, 0), NOM}, X(1), 16, 0, MF, 0, NOCC},
    {"movntps xmmword ptr [rax], xmm2",             "0f 2b 10",             "movntps", OMOV, 0, WR, 16, 1, {M(RAX, NR, 1, 0), NOM}, X(2), 16, 0, MF, 0, NOCC},
    {"movntpd xmmword ptr [rax], xmm3",             "66 0f 2b 18",          "movntpd", OMOV, 0, WR, 16, 1, {M(RAX, NR, 1, 0), NOM}, X(3), 16, 0, MF, 0, NOCC},
    {"movntdqa xmm1, xmmword ptr [rax]",            "66 0f 38 2a 08",       "movntdqa", OMOV, 0, RD, 16, 1, {M(RAX, NR, 1, 0), NOM}, X(1), 16, 0, 0, 0, NOCC},
    {"vmovdqa xmm1, xmmword ptr [rax]",             "c5 f9 6f 08",          "vmovdqa", OMOV, 0, RD, 16, 1, {M(RAX, NR, 1, 0), NOM}, X(1), 32, 0, ZX, 0, NOCC},
    {"vmovdqa xmmword ptr [rax], xmm9",             "c5 79 7f 08",          "vmovdqa", OMOV, 0, WR, 16, 1, {M(RAX, NR, 1, 0), NOM}, X(9), 16, 0, MF, 0, NOCC},
    {"vmovdqu ymm3, ymmword ptr [rax]",             "c5 fe 6f 18",          "vmovdqu", OMOV, 0, RD, 32, 1, {M(RAX, NR, 1, 0), NOM}, X(3), 32, 0, 0, 0, NOCC},
    {"vmovdqu ymmword ptr [rax+rbx*2], ymm12",      "c5 7e 7f 24 58",       "vmovdqu", OMOV, 0, WR, 32, 1, {M(RAX, RBX, 2, 0), NOM}, X(12), 32, 0, MF, 0, NOCC},
    {"vmovaps ymm0, ymmword ptr [rax]",             "c5 fc 28 00",          "vmovaps", OMOV, 0, RD, 32, 1, {M(RAX, NR, 1, 0), NOM}, X(0), 32, 0, 0, 0, NOCC},
    {"vmovups xmmword ptr [rax], xmm1",             "c5 f8 11 08",          "vmovups", OMOV, 0, WR, 16, 1, {M(RAX, NR, 1, 0), NOM}, X(1), 16, 0, MF, 0, NOCC},
    {"vmovapd xmm2, xmmword ptr [rax]",             "c5 f9 28 10",          "vmovapd", OMOV, 0, RD, 16, 1, {M(RAX, NR, 1, 0), NOM}, X(2), 32, 0, ZX, 0, NOCC},
    {"vmovupd ymmword ptr [rax], ymm3",             "c5 fd 11 18",          "vmovupd", OMOV, 0, WR, 32, 1, {M(RAX, NR, 1, 0), NOM}, X(3), 32, 0, MF, 0, NOCC},
    {"vmovd xmm0, dword ptr [rax]",                 "c5 f9 6e 00",          "vmovd", OMOV, 0, RD, 4, 1, {M(RAX, NR, 1, 0), NOM}, X(0), 32, 0, ZX, 0, NOCC},
    {"vmovq qword ptr [rax], xmm0",                 "c5 f9 d6 00",          "vmovq", OMOV, 0, WR, 8, 1, {M(RAX, NR, 1, 0), NOM}, X(0), 8, 0, MF, 0, NOCC},
    {"vmovss xmm0, dword ptr [rax]",                "c5 fa 10 00",          "vmovss", OMOV, 0, RD, 4, 1, {M(RAX, NR, 1, 0), NOM}, X(0), 32, 0, ZX, 0, NOCC},
    {"vmovsd qword ptr [rax], xmm1",                "c5 fb 11 08",          "vmovsd", OMOV, 0, WR, 8, 1, {M(RAX, NR, 1, 0), NOM}, X(1), 8, 0, MF, 0, NOCC},
    {"vmovntdq ymmword ptr [rax], ymm1",            "c5 fd e7 08",          "vmovntdq", OMOV, 0, WR, 32, 1, {M(RAX, NR, 1, 0), NOM}, X(1), 32, 0, MF, 0, NOCC},
    {"vmovntdqa ymm1, ymmword ptr [rax]",           "c4 e2 7d 2a 08",       "vmovntdqa", OMOV, 0, RD, 32, 1, {M(RAX, NR, 1, 0), NOM}, X(1), 32, 0, 0, 0, NOCC},
    {"vmovntps xmmword ptr [rax], xmm4",            "c5 f8 2b 20",          "vmovntps", OMOV, 0, WR, 16, 1, {M(RAX, NR, 1, 0), NOM}, X(4), 16, 0, MF, 0, NOCC},
    {"vmovntpd ymmword ptr [rax], ymm5",            "c5 fd 2b 28",          "vmovntpd", OMOV, 0, WR, 32, 1, {M(RAX, NR, 1, 0), NOM}, X(5), 32, 0, MF, 0, NOCC},
};

/* ---- MOVZX, MOVSX, MOVSXD -------------------------------------------------- */

static const struct xcase movx_cases[] = {
    {"movzx eax, byte ptr [rax]",                   "0f b6 00",             "movzx", OMOVZX, 0, RD, 1, 1, {M(RAX, NR, 1, 0), NOM}, RAX, 4, 0, ZX, 0, NOCC},
    {"movzx ecx, word ptr [rbx]",                   "0f b7 0b",             "movzx", OMOVZX, 0, RD, 2, 1, {M(RBX, NR, 1, 0), NOM}, RCX, 4, 0, ZX, 0, NOCC},
    {"movzx r8, byte ptr [rax]",                    "4c 0f b6 00",          "movzx", OMOVZX, 0, RD, 1, 1, {M(RAX, NR, 1, 0), NOM}, R8, 8, 0, ZX, 0, NOCC},
    {"movzx ax, byte ptr [rax]",                    "66 0f b6 00",          "movzx", OMOVZX, 0, RD, 1, 1, {M(RAX, NR, 1, 0), NOM}, RAX, 2, 0, ZX, P_OS, NOCC},
    {"movzx rdx, word ptr [rsi]",                   "48 0f b7 16",          "movzx", OMOVZX, 0, RD, 2, 1, {M(RSI, NR, 1, 0), NOM}, RDX, 8, 0, ZX, 0, NOCC},
    {"movsx rax, word ptr [rbx]",                   "48 0f bf 03",          "movsx", OMOVSX, 0, RD, 2, 1, {M(RBX, NR, 1, 0), NOM}, RAX, 8, 0, SX, 0, NOCC},
    {"movsx edx, byte ptr [rsi]",                   "0f be 16",             "movsx", OMOVSX, 0, RD, 1, 1, {M(RSI, NR, 1, 0), NOM}, RDX, 4, 0, SX, 0, NOCC},
    {"movsx ax, byte ptr [rax]",                    "66 0f be 00",          "movsx", OMOVSX, 0, RD, 1, 1, {M(RAX, NR, 1, 0), NOM}, RAX, 2, 0, SX, P_OS, NOCC},
    {"movsxd rax, dword ptr [rbx]",                 "48 63 03",             "movsxd", OMOVSX, 0, RD, 4, 1, {M(RBX, NR, 1, 0), NOM}, RAX, 8, 0, SX, 0, NOCC},
    {"movsxd r12, dword ptr [rip+0x40]",            "4c 63 25 40 00 00 00", "movsxd", OMOVSX, 0, RD, 4, 1, {M(RIP, NR, 1, 0x40), NOM}, R12, 8, 0, SX, 0, NOCC},
    {"movsxd eax, dword ptr [rbx]",                 "63 03",                "movsxd", OMOVSX, 0, RD, 4, 1, {M(RBX, NR, 1, 0), NOM}, RAX, 4, 0, SX, 0, NOCC},
};

/* ---- ADD OR ADC SBB AND SUB XOR CMP ---------------------------------------- */

static const struct xcase alu_cases[] = {
    {"add dword ptr [rax], ecx",                    "01 08",                "add", OALU, VMF_X86_ADD, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 4, 0, FL | MF, 0, NOCC},
    {"add ecx, dword ptr [rax]",                    "03 08",                "add", OALU, VMF_X86_ADD, RD, 4, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 4, 0, FL, 0, NOCC},
    {"add byte ptr [rax], 1",                       "80 00 01",             "add", OALU, VMF_X86_ADD, RW, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 1, IMM | FL | MF, 0, NOCC},
    {"add dword ptr [rax], 0x80",                   "81 00 80 00 00 00",    "add", OALU, VMF_X86_ADD, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 128, IMM | FL | MF, 0, NOCC},
    {"add dword ptr [rax], -128",                   "83 00 80",             "add", OALU, VMF_X86_ADD, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, -128, IMM | FL | MF, 0, NOCC},
    {"add qword ptr [rax], -1",                     "48 83 00 ff",          "add", OALU, VMF_X86_ADD, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, -1, IMM | FL | MF, 0, NOCC},
    {"add word ptr [rax], 0x1234",                  "66 81 00 34 12",       "add", OALU, VMF_X86_ADD, RW, 2, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0x1234, IMM | FL | MF, P_OS, NOCC},
    {"or byte ptr [rax], cl",                       "08 08",                "or", OALU, VMF_X86_OR, RW, 1, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 1, 0, FL | MF, 0, NOCC},
    {"or cl, byte ptr [rax]",                       "0a 08",                "or", OALU, VMF_X86_OR, RD, 1, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 1, 0, FL, 0, NOCC},
    {"or dword ptr [rax], 0x100",                   "81 08 00 01 00 00",    "or", OALU, VMF_X86_OR, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0x100, IMM | FL | MF, 0, NOCC},
    {"adc qword ptr [rax], rdx",                    "48 11 10",             "adc", OALU, VMF_X86_ADC, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, RDX, 8, 0, FL | MF, 0, NOCC},
    {"adc byte ptr [rax], bh",                      "10 38",                "adc", OALU, VMF_X86_ADC, RW, 1, 1, {M(RAX, NR, 1, 0), NOM}, RBX, 1, 0, H8 | FL | MF, 0, NOCC},
    {"adc dword ptr [rax], 1",                      "83 10 01",             "adc", OALU, VMF_X86_ADC, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 1, IMM | FL | MF, 0, NOCC},
    {"sbb eax, dword ptr [rdx]",                    "1b 02",                "sbb", OALU, VMF_X86_SBB, RD, 4, 1, {M(RDX, NR, 1, 0), NOM}, RAX, 4, 0, FL, 0, NOCC},
    {"sbb qword ptr [rax], 0x7f",                   "48 83 18 7f",          "sbb", OALU, VMF_X86_SBB, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0x7f, IMM | FL | MF, 0, NOCC},
    {"and dword ptr [rax], 0xfffffff0",             "83 20 f0",             "and", OALU, VMF_X86_AND, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, -16, IMM | FL | MF, 0, NOCC},
    {"and rsi, qword ptr [rax]",                    "48 23 30",             "and", OALU, VMF_X86_AND, RD, 8, 1, {M(RAX, NR, 1, 0), NOM}, RSI, 8, 0, FL, 0, NOCC},
    {"sub word ptr [rax], bx",                      "66 29 18",             "sub", OALU, VMF_X86_SUB, RW, 2, 1, {M(RAX, NR, 1, 0), NOM}, RBX, 2, 0, FL | MF, P_OS, NOCC},
    {"sub dword ptr [rax], 0x12345678",             "81 28 78 56 34 12",    "sub", OALU, VMF_X86_SUB, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0x12345678, IMM | FL | MF, 0, NOCC},
    {"xor qword ptr [rax], r11",                    "4c 31 18",             "xor", OALU, VMF_X86_XOR, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, R11, 8, 0, FL | MF, 0, NOCC},
    {"xor al, byte ptr [rcx]",                      "32 01",                "xor", OALU, VMF_X86_XOR, RD, 1, 1, {M(RCX, NR, 1, 0), NOM}, RAX, 1, 0, FL, 0, NOCC},
    {"cmp dword ptr [rax], ecx",                    "39 08",                "cmp", OALU, VMF_X86_CMP, RD, 4, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 4, 0, FL | MF, 0, NOCC},
    {"cmp ecx, dword ptr [rax]",                    "3b 08",                "cmp", OALU, VMF_X86_CMP, RD, 4, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 4, 0, FL, 0, NOCC},
    {"cmp byte ptr [rax], 0x80",                    "80 38 80",             "cmp", OALU, VMF_X86_CMP, RD, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, -128, IMM | FL | MF, 0, NOCC},
    {"cmp qword ptr [rax], 0x1000",                 "48 81 38 00 10 00 00", "cmp", OALU, VMF_X86_CMP, RD, 8, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0x1000, IMM | FL | MF, 0, NOCC},
    {"lock add qword ptr [rax], 1",                 "f0 48 83 00 01",       "add", OALU, VMF_X86_ADD, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 1, IMM | FL | MF | LCK, P_LOCK, NOCC},
    {"lock or dword ptr [rax], ecx",                "f0 09 08",             "or", OALU, VMF_X86_OR, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 4, 0, FL | MF | LCK, P_LOCK, NOCC},
    {"lock adc word ptr [rax], dx",                 "66 f0 11 10",          "adc", OALU, VMF_X86_ADC, RW, 2, 1, {M(RAX, NR, 1, 0), NOM}, RDX, 2, 0, FL | MF | LCK, P_LOCK | P_OS, NOCC},
    {"lock sbb byte ptr [rax], 1",                  "f0 80 18 01",          "sbb", OALU, VMF_X86_SBB, RW, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 1, IMM | FL | MF | LCK, P_LOCK, NOCC},
    {"lock and qword ptr [rax], rbx",               "f0 48 21 18",          "and", OALU, VMF_X86_AND, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, RBX, 8, 0, FL | MF | LCK, P_LOCK, NOCC},
    {"lock sub dword ptr [rax], 2",                 "f0 83 28 02",          "sub", OALU, VMF_X86_SUB, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 2, IMM | FL | MF | LCK, P_LOCK, NOCC},
    {"lock xor byte ptr [rax], ah",                 "f0 30 20",             "xor", OALU, VMF_X86_XOR, RW, 1, 1, {M(RAX, NR, 1, 0), NOM}, RAX, 1, 0, H8 | FL | MF | LCK, P_LOCK, NOCC},
};

/* ---- TEST ------------------------------------------------------------------ */

static const struct xcase test_cases[] = {
    {"test byte ptr [rax], 0xff",                   "f6 00 ff",             "test", OTEST, 0, RD, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, -1, IMM | FL | MF, 0, NOCC},
    {"test word ptr [rax], 0x8000",                 "66 f7 00 00 80",       "test", OTEST, 0, RD, 2, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, -32768, IMM | FL | MF, P_OS, NOCC},
    {"test dword ptr [rax], ecx",                   "85 08",                "test", OTEST, 0, RD, 4, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 4, 0, FL | MF, 0, NOCC},
    {"test qword ptr [rax], 0x7fffffff",            "48 f7 00 ff ff ff 7f", "test", OTEST, 0, RD, 8, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0x7fffffff, IMM | FL | MF, 0, NOCC},
    {"test byte ptr [rax], ah",                     "84 20",                "test", OTEST, 0, RD, 1, 1, {M(RAX, NR, 1, 0), NOM}, RAX, 1, 0, H8 | FL | MF, 0, NOCC},
    {"test qword ptr [rbx+8], r9",                  "4c 85 4b 08",          "test", OTEST, 0, RD, 8, 1, {M(RBX, NR, 1, 8), NOM}, R9, 8, 0, FL | MF, 0, NOCC},
    {".byte 0xf6, 0x08, 0x01 (test byte ptr [rax], 1: the F6 /1 alias)",
                                                    "f6 08 01",             "test", OTEST, 0, RD, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 1, IMM | FL | MF, 0, NOCC},
};

/* ---- INC DEC NOT NEG ------------------------------------------------------- */

static const struct xcase unary_cases[] = {
    {"inc byte ptr [rax]",                          "fe 00",                "inc", OUN, VMF_X86_INC, RW, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, FL | MF, 0, NOCC},
    {"inc dword ptr [rax]",                         "ff 00",                "inc", OUN, VMF_X86_INC, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, FL | MF, 0, NOCC},
    {"dec word ptr [rax]",                          "66 ff 08",             "dec", OUN, VMF_X86_DEC, RW, 2, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, FL | MF, P_OS, NOCC},
    {"dec qword ptr [rax]",                         "48 ff 08",             "dec", OUN, VMF_X86_DEC, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, FL | MF, 0, NOCC},
    {"not byte ptr [rax]",                          "f6 10",                "not", OUN, VMF_X86_NOT, RW, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, MF, 0, NOCC},
    {"not qword ptr [rax]",                         "48 f7 10",             "not", OUN, VMF_X86_NOT, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, MF, 0, NOCC},
    {"neg dword ptr [rax]",                         "f7 18",                "neg", OUN, VMF_X86_NEG, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, FL | MF, 0, NOCC},
    {"neg qword ptr [r12+r13*8+0x100]",             "4b f7 9c ec 00 01 00 00", "neg", OUN, VMF_X86_NEG, RW, 8, 1, {M(R12, R13, 8, 0x100), NOM}, NR, 0, 0, FL | MF, 0, NOCC},
    {"lock inc dword ptr [rax]",                    "f0 ff 00",             "inc", OUN, VMF_X86_INC, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, FL | MF | LCK, P_LOCK, NOCC},
    {"lock dec qword ptr [rax]",                    "f0 48 ff 08",          "dec", OUN, VMF_X86_DEC, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, FL | MF | LCK, P_LOCK, NOCC},
    {"lock not word ptr [rax]",                     "66 f0 f7 10",          "not", OUN, VMF_X86_NOT, RW, 2, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, MF | LCK, P_LOCK | P_OS, NOCC},
    {"lock neg byte ptr [rax]",                     "f0 f6 18",             "neg", OUN, VMF_X86_NEG, RW, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, FL | MF | LCK, P_LOCK, NOCC},
};

/* ---- shifts and rotates ---------------------------------------------------- */

static const struct xcase shift_cases[] = {
    {"rol byte ptr [rax], 1",                       "d0 00",                "rol", OSH, VMF_X86_ROL, RW, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 1, IMM | FL | MF, 0, NOCC},
    {"ror dword ptr [rax], cl",                     "d3 08",                "ror", OSH, VMF_X86_ROR, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 1, 0, FL | MF, 0, NOCC},
    {"rcl word ptr [rax], 3",                       "66 c1 10 03",          "rcl", OSH, VMF_X86_RCL, RW, 2, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 3, IMM | FL | MF, P_OS, NOCC},
    {"rcr qword ptr [rax], 1",                      "48 d1 18",             "rcr", OSH, VMF_X86_RCR, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 1, IMM | FL | MF, 0, NOCC},
    {"shl dword ptr [rax], 1",                      "d1 20",                "shl", OSH, VMF_X86_SHL, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 1, IMM | FL | MF, 0, NOCC},
    {"sal dword ptr [rax], 4",                      "c1 20 04",             "shl", OSH, VMF_X86_SHL, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 4, IMM | FL | MF, 0, NOCC},
    {"shr byte ptr [rax], cl",                      "d2 28",                "shr", OSH, VMF_X86_SHR, RW, 1, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 1, 0, FL | MF, 0, NOCC},
    {"sar qword ptr [rax], 63",                     "48 c1 38 3f",          "sar", OSH, VMF_X86_SAR, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 63, IMM | FL | MF, 0, NOCC},
    {"shl dword ptr [rax], 0xff",                   "c1 20 ff",             "shl", OSH, VMF_X86_SHL, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 255, IMM | FL | MF, 0, NOCC},
    {"shld dword ptr [rax], ecx, 4",                "0f a4 08 04",          "shld", OSH, VMF_X86_SHLD, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 4, 4, IMM | FL | MF, 0, NOCC},
    {"shld word ptr [rax], dx, cl",                 "66 0f a5 10",          "shld", OSH, VMF_X86_SHLD, RW, 2, 1, {M(RAX, NR, 1, 0), NOM}, RDX, 2, 0, FL | MF, P_OS, NOCC},
    {"shrd qword ptr [rax], rcx, cl",               "48 0f ad 08",          "shrd", OSH, VMF_X86_SHRD, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 8, 0, FL | MF, 0, NOCC},
    {"shrd dword ptr [rax], ebx, 0x1f",             "0f ac 18 1f",          "shrd", OSH, VMF_X86_SHRD, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, RBX, 4, 31, IMM | FL | MF, 0, NOCC},
};

/* ---- BT BTS BTR BTC -------------------------------------------------------- */

static const struct xcase bit_cases[] = {
    {"bt dword ptr [rax], 35",                      "0f ba 20 23",          "bt", OBIT, VMF_X86_BT, RD, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 35, IMM | FL | MF, 0, NOCC},
    {"bt qword ptr [rax], rcx",                     "48 0f a3 08",          "bt", OBIT, VMF_X86_BT, RD, 8, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 8, 0, FL | MF, 0, NOCC},
    {"bts qword ptr [rax], rcx",                    "48 0f ab 08",          "bts", OBIT, VMF_X86_BTS, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 8, 0, FL | MF, 0, NOCC},
    {"bts dword ptr [rax], 3",                      "0f ba 28 03",          "bts", OBIT, VMF_X86_BTS, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 3, IMM | FL | MF, 0, NOCC},
    {"btr word ptr [rax], dx",                      "66 0f b3 10",          "btr", OBIT, VMF_X86_BTR, RW, 2, 1, {M(RAX, NR, 1, 0), NOM}, RDX, 2, 0, FL | MF, P_OS, NOCC},
    {"btr qword ptr [rax], 63",                     "48 0f ba 30 3f",       "btr", OBIT, VMF_X86_BTR, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 63, IMM | FL | MF, 0, NOCC},
    {"btc dword ptr [rax], ecx",                    "0f bb 08",             "btc", OBIT, VMF_X86_BTC, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 4, 0, FL | MF, 0, NOCC},
    {"btc qword ptr [rax], 1",                      "48 0f ba 38 01",       "btc", OBIT, VMF_X86_BTC, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 1, IMM | FL | MF, 0, NOCC},
    {"lock bts qword ptr [rax], rcx",               "f0 48 0f ab 08",       "bts", OBIT, VMF_X86_BTS, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 8, 0, FL | MF | LCK, P_LOCK, NOCC},
    {"lock btr dword ptr [rax], 7",                 "f0 0f ba 30 07",       "btr", OBIT, VMF_X86_BTR, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 7, IMM | FL | MF | LCK, P_LOCK, NOCC},
    {"lock btc word ptr [rax], 15",                 "66 f0 0f ba 38 0f",    "btc", OBIT, VMF_X86_BTC, RW, 2, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 15, IMM | FL | MF | LCK, P_LOCK | P_OS, NOCC},
};

/* ---- XCHG CMPXCHG CMPXCHG8B CMPXCHG16B XADD --------------------------------
 * XCHG with memory is locked whether or not it has the prefix (SDM XCHG:
 * "the processor's locking protocol is automatically implemented"), so lock
 * is set; the LOCK prefix bit only when the byte is there. */

static const struct xcase xchg_cases[] = {
    {"xchg qword ptr [rax], rcx",                   "48 87 08",             "xchg", OXCH, VMF_X86_XCHG, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 8, 0, MF | LCK, 0, NOCC},
    {"xchg byte ptr [rax], dl",                     "86 10",                "xchg", OXCH, VMF_X86_XCHG, RW, 1, 1, {M(RAX, NR, 1, 0), NOM}, RDX, 1, 0, MF | LCK, 0, NOCC},
    {"xchg byte ptr [rax], ah",                     "86 20",                "xchg", OXCH, VMF_X86_XCHG, RW, 1, 1, {M(RAX, NR, 1, 0), NOM}, RAX, 1, 0, H8 | MF | LCK, 0, NOCC},
    {"lock xchg dword ptr [rax], esi",              "f0 87 30",             "xchg", OXCH, VMF_X86_XCHG, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, RSI, 4, 0, MF | LCK, P_LOCK, NOCC},
    {"cmpxchg dword ptr [rax], ecx",                "0f b1 08",             "cmpxchg", OXCH, VMF_X86_CMPXCHG, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 4, 0, FL | MF, 0, NOCC},
    {"lock cmpxchg qword ptr [rax], rdx",           "f0 48 0f b1 10",       "cmpxchg", OXCH, VMF_X86_CMPXCHG, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, RDX, 8, 0, FL | MF | LCK, P_LOCK, NOCC},
    {"cmpxchg byte ptr [rax], bl",                  "0f b0 18",             "cmpxchg", OXCH, VMF_X86_CMPXCHG, RW, 1, 1, {M(RAX, NR, 1, 0), NOM}, RBX, 1, 0, FL | MF, 0, NOCC},
    {"lock cmpxchg word ptr [rax], cx",             "66 f0 0f b1 08",       "cmpxchg", OXCH, VMF_X86_CMPXCHG, RW, 2, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 2, 0, FL | MF | LCK, P_LOCK | P_OS, NOCC},
    {"cmpxchg8b qword ptr [rax]",                   "0f c7 08",             "cmpxchg8b", OXCH, VMF_X86_CMPXCHG8B, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, FL | MF, 0, NOCC},
    {"lock cmpxchg8b qword ptr [rax]",              "f0 0f c7 08",          "cmpxchg8b", OXCH, VMF_X86_CMPXCHG8B, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, FL | MF | LCK, P_LOCK, NOCC},
    {"lock cmpxchg16b xmmword ptr [rax]",           "f0 48 0f c7 08",       "cmpxchg16b", OXCH, VMF_X86_CMPXCHG16B, RW, 16, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, FL | MF | LCK, P_LOCK, NOCC},
    {"xadd dword ptr [rax], ecx",                   "0f c1 08",             "xadd", OXCH, VMF_X86_XADD, RW, 4, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 4, 0, FL | MF, 0, NOCC},
    {"lock xadd qword ptr [rax], rax",              "f0 48 0f c1 00",       "xadd", OXCH, VMF_X86_XADD, RW, 8, 1, {M(RAX, NR, 1, 0), NOM}, RAX, 8, 0, FL | MF | LCK, P_LOCK, NOCC},
    {"xadd byte ptr [rax], cl",                     "0f c0 08",             "xadd", OXCH, VMF_X86_XADD, RW, 1, 1, {M(RAX, NR, 1, 0), NOM}, RCX, 1, 0, FL | MF, 0, NOCC},
};

/* ---- PUSH and POP ------------------------------------------------------------
 * The stack slot: base RSP, disp -size for PUSH, 0 for POP, addr_size 8.
 * PUSH m and POP m move memory to memory: mem[0] the source, mem[1] the
 * destination. */

static const struct xcase stack_cases[] = {
    {"push rax",                                    "50",                   "push", OPUSH, 0, WR, 8, 1, {STK(-8, 0), NOM}, RAX, 8, 0, 0, 0, NOCC},
    {"push r12",                                    "41 54",                "push", OPUSH, 0, WR, 8, 1, {STK(-8, 0), NOM}, R12, 8, 0, 0, 0, NOCC},
    {"push ax",                                     "66 50",                "push", OPUSH, 0, WR, 2, 1, {STK(-2, 0), NOM}, RAX, 2, 0, 0, P_OS, NOCC},
    {"push qword ptr [rax]",                        "ff 30",                "push", OPUSH, 0, RD, 8, 2, {MA(RAX, NR, 1, 0, RD), STK(-8, WR)}, NR, 0, 0, MF, 0, NOCC},
    {"push qword ptr [rsp+8]",                      "ff 74 24 08",          "push", OPUSH, 0, RD, 8, 2, {MA(RSP, NR, 1, 8, RD), STK(-8, WR)}, NR, 0, 0, MF, 0, NOCC},
    {"push word ptr [rax]",                         "66 ff 30",             "push", OPUSH, 0, RD, 2, 2, {MA(RAX, NR, 1, 0, RD), STK(-2, WR)}, NR, 0, 0, MF, P_OS, NOCC},
    {"push 0x12",                                   "6a 12",                "push", OPUSH, 0, WR, 8, 1, {STK(-8, 0), NOM}, NR, 0, 0x12, IMM, 0, NOCC},
    {"push -2",                                     "6a fe",                "push", OPUSH, 0, WR, 8, 1, {STK(-8, 0), NOM}, NR, 0, -2, IMM, 0, NOCC},
    {"push 0x12345678",                             "68 78 56 34 12",       "push", OPUSH, 0, WR, 8, 1, {STK(-8, 0), NOM}, NR, 0, 0x12345678, IMM, 0, NOCC},
    {"pushw 0x1234",                                "66 68 34 12",          "push", OPUSH, 0, WR, 2, 1, {STK(-2, 0), NOM}, NR, 0, 0x1234, IMM, P_OS, NOCC},
    {"pushfq",                                      "9c",                   "pushfq", OPUSH, 0, WR, 8, 1, {STK(-8, 0), NOM}, RFL, 8, 0, 0, 0, NOCC},
    {"pushfw",                                      "66 9c",                "pushf", OPUSH, 0, WR, 2, 1, {STK(-2, 0), NOM}, RFL, 2, 0, 0, P_OS, NOCC},
    {"pop rbx",                                     "5b",                   "pop", OPOP, 0, RD, 8, 1, {STK(0, 0), NOM}, RBX, 8, 0, 0, 0, NOCC},
    {"pop r15",                                     "41 5f",                "pop", OPOP, 0, RD, 8, 1, {STK(0, 0), NOM}, R15, 8, 0, 0, 0, NOCC},
    {"pop qword ptr [rax]",                         "8f 00",                "pop", OPOP, 0, RD, 8, 2, {STK(0, RD), MA(RAX, NR, 1, 0, WR)}, NR, 0, 0, MF, 0, NOCC},
    {"pop qword ptr [rip+0x10]",                    "8f 05 10 00 00 00",    "pop", OPOP, 0, RD, 8, 2, {STK(0, RD), MA(RIP, NR, 1, 0x10, WR)}, NR, 0, 0, MF, 0, NOCC},
    {"pop word ptr [rbx]",                          "66 8f 03",             "pop", OPOP, 0, RD, 2, 2, {STK(0, RD), MA(RBX, NR, 1, 0, WR)}, NR, 0, 0, MF, P_OS, NOCC},
    {"popfq",                                       "9d",                   "popfq", OPOP, 0, RD, 8, 1, {STK(0, 0), NOM}, RFL, 8, 0, FL, 0, NOCC},
    {"popfw",                                       "66 9d",                "popf", OPOP, 0, RD, 2, 1, {STK(0, 0), NOM}, RFL, 2, 0, FL, P_OS, NOCC},
};

/* ---- string instructions ------------------------------------------------------
 * MOVS/CMPS: mem[0] = [RSI] (DS, or the FS/GS override), mem[1] = [RDI] (ES,
 * which no prefix overrides).  F3 is REP on MOVS/STOS/LODS and REPE on
 * CMPS/SCAS (both set rep); F2 is REPNE. */

static const struct xcase string_cases[] = {
    {"movsb",                                       "a4",                   "movsb", OMOVS, 0, RD, 1, 2, {MA(RSI, NR, 1, 0, RD), MA(RDI, NR, 1, 0, WR)}, NR, 0, 0, STR, 0, NOCC},
    {"movsw",                                       "66 a5",                "movsw", OMOVS, 0, RD, 2, 2, {MA(RSI, NR, 1, 0, RD), MA(RDI, NR, 1, 0, WR)}, NR, 0, 0, STR, P_OS, NOCC},
    {"movsd",                                       "a5",                   "movsd", OMOVS, 0, RD, 4, 2, {MA(RSI, NR, 1, 0, RD), MA(RDI, NR, 1, 0, WR)}, NR, 0, 0, STR, 0, NOCC},
    {"movsq",                                       "48 a5",                "movsq", OMOVS, 0, RD, 8, 2, {MA(RSI, NR, 1, 0, RD), MA(RDI, NR, 1, 0, WR)}, NR, 0, 0, STR, 0, NOCC},
    {"rep movsb",                                   "f3 a4",                "movsb", OMOVS, 0, RD, 1, 2, {MA(RSI, NR, 1, 0, RD), MA(RDI, NR, 1, 0, WR)}, NR, 0, 0, STR | REP, P_REP, NOCC},
    {"rep movsq",                                   "f3 48 a5",             "movsq", OMOVS, 0, RD, 8, 2, {MA(RSI, NR, 1, 0, RD), MA(RDI, NR, 1, 0, WR)}, NR, 0, 0, STR | REP, P_REP, NOCC},
    {".byte 0xf2, 0xa4 (repne movsb)",              "f2 a4",                "movsb", OMOVS, 0, RD, 1, 2, {MA(RSI, NR, 1, 0, RD), MA(RDI, NR, 1, 0, WR)}, NR, 0, 0, STR | RPN, P_REPNE, NOCC},
    {"movs byte ptr es:[rdi], byte ptr fs:[rsi]",   "64 a4",                "movsb", OMOVS, 0, RD, 1, 2, {MSA(RSI, NR, 1, 0, FS, RD), MA(RDI, NR, 1, 0, WR)}, NR, 0, 0, STR, P_FS, NOCC},
    {"movs byte ptr es:[edi], byte ptr [esi]",      "67 a4",                "movsb", OMOVS, 0, RD, 1, 2, {M4A(RSI, NR, 1, 0, RD), M4A(RDI, NR, 1, 0, WR)}, NR, 0, 0, STR, P_AS, NOCC},
    {"stosb",                                       "aa",                   "stosb", OSTOS, 0, WR, 1, 1, {M(RDI, NR, 1, 0), NOM}, RAX, 1, 0, STR, 0, NOCC},
    {"stosw",                                       "66 ab",                "stosw", OSTOS, 0, WR, 2, 1, {M(RDI, NR, 1, 0), NOM}, RAX, 2, 0, STR, P_OS, NOCC},
    {"stosd",                                       "ab",                   "stosd", OSTOS, 0, WR, 4, 1, {M(RDI, NR, 1, 0), NOM}, RAX, 4, 0, STR, 0, NOCC},
    {"stosq",                                       "48 ab",                "stosq", OSTOS, 0, WR, 8, 1, {M(RDI, NR, 1, 0), NOM}, RAX, 8, 0, STR, 0, NOCC},
    {"rep stosq",                                   "f3 48 ab",             "stosq", OSTOS, 0, WR, 8, 1, {M(RDI, NR, 1, 0), NOM}, RAX, 8, 0, STR | REP, P_REP, NOCC},
    {"rep stosd",                                   "f3 ab",                "stosd", OSTOS, 0, WR, 4, 1, {M(RDI, NR, 1, 0), NOM}, RAX, 4, 0, STR | REP, P_REP, NOCC},
    {"lodsb",                                       "ac",                   "lodsb", OLODS, 0, RD, 1, 1, {M(RSI, NR, 1, 0), NOM}, RAX, 1, 0, STR, 0, NOCC},
    {"lodsq",                                       "48 ad",                "lodsq", OLODS, 0, RD, 8, 1, {M(RSI, NR, 1, 0), NOM}, RAX, 8, 0, STR, 0, NOCC},
    {"rep lodsb",                                   "f3 ac",                "lodsb", OLODS, 0, RD, 1, 1, {M(RSI, NR, 1, 0), NOM}, RAX, 1, 0, STR | REP, P_REP, NOCC},
    {"lods al, byte ptr gs:[rsi]",                  "65 ac",                "lodsb", OLODS, 0, RD, 1, 1, {MS(RSI, NR, 1, 0, GS), NOM}, RAX, 1, 0, STR, P_GS, NOCC},
    {"cmpsb",                                       "a6",                   "cmpsb", OCMPS, 0, RD, 1, 2, {MA(RSI, NR, 1, 0, RD), MA(RDI, NR, 1, 0, RD)}, NR, 0, 0, STR | FL, 0, NOCC},
    {"cmpsq",                                       "48 a7",                "cmpsq", OCMPS, 0, RD, 8, 2, {MA(RSI, NR, 1, 0, RD), MA(RDI, NR, 1, 0, RD)}, NR, 0, 0, STR | FL, 0, NOCC},
    {"repe cmpsb",                                  "f3 a6",                "cmpsb", OCMPS, 0, RD, 1, 2, {MA(RSI, NR, 1, 0, RD), MA(RDI, NR, 1, 0, RD)}, NR, 0, 0, STR | FL | REP, P_REPE, NOCC},
    {"repne cmpsd",                                 "f2 a7",                "cmpsd", OCMPS, 0, RD, 4, 2, {MA(RSI, NR, 1, 0, RD), MA(RDI, NR, 1, 0, RD)}, NR, 0, 0, STR | FL | RPN, P_REPNE, NOCC},
    {"scasb",                                       "ae",                   "scasb", OSCAS, 0, RD, 1, 1, {M(RDI, NR, 1, 0), NOM}, RAX, 1, 0, STR | FL, 0, NOCC},
    {"repe scasd",                                  "f3 af",                "scasd", OSCAS, 0, RD, 4, 1, {M(RDI, NR, 1, 0), NOM}, RAX, 4, 0, STR | FL | REP, P_REPE, NOCC},
    {"repne scasb",                                 "f2 ae",                "scasb", OSCAS, 0, RD, 1, 1, {M(RDI, NR, 1, 0), NOM}, RAX, 1, 0, STR | FL | RPN, P_REPNE, NOCC},
    {"scasq",                                       "48 af",                "scasq", OSCAS, 0, RD, 8, 1, {M(RDI, NR, 1, 0), NOM}, RAX, 8, 0, STR | FL, 0, NOCC},
};

/* ---- SETcc and CMOVcc -------------------------------------------------------
 * cc is the low nibble of the opcode (SDM Vol. 1 Appendix B, "tttn");
 * Zydis names each condition by one spelling (sete is "setz", ...). */

static const struct xcase cc_cases[] = {
    {"seto byte ptr [rax]",                         "0f 90 00",             "seto", OSET, 0, WR, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, MF, 0, 0x0},
    {"setno byte ptr [rax]",                        "0f 91 00",             "setno", OSET, 0, WR, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, MF, 0, 0x1},
    {"setb byte ptr [rax]",                         "0f 92 00",             "setb", OSET, 0, WR, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, MF, 0, 0x2},
    {"setae byte ptr [rax]",                        "0f 93 00",             "setnb", OSET, 0, WR, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, MF, 0, 0x3},
    {"sete byte ptr [rax]",                         "0f 94 00",             "setz", OSET, 0, WR, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, MF, 0, 0x4},
    {"setne byte ptr [rax]",                        "0f 95 00",             "setnz", OSET, 0, WR, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, MF, 0, 0x5},
    {"setbe byte ptr [rax]",                        "0f 96 00",             "setbe", OSET, 0, WR, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, MF, 0, 0x6},
    {"seta byte ptr [rax]",                         "0f 97 00",             "setnbe", OSET, 0, WR, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, MF, 0, 0x7},
    {"sets byte ptr [rax]",                         "0f 98 00",             "sets", OSET, 0, WR, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, MF, 0, 0x8},
    {"setns byte ptr [rax]",                        "0f 99 00",             "setns", OSET, 0, WR, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, MF, 0, 0x9},
    {"setp byte ptr [rax]",                         "0f 9a 00",             "setp", OSET, 0, WR, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, MF, 0, 0xa},
    {"setnp byte ptr [rax]",                        "0f 9b 00",             "setnp", OSET, 0, WR, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, MF, 0, 0xb},
    {"setl byte ptr [rax]",                         "0f 9c 00",             "setl", OSET, 0, WR, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, MF, 0, 0xc},
    {"setge byte ptr [rax]",                        "0f 9d 00",             "setnl", OSET, 0, WR, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, MF, 0, 0xd},
    {"setle byte ptr [rax]",                        "0f 9e 00",             "setle", OSET, 0, WR, 1, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, MF, 0, 0xe},
    {"setg byte ptr [rax+rcx*1+0x20]",              "0f 9f 44 08 20",       "setnle", OSET, 0, WR, 1, 1, {M(RAX, RCX, 1, 0x20), NOM}, NR, 0, 0, MF, 0, 0xf},
    {"cmove eax, dword ptr [rax]",                  "0f 44 00",             "cmovz", OCMOV, 0, RD, 4, 1, {M(RAX, NR, 1, 0), NOM}, RAX, 4, 0, 0, 0, 0x4},
    {"cmovne rcx, qword ptr [rbx]",                 "48 0f 45 0b",          "cmovnz", OCMOV, 0, RD, 8, 1, {M(RBX, NR, 1, 0), NOM}, RCX, 8, 0, 0, 0, 0x5},
    {"cmovl dx, word ptr [rsi]",                    "66 0f 4c 16",          "cmovl", OCMOV, 0, RD, 2, 1, {M(RSI, NR, 1, 0), NOM}, RDX, 2, 0, 0, P_OS, 0xc},
    {"cmovg r8d, dword ptr [r9]",                   "45 0f 4f 01",          "cmovnle", OCMOV, 0, RD, 4, 1, {M(R9, NR, 1, 0), NOM}, R8, 4, 0, 0, 0, 0xf},
    {"cmovo eax, dword ptr [rax]",                  "0f 40 00",             "cmovo", OCMOV, 0, RD, 4, 1, {M(RAX, NR, 1, 0), NOM}, RAX, 4, 0, 0, 0, 0x0},
    {"cmovb rax, qword ptr [rip+0x8]",              "48 0f 42 05 08 00 00 00", "cmovb", OCMOV, 0, RD, 8, 1, {M(RIP, NR, 1, 8), NOM}, RAX, 8, 0, 0, 0, 0x2},
};

/* ---- addressing forms (SDM Vol. 2 §2.1.5 and §2.2.1) -------------------------
 * All loads into EAX unless the text says otherwise.  [rbp]/[r13] need a
 * disp8 of 0 (mod 00 with that base means RIP-relative or disp32); [rsp]/[r12]
 * need a SIB byte; [0x1000] is SIB with no base and no index; 0x67 makes the
 * address 32-bit (addr_size 4) without changing the register numbers.  A CS/
 * DS/ES/SS override is ignored in 64-bit mode (segment 0, no prefix bit). */

static const struct xcase addr_cases[] = {
    {"mov eax, dword ptr [rax]",                    "8b 00",                "mov", OMOV, 0, RD, 4, 1, {M(RAX, NR, 1, 0), NOM}, RAX, 4, 0, 0, 0, NOCC},
    {"mov eax, dword ptr [rax+rcx*1]",              "8b 04 08",             "mov", OMOV, 0, RD, 4, 1, {M(RAX, RCX, 1, 0), NOM}, RAX, 4, 0, 0, 0, NOCC},
    {"mov eax, dword ptr [rax+rcx*2+0x10]",         "8b 44 48 10",          "mov", OMOV, 0, RD, 4, 1, {M(RAX, RCX, 2, 0x10), NOM}, RAX, 4, 0, 0, 0, NOCC},
    {"mov eax, dword ptr [rbx+rdx*4-0x80]",         "8b 44 93 80",          "mov", OMOV, 0, RD, 4, 1, {M(RBX, RDX, 4, -0x80), NOM}, RAX, 4, 0, 0, 0, NOCC},
    {"mov eax, dword ptr [rsp]",                    "8b 04 24",             "mov", OMOV, 0, RD, 4, 1, {M(RSP, NR, 1, 0), NOM}, RAX, 4, 0, 0, 0, NOCC},
    {"mov eax, dword ptr [rsp+8]",                  "8b 44 24 08",          "mov", OMOV, 0, RD, 4, 1, {M(RSP, NR, 1, 8), NOM}, RAX, 4, 0, 0, 0, NOCC},
    {"mov eax, dword ptr [rbp]",                    "8b 45 00",             "mov", OMOV, 0, RD, 4, 1, {M(RBP, NR, 1, 0), NOM}, RAX, 4, 0, 0, 0, NOCC},
    {"mov eax, dword ptr [rbp-8]",                  "8b 45 f8",             "mov", OMOV, 0, RD, 4, 1, {M(RBP, NR, 1, -8), NOM}, RAX, 4, 0, 0, 0, NOCC},
    {"mov eax, dword ptr [r12]",                    "41 8b 04 24",          "mov", OMOV, 0, RD, 4, 1, {M(R12, NR, 1, 0), NOM}, RAX, 4, 0, 0, 0, NOCC},
    {"mov eax, dword ptr [r13]",                    "41 8b 45 00",          "mov", OMOV, 0, RD, 4, 1, {M(R13, NR, 1, 0), NOM}, RAX, 4, 0, 0, 0, NOCC},
    {"mov eax, dword ptr [r13+r14*8+0x12345678]",   "43 8b 84 f5 78 56 34 12", "mov", OMOV, 0, RD, 4, 1, {M(R13, R14, 8, 0x12345678), NOM}, RAX, 4, 0, 0, 0, NOCC},
    {"mov eax, dword ptr [rcx*8+0x1000]",           "8b 04 cd 00 10 00 00", "mov", OMOV, 0, RD, 4, 1, {M(NR, RCX, 8, 0x1000), NOM}, RAX, 4, 0, 0, 0, NOCC},
    {"mov eax, dword ptr [0x1000]",                 "8b 04 25 00 10 00 00", "mov", OMOV, 0, RD, 4, 1, {M(NR, NR, 1, 0x1000), NOM}, RAX, 4, 0, 0, 0, NOCC},
    {"mov eax, dword ptr [rax-0x80000000]",         "8b 80 00 00 00 80",    "mov", OMOV, 0, RD, 4, 1, {M(RAX, NR, 1, -0x80000000LL), NOM}, RAX, 4, 0, 0, 0, NOCC},
    {"mov eax, dword ptr [rip+0x10]",               "8b 05 10 00 00 00",    "mov", OMOV, 0, RD, 4, 1, {M(RIP, NR, 1, 0x10), NOM}, RAX, 4, 0, 0, 0, NOCC},
    {"mov eax, dword ptr [rip-0x20]",               "8b 05 e0 ff ff ff",    "mov", OMOV, 0, RD, 4, 1, {M(RIP, NR, 1, -0x20), NOM}, RAX, 4, 0, 0, 0, NOCC},
    {"mov eax, dword ptr [ebx+4]",                  "67 8b 43 04",          "mov", OMOV, 0, RD, 4, 1, {M4(RBX, NR, 1, 4), NOM}, RAX, 4, 0, 0, P_AS, NOCC},
    {"mov eax, dword ptr [eip+0x10]",               "67 8b 05 10 00 00 00", "mov", OMOV, 0, RD, 4, 1, {M4(RIP, NR, 1, 0x10), NOM}, RAX, 4, 0, 0, P_AS, NOCC},
    {"mov eax, dword ptr [ecx+edx*4]",              "67 8b 04 91",          "mov", OMOV, 0, RD, 4, 1, {M4(RCX, RDX, 4, 0), NOM}, RAX, 4, 0, 0, P_AS, NOCC},
    {"mov eax, dword ptr fs:[rax]",                 "64 8b 00",             "mov", OMOV, 0, RD, 4, 1, {MS(RAX, NR, 1, 0, FS), NOM}, RAX, 4, 0, 0, P_FS, NOCC},
    {"mov rax, qword ptr gs:[0x28]",                "65 48 8b 04 25 28 00 00 00", "mov", OMOV, 0, RD, 8, 1, {MS(NR, NR, 1, 0x28, GS), NOM}, RAX, 8, 0, 0, P_GS, NOCC},
    {"mov dword ptr fs:[rip+0x8], ecx",             "64 89 0d 08 00 00 00", "mov", OMOV, 0, WR, 4, 1, {MS(RIP, NR, 1, 8, FS), NOM}, RCX, 4, 0, MF, P_FS, NOCC},
    {".byte 0x3e, 0x8b, 0x00 (mov eax, dword ptr ds:[rax])", "3e 8b 00",    "mov", OMOV, 0, RD, 4, 1, {M(RAX, NR, 1, 0), NOM}, RAX, 4, 0, 0, 0, NOCC},
    {".byte 0x26, 0x8b, 0x00 (mov eax, dword ptr es:[rax])", "26 8b 00",    "mov", OMOV, 0, RD, 4, 1, {M(RAX, NR, 1, 0), NOM}, RAX, 4, 0, 0, 0, NOCC},
};

/* ---- VMF_EUNSUPP: memory instructions vmfault does not model ------------------
 * op OTHER, the mnemonic, and best effort the memory operand(s), with the
 * direction and size Zydis gives them (reg/imm/subop/cc/mem_first unset).
 * Zydis quirks written in as found: CLFLUSH's operand is the 64-byte line;
 * FXSAVE's 512 bytes do not fit size (0); CALL/RET/PUSH FS stack operands are
 * [RSP] as Zydis states them (no -size); a gather's index is a vector. */

static const struct xcase unsupp_cases[] = {
    {".byte 0x66, 0x63, 0x00 (movsxd ax, [rax]: 16-bit MOVSXD)", "66 63 00", "movsxd", OOTH, 0, RD, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, 0, P_OS, NOCC},
    {"movbe ecx, dword ptr [rax]",                  "0f 38 f0 08",          "movbe", OOTH, 0, RD, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, 0, 0, NOCC},
    {"imul eax, dword ptr [rax]",                   "0f af 00",             "imul", OOTH, 0, RD, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, FL, 0, NOCC},
    {"mul dword ptr [rax]",                         "f7 20",                "mul", OOTH, 0, RD, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, FL, 0, NOCC},
    {"div qword ptr [rbx]",                         "48 f7 33",             "div", OOTH, 0, RD, 8, 1, {M(RBX, NR, 1, 0), NOM}, NR, 0, 0, FL, 0, NOCC},
    {"mov word ptr [rax], ds",                      "8c 18",                "mov", OOTH, 0, WR, 2, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, 0, 0, NOCC},
    {"movq mm0, qword ptr [rax]",                   "0f 6f 00",             "movq", OOTH, 0, RD, 8, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, 0, 0, NOCC},
    {"vmovdqu32 zmm0, zmmword ptr [rax]",           "62 f1 7e 48 6f 00",    "vmovdqu32", OOTH, 0, RD, 64, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, 0, 0, NOCC},
    {"{evex} vmovaps xmm0, xmmword ptr [rax]",      "62 f1 7c 08 28 00",    "vmovaps", OOTH, 0, RD, 16, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, 0, 0, NOCC},
    {"movlps xmm0, qword ptr [rax]",                "0f 12 00",             "movlps", OOTH, 0, RD, 8, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, 0, 0, NOCC},
    {"fld dword ptr [rax]",                         "d9 00",                "fld", OOTH, 0, RD, 4, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, 0, 0, NOCC},
    {"fxsave [rax]",                                "0f ae 00",             "fxsave", OOTH, 0, WR, 0, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, 0, 0, NOCC},
    {"clflush byte ptr [rax]",                      "0f ae 38",             "clflush", OOTH, 0, RD, 64, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, 0, 0, NOCC},
    {"vpgatherdd xmm0, dword ptr [rax+xmm1*4], xmm2", "c4 e2 69 90 04 88",  "vpgatherdd", OOTH, 0, RD, 4, 1, {M(RAX, X(1), 4, 0), NOM}, NR, 0, 0, 0, 0, NOCC},
    {"call qword ptr [rax]",                        "ff 10",                "call", OOTH, 0, RD, 8, 2, {MA(RAX, NR, 1, 0, RD), STK(0, WR)}, NR, 0, 0, 0, 0, NOCC},
    {"jmp qword ptr [rax]",                         "ff 20",                "jmp", OOTH, 0, RD, 8, 1, {M(RAX, NR, 1, 0), NOM}, NR, 0, 0, 0, 0, NOCC},
    {"ret",                                         "c3",                   "ret", OOTH, 0, RD, 8, 1, {STK(0, 0), NOM}, NR, 0, 0, 0, 0, NOCC},
    {"leave",                                       "c9",                   "leave", OOTH, 0, RD, 8, 1, {M(RBP, NR, 1, 0), NOM}, NR, 0, 0, 0, 0, NOCC},
    {"xlat",                                        "d7",                   "xlat", OOTH, 0, RD, 1, 1, {M(RBX, NR, 1, 0), NOM}, NR, 0, 0, 0, 0, NOCC},
    {"push fs",                                     "0f a0",                "push", OOTH, 0, WR, 8, 1, {STK(0, 0), NOM}, NR, 0, 0, 0, 0, NOCC},
    {"call .+5 (call rel32 0)",                     "e8 00 00 00 00",       "call", OOTH, 0, WR, 8, 1, {STK(0, 0), NOM}, NR, 0, 0, 0, 0, NOCC},
};

/* ---- the table driver ---------------------------------------------------------- */

/* "89 48 04" -> bytes; returns the count. */
static size_t parse_hex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    unsigned v;
    int used;

    while (*s != '\0' && n < cap && sscanf(s, " %2x%n", &v, &used) == 1) {
        out[n++] = (uint8_t)v;
        s += used;
    }
    return n;
}

#define EXPECT_FIELD(c, name, got, want)                                                         \
    cr_expect_eq((long long)(got), (long long)(want), "%s: %s = %lld, want %lld", (c)->text, name, \
                 (long long)(got), (long long)(want))

static void check_mem(const struct xcase *c, unsigned i, const vmf_x86_mem *got, const struct emem *want)
{
    char name[32];
    const uint8_t acc = (i == 0 && want->access == 0) ? c->access : want->access;

#define MEMF(f, w)                                       \
    do {                                                 \
        snprintf(name, sizeof name, "mem[%u].%s", i, #f); \
        EXPECT_FIELD(c, name, got->f, w);                \
    } while (0)
    MEMF(base, want->base);
    MEMF(index, want->index);
    MEMF(scale, want->scale);
    MEMF(segment, want->segment);
    MEMF(disp, want->disp);
    MEMF(addr_size, want->addr_size);
    MEMF(access, acc);
#undef MEMF
}

/* Decode one row and compare every field of vmf_x86_access. */
static void check_case(const struct xcase *c, int want_status)
{
    uint8_t bytes[16];
    const size_t n = parse_hex(c->hex, bytes, sizeof bytes);
    vmf_x86_access a;
    int st;

    cr_assert_gt(n, 0, "%s: bad hex", c->text);
    memset(&a, 0xa5, sizeof a);
    st = vmf_x86_decode(bytes, n, &a);
    cr_expect_eq(st, want_status, "%s: status %d (%s), want %d", c->text, st, vmf_strerror(st), want_status);
    EXPECT_FIELD(c, "length", a.length, n);
    cr_expect_str_eq(a.mnemonic, c->mnemonic, "%s: mnemonic \"%s\", want \"%s\"", c->text, a.mnemonic,
                     c->mnemonic);
    EXPECT_FIELD(c, "op", a.op, c->op);
    EXPECT_FIELD(c, "subop", a.subop, c->subop);
    EXPECT_FIELD(c, "access", a.access, c->access);
    EXPECT_FIELD(c, "size", a.size, c->size);
    EXPECT_FIELD(c, "nmem", a.nmem, c->nmem);
    check_mem(c, 0, &a.mem[0], &c->mem[0]);
    check_mem(c, 1, &a.mem[1], &c->mem[1]);
    EXPECT_FIELD(c, "reg", a.reg, c->reg);
    EXPECT_FIELD(c, "reg_size", a.reg_size, c->reg_size);
    EXPECT_FIELD(c, "reg_high8", a.reg_high8, (c->flags & H8) != 0);
    EXPECT_FIELD(c, "has_imm", a.has_imm, (c->flags & IMM) != 0);
    EXPECT_FIELD(c, "imm", a.imm, c->imm);
    EXPECT_FIELD(c, "sign_extend", a.sign_extend, (c->flags & SX) != 0);
    EXPECT_FIELD(c, "zero_extend", a.zero_extend, (c->flags & ZX) != 0);
    EXPECT_FIELD(c, "string", a.string, (c->flags & STR) != 0);
    EXPECT_FIELD(c, "rep", a.rep, (c->flags & REP) != 0);
    EXPECT_FIELD(c, "repne", a.repne, (c->flags & RPN) != 0);
    EXPECT_FIELD(c, "lock", a.lock, (c->flags & LCK) != 0);
    EXPECT_FIELD(c, "writes_flags", a.writes_flags, (c->flags & FL) != 0);
    EXPECT_FIELD(c, "mem_first", a.mem_first, (c->flags & MF) != 0);
    EXPECT_FIELD(c, "prefixes", a.prefixes, c->prefixes);
    EXPECT_FIELD(c, "cc", a.cc, c->cc);
}

static void run_table(const struct xcase *rows, size_t n, int want_status)
{
    for (size_t i = 0; i < n; i++)
        check_case(&rows[i], want_status);
}

Test(decode_x86, mov) { run_table(mov_cases, NELEM(mov_cases), VMF_OK); }
Test(decode_x86, sse_avx_moves) { run_table(sse_cases, NELEM(sse_cases), VMF_OK); }
Test(decode_x86, movzx_movsx) { run_table(movx_cases, NELEM(movx_cases), VMF_OK); }
Test(decode_x86, alu) { run_table(alu_cases, NELEM(alu_cases), VMF_OK); }
Test(decode_x86, test) { run_table(test_cases, NELEM(test_cases), VMF_OK); }
Test(decode_x86, unary) { run_table(unary_cases, NELEM(unary_cases), VMF_OK); }
Test(decode_x86, shift) { run_table(shift_cases, NELEM(shift_cases), VMF_OK); }
Test(decode_x86, bittest) { run_table(bit_cases, NELEM(bit_cases), VMF_OK); }
Test(decode_x86, xchg_cmpxchg_xadd) { run_table(xchg_cases, NELEM(xchg_cases), VMF_OK); }
Test(decode_x86, push_pop) { run_table(stack_cases, NELEM(stack_cases), VMF_OK); }
Test(decode_x86, string) { run_table(string_cases, NELEM(string_cases), VMF_OK); }
Test(decode_x86, setcc_cmovcc) { run_table(cc_cases, NELEM(cc_cases), VMF_OK); }
Test(decode_x86, addressing) { run_table(addr_cases, NELEM(addr_cases), VMF_OK); }
Test(decode_x86, unsupported) { run_table(unsupp_cases, NELEM(unsupp_cases), VMF_EUNSUPP); }

/* ---- VMF_ENOTMEM ---------------------------------------------------------------- */

struct short_case {
    const char *text;
    const char *hex;
    const char *mnemonic; /* "" when no instruction is decoded */
};

static const struct short_case notmem_cases[] = {
    {"lea rax, [rbx+rcx*4+8]",                      "48 8d 44 8b 08",       "lea"},
    {"lea eax, [rip+0x10]",                         "8d 05 10 00 00 00",    "lea"},
    {"nop dword ptr [rax]",                         "0f 1f 00",             "nop"},
    {"nop word ptr [rax+rax*1+0x0]",                "66 0f 1f 04 00",       "nop"},
    {"mov rax, rbx",                                "48 89 d8",             "mov"},
    {"mov eax, 1",                                  "b8 01 00 00 00",       "mov"},
    {"jmp .+0x100",                                 "e9 fb 00 00 00",       "jmp"},
    {"jmp rax",                                     "ff e0",                "jmp"},
    {"prefetchnta byte ptr [rax]",                  "0f 18 00",             "prefetchnta"},
    {"prefetcht0 byte ptr [rax]",                   "0f 18 08",             "prefetcht0"},
    {"prefetcht1 byte ptr [rax]",                   "0f 18 10",             "prefetcht1"},
    {"prefetcht2 byte ptr [rax]",                   "0f 18 18",             "prefetcht2"},
    {"prefetchw byte ptr [rax]",                    "0f 0d 08",             "prefetchw"},
    {"prefetch byte ptr [rax]",                     "0f 0d 00",             "prefetch"},
    {".byte 0x0f, 0x18, 0x20 (reserved-NOP hint 0F 18 /4)", "0f 18 20",     "nop"},
    {".byte 0x0f, 0x1a, 0x00 (0F 1A: BNDLDX under MPX, a NOP without)", "0f 1a 00", "nop"},
    {"movd xmm0, eax",                              "66 0f 6e c0",          "movd"},
    {"add eax, ebx",                                "01 d8",                "add"},
    {"cpuid",                                       "0f a2",                "cpuid"},
    {"hlt",                                         "f4",                   "hlt"},
};

Test(decode_x86, not_memory)
{
    for (size_t i = 0; i < NELEM(notmem_cases); i++) {
        const struct short_case *c = &notmem_cases[i];
        uint8_t b[16];
        const size_t n = parse_hex(c->hex, b, sizeof b);
        vmf_x86_access a;
        int st = vmf_x86_decode(b, n, &a);

        cr_expect_eq(st, VMF_ENOTMEM, "%s: status %d, want VMF_ENOTMEM", c->text, st);
        cr_expect_eq(a.length, n, "%s: length %u, want %zu", c->text, a.length, n);
        cr_expect_str_eq(a.mnemonic, c->mnemonic, "%s: mnemonic %s", c->text, a.mnemonic);
        cr_expect_eq(a.op, VMF_X86_OP_NONE, "%s: op %u", c->text, a.op);
        cr_expect_eq(a.nmem, 0, "%s: nmem %u", c->text, a.nmem);
        cr_expect_eq(a.mem_first, false, "%s: mem_first", c->text);
    }
}

/* ---- VMF_EUNDEF ------------------------------------------------------------------
 * Zydis 4 decodes UD2 (0F 0B) and UD0/UD1 (0F FF, 0F B9, with a ModRM memory
 * operand) as instructions; vmfault reports them VMF_EUNDEF on purpose (they
 * exist to raise #UD).  The others are bytes Zydis rejects. */

static const struct short_case undef_cases[] = {
    {"0x06 (PUSH ES: invalid in 64-bit mode)",     "06",                   ""},
    {"0xd6 (SALC: invalid in 64-bit mode)",        "d6",                   ""},
    {"0x0f 0x04 (unallocated)",                     "0f 04",                ""},
    {"lock mov dword ptr [rax], ecx (LOCK on MOV)", "f0 89 08",             ""},
    {"lock nop",                                    "f0 90",                ""},
    {"ud2",                                         "0f 0b",                "ud2"},
    {"ud0 eax, dword ptr [rax]",                    "0f ff 00",             "ud0"},
    {"ud1 eax, dword ptr [rax]",                    "0f b9 00",             "ud1"},
    {"truncated: mov without ModRM",                "8b",                   ""},
    {"truncated: mov without its disp8",            "89 48",                ""},
    {"truncated: mov without its SIB",              "8b 04",                ""},
    {"truncated: mov qword ptr [rax], imm32 cut short", "48 c7 00 ff ff",   ""},
    {"truncated: a lone VEX prefix",                "c4",                   ""},
    {"truncated: a lone EVEX prefix",               "62",                   ""},
    {"truncated: a lone 0x0f escape",               "0f",                   ""},
    {"16 bytes: 15 operand-size prefixes and nop (limit is 15)",
     "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", ""},
};

Test(decode_x86, undefined)
{
    for (size_t i = 0; i < NELEM(undef_cases); i++) {
        const struct short_case *c = &undef_cases[i];
        uint8_t b[16];
        const size_t n = parse_hex(c->hex, b, sizeof b);
        vmf_x86_access a;
        int st = vmf_x86_decode(b, n, &a);

        cr_expect_eq(st, VMF_EUNDEF, "%s: status %d, want VMF_EUNDEF", c->text, st);
        cr_expect_str_eq(a.mnemonic, c->mnemonic, "%s: mnemonic %s", c->text, a.mnemonic);
        cr_expect_eq(a.op, VMF_X86_OP_NONE, "%s: op %u", c->text, a.op);
        cr_expect_eq(a.nmem, 0, "%s: nmem %u", c->text, a.nmem);
    }
}

Test(decode_x86, zero_length_and_bad_arguments)
{
    static const uint8_t mov[] = {0x89, 0x48, 0x04};
    vmf_x86_access a;
    char buf[64];

    cr_expect_eq(vmf_x86_decode(mov, 0, &a), VMF_EUNDEF);
    cr_expect_eq(a.length, 0);
    cr_expect_eq(vmf_x86_decode(NULL, 3, &a), VMF_EINVAL);
    cr_expect_eq(vmf_x86_decode(mov, sizeof mov, NULL), VMF_EINVAL);
    /* a prefix of a valid instruction is too few bytes */
    cr_expect_eq(vmf_x86_decode(mov, 2, &a), VMF_EUNDEF);
    /* extra bytes after the instruction are ignored */
    {
        static const uint8_t two[] = {0x89, 0x48, 0x04, 0x90, 0x90};
        cr_expect_eq(vmf_x86_decode(two, sizeof two, &a), VMF_OK);
        cr_expect_eq(a.length, 3);
    }
    cr_expect_eq(vmf_x86_disasm(NULL, 3, 0, buf, sizeof buf), VMF_EINVAL);
    cr_expect_eq(vmf_x86_disasm(mov, 3, 0, NULL, sizeof buf), VMF_EINVAL);
    cr_expect_eq(vmf_x86_disasm(mov, 3, 0, buf, 0), VMF_EINVAL);
    cr_expect_eq(vmf_x86_disasm(mov, 0, 0, buf, sizeof buf), VMF_EUNDEF);
    cr_expect_str_eq(buf, "");
}

/* Every byte of the result is defined, whatever the caller's buffer held and
 * whatever the status (the trace digests depend on it). */
Test(decode_x86, result_fully_initialised)
{
    static const char *const hexes[] = {
        "89 48 04", "f3 48 a5", "ff 30", "0f 94 00", "c5 f9 6f 08", /* 0 */
        "48 8d 44 8b 08", "f4",                                     /* ENOTMEM */
        "0f ae 38", "c3",                                           /* EUNSUPP */
        "06", "0f 0b", "8b",                                        /* EUNDEF */
    };
    for (size_t i = 0; i < NELEM(hexes); i++) {
        uint8_t b[16];
        const size_t n = parse_hex(hexes[i], b, sizeof b);
        vmf_x86_access x, y;
        int sx, sy;

        memset(&x, 0x00, sizeof x);
        memset(&y, 0xff, sizeof y);
        sx = vmf_x86_decode(b, n, &x);
        sy = vmf_x86_decode(b, n, &y);
        cr_expect_eq(sx, sy, "%s", hexes[i]);
        cr_expect(memcmp(&x, &y, sizeof x) == 0, "%s: result depends on the old contents", hexes[i]);
    }
}

/* RIP-relative: disp is relative to the next instruction, so the target is
 * rip + length + disp; the disassembler prints that absolute address. */
Test(decode_x86, rip_relative_target)
{
    static const uint8_t b[] = {0x8b, 0x05, 0x10, 0x00, 0x00, 0x00}; /* mov eax, dword ptr [rip+0x10] */
    const uint64_t rip = 0x401000;
    vmf_x86_access a;
    char buf[64];

    cr_assert_eq(vmf_x86_decode(b, sizeof b, &a), VMF_OK);
    cr_expect_eq(a.mem[0].base, VMF_X86_RIP);
    cr_expect_eq(rip + a.length + (uint64_t)a.mem[0].disp, 0x401016);
    cr_assert_eq(vmf_x86_disasm(b, sizeof b, rip, buf, sizeof buf), VMF_OK);
    cr_expect_str_eq(buf, "mov eax, dword ptr [0x401016]");
}

/* ---- disassembly text ------------------------------------------------------------ */

static const struct {
    const char *hex;
    uint64_t rip;
    const char *text;
} disasm_cases[] = {
    {"89 48 04",                   0x1000, "mov dword ptr [rax+0x4], ecx"},
    {"48 8b 13",                   0x1000, "mov rdx, qword ptr [rbx]"},
    {"c6 00 80",                   0x1000, "mov byte ptr [rax], 0x80"},
    {"f0 48 0f c1 00",             0x1000, "lock xadd qword ptr [rax], rax"},
    {"43 8b 84 f5 78 56 34 12",    0x1000, "mov eax, dword ptr [r13+r14*8+0x12345678]"},
    {"64 8b 00",                   0x1000, "mov eax, dword ptr fs:[rax]"},
    {"f3 48 a5",                   0x1000, "rep movsq"},
    {"c5 fe 6f 18",                0x1000, "vmovdqu ymm3, ymmword ptr [rax]"},
    {"e8 00 00 00 00",             0x1000, "call 0x1005"},
    {"0f 0b",                      0x1000, "ud2"},
};

Test(decode_x86, disasm)
{
    for (size_t i = 0; i < NELEM(disasm_cases); i++) {
        uint8_t b[16];
        const size_t n = parse_hex(disasm_cases[i].hex, b, sizeof b);
        char buf[96];
        int st = vmf_x86_disasm(b, n, disasm_cases[i].rip, buf, sizeof buf);

        cr_expect_eq(st, VMF_OK, "%s: status %d", disasm_cases[i].hex, st);
        cr_expect_str_eq(buf, disasm_cases[i].text, "%s: \"%s\", want \"%s\"", disasm_cases[i].hex, buf,
                         disasm_cases[i].text);
    }
}

Test(decode_x86, disasm_errors_and_truncation)
{
    static const uint8_t bad[] = {0x06};
    static const uint8_t mov[] = {0x89, 0x48, 0x04};
    char buf[8];

    memset(buf, 'x', sizeof buf);
    cr_expect_eq(vmf_x86_disasm(bad, sizeof bad, 0, buf, sizeof buf), VMF_EUNDEF);
    cr_expect_str_eq(buf, "");
    cr_expect_eq(vmf_x86_disasm(mov, 2, 0, buf, sizeof buf), VMF_EUNDEF); /* truncated */
    cr_expect_eq(vmf_x86_disasm(mov, sizeof mov, 0, buf, sizeof buf), VMF_OK);
    cr_expect_str_eq(buf, "mov dwo"); /* cut to buflen - 1 and terminated */
    cr_expect_eq(vmf_x86_disasm(mov, sizeof mov, 0, buf, 1), VMF_OK);
    cr_expect_str_eq(buf, "");
}

/* ---- the coverage list ------------------------------------------------------------
 * One row per supported instruction form (the list at the top of
 * decoders/x86.c, which the README cites), each decoded to status 0 with its
 * full length and a modelled op.  Generated with GNU as from the text. */

static const struct {
    const char *text;
    const char *hex;
} coverage[] = {
    /* MOV */
    {"mov byte ptr [rax], cl", "88 08"},
    {"mov word ptr [rax], cx", "66 89 08"},
    {"mov dword ptr [rax], ecx", "89 08"},
    {"mov qword ptr [rax], rcx", "48 89 08"},
    {"mov cl, byte ptr [rax]", "8a 08"},
    {"mov cx, word ptr [rax]", "66 8b 08"},
    {"mov ecx, dword ptr [rax]", "8b 08"},
    {"mov rcx, qword ptr [rax]", "48 8b 08"},
    {"mov byte ptr [rax], 1", "c6 00 01"},
    {"mov word ptr [rax], 1", "66 c7 00 01 00"},
    {"mov dword ptr [rax], 1", "c7 00 01 00 00 00"},
    {"mov qword ptr [rax], 1", "48 c7 00 01 00 00 00"},
    {"movabs al, byte ptr [0x1000]", "a0 00 10 00 00 00 00 00 00"},
    {"movabs ax, word ptr [0x1000]", "66 a1 00 10 00 00 00 00 00 00"},
    {"movabs eax, dword ptr [0x1000]", "a1 00 10 00 00 00 00 00 00"},
    {"movabs rax, qword ptr [0x1000]", "48 a1 00 10 00 00 00 00 00 00"},
    {"movabs byte ptr [0x1000], al", "a2 00 10 00 00 00 00 00 00"},
    {"movabs word ptr [0x1000], ax", "66 a3 00 10 00 00 00 00 00 00"},
    {"movabs dword ptr [0x1000], eax", "a3 00 10 00 00 00 00 00 00"},
    {"movabs qword ptr [0x1000], rax", "48 a3 00 10 00 00 00 00 00 00"},
    {".byte 0x67, 0xa1, 0x00, 0x10, 0x00, 0x00", "67 a1 00 10 00 00"},
    {"movnti dword ptr [rax], ecx", "0f c3 08"},
    {"movnti qword ptr [rax], rcx", "48 0f c3 08"},
    /* SSE/AVX moves */
    {"movd xmm0, dword ptr [rax]", "66 0f 6e 00"},
    {"movd dword ptr [rax], xmm0", "66 0f 7e 00"},
    {"movq xmm0, qword ptr [rax]", "f3 0f 7e 00"},
    {".byte 0x66, 0x48, 0x0f, 0x6e, 0x00", "66 48 0f 6e 00"},
    {"movq qword ptr [rax], xmm0", "66 0f d6 00"},
    {".byte 0x66, 0x48, 0x0f, 0x7e, 0x00", "66 48 0f 7e 00"},
    {"movdqa xmm1, xmmword ptr [rax]", "66 0f 6f 08"},
    {"movdqa xmmword ptr [rax], xmm1", "66 0f 7f 08"},
    {"movdqu xmm1, xmmword ptr [rax]", "f3 0f 6f 08"},
    {"movdqu xmmword ptr [rax], xmm1", "f3 0f 7f 08"},
    {"movaps xmm1, xmmword ptr [rax]", "0f 28 08"},
    {"movaps xmmword ptr [rax], xmm1", "0f 29 08"},
    {"movups xmm1, xmmword ptr [rax]", "0f 10 08"},
    {"movups xmmword ptr [rax], xmm1", "0f 11 08"},
    {"movapd xmm1, xmmword ptr [rax]", "66 0f 28 08"},
    {"movapd xmmword ptr [rax], xmm1", "66 0f 29 08"},
    {"movupd xmm1, xmmword ptr [rax]", "66 0f 10 08"},
    {"movupd xmmword ptr [rax], xmm1", "66 0f 11 08"},
    {"movss xmm1, dword ptr [rax]", "f3 0f 10 08"},
    {"movss dword ptr [rax], xmm1", "f3 0f 11 08"},
    {"movsd xmm1, qword ptr [rax]", "f2 0f 10 08"},
    {"movsd qword ptr [rax], xmm1", "f2 0f 11 08"},
    {"movntdq xmmword ptr [rax], xmm1", "66 0f e7 08"},
    {"movntps xmmword ptr [rax], xmm1", "0f 2b 08"},
    {"movntpd xmmword ptr [rax], xmm1", "66 0f 2b 08"},
    {"movntdqa xmm1, xmmword ptr [rax]", "66 0f 38 2a 08"},
    {"vmovd xmm1, dword ptr [rax]", "c5 f9 6e 08"},
    {"vmovd dword ptr [rax], xmm1", "c5 f9 7e 08"},
    {"vmovq xmm1, qword ptr [rax]", "c5 fa 7e 08"},
    {"vmovq qword ptr [rax], xmm1", "c5 f9 d6 08"},
    {"vmovss xmm1, dword ptr [rax]", "c5 fa 10 08"},
    {"vmovss dword ptr [rax], xmm1", "c5 fa 11 08"},
    {"vmovsd xmm1, qword ptr [rax]", "c5 fb 10 08"},
    {"vmovsd qword ptr [rax], xmm1", "c5 fb 11 08"},
    {"vmovdqa xmm1, xmmword ptr [rax]", "c5 f9 6f 08"},
    {"vmovdqa xmmword ptr [rax], xmm1", "c5 f9 7f 08"},
    {"vmovdqa ymm1, ymmword ptr [rax]", "c5 fd 6f 08"},
    {"vmovdqa ymmword ptr [rax], ymm1", "c5 fd 7f 08"},
    {"vmovdqu xmm1, xmmword ptr [rax]", "c5 fa 6f 08"},
    {"vmovdqu xmmword ptr [rax], xmm1", "c5 fa 7f 08"},
    {"vmovdqu ymm1, ymmword ptr [rax]", "c5 fe 6f 08"},
    {"vmovdqu ymmword ptr [rax], ymm1", "c5 fe 7f 08"},
    {"vmovaps xmm1, xmmword ptr [rax]", "c5 f8 28 08"},
    {"vmovaps xmmword ptr [rax], xmm1", "c5 f8 29 08"},
    {"vmovaps ymm1, ymmword ptr [rax]", "c5 fc 28 08"},
    {"vmovaps ymmword ptr [rax], ymm1", "c5 fc 29 08"},
    {"vmovups xmm1, xmmword ptr [rax]", "c5 f8 10 08"},
    {"vmovups xmmword ptr [rax], xmm1", "c5 f8 11 08"},
    {"vmovups ymm1, ymmword ptr [rax]", "c5 fc 10 08"},
    {"vmovups ymmword ptr [rax], ymm1", "c5 fc 11 08"},
    {"vmovapd xmm1, xmmword ptr [rax]", "c5 f9 28 08"},
    {"vmovapd xmmword ptr [rax], xmm1", "c5 f9 29 08"},
    {"vmovapd ymm1, ymmword ptr [rax]", "c5 fd 28 08"},
    {"vmovapd ymmword ptr [rax], ymm1", "c5 fd 29 08"},
    {"vmovupd xmm1, xmmword ptr [rax]", "c5 f9 10 08"},
    {"vmovupd xmmword ptr [rax], xmm1", "c5 f9 11 08"},
    {"vmovupd ymm1, ymmword ptr [rax]", "c5 fd 10 08"},
    {"vmovupd ymmword ptr [rax], ymm1", "c5 fd 11 08"},
    {"vmovntdq xmmword ptr [rax], xmm1", "c5 f9 e7 08"},
    {"vmovntdq ymmword ptr [rax], ymm1", "c5 fd e7 08"},
    {"vmovntps xmmword ptr [rax], xmm1", "c5 f8 2b 08"},
    {"vmovntps ymmword ptr [rax], ymm1", "c5 fc 2b 08"},
    {"vmovntpd xmmword ptr [rax], xmm1", "c5 f9 2b 08"},
    {"vmovntpd ymmword ptr [rax], ymm1", "c5 fd 2b 08"},
    {"vmovntdqa xmm1, xmmword ptr [rax]", "c4 e2 79 2a 08"},
    {"vmovntdqa ymm1, ymmword ptr [rax]", "c4 e2 7d 2a 08"},
    /* MOVZX/MOVSX/MOVSXD */
    {"movzx ax, byte ptr [rax]", "66 0f b6 00"},
    {"movzx eax, byte ptr [rax]", "0f b6 00"},
    {"movzx rax, byte ptr [rax]", "48 0f b6 00"},
    {"movzx eax, word ptr [rax]", "0f b7 00"},
    {"movzx rax, word ptr [rax]", "48 0f b7 00"},
    {"movsx ax, byte ptr [rax]", "66 0f be 00"},
    {"movsx eax, byte ptr [rax]", "0f be 00"},
    {"movsx rax, byte ptr [rax]", "48 0f be 00"},
    {"movsx eax, word ptr [rax]", "0f bf 00"},
    {"movsx rax, word ptr [rax]", "48 0f bf 00"},
    {"movzx ax, word ptr [rax]", "66 0f b7 00"},
    {"movsx ax, word ptr [rax]", "66 0f bf 00"},
    {"movsxd rax, dword ptr [rax]", "48 63 00"},
    {"movsxd eax, dword ptr [rax]", "63 00"},
    /* ALU */
    {"add byte ptr [rax], cl", "00 08"},
    {"add word ptr [rax], cx", "66 01 08"},
    {"add dword ptr [rax], ecx", "01 08"},
    {"add qword ptr [rax], rcx", "48 01 08"},
    {"add cl, byte ptr [rax]", "02 08"},
    {"add cx, word ptr [rax]", "66 03 08"},
    {"add ecx, dword ptr [rax]", "03 08"},
    {"add rcx, qword ptr [rax]", "48 03 08"},
    {"add byte ptr [rax], 1", "80 00 01"},
    {"add word ptr [rax], 1", "66 83 00 01"},
    {"add word ptr [rax], 0x100", "66 81 00 00 01"},
    {"add dword ptr [rax], 1", "83 00 01"},
    {"add dword ptr [rax], 0x100", "81 00 00 01 00 00"},
    {"add qword ptr [rax], 1", "48 83 00 01"},
    {"add qword ptr [rax], 0x100", "48 81 00 00 01 00 00"},
    {"lock add dword ptr [rax], ecx", "f0 01 08"},
    {"lock add byte ptr [rax], 1", "f0 80 00 01"},
    {"lock add qword ptr [rax], 0x100", "f0 48 81 00 00 01 00 00"},
    {"or byte ptr [rax], cl", "08 08"},
    {"or word ptr [rax], cx", "66 09 08"},
    {"or dword ptr [rax], ecx", "09 08"},
    {"or qword ptr [rax], rcx", "48 09 08"},
    {"or cl, byte ptr [rax]", "0a 08"},
    {"or cx, word ptr [rax]", "66 0b 08"},
    {"or ecx, dword ptr [rax]", "0b 08"},
    {"or rcx, qword ptr [rax]", "48 0b 08"},
    {"or byte ptr [rax], 1", "80 08 01"},
    {"or word ptr [rax], 1", "66 83 08 01"},
    {"or word ptr [rax], 0x100", "66 81 08 00 01"},
    {"or dword ptr [rax], 1", "83 08 01"},
    {"or dword ptr [rax], 0x100", "81 08 00 01 00 00"},
    {"or qword ptr [rax], 1", "48 83 08 01"},
    {"or qword ptr [rax], 0x100", "48 81 08 00 01 00 00"},
    {"lock or dword ptr [rax], ecx", "f0 09 08"},
    {"lock or byte ptr [rax], 1", "f0 80 08 01"},
    {"lock or qword ptr [rax], 0x100", "f0 48 81 08 00 01 00 00"},
    {"adc byte ptr [rax], cl", "10 08"},
    {"adc word ptr [rax], cx", "66 11 08"},
    {"adc dword ptr [rax], ecx", "11 08"},
    {"adc qword ptr [rax], rcx", "48 11 08"},
    {"adc cl, byte ptr [rax]", "12 08"},
    {"adc cx, word ptr [rax]", "66 13 08"},
    {"adc ecx, dword ptr [rax]", "13 08"},
    {"adc rcx, qword ptr [rax]", "48 13 08"},
    {"adc byte ptr [rax], 1", "80 10 01"},
    {"adc word ptr [rax], 1", "66 83 10 01"},
    {"adc word ptr [rax], 0x100", "66 81 10 00 01"},
    {"adc dword ptr [rax], 1", "83 10 01"},
    {"adc dword ptr [rax], 0x100", "81 10 00 01 00 00"},
    {"adc qword ptr [rax], 1", "48 83 10 01"},
    {"adc qword ptr [rax], 0x100", "48 81 10 00 01 00 00"},
    {"lock adc dword ptr [rax], ecx", "f0 11 08"},
    {"lock adc byte ptr [rax], 1", "f0 80 10 01"},
    {"lock adc qword ptr [rax], 0x100", "f0 48 81 10 00 01 00 00"},
    {"sbb byte ptr [rax], cl", "18 08"},
    {"sbb word ptr [rax], cx", "66 19 08"},
    {"sbb dword ptr [rax], ecx", "19 08"},
    {"sbb qword ptr [rax], rcx", "48 19 08"},
    {"sbb cl, byte ptr [rax]", "1a 08"},
    {"sbb cx, word ptr [rax]", "66 1b 08"},
    {"sbb ecx, dword ptr [rax]", "1b 08"},
    {"sbb rcx, qword ptr [rax]", "48 1b 08"},
    {"sbb byte ptr [rax], 1", "80 18 01"},
    {"sbb word ptr [rax], 1", "66 83 18 01"},
    {"sbb word ptr [rax], 0x100", "66 81 18 00 01"},
    {"sbb dword ptr [rax], 1", "83 18 01"},
    {"sbb dword ptr [rax], 0x100", "81 18 00 01 00 00"},
    {"sbb qword ptr [rax], 1", "48 83 18 01"},
    {"sbb qword ptr [rax], 0x100", "48 81 18 00 01 00 00"},
    {"lock sbb dword ptr [rax], ecx", "f0 19 08"},
    {"lock sbb byte ptr [rax], 1", "f0 80 18 01"},
    {"lock sbb qword ptr [rax], 0x100", "f0 48 81 18 00 01 00 00"},
    {"and byte ptr [rax], cl", "20 08"},
    {"and word ptr [rax], cx", "66 21 08"},
    {"and dword ptr [rax], ecx", "21 08"},
    {"and qword ptr [rax], rcx", "48 21 08"},
    {"and cl, byte ptr [rax]", "22 08"},
    {"and cx, word ptr [rax]", "66 23 08"},
    {"and ecx, dword ptr [rax]", "23 08"},
    {"and rcx, qword ptr [rax]", "48 23 08"},
    {"and byte ptr [rax], 1", "80 20 01"},
    {"and word ptr [rax], 1", "66 83 20 01"},
    {"and word ptr [rax], 0x100", "66 81 20 00 01"},
    {"and dword ptr [rax], 1", "83 20 01"},
    {"and dword ptr [rax], 0x100", "81 20 00 01 00 00"},
    {"and qword ptr [rax], 1", "48 83 20 01"},
    {"and qword ptr [rax], 0x100", "48 81 20 00 01 00 00"},
    {"lock and dword ptr [rax], ecx", "f0 21 08"},
    {"lock and byte ptr [rax], 1", "f0 80 20 01"},
    {"lock and qword ptr [rax], 0x100", "f0 48 81 20 00 01 00 00"},
    {"sub byte ptr [rax], cl", "28 08"},
    {"sub word ptr [rax], cx", "66 29 08"},
    {"sub dword ptr [rax], ecx", "29 08"},
    {"sub qword ptr [rax], rcx", "48 29 08"},
    {"sub cl, byte ptr [rax]", "2a 08"},
    {"sub cx, word ptr [rax]", "66 2b 08"},
    {"sub ecx, dword ptr [rax]", "2b 08"},
    {"sub rcx, qword ptr [rax]", "48 2b 08"},
    {"sub byte ptr [rax], 1", "80 28 01"},
    {"sub word ptr [rax], 1", "66 83 28 01"},
    {"sub word ptr [rax], 0x100", "66 81 28 00 01"},
    {"sub dword ptr [rax], 1", "83 28 01"},
    {"sub dword ptr [rax], 0x100", "81 28 00 01 00 00"},
    {"sub qword ptr [rax], 1", "48 83 28 01"},
    {"sub qword ptr [rax], 0x100", "48 81 28 00 01 00 00"},
    {"lock sub dword ptr [rax], ecx", "f0 29 08"},
    {"lock sub byte ptr [rax], 1", "f0 80 28 01"},
    {"lock sub qword ptr [rax], 0x100", "f0 48 81 28 00 01 00 00"},
    {"xor byte ptr [rax], cl", "30 08"},
    {"xor word ptr [rax], cx", "66 31 08"},
    {"xor dword ptr [rax], ecx", "31 08"},
    {"xor qword ptr [rax], rcx", "48 31 08"},
    {"xor cl, byte ptr [rax]", "32 08"},
    {"xor cx, word ptr [rax]", "66 33 08"},
    {"xor ecx, dword ptr [rax]", "33 08"},
    {"xor rcx, qword ptr [rax]", "48 33 08"},
    {"xor byte ptr [rax], 1", "80 30 01"},
    {"xor word ptr [rax], 1", "66 83 30 01"},
    {"xor word ptr [rax], 0x100", "66 81 30 00 01"},
    {"xor dword ptr [rax], 1", "83 30 01"},
    {"xor dword ptr [rax], 0x100", "81 30 00 01 00 00"},
    {"xor qword ptr [rax], 1", "48 83 30 01"},
    {"xor qword ptr [rax], 0x100", "48 81 30 00 01 00 00"},
    {"lock xor dword ptr [rax], ecx", "f0 31 08"},
    {"lock xor byte ptr [rax], 1", "f0 80 30 01"},
    {"lock xor qword ptr [rax], 0x100", "f0 48 81 30 00 01 00 00"},
    {"cmp byte ptr [rax], cl", "38 08"},
    {"cmp word ptr [rax], cx", "66 39 08"},
    {"cmp dword ptr [rax], ecx", "39 08"},
    {"cmp qword ptr [rax], rcx", "48 39 08"},
    {"cmp cl, byte ptr [rax]", "3a 08"},
    {"cmp cx, word ptr [rax]", "66 3b 08"},
    {"cmp ecx, dword ptr [rax]", "3b 08"},
    {"cmp rcx, qword ptr [rax]", "48 3b 08"},
    {"cmp byte ptr [rax], 1", "80 38 01"},
    {"cmp word ptr [rax], 1", "66 83 38 01"},
    {"cmp word ptr [rax], 0x100", "66 81 38 00 01"},
    {"cmp dword ptr [rax], 1", "83 38 01"},
    {"cmp dword ptr [rax], 0x100", "81 38 00 01 00 00"},
    {"cmp qword ptr [rax], 1", "48 83 38 01"},
    {"cmp qword ptr [rax], 0x100", "48 81 38 00 01 00 00"},
    /* TEST */
    {"test byte ptr [rax], cl", "84 08"},
    {"test word ptr [rax], cx", "66 85 08"},
    {"test dword ptr [rax], ecx", "85 08"},
    {"test qword ptr [rax], rcx", "48 85 08"},
    {"test byte ptr [rax], 1", "f6 00 01"},
    {"test word ptr [rax], 0x100", "66 f7 00 00 01"},
    {"test dword ptr [rax], 0x100", "f7 00 00 01 00 00"},
    {"test qword ptr [rax], 0x100", "48 f7 00 00 01 00 00"},
    {".byte 0xf6, 0x08, 0x01", "f6 08 01"},
    {".byte 0xf7, 0x08, 0x01, 0x00, 0x00, 0x00", "f7 08 01 00 00 00"},
    /* INC/DEC/NOT/NEG */
    {"inc byte ptr [rax]", "fe 00"},
    {"inc word ptr [rax]", "66 ff 00"},
    {"inc dword ptr [rax]", "ff 00"},
    {"inc qword ptr [rax]", "48 ff 00"},
    {"lock inc dword ptr [rax]", "f0 ff 00"},
    {"dec byte ptr [rax]", "fe 08"},
    {"dec word ptr [rax]", "66 ff 08"},
    {"dec dword ptr [rax]", "ff 08"},
    {"dec qword ptr [rax]", "48 ff 08"},
    {"lock dec dword ptr [rax]", "f0 ff 08"},
    {"not byte ptr [rax]", "f6 10"},
    {"not word ptr [rax]", "66 f7 10"},
    {"not dword ptr [rax]", "f7 10"},
    {"not qword ptr [rax]", "48 f7 10"},
    {"lock not dword ptr [rax]", "f0 f7 10"},
    {"neg byte ptr [rax]", "f6 18"},
    {"neg word ptr [rax]", "66 f7 18"},
    {"neg dword ptr [rax]", "f7 18"},
    {"neg qword ptr [rax]", "48 f7 18"},
    {"lock neg dword ptr [rax]", "f0 f7 18"},
    /* shifts and rotates */
    {"rol byte ptr [rax], 1", "d0 00"},
    {"rol word ptr [rax], 1", "66 d1 00"},
    {"rol dword ptr [rax], 1", "d1 00"},
    {"rol qword ptr [rax], 1", "48 d1 00"},
    {"rol byte ptr [rax], cl", "d2 00"},
    {"rol dword ptr [rax], cl", "d3 00"},
    {"rol qword ptr [rax], cl", "48 d3 00"},
    {"rol byte ptr [rax], 3", "c0 00 03"},
    {"rol word ptr [rax], 3", "66 c1 00 03"},
    {"rol dword ptr [rax], 3", "c1 00 03"},
    {"rol qword ptr [rax], 3", "48 c1 00 03"},
    {"ror byte ptr [rax], 1", "d0 08"},
    {"ror word ptr [rax], 1", "66 d1 08"},
    {"ror dword ptr [rax], 1", "d1 08"},
    {"ror qword ptr [rax], 1", "48 d1 08"},
    {"ror byte ptr [rax], cl", "d2 08"},
    {"ror dword ptr [rax], cl", "d3 08"},
    {"ror qword ptr [rax], cl", "48 d3 08"},
    {"ror byte ptr [rax], 3", "c0 08 03"},
    {"ror word ptr [rax], 3", "66 c1 08 03"},
    {"ror dword ptr [rax], 3", "c1 08 03"},
    {"ror qword ptr [rax], 3", "48 c1 08 03"},
    {"rcl byte ptr [rax], 1", "d0 10"},
    {"rcl word ptr [rax], 1", "66 d1 10"},
    {"rcl dword ptr [rax], 1", "d1 10"},
    {"rcl qword ptr [rax], 1", "48 d1 10"},
    {"rcl byte ptr [rax], cl", "d2 10"},
    {"rcl dword ptr [rax], cl", "d3 10"},
    {"rcl qword ptr [rax], cl", "48 d3 10"},
    {"rcl byte ptr [rax], 3", "c0 10 03"},
    {"rcl word ptr [rax], 3", "66 c1 10 03"},
    {"rcl dword ptr [rax], 3", "c1 10 03"},
    {"rcl qword ptr [rax], 3", "48 c1 10 03"},
    {"rcr byte ptr [rax], 1", "d0 18"},
    {"rcr word ptr [rax], 1", "66 d1 18"},
    {"rcr dword ptr [rax], 1", "d1 18"},
    {"rcr qword ptr [rax], 1", "48 d1 18"},
    {"rcr byte ptr [rax], cl", "d2 18"},
    {"rcr dword ptr [rax], cl", "d3 18"},
    {"rcr qword ptr [rax], cl", "48 d3 18"},
    {"rcr byte ptr [rax], 3", "c0 18 03"},
    {"rcr word ptr [rax], 3", "66 c1 18 03"},
    {"rcr dword ptr [rax], 3", "c1 18 03"},
    {"rcr qword ptr [rax], 3", "48 c1 18 03"},
    {"shl byte ptr [rax], 1", "d0 20"},
    {"shl word ptr [rax], 1", "66 d1 20"},
    {"shl dword ptr [rax], 1", "d1 20"},
    {"shl qword ptr [rax], 1", "48 d1 20"},
    {"shl byte ptr [rax], cl", "d2 20"},
    {"shl dword ptr [rax], cl", "d3 20"},
    {"shl qword ptr [rax], cl", "48 d3 20"},
    {"shl byte ptr [rax], 3", "c0 20 03"},
    {"shl word ptr [rax], 3", "66 c1 20 03"},
    {"shl dword ptr [rax], 3", "c1 20 03"},
    {"shl qword ptr [rax], 3", "48 c1 20 03"},
    {"shr byte ptr [rax], 1", "d0 28"},
    {"shr word ptr [rax], 1", "66 d1 28"},
    {"shr dword ptr [rax], 1", "d1 28"},
    {"shr qword ptr [rax], 1", "48 d1 28"},
    {"shr byte ptr [rax], cl", "d2 28"},
    {"shr dword ptr [rax], cl", "d3 28"},
    {"shr qword ptr [rax], cl", "48 d3 28"},
    {"shr byte ptr [rax], 3", "c0 28 03"},
    {"shr word ptr [rax], 3", "66 c1 28 03"},
    {"shr dword ptr [rax], 3", "c1 28 03"},
    {"shr qword ptr [rax], 3", "48 c1 28 03"},
    {"sar byte ptr [rax], 1", "d0 38"},
    {"sar word ptr [rax], 1", "66 d1 38"},
    {"sar dword ptr [rax], 1", "d1 38"},
    {"sar qword ptr [rax], 1", "48 d1 38"},
    {"sar byte ptr [rax], cl", "d2 38"},
    {"sar dword ptr [rax], cl", "d3 38"},
    {"sar qword ptr [rax], cl", "48 d3 38"},
    {"sar byte ptr [rax], 3", "c0 38 03"},
    {"sar word ptr [rax], 3", "66 c1 38 03"},
    {"sar dword ptr [rax], 3", "c1 38 03"},
    {"sar qword ptr [rax], 3", "48 c1 38 03"},
    {"sal dword ptr [rax], 3", "c1 20 03"},
    {"shld word ptr [rax], cx, 3", "66 0f a4 08 03"},
    {"shld dword ptr [rax], ecx, 3", "0f a4 08 03"},
    {"shld qword ptr [rax], rcx, 3", "48 0f a4 08 03"},
    {"shld word ptr [rax], cx, cl", "66 0f a5 08"},
    {"shld dword ptr [rax], ecx, cl", "0f a5 08"},
    {"shld qword ptr [rax], rcx, cl", "48 0f a5 08"},
    {"shrd word ptr [rax], cx, 3", "66 0f ac 08 03"},
    {"shrd dword ptr [rax], ecx, 3", "0f ac 08 03"},
    {"shrd qword ptr [rax], rcx, 3", "48 0f ac 08 03"},
    {"shrd word ptr [rax], cx, cl", "66 0f ad 08"},
    {"shrd dword ptr [rax], ecx, cl", "0f ad 08"},
    {"shrd qword ptr [rax], rcx, cl", "48 0f ad 08"},
    /* BT/BTS/BTR/BTC */
    {"bt word ptr [rax], cx", "66 0f a3 08"},
    {"bt dword ptr [rax], ecx", "0f a3 08"},
    {"bt qword ptr [rax], rcx", "48 0f a3 08"},
    {"bt word ptr [rax], 3", "66 0f ba 20 03"},
    {"bt dword ptr [rax], 3", "0f ba 20 03"},
    {"bt qword ptr [rax], 3", "48 0f ba 20 03"},
    {"bts word ptr [rax], cx", "66 0f ab 08"},
    {"bts dword ptr [rax], ecx", "0f ab 08"},
    {"bts qword ptr [rax], rcx", "48 0f ab 08"},
    {"bts word ptr [rax], 3", "66 0f ba 28 03"},
    {"bts dword ptr [rax], 3", "0f ba 28 03"},
    {"bts qword ptr [rax], 3", "48 0f ba 28 03"},
    {"lock bts dword ptr [rax], ecx", "f0 0f ab 08"},
    {"lock bts qword ptr [rax], 3", "f0 48 0f ba 28 03"},
    {"btr word ptr [rax], cx", "66 0f b3 08"},
    {"btr dword ptr [rax], ecx", "0f b3 08"},
    {"btr qword ptr [rax], rcx", "48 0f b3 08"},
    {"btr word ptr [rax], 3", "66 0f ba 30 03"},
    {"btr dword ptr [rax], 3", "0f ba 30 03"},
    {"btr qword ptr [rax], 3", "48 0f ba 30 03"},
    {"lock btr dword ptr [rax], ecx", "f0 0f b3 08"},
    {"lock btr qword ptr [rax], 3", "f0 48 0f ba 30 03"},
    {"btc word ptr [rax], cx", "66 0f bb 08"},
    {"btc dword ptr [rax], ecx", "0f bb 08"},
    {"btc qword ptr [rax], rcx", "48 0f bb 08"},
    {"btc word ptr [rax], 3", "66 0f ba 38 03"},
    {"btc dword ptr [rax], 3", "0f ba 38 03"},
    {"btc qword ptr [rax], 3", "48 0f ba 38 03"},
    {"lock btc dword ptr [rax], ecx", "f0 0f bb 08"},
    {"lock btc qword ptr [rax], 3", "f0 48 0f ba 38 03"},
    /* XCHG/CMPXCHG/XADD/CMPXCHG8B/16B */
    {"xchg byte ptr [rax], cl", "86 08"},
    {"xchg word ptr [rax], cx", "66 87 08"},
    {"xchg dword ptr [rax], ecx", "87 08"},
    {"xchg qword ptr [rax], rcx", "48 87 08"},
    {"lock xchg dword ptr [rax], ecx", "f0 87 08"},
    {"cmpxchg byte ptr [rax], cl", "0f b0 08"},
    {"cmpxchg word ptr [rax], cx", "66 0f b1 08"},
    {"cmpxchg dword ptr [rax], ecx", "0f b1 08"},
    {"cmpxchg qword ptr [rax], rcx", "48 0f b1 08"},
    {"lock cmpxchg dword ptr [rax], ecx", "f0 0f b1 08"},
    {"xadd byte ptr [rax], cl", "0f c0 08"},
    {"xadd word ptr [rax], cx", "66 0f c1 08"},
    {"xadd dword ptr [rax], ecx", "0f c1 08"},
    {"xadd qword ptr [rax], rcx", "48 0f c1 08"},
    {"lock xadd qword ptr [rax], rcx", "f0 48 0f c1 08"},
    {"cmpxchg8b qword ptr [rax]", "0f c7 08"},
    {"lock cmpxchg8b qword ptr [rax]", "f0 0f c7 08"},
    {"cmpxchg16b xmmword ptr [rax]", "48 0f c7 08"},
    {"lock cmpxchg16b xmmword ptr [rax]", "f0 48 0f c7 08"},
    /* PUSH/POP */
    {"push qword ptr [rax]", "ff 30"},
    {"push word ptr [rax]", "66 ff 30"},
    {"push rcx", "51"},
    {"push r9", "41 51"},
    {"push cx", "66 51"},
    {"push 1", "6a 01"},
    {"push 0x100", "68 00 01 00 00"},
    {"pushw 0x100", "66 68 00 01"},
    {"pushfq", "9c"},
    {"pushfw", "66 9c"},
    {"pop qword ptr [rax]", "8f 00"},
    {"pop word ptr [rax]", "66 8f 00"},
    {"pop rcx", "59"},
    {"pop r9", "41 59"},
    {"pop cx", "66 59"},
    {"popfq", "9d"},
    {"popfw", "66 9d"},
    /* string */
    {"movsb", "a4"},
    {"movsw", "66 a5"},
    {"movsd", "a5"},
    {"movsq", "48 a5"},
    {"rep movsb", "f3 a4"},
    {"rep movsw", "66 f3 a5"},
    {"rep movsd", "f3 a5"},
    {"rep movsq", "f3 48 a5"},
    {"stosb", "aa"},
    {"stosw", "66 ab"},
    {"stosd", "ab"},
    {"stosq", "48 ab"},
    {"rep stosb", "f3 aa"},
    {"rep stosw", "66 f3 ab"},
    {"rep stosd", "f3 ab"},
    {"rep stosq", "f3 48 ab"},
    {"lodsb", "ac"},
    {"lodsw", "66 ad"},
    {"lodsd", "ad"},
    {"lodsq", "48 ad"},
    {"rep lodsb", "f3 ac"},
    {"rep lodsw", "66 f3 ad"},
    {"rep lodsd", "f3 ad"},
    {"rep lodsq", "f3 48 ad"},
    {"cmpsb", "a6"},
    {"cmpsw", "66 a7"},
    {"cmpsd", "a7"},
    {"cmpsq", "48 a7"},
    {"repe cmpsb", "f3 a6"},
    {"repe cmpsw", "66 f3 a7"},
    {"repe cmpsd", "f3 a7"},
    {"repe cmpsq", "f3 48 a7"},
    {"repne cmpsb", "f2 a6"},
    {"repne cmpsw", "66 f2 a7"},
    {"repne cmpsd", "f2 a7"},
    {"repne cmpsq", "f2 48 a7"},
    {"scasb", "ae"},
    {"scasw", "66 af"},
    {"scasd", "af"},
    {"scasq", "48 af"},
    {"repe scasb", "f3 ae"},
    {"repe scasw", "66 f3 af"},
    {"repe scasd", "f3 af"},
    {"repe scasq", "f3 48 af"},
    {"repne scasb", "f2 ae"},
    {"repne scasw", "66 f2 af"},
    {"repne scasd", "f2 af"},
    {"repne scasq", "f2 48 af"},
    {".byte 0xf2, 0xa5", "f2 a5"},
    {".byte 0xf2, 0xab", "f2 ab"},
    /* SETcc */
    {"seto byte ptr [rax]", "0f 90 00"},
    {"setno byte ptr [rax]", "0f 91 00"},
    {"setb byte ptr [rax]", "0f 92 00"},
    {"setae byte ptr [rax]", "0f 93 00"},
    {"sete byte ptr [rax]", "0f 94 00"},
    {"setne byte ptr [rax]", "0f 95 00"},
    {"setbe byte ptr [rax]", "0f 96 00"},
    {"seta byte ptr [rax]", "0f 97 00"},
    {"sets byte ptr [rax]", "0f 98 00"},
    {"setns byte ptr [rax]", "0f 99 00"},
    {"setp byte ptr [rax]", "0f 9a 00"},
    {"setnp byte ptr [rax]", "0f 9b 00"},
    {"setl byte ptr [rax]", "0f 9c 00"},
    {"setge byte ptr [rax]", "0f 9d 00"},
    {"setle byte ptr [rax]", "0f 9e 00"},
    {"setg byte ptr [rax]", "0f 9f 00"},
    /* CMOVcc */
    {"cmovo ecx, dword ptr [rax]", "0f 40 08"},
    {"cmovno ecx, dword ptr [rax]", "0f 41 08"},
    {"cmovb ecx, dword ptr [rax]", "0f 42 08"},
    {"cmovae ecx, dword ptr [rax]", "0f 43 08"},
    {"cmove ecx, dword ptr [rax]", "0f 44 08"},
    {"cmovne ecx, dword ptr [rax]", "0f 45 08"},
    {"cmovbe ecx, dword ptr [rax]", "0f 46 08"},
    {"cmova ecx, dword ptr [rax]", "0f 47 08"},
    {"cmovs ecx, dword ptr [rax]", "0f 48 08"},
    {"cmovns ecx, dword ptr [rax]", "0f 49 08"},
    {"cmovp ecx, dword ptr [rax]", "0f 4a 08"},
    {"cmovnp ecx, dword ptr [rax]", "0f 4b 08"},
    {"cmovl ecx, dword ptr [rax]", "0f 4c 08"},
    {"cmovge ecx, dword ptr [rax]", "0f 4d 08"},
    {"cmovle ecx, dword ptr [rax]", "0f 4e 08"},
    {"cmovg ecx, dword ptr [rax]", "0f 4f 08"},
    {"cmove cx, word ptr [rax]", "66 0f 44 08"},
    {"cmove rcx, qword ptr [rax]", "48 0f 44 08"},
};

Test(decode_x86, coverage_list)
{
    size_t ok = 0;

    for (size_t i = 0; i < NELEM(coverage); i++) {
        uint8_t b[16];
        const size_t n = parse_hex(coverage[i].hex, b, sizeof b);
        vmf_x86_access a;
        int st = vmf_x86_decode(b, n, &a);

        cr_expect_eq(st, VMF_OK, "%s: status %d (%s)", coverage[i].text, st, vmf_strerror(st));
        cr_expect_eq(a.length, n, "%s: length %u, want %zu", coverage[i].text, a.length, n);
        cr_expect(a.op != VMF_X86_OP_NONE && a.op != VMF_X86_OP_OTHER, "%s: op %u", coverage[i].text, a.op);
        cr_expect(a.nmem == 1 || a.nmem == 2, "%s: nmem %u", coverage[i].text, a.nmem);
        cr_expect(a.size != 0, "%s: size 0", coverage[i].text);
        if (st == VMF_OK)
            ok++;
    }
    cr_expect_eq(ok, NELEM(coverage));
}
