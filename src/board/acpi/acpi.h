/* SPDX-License-Identifier: Apache-2.0 */
/*
 * acpi.h - the ACPI tables of a Strata machine, written into guest RAM at
 * boot as firmware would (ACPI Specification 6.5, chapter 5).
 *
 * A hardware-reduced platform in the style of Firecracker and QEMU's
 * microvm: RSDP -> XSDT (and RSDT) -> FADT (-> DSDT) and MADT. The RSDP sits
 * at LAYOUT_ACPI_BASE, on a 16-byte boundary in the BIOS area where an OS
 * scans for it (5.2.5.1); the loader also hands its address to Linux in
 * boot_params.acpi_rsdp_addr. The tables follow it inside
 * [LAYOUT_ACPI_BASE, LAYOUT_ACPI_BASE + LAYOUT_ACPI_SIZE), which the e820
 * map reports reserved.
 */
#ifndef STRATA_BOARD_ACPI_ACPI_H
#define STRATA_BOARD_ACPI_ACPI_H

#include <stdint.h>

#include "board/slots.h"
#include "machine/machine.h"
#include "util/err.h"

/*
 * Writes the tables for m->ncpus CPUs and the board's slots (NULL: the
 * legacy slots only) into m->mem and
 * returns the RSDP's address in *rsdp_gpa. Fails if RAM does not cover the
 * ACPI area or the machine has more CPUs than the MADT can name.
 */
int acpi__build(struct machine *m, const struct board_slots *slots, uint64_t *rsdp_gpa,
                struct err *err);

#endif
