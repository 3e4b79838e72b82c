/* vmfault irq_models — Arm GICv2 distributor and CPU interfaces.
 *
 * Reference: Arm Generic Interrupt Controller Architecture Specification,
 * GIC architecture version 1.0 and 2.0 (Arm IHI 0048B), for a GICv2 WITHOUT
 * the Security Extensions (GICD_TYPER.SecurityExtn == 0): one security state,
 * interrupt groups 0 and 1, Group 0 optionally signalled as FIQ.
 *
 * The model is a pure state machine with no allocation, no global state and
 * no output other than the output callback.  Section names below are those of
 * IHI 0048B.
 *
 * IMPLEMENTATION DEFINED choices (where the specification leaves options):
 *  - Priority bits: 5 (32 levels), IHI 0048B 3.3 "Interrupt prioritization":
 *    GICD_IPRIORITYR and GICC_PMR implement bits [7:3]; bits [2:0] are RAZ/WI.
 *    Hence the minimum GICC_BPR is 2 and the minimum GICC_ABPR is 3
 *    (3.3.3 "Priority grouping"); writes below the minimum set the minimum.
 *    Reset values BPR = 2, ABPR = 3, as the GIC-400.
 *  - GICD_IIDR = 0x0200143B and GICC_IIDR = 0x0202143B: the values of Arm's
 *    CoreLink GIC-400 r0p1 (ProductID 0x02, Implementer 0x43B = Arm).  The
 *    peripheral / component ID registers are the GIC-400's as well
 *    (ICPIDR2 = 0x2B: ArchRev, bits [7:4], = 0x2 for GICv2).
 *  - SGI enable bits (4.3.5 "Interrupt Set-Enable Registers"): RAO/WI, SGIs
 *    are always enabled (as the GIC-400).
 *  - PPI configuration (4.3.13 "Interrupt Configuration Registers"): whether a
 *    PPI's Int_config is programmable is IMPLEMENTATION DEFINED; here all PPIs
 *    are read-only level-sensitive (GICD_ICFGR1 reads 0x00000000).  SGIs read
 *    0b10 (edge, RO); for SPIs Int_config[1] is RW and Int_config[0] (bit 2n,
 *    reserved in GICv2) is RAZ/WI.  SPIs reset to level-sensitive.
 *  - Uniprocessor (ncpus == 1): all GICD_ITARGETSR fields are RAZ/WI and every
 *    SPI targets CPU 0 (4.3.12 "Interrupt Processor Targets Registers").  With
 *    two or more CPUs an SPI whose target list is empty is never forwarded;
 *    target bits of unimplemented CPU interfaces are RAZ/WI.
 *  - GICC_CTLR: the writable bits are EnableGrp0 (0), EnableGrp1 (1),
 *    AckCtl (2), FIQEn (3), CBPR (4) and EOImodeS (9) — called EOImode here —
 *    which governs GICC_EOIR, GICC_AEOIR and GICC_DIR.  The bypass-disable bits
 *    [8:5] are RAZ/WI (no legacy bypass is modelled) and EOImodeNS (10) is
 *    RAZ/WI (it only has a meaning with the Security Extensions).
 *  - GICC_APR0 holds the Group 0 active priorities and GICC_NSAPR0 the Group 1
 *    ones (bit n = group priority n << 3); both are RW for state restore.
 *    GICC_APR1-3 and GICC_NSAPR1-3 are RAZ/WI (5 priority bits need 32 bits).
 *  - Highest priority pending interrupt: lowest priority value; ties go to the
 *    lowest INTID; for an SGI pending from several CPUs, the lowest-numbered
 *    source CPU is acknowledged first.
 *  - GICC_EOIR with a Group 1 INTID while AckCtl == 0, GICC_AEOIR with a
 *    Group 0 INTID, GICC_DIR while EOImode == 0, and GICC_EOIR/AEOIR with no
 *    active priority to drop are UNPREDICTABLE in the specification: they are
 *    ignored and reported as VMF_GIC_RAZWI with a note.
 *  - GICC_ABPR is an independent register whatever GICC_CTLR.CBPR says; CBPR
 *    only selects which binary point Group 1 preemption uses.
 *  - GICD_CPENDSGIR/SPENDSGIR source bits of unimplemented CPUs are RAZ/WI.
 *  - vmf_gicv2_reset() keeps the input line levels (they belong to the
 *    devices driving them), everything else takes its reset value.
 *  - Not modelled: the implementation-defined GICD range 0xD00-0xDFC (the
 *    GIC-400's PPI/SPI status registers) and legacy interrupt bypass.
 */
#include "irq_models/gicv2.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PRIO_MASK 0xF8u /* 5 implemented priority bits */
#define MIN_BPR 2u
#define MIN_ABPR 3u
#define IDLE_PRIO 0x100u
#define NUM_INTIDS 1020u /* 1020-1023 are special INTIDs (3.2.5 "Special interrupt numbers") */

#define GICD_IIDR_VALUE 0x0200143Bu
#define GICC_IIDR_VALUE 0x0202143Bu

#define GICD_CTLR_MASK 0x3u /* EnableGrp0, EnableGrp1 */

#define GICC_CTLR_ENGRP0 (1u << 0)
#define GICC_CTLR_ENGRP1 (1u << 1)
#define GICC_CTLR_ACKCTL (1u << 2)
#define GICC_CTLR_FIQEN (1u << 3)
#define GICC_CTLR_CBPR (1u << 4)
#define GICC_CTLR_EOIMODE (1u << 9)
#define GICC_CTLR_MASK 0x21Fu

#if defined(__GNUC__)
#define PRINTF_LIKE(a, b) __attribute__((format(printf, a, b)))
#else
#define PRINTF_LIKE(a, b)
#endif

/* ------------------------------------------------------------------------ */
/* notes */

static int ok(char *note, size_t notelen)
{
    if (note && notelen)
        note[0] = '\0';
    return VMF_GIC_OK;
}

static int razwi(char *note, size_t notelen, const char *fmt, ...) PRINTF_LIKE(3, 4);
static int razwi(char *note, size_t notelen, const char *fmt, ...)
{
    if (note && notelen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(note, notelen, fmt, ap);
        va_end(ap);
    }
    return VMF_GIC_RAZWI;
}

/* ------------------------------------------------------------------------ */
/* interrupt state */

static unsigned num_ids(const struct vmf_gicv2 *g)
{
    return g->nirqs < NUM_INTIDS ? g->nirqs : NUM_INTIDS;
}

static uint8_t cpu_mask(const struct vmf_gicv2 *g)
{
    return (uint8_t)((1u << g->ncpus) - 1u);
}

static struct vmf_gicv2_irq *irq_at(struct vmf_gicv2 *g, unsigned cpu, unsigned id)
{
    return id < 32 ? &g->cpu[cpu].banked[id] : &g->spi[id];
}

static const struct vmf_gicv2_irq *irq_at_c(const struct vmf_gicv2 *g, unsigned cpu, unsigned id)
{
    return id < 32 ? &g->cpu[cpu].banked[id] : &g->spi[id];
}

/* 3.2.4 "Interrupt handling state machine": the pending part of the state. */
static bool irq_pending(const struct vmf_gicv2 *g, unsigned cpu, unsigned id)
{
    if (id < 16)
        return g->cpu[cpu].sgi_sources[id] != 0;
    const struct vmf_gicv2_irq *q = irq_at_c(g, cpu, id);
    return q->pending || (!q->edge && q->level);
}

/* The CPU targets of an interrupt as the distributor forwards it. */
static uint8_t irq_targets(const struct vmf_gicv2 *g, unsigned cpu, unsigned id)
{
    if (id < 32)
        return (uint8_t)(1u << cpu);
    if (g->ncpus == 1)
        return 1; /* uniprocessor: ITARGETSR RAZ/WI, every SPI goes to CPU 0 */
    return g->spi[id].targets;
}

static unsigned lowest_bit(uint32_t v)
{
    unsigned n = 0;
    while (!(v & 1u)) {
        v >>= 1;
        n++;
    }
    return n;
}

/* 3.3.3 "Priority grouping": the group priority field.  GICC_BPR value b gives
 * the field [7:b+1]; GICC_ABPR (used for Group 1 when CBPR == 0) value a gives
 * [7:a] (it behaves as the Non-secure copy of GICC_BPR). */
static unsigned group_prio(const struct vmf_gicv2_cpu *c, bool group1, unsigned prio)
{
    unsigned shift = (group1 && !(c->ctlr & GICC_CTLR_CBPR)) ? c->abpr : c->bpr + 1u;
    return prio & (0xFFu << shift) & 0xFFu;
}

/* 3.3.2 "Preemption": the running priority, from the active priorities. */
static unsigned running_prio(const struct vmf_gicv2_cpu *c)
{
    uint32_t a = c->apr[0] | c->apr[1];
    return a ? lowest_bit(a) << 3 : IDLE_PRIO;
}

/* The highest priority pending interrupt that the distributor forwards to
 * this CPU interface and the CPU interface may signal (4.3.1 GICD_CTLR and
 * 4.4.1 GICC_CTLR group enables, 4.3.5 enable, 4.3.12 targets; an active or
 * active-and-pending interrupt is not forwarded again).  Returns
 * VMF_GIC_SPURIOUS when there is none. */
static unsigned best_pending(const struct vmf_gicv2 *g, unsigned cpu, unsigned *prio, bool *group1)
{
    const struct vmf_gicv2_cpu *c = &g->cpu[cpu];
    unsigned best = VMF_GIC_SPURIOUS, best_prio = IDLE_PRIO;
    unsigned n = num_ids(g);
    for (unsigned id = 0; id < n; id++) {
        const struct vmf_gicv2_irq *q = irq_at_c(g, cpu, id);
        if (!q->enabled || q->active || q->priority >= best_prio)
            continue;
        unsigned grp = q->group1 ? 1u : 0u;
        if (!(g->ctlr & (1u << grp)) || !(c->ctlr & (1u << grp)))
            continue;
        if (!(irq_targets(g, cpu, id) & (1u << cpu)) || !irq_pending(g, cpu, id))
            continue;
        best = id;
        best_prio = q->priority;
    }
    if (best != VMF_GIC_SPURIOUS) {
        *prio = best_prio;
        *group1 = irq_at_c(g, cpu, best)->group1;
    }
    return best;
}

/* Recompute every CPU's IRQ/FIQ pair (3.3 "Interrupt prioritization",
 * 3.4 "The effect of interrupt grouping on interrupt handling") and report
 * the pairs that changed. */
static void update(struct vmf_gicv2 *g)
{
    for (unsigned cpu = 0; cpu < g->ncpus; cpu++) {
        struct vmf_gicv2_cpu *c = &g->cpu[cpu];
        unsigned prio = 0;
        bool grp1 = false, irq = false, fiq = false;
        unsigned id = best_pending(g, cpu, &prio, &grp1);
        if (id != VMF_GIC_SPURIOUS && prio < c->pmr && group_prio(c, grp1, prio) < running_prio(c)) {
            if (!grp1 && (c->ctlr & GICC_CTLR_FIQEN))
                fiq = true;
            else
                irq = true;
        }
        if (irq != c->irq_out || fiq != c->fiq_out) {
            c->irq_out = irq;
            c->fiq_out = fiq;
            if (g->output)
                g->output(g->cookie, cpu, irq, fiq);
        }
    }
}

/* The SGI source CPU that IAR/HPPIR report, in bits [12:10]. */
static uint32_t with_source(const struct vmf_gicv2 *g, unsigned cpu, unsigned id)
{
    if (id >= 16)
        return id;
    return id | (lowest_bit(g->cpu[cpu].sgi_sources[id]) << 10);
}

/* 4.4.7 GICC_HPPIR / 4.4.11 GICC_AHPPIR. */
static uint32_t highest_pending(const struct vmf_gicv2 *g, unsigned cpu, bool alias)
{
    const struct vmf_gicv2_cpu *c = &g->cpu[cpu];
    unsigned prio = 0;
    bool grp1 = false;
    unsigned id = best_pending(g, cpu, &prio, &grp1);
    if (id == VMF_GIC_SPURIOUS || prio >= c->pmr)
        return VMF_GIC_SPURIOUS;
    if (alias && !grp1)
        return VMF_GIC_SPURIOUS;
    if (!alias && grp1 && !(c->ctlr & GICC_CTLR_ACKCTL))
        return 1022;
    return with_source(g, cpu, id);
}

/* 4.4.4 GICC_IAR / 4.4.9 GICC_AIAR: acknowledge.  pending -> active,
 * or -> active and pending when the interrupt stays pending (a level line
 * still high, an SGI pending from another source). */
static uint32_t acknowledge(struct vmf_gicv2 *g, unsigned cpu, bool alias)
{
    struct vmf_gicv2_cpu *c = &g->cpu[cpu];
    unsigned prio = 0;
    bool grp1 = false;
    unsigned id = best_pending(g, cpu, &prio, &grp1);
    if (id == VMF_GIC_SPURIOUS || prio >= c->pmr)
        return VMF_GIC_SPURIOUS; /* nothing pending, or masked by GICC_PMR */
    if (alias && !grp1)
        return VMF_GIC_SPURIOUS; /* GICC_AIAR: highest is Group 0 */
    if (!alias && grp1 && !(c->ctlr & GICC_CTLR_ACKCTL))
        return 1022; /* GICC_IAR, AckCtl == 0: highest is Group 1 */
    unsigned gp = group_prio(c, grp1, prio);
    if (gp >= running_prio(c))
        return VMF_GIC_SPURIOUS; /* not enough priority to preempt */

    struct vmf_gicv2_irq *q = irq_at(g, cpu, id);
    uint32_t ret = with_source(g, cpu, id);
    if (id < 16)
        c->sgi_sources[id] &= (uint8_t) ~(1u << ((ret >> 10) & 7u));
    else
        q->pending = false; /* a level line still high keeps it pending */
    q->active = true;
    c->apr[grp1 ? 1 : 0] |= 1u << (gp >> 3);
    update(g);
    return ret;
}

/* ------------------------------------------------------------------------ */
/* life cycle */

void vmf_gicv2_reset(struct vmf_gicv2 *g)
{
    if (!g)
        return;
    g->ctlr = 0;
    for (unsigned id = 0; id < VMF_GIC_MAX_IRQS; id++) {
        struct vmf_gicv2_irq *q = &g->spi[id];
        bool level = id >= 32 ? q->level : false;
        memset(q, 0, sizeof *q);
        q->level = level;
    }
    for (unsigned cpu = 0; cpu < VMF_GIC_MAX_CPUS; cpu++) {
        struct vmf_gicv2_cpu *c = &g->cpu[cpu];
        for (unsigned id = 0; id < 32; id++) {
            struct vmf_gicv2_irq *q = &c->banked[id];
            bool level = q->level;
            memset(q, 0, sizeof *q);
            q->level = id >= 16 ? level : false;
            if (id < 16) {
                q->edge = true;    /* SGIs: edge-triggered, ICFGR0 reads 0xAAAAAAAA */
                q->enabled = true; /* SGI enable bits RAO/WI */
            }
        }
        memset(c->sgi_sources, 0, sizeof c->sgi_sources);
        c->ctlr = 0;
        c->pmr = 0;
        c->bpr = MIN_BPR;
        c->abpr = MIN_ABPR;
        c->apr[0] = c->apr[1] = 0;
    }
    update(g);
}

int vmf_gicv2_init(struct vmf_gicv2 *g, unsigned ncpus, unsigned nirqs, vmf_gic_output_fn output, void *cookie)
{
    if (!g || ncpus < 1 || ncpus > VMF_GIC_MAX_CPUS || nirqs < 1 || nirqs > NUM_INTIDS)
        return -1;
    memset(g, 0, sizeof *g);
    g->ncpus = ncpus;
    g->nirqs = (nirqs + 31u) & ~31u;
    if (g->nirqs < 32)
        g->nirqs = 32;
    g->output = output;
    g->cookie = cookie;
    vmf_gicv2_reset(g);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* distributor (4.3 "Distributor register descriptions") */

enum dkind {
    D_RESERVED,
    D_IMPDEF,
    D_NSACR,
    D_CTLR,
    D_TYPER,
    D_IIDR,
    D_IGROUPR,
    D_ISENABLER,
    D_ICENABLER,
    D_ISPENDR,
    D_ICPENDR,
    D_ISACTIVER,
    D_ICACTIVER,
    D_IPRIORITYR,
    D_ITARGETSR,
    D_ICFGR,
    D_SGIR,
    D_CPENDSGIR,
    D_SPENDSGIR,
    D_ID,
};

struct dreg {
    enum dkind kind;
    const char *name;
    uint32_t base;
    bool byte_ok; /* byte-accessible per the register's "Usage constraints" */
};

static struct dreg dist_decode(uint32_t off)
{
    struct dreg r = {D_RESERVED, "GICD", 0, false};
    static const struct {
        uint32_t lo, hi;
        enum dkind kind;
        const char *name;
        bool byte_ok;
    } map[] = {
        {0x000, 0x003, D_CTLR, "GICD_CTLR", false},
        {0x004, 0x007, D_TYPER, "GICD_TYPER", false},
        {0x008, 0x00B, D_IIDR, "GICD_IIDR", false},
        {0x080, 0x0FF, D_IGROUPR, "GICD_IGROUPR", false},
        {0x100, 0x17F, D_ISENABLER, "GICD_ISENABLER", false},
        {0x180, 0x1FF, D_ICENABLER, "GICD_ICENABLER", false},
        {0x200, 0x27F, D_ISPENDR, "GICD_ISPENDR", false},
        {0x280, 0x2FF, D_ICPENDR, "GICD_ICPENDR", false},
        {0x300, 0x37F, D_ISACTIVER, "GICD_ISACTIVER", false},
        {0x380, 0x3FF, D_ICACTIVER, "GICD_ICACTIVER", false},
        {0x400, 0x7FB, D_IPRIORITYR, "GICD_IPRIORITYR", true},
        {0x800, 0xBFB, D_ITARGETSR, "GICD_ITARGETSR", true},
        {0xC00, 0xCFF, D_ICFGR, "GICD_ICFGR", false},
        {0xD00, 0xDFF, D_IMPDEF, "GICD (IMPLEMENTATION DEFINED range)", false},
        {0xE00, 0xEFF, D_NSACR, "GICD_NSACR", false},
        {0xF00, 0xF03, D_SGIR, "GICD_SGIR", false},
        {0xF10, 0xF1F, D_CPENDSGIR, "GICD_CPENDSGIR", true},
        {0xF20, 0xF2F, D_SPENDSGIR, "GICD_SPENDSGIR", true},
        {0xFD0, 0xFFF, D_ID, "GICD_PIDR/CIDR", false},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (off >= map[i].lo && off <= map[i].hi) {
            r.kind = map[i].kind;
            r.name = map[i].name;
            r.base = map[i].lo;
            r.byte_ok = map[i].byte_ok;
            break;
        }
    }
    return r;
}

/* Identification registers (4.3 "Identification registers"), GIC-400 values,
 * from 0xFD0: PIDR4-7, PIDR0-3, CIDR0-3. */
static const uint8_t id_regs[12] = {0x04, 0x00, 0x00, 0x00, 0x90, 0xB4, 0x2B, 0x00, 0x0D, 0xF0, 0x05, 0xB1};

/* One bit per interrupt: IGROUPR, IS/ICENABLER, IS/ICPENDR, IS/ICACTIVER. */
static uint32_t bits_read(const struct vmf_gicv2 *g, unsigned cpu, enum dkind kind, unsigned first)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < 32; i++) {
        unsigned id = first + i;
        if (id >= num_ids(g))
            break;
        const struct vmf_gicv2_irq *q = irq_at_c(g, cpu, id);
        bool b = false;
        switch (kind) {
        case D_IGROUPR: b = q->group1; break;
        case D_ISENABLER:
        case D_ICENABLER: b = q->enabled; break;
        case D_ISPENDR:
        case D_ICPENDR: b = irq_pending(g, cpu, id); break;
        case D_ISACTIVER:
        case D_ICACTIVER: b = q->active; break;
        default: break;
        }
        if (b)
            v |= 1u << i;
    }
    return v;
}

static void bits_write(struct vmf_gicv2 *g, unsigned cpu, enum dkind kind, unsigned first, uint32_t v)
{
    for (unsigned i = 0; i < 32; i++) {
        unsigned id = first + i;
        if (id >= num_ids(g))
            break;
        struct vmf_gicv2_irq *q = irq_at(g, cpu, id);
        bool b = (v >> i) & 1u;
        if (kind == D_IGROUPR) {
            q->group1 = b; /* 4.3.4: RW, GICD_IGROUPR0 banked */
            continue;
        }
        if (!b)
            continue; /* writing 0 has no effect */
        switch (kind) {
        case D_ISENABLER:
            if (id >= 16) /* SGI enables RAO/WI */
                q->enabled = true;
            break;
        case D_ICENABLER:
            if (id >= 16)
                q->enabled = false;
            break;
        case D_ISPENDR:
            /* 4.3.7: SGI set-pending bits are read-only in GICv2, use GICD_SPENDSGIR */
            if (id >= 16)
                q->pending = true;
            break;
        case D_ICPENDR:
            /* 4.3.8: clears the latch; a level-sensitive interrupt whose line
             * is still asserted stays pending.  SGI bits WI (use CPENDSGIR). */
            if (id >= 16)
                q->pending = false;
            break;
        case D_ISACTIVER: q->active = true; break;
        case D_ICACTIVER: q->active = false; break;
        default: break;
        }
    }
}

/* Byte-accessible registers: one byte at offset `off`. */
static uint8_t byte_read(const struct vmf_gicv2 *g, unsigned cpu, enum dkind kind, uint32_t off)
{
    switch (kind) {
    case D_IPRIORITYR: {
        unsigned id = off - 0x400;
        return id < num_ids(g) ? irq_at_c(g, cpu, id)->priority : 0;
    }
    case D_ITARGETSR: {
        unsigned id = off - 0x800;
        if (id >= num_ids(g) || g->ncpus == 1)
            return 0;
        /* 4.3.12: GICD_ITARGETSR0-7 read as the accessing CPU's own bit */
        if (id < 32)
            return (uint8_t)(1u << cpu);
        return g->spi[id].targets;
    }
    case D_CPENDSGIR: return g->cpu[cpu].sgi_sources[off - 0xF10];
    case D_SPENDSGIR: return g->cpu[cpu].sgi_sources[off - 0xF20];
    default: return 0;
    }
}

static void byte_write(struct vmf_gicv2 *g, unsigned cpu, enum dkind kind, uint32_t off, uint8_t v)
{
    switch (kind) {
    case D_IPRIORITYR: {
        unsigned id = off - 0x400;
        if (id < num_ids(g))
            irq_at(g, cpu, id)->priority = (uint8_t)(v & PRIO_MASK);
        break;
    }
    case D_ITARGETSR: {
        unsigned id = off - 0x800;
        if (id >= 32 && id < num_ids(g) && g->ncpus > 1)
            g->spi[id].targets = (uint8_t)(v & cpu_mask(g));
        break;
    }
    case D_CPENDSGIR: g->cpu[cpu].sgi_sources[off - 0xF10] &= (uint8_t) ~(v & cpu_mask(g)); break;
    case D_SPENDSGIR: g->cpu[cpu].sgi_sources[off - 0xF20] |= (uint8_t)(v & cpu_mask(g)); break;
    default: break;
    }
}

/* 4.3.13 GICD_ICFGR: 16 interrupts per register, Int_config[1] = edge. */
static uint32_t icfgr_read(const struct vmf_gicv2 *g, unsigned cpu, unsigned first)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < 16; i++) {
        unsigned id = first + i;
        if (id < num_ids(g) && irq_at_c(g, cpu, id)->edge)
            v |= 2u << (2 * i);
    }
    return v;
}

static void icfgr_write(struct vmf_gicv2 *g, unsigned first, uint32_t v)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned id = first + i;
        if (id >= 32 && id < num_ids(g)) /* SGIs and PPIs read-only */
            g->spi[id].edge = (v >> (2 * i + 1)) & 1u;
    }
}

/* 4.3.15 GICD_SGIR. */
static int sgir_write(struct vmf_gicv2 *g, unsigned cpu, uint32_t v, char *note, size_t notelen)
{
    unsigned filter = (v >> 24) & 3u;
    unsigned sgi = v & 0xFu;
    uint8_t targets;
    switch (filter) {
    case 0: targets = (uint8_t)((v >> 16) & 0xFFu); break;
    case 1: targets = (uint8_t) ~(1u << cpu); break;
    case 2: targets = (uint8_t)(1u << cpu); break;
    default: return razwi(note, notelen, "GICD_SGIR: TargetListFilter 0b11 is reserved, write ignored");
    }
    targets &= cpu_mask(g);
    for (unsigned t = 0; t < g->ncpus; t++)
        if (targets & (1u << t))
            g->cpu[t].sgi_sources[sgi] |= (uint8_t)(1u << cpu);
    update(g);
    return ok(note, notelen);
}

static int dist_access(struct vmf_gicv2 *g, unsigned cpu, uint64_t offset, unsigned size, bool wr, uint64_t *value,
                       char *note, size_t notelen)
{
    if (cpu >= g->ncpus)
        return razwi(note, notelen, "GICD: no CPU interface %u (ncpus %u)", cpu, g->ncpus);
    if (offset >= VMF_GICD_SIZE)
        return razwi(note, notelen, "GICD: offset 0x%" PRIx64 " outside the distributor", offset);
    uint32_t off = (uint32_t)offset;
    struct dreg r = dist_decode(off);
    switch (r.kind) {
    case D_RESERVED: return razwi(note, notelen, "GICD: reserved offset 0x%03x", off);
    case D_IMPDEF: return razwi(note, notelen, "GICD: offset 0x%03x is IMPLEMENTATION DEFINED, not implemented", off);
    case D_NSACR: return razwi(note, notelen, "GICD_NSACR: Security Extensions not implemented");
    default: break;
    }
    if (size == 1 && !r.byte_ok)
        return razwi(note, notelen, "%s: byte access not allowed", r.name);
    if (size != 1 && size != 4)
        return razwi(note, notelen, "%s: %u-byte access not allowed", r.name, size);
    if (off & (size - 1u))
        return razwi(note, notelen, "%s: misaligned %u-byte access at 0x%03x", r.name, size, off);

    uint32_t rv = 0, wv = wr ? (uint32_t)*value : 0;
    unsigned n = (off - r.base) / 4u;
    switch (r.kind) {
    case D_CTLR:
        if (wr)
            g->ctlr = wv & GICD_CTLR_MASK;
        else
            rv = g->ctlr;
        break;
    case D_TYPER:
    case D_IIDR:
    case D_ID:
        if (wr)
            return razwi(note, notelen, "%s: read-only, write ignored", r.name);
        if (r.kind == D_TYPER) /* 4.3.2: ITLinesNumber, CPUNumber, SecurityExtn = 0, LSPI = 0 */
            rv = (g->nirqs / 32u - 1u) | ((g->ncpus - 1u) << 5);
        else if (r.kind == D_IIDR)
            rv = GICD_IIDR_VALUE;
        else
            rv = id_regs[(off - 0xFD0) / 4u];
        break;
    case D_IGROUPR:
    case D_ISENABLER:
    case D_ICENABLER:
    case D_ISPENDR:
    case D_ICPENDR:
    case D_ISACTIVER:
    case D_ICACTIVER:
        if (n * 32u >= num_ids(g))
            return razwi(note, notelen, "%s%u: INTIDs %u-%u not implemented (%u interrupt IDs)", r.name, n, n * 32u,
                         n * 32u + 31u, num_ids(g));
        if (wr)
            bits_write(g, cpu, r.kind, n * 32u, wv);
        else
            rv = bits_read(g, cpu, r.kind, n * 32u);
        break;
    case D_ICFGR:
        if (n * 16u >= num_ids(g))
            return razwi(note, notelen, "%s%u: INTIDs %u-%u not implemented (%u interrupt IDs)", r.name, n, n * 16u,
                         n * 16u + 15u, num_ids(g));
        if (wr)
            icfgr_write(g, n * 16u, wv);
        else
            rv = icfgr_read(g, cpu, n * 16u);
        break;
    case D_IPRIORITYR:
    case D_ITARGETSR: {
        unsigned id = off - r.base;
        if (id >= num_ids(g))
            return razwi(note, notelen, "%s: INTID %u not implemented (%u interrupt IDs)", r.name, id, num_ids(g));
    }
        /* fall through */
    case D_CPENDSGIR:
    case D_SPENDSGIR:
        for (unsigned i = 0; i < size; i++) {
            if (wr)
                byte_write(g, cpu, r.kind, off + i, (uint8_t)(wv >> (8 * i)));
            else
                rv |= (uint32_t)byte_read(g, cpu, r.kind, off + i) << (8 * i);
        }
        break;
    case D_SGIR:
        if (!wr)
            return razwi(note, notelen, "GICD_SGIR: write-only, reads as zero");
        return sgir_write(g, cpu, wv, note, notelen);
    default: return razwi(note, notelen, "GICD: reserved offset 0x%03x", off);
    }
    if (wr)
        update(g);
    else
        *value = rv;
    return ok(note, notelen);
}

int vmf_gicv2_dist_read(struct vmf_gicv2 *g, unsigned cpu, uint64_t offset, unsigned size, uint64_t *value, char *note,
                        size_t notelen)
{
    if (!g || !value)
        return -1;
    *value = 0;
    return dist_access(g, cpu, offset, size, false, value, note, notelen);
}

int vmf_gicv2_dist_write(struct vmf_gicv2 *g, unsigned cpu, uint64_t offset, unsigned size, uint64_t value, char *note,
                         size_t notelen)
{
    if (!g)
        return -1;
    return dist_access(g, cpu, offset, size, true, &value, note, notelen);
}

/* ------------------------------------------------------------------------ */
/* CPU interface (4.4 "CPU interface register descriptions") */

enum ckind {
    C_RESERVED,
    C_CTLR,
    C_PMR,
    C_BPR,
    C_IAR,
    C_EOIR,
    C_RPR,
    C_HPPIR,
    C_ABPR,
    C_AIAR,
    C_AEOIR,
    C_AHPPIR,
    C_APR,
    C_NSAPR,
    C_IIDR,
    C_DIR,
};

static enum ckind cpu_decode(uint32_t off, const char **name)
{
    static const struct {
        uint32_t lo;
        enum ckind kind;
        const char *name;
    } map[] = {
        {0x00, C_CTLR, "GICC_CTLR"},   {0x04, C_PMR, "GICC_PMR"},       {0x08, C_BPR, "GICC_BPR"},
        {0x0C, C_IAR, "GICC_IAR"},     {0x10, C_EOIR, "GICC_EOIR"},     {0x14, C_RPR, "GICC_RPR"},
        {0x18, C_HPPIR, "GICC_HPPIR"}, {0x1C, C_ABPR, "GICC_ABPR"},     {0x20, C_AIAR, "GICC_AIAR"},
        {0x24, C_AEOIR, "GICC_AEOIR"}, {0x28, C_AHPPIR, "GICC_AHPPIR"}, {0xD0, C_APR, "GICC_APR"},
        {0xD4, C_APR, "GICC_APR"},     {0xD8, C_APR, "GICC_APR"},       {0xDC, C_APR, "GICC_APR"},
        {0xE0, C_NSAPR, "GICC_NSAPR"}, {0xE4, C_NSAPR, "GICC_NSAPR"},   {0xE8, C_NSAPR, "GICC_NSAPR"},
        {0xEC, C_NSAPR, "GICC_NSAPR"}, {0xFC, C_IIDR, "GICC_IIDR"},     {0x1000, C_DIR, "GICC_DIR"},
    };
    uint32_t word = off & ~3u;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (map[i].lo == word) {
            *name = map[i].name;
            return map[i].kind;
        }
    }
    *name = "GICC";
    return C_RESERVED;
}

static void deactivate(struct vmf_gicv2 *g, unsigned cpu, unsigned id)
{
    irq_at(g, cpu, id)->active = false; /* a level line still high: pending again */
}

/* 4.4.5 GICC_EOIR / 4.4.10 GICC_AEOIR: priority drop, and deactivation too
 * unless GICC_CTLR.EOImode == 1 (3.2.1 "Priority drop and interrupt
 * deactivation"). */
static int end_of_interrupt(struct vmf_gicv2 *g, unsigned cpu, uint32_t v, bool alias, const char *name, char *note,
                            size_t notelen)
{
    struct vmf_gicv2_cpu *c = &g->cpu[cpu];
    unsigned id = v & 0x3FFu;
    if (id >= NUM_INTIDS)
        return ok(note, notelen); /* special INTIDs: the write is ignored */
    if (id >= num_ids(g))
        return razwi(note, notelen, "%s: INTID %u not implemented, write ignored", name, id);
    bool grp1 = irq_at(g, cpu, id)->group1;
    if (alias && !grp1)
        return razwi(note, notelen, "%s: INTID %u is Group 0, write ignored", name, id);
    if (!alias && grp1 && !(c->ctlr & GICC_CTLR_ACKCTL))
        return razwi(note, notelen, "%s: INTID %u is Group 1 and AckCtl is 0, write ignored", name, id);
    uint32_t *apr = &c->apr[grp1 ? 1 : 0];
    if (!*apr)
        return razwi(note, notelen, "%s: no active Group %u priority to drop, write ignored", name, grp1 ? 1u : 0u);
    *apr &= *apr - 1u; /* drop the highest active priority of the group */
    if (!(c->ctlr & GICC_CTLR_EOIMODE))
        deactivate(g, cpu, id);
    update(g);
    return ok(note, notelen);
}

static int cpu_access(struct vmf_gicv2 *g, unsigned cpu, uint64_t offset, unsigned size, bool wr, uint64_t *value,
                      char *note, size_t notelen)
{
    if (cpu >= g->ncpus)
        return razwi(note, notelen, "GICC: no CPU interface %u (ncpus %u)", cpu, g->ncpus);
    if (offset >= VMF_GICC_SIZE)
        return razwi(note, notelen, "GICC: offset 0x%" PRIx64 " outside the CPU interface", offset);
    uint32_t off = (uint32_t)offset;
    const char *name;
    enum ckind kind = cpu_decode(off, &name);
    if (kind == C_RESERVED)
        return razwi(note, notelen, "GICC: reserved offset 0x%03x", off);
    if (size == 1)
        return razwi(note, notelen, "%s: byte access not allowed", name);
    if (size != 4)
        return razwi(note, notelen, "%s: %u-byte access not allowed", name, size);
    if (off & 3u)
        return razwi(note, notelen, "%s: misaligned %u-byte access at 0x%03x", name, size, off);

    struct vmf_gicv2_cpu *c = &g->cpu[cpu];
    uint32_t wv = wr ? (uint32_t)*value : 0, rv = 0;
    switch (kind) {
    case C_IAR:
    case C_RPR:
    case C_HPPIR:
    case C_AIAR:
    case C_AHPPIR:
    case C_IIDR:
        if (wr)
            return razwi(note, notelen, "%s: read-only, write ignored", name);
        break;
    case C_EOIR:
    case C_AEOIR:
    case C_DIR:
        if (!wr)
            return razwi(note, notelen, "%s: write-only, reads as zero", name);
        break;
    default: break;
    }

    switch (kind) {
    case C_CTLR:
        if (wr)
            c->ctlr = wv & GICC_CTLR_MASK;
        rv = c->ctlr;
        break;
    case C_PMR:
        if (wr)
            c->pmr = wv & PRIO_MASK;
        rv = c->pmr;
        break;
    case C_BPR:
        if (wr)
            c->bpr = (wv & 7u) < MIN_BPR ? MIN_BPR : (wv & 7u);
        rv = c->bpr;
        break;
    case C_ABPR:
        if (wr)
            c->abpr = (wv & 7u) < MIN_ABPR ? MIN_ABPR : (wv & 7u);
        rv = c->abpr;
        break;
    case C_IAR: rv = acknowledge(g, cpu, false); break;
    case C_AIAR: rv = acknowledge(g, cpu, true); break;
    case C_HPPIR: rv = highest_pending(g, cpu, false); break;
    case C_AHPPIR: rv = highest_pending(g, cpu, true); break;
    case C_RPR: {
        unsigned rp = running_prio(c);
        rv = rp == IDLE_PRIO ? 0xFFu : rp;
        break;
    }
    case C_EOIR: return end_of_interrupt(g, cpu, wv, false, name, note, notelen);
    case C_AEOIR: return end_of_interrupt(g, cpu, wv, true, name, note, notelen);
    case C_DIR: {
        /* 4.4.15 GICC_DIR */
        unsigned id = wv & 0x3FFu;
        if (id >= NUM_INTIDS)
            return ok(note, notelen);
        if (id >= num_ids(g))
            return razwi(note, notelen, "GICC_DIR: INTID %u not implemented, write ignored", id);
        if (!(c->ctlr & GICC_CTLR_EOIMODE))
            return razwi(note, notelen, "GICC_DIR: GICC_CTLR.EOImode is 0, write ignored");
        deactivate(g, cpu, id);
        break;
    }
    case C_APR:
    case C_NSAPR: {
        unsigned regno = (off & 0xFu) / 4u;
        uint32_t *apr = &c->apr[kind == C_NSAPR ? 1 : 0];
        if (regno != 0)
            break; /* APR1-3 / NSAPR1-3: RAZ/WI with 5 priority bits */
        if (wr)
            *apr = wv;
        rv = *apr;
        break;
    }
    case C_IIDR: rv = GICC_IIDR_VALUE; break;
    default: break;
    }
    if (wr)
        update(g);
    else
        *value = rv;
    return ok(note, notelen);
}

int vmf_gicv2_cpu_read(struct vmf_gicv2 *g, unsigned cpu, uint64_t offset, unsigned size, uint64_t *value, char *note,
                       size_t notelen)
{
    if (!g || !value)
        return -1;
    *value = 0;
    return cpu_access(g, cpu, offset, size, false, value, note, notelen);
}

int vmf_gicv2_cpu_write(struct vmf_gicv2 *g, unsigned cpu, uint64_t offset, unsigned size, uint64_t value, char *note,
                        size_t notelen)
{
    if (!g)
        return -1;
    return cpu_access(g, cpu, offset, size, true, &value, note, notelen);
}

/* ------------------------------------------------------------------------ */
/* input lines */

static void set_line(struct vmf_gicv2 *g, struct vmf_gicv2_irq *q, bool level)
{
    if (q->level == level)
        return;
    q->level = level;
    if (level && q->edge)
        q->pending = true; /* edge-triggered: latch on the rising edge */
    update(g);
}

void vmf_gicv2_set_spi(struct vmf_gicv2 *g, unsigned intid, bool level)
{
    if (!g || intid < 32 || intid >= num_ids(g))
        return;
    set_line(g, &g->spi[intid], level);
}

void vmf_gicv2_set_ppi(struct vmf_gicv2 *g, unsigned cpu, unsigned intid, bool level)
{
    if (!g || cpu >= g->ncpus || intid < 16 || intid >= 32)
        return;
    set_line(g, &g->cpu[cpu].banked[intid], level);
}

int vmf_gicv2_irq_state(const struct vmf_gicv2 *g, unsigned cpu, unsigned intid, struct vmf_gic_irq_state *out)
{
    if (!g || !out || cpu >= g->ncpus || intid >= num_ids(g))
        return -1;
    const struct vmf_gicv2_irq *q = irq_at_c(g, cpu, intid);
    out->enabled = q->enabled;
    out->pending = irq_pending(g, cpu, intid);
    out->active = q->active;
    out->group1 = q->group1;
    out->edge = q->edge;
    out->priority = q->priority;
    out->targets = irq_targets(g, cpu, intid);
    return 0;
}
