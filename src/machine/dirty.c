// SPDX-License-Identifier: Apache-2.0
/* dirty.c - the dirty page log of guest RAM (see dirty.h). */
#include "machine/dirty.h"

#include <stdlib.h>

uint64_t guest_dirty__pages(const struct guest_memory *mem)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < mem->nslots; i++)
        n += mem->slots[i].size / GUEST_DIRTY_PAGE;
    return n;
}

uint64_t guest_dirty__page(const struct guest_memory *mem, uint64_t gpa)
{
    uint64_t base = 0;
    for (unsigned i = 0; i < mem->nslots; i++) {
        const struct mem_slot *s = &mem->slots[i];
        if (gpa >= s->gpa && gpa - s->gpa < s->size)
            return base + (gpa - s->gpa) / GUEST_DIRTY_PAGE;
        base += s->size / GUEST_DIRTY_PAGE;
    }
    return UINT64_MAX;
}

uint64_t guest_dirty__gpa(const struct guest_memory *mem, uint64_t page)
{
    for (unsigned i = 0; i < mem->nslots; i++) {
        uint64_t n = mem->slots[i].size / GUEST_DIRTY_PAGE;
        if (page < n)
            return mem->slots[i].gpa + page * GUEST_DIRTY_PAGE;
        page -= n;
    }
    return UINT64_MAX;
}

int guest_dirty__start(struct guest_memory *mem, struct err *err)
{
    uint64_t words = (guest_dirty__pages(mem) + 63) / 64;
    if (!mem->dirty_map && !(mem->dirty_map = calloc(words ? words : 1, sizeof(uint64_t))))
        return err__set(err, "out of memory for the dirty page log");
    for (uint64_t w = 0; w < words; w++)
        __atomic_store_n(&mem->dirty_map[w], 0, __ATOMIC_RELAXED);
    __atomic_store_n(&mem->dirty, mem->dirty_map, __ATOMIC_RELEASE);
    return 0;
}

/* The bitmap stays allocated: a device thread may be marking it right now. */
void guest_dirty__stop(struct guest_memory *mem)
{
    __atomic_store_n(&mem->dirty, NULL, __ATOMIC_RELEASE);
}

static void mark_pages(uint64_t *bits, uint64_t first, uint64_t last)
{
    for (uint64_t p = first; p <= last; p++)
        if (!(__atomic_load_n(&bits[p / 64], __ATOMIC_RELAXED) & (1ull << (p % 64))))
            __atomic_fetch_or(&bits[p / 64], 1ull << (p % 64), __ATOMIC_RELEASE);
}

void guest_dirty__mark(const struct guest_memory *mem, uint64_t gpa, uint64_t len)
{
    uint64_t *bits = __atomic_load_n(&mem->dirty, __ATOMIC_ACQUIRE);
    if (!bits || !len)
        return;
    uint64_t base = 0;
    for (unsigned i = 0; i < mem->nslots; i++) {
        const struct mem_slot *s = &mem->slots[i];
        uint64_t start = gpa > s->gpa ? gpa : s->gpa;
        uint64_t end = gpa + len < gpa ? UINT64_MAX : gpa + len; /* exclusive, saturated */
        if (end > s->gpa + s->size)
            end = s->gpa + s->size;
        if (start < end)
            mark_pages(bits, base + (start - s->gpa) / GUEST_DIRTY_PAGE,
                       base + (end - 1 - s->gpa) / GUEST_DIRTY_PAGE);
        base += s->size / GUEST_DIRTY_PAGE;
    }
}

void guest_dirty__mark_host(const struct guest_memory *mem, const void *hva, uint64_t len)
{
    if (!__atomic_load_n(&mem->dirty, __ATOMIC_ACQUIRE))
        return;
    const uint8_t *p = hva;
    for (unsigned i = 0; i < mem->nslots; i++) {
        const struct mem_slot *s = &mem->slots[i];
        if (p >= s->hva && p < s->hva + s->size)
            guest_dirty__mark(mem, s->gpa + (uint64_t)(p - s->hva), len);
    }
}

bool guest_dirty__test(const struct guest_memory *mem, uint64_t gpa)
{
    uint64_t *bits = __atomic_load_n(&mem->dirty, __ATOMIC_ACQUIRE);
    uint64_t p = bits ? guest_dirty__page(mem, gpa) : UINT64_MAX;
    if (p == UINT64_MAX)
        return true;
    return __atomic_load_n(&bits[p / 64], __ATOMIC_ACQUIRE) & (1ull << (p % 64));
}

uint64_t guest_dirty__take(struct guest_memory *mem, uint64_t *out)
{
    uint64_t *bits = __atomic_load_n(&mem->dirty, __ATOMIC_ACQUIRE);
    if (!bits)
        return 0;
    uint64_t words = (guest_dirty__pages(mem) + 63) / 64, n = 0;
    for (uint64_t w = 0; w < words; w++) {
        uint64_t v = __atomic_load_n(&bits[w], __ATOMIC_RELAXED)
                         ? __atomic_exchange_n(&bits[w], 0, __ATOMIC_ACQ_REL)
                         : 0;
        out[w] |= v;
        n += (uint64_t)__builtin_popcountll(v);
    }
    return n;
}
