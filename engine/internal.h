/* vmfault engine — private types shared by engine/ files (tests may include it). */
#ifndef VMFAULT_ENGINE_INTERNAL_H
#define VMFAULT_ENGINE_INTERNAL_H

#include <stdarg.h>
#include <unicorn/unicorn.h>

#include "vmfault/fault.h"
#include "vmfault/memory.h"
#include "vmfault/vm.h"
#include "vmfault/x86.h"

/* ---- memory map ------------------------------------------------------------ */

enum region_kind {
    REGION_RAM = 1,         /* host-backed bytes */
    REGION_RESERVATION = 2, /* a reservation, mapped or not */
    REGION_ANON_POOL = 3,   /* vm_memory_make_anon space not yet reserved: not accessible */
};

struct vm_memory_reservation {
    vm_t *vm;
    uint64_t base, size;
    memory_fault_callback_fn callback;
    void *cookie;
    memory_map_iterator_fn map_iterator; /* set while a deferred mapping waits for a touch */
    void *map_cookie;
    bool mapped;  /* backed by frames: RAM now */
    bool anon;    /* carved out of the anon pool */
    uint8_t path; /* VMF_PATH_FAST or VMF_PATH_EXIT (never DEFAULT) */
    char name[32];
};

/* One non-overlapping guest-physical range. */
struct region {
    uint64_t base, size;
    uint8_t kind;                 /* enum region_kind */
    uint8_t *host;                /* REGION_RAM: bytes */
    bool owned;                   /* host was allocated by the VM */
    vm_memory_reservation_t *res; /* REGION_RESERVATION */
};

/* A contiguous host buffer mapped at a guest range (RAM, or one frame of a
 * mapped reservation).  Unicorn maps these with uc_mem_map_ptr. */
struct chunk {
    uint64_t base, size;
    uint8_t *host;
};

struct memmap {
    struct region *regions; /* sorted by base */
    size_t nregions, cap;
    struct chunk *chunks; /* sorted by base */
    size_t nchunks, ccap;
    void **owned; /* host buffers the VM frees */
    size_t nowned, ocap;
    uint64_t gen; /* bumped on every change Unicorn must see */
};

int memmap_insert(struct memmap *m, const struct region *r);
int memmap_remove(struct memmap *m, uint64_t base);
int memmap_check_range(uint64_t base, uint64_t size);
/* Region holding addr, or NULL. */
struct region *memmap_find(const struct memmap *m, uint64_t addr);
/* Region holding all of [addr, addr+len): VMF_ENOENT when addr is in none,
 * VMF_EBOUNDS when the access runs past the end of the region that holds addr. */
int memmap_lookup(const struct memmap *m, uint64_t addr, uint64_t len, struct region **out);
int memmap_add_chunk(struct memmap *m, uint64_t base, uint64_t size, uint8_t *host);
void memmap_remove_chunks(struct memmap *m, uint64_t base, uint64_t size);
/* Host pointer for [addr, addr+len) when it lies inside one chunk, else NULL. */
uint8_t *memmap_host(const struct memmap *m, uint64_t addr, uint64_t len);
int memmap_own(struct memmap *m, void *p);
void memmap_free(struct memmap *m);

/* ---- the instruction in flight --------------------------------------------- */

#define VMF_MAX_BEATS 8

/* One access of at most 8 bytes that an instruction makes. */
struct beat {
    uint64_t addr;
    uint64_t data; /* write: bytes to store; read: bytes loaded */
    uint8_t size;
    uint8_t elem;   /* which transferred register */
    uint8_t offset; /* byte offset inside that register's element */
    uint8_t wmask;  /* fast path writes: bytes received so far */
    bool done;
    uint8_t dir; /* x86: VMF_ACCESS_READ or _WRITE of this beat (0: the instruction's direction) */
};

enum fast_outcome {
    FAST_OK = 0,
    FAST_MISMATCH,  /* Unicorn's callback is not the guest's access: finish in software */
    FAST_RESTART,   /* restart the instruction */
    FAST_UNHANDLED, /* leave vmf_run with an INST_EMUL exit */
    FAST_ERROR,     /* leave vmf_run with an ERROR exit (message in vcpu) */
};

struct inflight {
    bool active;
    bool fast;       /* prepared inside a fast-path callback */
    bool aborted;    /* the fast path stopped the CPU */
    uint8_t outcome; /* enum fast_outcome of the abort */
    uint64_t pc, icount;
    uint32_t word;
    vmf_arm64_access acc;
    /* x86-64: the decoded instruction, its bytes and its memory operands' addresses */
    vmf_x86_access xacc;
    uint8_t xbytes[15];
    bool xdecoded;    /* xacc holds a decode (else beats follow Unicorn's callbacks) */
    uint64_t xea[2];  /* address of mem[0], mem[1] */
    uint8_t xpending; /* exit path: the beat waiting for its handler outside Unicorn, +1 */
    uint64_t addr, new_base;
    uint8_t nbeats, cur;
    struct beat beats[VMF_MAX_BEATS];
    /* fast path undo: register values at instruction start */
    uint64_t saved_x[VMF_A64_MAX_REGS], saved_rn;
    uint8_t saved_v[VMF_A64_MAX_REGS][16];
    /* and RAM bytes an abandoned straddling store will still write */
    struct saved_byte {
        uint64_t addr;
        uint8_t value;
    } ram_saved[16];
    uint8_t nram_saved;
};

/* ---- vCPU and VM ------------------------------------------------------------- */

enum stop_reason {
    STOP_NONE = 0,
    STOP_LIMIT,    /* budget or request_stop */
    STOP_UNMAPPED, /* exit path access or access outside every region */
    STOP_FAST,     /* fast path abort */
    STOP_INTR,     /* CPU exception */
    STOP_MAP,      /* memory map changed under a running vCPU */
    STOP_BPT,      /* the breakpoint */
    STOP_EXCL,     /* a store-exclusive to a reservation whose load-exclusive vmfault emulated */
    STOP_IRQ,      /* an unmasked interrupt input: take it before the next instruction */
    STOP_X86_EXIT, /* x86: an instruction a VMX hypervisor intercepts, not executed yet */
};

/* x86: the exit-path outcome of an MMIO callback (after enum fast_outcome) */
#define FAST_X86_EXIT_BEAT 16

struct mmio_ctx {
    vmf_vcpu *vcpu;
    vm_memory_reservation_t *res;
};

struct mapped_range {
    uint64_t base, size;
    uint8_t *host;                /* chunk, or NULL for an MMIO range */
    vm_memory_reservation_t *res; /* MMIO range */
    struct mmio_ctx *ctx;         /* MMIO range: Unicorn's user data (stable address) */
};

struct vmf_vcpu_impl {
    uc_engine *uc;
    uc_hook h_code, h_unmapped, h_intr, h_mrs, h_msr;
    vmf_vcpu *self;
    uint64_t icount, limit;
    uint64_t cur_pc;
    uint64_t rng;        /* RNDR: a deterministic sequence, never host entropy */
    uint64_t bpt;        /* breakpoint PC or VMF_BPT_NONE */
    uint64_t budget;     /* the caller's instruction limit; `limit` may stop earlier (timer) */
    uint8_t exc_mode;    /* enum vmf_exc_mode */
    uint64_t exc_icount; /* virtual time of the last synchronous exception */
    unsigned exc_streak; /* synchronous exceptions since an instruction last retired */
    bool irq_in, fiq_in; /* interrupt inputs */
    struct arm64_timer {
        uint32_t ctl; /* ENABLE bit 0, IMASK bit 1 (ISTATUS computed) */
        uint64_t cval;
        bool out;             /* the level last reported to the PPI sink */
    } timer[2];               /* [0] physical (CNTP, INTID 30), [1] virtual (CNTV, INTID 27) */
    const struct memmap *map; /* the VM's, for the code hook */
    bool excl_watch;          /* an emulated load-exclusive armed the monitor at excl_addr */
    uint64_t excl_addr;
    bool bpt_skip; /* the run started on the breakpoint: execute it once */
    uint8_t stop;  /* enum stop_reason */
    bool stop_requested;
    uint8_t suspend_how; /* vmf_vcpu_request_suspend: the SUSPENDED exit to leave with, 0 none */
    bool in_run;
    int intno;
    struct {
        int type;
        uint64_t addr;
        int size;
        int64_t value;
    } unmapped;
    struct inflight fl;
    vmf_fault fault;
    bool fault_pending;   /* fault is current (in a callback, or after INST_EMUL) */
    bool fault_advanced;  /* advance_vcpu_fault was called */
    bool fault_restarted; /* restart_vcpu_fault was called */
    bool fault_data_set;
    char errmsg[192];
    int errstatus;
    /* x86-64 */
    struct x86_vcpu *x86;
    /* what this vCPU's Unicorn currently maps */
    struct mapped_range *maps;
    size_t nmaps, mapcap;
    uint64_t map_gen;
};

struct vmf_vm_impl {
    enum vmf_arch arch;
    struct memmap map;
    uint8_t default_path;
    bool defer_map;
    bool map_changed_in_run;
    vmf_fault_observer_fn observer;
    void *observer_cookie;
    vmf_irq_sink_fn irq_sink;
    void *irq_cookie;
    vmf_ppi_sink_fn ppi_sink;
    void *ppi_cookie;
    vmf_exception_observer_fn exc_observer;
    void *exc_cookie;
    uint8_t psci;       /* enum vmf_psci_conduit */
    struct x86_vm *x86; /* x86-64: dispatch tables (arch/x86_exits.c) */
    uint64_t irq_levels[VMF_IRQ_LINES / 64];
    char name[64];
    char lasterr[192];
    int laststatus;
};

/* Record a failure of a sel4vm-style call on the VM (for vmf_vm_last_error). */
int vm_fail(vm_t *vm, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Fill an ERROR exit. */
void exit_error(vmf_exit *exit, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Tell running vCPUs that the map changed. */
void vm_map_changed(vm_t *vm);

/* ---- the fault life cycle (fault.c) ----------------------------------------- */

enum dispatch {
    DISPATCH_DONE = 0, /* beat completed */
    DISPATCH_RESTART,
    DISPATCH_UNHANDLED,
    DISPATCH_ERROR, /* message in vcpu->impl->errmsg */
};

/* Offer one beat of the in-flight instruction to its reservation's handler. */
int fault_dispatch(vmf_vcpu *vcpu, vm_memory_reservation_t *res, struct beat *b, uint8_t path);
/* Turn a handler result (or a caller completing an INST_EMUL exit) into a dispatch outcome. */
int fault_resolve(vmf_vcpu *vcpu, struct beat *b, int result);
void vcpu_error(vmf_vcpu *vcpu, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- AArch64 backend (arch/arm64.c) ------------------------------------------ */

int arm64_vcpu_init(vmf_vcpu *vcpu);
void arm64_vcpu_fini(vmf_vcpu *vcpu);
int arm64_reg_read(vmf_vcpu *vcpu, unsigned reg, uint64_t *v);
int arm64_reg_write(vmf_vcpu *vcpu, unsigned reg, uint64_t v);
int arm64_vreg_read(vmf_vcpu *vcpu, unsigned n, uint8_t v[16]);
int arm64_vreg_write(vmf_vcpu *vcpu, unsigned n, const uint8_t v[16]);
/* Decode the instruction at pc and lay out its beats in fl (registers read now). */
int arm64_prepare(vmf_vcpu *vcpu, struct inflight *fl, uint64_t pc, vmf_exit *exit);
/* Fill write beats' data from the registers. */
int arm64_gather_store_data(vmf_vcpu *vcpu, struct inflight *fl);
/* Write loaded data, writeback and status registers; step the PC. */
int arm64_commit(vmf_vcpu *vcpu, struct inflight *fl);
/* Save / restore the registers the instruction may write (fast-path undo). */
int arm64_save(vmf_vcpu *vcpu, struct inflight *fl);
int arm64_undo(vmf_vcpu *vcpu, struct inflight *fl);

/* arch/arm64_exc.c: exception entry, interrupts, PSCI */
enum exc_kind {
    EXC_SYNC = 0,
    EXC_IRQ = 1,
    EXC_FIQ = 2,
};
/* Enter the EL1 vector for `kind` with the given return address (and for
 * synchronous exceptions ESR_EL1 / FAR_EL1).  VMF_EUNSUPP from EL0. */
int arm64_take_exception(vmf_vcpu *vcpu, enum exc_kind kind, uint64_t elr, uint32_t esr, bool set_far, uint64_t far);
/* The code hook's question: is an interrupt input raised and unmasked? */
bool arm64_irq_deliverable(struct vmf_vcpu_impl *v);
/* After an UC_HOOK_INTR stop: SVC, HVC, SMC, BRK, undefined.  Fills *exit and
 * returns 1 when the run must leave vmf_run, 0 to continue. */
int arm64_handle_intr(vmf_vcpu *vcpu, vmf_exit *exit);
/* An access or fetch outside every region: vector it (returns 1) in DELIVER
 * mode, else 0 (the caller reports PAGING). */
int arm64_deliver_abort(vmf_vcpu *vcpu, uint64_t pc, uint64_t addr, bool fetch, const vmf_arm64_access *acc);

/* arch/arm64_timer.c: the generic timer on virtual time */
bool arm64_timer_sysreg(vmf_vcpu *vcpu, const uc_arm64_cp_reg *cp, bool write, uint64_t *value);
void arm64_timer_update(vmf_vcpu *vcpu);

/* ---- x86-64 backend (arch/x86.c, arch/x86_exits.c) ----------------------------------- */

int x86_vm_init(vm_t *vm);
void x86_vm_fini(vm_t *vm);
int x86_vcpu_init(vmf_vcpu *vcpu);
void x86_vcpu_fini(vmf_vcpu *vcpu);
int x86_reg_read(vmf_vcpu *vcpu, unsigned reg, uint64_t *v);
int x86_reg_write(vmf_vcpu *vcpu, unsigned reg, uint64_t v);
int x86_vreg_read(vmf_vcpu *vcpu, unsigned n, uint8_t v[16]);
int x86_vreg_write(vmf_vcpu *vcpu, unsigned n, const uint8_t v[16]);
int x86_run(vmf_vcpu *vcpu, vmf_exit *exit);
uint64_t x86_mmio_read(uc_engine *uc, uint64_t offset, unsigned size, void *user);
void x86_mmio_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *user);
/* Decode and dispatch the intercepted instruction at cur_pc: 1 to leave vmf_run with *exit. */
int x86_handle_exit_insn(vmf_vcpu *vcpu, vmf_exit *exit);
/* x86_exit_kind for RCL/RCR with a memory operand (C0 C1 D0-D3 /2 /3, mod != 3) and SETcc
 * m8 (0F 90-9F, mod != 3).  Unicorn computes the flags into its CC_SRC before
 * the access (QEMU's gen_rotc_rm_T1, and gen_prepare_cc's slow paths for
 * O, BE, P, L, LE, and S and Z at the start of a block), and RCL/RCR's helper
 * writes the new flags there before the store; an abort in a callback
 * restores Unicorn's lazy CC_OP but not CC_SRC, so the flags after it are
 * garbage (CF and OF of a SHL before it lost, in one probe) and a replay
 * rotates in the wrong carry or sets the wrong byte.  The flags are taken
 * at the code hook instead and put back with the other undo state
 * (inflight(), undo()). */
#define X86_KEEP_FLAGS (-1)

/* Classify the instruction at p (0: not an intercepted one, X86_KEEP_FLAGS,
 * else the intercepted kind) and give its
 * length; `exact`: n is its length (from Unicorn), else n bytes are available. */
int x86_exit_kind(const uint8_t *p, size_t n, bool exact, uint8_t *len);

/* ---- run loop helpers (run.c) ------------------------------------------------- */

int vcpu_sync_maps(vmf_vcpu *vcpu);
/* The vCPU's next random number (RNDR, RDRAND, RDSEED): a fixed-seed
 * xorshift64, never host entropy. */
uint64_t vcpu_random(struct vmf_vcpu_impl *v);
/* Before each slice of a run loop (both backends): a suspend or stop request
 * or the used-up budget ends the run; true with *exit filled then. */
bool run_slice_ends(struct vmf_vcpu_impl *v, vmf_exit *exit);
int reservation_map_deferred(vm_t *vm, vm_memory_reservation_t *res);

#endif
