/* SPDX-License-Identifier: Apache-2.0 */
/*
 * board.h - the legacy PC devices every engine shares: 8250 UART on COM1
 * (0x3f8, IRQ 4), i8042 (reset line), CMOS RTC (0x70/0x71) and the exit device
 * (port 0x501). Wired onto the machine's port-I/O bus.
 */
#ifndef STRATA_BOARD_BOARD_H
#define STRATA_BOARD_BOARD_H

#include "machine/machine.h"

#define COM1_BASE 0x3f8
#define COM1_GSI  4

int board__init_devices(struct machine *m, struct err *err);
void board__destroy_devices(struct machine *m);

#endif
