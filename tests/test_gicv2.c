/* Criterion suite for irq_models/gicv2.c: register rules of the distributor
 * and CPU interface, and the interrupt state machine (Arm IHI 0048B). */
#include <criterion/criterion.h>
#include <string.h>

#include "irq_models/gicv2.h"

/* ---- helpers ---------------------------------------------------------- */

#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_IIDR 0x008
#define GICD_IGROUPR 0x080
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_ISPENDR 0x200
#define GICD_ICPENDR 0x280
#define GICD_ISACTIVER 0x300
#define GICD_ICACTIVER 0x380
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_ICFGR 0xC00
#define GICD_SGIR 0xF00
#define GICD_CPENDSGIR 0xF10
#define GICD_SPENDSGIR 0xF20

#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_BPR 0x08
#define GICC_IAR 0x0C
#define GICC_EOIR 0x10
#define GICC_RPR 0x14
#define GICC_HPPIR 0x18
#define GICC_ABPR 0x1C
#define GICC_AIAR 0x20
#define GICC_AEOIR 0x24
#define GICC_AHPPIR 0x28
#define GICC_APR0 0xD0
#define GICC_NSAPR0 0xE0
#define GICC_IIDR 0xFC
#define GICC_DIR 0x1000

#define CTLR_G0 0x1u
#define CTLR_G1 0x2u
#define CTLR_ACKCTL 0x4u
#define CTLR_FIQEN 0x8u
#define CTLR_CBPR 0x10u
#define CTLR_EOIMODE 0x200u

struct rec {
    unsigned calls;
    unsigned last_cpu;
    bool irq[8], fiq[8];
    unsigned cpu_calls[8];
};

static void out_cb(void *cookie, unsigned cpu, bool irq, bool fiq)
{
    struct rec *r = cookie;
    r->calls++;
    r->last_cpu = cpu;
    if (cpu < 8) {
        r->irq[cpu] = irq;
        r->fiq[cpu] = fiq;
        r->cpu_calls[cpu]++;
    }
}

static uint32_t dr(struct vmf_gicv2 *g, unsigned cpu, uint64_t off)
{
    uint64_t v = 0xDEAD;
    char note[128];
    int rc = vmf_gicv2_dist_read(g, cpu, off, 4, &v, note, sizeof note);
    cr_assert_eq(rc, VMF_GIC_OK, "dist read 0x%llx: %s", (unsigned long long)off, note);
    return (uint32_t)v;
}

static void dw(struct vmf_gicv2 *g, unsigned cpu, uint64_t off, uint32_t val)
{
    char note[128];
    int rc = vmf_gicv2_dist_write(g, cpu, off, 4, val, note, sizeof note);
    cr_assert_eq(rc, VMF_GIC_OK, "dist write 0x%llx: %s", (unsigned long long)off, note);
}

static uint8_t drb(struct vmf_gicv2 *g, unsigned cpu, uint64_t off)
{
    uint64_t v = 0xDEAD;
    char note[128];
    int rc = vmf_gicv2_dist_read(g, cpu, off, 1, &v, note, sizeof note);
    cr_assert_eq(rc, VMF_GIC_OK, "dist byte read 0x%llx: %s", (unsigned long long)off, note);
    return (uint8_t)v;
}

static void dwb(struct vmf_gicv2 *g, unsigned cpu, uint64_t off, uint8_t val)
{
    char note[128];
    int rc = vmf_gicv2_dist_write(g, cpu, off, 1, val, note, sizeof note);
    cr_assert_eq(rc, VMF_GIC_OK, "dist byte write 0x%llx: %s", (unsigned long long)off, note);
}

static uint32_t cr(struct vmf_gicv2 *g, unsigned cpu, uint64_t off)
{
    uint64_t v = 0xDEAD;
    char note[128];
    int rc = vmf_gicv2_cpu_read(g, cpu, off, 4, &v, note, sizeof note);
    cr_assert_eq(rc, VMF_GIC_OK, "cpu read 0x%llx: %s", (unsigned long long)off, note);
    return (uint32_t)v;
}

static void cw(struct vmf_gicv2 *g, unsigned cpu, uint64_t off, uint32_t val)
{
    char note[128];
    int rc = vmf_gicv2_cpu_write(g, cpu, off, 4, val, note, sizeof note);
    cr_assert_eq(rc, VMF_GIC_OK, "cpu write 0x%llx: %s", (unsigned long long)off, note);
}

/* A RAZ/WI distributor read: result, value 0 and the note. */
static void expect_dist_razwi_read(struct vmf_gicv2 *g, unsigned cpu, uint64_t off, unsigned size, const char *want)
{
    uint64_t v = 0xDEAD;
    char note[128] = "";
    int rc = vmf_gicv2_dist_read(g, cpu, off, size, &v, note, sizeof note);
    cr_assert_eq(rc, VMF_GIC_RAZWI, "offset 0x%llx size %u", (unsigned long long)off, size);
    cr_assert_eq(v, 0);
    cr_assert_str_eq(note, want);
}

static void expect_cpu_razwi_read(struct vmf_gicv2 *g, unsigned cpu, uint64_t off, unsigned size, const char *want)
{
    uint64_t v = 0xDEAD;
    char note[128] = "";
    int rc = vmf_gicv2_cpu_read(g, cpu, off, size, &v, note, sizeof note);
    cr_assert_eq(rc, VMF_GIC_RAZWI, "offset 0x%llx size %u", (unsigned long long)off, size);
    cr_assert_eq(v, 0);
    cr_assert_str_eq(note, want);
}

static void expect_cpu_razwi_write(struct vmf_gicv2 *g, unsigned cpu, uint64_t off, uint32_t val, const char *want)
{
    char note[128] = "";
    int rc = vmf_gicv2_cpu_write(g, cpu, off, 4, val, note, sizeof note);
    cr_assert_eq(rc, VMF_GIC_RAZWI);
    cr_assert_str_eq(note, want);
}

static struct vmf_gic_irq_state st(struct vmf_gicv2 *g, unsigned cpu, unsigned id)
{
    struct vmf_gic_irq_state s;
    memset(&s, 0xA5, sizeof s);
    cr_assert_eq(vmf_gicv2_irq_state(g, cpu, id, &s), 0);
    return s;
}

/* Distributor and CPU interface(s) enabled for both groups, PMR open. */
static void open_all(struct vmf_gicv2 *g, uint32_t cpu_ctlr)
{
    dw(g, 0, GICD_CTLR, 0x3);
    for (unsigned c = 0; c < g->ncpus; c++) {
        cw(g, c, GICC_CTLR, cpu_ctlr);
        cw(g, c, GICC_PMR, 0xF8);
    }
}

/* Configure an SPI: priority, targets, edge/level, enabled. */
static void spi_setup(struct vmf_gicv2 *g, unsigned id, uint8_t prio, uint8_t targets, bool edge)
{
    dwb(g, 0, GICD_IPRIORITYR + id, prio);
    if (g->ncpus > 1)
        dwb(g, 0, GICD_ITARGETSR + id, targets);
    uint64_t off = GICD_ICFGR + (id / 16) * 4;
    uint32_t cfg = dr(g, 0, off);
    uint32_t bit = 2u << (2 * (id % 16));
    dw(g, 0, off, edge ? (cfg | bit) : (cfg & ~bit));
    dw(g, 0, GICD_ISENABLER + (id / 32) * 4, 1u << (id % 32));
}

static void set_group1(struct vmf_gicv2 *g, unsigned cpu, unsigned id)
{
    uint64_t off = GICD_IGROUPR + (id / 32) * 4;
    dw(g, cpu, off, dr(g, cpu, off) | (1u << (id % 32)));
}

/* ---- init / identification --------------------------------------------- */

Test(gicv2, init_rejects_bad_arguments_and_rounds_nirqs)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(NULL, 1, 64, NULL, NULL), -1);
    cr_assert_eq(vmf_gicv2_init(&g, 0, 64, NULL, NULL), -1);
    cr_assert_eq(vmf_gicv2_init(&g, 9, 64, NULL, NULL), -1);
    cr_assert_eq(vmf_gicv2_init(&g, 1, 0, NULL, NULL), -1);
    cr_assert_eq(vmf_gicv2_init(&g, 1, 1021, NULL, NULL), -1);
    cr_assert_eq(vmf_gicv2_init(&g, 1, 40, NULL, NULL), 0);
    cr_assert_eq(g.nirqs, 64);
    cr_assert_eq(dr(&g, 0, GICD_TYPER), 0x1); /* ITLinesNumber 1, CPUNumber 0 */
    cr_assert_eq(vmf_gicv2_init(&g, 8, 1020, NULL, NULL), 0);
    cr_assert_eq(dr(&g, 0, GICD_TYPER), 0x1F | (7u << 5));
    /* INTIDs 1020-1023 do not exist: the top bits of IGROUPR31 are RAZ/WI */
    dw(&g, 0, GICD_IGROUPR + 31 * 4, 0xFFFFFFFF);
    cr_assert_eq(dr(&g, 0, GICD_IGROUPR + 31 * 4), 0x0FFFFFFF);
}

Test(gicv2, typer_and_iidr)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 4, 96, NULL, NULL), 0);
    cr_assert_eq(dr(&g, 0, GICD_TYPER), 0x62); /* ITLinesNumber 2, CPUNumber 3, SecurityExtn 0 */
    cr_assert_eq(dr(&g, 3, GICD_TYPER), 0x62);
    cr_assert_eq(dr(&g, 0, GICD_IIDR), 0x0200143B);
    char note[128];
    cr_assert_eq(vmf_gicv2_dist_write(&g, 0, GICD_TYPER, 4, 0, note, sizeof note), VMF_GIC_RAZWI);
    cr_assert_str_eq(note, "GICD_TYPER: read-only, write ignored");
    cr_assert_eq(vmf_gicv2_dist_write(&g, 0, GICD_IIDR, 4, 0, note, sizeof note), VMF_GIC_RAZWI);
    cr_assert_str_eq(note, "GICD_IIDR: read-only, write ignored");
    cr_assert_eq(dr(&g, 0, GICD_TYPER), 0x62);
    cr_assert_eq(dr(&g, 0, GICD_IIDR), 0x0200143B);
}

Test(gicv2, id_registers)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 1, 32, NULL, NULL), 0);
    uint32_t pidr2 = dr(&g, 0, 0xFE8);
    cr_assert_eq(pidr2, 0x2B);
    cr_assert_eq((pidr2 >> 4) & 0xF, 0x2); /* ArchRev: GICv2 */
    cr_assert_eq(dr(&g, 0, 0xFD0), 0x04);
    cr_assert_eq(dr(&g, 0, 0xFD4), 0x00);
    cr_assert_eq(dr(&g, 0, 0xFE0), 0x90);
    cr_assert_eq(dr(&g, 0, 0xFE4), 0xB4);
    cr_assert_eq(dr(&g, 0, 0xFEC), 0x00);
    cr_assert_eq(dr(&g, 0, 0xFF0), 0x0D);
    cr_assert_eq(dr(&g, 0, 0xFF4), 0xF0);
    cr_assert_eq(dr(&g, 0, 0xFF8), 0x05);
    cr_assert_eq(dr(&g, 0, 0xFFC), 0xB1);
    expect_dist_razwi_read(&g, 0, 0xFE8, 1, "GICD_PIDR/CIDR: byte access not allowed");
    char note[128];
    cr_assert_eq(vmf_gicv2_dist_write(&g, 0, 0xFE8, 4, 0, note, sizeof note), VMF_GIC_RAZWI);
    cr_assert_str_eq(note, "GICD_PIDR/CIDR: read-only, write ignored");
}

/* ---- distributor register rules ----------------------------------------- */

Test(gicv2, distributor_reset_values)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 2, 64, NULL, NULL), 0);
    cr_assert_eq(dr(&g, 0, GICD_CTLR), 0);
    cr_assert_eq(dr(&g, 0, GICD_IGROUPR), 0);
    cr_assert_eq(dr(&g, 0, GICD_IGROUPR + 4), 0);
    cr_assert_eq(dr(&g, 0, GICD_ISENABLER), 0x0000FFFF); /* SGIs always enabled */
    cr_assert_eq(dr(&g, 1, GICD_ICENABLER), 0x0000FFFF);
    cr_assert_eq(dr(&g, 0, GICD_ISENABLER + 4), 0);
    cr_assert_eq(dr(&g, 0, GICD_ISPENDR), 0);
    cr_assert_eq(dr(&g, 0, GICD_ISPENDR + 4), 0);
    cr_assert_eq(dr(&g, 0, GICD_ISACTIVER + 4), 0);
    cr_assert_eq(dr(&g, 0, GICD_IPRIORITYR), 0);
    cr_assert_eq(dr(&g, 0, GICD_IPRIORITYR + 60), 0);
    cr_assert_eq(dr(&g, 0, GICD_ITARGETSR + 32), 0);
    cr_assert_eq(dr(&g, 0, GICD_ICFGR), 0xAAAAAAAA);
    cr_assert_eq(dr(&g, 0, GICD_ICFGR + 4), 0);
    cr_assert_eq(dr(&g, 0, GICD_ICFGR + 8), 0);
    cr_assert_eq(dr(&g, 0, GICD_SPENDSGIR), 0);
}

Test(gicv2, gicd_ctlr_writable_bits)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 1, 32, NULL, NULL), 0);
    dw(&g, 0, GICD_CTLR, 0xFFFFFFFF);
    cr_assert_eq(dr(&g, 0, GICD_CTLR), 0x3);
    dw(&g, 0, GICD_CTLR, 0x2);
    cr_assert_eq(dr(&g, 0, GICD_CTLR), 0x2);
}

Test(gicv2, distributor_access_sizes)
{
    struct vmf_gicv2 g;
    char note[128];
    cr_assert_eq(vmf_gicv2_init(&g, 2, 64, NULL, NULL), 0);
    expect_dist_razwi_read(&g, 0, GICD_ISENABLER + 4, 1, "GICD_ISENABLER: byte access not allowed");
    expect_dist_razwi_read(&g, 0, GICD_CTLR, 1, "GICD_CTLR: byte access not allowed");
    expect_dist_razwi_read(&g, 0, GICD_ICFGR + 8, 1, "GICD_ICFGR: byte access not allowed");
    expect_dist_razwi_read(&g, 0, GICD_IPRIORITYR + 32, 2, "GICD_IPRIORITYR: 2-byte access not allowed");
    expect_dist_razwi_read(&g, 0, GICD_IPRIORITYR + 32, 8, "GICD_IPRIORITYR: 8-byte access not allowed");
    expect_dist_razwi_read(&g, 0, GICD_IPRIORITYR + 33, 4, "GICD_IPRIORITYR: misaligned 4-byte access at 0x421");
    expect_dist_razwi_read(&g, 0, GICD_ISENABLER + 6, 4, "GICD_ISENABLER: misaligned 4-byte access at 0x106");
    /* a rejected byte write leaves the register alone */
    cr_assert_eq(vmf_gicv2_dist_write(&g, 0, GICD_ISENABLER + 4, 1, 0xFF, note, sizeof note), VMF_GIC_RAZWI);
    cr_assert_str_eq(note, "GICD_ISENABLER: byte access not allowed");
    cr_assert_eq(dr(&g, 0, GICD_ISENABLER + 4), 0);
    /* byte-accessible registers */
    dwb(&g, 0, GICD_IPRIORITYR + 33, 0x40);
    cr_assert_eq(drb(&g, 0, GICD_IPRIORITYR + 33), 0x40);
    dwb(&g, 0, GICD_ITARGETSR + 34, 0x02);
    cr_assert_eq(drb(&g, 0, GICD_ITARGETSR + 34), 0x02);
    dwb(&g, 1, GICD_SPENDSGIR + 2, 0x01);
    cr_assert_eq(drb(&g, 1, GICD_CPENDSGIR + 2), 0x01);
    /* NULL note is allowed; a NULL value pointer is an argument error */
    uint64_t v;
    cr_assert_eq(vmf_gicv2_dist_read(&g, 0, GICD_CTLR, 1, &v, NULL, 0), VMF_GIC_RAZWI);
    cr_assert_eq(vmf_gicv2_dist_read(&g, 0, GICD_CTLR, 4, NULL, NULL, 0), -1);
    cr_assert_eq(vmf_gicv2_dist_read(NULL, 0, GICD_CTLR, 4, &v, NULL, 0), -1);
}

Test(gicv2, distributor_reserved_offsets)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 1, 1020, NULL, NULL), 0);
    expect_dist_razwi_read(&g, 0, 0x00C, 4, "GICD: reserved offset 0x00c");
    expect_dist_razwi_read(&g, 0, 0x040, 4, "GICD: reserved offset 0x040");
    expect_dist_razwi_read(&g, 0, 0x7FC, 4, "GICD: reserved offset 0x7fc");
    expect_dist_razwi_read(&g, 0, 0xBFC, 1, "GICD: reserved offset 0xbfc");
    expect_dist_razwi_read(&g, 0, 0xD00, 4, "GICD: offset 0xd00 is IMPLEMENTATION DEFINED, not implemented");
    expect_dist_razwi_read(&g, 0, 0xE00, 4, "GICD_NSACR: Security Extensions not implemented");
    expect_dist_razwi_read(&g, 0, 0xF04, 4, "GICD: reserved offset 0xf04");
    expect_dist_razwi_read(&g, 0, 0xF30, 4, "GICD: reserved offset 0xf30");
    expect_dist_razwi_read(&g, 0, 0x1000, 4, "GICD: offset 0x1000 outside the distributor");
    expect_dist_razwi_read(&g, 1, GICD_CTLR, 4, "GICD: no CPU interface 1 (ncpus 1)");
}

Test(gicv2, distributor_intids_out_of_range)
{
    struct vmf_gicv2 g;
    char note[128];
    cr_assert_eq(vmf_gicv2_init(&g, 2, 64, NULL, NULL), 0);
    expect_dist_razwi_read(&g, 0, GICD_ISENABLER + 8, 4,
                           "GICD_ISENABLER2: INTIDs 64-95 not implemented (64 interrupt IDs)");
    expect_dist_razwi_read(&g, 0, GICD_IGROUPR + 8, 4,
                           "GICD_IGROUPR2: INTIDs 64-95 not implemented (64 interrupt IDs)");
    expect_dist_razwi_read(&g, 0, GICD_ICFGR + 16, 4, "GICD_ICFGR4: INTIDs 64-79 not implemented (64 interrupt IDs)");
    expect_dist_razwi_read(&g, 0, GICD_IPRIORITYR + 64, 1,
                           "GICD_IPRIORITYR: INTID 64 not implemented (64 interrupt IDs)");
    expect_dist_razwi_read(&g, 0, GICD_ITARGETSR + 64, 4,
                           "GICD_ITARGETSR: INTID 64 not implemented (64 interrupt IDs)");
    cr_assert_eq(vmf_gicv2_dist_write(&g, 0, GICD_ISPENDR + 8, 4, 0xFFFFFFFF, note, sizeof note), VMF_GIC_RAZWI);
    cr_assert_str_eq(note, "GICD_ISPENDR2: INTIDs 64-95 not implemented (64 interrupt IDs)");
    cr_assert_eq(vmf_gicv2_irq_state(&g, 0, 64, &(struct vmf_gic_irq_state){0}), -1);
}

Test(gicv2, ipriorityr_implements_five_bits)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, NULL, NULL), 0);
    dwb(&g, 0, GICD_IPRIORITYR + 40, 0xFF);
    cr_assert_eq(drb(&g, 0, GICD_IPRIORITYR + 40), 0xF8);
    dw(&g, 0, GICD_IPRIORITYR + 32, 0x12345678);
    cr_assert_eq(dr(&g, 0, GICD_IPRIORITYR + 32), 0x10305078);
    cr_assert_eq(drb(&g, 0, GICD_IPRIORITYR + 33), 0x50);
    cr_assert_eq(drb(&g, 0, GICD_IPRIORITYR + 35), 0x10);
    cr_assert_eq(st(&g, 0, 34).priority, 0x30);
}

Test(gicv2, sgi_ppi_registers_are_banked)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 2, 64, NULL, NULL), 0);
    dwb(&g, 0, GICD_IPRIORITYR + 20, 0x80);
    dwb(&g, 1, GICD_IPRIORITYR + 3, 0x28);
    cr_assert_eq(drb(&g, 0, GICD_IPRIORITYR + 20), 0x80);
    cr_assert_eq(drb(&g, 1, GICD_IPRIORITYR + 20), 0x00);
    cr_assert_eq(drb(&g, 0, GICD_IPRIORITYR + 3), 0x00);
    cr_assert_eq(drb(&g, 1, GICD_IPRIORITYR + 3), 0x28);
    dw(&g, 1, GICD_ISENABLER, 1u << 20);
    cr_assert_eq(dr(&g, 1, GICD_ISENABLER), 0x0010FFFF);
    cr_assert_eq(dr(&g, 0, GICD_ISENABLER), 0x0000FFFF);
    dw(&g, 0, GICD_IGROUPR, 0x80000001);
    cr_assert_eq(dr(&g, 0, GICD_IGROUPR), 0x80000001);
    cr_assert_eq(dr(&g, 1, GICD_IGROUPR), 0);
    dw(&g, 1, GICD_ISACTIVER, 1u << 5);
    cr_assert_eq(dr(&g, 1, GICD_ISACTIVER), 1u << 5);
    cr_assert_eq(dr(&g, 0, GICD_ISACTIVER), 0);
    /* SPI registers are shared */
    dwb(&g, 1, GICD_IPRIORITYR + 40, 0x48);
    cr_assert_eq(drb(&g, 0, GICD_IPRIORITYR + 40), 0x48);
    dw(&g, 0, GICD_ISENABLER + 4, 1u << 8);
    cr_assert_eq(dr(&g, 1, GICD_ISENABLER + 4), 1u << 8);
}

Test(gicv2, itargetsr_banked_entries_read_own_cpu)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 4, 64, NULL, NULL), 0);
    cr_assert_eq(dr(&g, 0, GICD_ITARGETSR), 0x01010101);
    cr_assert_eq(dr(&g, 2, GICD_ITARGETSR), 0x04040404);
    cr_assert_eq(dr(&g, 3, GICD_ITARGETSR + 28), 0x08080808);
    cr_assert_eq(drb(&g, 1, GICD_ITARGETSR + 17), 0x02);
    dw(&g, 1, GICD_ITARGETSR + 16, 0xFFFFFFFF); /* read-only */
    cr_assert_eq(dr(&g, 1, GICD_ITARGETSR + 16), 0x02020202);
    cr_assert_eq(st(&g, 2, 27).targets, 0x04);
}

Test(gicv2, itargetsr_spi_rw_masked_to_cpus)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 2, 64, NULL, NULL), 0);
    dwb(&g, 0, GICD_ITARGETSR + 32, 0xFF);
    cr_assert_eq(drb(&g, 0, GICD_ITARGETSR + 32), 0x03);
    dw(&g, 1, GICD_ITARGETSR + 36, 0x01020302);
    cr_assert_eq(dr(&g, 0, GICD_ITARGETSR + 36), 0x01020302);
    cr_assert_eq(st(&g, 0, 38).targets, 0x02);
}

Test(gicv2, itargetsr_uniprocessor_raz_wi)
{
    struct vmf_gicv2 g;
    struct rec r = {0};
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, out_cb, &r), 0);
    cr_assert_eq(dr(&g, 0, GICD_ITARGETSR), 0);
    dwb(&g, 0, GICD_ITARGETSR + 40, 0x01);
    cr_assert_eq(drb(&g, 0, GICD_ITARGETSR + 40), 0);
    /* the SPI still goes to CPU 0 */
    open_all(&g, CTLR_G0);
    spi_setup(&g, 40, 0x80, 0, false);
    vmf_gicv2_set_spi(&g, 40, true);
    cr_assert_eq(r.calls, 1);
    cr_assert(r.irq[0]);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 40);
}

Test(gicv2, icfgr_read_only_parts)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, NULL, NULL), 0);
    dw(&g, 0, GICD_ICFGR, 0);
    cr_assert_eq(dr(&g, 0, GICD_ICFGR), 0xAAAAAAAA); /* SGIs: edge, RO */
    dw(&g, 0, GICD_ICFGR + 4, 0xFFFFFFFF);
    cr_assert_eq(dr(&g, 0, GICD_ICFGR + 4), 0); /* PPIs: level, RO */
    dw(&g, 0, GICD_ICFGR + 8, 0xFFFFFFFF);
    cr_assert_eq(dr(&g, 0, GICD_ICFGR + 8), 0xAAAAAAAA); /* SPIs: bit 2n+1 RW, bit 2n RAZ/WI */
    dw(&g, 0, GICD_ICFGR + 12, 0x00000008);
    cr_assert_eq(dr(&g, 0, GICD_ICFGR + 12), 0x00000008);
    cr_assert(st(&g, 0, 49).edge);
    cr_assert(!st(&g, 0, 48).edge);
    cr_assert(st(&g, 0, 3).edge);
    cr_assert(!st(&g, 0, 30).edge);
}

Test(gicv2, sgi_enables_rao_wi)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 1, 32, NULL, NULL), 0);
    dw(&g, 0, GICD_ISENABLER, 0xFFFFFFFF);
    cr_assert_eq(dr(&g, 0, GICD_ISENABLER), 0xFFFFFFFF);
    dw(&g, 0, GICD_ICENABLER, 0xFFFFFFFF);
    cr_assert_eq(dr(&g, 0, GICD_ISENABLER), 0x0000FFFF);
}

Test(gicv2, set_and_clear_enable)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, NULL, NULL), 0);
    dw(&g, 0, GICD_ISENABLER + 4, 0x5);
    cr_assert_eq(dr(&g, 0, GICD_ISENABLER + 4), 0x5);
    dw(&g, 0, GICD_ISENABLER + 4, 0x0); /* writing 0 has no effect */
    cr_assert_eq(dr(&g, 0, GICD_ISENABLER + 4), 0x5);
    dw(&g, 0, GICD_ICENABLER + 4, 0x1);
    cr_assert_eq(dr(&g, 0, GICD_ISENABLER + 4), 0x4);
    cr_assert_eq(dr(&g, 0, GICD_ICENABLER + 4), 0x4);
}

Test(gicv2, ispendr_icpendr_sgi_bits_read_only)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, NULL, NULL), 0);
    dw(&g, 0, GICD_ISPENDR, 0xFFFFFFFF);
    cr_assert_eq(dr(&g, 0, GICD_ISPENDR), 0xFFFF0000);
    dwb(&g, 0, GICD_SPENDSGIR + 1, 0x01);
    cr_assert_eq(dr(&g, 0, GICD_ISPENDR), 0xFFFF0002);
    dw(&g, 0, GICD_ICPENDR, 0xFFFFFFFF);
    cr_assert_eq(dr(&g, 0, GICD_ICPENDR), 0x00000002);
    dw(&g, 0, GICD_ISPENDR + 4, 0x80000001);
    cr_assert_eq(dr(&g, 0, GICD_ISPENDR + 4), 0x80000001);
    dw(&g, 0, GICD_ICPENDR + 4, 0x00000001);
    cr_assert_eq(dr(&g, 0, GICD_ISPENDR + 4), 0x80000000);
}

Test(gicv2, isactiver_icactiver)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, NULL, NULL), 0);
    dw(&g, 0, GICD_ISACTIVER + 4, 0x00000300);
    cr_assert_eq(dr(&g, 0, GICD_ISACTIVER + 4), 0x00000300);
    cr_assert_eq(dr(&g, 0, GICD_ICACTIVER + 4), 0x00000300);
    cr_assert(st(&g, 0, 40).active);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0xFF); /* no acknowledge: running priority untouched */
    dw(&g, 0, GICD_ICACTIVER + 4, 0x00000100);
    cr_assert_eq(dr(&g, 0, GICD_ISACTIVER + 4), 0x00000200);
}

Test(gicv2, sgir_is_write_only_and_filter_3_reserved)
{
    struct vmf_gicv2 g;
    char note[128];
    cr_assert_eq(vmf_gicv2_init(&g, 2, 32, NULL, NULL), 0);
    expect_dist_razwi_read(&g, 0, GICD_SGIR, 4, "GICD_SGIR: write-only, reads as zero");
    cr_assert_eq(vmf_gicv2_dist_write(&g, 0, GICD_SGIR, 4, 0x03FF0001, note, sizeof note), VMF_GIC_RAZWI);
    cr_assert_str_eq(note, "GICD_SGIR: TargetListFilter 0b11 is reserved, write ignored");
    cr_assert_eq(dr(&g, 0, GICD_ISPENDR), 0);
    cr_assert_eq(dr(&g, 1, GICD_ISPENDR), 0);
    cr_assert_eq(vmf_gicv2_dist_write(&g, 0, GICD_SGIR, 1, 0x01, note, sizeof note), VMF_GIC_RAZWI);
    cr_assert_str_eq(note, "GICD_SGIR: byte access not allowed");
}

Test(gicv2, cpendsgir_spendsgir_per_source)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 4, 32, NULL, NULL), 0);
    dwb(&g, 1, GICD_SPENDSGIR + 3, 0x05); /* SGI 3 pending on CPU 1 from CPUs 0 and 2 */
    cr_assert_eq(dr(&g, 1, GICD_SPENDSGIR), 0x05000000);
    cr_assert_eq(dr(&g, 1, GICD_CPENDSGIR), 0x05000000);
    cr_assert_eq(dr(&g, 0, GICD_SPENDSGIR), 0);
    cr_assert_eq(dr(&g, 1, GICD_ISPENDR), 1u << 3);
    dwb(&g, 1, GICD_CPENDSGIR + 3, 0x01);
    cr_assert_eq(drb(&g, 1, GICD_SPENDSGIR + 3), 0x04);
    dwb(&g, 1, GICD_SPENDSGIR + 3, 0x80); /* CPU 7 does not exist */
    cr_assert_eq(drb(&g, 1, GICD_SPENDSGIR + 3), 0x04);
    dw(&g, 1, GICD_SPENDSGIR + 12, 0x0000000A); /* SGI 12 from CPUs 1 and 3 */
    cr_assert_eq(dr(&g, 1, GICD_SPENDSGIR + 12), 0x0000000A);
    cr_assert_eq(dr(&g, 1, GICD_ISPENDR), (1u << 3) | (1u << 12));
    dw(&g, 1, GICD_CPENDSGIR + 12, 0x000000FF);
    dwb(&g, 1, GICD_CPENDSGIR + 3, 0xFF);
    cr_assert_eq(dr(&g, 1, GICD_ISPENDR), 0);
}

/* ---- CPU interface register rules ---------------------------------------- */

Test(gicv2, cpu_interface_reset_values)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 2, 32, NULL, NULL), 0);
    for (unsigned c = 0; c < 2; c++) {
        cr_assert_eq(cr(&g, c, GICC_CTLR), 0);
        cr_assert_eq(cr(&g, c, GICC_PMR), 0);
        cr_assert_eq(cr(&g, c, GICC_BPR), 2);
        cr_assert_eq(cr(&g, c, GICC_ABPR), 3);
        cr_assert_eq(cr(&g, c, GICC_RPR), 0xFF);
        cr_assert_eq(cr(&g, c, GICC_HPPIR), 1023);
        cr_assert_eq(cr(&g, c, GICC_AHPPIR), 1023);
        cr_assert_eq(cr(&g, c, GICC_APR0), 0);
        cr_assert_eq(cr(&g, c, GICC_NSAPR0), 0);
        cr_assert_eq(cr(&g, c, GICC_IIDR), 0x0202143B);
    }
}

Test(gicv2, gicc_ctlr_pmr_bpr_abpr_fields)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 1, 32, NULL, NULL), 0);
    cw(&g, 0, GICC_CTLR, 0xFFFFFFFF);
    cr_assert_eq(cr(&g, 0, GICC_CTLR), 0x21F);
    cw(&g, 0, GICC_PMR, 0xFFFFFFFF);
    cr_assert_eq(cr(&g, 0, GICC_PMR), 0xF8);
    cw(&g, 0, GICC_PMR, 0x47);
    cr_assert_eq(cr(&g, 0, GICC_PMR), 0x40);
    cw(&g, 0, GICC_BPR, 0);
    cr_assert_eq(cr(&g, 0, GICC_BPR), 2);
    cw(&g, 0, GICC_BPR, 5);
    cr_assert_eq(cr(&g, 0, GICC_BPR), 5);
    cw(&g, 0, GICC_BPR, 0xFF);
    cr_assert_eq(cr(&g, 0, GICC_BPR), 7);
    cw(&g, 0, GICC_ABPR, 1);
    cr_assert_eq(cr(&g, 0, GICC_ABPR), 3);
    cw(&g, 0, GICC_ABPR, 4);
    cr_assert_eq(cr(&g, 0, GICC_ABPR), 4);
    /* APR1-3 / NSAPR1-3 RAZ/WI */
    cw(&g, 0, GICC_APR0 + 4, 0xFFFFFFFF);
    cr_assert_eq(cr(&g, 0, GICC_APR0 + 4), 0);
    cw(&g, 0, GICC_NSAPR0 + 12, 0xFFFFFFFF);
    cr_assert_eq(cr(&g, 0, GICC_NSAPR0 + 12), 0);
}

Test(gicv2, cpu_interface_access_rules)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 2, 32, NULL, NULL), 0);
    expect_cpu_razwi_read(&g, 0, GICC_PMR, 1, "GICC_PMR: byte access not allowed");
    expect_cpu_razwi_read(&g, 0, GICC_PMR, 2, "GICC_PMR: 2-byte access not allowed");
    expect_cpu_razwi_read(&g, 0, GICC_PMR + 2, 4, "GICC_PMR: misaligned 4-byte access at 0x006");
    expect_cpu_razwi_read(&g, 0, GICC_EOIR, 4, "GICC_EOIR: write-only, reads as zero");
    expect_cpu_razwi_read(&g, 0, GICC_AEOIR, 4, "GICC_AEOIR: write-only, reads as zero");
    expect_cpu_razwi_read(&g, 0, GICC_DIR, 4, "GICC_DIR: write-only, reads as zero");
    expect_cpu_razwi_read(&g, 0, 0x30, 4, "GICC: reserved offset 0x030");
    expect_cpu_razwi_read(&g, 0, 0x1004, 4, "GICC: reserved offset 0x1004");
    expect_cpu_razwi_read(&g, 0, 0x2000, 4, "GICC: offset 0x2000 outside the CPU interface");
    expect_cpu_razwi_read(&g, 2, GICC_CTLR, 4, "GICC: no CPU interface 2 (ncpus 2)");
    expect_cpu_razwi_write(&g, 0, GICC_IAR, 0, "GICC_IAR: read-only, write ignored");
    expect_cpu_razwi_write(&g, 0, GICC_RPR, 0, "GICC_RPR: read-only, write ignored");
    expect_cpu_razwi_write(&g, 0, GICC_IIDR, 0, "GICC_IIDR: read-only, write ignored");
    char note[128];
    cr_assert_eq(vmf_gicv2_cpu_write(&g, 0, GICC_PMR, 1, 0xF8, note, sizeof note), VMF_GIC_RAZWI);
    cr_assert_eq(cr(&g, 0, GICC_PMR), 0);
}

/* ---- state machine ------------------------------------------------------- */

Test(gicv2, iar_pending_to_active_level)
{
    struct vmf_gicv2 g;
    struct rec r = {0};
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, out_cb, &r), 0);
    open_all(&g, CTLR_G0);
    spi_setup(&g, 40, 0x80, 1, false);
    cr_assert_eq(r.calls, 0);
    vmf_gicv2_set_spi(&g, 40, true);
    struct vmf_gic_irq_state s = st(&g, 0, 40);
    cr_assert(s.pending && !s.active);
    cr_assert_eq(r.calls, 1);
    cr_assert(r.irq[0] && !r.fiq[0]);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 40);
    s = st(&g, 0, 40);
    cr_assert(s.active && s.pending); /* line still high: active and pending */
    cr_assert_eq(r.calls, 2);
    cr_assert(!r.irq[0]);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0x80);
    vmf_gicv2_set_spi(&g, 40, false);
    s = st(&g, 0, 40);
    cr_assert(s.active && !s.pending);
    cw(&g, 0, GICC_EOIR, 40);
    s = st(&g, 0, 40);
    cr_assert(!s.active && !s.pending);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0xFF);
    cr_assert_eq(r.calls, 2);
}

Test(gicv2, level_line_dropped_before_acknowledge)
{
    struct vmf_gicv2 g;
    struct rec r = {0};
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, out_cb, &r), 0);
    open_all(&g, CTLR_G0);
    spi_setup(&g, 40, 0x80, 1, false);
    vmf_gicv2_set_spi(&g, 40, true);
    cr_assert_eq(r.calls, 1);
    vmf_gicv2_set_spi(&g, 40, false);
    cr_assert_eq(r.calls, 2);
    cr_assert(!r.irq[0]);
    cr_assert(!st(&g, 0, 40).pending);
    cr_assert_eq(dr(&g, 0, GICD_ISPENDR + 4), 0);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 1023);
}

Test(gicv2, level_still_high_after_eoi_repends)
{
    struct vmf_gicv2 g;
    struct rec r = {0};
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, out_cb, &r), 0);
    open_all(&g, CTLR_G0);
    spi_setup(&g, 40, 0x80, 1, false);
    vmf_gicv2_set_spi(&g, 40, true);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 40);
    cr_assert_eq(r.calls, 2);
    cw(&g, 0, GICC_EOIR, 40);
    struct vmf_gic_irq_state s = st(&g, 0, 40);
    cr_assert(s.pending && !s.active);
    cr_assert_eq(r.calls, 3);
    cr_assert(r.irq[0]);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 40);
    vmf_gicv2_set_spi(&g, 40, false);
    cw(&g, 0, GICC_EOIR, 40);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 1023);
    cr_assert_eq(r.calls, 4);
}

Test(gicv2, icpendr_and_ispendr_on_level_interrupt)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, NULL, NULL), 0);
    open_all(&g, CTLR_G0);
    spi_setup(&g, 40, 0x80, 1, false);
    vmf_gicv2_set_spi(&g, 40, true);
    dw(&g, 0, GICD_ICPENDR + 4, 1u << 8); /* line still asserted: stays pending */
    cr_assert(st(&g, 0, 40).pending);
    vmf_gicv2_set_spi(&g, 40, false);
    cr_assert(!st(&g, 0, 40).pending);
    dw(&g, 0, GICD_ISPENDR + 4, 1u << 8); /* software pending latch */
    cr_assert(st(&g, 0, 40).pending);
    vmf_gicv2_set_spi(&g, 40, true);
    vmf_gicv2_set_spi(&g, 40, false);
    cr_assert(st(&g, 0, 40).pending); /* the latch ignores the line */
    cr_assert_eq(cr(&g, 0, GICC_IAR), 40);
    struct vmf_gic_irq_state s = st(&g, 0, 40);
    cr_assert(s.active && !s.pending); /* acknowledge clears the latch */
}

Test(gicv2, edge_latches_rising_edges)
{
    struct vmf_gicv2 g;
    struct rec r = {0};
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, out_cb, &r), 0);
    open_all(&g, CTLR_G0);
    spi_setup(&g, 41, 0x80, 1, true);
    vmf_gicv2_set_spi(&g, 41, true);
    vmf_gicv2_set_spi(&g, 41, false);
    cr_assert(st(&g, 0, 41).pending); /* latched */
    cr_assert_eq(r.calls, 1);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 41);
    struct vmf_gic_irq_state s = st(&g, 0, 41);
    cr_assert(s.active && !s.pending);
    vmf_gicv2_set_spi(&g, 41, true); /* new edge while active */
    s = st(&g, 0, 41);
    cr_assert(s.active && s.pending);
    vmf_gicv2_set_spi(&g, 41, true);         /* no new edge */
    cr_assert_eq(cr(&g, 0, GICC_IAR), 1023); /* active and pending is not signalled */
    cr_assert_eq(r.calls, 2);
    cw(&g, 0, GICC_EOIR, 41);
    cr_assert_eq(r.calls, 3);
    cr_assert(r.irq[0]);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 41);
    cw(&g, 0, GICC_EOIR, 41);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 1023); /* the line stayed high: no second latch */
}

Test(gicv2, eoimode1_priority_drop_then_dir)
{
    struct vmf_gicv2 g;
    char note[128];
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, NULL, NULL), 0);
    open_all(&g, CTLR_G0 | CTLR_EOIMODE);
    spi_setup(&g, 40, 0x80, 1, true);
    spi_setup(&g, 42, 0x90, 1, true);
    vmf_gicv2_set_spi(&g, 40, true);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 40);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0x80);
    cw(&g, 0, GICC_EOIR, 40);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0xFF); /* priority dropped */
    cr_assert(st(&g, 0, 40).active);         /* but still active */
    vmf_gicv2_set_spi(&g, 42, true);         /* lower priority now gets in */
    cr_assert_eq(cr(&g, 0, GICC_IAR), 42);
    cw(&g, 0, GICC_EOIR, 42);
    cw(&g, 0, GICC_DIR, 40);
    cr_assert(!st(&g, 0, 40).active);
    cr_assert(st(&g, 0, 42).active);
    cw(&g, 0, GICC_DIR, 42);
    cr_assert(!st(&g, 0, 42).active);
    /* EOImode 0: EOIR deactivates, DIR is ignored */
    cw(&g, 0, GICC_CTLR, CTLR_G0);
    vmf_gicv2_set_spi(&g, 40, false);
    vmf_gicv2_set_spi(&g, 40, true);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 40);
    cr_assert_eq(vmf_gicv2_cpu_write(&g, 0, GICC_DIR, 4, 40, note, sizeof note), VMF_GIC_RAZWI);
    cr_assert_str_eq(note, "GICC_DIR: GICC_CTLR.EOImode is 0, write ignored");
    cr_assert(st(&g, 0, 40).active);
    cw(&g, 0, GICC_EOIR, 40);
    cr_assert(!st(&g, 0, 40).active);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0xFF);
}

Test(gicv2, spurious_when_nothing_or_disabled)
{
    struct vmf_gicv2 g;
    struct rec r = {0};
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, out_cb, &r), 0);
    open_all(&g, CTLR_G0);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 1023); /* nothing pending */
    spi_setup(&g, 40, 0x80, 1, false);
    dw(&g, 0, GICD_CTLR, 0); /* distributor disabled */
    vmf_gicv2_set_spi(&g, 40, true);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 1023);
    cr_assert_eq(cr(&g, 0, GICC_HPPIR), 1023);
    cr_assert_eq(r.calls, 0);
    dw(&g, 0, GICD_CTLR, 0x2); /* only Group 1 enabled: a Group 0 interrupt stays */
    cr_assert_eq(cr(&g, 0, GICC_IAR), 1023);
    cw(&g, 0, GICC_CTLR, CTLR_G1); /* CPU interface Group 0 disabled */
    dw(&g, 0, GICD_CTLR, 0x1);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 1023);
    cr_assert_eq(r.calls, 0);
    dw(&g, 0, GICD_ICENABLER + 4, 1u << 8); /* interrupt disabled */
    cw(&g, 0, GICC_CTLR, CTLR_G0);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 1023);
    cr_assert_eq(r.calls, 0);
    cr_assert(st(&g, 0, 40).pending); /* still pending, just not forwarded */
    dw(&g, 0, GICD_ISENABLER + 4, 1u << 8);
    cr_assert_eq(r.calls, 1);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 40);
}

Test(gicv2, pmr_masks_priority)
{
    struct vmf_gicv2 g;
    struct rec r = {0};
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, out_cb, &r), 0);
    open_all(&g, CTLR_G0);
    cw(&g, 0, GICC_PMR, 0x80);
    spi_setup(&g, 40, 0x80, 1, false);
    vmf_gicv2_set_spi(&g, 40, true);
    cr_assert_eq(r.calls, 0); /* priority 0x80 is not higher than PMR 0x80 */
    cr_assert_eq(cr(&g, 0, GICC_IAR), 1023);
    cr_assert_eq(cr(&g, 0, GICC_HPPIR), 1023);
    cw(&g, 0, GICC_PMR, 0x88);
    cr_assert_eq(r.calls, 1);
    cr_assert(r.irq[0]);
    cr_assert_eq(cr(&g, 0, GICC_HPPIR), 40);
    cw(&g, 0, GICC_PMR, 0x00);
    cr_assert_eq(r.calls, 2);
    cr_assert(!r.irq[0]);
}

Test(gicv2, preemption_by_group_priority)
{
    struct vmf_gicv2 g;
    struct rec r = {0};
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, out_cb, &r), 0);
    open_all(&g, CTLR_G0);
    cw(&g, 0, GICC_BPR, 4); /* group priority = bits [7:5] */
    spi_setup(&g, 40, 0x48, 1, true);
    spi_setup(&g, 41, 0x40, 1, true);
    spi_setup(&g, 42, 0x38, 1, true);
    vmf_gicv2_set_spi(&g, 40, true);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 40);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0x40); /* group priority of 0x48 */
    cr_assert_eq(r.calls, 2);
    vmf_gicv2_set_spi(&g, 41, true); /* same group priority 0x40: no preemption */
    cr_assert_eq(r.calls, 2);
    cr_assert(!r.irq[0]);
    cr_assert_eq(cr(&g, 0, GICC_HPPIR), 41);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 1023);
    vmf_gicv2_set_spi(&g, 42, true); /* group priority 0x20: preempts */
    cr_assert_eq(r.calls, 3);
    cr_assert(r.irq[0]);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 42);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0x20);
    cr_assert_eq(cr(&g, 0, GICC_APR0), (1u << 4) | (1u << 8));
    cw(&g, 0, GICC_EOIR, 42);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0x40);
    cw(&g, 0, GICC_EOIR, 40);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0xFF);
    cr_assert(r.irq[0]); /* 41 now signalled */
    cr_assert_eq(cr(&g, 0, GICC_IAR), 41);
}

Test(gicv2, preemption_with_minimum_binary_point)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, NULL, NULL), 0);
    open_all(&g, CTLR_G0); /* BPR 2: group priority is all 5 bits */
    spi_setup(&g, 40, 0x48, 1, true);
    spi_setup(&g, 41, 0x40, 1, true);
    vmf_gicv2_set_spi(&g, 40, true);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 40);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0x48);
    vmf_gicv2_set_spi(&g, 41, true);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 41); /* 0x40 < 0x48 preempts */
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0x40);
}

Test(gicv2, group1_preemption_uses_abpr_unless_cbpr)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, NULL, NULL), 0);
    open_all(&g, CTLR_G0 | CTLR_G1 | CTLR_ACKCTL);
    cw(&g, 0, GICC_ABPR, 5); /* Group 1 group priority = bits [7:5] */
    for (unsigned id = 40; id <= 43; id++) {
        set_group1(&g, 0, id);
        spi_setup(&g, id, id < 42 ? 0x48 : 0x40, 1, true);
    }
    vmf_gicv2_set_spi(&g, 40, true);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 40);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0x40);
    cr_assert_eq(cr(&g, 0, GICC_NSAPR0), 1u << 8);
    cr_assert_eq(cr(&g, 0, GICC_APR0), 0);
    vmf_gicv2_set_spi(&g, 42, true);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 1023); /* same group priority */
    cw(&g, 0, GICC_EOIR, 40);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 42);
    cw(&g, 0, GICC_EOIR, 42);
    /* CBPR = 1: GICC_BPR (2) applies to Group 1 as well */
    cw(&g, 0, GICC_CTLR, CTLR_G0 | CTLR_G1 | CTLR_ACKCTL | CTLR_CBPR);
    vmf_gicv2_set_spi(&g, 41, true);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 41);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0x48);
    vmf_gicv2_set_spi(&g, 43, true);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 43); /* 0x40 < 0x48 preempts */
}

Test(gicv2, sgi_target_list_filters)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 4, 32, NULL, NULL), 0);
    dw(&g, 0, GICD_SGIR, (0u << 24) | (0x06u << 16) | 1); /* list: CPUs 1, 2 */
    cr_assert_eq(drb(&g, 0, GICD_SPENDSGIR + 1), 0x00);
    cr_assert_eq(drb(&g, 1, GICD_SPENDSGIR + 1), 0x01);
    cr_assert_eq(drb(&g, 2, GICD_SPENDSGIR + 1), 0x01);
    cr_assert_eq(drb(&g, 3, GICD_SPENDSGIR + 1), 0x00);
    dw(&g, 2, GICD_SGIR, (1u << 24) | (0x04u << 16) | 2); /* all but self (list ignored) */
    cr_assert_eq(drb(&g, 0, GICD_SPENDSGIR + 2), 0x04);
    cr_assert_eq(drb(&g, 1, GICD_SPENDSGIR + 2), 0x04);
    cr_assert_eq(drb(&g, 2, GICD_SPENDSGIR + 2), 0x00);
    cr_assert_eq(drb(&g, 3, GICD_SPENDSGIR + 2), 0x04);
    dw(&g, 3, GICD_SGIR, (2u << 24) | (0x01u << 16) | 15); /* self only */
    cr_assert_eq(drb(&g, 3, GICD_SPENDSGIR + 15), 0x08);
    cr_assert_eq(drb(&g, 0, GICD_SPENDSGIR + 15), 0x00);
    dw(&g, 0, GICD_SGIR, (0u << 24) | (0xF0u << 16) | 4); /* CPUs 4-7 do not exist */
    for (unsigned c = 0; c < 4; c++)
        cr_assert_eq(drb(&g, c, GICD_SPENDSGIR + 4), 0x00);
    cr_assert(st(&g, 1, 1).pending);
    cr_assert(!st(&g, 0, 1).pending);
}

Test(gicv2, sgi_two_sources_two_acknowledges)
{
    struct vmf_gicv2 g;
    struct rec r = {0};
    cr_assert_eq(vmf_gicv2_init(&g, 4, 32, out_cb, &r), 0);
    open_all(&g, CTLR_G0);
    dwb(&g, 1, GICD_IPRIORITYR + 5, 0x60);
    dw(&g, 2, GICD_SGIR, (0x02u << 16) | 5);
    dw(&g, 0, GICD_SGIR, (0x02u << 16) | 5);
    cr_assert_eq(r.cpu_calls[1], 1);
    cr_assert(r.irq[1]);
    cr_assert_eq(cr(&g, 1, GICC_HPPIR), 5); /* source 0 first */
    cr_assert_eq(cr(&g, 1, GICC_IAR), 5 | (0u << 10));
    struct vmf_gic_irq_state s = st(&g, 1, 5);
    cr_assert(s.active && s.pending); /* still pending from CPU 2 */
    cr_assert_eq(drb(&g, 1, GICD_SPENDSGIR + 5), 0x04);
    cr_assert_eq(cr(&g, 1, GICC_IAR), 1023);
    cw(&g, 1, GICC_EOIR, 5);
    cr_assert_eq(cr(&g, 1, GICC_HPPIR), 5 | (2u << 10));
    cr_assert_eq(cr(&g, 1, GICC_IAR), 5 | (2u << 10));
    cw(&g, 1, GICC_EOIR, 5 | (2u << 10));
    cr_assert_eq(cr(&g, 1, GICC_IAR), 1023);
    s = st(&g, 1, 5);
    cr_assert(!s.active && !s.pending);
    cr_assert_eq(r.cpu_calls[0], 0);
    cr_assert_eq(r.cpu_calls[2], 0);
}

Test(gicv2, rpr_and_hppir)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, NULL, NULL), 0);
    open_all(&g, CTLR_G0);
    spi_setup(&g, 50, 0x50, 1, true);
    spi_setup(&g, 51, 0x30, 1, true);
    spi_setup(&g, 52, 0x30, 1, true);
    vmf_gicv2_set_spi(&g, 50, true);
    cr_assert_eq(cr(&g, 0, GICC_HPPIR), 50);
    cr_assert_eq(cr(&g, 0, GICC_HPPIR), 50); /* reading HPPIR does not acknowledge */
    cr_assert(!st(&g, 0, 50).active);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0xFF);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 50);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0x50);
    cr_assert_eq(cr(&g, 0, GICC_HPPIR), 1023);
    vmf_gicv2_set_spi(&g, 52, true);
    vmf_gicv2_set_spi(&g, 51, true);
    cr_assert_eq(cr(&g, 0, GICC_HPPIR), 51); /* equal priority: lowest INTID */
    cr_assert_eq(cr(&g, 0, GICC_IAR), 51);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0x30);
    cr_assert_eq(cr(&g, 0, GICC_HPPIR), 52); /* pending even though it cannot preempt */
    cr_assert_eq(cr(&g, 0, GICC_APR0), (1u << 6) | (1u << 10));
}

Test(gicv2, ackctl_and_aliased_registers)
{
    struct vmf_gicv2 g;
    struct rec r = {0};
    char note[128];
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, out_cb, &r), 0);
    open_all(&g, CTLR_G0 | CTLR_G1);
    set_group1(&g, 0, 45);
    spi_setup(&g, 45, 0x20, 1, true);
    vmf_gicv2_set_spi(&g, 45, true);
    cr_assert(r.irq[0]);
    cr_assert_eq(cr(&g, 0, GICC_HPPIR), 1022);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 1022); /* AckCtl 0: Group 1 not acknowledged */
    cr_assert(!st(&g, 0, 45).active);
    cr_assert_eq(cr(&g, 0, GICC_AHPPIR), 45);
    cr_assert_eq(cr(&g, 0, GICC_AIAR), 45);
    cr_assert(st(&g, 0, 45).active);
    cr_assert_eq(cr(&g, 0, GICC_NSAPR0), 1u << 4);
    cr_assert_eq(vmf_gicv2_cpu_write(&g, 0, GICC_EOIR, 4, 45, note, sizeof note), VMF_GIC_RAZWI);
    cr_assert_str_eq(note, "GICC_EOIR: INTID 45 is Group 1 and AckCtl is 0, write ignored");
    cr_assert(st(&g, 0, 45).active);
    cw(&g, 0, GICC_AEOIR, 45);
    cr_assert(!st(&g, 0, 45).active);
    cr_assert_eq(cr(&g, 0, GICC_NSAPR0), 0);
    /* Group 0 on the aliased registers */
    spi_setup(&g, 46, 0x20, 1, true);
    vmf_gicv2_set_spi(&g, 46, true);
    cr_assert_eq(cr(&g, 0, GICC_AHPPIR), 1023);
    cr_assert_eq(cr(&g, 0, GICC_AIAR), 1023);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 46);
    cr_assert_eq(vmf_gicv2_cpu_write(&g, 0, GICC_AEOIR, 4, 46, note, sizeof note), VMF_GIC_RAZWI);
    cr_assert_str_eq(note, "GICC_AEOIR: INTID 46 is Group 0, write ignored");
    cw(&g, 0, GICC_EOIR, 46);
    cr_assert(!st(&g, 0, 46).active);
    /* AckCtl 1: GICC_IAR acknowledges Group 1 too, GICC_EOIR completes it */
    cw(&g, 0, GICC_CTLR, CTLR_G0 | CTLR_G1 | CTLR_ACKCTL);
    vmf_gicv2_set_spi(&g, 45, false);
    vmf_gicv2_set_spi(&g, 45, true);
    cr_assert_eq(cr(&g, 0, GICC_HPPIR), 45);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 45);
    cw(&g, 0, GICC_EOIR, 45);
    cr_assert(!st(&g, 0, 45).active);
    /* special INTIDs are ignored, nonexistent ones noted */
    cw(&g, 0, GICC_EOIR, 1023);
    cr_assert_eq(vmf_gicv2_cpu_write(&g, 0, GICC_EOIR, 4, 100, note, sizeof note), VMF_GIC_RAZWI);
    cr_assert_str_eq(note, "GICC_EOIR: INTID 100 not implemented, write ignored");
    cr_assert_eq(vmf_gicv2_cpu_write(&g, 0, GICC_EOIR, 4, 46, note, sizeof note), VMF_GIC_RAZWI);
    cr_assert_str_eq(note, "GICC_EOIR: no active Group 0 priority to drop, write ignored");
}

Test(gicv2, output_callback_counts)
{
    struct vmf_gicv2 g;
    struct rec r = {0};
    cr_assert_eq(vmf_gicv2_init(&g, 2, 64, out_cb, &r), 0);
    cr_assert_eq(r.calls, 0);
    open_all(&g, CTLR_G0);
    spi_setup(&g, 33, 0x80, 0x02, false);
    cr_assert_eq(r.calls, 0);
    vmf_gicv2_set_spi(&g, 33, true);
    cr_assert_eq(r.calls, 1);
    cr_assert_eq(r.last_cpu, 1);
    cr_assert(r.irq[1] && !r.fiq[1]);
    vmf_gicv2_set_spi(&g, 33, true); /* no change */
    cr_assert_eq(r.calls, 1);
    dwb(&g, 0, GICD_IPRIORITYR + 33, 0x70); /* still signalled: no call */
    cr_assert_eq(r.calls, 1);
    cr_assert_eq(cr(&g, 1, GICC_HPPIR), 33); /* reads without effect: no call */
    cr_assert_eq(r.calls, 1);
    cr_assert_eq(cr(&g, 1, GICC_IAR), 33);
    cr_assert_eq(r.calls, 2);
    cr_assert(!r.irq[1]);
    cw(&g, 1, GICC_EOIR, 33); /* line high: re-pends */
    cr_assert_eq(r.calls, 3);
    cr_assert(r.irq[1]);
    vmf_gicv2_set_spi(&g, 33, false);
    cr_assert_eq(r.calls, 4);
    cr_assert(!r.irq[1]);
    cr_assert_eq(r.cpu_calls[0], 0);
    cr_assert_eq(r.cpu_calls[1], 4);
}

Test(gicv2, group0_as_fiq_with_fiqen)
{
    struct vmf_gicv2 g;
    struct rec r = {0};
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, out_cb, &r), 0);
    open_all(&g, CTLR_G0 | CTLR_G1 | CTLR_FIQEN | CTLR_ACKCTL);
    spi_setup(&g, 40, 0x80, 1, false);
    vmf_gicv2_set_spi(&g, 40, true);
    cr_assert_eq(r.calls, 1);
    cr_assert(r.fiq[0] && !r.irq[0]);
    cw(&g, 0, GICC_CTLR, CTLR_G0 | CTLR_G1 | CTLR_ACKCTL); /* FIQEn off: IRQ */
    cr_assert_eq(r.calls, 2);
    cr_assert(!r.fiq[0] && r.irq[0]);
    cw(&g, 0, GICC_CTLR, CTLR_G0 | CTLR_G1 | CTLR_ACKCTL | CTLR_FIQEN);
    cr_assert_eq(r.calls, 3);
    cr_assert(r.fiq[0] && !r.irq[0]);
    set_group1(&g, 0, 40); /* Group 1: always IRQ */
    cr_assert_eq(r.calls, 4);
    cr_assert(!r.fiq[0] && r.irq[0]);
}

Test(gicv2, spi_without_target_is_not_forwarded)
{
    struct vmf_gicv2 g;
    struct rec r = {0};
    cr_assert_eq(vmf_gicv2_init(&g, 2, 64, out_cb, &r), 0);
    open_all(&g, CTLR_G0);
    spi_setup(&g, 40, 0x80, 0x00, false);
    vmf_gicv2_set_spi(&g, 40, true);
    cr_assert(st(&g, 0, 40).pending);
    cr_assert_eq(r.calls, 0);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 1023);
    cr_assert_eq(cr(&g, 1, GICC_IAR), 1023);
    dwb(&g, 0, GICD_ITARGETSR + 40, 0x02);
    cr_assert_eq(r.calls, 1);
    cr_assert(r.irq[1] && !r.irq[0]);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 1023);
    cr_assert_eq(cr(&g, 1, GICC_IAR), 40);
}

Test(gicv2, spi_to_two_cpus_one_acknowledges)
{
    struct vmf_gicv2 g;
    struct rec r = {0};
    cr_assert_eq(vmf_gicv2_init(&g, 2, 64, out_cb, &r), 0);
    open_all(&g, CTLR_G0);
    spi_setup(&g, 40, 0x80, 0x03, true);
    vmf_gicv2_set_spi(&g, 40, true);
    cr_assert(r.irq[0] && r.irq[1]);
    cr_assert_eq(r.calls, 2);
    cr_assert_eq(cr(&g, 1, GICC_IAR), 40);
    cr_assert(!r.irq[0] && !r.irq[1]);
    cr_assert_eq(r.calls, 4);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 1023);
    cr_assert_eq(cr(&g, 1, GICC_RPR), 0x80);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0xFF);
}

Test(gicv2, ppi_lines_are_per_cpu)
{
    struct vmf_gicv2 g;
    struct rec r = {0};
    cr_assert_eq(vmf_gicv2_init(&g, 2, 32, out_cb, &r), 0);
    open_all(&g, CTLR_G0);
    for (unsigned c = 0; c < 2; c++) {
        dw(&g, c, GICD_ISENABLER, 1u << 27);
        dwb(&g, c, GICD_IPRIORITYR + 27, 0xA0);
    }
    vmf_gicv2_set_ppi(&g, 1, 27, true);
    cr_assert_eq(dr(&g, 1, GICD_ISPENDR), 1u << 27);
    cr_assert_eq(dr(&g, 0, GICD_ISPENDR), 0);
    cr_assert_eq(r.calls, 1);
    cr_assert(r.irq[1] && !r.irq[0]);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 1023);
    cr_assert_eq(cr(&g, 1, GICC_IAR), 27);
    cw(&g, 1, GICC_EOIR, 27);
    cr_assert(st(&g, 1, 27).pending); /* level PPI still asserted */
    vmf_gicv2_set_ppi(&g, 1, 27, false);
    cr_assert(!st(&g, 1, 27).pending);
    vmf_gicv2_set_ppi(&g, 1, 5, true);  /* not a PPI: ignored */
    vmf_gicv2_set_ppi(&g, 2, 27, true); /* no such CPU: ignored */
    cr_assert_eq(dr(&g, 1, GICD_ISPENDR), 0);
}

Test(gicv2, apr_registers_restore_running_priority)
{
    struct vmf_gicv2 g;
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, NULL, NULL), 0);
    cw(&g, 0, GICC_APR0, 1u << 12);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0x60);
    cw(&g, 0, GICC_NSAPR0, 1u << 3);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0x18);
    cw(&g, 0, GICC_NSAPR0, 0);
    cw(&g, 0, GICC_APR0, 0);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0xFF);
}

Test(gicv2, irq_state_inspection)
{
    struct vmf_gicv2 g;
    struct vmf_gic_irq_state s;
    cr_assert_eq(vmf_gicv2_init(&g, 2, 64, NULL, NULL), 0);
    dwb(&g, 0, GICD_IPRIORITYR + 60, 0xC8);
    dwb(&g, 0, GICD_ITARGETSR + 60, 0x02);
    set_group1(&g, 0, 60);
    dw(&g, 0, GICD_ICFGR + 12, 2u << 24);
    dw(&g, 0, GICD_ISENABLER + 4, 1u << 28);
    dw(&g, 0, GICD_ISPENDR + 4, 1u << 28);
    s = st(&g, 1, 60);
    cr_assert(s.enabled && s.pending && !s.active && s.group1 && s.edge);
    cr_assert_eq(s.priority, 0xC8);
    cr_assert_eq(s.targets, 0x02);
    s = st(&g, 1, 7);
    cr_assert(s.enabled && !s.pending && !s.group1 && s.edge);
    cr_assert_eq(s.targets, 0x02);
    cr_assert_eq(vmf_gicv2_irq_state(&g, 2, 7, &s), -1);
    cr_assert_eq(vmf_gicv2_irq_state(&g, 0, 64, &s), -1);
    cr_assert_eq(vmf_gicv2_irq_state(NULL, 0, 7, &s), -1);
    cr_assert_eq(vmf_gicv2_irq_state(&g, 0, 7, NULL), -1);
}

Test(gicv2, reset_restores_values_and_lowers_outputs)
{
    struct vmf_gicv2 g;
    struct rec r = {0};
    cr_assert_eq(vmf_gicv2_init(&g, 1, 64, out_cb, &r), 0);
    open_all(&g, CTLR_G0 | CTLR_EOIMODE);
    cw(&g, 0, GICC_BPR, 3);
    spi_setup(&g, 40, 0x60, 1, false);
    spi_setup(&g, 41, 0x70, 1, true);
    vmf_gicv2_set_spi(&g, 41, true);
    cr_assert_eq(cr(&g, 0, GICC_IAR), 41);
    vmf_gicv2_set_spi(&g, 40, true);
    cr_assert_eq(r.calls, 3);
    cr_assert(r.irq[0]);
    vmf_gicv2_reset(&g);
    cr_assert_eq(r.calls, 4);
    cr_assert(!r.irq[0] && !r.fiq[0]);
    cr_assert_eq(dr(&g, 0, GICD_CTLR), 0);
    cr_assert_eq(cr(&g, 0, GICC_CTLR), 0);
    cr_assert_eq(cr(&g, 0, GICC_BPR), 2);
    cr_assert_eq(cr(&g, 0, GICC_RPR), 0xFF);
    cr_assert_eq(dr(&g, 0, GICD_ISENABLER + 4), 0);
    cr_assert_eq(dr(&g, 0, GICD_ISACTIVER + 4), 0);
    cr_assert_eq(dr(&g, 0, GICD_ICFGR + 8), 0);
    cr_assert_eq(drb(&g, 0, GICD_IPRIORITYR + 40), 0);
    /* the input line is still high: level-sensitive 40 (and 41, now level) pending */
    cr_assert_eq(dr(&g, 0, GICD_ISPENDR + 4), (1u << 8) | (1u << 9));
}

Test(gicv2, snapshot_is_a_struct_copy)
{
    struct vmf_gicv2 a, b;
    struct rec ra = {0}, rb = {0};
    cr_assert_eq(vmf_gicv2_init(&a, 2, 64, out_cb, &ra), 0);
    open_all(&a, CTLR_G0 | CTLR_G1 | CTLR_ACKCTL);
    cw(&a, 0, GICC_BPR, 3);
    spi_setup(&a, 40, 0x80, 0x01, false);
    spi_setup(&a, 41, 0x40, 0x03, true);
    set_group1(&a, 0, 41);
    vmf_gicv2_set_spi(&a, 40, true);
    cr_assert_eq(cr(&a, 0, GICC_IAR), 40);
    dw(&a, 0, GICD_SGIR, (0x02u << 16) | 3);

    memcpy(&b, &a, sizeof a); /* snapshot */
    b.cookie = &rb;
    ra = (struct rec){0};

    uint32_t out_a[16], out_b[16];
    struct vmf_gicv2 *gs[2] = {&a, &b};
    uint32_t *outs[2] = {out_a, out_b};
    for (int k = 0; k < 2; k++) {
        struct vmf_gicv2 *g = gs[k];
        uint32_t *o = outs[k];
        vmf_gicv2_set_spi(g, 41, true);
        o[0] = cr(g, 0, GICC_IAR);
        o[1] = cr(g, 0, GICC_RPR);
        o[2] = cr(g, 1, GICC_HPPIR);
        o[3] = cr(g, 0, GICC_HPPIR);
        cw(g, 0, GICC_EOIR, o[0]);
        o[4] = cr(g, 0, GICC_RPR);
        vmf_gicv2_set_spi(g, 40, false);
        cw(g, 0, GICC_EOIR, 40);
        o[5] = cr(g, 0, GICC_IAR);
        o[6] = dr(g, 0, GICD_ISPENDR + 4);
        o[7] = dr(g, 0, GICD_ISACTIVER + 4);
        o[8] = cr(g, 1, GICC_IAR);
        o[9] = dr(g, 1, GICD_ISACTIVER);
        o[10] = cr(g, 0, GICC_APR0) | cr(g, 0, GICC_NSAPR0);
        o[11] = cr(g, 1, GICC_RPR);
    }
    for (int i = 0; i < 12; i++)
        cr_assert_eq(out_a[i], out_b[i], "step %d: %u vs %u", i, out_a[i], out_b[i]);
    /* and the values are the expected ones */
    cr_assert_eq(out_a[0], 41);
    cr_assert_eq(out_a[1], 0x40);
    cr_assert_eq(out_a[2], 3);    /* SGI 3 from CPU 0 */
    cr_assert_eq(out_a[3], 1023); /* 40 and 41 both active on CPU 0 */
    cr_assert_eq(out_a[4], 0x80);
    cr_assert_eq(out_a[5], 1023);
    cr_assert_eq(out_a[6], 0);
    cr_assert_eq(out_a[7], 0);
    cr_assert_eq(out_a[8], 3);
    cr_assert_eq(out_a[9], 1u << 3);
    cr_assert_eq(out_a[10], 0);
    cr_assert_eq(out_a[11], 0);
    cr_assert_eq(ra.calls, rb.calls);
    cr_assert_eq(memcmp(ra.cpu_calls, rb.cpu_calls, sizeof ra.cpu_calls), 0);
    cr_assert_eq(memcmp(&a.cpu, &b.cpu, sizeof a.cpu), 0);
    cr_assert_eq(memcmp(&a.spi, &b.spi, sizeof a.spi), 0);
}
