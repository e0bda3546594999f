/* SPDX-License-Identifier: Apache-2.0 */
/*
 * board.h - the legacy PC devices every engine shares: the 8250 UART on
 * COM1, the i8042 (reset line), the CMOS RTC, the exit device and the ACPI
 * sleep registers, created and wired onto the port-I/O bus at the places
 * the slot list (slots.h) gives them.
 */
#ifndef STRATA_BOARD_BOARD_H
#define STRATA_BOARD_BOARD_H

#include "board/slots.h"
#include "devices/cmos.h"
#include "devices/i8042.h"
#include "devices/uart8250.h"
#include "machine/machine.h"

struct board_legacy {
    struct uart8250 *com1;
    struct i8042 *i8042;
    struct cmos *cmos;
};

/* Creates the legacy devices and registers every legacy slot of `slots` on m's port bus. */
int board__create_legacy(struct board_legacy *d, struct machine *m, const struct board_slots *slots,
                         struct err *err);
void board__destroy_legacy(struct board_legacy *d);

#endif
