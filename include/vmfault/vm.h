/* vmfault — virtual machines, vCPUs, registers and the run loop.
 *
 * A vmf_vm is the same object as libsel4vm's vm_t, a vmf_vcpu the same as
 * vm_vcpu_t: handlers written against <sel4vm/...> receive these.  Nothing is
 * global: every call takes the VM or vCPU it works on, and two VMs can run on
 * two threads at once.
 */
#ifndef VMFAULT_VM_H
#define VMFAULT_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sel4vm/guest_vm.h>

#include "vmfault/decode_arm64.h"
#include "vmfault/decode_x86.h"
#include "vmfault/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vm vmf_vm;
typedef struct vm_vcpu vmf_vcpu;

enum vmf_arch {
    VMF_ARCH_ARM64 = 1,
    VMF_ARCH_X86_64 = 2, /* long mode, CPL0, flat segments: <vmfault/x86.h> */
};

/* How accesses to a reservation are trapped (DESIGN.md, "Two trap paths").
 * Both give the same faults, data and register results. */
enum vmf_path {
    VMF_PATH_DEFAULT = 0, /* the VM's default (itself FAST unless changed) */
    VMF_PATH_FAST = 1,    /* Unicorn MMIO callbacks; Unicorn completes the instruction */
    VMF_PATH_EXIT = 2,    /* the access stops the CPU; vmfault decodes and completes it */
};

/* ---- lifecycle ---------------------------------------------------------- */

int vmf_vm_create(enum vmf_arch arch, const char *name, vmf_vm **out);
void vmf_vm_destroy(vmf_vm *vm);
/* Add a vCPU (at most CONFIG_MAX_NUM_NODES).  AArch64 starts at EL1h, PC 0;
 * x86-64 in 64-bit long mode at CPL0, RIP 0, RFLAGS 0x2. */
int vmf_vcpu_create(vmf_vm *vm, vmf_vcpu **out);
enum vmf_arch vmf_vm_arch(const vmf_vm *vm);
/* Text of the last error a sel4vm-style call (that can only return NULL or -1)
 * hit on this VM, with its status code; "" and 0 when none. */
const char *vmf_vm_last_error(const vmf_vm *vm, int *status);

/* Trap path for reservations created from now on without an explicit path. */
int vmf_vm_set_default_path(vmf_vm *vm, enum vmf_path path);
/* libsel4vm's CONFIG_LIB_SEL4VM_DEFER_MEMORY_MAP as a run-time switch:
 * vm_map_reservation records the iterator and maps on first touch. */
int vmf_vm_set_defer_memory_map(vmf_vm *vm, bool defer);

/* ---- registers ------------------------------------------------------------ */

/* AArch64 register numbers for vmf_reg_read / vmf_reg_write. */
enum vmf_arm64_reg {
    VMF_ARM64_X0 = 0, /* X0..X30 are 0..30 */
    VMF_ARM64_SP = 31,
    VMF_ARM64_PC = 32,
    VMF_ARM64_NZCV = 33,
    VMF_ARM64_FPSR = 34,
    VMF_ARM64_FPCR = 35,
    VMF_ARM64_PSTATE = 36, /* read only: EL, SP select, DAIF, NZCV (Unicorn cannot change EL this way) */
    VMF_ARM64_REG_COUNT
};

/* AArch64 system registers by their MRS/MSR encoding. */
#define VMF_A64_SYSREG(op0, op1, crn, crm, op2)                                                                        \
    ((uint32_t)(op0) << 16 | (uint32_t)(op1) << 12 | (uint32_t)(crn) << 8 | (uint32_t)(crm) << 4 | (uint32_t)(op2))
#define VMF_A64_SCTLR_EL1 VMF_A64_SYSREG(3, 0, 1, 0, 0)
#define VMF_A64_TTBR0_EL1 VMF_A64_SYSREG(3, 0, 2, 0, 0)
#define VMF_A64_SPSR_EL1 VMF_A64_SYSREG(3, 0, 4, 0, 0)
#define VMF_A64_ELR_EL1 VMF_A64_SYSREG(3, 0, 4, 0, 1)
#define VMF_A64_SP_EL0 VMF_A64_SYSREG(3, 0, 4, 1, 0)
#define VMF_A64_ESR_EL1 VMF_A64_SYSREG(3, 0, 5, 2, 0)
#define VMF_A64_FAR_EL1 VMF_A64_SYSREG(3, 0, 6, 0, 0)
#define VMF_A64_VBAR_EL1 VMF_A64_SYSREG(3, 0, 12, 0, 0)
#define VMF_A64_TPIDR_EL1 VMF_A64_SYSREG(3, 0, 13, 0, 4)
#define VMF_A64_MPIDR_EL1 VMF_A64_SYSREG(3, 0, 0, 0, 5)

int vmf_sysreg_read(vmf_vcpu *vcpu, uint32_t sysreg, uint64_t *value);
int vmf_sysreg_write(vmf_vcpu *vcpu, uint32_t sysreg, uint64_t value);

int vmf_reg_read(vmf_vcpu *vcpu, unsigned reg, uint64_t *value);
int vmf_reg_write(vmf_vcpu *vcpu, unsigned reg, uint64_t value);
/* SIMD&FP register Vn as 16 little-endian bytes. */
int vmf_vreg_read(vmf_vcpu *vcpu, unsigned n, uint8_t value[16]);
int vmf_vreg_write(vmf_vcpu *vcpu, unsigned n, const uint8_t value[16]);

/* Virtual time: guest instructions this vCPU has retired. */
uint64_t vmf_vcpu_icount(const vmf_vcpu *vcpu);

/* ---- the run loop and its exits (after FreeBSD bhyve's struct vm_exit) ---- */

enum vmf_exitcode {
    VMF_EXIT_BUDGET = 1,    /* the instruction budget of vmf_run is used up */
    VMF_EXIT_INST_EMUL = 2, /* a fault no handler completed (FAULT_UNHANDLED or no callback) */
    VMF_EXIT_PAGING = 3,    /* an access or fetch outside every region */
    VMF_EXIT_HLT = 4,       /* WFI / WFE: the vCPU waits for an interrupt */
    VMF_EXIT_EXCEPTION = 5, /* the guest raised an exception vmfault does not deliver (SVC, UDF, ...) */
    VMF_EXIT_ERROR = 6,     /* the run cannot go on: see u.error */
    VMF_EXIT_STOP = 7,      /* vmf_vcpu_request_stop was called */
    VMF_EXIT_BPT = 8,       /* the PC reached the breakpoint (vmf_vcpu_set_breakpoint), not executed yet */
    VMF_EXIT_SUSPENDED = 9, /* PSCI SYSTEM_OFF / SYSTEM_RESET, or this vCPU called CPU_OFF: see u.suspended */
    /* x86-64 only (bhyve's exit codes of the same names); RIP is left on the
     * instruction: vmf_x86_advance steps past it (<vmfault/x86.h>). */
    VMF_EXIT_INOUT = 10,  /* IN, OUT, INS, OUTS to a port no handler took: see u.inout */
    VMF_EXIT_RDMSR = 11,  /* u.msr.code; the caller sets EDX:EAX */
    VMF_EXIT_WRMSR = 12,  /* u.msr.code, u.msr.wval */
    VMF_EXIT_CPUID = 13,  /* u.cpuid: the leaf (EAX) and subleaf (ECX) */
    VMF_EXIT_VMCALL = 14, /* u.vmcall: RAX and the argument registers */
    VMF_EXIT_INVD = 15,   /* INVD or WBINVD (u.invd.wb) */
};

/* How a SUSPENDED exit happened (after bhyve's vm_suspend_how). */
enum vmf_suspend_how {
    VMF_SUSPEND_POWEROFF = 1,
    VMF_SUSPEND_RESET = 2,
    VMF_SUSPEND_CPU_OFF = 3,
    VMF_SUSPEND_HALT = 4,         /* x86: HLT with interrupts disabled and nothing that can wake it */
    VMF_SUSPEND_TRIPLE_FAULT = 5, /* x86: an exception the guest cannot take */
};

/* Access kinds for a PAGING exit. */
enum vmf_fault_type {
    VMF_FAULT_READ = 1,
    VMF_FAULT_WRITE = 2,
    VMF_FAULT_EXEC = 4,
};

typedef struct vmf_exit {
    int exitcode;    /* enum vmf_exitcode */
    int inst_length; /* bytes of the instruction at pc; 0 when unknown */
    uint64_t pc;     /* the instruction the exit is about */
    uint64_t icount; /* virtual time at the exit */
    union {
        struct {
            uint64_t gpa;          /* address of the faulting access */
            uint8_t size;          /* bytes, 1..8 */
            uint8_t access;        /* VMF_ACCESS_READ or VMF_ACCESS_WRITE */
            uint64_t data;         /* value written (writes) */
            uint32_t esr;          /* ESR_EL2 a real CPU reports (AArch64) */
            vmf_arm64_access insn; /* the decoded instruction (AArch64) */
            vmf_x86_access x86;    /* the decoded instruction (x86-64) */
            uint32_t ept_qual;     /* the EPT-violation exit qualification (x86-64; fault.h) */
        } inst_emul;
        struct {
            uint64_t gpa;
            int fault_type; /* enum vmf_fault_type */
        } paging;
        struct {
            uint32_t insn;     /* the instruction word */
            uint32_t syndrome; /* Unicorn's exception syndrome, when it gives one */
            int intno;         /* Unicorn's interrupt number (EXCP_* of QEMU) */
        } exception;
        struct {
            int status;        /* a VMF_E* code */
            char message[192]; /* what and where, one line */
        } error;
        struct {
            uint64_t wake_at; /* the vCPU's next timer deadline (virtual time), UINT64_MAX if none */
        } hlt;
        struct {
            int how; /* enum vmf_suspend_how */
        } suspended;
        struct {
            uint16_t port;
            uint8_t bytes;  /* 1, 2 or 4 */
            bool in;        /* IN / INS: the caller supplies eax (vmf_x86_complete_in) */
            bool string;    /* INS / OUTS: one element of the string */
            bool rep;       /* with a REP prefix: RCX elements remain, this is the first */
            uint32_t eax;   /* OUT / OUTS: the value written */
            uint64_t addr;  /* string forms: the memory address of this element (RSI or RDI) */
            uint64_t count; /* string forms with REP: RCX (elements left, this one included) */
        } inout;
        struct {
            uint32_t code; /* ECX */
            uint64_t wval; /* WRMSR: EDX:EAX */
        } msr;
        struct {
            uint32_t leaf, subleaf; /* EAX, ECX */
        } cpuid;
        struct {
            uint64_t nr;      /* RAX: the call number */
            uint64_t args[4]; /* RBX, RCX, RDX, RSI */
        } vmcall;
        struct {
            bool wb; /* WBINVD rather than INVD */
        } invd;
    } u;
} vmf_exit;

/* Run the vCPU for at most max_insns guest instructions (0 = no limit) or
 * until an exit the caller must see.  Returns 0 with *exit filled, or a
 * negative status for misuse (bad arguments, a pending INST_EMUL fault that
 * was neither completed nor restarted).  A run that hits an engine error
 * returns 0 with exitcode VMF_EXIT_ERROR. */
int vmf_run(vmf_vcpu *vcpu, uint64_t max_insns, vmf_exit *exit);

/* Ask a running vCPU to stop at the next instruction boundary (callable from
 * a fault handler of that vCPU). */
void vmf_vcpu_request_stop(vmf_vcpu *vcpu);

/* End the vCPU's run with a SUSPENDED exit of kind `how` (enum
 * vmf_suspend_how) at the next instruction boundary: the access or exit being
 * handled completes first.  What a device that resets or powers off the
 * machine calls (bhyve's vm_suspend): an x86 reset-control register at 0xCF9,
 * an ACPI sleep register.  Callable from any handler.  VMF_EINVAL for a bad how. */
int vmf_vcpu_request_suspend(vmf_vcpu *vcpu, int how);

/* ---- interrupt lines ------------------------------------------------------------
 * Lines 0..VMF_IRQ_LINES-1 are wires into whatever interrupt controller model
 * listens (the sink).  The engine only keeps their levels and reports edges;
 * with no sink a raised line is recorded and goes nowhere. */
#define VMF_IRQ_LINES 1024
typedef void (*vmf_irq_sink_fn)(vmf_vm *vm, uint32_t line, bool level, void *cookie);
int vmf_vm_set_irq_sink(vmf_vm *vm, vmf_irq_sink_fn fn, void *cookie);
/* Drive a line; the sink sees only changes.  VMF_ERANGE for a bad line. */
int vmf_irq_set(vmf_vm *vm, uint32_t line, bool level);
bool vmf_irq_level(const vmf_vm *vm, uint32_t line);

/* One breakpoint per vCPU: vmf_run stops with VMF_EXIT_BPT before executing
 * the instruction at pc.  A run that starts at the breakpoint executes it (so
 * the caller can step past).  VMF_BPT_NONE clears it. */
#define VMF_BPT_NONE UINT64_MAX
int vmf_vcpu_set_breakpoint(vmf_vcpu *vcpu, uint64_t pc);

/* ---- exceptions, interrupts, timer and firmware (AArch64, guest at EL1) ----------
 *
 * Unicorn neither vectors exceptions nor has an interrupt input, so the backend
 * performs exception entry itself: ELR_EL1, SPSR_EL1, ESR_EL1/FAR_EL1 for
 * synchronous exceptions, PSTATE (DAIF masked, EL1h) and the PC at the right
 * VBAR_EL1 offset; the guest's ERET runs natively.  Entry is supported from
 * EL1h, where bare-metal test programs and kernels run: Unicorn cannot be
 * moved between exception levels or stack pointers from outside, so an
 * exception or interrupt taken from EL0 or EL1t stops the run with an error. */
enum vmf_exc_mode {
    VMF_EXC_EXIT = 0,    /* synchronous exceptions and stray accesses leave vmf_run (EXCEPTION, PAGING) */
    VMF_EXC_DELIVER = 1, /* they are vectored into the guest through VBAR_EL1, like hardware */
};
int vmf_vcpu_set_exception_mode(vmf_vcpu *vcpu, enum vmf_exc_mode mode);
/* The vCPU's IRQ and FIQ inputs (an interrupt controller's outputs).  A raised,
 * unmasked input is taken before the next instruction; a masked one waits
 * until the guest clears PSTATE.I/F.  Callable from a fault handler. */
int vmf_vcpu_set_irq_input(vmf_vcpu *vcpu, bool irq, bool fiq);
/* Whether either input is raised (masked or not: a raised input wakes WFI). */
bool vmf_vcpu_irq_pending(const vmf_vcpu *vcpu);
/* Per-CPU interrupt outputs of the vCPUs themselves (the generic timer's PPIs:
 * INTID 30 non-secure physical, 27 virtual), as level changes. */
typedef void (*vmf_ppi_sink_fn)(vmf_vm *vm, unsigned cpu, uint32_t intid, bool level, void *cookie);
int vmf_vm_set_ppi_sink(vmf_vm *vm, vmf_ppi_sink_fn fn, void *cookie);
/* PSCI firmware over HVC or SMC: VERSION (1.0), FEATURES, CPU_ON, CPU_OFF,
 * AFFINITY_INFO, SYSTEM_OFF, SYSTEM_RESET.  MPIDR_EL1 of vCPU n reads
 * 0x80000000 | n.  With VMF_PSCI_NONE, HVC and SMC are exceptions. */
enum vmf_psci_conduit {
    VMF_PSCI_NONE = 0,
    VMF_PSCI_HVC = 1,
    VMF_PSCI_SMC = 2,
};
int vmf_vm_set_psci(vmf_vm *vm, enum vmf_psci_conduit conduit);
/* Observer of every exception the backend delivers into a vCPU (for traces
 * and --explain): kind 0 synchronous, 1 IRQ, 2 FIQ; the syndrome (ESR_EL1,
 * synchronous only), the return address and the vector entered. */
typedef void (*vmf_exception_observer_fn)(vmf_vcpu *vcpu, int kind, uint32_t esr, uint64_t elr, uint64_t vector,
                                          void *cookie);
int vmf_vm_set_exception_observer(vmf_vm *vm, vmf_exception_observer_fn fn, void *cookie);

/* Power state: an offline vCPU is not run (PSCI CPU_ON brings it online). */
int vmf_vcpu_set_online(vmf_vcpu *vcpu, bool online);
/* Let virtual time pass for a waiting vCPU: its counter moves to t (never back). */
int vmf_vcpu_wait_until(vmf_vcpu *vcpu, uint64_t t);
/* The vCPU's next timer deadline in virtual time, UINT64_MAX if none. */
uint64_t vmf_vcpu_next_deadline(const vmf_vcpu *vcpu);

/* Name of an exit code ("INST_EMUL", ...). */
const char *vmf_exit_name(int exitcode);

#ifdef __cplusplus
}
#endif

#endif
