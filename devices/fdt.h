/* vmfault devices — a flattened device tree (DTB) writer and the device tree
 * of the virt-style board.
 *
 * The writer produces a version-17 blob (last_comp_version 16) as laid out in
 * the Devicetree Specification v0.4, chapter 5 "Flattened Devicetree (DTB)
 * Format": a 40-byte header, the memory reservation block (8-byte aligned,
 * ended by a zero entry), the structure block (FDT_BEGIN_NODE / FDT_PROP /
 * FDT_END_NODE tokens, every token 4-byte aligned, names and values
 * zero-padded) closed by FDT_END, then the strings block with every property
 * name stored once.  Everything is big-endian.
 *
 * The caller owns the buffer; nothing is allocated.  While the tree is being
 * built, the structure block grows upwards from the front of the buffer and
 * the property names are kept at its tail; vmf_fdt_finish() moves the names
 * behind the structure block and writes the header, so the blob is
 * buf[0 .. size).  Every byte of the blob is written explicitly (padding is
 * zero), so the same calls give the same bytes whatever the buffer held
 * before.  Past the blob, vmf_fdt_finish() leaves the buffer as it was,
 * except the tail bytes that held the property names, which it zeroes (a
 * zero-filled buffer stays zero-filled past the blob).  After an error the
 * buffer's contents are unspecified (but nothing outside it is written).
 *
 * Every call returns 0 or a negative VMF_E* status (include/vmfault/status.h):
 *   VMF_EFULL  (= VMF_FDT_ENOSPC) the buffer is too small; nothing is ever
 *              written outside buf[0 .. cap)
 *   VMF_EINVAL a NULL argument, or a node / property name the specification
 *              does not allow (node names: 1..31 characters of [0-9a-zA-Z,._+-]
 *              plus an optional "@unit-address"; property names: 1..31 of
 *              [0-9a-zA-Z,._+?#-]; the root node's name is "")
 *   VMF_ESTATE a call out of order: a property after a child node, a
 *              reservation after the first node, a second root, end_node with
 *              no open node, finish with an open node or no root, any call
 *              after finish
 * The first error is sticky: it is kept in f->error and every later call
 * (finish included) returns it without touching the buffer, so a sequence of
 * calls may be checked once, at vmf_fdt_finish().
 */
#ifndef VMFAULT_DEVICES_FDT_H
#define VMFAULT_DEVICES_FDT_H

#include <stddef.h>
#include <stdint.h>

#include "vmfault/status.h"

#define VMF_FDT_MAGIC 0xd00dfeedu
#define VMF_FDT_VERSION 17u
#define VMF_FDT_LAST_COMP_VERSION 16u
#define VMF_FDT_HEADER_SIZE 40u

/* Structure block tokens. */
#define VMF_FDT_BEGIN_NODE 0x1u
#define VMF_FDT_END_NODE 0x2u
#define VMF_FDT_PROP 0x3u
#define VMF_FDT_NOP 0x4u
#define VMF_FDT_END 0x9u

/* "The buffer is too small" is VMF_EFULL (a fixed-capacity buffer is full). */
#define VMF_FDT_ENOSPC VMF_EFULL

/* Writer state; the caller allocates it, vmf_fdt_init() fills it in.  The
 * fields are public for tests and diagnostics; change them only through the
 * functions below. */
struct vmf_fdt {
    uint8_t *buf;
    size_t cap;
    size_t off;          /* next free byte at the front (end of the structure block so far) */
    size_t struct_off;   /* where the structure block starts (0 until the first node) */
    size_t strings_len;  /* bytes of property names kept at the tail, buf[cap - strings_len .. cap) */
    unsigned depth;      /* open nodes */
    unsigned nrsv;       /* memory reservation entries */
    unsigned phase;      /* 0 reservations, 1 structure, 2 root closed, 3 finished (private) */
    unsigned last_token; /* the last token written (private) */
    int error;           /* the first error, 0 if none */
};

/* Start a blob in buf[0 .. cap).  VMF_EINVAL if f is NULL or buf is NULL;
 * VMF_EFULL if cap cannot hold even an empty tree (then also kept in f->error). */
int vmf_fdt_init(struct vmf_fdt *f, uint8_t *buf, size_t cap);

/* Add a memory reservation block entry (before the first node only). */
int vmf_fdt_reserve(struct vmf_fdt *f, uint64_t address, uint64_t size);

/* Open a node: "" for the root (exactly once, first), then its children. */
int vmf_fdt_begin_node(struct vmf_fdt *f, const char *name);
/* Close the innermost open node. */
int vmf_fdt_end_node(struct vmf_fdt *f);

/* Properties of the innermost open node, before any of its children.
 * Values are stored big-endian: u32 is one cell, u64 two cells (high first),
 * cells n cells; string is one NUL-terminated string, strings the n strings
 * of list one after the other, each with its NUL ("a\0b\0"); empty has no
 * value (a boolean such as interrupt-controller); bytes is len raw bytes
 * (data may be NULL when len is 0). */
int vmf_fdt_prop_bytes(struct vmf_fdt *f, const char *name, const void *data, size_t len);
int vmf_fdt_prop_empty(struct vmf_fdt *f, const char *name);
int vmf_fdt_prop_u32(struct vmf_fdt *f, const char *name, uint32_t value);
int vmf_fdt_prop_u64(struct vmf_fdt *f, const char *name, uint64_t value);
int vmf_fdt_prop_cells(struct vmf_fdt *f, const char *name, const uint32_t *cells, size_t n);
int vmf_fdt_prop_string(struct vmf_fdt *f, const char *name, const char *s);
int vmf_fdt_prop_strings(struct vmf_fdt *f, const char *name, const char *const *list, size_t n);

/* Close the structure block, move the strings block into place and write the
 * header.  On success *size is the blob's total size (the header's
 * totalsize); the blob is buf[0 .. *size).  *size is left alone on error. */
int vmf_fdt_finish(struct vmf_fdt *f, size_t *size);

/* ---- the virt-style board ------------------------------------------------ */

#define VMF_VIRT_MAX_CPUS 8u /* GICv2: eight CPU interfaces, an 8-bit PPI CPU mask */
#define VMF_VIRT_MAX_RAM 8u
#define VMF_VIRT_GICD_SIZE 0x1000u   /* GICv2 distributor */
#define VMF_VIRT_GICC_SIZE 0x2000u   /* GICv2 CPU interface */
#define VMF_VIRT_UART_SIZE 0x1000u   /* PL011 */
#define VMF_VIRT_APB_PCLK_HZ 24000000u
#define VMF_VIRT_PHANDLE_GIC 1u
#define VMF_VIRT_PHANDLE_APB_PCLK 2u

/* What the board has.  Zero-initialise it and fill in what is there. */
struct vmf_virt_desc {
    unsigned ncpus; /* 1 .. VMF_VIRT_MAX_CPUS; cpu@N has reg N (MPIDR Aff0 = N) */
    struct {
        uint64_t base, size;
    } ram[VMF_VIRT_MAX_RAM];
    size_t nram;            /* 1 .. VMF_VIRT_MAX_RAM regions, non-empty, not overlapping */
    uint64_t gicd, gicc;    /* GICv2 distributor and CPU interface; both 0 = no GIC */
    uint64_t uart;          /* PL011 base, 0 = none */
    unsigned uart_spi;      /* its SPI number (INTID - 32), 0 .. 987 */
    const char *psci_method; /* "hvc", "smc" or NULL (no PSCI) */
    const char *bootargs;   /* NULL = no /chosen/bootargs */
    unsigned timer_ppis[4]; /* secure, non-secure physical, virtual, hypervisor timer as PPI
                               numbers (INTID - 16), each 0 .. 15; all four 0 = 13, 14, 11, 10 */
};

/* Write the board's device tree into buf[0 .. cap) and its size to *size.
 *
 * The tree follows what QEMU's virt board gives Linux and the Linux bindings:
 *   /                #address-cells = #size-cells = 2, compatible "linux,dummy-virt",
 *                    model "vmfault virt", interrupt-parent = <GIC> (with a GIC)
 *   /chosen          bootargs (if given), stdout-path = "/pl011@<uart>" (with a UART)
 *   /memory@<base>   per RAM region: device_type "memory", reg
 *   /cpus            #address-cells 1, #size-cells 0; cpu@N: device_type "cpu",
 *                    compatible "arm,cortex-a57", reg N, enable-method "psci" (with PSCI)
 *   /psci            compatible "arm,psci-1.0", "arm,psci-0.2"; method (with PSCI)
 *   /intc@<gicd>     compatible "arm,cortex-a15-gic", #interrupt-cells 3, #address-cells 0,
 *                    interrupt-controller, reg = <gicd 0x1000 gicc 0x2000>, phandle 1
 *   /timer           compatible "arm,armv8-timer", always-on, and with a GIC
 *                    interrupts = <1 ppi flags> x 4, flags = level-high (4) with the
 *                    GICv2 CPU mask ((1 << ncpus) - 1) in bits 15:8, as QEMU virt does
 *   /apb-pclk        fixed-clock, #clock-cells 0, 24 MHz, phandle 2 (with a UART)
 *   /pl011@<uart>    compatible "arm,pl011", "arm,primecell", reg <uart 0x1000>,
 *                    interrupts = <0 spi 4> (with a GIC), clocks = <2 2>,
 *                    clock-names "uartclk", "apb_pclk"
 *
 * VMF_EINVAL for NULL pointers or an invalid description (ncpus, nram, a
 * bad psci_method, only one of gicd / gicc, uart_spi or a timer PPI out of
 * range), VMF_ESIZE for an empty RAM region, VMF_ERANGE when a region or
 * device wraps past 2^64, VMF_EOVERLAP for overlapping RAM regions,
 * VMF_EFULL when cap is too small (4096 + strlen(bootargs) bytes are always
 * enough).  Same description, same bytes. */
int vmf_virt_fdt(const struct vmf_virt_desc *d, uint8_t *buf, size_t cap, size_t *size);

#endif
