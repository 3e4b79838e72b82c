/* libsel4vm's guest_vm.h, as vmfault provides it.
 *
 * The VM and vCPU objects a libsel4vm handler receives, and the seL4 word types
 * its signatures use.  In vmfault the VM is the engine's VM: a vm_t * is a
 * vmf_vm *, a vm_vcpu_t * is a vmf_vcpu *, so handlers and the native API mix
 * freely.  Only the fields below are public; the engine keeps the rest behind
 * `impl`.
 */
#ifndef SEL4VM_GUEST_VM_H
#define SEL4VM_GUEST_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* seL4 word types (64-bit host, 64-bit seL4 configuration). */
typedef uint64_t seL4_Word;
typedef seL4_Word seL4_CPtr;
typedef struct seL4_CapRights {
    seL4_Word words[1];
} seL4_CapRights_t;
#define seL4_CapNull ((seL4_CPtr)0)

/* Most vCPUs one VM can have. */
#ifndef CONFIG_MAX_NUM_NODES
#define CONFIG_MAX_NUM_NODES 8
#endif

typedef struct vm vm_t;
typedef struct vm_vcpu vm_vcpu_t;

struct vmf_vcpu_impl;
struct vmf_vm_impl;

struct vm_vcpu {
    vm_t *vm;                   /* the VM this vCPU belongs to */
    unsigned int vcpu_id;       /* 0, 1, ... in creation order */
    int target_cpu;             /* affinity hint (informational in vmfault) */
    bool vcpu_online;           /* the vCPU runs when the VM runs */
    struct vmf_vcpu_impl *impl; /* engine private */
};

struct vm {
    unsigned int num_vcpus;
    vm_vcpu_t *vcpus[CONFIG_MAX_NUM_NODES];
    const char *vm_name;
    unsigned int vm_id;
    struct vmf_vm_impl *impl; /* engine private */
};

#ifdef __cplusplus
}
#endif

#endif
