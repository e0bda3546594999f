/* SPDX-License-Identifier: Apache-2.0 */
/*
 * e820.h - the BIOS memory map (INT 15h, AX=E820h) a Strata machine reports.
 *
 * Built from the RAM slots and the fixed layout (layout.h): low RAM up to the
 * EBDA usable, the EBDA reserved (it holds the MP table), the legacy hole
 * [640 KiB, 1 MiB) absent but for the ACPI tables at its top (reserved),
 * RAM from 1 MiB to the MMIO hole usable, and RAM above 4 GiB usable. Entry format per the ACPI
 * spec, "System Address Map Interfaces"; Linux reads it from boot_params.e820_table.
 */
#ifndef STRATA_BOARD_E820_H
#define STRATA_BOARD_E820_H

#include <stdint.h>

#include "machine/memory.h"
#include "util/err.h"

enum e820_type {
    E820_RAM = 1,
    E820_RESERVED = 2,
};

struct e820_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type; /* enum e820_type */
} __attribute__((packed));

/*
 * Fills table (room for max entries) with the map of mem, sorted by address,
 * and returns the number of entries; -1 if max is too small.
 */
int e820__build(const struct guest_memory *mem, struct e820_entry *table, unsigned max,
                struct err *err);

#endif
