/* Tests for devices/fdt.c: the flattened device tree writer and the virt
 * board's tree.
 *
 * The writer is checked byte for byte against a blob computed by hand from
 * the Devicetree Specification v0.4 chapter 5, then for alignment, byte
 * order, string deduplication, ordering rules, buffer exhaustion (guard
 * bytes and exact-size heap buffers) and determinism.  The virt tree is read
 * back twice: by a small structure-block walker written here, and by the
 * device-tree compiler (`dtc -I dtb -O dts`), whose checks must stay silent.
 * The dtc tests are skipped when /usr/bin/dtc is missing.
 */
#define _POSIX_C_SOURCE 200809L

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devices/fdt.h"
#include "vmfault/status.h"

#define DTC "/usr/bin/dtc"
#define GUARD 64
#define GUARD_BYTE 0xa5

/* ---- helpers --------------------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* The tiny tree of the hand-computed blob:
 *   / { #address-cells = <1>; #size-cells = <0>; compatible = "ab";
 *       n@1 { reg = <1>; compatible = "xyz12"; }; };   ("compatible" stored once) */
static int build_tiny(uint8_t *buf, size_t cap, size_t *size)
{
    struct vmf_fdt f;
    vmf_fdt_init(&f, buf, cap);
    vmf_fdt_begin_node(&f, "");
    vmf_fdt_prop_u32(&f, "#address-cells", 1);
    vmf_fdt_prop_u32(&f, "#size-cells", 0);
    vmf_fdt_prop_string(&f, "compatible", "ab");
    vmf_fdt_begin_node(&f, "n@1");
    vmf_fdt_prop_u32(&f, "reg", 1);
    vmf_fdt_prop_string(&f, "compatible", "xyz12");
    vmf_fdt_end_node(&f);
    vmf_fdt_end_node(&f);
    return vmf_fdt_finish(&f, size);
}

/* clang-format off */
static const uint8_t tiny_expected[] = {
    /* header (40 bytes) */
    0xd0, 0x0d, 0xfe, 0xed,  /* magic */
    0x00, 0x00, 0x00, 0xd2,  /* totalsize 210 = 168 + 42 */
    0x00, 0x00, 0x00, 0x38,  /* off_dt_struct 56 = 40 + one 16-byte rsvmap terminator */
    0x00, 0x00, 0x00, 0xa8,  /* off_dt_strings 168 = 56 + 112 */
    0x00, 0x00, 0x00, 0x28,  /* off_mem_rsvmap 40 */
    0x00, 0x00, 0x00, 0x11,  /* version 17 */
    0x00, 0x00, 0x00, 0x10,  /* last_comp_version 16 */
    0x00, 0x00, 0x00, 0x00,  /* boot_cpuid_phys 0 */
    0x00, 0x00, 0x00, 0x2a,  /* size_dt_strings 42 = 15 + 12 + 11 + 4 */
    0x00, 0x00, 0x00, 0x70,  /* size_dt_struct 112 */
    /* memory reservation block: the terminating (0, 0) entry */
    0, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0,
    /* structure block @56 */
    0x00, 0x00, 0x00, 0x01,  0x00, 0x00, 0x00, 0x00,          /* BEGIN_NODE "" (+pad) */
    0x00, 0x00, 0x00, 0x03,  0x00, 0x00, 0x00, 0x04,          /* PROP len 4 */
    0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0x01,          /*   nameoff 0, <1> */
    0x00, 0x00, 0x00, 0x03,  0x00, 0x00, 0x00, 0x04,          /* PROP len 4 */
    0x00, 0x00, 0x00, 0x0f,  0x00, 0x00, 0x00, 0x00,          /*   nameoff 15, <0> */
    0x00, 0x00, 0x00, 0x03,  0x00, 0x00, 0x00, 0x03,          /* PROP len 3 */
    0x00, 0x00, 0x00, 0x1b,  'a', 'b', 0x00, 0x00,            /*   nameoff 27, "ab\0" + pad */
    0x00, 0x00, 0x00, 0x01,  'n', '@', '1', 0x00,             /* BEGIN_NODE "n@1" */
    0x00, 0x00, 0x00, 0x03,  0x00, 0x00, 0x00, 0x04,          /* PROP len 4 */
    0x00, 0x00, 0x00, 0x26,  0x00, 0x00, 0x00, 0x01,          /*   nameoff 38, <1> */
    0x00, 0x00, 0x00, 0x03,  0x00, 0x00, 0x00, 0x06,          /* PROP len 6 */
    0x00, 0x00, 0x00, 0x1b,                                   /*   nameoff 27 (dedup'd) */
    'x', 'y', 'z', '1',  '2', 0x00, 0x00, 0x00,               /*   "xyz12\0" + pad */
    0x00, 0x00, 0x00, 0x02,                                   /* END_NODE */
    0x00, 0x00, 0x00, 0x02,                                   /* END_NODE */
    0x00, 0x00, 0x00, 0x09,                                   /* END */
    /* strings block @168 */
    '#', 'a', 'd', 'd', 'r', 'e', 's', 's', '-', 'c', 'e', 'l', 'l', 's', 0x00, /* @0 */
    '#', 's', 'i', 'z', 'e', '-', 'c', 'e', 'l', 'l', 's', 0x00,                /* @15 */
    'c', 'o', 'm', 'p', 'a', 't', 'i', 'b', 'l', 'e', 0x00,                     /* @27 */
    'r', 'e', 'g', 0x00,                                                         /* @38 */
};
/* clang-format on */

/* ---- a minimal reader -------------------------------------------------------- */

struct blob {
    const uint8_t *b;
    size_t size;
    uint32_t off_struct, off_strings, size_struct, size_strings;
};

/* Header sanity; 0 if the blob can be walked. */
static int blob_open(struct blob *bl, const uint8_t *b, size_t size)
{
    if (size < VMF_FDT_HEADER_SIZE || be32(b) != VMF_FDT_MAGIC || be32(b + 4) != size)
        return -1;
    bl->b = b;
    bl->size = size;
    bl->off_struct = be32(b + 8);
    bl->off_strings = be32(b + 12);
    bl->size_strings = be32(b + 32);
    bl->size_struct = be32(b + 36);
    if (be32(b + 20) != 17 || be32(b + 24) != 16 || be32(b + 16) % 8 != 0)
        return -1;
    if (bl->off_struct % 4 != 0 || (uint64_t)bl->off_struct + bl->size_struct > size ||
        (uint64_t)bl->off_strings + bl->size_strings > size)
        return -1;
    return 0;
}

/* Offset just past the name of the BEGIN_NODE token at off. */
static size_t after_node_name(const struct blob *bl, size_t off)
{
    size_t n = strlen((const char *)bl->b + off + 4) + 1;
    return off + 4 + ((n + 3) & ~(size_t)3);
}

/* Walk the whole structure block: the grammar of spec 5.4, 4-byte aligned
 * tokens, zero padding, name offsets inside the strings block, one root, END
 * exactly at the end.  Returns the number of nodes, or -1. */
static int blob_walk(const struct blob *bl)
{
    size_t off = bl->off_struct, end = (size_t)bl->off_struct + bl->size_struct;
    int depth = 0, nodes = 0;
    bool root_done = false, child_seen = false;
    while (off + 4 <= end) {
        if (off % 4 != 0)
            return -1;
        uint32_t tok = be32(bl->b + off);
        if (tok == VMF_FDT_BEGIN_NODE) {
            if (root_done)
                return -1;
            const char *name = (const char *)bl->b + off + 4;
            size_t n = strnlen(name, end - off - 4);
            if (n == end - off - 4 || (depth == 0) != (n == 0))
                return -1;
            size_t next = after_node_name(bl, off);
            for (size_t i = off + 4 + n; i < next; i++)
                if (bl->b[i] != 0)
                    return -1;
            depth++;
            nodes++;
            child_seen = false;
            off = next;
        } else if (tok == VMF_FDT_PROP) {
            if (depth == 0 || child_seen || off + 12 > end)
                return -1;
            uint32_t len = be32(bl->b + off + 4), nameoff = be32(bl->b + off + 8);
            if (nameoff >= bl->size_strings ||
                memchr(bl->b + bl->off_strings + nameoff, 0, bl->size_strings - nameoff) == NULL)
                return -1;
            size_t next = off + 12 + (((size_t)len + 3) & ~(size_t)3);
            if (next > end)
                return -1;
            for (size_t i = off + 12 + len; i < next; i++)
                if (bl->b[i] != 0)
                    return -1;
            off = next;
        } else if (tok == VMF_FDT_END_NODE) {
            if (depth == 0)
                return -1;
            depth--;
            child_seen = true; /* the parent's properties are over */
            if (depth == 0)
                root_done = true;
            off += 4;
        } else if (tok == VMF_FDT_NOP) {
            off += 4;
        } else if (tok == VMF_FDT_END) {
            return depth == 0 && root_done && off + 4 == end ? nodes : -1;
        } else {
            return -1;
        }
    }
    return -1;
}

/* Offset of the BEGIN_NODE token of the node at `path` ("/", "/cpus/cpu@1"), or 0. */
static size_t find_node(const struct blob *bl, const char *path)
{
    char cur[256] = "";
    size_t lens[32];
    int depth = 0;
    size_t off = bl->off_struct;
    for (;;) {
        uint32_t tok = be32(bl->b + off);
        if (tok == VMF_FDT_BEGIN_NODE) {
            const char *name = (const char *)bl->b + off + 4;
            size_t l = strlen(cur);
            lens[depth++] = l;
            if (depth > 1) {
                snprintf(cur + l, sizeof(cur) - l, "%s%s", l > 1 ? "/" : "", name);
            } else {
                strcpy(cur, "/");
            }
            if (strcmp(cur, path) == 0)
                return off;
            off = after_node_name(bl, off);
        } else if (tok == VMF_FDT_PROP) {
            off += 12 + ((be32(bl->b + off + 4) + 3u) & ~3u);
        } else if (tok == VMF_FDT_END_NODE) {
            cur[lens[--depth]] = '\0';
            off += 4;
        } else if (tok == VMF_FDT_NOP) {
            off += 4;
        } else {
            return 0;
        }
    }
}

/* The value of property `name` of the node at `node` (a find_node result). */
static const uint8_t *get_prop(const struct blob *bl, size_t node, const char *name, uint32_t *len)
{
    size_t off = after_node_name(bl, node);
    for (;;) {
        uint32_t tok = be32(bl->b + off);
        if (tok == VMF_FDT_NOP) {
            off += 4;
            continue;
        }
        if (tok != VMF_FDT_PROP)
            return NULL;
        uint32_t l = be32(bl->b + off + 4);
        const char *pname = (const char *)bl->b + bl->off_strings + be32(bl->b + off + 8);
        if (strcmp(pname, name) == 0) {
            *len = l;
            return bl->b + off + 12;
        }
        off += 12 + ((l + 3u) & ~3u);
    }
}

static const uint8_t *node_prop(const struct blob *bl, const char *path, const char *name, uint32_t *len)
{
    size_t node = find_node(bl, path);
    cr_assert_neq(node, 0, "node %s missing", path);
    const uint8_t *v = get_prop(bl, node, name, len);
    cr_assert_not_null(v, "%s:%s missing", path, name);
    return v;
}

static uint32_t prop_u32(const struct blob *bl, const char *path, const char *name)
{
    uint32_t len;
    const uint8_t *v = node_prop(bl, path, name, &len);
    cr_assert_eq(len, 4, "%s:%s has %u bytes", path, name, len);
    return be32(v);
}

static void assert_cells(const struct blob *bl, const char *path, const char *name,
                         const uint32_t *cells, size_t n)
{
    uint32_t len;
    const uint8_t *v = node_prop(bl, path, name, &len);
    cr_assert_eq(len, 4 * n, "%s:%s has %u bytes, want %zu", path, name, len, 4 * n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(be32(v + 4 * i), cells[i], "%s:%s cell %zu = %#x, want %#x", path, name, i,
                     be32(v + 4 * i), cells[i]);
}

static void assert_strings(const struct blob *bl, const char *path, const char *name,
                           const char *value, size_t len)
{
    uint32_t l;
    const uint8_t *v = node_prop(bl, path, name, &l);
    cr_assert_eq(l, len, "%s:%s has %u bytes, want %zu", path, name, l, len);
    cr_assert(memcmp(v, value, len) == 0, "%s:%s differs", path, name);
}

/* ---- running dtc -------------------------------------------------------------- */

static bool have_dtc(void)
{
    return access(DTC, X_OK) == 0;
}

static char *slurp(FILE *fp)
{
    size_t cap = 4096, len = 0;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    size_t n;
    while ((n = fread(s + len, 1, cap - len - 1, fp)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            cap *= 2;
            s = realloc(s, cap);
            cr_assert_not_null(s);
        }
    }
    s[len] = '\0';
    return s;
}

/* Decompile blob with `dtc -I dtb -O dts`; returns its stdout, *err its
 * stderr (warnings), *status its exit status.  Both strings are malloc'd. */
static char *dtc_decompile(const uint8_t *blob, size_t size, char **err, int *status)
{
    char in[] = "/tmp/vmf_fdt_in_XXXXXX";
    char errf[] = "/tmp/vmf_fdt_err_XXXXXX";
    int fd = mkstemp(in);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, blob, size), (ssize_t)size);
    close(fd);
    fd = mkstemp(errf);
    cr_assert_geq(fd, 0);
    close(fd);

    char cmd[256];
    snprintf(cmd, sizeof(cmd), DTC " -I dtb -O dts %s 2>%s", in, errf);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char *out = slurp(p);
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;

    FILE *e = fopen(errf, "r");
    cr_assert_not_null(e);
    *err = slurp(e);
    fclose(e);
    unlink(in);
    unlink(errf);
    return out;
}

/* dtc must parse the blob with exit status 0 and say nothing on stderr. */
static char *dtc_clean(const uint8_t *blob, size_t size)
{
    char *err;
    int status;
    char *out = dtc_decompile(blob, size, &err, &status);
    cr_assert_eq(status, 0, "dtc failed (%d): %s", status, err);
    cr_assert_str_empty(err, "dtc complained:\n%s", err);
    free(err);
    return out;
}

static void assert_has(const char *dts, const char *needle)
{
    cr_assert_not_null(strstr(dts, needle), "dts lacks `%s`:\n%s", needle, dts);
}

/* ---- the writer -------------------------------------------------------------- */

Test(fdt, tiny_tree_matches_hand_computed_blob)
{
    uint8_t buf[256];
    size_t size = 0;
    cr_assert_eq(build_tiny(buf, sizeof(buf), &size), 0);
    cr_assert_eq(size, sizeof(tiny_expected));
    for (size_t i = 0; i < size; i++)
        cr_assert_eq(buf[i], tiny_expected[i], "byte %zu: %#04x, want %#04x", i, buf[i],
                     tiny_expected[i]);
}

Test(fdt, header_fields_offsets_and_alignment)
{
    uint8_t buf[256];
    size_t size = 0;
    cr_assert_eq(build_tiny(buf, sizeof(buf), &size), 0);
    cr_assert_eq(be32(buf + 0), 0xd00dfeed);
    cr_assert_eq(be32(buf + 4), size);
    cr_assert_eq(be32(buf + 16), 40);       /* rsvmap right after the header, 8-aligned */
    cr_assert_eq(be32(buf + 8), 40 + 16);   /* struct after the rsvmap terminator */
    cr_assert_eq(be32(buf + 8) % 4, 0);
    cr_assert_eq(be32(buf + 12), be32(buf + 8) + be32(buf + 36)); /* strings follow struct */
    cr_assert_eq(be32(buf + 12) + be32(buf + 32), size);
    cr_assert_eq(be32(buf + 20), 17);
    cr_assert_eq(be32(buf + 24), 16);
    cr_assert_eq(be32(buf + 28), 0);
    cr_assert_eq(be32(buf + 36) % 4, 0);
    struct blob bl;
    cr_assert_eq(blob_open(&bl, buf, size), 0);
    cr_assert_eq(blob_walk(&bl), 2);
}

Test(fdt, values_are_big_endian_and_padded)
{
    uint8_t buf[512];
    memset(buf, 0xee, sizeof(buf)); /* padding must be written, not inherited */
    struct vmf_fdt f;
    size_t size;
    static const uint32_t cells[] = {0x11223344, 0xa0b0c0d0};
    static const uint8_t raw[] = {1, 2, 3, 4, 5};
    static const char *const list[] = {"one", "", "three"};
    cr_assert_eq(vmf_fdt_init(&f, buf, sizeof(buf)), 0);
    cr_assert_eq(vmf_fdt_begin_node(&f, ""), 0);
    cr_assert_eq(vmf_fdt_prop_u32(&f, "u32", 0x01020304), 0);
    cr_assert_eq(vmf_fdt_prop_u64(&f, "u64", 0x0102030405060708ull), 0);
    cr_assert_eq(vmf_fdt_prop_cells(&f, "cells", cells, 2), 0);
    cr_assert_eq(vmf_fdt_prop_bytes(&f, "raw", raw, sizeof(raw)), 0);
    cr_assert_eq(vmf_fdt_prop_strings(&f, "list", list, 3), 0);
    cr_assert_eq(vmf_fdt_prop_empty(&f, "flag"), 0);
    cr_assert_eq(vmf_fdt_prop_cells(&f, "none", NULL, 0), 0);
    cr_assert_eq(vmf_fdt_begin_node(&f, "odd-name@1,2"), 0); /* 13 bytes with NUL -> padded to 16 */
    cr_assert_eq(vmf_fdt_end_node(&f), 0);
    cr_assert_eq(vmf_fdt_end_node(&f), 0);
    cr_assert_eq(vmf_fdt_finish(&f, &size), 0);

    struct blob bl;
    cr_assert_eq(blob_open(&bl, buf, size), 0);
    cr_assert_eq(blob_walk(&bl), 2); /* includes the zero-padding checks */
    uint32_t len;
    const uint8_t *v = node_prop(&bl, "/", "u32", &len);
    cr_assert_eq(len, 4);
    cr_assert(memcmp(v, "\x01\x02\x03\x04", 4) == 0);
    v = node_prop(&bl, "/", "u64", &len);
    cr_assert_eq(len, 8);
    cr_assert(memcmp(v, "\x01\x02\x03\x04\x05\x06\x07\x08", 8) == 0);
    cr_assert_eq(be64(v), 0x0102030405060708ull);
    v = node_prop(&bl, "/", "cells", &len);
    cr_assert_eq(len, 8);
    cr_assert(memcmp(v, "\x11\x22\x33\x44\xa0\xb0\xc0\xd0", 8) == 0);
    assert_strings(&bl, "/", "raw", "\x01\x02\x03\x04\x05", 5);
    cr_assert(memcmp(v = node_prop(&bl, "/", "raw", &len) + 5, "\0\0\0", 3) == 0);
    assert_strings(&bl, "/", "list", "one\0\0three", 11);
    node_prop(&bl, "/", "flag", &len);
    cr_assert_eq(len, 0);
    node_prop(&bl, "/", "none", &len);
    cr_assert_eq(len, 0);
    cr_assert_neq(find_node(&bl, "/odd-name@1,2"), 0);
}

Test(fdt, property_names_are_stored_once)
{
    uint8_t buf[1024];
    struct vmf_fdt f;
    size_t size;
    vmf_fdt_init(&f, buf, sizeof(buf));
    vmf_fdt_begin_node(&f, "");
    vmf_fdt_prop_u32(&f, "reg", 0);
    for (unsigned i = 0; i < 10; i++) {
        char name[16];
        snprintf(name, sizeof(name), "n@%u", i);
        vmf_fdt_begin_node(&f, name);
        vmf_fdt_prop_u32(&f, "reg", i);
        vmf_fdt_prop_string(&f, "status", "okay");
        vmf_fdt_end_node(&f);
    }
    vmf_fdt_end_node(&f);
    cr_assert_eq(vmf_fdt_finish(&f, &size), 0);
    cr_assert_eq(be32(buf + 32), sizeof("reg") + sizeof("status"));
    cr_assert(memcmp(buf + be32(buf + 12), "reg\0status\0", 11) == 0);
    struct blob bl;
    cr_assert_eq(blob_open(&bl, buf, size), 0);
    cr_assert_eq(blob_walk(&bl), 11);
    cr_assert_eq(prop_u32(&bl, "/n@7", "reg"), 7);
    assert_strings(&bl, "/n@9", "status", "okay", 5);
}

Test(fdt, memory_reservations)
{
    uint8_t buf[256];
    struct vmf_fdt f;
    size_t size;
    cr_assert_eq(vmf_fdt_init(&f, buf, sizeof(buf)), 0);
    cr_assert_eq(vmf_fdt_reserve(&f, 0x0123456789abcdefull, 0x1000), 0);
    cr_assert_eq(vmf_fdt_reserve(&f, 0x80000000, 0x200000), 0);
    cr_assert_eq(vmf_fdt_begin_node(&f, ""), 0);
    cr_assert_eq(vmf_fdt_reserve(&f, 0, 1), VMF_ESTATE); /* too late */
    cr_assert_eq(vmf_fdt_finish(&f, &size), VMF_ESTATE);  /* sticky */

    cr_assert_eq(vmf_fdt_init(&f, buf, sizeof(buf)), 0);
    cr_assert_eq(vmf_fdt_reserve(&f, 0x0123456789abcdefull, 0x1000), 0);
    cr_assert_eq(vmf_fdt_reserve(&f, 0x80000000, 0x200000), 0);
    cr_assert_eq(vmf_fdt_begin_node(&f, ""), 0);
    cr_assert_eq(vmf_fdt_end_node(&f), 0);
    cr_assert_eq(vmf_fdt_finish(&f, &size), 0);
    cr_assert_eq(be32(buf + 16), 40);
    cr_assert_eq(be64(buf + 40), 0x0123456789abcdefull);
    cr_assert_eq(be64(buf + 48), 0x1000);
    cr_assert_eq(be64(buf + 56), 0x80000000);
    cr_assert_eq(be64(buf + 64), 0x200000);
    cr_assert_eq(be64(buf + 72), 0);
    cr_assert_eq(be64(buf + 80), 0);
    cr_assert_eq(be32(buf + 8), 88);
    cr_assert_eq(size, 88 + 8 + 4 + 4); /* BEGIN_NODE "" , END_NODE, END, no strings */
    struct blob bl;
    cr_assert_eq(blob_open(&bl, buf, size), 0);
    cr_assert_eq(blob_walk(&bl), 1);

    /* short buffers: VMF_EFULL, nothing written past cap */
    for (size_t cap = 0; cap < size; cap++) {
        uint8_t mem[104 + GUARD];
        memset(mem, GUARD_BYTE, sizeof(mem));
        vmf_fdt_init(&f, mem, cap);
        vmf_fdt_reserve(&f, 1, 2);
        vmf_fdt_reserve(&f, 3, 4);
        vmf_fdt_begin_node(&f, "");
        vmf_fdt_end_node(&f);
        cr_assert_eq(vmf_fdt_finish(&f, &size), VMF_EFULL, "cap %zu", cap);
        for (size_t i = cap; i < sizeof(mem); i++)
            cr_assert_eq(mem[i], GUARD_BYTE, "cap %zu: byte %zu written", cap, i);
    }
}

/* Every capacity short of the blob fails with VMF_EFULL and writes nothing
 * past cap: checked with guard bytes and with exact-size heap buffers (which
 * AddressSanitizer watches). */
Test(fdt, too_small_buffer_fails_without_overflow)
{
    const size_t need = sizeof(tiny_expected);
    for (size_t cap = 0; cap < need; cap++) {
        uint8_t mem[sizeof(tiny_expected) + GUARD];
        memset(mem, GUARD_BYTE, sizeof(mem));
        size_t size = 12345;
        cr_assert_eq(build_tiny(mem, cap, &size), VMF_EFULL, "cap %zu", cap);
        cr_assert_eq(size, 12345, "size written on failure (cap %zu)", cap);
        for (size_t i = cap; i < sizeof(mem); i++)
            cr_assert_eq(mem[i], GUARD_BYTE, "cap %zu: byte %zu written", cap, i);
        if (cap > 0) {
            uint8_t *heap = malloc(cap);
            cr_assert_not_null(heap);
            cr_assert_eq(build_tiny(heap, cap, &size), VMF_EFULL, "cap %zu", cap);
            free(heap);
        }
    }
    uint8_t *exact = malloc(need);
    size_t size = 0;
    cr_assert_eq(build_tiny(exact, need, &size), 0);
    cr_assert_eq(size, need);
    cr_assert(memcmp(exact, tiny_expected, need) == 0);
    free(exact);
}

Test(fdt, same_calls_same_bytes)
{
    uint8_t a[300], b[300];
    memset(a, 0x00, sizeof(a));
    memset(b, 0xff, sizeof(b));
    size_t sa = 0, sb = 0;
    cr_assert_eq(build_tiny(a, sizeof(a), &sa), 0);
    cr_assert_eq(build_tiny(b, sizeof(b), &sb), 0);
    cr_assert_eq(sa, sb);
    cr_assert(memcmp(a, b, sa) == 0);
    /* a zeroed buffer stays zeroed past the blob (the name scratch is cleared) */
    for (size_t i = sa; i < sizeof(a); i++)
        cr_assert_eq(a[i], 0, "byte %zu past the blob", i);
    /* and a buffer filled with 0xff is only zeroed at its tail, never elsewhere */
    for (size_t i = sb; i < sizeof(b); i++)
        cr_assert(b[i] == 0xff || b[i] == 0, "byte %zu past the blob", i);
}

Test(fdt, calls_out_of_order)
{
    uint8_t buf[256];
    struct vmf_fdt f;
    size_t size;

    vmf_fdt_init(&f, buf, sizeof(buf));
    cr_assert_eq(vmf_fdt_prop_u32(&f, "x", 1), VMF_ESTATE); /* no node yet */

    vmf_fdt_init(&f, buf, sizeof(buf));
    cr_assert_eq(vmf_fdt_end_node(&f), VMF_ESTATE);

    vmf_fdt_init(&f, buf, sizeof(buf));
    cr_assert_eq(vmf_fdt_finish(&f, &size), VMF_ESTATE); /* no root */

    vmf_fdt_init(&f, buf, sizeof(buf));
    vmf_fdt_begin_node(&f, "");
    vmf_fdt_begin_node(&f, "a");
    vmf_fdt_end_node(&f);
    cr_assert_eq(vmf_fdt_prop_u32(&f, "late", 1), VMF_ESTATE); /* property after a child */

    vmf_fdt_init(&f, buf, sizeof(buf));
    vmf_fdt_begin_node(&f, "");
    vmf_fdt_begin_node(&f, "a");
    cr_assert_eq(vmf_fdt_finish(&f, &size), VMF_ESTATE); /* open nodes */

    vmf_fdt_init(&f, buf, sizeof(buf));
    vmf_fdt_begin_node(&f, "");
    vmf_fdt_end_node(&f);
    cr_assert_eq(vmf_fdt_begin_node(&f, "second"), VMF_ESTATE); /* one root only */

    vmf_fdt_init(&f, buf, sizeof(buf));
    vmf_fdt_begin_node(&f, "");
    vmf_fdt_end_node(&f);
    cr_assert_eq(vmf_fdt_end_node(&f), VMF_ESTATE);

    vmf_fdt_init(&f, buf, sizeof(buf));
    vmf_fdt_begin_node(&f, "");
    vmf_fdt_end_node(&f);
    cr_assert_eq(vmf_fdt_finish(&f, &size), 0);
    cr_assert_eq(vmf_fdt_finish(&f, &size), VMF_ESTATE); /* finished */
    cr_assert_eq(vmf_fdt_begin_node(&f, "x"), VMF_ESTATE);
}

Test(fdt, invalid_arguments)
{
    uint8_t buf[256];
    struct vmf_fdt f;
    size_t size;
    cr_assert_eq(vmf_fdt_init(NULL, buf, sizeof(buf)), VMF_EINVAL);
    cr_assert_eq(vmf_fdt_init(&f, NULL, 10), VMF_EINVAL);
    cr_assert_eq(vmf_fdt_begin_node(NULL, ""), VMF_EINVAL);
    cr_assert_eq(vmf_fdt_finish(NULL, &size), VMF_EINVAL);

    static const char *const bad_nodes[] = {
        "", "a/b", "@1", "x@", "sp ace", "abcdefghijklmnopqrstuvwxyz0123456", "q?",
    };
    for (size_t i = 0; i < sizeof(bad_nodes) / sizeof(bad_nodes[0]); i++) {
        vmf_fdt_init(&f, buf, sizeof(buf));
        vmf_fdt_begin_node(&f, "");
        cr_assert_eq(vmf_fdt_begin_node(&f, bad_nodes[i]), VMF_EINVAL, "node name `%s`", bad_nodes[i]);
    }
    vmf_fdt_init(&f, buf, sizeof(buf));
    cr_assert_eq(vmf_fdt_begin_node(&f, "root"), VMF_EINVAL); /* the root is "" */

    static const char *const bad_props[] = {"", "a b", "a/b", "x@1", "abcdefghijklmnopqrstuvwxyz0123456"};
    for (size_t i = 0; i < sizeof(bad_props) / sizeof(bad_props[0]); i++) {
        vmf_fdt_init(&f, buf, sizeof(buf));
        vmf_fdt_begin_node(&f, "");
        cr_assert_eq(vmf_fdt_prop_empty(&f, bad_props[i]), VMF_EINVAL, "property name `%s`",
                     bad_props[i]);
    }
    vmf_fdt_init(&f, buf, sizeof(buf));
    vmf_fdt_begin_node(&f, "");
    cr_assert_eq(vmf_fdt_prop_empty(&f, "#a,b.c_d+e?f-g"), 0);
    cr_assert_eq(vmf_fdt_prop_string(&f, "s", NULL), VMF_EINVAL);

    vmf_fdt_init(&f, buf, sizeof(buf));
    vmf_fdt_begin_node(&f, "");
    cr_assert_eq(vmf_fdt_prop_bytes(&f, "b", NULL, 1), VMF_EINVAL);

    static const char *const holes[] = {"a", NULL};
    vmf_fdt_init(&f, buf, sizeof(buf));
    vmf_fdt_begin_node(&f, "");
    cr_assert_eq(vmf_fdt_prop_strings(&f, "l", holes, 2), VMF_EINVAL);

    vmf_fdt_init(&f, buf, sizeof(buf));
    vmf_fdt_begin_node(&f, "");
    cr_assert_eq(vmf_fdt_prop_strings(&f, "l", holes, 0), VMF_EINVAL);
}

Test(fdt, first_error_is_sticky)
{
    uint8_t buf[256];
    struct vmf_fdt f;
    size_t size = 7;
    vmf_fdt_init(&f, buf, sizeof(buf));
    vmf_fdt_begin_node(&f, "");
    size_t off = f.off;
    cr_assert_eq(vmf_fdt_begin_node(&f, "bad/name"), VMF_EINVAL);
    cr_assert_eq(f.error, VMF_EINVAL);
    cr_assert_eq(vmf_fdt_prop_u32(&f, "ok", 1), VMF_EINVAL);
    cr_assert_eq(vmf_fdt_end_node(&f), VMF_EINVAL);
    cr_assert_eq(f.off, off); /* nothing more was written */
    cr_assert_eq(vmf_fdt_finish(&f, &size), VMF_EINVAL);
    cr_assert_eq(size, 7);
}

Test(fdt, tiny_tree_through_dtc)
{
    if (!have_dtc())
        cr_skip_test("no " DTC);
    uint8_t buf[256];
    size_t size;
    cr_assert_eq(build_tiny(buf, sizeof(buf), &size), 0);
    char *dts = dtc_clean(buf, size);
    assert_has(dts, "#address-cells = <0x01>;");
    assert_has(dts, "#size-cells = <0x00>;");
    assert_has(dts, "compatible = \"ab\";");
    assert_has(dts, "n@1 {");
    assert_has(dts, "reg = <0x01>;");
    assert_has(dts, "compatible = \"xyz12\";");
    free(dts);
}

/* ---- the virt board ------------------------------------------------------------ */

/* 2 CPUs, 128 MiB at 1 GiB, GICv2 and PL011 where QEMU's virt puts them, PSCI over HVC. */
static struct vmf_virt_desc board(void)
{
    struct vmf_virt_desc d;
    memset(&d, 0, sizeof(d));
    d.ncpus = 2;
    d.ram[0].base = 0x40000000;
    d.ram[0].size = 0x8000000;
    d.nram = 1;
    d.gicd = 0x08000000;
    d.gicc = 0x08010000;
    d.uart = 0x09000000;
    d.uart_spi = 1;
    d.psci_method = "hvc";
    d.bootargs = "console=ttyAMA0 earlycon";
    return d;
}

Test(virt, dtc_decompiles_the_board)
{
    if (!have_dtc())
        cr_skip_test("no " DTC);
    struct vmf_virt_desc d = board();
    uint8_t buf[4096];
    size_t size;
    cr_assert_eq(vmf_virt_fdt(&d, buf, sizeof(buf), &size), 0);
    char *dts = dtc_clean(buf, size);
    static const char *const want[] = {
        "compatible = \"linux,dummy-virt\";",
        "model = \"vmfault virt\";",
        "#address-cells = <0x02>;",
        "#size-cells = <0x02>;",
        "interrupt-parent = <0x01>;",
        "chosen {",
        "bootargs = \"console=ttyAMA0 earlycon\";",
        "stdout-path = \"/pl011@9000000\";",
        "memory@40000000 {",
        "device_type = \"memory\";",
        "reg = <0x00 0x40000000 0x00 0x8000000>;",
        "cpus {",
        "#address-cells = <0x01>;",
        "#size-cells = <0x00>;",
        "cpu@0 {",
        "cpu@1 {",
        "device_type = \"cpu\";",
        "compatible = \"arm,cortex-a57\";",
        "reg = <0x00>;",
        "reg = <0x01>;",
        "enable-method = \"psci\";",
        "psci {",
        "compatible = \"arm,psci-1.0\\0arm,psci-0.2\";",
        "method = \"hvc\";",
        "intc@8000000 {",
        "compatible = \"arm,cortex-a15-gic\";",
        "#interrupt-cells = <0x03>;",
        "interrupt-controller;",
        "reg = <0x00 0x8000000 0x00 0x1000 0x00 0x8010000 0x00 0x2000>;",
        "phandle = <0x01>;",
        "timer {",
        "compatible = \"arm,armv8-timer\";",
        "interrupts = <0x01 0x0d 0x304 0x01 0x0e 0x304 0x01 0x0b 0x304 0x01 0x0a 0x304>;",
        "always-on;",
        "apb-pclk {",
        "compatible = \"fixed-clock\";",
        "#clock-cells = <0x00>;",
        "clock-frequency = <0x16e3600>;",
        "phandle = <0x02>;",
        "pl011@9000000 {",
        "compatible = \"arm,pl011\\0arm,primecell\";",
        "reg = <0x00 0x9000000 0x00 0x1000>;",
        "interrupts = <0x00 0x01 0x04>;",
        "clocks = <0x02 0x02>;",
        "clock-names = \"uartclk\\0apb_pclk\";",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        assert_has(dts, want[i]);
    cr_assert_null(strstr(dts, "cpu@2"));
    free(dts);
}

Test(virt, reader_sees_the_board)
{
    struct vmf_virt_desc d = board();
    uint8_t buf[4096];
    size_t size;
    cr_assert_eq(vmf_virt_fdt(&d, buf, sizeof(buf), &size), 0);
    struct blob bl;
    cr_assert_eq(blob_open(&bl, buf, size), 0);
    /* / chosen memory cpus cpu@0 cpu@1 psci intc timer apb-pclk pl011 */
    cr_assert_eq(blob_walk(&bl), 11);

    cr_assert_eq(prop_u32(&bl, "/", "#address-cells"), 2);
    cr_assert_eq(prop_u32(&bl, "/", "#size-cells"), 2);
    assert_strings(&bl, "/", "compatible", "linux,dummy-virt", 17);
    assert_strings(&bl, "/", "model", "vmfault virt", 13);
    uint32_t gic = prop_u32(&bl, "/", "interrupt-parent");
    cr_assert_eq(prop_u32(&bl, "/intc@8000000", "phandle"), gic);

    assert_strings(&bl, "/chosen", "stdout-path", "/pl011@9000000", 15);
    const uint32_t mem_reg[] = {0, 0x40000000, 0, 0x8000000};
    assert_cells(&bl, "/memory@40000000", "reg", mem_reg, 4);

    cr_assert_eq(prop_u32(&bl, "/cpus", "#address-cells"), 1);
    cr_assert_eq(prop_u32(&bl, "/cpus", "#size-cells"), 0);
    cr_assert_eq(prop_u32(&bl, "/cpus/cpu@1", "reg"), 1);
    assert_strings(&bl, "/cpus/cpu@1", "enable-method", "psci", 5);

    assert_strings(&bl, "/psci", "compatible", "arm,psci-1.0\0arm,psci-0.2", 26);
    assert_strings(&bl, "/psci", "method", "hvc", 4);

    const uint32_t gic_reg[] = {0, 0x08000000, 0, 0x1000, 0, 0x08010000, 0, 0x2000};
    assert_cells(&bl, "/intc@8000000", "reg", gic_reg, 8);
    cr_assert_eq(prop_u32(&bl, "/intc@8000000", "#interrupt-cells"), 3);
    uint32_t len;
    node_prop(&bl, "/intc@8000000", "interrupt-controller", &len);
    cr_assert_eq(len, 0);

    /* level-high (4) with CPUs 0 and 1 in the GICv2 PPI mask (bits 15:8) */
    const uint32_t timer_irqs[] = {1, 13, 0x304, 1, 14, 0x304, 1, 11, 0x304, 1, 10, 0x304};
    assert_cells(&bl, "/timer", "interrupts", timer_irqs, 12);

    uint32_t clk = prop_u32(&bl, "/apb-pclk", "phandle");
    cr_assert_neq(clk, gic);
    cr_assert_eq(prop_u32(&bl, "/apb-pclk", "clock-frequency"), 24000000);
    cr_assert_eq(prop_u32(&bl, "/apb-pclk", "#clock-cells"), 0);
    const uint32_t uart_irq[] = {0, 1, 4};
    assert_cells(&bl, "/pl011@9000000", "interrupts", uart_irq, 3);
    const uint32_t clocks[] = {clk, clk};
    assert_cells(&bl, "/pl011@9000000", "clocks", clocks, 2);
    const uint32_t uart_reg[] = {0, 0x09000000, 0, 0x1000};
    assert_cells(&bl, "/pl011@9000000", "reg", uart_reg, 4);
    assert_strings(&bl, "/pl011@9000000", "clock-names", "uartclk\0apb_pclk", 17);
}

Test(virt, same_description_same_bytes)
{
    struct vmf_virt_desc d = board();
    uint8_t a[4096], b[4096];
    memset(a, 0x00, sizeof(a));
    memset(b, 0x5a, sizeof(b));
    size_t sa = 0, sb = 0;
    cr_assert_eq(vmf_virt_fdt(&d, a, sizeof(a), &sa), 0);
    cr_assert_eq(vmf_virt_fdt(&d, b, sizeof(b), &sb), 0);
    cr_assert_eq(sa, sb);
    cr_assert(memcmp(a, b, sa) == 0);
    for (size_t i = sa; i < sizeof(a); i++)
        cr_assert_eq(a[i], 0, "byte %zu past the blob", i);
}

Test(virt, too_small_buffer_fails_without_overflow)
{
    struct vmf_virt_desc d = board();
    uint8_t ref[4096];
    size_t need;
    cr_assert_eq(vmf_virt_fdt(&d, ref, sizeof(ref), &need), 0);
    uint8_t *mem = malloc(need + GUARD);
    cr_assert_not_null(mem);
    for (size_t cap = 0; cap < need; cap++) {
        memset(mem, GUARD_BYTE, need + GUARD);
        size_t size = 99;
        cr_assert_eq(vmf_virt_fdt(&d, mem, cap, &size), VMF_EFULL, "cap %zu", cap);
        cr_assert_eq(size, 99);
        for (size_t i = cap; i < need + GUARD; i++)
            cr_assert_eq(mem[i], GUARD_BYTE, "cap %zu: byte %zu written", cap, i);
    }
    for (size_t cap = 1; cap < need; cap += 97) { /* exact heap buffers for ASan */
        uint8_t *heap = malloc(cap);
        size_t size;
        cr_assert_eq(vmf_virt_fdt(&d, heap, cap, &size), VMF_EFULL, "cap %zu", cap);
        free(heap);
    }
    size_t size;
    cr_assert_eq(vmf_virt_fdt(&d, mem, need, &size), 0);
    cr_assert_eq(size, need);
    cr_assert(memcmp(mem, ref, need) == 0);
    free(mem);
}

Test(virt, minimal_board_without_gic_uart_psci)
{
    struct vmf_virt_desc d;
    memset(&d, 0, sizeof(d));
    d.ncpus = 1;
    d.ram[0].base = 0x40000000;
    d.ram[0].size = 0x1000000;
    d.nram = 1;
    uint8_t buf[4096];
    size_t size;
    cr_assert_eq(vmf_virt_fdt(&d, buf, sizeof(buf), &size), 0);
    struct blob bl;
    cr_assert_eq(blob_open(&bl, buf, size), 0);
    cr_assert_eq(blob_walk(&bl), 6); /* / chosen memory cpus cpu@0 timer */
    size_t root = find_node(&bl, "/");
    uint32_t len;
    cr_assert_null(get_prop(&bl, root, "interrupt-parent", &len));
    cr_assert_null(get_prop(&bl, find_node(&bl, "/cpus/cpu@0"), "enable-method", &len));
    cr_assert_null(get_prop(&bl, find_node(&bl, "/timer"), "interrupts", &len));
    cr_assert_null(get_prop(&bl, find_node(&bl, "/chosen"), "stdout-path", &len));
    cr_assert_null(get_prop(&bl, find_node(&bl, "/chosen"), "bootargs", &len));
    cr_assert_eq(find_node(&bl, "/psci"), 0);
    cr_assert_eq(find_node(&bl, "/apb-pclk"), 0);
    if (have_dtc()) {
        char *dts = dtc_clean(buf, size);
        assert_has(dts, "chosen {\n\t};");
        cr_assert_null(strstr(dts, "intc@"));
        cr_assert_null(strstr(dts, "pl011@"));
        free(dts);
    }
}

Test(virt, uart_without_gic_and_custom_timer_ppis_smc)
{
    struct vmf_virt_desc d = board();
    d.gicd = d.gicc = 0;
    d.uart = 0x1c090000;
    d.psci_method = "smc";
    d.timer_ppis[0] = 0; /* not all zero: taken as given */
    d.timer_ppis[1] = 15;
    d.timer_ppis[2] = 12;
    d.timer_ppis[3] = 9;
    uint8_t buf[4096];
    size_t size;
    cr_assert_eq(vmf_virt_fdt(&d, buf, sizeof(buf), &size), 0);
    struct blob bl;
    cr_assert_eq(blob_open(&bl, buf, size), 0);
    cr_assert_gt(blob_walk(&bl), 0);
    uint32_t len;
    cr_assert_null(get_prop(&bl, find_node(&bl, "/pl011@1c090000"), "interrupts", &len));
    assert_strings(&bl, "/chosen", "stdout-path", "/pl011@1c090000", 16);
    assert_strings(&bl, "/psci", "method", "smc", 4);

    d = board();
    d.timer_ppis[0] = 0;
    d.timer_ppis[1] = 15;
    d.timer_ppis[2] = 12;
    d.timer_ppis[3] = 9;
    d.uart_spi = 987;
    cr_assert_eq(vmf_virt_fdt(&d, buf, sizeof(buf), &size), 0);
    cr_assert_eq(blob_open(&bl, buf, size), 0);
    const uint32_t irqs[] = {1, 0, 0x304, 1, 15, 0x304, 1, 12, 0x304, 1, 9, 0x304};
    assert_cells(&bl, "/timer", "interrupts", irqs, 12);
    const uint32_t uart_irq[] = {0, 987, 4};
    assert_cells(&bl, "/pl011@9000000", "interrupts", uart_irq, 3);
    if (have_dtc()) {
        char *dts = dtc_clean(buf, size);
        free(dts);
    }
}

Test(virt, biggest_board_fits_the_documented_bound)
{
    struct vmf_virt_desc d = board();
    d.ncpus = VMF_VIRT_MAX_CPUS;
    d.nram = VMF_VIRT_MAX_RAM;
    for (size_t i = 0; i < d.nram; i++) {
        d.ram[i].base = 0xfffffff000000000ull + i * 0x100000000ull;
        d.ram[i].size = 0xffffffffull;
    }
    d.gicd = 0xffffffffffff0000ull;
    d.gicc = 0xfffffffffffe0000ull;
    d.uart = 0xfffffffffffd0000ull;
    char args[300];
    memset(args, 'x', sizeof(args) - 1);
    args[sizeof(args) - 1] = '\0';
    d.bootargs = args;
    size_t bound = 4096 + strlen(args);
    uint8_t *buf = malloc(bound);
    size_t size;
    cr_assert_eq(vmf_virt_fdt(&d, buf, bound, &size), 0);
    cr_assert_leq(size, bound);
    struct blob bl;
    cr_assert_eq(blob_open(&bl, buf, size), 0);
    cr_assert_eq(blob_walk(&bl), 2 + 8 + 1 + 8 + 5); /* / chosen, memory x8, cpus, cpu x8, 5 more */
    const uint32_t irqs[] = {1, 13, 0xff04, 1, 14, 0xff04, 1, 11, 0xff04, 1, 10, 0xff04};
    assert_cells(&bl, "/timer", "interrupts", irqs, 12);
    cr_assert_eq(prop_u32(&bl, "/cpus/cpu@7", "reg"), 7);
    const uint32_t reg7[] = {0xfffffff7, 0, 0, 0xffffffff};
    assert_cells(&bl, "/memory@fffffff700000000", "reg", reg7, 4);
    if (have_dtc()) {
        char *dts = dtc_clean(buf, size);
        assert_has(dts, "intc@ffffffffffff0000 {");
        free(dts);
    }
    free(buf);
}

Test(virt, rejects_bad_descriptions)
{
    uint8_t buf[4096];
    size_t size = 5;
    struct vmf_virt_desc d = board();
    cr_assert_eq(vmf_virt_fdt(NULL, buf, sizeof(buf), &size), VMF_EINVAL);
    cr_assert_eq(vmf_virt_fdt(&d, NULL, sizeof(buf), &size), VMF_EINVAL);
    cr_assert_eq(vmf_virt_fdt(&d, buf, sizeof(buf), NULL), VMF_EINVAL);

#define BAD(field_change, status)                                                   \
    do {                                                                            \
        d = board();                                                                \
        field_change;                                                               \
        cr_assert_eq(vmf_virt_fdt(&d, buf, sizeof(buf), &size), status, #field_change); \
    } while (0)

    BAD(d.ncpus = 0, VMF_EINVAL);
    BAD(d.ncpus = VMF_VIRT_MAX_CPUS + 1, VMF_EINVAL);
    BAD(d.nram = 0, VMF_EINVAL);
    BAD(d.nram = VMF_VIRT_MAX_RAM + 1, VMF_EINVAL);
    BAD(d.ram[0].size = 0, VMF_ESIZE);
    BAD((d.ram[0].base = 0xfffffffffffff000ull, d.ram[0].size = 0x2000), VMF_ERANGE);
    BAD((d.nram = 2, d.ram[1].base = 0x47fff000, d.ram[1].size = 0x1000), VMF_EOVERLAP);
    BAD(d.gicc = 0, VMF_EINVAL);
    BAD(d.gicd = 0, VMF_EINVAL);
    BAD(d.gicd = 0xfffffffffffff800ull, VMF_ERANGE);
    BAD(d.uart = 0xfffffffffffffff0ull, VMF_ERANGE);
    BAD(d.uart_spi = 988, VMF_EINVAL);
    BAD(d.timer_ppis[2] = 16, VMF_EINVAL);
    BAD(d.psci_method = "svc", VMF_EINVAL);
    BAD(d.psci_method = "", VMF_EINVAL);
#undef BAD
    cr_assert_eq(size, 5);

    /* touching regions are fine; so is a region ending exactly at 2^64 */
    d = board();
    d.nram = 3;
    d.ram[1].base = 0x48000000;
    d.ram[1].size = 0x1000;
    d.ram[2].base = 0xfffffffffffff000ull;
    d.ram[2].size = 0x1000;
    cr_assert_eq(vmf_virt_fdt(&d, buf, sizeof(buf), &size), 0);
}
