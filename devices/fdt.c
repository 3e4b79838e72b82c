/* vmfault devices — flattened device tree writer and the virt board's tree
 * (see fdt.h).
 *
 * Buffer layout while building:
 *
 *   [header 40][rsvmap entries][structure block ...]   free   [names, newest first]
 *   0                                                off       cap - strings_len  cap
 *
 * A new property name is placed just below the names already kept, so the
 * tail holds them newest first.  Each name's offset in the final strings
 * block is known when it is added (the strings block is in insertion order:
 * the offset is the number of name bytes added before it), so the FDT_PROP
 * tokens never need patching.  vmf_fdt_finish() reverses the tail in place
 * (the whole region, then each name) to get insertion order and moves it
 * behind the structure block.
 */
#include "devices/fdt.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vmfault/status.h"

#define RSV_ENTRY_SIZE 16u
#define NAME_MAX_CHARS 31u /* node-name (before '@') and property names: 1..31 characters */

enum phase { PH_RSV = 0, PH_STRUCT = 1, PH_ROOT_CLOSED = 2, PH_DONE = 3 };

static size_t pad4(size_t n)
{
    return (n + 3u) & ~(size_t)3u;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

static int fail(struct vmf_fdt *f, int status)
{
    if (f->error == 0)
        f->error = status;
    return f->error;
}

/* Free bytes between the structure block and the names. */
static size_t space(const struct vmf_fdt *f)
{
    return f->cap - f->strings_len - f->off;
}

static bool is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Devicetree Specification v0.4, 2.2.1 (node names) and 2.2.4 (property names). */
static bool valid_node_name(const char *name)
{
    size_t n = 0;
    const char *p = name;
    for (; *p != '\0' && *p != '@'; p++, n++)
        if (!is_alnum(*p) && strchr(",._+-", *p) == NULL)
            return false;
    if (n == 0 || n > NAME_MAX_CHARS)
        return false;
    if (*p == '@') {
        p++;
        if (*p == '\0')
            return false;
        for (; *p != '\0'; p++)
            if (!is_alnum(*p) && strchr(",._+-", *p) == NULL)
                return false;
    }
    return true;
}

static bool valid_prop_name(const char *name)
{
    size_t n = 0;
    for (const char *p = name; *p != '\0'; p++, n++)
        if (!is_alnum(*p) && strchr(",._+?#-", *p) == NULL)
            return false;
    return n >= 1 && n <= NAME_MAX_CHARS;
}

/* Common entry checks: a usable writer with no earlier error. */
static int check(struct vmf_fdt *f)
{
    if (f == NULL)
        return VMF_EINVAL;
    if (f->error != 0)
        return f->error;
    if (f->buf == NULL)
        return fail(f, VMF_EINVAL);
    return 0;
}

int vmf_fdt_init(struct vmf_fdt *f, uint8_t *buf, size_t cap)
{
    if (f == NULL)
        return VMF_EINVAL;
    memset(f, 0, sizeof(*f));
    if (buf == NULL)
        return fail(f, VMF_EINVAL);
    f->buf = buf;
    f->cap = cap;
    f->off = VMF_FDT_HEADER_SIZE;
    f->phase = PH_RSV;
    /* The smallest tree: header, rsvmap terminator, BEGIN_NODE "" , END_NODE, END. */
    if (cap < VMF_FDT_HEADER_SIZE + RSV_ENTRY_SIZE + 4u * 4u) {
        f->off = 0;
        return fail(f, VMF_FDT_ENOSPC);
    }
    return 0;
}

int vmf_fdt_reserve(struct vmf_fdt *f, uint64_t address, uint64_t size)
{
    int rc = check(f);
    if (rc != 0)
        return rc;
    if (f->phase != PH_RSV)
        return fail(f, VMF_ESTATE);
    /* Keep room for this entry and the terminator. */
    if (space(f) < 2u * RSV_ENTRY_SIZE)
        return fail(f, VMF_FDT_ENOSPC);
    put_be64(f->buf + f->off, address);
    put_be64(f->buf + f->off + 8, size);
    f->off += RSV_ENTRY_SIZE;
    f->nrsv++;
    return 0;
}

int vmf_fdt_begin_node(struct vmf_fdt *f, const char *name)
{
    int rc = check(f);
    if (rc != 0)
        return rc;
    if (name == NULL)
        return fail(f, VMF_EINVAL);
    if (f->phase == PH_ROOT_CLOSED || f->phase == PH_DONE)
        return fail(f, VMF_ESTATE);
    bool root = f->phase == PH_RSV;
    if (root ? name[0] != '\0' : !valid_node_name(name))
        return fail(f, VMF_EINVAL);

    size_t len = strlen(name) + 1;
    size_t need = 4u + pad4(len) + (root ? RSV_ENTRY_SIZE : 0u);
    if (len > space(f) || need > space(f))
        return fail(f, VMF_FDT_ENOSPC);

    uint8_t *p = f->buf + f->off;
    if (root) {
        memset(p, 0, RSV_ENTRY_SIZE); /* the reservation block's terminator */
        p += RSV_ENTRY_SIZE;
        f->struct_off = f->off + RSV_ENTRY_SIZE;
        f->phase = PH_STRUCT;
    }
    put_be32(p, VMF_FDT_BEGIN_NODE);
    memset(p + 4, 0, pad4(len));
    memcpy(p + 4, name, len);
    f->off += need;
    f->depth++;
    f->last_token = VMF_FDT_BEGIN_NODE;
    return 0;
}

int vmf_fdt_end_node(struct vmf_fdt *f)
{
    int rc = check(f);
    if (rc != 0)
        return rc;
    if (f->phase != PH_STRUCT || f->depth == 0)
        return fail(f, VMF_ESTATE);
    if (space(f) < 4u)
        return fail(f, VMF_FDT_ENOSPC);
    put_be32(f->buf + f->off, VMF_FDT_END_NODE);
    f->off += 4;
    f->depth--;
    f->last_token = VMF_FDT_END_NODE;
    if (f->depth == 0)
        f->phase = PH_ROOT_CLOSED;
    return 0;
}

/* The offset of `name` in the final strings block if it is already kept,
 * else SIZE_MAX.  The tail holds names newest first; a name at tail index i
 * (from cap - strings_len) with length len (NUL included) ends up at
 * strings_len - i - len. */
static size_t find_name(const struct vmf_fdt *f, const char *name, size_t len)
{
    const uint8_t *t = f->buf + f->cap - f->strings_len;
    size_t i = 0;
    while (i < f->strings_len) {
        size_t n = strlen((const char *)t + i) + 1;
        if (n == len && memcmp(t + i, name, len) == 0)
            return f->strings_len - i - len;
        i += n;
    }
    return SIZE_MAX;
}

/* Write the FDT_PROP header for a len-byte value, zero the padded value and
 * return where the value goes.  All-or-nothing: on error nothing changed. */
static int prop_begin(struct vmf_fdt *f, const char *name, size_t len, uint8_t **value)
{
    int rc = check(f);
    if (rc != 0)
        return rc;
    if (name == NULL)
        return fail(f, VMF_EINVAL);
    if (f->phase != PH_STRUCT)
        return fail(f, VMF_ESTATE);
    /* Properties come before the node's children (spec 5.4.2). */
    if (f->last_token != VMF_FDT_BEGIN_NODE && f->last_token != VMF_FDT_PROP)
        return fail(f, VMF_ESTATE);
    if (!valid_prop_name(name))
        return fail(f, VMF_EINVAL);
    if (len > UINT32_MAX - 3u)
        return fail(f, VMF_FDT_ENOSPC);

    size_t nlen = strlen(name) + 1;
    size_t nameoff = find_name(f, name, nlen);
    size_t add_name = nameoff == SIZE_MAX ? nlen : 0u;
    size_t avail = space(f);
    if (add_name > avail || 12u > avail - add_name || pad4(len) > avail - add_name - 12u)
        return fail(f, VMF_FDT_ENOSPC);
    if (add_name != 0) {
        if (f->strings_len > UINT32_MAX - nlen)
            return fail(f, VMF_FDT_ENOSPC);
        nameoff = f->strings_len;
        memcpy(f->buf + f->cap - f->strings_len - nlen, name, nlen);
        f->strings_len += nlen;
    }
    uint8_t *p = f->buf + f->off;
    put_be32(p, VMF_FDT_PROP);
    put_be32(p + 4, (uint32_t)len);
    put_be32(p + 8, (uint32_t)nameoff);
    memset(p + 12, 0, pad4(len));
    f->off += 12u + pad4(len);
    f->last_token = VMF_FDT_PROP;
    *value = p + 12;
    return 0;
}

int vmf_fdt_prop_bytes(struct vmf_fdt *f, const char *name, const void *data, size_t len)
{
    if (f != NULL && f->error == 0 && data == NULL && len != 0)
        return fail(f, VMF_EINVAL);
    uint8_t *v;
    int rc = prop_begin(f, name, len, &v);
    if (rc != 0)
        return rc;
    if (len != 0)
        memcpy(v, data, len);
    return 0;
}

int vmf_fdt_prop_empty(struct vmf_fdt *f, const char *name)
{
    uint8_t *v;
    return prop_begin(f, name, 0, &v);
}

int vmf_fdt_prop_u32(struct vmf_fdt *f, const char *name, uint32_t value)
{
    uint8_t *v;
    int rc = prop_begin(f, name, 4, &v);
    if (rc != 0)
        return rc;
    put_be32(v, value);
    return 0;
}

int vmf_fdt_prop_u64(struct vmf_fdt *f, const char *name, uint64_t value)
{
    uint8_t *v;
    int rc = prop_begin(f, name, 8, &v);
    if (rc != 0)
        return rc;
    put_be64(v, value);
    return 0;
}

int vmf_fdt_prop_cells(struct vmf_fdt *f, const char *name, const uint32_t *cells, size_t n)
{
    if (f != NULL && f->error == 0 && ((cells == NULL && n != 0) || n > SIZE_MAX / 4u))
        return fail(f, VMF_EINVAL);
    uint8_t *v;
    int rc = prop_begin(f, name, 4u * n, &v);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        put_be32(v + 4u * i, cells[i]);
    return 0;
}

int vmf_fdt_prop_string(struct vmf_fdt *f, const char *name, const char *s)
{
    if (f != NULL && f->error == 0 && s == NULL)
        return fail(f, VMF_EINVAL);
    return vmf_fdt_prop_strings(f, name, &s, 1);
}

int vmf_fdt_prop_strings(struct vmf_fdt *f, const char *name, const char *const *list, size_t n)
{
    if (f != NULL && f->error == 0) {
        if (list == NULL || n == 0)
            return fail(f, VMF_EINVAL);
    }
    size_t len = 0;
    if (f != NULL && f->error == 0) {
        for (size_t i = 0; i < n; i++) {
            if (list[i] == NULL)
                return fail(f, VMF_EINVAL);
            size_t l = strlen(list[i]) + 1;
            if (l > SIZE_MAX - len)
                return fail(f, VMF_FDT_ENOSPC);
            len += l;
        }
    }
    uint8_t *v;
    int rc = prop_begin(f, name, len, &v);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(list[i]) + 1;
        memcpy(v, list[i], l);
        v += l;
    }
    return 0;
}

static void reverse(uint8_t *p, size_t n)
{
    for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
        uint8_t t = p[i];
        p[i] = p[j - 1];
        p[j - 1] = t;
    }
}

int vmf_fdt_finish(struct vmf_fdt *f, size_t *size)
{
    int rc = check(f);
    if (rc != 0)
        return rc;
    if (size == NULL)
        return fail(f, VMF_EINVAL);
    if (f->phase != PH_ROOT_CLOSED)
        return fail(f, VMF_ESTATE);
    if (space(f) < 4u)
        return fail(f, VMF_FDT_ENOSPC);
    put_be32(f->buf + f->off, VMF_FDT_END);
    f->off += 4;

    size_t struct_size = f->off - f->struct_off;
    size_t strings_off = f->off;
    size_t total = strings_off + f->strings_len;
    if (total > UINT32_MAX)
        return fail(f, VMF_FDT_ENOSPC);

    /* Tail "cN\0 ... b\0 a\0" -> whole reversal "\0a' \0b' ..." (x' = x
     * reversed) -> reverse each "\0x'" segment -> "a\0 b\0 ... cN\0". */
    uint8_t *t = f->buf + f->cap - f->strings_len;
    reverse(t, f->strings_len);
    for (size_t i = 0; i < f->strings_len;) {
        size_t j = i + 1;
        while (j < f->strings_len && t[j] != 0)
            j++;
        reverse(t + i, j - i);
        i = j;
    }
    memmove(f->buf + strings_off, t, f->strings_len);
    /* Leave no scratch behind the blob: zero what is left of the tail. */
    size_t tail = f->cap - f->strings_len;
    if (tail < total)
        tail = total;
    memset(f->buf + tail, 0, f->cap - tail);

    uint8_t *h = f->buf;
    put_be32(h + 0, VMF_FDT_MAGIC);
    put_be32(h + 4, (uint32_t)total);
    put_be32(h + 8, (uint32_t)f->struct_off);
    put_be32(h + 12, (uint32_t)strings_off);
    put_be32(h + 16, VMF_FDT_HEADER_SIZE); /* off_mem_rsvmap */
    put_be32(h + 20, VMF_FDT_VERSION);
    put_be32(h + 24, VMF_FDT_LAST_COMP_VERSION);
    put_be32(h + 28, 0);                   /* boot_cpuid_phys */
    put_be32(h + 32, (uint32_t)f->strings_len);
    put_be32(h + 36, (uint32_t)struct_size);

    f->off = total;
    f->strings_len = 0;
    f->phase = PH_DONE;
    *size = total;
    return 0;
}

/* ---- the virt-style board ------------------------------------------------ */

#define GIC_FDT_IRQ_TYPE_SPI 0u
#define GIC_FDT_IRQ_TYPE_PPI 1u
#define GIC_FDT_IRQ_FLAGS_LEVEL_HI 4u
#define GIC_FDT_IRQ_PPI_CPU_SHIFT 8u
#define GIC_MAX_SPI 987u /* SPIs are INTIDs 32..1019 */

static bool wraps(uint64_t base, uint64_t size)
{
    return size != 0 && base > UINT64_MAX - (size - 1);
}

static int check_desc(const struct vmf_virt_desc *d)
{
    if (d->ncpus == 0 || d->ncpus > VMF_VIRT_MAX_CPUS)
        return VMF_EINVAL;
    if (d->nram == 0 || d->nram > VMF_VIRT_MAX_RAM)
        return VMF_EINVAL;
    for (size_t i = 0; i < d->nram; i++) {
        if (d->ram[i].size == 0)
            return VMF_ESIZE;
        if (wraps(d->ram[i].base, d->ram[i].size))
            return VMF_ERANGE;
    }
    for (size_t i = 0; i < d->nram; i++)
        for (size_t j = i + 1; j < d->nram; j++) {
            uint64_t a0 = d->ram[i].base, a1 = a0 + (d->ram[i].size - 1);
            uint64_t b0 = d->ram[j].base, b1 = b0 + (d->ram[j].size - 1);
            if (a0 <= b1 && b0 <= a1)
                return VMF_EOVERLAP;
        }
    if ((d->gicd == 0) != (d->gicc == 0))
        return VMF_EINVAL;
    if (d->gicd != 0 && (wraps(d->gicd, VMF_VIRT_GICD_SIZE) || wraps(d->gicc, VMF_VIRT_GICC_SIZE)))
        return VMF_ERANGE;
    if (d->uart != 0) {
        if (wraps(d->uart, VMF_VIRT_UART_SIZE))
            return VMF_ERANGE;
        if (d->uart_spi > GIC_MAX_SPI)
            return VMF_EINVAL;
    }
    for (size_t i = 0; i < 4; i++)
        if (d->timer_ppis[i] > 15)
            return VMF_EINVAL;
    if (d->psci_method != NULL && strcmp(d->psci_method, "hvc") != 0 &&
        strcmp(d->psci_method, "smc") != 0)
        return VMF_EINVAL;
    return 0;
}

/* "<prefix>@<hex>" (no leading zeros, lower case), as QEMU names its nodes. */
static void unit_name(char *out, size_t cap, const char *prefix, uint64_t addr)
{
    snprintf(out, cap, "%s@%" PRIx64, prefix, addr);
}

/* <hi lo> <hi lo> for one (address, size) pair with #address-cells = #size-cells = 2. */
static void reg_pair(uint32_t *cells, uint64_t base, uint64_t size)
{
    cells[0] = (uint32_t)(base >> 32);
    cells[1] = (uint32_t)base;
    cells[2] = (uint32_t)(size >> 32);
    cells[3] = (uint32_t)size;
}

int vmf_virt_fdt(const struct vmf_virt_desc *d, uint8_t *buf, size_t cap, size_t *size)
{
    if (d == NULL || buf == NULL || size == NULL)
        return VMF_EINVAL;
    int rc = check_desc(d);
    if (rc != 0)
        return rc;

    static const unsigned default_ppis[4] = {13, 14, 11, 10};
    const unsigned *ppis = d->timer_ppis;
    if (ppis[0] == 0 && ppis[1] == 0 && ppis[2] == 0 && ppis[3] == 0)
        ppis = default_ppis;
    const bool gic = d->gicd != 0;
    const bool uart = d->uart != 0;
    const bool psci = d->psci_method != NULL;

    char name[32];      /* longest: "memory@" and 16 hex digits */
    char uart_path[32]; /* "/pl011@" and 16 hex digits */
    snprintf(uart_path, sizeof(uart_path), "/pl011@%" PRIx64, d->uart);

    struct vmf_fdt f;
    uint32_t cells[12];
    rc = vmf_fdt_init(&f, buf, cap);
    if (rc != 0)
        return rc;
    /* The writer's errors are sticky: build everything, check at finish. */

    /* / */
    vmf_fdt_begin_node(&f, "");
    vmf_fdt_prop_string(&f, "compatible", "linux,dummy-virt");
    vmf_fdt_prop_string(&f, "model", "vmfault virt");
    vmf_fdt_prop_u32(&f, "#address-cells", 2);
    vmf_fdt_prop_u32(&f, "#size-cells", 2);
    if (gic)
        vmf_fdt_prop_u32(&f, "interrupt-parent", VMF_VIRT_PHANDLE_GIC);

    /* /chosen */
    vmf_fdt_begin_node(&f, "chosen");
    if (d->bootargs != NULL)
        vmf_fdt_prop_string(&f, "bootargs", d->bootargs);
    if (uart)
        vmf_fdt_prop_string(&f, "stdout-path", uart_path);
    vmf_fdt_end_node(&f);

    /* /memory@<base> */
    for (size_t i = 0; i < d->nram; i++) {
        unit_name(name, sizeof(name), "memory", d->ram[i].base);
        vmf_fdt_begin_node(&f, name);
        vmf_fdt_prop_string(&f, "device_type", "memory");
        reg_pair(cells, d->ram[i].base, d->ram[i].size);
        vmf_fdt_prop_cells(&f, "reg", cells, 4);
        vmf_fdt_end_node(&f);
    }

    /* /cpus */
    vmf_fdt_begin_node(&f, "cpus");
    vmf_fdt_prop_u32(&f, "#address-cells", 1);
    vmf_fdt_prop_u32(&f, "#size-cells", 0);
    for (unsigned i = 0; i < d->ncpus; i++) {
        snprintf(name, sizeof(name), "cpu@%x", i);
        vmf_fdt_begin_node(&f, name);
        vmf_fdt_prop_string(&f, "device_type", "cpu");
        vmf_fdt_prop_string(&f, "compatible", "arm,cortex-a57");
        vmf_fdt_prop_u32(&f, "reg", i);
        if (psci)
            vmf_fdt_prop_string(&f, "enable-method", "psci");
        vmf_fdt_end_node(&f);
    }
    vmf_fdt_end_node(&f);

    /* /psci */
    if (psci) {
        static const char *const psci_compat[] = {"arm,psci-1.0", "arm,psci-0.2"};
        vmf_fdt_begin_node(&f, "psci");
        vmf_fdt_prop_strings(&f, "compatible", psci_compat, 2);
        vmf_fdt_prop_string(&f, "method", d->psci_method);
        vmf_fdt_end_node(&f);
    }

    /* /intc@<gicd> */
    if (gic) {
        unit_name(name, sizeof(name), "intc", d->gicd);
        vmf_fdt_begin_node(&f, name);
        vmf_fdt_prop_string(&f, "compatible", "arm,cortex-a15-gic");
        vmf_fdt_prop_u32(&f, "#interrupt-cells", 3);
        vmf_fdt_prop_u32(&f, "#address-cells", 0);
        vmf_fdt_prop_empty(&f, "interrupt-controller");
        reg_pair(cells, d->gicd, VMF_VIRT_GICD_SIZE);
        reg_pair(cells + 4, d->gicc, VMF_VIRT_GICC_SIZE);
        vmf_fdt_prop_cells(&f, "reg", cells, 8);
        vmf_fdt_prop_u32(&f, "phandle", VMF_VIRT_PHANDLE_GIC);
        vmf_fdt_end_node(&f);
    }

    /* /timer */
    vmf_fdt_begin_node(&f, "timer");
    vmf_fdt_prop_string(&f, "compatible", "arm,armv8-timer");
    if (gic) {
        uint32_t flags = GIC_FDT_IRQ_FLAGS_LEVEL_HI |
                         ((((uint32_t)1 << d->ncpus) - 1u) << GIC_FDT_IRQ_PPI_CPU_SHIFT);
        for (unsigned i = 0; i < 4; i++) {
            cells[3 * i] = GIC_FDT_IRQ_TYPE_PPI;
            cells[3 * i + 1] = ppis[i];
            cells[3 * i + 2] = flags;
        }
        vmf_fdt_prop_cells(&f, "interrupts", cells, 12);
    }
    vmf_fdt_prop_empty(&f, "always-on");
    vmf_fdt_end_node(&f);

    if (uart) {
        /* /apb-pclk */
        vmf_fdt_begin_node(&f, "apb-pclk");
        vmf_fdt_prop_string(&f, "compatible", "fixed-clock");
        vmf_fdt_prop_u32(&f, "#clock-cells", 0);
        vmf_fdt_prop_u32(&f, "clock-frequency", VMF_VIRT_APB_PCLK_HZ);
        vmf_fdt_prop_string(&f, "clock-output-names", "clk24mhz");
        vmf_fdt_prop_u32(&f, "phandle", VMF_VIRT_PHANDLE_APB_PCLK);
        vmf_fdt_end_node(&f);

        /* /pl011@<uart> */
        static const char *const pl011_compat[] = {"arm,pl011", "arm,primecell"};
        static const char *const clock_names[] = {"uartclk", "apb_pclk"};
        vmf_fdt_begin_node(&f, uart_path + 1);
        vmf_fdt_prop_strings(&f, "compatible", pl011_compat, 2);
        reg_pair(cells, d->uart, VMF_VIRT_UART_SIZE);
        vmf_fdt_prop_cells(&f, "reg", cells, 4);
        if (gic) {
            cells[0] = GIC_FDT_IRQ_TYPE_SPI;
            cells[1] = d->uart_spi;
            cells[2] = GIC_FDT_IRQ_FLAGS_LEVEL_HI;
            vmf_fdt_prop_cells(&f, "interrupts", cells, 3);
        }
        cells[0] = VMF_VIRT_PHANDLE_APB_PCLK;
        cells[1] = VMF_VIRT_PHANDLE_APB_PCLK;
        vmf_fdt_prop_cells(&f, "clocks", cells, 2);
        vmf_fdt_prop_strings(&f, "clock-names", clock_names, 2);
        vmf_fdt_end_node(&f);
    }

    vmf_fdt_end_node(&f);
    return vmf_fdt_finish(&f, size);
}
