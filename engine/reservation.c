/* vmfault engine — libsel4vm's guest_memory.h: reservations and their mapping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int vm_memory_init(vm_t *vm)
{
    return vm && vm->impl ? 0 : -1;
}

static vm_memory_reservation_t *new_reservation(vm_t *vm, uint64_t base, uint64_t size, memory_fault_callback_fn cb,
                                                void *cookie)
{
    vm_memory_reservation_t *res = calloc(1, sizeof(*res));
    if (!res)
        return NULL;
    res->vm = vm;
    res->base = base;
    res->size = size;
    res->callback = cb;
    res->cookie = cookie;
    res->path = vm->impl->default_path;
    snprintf(res->name, sizeof(res->name), "reservation@0x%llx", (unsigned long long)base);
    return res;
}

vm_memory_reservation_t *vm_reserve_memory_at(vm_t *vm, uintptr_t addr, size_t bytes,
                                              memory_fault_callback_fn fault_callback, void *cookie)
{
    if (!vm || !vm->impl)
        return NULL;
    int st = memmap_check_range(addr, bytes);
    if (st) {
        vm_fail(vm, st, "vm_reserve_memory_at(0x%llx, 0x%zx): %s", (unsigned long long)addr, bytes, vmf_strerror(st));
        return NULL;
    }
    vm_memory_reservation_t *res = new_reservation(vm, addr, bytes, fault_callback, cookie);
    if (!res) {
        vm_fail(vm, VMF_ENOMEM, "vm_reserve_memory_at: out of memory");
        return NULL;
    }
    struct region r = {.base = addr, .size = bytes, .kind = REGION_RESERVATION, .res = res};
    st = memmap_insert(&vm->impl->map, &r);
    if (st) {
        vm_fail(vm, st, "vm_reserve_memory_at(0x%llx, 0x%zx): %s", (unsigned long long)addr, bytes, vmf_strerror(st));
        free(res);
        return NULL;
    }
    vm_map_changed(vm);
    return res;
}

int vm_memory_make_anon(vm_t *vm, uintptr_t addr, size_t size)
{
    if (!vm || !vm->impl)
        return -1;
    struct region r = {.base = addr, .size = size, .kind = REGION_ANON_POOL};
    int st = memmap_insert(&vm->impl->map, &r);
    if (st) {
        vm_fail(vm, st, "vm_memory_make_anon(0x%llx, 0x%zx): %s", (unsigned long long)addr, size, vmf_strerror(st));
        return -1;
    }
    return 0;
}

/* Merge pool pieces that touch, so freed anon space can be reused whole. */
static void merge_pool(struct memmap *m)
{
    size_t j = 0;
    for (size_t i = 0; i < m->nregions; i++) {
        struct region *r = &m->regions[i];
        if (j > 0) {
            struct region *p = &m->regions[j - 1];
            if (p->kind == REGION_ANON_POOL && r->kind == REGION_ANON_POOL && p->base + p->size == r->base) {
                p->size += r->size;
                continue;
            }
        }
        m->regions[j++] = *r;
    }
    m->nregions = j;
}

vm_memory_reservation_t *vm_reserve_anon_memory(vm_t *vm, size_t bytes, size_t align,
                                                memory_fault_callback_fn fault_callback, void *cookie, uintptr_t *addr)
{
    if (!vm || !vm->impl || !addr)
        return NULL;
    if (align == 0)
        align = VMF_PAGE_SIZE;
    if ((align & (align - 1)) != 0 || align % VMF_PAGE_SIZE != 0) {
        vm_fail(vm, VMF_EALIGN, "vm_reserve_anon_memory: alignment 0x%zx is not a power-of-two multiple of 4 KiB",
                align);
        return NULL;
    }
    int st = memmap_check_range(0, bytes);
    if (st) {
        vm_fail(vm, st, "vm_reserve_anon_memory(0x%zx): %s", bytes, vmf_strerror(st));
        return NULL;
    }
    struct memmap *m = &vm->impl->map;
    for (size_t i = 0; i < m->nregions; i++) {
        struct region pool = m->regions[i];
        if (pool.kind != REGION_ANON_POOL)
            continue;
        uint64_t start = (pool.base + (align - 1)) & ~(uint64_t)(align - 1);
        if (start < pool.base || start - pool.base > pool.size || bytes > pool.size - (start - pool.base))
            continue;
        vm_memory_reservation_t *res = new_reservation(vm, start, bytes, fault_callback, cookie);
        if (!res)
            break;
        res->anon = true;
        /* split the pool: [base, start) pool, [start, start+bytes) reservation, rest pool */
        memmap_remove(m, pool.base);
        struct region before = pool, after = pool,
                      mid = {.base = start, .size = bytes, .kind = REGION_RESERVATION, .res = res};
        before.size = start - pool.base;
        after.base = start + bytes;
        after.size = pool.size - before.size - bytes;
        st = memmap_insert(m, &mid);
        if (!st && before.size)
            st = memmap_insert(m, &before);
        if (!st && after.size)
            st = memmap_insert(m, &after);
        if (st) {
            vm_fail(vm, st, "vm_reserve_anon_memory: %s", vmf_strerror(st));
            return NULL;
        }
        *addr = start;
        vm_map_changed(vm);
        return res;
    }
    vm_fail(vm, VMF_ENOENT, "vm_reserve_anon_memory(0x%zx, align 0x%zx): no room in the anon pool", bytes, align);
    return NULL;
}

static struct region *region_of(vm_t *vm, vm_memory_reservation_t *res)
{
    struct region *r = memmap_find(&vm->impl->map, res->base);
    return r && r->kind == REGION_RESERVATION && r->res == res ? r : NULL;
}

int vm_free_reserved_memory(vm_t *vm, vm_memory_reservation_t *reservation)
{
    if (!vm || !vm->impl || !reservation)
        return -1;
    struct region *r = region_of(vm, reservation);
    if (!r) {
        vm_fail(vm, VMF_ENOENT, "vm_free_reserved_memory: not a reservation of this VM");
        return -1;
    }
    struct memmap *m = &vm->impl->map;
    uint64_t base = reservation->base, size = reservation->size;
    bool anon = reservation->anon;
    memmap_remove_chunks(m, base, size);
    memmap_remove(m, base);
    if (anon) {
        struct region pool = {.base = base, .size = size, .kind = REGION_ANON_POOL};
        memmap_insert(m, &pool);
        merge_pool(m);
    }
    /* A vCPU may be looking at this reservation in its current fault, or be
     * inside an MMIO callback of it: forget it everywhere before freeing. */
    for (unsigned i = 0; i < vm->num_vcpus; i++) {
        struct vmf_vcpu_impl *v = vm->vcpus[i]->impl;
        if (v->fault.reservation == reservation)
            v->fault.reservation = NULL;
        for (size_t j = 0; j < v->nmaps; j++)
            if (v->maps[j].res == reservation) {
                v->maps[j].res = NULL; /* no longer matches: the next sync unmaps it */
                v->maps[j].ctx->res = NULL;
            }
    }
    free(reservation);
    vm_map_changed(vm);
    return 0;
}

/* Map frames handed out by an iterator over the whole reservation. */
static int map_with_iterator(vm_t *vm, vm_memory_reservation_t *res, memory_map_iterator_fn it, void *cookie)
{
    struct memmap *m = &vm->impl->map;
    uint64_t addr = res->base, end = res->base + res->size;
    while (addr < end) {
        vm_frame_t f = it(addr, cookie);
        uint64_t fsize = f.size_bits < 64 ? (uint64_t)1 << f.size_bits : 0;
        if (f.cptr == seL4_CapNull || f.size_bits < 12 || f.size_bits > 40 || f.vaddr != addr || fsize > end - addr) {
            memmap_remove_chunks(m, res->base, res->size);
            return vm_fail(vm, VMF_EINVAL,
                           "map iterator of %s returned a bad frame at 0x%llx (cptr %s, size_bits %zu, vaddr 0x%llx)",
                           res->name, (unsigned long long)addr, f.cptr ? "set" : "null", f.size_bits,
                           (unsigned long long)f.vaddr);
        }
        int st = memmap_add_chunk(m, addr, fsize, (uint8_t *)(uintptr_t)f.cptr);
        if (st)
            return vm_fail(vm, st, "mapping %s: %s", res->name, vmf_strerror(st));
        addr += fsize;
    }
    res->mapped = true;
    res->map_iterator = NULL;
    vm_map_changed(vm);
    return VMF_OK;
}

int vm_map_reservation(vm_t *vm, vm_memory_reservation_t *reservation, memory_map_iterator_fn map_iterator,
                       void *cookie)
{
    if (!vm || !vm->impl || !reservation || !map_iterator)
        return -1;
    if (!region_of(vm, reservation) || reservation->mapped) {
        vm_fail(vm, VMF_ESTATE, "vm_map_reservation: reservation is not this VM's or already mapped");
        return -1;
    }
    if (vm->impl->defer_map) {
        reservation->map_iterator = map_iterator;
        reservation->map_cookie = cookie;
        return 0;
    }
    return map_with_iterator(vm, reservation, map_iterator, cookie) ? -1 : 0;
}

int vm_map_reservation_frames(vm_t *vm, vm_memory_reservation_t *reservation, seL4_CPtr *frames, size_t num_frames,
                              size_t frame_size_bits)
{
    if (!vm || !vm->impl || !reservation || !frames)
        return -1;
    if (!region_of(vm, reservation) || reservation->mapped) {
        vm_fail(vm, VMF_ESTATE, "vm_map_reservation_frames: reservation is not this VM's or already mapped");
        return -1;
    }
    if (frame_size_bits < 12 || frame_size_bits > 40) {
        vm_fail(vm, VMF_EALIGN, "vm_map_reservation_frames: frame_size_bits %zu out of 12..40", frame_size_bits);
        return -1;
    }
    uint64_t fsize = (uint64_t)1 << frame_size_bits;
    if (num_frames == 0 || num_frames > reservation->size / fsize || num_frames * fsize != reservation->size) {
        vm_fail(vm, VMF_ESIZE, "vm_map_reservation_frames: %zu frames of 0x%llx bytes do not cover %s (0x%llx bytes)",
                num_frames, (unsigned long long)fsize, reservation->name, (unsigned long long)reservation->size);
        return -1;
    }
    for (size_t i = 0; i < num_frames; i++)
        if (frames[i] == seL4_CapNull) {
            vm_fail(vm, VMF_EINVAL, "vm_map_reservation_frames: frame %zu is seL4_CapNull", i);
            return -1;
        }
    for (size_t i = 0; i < num_frames; i++) {
        int st =
            memmap_add_chunk(&vm->impl->map, reservation->base + i * fsize, fsize, (uint8_t *)(uintptr_t)frames[i]);
        if (st) {
            memmap_remove_chunks(&vm->impl->map, reservation->base, reservation->size);
            vm_fail(vm, st, "vm_map_reservation_frames: %s", vmf_strerror(st));
            return -1;
        }
    }
    reservation->mapped = true;
    vm_map_changed(vm);
    return 0;
}

void vm_get_reservation_memory_region(vm_memory_reservation_t *reservation, uintptr_t *addr, size_t *size)
{
    if (!reservation)
        return;
    if (addr)
        *addr = reservation->base;
    if (size)
        *size = reservation->size;
}

/* ---- vmfault extensions ---------------------------------------------------------- */

int vmf_reservation_set_path(vmf_vm *vm, vm_memory_reservation_t *res, enum vmf_path path)
{
    if (!vm || !res || !region_of(vm, res))
        return VMF_EINVAL;
    if (path == VMF_PATH_DEFAULT)
        path = vm->impl->default_path;
    if (path != VMF_PATH_FAST && path != VMF_PATH_EXIT)
        return VMF_EINVAL;
    res->path = (uint8_t)path;
    vm->impl->map.gen++;
    vm_map_changed(vm);
    return VMF_OK;
}

int vmf_reservation_set_name(vm_memory_reservation_t *res, const char *name)
{
    if (!res || !name)
        return VMF_EINVAL;
    snprintf(res->name, sizeof(res->name), "%s", name);
    return VMF_OK;
}

const char *vmf_reservation_name(const vm_memory_reservation_t *res)
{
    return res ? res->name : "(none)";
}

bool vmf_reservation_is_mapped(const vm_memory_reservation_t *res)
{
    return res && res->mapped;
}

vm_frame_t vmf_anon_frame_iterator(uintptr_t addr, void *cookie)
{
    vm_frame_t f = {.cptr = seL4_CapNull, .vaddr = addr, .size_bits = 12};
    vm_t *vm = cookie;
    if (!vm || !vm->impl)
        return f;
    void *p = calloc(1, VMF_PAGE_SIZE);
    if (!p || memmap_own(&vm->impl->map, p)) {
        free(p);
        return f;
    }
    f.cptr = (seL4_CPtr)(uintptr_t)p;
    f.rights.words[0] = 7;
    return f;
}

/* Map a deferred reservation now (called by the fault path on first touch). */
int reservation_map_deferred(vm_t *vm, vm_memory_reservation_t *res)
{
    return map_with_iterator(vm, res, res->map_iterator, res->map_cookie);
}
