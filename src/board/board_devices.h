/* SPDX-License-Identifier: Apache-2.0 */
/*
 * board_devices.h - what struct machine_devices holds (private to the board
 * and the console; everything else goes through board.h and console.h).
 */
#ifndef STRATA_BOARD_BOARD_DEVICES_H
#define STRATA_BOARD_BOARD_DEVICES_H

#include "devices/cmos.h"
#include "devices/i8042.h"
#include "devices/uart8250.h"

struct console;

struct machine_devices {
    struct uart8250 *com1;
    struct i8042 *i8042;
    struct cmos *cmos;
    struct console *console; /* the host terminal on COM1, set by console__init */
};

#endif
