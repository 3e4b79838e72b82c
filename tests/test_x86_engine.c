/* vmfault — the x86-64 backend's MMIO path (engine/arch/x86.c).
 *
 * 1. The differential test.  Every instruction form in the table runs in the
 *    middle of the same little program
 *
 *        lea r15, [r15+0x1]     <- so the access is mid-block (LEA: no flags)
 *        <the instruction>
 *        lea r15, [r15+0x10]    <- must run exactly once
 *        hlt                    <- RFLAGS.IF = 1: a HLT exit
 *
 *    three ways, each in a fresh VM:
 *      RAM   the data area DATA is plain RAM holding the byte pattern;
 *      FAST  DATA is a reservation on VMF_PATH_FAST;
 *      EXIT  DATA is a reservation on VMF_PATH_EXIT.
 *    The reservation's handler (libsel4vm API only) serves reads from its own
 *    copy of the pattern, applies writes to it and records every fault.  The
 *    three runs must agree on the GPRs, RIP, RFLAGS, XMM0-15, the icount, the
 *    exit and the final bytes of the data area and of all RAM; FAST and EXIT
 *    must give the same fault list; and that list must be the accesses raw
 *    Unicorn makes running the same program on RAM (UC_HOOK_MEM_READ/WRITE;
 *    Unicorn reports a 16-byte access as two 8-byte halves, which is what the
 *    engine's "one fault per access of up to 8 bytes" gives too; read before
 *    write for read-modify-write).  Every form runs a second time
 *    single-stepped (vmf_run with a budget of one instruction): the exits on
 *    the way, the faults and the final state must be the same.
 * 2. Handler results other than HANDLED, PAGING exits, bounds, map changes
 *    inside a handler.
 * 3. Registers, breakpoints, snapshots, exceptions, arm64-only calls.
 * 4. Raw-Unicorn pins of what the backend's design relies on: uc_emu_stop
 *    inside an MMIO callback abandons the instruction with no side effect,
 *    and a REP string instruction runs the code hook once per element.
 *
 * The exits (IN/OUT, CPUID, MSRs, VMCALL, HLT, ...) are tests/test_x86_exits.c.
 *
 * Instruction bytes were produced with GNU as 2.40 from the text beside them:
 *     printf '.intel_syntax noprefix\n<text>\n' > a.s
 *     as --64 a.s -o a.o && objdump -d -M intel a.o
 * Rows whose text starts with ".byte" are hand-encoded; objdump's reading of
 * them is in parentheses.
 */
#include <criterion/criterion.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicorn/unicorn.h>

#include "vmfault/vmfault.h"
#include "vmfault/x86.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

/* ---- the machine ----------------------------------------------------------------------------- */

#define CODE 0x1000ull /* code RAM, one page */
#define CODE_SIZE 0x1000ull
#define DATA 0x100000ull /* the data area: RAM, or the reservation */
#define DATA_SIZE 0x4000ull
#define STACK 0x200000ull /* stack RAM */
#define STACK_SIZE 0x1000ull
#define RAM2 0x300000ull /* more RAM (string sources and destinations) */
#define RAM2_SIZE 0x1000ull
#define FS_BASE 0x1000ull /* fs:[rbx] = 0x101800 */
#define GS_BASE 0x2000ull /* gs:[rbx] = 0x102800 */
#define INSN (CODE + 4)   /* the instruction under test */

#define RFL_CF 0x001ull
#define RFL_ZF 0x040ull
#define RFL_SF 0x080ull
#define RFL_IF 0x200ull
#define RFL_DF 0x400ull
#define RFL_OF 0x800ull

static const uint8_t PROLOGUE[] = {0x4d, 0x8d, 0x7f, 0x01}; /* lea r15, [r15+0x1] */
static const uint8_t EPILOGUE[] = {0x4d, 0x8d, 0x7f, 0x10,  /* lea r15, [r15+0x10] */
                                   0xf4};                   /* hlt */

static const uint64_t init_gpr[16] = {
    [RAX] = 0x1122334455667788ull, /* a value: AL 0x88, AH 0x77 */
    [RCX] = 3,                     /* REP count, CL shift count, an index */
    [RDX] = 0x8877665544332211ull, /* a value */
    [RBX] = DATA + 0x800,          /* base */
    [RSP] = STACK + 0x800,         /* stack pointer (RAM) */
    [RBP] = DATA + 0x900,          /* base */
    [RSI] = DATA + 0x400,          /* string source */
    [RDI] = DATA + 0xc00,          /* string destination */
    [R8] = 5,                      /* index */
    [R9] = 0xfedcba9876543210ull,  /* a value */
    [R10] = 0x0123456789abcdefull, /* a value */
    [R11] = 2,                     /* index */
    [R12] = DATA + 0xa00,          /* base */
    [R13] = RAM2 + 0x100,          /* a RAM address */
    [R14] = 0x8000000000000081ull, /* a value */
    [R15] = 0x1000,                /* counts the prologue and the epilogue */
};

static const int uc_gpr[16] = {
    UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX, UC_X86_REG_RSP, UC_X86_REG_RBP,
    UC_X86_REG_RSI, UC_X86_REG_RDI, UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11,
    UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
};

/* The memory pattern: a byte hash of the address (not periodic, so a wrong
 * address reads a different value). */
static uint8_t pattern(uint64_t addr)
{
    uint32_t x = (uint32_t)addr * 0x9e3779b1u;
    x ^= x >> 15;
    x *= 0x85ebca6bu;
    x ^= x >> 13;
    return (uint8_t)(x >> 24);
}

static uint8_t init_xmm(unsigned n, unsigned j)
{
    return (uint8_t)(0xa5u ^ (n * 0x11u) ^ (j * 0x0bu));
}

/* ---- the table --------------------------------------------------------------------------------- */

/* Row flags: the state before the instruction, and what to expect. */
#define F_CF 0x01u   /* CF = 1 */
#define F_ZF 0x02u   /* ZF = 1 */
#define F_DF 0x04u   /* DF = 1: string operations step downwards */
#define F_SAME 0x08u /* the 64 bytes at RDI are a copy of those at RSI (REPE CMPS runs out RCX) */
#define F_UD 0x10u   /* Unicorn raises #UD (VEX.256): every run must end in the same EXCEPTION exit */

struct form {
    const char *text; /* the assembly the bytes came from */
    uint8_t len;
    uint8_t b[15];
    unsigned flags;
    struct {
        uint8_t r1; /* register + 1; 0: unused */
        uint64_t v;
    } set[2]; /* registers that differ from init_gpr */
    struct {
        uint64_t a; /* 0: unused */
        uint64_t v;
    } poke[1]; /* 8 bytes stored little-endian at a before the run */
};

// clang-format off
#define S(r, val) {(uint8_t)((r) + 1), (uint64_t)(val)}
#define P(addr, val) {(addr), (uint64_t)(val)}

static const struct form mov_forms[] = {
    // MOV, every width, high-byte registers, immediates
    {"mov dword ptr [rbx+0x10], edx", 3, {0x89, 0x53, 0x10}, 0, {{0}}, {{0}}},
    {"mov qword ptr [rbx+r8*8+0x20], r9", 5, {0x4e, 0x89, 0x4c, 0xc3, 0x20}, 0, {{0}}, {{0}}},
    {"mov byte ptr [rbp-0x8], ah", 3, {0x88, 0x65, 0xf8}, 0, {{0}}, {{0}}},
    {"mov word ptr [r12], r10w", 5, {0x66, 0x45, 0x89, 0x14, 0x24}, 0, {{0}}, {{0}}},
    {"mov rdx, qword ptr [rbx]", 3, {0x48, 0x8b, 0x13}, 0, {{0}}, {{0}}},
    {"mov r10d, dword ptr [rbx+r11*4+0x40]", 5, {0x46, 0x8b, 0x54, 0x9b, 0x40}, 0, {{0}}, {{0}}},
    {"mov ax, word ptr [rsi]", 3, {0x66, 0x8b, 0x06}, 0, {{0}}, {{0}}},
    {"mov bh, byte ptr [rbx+0x3]", 3, {0x8a, 0x7b, 0x03}, 0, {{0}}, {{0}}},
    {"mov byte ptr [rbx], 0x80", 3, {0xc6, 0x03, 0x80}, 0, {{0}}, {{0}}},
    // moffs, RIP-relative, FS/GS, 0x67 address size
    {"movabs eax, dword ptr [0x100810]", 9, {0xa1, 0x10, 0x08, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00}, 0, {{0}}, {{0}}},
    {"movabs qword ptr [0x100818], rax", 10, {0x48, 0xa3, 0x18, 0x08, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00}, 0, {{0}}, {{0}}},
    {"mov eax, dword ptr [rip+0xff826]", 6, {0x8b, 0x05, 0x26, 0xf8, 0x0f, 0x00}, 0, {{0}}, {{0}}},
    {"mov dword ptr [rip+0xff832], 0x12345678", 10, {0xc7, 0x05, 0x32, 0xf8, 0x0f, 0x00, 0x78, 0x56, 0x34, 0x12}, 0, {{0}}, {{0}}},
    {"mov eax, dword ptr fs:[rbx]", 3, {0x64, 0x8b, 0x03}, 0, {{0}}, {{0}}},
    {"mov qword ptr gs:[rbx+0x8], rdx", 5, {0x65, 0x48, 0x89, 0x53, 0x08}, 0, {{0}}, {{0}}},
    {"mov eax, dword ptr [ebx+ecx*4+0x8]", 5, {0x67, 0x8b, 0x44, 0x8b, 0x08}, 0, {S(RBX, 0xdeadbeef00100800)}, {{0}}},
    {"movnti qword ptr [rbx+r8*8], r9", 5, {0x4e, 0x0f, 0xc3, 0x0c, 0xc3}, 0, {{0}}, {{0}}},
    // unaligned
    {"mov qword ptr [rbx+0x3], rdx", 4, {0x48, 0x89, 0x53, 0x03}, 0, {{0}}, {{0}}},
    {"mov eax, dword ptr [rbx+0x1]", 3, {0x8b, 0x43, 0x01}, 0, {{0}}, {{0}}},
    {"mov word ptr [rbx+0x7], r10w", 5, {0x66, 0x44, 0x89, 0x53, 0x07}, 0, {{0}}, {{0}}},
    {"mov rdx, qword ptr [rbx+0x7fd]", 7, {0x48, 0x8b, 0x93, 0xfd, 0x07, 0x00, 0x00}, 0, {{0}}, {{0}}},
    {"mov qword ptr [rbx+0x7fb], r9", 7, {0x4c, 0x89, 0x8b, 0xfb, 0x07, 0x00, 0x00}, 0, {{0}}, {{0}}},
};

static const struct form movx_forms[] = {
    // MOVZX, MOVSX, MOVSXD
    {"movzx eax, byte ptr [rbx]", 3, {0x0f, 0xb6, 0x03}, 0, {{0}}, {P(0x100800, 0xf3)}},
    {"movzx rdx, word ptr [rbx+0x2]", 5, {0x48, 0x0f, 0xb7, 0x53, 0x02}, 0, {{0}}, {{0}}},
    {"movsx rax, byte ptr [rbx]", 4, {0x48, 0x0f, 0xbe, 0x03}, 0, {{0}}, {P(0x100800, 0xf3)}},
    {"movsx r9d, word ptr [rbx]", 4, {0x44, 0x0f, 0xbf, 0x0b}, 0, {{0}}, {P(0x100800, 0x8001)}},
    {"movsxd r9, dword ptr [rbx]", 3, {0x4c, 0x63, 0x0b}, 0, {{0}}, {P(0x100800, 0x80000001)}},
};

static const struct form alu_forms[] = {
    // ALU both directions, LOCK, TEST
    {"add qword ptr [rbx+0x8], rdx", 4, {0x48, 0x01, 0x53, 0x08}, 0, {{0}}, {{0}}},
    {"add eax, dword ptr [rbx]", 2, {0x03, 0x03}, 0, {{0}}, {{0}}},
    {"adc qword ptr [rbx], r9", 3, {0x4c, 0x11, 0x0b}, F_CF, {{0}}, {{0}}},
    {"sbb r10, qword ptr [rbx]", 3, {0x4c, 0x1b, 0x13}, F_CF, {{0}}, {{0}}},
    {"sub dword ptr [rbx], 0x12345678", 6, {0x81, 0x2b, 0x78, 0x56, 0x34, 0x12}, 0, {{0}}, {{0}}},
    {"xor bh, byte ptr [rbx+0x5]", 3, {0x32, 0x7b, 0x05}, 0, {{0}}, {{0}}},
    {"cmp qword ptr [rbx], r9", 3, {0x4c, 0x39, 0x0b}, 0, {{0}}, {{0}}},
    {"cmp al, byte ptr [rbx]", 2, {0x3a, 0x03}, 0, {{0}}, {{0}}},
    {"lock add dword ptr [rbx], edx", 3, {0xf0, 0x01, 0x13}, 0, {{0}}, {{0}}},
    {"lock sub byte ptr [rbx], 0x3", 4, {0xf0, 0x80, 0x2b, 0x03}, 0, {{0}}, {{0}}},
    {"lock or qword ptr [rbx+0x1], r10", 5, {0xf0, 0x4c, 0x09, 0x53, 0x01}, 0, {{0}}, {{0}}},
    {"test byte ptr [rbx], al", 2, {0x84, 0x03}, 0, {{0}}, {{0}}},
    {"test qword ptr [rbx], r9", 3, {0x4c, 0x85, 0x0b}, 0, {{0}}, {{0}}},
};

static const struct form bit_forms[] = {
    // bit tests: immediate, and a register offset that moves the unit (up, down, far)
    {"bt dword ptr [rbx], 5", 4, {0x0f, 0xba, 0x23, 0x05}, 0, {{0}}, {{0}}},
    {"bts qword ptr [rbx], 63", 5, {0x48, 0x0f, 0xba, 0x2b, 0x3f}, 0, {{0}}, {{0}}},
    {"btr word ptr [rbx], 17", 5, {0x66, 0x0f, 0xba, 0x33, 0x11}, 0, {{0}}, {{0}}},
    {"lock btc dword ptr [rbx], 0x23", 5, {0xf0, 0x0f, 0xba, 0x3b, 0x23}, 0, {{0}}, {{0}}},
    {"bt qword ptr [rbx], rcx", 4, {0x48, 0x0f, 0xa3, 0x0b}, 0, {S(RCX, 0x1a3)}, {{0}}},
    {"bts dword ptr [rbx+0x100], ecx", 7, {0x0f, 0xab, 0x8b, 0x00, 0x01, 0x00, 0x00}, 0, {S(RCX, 0x12345678ffffffdf)}, {{0}}},
    {"btc word ptr [rbx], r10w", 5, {0x66, 0x44, 0x0f, 0xbb, 0x13}, 0, {S(R10, 0xffffffffffffff00)}, {{0}}},
    {"btr qword ptr [rbx], rdx", 4, {0x48, 0x0f, 0xb3, 0x13}, 0, {S(RDX, -0x41)}, {{0}}},
    {"lock bts qword ptr [rbx], rdx", 5, {0xf0, 0x48, 0x0f, 0xab, 0x13}, 0, {S(RDX, 0x7000)}, {{0}}},
};

static const struct form xchg_forms[] = {
    // exchanges
    {"xchg qword ptr [rbx], rdx", 3, {0x48, 0x87, 0x13}, 0, {{0}}, {{0}}},
    {"xchg byte ptr [rbx], ah", 2, {0x86, 0x23}, 0, {{0}}, {{0}}},
    {"cmpxchg dword ptr [rbx], edx", 3, {0x0f, 0xb1, 0x13}, 0, {{0}}, {{0}}},
    {"lock cmpxchg qword ptr [rbx], r9", 5, {0xf0, 0x4c, 0x0f, 0xb1, 0x0b}, 0, {{0}}, {P(0x100800, 0x1122334455667788)}},
    {"cmpxchg8b qword ptr [rbx]", 3, {0x0f, 0xc7, 0x0b}, 0, {{0}}, {{0}}},
    {"lock cmpxchg8b qword ptr [rbx]", 4, {0xf0, 0x0f, 0xc7, 0x0b}, 0, {{0}}, {P(0x100800, 0x4433221155667788)}},
    {"xadd qword ptr [rbx], rdx", 4, {0x48, 0x0f, 0xc1, 0x13}, 0, {{0}}, {{0}}},
    {"lock xadd word ptr [rbx], r10w", 6, {0x66, 0xf0, 0x44, 0x0f, 0xc1, 0x13}, 0, {{0}}, {{0}}},
};

static const struct form unary_forms[] = {
    // unary
    {"inc byte ptr [rbx]", 2, {0xfe, 0x03}, 0, {{0}}, {{0}}},
    {"dec qword ptr [rbx+rcx*8]", 4, {0x48, 0xff, 0x0c, 0xcb}, 0, {{0}}, {{0}}},
    {"not word ptr [rbx]", 3, {0x66, 0xf7, 0x13}, 0, {{0}}, {{0}}},
    {"lock inc qword ptr [rbx]", 4, {0xf0, 0x48, 0xff, 0x03}, 0, {{0}}, {{0}}},
    // shifts and rotates
    {"shl byte ptr [rbx], 1", 2, {0xd0, 0x23}, 0, {{0}}, {{0}}},
    {"shr dword ptr [rbx], cl", 2, {0xd3, 0x2b}, 0, {{0}}, {{0}}},
    {"sar qword ptr [rbx], 5", 4, {0x48, 0xc1, 0x3b, 0x05}, 0, {{0}}, {P(0x100800, 0x8000000000000000)}},
    {"rcr dword ptr [rbx], 2", 3, {0xc1, 0x1b, 0x02}, F_CF, {{0}}, {{0}}},
    {"shl dword ptr [rbx], cl", 2, {0xd3, 0x23}, 0, {S(RCX, 0x100)}, {{0}}},
    {"shld dword ptr [rbx], edx, 4", 4, {0x0f, 0xa4, 0x13, 0x04}, 0, {{0}}, {{0}}},
    {"shrd qword ptr [rbx], r9, cl", 4, {0x4c, 0x0f, 0xad, 0x0b}, 0, {{0}}, {{0}}},
};

static const struct form cond_forms[] = {
    // SETcc, CMOVcc (the source is read whatever the condition)
    {"sete byte ptr [rbx]", 3, {0x0f, 0x94, 0x03}, F_ZF, {{0}}, {{0}}},
    {"setb byte ptr [rbx+0x1]", 4, {0x0f, 0x92, 0x43, 0x01}, 0, {{0}}, {{0}}},
    {"cmovne rdx, qword ptr [rbx]", 4, {0x48, 0x0f, 0x45, 0x13}, 0, {{0}}, {{0}}},
    {"cmove eax, dword ptr [rbx]", 3, {0x0f, 0x44, 0x03}, 0, {{0}}, {{0}}},
    {"cmovb r10w, word ptr [rbx]", 5, {0x66, 0x44, 0x0f, 0x42, 0x13}, F_CF, {{0}}, {{0}}},
};

static const struct form stack_forms[] = {
    // PUSH m, POP m, and a stack in MMIO
    {"push qword ptr [rbx]", 2, {0xff, 0x33}, 0, {{0}}, {{0}}},
    {"pop qword ptr [rbx+0x8]", 3, {0x8f, 0x43, 0x08}, 0, {{0}}, {{0}}},
    {"push word ptr [rbx]", 3, {0x66, 0xff, 0x33}, 0, {{0}}, {{0}}},
    {"push rax", 1, {0x50}, 0, {S(RSP, 0x100e00)}, {{0}}},
    {"pop rdx", 1, {0x5a}, 0, {S(RSP, 0x100e00)}, {{0}}},
    {"push qword ptr [rsp+0x8]", 4, {0xff, 0x74, 0x24, 0x08}, 0, {S(RSP, 0x100e00)}, {{0}}},
    {"pop qword ptr [rsp+0x8]", 4, {0x8f, 0x44, 0x24, 0x08}, 0, {S(RSP, 0x100e00)}, {{0}}},
};

static const struct form string_forms[] = {
    // string instructions: MMIO to MMIO, RAM to MMIO, MMIO to RAM, REP, DF, 0x67, FS
    {"movsb", 1, {0xa4}, 0, {{0}}, {{0}}},
    {"rep movsb", 2, {0xf3, 0xa4}, 0, {{0}}, {{0}}},
    {"rep movsq", 3, {0xf3, 0x48, 0xa5}, F_DF, {{0}}, {{0}}},
    {"rep movsb", 2, {0xf3, 0xa4}, 0, {S(RCX, 0)}, {{0}}},
    {"rep movsd", 2, {0xf3, 0xa5}, 0, {S(RSI, 0x300100)}, {{0}}},
    {"rep movsw", 3, {0x66, 0xf3, 0xa5}, 0, {S(RDI, 0x300200)}, {{0}}},
    {"rep stosd", 2, {0xf3, 0xab}, 0, {{0}}, {{0}}},
    {"rep stosq", 3, {0xf3, 0x48, 0xab}, F_DF, {{0}}, {{0}}},
    {"rep lodsb", 2, {0xf3, 0xac}, 0, {{0}}, {{0}}},
    {"cmpsb", 1, {0xa6}, 0, {{0}}, {{0}}},
    {"repe cmpsd", 2, {0xf3, 0xa7}, F_SAME, {{0}}, {{0}}},
    {"repne scasq", 3, {0xf2, 0x48, 0xaf}, 0, {{0}}, {{0}}},
    {"repe scasb", 2, {0xf3, 0xae}, 0, {{0}}, {P(0x100c00, 0x118888)}},
    {"movs byte ptr es:[edi], byte ptr [esi]", 2, {0x67, 0xa4}, 0, {S(RSI, 0xffffffff00100400), S(RDI, 0xabcdef0000100c00)}, {{0}}},
    {".byte 0x67, 0xf3, 0xaa (rep stos BYTE PTR es:[edi],al)", 3, {0x67, 0xf3, 0xaa}, 0, {S(RCX, 0xffffffff00000003), S(RDI, 0x5555555500100c00)}, {{0}}},
    {".byte 0x64, 0xa4 (movs BYTE PTR es:[rdi],BYTE PTR fs:[rsi])", 2, {0x64, 0xa4}, 0, {{0}}, {{0}}},
};

static const struct form vec_forms[] = {
    // SSE / AVX moves
    {"movd xmm1, dword ptr [rbx]", 4, {0x66, 0x0f, 0x6e, 0x0b}, 0, {{0}}, {{0}}},
    {"movq qword ptr [rbx], xmm4", 4, {0x66, 0x0f, 0xd6, 0x23}, 0, {{0}}, {{0}}},
    {"movdqa xmm6, xmmword ptr [rbx]", 4, {0x66, 0x0f, 0x6f, 0x33}, 0, {{0}}, {{0}}},
    {"movdqa xmmword ptr [rbx+0x10], xmm7", 5, {0x66, 0x0f, 0x7f, 0x7b, 0x10}, 0, {{0}}, {{0}}},
    {"movdqu xmm8, xmmword ptr [rbx+0x3]", 6, {0xf3, 0x44, 0x0f, 0x6f, 0x43, 0x03}, 0, {{0}}, {{0}}},
    {"movdqu xmmword ptr [r12+r8*1+0x1], xmm15", 7, {0xf3, 0x47, 0x0f, 0x7f, 0x7c, 0x04, 0x01}, 0, {{0}}, {{0}}},
    {"movaps xmm2, xmmword ptr [rip+0xff875]", 7, {0x0f, 0x28, 0x15, 0x75, 0xf8, 0x0f, 0x00}, 0, {{0}}, {{0}}},
    {"movntdq xmmword ptr [rbx], xmm1", 4, {0x66, 0x0f, 0xe7, 0x0b}, 0, {{0}}, {{0}}},
    {"vmovdqu xmm1, xmmword ptr [rbx]", 4, {0xc5, 0xfa, 0x6f, 0x0b}, 0, {{0}}, {{0}}},
    {"vmovdqu ymm3, ymmword ptr [rbx]", 4, {0xc5, 0xfe, 0x6f, 0x1b}, F_UD, {{0}}, {{0}}},
};
// clang-format on

/* ---- the device ------------------------------------------------------------------------------ */

enum { RD = 1, WR = 2 };

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
};

struct rec {
    uint64_t addr, data, pc, icount;
    uint8_t size, dir, path, part, parts;
    uint8_t op, len; /* vmf_vcpu_fault()->x86.op and .length */
    char mnemonic[24];
    uint8_t bytes[15];
};

#define MAXREC 48

struct dev {
    uint8_t mem[DATA_SIZE];
    uint64_t base;
    struct rec rec[MAXREC];
    unsigned n;
    uint8_t script[16];
    uint8_t path; /* the path every fault must arrive on */
    unsigned anomalies;
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
        r.icount = f->icount;
        r.op = f->x86.op;
        r.len = f->x86.length;
        memcpy(r.mnemonic, f->x86.mnemonic, sizeof(r.mnemonic));
        memcpy(r.bytes, f->insn_bytes, sizeof(r.bytes));
        if (f->path != d->path)
            dev_anomaly(d, "the fault arrived on the wrong path", addr);
        if (!f->x86.mnemonic[0] || f->x86.op == VMF_X86_OP_NONE)
            dev_anomaly(d, "vmf_vcpu_fault()->x86 is not filled", addr);
    } else {
        dev_anomaly(d, "vmf_vcpu_fault is NULL inside the handler", addr);
    }
    if (vm != vcpu->vm)
        dev_anomaly(d, "vm argument is not vcpu->vm", addr);
    if (paddr != addr || len != size)
        dev_anomaly(d, "callback paddr/len differ from get_vcpu_fault_address/size", addr);
    if (addr < d->base || size == 0 || size > 8 || addr - d->base > DATA_SIZE - size) {
        dev_anomaly(d, "fault outside the reservation or of a bad size", addr);
        if (k < MAXREC)
            d->rec[k] = r;
        return FAULT_ERROR;
    }
    uint64_t off = addr - d->base;
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
        if (rd)
            set_vcpu_fault_data(vcpu, r.data);
        else
            for (unsigned i = 0; i < size; i++)
                d->mem[off + i] = (uint8_t)(r.data >> (8 * i));
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

struct rig {
    vmf_vm *vm;
    vmf_vcpu *vcpu;
    struct dev *dev;
    vm_memory_reservation_t *res;
    enum mode mode;
};

/* The data area's initial content (the same for RAM and the handler's copy). */
static void fill_data(uint8_t *mem, const struct form *f)
{
    for (uint64_t i = 0; i < DATA_SIZE; i++)
        mem[i] = pattern(DATA + i);
    if (f && (f->flags & F_SAME))
        memcpy(&mem[init_gpr[RDI] - DATA], &mem[init_gpr[RSI] - DATA], 64);
    for (unsigned i = 0; f && i < NELEM(f->poke); i++)
        if (f->poke[i].a)
            for (unsigned k = 0; k < 8; k++)
                mem[f->poke[i].a - DATA + k] = (uint8_t)(f->poke[i].v >> (8 * k));
}

static void fill_ram(vmf_vm *vm, uint64_t base, uint64_t size)
{
    uint8_t buf[0x1000];
    for (uint64_t i = 0; i < size; i++)
        buf[i] = pattern(base + i);
    cr_assert_eq(vmf_mem_write(vm, base, buf, size), 0);
}

static uint64_t form_rflags(const struct form *f)
{
    return 0x2 | RFL_IF | (f->flags & F_CF ? RFL_CF : 0) | (f->flags & F_ZF ? RFL_ZF : 0) |
           (f->flags & F_DF ? RFL_DF : 0);
}

static uint64_t form_gpr(const struct form *f, unsigned i)
{
    for (unsigned k = 0; k < NELEM(f->set); k++)
        if (f->set[k].r1 == i + 1)
            return f->set[k].v;
    return init_gpr[i];
}

/* Layout variations for the tests after the table. */
struct layout {
    uint64_t data_size; /* the reservation's size; 0: DATA_SIZE */
    bool ram_after;     /* a page of RAM right after the reservation */
    bool ram_before;    /* a page of RAM right before it */
    bool no_callback;   /* a reservation with a NULL callback */
};

/* A VM with code, stack and RAM2 RAM, and the data area as RAM or a reservation. */
static void rig_open_lay(struct rig *g, enum mode m, const struct form *f, const struct layout *lay)
{
    uint64_t size = lay && lay->data_size ? lay->data_size : DATA_SIZE;
    memset(g, 0, sizeof(*g));
    g->mode = m;
    g->dev = calloc(1, sizeof(*g->dev));
    cr_assert_not_null(g->dev);
    fill_data(g->dev->mem, f);
    g->dev->base = DATA;
    g->dev->path = m == M_EXIT ? VMF_PATH_EXIT : VMF_PATH_FAST;
    cr_assert_eq(vmf_vm_create(VMF_ARCH_X86_64, "x86test", &g->vm), 0);
    cr_assert_eq(vmf_vcpu_create(g->vm, &g->vcpu), 0);
    cr_assert_eq(vmf_ram_add(g->vm, CODE, CODE_SIZE, NULL), 0);
    cr_assert_eq(vmf_ram_add(g->vm, STACK, STACK_SIZE, NULL), 0);
    cr_assert_eq(vmf_ram_add(g->vm, RAM2, RAM2_SIZE, NULL), 0);
    fill_ram(g->vm, STACK, STACK_SIZE);
    fill_ram(g->vm, RAM2, RAM2_SIZE);
    if (m == M_RAM) {
        cr_assert_eq(vmf_ram_add(g->vm, DATA, size, NULL), 0);
        cr_assert_eq(vmf_mem_write(g->vm, DATA, g->dev->mem, size), 0);
    } else {
        g->res = vm_reserve_memory_at(g->vm, DATA, size, lay && lay->no_callback ? NULL : dev_fault, g->dev);
        cr_assert_not_null(g->res, "vm_reserve_memory_at: %s", vmf_vm_last_error(g->vm, NULL));
        cr_assert_eq(vmf_reservation_set_path(g->vm, g->res, m == M_FAST ? VMF_PATH_FAST : VMF_PATH_EXIT), 0);
        cr_assert_eq(vmf_reservation_set_name(g->res, "x86dev"), 0);
    }
    if (lay && lay->ram_after) {
        cr_assert_eq(vmf_ram_add(g->vm, DATA + size, 0x1000, NULL), 0);
        fill_ram(g->vm, DATA + size, 0x1000);
    }
    if (lay && lay->ram_before) {
        cr_assert_eq(vmf_ram_add(g->vm, DATA - 0x1000, 0x1000, NULL), 0);
        fill_ram(g->vm, DATA - 0x1000, 0x1000);
    }
}

static void rig_open(struct rig *g, enum mode m, const struct form *f)
{
    rig_open_lay(g, m, f, NULL);
}

/* Load prologue, the bytes, epilogue at CODE; seed every register. */
static void rig_load(struct rig *g, const uint8_t *b, unsigned len, const struct form *f)
{
    uint8_t code[64];
    unsigned n = 0;
    memcpy(code + n, PROLOGUE, sizeof(PROLOGUE));
    n += sizeof(PROLOGUE);
    memcpy(code + n, b, len);
    n += len;
    memcpy(code + n, EPILOGUE, sizeof(EPILOGUE));
    n += sizeof(EPILOGUE);
    cr_assert_eq(vmf_mem_write(g->vm, CODE, code, n), 0);
    for (unsigned i = 0; i < 16; i++)
        cr_assert_eq(vmf_reg_write(g->vcpu, i, f ? form_gpr(f, i) : init_gpr[i]), 0);
    cr_assert_eq(vmf_reg_write(g->vcpu, VMF_X86_REG_RIP, CODE), 0);
    cr_assert_eq(vmf_reg_write(g->vcpu, VMF_X86_REG_RFLAGS, f ? form_rflags(f) : 0x202), 0);
    cr_assert_eq(vmf_reg_write(g->vcpu, VMF_X86_REG_FS_BASE, FS_BASE), 0);
    cr_assert_eq(vmf_reg_write(g->vcpu, VMF_X86_REG_GS_BASE, GS_BASE), 0);
    for (unsigned x = 0; x < 16; x++) {
        uint8_t v[16];
        for (unsigned j = 0; j < 16; j++)
            v[j] = init_xmm(x, j);
        cr_assert_eq(vmf_vreg_write(g->vcpu, x, v), 0);
    }
}

static void rig_close(struct rig *g)
{
    vmf_vm_destroy(g->vm);
    free(g->dev);
    memset(g, 0, sizeof(*g));
}

struct state {
    uint64_t r[16], rip, rflags, icount;
    uint8_t xmm[16][16];
};

static void get_state(vmf_vcpu *vcpu, struct state *s)
{
    memset(s, 0, sizeof(*s));
    for (unsigned i = 0; i < 16; i++)
        vmf_reg_read(vcpu, i, &s->r[i]);
    vmf_reg_read(vcpu, VMF_X86_REG_RIP, &s->rip);
    vmf_reg_read(vcpu, VMF_X86_REG_RFLAGS, &s->rflags);
    for (unsigned i = 0; i < 16; i++)
        vmf_vreg_read(vcpu, i, s->xmm[i]);
    s->icount = vmf_vcpu_icount(vcpu);
}

struct step {
    int exitcode;
    uint64_t pc, icount;
};

/* Everything a run leaves behind. */
struct outcome {
    int rc;
    vmf_exit ex;
    unsigned nsteps; /* single-stepped runs: the exits on the way */
    struct step steps[96];
    struct state st;
    uint8_t data[DATA_SIZE]; /* RAM bytes, or the handler's copy */
    uint8_t stack[STACK_SIZE], ram2[RAM2_SIZE];
    struct dev dev;
};

static void capture(struct rig *g, struct outcome *o)
{
    get_state(g->vcpu, &o->st);
    if (g->mode == M_RAM)
        cr_assert_eq(vmf_mem_read(g->vm, DATA, o->data, DATA_SIZE), 0);
    else
        memcpy(o->data, g->dev->mem, DATA_SIZE);
    cr_assert_eq(vmf_mem_read(g->vm, STACK, o->stack, STACK_SIZE), 0);
    cr_assert_eq(vmf_mem_read(g->vm, RAM2, o->ram2, RAM2_SIZE), 0);
    o->dev = *g->dev;
}

/* Run to the end: in one vmf_run, or as vmf_run calls with a budget of one. */
static void run_steps(vmf_vcpu *vcpu, bool step, struct outcome *o)
{
    if (!step) {
        o->rc = vmf_run(vcpu, 1000, &o->ex);
        return;
    }
    for (;;) {
        o->rc = vmf_run(vcpu, 1, &o->ex);
        if (o->nsteps < NELEM(o->steps))
            o->steps[o->nsteps] = (struct step){o->ex.exitcode, o->ex.pc, vmf_vcpu_icount(vcpu)};
        o->nsteps++;
        if (o->rc || o->ex.exitcode != VMF_EXIT_BUDGET || o->nsteps >= 4 * NELEM(o->steps))
            break;
    }
}

static void run_form(const struct form *f, enum mode m, const uint8_t *script, size_t nscript, bool step,
                     struct outcome *o)
{
    struct rig g;
    rig_open(&g, m, f);
    for (size_t i = 0; i < nscript && i < NELEM(g.dev->script); i++)
        g.dev->script[i] = script[i];
    rig_load(&g, f->b, f->len, f);
    run_steps(g.vcpu, step, o);
    capture(&g, o);
    rig_close(&g);
}

/* ---- raw Unicorn: the accesses the instruction makes ------------------------------------------ */

struct access {
    uint8_t dir;
    uint64_t addr, data;
    unsigned size;
};

struct raw {
    struct access a[MAXREC];
    unsigned n, dropped;
    /* the pieces Unicorn makes of an access that crosses a page (see raw_on_mem) */
    uint64_t split_lo, split_hi;
    unsigned split_left;
    uint8_t split_dir;
    uc_err err;
    uint64_t r[16], rflags;
    uint8_t xmm[16][16];
};

static void raw_on_mem(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *user)
{
    struct raw *t = user;
    if (addr < DATA || addr >= DATA + DATA_SIZE)
        return; /* code, stack and RAM2 accesses are no faults */
    uint8_t dir = type == UC_MEM_WRITE ? WR : RD;
    /* An access that crosses a page is reported, then performed as pieces
     * that are reported too (QEMU's do_unaligned_access: a load as the two
     * aligned loads of its size around it, a store byte by byte): the
     * guest made one access. */
    if (t->split_left && dir == t->split_dir && addr - t->split_lo < t->split_hi - t->split_lo) {
        t->split_left--;
        return;
    }
    t->split_left = 0;
    if (size > 1 && (addr & 0xfff) + (uint64_t)size > 0x1000) {
        t->split_lo = addr & ~(uint64_t)(size - 1);
        t->split_hi = t->split_lo + 2 * (uint64_t)size;
        t->split_left = dir == RD ? 2 : (unsigned)size;
        t->split_dir = dir;
    }
    if (t->n == MAXREC) {
        t->dropped++;
        return;
    }
    struct access *a = &t->a[t->n++];
    a->dir = dir;
    a->addr = addr;
    a->size = (unsigned)size;
    a->data = 0;
    if (type == UC_MEM_WRITE) {
        a->data = size >= 8 ? (uint64_t)value : (uint64_t)value & ((1ull << (8 * size)) - 1);
    } else {
        uint8_t buf[8] = {0};
        if (size > 0 && size <= 8 && uc_mem_read(uc, addr, buf, (size_t)size) == UC_ERR_OK)
            for (int i = size - 1; i >= 0; i--)
                a->data = (a->data << 8) | buf[i];
    }
}

/* Stop before the HLT, as the engine's code hook stops (with `until` instead,
 * Unicorn 2.0.1 leaves a shift-by-CL's CF unwritten in RFLAGS). */
static void raw_on_code(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    (void)size;
    if (address == *(const uint64_t *)user)
        uc_emu_stop(uc);
}

/* Run the program once on plain RAM in a raw Unicorn, up to the HLT: with
 * memory hooks for the accesses, without them for the registers (memory
 * hooks make Unicorn 2.0.1 lose the CF of a shift by CL: pinned by
 * x86_engine_unicorn.mem_hooks_lose_shift_flags). */
static void raw_run(const struct form *f, struct raw *t, bool hooks)
{
    uc_engine *uc;
    uc_hook hr, hw, hc;
    uint8_t code[64], *data = malloc(DATA_SIZE), page[0x1000];
    unsigned n = 0;
    memset(t, 0, sizeof(*t));
    cr_assert_not_null(data);
    memcpy(code + n, PROLOGUE, sizeof(PROLOGUE));
    n += sizeof(PROLOGUE);
    memcpy(code + n, f->b, f->len);
    n += f->len;
    memcpy(code + n, EPILOGUE, sizeof(EPILOGUE));
    n += sizeof(EPILOGUE);
    fill_data(data, f);
    cr_assert_eq(uc_open(UC_ARCH_X86, UC_MODE_64, &uc), UC_ERR_OK);
    cr_assert_eq(uc_mem_map(uc, CODE, CODE_SIZE, UC_PROT_ALL), UC_ERR_OK);
    cr_assert_eq(uc_mem_map(uc, DATA, DATA_SIZE, UC_PROT_ALL), UC_ERR_OK);
    cr_assert_eq(uc_mem_map(uc, STACK, STACK_SIZE, UC_PROT_ALL), UC_ERR_OK);
    cr_assert_eq(uc_mem_map(uc, RAM2, RAM2_SIZE, UC_PROT_ALL), UC_ERR_OK);
    cr_assert_eq(uc_mem_write(uc, CODE, code, n), UC_ERR_OK);
    cr_assert_eq(uc_mem_write(uc, DATA, data, DATA_SIZE), UC_ERR_OK);
    for (uint64_t i = 0; i < 0x1000; i++)
        page[i] = pattern(STACK + i);
    cr_assert_eq(uc_mem_write(uc, STACK, page, STACK_SIZE), UC_ERR_OK);
    for (uint64_t i = 0; i < 0x1000; i++)
        page[i] = pattern(RAM2 + i);
    cr_assert_eq(uc_mem_write(uc, RAM2, page, RAM2_SIZE), UC_ERR_OK);
    for (unsigned i = 0; i < 16; i++) {
        uint64_t v = form_gpr(f, i);
        cr_assert_eq(uc_reg_write(uc, uc_gpr[i], &v), UC_ERR_OK);
    }
    uint64_t rfl = form_rflags(f), fs = FS_BASE, gs = GS_BASE;
    cr_assert_eq(uc_reg_write(uc, UC_X86_REG_RFLAGS, &rfl), UC_ERR_OK);
    cr_assert_eq(uc_reg_write(uc, UC_X86_REG_FS_BASE, &fs), UC_ERR_OK);
    cr_assert_eq(uc_reg_write(uc, UC_X86_REG_GS_BASE, &gs), UC_ERR_OK);
    for (unsigned x = 0; x < 16; x++) {
        uint8_t v[16];
        for (unsigned j = 0; j < 16; j++)
            v[j] = init_xmm(x, j);
        cr_assert_eq(uc_reg_write(uc, UC_X86_REG_XMM0 + (int)x, v), UC_ERR_OK);
    }
    /* a code hook, as the engine has: without one Unicorn leaves RFLAGS wrong (UNICORN-NOTES.md) */
    uint64_t hlt = CODE + n - 1;
    cr_assert_eq(uc_hook_add(uc, &hc, UC_HOOK_CODE, (void *)raw_on_code, &hlt, 1, 0), UC_ERR_OK);
    if (hooks) {
        cr_assert_eq(uc_hook_add(uc, &hr, UC_HOOK_MEM_READ, (void *)raw_on_mem, t, 1, 0), UC_ERR_OK);
        cr_assert_eq(uc_hook_add(uc, &hw, UC_HOOK_MEM_WRITE, (void *)raw_on_mem, t, 1, 0), UC_ERR_OK);
    }
    t->err = uc_emu_start(uc, CODE, 0xfffffffffffffffcull, 0, 0); /* up to the HLT */
    for (unsigned i = 0; i < 16; i++)
        uc_reg_read(uc, uc_gpr[i], &t->r[i]);
    uc_reg_read(uc, UC_X86_REG_RFLAGS, &t->rflags);
    for (unsigned x = 0; x < 16; x++)
        uc_reg_read(uc, UC_X86_REG_XMM0 + (int)x, t->xmm[x]);
    uc_close(uc);
    free(data);
}

/* ---- comparing --------------------------------------------------------------------------------- */

static const char *dir_name(unsigned d)
{
    return d == RD ? "read" : d == WR ? "write" : "?";
}

/* cr_expect that also counts the failure in the caller's `bad`. */
#define CHECK(cond, ...)                                                                                               \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            bad++;                                                                                                     \
            cr_expect(false, __VA_ARGS__);                                                                             \
        }                                                                                                              \
    } while (0)

static unsigned compare_state(const char *text, const char *what, const struct outcome *ref, const struct outcome *o)
{
    unsigned bad = 0;
    CHECK(o->rc == 0, "[%s] %s: vmf_run returned %d (%s)", text, what, o->rc, vmf_strerror(o->rc));
    CHECK(o->ex.exitcode == ref->ex.exitcode, "[%s] %s: exit %s, RAM run %s%s%s", text, what,
          vmf_exit_name(o->ex.exitcode), vmf_exit_name(ref->ex.exitcode), o->ex.exitcode == VMF_EXIT_ERROR ? ": " : "",
          o->ex.exitcode == VMF_EXIT_ERROR ? o->ex.u.error.message : "");
    CHECK(o->ex.pc == ref->ex.pc, "[%s] %s: exit pc 0x%llx, RAM run 0x%llx", text, what, (unsigned long long)o->ex.pc,
          (unsigned long long)ref->ex.pc);
    for (unsigned i = 0; i < 16; i++)
        CHECK(o->st.r[i] == ref->st.r[i], "[%s] %s: GPR %u = 0x%016llx, RAM run 0x%016llx", text, what, i,
              (unsigned long long)o->st.r[i], (unsigned long long)ref->st.r[i]);
    CHECK(o->st.rip == ref->st.rip, "[%s] %s: RIP = 0x%llx, RAM run 0x%llx", text, what, (unsigned long long)o->st.rip,
          (unsigned long long)ref->st.rip);
    CHECK(o->st.rflags == ref->st.rflags, "[%s] %s: RFLAGS = 0x%llx, RAM run 0x%llx", text, what,
          (unsigned long long)o->st.rflags, (unsigned long long)ref->st.rflags);
    for (unsigned i = 0; i < 16; i++)
        CHECK(!memcmp(o->st.xmm[i], ref->st.xmm[i], 16), "[%s] %s: XMM%u differs from the RAM run", text, what, i);
    CHECK(o->st.icount == ref->st.icount, "[%s] %s: icount %llu, RAM run %llu", text, what,
          (unsigned long long)o->st.icount, (unsigned long long)ref->st.icount);
    for (unsigned i = 0; i < DATA_SIZE; i++)
        if (o->data[i] != ref->data[i]) {
            CHECK(false, "[%s] %s: data byte at +0x%x = 0x%02x, RAM run 0x%02x", text, what, i, o->data[i],
                  ref->data[i]);
            break;
        }
    CHECK(!memcmp(o->stack, ref->stack, STACK_SIZE), "[%s] %s: stack RAM differs from the RAM run", text, what);
    CHECK(!memcmp(o->ram2, ref->ram2, RAM2_SIZE), "[%s] %s: RAM2 differs from the RAM run", text, what);
    CHECK(o->dev.anomalies == 0, "[%s] %s: handler saw %u API anomalies: %s", text, what, o->dev.anomalies,
          o->dev.anomaly);
    return bad;
}

/* The fault list against raw Unicorn's accesses, and what the handler saw of the instruction. */
static unsigned compare_faults(const struct form *f, const char *what, const struct raw *t, const struct outcome *o)
{
    unsigned bad = 0;
    vmf_x86_access d;
    memset(&d, 0, sizeof(d));
    int st = vmf_x86_decode(f->b, f->len, &d);
    CHECK(o->dev.n == t->n, "[%s] %s: %u faults, raw Unicorn made %u accesses", f->text, what, o->dev.n, t->n);
    for (unsigned i = 0; i < o->dev.n && i < t->n && i < MAXREC; i++) {
        const struct rec *r = &o->dev.rec[i];
        const struct access *a = &t->a[i];
        CHECK(r->addr == a->addr && r->size == a->size && r->dir == a->dir && r->data == a->data,
              "[%s] %s: fault %u is a %u-byte %s at 0x%llx data 0x%llx; Unicorn: %u-byte %s at 0x%llx data 0x%llx",
              f->text, what, i, r->size, dir_name(r->dir), (unsigned long long)r->addr, (unsigned long long)r->data,
              a->size, dir_name(a->dir), (unsigned long long)a->addr, (unsigned long long)a->data);
        CHECK(r->pc == INSN, "[%s] %s: fault %u pc 0x%llx", f->text, what, i, (unsigned long long)r->pc);
        CHECK(st == VMF_OK && r->op == d.op && !strcmp(r->mnemonic, d.mnemonic) && r->len == f->len &&
                  !memcmp(r->bytes, f->b, f->len),
              "[%s] %s: fault %u: x86 op %u \"%s\" length %u, decoder op %u \"%s\"", f->text, what, i, r->op,
              r->mnemonic, r->len, d.op, d.mnemonic);
    }
    return bad;
}

static unsigned compare_fast_exit(const char *text, const char *what, const struct outcome *a, const struct outcome *b)
{
    unsigned bad = 0;
    CHECK(a->dev.n == b->dev.n, "[%s] %s: FAST saw %u faults, EXIT %u", text, what, a->dev.n, b->dev.n);
    for (unsigned i = 0; i < a->dev.n && i < b->dev.n && i < MAXREC; i++) {
        const struct rec *x = &a->dev.rec[i], *y = &b->dev.rec[i];
        CHECK(x->addr == y->addr && x->size == y->size && x->dir == y->dir && x->data == y->data && x->pc == y->pc &&
                  x->part == y->part && x->parts == y->parts && x->icount == y->icount,
              "[%s] %s fault %u: FAST {0x%llx, %u, %s, data 0x%llx, part %u/%u, icount %llu} "
              "EXIT {0x%llx, %u, %s, data 0x%llx, part %u/%u, icount %llu}",
              text, what, i, (unsigned long long)x->addr, x->size, dir_name(x->dir), (unsigned long long)x->data,
              x->part, x->parts, (unsigned long long)x->icount, (unsigned long long)y->addr, y->size, dir_name(y->dir),
              (unsigned long long)y->data, y->part, y->parts, (unsigned long long)y->icount);
    }
    return bad;
}

static unsigned compare_steps(const char *text, const char *what, const struct outcome *ref, const struct outcome *o)
{
    unsigned bad = 0;
    CHECK(o->nsteps == ref->nsteps, "[%s] %s: %u vmf_run calls, RAM run %u", text, what, o->nsteps, ref->nsteps);
    for (unsigned i = 0; i < o->nsteps && i < ref->nsteps && i < NELEM(o->steps); i++) {
        const struct step *a = &o->steps[i], *b = &ref->steps[i];
        CHECK(a->exitcode == b->exitcode && a->pc == b->pc && a->icount == b->icount,
              "[%s] %s: step %u {%s, pc 0x%llx, icount %llu}, RAM run {%s, pc 0x%llx, icount %llu}", text, what, i,
              vmf_exit_name(a->exitcode), (unsigned long long)a->pc, (unsigned long long)a->icount,
              vmf_exit_name(b->exitcode), (unsigned long long)b->pc, (unsigned long long)b->icount);
    }
    return bad;
}

/* Run one form RAM / FAST / EXIT, each in one run and single-stepped, and raw. */
static unsigned differential(const struct form *f)
{
    struct outcome *o[3][2];
    struct raw *t = calloc(1, sizeof(*t)), *u = calloc(1, sizeof(*u));
    cr_assert(t && u);
    raw_run(f, t, true);
    raw_run(f, u, false);
    for (unsigned m = 0; m < 3; m++)
        for (unsigned s = 0; s < 2; s++) {
            o[m][s] = calloc(1, sizeof(*o[m][s]));
            cr_assert_not_null(o[m][s]);
            run_form(f, (enum mode)m, NULL, 0, s != 0, o[m][s]);
        }
    unsigned bad = 0;
    const struct outcome *ref = o[M_RAM][0];
    uint64_t end = INSN + f->len + sizeof(EPILOGUE);
    CHECK(t->dropped == 0, "[%s] raw Unicorn made more than %d accesses", f->text, MAXREC);
    /* the reference itself */
    cr_assert_eq(ref->rc, 0);
    if (f->flags & F_UD) {
        cr_assert_eq(t->err, UC_ERR_INSN_INVALID, "[%s] raw Unicorn: %s", f->text, uc_strerror(t->err));
        cr_assert_eq(ref->ex.exitcode, VMF_EXIT_EXCEPTION, "[%s] RAM run: exit %s", f->text,
                     vmf_exit_name(ref->ex.exitcode));
        cr_assert_eq(ref->ex.pc, INSN);
        cr_assert_eq(ref->ex.u.exception.intno, 6, "[%s] #UD is vector 6, got %d", f->text, ref->ex.u.exception.intno);
    } else {
        cr_assert_eq(t->err, UC_ERR_OK, "[%s] raw Unicorn: %s", f->text, uc_strerror(t->err));
        cr_assert_eq(ref->ex.exitcode, VMF_EXIT_HLT, "[%s] RAM run: exit %s %s", f->text,
                     vmf_exit_name(ref->ex.exitcode), ref->ex.u.error.message);
        cr_assert_eq(ref->ex.pc, end - 1, "[%s] RAM run: exit pc 0x%llx", f->text, (unsigned long long)ref->ex.pc);
        cr_assert_eq(ref->st.rip, end);
        cr_assert_eq(ref->st.r[R15], init_gpr[R15] + 0x11, "[%s] prologue or epilogue ran %s", f->text,
                     ref->st.r[R15] > init_gpr[R15] + 0x11 ? "twice" : "not at all");
        /* vmfault on RAM is Unicorn on RAM */
        for (unsigned i = 0; i < 16; i++)
            CHECK(ref->st.r[i] == u->r[i], "[%s] RAM run GPR %u = 0x%llx, raw Unicorn 0x%llx", f->text, i,
                  (unsigned long long)ref->st.r[i], (unsigned long long)u->r[i]);
        CHECK(ref->st.rflags == u->rflags, "[%s] RAM run RFLAGS 0x%llx, raw Unicorn 0x%llx", f->text,
              (unsigned long long)ref->st.rflags, (unsigned long long)u->rflags);
        CHECK(!memcmp(ref->st.xmm, u->xmm, sizeof(u->xmm)), "[%s] RAM run XMM differ from raw Unicorn", f->text);
    }
    CHECK(ref->dev.n == 0, "[%s] RAM run: %u faults", f->text, ref->dev.n);
    CHECK(o[M_RAM][1]->nsteps == ref->st.icount, "[%s] RAM single-stepped: %u vmf_run calls for %llu instructions",
          f->text, o[M_RAM][1]->nsteps, (unsigned long long)ref->st.icount);
    bad += compare_state(f->text, "RAM single-stepped", ref, o[M_RAM][1]);
    for (unsigned m = M_FAST; m <= M_EXIT; m++)
        for (unsigned s = 0; s < 2; s++) {
            char what[32];
            snprintf(what, sizeof(what), "%s%s", MODE[m], s ? " single-stepped" : "");
            bad += compare_state(f->text, what, ref, o[m][s]);
            bad += compare_faults(f, what, t, o[m][s]);
            if (s)
                bad += compare_steps(f->text, what, o[M_RAM][1], o[m][s]);
        }
    bad += compare_fast_exit(f->text, "", o[M_FAST][0], o[M_EXIT][0]);
    bad += compare_fast_exit(f->text, "single-stepped", o[M_FAST][1], o[M_EXIT][1]);
    for (unsigned m = 0; m < 3; m++)
        for (unsigned s = 0; s < 2; s++)
            free(o[m][s]);
    free(t);
    free(u);
    return bad;
}

static void run_table(const struct form *t, size_t n)
{
    unsigned failed = 0;
    for (size_t i = 0; i < n; i++)
        if (differential(&t[i]))
            failed++;
    cr_expect_eq(failed, 0, "%u of %zu forms differ", failed, n);
}

#define FORM_GROUP(name)                                                                                               \
    Test(x86_engine_diff, name)                                                                                        \
    {                                                                                                                  \
        run_table(name##_forms, NELEM(name##_forms));                                                                  \
    }

FORM_GROUP(mov)
FORM_GROUP(movx)
FORM_GROUP(alu)
FORM_GROUP(bit)
FORM_GROUP(xchg)
FORM_GROUP(unary)
FORM_GROUP(cond)
FORM_GROUP(stack)
FORM_GROUP(string)
FORM_GROUP(vec)

/* The pattern must give both signs where the sign-extension rows need them
 * and differ between the sources and destinations of the string rows. */
Test(x86_engine_diff, pattern_is_useful)
{
    cr_assert_neq(pattern(DATA + 0x400), pattern(DATA + 0xc00));
    cr_assert(pattern(DATA + 0x400) != pattern(DATA + 0x401) || pattern(DATA + 0x401) != pattern(DATA + 0x402));
}

/* ---- handler results ------------------------------------------------------------------------- */

static void run_one(struct rig *g, enum mode m, const struct form *f, const uint8_t *script, size_t nscript,
                    const struct layout *lay, vmf_exit *ex)
{
    rig_open_lay(g, m, f, lay);
    for (size_t i = 0; i < nscript && i < NELEM(g->dev->script); i++)
        g->dev->script[i] = script[i];
    rig_load(g, f->b, f->len, f);
    cr_assert_eq(vmf_run(g->vcpu, 1000, ex), 0);
}

static uint64_t reg(struct rig *g, unsigned r)
{
    uint64_t v = 0;
    cr_assert_eq(vmf_reg_read(g->vcpu, r, &v), 0);
    return v;
}

/* The RAM run of a form: the reference a completed fault must reproduce. */
static void ram_reference(const struct form *f, struct outcome *o)
{
    run_form(f, M_RAM, NULL, 0, false, o);
    cr_assert_eq(o->ex.exitcode, VMF_EXIT_HLT);
}

/* The registers of a finished run against the RAM run's. */
static void expect_ram_registers(struct rig *g, const struct outcome *ref, const char *what)
{
    struct state s;
    get_state(g->vcpu, &s);
    for (unsigned i = 0; i < 16; i++)
        cr_expect_eq(s.r[i], ref->st.r[i], "%s: GPR %u = 0x%llx, RAM run 0x%llx", what, i, (unsigned long long)s.r[i],
                     (unsigned long long)ref->st.r[i]);
    cr_expect_eq(s.rip, ref->st.rip, "%s: RIP 0x%llx", what, (unsigned long long)s.rip);
    cr_expect_eq(s.rflags, ref->st.rflags, "%s: RFLAGS 0x%llx, RAM run 0x%llx", what, (unsigned long long)s.rflags,
                 (unsigned long long)ref->st.rflags);
    cr_expect(!memcmp(s.xmm, ref->st.xmm, sizeof(s.xmm)), "%s: XMM registers differ from the RAM run", what);
    cr_expect_eq(s.icount, ref->st.icount, "%s: icount %llu, RAM run %llu", what, (unsigned long long)s.icount,
                 (unsigned long long)ref->st.icount);
}

static uint64_t dev_qword(const struct dev *d, uint64_t addr)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++)
        v |= (uint64_t)d->mem[addr - DATA + i] << (8 * i);
    return v;
}

static uint64_t pat_qword(uint64_t addr)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++)
        v |= (uint64_t)pattern(addr + i) << (8 * i);
    return v;
}

// clang-format off
static const struct form LOAD = {"mov rdx, qword ptr [rbx]", 3, {0x48, 0x8b, 0x13}, 0, {{0}}, {{0}}};
static const struct form STORE = {"mov dword ptr [rbx+0x10], edx", 3, {0x89, 0x53, 0x10}, 0, {{0}}, {{0}}};
static const struct form RMW = {"add qword ptr [rbx+0x8], rdx", 4, {0x48, 0x01, 0x53, 0x08}, 0, {{0}}, {{0}}};
static const struct form XADD = {"xadd qword ptr [rbx], rdx", 4, {0x48, 0x0f, 0xc1, 0x13}, 0, {{0}}, {{0}}};
static const struct form UNALIGNED = {"mov eax, dword ptr [rbx+0x1]", 3, {0x8b, 0x43, 0x01}, 0, {{0}}, {{0}}};
static const struct form CX8_OK = {"cmpxchg8b qword ptr [rbx]", 3, {0x0f, 0xc7, 0x0b}, 0, {{0}}, {P(0x100800, 0x4433221155667788)}};
static const struct form MOVDQU = {"movdqu xmm8, xmmword ptr [rbx+0x3]", 6, {0xf3, 0x44, 0x0f, 0x6f, 0x43, 0x03}, 0, {{0}}, {{0}}};
static const struct form REP_MOVSB = {"rep movsb", 2, {0xf3, 0xa4}, 0, {{0}}, {{0}}};
// clang-format on

/* FAULT_IGNORE: a read gives 0 (whatever data the handler set), a write is dropped. */
Test(x86_engine_results, ignore)
{
    static const uint8_t ign[] = {A_IGNORE};
    for (enum mode m = M_FAST; m <= M_EXIT; m++) {
        struct rig g;
        vmf_exit ex;
        run_one(&g, m, &LOAD, ign, 1, NULL, &ex);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s: %s", MODE[m], vmf_exit_name(ex.exitcode));
        cr_expect_eq(reg(&g, RDX), 0, "%s: RDX 0x%llx", MODE[m], (unsigned long long)reg(&g, RDX));
        cr_expect_eq(g.dev->n, 1);
        cr_expect_eq(vmf_vcpu_icount(g.vcpu), 4);
        rig_close(&g);

        /* the read of a read-modify-write: the sum is 0 + RDX */
        run_one(&g, m, &RMW, ign, 1, NULL, &ex);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s: %s", MODE[m], vmf_exit_name(ex.exitcode));
        cr_assert_eq(g.dev->n, 2, "%s: %u faults", MODE[m], g.dev->n);
        cr_expect_eq(g.dev->rec[1].dir, WR);
        cr_expect_eq(g.dev->rec[1].data, init_gpr[RDX], "%s: wrote 0x%llx", MODE[m],
                     (unsigned long long)g.dev->rec[1].data);
        cr_expect_eq(dev_qword(g.dev, DATA + 0x808), init_gpr[RDX]);
        rig_close(&g);

        run_one(&g, m, &STORE, ign, 1, NULL, &ex);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
        cr_expect_eq(g.dev->n, 1);
        cr_expect_eq(dev_qword(g.dev, DATA + 0x810), pat_qword(DATA + 0x810), "%s: an ignored write changed the device",
                     MODE[m]);
        rig_close(&g);
    }
}

/* FAULT_RESTART and restart_vcpu_fault: the instruction runs again, the
 * handler sees the access again, and it retires once. */
Test(x86_engine_results, restart)
{
    static const struct {
        const struct form *f;
        uint8_t script[4];
        unsigned faults;
    } rows[] = {
        {&LOAD, {A_RESTART}, 2},
        {&LOAD, {A_RESTART_API}, 2},
        {&XADD, {A_HANDLED, A_RESTART}, 4}, /* the write restarts: read and write again */
        {&CX8_OK, {A_HANDLED, A_RESTART}, 4},
        {&MOVDQU, {A_HANDLED, A_RESTART}, 4},
        {&REP_MOVSB, {A_HANDLED, A_HANDLED, A_RESTART}, 7}, /* element 1's read */
    };
    for (unsigned i = 0; i < NELEM(rows); i++) {
        struct outcome *ref = calloc(1, sizeof(*ref));
        cr_assert_not_null(ref);
        ram_reference(rows[i].f, ref);
        for (enum mode m = M_FAST; m <= M_EXIT; m++) {
            struct rig g;
            vmf_exit ex;
            char what[64];
            snprintf(what, sizeof(what), "[%s] %s", rows[i].f->text, MODE[m]);
            run_one(&g, m, rows[i].f, rows[i].script, NELEM(rows[i].script), NULL, &ex);
            cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s: %s %s", what, vmf_exit_name(ex.exitcode), ex.u.error.message);
            expect_ram_registers(&g, ref, what);
            cr_expect_eq(g.dev->n, rows[i].faults, "%s: %u faults", what, g.dev->n);
            cr_expect(!memcmp(g.dev->mem, ref->data, DATA_SIZE), "%s: device differs from the RAM run", what);
            rig_close(&g);
        }
        free(ref);
    }
}

/* FAULT_UNHANDLED: an INST_EMUL exit with the access and the decoded
 * instruction, RIP on it; vmf_run refuses to go on until the caller
 * completes or restarts the fault; completed from outside, the registers are
 * those of a handled run. */
Test(x86_engine_results, unhandled_load)
{
    static const uint8_t unh[] = {A_UNHANDLED};
    struct outcome *ref = calloc(1, sizeof(*ref));
    cr_assert_not_null(ref);
    ram_reference(&LOAD, ref);
    for (enum mode m = M_FAST; m <= M_EXIT; m++) {
        struct rig g;
        vmf_exit ex;
        run_one(&g, m, &LOAD, unh, 1, NULL, &ex);
        cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL, "%s: %s %s", MODE[m], vmf_exit_name(ex.exitcode),
                     ex.u.error.message);
        cr_expect_eq(ex.pc, INSN);
        cr_expect_eq(ex.inst_length, 3);
        cr_expect_eq(ex.u.inst_emul.gpa, DATA + 0x800);
        cr_expect_eq(ex.u.inst_emul.size, 8);
        cr_expect_eq(ex.u.inst_emul.access, VMF_ACCESS_READ);
        cr_expect_str_eq(ex.u.inst_emul.x86.mnemonic, "mov");
        cr_expect_eq(ex.u.inst_emul.x86.op, VMF_X86_OP_MOV);
        cr_expect_eq(ex.u.inst_emul.x86.reg, RDX);
        cr_expect_eq(ex.u.inst_emul.x86.length, 3);
        cr_expect_eq(ex.icount, 1, "%s: icount %llu", MODE[m], (unsigned long long)ex.icount);
        cr_expect_eq(reg(&g, VMF_X86_REG_RIP), INSN);
        cr_expect_eq(reg(&g, RDX), init_gpr[RDX]);
        const vmf_fault *f = vmf_vcpu_fault(g.vcpu);
        cr_assert_not_null(f, "%s: no fault pending after INST_EMUL", MODE[m]);
        cr_expect_eq(f->path, m == M_FAST ? VMF_PATH_FAST : VMF_PATH_EXIT);
        cr_expect_eq(f->result, VMF_RESULT_UNHANDLED);
        cr_expect_eq(get_vcpu_fault_address(g.vcpu), DATA + 0x800);
        cr_expect_eq(vmf_run(g.vcpu, 1000, &ex), VMF_ESTATE, "%s: vmf_run with the fault pending", MODE[m]);
        cr_expect_eq(set_vcpu_fault_data(g.vcpu, pat_qword(DATA + 0x800)), 0);
        advance_vcpu_fault(g.vcpu);
        cr_assert_eq(vmf_run(g.vcpu, 1000, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s: %s %s", MODE[m], vmf_exit_name(ex.exitcode), ex.u.error.message);
        expect_ram_registers(&g, ref, MODE[m]);
        cr_expect_eq(g.dev->n, 1);
        cr_expect_null(vmf_vcpu_fault(g.vcpu));
        rig_close(&g);
    }
    free(ref);
}

Test(x86_engine_results, unhandled_variants)
{
    static const uint8_t unh[] = {A_UNHANDLED};
    static const uint8_t unh2[] = {A_HANDLED, A_UNHANDLED};
    for (enum mode m = M_FAST; m <= M_EXIT; m++) {
        struct rig g;
        vmf_exit ex;

        /* a store: the exit carries the data; completing it stores nothing in the device */
        run_one(&g, m, &STORE, unh, 1, NULL, &ex);
        cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL, "%s: %s", MODE[m], vmf_exit_name(ex.exitcode));
        cr_expect_eq(ex.u.inst_emul.gpa, DATA + 0x810);
        cr_expect_eq(ex.u.inst_emul.access, VMF_ACCESS_WRITE);
        cr_expect_eq(ex.u.inst_emul.size, 4);
        cr_expect_eq(ex.u.inst_emul.data, init_gpr[RDX] & 0xffffffff, "%s: data 0x%llx", MODE[m],
                     (unsigned long long)ex.u.inst_emul.data);
        cr_expect_eq(get_vcpu_fault_data(g.vcpu), init_gpr[RDX] & 0xffffffff);
        advance_vcpu_fault(g.vcpu);
        cr_assert_eq(vmf_run(g.vcpu, 1000, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
        cr_expect_eq(dev_qword(g.dev, DATA + 0x810), pat_qword(DATA + 0x810), "%s: the device changed", MODE[m]);
        cr_expect_eq(vmf_vcpu_icount(g.vcpu), 4);
        rig_close(&g);

        /* the read of a read-modify-write: the completed value is what the write adds to */
        run_one(&g, m, &RMW, unh, 1, NULL, &ex);
        cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL, "%s: %s", MODE[m], vmf_exit_name(ex.exitcode));
        cr_expect_eq(ex.u.inst_emul.gpa, DATA + 0x808);
        cr_expect_eq(ex.u.inst_emul.x86.op, VMF_X86_OP_ALU);
        cr_expect_eq(ex.u.inst_emul.x86.subop, VMF_X86_ADD);
        set_vcpu_fault_data(g.vcpu, 0x1000);
        advance_vcpu_fault(g.vcpu);
        cr_assert_eq(vmf_run(g.vcpu, 1000, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s: %s %s", MODE[m], vmf_exit_name(ex.exitcode), ex.u.error.message);
        cr_assert_eq(g.dev->n, 2);
        cr_expect_eq(g.dev->rec[1].dir, WR);
        cr_expect_eq(g.dev->rec[1].data, init_gpr[RDX] + 0x1000, "%s: wrote 0x%llx", MODE[m],
                     (unsigned long long)g.dev->rec[1].data);
        rig_close(&g);

        /* unaligned: the exit has the guest's address; a 32-bit load zero-extends */
        run_one(&g, m, &UNALIGNED, unh, 1, NULL, &ex);
        cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL, "%s: %s", MODE[m], vmf_exit_name(ex.exitcode));
        cr_expect_eq(ex.u.inst_emul.gpa, DATA + 0x801, "%s: gpa 0x%llx", MODE[m],
                     (unsigned long long)ex.u.inst_emul.gpa);
        cr_expect_eq(ex.u.inst_emul.size, 4);
        set_vcpu_fault_data(g.vcpu, 0xffffffffabcd1234ull); /* masked to the access size */
        advance_vcpu_fault(g.vcpu);
        cr_assert_eq(vmf_run(g.vcpu, 1000, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
        cr_expect_eq(reg(&g, RAX), 0xabcd1234u, "%s: RAX 0x%llx", MODE[m], (unsigned long long)reg(&g, RAX));
        rig_close(&g);

        /* CMPXCHG8B (run by a C helper inside Unicorn): the completed read compares equal */
        run_one(&g, m, &CX8_OK, unh, 1, NULL, &ex);
        cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL, "%s: %s", MODE[m], vmf_exit_name(ex.exitcode));
        cr_expect_eq(reg(&g, RAX), init_gpr[RAX], "%s: RAX changed by the abandoned instruction", MODE[m]);
        cr_expect_eq(reg(&g, RDX), init_gpr[RDX], "%s: RDX changed by the abandoned instruction", MODE[m]);
        cr_expect_eq(reg(&g, VMF_X86_REG_RFLAGS), 0x202, "%s: RFLAGS 0x%llx", MODE[m],
                     (unsigned long long)reg(&g, VMF_X86_REG_RFLAGS));
        set_vcpu_fault_data(g.vcpu, 0x4433221155667788ull);
        advance_vcpu_fault(g.vcpu);
        cr_assert_eq(vmf_run(g.vcpu, 1000, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s: %s %s", MODE[m], vmf_exit_name(ex.exitcode), ex.u.error.message);
        cr_assert_eq(g.dev->n, 2);
        cr_expect_eq(g.dev->rec[1].data, init_gpr[RCX] << 32 | (init_gpr[RBX] & 0xffffffff),
                     "%s: stored 0x%llx, not ECX:EBX", MODE[m], (unsigned long long)g.dev->rec[1].data);
        cr_expect(reg(&g, VMF_X86_REG_RFLAGS) & RFL_ZF, "%s: ZF clear", MODE[m]);
        rig_close(&g);

        /* the second beat of a 16-byte load leaves; the first was handled */
        run_one(&g, m, &MOVDQU, unh2, 2, NULL, &ex);
        cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL, "%s: %s", MODE[m], vmf_exit_name(ex.exitcode));
        cr_expect_eq(ex.u.inst_emul.gpa, DATA + 0x80b);
        cr_expect_eq(ex.u.inst_emul.size, 8);
        set_vcpu_fault_data(g.vcpu, 0x0102030405060708ull);
        advance_vcpu_fault(g.vcpu);
        cr_assert_eq(vmf_run(g.vcpu, 1000, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
        uint8_t x8[16], want[16];
        cr_assert_eq(vmf_vreg_read(g.vcpu, 8, x8), 0);
        for (unsigned i = 0; i < 8; i++) {
            want[i] = pattern(DATA + 0x803 + i);
            want[8 + i] = (uint8_t)(0x08 - i);
        }
        cr_expect(!memcmp(x8, want, 16), "%s: XMM8 is not the handled half and the completed half", MODE[m]);
        cr_expect_eq(g.dev->n, 2);
        rig_close(&g);
    }
}

/* After an INST_EMUL exit the caller may restart instead: the instruction is
 * executed again and the handler sees it again. */
Test(x86_engine_results, unhandled_then_restart)
{
    static const uint8_t script[] = {A_UNHANDLED, A_HANDLED};
    struct outcome *ref = calloc(1, sizeof(*ref));
    cr_assert_not_null(ref);
    ram_reference(&XADD, ref);
    for (enum mode m = M_FAST; m <= M_EXIT; m++) {
        struct rig g;
        vmf_exit ex;
        run_one(&g, m, &XADD, script, NELEM(script), NULL, &ex);
        cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL);
        restart_vcpu_fault(g.vcpu);
        cr_assert_eq(vmf_run(g.vcpu, 1000, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s: %s %s", MODE[m], vmf_exit_name(ex.exitcode), ex.u.error.message);
        expect_ram_registers(&g, ref, MODE[m]);
        cr_expect_eq(g.dev->n, 3, "%s: %u faults", MODE[m], g.dev->n);
        cr_expect(!memcmp(g.dev->mem, ref->data, DATA_SIZE), "%s: device differs from the RAM run", MODE[m]);
        rig_close(&g);
    }
    free(ref);
}

/* A reservation without a callback: every access is an INST_EMUL exit. */
Test(x86_engine_results, no_callback)
{
    const struct layout lay = {.no_callback = true};
    for (enum mode m = M_FAST; m <= M_EXIT; m++) {
        struct rig g;
        vmf_exit ex;
        run_one(&g, m, &RMW, NULL, 0, &lay, &ex);
        cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL, "%s: %s", MODE[m], vmf_exit_name(ex.exitcode));
        cr_expect_eq(ex.u.inst_emul.access, VMF_ACCESS_READ);
        set_vcpu_fault_data(g.vcpu, 5);
        advance_vcpu_fault(g.vcpu);
        cr_assert_eq(vmf_run(g.vcpu, 1000, &ex), 0);
        cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL, "%s: %s", MODE[m], vmf_exit_name(ex.exitcode));
        cr_expect_eq(ex.u.inst_emul.access, VMF_ACCESS_WRITE);
        cr_expect_eq(ex.u.inst_emul.gpa, DATA + 0x808);
        cr_expect_eq(ex.u.inst_emul.data, init_gpr[RDX] + 5);
        advance_vcpu_fault(g.vcpu);
        cr_assert_eq(vmf_run(g.vcpu, 1000, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
        cr_expect_eq(vmf_vcpu_icount(g.vcpu), 4);
        rig_close(&g);
    }
}

/* FAULT_ERROR, a result that is not a memory_fault_result_t, and HANDLED
 * without advance: an ERROR exit naming the reservation; the instruction is
 * abandoned (registers and flags as before it, RIP on it), on its read or on
 * its write. */
Test(x86_engine_results, error_garbage_no_advance)
{
    static const struct {
        uint8_t act;
        const char *needle;
    } rows[] = {
        {A_ERROR, "FAULT_ERROR"},
        {A_GARBAGE, "42"},
        {A_NO_ADVANCE, "advance_vcpu_fault"},
    };
    static const struct form *forms_[] = {&RMW, &XADD, &CX8_OK};
    for (unsigned i = 0; i < NELEM(rows); i++)
        for (unsigned k = 0; k < NELEM(forms_); k++)
            for (unsigned beat = 0; beat < 2; beat++) {
                const struct form *f = forms_[k];
                unsigned icount[3] = {0};
                for (enum mode m = M_FAST; m <= M_EXIT; m++) {
                    struct rig g;
                    vmf_exit ex;
                    const uint8_t script[2] = {beat ? A_HANDLED : rows[i].act, beat ? rows[i].act : A_HANDLED};
                    char what[96];
                    snprintf(what, sizeof(what), "[%s] %s on %s, %s", f->text, rows[i].needle,
                             beat ? "the write" : "the read", MODE[m]);
                    run_one(&g, m, f, script, 2, NULL, &ex);
                    cr_expect_eq(ex.exitcode, VMF_EXIT_ERROR, "%s: exit %s", what, vmf_exit_name(ex.exitcode));
                    cr_expect_eq(ex.u.error.status, VMF_EHANDLER, "%s: status %d", what, ex.u.error.status);
                    cr_expect(strstr(ex.u.error.message, "x86dev") != NULL,
                              "%s: message '%s' does not name the reservation", what, ex.u.error.message);
                    cr_expect(strstr(ex.u.error.message, rows[i].needle) != NULL, "%s: message '%s'", what,
                              ex.u.error.message);
                    cr_expect_eq(ex.pc, INSN, "%s: exit pc 0x%llx", what, (unsigned long long)ex.pc);
                    cr_expect_eq(reg(&g, VMF_X86_REG_RIP), INSN, "%s: RIP 0x%llx", what,
                                 (unsigned long long)reg(&g, VMF_X86_REG_RIP));
                    for (unsigned r = 0; r < 15; r++)
                        cr_expect_eq(reg(&g, r), form_gpr(f, r), "%s: GPR %u = 0x%llx", what, r,
                                     (unsigned long long)reg(&g, r));
                    cr_expect_eq(reg(&g, R15), init_gpr[R15] + 1);
                    cr_expect_eq(reg(&g, VMF_X86_REG_RFLAGS), 0x202, "%s: RFLAGS 0x%llx", what,
                                 (unsigned long long)reg(&g, VMF_X86_REG_RFLAGS));
                    cr_expect_eq(g.dev->n, beat + 1, "%s: %u faults", what, g.dev->n);
                    cr_expect_null(vmf_vcpu_fault(g.vcpu), "%s: a fault is still pending", what);
                    icount[m] = (unsigned)vmf_vcpu_icount(g.vcpu);
                    cr_expect_eq(icount[m], 1, "%s: icount %u: the failed instruction retired", what, icount[m]);
                    rig_close(&g);
                }
            }
}

/* An abandoned 16-byte load leaves its XMM register alone, though Unicorn
 * writes the first half before it reads the second. */
Test(x86_engine_results, error_on_the_second_half_of_a_16_byte_load)
{
    static const uint8_t script[] = {A_HANDLED, A_ERROR};
    for (enum mode m = M_FAST; m <= M_EXIT; m++) {
        struct rig g;
        vmf_exit ex;
        run_one(&g, m, &MOVDQU, script, 2, NULL, &ex);
        cr_expect_eq(ex.exitcode, VMF_EXIT_ERROR, "%s: %s", MODE[m], vmf_exit_name(ex.exitcode));
        cr_expect_eq(reg(&g, VMF_X86_REG_RIP), INSN);
        uint8_t x[16];
        cr_assert_eq(vmf_vreg_read(g.vcpu, 8, x), 0);
        for (unsigned j = 0; j < 16; j++)
            cr_expect_eq(x[j], init_xmm(8, j), "%s: XMM8 byte %u changed", MODE[m], j);
        rig_close(&g);
    }
}

/* CMPXCHG8B is not stopped by an abort (x86_engine_unicorn.cmpxchg8b_is_not_
 * abandoned): the next instruction must not be taken for the one to handle,
 * even when it is one the code hook intercepts (HLT, CPUID). */
Test(x86_engine_results, cmpxchg8b_before_an_intercepted_instruction)
{
    // clang-format off
    static const struct form rows[] = {
        {"cmpxchg8b qword ptr [rbx]; hlt", 4, {0x0f, 0xc7, 0x0b, 0xf4}, 0, {{0}}, {{0}}},
        {"lock cmpxchg8b qword ptr [rbx]; cpuid", 6, {0xf0, 0x0f, 0xc7, 0x0b, 0x0f, 0xa2}, 0, {{0}}, {P(0x100800, 0x4433221155667788)}},
    };
    // clang-format on
    static const uint8_t unh[] = {A_UNHANDLED};
    for (unsigned i = 0; i < NELEM(rows); i++) {
        struct outcome *o[3];
        for (unsigned m = 0; m < 3; m++) {
            o[m] = calloc(1, sizeof(*o[m]));
            cr_assert_not_null(o[m]);
            run_form(&rows[i], (enum mode)m, NULL, 0, false, o[m]);
        }
        cr_expect_eq(o[M_RAM]->ex.exitcode, VMF_EXIT_HLT);
        cr_expect_eq(compare_state(rows[i].text, "FAST", o[M_RAM], o[M_FAST]), 0);
        cr_expect_eq(compare_state(rows[i].text, "EXIT", o[M_RAM], o[M_EXIT]), 0);
        cr_expect_eq(compare_fast_exit(rows[i].text, "", o[M_FAST], o[M_EXIT]), 0);
        /* and with the read left to the caller */
        for (enum mode m = M_FAST; m <= M_EXIT; m++) {
            struct rig g;
            vmf_exit ex;
            run_one(&g, m, &rows[i], unh, 1, NULL, &ex);
            cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL, "[%s] %s: %s", rows[i].text, MODE[m],
                         vmf_exit_name(ex.exitcode));
            cr_expect_eq(ex.pc, INSN);
            set_vcpu_fault_data(g.vcpu, dev_qword(g.dev, DATA + 0x800));
            advance_vcpu_fault(g.vcpu);
            cr_assert_eq(vmf_run(g.vcpu, 100, &ex), 0);
            cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "[%s] %s: %s", rows[i].text, MODE[m], vmf_exit_name(ex.exitcode));
            expect_ram_registers(&g, o[M_RAM], rows[i].text);
            rig_close(&g);
        }
        for (unsigned m = 0; m < 3; m++)
            free(o[m]);
    }
}

/* An access that runs past the end of a reservation is refused (VMF_EBOUNDS)
 * and never reaches the handler, whether or not RAM follows it (which it
 * leaves alone), and so is one that starts in the RAM before it and runs
 * into it. */
Test(x86_engine_results, straddle_reservation)
{
    // clang-format off
    static const struct form rows[] = {
        {"mov rdx, qword ptr [rbx] @end-4", 3, {0x48, 0x8b, 0x13}, 0, {S(RBX, DATA + 0xffc)}, {{0}}},
        {"mov qword ptr [rbx], rdx @end-4", 3, {0x48, 0x89, 0x13}, 0, {S(RBX, DATA + 0xffc)}, {{0}}},
        {"mov eax, dword ptr [rbx] @end-2", 2, {0x8b, 0x03}, 0, {S(RBX, DATA + 0xffe)}, {{0}}},
        {"add word ptr [rbx], dx @end-1", 3, {0x66, 0x01, 0x13}, 0, {S(RBX, DATA + 0xfff)}, {{0}}},
        {"mov rdx, qword ptr [rbx] @start-4", 3, {0x48, 0x8b, 0x13}, 0, {S(RBX, DATA - 4)}, {{0}}},
        {"mov qword ptr [rbx], rdx @start-2", 3, {0x48, 0x89, 0x13}, 0, {S(RBX, DATA - 2)}, {{0}}},
    };
    // clang-format on
    for (unsigned ram = 0; ram < 2; ram++)
        for (unsigned i = 0; i < NELEM(rows); i++) {
            bool start = strstr(rows[i].text, "@start") != NULL;
            if (start && !ram)
                continue;
            const struct layout lay = {.data_size = 0x1000, .ram_after = ram && !start, .ram_before = start};
            uint8_t around[3][16];
            for (enum mode m = M_FAST; m <= M_EXIT; m++) {
                struct rig g;
                vmf_exit ex;
                char what[96];
                snprintf(what, sizeof(what), "[%s] %s, %s", rows[i].text, MODE[m], ram ? "RAM next to it" : "alone");
                run_one(&g, m, &rows[i], NULL, 0, &lay, &ex);
                cr_expect_eq(ex.exitcode, VMF_EXIT_ERROR, "%s: exit %s", what, vmf_exit_name(ex.exitcode));
                cr_expect_eq(ex.u.error.status, VMF_EBOUNDS, "%s: status %d (%s)", what, ex.u.error.status,
                             ex.u.error.message);
                cr_expect(strstr(ex.u.error.message, "x86dev") != NULL, "%s: message '%s'", what, ex.u.error.message);
                cr_expect_eq(ex.pc, INSN);
                cr_expect_eq(g.dev->n, 0, "%s: the handler was called %u times", what, g.dev->n);
                cr_expect_eq(reg(&g, RDX), init_gpr[RDX]);
                cr_expect_eq(reg(&g, RAX), init_gpr[RAX]);
                cr_expect_eq(reg(&g, VMF_X86_REG_RIP), INSN);
                cr_expect_eq(vmf_vcpu_icount(g.vcpu), 1);
                if (lay.ram_after)
                    cr_assert_eq(vmf_mem_read(g.vm, DATA + 0x1000, around[m], 16), 0);
                if (lay.ram_before)
                    cr_assert_eq(vmf_mem_read(g.vm, DATA - 16, around[m], 16), 0);
                for (unsigned b = 0; lay.ram_after && b < 16; b++)
                    cr_expect_eq(around[m][b], pattern(DATA + 0x1000 + b),
                                 "%s: the refused access changed the RAM after the reservation", what);
                rig_close(&g);
            }
            /* the part of a store that falls in the RAM before may be written
             * first (Unicorn stores it byte by byte in address order), as on
             * AArch64; both paths must agree on it */
            if (lay.ram_before)
                cr_expect(!memcmp(around[M_FAST], around[M_EXIT], 16), "[%s] FAST and EXIT left different RAM below",
                          rows[i].text);
        }
}

/* A 16-byte access is two beats: one that ends where the reservation ends is
 * no straddle.  Its first half goes to the handler, the second to the RAM
 * after it, or, with nothing after it, to a PAGING exit (as on AArch64). */
Test(x86_engine_results, sixteen_bytes_at_reservation_end)
{
    static const struct form f = {
        "movdqu xmm1, xmmword ptr [rbx] @end-8", 4, {0xf3, 0x0f, 0x6f, 0x0b}, 0, {S(RBX, DATA + 0xff8)}, {{0}}};
    for (unsigned ram = 0; ram < 2; ram++)
        for (enum mode m = M_FAST; m <= M_EXIT; m++) {
            const struct layout lay = {.data_size = 0x1000, .ram_after = ram != 0};
            struct rig g;
            vmf_exit ex;
            run_one(&g, m, &f, NULL, 0, &lay, &ex);
            cr_expect_eq(g.dev->n, 1, "%s: %u faults", MODE[m], g.dev->n);
            cr_expect_eq(g.dev->rec[0].addr, DATA + 0xff8);
            cr_expect_eq(g.dev->rec[0].size, 8);
            if (ram) {
                cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s: exit %s %s", MODE[m], vmf_exit_name(ex.exitcode),
                             ex.u.error.message);
                uint8_t x[16];
                cr_assert_eq(vmf_vreg_read(g.vcpu, 1, x), 0);
                for (unsigned i = 0; i < 16; i++)
                    cr_expect_eq(x[i], pattern(DATA + 0xff8 + i), "%s: XMM1 byte %u", MODE[m], i);
            } else {
                cr_expect_eq(ex.exitcode, VMF_EXIT_PAGING, "%s: exit %s %s", MODE[m], vmf_exit_name(ex.exitcode),
                             ex.u.error.message);
                cr_expect_eq(ex.u.paging.gpa, DATA + 0x1000);
                cr_expect_eq(ex.u.paging.fault_type, VMF_FAULT_READ);
                cr_expect_eq(ex.pc, INSN);
                cr_expect_eq(reg(&g, VMF_X86_REG_RIP), INSN);
                uint8_t x[16];
                cr_assert_eq(vmf_vreg_read(g.vcpu, 1, x), 0);
                for (unsigned i = 0; i < 16; i++)
                    cr_expect_eq(x[i], init_xmm(1, i), "%s: XMM1 byte %u changed by the faulting load", MODE[m], i);
            }
            rig_close(&g);
        }
}

/* ---- accesses nothing backs ---------------------------------------------------------------------- */

Test(x86_engine_results, paging_data)
{
    // clang-format off
    static const struct {
        struct form f;
        uint64_t gpa;
        int type;
        unsigned faults; /* the MMIO reads before the access that finds nothing */
    } rows[] = {
        {{"mov rdx, qword ptr [rbx]", 3, {0x48, 0x8b, 0x13}, 0, {S(RBX, 0x700000)}, {{0}}}, 0x700000, VMF_FAULT_READ, 0},
        {{"mov qword ptr [rbx], rdx", 3, {0x48, 0x89, 0x13}, 0, {S(RBX, 0x700000)}, {{0}}}, 0x700000, VMF_FAULT_WRITE, 0},
        {{"add qword ptr [rbx+0x8], rdx", 4, {0x48, 0x01, 0x53, 0x08}, 0, {S(RBX, 0x700000)}, {{0}}}, 0x700008, VMF_FAULT_READ, 0},
        {{"mov eax, dword ptr [rbx+0x2]", 3, {0x8b, 0x43, 0x02}, 0, {S(RBX, 0x700000)}, {{0}}}, 0x700002, VMF_FAULT_READ, 0},
        {{"push qword ptr [rbx]", 2, {0xff, 0x33}, 0, {S(RSP, 0x700800)}, {{0}}}, 0x7007f8, VMF_FAULT_WRITE, 1},
        {{"mov rdx, qword ptr [rbx] @start-4", 3, {0x48, 0x8b, 0x13}, 0, {S(RBX, DATA - 4)}, {{0}}}, DATA - 4, VMF_FAULT_READ, 0},
    };
    // clang-format on
    for (enum mode m = M_FAST; m <= M_EXIT; m++)
        for (unsigned i = 0; i < NELEM(rows); i++) {
            const struct form *f = &rows[i].f;
            struct rig g;
            vmf_exit ex;
            run_one(&g, m, f, NULL, 0, NULL, &ex);
            cr_expect_eq(ex.exitcode, VMF_EXIT_PAGING, "[%s] %s: exit %s %s", f->text, MODE[m],
                         vmf_exit_name(ex.exitcode), ex.u.error.message);
            cr_expect_eq(ex.u.paging.gpa, rows[i].gpa, "[%s] %s: gpa 0x%llx", f->text, MODE[m],
                         (unsigned long long)ex.u.paging.gpa);
            cr_expect_eq(ex.u.paging.fault_type, rows[i].type, "[%s] %s: fault_type %d", f->text, MODE[m],
                         ex.u.paging.fault_type);
            cr_expect_eq(ex.pc, INSN, "[%s] %s: pc 0x%llx", f->text, MODE[m], (unsigned long long)ex.pc);
            cr_expect_eq(ex.inst_length, f->len);
            for (unsigned r = 0; r < 15; r++)
                cr_expect_eq(reg(&g, r), form_gpr(f, r), "[%s] %s: GPR %u changed", f->text, MODE[m], r);
            cr_expect_eq(reg(&g, R15), init_gpr[R15] + 1, "[%s] %s: the epilogue ran", f->text, MODE[m]);
            cr_expect_eq(reg(&g, VMF_X86_REG_RIP), INSN);
            cr_expect_eq(vmf_vcpu_icount(g.vcpu), 1, "[%s] %s: icount %llu", f->text, MODE[m],
                         (unsigned long long)vmf_vcpu_icount(g.vcpu));
            cr_expect_eq(g.dev->n, rows[i].faults, "[%s] %s: %u faults", f->text, MODE[m], g.dev->n);
            rig_close(&g);
        }
}

Test(x86_engine_results, paging_exec)
{
    static const struct form jmp = {"jmp rax", 2, {0xff, 0xe0}, 0, {S(RAX, 0x600000)}, {{0}}};
    struct rig g;
    vmf_exit ex;
    run_one(&g, M_FAST, &jmp, NULL, 0, NULL, &ex);
    cr_expect_eq(ex.exitcode, VMF_EXIT_PAGING, "exit %s", vmf_exit_name(ex.exitcode));
    cr_expect_eq(ex.u.paging.gpa, 0x600000);
    cr_expect_eq(ex.u.paging.fault_type, VMF_FAULT_EXEC);
    cr_expect_eq(ex.pc, 0x600000);
    cr_expect_eq(vmf_vcpu_icount(g.vcpu), 2);
    rig_close(&g);
}

/* ---- the map changing under an instruction ------------------------------------------------------ */

static memory_fault_result_t never_called(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)vm, (void)vcpu, (void)paddr, (void)len;
    (*(unsigned *)cookie)++;
    return FAULT_ERROR;
}

/* libsel4vm's CONFIG_LIB_SEL4VM_DEFER_MEMORY_MAP: the first touch maps the
 * reservation and restarts the instruction on the new RAM. */
Test(x86_engine_map, lazy_map)
{
    // clang-format off
    static const struct form f = {"mov qword ptr [rbx+0x10], rdx; mov rax, qword ptr [rbx+0x10]", 8,
                                  {0x48, 0x89, 0x53, 0x10, 0x48, 0x8b, 0x43, 0x10}, 0, {{0}}, {{0}}};
    // clang-format on
    for (enum mode m = M_FAST; m <= M_EXIT; m++) {
        struct rig g;
        unsigned calls = 0;
        memset(&g, 0, sizeof(g));
        g.dev = calloc(1, sizeof(*g.dev));
        cr_assert_eq(vmf_vm_create(VMF_ARCH_X86_64, "lazy", &g.vm), 0);
        cr_assert_eq(vmf_vcpu_create(g.vm, &g.vcpu), 0);
        cr_assert_eq(vmf_ram_add(g.vm, CODE, CODE_SIZE, NULL), 0);
        cr_assert_eq(vmf_vm_set_defer_memory_map(g.vm, true), 0);
        vm_memory_reservation_t *res = vm_reserve_memory_at(g.vm, DATA, 0x1000, never_called, &calls);
        cr_assert_not_null(res);
        cr_assert_eq(vmf_reservation_set_path(g.vm, res, m == M_FAST ? VMF_PATH_FAST : VMF_PATH_EXIT), 0);
        cr_assert_eq(vm_map_reservation(g.vm, res, vmf_anon_frame_iterator, g.vm), 0);
        cr_expect(!vmf_reservation_is_mapped(res), "%s: mapped before the first touch", MODE[m]);
        rig_load(&g, f.b, f.len, NULL);
        vmf_exit ex;
        cr_assert_eq(vmf_run(g.vcpu, 100, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s: exit %s %s", MODE[m], vmf_exit_name(ex.exitcode),
                     ex.u.error.message);
        cr_expect_eq(calls, 0, "%s: the callback of a mapped reservation was called %u times", MODE[m], calls);
        cr_expect(vmf_reservation_is_mapped(res), "%s", MODE[m]);
        cr_expect_eq(reg(&g, RAX), init_gpr[RDX], "%s: RAX 0x%llx", MODE[m], (unsigned long long)reg(&g, RAX));
        uint64_t v = 0;
        cr_expect_eq(vmf_mem_read(g.vm, DATA + 0x810, &v, 8), 0);
        cr_expect_eq(v, init_gpr[RDX], "%s: memory 0x%llx", MODE[m], (unsigned long long)v);
        cr_expect_eq(vmf_vcpu_icount(g.vcpu), 5, "%s: the restarted store counts once: icount %llu", MODE[m],
                     (unsigned long long)vmf_vcpu_icount(g.vcpu));
        cr_expect_eq(reg(&g, R15), init_gpr[R15] + 0x11);
        rig_close(&g);
    }
}

struct self_free {
    vm_memory_reservation_t *res;
    unsigned calls;
};

static memory_fault_result_t free_myself(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)paddr, (void)len;
    struct self_free *s = cookie;
    s->calls++;
    set_vcpu_fault_data(vcpu, 0x1122334455667788ull);
    advance_vcpu_fault(vcpu);
    cr_expect_eq(vm_free_reserved_memory(vm, s->res), 0);
    return FAULT_HANDLED;
}

/* A handler frees its own reservation while serving a load: the load
 * completes with the handler's data, the next access finds nothing (as on
 * AArch64: tests/test_reservation.c). */
Test(x86_engine_map, handler_frees_its_reservation)
{
    // clang-format off
    static const struct form f = {"mov rcx, qword ptr [rbx]; mov rdx, qword ptr [rbx]", 6,
                                  {0x48, 0x8b, 0x0b, 0x48, 0x8b, 0x13}, 0, {{0}}, {{0}}};
    // clang-format on
    for (enum mode m = M_FAST; m <= M_EXIT; m++) {
        struct rig g;
        struct self_free s = {0};
        memset(&g, 0, sizeof(g));
        g.dev = calloc(1, sizeof(*g.dev));
        cr_assert_eq(vmf_vm_create(VMF_ARCH_X86_64, "free", &g.vm), 0);
        cr_assert_eq(vmf_vcpu_create(g.vm, &g.vcpu), 0);
        cr_assert_eq(vmf_ram_add(g.vm, CODE, CODE_SIZE, NULL), 0);
        s.res = vm_reserve_memory_at(g.vm, DATA, 0x1000, free_myself, &s);
        cr_assert_not_null(s.res);
        cr_assert_eq(vmf_reservation_set_path(g.vm, s.res, m == M_FAST ? VMF_PATH_FAST : VMF_PATH_EXIT), 0);
        rig_load(&g, f.b, f.len, NULL);
        vmf_exit ex;
        cr_assert_eq(vmf_run(g.vcpu, 100, &ex), 0);
        cr_expect_eq(s.calls, 1, "%s: %u calls", MODE[m], s.calls);
        cr_expect_eq(reg(&g, RCX), 0x1122334455667788ull, "%s: the first load did not complete: RCX 0x%llx", MODE[m],
                     (unsigned long long)reg(&g, RCX));
        cr_expect_eq(ex.exitcode, VMF_EXIT_PAGING, "%s: the second finds nothing: %s %s", MODE[m],
                     vmf_exit_name(ex.exitcode), ex.u.error.message);
        cr_expect_eq(ex.pc, INSN + 3, "%s: pc 0x%llx", MODE[m], (unsigned long long)ex.pc);
        cr_expect_eq(vmf_vcpu_icount(g.vcpu), 2, "%s: icount %llu", MODE[m],
                     (unsigned long long)vmf_vcpu_icount(g.vcpu));
        rig_close(&g);
    }
}

struct self_map {
    vm_memory_reservation_t *res;
    vmf_vm *vm;
    unsigned calls;
};

static memory_fault_result_t map_myself(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)paddr, (void)len;
    struct self_map *s = cookie;
    s->calls++;
    set_vcpu_fault_data(vcpu, 0x1000);
    advance_vcpu_fault(vcpu);
    cr_expect_eq(vm_map_reservation(vm, s->res, vmf_anon_frame_iterator, s->vm), 0);
    return FAULT_HANDLED;
}

/* A handler maps its own reservation (zeroed frames) while serving the read
 * of a read-modify-write: the read keeps the handler's data, the write goes
 * to the new RAM, the next load reads it. */
Test(x86_engine_map, handler_maps_its_reservation)
{
    // clang-format off
    static const struct form f = {"add qword ptr [rbx], rdx; mov rcx, qword ptr [rbx]", 6,
                                  {0x48, 0x01, 0x13, 0x48, 0x8b, 0x0b}, 0, {{0}}, {{0}}};
    // clang-format on
    for (enum mode m = M_FAST; m <= M_EXIT; m++) {
        struct rig g;
        struct self_map s = {0};
        memset(&g, 0, sizeof(g));
        g.dev = calloc(1, sizeof(*g.dev));
        cr_assert_eq(vmf_vm_create(VMF_ARCH_X86_64, "map", &g.vm), 0);
        cr_assert_eq(vmf_vcpu_create(g.vm, &g.vcpu), 0);
        cr_assert_eq(vmf_ram_add(g.vm, CODE, CODE_SIZE, NULL), 0);
        s.vm = g.vm;
        s.res = vm_reserve_memory_at(g.vm, DATA, 0x1000, map_myself, &s);
        cr_assert_not_null(s.res);
        cr_assert_eq(vmf_reservation_set_path(g.vm, s.res, m == M_FAST ? VMF_PATH_FAST : VMF_PATH_EXIT), 0);
        rig_load(&g, f.b, f.len, NULL);
        vmf_exit ex;
        cr_assert_eq(vmf_run(g.vcpu, 100, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s: %s %s", MODE[m], vmf_exit_name(ex.exitcode), ex.u.error.message);
        cr_expect_eq(s.calls, 1, "%s: %u calls", MODE[m], s.calls);
        cr_expect(vmf_reservation_is_mapped(s.res));
        uint64_t v = 0;
        cr_expect_eq(vmf_mem_read(g.vm, DATA + 0x800, &v, 8), 0);
        cr_expect_eq(v, init_gpr[RDX] + 0x1000, "%s: RAM 0x%llx", MODE[m], (unsigned long long)v);
        cr_expect_eq(reg(&g, RCX), init_gpr[RDX] + 0x1000, "%s: RCX 0x%llx", MODE[m], (unsigned long long)reg(&g, RCX));
        cr_expect_eq(vmf_vcpu_icount(g.vcpu), 5, "%s: icount %llu", MODE[m],
                     (unsigned long long)vmf_vcpu_icount(g.vcpu));
        rig_close(&g);
    }
}

/* ---- registers ---------------------------------------------------------------------------------- */

static void new_vm(vmf_vm **vm, vmf_vcpu **vcpu)
{
    cr_assert_eq(vmf_vm_create(VMF_ARCH_X86_64, "x86", vm), 0);
    cr_assert_eq(vmf_vcpu_create(*vm, vcpu), 0);
}

Test(x86_engine_regs, every_register)
{
    vmf_vm *vm;
    vmf_vcpu *c;
    new_vm(&vm, &c);
    uint64_t v;
    /* general registers: all 64 bits */
    for (unsigned r = 0; r < 16; r++) {
        uint64_t x = 0x0123456789abcdefull ^ ((uint64_t)r << 56) ^ r;
        cr_expect_eq(vmf_reg_write(c, r, x), 0);
        cr_expect_eq(vmf_reg_read(c, r, &v), 0);
        cr_expect_eq(v, x, "%s: 0x%llx", vmf_x86_reg_name(r), (unsigned long long)v);
    }
    /* writable */
    static const unsigned rw[] = {VMF_X86_REG_RIP, VMF_X86_REG_CR2, VMF_X86_REG_FS_BASE, VMF_X86_REG_GS_BASE,
                                  VMF_X86_REG_DR0, VMF_X86_REG_DR1, VMF_X86_REG_DR2,     VMF_X86_REG_DR3,
                                  VMF_X86_REG_DR6, VMF_X86_REG_DR7};
    for (unsigned i = 0; i < NELEM(rw); i++) {
        cr_expect_eq(vmf_reg_write(c, rw[i], 0x1234500 + i), 0, "%s", vmf_x86_reg_name(rw[i]));
        cr_expect_eq(vmf_reg_read(c, rw[i], &v), 0);
        cr_expect_eq(v, 0x1234500 + i, "%s: 0x%llx", vmf_x86_reg_name(rw[i]), (unsigned long long)v);
    }
    /* RFLAGS: bit 1 reads 1, reserved bits and TF are not taken */
    cr_expect_eq(vmf_reg_read(c, VMF_X86_REG_RFLAGS, &v), 0);
    cr_expect_eq(v, 0x2, "a new vCPU's RFLAGS: 0x%llx", (unsigned long long)v);
    cr_expect_eq(vmf_reg_write(c, VMF_X86_REG_RFLAGS, 0xffffffffffffffffull), 0);
    cr_expect_eq(vmf_reg_read(c, VMF_X86_REG_RFLAGS, &v), 0);
    cr_expect_eq(v & 0x100, 0, "TF set: 0x%llx", (unsigned long long)v);
    cr_expect_eq(v & ~0x3f7fd7ull, 0x2 & ~0x3f7fd7ull, "reserved bits set: 0x%llx", (unsigned long long)v);
    cr_expect_eq(v & 0xcd5, 0xcd5, "arithmetic flags, IF, DF lost: 0x%llx", (unsigned long long)v);
    cr_expect_eq(vmf_reg_write(c, VMF_X86_REG_RFLAGS, 0), 0);
    cr_expect_eq(vmf_reg_read(c, VMF_X86_REG_RFLAGS, &v), 0);
    cr_expect_eq(v, 0x2);
    /* read only: the mode, the segments, the descriptor tables, and CR8
     * (Unicorn has no TPR to hold it) */
    static const unsigned ro[] = {
        VMF_X86_REG_CR0,  VMF_X86_REG_CR3,       VMF_X86_REG_CR4,        VMF_X86_REG_CR8,       VMF_X86_REG_EFER,
        VMF_X86_REG_CS,   VMF_X86_REG_SS,        VMF_X86_REG_DS,         VMF_X86_REG_ES,        VMF_X86_REG_FS,
        VMF_X86_REG_GS,   VMF_X86_REG_GDTR_BASE, VMF_X86_REG_GDTR_LIMIT, VMF_X86_REG_IDTR_BASE, VMF_X86_REG_IDTR_LIMIT,
        VMF_X86_REG_LDTR, VMF_X86_REG_TR};
    for (unsigned i = 0; i < NELEM(ro); i++) {
        uint64_t before = 0;
        cr_expect_eq(vmf_reg_read(c, ro[i], &before), 0, "%s", vmf_x86_reg_name(ro[i]));
        cr_expect_eq(vmf_reg_write(c, ro[i], before ^ 0x5), VMF_EUNSUPP, "%s", vmf_x86_reg_name(ro[i]));
        cr_expect_eq(vmf_reg_read(c, ro[i], &v), 0);
        cr_expect_eq(v, before, "%s changed by a refused write", vmf_x86_reg_name(ro[i]));
    }
    /* long mode: EFER.LME and LMA, CR0.PE */
    cr_expect_eq(vmf_reg_read(c, VMF_X86_REG_EFER, &v), 0);
    cr_expect_eq(v & 0x500, 0x500, "EFER 0x%llx", (unsigned long long)v);
    cr_expect_eq(vmf_reg_read(c, VMF_X86_REG_CR0, &v), 0);
    cr_expect(v & 1, "CR0 0x%llx", (unsigned long long)v);
    /* out of range */
    cr_expect_eq(vmf_reg_read(c, VMF_X86_REG_COUNT, &v), VMF_ERANGE);
    cr_expect_eq(vmf_reg_write(c, VMF_X86_REG_COUNT, 0), VMF_ERANGE);
    cr_expect_eq(vmf_reg_read(c, 1000, &v), VMF_ERANGE);
    cr_expect_eq(vmf_reg_read(c, 0, NULL), VMF_EINVAL);
    /* XMM0-15 */
    for (unsigned n = 0; n < 16; n++) {
        uint8_t x[16], y[16];
        for (unsigned j = 0; j < 16; j++)
            x[j] = (uint8_t)(n * 16 + j);
        cr_expect_eq(vmf_vreg_write(c, n, x), 0);
        cr_expect_eq(vmf_vreg_read(c, n, y), 0);
        cr_expect(!memcmp(x, y, 16), "XMM%u", n);
    }
    uint8_t x[16] = {0};
    cr_expect_eq(vmf_vreg_read(c, 16, x), VMF_ERANGE);
    cr_expect_eq(vmf_vreg_write(c, 16, x), VMF_ERANGE);
    vmf_vm_destroy(vm);
}

/* The guest sees what vmf_reg_write wrote (FS base through an FS access is in
 * the table; here RIP, the GPRs and RFLAGS.CF through ADC). */
Test(x86_engine_regs, the_guest_sees_written_registers)
{
    vmf_vm *vm;
    vmf_vcpu *c;
    new_vm(&vm, &c);
    static const uint8_t code[] = {0x48, 0x11, 0xd8, /* adc rax, rbx */
                                   0xf4};            /* hlt */
    cr_assert_eq(vmf_ram_add(vm, 0x10000, 0x1000, NULL), 0);
    cr_assert_eq(vmf_mem_write(vm, 0x10000, code, sizeof(code)), 0);
    cr_assert_eq(vmf_reg_write(c, VMF_X86_REG_RIP, 0x10000), 0);
    cr_assert_eq(vmf_reg_write(c, RAX, 40), 0);
    cr_assert_eq(vmf_reg_write(c, RBX, 1), 0);
    cr_assert_eq(vmf_reg_write(c, VMF_X86_REG_RFLAGS, 0x203), 0);
    vmf_exit ex;
    cr_assert_eq(vmf_run(c, 10, &ex), 0);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
    uint64_t v;
    cr_assert_eq(vmf_reg_read(c, RAX, &v), 0);
    cr_expect_eq(v, 42);
    vmf_vm_destroy(vm);
}

Test(x86_engine_regs, names)
{
    for (unsigned r = 0; r < VMF_X86_REG_COUNT; r++) {
        const char *n = vmf_x86_reg_name(r);
        cr_assert_not_null(n, "register %u has no name", r);
        cr_expect_eq(vmf_x86_reg_by_name(n), (int)r, "%s", n);
        for (unsigned q = 0; q < r; q++)
            cr_expect_str_neq(n, vmf_x86_reg_name(q), "registers %u and %u are both %s", q, r, n);
    }
    cr_expect_str_eq(vmf_x86_reg_name(VMF_X86_REG_RAX), "rax");
    cr_expect_str_eq(vmf_x86_reg_name(VMF_X86_REG_R15), "r15");
    cr_expect_str_eq(vmf_x86_reg_name(VMF_X86_REG_RFLAGS), "rflags");
    cr_expect_str_eq(vmf_x86_reg_name(VMF_X86_REG_FS_BASE), "fs_base");
    cr_expect_null(vmf_x86_reg_name(VMF_X86_REG_COUNT));
    cr_expect_eq(vmf_x86_reg_by_name("xmm0"), -1);
    cr_expect_eq(vmf_x86_reg_by_name("RAX"), -1, "names are lower case");
    cr_expect_eq(vmf_x86_reg_by_name(""), -1);
    cr_expect_eq(vmf_x86_reg_by_name(NULL), -1);
}

Test(x86_engine_regs, write_gpr_widths)
{
    vmf_vm *vm;
    vmf_vcpu *c;
    new_vm(&vm, &c);
    static const struct {
        unsigned reg, bytes;
        bool high8;
        uint64_t value, want;
    } rows[] = {
        {RAX, 1, false, 0xffffffffffffffaaull, 0x11223344556677aaull}, /* AL */
        {RAX, 1, true, 0xbb, 0x112233445566bb88ull},                   /* AH */
        {RCX, 1, true, 0xcc, 0x112233445566cc88ull},                   /* CH */
        {RDX, 1, true, 0xdd, 0x112233445566dd88ull},                   /* DH */
        {RBX, 1, true, 0xee, 0x112233445566ee88ull},                   /* BH */
        {RSI, 1, false, 0x5a, 0x112233445566775aull},                  /* SIL, not DH */
        {R9, 1, false, 0x19, 0x1122334455667719ull},                   /* R9B */
        {RAX, 2, false, 0xfffffffffffff00dull, 0x112233445566f00dull}, /* AX */
        {R12, 2, false, 0x1234, 0x1122334455661234ull},                /* R12W */
        {RAX, 4, false, 0xffffffff80000001ull, 0x0000000080000001ull}, /* EAX zero-extends */
        {R15, 4, false, 0xdeadbeef, 0x00000000deadbeefull},            /* R15D */
        {RAX, 8, false, 0xfedcba9876543210ull, 0xfedcba9876543210ull}, /* RAX */
    };
    for (unsigned i = 0; i < NELEM(rows); i++) {
        for (unsigned r = 0; r < 16; r++)
            cr_assert_eq(vmf_reg_write(c, r, 0x1122334455667788ull), 0);
        cr_expect_eq(vmf_x86_write_gpr(c, rows[i].reg, rows[i].bytes, rows[i].high8, rows[i].value), 0, "row %u", i);
        for (unsigned r = 0; r < 16; r++) {
            uint64_t v;
            cr_assert_eq(vmf_reg_read(c, r, &v), 0);
            uint64_t want = r == rows[i].reg ? rows[i].want : 0x1122334455667788ull;
            cr_expect_eq(v, want, "row %u: %s = 0x%016llx, want 0x%016llx", i, vmf_x86_reg_name(r),
                         (unsigned long long)v, (unsigned long long)want);
        }
    }
    cr_expect_eq(vmf_x86_write_gpr(c, RSI, 1, true, 0), VMF_EINVAL, "no high byte for RSI");
    cr_expect_eq(vmf_x86_write_gpr(c, RAX, 2, true, 0), VMF_EINVAL);
    cr_expect_eq(vmf_x86_write_gpr(c, RAX, 3, false, 0), VMF_EINVAL);
    cr_expect_eq(vmf_x86_write_gpr(c, 16, 8, false, 0), VMF_EINVAL);
    cr_expect_eq(vmf_x86_write_gpr(NULL, RAX, 8, false, 0), VMF_EINVAL);
    vmf_vm_destroy(vm);
    cr_assert_eq(vmf_vm_create(VMF_ARCH_ARM64, "arm", &vm), 0);
    cr_assert_eq(vmf_vcpu_create(vm, &c), 0);
    cr_expect_eq(vmf_x86_write_gpr(c, RAX, 8, false, 0), VMF_EINVAL, "an AArch64 vCPU");
    vmf_vm_destroy(vm);
}

/* ---- run control ---------------------------------------------------------------------------------- */

/* A breakpoint stops before the instruction (an MMIO one here, on both
 * paths); the next run executes it once and goes on. */
Test(x86_engine_run, breakpoint)
{
    for (enum mode m = M_RAM; m <= M_EXIT; m++) {
        struct rig g;
        rig_open(&g, m, &RMW);
        rig_load(&g, RMW.b, RMW.len, &RMW);
        cr_assert_eq(vmf_vcpu_set_breakpoint(g.vcpu, INSN), 0);
        vmf_exit ex;
        cr_assert_eq(vmf_run(g.vcpu, 100, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_BPT, "%s: %s", MODE[m], vmf_exit_name(ex.exitcode));
        cr_expect_eq(ex.pc, INSN);
        cr_expect_eq(reg(&g, VMF_X86_REG_RIP), INSN);
        cr_expect_eq(vmf_vcpu_icount(g.vcpu), 1);
        cr_expect_eq(g.dev->n, 0, "%s: the instruction ran before the breakpoint", MODE[m]);
        cr_assert_eq(vmf_run(g.vcpu, 100, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s: the second run: %s at 0x%llx", MODE[m], vmf_exit_name(ex.exitcode),
                     (unsigned long long)ex.pc);
        cr_expect_eq(vmf_vcpu_icount(g.vcpu), 4, "%s: icount %llu", MODE[m],
                     (unsigned long long)vmf_vcpu_icount(g.vcpu));
        cr_expect_eq(g.dev->n, m == M_RAM ? 0u : 2u, "%s: %u faults", MODE[m], g.dev->n);
        cr_expect_eq(reg(&g, R15), init_gpr[R15] + 0x11);
        /* cleared: nothing stops a re-run from the start */
        cr_assert_eq(vmf_vcpu_set_breakpoint(g.vcpu, VMF_BPT_NONE), 0);
        cr_assert_eq(vmf_reg_write(g.vcpu, VMF_X86_REG_RIP, CODE), 0);
        cr_assert_eq(vmf_run(g.vcpu, 100, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s: %s", MODE[m], vmf_exit_name(ex.exitcode));
        rig_close(&g);
    }
}

/* ud2 and int3: EXCEPTION exits with the vector; nothing after them runs. */
Test(x86_engine_run, exceptions)
{
    static const struct {
        struct form f;
        int intno;
    } rows[] = {
        {{"ud2", 2, {0x0f, 0x0b}, 0, {{0}}, {{0}}}, 6},
        {{"int3", 1, {0xcc}, 0, {{0}}, {{0}}}, 3},
        {{".byte 0x0f, 0xff (ud0)", 2, {0x0f, 0xff}, 0, {{0}}, {{0}}}, 6},
    };
    for (unsigned i = 0; i < NELEM(rows); i++) {
        struct rig g;
        vmf_exit ex;
        run_one(&g, M_FAST, &rows[i].f, NULL, 0, NULL, &ex);
        cr_expect_eq(ex.exitcode, VMF_EXIT_EXCEPTION, "[%s] exit %s %s", rows[i].f.text, vmf_exit_name(ex.exitcode),
                     ex.u.error.message);
        cr_expect_eq(ex.u.exception.intno, rows[i].intno, "[%s] intno %d", rows[i].f.text, ex.u.exception.intno);
        cr_expect_eq(ex.pc, INSN, "[%s] pc 0x%llx", rows[i].f.text, (unsigned long long)ex.pc);
        cr_expect_eq(ex.u.exception.insn & 0xff, rows[i].f.b[0]);
        cr_expect_eq(reg(&g, R15), init_gpr[R15] + 1, "[%s] the epilogue ran", rows[i].f.text);
        rig_close(&g);
    }
}

/* Calls that exist for AArch64 only. */
Test(x86_engine_run, arm64_only_calls)
{
    vmf_vm *vm;
    vmf_vcpu *c;
    new_vm(&vm, &c);
    uint64_t v;
    cr_expect_eq(vmf_sysreg_read(c, VMF_A64_SCTLR_EL1, &v), VMF_EUNSUPP);
    cr_expect_eq(vmf_sysreg_write(c, VMF_A64_VBAR_EL1, 0), VMF_EUNSUPP);
    cr_expect_eq(vmf_vm_set_psci(vm, VMF_PSCI_HVC), VMF_EUNSUPP);
    cr_expect_eq(vmf_vm_set_psci(vm, VMF_PSCI_SMC), VMF_EUNSUPP);
    cr_expect_eq(vmf_vm_set_psci(vm, VMF_PSCI_NONE), 0);
    cr_expect_eq(vmf_vcpu_set_exception_mode(c, VMF_EXC_DELIVER), VMF_EUNSUPP);
    cr_expect_eq(vmf_vcpu_set_exception_mode(c, VMF_EXC_EXIT), 0);
    cr_expect_eq(vmf_vm_arch(vm), VMF_ARCH_X86_64);
    vmf_vm_destroy(vm);
}

/* ---- snapshots ---------------------------------------------------------------------------------- */

Test(x86_engine_run, snapshot_restores_registers_and_ram)
{
    for (enum mode m = M_FAST; m <= M_EXIT; m++) {
        struct rig g;
        rig_open(&g, m, &XADD);
        /* xadd [rbx], rdx; then a store to stack RAM */
        static const uint8_t code[] = {0x48, 0x0f, 0xc1, 0x13,  /* xadd qword ptr [rbx], rdx */
                                       0x48, 0x89, 0x14, 0x24,  /* mov qword ptr [rsp], rdx */
                                       0x66, 0x0f, 0x6f, 0x03}; /* movdqa xmm0, xmmword ptr [rbx] */
        rig_load(&g, code, sizeof(code), &XADD);
        vmf_snapshot *snap;
        cr_assert_eq(vmf_snapshot_take(g.vm, &snap), 0);
        struct outcome *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
        cr_assert(a && b);
        run_steps(g.vcpu, false, a);
        cr_expect_eq(a->ex.exitcode, VMF_EXIT_HLT, "%s: %s %s", MODE[m], vmf_exit_name(a->ex.exitcode),
                     a->ex.u.error.message);
        capture(&g, a);
        cr_assert_eq(vmf_snapshot_restore(g.vm, snap), 0);
        struct state s;
        get_state(g.vcpu, &s);
        cr_expect_eq(s.rip, CODE);
        cr_expect_eq(s.icount, 0);
        for (unsigned r = 0; r < 16; r++)
            cr_expect_eq(s.r[r], init_gpr[r], "%s: GPR %u not restored", MODE[m], r);
        uint8_t stack[8];
        cr_assert_eq(vmf_mem_read(g.vm, STACK + 0x800, stack, 8), 0);
        for (unsigned i = 0; i < 8; i++)
            cr_expect_eq(stack[i], pattern(STACK + 0x800 + i), "%s: stack RAM not restored", MODE[m]);
        /* the device is the caller's: put its copy back too, and the re-run is the same */
        fill_data(g.dev->mem, &XADD);
        g.dev->n = 0;
        run_steps(g.vcpu, false, b);
        capture(&g, b);
        cr_expect_eq(b->ex.exitcode, a->ex.exitcode);
        cr_expect_eq(compare_state("snapshot", MODE[m], a, b), 0);
        cr_expect_eq(a->dev.n, b->dev.n);
        vmf_snapshot_free(snap);
        free(a);
        free(b);
        rig_close(&g);
    }
}

/* No snapshot while a fault waits for the caller. */
Test(x86_engine_run, snapshot_refused_with_a_pending_fault)
{
    static const uint8_t unh[] = {A_UNHANDLED};
    struct rig g;
    vmf_exit ex;
    run_one(&g, M_EXIT, &LOAD, unh, 1, NULL, &ex);
    cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL);
    vmf_snapshot *snap = NULL;
    cr_expect_eq(vmf_snapshot_take(g.vm, &snap), VMF_ESTATE);
    cr_expect_null(snap);
    rig_close(&g);
}

/* ---- raw Unicorn: what the backend's design stands on ---------------------------------------- */

/* A bare Unicorn with code RAM at CODE, stack RAM, RAM2, an MMIO range at
 * DATA whose callbacks record every call and can call uc_emu_stop, and a code
 * hook over all code that counts the hooks at each address (as the engine
 * has: it is what makes uc_emu_stop exact). */
struct pin {
    uc_engine *uc;
    unsigned stop_read, stop_write; /* stop in the n-th read / write callback (1-based; 0 never) */
    unsigned nread, nwrite;
    struct pin_cb {
        char dir;
        uint64_t off;
        unsigned size;
    } cb[32];
    unsigned ncb;
    unsigned hooks_at_insn;
    uint64_t insn;
};

static uint64_t pin_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    struct pin *p = user;
    if (p->ncb < NELEM(p->cb))
        p->cb[p->ncb++] = (struct pin_cb){'R', offset, size};
    if (++p->nread == p->stop_read)
        uc_emu_stop(uc);
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)pattern(DATA + offset + i) << (8 * i);
    return v;
}

static void pin_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *user)
{
    (void)value;
    struct pin *p = user;
    if (p->ncb < NELEM(p->cb))
        p->cb[p->ncb++] = (struct pin_cb){'W', offset, size};
    if (++p->nwrite == p->stop_write)
        uc_emu_stop(uc);
}

static void pin_code(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    (void)uc, (void)size;
    struct pin *p = user;
    if (address == p->insn)
        p->hooks_at_insn++;
}

static void pin_open(struct pin *p, const uint8_t *b, unsigned len, bool code_hook)
{
    uint8_t code[64];
    unsigned n = 0;
    uc_hook h;
    memset(p, 0, sizeof(*p));
    memcpy(code + n, PROLOGUE, sizeof(PROLOGUE));
    n += sizeof(PROLOGUE);
    memcpy(code + n, b, len);
    n += len;
    memcpy(code + n, EPILOGUE, sizeof(EPILOGUE));
    n += sizeof(EPILOGUE);
    p->insn = INSN;
    cr_assert_eq(uc_open(UC_ARCH_X86, UC_MODE_64, &p->uc), UC_ERR_OK);
    cr_assert_eq(uc_mem_map(p->uc, CODE, CODE_SIZE, UC_PROT_ALL), UC_ERR_OK);
    cr_assert_eq(uc_mem_map(p->uc, STACK, STACK_SIZE, UC_PROT_ALL), UC_ERR_OK);
    cr_assert_eq(uc_mem_map(p->uc, RAM2, RAM2_SIZE, UC_PROT_ALL), UC_ERR_OK);
    cr_assert_eq(uc_mmio_map(p->uc, DATA, DATA_SIZE, pin_read, p, pin_write, p), UC_ERR_OK);
    cr_assert_eq(uc_mem_write(p->uc, CODE, code, n), UC_ERR_OK);
    for (unsigned i = 0; i < 16; i++)
        cr_assert_eq(uc_reg_write(p->uc, uc_gpr[i], &init_gpr[i]), UC_ERR_OK);
    uint64_t rfl = 0x8d7; /* CF PF AF ZF SF OF: an ADD would change them */
    cr_assert_eq(uc_reg_write(p->uc, UC_X86_REG_RFLAGS, &rfl), UC_ERR_OK);
    if (code_hook)
        cr_assert_eq(uc_hook_add(p->uc, &h, UC_HOOK_CODE, (void *)pin_code, p, 1, 0), UC_ERR_OK);
}

static uint64_t pin_reg(struct pin *p, int r)
{
    uint64_t v = 0;
    uc_reg_read(p->uc, r, &v);
    return v;
}

/* uc_emu_stop inside a read or a write callback: the instruction does not
 * happen (RIP on it, no register or flag changed), the one before it did. */
Test(x86_engine_unicorn, stop_in_a_callback_abandons_the_instruction)
{
    // clang-format off
    static const struct {
        struct form f;
        unsigned stop_read, stop_write;
    } rows[] = {
        {{"mov rdx, qword ptr [rbx]", 3, {0x48, 0x8b, 0x13}, 0, {{0}}, {{0}}}, 1, 0},
        {{"mov dh, byte ptr [rbx+0x3]", 3, {0x8a, 0x73, 0x03}, 0, {{0}}, {{0}}}, 1, 0},
        {{"add qword ptr [rbx], rdx", 3, {0x48, 0x01, 0x13}, 0, {{0}}, {{0}}}, 1, 0},
        {{"add qword ptr [rbx], rdx", 3, {0x48, 0x01, 0x13}, 0, {{0}}, {{0}}}, 0, 1},
        {{"add qword ptr [rbx], rdx", 3, {0x48, 0x01, 0x13}, 0, {{0}}, {{0}}}, 0, 2},
        {{"xadd qword ptr [rbx], rdx", 4, {0x48, 0x0f, 0xc1, 0x13}, 0, {{0}}, {{0}}}, 0, 1},
        {{"pop qword ptr [rbx]", 2, {0x8f, 0x03}, 0, {{0}}, {{0}}}, 0, 1},
        {{"push qword ptr [rbx]", 2, {0xff, 0x33}, 0, {{0}}, {{0}}}, 1, 0},
        {{"movdqu xmm1, xmmword ptr [rbx]", 4, {0xf3, 0x0f, 0x6f, 0x0b}, 0, {{0}}, {{0}}}, 1, 0},
    };
    // clang-format on
    for (unsigned i = 0; i < NELEM(rows); i++) {
        const struct form *f = &rows[i].f;
        struct pin p;
        pin_open(&p, f->b, f->len, true);
        p.stop_read = rows[i].stop_read;
        p.stop_write = rows[i].stop_write;
        uint8_t x0[16], x1[16];
        uc_reg_read(p.uc, UC_X86_REG_XMM1, x0);
        uint8_t stack0[16], stack1[16];
        uc_mem_read(p.uc, STACK + 0x7f8, stack0, 16);
        cr_assert_eq(uc_emu_start(p.uc, CODE, 0xfffffffffffffffcull, 0, 0), UC_ERR_OK, "[%s]", f->text);
        cr_expect_eq(pin_reg(&p, UC_X86_REG_RIP), INSN, "[%s] RIP 0x%llx", f->text,
                     (unsigned long long)pin_reg(&p, UC_X86_REG_RIP));
        for (unsigned r = 0; r < 15; r++)
            cr_expect_eq(pin_reg(&p, uc_gpr[r]), init_gpr[r], "[%s] GPR %u = 0x%llx", f->text, r,
                         (unsigned long long)pin_reg(&p, uc_gpr[r]));
        cr_expect_eq(pin_reg(&p, UC_X86_REG_R15), init_gpr[R15] + 1, "[%s] the instruction before did not run",
                     f->text);
        cr_expect_eq(pin_reg(&p, UC_X86_REG_RFLAGS), 0x8d7, "[%s] RFLAGS 0x%llx", f->text,
                     (unsigned long long)pin_reg(&p, UC_X86_REG_RFLAGS));
        uc_reg_read(p.uc, UC_X86_REG_XMM1, x1);
        cr_expect(!memcmp(x0, x1, 16), "[%s] XMM1 changed", f->text);
        uc_mem_read(p.uc, STACK + 0x7f8, stack1, 16);
        cr_expect(!memcmp(stack0, stack1, 16), "[%s] the stack RAM changed", f->text);
        cr_expect_eq(p.hooks_at_insn, 1);
        uc_close(p.uc);
    }
}

/* Not quite: a 16-byte load is two 8-byte loads, and the first half reaches
 * the XMM register before the second half is read.  A stop in the second
 * half leaves RIP on the instruction and the register half written
 * (arch/x86.c keeps the register for such an abort). */
Test(x86_engine_unicorn, stop_in_the_second_half_of_a_16_byte_load)
{
    static const uint8_t movdqu[] = {0xf3, 0x0f, 0x6f, 0x0b}; /* movdqu xmm1, xmmword ptr [rbx] */
    struct pin p;
    pin_open(&p, movdqu, 4, true);
    p.stop_read = 3; /* the second 8-byte load's first 4-byte callback */
    uint8_t x0[16], x1[16];
    uc_reg_read(p.uc, UC_X86_REG_XMM1, x0);
    cr_assert_eq(uc_emu_start(p.uc, CODE, 0xfffffffffffffffcull, 0, 0), UC_ERR_OK);
    cr_expect_eq(pin_reg(&p, UC_X86_REG_RIP), INSN);
    uc_reg_read(p.uc, UC_X86_REG_XMM1, x1);
    for (unsigned i = 0; i < 8; i++)
        cr_expect_eq(x1[i], pattern(DATA + 0x800 + i), "XMM1 byte %u: the low half is not written", i);
    cr_expect(!memcmp(x0 + 8, x1 + 8, 8), "XMM1's high half changed");
    uc_close(p.uc);
}

/* REP string instructions: the code hook runs once per element, and once
 * more for the check that ends the loop (RCX + 1 times; once with RCX = 0):
 * each is an execution of its own, in the engine's virtual time too.  A
 * stop in an element's callback leaves the elements before it done and RIP
 * on the instruction. */
Test(x86_engine_unicorn, rep_string_per_element)
{
    static const uint8_t rep_movsb[] = {0xf3, 0xa4}; /* rep movsb */
    for (uint64_t rcx = 0; rcx <= 3; rcx++) {
        struct pin p;
        pin_open(&p, rep_movsb, 2, true);
        uint64_t rdi = RAM2 + 0x100;
        uc_reg_write(p.uc, UC_X86_REG_RCX, &rcx);
        uc_reg_write(p.uc, UC_X86_REG_RDI, &rdi);
        cr_assert_eq(uc_emu_start(p.uc, CODE, 0xfffffffffffffffcull, 0, 0), UC_ERR_OK);
        cr_expect_eq(p.hooks_at_insn, rcx + 1, "RCX %llu: %u code hooks", (unsigned long long)rcx, p.hooks_at_insn);
        cr_expect_eq(p.nread, rcx);
        uc_close(p.uc);
    }
    /* stop in element 1's read: element 0 is done, nothing of element 1 */
    struct pin p;
    pin_open(&p, rep_movsb, 2, true);
    uint64_t rdi = RAM2 + 0x100, rcx = 3;
    uc_reg_write(p.uc, UC_X86_REG_RCX, &rcx);
    uc_reg_write(p.uc, UC_X86_REG_RDI, &rdi);
    p.stop_read = 2;
    cr_assert_eq(uc_emu_start(p.uc, CODE, 0xfffffffffffffffcull, 0, 0), UC_ERR_OK);
    cr_expect_eq(pin_reg(&p, UC_X86_REG_RIP), INSN);
    cr_expect_eq(pin_reg(&p, UC_X86_REG_RCX), 2);
    cr_expect_eq(pin_reg(&p, UC_X86_REG_RSI), init_gpr[RSI] + 1);
    cr_expect_eq(pin_reg(&p, UC_X86_REG_RDI), RAM2 + 0x101);
    cr_expect_eq(pin_reg(&p, UC_X86_REG_RFLAGS), 0x8d7);
    uint8_t d[2] = {0};
    uc_mem_read(p.uc, RAM2 + 0x100, d, 2);
    cr_expect_eq(d[0], pattern(init_gpr[RSI]), "element 0 not stored");
    cr_expect_eq(d[1], 0, "element 1 stored");
    cr_expect_eq(p.hooks_at_insn, 2);
    uc_close(p.uc);
}

/* CMPXCHG8B runs in a C helper: a uc_emu_stop in its read callback does not
 * stop it, it compares with the value the callback returned, writes the old
 * value back, writes EDX:EAX (and ZF) and retires: Unicorn stops before the
 * next instruction.  arch/x86.c puts RIP, RAX, RDX and RFLAGS back. */
Test(x86_engine_unicorn, cmpxchg8b_is_not_abandoned)
{
    static const uint8_t cx8[] = {0x0f, 0xc7, 0x0b}; /* cmpxchg8b qword ptr [rbx] */
    struct pin p;
    pin_open(&p, cx8, 3, true);
    p.stop_read = 1;
    cr_assert_eq(uc_emu_start(p.uc, CODE, 0xfffffffffffffffcull, 0, 0), UC_ERR_OK);
    cr_expect_eq(pin_reg(&p, UC_X86_REG_RIP), INSN + 3, "RIP 0x%llx", (unsigned long long)pin_reg(&p, UC_X86_REG_RIP));
    cr_expect_eq(pin_reg(&p, UC_X86_REG_R15), init_gpr[R15] + 1, "the instruction after it ran");
    uint64_t mem = pat_qword(DATA + 0x800);
    cr_expect_eq(pin_reg(&p, UC_X86_REG_RAX), mem & 0xffffffff, "RAX 0x%llx",
                 (unsigned long long)pin_reg(&p, UC_X86_REG_RAX));
    cr_expect_eq(pin_reg(&p, UC_X86_REG_RDX), mem >> 32);
    cr_expect_eq(p.nwrite, 2, "the old value is written back (as two 4-byte callbacks)");
    uc_close(p.uc);
}

/* An unaligned MMIO load is made of the aligned loads of its size around it
 * (QEMU's do_unaligned_access), an 8-byte one of two 4-byte callbacks; an
 * unaligned store comes byte by byte, in address order.  arch/x86.c's
 * access_window() depends on both. */
Test(x86_engine_unicorn, unaligned_mmio_callbacks)
{
    static const uint8_t load[] = {0x8b, 0x43, 0x01};        /* mov eax, dword ptr [rbx+0x1] */
    static const uint8_t store[] = {0x48, 0x89, 0x53, 0x03}; /* mov qword ptr [rbx+0x3], rdx */
    static const uint8_t load8[] = {0x48, 0x8b, 0x13};       /* mov rdx, qword ptr [rbx] */
    struct pin p;
    pin_open(&p, load, 3, true);
    cr_assert_eq(uc_emu_start(p.uc, CODE, 0xfffffffffffffffcull, 0, 0), UC_ERR_OK);
    cr_assert_eq(p.ncb, 2);
    cr_expect(p.cb[0].dir == 'R' && p.cb[0].off == 0x800 && p.cb[0].size == 4);
    cr_expect(p.cb[1].dir == 'R' && p.cb[1].off == 0x804 && p.cb[1].size == 4);
    uint64_t want = 0;
    for (unsigned i = 0; i < 4; i++)
        want |= (uint64_t)pattern(DATA + 0x801 + i) << (8 * i);
    cr_expect_eq(pin_reg(&p, UC_X86_REG_RAX), want, "the bytes around the operand are discarded");
    uc_close(p.uc);

    pin_open(&p, store, 4, true);
    cr_assert_eq(uc_emu_start(p.uc, CODE, 0xfffffffffffffffcull, 0, 0), UC_ERR_OK);
    cr_assert_eq(p.ncb, 8);
    for (unsigned i = 0; i < 8; i++)
        cr_expect(p.cb[i].dir == 'W' && p.cb[i].off == 0x803 + i && p.cb[i].size == 1, "callback %u: %c +0x%llx/%u", i,
                  p.cb[i].dir, (unsigned long long)p.cb[i].off, p.cb[i].size);
    uc_close(p.uc);

    pin_open(&p, load8, 3, true);
    cr_assert_eq(uc_emu_start(p.uc, CODE, 0xfffffffffffffffcull, 0, 0), UC_ERR_OK);
    cr_assert_eq(p.ncb, 2);
    cr_expect(p.cb[0].off == 0x800 && p.cb[0].size == 4 && p.cb[1].off == 0x804 && p.cb[1].size == 4);
    uc_close(p.uc);
}

/* Memory hooks make Unicorn 2.0.1 lose the CF of a shift by CL (the engine
 * has none; the differential test's raw register reference runs without). */
Test(x86_engine_unicorn, mem_hooks_lose_shift_flags)
{
    uint64_t rflags[2];
    for (unsigned hooks = 0; hooks < 2; hooks++) {
        const struct form f = {"shr dword ptr [rbx], cl", 2, {0xd3, 0x2b}, 0, {{0}}, {{0}}};
        struct raw *t = calloc(1, sizeof(*t));
        cr_assert_not_null(t);
        raw_run(&f, t, hooks != 0);
        cr_assert_eq(t->err, UC_ERR_OK);
        rflags[hooks] = t->rflags;
        free(t);
    }
    /* the dword at DATA+0x800 shifted right by 3: CF is its bit 2 */
    uint64_t cf = (pat_qword(DATA + 0x800) >> 2) & 1;
    cr_assert_eq(cf, 1, "the pattern no longer has bit 2 set there");
    cr_expect_eq(rflags[0] & RFL_CF, RFL_CF, "without memory hooks: RFLAGS 0x%llx", (unsigned long long)rflags[0]);
    cr_expect_eq(rflags[1] & RFL_CF, 0, "with memory hooks Unicorn now gets CF right: RFLAGS 0x%llx",
                 (unsigned long long)rflags[1]);
}
