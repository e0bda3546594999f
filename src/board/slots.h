/* SPDX-License-Identifier: Apache-2.0 */
/*
 * slots.h - the one list of where the PC board's devices sit.
 *
 * A slot is {name, kind, bus, base, size, GSI, ACPI name and HID}. The
 * board registers each slot's range on its bus (board.c, the virtio
 * transport), and everything a guest learns about devices is derived from
 * the same list: the DSDT (acpi/dsdt.c: one Device per ACPI name, its
 * ranges and interrupt as resources), the MP table's interrupt routing
 * (mptable.c), the FADT's sleep registers (acpi/fadt.c) and the kernel
 * command line's virtio_mmio.device= parameters (board_slots__cmdline).
 * Adding a device is one entry here plus its file.
 *
 * The legacy slots are fixed (board_slots__init puts them first); virtio
 * devices take the next free window from LAYOUT_VIRTIO_MMIO_BASE, 4 KiB
 * each, and the next free PC IRQ (5, 6, 7, 9, 10, 11, 14, 15: not COM1 (4),
 * the RTC (8), the mouse (12) or the FPU (13)), in the order they are
 * added: disks first, so that the first --disk is vda.
 */
#ifndef STRATA_BOARD_SLOTS_H
#define STRATA_BOARD_SLOTS_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

enum slot_kind {
    SLOT_I8042_DATA,
    SLOT_I8042_COMMAND,
    SLOT_CMOS,
    SLOT_COM1,
    SLOT_EXIT,
    SLOT_SLEEP, /* ACPI sleep control and status registers (the FADT points at them) */
    SLOT_GED,   /* ACPI Generic Event Device: the power button's interrupt, no registers */
    SLOT_VIRTIO,
};

enum slot_bus { SLOT_PIO, SLOT_MMIO };

#define SLOT_NO_GSI   -1
#define BOARD_GED_GSI 3

struct board_slot {
    const char *name; /* the bus range's name: "com1", "virtio-blk" */
    enum slot_kind kind;
    enum slot_bus bus;
    uint64_t base, size;
    int gsi; /* SLOT_NO_GSI: none */
    /*
     * DSDT: the Device's 4-character name (slots with the same name are one
     * Device with several ranges; NULL: not declared) and its _HID, an EISA
     * id such as "PNP0501" or a string id such as "LNRO0005".
     */
    char acpi_name[5];
    const char *hid;
    int uid; /* _UID, or -1 */
};

#define BOARD_MAX_VIRTIO 8
#define BOARD_MAX_SLOTS  (9 + BOARD_MAX_VIRTIO)

struct board_slots {
    unsigned n;
    unsigned nvirtio;
    struct board_slot slot[BOARD_MAX_SLOTS];
};

/* The legacy slots every PC of this board has. */
void board_slots__init(struct board_slots *s);

/* Adds a virtio-mmio slot named `name`; returns it, or NULL (and *err) when all windows are taken.
 */
const struct board_slot *board_slots__add_virtio(struct board_slots *s, const char *name,
                                                 struct err *err);

/* The first slot of a kind, or NULL. */
const struct board_slot *board_slots__find(const struct board_slots *s, enum slot_kind kind);

/*
 * The kernel command line: `cmdline` (NULL: none) followed by one
 * virtio_mmio.device=4K@BASE:GSI per virtio slot
 * (drivers/virtio/virtio_mmio.c, CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES).
 * Returns a malloc'ed string.
 */
char *board_slots__cmdline(const struct board_slots *s, const char *cmdline, struct err *err);

#endif
