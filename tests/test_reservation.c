/* libsel4vm's guest_memory.h over vmfault: reservations, anon memory, mapping. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "guest_util.h"

static int calls;

static memory_fault_result_t count_fault(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)vm;
    (void)paddr;
    (void)len;
    (void)cookie;
    calls++;
    set_vcpu_fault_data(vcpu, 0x5a);
    advance_vcpu_fault(vcpu);
    return FAULT_HANDLED;
}

static struct tvm t;

static void setup(void)
{
    calls = 0;
    cr_assert_eq(tvm_create(&t, VMF_PATH_FAST), VMF_OK);
}

static void teardown(void)
{
    tvm_destroy(&t);
}

TestSuite(reservation, .init = setup, .fini = teardown);

static void expect_refused(uintptr_t addr, size_t size, int status)
{
    int st = 0;
    cr_expect_null(vm_reserve_memory_at(t.vm, addr, size, count_fault, NULL), "0x%lx+0x%zx", addr, size);
    vmf_vm_last_error(t.vm, &st);
    cr_expect_eq(st, status, "0x%lx+0x%zx: status %d, want %d", addr, size, st, status);
}

Test(reservation, bad_ranges_are_refused_with_a_reason)
{
    expect_refused(TVM_DEV, 0, VMF_ESIZE);
    expect_refused(TVM_DEV + 4, 0x1000, VMF_EALIGN);
    expect_refused(0xfffffffffffff000ull, 0x2000, VMF_ERANGE);
    expect_refused(TVM_RAM + 0x1000, 0x1000, VMF_EOVERLAP);
    expect_refused(TVM_RAM - 0x1000, 0x2000, VMF_EOVERLAP);
    cr_expect_str_not_empty(vmf_vm_last_error(t.vm, NULL));
    vm_memory_reservation_t *r = vm_reserve_memory_at(t.vm, TVM_DEV, 0x2000, count_fault, NULL);
    cr_assert_not_null(r);
    expect_refused(TVM_DEV + 0x1000, 0x1000, VMF_EOVERLAP);
    cr_expect_eq(vmf_ram_add(t.vm, TVM_DEV, 0x1000, NULL), VMF_EOVERLAP, "RAM over a reservation");
    expect_refused(TVM_DEV, 0x1000, VMF_EOVERLAP); /* the refused RAM did not take the reservation with it */
}

Test(reservation, region_free_and_reuse)
{
    vm_memory_reservation_t *r = vm_reserve_memory_at(t.vm, TVM_DEV, 0x3000, count_fault, NULL);
    cr_assert_not_null(r);
    uintptr_t addr = 0;
    size_t size = 0;
    vm_get_reservation_memory_region(r, &addr, &size);
    cr_expect_eq(addr, TVM_DEV);
    cr_expect_eq(size, 0x3000);
    cr_expect_eq(vm_free_reserved_memory(t.vm, r), 0);
    r = vm_reserve_memory_at(t.vm, TVM_DEV + 0x1000, 0x1000, count_fault, NULL);
    cr_expect_not_null(r, "the freed range is free again");

    /* A reservation of another VM is refused. */
    struct tvm other;
    cr_assert_eq(tvm_create(&other, VMF_PATH_FAST), VMF_OK);
    cr_expect_eq(vm_free_reserved_memory(other.vm, r), -1);
    tvm_destroy(&other);
}

Test(reservation, freed_reservation_no_longer_faults)
{
    /* ldr w1, [x0] ; wfi */
    const uint32_t code[] = {0xb9400001, A64_WFI};
    vm_memory_reservation_t *r = vm_reserve_memory_at(t.vm, TVM_DEV, 0x1000, count_fault, NULL);
    cr_assert_not_null(r);
    cr_assert_eq(tvm_load(&t, code, 2), VMF_OK);
    tvm_set_x(&t, 0, TVM_DEV);
    vmf_exit ex;
    cr_assert_eq(tvm_run(&t, 100, &ex), VMF_OK);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
    cr_expect_eq(calls, 1);
    cr_expect_eq(tvm_x(&t, 1), 0x5a);
    cr_assert_eq(vm_free_reserved_memory(t.vm, r), 0);
    cr_assert_eq(vmf_reg_write(t.vcpu, VMF_ARM64_PC, TVM_RAM), VMF_OK);
    cr_assert_eq(tvm_run(&t, 100, &ex), VMF_OK);
    cr_expect_eq(ex.exitcode, VMF_EXIT_PAGING, "exit %s", vmf_exit_name(ex.exitcode));
    cr_expect_eq(ex.u.paging.gpa, TVM_DEV);
    cr_expect_eq(ex.u.paging.fault_type, VMF_FAULT_READ);
    cr_expect_eq(ex.pc, TVM_RAM);
    cr_expect_eq(calls, 1);
}

Test(reservation, anon_memory_first_fit)
{
    uintptr_t a = 0, b = 0, c = 0, d = 0;
    cr_expect_null(vm_reserve_anon_memory(t.vm, 0x1000, 0x1000, count_fault, NULL, &a), "no pool yet");
    cr_assert_eq(vm_memory_make_anon(t.vm, 0x10000000, 0x100000), 0);
    cr_expect_eq(vm_memory_make_anon(t.vm, 0x10080000, 0x1000), -1, "pools do not overlap");
    vm_memory_reservation_t *ra = vm_reserve_anon_memory(t.vm, 0x2000, 0x1000, count_fault, NULL, &a);
    vm_memory_reservation_t *rb = vm_reserve_anon_memory(t.vm, 0x1000, 0x1000, count_fault, NULL, &b);
    vm_memory_reservation_t *rc = vm_reserve_anon_memory(t.vm, 0x1000, 0x10000, count_fault, NULL, &c);
    cr_assert(ra && rb && rc);
    cr_expect_eq(a, 0x10000000);
    cr_expect_eq(b, 0x10002000);
    cr_expect_eq(c, 0x10010000, "aligned to 64 KiB");
    cr_expect_null(vm_reserve_anon_memory(t.vm, 0x200000, 0x1000, count_fault, NULL, &d), "too big");
    cr_expect_null(vm_reserve_anon_memory(t.vm, 0x1000, 0x1800, count_fault, NULL, &d), "bad alignment");
    cr_expect_eq(vm_free_reserved_memory(t.vm, ra), 0);
    vm_memory_reservation_t *rd = vm_reserve_anon_memory(t.vm, 0x1000, 0x1000, count_fault, NULL, &d);
    cr_assert_not_null(rd);
    cr_expect_eq(d, 0x10000000, "freed anon space is reused, lowest address first");
    cr_expect_eq(vm_reserve_memory_at(t.vm, 0x10004000, 0x1000, count_fault, NULL), NULL, "the pool itself is taken");
}

Test(reservation, map_frames_makes_ram)
{
    uint8_t *frames[2] = {calloc(1, 0x1000), calloc(1, 0x1000)};
    frames[1][0x10] = 0x77;
    vm_memory_reservation_t *r = vm_reserve_memory_at(t.vm, TVM_DEV, 0x2000, count_fault, NULL);
    cr_assert_not_null(r);
    seL4_CPtr caps[2] = {(seL4_CPtr)(uintptr_t)frames[0], (seL4_CPtr)(uintptr_t)frames[1]};
    cr_expect_eq(vm_map_reservation_frames(t.vm, r, caps, 1, 12), -1, "one frame does not cover 8 KiB");
    seL4_CPtr nullcaps[2] = {caps[0], seL4_CapNull};
    cr_expect_eq(vm_map_reservation_frames(t.vm, r, nullcaps, 2, 12), -1);
    cr_assert_eq(vm_map_reservation_frames(t.vm, r, caps, 2, 12), 0);
    cr_expect(vmf_reservation_is_mapped(r));
    cr_expect_eq(vm_map_reservation_frames(t.vm, r, caps, 2, 12), -1, "already mapped");
    /* ldrb w1, [x0, #0x10] ; strb w1, [x0, #0x11] ; wfi */
    const uint32_t code[] = {0x39404001, 0x39004401, A64_WFI};
    cr_assert_eq(tvm_load(&t, code, 3), VMF_OK);
    tvm_set_x(&t, 0, TVM_DEV + 0x1000);
    vmf_exit ex;
    cr_assert_eq(tvm_run(&t, 100, &ex), VMF_OK);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
    cr_expect_eq(calls, 0, "mapped memory never faults");
    cr_expect_eq(tvm_x(&t, 1), 0x77);
    cr_expect_eq(frames[1][0x11], 0x77, "the guest wrote the host frame");
    uint8_t v = 0;
    cr_expect_eq(vmf_mem_read(t.vm, TVM_DEV + 0x1011, &v, 1), VMF_OK);
    cr_expect_eq(v, 0x77);
    tvm_destroy(&t);
    free(frames[0]);
    free(frames[1]);
    cr_assert_eq(tvm_create(&t, VMF_PATH_FAST), VMF_OK); /* for the fini */
}

static int iterated;

static vm_frame_t counting_iterator(uintptr_t addr, void *cookie)
{
    iterated++;
    return vmf_anon_frame_iterator(addr, cookie);
}

static vm_frame_t null_iterator(uintptr_t addr, void *cookie)
{
    (void)cookie;
    return (vm_frame_t){.cptr = seL4_CapNull, .vaddr = addr, .size_bits = 12};
}

Test(reservation, eager_map_with_iterator)
{
    iterated = 0;
    vm_memory_reservation_t *r = vm_reserve_memory_at(t.vm, TVM_DEV, 0x3000, count_fault, NULL);
    cr_assert_not_null(r);
    cr_expect_eq(vm_map_reservation(t.vm, r, null_iterator, NULL), -1);
    cr_expect(!vmf_reservation_is_mapped(r));
    cr_assert_eq(vm_map_reservation(t.vm, r, counting_iterator, t.vm), 0);
    cr_expect_eq(iterated, 3, "one 4 KiB frame per page, at map time");
    cr_expect(vmf_reservation_is_mapped(r));
}

Test(reservation, deferred_map_happens_on_first_touch_and_restarts)
{
    iterated = 0;
    cr_assert_eq(vmf_vm_set_defer_memory_map(t.vm, true), VMF_OK);
    vm_memory_reservation_t *r = vm_reserve_memory_at(t.vm, TVM_DEV, 0x2000, count_fault, NULL);
    cr_assert_not_null(r);
    cr_assert_eq(vm_map_reservation(t.vm, r, counting_iterator, t.vm), 0);
    cr_expect_eq(iterated, 0, "nothing mapped before the guest touches it");
    /* mov w1, #0x1234 ; str w1, [x0] ; ldr w2, [x0] ; wfi */
    const uint32_t code[] = {0x52824681, 0xb9000001, 0xb9400002, A64_WFI};
    cr_assert_eq(tvm_load(&t, code, 4), VMF_OK);
    tvm_set_x(&t, 0, TVM_DEV + 0x1000);
    vmf_exit ex;
    cr_assert_eq(tvm_run(&t, 100, &ex), VMF_OK);
    cr_expect_eq(ex.exitcode, VMF_EXIT_HLT);
    cr_expect_eq(calls, 0, "a mapped reservation's callback is not used");
    cr_expect_eq(iterated, 2, "mapped whole on first touch");
    cr_expect(vmf_reservation_is_mapped(r));
    cr_expect_eq(tvm_x(&t, 2), 0x1234, "the restarted store reached the new RAM");
    cr_expect_eq(vmf_vcpu_icount(t.vcpu), 4, "the restarted store counts once");
}

struct self_free {
    vm_memory_reservation_t *res;
    int calls;
};

static memory_fault_result_t free_myself(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)paddr;
    (void)len;
    struct self_free *s = cookie;
    s->calls++;
    set_vcpu_fault_data(vcpu, 0x1122334455667788ull);
    advance_vcpu_fault(vcpu);
    cr_expect_eq(vm_free_reserved_memory(vm, s->res), 0);
    return FAULT_HANDLED;
}

Test(reservation, handler_frees_its_own_reservation)
{
    enum vmf_path paths[] = {VMF_PATH_FAST, VMF_PATH_EXIT};
    for (int p = 0; p < 2; p++) {
        struct tvm u;
        struct self_free s = {0};
        cr_assert_eq(tvm_create(&u, paths[p]), VMF_OK);
        s.res = vm_reserve_memory_at(u.vm, TVM_DEV, 0x1000, free_myself, &s);
        cr_assert_not_null(s.res);
        /* ldr x1, [x0] (two MMIO callbacks on the fast path) ; ldr x2, [x0] ; wfi */
        const uint32_t code[] = {0xf9400001, 0xf9400002, A64_WFI};
        cr_assert_eq(tvm_load(&u, code, 3), VMF_OK);
        tvm_set_x(&u, 0, TVM_DEV);
        vmf_exit ex;
        cr_assert_eq(tvm_run(&u, 100, &ex), VMF_OK);
        cr_expect_eq(s.calls, 1, "path %d", p);
        cr_expect_eq(tvm_x(&u, 1), 0x1122334455667788ull, "path %d: the first load completes", p);
        cr_expect_eq(ex.exitcode, VMF_EXIT_PAGING, "path %d: the second finds nothing: %s", p,
                     vmf_exit_name(ex.exitcode));
        cr_expect_eq(ex.pc, TVM_RAM + 4);
        cr_expect_eq(vmf_vcpu_icount(u.vcpu), 1, "path %d", p);
        tvm_destroy(&u);
    }
}
