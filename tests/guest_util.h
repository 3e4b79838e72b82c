/* Test helpers: a one-vCPU AArch64 VM with RAM at TVM_RAM and code loaded at its base. */
#ifndef VMFAULT_TESTS_GUEST_UTIL_H
#define VMFAULT_TESTS_GUEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "vmfault/vmfault.h"

#define TVM_RAM 0x40000000ull
#define TVM_RAM_SIZE 0x10000ull
#define TVM_DEV 0x09000000ull
#define A64_WFI 0xd503207fu
#define A64_NOP 0xd503201fu

struct tvm {
    vmf_vm *vm;
    vmf_vcpu *vcpu;
};

/* VM + vCPU + 64 KiB of RAM; reservations created later use `path`. */
int tvm_create(struct tvm *t, enum vmf_path path);
/* Write code words at TVM_RAM and set PC there (SP at the top of RAM). */
int tvm_load(struct tvm *t, const uint32_t *words, size_t n);
/* Run to the first exit with a budget; returns vmf_run's status. */
int tvm_run(struct tvm *t, uint64_t budget, vmf_exit *ex);
/* Assemble GNU as text (AArch64) at TVM_RAM and load it; PC at its start.
 * Labels, literal pools and .data all work (the runner's assembler). */
int tvm_asm(struct tvm *t, const char *text);
uint64_t tvm_x(struct tvm *t, unsigned n);
void tvm_set_x(struct tvm *t, unsigned n, uint64_t v);
void tvm_destroy(struct tvm *t);

#endif
