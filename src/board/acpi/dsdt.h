/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dsdt.h - the Differentiated System Description Table (ACPI 6.5, 5.2.11.1):
 * the definition block that declares the board's devices to an ACPI OS.
 */
#ifndef STRATA_BOARD_ACPI_DSDT_H
#define STRATA_BOARD_ACPI_DSDT_H

#include <stddef.h>
#include <stdint.h>

#include "machine/bus.h"
#include "util/err.h"

/*
 * Writes the complete DSDT into dst (cap bytes) and its length into *len.
 * The virtio-mmio windows registered on the mmio bus are declared too.
 */
int dsdt__build(uint8_t *dst, size_t cap, size_t *len, const struct bus *mmio, struct err *err);

#endif
