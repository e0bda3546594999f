/* SPDX-License-Identifier: Apache-2.0 */
/*
 * layout.h - what every Strata machine's guest-physical address map has,
 * whatever its board: RAM fills [0, 3 GiB) and anything above goes at
 * 4 GiB; the hole between holds MMIO devices, among them the IOAPIC and the
 * local APIC at their architectural addresses (SDM vol. 3A, 10.4.1; the
 * 82093AA datasheet). Where the board puts its own devices and boot
 * structures is in board/layout.h.
 */
#ifndef STRATA_MACHINE_LAYOUT_H
#define STRATA_MACHINE_LAYOUT_H

#define GIB(x) ((uint64_t)(x) << 30)
#define MIB(x) ((uint64_t)(x) << 20)
#define KIB(x) ((uint64_t)(x) << 10)

/* RAM */
#define LAYOUT_LOW_RAM_END   0xC0000000ull /* RAM below the MMIO hole */
#define LAYOUT_HIGH_RAM_BASE 0x100000000ull

/* Architectural MMIO */
#define LAYOUT_IOAPIC_BASE 0xFEC00000ull
#define LAYOUT_LAPIC_BASE  0xFEE00000ull

#endif
