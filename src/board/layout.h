/* SPDX-License-Identifier: Apache-2.0 */
/*
 * layout.h - where the PC board puts its devices and boot structures in the
 * guest-physical address map (RAM and the architectural APIC addresses are
 * in machine/layout.h).
 *
 * The virtio-mmio windows sit in the MMIO hole below 4 GiB. Boot structures
 * sit in low memory where Firecracker and the Linux boot protocol put them
 * (Documentation/arch/x86/boot.rst, "64-bit boot protocol"); the ACPI
 * tables fill the top of the BIOS area, where a PC's firmware keeps its
 * RSDP (ACPI 6.5, 5.2.5.1).
 */
#ifndef STRATA_BOARD_LAYOUT_H
#define STRATA_BOARD_LAYOUT_H

#include "machine/layout.h"

/* MMIO hole */
#define LAYOUT_VIRTIO_MMIO_BASE 0xD0000000ull /* one 4 KiB window per device */
#define LAYOUT_VIRTIO_MMIO_SIZE 0x1000ull

/* Boot structures (all below 1 MiB) */
#define LAYOUT_GDT         0x500ull  /* boot GDT: null, null, code64 (0x10), data (0x18) */
#define LAYOUT_IDT         0x520ull  /* empty IDT loaded at entry */
#define LAYOUT_BOOT_STACK  0x8ff0ull /* initial RSP for freestanding guests */
#define LAYOUT_BOOT_PARAMS 0x7000ull /* struct boot_params, the zero page */
#define LAYOUT_PML4        0x9000ull /* identity map of the first 4 GiB, 2 MiB pages */
#define LAYOUT_PDPT        0xA000ull
#define LAYOUT_PD          0xB000ull /* four page directories: 0xB000..0xEFFF */
#define LAYOUT_CMDLINE     0x20000ull
#define LAYOUT_CMDLINE_MAX 0x10000ull
#define LAYOUT_EBDA        0x9FC00ull /* MP floating pointer and table live here */
#define LAYOUT_EBDA_END    0xA0000ull
#define LAYOUT_ACPI_BASE   0xE0000ull  /* ACPI tables, RSDP first, where an OS scans for it */
#define LAYOUT_ACPI_SIZE   0x20000ull  /* up to 1 MiB */
#define LAYOUT_HIMEM_START 0x100000ull /* 1 MiB: usable RAM in the e820 map starts here */

/* Boot GDT selectors, as the Linux boot protocol expects (__BOOT_CS/__BOOT_DS) */
#define LAYOUT_BOOT_CS 0x10
#define LAYOUT_BOOT_DS 0x18

#endif
