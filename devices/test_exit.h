/* vmfault devices — "test exit": a guest write ends the run with a status.
 *
 * Offset 0, 32-bit write (only 4-byte accesses are accepted): the run stops
 * and the status is the value written
 * (0 = pass by convention).  Reads return 0x54455354 ("TEST") so a guest can
 * probe for the device.  Other offsets read 0 and ignore writes.
 */
#ifndef VMFAULT_DEVICES_TEST_EXIT_H
#define VMFAULT_DEVICES_TEST_EXIT_H

#include "devices/device.h"

struct vmf_test_exit {
    bool exited;
    uint32_t status;
};

void vmf_test_exit_init(struct vmf_test_exit *t);

extern const vmf_device_ops vmf_test_exit_ops; /* dev = struct vmf_test_exit * */

/* "debug exit", QEMU's isa-debug-exit convention (an x86 I/O port device):
 * a write of v (1, 2 or 4 bytes, any offset in its range) stops the run with
 * status (v << 1) | 1, so a guest can never report 0 and "status 1" means the
 * guest wrote 0.  Reads return 0.  The same state as test-exit. */
extern const vmf_device_ops vmf_debug_exit_ops; /* dev = struct vmf_test_exit * */

#endif
