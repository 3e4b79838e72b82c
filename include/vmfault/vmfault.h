/* vmfault — everything, in one include. */
#ifndef VMFAULT_VMFAULT_H
#define VMFAULT_VMFAULT_H

#include <sel4vm/guest_memory.h>
#include <sel4vm/guest_vcpu_fault.h>
#include <sel4vm/guest_vm.h>

#include "vmfault/decode_arm64.h"
#include "vmfault/fault.h"
#include "vmfault/memory.h"
#include "vmfault/snapshot.h"
#include "vmfault/status.h"
#include "vmfault/vm.h"

#endif
