// SPDX-License-Identifier: Apache-2.0
/*
 * board.c - creates the legacy PC devices and wires them onto the port-I/O
 * bus at their PC addresses (see board.h):
 *
 *   0x60, 0x64    i8042 keyboard controller (IRQ 1 and 12; reset line)
 *   0x70-0x71     CMOS RTC
 *   0x3f8-0x3ff   COM1, 16550A UART on IRQ 4
 *   0x501         exit device
 */
#include "board/board.h"

#include <stdlib.h>

#include "devices/exitdev.h"
#include "board/board_devices.h"
#include "board/console.h"

static int wire(struct machine *m, uint64_t base, uint64_t len, const struct bus_ops *ops,
                void *opaque, const char *name, struct err *err)
{
    return bus__register(&m->pio, base, len, ops, opaque, name, err);
}

int board__init_devices(struct machine *m, struct err *err)
{
    struct machine_devices *d = calloc(1, sizeof(*d));
    if (!d)
        return err__set(err, "board: out of memory");
    m->devices = d;

    if (!(d->com1 = uart8250__create(m, COM1_GSI, err)) || !(d->i8042 = i8042__create(m, err)) ||
        !(d->cmos = cmos__create(&m->mem, err)))
        goto fail;

    if (wire(m, I8042_DATA_PORT, 1, &i8042_data_bus_ops, d->i8042, "i8042 data", err) ||
        wire(m, I8042_COMMAND_PORT, 1, &i8042_command_bus_ops, d->i8042, "i8042 command", err) ||
        wire(m, CMOS_PORT_BASE, CMOS_NR_PORTS, &cmos_bus_ops, d->cmos, "cmos", err) ||
        wire(m, COM1_BASE, UART8250_NR_REGS, &uart8250_bus_ops, d->com1, "com1", err) ||
        wire(m, EXITDEV_PORT, 1, &exitdev_bus_ops, m, "exit device", err))
        goto fail;
    return 0;

fail:
    board__destroy_devices(m);
    return -1;
}

void board__destroy_devices(struct machine *m)
{
    struct machine_devices *d = m->devices;
    if (!d)
        return;
    console__destroy(m); /* its reader thread feeds COM1 */
    uart8250__destroy(d->com1);
    i8042__destroy(d->i8042);
    cmos__destroy(d->cmos);
    free(d);
    m->devices = NULL;
}
