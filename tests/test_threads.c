/* No global mutable state: two VMs run at once on two threads and each gives
 * exactly what it gives alone. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#include "guest_util.h"

struct dev {
    uint64_t sum;   /* of everything written */
    uint32_t reads; /* served so far */
};

static memory_fault_result_t dev_fault(vm_t *vm, vm_vcpu_t *vcpu, uintptr_t paddr, size_t len, void *cookie)
{
    (void)vm;
    (void)paddr;
    (void)len;
    struct dev *d = cookie;
    if (is_vcpu_read_fault(vcpu))
        set_vcpu_fault_data(vcpu, ++d->reads * 3u);
    else
        d->sum += get_vcpu_fault_data(vcpu);
    advance_vcpu_fault(vcpu);
    return FAULT_HANDLED;
}

struct job {
    enum vmf_path path;
    uint64_t iterations;
    struct dev dev;
    uint64_t x2, icount;
    int exitcode;
};

/* loop: ldr w1, [x0] ; add x2, x2, x1 ; str w1, [x0, #4] ; subs x3, x3, #1 ; b.ne loop ; wfi */
static const uint32_t loop[] = {0xb9400001, 0x8b010042, 0xb9000401, 0xf1000463, 0x54ffff81, A64_WFI};

static void *run_job(void *arg)
{
    struct job *j = arg;
    struct tvm t;
    if (tvm_create(&t, j->path))
        return NULL;
    vm_reserve_memory_at(t.vm, TVM_DEV, 0x1000, dev_fault, &j->dev);
    tvm_load(&t, loop, sizeof(loop) / 4);
    tvm_set_x(&t, 0, TVM_DEV);
    tvm_set_x(&t, 2, 0);
    tvm_set_x(&t, 3, j->iterations);
    vmf_exit ex;
    if (tvm_run(&t, 0, &ex) == VMF_OK)
        j->exitcode = ex.exitcode;
    j->x2 = tvm_x(&t, 2);
    j->icount = vmf_vcpu_icount(t.vcpu);
    tvm_destroy(&t);
    return NULL;
}

Test(threads, two_vms_on_two_threads)
{
    const uint64_t n = 20000;
    struct job alone[2], together[2];
    memset(alone, 0, sizeof(alone));
    memset(together, 0, sizeof(together));
    enum vmf_path paths[2] = {VMF_PATH_FAST, VMF_PATH_EXIT};
    for (int i = 0; i < 2; i++) {
        alone[i].path = together[i].path = paths[i];
        alone[i].iterations = together[i].iterations = n + (uint64_t)i;
        run_job(&alone[i]);
    }
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, run_job, &together[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 2; i++) {
        uint64_t it = n + (uint64_t)i;
        uint64_t want = 3 * it * (it + 1) / 2; /* 3 + 6 + ... */
        cr_expect_eq(alone[i].exitcode, VMF_EXIT_HLT);
        cr_expect_eq(together[i].exitcode, VMF_EXIT_HLT);
        cr_expect_eq(alone[i].x2, want, "vm %d alone: x2 = %lu", i, alone[i].x2);
        cr_expect_eq(together[i].x2, want, "vm %d threaded: x2 = %lu", i, together[i].x2);
        cr_expect_eq(together[i].dev.sum, want);
        cr_expect_eq(together[i].dev.reads, it);
        cr_expect_eq(together[i].icount, alone[i].icount);
        cr_expect_eq(alone[i].icount, 5 * it + 1);
    }
}
