/* vmfault devices — an Arm PrimeCell PL011 UART, enough for a guest to print.
 *
 * Registers (offsets from the base, 32-bit, byte access allowed for DR):
 *   DR 0x000 (write: transmit a byte; read: next received byte or 0),
 *   RSR/ECR 0x004, FR 0x018 (TXFE set, RXFE set while no input is queued,
 *   never busy or full), ILPR 0x020, IBRD 0x024, FBRD 0x028, LCR_H 0x02c,
 *   CR 0x030, IFLS 0x034, IMSC 0x038, RIS 0x03c, MIS 0x040, ICR 0x044,
 *   DMACR 0x048, and the PrimeCell ID registers 0xfe0..0xffc
 *   (0x11 0x10 0x14 0x00, 0x0d 0xf0 0x05 0xb1).
 * Transmitted bytes are captured (the trace records them); transmit is
 * instantaneous, so TXFE is always 1 and TXRIS is pending while CR.UARTEN
 * and CR.TXE are set, until ICR clears it; the next DR write re-asserts it.
 * RXRIS is pending while input is queued (until ICR or DR reads drain it).
 * Unknown offsets read as zero and ignore writes.  reset == init (clears
 * the capture and the input queue).
 */
#ifndef VMFAULT_DEVICES_PL011_H
#define VMFAULT_DEVICES_PL011_H

#include "devices/device.h"

#define VMF_PL011_OUT_MAX 65536
#define VMF_PL011_IN_MAX 256

struct vmf_pl011 {
    uint32_t ibrd, fbrd, lcr_h, cr, ifls, imsc;
    uint32_t icr_cleared; /* TX interrupt cleared by ICR since the last DR write */
    uint32_t dmacr, ilpr, rsr;
    uint32_t ris;
    uint8_t in[VMF_PL011_IN_MAX]; /* queued input */
    uint32_t in_head, in_len;
    uint32_t out_len; /* bytes transmitted (out keeps the first VMF_PL011_OUT_MAX - 1, NUL-terminated) */
    char out[VMF_PL011_OUT_MAX];
};

void vmf_pl011_init(struct vmf_pl011 *u);
/* UARTINTR: the combined interrupt output (masked status MIS != 0). */
bool vmf_pl011_irq(const struct vmf_pl011 *u);
/* Queue input bytes for the guest to read from DR; returns how many fitted. */
size_t vmf_pl011_input(struct vmf_pl011 *u, const void *bytes, size_t len);

extern const vmf_device_ops vmf_pl011_ops; /* dev = struct vmf_pl011 * */

#endif
