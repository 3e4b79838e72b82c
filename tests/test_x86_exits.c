/* vmfault — the x86-64 backend's intercepted instructions (engine/arch/x86_exits.c).
 *
 * IN/OUT/INS/OUTS and the port tables (vmfault's and libsel4vm's), CPUID,
 * RDMSR/WRMSR and the MSR store, VMCALL (vmfault's and libsel4vm's), HLT,
 * INVD/WBINVD, the per-exit handler overrides and the exit observer, and the
 * instructions that must not read host state (RDTSC, RDTSCP, RDRAND,
 * RDSEED).  Each test runs a small guest: its bytes are in the test, with the
 * assembly beside them (GNU as 2.40, `as --64`, Intel syntax); the code page
 * is filled with HLT after them, so a guest that runs off its end stops.
 */
#include <criterion/criterion.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sel4vm/arch/guest_x86_context.h>
#include <sel4vm/arch/ioports.h>
#include <sel4vm/arch/vmcall.h>

#include "vmfault/vmfault.h"
#include "vmfault/x86.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

#define CODE 0x1000ull /* one page of code, HLT after the guest's bytes */
#define BUF 0x10000ull /* a page of RAM for string I/O and FS/GS accesses */
#define STACK 0x20000ull
#define RFL_CF 0x001ull
#define RFL_ZF 0x040ull
#define RFL_IF 0x200ull
#define RFL_DF 0x400ull

struct xvm {
    vmf_vm *vm;
    vmf_vcpu *c;
};

static void xvm_open(struct xvm *t, const uint8_t *code, size_t n)
{
    uint8_t page[0x1000];
    cr_assert_eq(vmf_vm_create(VMF_ARCH_X86_64, "x86exits", &t->vm), 0);
    cr_assert_eq(vmf_vcpu_create(t->vm, &t->c), 0);
    cr_assert_eq(vmf_ram_add(t->vm, CODE, 0x1000, NULL), 0);
    cr_assert_eq(vmf_ram_add(t->vm, BUF, 0x1000, NULL), 0);
    cr_assert_eq(vmf_ram_add(t->vm, STACK, 0x1000, NULL), 0);
    cr_assert_lt(n, sizeof(page));
    memset(page, 0xf4, sizeof(page)); /* hlt */
    memcpy(page, code, n);
    cr_assert_eq(vmf_mem_write(t->vm, CODE, page, sizeof(page)), 0);
    for (unsigned i = 0; i < 0x1000; i++)
        page[i] = (uint8_t)(0x40 + 7 * i);
    cr_assert_eq(vmf_mem_write(t->vm, BUF, page, sizeof(page)), 0);
    cr_assert_eq(vmf_reg_write(t->c, VMF_X86_REG_RIP, CODE), 0);
    cr_assert_eq(vmf_reg_write(t->c, RSP, STACK + 0x800), 0);
    cr_assert_eq(vmf_reg_write(t->c, VMF_X86_REG_RFLAGS, 0x202), 0);
}

static void xvm_close(struct xvm *t)
{
    vmf_vm_destroy(t->vm);
    t->vm = NULL;
}

static uint64_t R(struct xvm *t, unsigned r)
{
    uint64_t v = 0;
    cr_assert_eq(vmf_reg_read(t->c, r, &v), 0);
    return v;
}

static void W(struct xvm *t, unsigned r, uint64_t v)
{
    cr_assert_eq(vmf_reg_write(t->c, r, v), 0);
}

static vmf_exit run(struct xvm *t)
{
    vmf_exit ex;
    cr_assert_eq(vmf_run(t->c, 1000, &ex), 0);
    return ex;
}

static uint8_t buf_byte(struct xvm *t, uint64_t addr)
{
    uint8_t b = 0;
    cr_assert_eq(vmf_mem_read(t->vm, addr, &b, 1), 0);
    return b;
}

static uint8_t buf_init(uint64_t addr)
{
    return (uint8_t)(0x40 + 7 * (unsigned)(addr - BUF));
}

/* ---- a port device on vmfault's interface ------------------------------------------------------ */

struct portdev {
    unsigned n;
    struct {
        uint16_t port;
        unsigned bytes;
        bool in;
        uint32_t value;
    } rec[32];
    uint32_t next; /* what the next IN reads (then + step) */
    uint32_t step;
    int result; /* what the callbacks return */
};

static int pd_in(vmf_vcpu *vcpu, uint16_t port, unsigned bytes, uint32_t *value, void *cookie)
{
    (void)vcpu;
    struct portdev *d = cookie;
    *value = d->next;
    d->next += d->step;
    if (d->n < NELEM(d->rec))
        d->rec[d->n].port = port, d->rec[d->n].bytes = bytes, d->rec[d->n].in = true, d->rec[d->n].value = *value;
    d->n++;
    return d->result;
}

static int pd_out(vmf_vcpu *vcpu, uint16_t port, unsigned bytes, uint32_t value, void *cookie)
{
    (void)vcpu;
    struct portdev *d = cookie;
    if (d->n < NELEM(d->rec))
        d->rec[d->n].port = port, d->rec[d->n].bytes = bytes, d->rec[d->n].in = false, d->rec[d->n].value = value;
    d->n++;
    return d->result;
}

static void portdev_init(struct portdev *d)
{
    memset(d, 0, sizeof(*d));
    d->next = 0xa1b2c3d4u;
    d->step = 0x01010101u;
    d->result = VMF_X86_HANDLED;
}

/* ---- IN and OUT ---------------------------------------------------------------------------------- */

/* IN AL merges, IN AX merges, IN EAX zero-extends; OUT takes AL/AX/EAX; the
 * DX forms take the port from DX (not the rest of RDX). */
Test(x86_exits_io, widths)
{
    // clang-format off
    static const struct {
        const char *text;
        uint8_t len, b[3];
        uint16_t port;
        unsigned bytes;
        bool in;
    } rows[] = {
        {"in al, 0x60", 2, {0xe4, 0x60}, 0x60, 1, true},
        {"in ax, 0x60", 3, {0x66, 0xe5, 0x60}, 0x60, 2, true},
        {"in eax, 0x60", 2, {0xe5, 0x60}, 0x60, 4, true},
        {"out 0x61, al", 2, {0xe6, 0x61}, 0x61, 1, false},
        {"out 0x61, ax", 3, {0x66, 0xe7, 0x61}, 0x61, 2, false},
        {"out 0x61, eax", 2, {0xe7, 0x61}, 0x61, 4, false},
        {"in al, dx", 1, {0xec}, 0x3f8, 1, true},
        {"in ax, dx", 2, {0x66, 0xed}, 0x3f8, 2, true},
        {"in eax, dx", 1, {0xed}, 0x3f8, 4, true},
        {"out dx, al", 1, {0xee}, 0x3f8, 1, false},
        {"out dx, ax", 2, {0x66, 0xef}, 0x3f8, 2, false},
        {"out dx, eax", 1, {0xef}, 0x3f8, 4, false},
    };
    // clang-format on
    static const uint64_t rax0 = 0x1122334455667788ull;
    for (unsigned i = 0; i < NELEM(rows); i++) {
        struct xvm t;
        struct portdev d;
        portdev_init(&d);
        xvm_open(&t, rows[i].b, rows[i].len);
        cr_assert_eq(vmf_x86_add_ports(t.vm, 0x60, 0x61, pd_in, pd_out, &d, "kbd"), 0);
        cr_assert_eq(vmf_x86_add_ports(t.vm, 0x3f8, 0x3ff, pd_in, pd_out, &d, "com1"), 0);
        W(&t, RAX, rax0);
        W(&t, RDX, 0xabcd000000ab03f8ull);
        vmf_exit ex = run(&t);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "[%s] exit %s %s", rows[i].text, vmf_exit_name(ex.exitcode),
                     ex.u.error.message);
        cr_expect_eq(ex.pc, CODE + rows[i].len, "[%s] the HLT after it", rows[i].text);
        cr_assert_eq(d.n, 1, "[%s] %u port calls", rows[i].text, d.n);
        cr_expect_eq(d.rec[0].port, rows[i].port, "[%s] port 0x%x", rows[i].text, d.rec[0].port);
        cr_expect_eq(d.rec[0].bytes, rows[i].bytes, "[%s] %u bytes", rows[i].text, d.rec[0].bytes);
        cr_expect_eq(d.rec[0].in, rows[i].in);
        uint64_t mask = rows[i].bytes == 4 ? 0xffffffffull : (1ull << (8 * rows[i].bytes)) - 1;
        uint64_t want = rax0;
        if (rows[i].in)
            want = rows[i].bytes == 4 ? 0xa1b2c3d4u : (rax0 & ~mask) | (0xa1b2c3d4u & mask);
        else
            cr_expect_eq(d.rec[0].value, rax0 & mask, "[%s] wrote 0x%x", rows[i].text, d.rec[0].value);
        cr_expect_eq(R(&t, RAX), want, "[%s] RAX 0x%016llx, want 0x%016llx", rows[i].text,
                     (unsigned long long)R(&t, RAX), (unsigned long long)want);
        cr_expect_eq(R(&t, RDX), 0xabcd000000ab03f8ull);
        cr_expect_eq(vmf_vcpu_icount(t.c), 2, "[%s] icount %llu", rows[i].text,
                     (unsigned long long)vmf_vcpu_icount(t.c));
        xvm_close(&t);
    }
}

/* An IN value wider than the access is cut to it; a handler's UNHANDLED
 * leaves vmf_run as an INOUT exit; ERROR and garbage stop the run. */
Test(x86_exits_io, handler_results)
{
    static const uint8_t in_al[] = {0xe4, 0x60}; /* in al, 0x60 */
    struct xvm t;
    struct portdev d;
    portdev_init(&d);
    d.next = 0xffffff42u;
    xvm_open(&t, in_al, sizeof(in_al));
    cr_assert_eq(vmf_x86_add_ports(t.vm, 0x60, 0x60, pd_in, pd_out, &d, "kbd"), 0);
    W(&t, RAX, 0x1100);
    vmf_exit ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
    cr_expect_eq(R(&t, RAX), 0x1142, "RAX 0x%llx", (unsigned long long)R(&t, RAX));
    xvm_close(&t);

    static const int results[] = {VMF_X86_UNHANDLED, VMF_X86_ERROR, 77};
    for (unsigned i = 0; i < NELEM(results); i++) {
        portdev_init(&d);
        d.result = results[i];
        xvm_open(&t, in_al, sizeof(in_al));
        cr_assert_eq(vmf_x86_add_ports(t.vm, 0x60, 0x60, pd_in, pd_out, &d, "kbd"), 0);
        W(&t, RAX, 0x1100);
        ex = run(&t);
        if (results[i] == VMF_X86_UNHANDLED) {
            cr_expect_eq(ex.exitcode, VMF_EXIT_INOUT, "result %d: %s", results[i], vmf_exit_name(ex.exitcode));
        } else {
            cr_expect_eq(ex.exitcode, VMF_EXIT_ERROR, "result %d: %s", results[i], vmf_exit_name(ex.exitcode));
            cr_expect(strstr(ex.u.error.message, "INOUT") != NULL, "message '%s'", ex.u.error.message);
        }
        cr_expect_eq(ex.pc, CODE);
        cr_expect_eq(R(&t, VMF_X86_REG_RIP), CODE);
        cr_expect_eq(R(&t, RAX), 0x1100, "result %d: RAX changed", results[i]);
        cr_expect_eq(vmf_vcpu_icount(t.c), 0);
        xvm_close(&t);
    }
}

/* A port nobody registered: an INOUT exit with port, width, direction and
 * value, RIP on the instruction; completed from outside, the run goes on. */
Test(x86_exits_io, unregistered_port_exits)
{
    // clang-format off
    static const uint8_t code[] = {
        0xe5, 0x70,       /* in eax, 0x70 */
        0x66, 0xef,       /* out dx, ax */
        0xec,             /* in al, dx */
        0x48, 0xff, 0xc3, /* inc rbx */
    };
    // clang-format on
    struct xvm t;
    xvm_open(&t, code, sizeof(code));
    W(&t, RAX, 0xffffffffffff1234ull);
    W(&t, RDX, 0x80);
    vmf_exit ex = run(&t);
    cr_assert_eq(ex.exitcode, VMF_EXIT_INOUT, "%s", vmf_exit_name(ex.exitcode));
    cr_expect_eq(ex.pc, CODE);
    cr_expect_eq(ex.inst_length, 2);
    cr_expect_eq(ex.u.inout.port, 0x70);
    cr_expect_eq(ex.u.inout.bytes, 4);
    cr_expect(ex.u.inout.in);
    cr_expect(!ex.u.inout.string && !ex.u.inout.rep);
    cr_expect_eq(R(&t, VMF_X86_REG_RIP), CODE);
    cr_expect_eq(vmf_vcpu_icount(t.c), 0);
    xvm_close(&t);

    xvm_open(&t, code, sizeof(code));
    W(&t, RAX, 0xffffffffffff1234ull);
    W(&t, RDX, 0x80);
    ex = run(&t);
    cr_assert_eq(ex.exitcode, VMF_EXIT_INOUT);
    /* not completed: the instruction runs again, the same exit */
    ex = run(&t);
    cr_assert_eq(ex.exitcode, VMF_EXIT_INOUT);
    cr_expect_eq(ex.pc, CODE);
    cr_expect_eq(vmf_vcpu_icount(t.c), 0);
    cr_expect_eq(vmf_x86_complete_in(t.c, 0xcafef00d), 0);
    cr_expect_eq(vmf_x86_complete_in(t.c, 0xcafef00d), VMF_ESTATE, "completed twice");
    cr_expect_eq(R(&t, RAX), 0xcafef00d, "IN EAX zero-extends: 0x%llx", (unsigned long long)R(&t, RAX));
    cr_expect_eq(R(&t, VMF_X86_REG_RIP), CODE + 2);
    cr_expect_eq(vmf_vcpu_icount(t.c), 1);

    ex = run(&t);
    cr_assert_eq(ex.exitcode, VMF_EXIT_INOUT);
    cr_expect_eq(ex.pc, CODE + 2);
    cr_expect_eq(ex.u.inout.port, 0x80);
    cr_expect_eq(ex.u.inout.bytes, 2);
    cr_expect(!ex.u.inout.in);
    cr_expect_eq(ex.u.inout.eax, 0xf00d);
    cr_expect_eq(vmf_x86_complete_in(t.c, 1), VMF_ESTATE, "complete_in on an OUT");
    cr_expect_eq(vmf_x86_advance(t.c), 0);
    cr_expect_eq(R(&t, VMF_X86_REG_RIP), CODE + 4);

    ex = run(&t);
    cr_assert_eq(ex.exitcode, VMF_EXIT_INOUT);
    cr_expect_eq(ex.u.inout.bytes, 1);
    cr_expect_eq(vmf_x86_complete_in(t.c, 0x1ab), 0);
    cr_expect_eq(R(&t, RAX), 0xcafef0ab, "IN AL merges: 0x%llx", (unsigned long long)R(&t, RAX));

    ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
    cr_expect_eq(R(&t, RBX), 1);
    cr_expect_eq(vmf_vcpu_icount(t.c), 5, "icount %llu", (unsigned long long)vmf_vcpu_icount(t.c));
    /* nothing to advance now */
    cr_expect_eq(vmf_x86_advance(t.c), VMF_ESTATE);
    cr_expect_eq(vmf_x86_complete_in(t.c, 0), VMF_ESTATE);
    xvm_close(&t);
}

/* ---- INS and OUTS ------------------------------------------------------------------------------- */

/* The string forms against their memory twins, which Unicorn runs itself:
 * REP INS must leave RCX, RDI, RFLAGS and memory as REP STOS of the same
 * values does, REP OUTS RCX and RSI as REP LODS does, with DF clear and set,
 * RCX = 0, and a 32-bit address size (ECX, EDI, ESI; the upper halves).  One
 * port call per element. */
Test(x86_exits_string, like_their_memory_twins)
{
    // clang-format off
    static const struct {
        const char *text;
        uint8_t len, io[3], twin[3];
        bool in;
        unsigned bytes;
    } rows[] = {
        {"rep insb / rep stosb", 2, {0xf3, 0x6c}, {0xf3, 0xaa}, true, 1},
        {"rep insw / rep stosw", 3, {0x66, 0xf3, 0x6d}, {0x66, 0xf3, 0xab}, true, 2},
        {"rep insd / rep stosd", 2, {0xf3, 0x6d}, {0xf3, 0xab}, true, 4},
        {"insb / stosb", 1, {0x6c}, {0xaa}, true, 1},
        {"addr32 rep insb / addr32 rep stosb", 3, {0x67, 0xf3, 0x6c}, {0x67, 0xf3, 0xaa}, true, 1},
        {"rep outsb / rep lodsb", 2, {0xf3, 0x6e}, {0xf3, 0xac}, false, 1},
        {"rep outsw / rep lodsw", 3, {0x66, 0xf3, 0x6f}, {0x66, 0xf3, 0xad}, false, 2},
        {"outsd / lodsd", 1, {0x6f}, {0xad}, false, 4},
        {"addr32 rep outsd / addr32 rep lodsd", 3, {0x67, 0xf3, 0x6f}, {0x67, 0xf3, 0xad}, false, 4},
    };
    // clang-format on
    static const uint64_t counts[] = {0, 1, 3, 0xffffffff00000002ull};
    for (unsigned i = 0; i < NELEM(rows); i++)
        for (unsigned df = 0; df < 2; df++)
            for (unsigned k = 0; k < NELEM(counts); k++) {
                bool addr32 = rows[i].io[0] == 0x67;
                if (counts[k] >> 32 && !addr32)
                    continue; /* 2^64-ish elements */
                uint64_t state[2][4];
                uint8_t mem[2][64];
                unsigned calls = 0;
                for (unsigned twin = 0; twin < 2; twin++) {
                    struct xvm t;
                    struct portdev d;
                    portdev_init(&d);
                    d.next = 0x5a5a5a5au; /* the same value every time: the twin stores AL/AX/EAX */
                    d.step = 0;
                    xvm_open(&t, twin ? rows[i].twin : rows[i].io, rows[i].len);
                    cr_assert_eq(vmf_x86_add_ports(t.vm, 0x3f8, 0x3f8, pd_in, pd_out, &d, "com1"), 0);
                    W(&t, RAX, 0x5a5a5a5a5a5a5a5aull);
                    W(&t, RDX, 0x3f8);
                    W(&t, RCX, counts[k]);
                    uint64_t base = addr32 ? 0xdead000000000000ull : 0;
                    W(&t, RSI, base | (BUF + (df ? 0x3f8 : 0x208)));
                    W(&t, RDI, base | (BUF + (df ? 0x7f8 : 0x608)));
                    W(&t, VMF_X86_REG_RFLAGS, 0x202 | (df ? RFL_DF : 0));
                    vmf_exit ex = run(&t);
                    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "[%s] DF %u RCX 0x%llx %s: exit %s %s", rows[i].text, df,
                                 (unsigned long long)counts[k], twin ? "twin" : "I/O", vmf_exit_name(ex.exitcode),
                                 ex.u.error.message);
                    state[twin][0] = R(&t, RCX);
                    state[twin][1] = R(&t, RSI);
                    state[twin][2] = R(&t, RDI);
                    state[twin][3] = R(&t, VMF_X86_REG_RFLAGS);
                    cr_assert_eq(vmf_mem_read(t.vm, BUF + (df ? 0x7d8 : 0x5e8), mem[twin], 64), 0);
                    if (!twin) {
                        calls = d.n;
                        for (unsigned e = 0; e < d.n && e < NELEM(d.rec); e++) {
                            cr_expect_eq(d.rec[e].bytes, rows[i].bytes);
                            cr_expect_eq(d.rec[e].in, rows[i].in);
                            if (!rows[i].in) { /* the element OUTS read from memory */
                                uint32_t want = 0;
                                uint64_t at = BUF + (df ? 0x3f8 - e * rows[i].bytes : 0x208 + e * rows[i].bytes);
                                for (unsigned b = 0; b < rows[i].bytes; b++)
                                    want |= (uint32_t)buf_init(at + b) << (8 * b);
                                cr_expect_eq(d.rec[e].value, want, "[%s] DF %u element %u wrote 0x%x, want 0x%x",
                                             rows[i].text, df, e, d.rec[e].value, want);
                            }
                        }
                    }
                    xvm_close(&t);
                }
                const char *rn[4] = {"RCX", "RSI", "RDI", "RFLAGS"};
                for (unsigned r = 0; r < 4; r++)
                    cr_expect_eq(state[0][r], state[1][r], "[%s] DF %u RCX 0x%llx: %s 0x%llx, twin 0x%llx",
                                 rows[i].text, df, (unsigned long long)counts[k], rn[r],
                                 (unsigned long long)state[0][r], (unsigned long long)state[1][r]);
                cr_expect(!memcmp(mem[0], mem[1], 64), "[%s] DF %u RCX 0x%llx: memory differs from the twin's",
                          rows[i].text, df, (unsigned long long)counts[k]);
                bool rep = rows[i].len >= 2 && rows[i].io[rows[i].len - 2] == 0xf3;
                unsigned want = rep ? (unsigned)(counts[k] & 0xffffffff) : 1;
                cr_expect_eq(calls, want, "[%s] DF %u RCX 0x%llx: %u port calls", rows[i].text, df,
                             (unsigned long long)counts[k], calls);
            }
}

/* REP OUTS to a port nobody registered: one INOUT exit per element, each
 * with its address and the elements left; vmf_x86_advance completes an
 * element (RSI, RCX) and RIP stays until the last. */
Test(x86_exits_string, rep_outs_exit_per_element)
{
    static const uint8_t code[] = {0xf3, 0x6e}; /* rep outsb */
    for (unsigned df = 0; df < 2; df++) {
        struct xvm t;
        xvm_open(&t, code, sizeof(code));
        W(&t, RCX, 3);
        W(&t, RDX, 0x99);
        W(&t, RSI, BUF + 0x100);
        W(&t, VMF_X86_REG_RFLAGS, 0x202 | (df ? RFL_DF : 0));
        for (unsigned e = 0; e < 3; e++) {
            uint64_t at = df ? BUF + 0x100 - e : BUF + 0x100 + e;
            vmf_exit ex = run(&t);
            cr_assert_eq(ex.exitcode, VMF_EXIT_INOUT, "DF %u element %u: %s", df, e, vmf_exit_name(ex.exitcode));
            cr_expect_eq(ex.pc, CODE);
            cr_expect(ex.u.inout.string && ex.u.inout.rep && !ex.u.inout.in);
            cr_expect_eq(ex.u.inout.port, 0x99);
            cr_expect_eq(ex.u.inout.bytes, 1);
            cr_expect_eq(ex.u.inout.addr, at, "DF %u element %u: addr 0x%llx", df, e,
                         (unsigned long long)ex.u.inout.addr);
            cr_expect_eq(ex.u.inout.count, 3 - e, "DF %u element %u: count %llu", df, e,
                         (unsigned long long)ex.u.inout.count);
            cr_expect_eq(ex.u.inout.eax, buf_init(at));
            cr_expect_eq(vmf_x86_advance(t.c), 0);
            cr_expect_eq(R(&t, RCX), 2 - e, "DF %u element %u: RCX %llu", df, e, (unsigned long long)R(&t, RCX));
            cr_expect_eq(R(&t, RSI), df ? at - 1 : at + 1);
            cr_expect_eq(R(&t, VMF_X86_REG_RIP), e < 2 ? CODE : CODE + 2, "DF %u element %u: RIP 0x%llx", df, e,
                         (unsigned long long)R(&t, VMF_X86_REG_RIP));
        }
        vmf_exit ex = run(&t);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "DF %u: %s", df, vmf_exit_name(ex.exitcode));
        cr_expect_eq(ex.pc, CODE + 2);
        xvm_close(&t);
    }
}

/* REP INS from a port nobody registered: vmf_x86_complete_in stores each
 * element and moves RDI and RCX. */
Test(x86_exits_string, rep_ins_complete_in)
{
    static const uint8_t code[] = {0x66, 0xf3, 0x6d}; /* rep insw */
    struct xvm t;
    xvm_open(&t, code, sizeof(code));
    W(&t, RCX, 2);
    W(&t, RDX, 0x1f0);
    W(&t, RDI, BUF + 0x300);
    for (unsigned e = 0; e < 2; e++) {
        vmf_exit ex = run(&t);
        cr_assert_eq(ex.exitcode, VMF_EXIT_INOUT, "element %u: %s", e, vmf_exit_name(ex.exitcode));
        cr_expect(ex.u.inout.in && ex.u.inout.string && ex.u.inout.rep);
        cr_expect_eq(ex.u.inout.bytes, 2);
        cr_expect_eq(ex.u.inout.addr, BUF + 0x300 + 2 * e);
        cr_expect_eq(ex.u.inout.count, 2 - e);
        cr_expect_eq(vmf_x86_complete_in(t.c, 0xbeef0000u + e), 0);
        cr_expect_eq(R(&t, RDI), BUF + 0x302 + 2 * e);
        cr_expect_eq(R(&t, RCX), 1 - e);
    }
    vmf_exit ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s", vmf_exit_name(ex.exitcode));
    cr_expect_eq(ex.pc, CODE + 3);
    uint8_t got[4];
    cr_assert_eq(vmf_mem_read(t.vm, BUF + 0x300, got, 4), 0);
    cr_expect(got[0] == 0x00 && got[1] == 0x00 && got[2] == 0x01 && got[3] == 0x00, "stored %02x %02x %02x %02x",
              got[0], got[1], got[2], got[3]);
    cr_expect_eq(buf_byte(&t, BUF + 0x304), buf_init(BUF + 0x304), "a third element was stored");
    xvm_close(&t);
}

/* ---- the port tables ------------------------------------------------------------------------------- */

Test(x86_exits_ports, registration)
{
    struct xvm t;
    static const uint8_t nop[] = {0x90};
    struct portdev d;
    portdev_init(&d);
    xvm_open(&t, nop, 1);
    cr_expect_eq(vmf_x86_add_ports(t.vm, 0x100, 0x10f, pd_in, pd_out, &d, "dev100"), 0);
    cr_expect_eq(vmf_x86_add_ports(t.vm, 0x100, 0x10f, pd_in, pd_out, &d, "same"), VMF_EBUSY);
    cr_expect_eq(vmf_x86_add_ports(t.vm, 0x104, 0x104, pd_in, pd_out, &d, "inside"), VMF_EBUSY);
    cr_expect_eq(vmf_x86_add_ports(t.vm, 0x0f0, 0x100, pd_in, pd_out, &d, "first"), VMF_EBUSY);
    cr_expect_eq(vmf_x86_add_ports(t.vm, 0x10f, 0x120, pd_in, pd_out, &d, "last"), VMF_EBUSY);
    cr_expect_eq(vmf_x86_add_ports(t.vm, 0x000, 0xffff, pd_in, pd_out, &d, "around"), VMF_EBUSY);
    cr_expect_eq(vmf_x86_add_ports(t.vm, 0x0f0, 0x0ff, pd_in, pd_out, &d, "below"), 0);
    cr_expect_eq(vmf_x86_add_ports(t.vm, 0x110, 0x110, NULL, pd_out, &d, "above"), 0);
    cr_expect_eq(vmf_x86_add_ports(t.vm, 0xffff, 0xffff, pd_in, NULL, &d, NULL), 0);
    cr_expect_eq(vmf_x86_add_ports(t.vm, 0x200, 0x1ff, pd_in, pd_out, &d, "backwards"), VMF_EINVAL);
    vm_ioport_interface_t io = {.cookie = &d, .desc = "sel4dev"};
    cr_expect_eq(vm_io_port_add_handler(t.vm, (vm_ioport_range_t){0x108, 0x118}, io), -1, "overlaps dev100");
    cr_expect_eq(vm_io_port_add_handler(t.vm, (vm_ioport_range_t){0x300, 0x307}, io), 0);
    cr_expect_eq(vmf_x86_add_ports(t.vm, 0x307, 0x307, pd_in, pd_out, &d, "x"), VMF_EBUSY, "overlaps sel4dev");
    cr_expect_str_eq(vmf_x86_port_owner(t.vm, 0x100), "dev100");
    cr_expect_str_eq(vmf_x86_port_owner(t.vm, 0x10f), "dev100");
    cr_expect_str_eq(vmf_x86_port_owner(t.vm, 0x0f0), "below");
    cr_expect_str_eq(vmf_x86_port_owner(t.vm, 0x110), "above");
    cr_expect_str_eq(vmf_x86_port_owner(t.vm, 0x303), "sel4dev");
    cr_expect_not_null(vmf_x86_port_owner(t.vm, 0xffff));
    cr_expect_null(vmf_x86_port_owner(t.vm, 0x111));
    cr_expect_null(vmf_x86_port_owner(t.vm, 0x0ef));
    xvm_close(&t);
}

/* libsel4vm's interface: a handled IN, an IN the handler leaves unhandled
 * (reads all ones), an OUT it leaves unhandled (dropped), a range with no
 * port_in, and IO_FAULT_ERROR. */
struct sel4port {
    unsigned n;
    unsigned port[8], size[8], value[8];
    ioport_fault_result_t result;
};

static ioport_fault_result_t s4_in(void *cookie, unsigned int port_no, unsigned int size, unsigned int *result)
{
    struct sel4port *p = cookie;
    if (p->n < 8)
        p->port[p->n] = port_no, p->size[p->n] = size;
    p->n++;
    *result = 0x87654321u;
    return p->result;
}

static ioport_fault_result_t s4_out(void *cookie, unsigned int port_no, unsigned int size, unsigned int value)
{
    struct sel4port *p = cookie;
    if (p->n < 8)
        p->port[p->n] = port_no, p->size[p->n] = size, p->value[p->n] = value;
    p->n++;
    return p->result;
}

Test(x86_exits_ports, sel4vm_handlers)
{
    // clang-format off
    static const uint8_t code[] = {
        0xe4, 0x71,       /* in al, 0x71 */
        0x48, 0x89, 0xc3, /* mov rbx, rax */
        0x66, 0xe5, 0x72, /* in ax, 0x72 */
        0x48, 0x89, 0xc1, /* mov rcx, rax */
        0xe7, 0x70,       /* out 0x70, eax */
        0xe5, 0x90,       /* in eax, 0x90 (a range with no port_in) */
    };
    // clang-format on
    static const ioport_fault_result_t results[] = {IO_FAULT_HANDLED, IO_FAULT_UNHANDLED};
    for (unsigned i = 0; i < NELEM(results); i++) {
        struct xvm t;
        struct sel4port p = {.result = results[i]}, q = {.result = IO_FAULT_HANDLED};
        xvm_open(&t, code, sizeof(code));
        vm_ioport_interface_t io = {.cookie = &p, .port_in = s4_in, .port_out = s4_out, .desc = "cmos"};
        cr_assert_eq(vm_io_port_add_handler(t.vm, (vm_ioport_range_t){0x70, 0x72}, io), 0);
        vm_ioport_interface_t outonly = {.cookie = &q, .port_out = s4_out, .desc = "outonly"};
        cr_assert_eq(vm_io_port_add_handler(t.vm, (vm_ioport_range_t){0x90, 0x90}, outonly), 0);
        W(&t, RAX, 0x1122334455667788ull);
        vmf_exit ex = run(&t);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "result %d: %s %s", results[i], vmf_exit_name(ex.exitcode),
                     ex.u.error.message);
        cr_expect_eq(p.n, 3);
        cr_expect(p.port[0] == 0x71 && p.size[0] == 1 && p.port[1] == 0x72 && p.size[1] == 2);
        cr_expect(p.port[2] == 0x70 && p.size[2] == 4);
        if (results[i] == IO_FAULT_HANDLED) {
            cr_expect_eq(R(&t, RBX), 0x1122334455667721ull, "RBX 0x%llx", (unsigned long long)R(&t, RBX));
            cr_expect_eq(R(&t, RCX), 0x1122334455664321ull, "RCX 0x%llx", (unsigned long long)R(&t, RCX));
        } else { /* libsel4vm: an unhandled IN reads all ones */
            cr_expect_eq(R(&t, RBX), 0x11223344556677ffull, "RBX 0x%llx", (unsigned long long)R(&t, RBX));
            cr_expect_eq(R(&t, RCX), 0x112233445566ffffull, "RCX 0x%llx", (unsigned long long)R(&t, RCX));
        }
        cr_expect_eq(p.value[2], (uint32_t)R(&t, RCX));
        cr_expect_eq(q.n, 0);
        cr_expect_eq(R(&t, RAX), 0xffffffffull, "no port_in: all ones, RAX 0x%llx", (unsigned long long)R(&t, RAX));
        cr_expect_eq(vmf_vcpu_icount(t.c), 7);
        xvm_close(&t);
    }
    /* IO_FAULT_ERROR stops the run; the instruction does not happen */
    struct xvm t;
    struct sel4port p = {.result = IO_FAULT_ERROR};
    xvm_open(&t, code, sizeof(code));
    vm_ioport_interface_t io = {.cookie = &p, .port_in = s4_in, .port_out = s4_out, .desc = "cmos"};
    cr_assert_eq(vm_io_port_add_handler(t.vm, (vm_ioport_range_t){0x70, 0x72}, io), 0);
    W(&t, RAX, 0x1122334455667788ull);
    vmf_exit ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_ERROR, "%s", vmf_exit_name(ex.exitcode));
    cr_expect_eq(ex.pc, CODE);
    cr_expect_eq(R(&t, RAX), 0x1122334455667788ull);
    cr_expect_eq(R(&t, VMF_X86_REG_RIP), CODE);
    xvm_close(&t);
}

struct unh {
    unsigned n;
    vm_t *vm;
    unsigned port[8];
    bool in[8];
    size_t size[8];
    unsigned value[8];
    ioport_fault_result_t result;
};

static ioport_fault_result_t unhandled_cb(vm_t *vm, unsigned int port_no, bool is_in, unsigned int *value, size_t size,
                                          void *cookie)
{
    struct unh *u = cookie;
    u->vm = vm;
    if (u->n < 8) {
        u->port[u->n] = port_no;
        u->in[u->n] = is_in;
        u->size[u->n] = size;
        u->value[u->n] = is_in ? 0 : *value;
    }
    u->n++;
    if (is_in)
        *value = 0x0badf00du;
    return u->result;
}

/* vm_register_unhandled_ioport_callback sees every port no range covers. */
Test(x86_exits_ports, unhandled_ioport_callback)
{
    // clang-format off
    static const uint8_t code[] = {
        0x66, 0xe5, 0x40, /* in ax, 0x40 */
        0x48, 0x89, 0xc3, /* mov rbx, rax */
        0xee,             /* out dx, al */
        0xe4, 0x60,       /* in al, 0x60 (registered) */
    };
    // clang-format on
    static const ioport_fault_result_t results[] = {IO_FAULT_HANDLED, IO_FAULT_UNHANDLED};
    for (unsigned i = 0; i < NELEM(results); i++) {
        struct xvm t;
        struct unh u = {.result = results[i]};
        struct portdev d;
        portdev_init(&d);
        xvm_open(&t, code, sizeof(code));
        cr_assert_eq(vm_register_unhandled_ioport_callback(t.vm, unhandled_cb, &u), 0);
        cr_assert_eq(vmf_x86_add_ports(t.vm, 0x60, 0x60, pd_in, pd_out, &d, "kbd"), 0);
        W(&t, RAX, 0x1122334455667788ull);
        W(&t, RDX, 0x3f9);
        vmf_exit ex = run(&t);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s", vmf_exit_name(ex.exitcode));
        cr_assert_eq(u.n, 2);
        cr_expect_eq(u.vm, t.vm);
        cr_expect(u.port[0] == 0x40 && u.in[0] && u.size[0] == 2);
        cr_expect(u.port[1] == 0x3f9 && !u.in[1] && u.size[1] == 1);
        uint64_t rbx = results[i] == IO_FAULT_HANDLED ? 0x112233445566f00dull : 0x112233445566ffffull;
        cr_expect_eq(R(&t, RBX), rbx, "RBX 0x%llx", (unsigned long long)R(&t, RBX));
        cr_expect_eq(u.value[1], rbx & 0xff);
        cr_expect_eq(d.n, 1, "the registered port went to its range");
        xvm_close(&t);
    }
    struct xvm t;
    static const uint8_t nop[] = {0x90};
    xvm_open(&t, nop, 1);
    cr_expect_eq(vm_register_unhandled_ioport_callback(t.vm, NULL, NULL), -1);
    xvm_close(&t);
}

/* ---- CPUID ------------------------------------------------------------------------------------------ */

static void cpuid(struct xvm *t, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    W(t, RAX, 0xffffffff00000000ull | leaf);
    W(t, RCX, 0xffffffff00000000ull | subleaf);
    W(t, RBX, 0xffffffffffffffffull);
    W(t, RDX, 0xffffffffffffffffull);
    W(t, VMF_X86_REG_RIP, CODE);
    vmf_exit ex = run(t);
    cr_assert_eq(ex.exitcode, VMF_EXIT_HLT, "leaf 0x%x: %s", leaf, vmf_exit_name(ex.exitcode));
    cr_assert_eq(ex.pc, CODE + 2);
    static const unsigned regs[4] = {RAX, RBX, RCX, RDX};
    for (unsigned i = 0; i < 4; i++) {
        uint64_t v = R(t, regs[i]);
        cr_expect_eq(v >> 32, 0, "leaf 0x%x: bits 63:32 of register %u not cleared", leaf, i);
        out[i] = (uint32_t)v;
    }
}

static void regs_text(const uint32_t *r, unsigned n, char *s)
{
    for (unsigned i = 0; i < n; i++)
        for (unsigned b = 0; b < 4; b++)
            s[4 * i + b] = (char)(r[i] >> (8 * b));
    s[4 * n] = 0;
}

Test(x86_exits_cpuid, default_table)
{
    static const uint8_t code[] = {0x0f, 0xa2}; /* cpuid */
    struct xvm t;
    xvm_open(&t, code, sizeof(code));
    uint32_t r[4], v[3];
    char s[16];
    cpuid(&t, 0, 0, r);
    cr_expect_eq(r[0], 1, "max basic leaf %u", r[0]);
    v[0] = r[1], v[1] = r[3], v[2] = r[2]; /* EBX EDX ECX */
    regs_text(v, 3, s);
    cr_expect_str_eq(s, "vmfaultVMFLT");
    cpuid(&t, 1, 0, r);
    cr_expect_eq(r[0], 0x600, "family/model/stepping 0x%x", r[0]);
    cr_expect(r[2] & (1u << 31), "no hypervisor bit: ECX 0x%x", r[2]);
    cr_expect(r[3] & (1u << 4), "no TSC bit: EDX 0x%x", r[3]);
    cr_expect(r[3] & (1u << 5), "no MSR bit: EDX 0x%x", r[3]);
    cpuid(&t, 1, 7, r); /* the subleaf does not matter */
    cr_expect(r[2] & (1u << 31));
    cpuid(&t, 0x40000000, 0, r);
    cr_expect_eq(r[0], 0x40000000);
    regs_text(r + 1, 3, s); /* EBX ECX EDX */
    cr_expect_str_eq(s, "vmfault     ");
    cpuid(&t, 2, 0, r);
    cr_expect(!r[0] && !r[1] && !r[2] && !r[3], "an unknown leaf reads 0");
    cpuid(&t, 0x80000000, 0, r);
    cr_expect(!r[0] && !r[1] && !r[2] && !r[3]);
    cr_expect_eq(vmf_vcpu_icount(t.c), 2 * 6, "each CPUID retires once (plus the HLT)");
    uint32_t l[4];
    vmf_x86_cpuid_lookup(t.vm, 0x40000000, 3, l);
    cr_expect_eq(l[0], 0x40000000);
    xvm_close(&t);
}

Test(x86_exits_cpuid, set_with_subleaves)
{
    static const uint8_t code[] = {0x0f, 0xa2}; /* cpuid */
    struct xvm t;
    xvm_open(&t, code, sizeof(code));
    const uint32_t s0[4] = {0x10, 0x11, 0x12, 0x13}, s1[4] = {0x20, 0x21, 0x22, 0x23},
                   any[4] = {0x30, 0x31, 0x32, 0x33};
    const uint32_t l0[4] = {7, 0x41414141, 0x43434343, 0x42424242}, s1b[4] = {0x50, 0x51, 0x52, 0x53};
    cr_assert_eq(vmf_x86_set_cpuid(t.vm, 7, 0, s0), 0);
    cr_assert_eq(vmf_x86_set_cpuid(t.vm, 7, 1, s1), 0);
    cr_assert_eq(vmf_x86_set_cpuid(t.vm, 7, VMF_X86_ANY_SUBLEAF, any), 0);
    cr_assert_eq(vmf_x86_set_cpuid(t.vm, 0, VMF_X86_ANY_SUBLEAF, l0), 0); /* replaces the default */
    cr_expect_eq(vmf_x86_set_cpuid(t.vm, 0, 0, NULL), VMF_EINVAL);
    uint32_t r[4];
    cpuid(&t, 7, 0, r);
    cr_expect(!memcmp(r, s0, sizeof(r)), "7/0: %x %x %x %x", r[0], r[1], r[2], r[3]);
    cpuid(&t, 7, 1, r);
    cr_expect(!memcmp(r, s1, sizeof(r)), "7/1: %x %x %x %x", r[0], r[1], r[2], r[3]);
    cpuid(&t, 7, 5, r);
    cr_expect(!memcmp(r, any, sizeof(r)), "7/5: %x %x %x %x", r[0], r[1], r[2], r[3]);
    cpuid(&t, 0, 0, r);
    cr_expect(!memcmp(r, l0, sizeof(r)), "0: %x %x %x %x", r[0], r[1], r[2], r[3]);
    cr_assert_eq(vmf_x86_set_cpuid(t.vm, 7, 1, s1b), 0); /* set again: replaced */
    cpuid(&t, 7, 1, r);
    cr_expect(!memcmp(r, s1b, sizeof(r)), "7/1 again: %x %x %x %x", r[0], r[1], r[2], r[3]);
    uint32_t l[4];
    vmf_x86_cpuid_lookup(t.vm, 7, 0, l);
    cr_expect(!memcmp(l, s0, sizeof(l)));
    vmf_x86_cpuid_lookup(t.vm, 8, 0, l);
    cr_expect(!l[0] && !l[1] && !l[2] && !l[3]);
    xvm_close(&t);
}

/* ---- MSRs ----------------------------------------------------------------------------------------- */

Test(x86_exits_msr, store_round_trip)
{
    // clang-format off
    static const uint8_t code[] = {
        0x0f, 0x30,       /* wrmsr (ECX 0x1234) */
        0x31, 0xc0,       /* xor eax, eax */
        0x31, 0xd2,       /* xor edx, edx */
        0x0f, 0x32,       /* rdmsr */
    };
    // clang-format on
    struct xvm t;
    xvm_open(&t, code, sizeof(code));
    W(&t, RCX, 0xffffffff00001234ull);
    W(&t, RAX, 0xffffffff89abcdefull);
    W(&t, RDX, 0xffffffff01234567ull);
    vmf_exit ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s %s", vmf_exit_name(ex.exitcode), ex.u.error.message);
    cr_expect_eq(R(&t, RAX), 0x89abcdefull);
    cr_expect_eq(R(&t, RDX), 0x01234567ull);
    uint64_t v = 0;
    cr_expect_eq(vmf_x86_msr_get(t.c, 0x1234, &v), 0);
    cr_expect_eq(v, 0x0123456789abcdefull);
    cr_expect_eq(vmf_x86_msr_get(t.c, 0x1235, &v), VMF_ENOENT);
    cr_expect_eq(vmf_x86_msr_set(t.c, 0x1235, 42), 0);
    cr_expect_eq(vmf_x86_msr_get(t.c, 0x1235, &v), 0);
    cr_expect_eq(v, 42);
    cr_expect_eq(vmf_x86_msr_get(t.c, 0x1235, NULL), VMF_EINVAL);
    xvm_close(&t);
}

/* An MSR the store does not have: an RDMSR exit, RIP on it; the caller
 * answers in EDX:EAX and advances.  WRMSR of EFER and IA32_TSC are exits too. */
Test(x86_exits_msr, unknown_and_refused)
{
    // clang-format off
    static const uint8_t code[] = {
        0x0f, 0x32,                   /* rdmsr (ECX 0x8b: IA32_BIOS_SIGN_ID, not in the store) */
        0x48, 0x89, 0xc3,             /* mov rbx, rax */
        0xb9, 0x80, 0x00, 0x00, 0xc0, /* mov ecx, 0xc0000080 (EFER) */
        0xb8, 0x01, 0x0d, 0x00, 0x00, /* mov eax, 0xd01 */
        0x31, 0xd2,                   /* xor edx, edx */
        0x0f, 0x30,                   /* wrmsr */
    };
    // clang-format on
    struct xvm t;
    xvm_open(&t, code, sizeof(code));
    W(&t, RCX, 0x8b);
    vmf_exit ex = run(&t);
    cr_assert_eq(ex.exitcode, VMF_EXIT_RDMSR, "%s", vmf_exit_name(ex.exitcode));
    cr_expect_eq(ex.u.msr.code, 0x8b);
    cr_expect_eq(ex.pc, CODE);
    cr_expect_eq(ex.inst_length, 2);
    cr_expect_eq(R(&t, VMF_X86_REG_RIP), CODE);
    W(&t, RAX, 0x77);
    W(&t, RDX, 0);
    cr_expect_eq(vmf_x86_advance(t.c), 0);
    ex = run(&t);
    cr_assert_eq(ex.exitcode, VMF_EXIT_WRMSR, "%s", vmf_exit_name(ex.exitcode));
    cr_expect_eq(ex.u.msr.code, 0xc0000080);
    cr_expect_eq(ex.u.msr.wval, 0xd01);
    cr_expect_eq(ex.pc, CODE + 17);
    cr_expect_eq(R(&t, RBX), 0x77);
    uint64_t efer;
    cr_expect_eq(vmf_reg_read(t.c, VMF_X86_REG_EFER, &efer), 0);
    cr_expect_eq(efer, 0x500, "EFER changed: 0x%llx", (unsigned long long)efer);
    cr_expect_eq(vmf_x86_advance(t.c), 0);
    ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
    cr_expect_eq(vmf_vcpu_icount(t.c), 7);
    xvm_close(&t);

    static const uint8_t wrtsc[] = {0x0f, 0x30}; /* wrmsr (ECX 0x10: IA32_TSC) */
    xvm_open(&t, wrtsc, sizeof(wrtsc));
    W(&t, RCX, 0x10);
    ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_WRMSR, "%s", vmf_exit_name(ex.exitcode));
    cr_expect_eq(ex.u.msr.code, 0x10);
    xvm_close(&t);
}

/* IA32_TSC reads virtual time; EFER reads the CPU's. */
Test(x86_exits_msr, tsc_and_efer)
{
    // clang-format off
    static const uint8_t code[] = {
        0x90, 0x90, 0x90, /* nop; nop; nop */
        0x0f, 0x32,       /* rdmsr (ECX 0x10) */
        0x48, 0x89, 0xc3, /* mov rbx, rax */
        0xb9, 0x80, 0x00, 0x00, 0xc0, /* mov ecx, 0xc0000080 */
        0x0f, 0x32,       /* rdmsr */
    };
    // clang-format on
    struct xvm t;
    xvm_open(&t, code, sizeof(code));
    W(&t, RCX, 0x10);
    vmf_exit ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s", vmf_exit_name(ex.exitcode));
    cr_expect_eq(R(&t, RBX), 3, "IA32_TSC read %llu, 3 instructions retired before it", (unsigned long long)R(&t, RBX));
    cr_expect_eq(R(&t, RAX), 0x500, "EFER 0x%llx", (unsigned long long)R(&t, RAX));
    cr_expect_eq(R(&t, RDX), 0);
    uint64_t v;
    cr_expect_eq(vmf_x86_msr_get(t.c, 0x10, &v), 0);
    cr_expect_eq(v, vmf_vcpu_icount(t.c));
    xvm_close(&t);
}

/* WRMSR of FS_BASE / GS_BASE moves the segment an FS/GS access uses. */
Test(x86_exits_msr, fs_gs_base)
{
    // clang-format off
    static const uint8_t code[] = {
        0x0f, 0x30,                                     /* wrmsr (ECX 0xc0000100: FS_BASE = BUF + 0x100) */
        0x64, 0x8b, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00, /* mov eax, dword ptr fs:[0x10] */
        0x48, 0x89, 0xc3,                               /* mov rbx, rax */
        0xb9, 0x01, 0x01, 0x00, 0xc0,                   /* mov ecx, 0xc0000101 */
        0xb8, 0x00, 0x02, 0x01, 0x00,                   /* mov eax, 0x10200 */
        0x31, 0xd2,                                     /* xor edx, edx */
        0x0f, 0x30,                                     /* wrmsr (GS_BASE = BUF + 0x200) */
        0x65, 0x48, 0x8b, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00, /* mov rax, qword ptr gs:[0x8] */
    };
    // clang-format on
    struct xvm t;
    xvm_open(&t, code, sizeof(code));
    W(&t, RCX, 0xc0000100);
    W(&t, RAX, BUF + 0x100);
    W(&t, RDX, 0);
    vmf_exit ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s %s", vmf_exit_name(ex.exitcode), ex.u.error.message);
    uint32_t want32 = 0;
    uint64_t want64 = 0;
    for (unsigned i = 0; i < 8; i++) {
        if (i < 4)
            want32 |= (uint32_t)buf_init(BUF + 0x110 + i) << (8 * i);
        want64 |= (uint64_t)buf_init(BUF + 0x208 + i) << (8 * i);
    }
    cr_expect_eq(R(&t, RBX), want32, "fs:[0x10] read 0x%llx", (unsigned long long)R(&t, RBX));
    cr_expect_eq(R(&t, RAX), want64, "gs:[0x8] read 0x%llx", (unsigned long long)R(&t, RAX));
    cr_expect_eq(R(&t, VMF_X86_REG_FS_BASE), BUF + 0x100);
    cr_expect_eq(R(&t, VMF_X86_REG_GS_BASE), BUF + 0x200);
    uint64_t v;
    cr_expect_eq(vmf_x86_msr_get(t.c, 0xc0000101, &v), 0);
    cr_expect_eq(v, BUF + 0x200);
    xvm_close(&t);
}

/* ---- VMCALL ------------------------------------------------------------------------------------------ */

struct vmc {
    unsigned n;
    uint64_t nr, args[4];
    vmf_vcpu *vcpu;
    int ret;
};

static int vmcall_fn(vmf_vcpu *vcpu, uint64_t nr, const uint64_t args[4], uint64_t *result, void *cookie)
{
    struct vmc *c = cookie;
    c->n++;
    c->nr = nr;
    c->vcpu = vcpu;
    memcpy(c->args, args, sizeof(c->args));
    *result = args[0] + args[1] + args[2] + args[3];
    return c->ret;
}

// clang-format off
static const uint8_t VMCALL_PROG[] = {
    0x0f, 0x01, 0xc1, /* vmcall */
    0x48, 0xff, 0xc3, /* inc rbx */
};
// clang-format on

Test(x86_exits_vmcall, native_handler)
{
    struct xvm t;
    struct vmc c = {0};
    xvm_open(&t, VMCALL_PROG, sizeof(VMCALL_PROG));
    cr_assert_eq(vmf_x86_set_vmcall(t.vm, 0x1000000007ull, vmcall_fn, &c), 0);
    cr_expect_eq(vmf_x86_set_vmcall(t.vm, 0x1000000007ull, vmcall_fn, &c), VMF_EBUSY);
    cr_expect_eq(vmf_x86_set_vmcall(t.vm, 8, NULL, &c), VMF_EINVAL);
    W(&t, RAX, 0x1000000007ull);
    W(&t, RBX, 1);
    W(&t, RCX, 20);
    W(&t, RDX, 300);
    W(&t, RSI, 4000);
    vmf_exit ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s %s", vmf_exit_name(ex.exitcode), ex.u.error.message);
    cr_expect_eq(c.n, 1);
    cr_expect_eq(c.nr, 0x1000000007ull);
    cr_expect(c.args[0] == 1 && c.args[1] == 20 && c.args[2] == 300 && c.args[3] == 4000);
    cr_expect_eq(c.vcpu, t.c);
    cr_expect_eq(R(&t, RAX), 4321, "result to RAX: %llu", (unsigned long long)R(&t, RAX));
    cr_expect_eq(R(&t, RBX), 2, "the instruction after VMCALL");
    cr_expect_eq(vmf_vcpu_icount(t.c), 3);
    xvm_close(&t);

    /* a handler that fails stops the run on the VMCALL */
    c = (struct vmc){.ret = -1};
    xvm_open(&t, VMCALL_PROG, sizeof(VMCALL_PROG));
    cr_assert_eq(vmf_x86_set_vmcall(t.vm, 7, vmcall_fn, &c), 0);
    W(&t, RAX, 7);
    ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_ERROR, "%s", vmf_exit_name(ex.exitcode));
    cr_expect(strstr(ex.u.error.message, "VMCALL") != NULL, "message '%s'", ex.u.error.message);
    cr_expect_eq(ex.pc, CODE);
    cr_expect_eq(R(&t, RAX), 7);
    cr_expect_eq(R(&t, VMF_X86_REG_RIP), CODE);
    xvm_close(&t);
}

static int sel4_calls;

static int sel4_vmcall(vm_vcpu_t *vcpu)
{
    seL4_Word a = 0, b = 0, c = 0, d = 0, si = 0, di = 0, bp = 0;
    sel4_calls++;
    cr_expect_eq(vm_get_thread_context_reg(vcpu, VCPU_CONTEXT_EAX, &a), 0);
    cr_expect_eq(vm_get_thread_context_reg(vcpu, VCPU_CONTEXT_EBX, &b), 0);
    cr_expect_eq(vm_get_thread_context_reg(vcpu, VCPU_CONTEXT_ECX, &c), 0);
    cr_expect_eq(vm_get_thread_context_reg(vcpu, VCPU_CONTEXT_EDX, &d), 0);
    cr_expect_eq(vm_get_thread_context_reg(vcpu, VCPU_CONTEXT_ESI, &si), 0);
    cr_expect_eq(vm_get_thread_context_reg(vcpu, VCPU_CONTEXT_EDI, &di), 0);
    cr_expect_eq(vm_get_thread_context_reg(vcpu, VCPU_CONTEXT_EBP, &bp), 0);
    cr_expect(a == 0x42 && b == 1 && c == 2 && d == 3 && si == 4 && di == 5 && bp == 6, "%llu %llu %llu %llu",
              (unsigned long long)a, (unsigned long long)b, (unsigned long long)c, (unsigned long long)d);
    cr_expect_eq(vm_get_thread_context_reg(vcpu, (vcpu_context_reg_t)99, &a), -1);
    cr_expect_eq(vm_set_thread_context_reg(vcpu, (vcpu_context_reg_t)99, 0), -1);
    cr_expect_eq(vm_set_thread_context_reg(vcpu, VCPU_CONTEXT_EAX, b + c + d), 0);
    cr_expect_eq(vm_set_thread_context_reg(vcpu, VCPU_CONTEXT_EDI, 0x5555), 0);
    return 0;
}

Test(x86_exits_vmcall, sel4vm_handler)
{
    struct xvm t;
    sel4_calls = 0;
    xvm_open(&t, VMCALL_PROG, sizeof(VMCALL_PROG));
    cr_assert_eq(vm_reg_new_vmcall_handler(t.vm, sel4_vmcall, 0x42), 0);
    cr_expect_eq(vm_reg_new_vmcall_handler(t.vm, sel4_vmcall, 0x42), -1, "the token is taken");
    cr_expect_eq(vm_reg_new_vmcall_handler(t.vm, NULL, 0x43), -1);
    W(&t, RAX, 0x42);
    W(&t, RBX, 1);
    W(&t, RCX, 2);
    W(&t, RDX, 3);
    W(&t, RSI, 4);
    W(&t, RDI, 5);
    W(&t, RBP, 6);
    vmf_exit ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s %s", vmf_exit_name(ex.exitcode), ex.u.error.message);
    cr_expect_eq(sel4_calls, 1);
    cr_expect_eq(R(&t, RAX), 6);
    cr_expect_eq(R(&t, RDI), 0x5555);
    cr_expect_eq(R(&t, RBX), 2);
    xvm_close(&t);
}

/* No handler for the call: a VMCALL exit with RAX and the arguments, RIP on
 * it; the caller answers and advances. */
Test(x86_exits_vmcall, unhandled)
{
    struct xvm t;
    struct vmc c = {0};
    xvm_open(&t, VMCALL_PROG, sizeof(VMCALL_PROG));
    cr_assert_eq(vmf_x86_set_vmcall(t.vm, 1, vmcall_fn, &c), 0);
    W(&t, RAX, 2);
    W(&t, RBX, 11);
    W(&t, RCX, 12);
    W(&t, RDX, 13);
    W(&t, RSI, 14);
    vmf_exit ex = run(&t);
    cr_assert_eq(ex.exitcode, VMF_EXIT_VMCALL, "%s", vmf_exit_name(ex.exitcode));
    cr_expect_eq(ex.u.vmcall.nr, 2);
    cr_expect(ex.u.vmcall.args[0] == 11 && ex.u.vmcall.args[1] == 12 && ex.u.vmcall.args[2] == 13 &&
              ex.u.vmcall.args[3] == 14);
    cr_expect_eq(ex.pc, CODE);
    cr_expect_eq(ex.inst_length, 3);
    cr_expect_eq(R(&t, VMF_X86_REG_RIP), CODE);
    cr_expect_eq(c.n, 0);
    W(&t, RAX, 0xffff);
    cr_expect_eq(vmf_x86_advance(t.c), 0);
    cr_expect_eq(vmf_x86_advance(t.c), 0, "a second advance is harmless");
    cr_expect_eq(R(&t, VMF_X86_REG_RIP), CODE + 3);
    ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
    cr_expect_eq(R(&t, RBX), 12);
    cr_expect_eq(vmf_vcpu_icount(t.c), 3);
    xvm_close(&t);
}

/* ---- HLT, INVD, WBINVD ----------------------------------------------------------------------------- */

Test(x86_exits_misc, hlt)
{
    static const uint8_t code[] = {0x90, 0xf4, 0x90}; /* nop; hlt; nop */
    struct xvm t;
    xvm_open(&t, code, sizeof(code));
    vmf_exit ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
    cr_expect_eq(ex.pc, CODE + 1);
    cr_expect_eq(ex.inst_length, 1);
    cr_expect_eq(ex.u.hlt.wake_at, UINT64_MAX);
    cr_expect_eq(R(&t, VMF_X86_REG_RIP), CODE + 2, "RIP past the HLT");
    cr_expect_eq(vmf_vcpu_icount(t.c), 2);
    cr_expect_eq(ex.icount, 2);
    /* with IF = 0 nothing can wake it */
    W(&t, VMF_X86_REG_RFLAGS, 0x2);
    ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_SUSPENDED, "%s", vmf_exit_name(ex.exitcode));
    cr_expect_eq(ex.u.suspended.how, VMF_SUSPEND_HALT);
    cr_expect_eq(ex.pc, CODE + 3);
    cr_expect_eq(R(&t, VMF_X86_REG_RIP), CODE + 4);
    xvm_close(&t);
}

struct obs {
    unsigned n;
    int code[16], result[16];
    bool wb[16];
};

static void observer(vmf_vcpu *vcpu, const vmf_exit *exit, int result, void *cookie)
{
    (void)vcpu;
    struct obs *o = cookie;
    if (o->n < 16) {
        o->code[o->n] = exit->exitcode;
        o->result[o->n] = result;
        o->wb[o->n] = exit->exitcode == VMF_EXIT_INVD && exit->u.invd.wb;
    }
    o->n++;
}

/* INVD and WBINVD do nothing by default; the observer sees every exit the
 * dispatcher handles or returns, with its result. */
Test(x86_exits_misc, invd_and_the_observer)
{
    // clang-format off
    static const uint8_t code[] = {
        0x0f, 0x08,       /* invd */
        0x0f, 0x09,       /* wbinvd */
        0x0f, 0xa2,       /* cpuid */
        0xe4, 0x60,       /* in al, 0x60 (registered) */
        0x0f, 0x31,       /* rdtsc (not an exit) */
        0x0f, 0x01, 0xc1, /* vmcall (no handler) */
        0xf4,             /* hlt */
    };
    // clang-format on
    struct xvm t;
    struct obs o = {0};
    struct portdev d;
    portdev_init(&d);
    xvm_open(&t, code, sizeof(code));
    cr_assert_eq(vmf_x86_add_ports(t.vm, 0x60, 0x60, pd_in, pd_out, &d, "kbd"), 0);
    cr_assert_eq(vmf_x86_set_exit_observer(t.vm, observer, &o), 0);
    vmf_exit ex = run(&t);
    cr_assert_eq(ex.exitcode, VMF_EXIT_VMCALL, "%s", vmf_exit_name(ex.exitcode));
    cr_expect_eq(vmf_x86_advance(t.c), 0);
    ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
    static const int want_code[] = {VMF_EXIT_INVD,  VMF_EXIT_INVD,   VMF_EXIT_CPUID,
                                    VMF_EXIT_INOUT, VMF_EXIT_VMCALL, VMF_EXIT_HLT};
    static const int want_result[] = {VMF_X86_HANDLED, VMF_X86_HANDLED,   VMF_X86_HANDLED,
                                      VMF_X86_HANDLED, VMF_X86_UNHANDLED, VMF_X86_UNHANDLED};
    cr_assert_eq(o.n, NELEM(want_code), "%u exits observed", o.n);
    for (unsigned i = 0; i < NELEM(want_code); i++) {
        cr_expect_eq(o.code[i], want_code[i], "exit %u: %s", i, vmf_exit_name(o.code[i]));
        cr_expect_eq(o.result[i], want_result[i], "exit %u: result %d", i, o.result[i]);
    }
    cr_expect(!o.wb[0] && o.wb[1], "INVD / WBINVD told apart");
    cr_expect_eq(vmf_vcpu_icount(t.c), 7);
    cr_expect_eq(vmf_x86_set_exit_observer(t.vm, NULL, NULL), 0);
    xvm_close(&t);
}

/* ---- overriding the handlers ---------------------------------------------------------------------- */

struct ovr {
    unsigned n;
    int code;
    int ret;       /* what to return */
    bool chain;    /* call vmf_x86_default_handler first */
    bool advance;  /* call vmf_x86_advance */
    uint64_t leaf; /* CPUID leaf seen */
};

static int override(vmf_vcpu *vcpu, vmf_exit *exit, void *cookie)
{
    struct ovr *o = cookie;
    o->n++;
    o->code = exit->exitcode;
    if (exit->exitcode == VMF_EXIT_CPUID)
        o->leaf = exit->u.cpuid.leaf;
    int r = VMF_X86_HANDLED;
    if (o->chain)
        r = vmf_x86_default_handler(vcpu, exit);
    if (exit->exitcode == VMF_EXIT_CPUID)
        cr_assert_eq(vmf_reg_write(vcpu, RBX, 0x0ddba11), 0);
    if (o->advance)
        cr_expect_eq(vmf_x86_advance(vcpu), 0);
    return o->ret ? o->ret : r;
}

Test(x86_exits_override, cpuid_chained_then_restored)
{
    static const uint8_t code[] = {0x0f, 0xa2}; /* cpuid */
    struct xvm t;
    struct ovr o = {.chain = true};
    xvm_open(&t, code, sizeof(code));
    cr_assert_eq(vmf_x86_set_exit_handler(t.vm, VMF_EXIT_CPUID, override, &o), 0);
    W(&t, RAX, 0);
    vmf_exit ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
    cr_expect_eq(o.n, 1);
    cr_expect_eq(o.leaf, 0);
    cr_expect_eq(R(&t, RAX), 1, "the default handler ran: EAX %llu", (unsigned long long)R(&t, RAX));
    cr_expect_eq(R(&t, RBX), 0x0ddba11, "the override's EBX");
    cr_expect_eq(R(&t, VMF_X86_REG_RIP), CODE + 3, "advanced once");
    /* restored */
    cr_assert_eq(vmf_x86_set_exit_handler(t.vm, VMF_EXIT_CPUID, NULL, NULL), 0);
    W(&t, VMF_X86_REG_RIP, CODE);
    W(&t, RAX, 0);
    ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
    cr_expect_eq(o.n, 1);
    cr_expect_eq(R(&t, RBX), 0x61666d76u, "\"vmfa\": EBX 0x%llx", (unsigned long long)R(&t, RBX));
    cr_expect_eq(vmf_x86_set_exit_handler(t.vm, VMF_EXIT_BUDGET, override, &o), VMF_EINVAL);
    cr_expect_eq(vmf_x86_set_exit_handler(t.vm, 99, override, &o), VMF_EINVAL);
    xvm_close(&t);
}

/* Every exit code can be overridden: HANDLED without advance steps past the
 * instruction (once), UNHANDLED leaves vmf_run with RIP on it, VMF_X86_ERROR
 * and a value that is no result stop the run with an ERROR naming the exit. */
Test(x86_exits_override, every_exit)
{
    // clang-format off
    static const struct {
        int code;
        uint8_t len, b[3];
        const char *name;
    } rows[] = {
        {VMF_EXIT_INOUT, 2, {0xe4, 0x60}, "INOUT"},       /* in al, 0x60 */
        {VMF_EXIT_RDMSR, 2, {0x0f, 0x32}, "RDMSR"},       /* rdmsr */
        {VMF_EXIT_WRMSR, 2, {0x0f, 0x30}, "WRMSR"},       /* wrmsr */
        {VMF_EXIT_CPUID, 2, {0x0f, 0xa2}, "CPUID"},       /* cpuid */
        {VMF_EXIT_VMCALL, 3, {0x0f, 0x01, 0xc1}, "VMCALL"}, /* vmcall */
        {VMF_EXIT_INVD, 2, {0x0f, 0x09}, "INVD"},         /* wbinvd */
        {VMF_EXIT_HLT, 1, {0xf4}, "HLT"},                 /* hlt */
    };
    // clang-format on
    static const int rets[] = {VMF_X86_HANDLED, VMF_X86_UNHANDLED, VMF_X86_ERROR, 5};
    for (unsigned i = 0; i < NELEM(rows); i++)
        for (unsigned k = 0; k < NELEM(rets); k++)
            for (unsigned adv = 0; adv < 2; adv++) {
                if (adv && rets[k] != VMF_X86_HANDLED)
                    continue;
                uint8_t code[4] = {0};
                memcpy(code, rows[i].b, rows[i].len);
                code[rows[i].len] = 0x90; /* nop, then the page's HLTs */
                struct xvm t;
                struct ovr o = {.ret = rets[k], .advance = adv != 0};
                xvm_open(&t, code, rows[i].len + 1u);
                cr_assert_eq(vmf_x86_set_exit_handler(t.vm, rows[i].code, override, &o), 0);
                W(&t, RAX, 0x1234);
                W(&t, RCX, 0x10);
                vmf_exit ex;
                cr_assert_eq(vmf_run(t.c, rows[i].code == VMF_EXIT_HLT ? 2 : 100, &ex), 0);
                cr_expect_eq(o.n, 1, "[%s ret %d] %u calls", rows[i].name, rets[k], o.n);
                cr_expect_eq(o.code, rows[i].code);
                cr_expect_eq(R(&t, RAX), 0x1234, "[%s ret %d] the default handler ran", rows[i].name, rets[k]);
                switch (rets[k]) {
                case VMF_X86_HANDLED:
                    if (rows[i].code == VMF_EXIT_HLT) {
                        cr_expect_eq(ex.exitcode, VMF_EXIT_BUDGET, "[%s] %s", rows[i].name, vmf_exit_name(ex.exitcode));
                        cr_expect_eq(R(&t, VMF_X86_REG_RIP), CODE + 2);
                        cr_expect_eq(ex.pc, CODE + 2, "[%s] BUDGET exit pc 0x%llx", rows[i].name,
                                     (unsigned long long)ex.pc);
                    } else {
                        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "[%s adv %u] %s", rows[i].name, adv,
                                     vmf_exit_name(ex.exitcode));
                        cr_expect_eq(ex.pc, CODE + rows[i].len + 1u, "[%s adv %u] did not step past it once",
                                     rows[i].name, adv);
                        cr_expect_eq(vmf_vcpu_icount(t.c), 3, "[%s adv %u] icount %llu", rows[i].name, adv,
                                     (unsigned long long)vmf_vcpu_icount(t.c));
                    }
                    break;
                case VMF_X86_UNHANDLED:
                    cr_expect_eq(ex.exitcode, rows[i].code, "[%s] %s", rows[i].name, vmf_exit_name(ex.exitcode));
                    cr_expect_eq(ex.pc, CODE);
                    if (rows[i].code != VMF_EXIT_HLT)
                        cr_expect_eq(R(&t, VMF_X86_REG_RIP), CODE);
                    break;
                default:
                    cr_expect_eq(ex.exitcode, VMF_EXIT_ERROR, "[%s ret %d] %s", rows[i].name, rets[k],
                                 vmf_exit_name(ex.exitcode));
                    cr_expect_eq(ex.u.error.status, VMF_EHANDLER);
                    cr_expect(strstr(ex.u.error.message, rows[i].name) != NULL, "[%s] message '%s'", rows[i].name,
                              ex.u.error.message);
                    cr_expect_eq(ex.pc, CODE);
                    cr_expect_eq(R(&t, VMF_X86_REG_RIP), CODE);
                    cr_expect_eq(vmf_vcpu_icount(t.c), 0);
                    break;
                }
                xvm_close(&t);
            }
}

/* ---- no host state: RDTSC, RDTSCP, RDRAND, RDSEED ------------------------------------------------ */

/* RDTSC and RDTSCP read virtual time (the instructions retired before them);
 * RDTSCP's ECX is IA32_TSC_AUX.  Two runs are identical. */
Test(x86_exits_host, rdtsc_is_virtual_time)
{
    // clang-format off
    static const uint8_t code[] = {
        0x90, 0x90,             /* nop; nop */
        0x0f, 0x31,             /* rdtsc */
        0x49, 0x89, 0xc0,       /* mov r8, rax */
        0x49, 0x89, 0xd1,       /* mov r9, rdx */
        0x0f, 0x01, 0xf9,       /* rdtscp */
    };
    // clang-format on
    uint64_t seen[2][4];
    for (unsigned k = 0; k < 2; k++) {
        struct xvm t;
        xvm_open(&t, code, sizeof(code));
        W(&t, RAX, 0xffffffffffffffffull);
        W(&t, RDX, 0xffffffffffffffffull);
        W(&t, RCX, 0xffffffffffffffffull);
        cr_assert_eq(vmf_x86_msr_set(t.c, 0xc0000103, 0x1234500000007ull), 0); /* IA32_TSC_AUX */
        vmf_exit ex = run(&t);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
        seen[k][0] = R(&t, R8);
        seen[k][1] = R(&t, R9);
        seen[k][2] = R(&t, RAX) | R(&t, RDX) << 32;
        seen[k][3] = R(&t, RCX);
        cr_expect_eq(seen[k][0], 2, "RDTSC EAX %llu", (unsigned long long)seen[k][0]);
        cr_expect_eq(seen[k][1], 0, "RDTSC EDX (and bits 63:32 of RDX) %llu", (unsigned long long)seen[k][1]);
        cr_expect_eq(seen[k][2], 5, "RDTSCP %llu", (unsigned long long)seen[k][2]);
        cr_expect_eq(seen[k][3], 7, "RDTSCP ECX: TSC_AUX's low half 0x%llx", (unsigned long long)seen[k][3]);
        cr_expect_eq(vmf_vcpu_icount(t.c), 7);
        xvm_close(&t);
    }
    cr_expect(!memcmp(seen[0], seen[1], sizeof(seen[0])));
}

/* RDRAND and RDSEED: the same sequence in two fresh VMs, CF = 1 (a value is
 * there), OF SF ZF AF PF clear, register widths as for any write. */
Test(x86_exits_host, rdrand_is_a_fixed_sequence)
{
    // clang-format off
    static const uint8_t code[] = {
        0x48, 0x0f, 0xc7, 0xf0, /* rdrand rax */
        0x0f, 0xc7, 0xf3,       /* rdrand ebx */
        0x66, 0x0f, 0xc7, 0xf1, /* rdrand cx */
        0x49, 0x0f, 0xc7, 0xf9, /* rdseed r9 */
        0x41, 0x0f, 0xc7, 0xf2, /* rdrand r10d */
    };
    // clang-format on
    uint64_t seen[2][5], rflags[2];
    for (unsigned k = 0; k < 2; k++) {
        struct xvm t;
        xvm_open(&t, code, sizeof(code));
        for (unsigned r = 0; r < 16; r++)
            if (r != RSP)
                W(&t, r, 0x5555555555555555ull);
        W(&t, VMF_X86_REG_RFLAGS, 0xad6); /* PF AF ZF SF OF IF set, CF clear */
        vmf_exit ex = run(&t);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s", vmf_exit_name(ex.exitcode));
        static const unsigned regs[5] = {RAX, RBX, RCX, R9, R10};
        for (unsigned i = 0; i < 5; i++)
            seen[k][i] = R(&t, regs[i]);
        rflags[k] = R(&t, VMF_X86_REG_RFLAGS);
        cr_expect_eq(vmf_vcpu_icount(t.c), 6);
        xvm_close(&t);
    }
    cr_expect(!memcmp(seen[0], seen[1], sizeof(seen[0])), "two fresh VMs differ");
    cr_expect_eq(rflags[0] & 0x8d5, 0x1, "RFLAGS 0x%llx", (unsigned long long)rflags[0]);
    cr_expect_eq(seen[0][1] >> 32, 0, "a 32-bit destination zero-extends");
    cr_expect_eq(seen[0][4] >> 32, 0);
    cr_expect_eq(seen[0][2] >> 16, 0x555555555555ull, "a 16-bit destination merges: 0x%llx",
                 (unsigned long long)seen[0][2]);
    cr_expect_neq(seen[0][0], seen[0][3], "the sequence does not repeat");
    cr_expect_neq(seen[0][0], 0x5555555555555555ull);
    cr_expect_neq((uint32_t)seen[0][1], (uint32_t)seen[0][4]);
}

/* ---- run control around intercepted instructions ---------------------------------------------------- */

/* Single-stepping through handled intercepted instructions: every step ends
 * in BUDGET with the pc of the next instruction (not the last exit's). */
Test(x86_exits_run, single_step)
{
    // clang-format off
    static const uint8_t code[] = {
        0x0f, 0xa2,       /* cpuid */
        0x0f, 0x31,       /* rdtsc */
        0xe4, 0x60,       /* in al, 0x60 */
        0x0f, 0x09,       /* wbinvd */
        0x48, 0xff, 0xc3, /* inc rbx */
    };
    // clang-format on
    static const uint64_t next[] = {CODE + 2, CODE + 4, CODE + 6, CODE + 8, CODE + 11};
    struct xvm t;
    struct portdev d;
    portdev_init(&d);
    xvm_open(&t, code, sizeof(code));
    cr_assert_eq(vmf_x86_add_ports(t.vm, 0x60, 0x60, pd_in, pd_out, &d, "kbd"), 0);
    for (unsigned i = 0; i < NELEM(next); i++) {
        vmf_exit ex;
        cr_assert_eq(vmf_run(t.c, 1, &ex), 0);
        cr_expect_eq(ex.exitcode, VMF_EXIT_BUDGET, "step %u: %s", i, vmf_exit_name(ex.exitcode));
        cr_expect_eq(ex.pc, next[i], "step %u: pc 0x%llx", i, (unsigned long long)ex.pc);
        cr_expect_eq(ex.icount, i + 1);
        cr_expect_eq(ex.inst_length, 0, "step %u: a BUDGET exit with the length of an intercepted instruction", i);
        cr_expect_eq(R(&t, VMF_X86_REG_RIP), next[i]);
    }
    vmf_exit ex;
    cr_assert_eq(vmf_run(t.c, 1, &ex), 0);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
    cr_expect_eq(d.n, 1);
    xvm_close(&t);
}

/* A breakpoint on an intercepted instruction stops before it; the next run
 * executes it. */
Test(x86_exits_run, breakpoint_on_an_intercepted_instruction)
{
    static const uint8_t code[] = {0x90, 0x0f, 0xa2}; /* nop; cpuid */
    struct xvm t;
    xvm_open(&t, code, sizeof(code));
    cr_assert_eq(vmf_vcpu_set_breakpoint(t.c, CODE + 1), 0);
    vmf_exit ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_BPT, "%s", vmf_exit_name(ex.exitcode));
    cr_expect_eq(ex.pc, CODE + 1);
    cr_expect_eq(R(&t, RAX), 0);
    W(&t, RAX, 0);
    ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
    cr_expect_eq(R(&t, RAX), 1);
    xvm_close(&t);
}

/* The x86 calls on an AArch64 VM, and misuse. */
Test(x86_exits_run, wrong_architecture)
{
    vmf_vm *vm;
    vmf_vcpu *c;
    cr_assert_eq(vmf_vm_create(VMF_ARCH_ARM64, "arm", &vm), 0);
    cr_assert_eq(vmf_vcpu_create(vm, &c), 0);
    const uint32_t r[4] = {0};
    struct portdev d;
    portdev_init(&d);
    cr_expect_eq(vmf_x86_set_cpuid(vm, 0, 0, r), VMF_EINVAL);
    cr_expect_eq(vmf_x86_add_ports(vm, 1, 2, pd_in, pd_out, &d, "x"), VMF_EINVAL);
    cr_expect_null(vmf_x86_port_owner(vm, 1));
    cr_expect_eq(vmf_x86_set_vmcall(vm, 1, vmcall_fn, NULL), VMF_EINVAL);
    cr_expect_eq(vmf_x86_set_exit_handler(vm, VMF_EXIT_CPUID, override, NULL), VMF_EINVAL);
    cr_expect_eq(vmf_x86_set_exit_observer(vm, observer, NULL), VMF_EINVAL);
    cr_expect_eq(vmf_x86_advance(c), VMF_EINVAL);
    cr_expect_eq(vmf_x86_complete_in(c, 0), VMF_EINVAL);
    cr_expect_eq(vmf_x86_msr_set(c, 0x10, 0), VMF_EINVAL);
    uint64_t v;
    cr_expect_eq(vmf_x86_msr_get(c, 0x10, &v), VMF_EINVAL);
    vm_ioport_interface_t io = {0};
    cr_expect_eq(vm_io_port_add_handler(vm, (vm_ioport_range_t){1, 2}, io), -1);
    cr_expect_eq(vm_register_unhandled_ioport_callback(vm, unhandled_cb, NULL), -1);
    cr_expect_eq(vm_reg_new_vmcall_handler(vm, sel4_vmcall, 1), -1);
    seL4_Word w;
    cr_expect_eq(vm_get_thread_context_reg(c, VCPU_CONTEXT_EAX, &w), -1);
    cr_expect_eq(vm_set_thread_context_reg(c, VCPU_CONTEXT_EAX, 0), -1);
    uint32_t l[4] = {1, 1, 1, 1};
    vmf_x86_cpuid_lookup(vm, 0, 0, l);
    cr_expect(!l[0] && !l[1] && !l[2] && !l[3]);
    vmf_vm_destroy(vm);
    cr_expect_eq(vmf_x86_advance(NULL), VMF_EINVAL);
    cr_expect_eq(vmf_x86_default_handler(NULL, NULL), VMF_X86_ERROR);
}

/* The MSR store is vCPU state: a snapshot restores it with the registers. */
Test(x86_exits_run, snapshot_restores_msrs)
{
    static const uint8_t code[] = {0x0f, 0x30}; /* wrmsr (ECX 0x1234) */
    struct xvm t;
    xvm_open(&t, code, sizeof(code));
    cr_assert_eq(vmf_x86_msr_set(t.c, 0x1234, 1), 0);
    W(&t, RCX, 0x1234);
    W(&t, RAX, 2);
    W(&t, RDX, 0);
    vmf_snapshot *snap;
    cr_assert_eq(vmf_snapshot_take(t.vm, &snap), 0);
    vmf_exit ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
    uint64_t v;
    cr_assert_eq(vmf_x86_msr_get(t.c, 0x1234, &v), 0);
    cr_expect_eq(v, 2);
    cr_assert_eq(vmf_snapshot_restore(t.vm, snap), 0);
    cr_assert_eq(vmf_x86_msr_get(t.c, 0x1234, &v), 0);
    cr_expect_eq(v, 1, "the MSR store is not part of the snapshot: 0x%llx", (unsigned long long)v);
    vmf_snapshot_free(snap);
    xvm_close(&t);
}

/* ---- vmf_vcpu_request_suspend: a device resets or powers off the machine ---------------------- */

static int suspend_out(vmf_vcpu *vcpu, uint16_t port, unsigned bytes, uint32_t value, void *cookie)
{
    (void)port;
    (void)bytes;
    (void)cookie;
    /* 0xcf9 with RST_CPU: reset; anything else: power off */
    return vmf_vcpu_request_suspend(vcpu, value & 4 ? VMF_SUSPEND_RESET : VMF_SUSPEND_POWEROFF) ? VMF_X86_ERROR
                                                                                                : VMF_X86_HANDLED;
}

Test(x86_exits_misc, request_suspend_from_a_port_handler)
{
    /* mov al, 6; out 0xf0, al; mov ecx, 1; hlt */
    static const uint8_t code[] = {0xb0, 0x06, 0xe6, 0xf0, 0xb9, 0x01, 0x00, 0x00, 0x00, 0xf4};
    struct xvm t;
    xvm_open(&t, code, sizeof(code));
    cr_assert_eq(vmf_x86_add_ports(t.vm, 0xf0, 0xf0, NULL, suspend_out, NULL, "power"), 0);
    W(&t, RCX, 0);
    vmf_exit ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_SUSPENDED, "%s", vmf_exit_name(ex.exitcode));
    cr_expect_eq(ex.u.suspended.how, VMF_SUSPEND_RESET);
    cr_expect_eq(R(&t, VMF_X86_REG_RIP), CODE + 4, "the OUT completed, nothing after it ran");
    cr_expect_eq(R(&t, RCX), 0);
    cr_expect_eq(ex.icount, 2);
    /* the request is consumed: running again goes on with the next instruction */
    ex = run(&t);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT, "%s", vmf_exit_name(ex.exitcode));
    cr_expect_eq(R(&t, RCX), 1);
    cr_expect_eq(vmf_vcpu_request_suspend(t.c, 0), VMF_EINVAL);
    cr_expect_eq(vmf_vcpu_request_suspend(t.c, 99), VMF_EINVAL);
    cr_expect_eq(vmf_vcpu_request_suspend(NULL, VMF_SUSPEND_RESET), VMF_EINVAL);
    xvm_close(&t);
}

/* ---- the EPT-violation exit qualification an MMIO fault carries ------------------------------------ */

static uint32_t quals[4];
static unsigned nquals;

static memory_fault_result_t qual_handler(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)vm;
    (void)paddr;
    (void)len;
    (void)cookie;
    const vmf_fault *f = vmf_vcpu_fault(vcpu);
    if (nquals < NELEM(quals))
        quals[nquals++] = f->ept_qual;
    if (nquals == 3)
        return FAULT_UNHANDLED; /* the third access leaves vmf_run as INST_EMUL */
    set_vcpu_fault_data(vcpu, 0);
    advance_vcpu_fault(vcpu);
    return FAULT_HANDLED;
}

Test(x86_exits_misc, ept_qualification)
{
    /* mov rbx, 0x40000; add [rbx], eax (read then write); mov [rbx], ecx */
    static const uint8_t code[] = {0x48, 0xc7, 0xc3, 0x00, 0x00, 0x04, 0x00, 0x01, 0x03, 0x89, 0x0b};
    struct xvm t;
    xvm_open(&t, code, sizeof(code));
    nquals = 0;
    cr_assert_not_null(vm_reserve_memory_at(t.vm, 0x40000, 0x1000, qual_handler, NULL));
    vmf_exit ex = run(&t);
    cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL, "%s", vmf_exit_name(ex.exitcode));
    cr_assert_eq(nquals, 3);
    cr_expect_eq(quals[0], 0x181, "read: bit 0, linear address valid and translated (bits 7, 8)");
    cr_expect_eq(quals[1], 0x182, "write: bit 1");
    cr_expect_eq(quals[2], 0x182);
    cr_expect_eq(ex.u.inst_emul.ept_qual, 0x182);
    cr_expect_eq(ex.u.inst_emul.access, VMF_ACCESS_WRITE);
    xvm_close(&t);
}
