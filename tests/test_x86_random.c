/* vmfault — a seeded random differential stress test of the x86-64 backend
 * (engine/arch/x86.c, engine/arch/x86_exits.c).
 *
 * 1. x86_random_diff.  Random guests from a fixed-seed PRNG (splitmix64 of
 *    the seed: no time, no host randomness).  A guest is 20-60 templates
 *    drawn from the weighted menu below: loads, stores, read-modify-writes,
 *    exchanges and SSE moves of 1-16 bytes at random (aligned and unaligned,
 *    page-crossing, last-byte) offsets into the device area or RAM, with five
 *    addressing modes; MOVS/STOS/LODS/CMPS/SCAS with small REP counts and both
 *    directions; ALU work between registers; IN/OUT/INS/OUTS to registered
 *    ports and to ports nobody registered; CPUID, RDTSC(P), RDRAND,
 *    RDMSR/WRMSR of store MSRs, VMCALL, HLT; forward jumps.  A memory
 *    template sets its base (and index) register with MOVABS first, so every
 *    access lands where the generator meant it to.  The guest ends in HLT.
 *    Each guest runs five times, each in a fresh VM:
 *      RAM        the device area is plain RAM holding the same bytes;
 *      FAST       the device area is a reservation on VMF_PATH_FAST;
 *      EXIT       the same on VMF_PATH_EXIT;
 *      FAST step, EXIT step  single-stepped (vmf_run with a budget of 1).
 *    The reservation's handler (libsel4vm API) serves reads from its copy of
 *    the bytes, applies writes and records every fault.  The four device
 *    runs must agree exactly on the fault list (address, size, direction,
 *    data, pc, icount, part/parts), the exits vmf_run returned and the exits
 *    the dispatcher handled (code, pc, icount, payload, result), the port and
 *    VMCALL handler calls, GPRs, RIP, RFLAGS, XMM0-15, icount, and the bytes
 *    of the device, the RAM, the stack and the code.  The RAM run sees the
 *    same ports and exits (the handlers are the same), so everything but the
 *    fault list must agree with it too.
 * 2. x86_random_robust.  Random byte strings as code (on both paths, and
 *    single-stepped: they must stop in a well-formed exit, never crash or
 *    hang, and agree); jumps into unmapped memory (PAGING, EXEC) and into
 *    the device (a clear ERROR); handler results that are not valid (an
 *    ERROR naming the reservation, on the access and instruction they
 *    failed); FAULT_RESTART and FAULT_UNHANDLED on a random fault (the run
 *    ends as without them); instructions the decoder does not model touching
 *    the device (x87, FXSAVE/FXRSTOR: per-callback faults or a clear error).
 * 3. x86_random_regress.  One focused reproducer per engine bug this suite
 *    found (each fails on the engine before its fix).
 * 4. x86_random_unicorn.  Pins of the Unicorn 2.0.1 aborts random code hits.
 *
 * Unicorn facts the generator works around, both measured:
 *  - after BT/BTS/BTR/BTC the undefined OF SF AF PF depend on where the
 *    translation block began, so a run, a single-stepped run and an exit-path
 *    replay differ: each BT* is followed by ADC, which defines them again;
 *  - a store into the translation block being executed (self-modifying
 *    code) restarts the instruction and the code hook counts it twice, so
 *    virtual time depends on block boundaries: random code can do it (1 in
 *    7,500 programs in a soak), generated code never does.
 *
 * Reproducing a failure: every message names the seed, and the first
 * message of a failing seed carries the program's listing and its bytes as
 * one hex string for
 *     echo <hex> | xxd -r -p > p.bin
 *     objdump -D -b binary -m i386:x86-64 -M intel --adjust-vma=0x1000 p.bin
 * VMF_X86_RANDOM_SEED=<n> runs that seed only (in every test that draws
 * seeds); VMF_X86_RANDOM_DUMP=<dir> writes each generated program there as
 * <seed>.bin and <seed>.txt (the listing); VMF_X86_RANDOM_SCALE=<k> runs k
 * times as many seeds everywhere (a soak: the default counts are the CI's).
 *
 * Encodings: each template's bytes are laid out by hand, with the Intel
 * syntax beside them; the listing prints objdump's spelling of each
 * instruction.  Checked with GNU as 2.40 (as --64) on the single templates,
 * and against objdump -M intel on the whole programs of the first 200 seeds
 * (scripts: dump with VMF_X86_RANDOM_DUMP, disassemble, compare texts).
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmfault/fault.h"
#include "vmfault/vmfault.h"
#include "vmfault/x86.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

/* ---- the machine ------------------------------------------------------------------------------ */

#define CODE 0x1000ull /* code RAM: the program, then HLT to the end */
#define CODE_SIZE 0x2000ull
#define DEV 0x100000ull /* the device area: a reservation, or RAM for the reference run */
#define DEV_SIZE 0x2000ull
#define RAM 0x200000ull /* plain RAM the templates use too */
#define RAM_SIZE 0x2000ull
#define STACK 0x300000ull
#define STACK_SIZE 0x1000ull
#define UNMAPPED 0x40000000ull /* nothing there */

#define PORTS_IMM 0x60u   /* 0x60-0x67: registered (kbd), reached with IN/OUT imm8 */
#define PORTS_DX 0x3f8u   /* 0x3f8-0x3ff: registered (com1), reached through DX */
#define UNREG_IMM 0x80u   /* 0x80-0x87: nobody's: INOUT exits to the caller */
#define UNREG_DX 0x2f8u   /* 0x2f8-0x2ff: nobody's */
#define MSR_A 0x1234u     /* MSRs in the vCPU's store */
#define MSR_B 0xc0011234u /* (a second one, in the high range) */
#define VMCALL_NR 0x7au   /* the registered VMCALL */
#define DEV_NAME "rnddev"

#define RFL_IF 0x200ull

/* ---- the PRNG: splitmix64 ---------------------------------------------------------------------- */

struct rng {
    uint64_t s;
};

static uint64_t rnext(struct rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static unsigned below(struct rng *r, unsigned n)
{
    return (unsigned)(rnext(r) % n);
}

static bool chance(struct rng *r, unsigned percent)
{
    return below(r, 100) < percent;
}

/* The initial bytes of guest memory: a hash of the seed and the address. */
static uint8_t pattern(uint64_t seed, uint64_t addr)
{
    uint64_t x = (addr + 0x632be59bd9b4e019ull * (seed + 1)) * 0x9e3779b97f4a7c15ull;
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ull;
    return (uint8_t)(x >> 56);
}

/* ---- programs ---------------------------------------------------------------------------------- */

/* The menu.  Weights are out of their sum; memory templates pick the device
 * area three times in four, RAM otherwise. */
enum tkind {
    T_LOAD,      /* mov r, m; movzx/movsx/movsxd */
    T_STORE,     /* mov m, r; mov m, imm */
    T_ALU,       /* add/or/adc/sbb/and/sub/xor/cmp in both directions and with imm, test; LOCK */
    T_UNARY,     /* inc/dec/not/neg m; LOCK */
    T_SHIFT,     /* rol/ror/rcl/rcr/shl/shr/sar m by imm8, 1, CL */
    T_BITCOND,   /* bt/bts/btr/btc m, imm8; setcc m8; cmovcc r, m */
    T_XCHG,      /* xchg m, r */
    T_CMPXCHG,   /* [lock] cmpxchg m, r (accumulator loaded from m half the time) */
    T_XADD,      /* [lock] xadd m, r */
    T_CMPXCHG8B, /* [lock] cmpxchg8b m64 / cmpxchg16b m128 */
    T_SSE,       /* movdqu/movdqa/movups/movaps/movq/movd/movntdq/vmovdqu, loads and stores */
    T_STACK,     /* push m / pop m (the stack is RAM) */
    T_STRING,    /* [rep] movs/stos/lods, [repe|repne] cmps/scas, DF 0 or 1 */
    T_REG,       /* ALU, shifts, imul, movabs, mov r32 imm between registers; clc/stc/cmc; pxor/paddq */
    T_IO,        /* in/out imm8 and DX to the registered ranges */
    T_IO_UNREG,  /* in/out to ports nobody registered: INOUT exits the harness completes */
    T_STRIO,     /* [rep] ins/outs between RAM and a port, registered or not */
    T_CPUID,     /* mov eax, leaf; mov ecx, subleaf; cpuid */
    T_TIME,      /* rdtsc, rdtscp, rdrand */
    T_MSR,       /* wrmsr / rdmsr of a store MSR (rdmsr of IA32_TSC too) */
    T_VMCALL,    /* mov eax, VMCALL_NR; vmcall */
    T_HLT,       /* hlt (IF = 1: a HLT exit, and the harness goes on) */
    T_JMP,       /* jmp short over junk bytes; jcc short over a register instruction */
    T_COUNT
};

static const char *const TNAME[T_COUNT] = {
    "load",  "store",         "alu",  "unary", "shift",  "bitcond", "xchg", "cmpxchg",
    "xadd",  "cmpxchg8b/16b", "sse",  "stack", "string", "reg",     "io",   "io_unreg",
    "strio", "cpuid",         "time", "msr",   "vmcall", "hlt",     "jmp",
};

// clang-format off
static const uint8_t WEIGHT[T_COUNT] = {
    [T_LOAD] = 10, [T_STORE] = 10, [T_ALU] = 10, [T_UNARY] = 4, [T_SHIFT] = 4, [T_BITCOND] = 4,
    [T_XCHG] = 3, [T_CMPXCHG] = 4, [T_XADD] = 3, [T_CMPXCHG8B] = 2, [T_SSE] = 8, [T_STACK] = 2,
    [T_STRING] = 7, [T_REG] = 10, [T_IO] = 3, [T_IO_UNREG] = 2, [T_STRIO] = 2, [T_CPUID] = 2,
    [T_TIME] = 2, [T_MSR] = 2, [T_VMCALL] = 2, [T_HLT] = 1, [T_JMP] = 3,
};
// clang-format on

#define MAXINS 1024

struct pinsn {
    uint16_t off; /* from CODE */
    uint8_t len;
    uint8_t kind; /* enum tkind of the template it belongs to */
    char text[72];
};

struct prog {
    uint64_t seed;
    uint8_t code[CODE_SIZE];
    unsigned n; /* bytes generated; HLT (0xf4) fills the rest of the code area */
    struct pinsn ins[MAXINS];
    unsigned nins;
    uint64_t hlt; /* address of the final HLT */
    uint64_t gpr[16];
    uint8_t xmm[16][16];
    unsigned used[T_COUNT];
    bool random_bytes; /* not a generated program: no listing, no final HLT */
};

static const char *const N64[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
static const char *const N32[16] = {"eax", "ecx", "edx",  "ebx",  "esp",  "ebp",  "esi",  "edi",
                                    "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
static const char *const N16[16] = {"ax",  "cx",  "dx",   "bx",   "sp",   "bp",   "si",   "di",
                                    "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
static const char *const N8[16] = {"al",  "cl",  "dl",   "bl",   "spl",  "bpl",  "sil",  "dil",
                                   "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
static const char *const N8H[4] = {"ah", "ch", "dh", "bh"};

/* Register r as a `w`-byte operand; `rex`: the instruction has a REX prefix
 * (byte registers 4-7 are SPL..DIL with one, AH..BH without). */
static const char *rname(unsigned r, unsigned w, bool rex)
{
    switch (w) {
    case 1: return !rex && r >= 4 && r < 8 ? N8H[r - 4] : N8[r];
    case 2: return N16[r];
    case 4: return N32[r];
    default: return N64[r];
    }
}

static const char *ptr_name(unsigned w)
{
    switch (w) {
    case 1: return "BYTE PTR ";
    case 2: return "WORD PTR ";
    case 4: return "DWORD PTR ";
    case 8: return "QWORD PTR ";
    case 16: return "XMMWORD PTR ";
    case 17: return "OWORD PTR "; /* objdump's name for CMPXCHG16B's operand */
    default: return "";
    }
}

/* An immediate as objdump prints it: the value sign-extended to the operand
 * width, in hex. */
static void imm_text(char *buf, size_t n, int64_t v, unsigned w)
{
    uint64_t x = (uint64_t)v & (w >= 8 ? ~0ull : (1ull << (8 * w)) - 1);
    snprintf(buf, n, "0x%llx", (unsigned long long)x);
}

/* Append one instruction. */
static void put(struct prog *p, unsigned kind, const uint8_t *b, unsigned len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void put(struct prog *p, unsigned kind, const uint8_t *b, unsigned len, const char *fmt, ...)
{
    cr_assert_leq(p->n + len, CODE_SIZE - 1, "seed %llu: the program outgrew the code area",
                  (unsigned long long)p->seed);
    cr_assert_lt(p->nins, MAXINS);
    struct pinsn *in = &p->ins[p->nins++];
    in->off = (uint16_t)p->n;
    in->len = (uint8_t)len;
    in->kind = (uint8_t)kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->text, sizeof(in->text), fmt, ap);
    va_end(ap);
    memcpy(p->code + p->n, b, len);
    p->n += len;
}

static uint64_t pc_now(const struct prog *p)
{
    return CODE + p->n;
}

/* A byte buffer for one instruction. */
struct ib {
    uint8_t b[32];
    unsigned n;
};

static void ib1(struct ib *x, unsigned v)
{
    x->b[x->n++] = (uint8_t)v;
}

static void ibn(struct ib *x, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        ib1(x, (unsigned)(v >> (8 * i)) & 0xff);
}

/* movabs r64, imm64: REX.W(+B) B8+r io */
static void put_movabs(struct prog *p, unsigned kind, unsigned r, uint64_t v)
{
    struct ib x = {{0}, 0};
    ib1(&x, 0x48 | (r >> 3));
    ib1(&x, 0xb8 + (r & 7));
    ibn(&x, v, 8);
    put(p, kind, x.b, x.n, "movabs %s,0x%llx", N64[r], (unsigned long long)v);
}

/* mov r32, imm32: [REX.B] B8+r id (zero-extends into r64) */
static void put_mov32(struct prog *p, unsigned kind, unsigned r, uint32_t v)
{
    struct ib x = {{0}, 0};
    if (r >= 8)
        ib1(&x, 0x41);
    ib1(&x, 0xb8 + (r & 7));
    ibn(&x, v, 4);
    put(p, kind, x.b, x.n, "mov %s,0x%x", N32[r], v);
}

/* ---- memory operands ---- */

enum amode {
    AM_DISP32, /* [base+disp32]        mod=10 */
    AM_DISP8,  /* [base+disp8]         mod=01 */
    AM_SIB,    /* [base+index*s+disp8] mod=01, SIB */
    AM_RIP,    /* [rip+disp32]         mod=00 rm=101 */
    AM_ABS,    /* [disp32]             mod=00 rm=100, SIB 0x25 */
};

struct mop {
    enum amode mode;
    unsigned base, index, scale;
    int32_t disp;
    uint64_t target; /* the address the operand must reach */
};

/* A data register: anything but RSP. */
static unsigned data_reg(struct rng *r)
{
    unsigned x = below(r, 15);
    return x >= RSP ? x + 1 : x;
}

/* Choose a memory operand reaching `target`, and lay out the MOVABS that
 * set its base and index.  `avoid`: registers the base and index must not be
 * (bit n: register n; RSP never); `low`: base and index among RAX..RDI (for
 * the two-byte VEX prefix, which has no B and X bits). */
static struct mop make_mop(struct prog *p, struct rng *r, unsigned kind, uint64_t target, unsigned avoid, bool low)
{
    struct mop m;
    memset(&m, 0, sizeof(m));
    m.target = target;
    avoid |= 1u << RSP;
    unsigned pick = below(r, 10);
    m.mode = pick < 4 ? AM_DISP32 : pick < 6 ? AM_DISP8 : pick < 8 ? AM_SIB : pick < 9 ? AM_RIP : AM_ABS;
    if (m.mode == AM_RIP || m.mode == AM_ABS)
        return m;
    do
        m.base = below(r, low ? 8 : 16);
    while (avoid & (1u << m.base));
    if (m.mode == AM_DISP32) {
        static const int32_t d32[] = {0, 0x10, -0x20, 0x12345678, -0x7fff0000, 0x7ffffff0};
        m.disp = d32[below(r, NELEM(d32))];
    } else {
        m.disp = (int32_t)below(r, 128) - 64; /* [-64, 63]: a second operand at +8 still fits disp8 */
    }
    uint64_t idx = 0;
    if (m.mode == AM_SIB) {
        do
            m.index = below(r, low ? 8 : 16);
        while ((avoid & (1u << m.index)) || m.index == m.base);
        m.scale = 1u << below(r, 4);
        idx = below(r, 64);
        if (chance(r, 20))
            idx = (uint64_t) - (int64_t)below(r, 16); /* a negative index */
        put_movabs(p, kind, m.index, idx);
    }
    put_movabs(p, kind, m.base, target - (uint64_t)(int64_t)m.disp - idx * m.scale);
    return m;
}

/* The same operand `delta` bytes further on (the second half of a pair). */
static struct mop mop_plus(struct mop m, int32_t delta)
{
    m.target += (uint64_t)(int64_t)delta;
    if (m.mode != AM_RIP)
        m.disp += delta;
    return m;
}

static bool mop_rex_x(const struct mop *m)
{
    return m->mode == AM_SIB && m->index >= 8;
}

static bool mop_rex_b(const struct mop *m)
{
    return m->mode != AM_RIP && m->mode != AM_ABS && m->base >= 8;
}

static void mem_text(char *buf, size_t n, const struct mop *m, unsigned w, uint64_t end)
{
    const char *ptr = ptr_name(w);
    long long d = m->disp;
    char sign = d < 0 ? '-' : '+';
    unsigned long long ad = (unsigned long long)(d < 0 ? -d : d);
    switch (m->mode) {
    case AM_DISP32:
    case AM_DISP8: snprintf(buf, n, "%s[%s%c0x%llx]", ptr, N64[m->base], sign, ad); break;
    case AM_SIB: snprintf(buf, n, "%s[%s+%s*%u%c0x%llx]", ptr, N64[m->base], N64[m->index], m->scale, sign, ad); break;
    case AM_RIP: {
        int64_t rd = (int64_t)(m->target - end);
        snprintf(buf, n, "%s[rip%c0x%llx]", ptr, rd < 0 ? '-' : '+', (unsigned long long)(rd < 0 ? -rd : rd));
        break;
    }
    case AM_ABS: snprintf(buf, n, "%sds:0x%llx", ptr, (unsigned long long)m->target); break;
    }
}

/* Flags for emit_mem. */
#define X_W 0x100u   /* REX.W */
#define X_REX 0x200u /* a REX prefix even with no bit set (byte registers SPL..DIL) */
#define X_VEX 0x400u /* op[0] is a two-byte VEX prefix's second byte (C5 xx): R in bit 7, inverted */

/* Whether the instruction emit_mem lays out for these has a REX prefix. */
static bool has_rex(unsigned flags, unsigned reg, const struct mop *m)
{
    if (flags & X_VEX)
        return false;
    return (flags & (X_W | X_REX)) || reg >= 8 || mop_rex_x(m) || mop_rex_b(m);
}

/* Lay out  pfx  [REX]  op  ModRM [SIB] disp  imm  and append it.  reg is the
 * ModRM reg field (a register 0-15 or an opcode extension).  The text is
 * pre, the memory operand, post. */
static void emit_mem(struct prog *p, unsigned kind, const uint8_t *pfx, unsigned npfx, unsigned flags,
                     const uint8_t *op, unsigned nop, unsigned reg, const struct mop *m, uint64_t imm, unsigned nimm,
                     unsigned width, const char *pre, const char *post)
{
    struct ib x = {{0}, 0};
    for (unsigned i = 0; i < npfx; i++)
        ib1(&x, pfx[i]);
    if (flags & X_VEX) {
        ib1(&x, 0xc5);
        ib1(&x, (op[0] & 0x7f) | (reg >= 8 ? 0 : 0x80));
        op++, nop--;
    } else if (has_rex(flags, reg, m)) {
        ib1(&x, 0x40 | (flags & X_W ? 8 : 0) | (reg >= 8 ? 4 : 0) | (mop_rex_x(m) ? 2 : 0) | (mop_rex_b(m) ? 1 : 0));
    }
    for (unsigned i = 0; i < nop; i++)
        ib1(&x, op[i]);
    unsigned r3 = (reg & 7) << 3, disp_at = 0, disp_len = 0;
    switch (m->mode) {
    case AM_DISP32:
        ib1(&x, 0x80 | r3 | (m->base & 7));
        if ((m->base & 7) == 4)
            ib1(&x, 0x24);
        disp_at = x.n, disp_len = 4;
        break;
    case AM_DISP8:
        ib1(&x, 0x40 | r3 | (m->base & 7));
        if ((m->base & 7) == 4)
            ib1(&x, 0x24);
        disp_at = x.n, disp_len = 1;
        break;
    case AM_SIB: {
        static const uint8_t ss[9] = {[1] = 0, [2] = 1, [4] = 2, [8] = 3};
        ib1(&x, 0x44 | r3);
        ib1(&x, (unsigned)ss[m->scale] << 6 | (m->index & 7) << 3 | (m->base & 7));
        disp_at = x.n, disp_len = 1;
        break;
    }
    case AM_RIP:
        ib1(&x, 0x05 | r3);
        disp_at = x.n, disp_len = 4;
        break;
    case AM_ABS:
        ib1(&x, 0x04 | r3);
        ib1(&x, 0x25);
        disp_at = x.n, disp_len = 4;
        break;
    }
    x.n += disp_len;
    ibn(&x, imm, nimm);
    uint64_t end = pc_now(p) + x.n;
    int64_t d = m->mode == AM_RIP ? (int64_t)(m->target - end) : m->mode == AM_ABS ? (int64_t)m->target : m->disp;
    for (unsigned i = 0; i < disp_len; i++)
        x.b[disp_at + i] = (uint8_t)((uint64_t)d >> (8 * i));
    char mt[64];
    mem_text(mt, sizeof(mt), m, width, end);
    put(p, kind, x.b, x.n, "%s%s%s", pre, mt, post);
}

/* An offset for a `w`-byte access in a region of `size` bytes: aligned to
 * `align`, or anywhere; now and then at the page boundary or the end. */
static uint64_t pick_offset(struct rng *r, uint64_t size, unsigned w, unsigned align)
{
    uint64_t max = size - w, o;
    switch (below(r, 8)) {
    case 0: o = 0x1000 - w + below(r, 2 * w + 1) - 1; break; /* around the page boundary */
    case 1: o = max - below(r, 4); break;                    /* at the very end */
    case 2: o = below(r, 8); break;
    default: o = below(r, (unsigned)max + 1); break;
    }
    if (o > max)
        o = max;
    return o & ~(uint64_t)(align - 1);
}

/* A target for a `w`-byte access: the device area (3 in 4) or RAM. */
static uint64_t pick_target(struct rng *r, unsigned w, unsigned align)
{
    if (chance(r, 75))
        return DEV + pick_offset(r, DEV_SIZE, w, align);
    return RAM + pick_offset(r, RAM_SIZE, w, align);
}

static unsigned pick_width(struct rng *r)
{
    return 1u << below(r, 4);
}

static unsigned pick_align(struct rng *r, unsigned w)
{
    return chance(r, 50) ? w : 1;
}

/* Operand-size encoding: 0x66 for 16 bits, REX.W for 64, opcode+1 past bytes. */
static unsigned osz_pfx(unsigned w, uint8_t *pfx, unsigned n)
{
    if (w == 2)
        pfx[n++] = 0x66;
    return n;
}

static unsigned osz_flags(unsigned w)
{
    return w == 8 ? X_W : 0;
}

/* ---- the templates ---- */

// clang-format off
static const struct {
    const char *name;
    uint8_t base;  /* op m, r: base (byte) / base+1;  op r, m: base+2 / base+3 */
    uint8_t digit; /* 80 / 81 / 83 /digit */
} ALU[8] = {
    {"add", 0x00, 0}, /* add m,r 00/01; add r,m 02/03; add m,imm 80/81/83 /0 */
    {"or", 0x08, 1},  /* or  m,r 08/09; or  r,m 0a/0b; /1 */
    {"adc", 0x10, 2}, /* adc m,r 10/11; adc r,m 12/13; /2 */
    {"sbb", 0x18, 3}, /* sbb m,r 18/19; sbb r,m 1a/1b; /3 */
    {"and", 0x20, 4}, /* and m,r 20/21; and r,m 22/23; /4 */
    {"sub", 0x28, 5}, /* sub m,r 28/29; sub r,m 2a/2b; /5 */
    {"xor", 0x30, 6}, /* xor m,r 30/31; xor r,m 32/33; /6 */
    {"cmp", 0x38, 7}, /* cmp m,r 38/39; cmp r,m 3a/3b; /7 */
};
static const char *const CC[16] = {"o", "no", "b", "ae", "e", "ne", "be", "a",
                                   "s", "ns", "p", "np", "l", "ge", "le", "g"};
static const char *const SHIFT[8] = {"rol", "ror", "rcl", "rcr", "shl", "shr", NULL, "sar"};
// clang-format on

/* The byte-register spelling needs the final REX decision: force one on
 * half of the byte forms whose register is 4-7 (SPL..DIL instead of
 * AH..BH). */
static unsigned byte_rex(struct rng *r, unsigned w, unsigned reg)
{
    return w == 1 && reg >= 4 && reg < 8 && chance(r, 50) ? X_REX : 0;
}

static void gen_load(struct prog *p, struct rng *r)
{
    uint8_t pfx[2];
    char pre[48];
    if (chance(r, 70)) { /* mov r, m: 8a /r, [66|REX.W] 8b /r */
        unsigned w = pick_width(r), reg = data_reg(r), fl = osz_flags(w) | byte_rex(r, w, reg);
        struct mop m = make_mop(p, r, T_LOAD, pick_target(r, w, pick_align(r, w)), 0, false);
        uint8_t op = w == 1 ? 0x8a : 0x8b;
        snprintf(pre, sizeof(pre), "mov %s,", rname(reg, w, has_rex(fl, reg, &m)));
        emit_mem(p, T_LOAD, pfx, osz_pfx(w, pfx, 0), fl, &op, 1, reg, &m, 0, 0, w, pre, "");
        return;
    }
    // clang-format off
    static const struct { const char *mn; uint8_t op[2], nop, srcw, dstw; } X[] = {
        {"movzx", {0x0f, 0xb6}, 2, 1, 4}, /* movzx r32, m8:        0f b6 /r */
        {"movzx", {0x0f, 0xb7}, 2, 2, 4}, /* movzx r32, m16:       0f b7 /r */
        {"movzx", {0x0f, 0xb6}, 2, 1, 2}, /* movzx r16, m8:     66 0f b6 /r */
        {"movsx", {0x0f, 0xbe}, 2, 1, 8}, /* movsx r64, m8:  REX.W 0f be /r */
        {"movsx", {0x0f, 0xbf}, 2, 2, 4}, /* movsx r32, m16:       0f bf /r */
        {"movsx", {0x0f, 0xbf}, 2, 2, 8}, /* movsx r64, m16: REX.W 0f bf /r */
        {"movsxd", {0x63}, 1, 4, 8},      /* movsxd r64, m32: REX.W 63 /r */
    };
    // clang-format on
    unsigned k = below(r, NELEM(X)), reg = data_reg(r), w = X[k].srcw;
    struct mop m = make_mop(p, r, T_LOAD, pick_target(r, w, pick_align(r, w)), 0, false);
    snprintf(pre, sizeof(pre), "%s %s,", X[k].mn, rname(reg, X[k].dstw, true));
    emit_mem(p, T_LOAD, pfx, osz_pfx(X[k].dstw, pfx, 0), osz_flags(X[k].dstw), X[k].op, X[k].nop, reg, &m, 0, 0, w, pre,
             "");
}

static void gen_store(struct prog *p, struct rng *r)
{
    uint8_t pfx[2];
    char post[32];
    unsigned w = pick_width(r);
    struct mop m = make_mop(p, r, T_STORE, pick_target(r, w, pick_align(r, w)), 0, false);
    if (chance(r, 70)) { /* mov m, r: 88 /r, [66|REX.W] 89 /r */
        unsigned reg = data_reg(r), fl = osz_flags(w) | byte_rex(r, w, reg);
        uint8_t op = w == 1 ? 0x88 : 0x89;
        snprintf(post, sizeof(post), ",%s", rname(reg, w, has_rex(fl, reg, &m)));
        emit_mem(p, T_STORE, pfx, osz_pfx(w, pfx, 0), fl, &op, 1, reg, &m, 0, 0, w, "mov ", post);
        return;
    }
    /* mov m, imm: c6 /0 ib, 66 c7 /0 iw, c7 /0 id, REX.W c7 /0 id (sign-extended) */
    unsigned ni = w == 1 ? 1 : w == 2 ? 2 : 4;
    uint64_t imm = rnext(r);
    int64_t sv = ni == 1 ? (int8_t)imm : ni == 2 ? (int16_t)imm : (int32_t)imm;
    uint8_t op = w == 1 ? 0xc6 : 0xc7;
    post[0] = ',';
    imm_text(post + 1, sizeof(post) - 1, sv, w);
    emit_mem(p, T_STORE, pfx, osz_pfx(w, pfx, 0), osz_flags(w), &op, 1, 0, &m, imm, ni, w, "mov ", post);
}

static void gen_alu(struct prog *p, struct rng *r)
{
    uint8_t pfx[3];
    char pre[32], post[32];
    unsigned w = pick_width(r), a = below(r, 8), form = below(r, 5), np = 0;
    bool lock = a != 7 && form != 1 && form != 4 && chance(r, 25);
    struct mop m = make_mop(p, r, T_ALU, pick_target(r, w, pick_align(r, w)), 0, false);
    if (lock)
        pfx[np++] = 0xf0;
    np = osz_pfx(w, pfx, np);
    if (form == 0 || form == 1) { /* op m, r (LOCK allowed) / op r, m */
        unsigned reg = data_reg(r), fl = osz_flags(w) | byte_rex(r, w, reg);
        uint8_t op = (uint8_t)(ALU[a].base + (form ? 2 : 0) + (w > 1));
        const char *rn = rname(reg, w, has_rex(fl, reg, &m));
        if (form == 0) {
            snprintf(pre, sizeof(pre), "%s%s ", lock ? "lock " : "", ALU[a].name);
            snprintf(post, sizeof(post), ",%s", rn);
        } else {
            snprintf(pre, sizeof(pre), "%s %s,", ALU[a].name, rn);
            post[0] = 0;
        }
        emit_mem(p, T_ALU, pfx, np, fl, &op, 1, reg, &m, 0, 0, w, pre, post);
    } else if (form == 2 || form == 3) { /* op m, imm8 (80 / 83 /digit ib), op m, imm (81 /digit iw/id) */
        bool imm8 = w == 1 || form == 2;
        unsigned ni = imm8 ? 1 : w == 2 ? 2 : 4;
        uint8_t op = w == 1 ? 0x80 : imm8 ? 0x83 : 0x81;
        uint64_t imm = rnext(r);
        int64_t sv = ni == 1 ? (int8_t)imm : ni == 2 ? (int16_t)imm : (int32_t)imm;
        snprintf(pre, sizeof(pre), "%s%s ", lock ? "lock " : "", ALU[a].name);
        post[0] = ',';
        imm_text(post + 1, sizeof(post) - 1, sv, w);
        emit_mem(p, T_ALU, pfx, np, osz_flags(w), &op, 1, ALU[a].digit, &m, imm, ni, w, pre, post);
    } else { /* test m, r: 84/85 /r */
        unsigned reg = data_reg(r), fl = osz_flags(w) | byte_rex(r, w, reg);
        uint8_t op = w == 1 ? 0x84 : 0x85;
        snprintf(post, sizeof(post), ",%s", rname(reg, w, has_rex(fl, reg, &m)));
        emit_mem(p, T_ALU, pfx, np, fl, &op, 1, reg, &m, 0, 0, w, "test ", post);
    }
}

static void gen_unary(struct prog *p, struct rng *r)
{
    /* [lock] inc fe/ff /0, dec /1; not f6/f7 /2, neg /3 */
    static const char *const MN[4] = {"inc", "dec", "not", "neg"};
    uint8_t pfx[3];
    char pre[32];
    unsigned w = pick_width(r), k = below(r, 4), np = 0;
    bool lock = chance(r, 25);
    struct mop m = make_mop(p, r, T_UNARY, pick_target(r, w, pick_align(r, w)), 0, false);
    if (lock)
        pfx[np++] = 0xf0;
    np = osz_pfx(w, pfx, np);
    uint8_t op = (uint8_t)((k < 2 ? 0xfe : 0xf6) + (w > 1));
    snprintf(pre, sizeof(pre), "%s%s ", lock ? "lock " : "", MN[k]);
    emit_mem(p, T_UNARY, pfx, np, osz_flags(w), &op, 1, k, &m, 0, 0, w, pre, "");
}

static void gen_shift(struct prog *p, struct rng *r)
{
    /* rol..sar m, imm8: c0/c1 /d ib;  m, 1: d0/d1 /d;  m, cl: d2/d3 /d */
    uint8_t pfx[2];
    char pre[16], post[16];
    unsigned w = pick_width(r), d, form = below(r, 3);
    do
        d = below(r, 8);
    while (!SHIFT[d]);
    struct mop m = make_mop(p, r, T_SHIFT, pick_target(r, w, pick_align(r, w)), 0, false);
    unsigned np = osz_pfx(w, pfx, 0);
    uint8_t op = (uint8_t)((form == 0 ? 0xc0 : form == 1 ? 0xd0 : 0xd2) + (w > 1));
    uint64_t imm = below(r, 70);
    snprintf(pre, sizeof(pre), "%s ", SHIFT[d]);
    if (form == 0)
        snprintf(post, sizeof(post), ",0x%llx", (unsigned long long)imm);
    else
        snprintf(post, sizeof(post), ",%s", form == 1 ? "1" : "cl");
    emit_mem(p, T_SHIFT, pfx, np, osz_flags(w), &op, 1, d, &m, imm, form == 0, w, pre, post);
}

static void gen_bitcond(struct prog *p, struct rng *r)
{
    uint8_t pfx[3];
    char pre[32], post[16];
    unsigned k = below(r, 3), np = 0;
    if (k == 0) { /* [lock] bt/bts/btr/btc m, imm8: 0f ba /4-/7 ib */
        static const char *const MN[4] = {"bt", "bts", "btr", "btc"};
        static const uint8_t op[2] = {0x0f, 0xba};
        unsigned w = 2u << below(r, 3), d = 4 + below(r, 4);
        bool lock = d != 4 && chance(r, 30);
        struct mop m = make_mop(p, r, T_BITCOND, pick_target(r, w, pick_align(r, w)), 0, false);
        if (lock)
            pfx[np++] = 0xf0;
        np = osz_pfx(w, pfx, np);
        uint64_t imm = below(r, 256);
        snprintf(pre, sizeof(pre), "%s%s ", lock ? "lock " : "", MN[d - 4]);
        snprintf(post, sizeof(post), ",0x%llx", (unsigned long long)imm);
        emit_mem(p, T_BITCOND, pfx, np, osz_flags(w), op, 2, d, &m, imm, 1, w, pre, post);
        /* OF SF AF PF are undefined after BT*, and Unicorn's values for them
         * depend on where its translation block began (QEMU picks them from
         * the lazy flag state it knows at translation time): a run, a
         * single-stepped run and an EXIT-path replay, which starts a new
         * block at the instruction, differ (0xa86 / 0xa96 after ADD; BTS
         * on plain RAM in raw Unicorn).  adc r64, 0 (REX.W 83 /2 ib) keeps
         * the defined CF and defines them all again. */
        unsigned dst = data_reg(r);
        const uint8_t adc[4] = {(uint8_t)(0x48 | dst >> 3), 0x83, (uint8_t)(0xd0 | (dst & 7)), 0x00};
        put(p, T_BITCOND, adc, 4, "adc %s,0x0", N64[dst]);
    } else if (k == 1) { /* setcc m8: 0f 90+cc /0 */
        unsigned cc = below(r, 16);
        struct mop m = make_mop(p, r, T_BITCOND, pick_target(r, 1, 1), 0, false);
        const uint8_t op[2] = {0x0f, (uint8_t)(0x90 + cc)};
        snprintf(pre, sizeof(pre), "set%s ", CC[cc]);
        emit_mem(p, T_BITCOND, pfx, 0, 0, op, 2, 0, &m, 0, 0, 1, pre, "");
    } else { /* cmovcc r, m: [66|REX.W] 0f 40+cc /r */
        unsigned cc = below(r, 16), w = 2u << below(r, 3), reg = data_reg(r);
        struct mop m = make_mop(p, r, T_BITCOND, pick_target(r, w, pick_align(r, w)), 0, false);
        const uint8_t op[2] = {0x0f, (uint8_t)(0x40 + cc)};
        snprintf(pre, sizeof(pre), "cmov%s %s,", CC[cc], rname(reg, w, true));
        emit_mem(p, T_BITCOND, pfx, osz_pfx(w, pfx, 0), osz_flags(w), op, 2, reg, &m, 0, 0, w, pre, "");
    }
}

/* xchg m, r: 86/87 /r;  [lock] cmpxchg m, r: 0f b0/b1 /r;  [lock] xadd m, r: 0f c0/c1 /r */
static void gen_xchg(struct prog *p, struct rng *r, unsigned kind)
{
    uint8_t pfx[3];
    char pre[32], post[16];
    unsigned w = pick_width(r), reg = data_reg(r), np = 0, fl = osz_flags(w) | byte_rex(r, w, reg);
    /* cmpxchg: load the accumulator from the operand half the time, so that it stores */
    bool preload = kind == T_CMPXCHG && chance(r, 50);
    struct mop m = make_mop(p, r, kind, pick_target(r, w, pick_align(r, w)), preload ? 1u << RAX : 0, false);
    if (preload) { /* mov al/ax/eax/rax, m: 8a/8b /r */
        uint8_t op = w == 1 ? 0x8a : 0x8b;
        snprintf(pre, sizeof(pre), "mov %s,", rname(RAX, w, false));
        emit_mem(p, kind, pfx, osz_pfx(w, pfx, 0), osz_flags(w), &op, 1, RAX, &m, 0, 0, w, pre, "");
    }
    bool lock = kind != T_XCHG && chance(r, 40);
    if (lock)
        pfx[np++] = 0xf0;
    np = osz_pfx(w, pfx, np);
    uint8_t op[2] = {0x0f, 0};
    const char *mn;
    if (kind == T_XCHG) {
        op[0] = w == 1 ? 0x86 : 0x87;
        mn = "xchg";
    } else {
        op[1] = (uint8_t)((kind == T_CMPXCHG ? 0xb0 : 0xc0) + (w > 1));
        mn = kind == T_CMPXCHG ? "cmpxchg" : "xadd";
    }
    snprintf(pre, sizeof(pre), "%s%s ", lock ? "lock " : "", mn);
    snprintf(post, sizeof(post), ",%s", rname(reg, w, has_rex(fl, reg, &m)));
    emit_mem(p, kind, pfx, np, fl, op, kind == T_XCHG ? 1 : 2, reg, &m, 0, 0, w, pre, post);
}

/* [lock] cmpxchg8b m64: 0f c7 /1;  [lock] cmpxchg16b m128: REX.W 0f c7 /1 (16-byte aligned) */
static void gen_cmpxchg8b(struct prog *p, struct rng *r)
{
    static const uint8_t mov = 0x8b, op[2] = {0x0f, 0xc7};
    static const uint8_t lockp[1] = {0xf0};
    bool wide = chance(r, 35), preload = chance(r, 50), lock = chance(r, 40);
    unsigned w = wide ? 16 : 8, half = w / 2;
    struct mop m = make_mop(p, r, T_CMPXCHG8B, pick_target(r, w, wide ? 16 : pick_align(r, w)),
                            preload ? (1u << RAX | 1u << RDX) : 0, false);
    if (preload) { /* the comparand from the operand: mov eax, m; mov edx, m+4 (rax, rdx, m+8 for 16 bytes) */
        struct mop hi = mop_plus(m, (int32_t)half);
        emit_mem(p, T_CMPXCHG8B, NULL, 0, wide ? X_W : 0, &mov, 1, RAX, &m, 0, 0, half, wide ? "mov rax," : "mov eax,",
                 "");
        emit_mem(p, T_CMPXCHG8B, NULL, 0, wide ? X_W : 0, &mov, 1, RDX, &hi, 0, 0, half, wide ? "mov rdx," : "mov edx,",
                 "");
    }
    const char *mn = lock ? (wide ? "lock cmpxchg16b " : "lock cmpxchg8b ") : (wide ? "cmpxchg16b " : "cmpxchg8b ");
    emit_mem(p, T_CMPXCHG8B, lockp, lock, wide ? X_W : 0, op, 2, 1, &m, 0, 0, wide ? 17 : 8, mn, "");
}

static void gen_sse(struct prog *p, struct rng *r)
{
    // clang-format off
    static const struct {
        const char *mn;
        uint8_t pfx, op[2], width, align, vex; /* vex: the second byte of a C5 VEX prefix (R set) */
        bool store;
    } F[] = {
        {"movdqu", 0xf3, {0x0f, 0x6f}, 16, 1, 0, false},  /* movdqu xmm, m128: f3 0f 6f /r */
        {"movdqu", 0xf3, {0x0f, 0x7f}, 16, 1, 0, true},   /* movdqu m128, xmm: f3 0f 7f /r */
        {"movdqa", 0x66, {0x0f, 0x6f}, 16, 16, 0, false}, /* movdqa xmm, m128: 66 0f 6f /r */
        {"movdqa", 0x66, {0x0f, 0x7f}, 16, 16, 0, true},  /* movdqa m128, xmm: 66 0f 7f /r */
        {"movups", 0, {0x0f, 0x10}, 16, 1, 0, false},     /* movups xmm, m128: 0f 10 /r */
        {"movups", 0, {0x0f, 0x11}, 16, 1, 0, true},      /* movups m128, xmm: 0f 11 /r */
        {"movaps", 0, {0x0f, 0x28}, 16, 16, 0, false},    /* movaps xmm, m128: 0f 28 /r */
        {"movaps", 0, {0x0f, 0x29}, 16, 16, 0, true},     /* movaps m128, xmm: 0f 29 /r */
        {"movntdq", 0x66, {0x0f, 0xe7}, 16, 16, 0, true}, /* movntdq m128, xmm: 66 0f e7 /r */
        {"movq", 0xf3, {0x0f, 0x7e}, 8, 1, 0, false},     /* movq xmm, m64: f3 0f 7e /r */
        {"movq", 0x66, {0x0f, 0xd6}, 8, 1, 0, true},      /* movq m64, xmm: 66 0f d6 /r */
        {"movd", 0x66, {0x0f, 0x6e}, 4, 1, 0, false},     /* movd xmm, m32: 66 0f 6e /r */
        {"movd", 0x66, {0x0f, 0x7e}, 4, 1, 0, true},      /* movd m32, xmm: 66 0f 7e /r */
        {"vmovdqu", 0, {0x6f}, 16, 1, 0x7a, false},       /* vmovdqu xmm, m128: c5 fa 6f /r (VEX.128.F3.0F) */
        {"vmovdqu", 0, {0x7f}, 16, 1, 0x7a, true},        /* vmovdqu m128, xmm: c5 fa 7f /r */
    };
    // clang-format on
    char pre[24], post[16];
    unsigned k = below(r, NELEM(F)), x = below(r, 16), w = F[k].width;
    unsigned align = F[k].align > 1 ? F[k].align : pick_align(r, w);
    struct mop m = make_mop(p, r, T_SSE, pick_target(r, w, align), 0, F[k].vex != 0);
    const uint8_t pfx[1] = {F[k].pfx};
    if (F[k].store) {
        snprintf(pre, sizeof(pre), "%s ", F[k].mn);
        snprintf(post, sizeof(post), ",xmm%u", x);
    } else {
        snprintf(pre, sizeof(pre), "%s xmm%u,", F[k].mn, x);
        post[0] = 0;
    }
    if (F[k].vex) {
        const uint8_t op[2] = {F[k].vex, F[k].op[0]};
        emit_mem(p, T_SSE, NULL, 0, X_VEX, op, 2, x, &m, 0, 0, w, pre, post);
    } else {
        emit_mem(p, T_SSE, pfx, F[k].pfx != 0, 0, F[k].op, 2, x, &m, 0, 0, w, pre, post);
    }
}

/* push m64: ff /6;  pop m64: 8f /0 */
static void gen_stack(struct prog *p, struct rng *r)
{
    bool push = chance(r, 50);
    struct mop m = make_mop(p, r, T_STACK, pick_target(r, 8, pick_align(r, 8)), 0, false);
    const uint8_t op = push ? 0xff : 0x8f;
    emit_mem(p, T_STACK, NULL, 0, 0, &op, 1, push ? 6 : 0, &m, 0, 0, 8, push ? "push " : "pop ", "");
}

/* The start of `n` elements of `s` bytes stepping up (df 0) or down (df 1)
 * inside a region, the device area or RAM. */
static uint64_t string_start(struct rng *r, bool dev, unsigned s, unsigned n, bool df)
{
    uint64_t base = dev ? DEV : RAM, size = dev ? DEV_SIZE : RAM_SIZE;
    unsigned span = n * s;
    uint64_t o = pick_offset(r, size - span + s, s, chance(r, 60) ? s : 1); /* o + span <= size */
    if (o + span > size)
        o = size - span;
    return base + (df ? o + span - s : o);
}

static void put_dir(struct prog *p, unsigned kind, bool df)
{
    const uint8_t b = df ? 0xfd : 0xfc; /* std / cld */
    put(p, kind, &b, 1, df ? "std" : "cld");
}

static void gen_string(struct prog *p, struct rng *r)
{
    // clang-format off
    static const struct {
        const char *mn;
        uint8_t op;            /* the byte form; +1 for word/dword/qword */
        bool src, dst;         /* reads [rsi], touches [rdi] */
        uint8_t rep;           /* 0xf3 rep/repe; 0xf2 for repne when chosen */
    } S[] = {
        {"movs", 0xa4, true, true, 0xf3},  /* [rep] movs es:[rdi], ds:[rsi]: a4/a5 */
        {"stos", 0xaa, false, true, 0xf3}, /* [rep] stos es:[rdi], al..rax: aa/ab */
        {"lods", 0xac, true, false, 0xf3}, /* [rep] lods al..rax, ds:[rsi]: ac/ad */
        {"cmps", 0xa6, true, true, 0xf3},  /* [repe|repne] cmps ds:[rsi], es:[rdi]: a6/a7 */
        {"scas", 0xae, false, true, 0xf3}, /* [repe|repne] scas al..rax, es:[rdi]: ae/af */
    };
    // clang-format on
    static const char *const ACC[9] = {[1] = "al", [2] = "ax", [4] = "eax", [8] = "rax"};
    unsigned k = below(r, 10), s = pick_width(r), count = below(r, 6);
    k = k < 3 ? 0 : k < 5 ? 1 : k < 7 ? 2 : k < 9 ? 3 : 4;
    bool rep = chance(r, 70), df = chance(r, 40);
    unsigned n = rep ? (count ? count : 1) : 1;
    bool repne = rep && k >= 3 && chance(r, 50);
    if (S[k].src)
        put_movabs(p, T_STRING, RSI, string_start(r, chance(r, 70), s, n, df));
    if (S[k].dst)
        put_movabs(p, T_STRING, RDI, string_start(r, chance(r, 70), s, n, df));
    if (rep || chance(r, 50))
        put_mov32(p, T_STRING, RCX, count);
    put_dir(p, T_STRING, df);
    struct ib x = {{0}, 0};
    if (s == 2)
        ib1(&x, 0x66);
    if (rep)
        ib1(&x, repne ? 0xf2 : S[k].rep);
    if (s == 8)
        ib1(&x, 0x48);
    ib1(&x, S[k].op + (s > 1));
    const char *pt = ptr_name(s);
    char ops[96];
    switch (k) {
    case 0: snprintf(ops, sizeof(ops), "%ses:[rdi],%sds:[rsi]", pt, pt); break;
    case 1: snprintf(ops, sizeof(ops), "%ses:[rdi],%s", pt, ACC[s]); break;
    case 2: snprintf(ops, sizeof(ops), "%s,%sds:[rsi]", ACC[s], pt); break;
    case 3: snprintf(ops, sizeof(ops), "%sds:[rsi],%ses:[rdi]", pt, pt); break;
    default: snprintf(ops, sizeof(ops), "%s,%ses:[rdi]", ACC[s], pt); break;
    }
    put(p, T_STRING, x.b, x.n, "%s%s %s", !rep ? "" : repne ? "repnz " : k >= 3 ? "repz " : "rep ", S[k].mn, ops);
}

/* One register-only instruction (also the body a JCC skips). */
static void gen_reg(struct prog *p, struct rng *r, unsigned kind)
{
    struct ib x = {{0}, 0};
    unsigned k = below(r, 12), dst = data_reg(r), src = below(r, 16);
    switch (k) {
    case 0:
    case 1:
    case 2: { /* op r/m64, r64 (or 32): [REX.W] 01 09 11 19 21 29 31 39 /r, 85 test, 89 mov; mod=11 */
        static const uint8_t OPS[10] = {0x01, 0x09, 0x11, 0x19, 0x21, 0x29, 0x31, 0x39, 0x85, 0x89};
        static const char *const MN[10] = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test", "mov"};
        unsigned o = below(r, 10);
        bool w64 = chance(r, 70);
        unsigned rex = (w64 ? 8 : 0) | (src >= 8 ? 4 : 0) | (dst >= 8 ? 1 : 0);
        if (rex)
            ib1(&x, 0x40 | rex);
        ib1(&x, OPS[o]);
        ib1(&x, 0xc0 | (src & 7) << 3 | (dst & 7));
        put(p, kind, x.b, x.n, "%s %s,%s", MN[o], (w64 ? N64 : N32)[dst], (w64 ? N64 : N32)[src]);
        return;
    }
    case 3: put_movabs(p, kind, dst, rnext(r)); return;
    case 4: put_mov32(p, kind, dst, (uint32_t)rnext(r)); return;
    case 5: { /* shl/shr/sar/rol r64, imm8: REX.W c1 /d ib;  by CL: REX.W d3 /d */
        static const uint8_t D[4] = {4, 5, 7, 0};
        unsigned d = D[below(r, 4)];
        bool cl = chance(r, 30);
        ib1(&x, 0x48 | (dst >> 3));
        ib1(&x, cl ? 0xd3 : 0xc1);
        ib1(&x, 0xc0 | d << 3 | (dst & 7));
        unsigned imm = below(r, 64);
        if (!cl)
            ib1(&x, imm);
        if (cl)
            put(p, kind, x.b, x.n, "%s %s,cl", SHIFT[d], N64[dst]);
        else
            put(p, kind, x.b, x.n, "%s %s,0x%x", SHIFT[d], N64[dst], imm);
        return;
    }
    case 6: /* imul r64, r/m64: REX.W 0f af /r */
        ib1(&x, 0x48 | (dst >= 8 ? 4 : 0) | (src >> 3));
        ib1(&x, 0x0f);
        ib1(&x, 0xaf);
        ib1(&x, 0xc0 | (dst & 7) << 3 | (src & 7));
        put(p, kind, x.b, x.n, "imul %s,%s", N64[dst], N64[src]);
        return;
    case 7: { /* clc f8, stc f9, cmc f5 */
        static const uint8_t B[3] = {0xf8, 0xf9, 0xf5};
        static const char *const MN[3] = {"clc", "stc", "cmc"};
        unsigned f = below(r, 3);
        put(p, kind, &B[f], 1, "%s", MN[f]);
        return;
    }
    case 8: /* inc/dec/not/neg r64: REX.W ff /0 /1, f7 /2 /3 */
    {
        static const char *const MN[4] = {"inc", "dec", "not", "neg"};
        unsigned d = below(r, 4);
        ib1(&x, 0x48 | (dst >> 3));
        ib1(&x, d < 2 ? 0xff : 0xf7);
        ib1(&x, 0xc0 | d << 3 | (dst & 7));
        put(p, kind, x.b, x.n, "%s %s", MN[d], N64[dst]);
        return;
    }
    default: { /* pxor / paddq / paddd / movdqa xmm, xmm: 66 [REX] 0f ef / d4 / fe / 6f /r */
        static const uint8_t OPS[4] = {0xef, 0xd4, 0xfe, 0x6f};
        static const char *const MN[4] = {"pxor", "paddq", "paddd", "movdqa"};
        unsigned o = below(r, 4), xd = below(r, 16), xs = below(r, 16);
        ib1(&x, 0x66);
        if (xd >= 8 || xs >= 8)
            ib1(&x, 0x40 | (xd >= 8 ? 4 : 0) | (xs >= 8 ? 1 : 0));
        ib1(&x, 0x0f);
        ib1(&x, OPS[o]);
        ib1(&x, 0xc0 | (xd & 7) << 3 | (xs & 7));
        put(p, kind, x.b, x.n, "%s xmm%u,xmm%u", MN[o], xd, xs);
        return;
    }
    }
}

/* in/out with an imm8 port or DX; widths 1, 2 (66), 4 */
static void gen_io(struct prog *p, struct rng *r, bool registered)
{
    static const char *const ACC[5] = {[1] = "al", [2] = "ax", [4] = "eax"};
    unsigned w = 1u << below(r, 3);
    bool in = chance(r, 50), imm = chance(r, 50);
    unsigned port =
        imm ? (registered ? PORTS_IMM : UNREG_IMM) + below(r, 8) : (registered ? PORTS_DX : UNREG_DX) + below(r, 8);
    struct ib x = {{0}, 0};
    if (!imm)
        put_mov32(p, registered ? T_IO : T_IO_UNREG, RDX, port | (uint32_t)rnext(r) << 16);
    if (w == 2)
        ib1(&x, 0x66);
    ib1(&x, (imm ? 0xe4 : 0xec) + (in ? 0 : 2) + (w > 1)); /* e4 e5 e6 e7 / ec ed ee ef */
    if (imm)
        ib1(&x, port);
    char ps[8];
    snprintf(ps, sizeof(ps), "0x%x", port);
    if (in)
        put(p, registered ? T_IO : T_IO_UNREG, x.b, x.n, "in %s,%s", ACC[w], imm ? ps : "dx");
    else
        put(p, registered ? T_IO : T_IO_UNREG, x.b, x.n, "out %s,%s", imm ? ps : "dx", ACC[w]);
}

/* [rep] ins es:[rdi], dx: 6c/6d;  [rep] outs dx, ds:[rsi]: 6e/6f — to and from RAM */
static void gen_strio(struct prog *p, struct rng *r)
{
    unsigned w = 1u << below(r, 3), count = below(r, 5);
    bool in = chance(r, 50), rep = chance(r, 70), df = chance(r, 40);
    unsigned n = rep ? (count ? count : 1) : 1;
    unsigned port = chance(r, 60) ? PORTS_DX + below(r, 8) : UNREG_DX + below(r, 8);
    put_movabs(p, T_STRIO, in ? RDI : RSI, string_start(r, false, w, n, df));
    put_mov32(p, T_STRIO, RCX, count);
    put_mov32(p, T_STRIO, RDX, port);
    put_dir(p, T_STRIO, df);
    struct ib x = {{0}, 0};
    if (w == 2)
        ib1(&x, 0x66);
    if (rep)
        ib1(&x, 0xf3);
    ib1(&x, (in ? 0x6c : 0x6e) + (w > 1));
    if (in)
        put(p, T_STRIO, x.b, x.n, "%sins %ses:[rdi],dx", rep ? "rep " : "", ptr_name(w));
    else
        put(p, T_STRIO, x.b, x.n, "%souts dx,%sds:[rsi]", rep ? "rep " : "", ptr_name(w));
}

static void gen_exit_insn(struct prog *p, struct rng *r, unsigned kind)
{
    switch (kind) {
    case T_CPUID: {
        static const uint32_t LEAF[] = {0, 1, 0x40000000u, 7, 0x80000000u, 0x12345u};
        put_mov32(p, kind, RAX, LEAF[below(r, NELEM(LEAF))]);
        put_mov32(p, kind, RCX, below(r, 3));
        static const uint8_t b[2] = {0x0f, 0xa2};
        put(p, kind, b, 2, "cpuid");
        return;
    }
    case T_TIME: {
        unsigned k = below(r, 3);
        if (k == 0) {
            static const uint8_t b[2] = {0x0f, 0x31};
            put(p, kind, b, 2, "rdtsc");
        } else if (k == 1) {
            static const uint8_t b[3] = {0x0f, 0x01, 0xf9};
            put(p, kind, b, 3, "rdtscp");
        } else { /* rdrand r64 / r32: [REX.W|B] 0f c7 /6, mod=11 */
            unsigned dst = data_reg(r);
            bool w64 = chance(r, 60);
            struct ib x = {{0}, 0};
            if (w64 || dst >= 8)
                ib1(&x, 0x40 | (w64 ? 8 : 0) | (dst >> 3));
            ib1(&x, 0x0f);
            ib1(&x, 0xc7);
            ib1(&x, 0xf0 | (dst & 7));
            put(p, kind, x.b, x.n, "rdrand %s", (w64 ? N64 : N32)[dst]);
        }
        return;
    }
    case T_MSR:
        if (chance(r, 50)) {
            put_mov32(p, kind, RCX, chance(r, 50) ? MSR_A : MSR_B);
            put_mov32(p, kind, RAX, (uint32_t)rnext(r));
            put_mov32(p, kind, RDX, (uint32_t)rnext(r));
            static const uint8_t b[2] = {0x0f, 0x30};
            put(p, kind, b, 2, "wrmsr");
        } else {
            static const uint32_t M[3] = {MSR_A, MSR_B, 0x10}; /* 0x10: IA32_TSC, virtual time */
            put_mov32(p, kind, RCX, M[below(r, 3)]);
            static const uint8_t b[2] = {0x0f, 0x32};
            put(p, kind, b, 2, "rdmsr");
        }
        return;
    case T_VMCALL: {
        put_mov32(p, kind, RAX, VMCALL_NR);
        static const uint8_t b[3] = {0x0f, 0x01, 0xc1};
        put(p, kind, b, 3, "vmcall");
        return;
    }
    default: {
        static const uint8_t b = 0xf4;
        put(p, kind, &b, 1, "hlt");
        return;
    }
    }
}

static void gen_jmp(struct prog *p, struct rng *r)
{
    if (chance(r, 50)) { /* jmp short over junk: eb rel8 */
        unsigned k = 1 + below(r, 8);
        uint8_t b[2] = {0xeb, (uint8_t)k};
        put(p, T_JMP, b, 2, "jmp 0x%llx", (unsigned long long)(pc_now(p) + 2 + k));
        uint8_t junk[8];
        for (unsigned i = 0; i < k; i++)
            junk[i] = (uint8_t)rnext(r);
        put(p, T_JMP, junk, k, "(bytes jumped over)");
        return;
    }
    /* jcc short over one register instruction: 70+cc rel8 */
    struct prog *tmp = calloc(1, sizeof(*tmp));
    cr_assert_not_null(tmp);
    tmp->seed = p->seed;
    tmp->n = p->n + 2;
    gen_reg(tmp, r, T_JMP);
    unsigned cc = below(r, 16), len = tmp->ins[0].len;
    uint8_t b[2] = {(uint8_t)(0x70 + cc), (uint8_t)len};
    put(p, T_JMP, b, 2, "j%s 0x%llx", CC[cc], (unsigned long long)(pc_now(p) + 2 + len));
    put(p, T_JMP, tmp->code + tmp->ins[0].off, len, "%s", tmp->ins[0].text);
    free(tmp);
}

static unsigned pick_kind(struct rng *r)
{
    unsigned sum = 0;
    for (unsigned k = 0; k < T_COUNT; k++)
        sum += WEIGHT[k];
    unsigned x = below(r, sum);
    for (unsigned k = 0; k < T_COUNT; k++) {
        if (x < WEIGHT[k])
            return k;
        x -= WEIGHT[k];
    }
    return T_REG;
}

static void gen_template(struct prog *p, struct rng *r, unsigned kind)
{
    p->used[kind]++;
    switch (kind) {
    case T_LOAD: gen_load(p, r); break;
    case T_STORE: gen_store(p, r); break;
    case T_ALU: gen_alu(p, r); break;
    case T_UNARY: gen_unary(p, r); break;
    case T_SHIFT: gen_shift(p, r); break;
    case T_BITCOND: gen_bitcond(p, r); break;
    case T_XCHG:
    case T_CMPXCHG:
    case T_XADD: gen_xchg(p, r, kind); break;
    case T_CMPXCHG8B: gen_cmpxchg8b(p, r); break;
    case T_SSE: gen_sse(p, r); break;
    case T_STACK: gen_stack(p, r); break;
    case T_STRING: gen_string(p, r); break;
    case T_REG: gen_reg(p, r, T_REG); break;
    case T_IO: gen_io(p, r, true); break;
    case T_IO_UNREG: gen_io(p, r, false); break;
    case T_STRIO: gen_strio(p, r); break;
    case T_JMP: gen_jmp(p, r); break;
    default: gen_exit_insn(p, r, kind); break;
    }
}

/* The initial registers: random values; RSP in the stack RAM. */
static void gen_regs(struct prog *p, struct rng *r)
{
    for (unsigned i = 0; i < 16; i++)
        p->gpr[i] = rnext(r);
    p->gpr[RSP] = STACK + 0x800;
    for (unsigned x = 0; x < 16; x++)
        for (unsigned j = 0; j < 16; j++)
            p->xmm[x][j] = (uint8_t)rnext(r);
}

static void gen_program(struct prog *p, uint64_t seed)
{
    memset(p, 0, sizeof(*p));
    p->seed = seed;
    struct rng r = {seed * 0x2545f4914f6cdd1dull + 0x1234567};
    gen_regs(p, &r);
    unsigned n = 20 + below(&r, 41);
    for (unsigned i = 0; i < n; i++)
        gen_template(p, &r, pick_kind(&r));
    p->hlt = pc_now(p);
    static const uint8_t hlt = 0xf4;
    put(p, T_HLT, &hlt, 1, "hlt");
}

/* The listing and the hex string of a program (malloc'd). */
static char *listing(const struct prog *p)
{
    size_t cap = 1024 + (size_t)p->nins * 160 + (size_t)p->n * 2, n = 0;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    n += (size_t)snprintf(s + n, cap - n,
                          "seed %llu (VMF_X86_RANDOM_SEED=%llu runs it alone): %u bytes at 0x%llx; initial GPRs",
                          (unsigned long long)p->seed, (unsigned long long)p->seed, p->n, (unsigned long long)CODE);
    for (unsigned i = 0; i < 16 && n < cap; i++)
        n += (size_t)snprintf(s + n, cap - n, " %s=0x%llx", N64[i], (unsigned long long)p->gpr[i]);
    for (unsigned i = 0; i < p->nins && n < cap; i++) {
        const struct pinsn *in = &p->ins[i];
        char hex[3 * 16 + 1] = "";
        for (unsigned k = 0; k < in->len && k < 15; k++)
            snprintf(hex + 3 * k, sizeof(hex) - 3 * k, "%02x ", p->code[in->off + k]);
        n += (size_t)snprintf(s + n, cap - n, "\n  %6llx: %-45s %s", (unsigned long long)(CODE + in->off), hex,
                              in->text);
    }
    if (n < cap)
        n += (size_t)snprintf(s + n, cap - n, "\nhex: ");
    for (unsigned i = 0; i < p->n && n + 3 < cap; i++)
        n += (size_t)snprintf(s + n, cap - n, "%02x", p->code[i]);
    if (n < cap)
        snprintf(s + n, cap - n,
                 "\n(echo <hex> | xxd -r -p > p.bin; objdump -D -b binary -m i386:x86-64 -M intel --adjust-vma=0x1000 "
                 "p.bin)");
    return s;
}

static void maybe_dump(const struct prog *p)
{
    const char *dir = getenv("VMF_X86_RANDOM_DUMP");
    if (!dir || !*dir)
        return;
    char path[512];
    snprintf(path, sizeof(path), "%s/%llu.bin", dir, (unsigned long long)p->seed);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(p->code, 1, p->n, f);
        fclose(f);
    }
    snprintf(path, sizeof(path), "%s/%llu.txt", dir, (unsigned long long)p->seed);
    f = fopen(path, "w");
    if (f) {
        for (unsigned i = 0; i < 16; i++)
            fprintf(f, "# %s=0x%llx\n", N64[i], (unsigned long long)p->gpr[i]);
        for (unsigned i = 0; i < p->nins; i++)
            fprintf(f, "%llx\t%u\t%s\n", (unsigned long long)(CODE + p->ins[i].off), p->ins[i].len, p->ins[i].text);
        fclose(f);
    }
}

/* ---- running ------------------------------------------------------------------------------------ */

enum mode { M_RAM = 0, M_FAST = 1, M_EXIT = 2 };

enum { RD = 1, WR = 2 };

struct frec {
    uint64_t addr, data, pc, icount;
    uint8_t size, dir, part, parts;
};

/* An exit: one vmf_run returned, or one the dispatcher handled (observer). */
struct xrec {
    int code, result, len;
    uint64_t pc, icount, a, b, c;
};

struct prec { /* a call of a port or VMCALL handler */
    uint64_t a, b, c;
};

#define MAXF 4096
#define MAXX 1024
#define MAXP 512

/* How the handler fails, for the invalid-result tests. */
enum failkind {
    FK_NONE = 0,
    FK_ERROR,      /* FAULT_ERROR */
    FK_NO_ADVANCE, /* FAULT_HANDLED without advance_vcpu_fault */
    FK_GARBAGE,    /* a value that is no memory_fault_result_t */
    FK_RESTART,    /* FAULT_RESTART (valid: the instruction runs again) */
    FK_UNHANDLED,  /* FAULT_UNHANDLED (valid: an INST_EMUL exit the harness completes) */
};

struct runopt {
    enum mode mode;
    bool step;          /* vmf_run with a budget of 1, again and again */
    bool strict;        /* every fault's instruction must be one the decoder classifies */
    uint64_t budget;    /* per vmf_run (not stepping) */
    unsigned max_runs;  /* vmf_run calls at most (a hang guard) */
    unsigned max_exits; /* exits the harness goes on after (HLT, INOUT, ...) at most */
    long fail_at;       /* the handler fails the fail_at-th fault (0-based); -1 never */
    enum failkind fail_kind;
    int garbage;
};

struct outcome {
    bool finished;  /* reached the program's final HLT */
    int rc;         /* a nonzero vmf_run return */
    vmf_exit last;  /* the exit the run ended with */
    vmf_exit again; /* after a PAGING exit: what vmf_run says next */
    unsigned runs;
    uint64_t r[16], rip, rflags, icount;
    uint8_t xmm[16][16];
    uint8_t dev[DEV_SIZE], ram[RAM_SIZE], code[CODE_SIZE], stack[STACK_SIZE];
    unsigned nf, nx, nobs, nports, nvc;
    unsigned anomalies;
    char anomaly[240];
    struct frec f[MAXF];   /* (what follows is not cleared: the counts above say how much is valid) */
    struct xrec x[MAXX];   /* exits vmf_run returned (BUDGET left out) */
    struct xrec obs[MAXX]; /* exits the dispatcher saw (the observer) */
    struct prec ports[MAXP];
    struct prec vc[MAXP];
};

struct ctx {
    struct outcome *o;
    const struct runopt *opt;
    uint8_t mem[DEV_SIZE]; /* the device: its bytes */
    uint8_t path;
    uint32_t port_next;
    unsigned faults; /* handler calls */
};

static void anomaly(struct ctx *c, const char *what, uint64_t addr)
{
    if (!c->o->anomalies++)
        snprintf(c->o->anomaly, sizeof(c->o->anomaly), "%s (fault %u, address 0x%llx)", what, c->faults,
                 (unsigned long long)addr);
}

static memory_fault_result_t dev_fault(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    struct ctx *c = cookie;
    struct outcome *o = c->o;
    uint64_t addr = get_vcpu_fault_address(vcpu);
    size_t size = get_vcpu_fault_size(vcpu);
    bool rd = is_vcpu_read_fault(vcpu);
    unsigned k = c->faults++;
    struct frec r = {.addr = addr, .size = (uint8_t)size, .dir = rd ? RD : WR, .pc = get_vcpu_fault_ip(vcpu)};
    const vmf_fault *f = vmf_vcpu_fault(vcpu);
    if (f) {
        r.icount = f->icount;
        r.part = f->part;
        r.parts = f->parts;
        if (f->path != c->path)
            anomaly(c, "the fault arrived on the wrong path", addr);
        if (c->opt->strict && (f->x86.op == VMF_X86_OP_NONE || f->x86.op == VMF_X86_OP_OTHER))
            anomaly(c, "the decoder did not classify the instruction", addr);
        if (f->pc != r.pc)
            anomaly(c, "vmf_vcpu_fault()->pc differs from get_vcpu_fault_ip", addr);
    } else {
        anomaly(c, "vmf_vcpu_fault is NULL inside the handler", addr);
    }
    if (vm != vcpu->vm)
        anomaly(c, "the vm argument is not vcpu->vm", addr);
    if (paddr != addr || len != size)
        anomaly(c, "the callback's paddr/len differ from get_vcpu_fault_address/size", addr);
    if (addr < DEV || size == 0 || size > 8 || addr - DEV > DEV_SIZE - size) {
        anomaly(c, "a fault outside the reservation or of a bad size", addr);
        return FAULT_ERROR;
    }
    uint64_t off = addr - DEV;
    if (rd) {
        for (unsigned i = 0; i < size; i++)
            r.data |= (uint64_t)c->mem[off + i] << (8 * i);
    } else {
        r.data = get_vcpu_fault_data(vcpu);
        if (size < 8 && (r.data >> (8 * size)) != 0)
            anomaly(c, "write data has bits above the access size", addr);
    }
    if (o->nf < MAXF)
        o->f[o->nf] = r;
    o->nf++;
    if ((long)k == c->opt->fail_at) {
        switch (c->opt->fail_kind) {
        case FK_ERROR: return FAULT_ERROR;
        case FK_NO_ADVANCE:
            if (rd)
                set_vcpu_fault_data(vcpu, r.data);
            return FAULT_HANDLED;
        case FK_GARBAGE: return (memory_fault_result_t)c->opt->garbage;
        case FK_RESTART: return FAULT_RESTART;
        case FK_UNHANDLED: return FAULT_UNHANDLED;
        default: break;
        }
    }
    if (rd)
        set_vcpu_fault_data(vcpu, r.data);
    else
        for (unsigned i = 0; i < size; i++)
            c->mem[off + i] = (uint8_t)(r.data >> (8 * i));
    advance_vcpu_fault(vcpu);
    return FAULT_HANDLED;
}

/* Registered ports: IN reads a sequence, OUT is recorded. */
static int port_in(vmf_vcpu *vcpu, uint16_t port, unsigned bytes, uint32_t *value, void *cookie)
{
    (void)vcpu;
    struct ctx *c = cookie;
    c->port_next = c->port_next * 0x01000193u + port;
    *value = c->port_next;
    if (c->o->nports < MAXP)
        c->o->ports[c->o->nports] = (struct prec){(uint64_t)port << 8 | bytes | 0x10000, *value, 0};
    c->o->nports++;
    return VMF_X86_HANDLED;
}

static int port_out(vmf_vcpu *vcpu, uint16_t port, unsigned bytes, uint32_t value, void *cookie)
{
    (void)vcpu;
    struct ctx *c = cookie;
    if (c->o->nports < MAXP)
        c->o->ports[c->o->nports] = (struct prec){(uint64_t)port << 8 | bytes, value, 0};
    c->o->nports++;
    return VMF_X86_HANDLED;
}

static int vmcall_fn(vmf_vcpu *vcpu, uint64_t nr, const uint64_t args[4], uint64_t *result, void *cookie)
{
    (void)vcpu;
    struct ctx *c = cookie;
    *result = (args[0] * 3 + args[1]) ^ (args[2] + (args[3] << 1)) ^ nr;
    if (c->o->nvc < MAXP)
        c->o->vc[c->o->nvc] = (struct prec){args[0] ^ args[1], args[2] ^ args[3], *result};
    c->o->nvc++;
    return 0;
}

static struct xrec xrec_of(const vmf_exit *e, int result)
{
    struct xrec x = {.code = e->exitcode, .result = result, .len = e->inst_length, .pc = e->pc, .icount = e->icount};
    switch (e->exitcode) {
    case VMF_EXIT_INOUT:
        x.a = (uint64_t)e->u.inout.port << 8 | e->u.inout.bytes | (uint64_t)e->u.inout.in << 32 |
              (uint64_t)e->u.inout.string << 33 | (uint64_t)e->u.inout.rep << 34;
        x.b = e->u.inout.in ? 0 : e->u.inout.eax;
        x.c = e->u.inout.addr ^ e->u.inout.count << 48;
        break;
    case VMF_EXIT_CPUID:
        x.a = e->u.cpuid.leaf;
        x.b = e->u.cpuid.subleaf;
        break;
    case VMF_EXIT_RDMSR:
    case VMF_EXIT_WRMSR:
        x.a = e->u.msr.code;
        x.b = e->exitcode == VMF_EXIT_WRMSR ? e->u.msr.wval : 0;
        break;
    case VMF_EXIT_VMCALL:
        x.a = e->u.vmcall.nr;
        x.b = e->u.vmcall.args[0] ^ e->u.vmcall.args[1] ^ e->u.vmcall.args[2] ^ e->u.vmcall.args[3];
        break;
    case VMF_EXIT_PAGING:
        x.a = e->u.paging.gpa;
        x.b = (uint64_t)e->u.paging.fault_type;
        break;
    case VMF_EXIT_EXCEPTION:
        x.a = (uint64_t)e->u.exception.intno;
        x.b = e->u.exception.insn;
        break;
    case VMF_EXIT_ERROR: x.a = (uint64_t)(int64_t)e->u.error.status; break;
    case VMF_EXIT_SUSPENDED: x.a = (uint64_t)e->u.suspended.how; break;
    default: break;
    }
    return x;
}

static void exit_observer(vmf_vcpu *vcpu, const vmf_exit *exit, int result, void *cookie)
{
    (void)vcpu;
    struct ctx *c = cookie;
    if (c->o->nobs < MAXX)
        c->o->obs[c->o->nobs] = xrec_of(exit, result);
    c->o->nobs++;
}

/* The value the harness gives an IN from a port nobody registered. */
static uint32_t unreg_in_value(const vmf_exit *e, unsigned n)
{
    return (uint32_t)(0x5eed0000u + 0x10001u * n) ^ e->u.inout.port;
}

static void must(int st, const char *what)
{
    cr_assert_eq(st, 0, "%s: %s", what, vmf_strerror(st));
}

/* Run `code` (a generated program or raw bytes) as `opt` says. */
static void run_code(const struct prog *p, const struct runopt *opt, struct outcome *o)
{
    vmf_vm *vm;
    vmf_vcpu *vcpu;
    struct ctx *c = calloc(1, sizeof(*c));
    uint8_t *buf = malloc(CODE_SIZE);
    cr_assert(c && buf);
    memset(o, 0, offsetof(struct outcome, f));
    c->o = o;
    c->opt = opt;
    c->path = opt->mode == M_EXIT ? VMF_PATH_EXIT : VMF_PATH_FAST;
    c->port_next = 0x811c9dc5u;
    for (uint64_t i = 0; i < DEV_SIZE; i++)
        c->mem[i] = pattern(p->seed, DEV + i);
    must(vmf_vm_create(VMF_ARCH_X86_64, "x86random", &vm), "vmf_vm_create");
    must(vmf_vcpu_create(vm, &vcpu), "vmf_vcpu_create");
    must(vmf_ram_add(vm, CODE, CODE_SIZE, NULL), "code RAM");
    must(vmf_ram_add(vm, RAM, RAM_SIZE, NULL), "RAM");
    must(vmf_ram_add(vm, STACK, STACK_SIZE, NULL), "stack RAM");
    memset(buf, 0xf4, CODE_SIZE); /* hlt */
    memcpy(buf, p->code, p->random_bytes ? CODE_SIZE : p->n);
    must(vmf_mem_write(vm, CODE, buf, CODE_SIZE), "code");
    for (uint64_t i = 0; i < RAM_SIZE; i++)
        buf[i] = pattern(p->seed, RAM + i);
    must(vmf_mem_write(vm, RAM, buf, RAM_SIZE), "RAM bytes");
    for (uint64_t i = 0; i < STACK_SIZE; i++)
        buf[i] = pattern(p->seed, STACK + i);
    must(vmf_mem_write(vm, STACK, buf, STACK_SIZE), "stack bytes");
    if (opt->mode == M_RAM) {
        must(vmf_ram_add(vm, DEV, DEV_SIZE, NULL), "device RAM");
        must(vmf_mem_write(vm, DEV, c->mem, DEV_SIZE), "device bytes");
    } else {
        vm_memory_reservation_t *res = vm_reserve_memory_at(vm, DEV, DEV_SIZE, dev_fault, c);
        cr_assert_not_null(res, "vm_reserve_memory_at: %s", vmf_vm_last_error(vm, NULL));
        must(vmf_reservation_set_path(vm, res, opt->mode == M_FAST ? VMF_PATH_FAST : VMF_PATH_EXIT), "path");
        must(vmf_reservation_set_name(res, DEV_NAME), "name");
    }
    must(vmf_x86_add_ports(vm, PORTS_IMM, PORTS_IMM + 7, port_in, port_out, c, "kbd"), "ports");
    must(vmf_x86_add_ports(vm, PORTS_DX, PORTS_DX + 7, port_in, port_out, c, "com1"), "ports");
    must(vmf_x86_set_vmcall(vm, VMCALL_NR, vmcall_fn, c), "vmcall");
    must(vmf_x86_set_exit_observer(vm, exit_observer, c), "observer");
    must(vmf_x86_msr_set(vcpu, MSR_A, 0x0123456789abcdefull ^ p->seed), "msr");
    must(vmf_x86_msr_set(vcpu, MSR_B, 0xfedcba9876543210ull), "msr");
    for (unsigned i = 0; i < 16; i++)
        must(vmf_reg_write(vcpu, i, p->gpr[i]), "gpr");
    for (unsigned x = 0; x < 16; x++)
        must(vmf_vreg_write(vcpu, x, p->xmm[x]), "xmm");
    must(vmf_reg_write(vcpu, VMF_X86_REG_RIP, CODE), "rip");
    must(vmf_reg_write(vcpu, VMF_X86_REG_RFLAGS, 0x2 | RFL_IF), "rflags");

    for (;;) {
        vmf_exit ex;
        memset(&ex, 0, sizeof(ex));
        int rc = vmf_run(vcpu, opt->step ? 1 : opt->budget, &ex);
        o->runs++;
        if (rc) {
            o->rc = rc;
            break;
        }
        o->last = ex;
        if (ex.exitcode == VMF_EXIT_BUDGET) {
            if (opt->step && o->runs < opt->max_runs)
                continue;
            break;
        }
        if (ex.exitcode == VMF_EXIT_INST_EMUL && opt->fail_kind == FK_UNHANDLED && o->runs < opt->max_runs) {
            /* complete the access from outside, as the handler would have (not logged: the other runs have no
             * such exit) */
            const vmf_fault *f = vmf_vcpu_fault(vcpu);
            cr_assert_not_null(f, "INST_EMUL without a pending fault");
            uint64_t off = f->addr - DEV, v = 0;
            cr_assert(f->addr >= DEV && off + f->size <= DEV_SIZE);
            if (f->access == VMF_ACCESS_READ) {
                for (unsigned i = 0; i < f->size; i++)
                    v |= (uint64_t)c->mem[off + i] << (8 * i);
                set_vcpu_fault_data(vcpu, v);
            } else {
                v = get_vcpu_fault_data(vcpu);
                for (unsigned i = 0; i < f->size; i++)
                    c->mem[off + i] = (uint8_t)(v >> (8 * i));
            }
            advance_vcpu_fault(vcpu);
            continue;
        }
        if (o->nx < MAXX)
            o->x[o->nx] = xrec_of(&ex, 0);
        o->nx++;
        if (o->runs >= opt->max_runs || o->nx >= opt->max_exits)
            break;
        if (ex.exitcode == VMF_EXIT_HLT) {
            if (!p->random_bytes && ex.pc == p->hlt) {
                o->finished = true;
                break;
            }
            continue; /* the vCPU resumes after the HLT */
        }
        if (ex.exitcode == VMF_EXIT_INOUT) {
            if (ex.u.inout.in)
                must(vmf_x86_complete_in(vcpu, unreg_in_value(&ex, o->nx)), "vmf_x86_complete_in");
            else
                must(vmf_x86_advance(vcpu), "vmf_x86_advance");
            continue;
        }
        if (p->random_bytes &&
            (ex.exitcode == VMF_EXIT_RDMSR || ex.exitcode == VMF_EXIT_WRMSR || ex.exitcode == VMF_EXIT_VMCALL)) {
            must(vmf_x86_advance(vcpu), "vmf_x86_advance");
            continue;
        }
        break;
    }

    if (!o->rc && o->last.exitcode == VMF_EXIT_PAGING) { /* a stray access stays put: the same exit again */
        int rc = vmf_run(vcpu, opt->step ? 1 : opt->budget, &o->again);
        if (rc)
            o->again.exitcode = rc;
    }
    for (unsigned i = 0; i < 16; i++)
        vmf_reg_read(vcpu, i, &o->r[i]);
    vmf_reg_read(vcpu, VMF_X86_REG_RIP, &o->rip);
    vmf_reg_read(vcpu, VMF_X86_REG_RFLAGS, &o->rflags);
    for (unsigned x = 0; x < 16; x++)
        vmf_vreg_read(vcpu, x, o->xmm[x]);
    o->icount = vmf_vcpu_icount(vcpu);
    if (opt->mode == M_RAM)
        must(vmf_mem_read(vm, DEV, o->dev, DEV_SIZE), "device RAM");
    else
        memcpy(o->dev, c->mem, DEV_SIZE);
    must(vmf_mem_read(vm, RAM, o->ram, RAM_SIZE), "RAM");
    must(vmf_mem_read(vm, CODE, o->code, CODE_SIZE), "code");
    must(vmf_mem_read(vm, STACK, o->stack, STACK_SIZE), "stack");
    vmf_vm_destroy(vm);
    free(buf);
    free(c);
}

/* ---- comparing ---------------------------------------------------------------------------------- */

struct cmp {
    const struct prog *p;
    unsigned bad;
};

static void failf(struct cmp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void failf(struct cmp *c, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (c->bad++ == 0 && !c->p->random_bytes) {
        char *l = listing(c->p);
        cr_expect(false, "seed %llu: %s\n%s", (unsigned long long)c->p->seed, msg, l);
        free(l);
    } else if (c->bad <= 16) {
        cr_expect(false, "seed %llu%s: %s", (unsigned long long)c->p->seed, c->p->random_bytes ? " (random bytes)" : "",
                  msg);
    }
}

#define CHECK(c, cond, ...)                                                                                            \
    do {                                                                                                               \
        if (!(cond))                                                                                                   \
            failf((c), __VA_ARGS__);                                                                                   \
    } while (0)

static const char *dir_name(unsigned d)
{
    return d == RD ? "read" : d == WR ? "write" : "?";
}

static void describe_end(const struct outcome *o, char *buf, size_t n)
{
    if (o->rc)
        snprintf(buf, n, "vmf_run returned %d (%s)", o->rc, vmf_strerror(o->rc));
    else if (o->last.exitcode == VMF_EXIT_ERROR)
        snprintf(buf, n, "ERROR at 0x%llx: %s", (unsigned long long)o->last.pc, o->last.u.error.message);
    else
        snprintf(buf, n, "%s at 0x%llx", vmf_exit_name(o->last.exitcode), (unsigned long long)o->last.pc);
}

/* Registers, icount, memory, and how the run ended. */
static void cmp_state(struct cmp *c, const char *an, const struct outcome *a, const char *bn, const struct outcome *b)
{
    char ea[256], eb[256];
    describe_end(a, ea, sizeof(ea));
    describe_end(b, eb, sizeof(eb));
    CHECK(c, a->rc == b->rc && a->last.exitcode == b->last.exitcode && a->last.pc == b->last.pc,
          "%s ended with %s, %s with %s", an, ea, bn, eb);
    for (unsigned i = 0; i < 16; i++)
        CHECK(c, a->r[i] == b->r[i], "%s: %s = 0x%016llx, %s: 0x%016llx", an, N64[i], (unsigned long long)a->r[i], bn,
              (unsigned long long)b->r[i]);
    CHECK(c, a->rip == b->rip, "%s: RIP 0x%llx, %s: 0x%llx", an, (unsigned long long)a->rip, bn,
          (unsigned long long)b->rip);
    CHECK(c, a->rflags == b->rflags, "%s: RFLAGS 0x%llx, %s: 0x%llx", an, (unsigned long long)a->rflags, bn,
          (unsigned long long)b->rflags);
    for (unsigned x = 0; x < 16; x++)
        CHECK(c, !memcmp(a->xmm[x], b->xmm[x], 16), "%s: XMM%u differs from %s's", an, x, bn);
    CHECK(c, a->icount == b->icount, "%s: icount %llu, %s: %llu", an, (unsigned long long)a->icount, bn,
          (unsigned long long)b->icount);
    static const struct {
        const char *name;
        size_t off, size;
        uint64_t base;
    } areas[] = {
        {"device", offsetof(struct outcome, dev), DEV_SIZE, DEV},
        {"RAM", offsetof(struct outcome, ram), RAM_SIZE, RAM},
        {"code", offsetof(struct outcome, code), CODE_SIZE, CODE},
        {"stack", offsetof(struct outcome, stack), STACK_SIZE, STACK},
    };
    for (unsigned k = 0; k < NELEM(areas); k++) {
        const uint8_t *x = (const uint8_t *)a + areas[k].off, *y = (const uint8_t *)b + areas[k].off;
        for (size_t i = 0; i < areas[k].size; i++)
            if (x[i] != y[i]) {
                CHECK(c, false, "%s: %s byte at 0x%llx = 0x%02x, %s: 0x%02x", an, areas[k].name,
                      (unsigned long long)(areas[k].base + i), x[i], bn, y[i]);
                break;
            }
    }
}

static void cmp_faults(struct cmp *c, const char *an, const struct outcome *a, const char *bn, const struct outcome *b)
{
    CHECK(c, a->nf == b->nf, "%s saw %u faults, %s %u", an, a->nf, bn, b->nf);
    for (unsigned i = 0; i < a->nf && i < b->nf && i < MAXF; i++) {
        const struct frec *x = &a->f[i], *y = &b->f[i];
        if (x->addr != y->addr || x->size != y->size || x->dir != y->dir || x->data != y->data || x->pc != y->pc ||
            x->icount != y->icount || x->part != y->part || x->parts != y->parts) {
            CHECK(c, false,
                  "fault %u: %s {%u-byte %s at 0x%llx data 0x%llx pc 0x%llx icount %llu part %u/%u}, "
                  "%s {%u-byte %s at 0x%llx data 0x%llx pc 0x%llx icount %llu part %u/%u}",
                  i, an, x->size, dir_name(x->dir), (unsigned long long)x->addr, (unsigned long long)x->data,
                  (unsigned long long)x->pc, (unsigned long long)x->icount, x->part, x->parts, bn, y->size,
                  dir_name(y->dir), (unsigned long long)y->addr, (unsigned long long)y->data, (unsigned long long)y->pc,
                  (unsigned long long)y->icount, y->part, y->parts);
            break;
        }
    }
}

static void cmp_xrecs(struct cmp *c, const char *what, const char *an, const struct xrec *a, unsigned na,
                      const char *bn, const struct xrec *b, unsigned nb)
{
    CHECK(c, na == nb, "%s: %s has %u, %s %u", what, an, na, bn, nb);
    for (unsigned i = 0; i < na && i < nb && i < MAXX; i++) {
        const struct xrec *x = &a[i], *y = &b[i];
        if (x->code != y->code || x->pc != y->pc || x->icount != y->icount || x->len != y->len ||
            x->result != y->result || x->a != y->a || x->b != y->b || x->c != y->c) {
            CHECK(c, false,
                  "%s %u: %s {%s pc 0x%llx icount %llu len %d result %d 0x%llx 0x%llx 0x%llx}, "
                  "%s {%s pc 0x%llx icount %llu len %d result %d 0x%llx 0x%llx 0x%llx}",
                  what, i, an, vmf_exit_name(x->code), (unsigned long long)x->pc, (unsigned long long)x->icount, x->len,
                  x->result, (unsigned long long)x->a, (unsigned long long)x->b, (unsigned long long)x->c, bn,
                  vmf_exit_name(y->code), (unsigned long long)y->pc, (unsigned long long)y->icount, y->len, y->result,
                  (unsigned long long)y->a, (unsigned long long)y->b, (unsigned long long)y->c);
            break;
        }
    }
}

static void cmp_precs(struct cmp *c, const char *what, const char *an, const struct prec *a, unsigned na,
                      const char *bn, const struct prec *b, unsigned nb)
{
    CHECK(c, na == nb, "%s: %s made %u calls, %s %u", what, an, na, bn, nb);
    for (unsigned i = 0; i < na && i < nb && i < MAXP; i++)
        if (a[i].a != b[i].a || a[i].b != b[i].b || a[i].c != b[i].c) {
            CHECK(c, false, "%s call %u: %s {0x%llx 0x%llx 0x%llx}, %s {0x%llx 0x%llx 0x%llx}", what, i, an,
                  (unsigned long long)a[i].a, (unsigned long long)a[i].b, (unsigned long long)a[i].c, bn,
                  (unsigned long long)b[i].a, (unsigned long long)b[i].b, (unsigned long long)b[i].c);
            break;
        }
}

/* Everything but the faults. */
static void cmp_run(struct cmp *c, const char *an, const struct outcome *a, const char *bn, const struct outcome *b)
{
    cmp_state(c, an, a, bn, b);
    cmp_xrecs(c, "exit returned", an, a->x, a->nx, bn, b->x, b->nx);
    cmp_xrecs(c, "exit dispatched", an, a->obs, a->nobs, bn, b->obs, b->nobs);
    cmp_precs(c, "port handler", an, a->ports, a->nports, bn, b->ports, b->nports);
    cmp_precs(c, "VMCALL handler", an, a->vc, a->nvc, bn, b->vc, b->nvc);
}

static void cmp_all(struct cmp *c, const char *an, const struct outcome *a, const char *bn, const struct outcome *b)
{
    cmp_run(c, an, a, bn, b);
    cmp_faults(c, an, a, bn, b);
}

/* Seeds: VMF_X86_RANDOM_SEED=<n> runs seed n alone. */
static bool only_seed(uint64_t *seed)
{
    const char *s = getenv("VMF_X86_RANDOM_SEED");
    if (!s || !*s)
        return false;
    *seed = strtoull(s, NULL, 0);
    return true;
}

/* VMF_X86_RANDOM_SCALE=<k> multiplies every test's number of seeds (soak runs). */
static unsigned scale(void)
{
    const char *s = getenv("VMF_X86_RANDOM_SCALE");
    unsigned long k = s && *s ? strtoul(s, NULL, 0) : 1;
    return k ? (unsigned)k : 1;
}

/* ---- 1. the differential test --------------------------------------------------------------------- */

struct stats {
    unsigned long faults, dev_reads, dev_writes, unaligned, exits, handled_exits, icount;
    unsigned used[T_COUNT];
};

static const struct runopt RUN_RAM = {M_RAM, false, true, 100000, 400, 400, -1, FK_NONE, 0};
static const struct runopt RUN_FAST = {M_FAST, false, true, 100000, 400, 400, -1, FK_NONE, 0};
static const struct runopt RUN_EXIT = {M_EXIT, false, true, 100000, 400, 400, -1, FK_NONE, 0};
static const struct runopt RUN_STEP = {M_FAST, true, true, 1, 20000, 400, -1, FK_NONE, 0};
static const struct runopt RUN_XSTEP = {M_EXIT, true, true, 1, 20000, 400, -1, FK_NONE, 0};

static unsigned diff_seed(uint64_t seed, struct stats *st)
{
    struct prog *p = calloc(1, sizeof(*p));
    struct outcome *o[5];
    cr_assert_not_null(p);
    gen_program(p, seed);
    maybe_dump(p);
    static const char *const NAME[5] = {"RAM", "FAST", "EXIT", "FAST step", "EXIT step"};
    const struct runopt *opts[5] = {&RUN_RAM, &RUN_FAST, &RUN_EXIT, &RUN_STEP, &RUN_XSTEP};
    for (unsigned i = 0; i < 5; i++) {
        o[i] = malloc(sizeof(*o[i]));
        cr_assert_not_null(o[i]);
        run_code(p, opts[i], o[i]);
    }
    struct cmp c = {p, 0};
    for (unsigned i = 0; i < 5; i++) {
        char e[256];
        describe_end(o[i], e, sizeof(e));
        CHECK(&c, o[i]->finished, "%s run did not reach the final HLT at 0x%llx: %s", NAME[i],
              (unsigned long long)p->hlt, e);
        CHECK(&c, o[i]->anomalies == 0, "%s run: the handler saw %u anomalies: %s", NAME[i], o[i]->anomalies,
              o[i]->anomaly);
        CHECK(&c, o[i]->nf <= MAXF && o[i]->nx <= MAXX && o[i]->nobs <= MAXX && o[i]->nports <= MAXP,
              "%s run: more records than the harness keeps", NAME[i]);
    }
    CHECK(&c, o[M_RAM]->nf == 0, "RAM run: %u faults", o[M_RAM]->nf);
    cmp_all(&c, "FAST", o[M_FAST], "EXIT", o[M_EXIT]);
    cmp_all(&c, "FAST", o[M_FAST], "FAST step", o[3]);
    cmp_all(&c, "EXIT", o[M_EXIT], "EXIT step", o[4]);
    cmp_run(&c, "FAST", o[M_FAST], "RAM", o[M_RAM]);
    /* the single-stepped runs made one vmf_run per instruction and exit */
    for (unsigned i = 3; i < 5; i++)
        CHECK(&c, o[i]->runs >= o[i]->icount, "%s: %u vmf_run calls for %llu instructions", NAME[i], o[i]->runs,
              (unsigned long long)o[i]->icount);
    const struct outcome *f = o[M_FAST];
    st->faults += f->nf;
    for (unsigned i = 0; i < f->nf && i < MAXF; i++) {
        if (f->f[i].dir == RD)
            st->dev_reads++;
        else
            st->dev_writes++;
        if (f->f[i].addr % f->f[i].size)
            st->unaligned++;
    }
    st->exits += f->nx;
    st->handled_exits += f->nobs;
    st->icount += f->icount;
    for (unsigned k = 0; k < T_COUNT; k++)
        st->used[k] += p->used[k];
    for (unsigned i = 0; i < 5; i++)
        free(o[i]);
    free(p);
    return c.bad;
}

#define DIFF_SEEDS 200u
#define DIFF_PARTS 4u

static void diff_part(unsigned part)
{
    struct stats st;
    memset(&st, 0, sizeof(st));
    uint64_t one;
    if (only_seed(&one)) {
        if (part == 0)
            cr_expect_eq(diff_seed(one, &st), 0);
        return;
    }
    unsigned failed = 0, per = DIFF_SEEDS / DIFF_PARTS, times = scale();
    for (unsigned s = part * per; s < (part + 1) * per; s++) /* seeds 0-199, then 200 more per SCALE step */
        for (unsigned j = 0; j < times; j++)
            failed += diff_seed(s + (uint64_t)j * DIFF_SEEDS, &st) != 0;
    per *= times;
    cr_expect_eq(failed, 0, "%u of %u seeds differ", failed, per);
    /* the programs did what they are for */
    cr_expect_gt(st.dev_reads, 100 * per / 10, "only %lu device reads", st.dev_reads);
    cr_expect_gt(st.dev_writes, 100 * per / 10, "only %lu device writes", st.dev_writes);
    cr_expect_gt(st.unaligned, per, "only %lu unaligned device accesses", st.unaligned);
    cr_expect_gt(st.exits, per / 2, "only %lu exits reached the harness", st.exits);
    cr_expect_gt(st.handled_exits, per, "only %lu exits were dispatched", st.handled_exits);
    for (unsigned k = 0; k < T_COUNT; k++)
        cr_expect_gt(st.used[k], 0, "no program used the %s template", TNAME[k]);
    cr_log_info("x86_random part %u: %u seeds, %lu faults (%lu unaligned), %lu exits returned, %lu dispatched, "
                "%lu instructions",
                part, per, st.faults, st.unaligned, st.exits, st.handled_exits, st.icount);
}

Test(x86_random_diff, seeds_0_49)
{
    diff_part(0);
}

Test(x86_random_diff, seeds_50_99)
{
    diff_part(1);
}

Test(x86_random_diff, seeds_100_149)
{
    diff_part(2);
}

Test(x86_random_diff, seeds_150_199)
{
    diff_part(3);
}

/* The same seed gives the same program; different seeds differ. */
Test(x86_random_diff, generator_is_deterministic)
{
    struct prog *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    cr_assert(a && b);
    gen_program(a, 7);
    gen_program(b, 7);
    cr_expect_eq(a->n, b->n);
    cr_expect(!memcmp(a->code, b->code, a->n));
    cr_expect(!memcmp(a->gpr, b->gpr, sizeof(a->gpr)));
    gen_program(b, 8);
    cr_expect(a->n != b->n || memcmp(a->code, b->code, a->n));
    free(a);
    free(b);
}

/* ---- 2. robustness ------------------------------------------------------------------------------- */

/* A run must end in an exit the caller can act on, never a crash, a hang
 * or a malformed record. */
static void check_sane(struct cmp *c, const char *what, const struct outcome *o)
{
    int e = o->last.exitcode;
    CHECK(c, o->rc == 0, "%s: vmf_run returned %d (%s)", what, o->rc, vmf_strerror(o->rc));
    CHECK(c,
          e == VMF_EXIT_BUDGET || e == VMF_EXIT_HLT || e == VMF_EXIT_EXCEPTION || e == VMF_EXIT_PAGING ||
              e == VMF_EXIT_ERROR || e == VMF_EXIT_SUSPENDED || e == VMF_EXIT_INOUT || e == VMF_EXIT_RDMSR ||
              e == VMF_EXIT_WRMSR || e == VMF_EXIT_VMCALL,
          "%s: ended with exit %d (%s) at 0x%llx", what, e, vmf_exit_name(e), (unsigned long long)o->last.pc);
    if (e == VMF_EXIT_ERROR)
        CHECK(c, o->last.u.error.status < 0 && o->last.u.error.message[0] && strlen(o->last.u.error.message) < 192,
              "%s: ERROR exit with status %d and message '%s'", what, o->last.u.error.status, o->last.u.error.message);
    if (e == VMF_EXIT_PAGING)
        CHECK(c,
              o->last.u.paging.fault_type == VMF_FAULT_READ || o->last.u.paging.fault_type == VMF_FAULT_WRITE ||
                  o->last.u.paging.fault_type == VMF_FAULT_EXEC,
              "%s: PAGING exit with fault type %d", what, o->last.u.paging.fault_type);
    if (e == VMF_EXIT_EXCEPTION)
        CHECK(c, o->last.u.exception.intno >= 0 && o->last.u.exception.intno < 256, "%s: EXCEPTION exit with vector %d",
              what, o->last.u.exception.intno);
    CHECK(c, o->anomalies == 0, "%s: the handler saw %u anomalies: %s", what, o->anomalies, o->anomaly);
}

#define RANDOM_PROGRAMS 300u

/* Random bytes: the first 1-64 bytes of the code area, and the rest HLT or
 * random too; registers pointing into the device area half the time, so
 * that random memory operands reach it. */
static void gen_random_bytes(struct prog *p, uint64_t seed)
{
    memset(p, 0, sizeof(*p));
    p->seed = seed;
    p->random_bytes = true;
    struct rng r = {seed * 0xd1342543de82ef95ull + 0xb17e5};
    unsigned len = 1 + below(&r, 64);
    bool all = chance(&r, 50);
    for (unsigned i = 0; i < CODE_SIZE; i++)
        p->code[i] = i < len || all ? (uint8_t)rnext(&r) : 0xf4;
    p->n = all ? (unsigned)CODE_SIZE : len;
    /* Some invalid encodings make Unicorn 2.0.1 abort the process while it
     * translates them ("tcg fatal error"), before any hook runs: nothing
     * the engine can catch (x86_random_unicorn pins them).  Keep random
     * code off them: FF /3 and FF /5 with a register operand (far CALL/JMP
     * through a register), and LOCK on CMP m or CMPS — every LOCK prefix
     * goes (the generated programs cover LOCK). */
    for (unsigned i = 0; i < CODE_SIZE; i++) {
        unsigned next = i + 1 < CODE_SIZE ? p->code[i + 1] : 0, digit = (next >> 3) & 7;
        if ((p->code[i] == 0xff && next >= 0xc0 && (digit == 3 || digit == 5)) || p->code[i] == 0xf0)
            p->code[i] = 0x90;
    }
    for (unsigned i = 0; i < 16; i++) {
        unsigned k = below(&r, 10);
        p->gpr[i] = k < 5   ? DEV + below(&r, DEV_SIZE)
                    : k < 7 ? RAM + below(&r, RAM_SIZE)
                    : k < 8 ? below(&r, 16)
                            : rnext(&r);
    }
    p->gpr[RSP] = STACK + 0x800;
    for (unsigned x = 0; x < 16; x++)
        for (unsigned j = 0; j < 16; j++)
            p->xmm[x][j] = (uint8_t)rnext(&r);
}

static const struct runopt RUN_RB_FAST = {M_FAST, false, false, 3000, 30, 30, -1, FK_NONE, 0};
static const struct runopt RUN_RB_EXIT = {M_EXIT, false, false, 3000, 30, 30, -1, FK_NONE, 0};
static const struct runopt RUN_RB_STEP = {M_EXIT, true, false, 1, 6000, 30, -1, FK_NONE, 0};

Test(x86_random_robust, random_bytes)
{
    struct prog *p = calloc(1, sizeof(*p));
    struct outcome *f = malloc(sizeof(*f)), *e = malloc(sizeof(*e)), *t = malloc(sizeof(*t));
    cr_assert(p && f && e && t);
    unsigned failed = 0, ends[16] = {0}, faulted = 0;
    uint64_t one, first = 0, count = RANDOM_PROGRAMS * scale();
    if (only_seed(&one))
        first = one, count = 1;
    for (uint64_t s = first; s < first + count; s++) {
        gen_random_bytes(p, s);
        maybe_dump(p);
        run_code(p, &RUN_RB_FAST, f);
        run_code(p, &RUN_RB_EXIT, e);
        struct cmp c = {p, 0};
        check_sane(&c, "FAST", f);
        check_sane(&c, "EXIT", e);
        cmp_all(&c, "FAST", f, "EXIT", e);
        /* single-stepped on the exit path: the same, unless it ran out of steps first */
        if (f->icount < 4000 && f->last.exitcode != VMF_EXIT_BUDGET) {
            run_code(p, &RUN_RB_STEP, t);
            check_sane(&c, "EXIT step", t);
            cmp_all(&c, "FAST", f, "EXIT step", t);
        }
        if (c.bad) {
            char hex[2 * 64 + 1];
            for (unsigned i = 0; i < 64; i++)
                snprintf(hex + 2 * i, 3, "%02x", p->code[i]);
            cr_expect(false, "random bytes, seed %llu: %u checks failed; the code began %s (%s)", (unsigned long long)s,
                      c.bad, hex, p->n == CODE_SIZE ? "random to the end" : "then HLT");
            failed++;
        }
        ends[f->last.exitcode & 15]++;
        faulted += f->nf != 0;
    }
    cr_expect_eq(failed, 0, "%u of %llu random programs failed", failed, (unsigned long long)count);
    cr_log_info("random bytes: %llu programs, %u touched the device; ends: BUDGET %u HLT %u EXCEPTION %u PAGING %u "
                "ERROR %u SUSPENDED %u other %u",
                (unsigned long long)count, faulted, ends[VMF_EXIT_BUDGET], ends[VMF_EXIT_HLT], ends[VMF_EXIT_EXCEPTION],
                ends[VMF_EXIT_PAGING], ends[VMF_EXIT_ERROR], ends[VMF_EXIT_SUSPENDED],
                ends[VMF_EXIT_INOUT] + ends[VMF_EXIT_RDMSR] + ends[VMF_EXIT_WRMSR] + ends[VMF_EXIT_VMCALL]);
    free(p);
    free(f);
    free(e);
    free(t);
}

/* A hand-written program: instructions with their assembly, then HLT. */
struct hand {
    const char *text;
    uint8_t len, b[15];
};

static void hand_program(struct prog *p, uint64_t seed, const struct hand *h, unsigned n)
{
    memset(p, 0, sizeof(*p));
    p->seed = seed;
    struct rng r = {seed};
    gen_regs(p, &r);
    for (unsigned i = 0; i < n; i++)
        put(p, T_REG, h[i].b, h[i].len, "%s", h[i].text);
    p->hlt = pc_now(p);
    static const uint8_t hlt = 0xf4;
    put(p, T_HLT, &hlt, 1, "hlt");
}

static const struct runopt RUN_H_RAM = {M_RAM, false, false, 1000, 20, 20, -1, FK_NONE, 0};
static const struct runopt RUN_H_FAST = {M_FAST, false, false, 1000, 20, 20, -1, FK_NONE, 0};
static const struct runopt RUN_H_EXIT = {M_EXIT, false, false, 1000, 20, 20, -1, FK_NONE, 0};

/* The accesses a run must have handed the device, in order (up to 8). */
struct want {
    uint64_t addr;
    uint8_t size, dir;
};

static void expect_faults(struct cmp *c, const char *what, const struct outcome *o, const struct want *w, unsigned n)
{
    CHECK(c, o->nf == n, "%s: %u faults, want %u", what, o->nf, n);
    for (unsigned i = 0; i < n && i < o->nf; i++)
        CHECK(c, o->f[i].addr == w[i].addr && o->f[i].size == w[i].size && o->f[i].dir == w[i].dir,
              "%s: fault %u is a %u-byte %s at 0x%llx, want a %u-byte %s at 0x%llx", what, i, o->f[i].size,
              dir_name(o->f[i].dir), (unsigned long long)o->f[i].addr, w[i].size, dir_name(w[i].dir),
              (unsigned long long)w[i].addr);
}

/* Instructions the decoder does not model (VMF_EUNSUPP, op OTHER) touching
 * the device.  What happens, found out and pinned here:
 *  - x87 loads and stores up to 10 bytes, FNSTENV, FLDENV: per-callback
 *    faults — one per piece Unicorn makes of the access (8 bytes: two 4-byte
 *    faults; an unaligned load: the aligned pieces around it, bytes the
 *    guest did not ask for included; an unaligned store: byte by byte) with
 *    the right data, and the same registers, FPU state (FXSAVE'd to RAM
 *    afterwards) and device bytes as on RAM, on both paths;
 *  - FXSAVE, FXRSTOR, FBLD (more than 8 pieces): a clear ERROR on both
 *    paths, "makes more than 8 accesses", RIP and icount on the instruction
 *    and XMM0-15 as they were; the 8 pieces before the refusal did reach the
 *    handler (FXSAVE wrote them to the device).
 * Before engine/arch/x86.c served these in place on the exit path too, FLD
 * TBYTE from an EXIT reservation pushed twice (the replay of a C helper that
 * carries on after the stop), silently, and FSTP TBYTE failed. */
Test(x86_random_robust, unmodelled_instructions)
{
#define FXSAVE_RAM                                                                                                     \
    {                                                                                                                  \
        "fxsave ds:0x200400", 8,                                                                                       \
        {                                                                                                              \
            0x0f, 0xae, 0x04, 0x25, 0x00, 0x04, 0x20, 0x00                                                             \
        }                                                                                                              \
    }
    // clang-format off
    static const struct {
        struct hand h[3];
        bool refused; /* a clear ERROR: more than 8 accesses */
        struct want w[8];
    } rows[] = {
        {{{"fld QWORD PTR ds:0x100100", 7, {0xdd, 0x04, 0x25, 0x00, 0x01, 0x10, 0x00}},
          {"fstp QWORD PTR ds:0x100200", 7, {0xdd, 0x1c, 0x25, 0x00, 0x02, 0x10, 0x00}}, FXSAVE_RAM},
         false, {{0x100100, 4, RD}, {0x100104, 4, RD}, {0x100200, 4, WR}, {0x100204, 4, WR}}},
        {{{"fld DWORD PTR ds:0x100101", 7, {0xd9, 0x04, 0x25, 0x01, 0x01, 0x10, 0x00}},
          {"fstp DWORD PTR ds:0x100203", 7, {0xd9, 0x1c, 0x25, 0x03, 0x02, 0x10, 0x00}}, FXSAVE_RAM},
         false, {{0x100100, 4, RD}, {0x100104, 4, RD},
                 {0x100203, 1, WR}, {0x100204, 1, WR}, {0x100205, 1, WR}, {0x100206, 1, WR}}},
        {{{"fld QWORD PTR ds:0x100100", 7, {0xdd, 0x04, 0x25, 0x00, 0x01, 0x10, 0x00}},
          {"fstp TBYTE PTR ds:0x100300", 7, {0xdb, 0x3c, 0x25, 0x00, 0x03, 0x10, 0x00}}, FXSAVE_RAM},
         false, {{0x100100, 4, RD}, {0x100104, 4, RD}, {0x100300, 4, WR}, {0x100304, 4, WR}, {0x100308, 2, WR}}},
        {{{"fld TBYTE PTR ds:0x100300", 7, {0xdb, 0x2c, 0x25, 0x00, 0x03, 0x10, 0x00}}, FXSAVE_RAM, {0}},
         false, {{0x100300, 4, RD}, {0x100304, 4, RD}, {0x100308, 2, RD}}},
        {{{"fnstenv ds:0x100500", 7, {0xd9, 0x34, 0x25, 0x00, 0x05, 0x10, 0x00}}, {0}, {0}},
         false, {{0x100500, 4, WR}, {0x100504, 4, WR}, {0x100508, 4, WR}, {0x10050c, 4, WR},
                 {0x100510, 4, WR}, {0x100514, 4, WR}, {0x100518, 4, WR}}},
        {{{"fldenv ds:0x100500", 7, {0xd9, 0x24, 0x25, 0x00, 0x05, 0x10, 0x00}}, FXSAVE_RAM, {0}},
         false, {{0x100500, 2, RD}, {0x100504, 2, RD}, {0x100508, 2, RD}}},
        {{{"fxsave ds:0x100400", 8, {0x0f, 0xae, 0x04, 0x25, 0x00, 0x04, 0x10, 0x00}}, {0}, {0}},
         true, {{0x100400, 2, WR}, {0x100402, 2, WR}, {0x100404, 2, WR}, {0x100408, 4, WR},
                {0x10040c, 4, WR}, {0x100410, 4, WR}, {0x100414, 4, WR}, {0x100420, 4, WR}}},
        {{{"fxrstor ds:0x100400", 8, {0x0f, 0xae, 0x0c, 0x25, 0x00, 0x04, 0x10, 0x00}}, FXSAVE_RAM, {0}},
         true, {{0x100400, 2, RD}, {0x100402, 2, RD}, {0x100404, 2, RD}, {0x100420, 4, RD},
                {0x100424, 4, RD}, {0x100428, 2, RD}, {0x100430, 4, RD}, {0x100434, 4, RD}}},
        {{{"fbld TBYTE PTR ds:0x100300", 7, {0xdf, 0x24, 0x25, 0x00, 0x03, 0x10, 0x00}}, FXSAVE_RAM, {0}},
         true, {{0x100308, 1, RD}, {0x100307, 1, RD}, {0x100306, 1, RD}, {0x100305, 1, RD},
                {0x100304, 1, RD}, {0x100303, 1, RD}, {0x100302, 1, RD}, {0x100301, 1, RD}}},
    };
    // clang-format on
#undef FXSAVE_RAM
    struct prog *p = calloc(1, sizeof(*p));
    struct outcome *ram = malloc(sizeof(*ram)), *o = malloc(sizeof(*o));
    cr_assert(p && ram && o);
    for (unsigned k = 0; k < NELEM(rows); k++) {
        unsigned n = 0, nw = 0;
        while (n < 3 && rows[k].h[n].text)
            n++;
        while (nw < 8 && rows[k].w[nw].size)
            nw++;
        hand_program(p, 1000 + k, rows[k].h, n);
        run_code(p, &RUN_H_RAM, ram);
        struct cmp c = {p, 0};
        CHECK(&c, ram->finished, "[%s] the RAM run did not finish", rows[k].h[0].text);
        for (enum mode m = M_FAST; m <= M_EXIT; m++) {
            char what[80];
            snprintf(what, sizeof(what), "[%s] %s", rows[k].h[0].text, m == M_FAST ? "FAST" : "EXIT");
            run_code(p, m == M_FAST ? &RUN_H_FAST : &RUN_H_EXIT, o);
            check_sane(&c, what, o);
            expect_faults(&c, what, o, rows[k].w, nw);
            if (!rows[k].refused) {
                CHECK(&c, o->finished, "%s: did not finish", what);
                cmp_run(&c, what, o, "RAM", ram);
                continue;
            }
            CHECK(&c,
                  o->last.exitcode == VMF_EXIT_ERROR && o->last.u.error.status == VMF_EUNSUPP &&
                      strstr(o->last.u.error.message, "more than 8 accesses"),
                  "%s: not refused: %s %s", what, vmf_exit_name(o->last.exitcode), o->last.u.error.message);
            CHECK(&c, o->last.pc == CODE && o->rip == CODE && o->icount == 0, "%s: pc 0x%llx RIP 0x%llx icount %llu",
                  what, (unsigned long long)o->last.pc, (unsigned long long)o->rip, (unsigned long long)o->icount);
            CHECK(&c, !memcmp(o->xmm, p->xmm, sizeof(p->xmm)), "%s: the refused instruction changed XMM registers",
                  what);
        }
    }
    free(p);
    free(ram);
    free(o);
}

/* Control reaching memory with nothing to execute: PAGING with EXEC for
 * unmapped addresses (the jump retired; RIP, the exit's pc and gpa are the
 * target; running again gives the same exit), a clear ERROR for the device.
 * Not here: code that runs off the end of RAM (NOP NOP at 0x2ffe, nothing at
 * 0x3000) gets PAGING EXEC with gpa and pc 0x3000, but RIP stays 0x2ffe and
 * the NOPs never retire — Unicorn fails to translate the whole block. */
Test(x86_random_robust, jumps_to_nowhere)
{
    // clang-format off
    static const struct {
        struct hand h[3];
        uint64_t target;
        unsigned icount; /* instructions retired */
        bool device;     /* the target is the reservation */
    } rows[] = {
        {{{"movabs rax,0x40000123", 10, {0x48, 0xb8, 0x23, 0x01, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00}},
          {"jmp rax", 2, {0xff, 0xe0}}, {0}}, UNMAPPED + 0x123, 2, false},
        {{{"jmp 0x40000000", 5, {0xe9, 0xfb, 0xef, 0xff, 0x3f}}, {0}, {0}}, UNMAPPED, 1, false},
        {{{"movabs rax,0x40000010", 10, {0x48, 0xb8, 0x10, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00}},
          {"call rax", 2, {0xff, 0xd0}}, {0}}, UNMAPPED + 0x10, 2, false},
        {{{"movabs rax,0x40000020", 10, {0x48, 0xb8, 0x20, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00}},
          {"push rax", 1, {0x50}}, {"ret", 1, {0xc3}}}, UNMAPPED + 0x20, 3, false},
        /* the target comes from the device: stored there, then read by the jump */
        {{{"movabs rax,0x40000030", 10, {0x48, 0xb8, 0x30, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00}},
          {"mov QWORD PTR ds:0x100040,rax", 8, {0x48, 0x89, 0x04, 0x25, 0x40, 0x00, 0x10, 0x00}},
          {"jmp QWORD PTR ds:0x100040", 7, {0xff, 0x24, 0x25, 0x40, 0x00, 0x10, 0x00}}}, UNMAPPED + 0x30, 3, false},
        {{{"movabs rax,0x100100", 10, {0x48, 0xb8, 0x00, 0x01, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00}},
          {"jmp rax", 2, {0xff, 0xe0}}, {0}}, DEV + 0x100, 2, true},
    };
    // clang-format on
    struct prog *p = calloc(1, sizeof(*p));
    struct outcome *o = malloc(sizeof(*o));
    cr_assert(p && o);
    for (unsigned k = 0; k < NELEM(rows); k++) {
        unsigned n = 0;
        while (n < 3 && rows[k].h[n].text)
            n++;
        hand_program(p, 2000 + k, rows[k].h, n);
        struct cmp c = {p, 0};
        for (enum mode m = M_FAST; m <= M_EXIT; m++) {
            char what[80];
            snprintf(what, sizeof(what), "[%s ...] %s", rows[k].h[0].text, m == M_FAST ? "FAST" : "EXIT");
            run_code(p, m == M_FAST ? &RUN_H_FAST : &RUN_H_EXIT, o);
            check_sane(&c, what, o);
            CHECK(&c, o->rip == rows[k].target, "%s: RIP 0x%llx, want 0x%llx", what, (unsigned long long)o->rip,
                  (unsigned long long)rows[k].target);
            CHECK(&c, o->icount == rows[k].icount, "%s: icount %llu, want %u", what, (unsigned long long)o->icount,
                  rows[k].icount);
            CHECK(&c, o->last.pc == rows[k].target, "%s: exit pc 0x%llx", what, (unsigned long long)o->last.pc);
            if (rows[k].device) {
                CHECK(&c,
                      o->last.exitcode == VMF_EXIT_ERROR && o->last.u.error.status == VMF_EUNSUPP &&
                          strstr(o->last.u.error.message, DEV_NAME) && strstr(o->last.u.error.message, "0x100100"),
                      "%s: %s '%s'", what, vmf_exit_name(o->last.exitcode), o->last.u.error.message);
                continue;
            }
            CHECK(&c,
                  o->last.exitcode == VMF_EXIT_PAGING && o->last.u.paging.fault_type == VMF_FAULT_EXEC &&
                      o->last.u.paging.gpa == rows[k].target,
                  "%s: %s type %d gpa 0x%llx", what, vmf_exit_name(o->last.exitcode), o->last.u.paging.fault_type,
                  (unsigned long long)o->last.u.paging.gpa);
            CHECK(&c,
                  o->again.exitcode == VMF_EXIT_PAGING && o->again.u.paging.gpa == rows[k].target &&
                      o->again.pc == rows[k].target,
                  "%s: run again: %s at 0x%llx", what, vmf_exit_name(o->again.exitcode),
                  (unsigned long long)o->again.pc);
        }
    }
    free(p);
    free(o);
}

/* Handler results that are not valid — FAULT_ERROR, FAULT_HANDLED without
 * advance_vcpu_fault, values that are no memory_fault_result_t — on a
 * random fault of a random program: an ERROR exit naming the reservation,
 * the result and the access, on the instruction (RIP, the exit's pc), which
 * did not retire; the faults before it as in the run without the failure,
 * and none after. */
Test(x86_random_robust, invalid_handler_results)
{
    static const int GARBAGE[] = {5, 6, 42, -1, 0x7fffffff, -0x7fffffff - 1, 255};
    struct prog *p = calloc(1, sizeof(*p));
    struct outcome *ref = malloc(sizeof(*ref)), *o = malloc(sizeof(*o));
    cr_assert(p && ref && o);
    unsigned tried = 0;
    uint64_t one, first = 5000, count = 60 * scale();
    if (only_seed(&one))
        first = one, count = 1;
    for (uint64_t seed = first; seed < first + count; seed++) {
        gen_program(p, seed);
        run_code(p, &RUN_FAST, ref);
        if (!ref->nf || ref->nf > MAXF)
            continue;
        struct rng r = {seed ^ 0xe5e5};
        struct runopt opt = RUN_FAST;
        opt.fail_at = below(&r, ref->nf);
        opt.fail_kind = (enum failkind)(FK_ERROR + below(&r, 3));
        opt.garbage = GARBAGE[below(&r, NELEM(GARBAGE))];
        const struct frec *f = &ref->f[opt.fail_at];
        char needle[48], addr[24];
        if (opt.fail_kind == FK_ERROR)
            snprintf(needle, sizeof(needle), "FAULT_ERROR");
        else if (opt.fail_kind == FK_NO_ADVANCE)
            snprintf(needle, sizeof(needle), "advance_vcpu_fault");
        else
            snprintf(needle, sizeof(needle), "returned %d, which is not", opt.garbage);
        snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)f->addr);
        struct cmp c = {p, 0};
        for (enum mode m = M_FAST; m <= M_EXIT; m++) {
            char what[160];
            snprintf(what, sizeof(what), "%s, fault %ld of %u (%s) fails with '%s'", m == M_FAST ? "FAST" : "EXIT",
                     opt.fail_at, ref->nf, addr, needle);
            opt.mode = m;
            run_code(p, &opt, o);
            CHECK(&c, o->rc == 0 && o->last.exitcode == VMF_EXIT_ERROR && o->last.u.error.status == VMF_EHANDLER,
                  "%s: ended with %s (rc %d, status %d)", what, vmf_exit_name(o->last.exitcode), o->rc,
                  o->last.u.error.status);
            const char *msg = o->last.u.error.message;
            CHECK(&c, strstr(msg, DEV_NAME) && strstr(msg, needle) && strstr(msg, addr),
                  "%s: the message '%s' does not name the reservation, the result and the access", what, msg);
            CHECK(&c, o->last.pc == f->pc && o->rip == f->pc, "%s: exit pc 0x%llx RIP 0x%llx, want 0x%llx", what,
                  (unsigned long long)o->last.pc, (unsigned long long)o->rip, (unsigned long long)f->pc);
            CHECK(&c, o->icount + 1 == f->icount, "%s: icount %llu: the failed instruction (icount %llu) retired", what,
                  (unsigned long long)o->icount, (unsigned long long)f->icount);
            CHECK(&c, o->nf == (unsigned)opt.fail_at + 1, "%s: %u faults, want %ld", what, o->nf, opt.fail_at + 1);
            for (unsigned i = 0; i < o->nf && i <= (unsigned)opt.fail_at; i++)
                if (memcmp(&o->f[i], &ref->f[i], sizeof(o->f[i]))) {
                    CHECK(&c, false, "%s: fault %u differs from the run without the failure", what, i);
                    break;
                }
        }
        tried++;
    }
    cr_expect_gt(tried, count / 2, "only %u programs made faults", tried);
    free(p);
    free(ref);
    free(o);
}

/* Valid results that disturb the instruction — FAULT_RESTART (the whole
 * instruction again) and FAULT_UNHANDLED (an INST_EMUL exit the caller
 * completes with set_vcpu_fault_data and advance_vcpu_fault) — on a random
 * fault of a random program, both paths: the run ends as without them
 * (registers, flags, memory, exits, handler calls); UNHANDLED leaves the
 * fault list as it was, RESTART repeats the restarted instruction's
 * accesses from its first. */
Test(x86_random_robust, restart_and_unhandled_anywhere)
{
    struct prog *p = calloc(1, sizeof(*p));
    struct outcome *ref = malloc(sizeof(*ref)), *o = malloc(sizeof(*o));
    cr_assert(p && ref && o);
    uint64_t one, first = 6000, count = 80 * scale();
    if (only_seed(&one))
        first = one, count = 1;
    unsigned failed = 0;
    for (uint64_t seed = first; seed < first + count; seed++) {
        gen_program(p, seed);
        run_code(p, &RUN_FAST, ref);
        if (!ref->nf || ref->nf > MAXF - 16)
            continue;
        struct rng r = {seed ^ 0x7e57};
        struct runopt opt = RUN_FAST;
        opt.fail_at = below(&r, ref->nf);
        opt.fail_kind = chance(&r, 50) ? FK_RESTART : FK_UNHANDLED;
        if (opt.fail_kind == FK_RESTART) {
            /* Restarting re-executes the whole instruction, so it gives the
             * plain run's result only while nothing it wrote has reached the
             * device: CMPXCHG16B restarted on its second write compares
             * against its own first write (the handler's doing, not the
             * engine's).  Restart at the instruction's first write at the
             * latest. */
            long k0 = opt.fail_at;
            while (k0 > 0 && ref->f[k0 - 1].pc == ref->f[opt.fail_at].pc &&
                   ref->f[k0 - 1].icount == ref->f[opt.fail_at].icount)
                k0--;
            for (long i = k0; i < opt.fail_at; i++)
                if (ref->f[i].dir == WR) {
                    opt.fail_at = i;
                    break;
                }
        }
        struct cmp c = {p, 0};
        for (enum mode m = M_FAST; m <= M_EXIT; m++) {
            char what[80];
            snprintf(what, sizeof(what), "%s with %s on fault %ld", m == M_FAST ? "FAST" : "EXIT",
                     opt.fail_kind == FK_RESTART ? "FAULT_RESTART" : "FAULT_UNHANDLED", opt.fail_at);
            opt.mode = m;
            run_code(p, &opt, o);
            CHECK(&c, o->finished, "%s: did not reach the final HLT", what);
            CHECK(&c, o->anomalies == 0, "%s: %s", what, o->anomaly);
            cmp_run(&c, what, o, "the plain FAST run", ref);
            /* the fault list */
            unsigned k = (unsigned)opt.fail_at, from = k;
            if (opt.fail_kind == FK_RESTART)
                while (from > 0 && ref->f[from - 1].pc == ref->f[k].pc && ref->f[from - 1].icount == ref->f[k].icount)
                    from--;
            unsigned extra = opt.fail_kind == FK_RESTART ? k + 1 - from : 0;
            CHECK(&c, o->nf == ref->nf + extra, "%s: %u faults, want %u", what, o->nf, ref->nf + extra);
            for (unsigned i = 0; i < o->nf && i < MAXF; i++) {
                unsigned j = i <= k ? i : i - extra; /* after the restart, its accesses again from `from` */
                if (j >= ref->nf || memcmp(&o->f[i], &ref->f[j], sizeof(o->f[i]))) {
                    CHECK(&c, false, "%s: fault %u (0x%llx) is not the plain run's fault %u (0x%llx)", what, i,
                          (unsigned long long)o->f[i].addr, j, j < ref->nf ? (unsigned long long)ref->f[j].addr : 0);
                    break;
                }
            }
        }
        failed += c.bad != 0;
    }
    cr_expect_eq(failed, 0, "%u programs differ", failed);
    free(p);
    free(ref);
    free(o);
}

/* ---- 3. the bugs this suite found, one focused reproducer each --------------------------------- */

/* RCL/RCR and SETcc on the device after an instruction that left lazy
 * flags (SHL, ADD): Unicorn computes the flags into its CC_SRC before the
 * access, so an abort inside the callback (the exit path's stop, a RESTART
 * on the fast path) lost CF and OF, and the replay rotated in the wrong
 * carry or set the wrong byte ("replay ... stored other data", or a
 * silently different result).  The same on an access to unmapped memory:
 * the PAGING exit left the flags garbled. */
Test(x86_random_regress, flag_readers_keep_the_flags_across_a_replay)
{
    // clang-format off
    static const struct hand h[] = {
        {"mov ecx,0x5", 5, {0xb9, 0x05, 0x00, 0x00, 0x00}},
        {"mov eax,0xffffffff", 5, {0xb8, 0xff, 0xff, 0xff, 0xff}},
        {"shl eax,1", 2, {0xd1, 0xe0}},                                           /* CF=1, lazy */
        {"rcr DWORD PTR ds:0x100020,1", 7, {0xd1, 0x1c, 0x25, 0x20, 0x00, 0x10, 0x00}},
        {"add eax,0x1", 3, {0x83, 0xc0, 0x01}},                                   /* CF=1 again, lazy */
        {"rcl QWORD PTR ds:0x100040,cl", 8, {0x48, 0xd3, 0x14, 0x25, 0x40, 0x00, 0x10, 0x00}},
        {"rcr BYTE PTR ds:0x100063,0x3", 8, {0xc0, 0x1c, 0x25, 0x63, 0x00, 0x10, 0x00, 0x03}},
        {"add ax,0x7fff", 4, {0x66, 0x05, 0xff, 0x7f}},                           /* OF=1, lazy ADD */
        {"setle BYTE PTR ds:0x100070", 8, {0x0f, 0x9e, 0x04, 0x25, 0x70, 0x00, 0x10, 0x00}},
        {"seto BYTE PTR ds:0x100071", 8, {0x0f, 0x90, 0x04, 0x25, 0x71, 0x00, 0x10, 0x00}},
        {"setp BYTE PTR ds:0x100072", 8, {0x0f, 0x9a, 0x04, 0x25, 0x72, 0x00, 0x10, 0x00}},
    };
    static const struct hand unmapped[] = {
        {"mov eax,0xffffffff", 5, {0xb8, 0xff, 0xff, 0xff, 0xff}},
        {"shl eax,1", 2, {0xd1, 0xe0}},                                           /* CF=1, lazy */
        {"rcr DWORD PTR ds:0x40000000,1", 7, {0xd1, 0x1c, 0x25, 0x00, 0x00, 0x00, 0x40}},
    };
    // clang-format on
    struct prog *p = calloc(1, sizeof(*p));
    struct outcome *ram = malloc(sizeof(*ram)), *o = malloc(sizeof(*o));
    cr_assert(p && ram && o);
    hand_program(p, 3000, h, NELEM(h));
    run_code(p, &RUN_H_RAM, ram);
    struct cmp c = {p, 0};
    for (unsigned k = 0; k < 4; k++) {
        struct runopt opt = k < 2 ? RUN_H_EXIT : RUN_H_FAST;
        char what[48];
        snprintf(what, sizeof(what), "%s%s", k < 2 ? "EXIT" : "FAST", k & 1 ? " with RESTARTs" : "");
        /* with k odd: a RESTART on each access in turn, one run each */
        for (long at = k & 1 ? 0 : -1; at < (k & 1 ? 9 : 0); at++) {
            opt.fail_at = at;
            opt.fail_kind = at < 0 ? FK_NONE : FK_RESTART;
            run_code(p, &opt, o);
            CHECK(&c, o->finished, "%s (at %ld): did not finish", what, at);
            cmp_run(&c, what, o, "RAM", ram);
        }
    }
    /* to nowhere: PAGING, and the flags of the SHL before it */
    hand_program(p, 3001, unmapped, NELEM(unmapped));
    for (enum mode m = M_FAST; m <= M_EXIT; m++) {
        run_code(p, m == M_FAST ? &RUN_H_FAST : &RUN_H_EXIT, o);
        CHECK(&c, o->last.exitcode == VMF_EXIT_PAGING && o->rip == CODE + 7 && o->icount == 2, "%s: %s at 0x%llx",
              m == M_FAST ? "FAST" : "EXIT", vmf_exit_name(o->last.exitcode), (unsigned long long)o->rip);
        CHECK(&c, (o->rflags & 0x8d5) == 0x081, "%s: RFLAGS 0x%llx after the PAGING exit, want CF and SF of the SHL",
              m == M_FAST ? "FAST" : "EXIT", (unsigned long long)o->rflags);
    }
    free(p);
    free(ram);
    free(o);
}

/* MOVS between overlapping operands in the device, the source unaligned:
 * a callback was matched to the first operand holding its byte whatever
 * its direction, so the store of an element starting inside the source's
 * window went to two beats that never filled (the store was lost) and the
 * bytes Unicorn reads around the source became a read of the destination.
 * Both paths: exactly the element's read and write, the bytes of RAM. */
Test(x86_random_regress, movs_between_overlapping_device_operands)
{
    // clang-format off
    static const struct {
        struct hand h[5];
        struct want w[4];
    } rows[] = {
        {{{"movabs rsi,0x101fed", 10, {0x48, 0xbe, 0xed, 0x1f, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00}},
          {"movabs rdi,0x101ff0", 10, {0x48, 0xbf, 0xf0, 0x1f, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00}},
          {"mov ecx,0x2", 5, {0xb9, 0x02, 0x00, 0x00, 0x00}}, {"cld", 1, {0xfc}},
          {"rep movs DWORD PTR es:[rdi],DWORD PTR ds:[rsi]", 2, {0xf3, 0xa5}}},
         {{0x101fed, 4, RD}, {0x101ff0, 4, WR}, {0x101ff1, 4, RD}, {0x101ff4, 4, WR}}},
        {{{"movabs rsi,0x100fff", 10, {0x48, 0xbe, 0xff, 0x0f, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00}},
          {"movabs rdi,0x101000", 10, {0x48, 0xbf, 0x00, 0x10, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00}},
          {"mov ecx,0x1", 5, {0xb9, 0x01, 0x00, 0x00, 0x00}}, {"cld", 1, {0xfc}},
          {"rep movs WORD PTR es:[rdi],WORD PTR ds:[rsi]", 3, {0x66, 0xf3, 0xa5}}},
         {{0x100fff, 2, RD}, {0x101000, 2, WR}}},
        {{{"movabs rsi,0x100103", 10, {0x48, 0xbe, 0x03, 0x01, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00}},
          {"movabs rdi,0x100100", 10, {0x48, 0xbf, 0x00, 0x01, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00}},
          {"mov ecx,0x2", 5, {0xb9, 0x02, 0x00, 0x00, 0x00}}, {"std", 1, {0xfd}},
          {"rep movs QWORD PTR es:[rdi],QWORD PTR ds:[rsi]", 3, {0xf3, 0x48, 0xa5}}},
         {{0x100103, 8, RD}, {0x100100, 8, WR}, {0x1000fb, 8, RD}, {0x1000f8, 8, WR}}},
    };
    // clang-format on
    struct prog *p = calloc(1, sizeof(*p));
    struct outcome *ram = malloc(sizeof(*ram)), *o = malloc(sizeof(*o));
    cr_assert(p && ram && o);
    for (unsigned k = 0; k < NELEM(rows); k++) {
        unsigned nw = 0;
        while (nw < 4 && rows[k].w[nw].size)
            nw++;
        hand_program(p, 4000 + k, rows[k].h, 5);
        run_code(p, &RUN_H_RAM, ram);
        struct cmp c = {p, 0};
        for (enum mode m = M_FAST; m <= M_EXIT; m++) {
            const char *what = m == M_FAST ? "FAST" : "EXIT";
            run_code(p, m == M_FAST ? &RUN_H_FAST : &RUN_H_EXIT, o);
            CHECK(&c, o->finished && o->anomalies == 0, "%s: did not finish cleanly", what);
            expect_faults(&c, what, o, rows[k].w, nw);
            cmp_run(&c, what, o, "RAM", ram);
        }
    }
    free(p);
    free(ram);
    free(o);
}

/* INS into the device, OUTS from it: string I/O moves its element with
 * uc_mem_read/uc_mem_write, which on a reservation call the MMIO callback
 * outside any instruction — the fast path served it, the exit path lost
 * it (OUTS sent 0 to the port, the INS element never reached the device).
 * Both refuse it now with the same clear ERROR, before any port handler
 * runs. */
Test(x86_random_regress, string_io_with_the_device_is_refused)
{
    // clang-format off
    static const struct {
        struct hand h[3];
        const char *needle;
    } rows[] = {
        {{{"mov edx,0x3f8", 5, {0xba, 0xf8, 0x03, 0x00, 0x00}},
          {"movabs rsi,0x100010", 10, {0x48, 0xbe, 0x10, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00}},
          {"outs dx,BYTE PTR ds:[rsi]", 1, {0x6e}}}, "OUTS at rip 0x100f reads 0x100010, which is not RAM"},
        {{{"mov edx,0x3f8", 5, {0xba, 0xf8, 0x03, 0x00, 0x00}},
          {"movabs rdi,0x100012", 10, {0x48, 0xbf, 0x12, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00}},
          {"ins DWORD PTR es:[rdi],dx", 1, {0x6d}}}, "INS at rip 0x100f writes 0x100012, which is not RAM"},
        {{{"mov edx,0x2f8", 5, {0xba, 0xf8, 0x02, 0x00, 0x00}}, /* nobody's port: no INOUT exit either */
          {"movabs rdi,0x101ffe", 10, {0x48, 0xbf, 0xfe, 0x1f, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00}},
          {"ins WORD PTR es:[rdi],dx", 2, {0x66, 0x6d}}}, "INS at rip 0x100f writes 0x101ffe, which is not RAM"},
    };
    // clang-format on
    struct prog *p = calloc(1, sizeof(*p));
    struct outcome *o = malloc(sizeof(*o));
    cr_assert(p && o);
    for (unsigned k = 0; k < NELEM(rows); k++) {
        hand_program(p, 5000 + k, rows[k].h, 3);
        struct cmp c = {p, 0};
        for (enum mode m = M_FAST; m <= M_EXIT; m++) {
            const char *what = m == M_FAST ? "FAST" : "EXIT";
            run_code(p, m == M_FAST ? &RUN_H_FAST : &RUN_H_EXIT, o);
            CHECK(&c,
                  o->last.exitcode == VMF_EXIT_ERROR && o->last.u.error.status == VMF_EUNSUPP &&
                      !strcmp(o->last.u.error.message, rows[k].needle),
                  "%s: %s '%s', want ERROR '%s'", what, vmf_exit_name(o->last.exitcode), o->last.u.error.message,
                  rows[k].needle);
            CHECK(&c, o->last.pc == CODE + 15 && o->rip == CODE + 15 && o->icount == 2,
                  "%s: exit pc 0x%llx RIP 0x%llx icount %llu", what, (unsigned long long)o->last.pc,
                  (unsigned long long)o->rip, (unsigned long long)o->icount);
            CHECK(&c, o->nf == 0 && o->nports == 0 && o->nx == 1, "%s: %u faults, %u port calls, %u exits", what, o->nf,
                  o->nports, o->nx);
        }
    }
    free(p);
    free(o);
}

/* ---- 4. a Unicorn pin ---------------------------------------------------------------------------- */

/* Unicorn 2.0.1 aborts the whole process ("qemu/tcg/tcg.c:3073: tcg fatal
 * error") when it translates some invalid encodings that should raise #UD:
 * FF /3 and FF /5 with a register operand (CALL/JMP far through a
 * register), and LOCK CMP m,r / LOCK CMP m,imm / LOCK CMPS.  It happens in
 * translation, before any hook, so a guest can kill its host and vmfault
 * cannot stop it; gen_random_bytes keeps random code off them.  When a pin
 * fails, Unicorn is fixed for that encoding: drop the pin and the scrub. */
static void run_expecting_abort(const uint8_t *code, size_t n)
{
    vmf_vm *vm;
    vmf_vcpu *vcpu;
    vmf_exit ex;
    cr_assert_eq(vmf_vm_create(VMF_ARCH_X86_64, "pin", &vm), 0);
    cr_assert_eq(vmf_vcpu_create(vm, &vcpu), 0);
    cr_assert_eq(vmf_ram_add(vm, CODE, 0x1000, NULL), 0);
    cr_assert_eq(vmf_ram_add(vm, RAM, RAM_SIZE, NULL), 0);
    cr_assert_eq(vmf_mem_write(vm, CODE, code, n), 0);
    cr_assert_eq(vmf_reg_write(vcpu, VMF_X86_REG_RIP, CODE), 0);
    for (unsigned r = 0; r < 16; r++)
        if (r != RSP)
            cr_assert_eq(vmf_reg_write(vcpu, r, RAM + 0x100), 0);
    vmf_run(vcpu, 10, &ex);
    cr_log_info("Unicorn no longer aborts on these bytes: it gave %s", vmf_exit_name(ex.exitcode));
    vmf_vm_destroy(vm);
}

Test(x86_random_unicorn, far_jump_through_a_register_aborts, .signal = SIGABRT)
{
    static const uint8_t code[] = {0xff, 0xea, 0xf4}; /* jmp far edx ((bad) to objdump); hlt */
    run_expecting_abort(code, sizeof(code));
}

Test(x86_random_unicorn, lock_cmp_aborts, .signal = SIGABRT)
{
    static const uint8_t code[] = {0xf0, 0x38, 0x03, 0xf4}; /* lock cmp BYTE PTR [rbx],al; hlt */
    run_expecting_abort(code, sizeof(code));
}

Test(x86_random_unicorn, lock_cmps_aborts, .signal = SIGABRT)
{
    static const uint8_t code[] = {0xf0, 0xa7, 0xf4}; /* lock cmps DWORD PTR ds:[rsi],DWORD PTR es:[rdi]; hlt */
    run_expecting_abort(code, sizeof(code));
}
