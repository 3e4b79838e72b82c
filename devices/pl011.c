/* vmfault devices — Arm PrimeCell PL011 UART subset (see pl011.h).
 *
 * Offsets and bits follow the PL011 TRM (ARM DDI 0183).  Every register is a
 * 32-bit word; a 1- or 2-byte access sees (or replaces) the bytes at its lane
 * of that word, the way the APB bus presents a narrow access.
 *
 * Interrupts, modelled without time:
 *   RXRIS  set when input is queued, cleared by ICR or when DR reads drain it
 *          (the receive trigger level is taken as one character);
 *   TXRIS  the transmit FIFO is empty at every instant (transmit is
 *          instantaneous), so it is pending whenever the UART and its
 *          transmitter are enabled (CR.UARTEN and CR.TXE) -- until ICR clears
 *          it.  Like the r1p5 hardware it re-asserts only on a FIFO level
 *          transition, i.e. after the next byte written to DR.
 *   MIS = RIS & IMSC.  The other sources (modem, errors, timeout) never fire.
 */
#include "devices/pl011.h"

#include <stdio.h>
#include <string.h>

/* Register offsets (TRM table 3-1). */
enum {
    UARTDR = 0x000,
    UARTRSR = 0x004, /* read: RSR; write: ECR (clears the error flags) */
    UARTFR = 0x018,
    UARTILPR = 0x020,
    UARTIBRD = 0x024,
    UARTFBRD = 0x028,
    UARTLCR_H = 0x02c,
    UARTCR = 0x030,
    UARTIFLS = 0x034,
    UARTIMSC = 0x038,
    UARTRIS = 0x03c,
    UARTMIS = 0x040,
    UARTICR = 0x044,
    UARTDMACR = 0x048,
    UARTID = 0xfe0, /* PeriphID0..3, PCellID0..3: 0xfe0..0xffc */
};

/* Flag register bits. */
#define FR_BUSY (1u << 3)
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define FR_RXFF (1u << 6)
#define FR_TXFE (1u << 7)

/* Interrupt bits (RIS, MIS, IMSC, ICR share the layout). */
#define INT_RX (1u << 4)
#define INT_TX (1u << 5)
#define INT_RT (1u << 6)
#define INT_ALL 0x7ffu

#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)
#define CR_RESET 0x0300u /* TXE | RXE, UART disabled */
#define IFLS_RESET 0x12u /* both FIFO triggers at half full */

static const uint8_t pl011_id[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

static uint64_t width_mask(unsigned bytes)
{
    return bytes >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (8 * bytes)) - 1;
}

void vmf_pl011_init(struct vmf_pl011 *u)
{
    if (!u)
        return;
    memset(u, 0, sizeof(*u));
    u->cr = CR_RESET;
    u->ifls = IFLS_RESET;
}

size_t vmf_pl011_input(struct vmf_pl011 *u, const void *bytes, size_t len)
{
    if (!u || (!bytes && len))
        return 0;
    const uint8_t *p = bytes;
    size_t n = 0;
    while (n < len && u->in_len < VMF_PL011_IN_MAX) {
        u->in[(u->in_head + u->in_len) % VMF_PL011_IN_MAX] = p[n++];
        u->in_len++;
    }
    if (n)
        u->ris |= INT_RX;
    return n;
}

static uint32_t raw_status(const struct vmf_pl011 *u)
{
    uint32_t ris = u->ris;
    if ((u->cr & CR_UARTEN) && (u->cr & CR_TXE) && !(u->icr_cleared & INT_TX))
        ris |= INT_TX;
    return ris;
}

/* The word at a register offset, for reads.  Reading DR pops the receive
 * queue, so it only happens when `pop` (the access covers the data byte). */
bool vmf_pl011_irq(const struct vmf_pl011 *u)
{
    return (raw_status(u) & u->imsc) != 0;
}

static uint32_t read_word(struct vmf_pl011 *u, uint64_t reg, bool pop)
{
    switch (reg) {
    case UARTDR: {
        if (!u->in_len || !pop)
            return 0;
        uint32_t c = u->in[u->in_head];
        u->in_head = (u->in_head + 1) % VMF_PL011_IN_MAX;
        if (--u->in_len == 0)
            u->ris &= ~(INT_RX | INT_RT); /* below the trigger level */
        return c;
    }
    case UARTRSR: return u->rsr;
    case UARTFR: return FR_TXFE | (u->in_len ? 0 : FR_RXFE);
    case UARTILPR: return u->ilpr;
    case UARTIBRD: return u->ibrd;
    case UARTFBRD: return u->fbrd;
    case UARTLCR_H: return u->lcr_h;
    case UARTCR: return u->cr;
    case UARTIFLS: return u->ifls;
    case UARTIMSC: return u->imsc;
    case UARTRIS: return raw_status(u);
    case UARTMIS: return raw_status(u) & u->imsc;
    case UARTDMACR: return u->dmacr;
    default:
        if (reg >= UARTID && reg < UARTID + 32)
            return pl011_id[(reg - UARTID) / 4];
        return 0; /* ICR is write-only; unknown offsets read as zero */
    }
}

static int pl011_read(void *dev, uint64_t offset, unsigned size, uint64_t *value, char *msg, size_t msglen)
{
    (void)msg;
    (void)msglen;
    struct vmf_pl011 *u = dev;
    unsigned lane = (unsigned)(offset & 3);
    uint32_t w = read_word(u, offset & ~(uint64_t)3, lane == 0);
    *value = ((uint64_t)w >> (8 * lane)) & width_mask(size);
    return VMF_DEV_OK;
}

static void transmit(struct vmf_pl011 *u, uint8_t c)
{
    /* Keep the capture NUL-terminated: at most OUT_MAX - 1 bytes are kept,
     * out_len counts every byte ever sent. */
    if (u->out_len < VMF_PL011_OUT_MAX - 1) {
        u->out[u->out_len] = (char)c;
        u->out[u->out_len + 1] = 0;
    }
    if (u->out_len < UINT32_MAX)
        u->out_len++;
    u->icr_cleared &= ~INT_TX; /* the FIFO filled and drained: TX re-asserts */
}

/* Replace the written bytes of a stored register, keeping the others. */
static uint32_t merge(uint32_t old, uint32_t v, uint32_t m, uint32_t valid)
{
    return ((old & ~m) | (v & m)) & valid;
}

static int pl011_write(void *dev, uint64_t offset, unsigned size, uint64_t value, char *msg, size_t msglen)
{
    (void)msg;
    (void)msglen;
    struct vmf_pl011 *u = dev;
    unsigned lane = (unsigned)(offset & 3);
    uint32_t m = (uint32_t)(width_mask(size) << (8 * lane)); /* bytes written, in the word */
    uint32_t v = (uint32_t)((value & width_mask(size)) << (8 * lane));
    switch (offset & ~(uint64_t)3) {
    case UARTDR:
        if (m & 0xff)
            transmit(u, (uint8_t)v);
        break;
    case UARTRSR: u->rsr = 0; break; /* ECR: any write clears the error flags */
    case UARTILPR: u->ilpr = merge(u->ilpr, v, m, 0xff); break;
    case UARTIBRD: u->ibrd = merge(u->ibrd, v, m, 0xffff); break;
    case UARTFBRD: u->fbrd = merge(u->fbrd, v, m, 0x3f); break;
    case UARTLCR_H: u->lcr_h = merge(u->lcr_h, v, m, 0xff); break;
    case UARTCR: u->cr = merge(u->cr, v, m, 0xffff); break;
    case UARTIFLS: u->ifls = merge(u->ifls, v, m, 0x3f); break;
    case UARTIMSC: u->imsc = merge(u->imsc, v, m, INT_ALL); break;
    case UARTICR:
        v &= INT_ALL;
        u->ris &= ~v;
        u->icr_cleared |= v & INT_TX;
        break;
    case UARTDMACR: u->dmacr = merge(u->dmacr, v, m, 0x7); break;
    default: break; /* FR, RIS, MIS, IDs are read-only; unknown offsets ignore writes */
    }
    return VMF_DEV_OK;
}

static void pl011_reset(void *dev)
{
    vmf_pl011_init(dev);
}

static size_t pl011_snapshot_size(const void *dev)
{
    (void)dev;
    return sizeof(struct vmf_pl011);
}

static void pl011_snapshot(const void *dev, void *buf)
{
    memcpy(buf, dev, sizeof(struct vmf_pl011));
}

static void pl011_restore(void *dev, const void *buf)
{
    memcpy(dev, buf, sizeof(struct vmf_pl011));
}

const vmf_device_ops vmf_pl011_ops = {
    .model = "pl011",
    .sizes = VMF_DEV_SIZE(1) | VMF_DEV_SIZE(2) | VMF_DEV_SIZE(4),
    .unaligned = false,
    .read = pl011_read,
    .write = pl011_write,
    .reset = pl011_reset,
    .snapshot_size = pl011_snapshot_size,
    .snapshot = pl011_snapshot,
    .restore = pl011_restore,
};
