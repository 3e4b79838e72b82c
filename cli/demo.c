/* vmfault demo — the main job: a guest driver against a device handler
 * written for libsel4vm, with every fault printed as a hypervisor sees it. */
#include <stdio.h>
#include <string.h>

#include <sel4vm/guest_memory.h>
#include <sel4vm/guest_vcpu_fault.h>

#include "cli.h"
#include "devices/sel4vm_demo.h"
#include "vmfault/vmfault.h"

extern const unsigned char vmf_guest_demo[];
extern const size_t vmf_guest_demo_len;

#define RAM_BASE 0x40000000u
#define DEV_BASE 0x09000000u

/* ---- printing -------------------------------------------------------------------------------- */

static void print_fault(vmf_vcpu *vcpu, const vmf_fault *f, void *cookie)
{
    (void)vcpu;
    (void)cookie;
    char text[96];
    if (vmf_arm64_disasm(f->insn_word, f->pc, text, sizeof(text)))
        snprintf(text, sizeof(text), "0x%08x", f->insn_word);
    uint64_t mask = (f->size >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (8 * f->size)) - 1) << (8 * (f->addr & 3));
    printf("  - {pc: 0x%llx, insn: \"%s\", %s: 0x%llx, size: %u, data: 0x%llx, mask: 0x%llx, "
           "esr: 0x%08x, isv: %d, part: %u/%u, result: %s}\n",
           (unsigned long long)f->pc, text, f->access == VMF_ACCESS_READ ? "read" : "write",
           (unsigned long long)f->addr, f->size, (unsigned long long)f->data, (unsigned long long)mask, f->insn.esr,
           f->insn.isv, f->part + 1u, f->parts, vmf_fault_result_name(f->result));
}

int cmd_demo(int argc, char **argv)
{
    enum vmf_path path = VMF_PATH_FAST;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--path") && i + 1 < argc) {
            const char *p = argv[++i];
            if (!strcmp(p, "fast"))
                path = VMF_PATH_FAST;
            else if (!strcmp(p, "exit"))
                path = VMF_PATH_EXIT;
            else {
                fprintf(stderr, "vmfault demo: --path must be fast or exit, not '%s'\n", p);
                return 2;
            }
        } else {
            fprintf(stderr, "vmfault demo: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    vmf_vm *vm;
    vmf_vcpu *vcpu;
    struct demo_dev dev;
    demo_dev_init(&dev);
    int st = vmf_vm_create(VMF_ARCH_ARM64, "demo", &vm);
    if (st) {
        fprintf(stderr, "vmfault demo: %s\n", vmf_strerror(st));
        return 1;
    }
    vm_memory_reservation_t *res = NULL;
    if ((st = vmf_vcpu_create(vm, &vcpu)) || (st = vmf_vm_set_default_path(vm, path)) ||
        (st = vmf_ram_add(vm, RAM_BASE, 0x10000, NULL)) ||
        (st = vmf_mem_write(vm, RAM_BASE, vmf_guest_demo, vmf_guest_demo_len)) ||
        (st = vmf_reg_write(vcpu, VMF_ARM64_PC, RAM_BASE)) ||
        (st = vmf_reg_write(vcpu, VMF_ARM64_SP, RAM_BASE + 0x10000))) {
        fprintf(stderr, "vmfault demo: setting up the VM: %s\n", vmf_strerror(st));
        vmf_vm_destroy(vm);
        return 1;
    }
    res = vm_reserve_memory_at(vm, DEV_BASE, 0x1000, demo_dev_fault, &dev);
    if (!res) {
        fprintf(stderr, "vmfault demo: %s\n", vmf_vm_last_error(vm, NULL));
        vmf_vm_destroy(vm);
        return 1;
    }
    vmf_reservation_set_name(res, "demo-device");
    vmf_vm_set_fault_observer(vm, print_fault, NULL);

    printf("# vmfault demo: AArch64 guest at 0x%x, device reserved at 0x%x, %s path\n", RAM_BASE, DEV_BASE,
           path == VMF_PATH_FAST ? "fast" : "exit");
    printf("faults:\n");
    vmf_exit ex;
    st = vmf_run(vcpu, 100000, &ex);
    int rc = 0;
    if (st) {
        fprintf(stderr, "vmfault demo: vmf_run: %s\n", vmf_strerror(st));
        rc = 1;
    } else {
        printf("exit: {reason: %s, pc: 0x%llx, instructions: %llu}\n", vmf_exit_name(ex.exitcode),
               (unsigned long long)ex.pc, (unsigned long long)ex.icount);
        if (ex.exitcode == VMF_EXIT_ERROR) {
            fprintf(stderr, "vmfault demo: %s\n", ex.u.error.message);
            rc = 1;
        } else if (ex.exitcode != VMF_EXIT_HLT) {
            rc = 1;
        }
        static const char *const names[] = {"x1", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10"};
        static const unsigned regs[] = {1, 3, 4, 5, 6, 7, 8, 9, 10};
        printf("registers: {");
        for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
            uint64_t x = 0;
            vmf_reg_read(vcpu, regs[i], &x);
            printf("%s%s: 0x%llx", i ? ", " : "", names[i], (unsigned long long)x);
        }
        printf("}\n");
        dev.uart[dev.uart_len] = 0;
        printf("uart: \"");
        for (size_t i = 0; i < dev.uart_len; i++)
            printf(dev.uart[i] == '\n' ? "\\n" : "%c", dev.uart[i]);
        printf("\"\n");
    }
    vmf_vm_destroy(vm);
    return rc;
}
