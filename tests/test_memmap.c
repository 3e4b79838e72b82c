/* The guest-physical map: range checks, overlap, lookup bounds (engine/memmap.c). */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "engine/internal.h"

static struct region ram(uint64_t base, uint64_t size)
{
    return (struct region){.base = base, .size = size, .kind = REGION_RAM};
}

Test(memmap, range_checks)
{
    cr_expect_eq(memmap_check_range(0x1000, 0), VMF_ESIZE);
    cr_expect_eq(memmap_check_range(0x1001, 0x1000), VMF_EALIGN);
    cr_expect_eq(memmap_check_range(0x1000, 0x1800), VMF_EALIGN);
    cr_expect_eq(memmap_check_range(0xfffffffffffff000ull, 0x2000), VMF_ERANGE);
    cr_expect_eq(memmap_check_range(0xfffffffffffff000ull, 0x1000), VMF_OK, "the last page is usable");
    cr_expect_eq(memmap_check_range(0, 0xfffffffffffff000ull), VMF_OK);
}

Test(memmap, overlap_is_refused_in_every_shape)
{
    struct memmap m = {0};
    struct region a = ram(0x10000, 0x4000);
    cr_assert_eq(memmap_insert(&m, &a), VMF_OK);
    struct region cases[] = {
        ram(0x10000, 0x4000), /* identical */
        ram(0xf000, 0x2000),  /* over the start */
        ram(0x13000, 0x2000), /* over the end */
        ram(0x11000, 0x1000), /* inside */
        ram(0x8000, 0x20000), /* around */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_expect_eq(memmap_insert(&m, &cases[i]), VMF_EOVERLAP, "case %zu", i);
    struct region below = ram(0xf000, 0x1000), above = ram(0x14000, 0x1000);
    cr_expect_eq(memmap_insert(&m, &below), VMF_OK, "touching below is fine");
    cr_expect_eq(memmap_insert(&m, &above), VMF_OK, "touching above is fine");
    cr_expect_eq(m.nregions, 3);
    cr_expect_eq(m.regions[0].base, 0xf000);
    cr_expect_eq(m.regions[1].base, 0x10000);
    cr_expect_eq(m.regions[2].base, 0x14000);
    memmap_free(&m);
}

Test(memmap, lookup_checks_the_whole_access)
{
    struct memmap m = {0};
    struct region a = ram(0x10000, 0x1000), top = ram(0xfffffffffffff000ull, 0x1000);
    cr_assert_eq(memmap_insert(&m, &a), VMF_OK);
    cr_assert_eq(memmap_insert(&m, &top), VMF_OK);
    struct region *r;
    cr_expect_eq(memmap_lookup(&m, 0x10000, 8, &r), VMF_OK);
    cr_expect_eq(r->base, 0x10000);
    cr_expect_eq(memmap_lookup(&m, 0x10ff8, 8, &r), VMF_OK, "last 8 bytes");
    cr_expect_eq(memmap_lookup(&m, 0x10ffc, 8, &r), VMF_EBOUNDS, "straddles the end");
    cr_expect_eq(r->base, 0x10000, "the region holding the first byte is still reported");
    cr_expect_eq(memmap_lookup(&m, 0x10fff, 1, &r), VMF_OK);
    cr_expect_eq(memmap_lookup(&m, 0x11000, 1, &r), VMF_ENOENT);
    cr_expect_null(r);
    cr_expect_eq(memmap_lookup(&m, 0xffff, 4, &r), VMF_ENOENT, "starts before the region");
    cr_expect_eq(memmap_lookup(&m, 0x10000, UINT64_MAX, &r), VMF_EBOUNDS, "huge length does not wrap");
    cr_expect_eq(memmap_lookup(&m, 0xfffffffffffffff8ull, 8, &r), VMF_OK, "ends exactly at 2^64");
    cr_expect_eq(memmap_lookup(&m, 0xfffffffffffffffcull, 8, &r), VMF_EBOUNDS, "would wrap past 2^64");
    cr_expect_eq(memmap_lookup(&m, 0x10000, 0, &r), VMF_EBOUNDS, "zero length is not an access");
    memmap_free(&m);
}

Test(memmap, remove_and_find)
{
    struct memmap m = {0};
    for (uint64_t i = 0; i < 16; i++) {
        struct region r = ram(0x100000 + i * 0x2000, 0x1000);
        cr_assert_eq(memmap_insert(&m, &r), VMF_OK);
    }
    cr_expect_eq(memmap_remove(&m, 0x100000 + 5 * 0x2000), VMF_OK);
    cr_expect_eq(memmap_remove(&m, 0x100000 + 5 * 0x2000), VMF_ENOENT);
    cr_expect_eq(memmap_remove(&m, 0x100800), VMF_ENOENT, "not a region base");
    cr_expect_null(memmap_find(&m, 0x100000 + 5 * 0x2000));
    cr_expect_null(memmap_find(&m, 0x101000), "the gap between regions");
    cr_expect_not_null(memmap_find(&m, 0x100000 + 15 * 0x2000 + 0xfff));
    cr_expect_eq(m.nregions, 15);
    memmap_free(&m);
}

Test(memmap, host_chunks)
{
    struct memmap m = {0};
    uint8_t *a = calloc(1, 0x1000), *b = calloc(1, 0x1000);
    cr_assert_eq(memmap_add_chunk(&m, 0x3000, 0x1000, b), VMF_OK);
    cr_assert_eq(memmap_add_chunk(&m, 0x2000, 0x1000, a), VMF_OK);
    cr_expect_eq(memmap_host(&m, 0x2000, 0x1000), a);
    cr_expect_eq(memmap_host(&m, 0x3ff8, 8), b + 0xff8);
    cr_expect_null(memmap_host(&m, 0x2ffc, 8), "contiguous in the guest, not in the host: no single pointer");
    cr_expect_null(memmap_host(&m, 0x1000, 1));
    memmap_remove_chunks(&m, 0x2000, 0x1000);
    cr_expect_null(memmap_host(&m, 0x2000, 1));
    cr_expect_eq(memmap_host(&m, 0x3000, 1), b);
    memmap_free(&m);
    free(a);
    free(b);
}
