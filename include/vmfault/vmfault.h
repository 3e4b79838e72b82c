/* vmfault — everything, in one include. */
#ifndef VMFAULT_VMFAULT_H
#define VMFAULT_VMFAULT_H

#include <sel4vm/guest_memory.h>
#include <sel4vm/guest_vcpu_fault.h>
#include <sel4vm/guest_vm.h>
#include <sel4vm/arch/guest_x86_context.h>
#include <sel4vm/arch/ioports.h>
#include <sel4vm/arch/vmcall.h>

#include "vmfault/decode_arm64.h"
#include "vmfault/decode_x86.h"
#include "vmfault/fault.h"
#include "vmfault/memory.h"
#include "vmfault/snapshot.h"
#include "vmfault/status.h"
#include "vmfault/vm.h"
#include "vmfault/x86.h"

#endif
