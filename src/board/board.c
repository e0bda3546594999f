// SPDX-License-Identifier: Apache-2.0
/*
 * board.c - creates the legacy PC devices and wires them onto the port-I/O
 * bus at the slots the slot list gives them (see board.h, slots.h).
 */
#include "board/board.h"

#include <string.h>

#include "devices/acpi_sleep.h"
#include "devices/exitdev.h"

/* The bus handlers and their opaque pointer for a legacy slot; false for a virtio slot. */
static bool slot_handler(struct board_legacy *d, struct machine *m, const struct board_slot *s,
                         const struct bus_ops **ops, void **opaque)
{
    switch (s->kind) {
    case SLOT_I8042_DATA: *ops = &i8042_data_bus_ops, *opaque = d->i8042; return true;
    case SLOT_I8042_COMMAND: *ops = &i8042_command_bus_ops, *opaque = d->i8042; return true;
    case SLOT_CMOS: *ops = &cmos_bus_ops, *opaque = d->cmos; return true;
    case SLOT_COM1: *ops = &uart8250_bus_ops, *opaque = d->com1; return true;
    case SLOT_EXIT: *ops = &exitdev_bus_ops, *opaque = m; return true;
    case SLOT_SLEEP: *ops = &acpi_sleep_bus_ops, *opaque = m; return true;
    case SLOT_VIRTIO:
    case SLOT_GED: return false;
    }
    return false;
}

int board__create_legacy(struct board_legacy *d, struct machine *m, const struct board_slots *slots,
                         struct err *err)
{
    memset(d, 0, sizeof(*d));
    const struct board_slot *com1 = board_slots__find(slots, SLOT_COM1);
    if (!com1)
        return err__set(err, "board: no com1 slot");
    if (!(d->com1 = uart8250__create(m, (unsigned)com1->gsi, err)) ||
        !(d->i8042 = i8042__create(m, err)) || !(d->cmos = cmos__create(&m->mem, err)))
        goto fail;

    for (unsigned i = 0; i < slots->n; i++) {
        const struct board_slot *s = &slots->slot[i];
        const struct bus_ops *ops;
        void *opaque;
        if (slot_handler(d, m, s, &ops, &opaque) &&
            bus__register(s->bus == SLOT_PIO ? &m->pio : &m->mmio, s->base, s->size, ops, opaque,
                          s->name, err))
            goto fail;
    }
    return 0;

fail:
    board__destroy_legacy(d);
    return -1;
}

void board__destroy_legacy(struct board_legacy *d)
{
    uart8250__destroy(d->com1);
    i8042__destroy(d->i8042);
    cmos__destroy(d->cmos);
    memset(d, 0, sizeof(*d));
}
