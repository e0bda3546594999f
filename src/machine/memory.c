// SPDX-License-Identifier: Apache-2.0
/*
 * memory.c - guest RAM slots and GPA -> HVA translation (see memory.h).
 *
 * RAM is anonymous private memory with MAP_NORESERVE: the host commits pages
 * only when the guest touches them, so a 4 GiB guest that uses 100 MiB costs
 * 100 MiB.
 */
#include "machine/memory.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "machine/layout.h"

static int add_slot(struct guest_memory *mem, uint64_t gpa, uint64_t size, struct err *err)
{
    void *hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (hva == MAP_FAILED)
        return err__set_errno(err, errno, "cannot map %llu MiB of guest memory",
                              (unsigned long long)(size >> 20));
    madvise(hva, size, MADV_MERGEABLE);
    mem->slots[mem->nslots++] = (struct mem_slot){.gpa = gpa, .size = size, .hva = hva};
    return 0;
}

int guest_memory__init(struct guest_memory *mem, uint64_t ram_size, struct err *err)
{
    memset(mem, 0, sizeof(*mem));
    if (ram_size == 0 || ram_size % KIB(4))
        return err__set(err, "guest memory size must be a non-zero multiple of 4 KiB");
    mem->ram_size = ram_size;

    uint64_t low = ram_size < LAYOUT_LOW_RAM_END ? ram_size : LAYOUT_LOW_RAM_END;
    if (add_slot(mem, 0, low, err))
        return -1;
    if (ram_size > low && add_slot(mem, LAYOUT_HIGH_RAM_BASE, ram_size - low, err)) {
        guest_memory__destroy(mem);
        return -1;
    }
    return 0;
}

void guest_memory__destroy(struct guest_memory *mem)
{
    for (unsigned i = 0; i < mem->nslots; i++)
        munmap(mem->slots[i].hva, mem->slots[i].size);
    mem->nslots = 0;
}

void *guest_memory__hva(const struct guest_memory *mem, uint64_t gpa, uint64_t len)
{
    for (unsigned i = 0; i < mem->nslots; i++) {
        const struct mem_slot *s = &mem->slots[i];
        uint64_t off = gpa - s->gpa;
        /* off < size and len <= size - off: no overflow possible */
        if (gpa >= s->gpa && off < s->size && len <= s->size - off)
            return s->hva + off;
    }
    return NULL;
}

int guest_memory__write(const struct guest_memory *mem, uint64_t gpa, const void *src, size_t len)
{
    void *dst = guest_memory__hva(mem, gpa, len);
    if (!dst)
        return -1;
    memcpy(dst, src, len);
    return 0;
}

int guest_memory__read(const struct guest_memory *mem, uint64_t gpa, void *dst, size_t len)
{
    const void *src = guest_memory__hva(mem, gpa, len);
    if (!src)
        return -1;
    memcpy(dst, src, len);
    return 0;
}

uint64_t guest_memory__low_end(const struct guest_memory *mem)
{
    return mem->nslots ? mem->slots[0].size : 0;
}
