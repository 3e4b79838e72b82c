/* Snapshot and in-place restore: a restored VM re-runs identically. */
#include <criterion/criterion.h>
#include <string.h>

#include "guest_util.h"

struct dev {
    uint32_t reads;
    uint64_t log[64];
    unsigned n;
};

static memory_fault_result_t counter(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)vm;
    (void)paddr;
    (void)len;
    struct dev *d = cookie;
    d->reads++;
    if (d->n < 64)
        d->log[d->n++] = get_vcpu_fault_ip(vcpu) ^ (uint64_t)d->reads << 32;
    set_vcpu_fault_data(vcpu, d->reads);
    advance_vcpu_fault(vcpu);
    return FAULT_HANDLED;
}

/* loop: ldr w1, [x0] (device) ; add x2, x2, x1 ; ldr x4, [x5] ; add x4, x4, #1 ; str x4, [x5] (RAM)
 *       subs x3, x3, #1 ; b.ne loop ; wfi */
static const uint32_t loop[] = {0xb9400001, 0x8b010042, 0xf94000a4, 0x91000484,
                                0xf90000a4, 0xf1000463, 0x54ffff41, A64_WFI};

struct result {
    uint64_t x[6], icount, ram;
    struct dev dev;
    int exitcode;
};

static void finish(struct tvm *t, struct dev *d, struct result *r)
{
    vmf_exit ex;
    memset(r, 0, sizeof(*r)); /* padding too: results are compared with memcmp */
    cr_assert_eq(tvm_run(t, 0, &ex), VMF_OK);
    r->exitcode = ex.exitcode;
    for (unsigned i = 0; i < 6; i++)
        r->x[i] = tvm_x(t, i);
    r->icount = vmf_vcpu_icount(t->vcpu);
    vmf_mem_read(t->vm, TVM_RAM + 0x8000, &r->ram, 8);
    memcpy(&r->dev, d, sizeof(*d));
}

static void run_snapshot(enum vmf_path path)
{
    struct tvm t;
    struct dev d;
    memset(&d, 0, sizeof(d));
    cr_assert_eq(tvm_create(&t, path), VMF_OK);
    cr_assert_not_null(vm_reserve_memory_at(t.vm, TVM_DEV, 0x1000, counter, &d));
    cr_assert_eq(tvm_load(&t, loop, sizeof(loop) / 4), VMF_OK);
    tvm_set_x(&t, 0, TVM_DEV);
    tvm_set_x(&t, 3, 10);
    tvm_set_x(&t, 5, TVM_RAM + 0x8000);
    vmf_exit ex;
    cr_assert_eq(tvm_run(&t, 23, &ex), VMF_OK); /* stop mid-loop */
    cr_assert_eq(ex.exitcode, VMF_EXIT_BUDGET);
    vmf_snapshot *s;
    cr_assert_eq(vmf_snapshot_take(t.vm, &s), VMF_OK);
    cr_expect_eq(vmf_snapshot_ram_bytes(s), TVM_RAM_SIZE);
    struct dev saved;
    memcpy(&saved, &d, sizeof(d));

    struct result first, second, third;
    finish(&t, &d, &first);
    cr_expect_eq(first.exitcode, VMF_EXIT_HLT);
    cr_expect_eq(first.x[3], 0);
    cr_expect_eq(first.ram, 10);

    cr_assert_eq(vmf_snapshot_restore(t.vm, s), VMF_OK);
    d = saved; /* the device model's state travels with the snapshot (here: by hand) */
    finish(&t, &d, &second);
    cr_expect_eq(memcmp(&first, &second, sizeof(first)), 0, "path %d: the re-run differs", path);

    /* Patch the code after the snapshot (wfi -> add x2, x2, #100 ; wfi would need two words:
     * turn `add x2, x2, x1` into `add x2, x2, #100`), run, restore: the original code runs again. */
    cr_assert_eq(vmf_snapshot_restore(t.vm, s), VMF_OK);
    d = saved;
    const uint8_t patch[4] = {0x42, 0x90, 0x01, 0x91}; /* add x2, x2, #100 */
    cr_assert_eq(vmf_mem_write(t.vm, TVM_RAM + 4, patch, 4), VMF_OK);
    cr_assert_eq(tvm_run(&t, 0, &ex), VMF_OK);
    cr_expect_neq(tvm_x(&t, 2), first.x[2], "the patched code ran");
    cr_assert_eq(vmf_snapshot_restore(t.vm, s), VMF_OK);
    d = saved;
    finish(&t, &d, &third);
    cr_expect_eq(memcmp(&first, &third, sizeof(first)), 0, "path %d: stale translated code after restore", path);
    vmf_snapshot_free(s);
    tvm_destroy(&t);
}

Test(snapshot, rerun_is_identical_fast_path)
{
    run_snapshot(VMF_PATH_FAST);
}

Test(snapshot, rerun_is_identical_exit_path)
{
    run_snapshot(VMF_PATH_EXIT);
}

static memory_fault_result_t unhandled(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)vm;
    (void)vcpu;
    (void)paddr;
    (void)len;
    (void)cookie;
    return FAULT_UNHANDLED;
}

Test(snapshot, refused_states)
{
    struct tvm t;
    cr_assert_eq(tvm_create(&t, VMF_PATH_EXIT), VMF_OK);
    vm_memory_reservation_t *r = vm_reserve_memory_at(t.vm, TVM_DEV, 0x1000, unhandled, NULL);
    cr_assert_not_null(r);
    cr_assert_eq(tvm_load(&t, loop, sizeof(loop) / 4), VMF_OK);
    tvm_set_x(&t, 0, TVM_DEV);
    vmf_snapshot *s = NULL;
    cr_assert_eq(vmf_snapshot_take(t.vm, &s), VMF_OK);
    vmf_exit ex;
    cr_assert_eq(tvm_run(&t, 10, &ex), VMF_OK);
    cr_assert_eq(ex.exitcode, VMF_EXIT_INST_EMUL);
    vmf_snapshot *s2 = NULL;
    cr_expect_eq(vmf_snapshot_take(t.vm, &s2), VMF_ESTATE, "a pending fault cannot be snapshotted");
    cr_expect_null(s2);
    cr_expect_eq(vmf_snapshot_restore(t.vm, s), VMF_OK, "restoring drops the pending fault");
    cr_expect_null(vmf_vcpu_fault(t.vcpu));
    cr_assert_eq(vm_map_reservation(t.vm, r, vmf_anon_frame_iterator, t.vm), 0);
    cr_expect_eq(vmf_snapshot_restore(t.vm, s), VMF_ESTATE, "the map changed");
    vmf_snapshot_free(s);
    tvm_destroy(&t);
}
