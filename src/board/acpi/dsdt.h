/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dsdt.h - the Differentiated System Description Table (ACPI 6.5, 5.2.11.1):
 * the definition block that declares the board's devices to an ACPI OS.
 */
#ifndef STRATA_BOARD_ACPI_DSDT_H
#define STRATA_BOARD_ACPI_DSDT_H

#include <stddef.h>
#include <stdint.h>

#include "board/slots.h"
#include "util/err.h"

/*
 * Writes the complete DSDT for the board's slots into dst (cap bytes) and
 * its length into *len.
 */
int dsdt__build(uint8_t *dst, size_t cap, size_t *len, const struct board_slots *slots,
                struct err *err);

#endif
