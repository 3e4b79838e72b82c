/* Exception entry, interrupt inputs, the generic timer and PSCI (AArch64). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "guest_util.h"

/* A vector table at a 2 KiB boundary: synchronous exceptions record ESR,
 * ELR and FAR in x20-x22 and count in x23 (skipping the faulting instruction
 * unless it was an SVC); IRQs count in x25, record ELR in x26 and write to
 * the device at x27 (whose handler lowers the line); FIQs count in x28. */
#define VECTORS                                                                                                        \
    "    .balign 2048\n"                                                                                               \
    "vectors:\n"                                                                                                       \
    "    .org vectors + 0x200\n    b sync\n"                                                                           \
    "    .org vectors + 0x280\n    b irq\n"                                                                            \
    "    .org vectors + 0x300\n    b fiq\n"                                                                            \
    "    .org vectors + 0x380\n"                                                                                       \
    "sync:\n    mrs x20, esr_el1\n    mrs x21, elr_el1\n    mrs x22, far_el1\n    add x23, x23, #1\n"                  \
    "    lsr x24, x20, #26\n    cmp x24, #0x15\n    b.eq 1f\n    add x21, x21, #4\n    msr elr_el1, x21\n"             \
    "1:  eret\n"                                                                                                       \
    "irq:\n    add x25, x25, #1\n    mrs x26, elr_el1\n    str wzr, [x27]\n    eret\n"                                 \
    "fiq:\n    add x28, x28, #1\n    str wzr, [x27]\n    eret\n"

#define SETUP "    adr x9, vectors\n    msr vbar_el1, x9\n    isb\n"

/* body: the test program; with own_vectors it brings its own table. */
static void boot_with(struct tvm *t, const char *body, bool own_vectors)
{
    cr_assert_eq(tvm_create(t, VMF_PATH_FAST), VMF_OK);
    cr_assert_eq(vmf_vcpu_set_exception_mode(t->vcpu, VMF_EXC_DELIVER), VMF_OK);
    char text[8192];
    snprintf(text, sizeof(text), SETUP "%s%s", body, own_vectors ? "" : VECTORS);
    cr_assert_eq(tvm_asm(t, text), VMF_OK);
}

static void boot(struct tvm *t, const char *body)
{
    boot_with(t, body, false);
}

static void run_to(struct tvm *t, int exitcode)
{
    vmf_exit ex;
    cr_assert_eq(tvm_run(t, 10000, &ex), VMF_OK);
    cr_assert_eq(ex.exitcode, exitcode, "exit %s %s", vmf_exit_name(ex.exitcode),
                 ex.exitcode == VMF_EXIT_ERROR ? ex.u.error.message : "");
}

Test(exceptions, svc_is_vectored_with_its_syndrome)
{
    struct tvm t;
    boot(&t, "    svc #5\n    mov x1, #1\n    wfi\n");
    run_to(&t, VMF_EXIT_HLT);
    cr_expect_eq(tvm_x(&t, 23), 1);
    cr_expect_eq(tvm_x(&t, 20), 0x56000005, "EC 0x15 (SVC64), IL, imm16 5: 0x%lx", tvm_x(&t, 20));
    cr_expect_eq(tvm_x(&t, 21), TVM_RAM + 16, "ELR: the instruction after the SVC");
    cr_expect_eq(tvm_x(&t, 1), 1, "ERET returned there");
    uint64_t spsr;
    vmf_sysreg_read(t.vcpu, VMF_A64_SPSR_EL1, &spsr);
    cr_expect_eq(spsr & 0xf, 5, "SPSR_EL1: taken from EL1h");
    tvm_destroy(&t);
}

Test(exceptions, undefined_and_brk_and_hvc_without_psci)
{
    struct tvm t;
    boot(&t, "    udf #7\n    brk #9\n    hvc #0\n    wfi\n");
    run_to(&t, VMF_EXIT_HLT);
    cr_expect_eq(tvm_x(&t, 23), 3);
    cr_expect_eq(tvm_x(&t, 20), 0x02000000, "the last one, HVC with no EL2: EC 0 (unknown), IL");
    cr_expect_eq(tvm_x(&t, 21), TVM_RAM + 24, "ELR of the HVC, stepped by the handler");
    cr_expect_eq(vmf_vcpu_icount(t.vcpu), 3 + 3 * 11 + 1, "faulting instructions do not retire");
    tvm_destroy(&t);
}

Test(exceptions, brk_syndrome)
{
    struct tvm t;
    boot(&t, "    brk #0x42\n    wfi\n");
    run_to(&t, VMF_EXIT_HLT);
    cr_expect_eq(tvm_x(&t, 20), 0xf2000042, "EC 0x3c (BRK64), IL, comment 0x42: 0x%lx", tvm_x(&t, 20));
    cr_expect_eq(tvm_x(&t, 21), TVM_RAM + 16);
    tvm_destroy(&t);
}

Test(exceptions, data_abort_outside_every_region)
{
    enum vmf_path paths[] = {VMF_PATH_FAST, VMF_PATH_EXIT};
    for (int p = 0; p < 2; p++) {
        struct tvm t;
        boot(&t, "    movz x0, #0x700, lsl #16\n    ldr w1, [x0, #4]\n    str x2, [x0], #8\n    wfi\n");
        vmf_vm_set_default_path(t.vm, paths[p]);
        run_to(&t, VMF_EXIT_HLT);
        cr_expect_eq(tvm_x(&t, 23), 2);
        cr_expect_eq(tvm_x(&t, 20), 0x96000050, "the post-indexed store: EC 0x25, IL, ISV=0, WnR, DFSC 0x10: 0x%lx",
                     tvm_x(&t, 20));
        cr_expect_eq(tvm_x(&t, 22), 0x7000000, "FAR of the store");
        cr_expect_eq(tvm_x(&t, 0), 0x7000000, "the aborted store did not write back");
        tvm_destroy(&t);
    }
    struct tvm t;
    boot(&t, "    movz x0, #0x700, lsl #16\n    ldr w1, [x0, #4]\n    wfi\n");
    run_to(&t, VMF_EXIT_HLT);
    cr_expect_eq(tvm_x(&t, 20), 0x97810010, "ldr w1: EC 0x25, IL, ISV, SAS=2, SRT=1, DFSC 0x10: 0x%lx", tvm_x(&t, 20));
    cr_expect_eq(tvm_x(&t, 22), 0x7000004);
    tvm_destroy(&t);
}

Test(exceptions, instruction_abort)
{
    struct tvm t;
    boot(&t, "    movz x0, #0x700, lsl #16\n    adr x30, back\n    br x0\nback:\n    wfi\n");
    /* the handler steps ELR by 4, which is still in the void: point it back instead */
    vmf_exit ex;
    cr_assert_eq(tvm_run(&t, 17, &ex), VMF_OK); /* 6 instructions, then one whole handler */
    cr_expect_eq(tvm_x(&t, 23), 1);
    cr_expect_eq(tvm_x(&t, 20), 0x86000010, "EC 0x21 (instruction abort, same EL), IL, IFSC 0x10: 0x%lx",
                 tvm_x(&t, 20));
    cr_expect_eq(tvm_x(&t, 22), 0x7000000);
    cr_expect_eq(tvm_x(&t, 21), 0x7000004);
    tvm_destroy(&t);
}

struct line {
    vmf_vcpu *vcpu;
    int lowered;
};

static memory_fault_result_t lower(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)vm;
    (void)paddr;
    (void)len;
    struct line *l = cookie;
    l->lowered++;
    vmf_vcpu_set_irq_input(vcpu, false, false);
    advance_vcpu_fault(vcpu);
    return FAULT_HANDLED;
}

Test(exceptions, masked_irq_waits_until_unmasked)
{
    struct tvm t;
    struct line l = {0};
    boot(&t, "    movz x27, #0x900, lsl #16\n    mov x1, #1\n    mov x2, #2\n    msr daifclr, #2\n"
             "    mov x3, #3\n    wfi\n");
    cr_assert_not_null(vm_reserve_memory_at(t.vm, TVM_DEV, 0x1000, lower, &l));
    l.vcpu = t.vcpu;
    vmf_exit ex;
    cr_assert_eq(tvm_run(&t, 4, &ex), VMF_OK); /* to just after "mov x1" */
    cr_assert_eq(vmf_vcpu_set_irq_input(t.vcpu, true, false), VMF_OK);
    run_to(&t, VMF_EXIT_HLT);
    cr_expect_eq(tvm_x(&t, 25), 1, "taken once");
    cr_expect_eq(tvm_x(&t, 26), TVM_RAM + 28, "ELR: the first instruction after the unmasking MSR");
    cr_expect_eq(tvm_x(&t, 3), 3, "and the guest went on after ERET");
    cr_expect_eq(l.lowered, 1);
    tvm_destroy(&t);
}

Test(exceptions, fiq_and_wfi_wakeup)
{
    struct tvm t;
    struct line l = {0};
    boot(&t, "    movz x27, #0x900, lsl #16\n    msr daifclr, #1\n    wfi\n    mov x4, #4\n    wfi\n");
    cr_assert_not_null(vm_reserve_memory_at(t.vm, TVM_DEV, 0x1000, lower, &l));
    vmf_exit ex;
    cr_assert_eq(tvm_run(&t, 100, &ex), VMF_OK);
    cr_assert_eq(ex.exitcode, VMF_EXIT_HLT);
    cr_expect_eq(ex.u.hlt.wake_at, UINT64_MAX, "no timer armed");
    cr_assert_eq(vmf_vcpu_set_irq_input(t.vcpu, false, true), VMF_OK);
    run_to(&t, VMF_EXIT_HLT);
    cr_expect_eq(tvm_x(&t, 28), 1, "the FIQ was taken after the WFI woke");
    cr_expect_eq(tvm_x(&t, 4), 4);
    tvm_destroy(&t);
}

struct ppi_log {
    vmf_vcpu *vcpu;
    unsigned n;
    uint32_t intid[8];
    bool level[8];
    uint64_t at[8];
};

static void ppi(vmf_vm *vm, unsigned cpu, uint32_t intid, bool level, void *cookie)
{
    (void)vm;
    struct ppi_log *p = cookie;
    cr_assert_eq(cpu, 0);
    if (p->n < 8) {
        p->intid[p->n] = intid;
        p->level[p->n] = level;
        p->at[p->n] = vmf_vcpu_icount(p->vcpu);
        p->n++;
    }
    vmf_vcpu_set_irq_input(p->vcpu, level, false); /* a one-wire "GIC" */
}

Test(exceptions, virtual_timer_fires_on_time)
{
    struct tvm t;
    struct ppi_log p = {0};
    /* CVAL = counter + 100; enable; spin; the IRQ handler masks the timer (IMASK) and counts */
    boot_with(&t,
              "    mrs x1, cntvct_el0\n    add x1, x1, #100\n    msr cntv_cval_el0, x1\n    mov x2, #1\n"
              "    msr cntv_ctl_el0, x2\n    msr daifclr, #2\n"
              "spin:\n    cbz x25, spin\n    mrs x3, cntv_ctl_el0\n    wfi\n"
              "    .balign 2048\nvectors:\n    .org vectors + 0x280\n"
              "    add x25, x25, #1\n    mrs x26, elr_el1\n    mrs x24, cntvct_el0\n    mov x2, #3\n"
              "    msr cntv_ctl_el0, x2\n    eret\n",
              true);
    p.vcpu = t.vcpu;
    vmf_vm_set_ppi_sink(t.vm, ppi, &p);
    run_to(&t, VMF_EXIT_HLT);
    cr_assert_geq(p.n, 2);
    cr_expect_eq(p.intid[0], 27, "the virtual timer's PPI");
    cr_expect(p.level[0]);
    cr_expect_eq(p.at[0], tvm_x(&t, 1), "raised exactly when the counter reached CVAL (%lu vs %lu)", p.at[0],
                 tvm_x(&t, 1));
    cr_expect(!p.level[1], "IMASK lowers the output");
    cr_expect_eq(tvm_x(&t, 24), tvm_x(&t, 1) + 3, "the handler's first MRS sees CVAL + 3");
    cr_expect_eq(tvm_x(&t, 3), 7, "CTL reads ENABLE | IMASK | ISTATUS");
    tvm_destroy(&t);
}

Test(exceptions, wfi_reports_the_timer_deadline)
{
    struct tvm t;
    struct ppi_log p = {0};
    boot_with(&t,
              "    mov x1, #1000\n    msr cntp_tval_el0, x1\n    mov x2, #1\n    msr cntp_ctl_el0, x2\n"
              "    msr daifclr, #2\n    wfi\n    mov x5, #5\n    wfi\n"
              "    .balign 2048\nvectors:\n    .org vectors + 0x280\n"
              "    add x25, x25, #1\n    mrs x24, cntpct_el0\n    msr cntp_ctl_el0, xzr\n    eret\n",
              true);
    p.vcpu = t.vcpu;
    vmf_vm_set_ppi_sink(t.vm, ppi, &p);
    vmf_exit ex;
    cr_assert_eq(tvm_run(&t, 100000, &ex), VMF_OK);
    cr_assert_eq(ex.exitcode, VMF_EXIT_HLT);
    cr_expect_eq(ex.u.hlt.wake_at, 1005, "TVAL 1000 written by the 5th instruction");
    cr_expect_eq(vmf_vcpu_next_deadline(t.vcpu), 1005);
    cr_assert_eq(vmf_vcpu_wait_until(t.vcpu, ex.u.hlt.wake_at), VMF_OK);
    cr_expect_eq(p.n, 1);
    cr_expect_eq(p.intid[0], 30, "the physical timer's PPI");
    run_to(&t, VMF_EXIT_HLT);
    cr_expect_eq(tvm_x(&t, 25), 1);
    cr_expect_eq(tvm_x(&t, 24), 1007, "time jumped to the deadline while waiting");
    cr_expect_eq(tvm_x(&t, 5), 5);
    tvm_destroy(&t);
}

Test(exceptions, psci_over_hvc)
{
    struct tvm t;
    cr_assert_eq(tvm_create(&t, VMF_PATH_FAST), VMF_OK);
    vmf_vcpu *second;
    cr_assert_eq(vmf_vcpu_create(t.vm, &second), VMF_OK);
    vmf_vcpu_set_online(second, false);
    cr_assert_eq(vmf_vm_set_psci(t.vm, VMF_PSCI_HVC), VMF_OK);
    cr_assert_eq(tvm_asm(&t, "    movz w0, #0x8400, lsl #16\n    hvc #0\n    mov x10, x0\n" /* VERSION */
                             "    movz w0, #0x8400, lsl #16\n    add w0, w0, #0xa\n"
                             "    movz w1, #0x8400, lsl #16\n    add w1, w1, #3\n    hvc #0\n    mov x11, x0\n"
                             "    movz w0, #0x8400, lsl #16\n    add w0, w0, #0xa\n    mov w1, #0x55\n"
                             "    hvc #0\n    mov x12, x0\n" /* FEATURES(CPU_ON), FEATURES(junk) */
                             "    movz w0, #0xc400, lsl #16\n    add w0, w0, #4\n    mov x1, #1\n    mov x2, #0\n"
                             "    hvc #0\n    mov x13, x0\n" /* AFFINITY_INFO(1): off */
                             "    movz w0, #0xc400, lsl #16\n    add w0, w0, #3\n    mov x1, #1\n    adr x2, second\n"
                             "    mov x3, #0x77\n    hvc #0\n    mov x14, x0\n" /* CPU_ON(1, second, 0x77) */
                             "    movz w0, #0xc400, lsl #16\n    add w0, w0, #3\n    mov x1, #1\n"
                             "    hvc #0\n    mov x15, x0\n" /* again: ALREADY_ON */
                             "    mrs x16, mpidr_el1\n"
                             "    movz w0, #0x8400, lsl #16\n    add w0, w0, #8\n    hvc #0\n" /* SYSTEM_OFF */
                             "    b .\n"
                             "second:\n    mrs x1, mpidr_el1\n    movz w0, #0x8400, lsl #16\n    add w0, w0, #2\n"
                             "    hvc #0\n    b .\n"),
                 VMF_OK);
    vmf_exit ex;
    cr_assert_eq(tvm_run(&t, 1000, &ex), VMF_OK);
    cr_assert_eq(ex.exitcode, VMF_EXIT_SUSPENDED, "%s", vmf_exit_name(ex.exitcode));
    cr_expect_eq(ex.u.suspended.how, VMF_SUSPEND_POWEROFF);
    cr_expect_eq(tvm_x(&t, 10), 0x10000, "PSCI 1.0");
    cr_expect_eq(tvm_x(&t, 11), 0, "CPU_ON is supported");
    cr_expect_eq(tvm_x(&t, 12), (uint64_t)-1, "NOT_SUPPORTED");
    cr_expect_eq(tvm_x(&t, 13), 1, "CPU 1 was off");
    cr_expect_eq(tvm_x(&t, 14), 0, "CPU_ON succeeded");
    cr_expect_eq(tvm_x(&t, 15), (uint64_t)-4, "ALREADY_ON");
    cr_expect_eq(tvm_x(&t, 16), 0x80000000);
    cr_expect(second->vcpu_online);
    uint64_t x0 = 0;
    vmf_reg_read(second, 0, &x0);
    cr_expect_eq(x0, 0x77, "the context id arrives in x0");
    cr_assert_eq(vmf_run(second, 100, &ex), VMF_OK);
    cr_expect_eq(ex.exitcode, VMF_EXIT_SUSPENDED);
    cr_expect_eq(ex.u.suspended.how, VMF_SUSPEND_CPU_OFF);
    uint64_t mp = 0;
    vmf_reg_read(second, 1, &mp);
    cr_expect_eq(mp, 0x80000001, "MPIDR of vCPU 1");
    cr_expect(!second->vcpu_online);
    tvm_destroy(&t);
}

struct exc_log {
    int n, kind;
    uint32_t esr;
    uint64_t elr, vector;
};

static void on_exception(vmf_vcpu *vcpu, int kind, uint32_t esr, uint64_t elr, uint64_t vector, void *cookie)
{
    (void)vcpu;
    struct exc_log *l = cookie;
    l->n++;
    l->kind = kind;
    l->esr = esr;
    l->elr = elr;
    l->vector = vector;
}

Test(exceptions, observer_sees_each_entry)
{
    struct tvm t;
    struct exc_log l = {0};
    boot(&t, "    svc #7\n    wfi\n");
    cr_assert_eq(vmf_vm_set_exception_observer(t.vm, on_exception, &l), VMF_OK);
    run_to(&t, VMF_EXIT_HLT);
    cr_expect_eq(l.n, 1);
    cr_expect_eq(l.kind, 0, "synchronous");
    cr_expect_eq(l.esr, 0x56000007);
    cr_expect_eq(l.elr, TVM_RAM + 16);
    uint64_t vbar = 0;
    vmf_sysreg_read(t.vcpu, VMF_A64_VBAR_EL1, &vbar);
    cr_expect_eq(l.vector, vbar + 0x200);
    tvm_destroy(&t);
}
