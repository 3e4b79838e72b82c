/* vmfault irq_models — an Arm GICv2 (Generic Interrupt Controller v2).
 *
 * Distributor and CPU interfaces for up to 8 CPUs, as the GICv2 architecture
 * specification (IHI 0048B) describes them.  The model is a pure state
 * machine: MMIO reads and writes by offset and size, interrupt input lines in,
 * one IRQ/FIQ output pair per CPU out through a callback.  It knows nothing
 * about Unicorn, the engine or the bus; the state is one plain struct (no
 * pointers besides the callback), so a snapshot is a copy.
 *
 * The Security Extensions are not implemented: one security state, with
 * interrupt groups 0 and 1 (GICD_CTLR.EnableGrp0/1, GICC_CTLR.EnableGrp0/1,
 * group 0 signalled as FIQ when GICC_CTLR.FIQEn is set).
 */
#ifndef VMFAULT_IRQ_MODELS_GICV2_H
#define VMFAULT_IRQ_MODELS_GICV2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMF_GIC_MAX_CPUS 8
#define VMF_GIC_MAX_IRQS 1020 /* INTIDs 0..1019; SGIs 0-15, PPIs 16-31, SPIs 32.. */
#define VMF_GIC_SPURIOUS 1023

#define VMF_GICD_SIZE 0x1000
#define VMF_GICC_SIZE 0x2000

/* Output: the level of a CPU's IRQ and FIQ lines changed. */
typedef void (*vmf_gic_output_fn)(void *cookie, unsigned cpu, bool irq, bool fiq);

/* Result of an MMIO access. */
enum vmf_gic_access {
    VMF_GIC_OK = 0,
    VMF_GIC_RAZWI = 1, /* illegal size, misaligned, reserved or out-of-range: read as zero / write ignored.
                          note[] says why (for a trace note). */
};

/* One interrupt's state (IHI 0048B 3.2.4 "Interrupt handling state machine").
 * SGIs (0-15) and PPIs (16-31) are banked: one copy per CPU interface in
 * struct vmf_gicv2_cpu; SPIs (32..) have one shared copy in struct vmf_gicv2.
 * The architectural pending state is derived, never stored on its own:
 *   SGI:   pending == (sgi_sources[id] != 0)          (per source CPU)
 *   edge:  pending == latch                            (latched on a rising edge,
 *                                                        GICD_ISPENDR sets, IAR / GICD_ICPENDR clear)
 *   level: pending == latch || level                   (latch: GICD_ISPENDR only)  */
struct vmf_gicv2_irq {
    uint8_t priority; /* GICD_IPRIORITYR byte, low 3 bits always 0 (5 priority bits) */
    uint8_t targets;  /* SPIs: GICD_ITARGETSR byte (masked to the implemented CPUs); unused for SGIs/PPIs */
    bool enabled;     /* GICD_ISENABLER (SGIs: always true, RAO/WI) */
    bool pending;     /* the software / edge pending latch (see above); unused for SGIs */
    bool active;      /* GICD_ISACTIVER */
    bool group1;      /* GICD_IGROUPR */
    bool edge;        /* GICD_ICFGR Int_config[1]: SGIs always edge, PPIs always level (RO) */
    bool level;       /* the input line as driven (kept across vmf_gicv2_reset) */
};

struct vmf_gicv2_cpu {
    struct vmf_gicv2_irq banked[32]; /* SGIs 0-15, PPIs 16-31 for this CPU */
    uint8_t sgi_sources[16];         /* per SGI targeting this CPU: bit n = pending from CPU n */
    uint32_t ctlr, pmr, bpr, abpr;   /* GICC_CTLR, GICC_PMR, GICC_BPR, GICC_ABPR */
    /* Active priorities (IHI 0048B 4.4.12 GICC_APRn, recommended layout for 5
     * priority bits): bit n set = an interrupt of group priority n << 3 is
     * active and has not had its priority dropped.  apr[0]: Group 0 (GICC_APR0),
     * apr[1]: Group 1 (GICC_NSAPR0).  The running priority is the lowest set
     * bit of apr[0] | apr[1], or idle (0x100, GICC_RPR reads 0xFF). */
    uint32_t apr[2];
    bool irq_out, fiq_out; /* the last levels reported through output() */
};

struct vmf_gicv2 {
    unsigned ncpus; /* 1..8 */
    unsigned nirqs; /* rounded up to a multiple of 32, 32..1024 (= 32 * (ITLinesNumber + 1));
                                         INTIDs >= min(nirqs, 1020) do not exist */
    uint32_t ctlr;  /* GICD_CTLR */
    struct vmf_gicv2_irq spi[VMF_GIC_MAX_IRQS]; /* index = INTID (0-31 unused here) */
    struct vmf_gicv2_cpu cpu[VMF_GIC_MAX_CPUS];
    vmf_gic_output_fn output;
    void *cookie;
};

/* 0, or -1 for ncpus outside 1..8 or nirqs not a multiple of 32 in 32..1020 (it
 * is rounded: callers pass the number of interrupt IDs they want). */
int vmf_gicv2_init(struct vmf_gicv2 *g, unsigned ncpus, unsigned nirqs, vmf_gic_output_fn output, void *cookie);
void vmf_gicv2_reset(struct vmf_gicv2 *g);

/* Distributor and CPU interface MMIO, offsets from GICD / GICC base; `cpu` is
 * the accessing CPU (banked registers).  *value is written for reads (0 when
 * RAZ).  note (may be NULL) receives a reason when the result is RAZWI. */
int vmf_gicv2_dist_read(struct vmf_gicv2 *g, unsigned cpu, uint64_t offset, unsigned size, uint64_t *value, char *note,
                        size_t notelen);
int vmf_gicv2_dist_write(struct vmf_gicv2 *g, unsigned cpu, uint64_t offset, unsigned size, uint64_t value, char *note,
                         size_t notelen);
int vmf_gicv2_cpu_read(struct vmf_gicv2 *g, unsigned cpu, uint64_t offset, unsigned size, uint64_t *value, char *note,
                       size_t notelen);
int vmf_gicv2_cpu_write(struct vmf_gicv2 *g, unsigned cpu, uint64_t offset, unsigned size, uint64_t value, char *note,
                        size_t notelen);

/* Input lines: SPIs (32..nirqs-1) are shared, PPIs (16..31) are per CPU.
 * Level-sensitive inputs follow the line; edge-triggered ones latch pending on
 * a rising edge. */
void vmf_gicv2_set_spi(struct vmf_gicv2 *g, unsigned intid, bool level);
void vmf_gicv2_set_ppi(struct vmf_gicv2 *g, unsigned cpu, unsigned intid, bool level);

/* The state of one interrupt as seen from `cpu` (for tests, expectations, --explain). */
struct vmf_gic_irq_state {
    bool enabled, pending, active, group1, edge;
    uint8_t priority, targets;
};
int vmf_gicv2_irq_state(const struct vmf_gicv2 *g, unsigned cpu, unsigned intid, struct vmf_gic_irq_state *out);

#endif
