/* vmfault — AArch64 fault-dispatch benchmark.
 *
 * Times an AArch64 guest loop that touches one address N times and reports ns
 * per access (or per fault, per instruction, per call) and the ratio to a
 * plain RAM load measured in the same run:
 *
 *   ram_load            vmfault VM, `ldr w1, [x0]` from RAM (the baseline)
 *   raw_ram_load        the same loop on raw Unicorn without hooks (the floor)
 *   raw_mmio*           raw Unicorn, uc_mmio_map read callback (no vmfault)
 *   fast_path*          vmfault, reservation on VMF_PATH_FAST
 *   exit_path*          vmfault, reservation on VMF_PATH_EXIT
 *   decode, disasm      vmf_arm64_decode / vmf_arm64_disasm over a fixed mix
 *   alu_*               ALU-only loop: the cost of vmfault's code hook
 *
 * Every run is checked (HLT exit, loop counter at zero, handler count and the
 * loaded / stored values): a broken run is an error (exit status 1), never a
 * number.  Usage and how to read the output: bench/README.md.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <capstone/capstone.h>
#include <unicorn/unicorn.h>

#include "vmfault/vmfault.h"

#include "harness.h"

/* ---- guest layout ------------------------------------------------------------------------ */

#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x10000ull
#define RAM_DATA (RAM_BASE + 0x8000ull) /* RAM target: not the code page */
#define DEV_BASE 0x09000000ull
#define DEV_SIZE 0x1000ull
/* Never executed: Unicorn re-translates the block holding `until` on every start. */
#define UNTIL_NEVER 0xfffffffffffffffcull

/* Value the device (and the raw MMIO callback, and RAM) hands to loads. */
#define READ_VALUE 0x1122334455667788ull
/* Value the store loops store (x1). */
#define STORE_VALUE 0xa5a5a5a5c3c3c3c3ull

/* All guest loops, loaded at RAM_BASE.  Each: x0 = address, x2 = iterations,
 * ends with WFI.  Words from aarch64-linux-gnu-as + objdump -d. */
static const uint32_t guest_code[] = {
    /* 0x00 loop_ldr:  */
    0xb9400001, /* ldr  w1, [x0]          */
    0xf1000442, /* subs x2, x2, #0x1      */
    0x54ffffc1, /* b.ne loop_ldr          */
    0xd503207f, /* wfi                    */
    /* 0x10 loop_str:  */
    0xb9000001, /* str  w1, [x0]          */
    0xf1000442, /* subs x2, x2, #0x1      */
    0x54ffffc1, /* b.ne loop_str          */
    0xd503207f, /* wfi                    */
    /* 0x20 loop_ldrx: */
    0xf9400001, /* ldr  x1, [x0]          */
    0xf1000442, /* subs x2, x2, #0x1      */
    0x54ffffc1, /* b.ne loop_ldrx         */
    0xd503207f, /* wfi                    */
    /* 0x30 loop_ldp:  */
    0x29400c01, /* ldp  w1, w3, [x0]      */
    0xf1000442, /* subs x2, x2, #0x1      */
    0x54ffffc1, /* b.ne loop_ldp          */
    0xd503207f, /* wfi                    */
    /* 0x40 loop_alu:  */
    0x91000463, /* add  x3, x3, #0x1      */
    0xca030084, /* eor  x4, x4, x3        */
    0x8b0400a5, /* add  x5, x5, x4        */
    0xf1000442, /* subs x2, x2, #0x1      */
    0x54ffff81, /* b.ne loop_alu          */
    0xd503207f, /* wfi                    */
};

enum loop_kind { LOOP_LDR_W, LOOP_STR_W, LOOP_LDR_X, LOOP_LDP_W, LOOP_ALU };

struct loop_info {
    uint64_t offset;          /* from RAM_BASE */
    unsigned insns_per_iter;  /* without the final WFI */
    unsigned faults_per_iter; /* accesses per iteration (faults when the target is a reservation) */
    const char *text;
};

static const struct loop_info loops[] = {
    [LOOP_LDR_W] = {0x00, 3, 1, "ldr w1, [x0]"},        [LOOP_STR_W] = {0x10, 3, 1, "str w1, [x0]"},
    [LOOP_LDR_X] = {0x20, 3, 1, "ldr x1, [x0]"},        [LOOP_LDP_W] = {0x30, 3, 2, "ldp w1, w3, [x0]"},
    [LOOP_ALU] = {0x40, 5, 0, "add/eor/add/subs/b.ne"},
};

/* The decode mix: 16 common loads and stores (what faults in practice). */
static const uint32_t decode_mix[16] = {
    0xb9400001, /* ldr   w1, [x0]              */
    0xf9400401, /* ldr   x1, [x0, #8]          */
    0xb9000401, /* str   w1, [x0, #4]          */
    0x39000401, /* strb  w1, [x0, #1]          */
    0x79400402, /* ldrh  w2, [x0, #2]          */
    0xb9801003, /* ldrsw x3, [x0, #16]         */
    0x39800004, /* ldrsb x4, [x0]              */
    0xa9410801, /* ldp   x1, x2, [x0, #16]     */
    0x29000801, /* stp   w1, w2, [x0]          */
    0xf8408c01, /* ldr   x1, [x0, #8]!         */
    0xb8404401, /* ldr   w1, [x0], #4          */
    0xb8627801, /* ldr   w1, [x0, x2, lsl #2]  */
    0xb85fc001, /* ldur  w1, [x0, #-4]         */
    0x88dffc01, /* ldar  w1, [x0]              */
    0xc89ffc01, /* stlr  x1, [x0]              */
    0x3dc00000, /* ldr   q0, [x0]              */
};
#define MIX_LEN (sizeof(decode_mix) / sizeof(decode_mix[0]))

/* Little-endian bytes of the guest code and of the RAM data word. */
static void guest_bytes(uint8_t code[sizeof(guest_code)], uint8_t data[8])
{
    for (size_t i = 0; i < sizeof(guest_code) / sizeof(guest_code[0]); i++)
        for (unsigned k = 0; k < 4; k++)
            code[4 * i + k] = (uint8_t)(guest_code[i] >> (8 * k));
    for (unsigned k = 0; k < 8; k++)
        data[k] = (uint8_t)(READ_VALUE >> (8 * k));
}

/* ---- options, results, errors ----------------------------------------------------------- */

const char bench_program[] = "bench_arm64";

/* ---- vmfault guests ------------------------------------------------------------------------- */

/* The device: a minimal libsel4vm handler. */
struct bench_dev {
    uint64_t faults;
    uint64_t last_write;
};

static memory_fault_result_t bench_handler(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)vm;
    (void)paddr;
    (void)len;
    struct bench_dev *d = cookie;
    d->faults++;
    if (is_vcpu_read_fault(vcpu)) {
        if (set_vcpu_fault_data(vcpu, READ_VALUE) != 0)
            return FAULT_ERROR;
    } else {
        d->last_write = get_vcpu_fault_data(vcpu);
    }
    advance_vcpu_fault(vcpu);
    return FAULT_HANDLED;
}

struct vbench {
    const char *name;
    vmf_vm *vm;
    vmf_vcpu *vcpu;
    vm_memory_reservation_t *res; /* NULL: the loop runs on RAM */
    struct bench_dev dev;
    enum loop_kind loop;
    uint64_t iters;
};

static int vm_check(const char *name, const char *what, int st)
{
    return st ? fail(name, "%s: %s", what, vmf_strerror(st)) : 0;
}

static void vbench_destroy(struct vbench *b)
{
    vmf_vm_destroy(b->vm);
    b->vm = NULL;
    b->vcpu = NULL;
    b->res = NULL;
}

/* A VM with RAM holding the guest loops and READ_VALUE at RAM_DATA, and, for
 * path != VMF_PATH_DEFAULT, a reservation at DEV_BASE served by bench_handler. */
static int vbench_create(struct vbench *b, const char *name, enum loop_kind loop, uint64_t iters, enum vmf_path path)
{
    memset(b, 0, sizeof(*b));
    b->name = name;
    b->loop = loop;
    b->iters = iters;
    uint8_t code[sizeof(guest_code)], data[8];
    guest_bytes(code, data);
    if (vm_check(name, "vmf_vm_create", vmf_vm_create(VMF_ARCH_ARM64, name, &b->vm)))
        return -1;
    if (vm_check(name, "vmf_vcpu_create", vmf_vcpu_create(b->vm, &b->vcpu)) ||
        vm_check(name, "vmf_ram_add", vmf_ram_add(b->vm, RAM_BASE, RAM_SIZE, NULL)) ||
        vm_check(name, "vmf_mem_write (code)", vmf_mem_write(b->vm, RAM_BASE, code, sizeof(code))) ||
        vm_check(name, "vmf_mem_write (data)", vmf_mem_write(b->vm, RAM_DATA, data, sizeof(data)))) {
        vbench_destroy(b);
        return -1;
    }
    if (path != VMF_PATH_DEFAULT) {
        b->res = vm_reserve_memory_at(b->vm, (uintptr_t)DEV_BASE, (size_t)DEV_SIZE, bench_handler, &b->dev);
        if (!b->res) {
            fail(name, "vm_reserve_memory_at: %s", vmf_vm_last_error(b->vm, NULL));
            vbench_destroy(b);
            return -1;
        }
        if (vm_check(name, "vmf_reservation_set_path", vmf_reservation_set_path(b->vm, b->res, path)) ||
            vm_check(name, "vmf_reservation_set_name", vmf_reservation_set_name(b->res, "bench-dev"))) {
            vbench_destroy(b);
            return -1;
        }
    }
    return 0;
}

static int vreg(struct vbench *b, unsigned reg, uint64_t *v)
{
    return vm_check(b->name, "vmf_reg_read", vmf_reg_read(b->vcpu, reg, v));
}

/* One run of the loop, timed, then checked. */
static int vbench_rep(void *ctx, uint64_t *ns)
{
    struct vbench *b = ctx;
    const struct loop_info *l = &loops[b->loop];
    uint64_t target = b->res ? DEV_BASE : RAM_DATA;
    if (vm_check(b->name, "vmf_reg_write", vmf_reg_write(b->vcpu, VMF_ARM64_PC, RAM_BASE + l->offset)) ||
        vm_check(b->name, "vmf_reg_write", vmf_reg_write(b->vcpu, VMF_ARM64_X0, target)) ||
        vm_check(b->name, "vmf_reg_write", vmf_reg_write(b->vcpu, 1, b->loop == LOOP_STR_W ? STORE_VALUE : 0)) ||
        vm_check(b->name, "vmf_reg_write", vmf_reg_write(b->vcpu, 2, b->iters)) ||
        vm_check(b->name, "vmf_reg_write", vmf_reg_write(b->vcpu, 3, 0)))
        return -1;
    b->dev.faults = 0;
    b->dev.last_write = 0;
    uint64_t budget = b->iters * l->insns_per_iter + 16;
    vmf_exit ex;
    uint64_t t0, t1;
    if (now_ns(&t0))
        return fail(b->name, "clock_gettime: %s", strerror(errno));
    int st = vmf_run(b->vcpu, budget, &ex);
    if (now_ns(&t1))
        return fail(b->name, "clock_gettime: %s", strerror(errno));
    *ns = t1 - t0;

    if (st)
        return fail(b->name, "vmf_run: %s", vmf_strerror(st));
    if (ex.exitcode != VMF_EXIT_HLT) {
        if (ex.exitcode == VMF_EXIT_ERROR)
            return fail(b->name, "run ended with ERROR at pc 0x%llx: %s", (unsigned long long)ex.pc,
                        ex.u.error.message);
        return fail(b->name, "run ended with %s at pc 0x%llx, expected HLT", vmf_exit_name(ex.exitcode),
                    (unsigned long long)ex.pc);
    }
    uint64_t x1, x2, x3;
    if (vreg(b, 1, &x1) || vreg(b, 2, &x2) || vreg(b, 3, &x3))
        return -1;
    if (x2 != 0)
        return fail(b->name, "loop counter x2 = %llu at HLT, expected 0", (unsigned long long)x2);
    uint64_t want_faults = b->res ? b->iters * l->faults_per_iter : 0;
    if (b->dev.faults != want_faults)
        return fail(b->name, "handler ran %llu times, expected %llu", (unsigned long long)b->dev.faults,
                    (unsigned long long)want_faults);
    switch (b->loop) {
    case LOOP_LDR_W:
        if (x1 != (READ_VALUE & 0xffffffffu))
            return fail(b->name, "x1 = 0x%llx after ldr w1, expected 0x%llx", (unsigned long long)x1,
                        (unsigned long long)(READ_VALUE & 0xffffffffu));
        break;
    case LOOP_LDR_X:
        if (x1 != READ_VALUE)
            return fail(b->name, "x1 = 0x%llx after ldr x1, expected 0x%llx", (unsigned long long)x1,
                        (unsigned long long)READ_VALUE);
        break;
    case LOOP_LDP_W: {
        /* From the device both words read READ_VALUE's low word; from RAM, the two halves. */
        uint64_t w1 = READ_VALUE & 0xffffffffu, w3 = b->res ? w1 : READ_VALUE >> 32;
        if (x1 != w1 || x3 != w3)
            return fail(b->name, "x1 = 0x%llx, x3 = 0x%llx after ldp, expected 0x%llx, 0x%llx", (unsigned long long)x1,
                        (unsigned long long)x3, (unsigned long long)w1, (unsigned long long)w3);
        break;
    }
    case LOOP_STR_W: {
        uint64_t stored;
        if (b->res) {
            stored = b->dev.last_write;
        } else {
            uint8_t m[4];
            if (vm_check(b->name, "vmf_mem_read", vmf_mem_read(b->vm, RAM_DATA, m, sizeof(m))))
                return -1;
            stored = (uint64_t)m[0] | (uint64_t)m[1] << 8 | (uint64_t)m[2] << 16 | (uint64_t)m[3] << 24;
        }
        if (stored != (STORE_VALUE & 0xffffffffu))
            return fail(b->name, "stored 0x%llx, expected 0x%llx", (unsigned long long)stored,
                        (unsigned long long)(STORE_VALUE & 0xffffffffu));
        break;
    }
    case LOOP_ALU:
        if (x3 != b->iters)
            return fail(b->name, "x3 = %llu after the ALU loop, expected %llu", (unsigned long long)x3,
                        (unsigned long long)b->iters);
        break;
    }
    return 0;
}

/* Build a VM, measure one figure, destroy the VM. */
static int vfigure(const struct opts *o, struct results *res, const char *name, const char *what, enum loop_kind loop,
                   enum vmf_path path, uint64_t full_iters, bool per_insn)
{
    struct vbench b;
    uint64_t iters = scaled(o, full_iters);
    if (vbench_create(&b, name, loop, iters, path))
        return -1;
    const struct loop_info *l = &loops[loop];
    uint64_t units = per_insn ? iters * l->insns_per_iter : iters * l->faults_per_iter;
    const char *unit = per_insn ? "ns/insn" : path == VMF_PATH_DEFAULT ? "ns/access" : "ns/fault";
    int st = measure(o, res, name, unit, what, units, vbench_rep, &b);
    vbench_destroy(&b);
    return st;
}

/* ---- raw Unicorn ------------------------------------------------------------------------------- */

struct rbench {
    const char *name;
    uc_engine *uc;
    bool mmio;      /* the target is a uc_mmio_map region (else RAM) */
    uint64_t reads; /* MMIO read callbacks */
    uint64_t insns; /* code hook calls */
    uint64_t last_pc;
    enum loop_kind loop;
    uint64_t iters;
};

static uint64_t raw_mmio_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    (void)uc;
    (void)offset;
    (void)size;
    struct rbench *r = user;
    r->reads++;
    return READ_VALUE & 0xffffffffu;
}

static void raw_mmio_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *user)
{
    (void)uc;
    (void)offset;
    (void)size;
    (void)value;
    (void)user;
}

/* As trivial as a code hook gets: what vmfault's does, without the budget test. */
static void raw_code_hook(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    (void)uc;
    (void)size;
    struct rbench *r = user;
    r->insns++;
    r->last_pc = address;
}

static int uc_check(const char *name, const char *what, uc_err e)
{
    return e != UC_ERR_OK ? fail(name, "%s: %s", what, uc_strerror(e)) : 0;
}

static void rbench_destroy(struct rbench *r)
{
    if (r->uc)
        uc_close(r->uc);
    r->uc = NULL;
}

static int rbench_create(struct rbench *r, const char *name, enum loop_kind loop, uint64_t iters, bool mmio,
                         bool code_hook)
{
    memset(r, 0, sizeof(*r));
    r->name = name;
    r->loop = loop;
    r->iters = iters;
    r->mmio = mmio;
    if (uc_check(name, "uc_open", uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &r->uc)))
        return -1;
    uc_hook h;
    uint8_t code[sizeof(guest_code)], data[8];
    guest_bytes(code, data);
    if (uc_check(name, "uc_ctl_set_cpu_model", uc_ctl_set_cpu_model(r->uc, UC_CPU_ARM64_MAX)) ||
        uc_check(name, "uc_mem_map", uc_mem_map(r->uc, RAM_BASE, (size_t)RAM_SIZE, UC_PROT_ALL)) ||
        uc_check(name, "uc_mem_write", uc_mem_write(r->uc, RAM_BASE, code, sizeof(code))) ||
        uc_check(name, "uc_mem_write", uc_mem_write(r->uc, RAM_DATA, data, sizeof(data))) ||
        (mmio && uc_check(name, "uc_mmio_map",
                          uc_mmio_map(r->uc, DEV_BASE, (size_t)DEV_SIZE, raw_mmio_read, r, raw_mmio_write, r))) ||
        (code_hook &&
         uc_check(name, "uc_hook_add", uc_hook_add(r->uc, &h, UC_HOOK_CODE, (void *)raw_code_hook, r, 1, 0)))) {
        rbench_destroy(r);
        return -1;
    }
    return 0;
}

static int rbench_rep(void *ctx, uint64_t *ns)
{
    struct rbench *r = ctx;
    const struct loop_info *l = &loops[r->loop];
    uint64_t x0 = r->mmio ? DEV_BASE : RAM_DATA, x2 = r->iters, zero = 0;
    if (uc_check(r->name, "uc_reg_write", uc_reg_write(r->uc, UC_ARM64_REG_X0, &x0)) ||
        uc_check(r->name, "uc_reg_write", uc_reg_write(r->uc, UC_ARM64_REG_X1, &zero)) ||
        uc_check(r->name, "uc_reg_write", uc_reg_write(r->uc, UC_ARM64_REG_X2, &x2)) ||
        uc_check(r->name, "uc_reg_write", uc_reg_write(r->uc, UC_ARM64_REG_X3, &zero)))
        return -1;
    r->reads = 0;
    r->insns = 0;
    uint64_t start = RAM_BASE + l->offset, t0, t1;
    if (now_ns(&t0))
        return fail(r->name, "clock_gettime: %s", strerror(errno));
    uc_err e = uc_emu_start(r->uc, start, UNTIL_NEVER, 0, 0);
    if (now_ns(&t1))
        return fail(r->name, "clock_gettime: %s", strerror(errno));
    *ns = t1 - t0;
    if (uc_check(r->name, "uc_emu_start", e))
        return -1;
    uint64_t pc, x1, x3;
    if (uc_check(r->name, "uc_reg_read", uc_reg_read(r->uc, UC_ARM64_REG_PC, &pc)) ||
        uc_check(r->name, "uc_reg_read", uc_reg_read(r->uc, UC_ARM64_REG_X1, &x1)) ||
        uc_check(r->name, "uc_reg_read", uc_reg_read(r->uc, UC_ARM64_REG_X2, &x2)) ||
        uc_check(r->name, "uc_reg_read", uc_reg_read(r->uc, UC_ARM64_REG_X3, &x3)))
        return -1;
    /* Unicorn returns from WFI with PC past it. */
    uint64_t wfi = start + 4u * l->insns_per_iter;
    if (pc != wfi && pc != wfi + 4)
        return fail(r->name, "Unicorn stopped at pc 0x%llx, expected the WFI at 0x%llx", (unsigned long long)pc,
                    (unsigned long long)wfi);
    if (x2 != 0)
        return fail(r->name, "loop counter x2 = %llu at the end, expected 0", (unsigned long long)x2);
    if (r->mmio && r->reads != r->iters * l->faults_per_iter)
        return fail(r->name, "MMIO read callback ran %llu times, expected %llu", (unsigned long long)r->reads,
                    (unsigned long long)(r->iters * l->faults_per_iter));
    if (r->loop == LOOP_LDR_W && x1 != (READ_VALUE & 0xffffffffu))
        return fail(r->name, "x1 = 0x%llx after ldr w1, expected 0x%llx", (unsigned long long)x1,
                    (unsigned long long)(READ_VALUE & 0xffffffffu));
    if (r->loop == LOOP_ALU && x3 != r->iters)
        return fail(r->name, "x3 = %llu after the ALU loop, expected %llu", (unsigned long long)x3,
                    (unsigned long long)r->iters);
    return 0;
}

static int rfigure(const struct opts *o, struct results *res, const char *name, const char *what, enum loop_kind loop,
                   bool mmio, bool code_hook, uint64_t full_iters)
{
    struct rbench r;
    uint64_t iters = scaled(o, full_iters);
    if (rbench_create(&r, name, loop, iters, mmio, code_hook))
        return -1;
    const struct loop_info *l = &loops[loop];
    bool per_insn = loop == LOOP_ALU;
    uint64_t units = per_insn ? iters * l->insns_per_iter : iters * l->faults_per_iter;
    int st = measure(o, res, name, per_insn ? "ns/insn" : "ns/access", what, units, rbench_rep, &r);
    rbench_destroy(&r);
    return st;
}

/* ---- decoders ------------------------------------------------------------------------------------ */

struct dbench {
    const char *name;
    uint64_t rounds; /* passes over decode_mix */
    uint64_t sink;   /* keeps the results alive */
    csh cs;
    cs_insn *insn;
};

static int decode_rep(void *ctx, uint64_t *ns)
{
    struct dbench *d = ctx;
    vmf_arm64_access acc;
    int bad = 0;
    uint64_t sum = 0, t0, t1;
    if (now_ns(&t0))
        return fail(d->name, "clock_gettime: %s", strerror(errno));
    for (uint64_t r = 0; r < d->rounds; r++)
        for (size_t i = 0; i < MIX_LEN; i++) {
            bad |= vmf_arm64_decode(decode_mix[i], &acc);
            sum += acc.total;
        }
    if (now_ns(&t1))
        return fail(d->name, "clock_gettime: %s", strerror(errno));
    *ns = t1 - t0;
    if (bad)
        return fail(d->name, "vmf_arm64_decode failed on a word of the mix");
    d->sink += sum;
    return 0;
}

static int disasm_rep(void *ctx, uint64_t *ns)
{
    struct dbench *d = ctx;
    char text[64];
    int bad = 0;
    uint64_t sum = 0, t0, t1;
    if (now_ns(&t0))
        return fail(d->name, "clock_gettime: %s", strerror(errno));
    for (uint64_t r = 0; r < d->rounds; r++)
        for (size_t i = 0; i < MIX_LEN; i++) {
            bad |= vmf_arm64_disasm(decode_mix[i], RAM_BASE, text, sizeof(text));
            sum += (uint8_t)text[0];
        }
    if (now_ns(&t1))
        return fail(d->name, "clock_gettime: %s", strerror(errno));
    *ns = t1 - t0;
    if (bad)
        return fail(d->name, "vmf_arm64_disasm failed on a word of the mix");
    d->sink += sum;
    return 0;
}

/* Capstone as a hot path would use it: one handle, one cs_insn, cs_disasm_iter. */
static int capstone_rep(void *ctx, uint64_t *ns)
{
    struct dbench *d = ctx;
    uint8_t bytes[MIX_LEN][4];
    for (size_t i = 0; i < MIX_LEN; i++)
        for (unsigned k = 0; k < 4; k++)
            bytes[i][k] = (uint8_t)(decode_mix[i] >> (8 * k));
    bool bad = false;
    uint64_t sum = 0, t0, t1;
    if (now_ns(&t0))
        return fail(d->name, "clock_gettime: %s", strerror(errno));
    for (uint64_t r = 0; r < d->rounds; r++)
        for (size_t i = 0; i < MIX_LEN; i++) {
            const uint8_t *p = bytes[i];
            size_t size = 4;
            uint64_t addr = RAM_BASE;
            bad |= !cs_disasm_iter(d->cs, &p, &size, &addr, d->insn);
            sum += d->insn->id;
        }
    if (now_ns(&t1))
        return fail(d->name, "clock_gettime: %s", strerror(errno));
    *ns = t1 - t0;
    if (bad)
        return fail(d->name, "cs_disasm_iter failed on a word of the mix");
    d->sink += sum;
    return 0;
}

static int decode_figures(const struct opts *o, struct results *res)
{
    /* Decode must accept every word of the mix (a benchmark of error returns measures nothing). */
    for (size_t i = 0; i < MIX_LEN; i++) {
        vmf_arm64_access acc;
        int st = vmf_arm64_decode(decode_mix[i], &acc);
        if (st)
            return fail("decode", "vmf_arm64_decode(0x%08x): %s", decode_mix[i], vmf_strerror(st));
    }
    struct dbench d = {.name = "decode", .rounds = scaled(o, 1000000)};
    if (measure(o, res, "decode", "ns/call", "vmf_arm64_decode, 16-word load/store mix", d.rounds * MIX_LEN, decode_rep,
                &d))
        return -1;
    d = (struct dbench){.name = "disasm", .rounds = scaled(o, 2000)};
    if (measure(o, res, "disasm", "ns/call", "vmf_arm64_disasm (Capstone, a handle per call), same mix",
                d.rounds * MIX_LEN, disasm_rep, &d))
        return -1;
    d = (struct dbench){.name = "capstone_iter", .rounds = scaled(o, 20000)};
    cs_err ce = cs_open(CS_ARCH_ARM64, CS_MODE_LITTLE_ENDIAN, &d.cs);
    if (ce != CS_ERR_OK)
        return fail(d.name, "cs_open: %s", cs_strerror(ce));
    d.insn = cs_malloc(d.cs);
    if (!d.insn) {
        cs_close(&d.cs);
        return fail(d.name, "cs_malloc failed");
    }
    int st = measure(o, res, "capstone_iter", "ns/call", "Capstone, one handle + cs_disasm_iter, detail off, same mix",
                     d.rounds * MIX_LEN, capstone_rep, &d);
    cs_free(d.insn, 1);
    cs_close(&d.cs);
    return st;
}

/* ---- the figures ---------------------------------------------------------------------------------- */

static int run_all(const struct opts *o, struct results *res)
{
    /* Iteration counts: about 50-200 ms per repetition on a 2-core shared machine. */
    if (vfigure(o, res, "ram_load", "vmfault VM, ldr w1, [x0] from RAM (the baseline)", LOOP_LDR_W, VMF_PATH_DEFAULT,
                10000000, false) ||
        vfigure(o, res, "ram_store", "vmfault VM, str w1, [x0] to RAM (reference only, not a baseline)", LOOP_STR_W,
                VMF_PATH_DEFAULT, 1000000, false) ||
        rfigure(o, res, "raw_ram_load", "raw Unicorn, ldr w1, [x0] from RAM, no code hook (UNICORN-NOTES' floor)",
                LOOP_LDR_W, false, false, 60000000) ||
        rfigure(o, res, "raw_mmio", "raw Unicorn, uc_mmio_map read callback, no code hook", LOOP_LDR_W, true, false,
                3000000) ||
        rfigure(o, res, "raw_mmio_codehook",
                "raw Unicorn, uc_mmio_map + UC_HOOK_CODE over all code (vmfault always has one: the fair comparison)",
                LOOP_LDR_W, true, true, 3000000) ||
        vfigure(o, res, "fast_path", "vmfault fast path, ldr w1, [x0], minimal libsel4vm handler", LOOP_LDR_W,
                VMF_PATH_FAST, 1000000, false) ||
        vfigure(o, res, "exit_path", "vmfault exit path, ldr w1, [x0], minimal libsel4vm handler", LOOP_LDR_W,
                VMF_PATH_EXIT, 400000, false) ||
        vfigure(o, res, "fast_path_str", "fast path, str w1, [x0]", LOOP_STR_W, VMF_PATH_FAST, 1000000, false) ||
        vfigure(o, res, "exit_path_str", "exit path, str w1, [x0]", LOOP_STR_W, VMF_PATH_EXIT, 400000, false) ||
        vfigure(o, res, "fast_path_ldr64", "fast path, ldr x1, [x0] (8 bytes: one fault)", LOOP_LDR_X, VMF_PATH_FAST,
                1000000, false) ||
        vfigure(o, res, "exit_path_ldr64", "exit path, ldr x1, [x0] (8 bytes: one fault)", LOOP_LDR_X, VMF_PATH_EXIT,
                400000, false) ||
        vfigure(o, res, "fast_path_ldp", "fast path, ldp w1, w3, [x0] (two faults per instruction)", LOOP_LDP_W,
                VMF_PATH_FAST, 600000, false) ||
        vfigure(o, res, "exit_path_ldp", "exit path, ldp w1, w3, [x0] (two faults per instruction)", LOOP_LDP_W,
                VMF_PATH_EXIT, 400000, false) ||
        decode_figures(o, res) ||
        rfigure(o, res, "alu_raw", "ALU loop, raw Unicorn, no code hook", LOOP_ALU, false, false, 60000000) ||
        rfigure(o, res, "alu_raw_codehook", "ALU loop, raw Unicorn + trivial UC_HOOK_CODE", LOOP_ALU, false, true,
                8000000) ||
        vfigure(o, res, "alu_vmfault", "ALU loop, vmfault VM (its code hook counts virtual time)", LOOP_ALU,
                VMF_PATH_DEFAULT, 8000000, true))
        return -1;
    const struct figure *v = find_figure(res, "alu_vmfault"), *r = find_figure(res, "alu_raw");
    if (!v || !r)
        return fail("code_hook_overhead", "missing the ALU figures");
    return add_derived(res, "code_hook_overhead", "ns/insn",
                       "alu_vmfault - alu_raw: vmfault's code hook per instruction", v->ns - r->ns, v->count);
}

/* ---- output ------------------------------------------------------------------------------------------ */

struct versions {
    unsigned uc_major, uc_minor, uc_patch;
    int cs_major, cs_minor;
};

static void get_versions(struct versions *v)
{
    unsigned uc = uc_version(&v->uc_major, &v->uc_minor);
    v->uc_patch = (uc >> 8) & 0xffu; /* Unicorn 2: major << 24 | minor << 16 | patch << 8 | extra */
    cs_version(&v->cs_major, &v->cs_minor);
}

static void print_table(const struct opts *o, const struct results *res, const struct versions *v, double base)
{
    printf("# vmfault bench_arm64: AArch64 fault dispatch on Unicorn %u.%u.%u, Capstone %d.%d (headers %d.%d.%d)\n",
           v->uc_major, v->uc_minor, v->uc_patch, v->cs_major, v->cs_minor, CS_API_MAJOR, CS_API_MINOR,
           CS_VERSION_EXTRA);
    printf("# median of %u repetitions after 1 warm-up%s; ratio = ns / ram_load ns of this run\n", o->reps,
           o->quick ? " (--quick: 10x fewer iterations)" : "");
    printf("# vmfault always runs a UC_HOOK_CODE over all code (exact PC, virtual time): raw_mmio_codehook is the\n"
           "# fair raw-Unicorn comparison for fast_path; raw_mmio shows Unicorn's floor without one\n");
    printf("%-20s %-10s %10s %9s %10s  %s\n", "figure", "unit", "ns", "ratio", "count", "what");
    for (size_t i = 0; i < res->n; i++) {
        const struct figure *f = &res->fig[i];
        printf("%-20s %-10s %10.1f %9.2f %10llu  %s\n", f->name, f->unit, f->ns, f->ns / base,
               (unsigned long long)f->count, f->what);
    }
}

static void print_yaml(const struct opts *o, const struct results *res, const struct versions *v, double base)
{
    printf("bench: bench_arm64\n");
    printf("unicorn: \"%u.%u.%u\"\n", v->uc_major, v->uc_minor, v->uc_patch);
    printf("capstone: \"%d.%d\"\n", v->cs_major, v->cs_minor);
    printf("capstone_headers: \"%d.%d.%d\"\n", CS_API_MAJOR, CS_API_MINOR, CS_VERSION_EXTRA);
    printf("repetitions: %u\nwarmup: 1\nquick: %s\nbaseline: ram_load\n", o->reps, o->quick ? "true" : "false");
    printf("figures:\n");
    for (size_t i = 0; i < res->n; i++) {
        const struct figure *f = &res->fig[i];
        printf("  - {name: %s, unit: %s, ns: %.1f, ratio: %.2f, count: %llu, what: \"%s\"}\n", f->name, f->unit, f->ns,
               f->ns / base, (unsigned long long)f->count, f->what);
    }
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_arm64 [--quick] [--reps N] [--yaml]\n"
            "  --quick   10x fewer iterations (CI smoke runs)\n"
            "  --reps N  timed repetitions per figure, 1..%d (default 5), after 1 warm-up\n"
            "  --yaml    print YAML instead of the table\n",
            MAX_REPS);
}

int main(int argc, char **argv)
{
    struct opts o = {.quick = false, .yaml = false, .reps = 5};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            o.quick = true;
        } else if (!strcmp(argv[i], "--yaml")) {
            o.yaml = true;
        } else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            char *end;
            errno = 0;
            long n = strtol(argv[++i], &end, 10);
            if (errno || *end || end == argv[i] || n < 1 || n > MAX_REPS) {
                fprintf(stderr, "bench_arm64: --reps must be 1..%d, not '%s'\n", MAX_REPS, argv[i]);
                return 2;
            }
            o.reps = (unsigned)n;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "bench_arm64: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    struct results res;
    memset(&res, 0, sizeof(res));
    if (run_all(&o, &res))
        return 1;
    const struct figure *base = find_figure(&res, "ram_load");
    if (!base || !(base->ns > 0.0)) {
        fprintf(stderr, "bench_arm64: no usable ram_load baseline\n");
        return 1;
    }
    struct versions v;
    get_versions(&v);
    if (o.yaml)
        print_yaml(&o, &res, &v, base->ns);
    else
        print_table(&o, &res, &v, base->ns);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "bench_arm64: writing the output: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
