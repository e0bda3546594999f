/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmos.h - the MC146818 real-time clock and its 128 bytes of CMOS RAM.
 *
 * Index port 0x70 (bit 7: NMI disable), data port 0x71. The time of day
 * follows the host's UTC clock, shifted by whatever the guest sets; the RAM
 * holds the memory-size bytes a PC BIOS leaves there.
 */
#ifndef STRATA_DEVICES_CMOS_H
#define STRATA_DEVICES_CMOS_H

#include <stdint.h>

#include "machine/bus.h"
#include "machine/memory.h"
#include "util/err.h"

struct cmos;

#define CMOS_PORT_BASE     0x70
#define CMOS_NR_PORTS      2
#define CMOS_RAM_SIZE      128
#define CMOS_STATE_VERSION 1

/* The guest-visible state, as saved in a snapshot: plain data, no pointers. */
struct cmos_state {
    uint32_t version;
    uint8_t index;        /* register selected through port 0x70 */
    uint8_t nmi_disabled; /* bit 7 of the last index write */
    uint8_t reserved[2];  /* zero; keeps the layout free of padding */
    int64_t clock_offset; /* guest RTC time minus host UTC time, in seconds */
    uint8_t ram[CMOS_RAM_SIZE];
};

/* An RTC set to the host's time, with memory-size bytes describing mem. */
struct cmos *cmos__create(const struct guest_memory *mem, struct err *err);
void cmos__destroy(struct cmos *cmos);

void cmos__save(struct cmos *cmos, struct cmos_state *state);
int cmos__load(struct cmos *cmos, const struct cmos_state *state, struct err *err);

/* Ports 0x70-0x71 (opaque: struct cmos *). */
extern const struct bus_ops cmos_bus_ops;

#endif
