/* VM and vCPU lifecycle, registers, system registers, misuse of the API. */
#include <criterion/criterion.h>
#include <string.h>

#include "guest_util.h"

Test(vm, lifecycle_and_limits)
{
    vmf_vm *vm = NULL;
    cr_expect_eq(vmf_vm_create((enum vmf_arch)99, "x", &vm), VMF_EUNSUPP);
    cr_expect_null(vm);
    cr_expect_eq(vmf_vm_create(VMF_ARCH_ARM64, "x", NULL), VMF_EINVAL);
    cr_assert_eq(vmf_vm_create(VMF_ARCH_ARM64, "board", &vm), VMF_OK);
    cr_expect_str_eq(vm->vm_name, "board");
    cr_expect_eq(vmf_vm_arch(vm), VMF_ARCH_ARM64);
    vmf_vcpu *v[CONFIG_MAX_NUM_NODES + 1];
    for (unsigned i = 0; i < CONFIG_MAX_NUM_NODES; i++) {
        cr_assert_eq(vmf_vcpu_create(vm, &v[i]), VMF_OK);
        cr_expect_eq(v[i]->vcpu_id, i);
        cr_expect_eq(v[i]->vm, vm);
        cr_expect_eq(vm->vcpus[i], v[i]);
    }
    cr_expect_eq(vmf_vcpu_create(vm, &v[CONFIG_MAX_NUM_NODES]), VMF_EFULL);
    cr_expect_eq(vm->num_vcpus, CONFIG_MAX_NUM_NODES);
    cr_expect_eq(vm_memory_init(vm), 0);
    vmf_vm_destroy(vm);
    vmf_vm_destroy(NULL);
}

Test(vm, registers_round_trip)
{
    struct tvm t;
    cr_assert_eq(tvm_create(&t, VMF_PATH_FAST), VMF_OK);
    for (unsigned r = 0; r <= 31; r++)
        cr_assert_eq(vmf_reg_write(t.vcpu, r, 0x1000 + r * 0x111), VMF_OK);
    for (unsigned r = 0; r <= 31; r++)
        cr_expect_eq(tvm_x(&t, r), 0x1000 + r * 0x111, "register %u", r);
    uint64_t v;
    cr_expect_eq(vmf_reg_read(t.vcpu, VMF_ARM64_REG_COUNT, &v), VMF_EINVAL);
    cr_expect_eq(vmf_reg_read(t.vcpu, 0, NULL), VMF_EINVAL);
    cr_expect_eq(vmf_reg_read(NULL, 0, &v), VMF_EINVAL);
    cr_assert_eq(vmf_reg_read(t.vcpu, VMF_ARM64_PSTATE, &v), VMF_OK);
    cr_expect_eq(v & 0xf, 0x5, "starts at EL1h (PSTATE.M = 0b0101)");
    cr_expect_eq(vmf_reg_write(t.vcpu, VMF_ARM64_PSTATE, 0), VMF_EUNSUPP, "EL changes are not done this way");
    uint8_t q[16], back[16];
    for (unsigned i = 0; i < 16; i++)
        q[i] = (uint8_t)(0xa0 + i);
    cr_assert_eq(vmf_vreg_write(t.vcpu, 31, q), VMF_OK);
    cr_assert_eq(vmf_vreg_read(t.vcpu, 31, back), VMF_OK);
    cr_expect_arr_eq(q, back, 16);
    cr_expect_eq(vmf_vreg_read(t.vcpu, 32, back), VMF_EINVAL);
    tvm_destroy(&t);
}

Test(vm, system_registers)
{
    struct tvm t;
    cr_assert_eq(tvm_create(&t, VMF_PATH_FAST), VMF_OK);
    uint64_t v = 0;
    cr_assert_eq(vmf_sysreg_write(t.vcpu, VMF_A64_VBAR_EL1, 0x40000800), VMF_OK);
    cr_assert_eq(vmf_sysreg_read(t.vcpu, VMF_A64_VBAR_EL1, &v), VMF_OK);
    cr_expect_eq(v, 0x40000800);
    cr_assert_eq(vmf_sysreg_write(t.vcpu, VMF_A64_ELR_EL1, 0x1234), VMF_OK);
    cr_assert_eq(vmf_sysreg_read(t.vcpu, VMF_A64_ELR_EL1, &v), VMF_OK);
    cr_expect_eq(v, 0x1234);
    cr_expect_eq(vmf_sysreg_read(t.vcpu, VMF_A64_SYSREG(3, 7, 15, 15, 7), &v), VMF_ENOENT);
    cr_expect_eq(vmf_sysreg_read(t.vcpu, 1u << 20, &v), VMF_EINVAL);
    /* The guest sees what the host wrote: mrs x1, vbar_el1 ; wfi */
    const uint32_t code[] = {0xd538c001, A64_WFI};
    cr_assert_eq(tvm_load(&t, code, 2), VMF_OK);
    vmf_exit ex;
    cr_assert_eq(tvm_run(&t, 10, &ex), VMF_OK);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
    cr_expect_eq(tvm_x(&t, 1), 0x40000800);
    tvm_destroy(&t);
}

Test(vm, budget_and_stop)
{
    struct tvm t;
    cr_assert_eq(tvm_create(&t, VMF_PATH_FAST), VMF_OK);
    /* loop: add x1, x1, #1 ; b loop */
    const uint32_t code[] = {0x91000421, 0x17ffffff};
    cr_assert_eq(tvm_load(&t, code, 2), VMF_OK);
    vmf_exit ex;
    cr_assert_eq(tvm_run(&t, 1001, &ex), VMF_OK);
    cr_expect_eq(ex.exitcode, VMF_EXIT_BUDGET);
    cr_expect_eq(ex.icount, 1001);
    cr_expect_eq(tvm_x(&t, 1), 501, "exactly 1001 instructions retired");
    cr_expect_eq(ex.pc, TVM_RAM + 4, "stopped before the 1002nd");
    cr_assert_eq(tvm_run(&t, 999, &ex), VMF_OK);
    cr_expect_eq(ex.icount, 2000);
    cr_expect_eq(tvm_x(&t, 1), 1000);
    cr_expect_eq(vmf_run(t.vcpu, 1, NULL), VMF_EINVAL);
    tvm_destroy(&t);
}

Test(vm, guest_errors_are_exits_not_crashes)
{
    struct tvm t;
    cr_assert_eq(tvm_create(&t, VMF_PATH_FAST), VMF_OK);
    /* br x0 into nowhere */
    const uint32_t jump[] = {0xd61f0000};
    cr_assert_eq(tvm_load(&t, jump, 1), VMF_OK);
    tvm_set_x(&t, 0, 0x7000000000ull);
    vmf_exit ex;
    cr_assert_eq(tvm_run(&t, 10, &ex), VMF_OK);
    cr_expect_eq(ex.exitcode, VMF_EXIT_PAGING);
    cr_expect_eq(ex.u.paging.fault_type, VMF_FAULT_EXEC);
    cr_expect_eq(ex.u.paging.gpa, 0x7000000000ull);
    /* svc #0 and udf #0 leave as exceptions with the instruction */
    const uint32_t svc[] = {0xd4000001};
    cr_assert_eq(tvm_load(&t, svc, 1), VMF_OK);
    cr_assert_eq(tvm_run(&t, 10, &ex), VMF_OK);
    cr_expect_eq(ex.exitcode, VMF_EXIT_EXCEPTION);
    cr_expect_eq(ex.pc, TVM_RAM);
    cr_expect_eq(ex.u.exception.insn, 0xd4000001);
    const uint32_t udf[] = {0x00000000};
    cr_assert_eq(tvm_load(&t, udf, 1), VMF_OK);
    cr_assert_eq(tvm_run(&t, 10, &ex), VMF_OK);
    cr_expect_eq(ex.exitcode, VMF_EXIT_EXCEPTION);
    cr_expect_eq(ex.u.exception.insn, 0);
    tvm_destroy(&t);
}

static memory_fault_result_t stop_handler(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)vm;
    (void)paddr;
    (void)len;
    (void)cookie;
    set_vcpu_fault_data(vcpu, 7);
    advance_vcpu_fault(vcpu);
    vmf_vcpu_request_stop(vcpu);
    return FAULT_HANDLED;
}

Test(vm, handler_requests_a_stop)
{
    enum vmf_path paths[] = {VMF_PATH_FAST, VMF_PATH_EXIT};
    for (int p = 0; p < 2; p++) {
        struct tvm t;
        cr_assert_eq(tvm_create(&t, paths[p]), VMF_OK);
        cr_assert_not_null(vm_reserve_memory_at(t.vm, TVM_DEV, 0x1000, stop_handler, NULL));
        /* ldr w1, [x0] ; add x2, x2, #1 ; wfi */
        const uint32_t code[] = {0xb9400001, 0x91000442, A64_WFI};
        cr_assert_eq(tvm_load(&t, code, 3), VMF_OK);
        tvm_set_x(&t, 0, TVM_DEV);
        vmf_exit ex;
        cr_assert_eq(tvm_run(&t, 100, &ex), VMF_OK);
        cr_expect_eq(ex.exitcode, VMF_EXIT_STOP, "path %d: %s", p, vmf_exit_name(ex.exitcode));
        cr_expect_eq(ex.pc, TVM_RAM + 4, "path %d: stopped after the faulting load", p);
        cr_expect_eq(tvm_x(&t, 1), 7);
        cr_expect_eq(tvm_x(&t, 2), 0);
        cr_assert_eq(tvm_run(&t, 100, &ex), VMF_OK);
        cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
        cr_expect_eq(tvm_x(&t, 2), 1);
        tvm_destroy(&t);
    }
}

/* Host time and host entropy never reach the guest. */
static void run_clock_guest(uint64_t out[4])
{
    struct tvm t;
    cr_assert_eq(tvm_create(&t, VMF_PATH_FAST), VMF_OK);
    const uint32_t code[] = {
        0xd53be041,                      /* mrs x1, cntvct_el0 */
        A64_NOP,    A64_NOP, 0xd53be022, /* mrs x2, cntpct_el0 */
        0xd53b2403,                      /* mrs x3, rndr */
        0xd53b2424,                      /* mrs x4, rndrrs */
        A64_WFI,
    };
    cr_assert_eq(tvm_load(&t, code, sizeof(code) / 4), VMF_OK);
    vmf_exit ex;
    cr_assert_eq(tvm_run(&t, 100, &ex), VMF_OK);
    cr_assert_eq(ex.exitcode, VMF_EXIT_HLT);
    for (unsigned i = 0; i < 4; i++)
        out[i] = tvm_x(&t, i + 1);
    uint64_t nzcv = 1;
    vmf_reg_read(t.vcpu, VMF_ARM64_NZCV, &nzcv);
    cr_expect_eq(nzcv, 0, "RNDR reports success");
    tvm_destroy(&t);
}

Test(vm, counters_are_virtual_time_and_rndr_is_seeded)
{
    uint64_t a[4], b[4];
    run_clock_guest(a);
    run_clock_guest(b);
    cr_expect_eq(a[0], 1, "CNTVCT at the first instruction");
    cr_expect_eq(a[1], 4, "CNTPCT three instructions later");
    cr_expect_neq(a[2], 0);
    cr_expect_neq(a[2], a[3]);
    cr_expect_arr_eq(a, b, sizeof(a), "same guest, same values");
}

Test(vm, breakpoint_stops_before_the_instruction)
{
    struct tvm t;
    cr_assert_eq(tvm_create(&t, VMF_PATH_FAST), VMF_OK);
    /* loop: add x1, x1, #1 ; b loop */
    const uint32_t code[] = {0x91000421, 0x17ffffff};
    cr_assert_eq(tvm_load(&t, code, 2), VMF_OK);
    cr_assert_eq(vmf_vcpu_set_breakpoint(t.vcpu, TVM_RAM + 4), VMF_OK);
    vmf_exit ex;
    for (uint64_t i = 1; i <= 3; i++) {
        cr_assert_eq(tvm_run(&t, 100, &ex), VMF_OK);
        cr_expect_eq(ex.exitcode, VMF_EXIT_BPT, "%s", vmf_exit_name(ex.exitcode));
        cr_expect_eq(ex.pc, TVM_RAM + 4);
        cr_expect_eq(tvm_x(&t, 1), i, "stopped once per lap");
        cr_expect_eq(ex.icount, 2 * i - 1, "the branch at the breakpoint has not retired");
    }
    cr_assert_eq(vmf_vcpu_set_breakpoint(t.vcpu, VMF_BPT_NONE), VMF_OK);
    cr_assert_eq(tvm_run(&t, 10, &ex), VMF_OK);
    cr_expect_eq(ex.exitcode, VMF_EXIT_BUDGET);
    tvm_destroy(&t);
}
