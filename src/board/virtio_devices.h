/* SPDX-License-Identifier: Apache-2.0 */
/*
 * devices.h - a machine's virtio devices: where each one sits and how the
 * guest learns of it.
 *
 * Devices get consecutive virtio-mmio windows from LAYOUT_VIRTIO_MMIO_BASE
 * (layout.h), 4 KiB each, in the order they are added (disks first, so the
 * first --disk is vda), and one ISA interrupt each from VIRTIO_GSIS: the
 * free PC IRQs, which the MP and ACPI tables route to the IOAPIC pin of the
 * same number, edge-triggered. Linux finds them on its command line:
 * `virtio_mmio.device=4K@0xd0000000:5` per device
 * (drivers/virtio/virtio_mmio.c, CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES).
 */
#ifndef STRATA_BOARD_VIRTIO_DEVICES_H
#define STRATA_BOARD_VIRTIO_DEVICES_H

#include <stdbool.h>

#include "devices/virtio/blk.h"
#include "devices/virtio/console.h"
#include "devices/virtio/rng.h"

/* IRQs 5, 6, 7, 9, 10, 11, 14, 15: not COM1 (4), the RTC (8), the mouse (12), the FPU (13). */
#define VIRTIO_MAX_DEVICES 8

struct virtio_devices {
    struct machine *machine;
    unsigned count;
    struct virtio_blk *disks[VIRTIO_MAX_DEVICES];
    unsigned ndisks;
    struct virtio_console *console;
    struct virtio_rng *rng;
};

/* What the user asked for on the command line (strata run). */
struct virtio_options {
    struct virtio_blk_params disks[VIRTIO_MAX_DEVICES];
    char *disk_specs[VIRTIO_MAX_DEVICES]; /* copies the params point into */
    unsigned ndisks;
    bool console; /* --console virtio */
    bool rng;     /* --rng */
};

/*
 * Adds a --disk PATH[,readonly][,id=NAME][,format=FMT]; the error says what
 * is wrong with the spec (a usage error). The image is opened later.
 */
int virtio_options__add_disk(struct virtio_options *o, const char *spec, struct err *err);
void virtio_options__free(struct virtio_options *o);

void virtio_devices__init(struct virtio_devices *vd, struct machine *m);
/* Creates the devices the options ask for, disks first. */
int virtio_devices__create(struct virtio_devices *vd, struct machine *m,
                           const struct virtio_options *o, struct err *err);
/* Stops and frees every device (before the machine's memory goes). */
void virtio_devices__destroy(struct virtio_devices *vd);

int virtio_devices__add_disk(struct virtio_devices *vd, const struct virtio_blk_params *params,
                             struct err *err);
int virtio_devices__add_console(struct virtio_devices *vd, struct err *err);
int virtio_devices__add_rng(struct virtio_devices *vd, struct err *err);

struct console_input;
/* Fills *in so that the host terminal's input goes to the virtio console (--console virtio). */
void virtio_devices__console_input(const struct virtio_devices *vd, struct console_input *in);

/* The MMIO base and GSI of the index-th device added. */
uint64_t virtio_devices__base(unsigned index);
unsigned virtio_devices__gsi(unsigned index);

/*
 * The kernel command line: `cmdline` (NULL: none) followed by one
 * virtio_mmio.device= parameter per device. Returns a malloc'ed string.
 */
char *virtio_devices__cmdline(const struct virtio_devices *vd, const char *cmdline,
                              struct err *err);

#endif
