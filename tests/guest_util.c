#define _POSIX_C_SOURCE 200809L
/* Test helpers (see guest_util.h). */
#include "guest_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/runner.h"

int tvm_create(struct tvm *t, enum vmf_path path)
{
    int st = vmf_vm_create(VMF_ARCH_ARM64, "test", &t->vm);
    if (st)
        return st;
    if ((st = vmf_vcpu_create(t->vm, &t->vcpu)) || (st = vmf_ram_add(t->vm, TVM_RAM, TVM_RAM_SIZE, NULL)) ||
        (path != VMF_PATH_DEFAULT && (st = vmf_vm_set_default_path(t->vm, path)))) {
        vmf_vm_destroy(t->vm);
        t->vm = NULL;
    }
    return st;
}

int tvm_load(struct tvm *t, const uint32_t *words, size_t n)
{
    uint8_t buf[4096];
    if (n * 4 > sizeof(buf))
        return VMF_ESIZE;
    for (size_t i = 0; i < n; i++)
        for (unsigned b = 0; b < 4; b++)
            buf[4 * i + b] = (uint8_t)(words[i] >> (8 * b));
    int st = vmf_mem_write(t->vm, TVM_RAM, buf, n * 4);
    if (!st)
        st = vmf_reg_write(t->vcpu, VMF_ARM64_PC, TVM_RAM);
    if (!st)
        st = vmf_reg_write(t->vcpu, VMF_ARM64_SP, TVM_RAM + TVM_RAM_SIZE);
    return st;
}

int tvm_run(struct tvm *t, uint64_t budget, vmf_exit *ex)
{
    return vmf_run(t->vcpu, budget, ex);
}

uint64_t tvm_x(struct tvm *t, unsigned n)
{
    uint64_t v = 0;
    vmf_reg_read(t->vcpu, n, &v);
    return v;
}

void tvm_set_x(struct tvm *t, unsigned n, uint64_t v)
{
    vmf_reg_write(t->vcpu, n, v);
}

void tvm_destroy(struct tvm *t)
{
    vmf_vm_destroy(t->vm);
    t->vm = NULL;
    t->vcpu = NULL;
}

int tvm_asm(struct tvm *t, const char *text)
{
    struct scenario *s = calloc(1, sizeof(*s));
    if (!s)
        return VMF_ENOMEM;
    snprintf(s->files[0], sizeof(s->files[0]), "test.s");
    s->nfiles = 1;
    s->nram = 1;
    s->ram[0].base = TVM_RAM;
    s->ram[0].size = TVM_RAM_SIZE;
    s->guest_kind = SCN_GUEST_ASM;
    s->guest_text = strdup(text);
    struct guest_image img;
    struct scn_error err;
    int st = guest_build(s, &img, &err);
    free(s->guest_text);
    free(s);
    if (st) {
        fprintf(stderr, "tvm_asm: line %u: %s\n", err.line, err.message);
        return VMF_EINVAL;
    }
    for (size_t i = 0; i < img.nseg && !st; i++)
        st = vmf_mem_write(t->vm, img.seg[i].addr, img.bytes + img.seg[i].off, img.seg[i].len);
    if (!st)
        st = vmf_reg_write(t->vcpu, VMF_ARM64_PC, img.entry);
    if (!st)
        st = vmf_reg_write(t->vcpu, VMF_ARM64_SP, TVM_RAM + TVM_RAM_SIZE);
    guest_free(&img);
    return st;
}
