/* SPDX-License-Identifier: Apache-2.0 */
/*
 * acpi_sleep.h - the sleep control and status registers of a
 * hardware-reduced ACPI platform (ACPI 6.5, 4.8.3.7 and 7.4.2): how the
 * guest powers the machine off.
 *
 * Two byte-wide ports, control then status, which the FADT's
 * SLEEP_CONTROL_REG and SLEEP_STATUS_REG point at. Entering a sleep state
 * is a write of SLP_TYPx << 2 | SLP_EN (bit 5) to the control register,
 * SLP_TYPx being the value of the DSDT's \_Sx package. Only \_S5 (soft off)
 * is declared: its write stops the machine with MACHINE_STOP_POWEROFF and
 * status 0. Any other sleep type is logged and ignored. The status register
 * reads 0 (no wake event) and ignores writes (WAK_STS is write-1-to-clear).
 * No state: its opaque pointer is the machine itself.
 */
#ifndef STRATA_DEVICES_ACPI_SLEEP_H
#define STRATA_DEVICES_ACPI_SLEEP_H

#include "machine/bus.h"

#define ACPI_SLEEP_NR_PORTS   2
#define ACPI_SLEEP_CONTROL    0 /* offsets in the range */
#define ACPI_SLEEP_STATUS     1
#define ACPI_SLEEP_SLP_EN     (1u << 5)
#define ACPI_SLEEP_SLP_TYP(x) (((x) >> 2) & 7u)
#define ACPI_SLEEP_TYPE_S5    5 /* the value of \_S5 in the DSDT */

/* Port handlers for the port-I/O bus (opaque: struct machine *). */
extern const struct bus_ops acpi_sleep_bus_ops;

#endif
