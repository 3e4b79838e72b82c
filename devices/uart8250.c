/* vmfault devices — a 16550A UART, lite (see uart8250.h).
 *
 * Register layout and bits after the NS16550A data sheet and QEMU's
 * hw/char/serial.c, without time: transmit completes at once, so THR and the
 * shift register are always empty (LSR.THRE and LSR.TEMT), and no interrupt
 * is ever raised (IIR reads "none pending").
 */
#include "devices/uart8250.h"

#include <string.h>

#define LCR_DLAB 0x80u
#define FCR_FIFO_ENABLE 0x01u
#define FCR_CLEAR_RX 0x02u
#define IIR_NO_INT 0x01u
#define IIR_FIFOS 0xc0u
#define MSR_CONNECTED 0xb0u /* DCD | DSR | CTS */

void vmf_uart8250_init(struct vmf_uart8250 *u)
{
    if (u)
        memset(u, 0, sizeof(*u)); /* padding too: snapshots compare byte for byte */
}

size_t vmf_uart8250_input(struct vmf_uart8250 *u, const void *bytes, size_t len)
{
    if (!u || (!bytes && len))
        return 0;
    const uint8_t *p = bytes;
    size_t n = 0;
    while (n < len && u->in_len < VMF_UART8250_IN_MAX) {
        u->in[(u->in_head + u->in_len) % VMF_UART8250_IN_MAX] = p[n++];
        u->in_len++;
    }
    return n;
}

const char *vmf_uart8250_reg_name(const struct vmf_uart8250 *u, uint64_t offset, bool write)
{
    bool dlab = u && (u->lcr & LCR_DLAB);
    switch (offset) {
    case VMF_UART8250_THR: return dlab ? "DLL" : write ? "THR" : "RBR";
    case VMF_UART8250_IER: return dlab ? "DLM" : "IER";
    case VMF_UART8250_IIR: return write ? "FCR" : "IIR";
    case VMF_UART8250_LCR: return "LCR";
    case VMF_UART8250_MCR: return "MCR";
    case VMF_UART8250_LSR: return "LSR";
    case VMF_UART8250_MSR: return "MSR";
    case VMF_UART8250_SCR: return "SCR";
    default: return "?";
    }
}

static int uart_read(void *dev, uint64_t offset, unsigned size, uint64_t *value, char *msg, size_t msglen)
{
    (void)size;
    (void)msg;
    (void)msglen;
    struct vmf_uart8250 *u = dev;
    bool dlab = u->lcr & LCR_DLAB;
    uint8_t v = 0;
    switch (offset) {
    case VMF_UART8250_THR:
        if (dlab) {
            v = u->dll;
        } else if (u->in_len) {
            v = u->in[u->in_head];
            u->in_head = (u->in_head + 1) % VMF_UART8250_IN_MAX;
            u->in_len--;
        }
        break;
    case VMF_UART8250_IER: v = dlab ? u->dlm : u->ier; break;
    case VMF_UART8250_IIR: v = (uint8_t)(IIR_NO_INT | (u->fcr & FCR_FIFO_ENABLE ? IIR_FIFOS : 0)); break;
    case VMF_UART8250_LCR: v = u->lcr; break;
    case VMF_UART8250_MCR: v = u->mcr; break;
    case VMF_UART8250_LSR:
        v = (uint8_t)(VMF_UART8250_LSR_THRE | VMF_UART8250_LSR_TEMT | (u->in_len ? VMF_UART8250_LSR_DR : 0));
        break;
    case VMF_UART8250_MSR: v = MSR_CONNECTED; break;
    case VMF_UART8250_SCR: v = u->scr; break;
    default: break; /* past the eight registers: reads 0 */
    }
    *value = v;
    return VMF_DEV_OK;
}

static int uart_write(void *dev, uint64_t offset, unsigned size, uint64_t value, char *msg, size_t msglen)
{
    (void)size;
    (void)msg;
    (void)msglen;
    struct vmf_uart8250 *u = dev;
    bool dlab = u->lcr & LCR_DLAB;
    uint8_t v = (uint8_t)value;
    switch (offset) {
    case VMF_UART8250_THR:
        if (dlab) {
            u->dll = v;
            break;
        }
        if (u->out_len < VMF_UART8250_OUT_MAX - 1) {
            u->out[u->out_len] = (char)v;
            u->out[u->out_len + 1] = 0;
        }
        if (u->out_len < UINT32_MAX)
            u->out_len++;
        break;
    case VMF_UART8250_IER:
        if (dlab)
            u->dlm = v;
        else
            u->ier = v & 0x0f;
        break;
    case VMF_UART8250_IIR: /* FCR */
        u->fcr = v & FCR_FIFO_ENABLE;
        if (v & FCR_CLEAR_RX)
            u->in_head = u->in_len = 0;
        break;
    case VMF_UART8250_LCR: u->lcr = v; break;
    case VMF_UART8250_MCR: u->mcr = v & 0x1f; break;
    case VMF_UART8250_SCR: u->scr = v; break;
    default: break; /* LSR and MSR are read only; past the registers: ignored */
    }
    return VMF_DEV_OK;
}

static void uart_reset(void *dev)
{
    vmf_uart8250_init(dev);
}

static size_t uart_snapshot_size(const void *dev)
{
    (void)dev;
    return sizeof(struct vmf_uart8250);
}

static void uart_snapshot(const void *dev, void *buf)
{
    memcpy(buf, dev, sizeof(struct vmf_uart8250));
}

static void uart_restore(void *dev, const void *buf)
{
    memcpy(dev, buf, sizeof(struct vmf_uart8250));
}

const vmf_device_ops vmf_uart8250_ops = {
    .model = "uart8250",
    .sizes = VMF_DEV_SIZE(1), /* byte-wide registers */
    .unaligned = true,
    .read = uart_read,
    .write = uart_write,
    .reset = uart_reset,
    .snapshot_size = uart_snapshot_size,
    .snapshot = uart_snapshot,
    .restore = uart_restore,
};
