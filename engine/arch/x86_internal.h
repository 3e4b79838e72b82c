/* vmfault engine — x86-64 backend state shared by arch/x86.c and arch/x86_exits.c. */
#ifndef VMFAULT_ENGINE_X86_INTERNAL_H
#define VMFAULT_ENGINE_X86_INTERNAL_H

#include "../internal.h"

/* Architectural MSR numbers the backend serves itself. */
#define X86_MSR_TSC 0x10u
#define X86_MSR_EFER 0xc0000080u
#define X86_MSR_FS_BASE 0xc0000100u
#define X86_MSR_GS_BASE 0xc0000101u
#define X86_MSR_TSC_AUX 0xc0000103u

struct x86_msr {
    uint32_t msr;
    uint64_t value;
};

#define X86_DCACHE 64

struct x86_vcpu {
    /* the RAM chunk that held the last instruction (code_bytes) */
    uint64_t code_base, code_size, code_gen;
    uint8_t *code_host;
    uint8_t exit_len; /* length Unicorn gave the intercepted instruction */
    /* the exit being handled, or the one vmf_run last returned */
    vmf_exit cur;
    bool cur_addr32; /* its instruction has a 0x67 prefix (string I/O: ESI/EDI/ECX) */
    bool cur_valid;
    bool advanced;    /* vmf_x86_advance was called for it */
    bool dispatching; /* its handler is running (x86_exits.c): the dispatcher counts the instruction */
    bool stay;        /* a REP element finished with more to go: RIP stays */
    /* a handler changed the map during the instruction in flight: replay it on the old map (x86.c x86_run) */
    bool stale_replay;
    /* registers a CMPXCHG8B/16B in flight had before its first access (x86.c inflight()) */
    bool undo_valid;
    uint64_t undo_rax, undo_rdx, undo_rflags;
    /* the XMM register a 16-byte load in flight writes, as it was (x86.c inflight()) */
    bool undo_xmm;
    uint8_t undo_xmm_value[16];
    struct x86_msr *msrs; /* sorted by msr */
    size_t nmsrs, msrcap;
    /* decoded MMIO instructions, by PC and bytes (KVM and bhyve cache the same way) */
    struct x86_dcache {
        uint64_t pc;
        int status;
        uint8_t bytes[15];
        bool valid;
        vmf_x86_access acc;
    } dcache[X86_DCACHE];
};

uint64_t x86_gpr(struct vmf_vcpu_impl *v, unsigned n);
void x86_set_gpr(struct vmf_vcpu_impl *v, unsigned n, uint64_t x);
uint64_t x86_rip(struct vmf_vcpu_impl *v);
void x86_set_rip(struct vmf_vcpu_impl *v, uint64_t x);
/* vmf_x86_decode through the vCPU's cache. */
int x86_decode_cached(struct x86_vcpu *x, uint64_t pc, const uint8_t *bytes, size_t len, vmf_x86_access *out);
/* A new vmf_run: the last exit can no longer be advanced or completed. */
void x86_exit_resumed(vmf_vcpu *vcpu);

#endif
