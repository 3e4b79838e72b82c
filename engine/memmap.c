/* vmfault engine — the guest-physical map: sorted, non-overlapping regions.
 *
 * Lookups are binary searches.  Every bounds check is written as
 * "len <= end - addr" on region-relative quantities, so no sum can wrap
 * (the libsel4vm / Firecracker bug of testing only the first byte, and the
 * overflow of testing addr + len, are both avoided).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int memmap_check_range(uint64_t base, uint64_t size)
{
    if (size == 0)
        return VMF_ESIZE;
    if ((base % VMF_PAGE_SIZE) != 0 || (size % VMF_PAGE_SIZE) != 0)
        return VMF_EALIGN;
    if (size - 1 > UINT64_MAX - base)
        return VMF_ERANGE;
    return VMF_OK;
}

/* Index of the first region whose base is > addr. */
static size_t upper_bound(const struct memmap *m, uint64_t addr)
{
    size_t lo = 0, hi = m->nregions;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->regions[mid].base <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct region *memmap_find(const struct memmap *m, uint64_t addr)
{
    size_t i = upper_bound(m, addr);
    if (i == 0)
        return NULL;
    struct region *r = &m->regions[i - 1];
    return addr - r->base <= r->size - 1 ? r : NULL;
}

int memmap_lookup(const struct memmap *m, uint64_t addr, uint64_t len, struct region **out)
{
    struct region *r = memmap_find(m, addr);
    *out = r;
    if (!r)
        return VMF_ENOENT;
    if (len == 0 || len > r->size - (addr - r->base))
        return VMF_EBOUNDS;
    return VMF_OK;
}

static bool overlaps(uint64_t a, uint64_t asz, uint64_t b, uint64_t bsz)
{
    /* [a, a+asz) and [b, b+bsz), sizes > 0, neither wraps */
    uint64_t alast = a + (asz - 1), blast = b + (bsz - 1);
    return a <= blast && b <= alast;
}

int memmap_insert(struct memmap *m, const struct region *r)
{
    int st = memmap_check_range(r->base, r->size);
    if (st)
        return st;
    size_t i = upper_bound(m, r->base);
    if (i > 0 && overlaps(m->regions[i - 1].base, m->regions[i - 1].size, r->base, r->size))
        return VMF_EOVERLAP;
    if (i < m->nregions && overlaps(m->regions[i].base, m->regions[i].size, r->base, r->size))
        return VMF_EOVERLAP;
    if (m->nregions == m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 8;
        struct region *n = realloc(m->regions, ncap * sizeof(*n));
        if (!n)
            return VMF_ENOMEM;
        m->regions = n;
        m->cap = ncap;
    }
    memmove(&m->regions[i + 1], &m->regions[i], (m->nregions - i) * sizeof(*r));
    m->regions[i] = *r;
    m->nregions++;
    m->gen++;
    return VMF_OK;
}

int memmap_remove(struct memmap *m, uint64_t base)
{
    size_t i = upper_bound(m, base);
    if (i == 0 || m->regions[i - 1].base != base)
        return VMF_ENOENT;
    i--;
    memmove(&m->regions[i], &m->regions[i + 1], (m->nregions - i - 1) * sizeof(struct region));
    m->nregions--;
    m->gen++;
    return VMF_OK;
}

int memmap_add_chunk(struct memmap *m, uint64_t base, uint64_t size, uint8_t *host)
{
    if (m->nchunks == m->ccap) {
        size_t ncap = m->ccap ? m->ccap * 2 : 8;
        struct chunk *n = realloc(m->chunks, ncap * sizeof(*n));
        if (!n)
            return VMF_ENOMEM;
        m->chunks = n;
        m->ccap = ncap;
    }
    size_t i = 0;
    while (i < m->nchunks && m->chunks[i].base < base)
        i++;
    memmove(&m->chunks[i + 1], &m->chunks[i], (m->nchunks - i) * sizeof(struct chunk));
    m->chunks[i] = (struct chunk){.base = base, .size = size, .host = host};
    m->nchunks++;
    m->gen++;
    return VMF_OK;
}

void memmap_remove_chunks(struct memmap *m, uint64_t base, uint64_t size)
{
    size_t j = 0;
    for (size_t i = 0; i < m->nchunks; i++) {
        const struct chunk *c = &m->chunks[i];
        bool inside = c->base >= base && c->base - base < size;
        if (!inside)
            m->chunks[j++] = *c;
    }
    m->nchunks = j;
    m->gen++;
}

uint8_t *memmap_host(const struct memmap *m, uint64_t addr, uint64_t len)
{
    size_t lo = 0, hi = m->nchunks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->chunks[mid].base <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const struct chunk *c = &m->chunks[lo - 1];
    uint64_t off = addr - c->base;
    if (off >= c->size || len > c->size - off)
        return NULL;
    return c->host + off;
}

int memmap_own(struct memmap *m, void *p)
{
    if (m->nowned == m->ocap) {
        size_t ncap = m->ocap ? m->ocap * 2 : 16;
        void **n = realloc(m->owned, ncap * sizeof(*n));
        if (!n)
            return VMF_ENOMEM;
        m->owned = n;
        m->ocap = ncap;
    }
    m->owned[m->nowned++] = p;
    return VMF_OK;
}

void memmap_free(struct memmap *m)
{
    for (size_t i = 0; i < m->nregions; i++)
        if (m->regions[i].kind == REGION_RESERVATION)
            free(m->regions[i].res);
    for (size_t i = 0; i < m->nowned; i++)
        free(m->owned[i]);
    free(m->owned);
    free(m->regions);
    free(m->chunks);
    memset(m, 0, sizeof(*m));
}
