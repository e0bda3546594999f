// SPDX-License-Identifier: Apache-2.0
/*
 * e820.c - the e820 memory map from the RAM slots (see e820.h).
 *
 * Each RAM slot becomes one usable entry, except that the window
 * [LAYOUT_EBDA, LAYOUT_HIMEM_START) is cut out of it: its EBDA part and the
 * ACPI tables at the top of the BIOS area are reported reserved, the rest of
 * [640 KiB, 1 MiB) (VGA and option ROM space) is left out as on a PC.
 */
#include "board/e820.h"

#include "board/layout.h"

_Static_assert(LAYOUT_EBDA_END <= LAYOUT_ACPI_BASE &&
                   LAYOUT_ACPI_BASE + LAYOUT_ACPI_SIZE <= LAYOUT_HIMEM_START,
               "the acpi tables lie in the legacy hole, above the EBDA: the map stays sorted");

struct e820_builder {
    struct e820_entry *table;
    unsigned max;
    unsigned n;
    struct err *err;
};

static int add(struct e820_builder *b, uint64_t start, uint64_t end, enum e820_type type)
{
    if (start >= end)
        return 0;
    if (b->n == b->max)
        return err__set(b->err, "e820 map needs more than %u entries", b->max);
    b->table[b->n++] = (struct e820_entry){.addr = start, .size = end - start, .type = type};
    return 0;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

static int add_slot(struct e820_builder *b, uint64_t start, uint64_t end)
{
    /* the part below the EBDA, the EBDA itself, the ACPI tables, the part from 1 MiB on */
    const uint64_t acpi_end = LAYOUT_ACPI_BASE + LAYOUT_ACPI_SIZE;
    if (add(b, start, min_u64(end, LAYOUT_EBDA), E820_RAM) ||
        add(b, max_u64(start, LAYOUT_EBDA), min_u64(end, LAYOUT_EBDA_END), E820_RESERVED) ||
        add(b, max_u64(start, LAYOUT_ACPI_BASE), min_u64(end, acpi_end), E820_RESERVED))
        return -1;
    return add(b, max_u64(start, LAYOUT_HIMEM_START), end, E820_RAM);
}

int e820__build(const struct guest_memory *mem, struct e820_entry *table, unsigned max,
                struct err *err)
{
    struct e820_builder b = {.table = table, .max = max, .err = err};
    /* slots are created in address order (memory.c): low RAM, then high RAM */
    for (unsigned i = 0; i < mem->nslots; i++)
        if (add_slot(&b, mem->slots[i].gpa, mem->slots[i].gpa + mem->slots[i].size))
            return -1;
    return (int)b.n;
}
