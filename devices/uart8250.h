/* vmfault devices — a 16550A UART, lite: enough for a guest to print and poll.
 *
 * Eight byte-wide registers at offsets 0..7 from the base (an x86 COM port at
 * 0x3f8 is the usual place; the model knows nothing of the bus, so it serves
 * I/O ports and MMIO alike):
 *   0 THR (write: transmit a byte) / RBR (read: the next queued input byte,
 *     0 when none); DLL instead while LCR.DLAB is set
 *   1 IER (bits 3:0 stored; no interrupt is ever raised) / DLM with DLAB
 *   2 IIR (read: 0x01 "no interrupt pending", | 0xc0 with the FIFOs enabled) /
 *     FCR (write: bit 0 enables the FIFOs, bit 1 drops the queued input)
 *   3 LCR, 4 MCR (bits 4:0), 7 SCR: stored and read back
 *   5 LSR (read only): THRE | TEMT always (transmit is instantaneous), DR
 *     while input is queued
 *   6 MSR (read only): DCD | DSR | CTS, the lines of a connected terminal
 * Only 1-byte accesses are accepted (the binding refuses the rest).  Bytes
 * written to THR are captured (the trace records them); reset == init.
 */
#ifndef VMFAULT_DEVICES_UART8250_H
#define VMFAULT_DEVICES_UART8250_H

#include "devices/device.h"

#define VMF_UART8250_OUT_MAX 4096
#define VMF_UART8250_IN_MAX 256

/* Register offsets. */
enum {
    VMF_UART8250_THR = 0, /* RBR on read, DLL with DLAB */
    VMF_UART8250_IER = 1, /* DLM with DLAB */
    VMF_UART8250_IIR = 2, /* FCR on write */
    VMF_UART8250_LCR = 3,
    VMF_UART8250_MCR = 4,
    VMF_UART8250_LSR = 5,
    VMF_UART8250_MSR = 6,
    VMF_UART8250_SCR = 7,
};

/* LSR bits. */
#define VMF_UART8250_LSR_DR 0x01u
#define VMF_UART8250_LSR_THRE 0x20u
#define VMF_UART8250_LSR_TEMT 0x40u

struct vmf_uart8250 {
    uint8_t ier, fcr, lcr, mcr, scr, dll, dlm;
    uint8_t in[VMF_UART8250_IN_MAX]; /* queued input */
    uint32_t in_head, in_len;
    uint32_t out_len; /* bytes transmitted (out keeps the first VMF_UART8250_OUT_MAX - 1, NUL-terminated) */
    char out[VMF_UART8250_OUT_MAX];
};

void vmf_uart8250_init(struct vmf_uart8250 *u);
/* Queue input bytes for the guest to read from RBR; returns how many fitted. */
size_t vmf_uart8250_input(struct vmf_uart8250 *u, const void *bytes, size_t len);
/* The name of the register at `offset` as a read or a write sees it ("THR", "LSR", ...). */
const char *vmf_uart8250_reg_name(const struct vmf_uart8250 *u, uint64_t offset, bool write);

extern const vmf_device_ops vmf_uart8250_ops; /* dev = struct vmf_uart8250 * */

#endif
