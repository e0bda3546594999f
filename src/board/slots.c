// SPDX-License-Identifier: Apache-2.0
/* slots.c - the PC board's slot list (see slots.h). */
#include "board/slots.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/layout.h"
#include "devices/acpi_sleep.h"
#include "devices/cmos.h"
#include "devices/exitdev.h"
#include "devices/i8042.h"
#include "devices/uart8250.h"

static const struct board_slot legacy[] = {
    {"com1", SLOT_COM1, SLOT_PIO, 0x3f8, UART8250_NR_REGS, 4, "COM1", "PNP0501", -1},
    {"i8042 data", SLOT_I8042_DATA, SLOT_PIO, I8042_DATA_PORT, 1, I8042_KBD_GSI, "PS2K", "PNP0303",
     -1},
    {"i8042 command", SLOT_I8042_COMMAND, SLOT_PIO, I8042_COMMAND_PORT, 1, SLOT_NO_GSI, "PS2K",
     "PNP0303", -1},
    /* The RTC model raises no interrupt: the DSDT declares none (rtc-cmos runs without alarms). */
    {"cmos", SLOT_CMOS, SLOT_PIO, CMOS_PORT_BASE, CMOS_NR_PORTS, SLOT_NO_GSI, "RTC", "PNP0B00", -1},
    {"exit device", SLOT_EXIT, SLOT_PIO, EXITDEV_PORT, 1, SLOT_NO_GSI, "", NULL, -1},
    {"acpi sleep", SLOT_SLEEP, SLOT_PIO, 0x600, ACPI_SLEEP_NR_PORTS, SLOT_NO_GSI, "", NULL, -1},
    /* IRQ 3 (COM2's, which this board lacks): an edge per power-button press (dsdt.c). */
    {"power button", SLOT_GED, SLOT_MMIO, 0, 0, BOARD_GED_GSI, "GED0", "ACPI0013", -1},
};

static const int virtio_gsis[BOARD_MAX_VIRTIO] = {5, 6, 7, 9, 10, 11, 14, 15};

void board_slots__init(struct board_slots *s)
{
    memset(s, 0, sizeof(*s));
    for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++)
        s->slot[s->n++] = legacy[i];
}

const struct board_slot *board_slots__add_virtio(struct board_slots *s, const char *name,
                                                 struct err *err)
{
    if (s->nvirtio == BOARD_MAX_VIRTIO || s->n == BOARD_MAX_SLOTS) {
        err__set(err, "too many virtio devices: at most %d", BOARD_MAX_VIRTIO);
        return NULL;
    }
    unsigned i = s->nvirtio++;
    struct board_slot *slot = &s->slot[s->n++];
    *slot = (struct board_slot){
        .name = name,
        .kind = SLOT_VIRTIO,
        .bus = SLOT_MMIO,
        .base = LAYOUT_VIRTIO_MMIO_BASE + i * LAYOUT_VIRTIO_MMIO_SIZE,
        .size = LAYOUT_VIRTIO_MMIO_SIZE,
        .gsi = virtio_gsis[i],
        .hid = "LNRO0005", /* Linux's virtio_mmio driver, as on QEMU's microvm */
        .uid = (int)i,
    };
    snprintf(slot->acpi_name, sizeof(slot->acpi_name), "VR%02u", i);
    return slot;
}

const struct board_slot *board_slots__find(const struct board_slots *s, enum slot_kind kind)
{
    for (unsigned i = 0; i < s->n; i++)
        if (s->slot[i].kind == kind)
            return &s->slot[i];
    return NULL;
}

char *board_slots__cmdline(const struct board_slots *s, const char *cmdline, struct err *err)
{
    /* " virtio_mmio.device=4K@0x" + 16 hex digits + ":" + 2 digits */
    const size_t per_device = 48;
    size_t len = (cmdline ? strlen(cmdline) : 0) + s->nvirtio * per_device + 1;
    char *out = malloc(len);
    if (!out) {
        err__set(err, "out of memory for the kernel command line");
        return NULL;
    }
    size_t used = (size_t)snprintf(out, len, "%s", cmdline ? cmdline : "");
    for (unsigned i = 0; i < s->n; i++) {
        const struct board_slot *slot = &s->slot[i];
        if (slot->kind != SLOT_VIRTIO)
            continue;
        used += (size_t)snprintf(out + used, len - used, "%svirtio_mmio.device=%lluK@%#llx:%d",
                                 used ? " " : "", (unsigned long long)(slot->size >> 10),
                                 (unsigned long long)slot->base, slot->gsi);
    }
    return out;
}
