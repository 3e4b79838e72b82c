/* vmfault devices — how a PC guest resets or powers off its machine.
 *
 * "reset-control": the reset control register at I/O port 0xCF9 (Intel ICH /
 * PCH; PIIX3 has it too).  A write with RST_CPU (bit 2) set resets the
 * machine; SYS_RST (bit 1, hard or soft reset) is kept and reads back.
 *
 * "acpi-pm": an ACPI PM1a control register (2 bytes; QEMU's PIIX4 and ICH9
 * put it at port 0x604).  A write with SLP_EN (bit 13) set enters the sleep
 * state SLP_TYP (bits 12:10); QEMU's firmware tables give S5, soft off, the
 * value 0, so that write powers the machine off.  Other sleep types are an
 * error (no suspend-to-RAM here).  SLP_EN reads 0.
 *
 * The models only record the request and answer VMF_DEV_RESET or
 * VMF_DEV_POWEROFF; the binding completes the access and ends the run with a
 * SUSPENDED exit (vmf_vcpu_request_suspend).
 */
#ifndef VMFAULT_DEVICES_PC_POWER_H
#define VMFAULT_DEVICES_PC_POWER_H

#include "devices/device.h"

struct vmf_pc_power {
    uint16_t reg;      /* reset-control: the stored bits; acpi-pm: PM1a_CNT without SLP_EN */
    uint8_t requested; /* 0, VMF_DEV_RESET or VMF_DEV_POWEROFF: what the guest asked for */
    uint8_t pad;
};

void vmf_pc_power_init(struct vmf_pc_power *p);

extern const vmf_device_ops vmf_reset_control_ops; /* dev = struct vmf_pc_power * */
extern const vmf_device_ops vmf_acpi_pm_ops;       /* dev = struct vmf_pc_power * */

#endif
