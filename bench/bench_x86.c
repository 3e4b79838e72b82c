/* vmfault — x86-64 fault-dispatch benchmark.
 *
 * Times small x86-64 guest loops (one operation per iteration, N iterations)
 * and reports ns per operation (per instruction for the ALU loops, per call
 * for the decoders) and the ratio to a plain RAM load measured in the same run:
 *
 *   ram_load, ram_store    vmfault VM, `mov eax, [rbx]` / `mov [rbx], eax` on RAM (ram_load: the baseline)
 *   raw_*                  the same loads on raw Unicorn (no vmfault): floor and uc_mmio_map reference
 *   fast_*, exit_*         MMIO through a reservation on VMF_PATH_FAST / VMF_PATH_EXIT, 4 and 8 bytes,
 *                          and the read-modify-write `add [rbx], eax` (two faults)
 *   port_out, port_in      OUT / IN to a range registered with vmf_x86_add_ports (served inside vmf_run)
 *   port_out_exit          OUT to an unregistered port: vmf_run returns INOUT, the caller resumes
 *   cpuid, vmcall, rdtsc   intercepted instructions the engine serves itself
 *   decode*, zydis_full    vmf_x86_decode over a 32-instruction mix, warm and cache-cold; raw Zydis
 *   alu_*                  ALU-only loop: the cost of vmfault's always-on code hook
 *
 * Every run is checked (HLT exit at the right RIP, loop counter at zero, exact
 * virtual time, handler / exit counts and the values loaded, stored or
 * returned): a broken run is an error (exit status 1), never a number.
 * Usage and how to read the output: bench/README.md.
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

#include <Zydis/Zydis.h>
#include <unicorn/unicorn.h>

#include "vmfault/vmfault.h"

#include "harness.h"

/* ---- guest layout ------------------------------------------------------------------------ */

#define RAM_BASE 0x100000ull
#define RAM_SIZE 0x10000ull
#define RAM_DATA (RAM_BASE + 0x8000ull) /* RAM target: not the code page */
#define LOOP_STRIDE 0x40u               /* loop i is loaded at RAM_BASE + i * LOOP_STRIDE */
#define DEV_BASE 0xfe000000ull
#define DEV_SIZE 0x1000ull
/* Never executed: Unicorn re-translates the block holding `until` on every start. */
#define UNTIL_NEVER 0xfffffffffffffffcull

#define PORT_FIRST 0x3f8u /* the registered range 0x3f8-0x3ff (a 16550's ports) */
#define PORT_LAST 0x3ffu
#define PORT_UNREG 0x80u /* no range covers it: OUT leaves vmf_run as an INOUT exit */
#define VMCALL_NR 0x42u  /* the loop's `mov eax, 0x42` */
#define VMCALL_RESULT 0x600dull

/* Value the device (and the raw MMIO callback, and RAM) hands to loads. */
#define READ_VALUE 0x1122334455667788ull
/* Value the store loops store (rax). */
#define STORE_VALUE 0xa5a5a5a5c3c3c3c3ull
/* eax of the read-modify-write loop: the device sees (READ_VALUE + ADD_VALUE) mod 2^32. */
#define ADD_VALUE 0x01010101ull
/* al of the OUT loops; what the port range returns to IN; rax before IN (IN al keeps bits 63:8). */
#define OUT_VALUE 0x5au
#define IN_VALUE 0xc3u
#define IN_RAX_BEFORE 0x1122334455667700ull
/* RFLAGS at the start of every run: IF=1, so the final HLT is a HLT exit (IF=0 would be SUSPENDED/HALT). */
#define RFLAGS_START 0x202ull

/* The guest loops, each placed at its own LOOP_STRIDE slot.  Each runs r12
 * iterations and ends with HLT; rbx holds the data address, dx the port.
 * Bytes from `as --64` + `objdump -d -M intel`. */
// clang-format off
static const uint8_t code_load[] = {
    0x8b, 0x03,                   /* loop: mov  eax, dword ptr [rbx]  */
    0x49, 0xff, 0xcc,             /*       dec  r12                   */
    0x75, 0xf9,                   /*       jnz  loop                  */
    0xf4,                         /*       hlt                        */
};
static const uint8_t code_store[] = {
    0x89, 0x03,                   /* loop: mov  dword ptr [rbx], eax  */
    0x49, 0xff, 0xcc,             /*       dec  r12                   */
    0x75, 0xf9,                   /*       jnz  loop                  */
    0xf4,                         /*       hlt                        */
};
static const uint8_t code_load64[] = {
    0x48, 0x8b, 0x03,             /* loop: mov  rax, qword ptr [rbx]  */
    0x49, 0xff, 0xcc,             /*       dec  r12                   */
    0x75, 0xf8,                   /*       jnz  loop                  */
    0xf4,                         /*       hlt                        */
};
static const uint8_t code_store64[] = {
    0x48, 0x89, 0x03,             /* loop: mov  qword ptr [rbx], rax  */
    0x49, 0xff, 0xcc,             /*       dec  r12                   */
    0x75, 0xf8,                   /*       jnz  loop                  */
    0xf4,                         /*       hlt                        */
};
static const uint8_t code_rmw[] = {
    0x01, 0x03,                   /* loop: add  dword ptr [rbx], eax  */
    0x49, 0xff, 0xcc,             /*       dec  r12                   */
    0x75, 0xf9,                   /*       jnz  loop                  */
    0xf4,                         /*       hlt                        */
};
static const uint8_t code_out[] = {
    0xee,                         /* loop: out  dx, al                */
    0x49, 0xff, 0xcc,             /*       dec  r12                   */
    0x75, 0xfa,                   /*       jnz  loop                  */
    0xf4,                         /*       hlt                        */
};
static const uint8_t code_in[] = {
    0xec,                         /* loop: in   al, dx                */
    0x49, 0xff, 0xcc,             /*       dec  r12                   */
    0x75, 0xfa,                   /*       jnz  loop                  */
    0xf4,                         /*       hlt                        */
};
static const uint8_t code_cpuid[] = {
    0x31, 0xc0,                   /* loop: xor  eax, eax              */
    0x0f, 0xa2,                   /*       cpuid                      */
    0x49, 0xff, 0xcc,             /*       dec  r12                   */
    0x75, 0xf7,                   /*       jnz  loop                  */
    0xf4,                         /*       hlt                        */
};
static const uint8_t code_vmcall[] = {
    0xb8, 0x42, 0x00, 0x00, 0x00, /* loop: mov  eax, 0x42             */
    0x0f, 0x01, 0xc1,             /*       vmcall                     */
    0x49, 0xff, 0xcc,             /*       dec  r12                   */
    0x75, 0xf3,                   /*       jnz  loop                  */
    0xf4,                         /*       hlt                        */
};
static const uint8_t code_rdtsc[] = {
    0x0f, 0x31,                   /* loop: rdtsc                      */
    0x49, 0xff, 0xcc,             /*       dec  r12                   */
    0x75, 0xf9,                   /*       jnz  loop                  */
    0xf4,                         /*       hlt                        */
};
static const uint8_t code_alu[] = {
    0x49, 0x83, 0xc0, 0x01,       /* loop: add  r8, 0x1               */
    0x4d, 0x31, 0xc1,             /*       xor  r9, r8                */
    0x4d, 0x01, 0xca,             /*       add  r10, r9               */
    0x49, 0xff, 0xcc,             /*       dec  r12                   */
    0x75, 0xf1,                   /*       jnz  loop                  */
    0xf4,                         /*       hlt                        */
};
// clang-format on

enum loop_kind {
    LOOP_LOAD,
    LOOP_STORE,
    LOOP_LOAD64,
    LOOP_STORE64,
    LOOP_RMW,
    LOOP_OUT,
    LOOP_IN,
    LOOP_CPUID,
    LOOP_VMCALL,
    LOOP_RDTSC,
    LOOP_ALU,
    LOOP_COUNT
};

struct loop_info {
    const uint8_t *code;
    size_t len;              /* bytes, the final HLT included (the last byte) */
    unsigned insns_per_iter; /* without the final HLT */
    unsigned reads, writes;  /* faults per iteration when rbx points into a reservation */
    unsigned size;           /* bytes of each access */
    const char *text;
};

#define LOOP(c) c, sizeof(c)
static const struct loop_info loops[LOOP_COUNT] = {
    [LOOP_LOAD] = {LOOP(code_load), 3, 1, 0, 4, "mov eax, [rbx]"},
    [LOOP_STORE] = {LOOP(code_store), 3, 0, 1, 4, "mov [rbx], eax"},
    [LOOP_LOAD64] = {LOOP(code_load64), 3, 1, 0, 8, "mov rax, [rbx]"},
    [LOOP_STORE64] = {LOOP(code_store64), 3, 0, 1, 8, "mov [rbx], rax"},
    [LOOP_RMW] = {LOOP(code_rmw), 3, 1, 1, 4, "add [rbx], eax"},
    [LOOP_OUT] = {LOOP(code_out), 3, 0, 0, 0, "out dx, al"},
    [LOOP_IN] = {LOOP(code_in), 3, 0, 0, 0, "in al, dx"},
    [LOOP_CPUID] = {LOOP(code_cpuid), 4, 0, 0, 0, "xor eax, eax; cpuid"},
    [LOOP_VMCALL] = {LOOP(code_vmcall), 4, 0, 0, 0, "mov eax, 0x42; vmcall"},
    [LOOP_RDTSC] = {LOOP(code_rdtsc), 3, 0, 0, 0, "rdtsc"},
    [LOOP_ALU] = {LOOP(code_alu), 5, 0, 0, 0, "add/xor/add/dec/jnz"},
};

static uint64_t loop_start(enum loop_kind k)
{
    return RAM_BASE + (uint64_t)k * LOOP_STRIDE;
}

/* The decode mix: 32 memory-operand instructions of the kinds that fault on
 * device memory (MOV forms, extensions, ALU and locked RMW, bit ops, strings,
 * SSE moves, RIP-relative, moffs, FS, 0x67 addressing). */
struct mix_insn {
    uint8_t len;
    uint8_t bytes[15];
    const char *text;
};

// clang-format off
static const struct mix_insn decode_mix[] = {
    {2, {0x8b, 0x03},                                           "mov eax, dword ptr [rbx]"},
    {3, {0x89, 0x4b, 0x10},                                     "mov dword ptr [rbx+0x10], ecx"},
    {4, {0x48, 0x8b, 0x47, 0x08},                               "mov rax, qword ptr [rdi+0x8]"},
    {4, {0x48, 0x89, 0x14, 0xce},                               "mov qword ptr [rsi+rcx*8], rdx"},
    {8, {0x47, 0x8b, 0x84, 0x91, 0x00, 0x01, 0x00, 0x00},       "mov r8d, dword ptr [r9+r10*4+0x100]"},
    {3, {0x88, 0x43, 0x03},                                     "mov byte ptr [rbx+0x3], al"},
    {4, {0x66, 0x89, 0x43, 0x02},                               "mov word ptr [rbx+0x2], ax"},
    {7, {0xc7, 0x43, 0x14, 0x01, 0x00, 0x00, 0x00},             "mov dword ptr [rbx+0x14], 0x1"},
    {7, {0x48, 0x89, 0x05, 0x00, 0x10, 0x00, 0x00},             "mov qword ptr [rip+0x1000], rax"},
    {6, {0x8b, 0x05, 0x00, 0xfe, 0xff, 0xff},                   "mov eax, dword ptr [rip-0x200]"},
    {9, {0xa1, 0xb0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00}, "movabs eax, ds:0xfee000b0"},
    {4, {0x0f, 0xb6, 0x43, 0x05},                               "movzx eax, byte ptr [rbx+0x5]"},
    {4, {0x48, 0x0f, 0xbf, 0x03},                               "movsx rax, word ptr [rbx]"},
    {4, {0x48, 0x63, 0x53, 0x08},                               "movsxd rdx, dword ptr [rbx+0x8]"},
    {2, {0x01, 0x03},                                           "add dword ptr [rbx], eax"},
    {7, {0x81, 0x4b, 0x04, 0x80, 0x00, 0x00, 0x00},             "or dword ptr [rbx+0x4], 0x80"},
    {4, {0x83, 0x7b, 0x0c, 0x00},                               "cmp dword ptr [rbx+0xc], 0x0"},
    {4, {0xf6, 0x43, 0x18, 0x01},                               "test byte ptr [rbx+0x18], 0x1"},
    {3, {0xff, 0x43, 0x20},                                     "inc dword ptr [rbx+0x20]"},
    {2, {0x87, 0x03},                                           "xchg dword ptr [rbx], eax"},
    {4, {0xf0, 0x0f, 0xb1, 0x0b},                               "lock cmpxchg dword ptr [rbx], ecx"},
    {5, {0xf0, 0x0f, 0xc1, 0x43, 0x04},                         "lock xadd dword ptr [rbx+0x4], eax"},
    {4, {0x0f, 0xba, 0x2b, 0x03},                               "bts dword ptr [rbx], 0x3"},
    {3, {0xd1, 0x6b, 0x08},                                     "shr dword ptr [rbx+0x8], 1"},
    {2, {0xf3, 0xa5},                                           "rep movsd"},
    {2, {0xf3, 0xab},                                           "rep stosd"},
    {8, {0x64, 0x8b, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00},       "mov eax, dword ptr fs:0x28"},
    {4, {0xf3, 0x0f, 0x6f, 0x03},                               "movdqu xmm0, xmmword ptr [rbx]"},
    {5, {0x66, 0x0f, 0xd6, 0x53, 0x08},                         "movq qword ptr [rbx+0x8], xmm2"},
    {4, {0x0f, 0x94, 0x43, 0x01},                               "sete byte ptr [rbx+0x1]"},
    {4, {0x0f, 0x45, 0x43, 0x24},                               "cmovne eax, dword ptr [rbx+0x24]"},
    {4, {0x67, 0x8b, 0x43, 0x04},                               "mov eax, dword ptr [ebx+0x4]"},
};
// clang-format on
#define MIX_LEN (sizeof(decode_mix) / sizeof(decode_mix[0]))

/* Little-endian bytes of a 64-bit value. */
static void le64(uint8_t out[8], uint64_t x)
{
    for (unsigned k = 0; k < 8; k++)
        out[k] = (uint8_t)(x >> (8 * k));
}

static uint64_t from_le(const uint8_t *p, unsigned n)
{
    uint64_t x = 0;
    for (unsigned k = 0; k < n; k++)
        x |= (uint64_t)p[k] << (8 * k);
    return x;
}

static uint64_t width_mask(unsigned bytes)
{
    return bytes >= 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

const char bench_program[] = "bench_x86";

/* ---- vmfault guests ------------------------------------------------------------------------- */

/* What the loop's rbx / dx point at. */
enum target {
    TGT_NONE,      /* no data access (ALU, CPUID, VMCALL, RDTSC) */
    TGT_RAM,       /* rbx = RAM_DATA */
    TGT_MMIO,      /* rbx = DEV_BASE, a reservation served by bench_handler */
    TGT_PORTS,     /* dx = PORT_FIRST, a range registered with vmf_x86_add_ports */
    TGT_PORT_EXIT, /* dx = PORT_UNREG: every OUT leaves vmf_run; the caller advances and resumes */
};

/* The device: a minimal libsel4vm handler, plus a few checks that cost nothing. */
struct bench_dev {
    uint64_t reads, writes;
    uint64_t last_write;
    uint64_t bad;      /* faults at the wrong address or of the wrong size */
    unsigned size;     /* expected access size */
    uint8_t path;      /* expected vmf_path */
    uint8_t seen_path; /* path of the first fault of the run (0: none yet) */
};

static memory_fault_result_t bench_handler(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)vm;
    struct bench_dev *d = cookie;
    if (paddr != DEV_BASE || len != d->size)
        d->bad++;
    if (!d->seen_path) {
        const vmf_fault *f = vmf_vcpu_fault(vcpu);
        d->seen_path = f ? f->path : 0xff;
    }
    if (is_vcpu_read_fault(vcpu)) {
        d->reads++;
        if (set_vcpu_fault_data(vcpu, READ_VALUE) != 0)
            return FAULT_ERROR;
    } else {
        d->writes++;
        d->last_write = get_vcpu_fault_data(vcpu);
    }
    advance_vcpu_fault(vcpu);
    return FAULT_HANDLED;
}

/* The port range, the VMCALL handler and the exit observer. */
struct bench_x86 {
    uint64_t ins, outs;
    uint32_t last_out;
    uint64_t bad_port; /* wrong port or width */
    uint64_t vmcalls;
    uint64_t bad_vmcall; /* wrong call number or argument */
    uint64_t exits[16];  /* by exit code, as the observer saw them */
    uint64_t unhandled;  /* exits whose handler result was not VMF_X86_HANDLED */
};

static int port_in(vmf_vcpu *vcpu, uint16_t port, unsigned bytes, uint32_t *value, void *cookie)
{
    (void)vcpu;
    struct bench_x86 *x = cookie;
    x->ins++;
    if (port != PORT_FIRST || bytes != 1)
        x->bad_port++;
    *value = IN_VALUE;
    return VMF_X86_HANDLED;
}

static int port_out(vmf_vcpu *vcpu, uint16_t port, unsigned bytes, uint32_t value, void *cookie)
{
    (void)vcpu;
    struct bench_x86 *x = cookie;
    x->outs++;
    if (port != PORT_FIRST || bytes != 1)
        x->bad_port++;
    x->last_out = value;
    return VMF_X86_HANDLED;
}

static int bench_vmcall(vmf_vcpu *vcpu, uint64_t nr, const uint64_t args[4], uint64_t *result, void *cookie)
{
    (void)vcpu;
    struct bench_x86 *x = cookie;
    x->vmcalls++;
    if (nr != VMCALL_NR || args[0] != RAM_DATA)
        x->bad_vmcall++;
    *result = VMCALL_RESULT;
    return 0;
}

static void observe_exit(vmf_vcpu *vcpu, const vmf_exit *exit, int result, void *cookie)
{
    (void)vcpu;
    struct bench_x86 *x = cookie;
    x->exits[(unsigned)exit->exitcode & 15u]++;
    if (result != VMF_X86_HANDLED)
        x->unhandled++;
}

struct vbench {
    const char *name;
    vmf_vm *vm;
    vmf_vcpu *vcpu;
    vm_memory_reservation_t *res; /* TGT_MMIO only */
    struct bench_dev dev;
    struct bench_x86 x;
    enum loop_kind loop;
    enum target target;
    enum vmf_path path;
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

/* A VM with every loop in RAM, READ_VALUE at RAM_DATA, a VMCALL handler and
 * the exit observer; plus the reservation (TGT_MMIO) or the port range
 * (TGT_PORTS) the figure needs. */
static int vbench_create(struct vbench *b, const char *name, enum loop_kind loop, enum target target,
                         enum vmf_path path, uint64_t iters)
{
    memset(b, 0, sizeof(*b));
    b->name = name;
    b->loop = loop;
    b->target = target;
    b->path = path;
    b->iters = iters;
    b->dev.size = loops[loop].size;
    b->dev.path = (uint8_t)path;
    if (vm_check(name, "vmf_vm_create", vmf_vm_create(VMF_ARCH_X86_64, name, &b->vm)))
        return -1;
    int st = vmf_vcpu_create(b->vm, &b->vcpu);
    const char *what = "vmf_vcpu_create";
    if (!st) {
        what = "vmf_ram_add";
        st = vmf_ram_add(b->vm, RAM_BASE, RAM_SIZE, NULL);
    }
    for (unsigned k = 0; !st && k < LOOP_COUNT; k++) {
        what = "vmf_mem_write (code)";
        st = vmf_mem_write(b->vm, loop_start((enum loop_kind)k), loops[k].code, loops[k].len);
    }
    if (!st) {
        what = "vmf_x86_set_vmcall";
        st = vmf_x86_set_vmcall(b->vm, VMCALL_NR, bench_vmcall, &b->x);
    }
    if (!st) {
        what = "vmf_x86_set_exit_observer";
        st = vmf_x86_set_exit_observer(b->vm, observe_exit, &b->x);
    }
    if (!st && target == TGT_PORTS) {
        what = "vmf_x86_add_ports";
        st = vmf_x86_add_ports(b->vm, PORT_FIRST, PORT_LAST, port_in, port_out, &b->x, "bench-ports");
    }
    if (!st && target == TGT_MMIO) {
        what = "vmf_vm_set_default_path";
        st = vmf_vm_set_default_path(b->vm, path);
    }
    if (vm_check(name, what, st)) {
        vbench_destroy(b);
        return -1;
    }
    if (target == TGT_MMIO) {
        /* The path comes from the VM's default; set it on the reservation too, as a device model would. */
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

static int vset(struct vbench *b, unsigned reg, uint64_t v)
{
    return vm_check(b->name, "vmf_reg_write", vmf_reg_write(b->vcpu, reg, v));
}

static uint64_t rax_before(enum loop_kind loop)
{
    switch (loop) {
    case LOOP_STORE:
    case LOOP_STORE64: return STORE_VALUE;
    case LOOP_RMW: return ADD_VALUE;
    case LOOP_OUT: return OUT_VALUE;
    case LOOP_IN: return IN_RAX_BEFORE;
    default: return 0;
    }
}

static int check_values(struct vbench *b, uint64_t icount0);

/* One run of the loop, timed, then checked. */
static int vbench_rep(void *ctx, uint64_t *ns)
{
    struct vbench *b = ctx;
    const struct loop_info *l = &loops[b->loop];
    uint64_t start = loop_start(b->loop);
    uint8_t data[8];
    le64(data, READ_VALUE);
    uint64_t rbx = b->target == TGT_MMIO ? DEV_BASE : RAM_DATA;
    uint64_t rdx = b->target == TGT_PORT_EXIT ? PORT_UNREG : PORT_FIRST;
    if (vm_check(b->name, "vmf_mem_write (data)", vmf_mem_write(b->vm, RAM_DATA, data, sizeof(data))) ||
        vset(b, VMF_X86_REG_RIP, start) || vset(b, VMF_X86_REG_RFLAGS, RFLAGS_START) ||
        vset(b, VMF_X86_REG_RAX, rax_before(b->loop)) || vset(b, VMF_X86_REG_RBX, rbx) || vset(b, VMF_X86_REG_RCX, 0) ||
        vset(b, VMF_X86_REG_RDX, rdx) || vset(b, VMF_X86_REG_R8, 0) || vset(b, VMF_X86_REG_R9, 0) ||
        vset(b, VMF_X86_REG_R10, 0) || vset(b, VMF_X86_REG_R12, b->iters))
        return -1;
    memset(&b->x, 0, sizeof(b->x));
    b->dev.reads = b->dev.writes = b->dev.last_write = b->dev.bad = 0;
    b->dev.seen_path = 0;
    uint64_t icount0 = vmf_vcpu_icount(b->vcpu);
    uint64_t budget = b->iters * l->insns_per_iter + 16, caller_exits = 0;
    const char *what = "vmf_run";
    bool bad_exit = false;
    vmf_exit ex;
    int st;
    uint64_t t0, t1;
    if (now_ns(&t0))
        return fail(b->name, "clock_gettime: %s", strerror(errno));
    for (;;) {
        st = vmf_run(b->vcpu, budget, &ex);
        if (st || b->target != TGT_PORT_EXIT || ex.exitcode != VMF_EXIT_INOUT)
            break;
        /* The caller's side of the round trip: look at the exit, step past the OUT, resume. */
        if (ex.u.inout.port != PORT_UNREG || ex.u.inout.in || ex.u.inout.bytes != 1 || ex.u.inout.eax != OUT_VALUE ||
            ex.pc != start) {
            bad_exit = true;
            break;
        }
        what = "vmf_x86_advance";
        if ((st = vmf_x86_advance(b->vcpu)) != 0)
            break;
        what = "vmf_run";
        caller_exits++;
    }
    if (now_ns(&t1))
        return fail(b->name, "clock_gettime: %s", strerror(errno));
    *ns = t1 - t0;

    if (st)
        return fail(b->name, "%s: %s", what, vmf_strerror(st));
    if (bad_exit)
        return fail(b->name,
                    "INOUT exit at rip 0x%llx: port 0x%x, %u byte(s), %s, eax 0x%x; expected OUT of 0x%x "
                    "to port 0x%x at 0x%llx",
                    (unsigned long long)ex.pc, ex.u.inout.port, ex.u.inout.bytes, ex.u.inout.in ? "IN" : "OUT",
                    ex.u.inout.eax, OUT_VALUE, PORT_UNREG, (unsigned long long)start);
    uint64_t hlt = start + l->len - 1;
    if (ex.exitcode != VMF_EXIT_HLT) {
        if (ex.exitcode == VMF_EXIT_ERROR)
            return fail(b->name, "run ended with ERROR at rip 0x%llx: %s", (unsigned long long)ex.pc,
                        ex.u.error.message);
        return fail(b->name, "run ended with %s at rip 0x%llx, expected HLT at 0x%llx", vmf_exit_name(ex.exitcode),
                    (unsigned long long)ex.pc, (unsigned long long)hlt);
    }
    if (ex.pc != hlt)
        return fail(b->name, "HLT exit at rip 0x%llx, expected the loop's HLT at 0x%llx", (unsigned long long)ex.pc,
                    (unsigned long long)hlt);
    if (b->target == TGT_PORT_EXIT && caller_exits != b->iters)
        return fail(b->name, "vmf_run returned %llu INOUT exits, expected %llu", (unsigned long long)caller_exits,
                    (unsigned long long)b->iters);
    return check_values(b, icount0);
}

/* After a run that ended at its HLT: counters, virtual time and values. */
static int check_values(struct vbench *b, uint64_t icount0)
{
    const struct loop_info *l = &loops[b->loop];
    const uint64_t n = b->iters;
    uint64_t rax, rdx, r8, r12, rbx, rcx;
    if (vreg(b, VMF_X86_REG_RAX, &rax) || vreg(b, VMF_X86_REG_RBX, &rbx) || vreg(b, VMF_X86_REG_RCX, &rcx) ||
        vreg(b, VMF_X86_REG_RDX, &rdx) || vreg(b, VMF_X86_REG_R8, &r8) || vreg(b, VMF_X86_REG_R12, &r12))
        return -1;
    if (r12 != 0)
        return fail(b->name, "loop counter r12 = %llu at HLT, expected 0", (unsigned long long)r12);
    /* Virtual time: every instruction retired exactly once (exit-path replays and intercepted
     * instructions included), plus the HLT. */
    uint64_t insns = vmf_vcpu_icount(b->vcpu) - icount0, want_insns = n * l->insns_per_iter + 1;
    if (insns != want_insns)
        return fail(b->name, "virtual time advanced by %llu instructions, expected %llu", (unsigned long long)insns,
                    (unsigned long long)want_insns);

    /* The device. */
    bool mmio = b->target == TGT_MMIO;
    uint64_t want_reads = mmio ? n * l->reads : 0, want_writes = mmio ? n * l->writes : 0;
    if (b->dev.reads != want_reads || b->dev.writes != want_writes)
        return fail(b->name, "handler saw %llu reads and %llu writes, expected %llu and %llu",
                    (unsigned long long)b->dev.reads, (unsigned long long)b->dev.writes, (unsigned long long)want_reads,
                    (unsigned long long)want_writes);
    if (b->dev.bad)
        return fail(b->name, "%llu faults were not %u bytes at 0x%llx", (unsigned long long)b->dev.bad, b->dev.size,
                    (unsigned long long)DEV_BASE);
    if (mmio && b->dev.seen_path != b->dev.path)
        return fail(b->name, "faults arrived on path %u, expected %u (%s)", b->dev.seen_path, b->dev.path,
                    b->path == VMF_PATH_EXIT ? "EXIT" : "FAST");

    /* Ports, VMCALL and the exits the dispatcher saw. */
    uint64_t want_ins = b->target == TGT_PORTS && b->loop == LOOP_IN ? n : 0;
    uint64_t want_outs = b->target == TGT_PORTS && b->loop == LOOP_OUT ? n : 0;
    if (b->x.ins != want_ins || b->x.outs != want_outs || b->x.bad_port)
        return fail(b->name,
                    "port range saw %llu INs and %llu OUTs (%llu to a wrong port or width), expected %llu "
                    "and %llu",
                    (unsigned long long)b->x.ins, (unsigned long long)b->x.outs, (unsigned long long)b->x.bad_port,
                    (unsigned long long)want_ins, (unsigned long long)want_outs);
    uint64_t want_vmcalls = b->loop == LOOP_VMCALL ? n : 0;
    if (b->x.vmcalls != want_vmcalls || b->x.bad_vmcall)
        return fail(b->name, "VMCALL handler ran %llu times (%llu with a wrong number or argument), expected %llu",
                    (unsigned long long)b->x.vmcalls, (unsigned long long)b->x.bad_vmcall,
                    (unsigned long long)want_vmcalls);
    uint64_t want_exits[16] = {0};
    want_exits[VMF_EXIT_HLT] = 1;
    if (b->loop == LOOP_OUT || b->loop == LOOP_IN)
        want_exits[VMF_EXIT_INOUT] = n;
    if (b->loop == LOOP_CPUID)
        want_exits[VMF_EXIT_CPUID] = n;
    if (b->loop == LOOP_VMCALL)
        want_exits[VMF_EXIT_VMCALL] = n;
    for (unsigned c = 0; c < 16; c++)
        if (b->x.exits[c] != want_exits[c])
            return fail(b->name, "the exit dispatcher saw %llu %s exits, expected %llu",
                        (unsigned long long)b->x.exits[c], vmf_exit_name((int)c), (unsigned long long)want_exits[c]);
    /* Only the final HLT (and, for port_out_exit, every OUT) goes unhandled. */
    uint64_t want_unhandled = 1 + (b->target == TGT_PORT_EXIT ? n : 0);
    if (b->x.unhandled != want_unhandled)
        return fail(b->name, "%llu exits were left unhandled, expected %llu", (unsigned long long)b->x.unhandled,
                    (unsigned long long)want_unhandled);

    /* The values. */
    uint8_t m[8];
    uint64_t stored = 0, want;
    switch (b->loop) {
    case LOOP_LOAD:
    case LOOP_LOAD64:
        want = READ_VALUE & width_mask(l->size); /* a 32-bit destination zero-extends */
        if (rax != want)
            return fail(b->name, "rax = 0x%llx after %s, expected 0x%llx", (unsigned long long)rax, l->text,
                        (unsigned long long)want);
        break;
    case LOOP_STORE:
    case LOOP_STORE64:
    case LOOP_RMW:
        if (mmio) {
            stored = b->dev.last_write;
        } else {
            if (vm_check(b->name, "vmf_mem_read", vmf_mem_read(b->vm, RAM_DATA, m, sizeof(m))))
                return -1;
            stored = from_le(m, l->size);
        }
        if (b->loop != LOOP_RMW)
            want = STORE_VALUE & width_mask(l->size);
        else if (mmio) /* every iteration reads READ_VALUE from the device */
            want = (READ_VALUE + ADD_VALUE) & 0xffffffffu;
        else /* RAM accumulates */
            want = (READ_VALUE + n * ADD_VALUE) & 0xffffffffu;
        if (stored != want)
            return fail(b->name, "%s stored 0x%llx, expected 0x%llx", l->text, (unsigned long long)stored,
                        (unsigned long long)want);
        break;
    case LOOP_OUT:
        if (b->target == TGT_PORTS && b->x.last_out != OUT_VALUE)
            return fail(b->name, "the port saw 0x%x, expected 0x%x", b->x.last_out, OUT_VALUE);
        break;
    case LOOP_IN:
        want = (IN_RAX_BEFORE & ~0xffull) | IN_VALUE;
        if (rax != want)
            return fail(b->name, "rax = 0x%llx after in al, dx, expected 0x%llx", (unsigned long long)rax,
                        (unsigned long long)want);
        break;
    case LOOP_CPUID: {
        uint32_t r[4];
        vmf_x86_cpuid_lookup(b->vm, 0, 0, r);
        if (rax != r[0] || rbx != r[1] || rcx != r[2] || rdx != r[3] || r[1] == 0)
            return fail(b->name, "CPUID leaf 0 gave %llx %llx %llx %llx, the VM's table holds %x %x %x %x",
                        (unsigned long long)rax, (unsigned long long)rbx, (unsigned long long)rcx,
                        (unsigned long long)rdx, r[0], r[1], r[2], r[3]);
        break;
    }
    case LOOP_VMCALL:
        if (rax != VMCALL_RESULT)
            return fail(b->name, "rax = 0x%llx after vmcall, expected the handler's 0x%llx", (unsigned long long)rax,
                        (unsigned long long)VMCALL_RESULT);
        break;
    case LOOP_RDTSC: {
        /* The last RDTSC reads the instructions retired before it: 3 per earlier iteration. */
        uint64_t tsc = (rdx & 0xffffffffu) << 32 | (rax & 0xffffffffu);
        want = icount0 + (n - 1) * l->insns_per_iter;
        if (tsc != want)
            return fail(b->name, "the last rdtsc read %llu, expected virtual time %llu", (unsigned long long)tsc,
                        (unsigned long long)want);
        break;
    }
    case LOOP_ALU:
        if (r8 != n)
            return fail(b->name, "r8 = %llu after the ALU loop, expected %llu", (unsigned long long)r8,
                        (unsigned long long)n);
        break;
    default: break;
    }
    return 0;
}

/* Build a VM, measure one figure, destroy the VM. */
static int vfigure(const struct opts *o, struct results *res, const char *name, const char *what, enum loop_kind loop,
                   enum target target, enum vmf_path path, uint64_t full_iters)
{
    struct vbench b;
    uint64_t iters = scaled(o, full_iters);
    if (skipped(o, name))
        return measure(o, res, name, NULL, NULL, 0, NULL, NULL);
    if (vbench_create(&b, name, loop, target, path, iters))
        return -1;
    bool per_insn = loop == LOOP_ALU;
    uint64_t units = per_insn ? iters * loops[loop].insns_per_iter : iters;
    int st = measure(o, res, name, per_insn ? "ns/insn" : "ns/op", what, units, vbench_rep, &b);
    vbench_destroy(&b);
    return st;
}

/* ---- raw Unicorn ------------------------------------------------------------------------------- */

struct rbench {
    const char *name;
    uc_engine *uc;
    bool mmio;      /* the target is a uc_mmio_map region (else RAM) */
    bool code_hook; /* a trivial UC_HOOK_CODE over all code */
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

/* As trivial as a code hook gets: what vmfault's does, without the budget and intercept tests. */
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
    r->code_hook = code_hook;
    if (uc_check(name, "uc_open", uc_open(UC_ARCH_X86, UC_MODE_64, &r->uc)))
        return -1;
    uc_hook h;
    uint8_t data[8];
    le64(data, READ_VALUE);
    if (uc_check(name, "uc_mem_map", uc_mem_map(r->uc, RAM_BASE, (size_t)RAM_SIZE, UC_PROT_ALL)) ||
        uc_check(name, "uc_mem_write", uc_mem_write(r->uc, loop_start(loop), loops[loop].code, loops[loop].len)) ||
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
    uint64_t rbx = r->mmio ? DEV_BASE : RAM_DATA, r12 = r->iters, zero = 0;
    const int zeroed[] = {UC_X86_REG_RAX, UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10};
    for (size_t i = 0; i < sizeof(zeroed) / sizeof(zeroed[0]); i++)
        if (uc_check(r->name, "uc_reg_write", uc_reg_write(r->uc, zeroed[i], &zero)))
            return -1;
    if (uc_check(r->name, "uc_reg_write", uc_reg_write(r->uc, UC_X86_REG_RBX, &rbx)) ||
        uc_check(r->name, "uc_reg_write", uc_reg_write(r->uc, UC_X86_REG_R12, &r12)))
        return -1;
    r->reads = 0;
    r->insns = 0;
    uint64_t start = loop_start(r->loop), t0, t1;
    if (now_ns(&t0))
        return fail(r->name, "clock_gettime: %s", strerror(errno));
    uc_err e = uc_emu_start(r->uc, start, UNTIL_NEVER, 0, 0);
    if (now_ns(&t1))
        return fail(r->name, "clock_gettime: %s", strerror(errno));
    *ns = t1 - t0;
    if (uc_check(r->name, "uc_emu_start", e))
        return -1;
    uint64_t rip, rax, r8;
    if (uc_check(r->name, "uc_reg_read", uc_reg_read(r->uc, UC_X86_REG_RIP, &rip)) ||
        uc_check(r->name, "uc_reg_read", uc_reg_read(r->uc, UC_X86_REG_RAX, &rax)) ||
        uc_check(r->name, "uc_reg_read", uc_reg_read(r->uc, UC_X86_REG_R8, &r8)) ||
        uc_check(r->name, "uc_reg_read", uc_reg_read(r->uc, UC_X86_REG_R12, &r12)))
        return -1;
    /* Unicorn returns from HLT with RIP past it. */
    uint64_t hlt = start + l->len - 1;
    if (rip != hlt && rip != hlt + 1)
        return fail(r->name, "Unicorn stopped at rip 0x%llx, expected the HLT at 0x%llx", (unsigned long long)rip,
                    (unsigned long long)hlt);
    if (r12 != 0)
        return fail(r->name, "loop counter r12 = %llu at the end, expected 0", (unsigned long long)r12);
    if (r->mmio && r->reads != r->iters * l->reads)
        return fail(r->name, "MMIO read callback ran %llu times, expected %llu", (unsigned long long)r->reads,
                    (unsigned long long)(r->iters * l->reads));
    uint64_t want_insns = r->iters * l->insns_per_iter;
    if (r->code_hook && r->insns != want_insns && r->insns != want_insns + 1)
        return fail(r->name, "code hook ran %llu times, expected %llu (+1 for the HLT)", (unsigned long long)r->insns,
                    (unsigned long long)want_insns);
    if (r->loop == LOOP_LOAD && rax != (READ_VALUE & 0xffffffffu))
        return fail(r->name, "rax = 0x%llx after mov eax, [rbx], expected 0x%llx", (unsigned long long)rax,
                    (unsigned long long)(READ_VALUE & 0xffffffffu));
    if (r->loop == LOOP_ALU && r8 != r->iters)
        return fail(r->name, "r8 = %llu after the ALU loop, expected %llu", (unsigned long long)r8,
                    (unsigned long long)r->iters);
    return 0;
}

static int rfigure(const struct opts *o, struct results *res, const char *name, const char *what, enum loop_kind loop,
                   bool mmio, bool code_hook, uint64_t full_iters)
{
    struct rbench r;
    uint64_t iters = scaled(o, full_iters);
    if (skipped(o, name))
        return measure(o, res, name, NULL, NULL, 0, NULL, NULL);
    if (rbench_create(&r, name, loop, iters, mmio, code_hook))
        return -1;
    bool per_insn = loop == LOOP_ALU;
    uint64_t units = per_insn ? iters * loops[loop].insns_per_iter : iters;
    int st = measure(o, res, name, per_insn ? "ns/insn" : "ns/op", what, units, rbench_rep, &r);
    rbench_destroy(&r);
    return st;
}

/* ---- decoders ------------------------------------------------------------------------------------ */

/* Larger than L2 (1 MiB on the development machine): sweeping it before a
 * decode leaves the decoder's code and tables in L3 at best. */
#define EVICT_BYTES (4u << 20)

struct dbench {
    const char *name;
    uint64_t rounds; /* passes over decode_mix */
    uint64_t sink;   /* keeps the results alive */
    double clock_ns; /* decode_cold: the cold clock_gettime pair to subtract, per decode */
    uint8_t *evict;
    ZydisDecoder zd;
};

static int decode_rep(void *ctx, uint64_t *ns)
{
    struct dbench *d = ctx;
    vmf_x86_access acc;
    int bad = 0;
    uint64_t sum = 0, t0, t1;
    if (now_ns(&t0))
        return fail(d->name, "clock_gettime: %s", strerror(errno));
    for (uint64_t r = 0; r < d->rounds; r++)
        for (size_t i = 0; i < MIX_LEN; i++) {
            bad |= vmf_x86_decode(decode_mix[i].bytes, decode_mix[i].len, &acc);
            sum += acc.size + acc.length;
        }
    if (now_ns(&t1))
        return fail(d->name, "clock_gettime: %s", strerror(errno));
    *ns = t1 - t0;
    if (bad)
        return fail(d->name, "vmf_x86_decode failed on an instruction of the mix");
    d->sink += sum;
    return 0;
}

/* Write one byte per cache line of the sweep buffer. */
static void evict_caches(struct dbench *d)
{
    for (size_t i = 0; i < EVICT_BYTES; i += 64)
        d->evict[i]++;
    __asm__ __volatile__("" ::: "memory");
}

/* The pair "evict; clock; clock", as decode_cold brackets each decode. */
static int clock_cold_rep(void *ctx, uint64_t *ns)
{
    struct dbench *d = ctx;
    uint64_t total = 0, t0, t1;
    for (uint64_t r = 0; r < d->rounds; r++)
        for (size_t i = 0; i < MIX_LEN; i++) {
            evict_caches(d);
            if (now_ns(&t0) || now_ns(&t1))
                return fail(d->name, "clock_gettime: %s", strerror(errno));
            total += t1 - t0;
        }
    *ns = total;
    return 0;
}

/* Each decode alone, after sweeping L1 and L2; the sweep is not timed, the clock pair is subtracted. */
static int decode_cold_rep(void *ctx, uint64_t *ns)
{
    struct dbench *d = ctx;
    vmf_x86_access acc;
    int bad = 0;
    uint64_t sum = 0, total = 0, t0, t1;
    for (uint64_t r = 0; r < d->rounds; r++)
        for (size_t i = 0; i < MIX_LEN; i++) {
            evict_caches(d);
            if (now_ns(&t0))
                return fail(d->name, "clock_gettime: %s", strerror(errno));
            bad |= vmf_x86_decode(decode_mix[i].bytes, decode_mix[i].len, &acc);
            if (now_ns(&t1))
                return fail(d->name, "clock_gettime: %s", strerror(errno));
            total += t1 - t0;
            sum += acc.size + acc.length;
        }
    if (bad)
        return fail(d->name, "vmf_x86_decode failed on an instruction of the mix");
    double clock = d->clock_ns * (double)(d->rounds * MIX_LEN);
    *ns = (double)total > clock ? (uint64_t)((double)total - clock) : 0;
    d->sink += sum;
    return 0;
}

/* Zydis as the engine calls it, minus vmfault's classification: one decoder, full decode with operands. */
static int zydis_rep(void *ctx, uint64_t *ns)
{
    struct dbench *d = ctx;
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    bool bad = false;
    uint64_t sum = 0, t0, t1;
    if (now_ns(&t0))
        return fail(d->name, "clock_gettime: %s", strerror(errno));
    for (uint64_t r = 0; r < d->rounds; r++)
        for (size_t i = 0; i < MIX_LEN; i++) {
            bad |= !ZYAN_SUCCESS(ZydisDecoderDecodeFull(&d->zd, decode_mix[i].bytes, decode_mix[i].len, &in, ops));
            sum += in.length + in.operand_count;
        }
    if (now_ns(&t1))
        return fail(d->name, "clock_gettime: %s", strerror(errno));
    *ns = t1 - t0;
    if (bad)
        return fail(d->name, "ZydisDecoderDecodeFull failed on an instruction of the mix");
    d->sink += sum;
    return 0;
}

static int decode_figures(const struct opts *o, struct results *res)
{
    /* Decode must accept every instruction of the mix, at its full length: a benchmark of error
     * returns measures nothing. */
    for (size_t i = 0; i < MIX_LEN; i++) {
        vmf_x86_access acc;
        int st = vmf_x86_decode(decode_mix[i].bytes, decode_mix[i].len, &acc);
        if (st)
            return fail("decode", "vmf_x86_decode(%s): %s", decode_mix[i].text, vmf_strerror(st));
        if (acc.length != decode_mix[i].len || acc.nmem == 0 || acc.size == 0)
            return fail("decode",
                        "vmf_x86_decode(%s): length %u, %u memory operand(s) of %u bytes; expected "
                        "length %u and a memory operand",
                        decode_mix[i].text, acc.length, acc.nmem, acc.size, decode_mix[i].len);
    }
    struct dbench d = {.name = "decode", .rounds = scaled(o, 20000)};
    if (measure(o, res, "decode", "ns/call", "vmf_x86_decode, 32-instruction memory-operand mix, warm caches",
                d.rounds * MIX_LEN, decode_rep, &d))
        return -1;

    d = (struct dbench){.name = "decode_cold", .rounds = scaled(o, 20)};
    if (skipped(o, d.name))
        return measure(o, res, d.name, NULL, NULL, 0, NULL, NULL) ||
               measure(o, res, "zydis_full", NULL, NULL, 0, NULL, NULL);
    d.evict = calloc(EVICT_BYTES, 1);
    if (!d.evict)
        return fail(d.name, "out of memory for the %u-byte sweep buffer", EVICT_BYTES);
    struct results tmp = {.n = 0};
    int st = measure(o, &tmp, "clock_cold", "ns/call", "", d.rounds * MIX_LEN, clock_cold_rep, &d);
    if (!st) {
        d.clock_ns = tmp.fig[0].ns;
        res->clock_cold_ns = d.clock_ns;
        st = measure(o, res, "decode_cold", "ns/call",
                     "same mix, each decode after a 4 MiB sweep evicts L1/L2 (clock pair subtracted)",
                     d.rounds * MIX_LEN, decode_cold_rep, &d);
    }
    free(d.evict);
    if (st)
        return -1;

    d = (struct dbench){.name = "zydis_full", .rounds = scaled(o, 20000)};
    if (!ZYAN_SUCCESS(ZydisDecoderInit(&d.zd, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)))
        return fail(d.name, "ZydisDecoderInit failed");
    return measure(o, res, "zydis_full", "ns/call",
                   "raw Zydis, one decoder, ZydisDecoderDecodeFull with operands, same mix (reference)",
                   d.rounds * MIX_LEN, zydis_rep, &d);
}

/* ---- the figures ---------------------------------------------------------------------------------- */

/* Every measured figure, for --skip (ram_load, the baseline, cannot be skipped). */
static const char *const figure_names[] = {
    "ram_store",        "raw_ram_load", "raw_mmio",    "raw_mmio_codehook", "fast_load",     "exit_load",
    "fast_store",       "exit_store",   "fast_load64", "exit_load64",       "fast_store64",  "exit_store64",
    "fast_rmw",         "exit_rmw",     "port_out",    "port_in",           "port_out_exit", "cpuid",
    "vmcall",           "rdtsc",        "decode",      "decode_cold",       "zydis_full",    "alu_raw",
    "alu_raw_codehook", "alu_vmfault",
};

static int run_all(const struct opts *o, struct results *res)
{
    const enum vmf_path F = VMF_PATH_FAST, E = VMF_PATH_EXIT, D = VMF_PATH_DEFAULT;
    /* Iteration counts: about 50-200 ms per repetition on a 2-core shared machine. */
    if (vfigure(o, res, "ram_load", "vmfault VM, mov eax, [rbx] from RAM (the baseline)", LOOP_LOAD, TGT_RAM, D,
                3000000) ||
        vfigure(o, res, "ram_store", "vmfault VM, mov [rbx], eax to RAM (reference only, not a baseline)", LOOP_STORE,
                TGT_RAM, D, 1000000) ||
        rfigure(o, res, "raw_ram_load", "raw Unicorn, mov eax, [rbx] from RAM, no hooks (UNICORN-NOTES' floor)",
                LOOP_LOAD, false, false, 30000000) ||
        rfigure(o, res, "raw_mmio", "raw Unicorn, uc_mmio_map read callback, no code hook", LOOP_LOAD, true, false,
                3000000) ||
        rfigure(o, res, "raw_mmio_codehook", "raw Unicorn, uc_mmio_map + trivial UC_HOOK_CODE (fair raw comparison)",
                LOOP_LOAD, true, true, 2000000) ||
        vfigure(o, res, "fast_load", "fast path, mov eax, [rbx]: one 4-byte fault", LOOP_LOAD, TGT_MMIO, F, 600000) ||
        vfigure(o, res, "exit_load", "exit path, mov eax, [rbx]: one 4-byte fault", LOOP_LOAD, TGT_MMIO, E, 200000) ||
        vfigure(o, res, "fast_store", "fast path, mov [rbx], eax", LOOP_STORE, TGT_MMIO, F, 1000000) ||
        vfigure(o, res, "exit_store", "exit path, mov [rbx], eax", LOOP_STORE, TGT_MMIO, E, 200000) ||
        vfigure(o, res, "fast_load64", "fast path, mov rax, [rbx]: two 4-byte callbacks, one 8-byte fault", LOOP_LOAD64,
                TGT_MMIO, F, 600000) ||
        vfigure(o, res, "exit_load64", "exit path, mov rax, [rbx]: one 8-byte fault", LOOP_LOAD64, TGT_MMIO, E,
                200000) ||
        vfigure(o, res, "fast_store64", "fast path, mov [rbx], rax: two 4-byte callbacks, one 8-byte fault",
                LOOP_STORE64, TGT_MMIO, F, 600000) ||
        vfigure(o, res, "exit_store64", "exit path, mov [rbx], rax: one 8-byte fault", LOOP_STORE64, TGT_MMIO, E,
                200000) ||
        vfigure(o, res, "fast_rmw", "fast path, add [rbx], eax: a read and a write fault", LOOP_RMW, TGT_MMIO, F,
                600000) ||
        vfigure(o, res, "exit_rmw", "exit path, add [rbx], eax: two exits, two replays", LOOP_RMW, TGT_MMIO, E,
                100000) ||
        vfigure(o, res, "port_out", "out dx, al to a vmf_x86_add_ports range (served inside vmf_run)", LOOP_OUT,
                TGT_PORTS, D, 200000) ||
        vfigure(o, res, "port_in", "in al, dx from the same range", LOOP_IN, TGT_PORTS, D, 200000) ||
        vfigure(o, res, "port_out_exit", "out dx, al to an unregistered port: INOUT exit, vmf_x86_advance, vmf_run",
                LOOP_OUT, TGT_PORT_EXIT, D, 200000) ||
        vfigure(o, res, "cpuid", "xor eax, eax; cpuid: leaf 0 from the VM's default CPUID table", LOOP_CPUID, TGT_NONE,
                D, 200000) ||
        vfigure(o, res, "vmcall", "mov eax, 0x42; vmcall: a vmf_x86_set_vmcall handler", LOOP_VMCALL, TGT_NONE, D,
                200000) ||
        vfigure(o, res, "rdtsc", "rdtsc: virtual time (retired instructions)", LOOP_RDTSC, TGT_NONE, D, 200000) ||
        decode_figures(o, res) ||
        rfigure(o, res, "alu_raw", "ALU loop, raw Unicorn, no hooks", LOOP_ALU, false, false, 50000000) ||
        rfigure(o, res, "alu_raw_codehook", "ALU loop, raw Unicorn + trivial UC_HOOK_CODE", LOOP_ALU, false, true,
                3000000) ||
        vfigure(o, res, "alu_vmfault", "ALU loop, vmfault VM (its code hook: budget, exact RIP, intercepts)", LOOP_ALU,
                TGT_NONE, D, 1500000))
        return -1;
    const struct figure *v = find_figure(res, "alu_vmfault"), *r = find_figure(res, "alu_raw");
    if (!v || !r)
        return 0; /* one was skipped */
    return add_derived(res, "code_hook_overhead", "ns/insn",
                       "alu_vmfault - alu_raw: vmfault's code hook per guest instruction", v->ns - r->ns, v->count);
}

/* ---- output ------------------------------------------------------------------------------------------ */

struct versions {
    unsigned uc_major, uc_minor, uc_patch;
    unsigned zy_major, zy_minor, zy_patch;
};

static void get_versions(struct versions *v)
{
    unsigned uc = uc_version(&v->uc_major, &v->uc_minor);
    v->uc_patch = (uc >> 8) & 0xffu; /* Unicorn 2: major << 24 | minor << 16 | patch << 8 | extra */
    ZyanU64 zy = ZydisGetVersion();
    v->zy_major = ZYDIS_VERSION_MAJOR(zy);
    v->zy_minor = ZYDIS_VERSION_MINOR(zy);
    v->zy_patch = ZYDIS_VERSION_PATCH(zy);
}

static double mips(const struct results *res, const char *name)
{
    const struct figure *f = find_figure(res, name);
    return f && f->ns > 0.0 ? 1000.0 / f->ns : 0.0;
}

static void print_table(const struct opts *o, const struct results *res, const struct versions *v, double base)
{
    printf("# vmfault bench_x86: x86-64 fault dispatch on Unicorn %u.%u.%u, Zydis %u.%u.%u\n", v->uc_major, v->uc_minor,
           v->uc_patch, v->zy_major, v->zy_minor, v->zy_patch);
    printf("# median of %u repetitions after 1 warm-up%s; ratio = ns / ram_load ns of this run\n", o->reps,
           o->quick ? " (--quick: 10x fewer iterations)" : "");
    printf("# ns/op: per loop iteration (one guest operation + dec r12 + jnz); vmfault always runs a UC_HOOK_CODE\n"
           "# (exact RIP, virtual time, intercepts): raw_mmio_codehook is the fair raw comparison for fast_load\n");
    printf("%-20s %-8s %10s %9s %10s  %s\n", "figure", "unit", "ns", "ratio", "count", "what");
    for (size_t i = 0; i < res->n; i++) {
        const struct figure *f = &res->fig[i];
        printf("%-20s %-8s %10.1f %9.2f %10llu  %s\n", f->name, f->unit, f->ns, f->ns / base,
               (unsigned long long)f->count, f->what);
    }
    for (size_t i = 0; i < res->nskipped; i++)
        printf("%-20s %-8s %10s %9s %10s  skipped (--skip)\n", res->skipped[i], "-", "-", "-", "-");
    printf("# decode throughput: %.2f M insn/s warm, %.2f M insn/s cold (raw Zydis %.2f M/s); "
           "cold clock pair subtracted: %.1f ns\n",
           mips(res, "decode"), mips(res, "decode_cold"), mips(res, "zydis_full"), res->clock_cold_ns);
}

static void print_yaml(const struct opts *o, const struct results *res, const struct versions *v, double base)
{
    printf("bench: bench_x86\n");
    printf("unicorn: \"%u.%u.%u\"\n", v->uc_major, v->uc_minor, v->uc_patch);
    printf("zydis: \"%u.%u.%u\"\n", v->zy_major, v->zy_minor, v->zy_patch);
    printf("repetitions: %u\nwarmup: 1\nquick: %s\nbaseline: ram_load\n", o->reps, o->quick ? "true" : "false");
    printf("decode_minsn_per_s: {warm: %.2f, cold: %.2f, zydis: %.2f}\n", mips(res, "decode"), mips(res, "decode_cold"),
           mips(res, "zydis_full"));
    printf("clock_cold_ns: %.1f\n", res->clock_cold_ns);
    printf("skipped: [");
    for (size_t i = 0; i < res->nskipped; i++)
        printf("%s%s", i ? ", " : "", res->skipped[i]);
    printf("]\n");
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
            "usage: bench_x86 [--quick] [--reps N] [--yaml] [--skip NAME]...\n"
            "  --quick      10x fewer iterations (CI smoke runs)\n"
            "  --reps N     timed repetitions per figure, 1..%d (default 5), after 1 warm-up\n"
            "  --yaml       print YAML instead of the table\n"
            "  --skip NAME  do not measure figure NAME (up to %d times; not ram_load, the baseline)\n",
            MAX_REPS, MAX_SKIPS);
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
                fprintf(stderr, "bench_x86: --reps must be 1..%d, not '%s'\n", MAX_REPS, argv[i]);
                return 2;
            }
            o.reps = (unsigned)n;
        } else if (!strcmp(argv[i], "--skip") && i + 1 < argc) {
            if (o.nskip == MAX_SKIPS || !strcmp(argv[i + 1], "ram_load")) {
                fprintf(stderr, "bench_x86: --skip: at most %d figures, and not ram_load (the baseline)\n", MAX_SKIPS);
                return 2;
            }
            o.skip[o.nskip++] = argv[++i];
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "bench_x86: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    struct results res;
    memset(&res, 0, sizeof(res));
    for (unsigned i = 0; i < o.nskip; i++) {
        bool found = false;
        for (size_t k = 0; k < sizeof(figure_names) / sizeof(figure_names[0]); k++)
            found |= !strcmp(figure_names[k], o.skip[i]);
        if (!found) {
            fprintf(stderr, "bench_x86: --skip %s: no such figure\n", o.skip[i]);
            return 2;
        }
    }
    if (run_all(&o, &res))
        return 1;
    const struct figure *base = find_figure(&res, "ram_load");
    if (!base || !(base->ns > 0.0)) {
        fprintf(stderr, "bench_x86: no usable ram_load baseline\n");
        return 1;
    }
    struct versions v;
    get_versions(&v);
    if (o.yaml)
        print_yaml(&o, &res, &v, base->ns);
    else
        print_table(&o, &res, &v, base->ns);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "bench_x86: writing the output: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
