/* libsel4vm's guest_vcpu_fault.h: every accessor, masks at every byte lane,
 * 8-byte accesses, emulate_vcpu_fault's merge, on both trap paths. */
#include <criterion/criterion.h>
#include <string.h>

#include "guest_util.h"

#define WORD 0x84332211ull /* the device register every access hits */

struct seen {
    uint64_t addr, ip, data, mask, emulated;
    size_t size;
    bool read;
};

struct rec {
    struct seen s[32];
    int n;
};

static memory_fault_result_t record(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)vm;
    struct rec *r = cookie;
    struct seen *s = &r->s[r->n++];
    s->addr = get_vcpu_fault_address(vcpu);
    s->ip = get_vcpu_fault_ip(vcpu);
    s->data = get_vcpu_fault_data(vcpu);
    s->mask = get_vcpu_fault_data_mask(vcpu);
    s->size = get_vcpu_fault_size(vcpu);
    s->read = is_vcpu_read_fault(vcpu);
    s->emulated = emulate_vcpu_fault(vcpu, WORD);
    cr_expect_eq(paddr, s->addr, "callback paddr and get_vcpu_fault_address agree");
    cr_expect_eq(len, s->size);
    if (s->read)
        cr_expect_eq(set_vcpu_fault_data(vcpu, s->emulated), 0);
    advance_vcpu_fault(vcpu);
    return FAULT_HANDLED;
}

static const uint32_t program[] = {
    0x39000001, /* strb w1, [x0]      */
    0x39000401, /* strb w1, [x0, #1]  */
    0x39000801, /* strb w1, [x0, #2]  */
    0x39000c01, /* strb w1, [x0, #3]  */
    0x79000001, /* strh w1, [x0]      */
    0x79000401, /* strh w1, [x0, #2]  */
    0xb9000001, /* str w1, [x0]       */
    0xf9000001, /* str x1, [x0]       */
    0xf9000401, /* str x1, [x0, #8]   */
    0x39400402, /* ldrb w2, [x0, #1]  */
    0x79400403, /* ldrh w3, [x0, #2]  */
    0x39400c04, /* ldrb w4, [x0, #3]  */
    0xf9400405, /* ldr x5, [x0, #8]   */
    0xb9400406, /* ldr w6, [x0, #4]   */
    0x79800407, /* ldrsh x7, [x0, #2] */
    A64_WFI,
};

/* What libsel4vm's formulas give, worked out by hand for WORD and x1. */
static const struct seen expected[] = {
    /* addr  ip  data  mask  emulated  size read */
    {0x0, 0, 0x08, 0xff, 0x84332208, 1, false},
    {0x1, 1, 0x08, 0xff00, 0x84330811, 1, false},
    {0x2, 2, 0x08, 0xff0000, 0x84082211, 1, false},
    {0x3, 3, 0x08, 0xff000000, 0x08332211, 1, false},
    {0x0, 4, 0x0708, 0xffff, 0x84330708, 2, false},
    {0x2, 5, 0x0708, 0xffff0000, 0x07082211, 2, false},
    {0x0, 6, 0x05060708, 0xffffffff, 0x05060708, 4, false},
    {0x0, 7, 0x0102030405060708, ~0ull, 0x0102030405060708, 8, false},
    {0x8, 8, 0x0102030405060708, ~0ull, 0x0102030405060708, 8, false},
    {0x1, 9, 0, 0xff00, 0x22, 1, true},
    {0x2, 10, 0, 0xffff0000, 0x8433, 2, true},
    {0x3, 11, 0, 0xff000000, 0x84, 1, true},
    {0x8, 12, 0, ~0ull, 0x84332211, 8, true},
    {0x4, 13, 0, 0xffffffff, 0x84332211, 4, true},
    {0x2, 14, 0, 0xffff0000, 0x8433, 2, true},
};

static void run_lanes(enum vmf_path path)
{
    struct tvm t;
    struct rec r;
    memset(&r, 0, sizeof(r));
    cr_assert_eq(tvm_create(&t, path), VMF_OK);
    cr_assert_not_null(vm_reserve_memory_at(t.vm, TVM_DEV, 0x1000, record, &r));
    cr_assert_eq(tvm_load(&t, program, sizeof(program) / 4), VMF_OK);
    tvm_set_x(&t, 0, TVM_DEV);
    tvm_set_x(&t, 1, 0x0102030405060708ull);
    vmf_exit ex;
    cr_assert_eq(tvm_run(&t, 1000, &ex), VMF_OK);
    cr_assert_eq(ex.exitcode, VMF_EXIT_HLT, "path %d: exit %s %s", path, vmf_exit_name(ex.exitcode),
                 ex.exitcode == VMF_EXIT_ERROR ? ex.u.error.message : "");
    size_t n = sizeof(expected) / sizeof(expected[0]);
    cr_assert_eq(r.n, (int)n, "path %d: %d faults", path, r.n);
    for (size_t i = 0; i < n; i++) {
        const struct seen *e = &expected[i], *g = &r.s[i];
        cr_expect_eq(g->addr, TVM_DEV + e->addr, "path %d fault %zu addr 0x%lx", path, i, g->addr);
        cr_expect_eq(g->ip, TVM_RAM + 4 * e->ip, "path %d fault %zu ip 0x%lx", path, i, g->ip);
        cr_expect_eq(g->size, e->size, "path %d fault %zu size", path, i);
        cr_expect_eq(g->read, e->read, "path %d fault %zu direction", path, i);
        cr_expect_eq(g->data, e->data, "path %d fault %zu data 0x%lx", path, i, g->data);
        cr_expect_eq(g->mask, e->mask, "path %d fault %zu mask 0x%lx", path, i, g->mask);
        cr_expect_eq(g->emulated, e->emulated, "path %d fault %zu emulate 0x%lx", path, i, g->emulated);
    }
    cr_expect_eq(tvm_x(&t, 2), 0x22);
    cr_expect_eq(tvm_x(&t, 3), 0x8433);
    cr_expect_eq(tvm_x(&t, 4), 0x84);
    cr_expect_eq(tvm_x(&t, 5), 0x84332211);
    cr_expect_eq(tvm_x(&t, 6), 0x84332211);
    cr_expect_eq(tvm_x(&t, 7), 0xffffffffffff8433ull, "LDRSH to X sign-extends the handler's data");
    tvm_destroy(&t);
}

Test(fault_api, lanes_masks_and_merge_fast_path)
{
    run_lanes(VMF_PATH_FAST);
}

Test(fault_api, lanes_masks_and_merge_exit_path)
{
    run_lanes(VMF_PATH_EXIT);
}

Test(fault_api, accessors_without_a_fault_are_harmless)
{
    struct tvm t;
    cr_assert_eq(tvm_create(&t, VMF_PATH_FAST), VMF_OK);
    cr_expect_eq(get_vcpu_fault_address(t.vcpu), 0);
    cr_expect_eq(get_vcpu_fault_ip(t.vcpu), 0);
    cr_expect_eq(get_vcpu_fault_data(t.vcpu), 0);
    cr_expect_eq(get_vcpu_fault_data_mask(t.vcpu), 0);
    cr_expect_eq(get_vcpu_fault_size(t.vcpu), 0);
    cr_expect(!is_vcpu_read_fault(t.vcpu));
    cr_expect_eq(set_vcpu_fault_data(t.vcpu, 1), -1);
    cr_expect_eq(emulate_vcpu_fault(t.vcpu, 0x1234), 0x1234);
    advance_vcpu_fault(t.vcpu);
    restart_vcpu_fault(t.vcpu);
    cr_expect_null(vmf_vcpu_fault(t.vcpu));
    cr_expect_eq(get_vcpu_fault_address(NULL), 0);
    tvm_destroy(&t);
}

static memory_fault_result_t unhandled(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)vm;
    (void)vcpu;
    (void)paddr;
    (void)len;
    (*(int *)cookie)++;
    return FAULT_UNHANDLED;
}

static void run_unhandled(enum vmf_path path)
{
    struct tvm t;
    int calls = 0;
    cr_assert_eq(tvm_create(&t, path), VMF_OK);
    cr_assert_not_null(vm_reserve_memory_at(t.vm, TVM_DEV, 0x1000, unhandled, &calls));
    /* nop ; ldrsh x7, [x0, #2] ; wfi */
    const uint32_t code[] = {A64_NOP, 0x79800407, A64_WFI};
    cr_assert_eq(tvm_load(&t, code, 3), VMF_OK);
    tvm_set_x(&t, 0, TVM_DEV);
    vmf_exit ex;
    cr_assert_eq(tvm_run(&t, 100, &ex), VMF_OK);
    cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL, "exit %s", vmf_exit_name(ex.exitcode));
    cr_expect_eq(ex.pc, TVM_RAM + 4);
    cr_expect_eq(ex.inst_length, 4);
    cr_expect_eq(ex.u.inst_emul.gpa, TVM_DEV + 2);
    cr_expect_eq(ex.u.inst_emul.size, 2);
    cr_expect_eq(ex.u.inst_emul.access, VMF_ACCESS_READ);
    cr_expect_str_eq(ex.u.inst_emul.insn.mnemonic, "ldrsh");
    cr_expect(ex.u.inst_emul.insn.sign_extend);
    cr_expect_eq(ex.u.inst_emul.esr, 0x93678007u, "EC 0x24, IL, ISV, SAS=1, SSE, SRT=7, SF, DFSC=7");
    /* The fault stays current for the caller's loop. */
    cr_expect_eq(get_vcpu_fault_address(t.vcpu), TVM_DEV + 2);
    cr_expect(is_vcpu_read_fault(t.vcpu));
    cr_expect_eq(vmf_run(t.vcpu, 100, &ex), VMF_ESTATE, "resuming without completing the fault is an error");
    cr_expect_eq(set_vcpu_fault_data(t.vcpu, 0x8001), 0);
    advance_vcpu_fault(t.vcpu);
    cr_assert_eq(tvm_run(&t, 100, &ex), VMF_OK);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
    cr_expect_eq(tvm_x(&t, 7), 0xffffffffffff8001ull);
    cr_expect_eq(calls, 1);
    cr_expect_eq(vmf_vcpu_icount(t.vcpu), 3);
    tvm_destroy(&t);
}

Test(fault_api, unhandled_fault_is_completed_by_the_caller_fast_path)
{
    run_unhandled(VMF_PATH_FAST);
}

Test(fault_api, unhandled_fault_is_completed_by_the_caller_exit_path)
{
    run_unhandled(VMF_PATH_EXIT);
}
