/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bus.h - port-I/O and MMIO dispatch.
 *
 * Devices register address ranges with read/write callbacks at machine
 * setup; afterwards the range table is read-only, so vCPU threads look it up
 * without locks (binary search over sorted, non-overlapping ranges). A device
 * that is reached from several threads protects its own state.
 *
 * Accesses nobody claims read as all-ones and are dropped on write, as on a
 * PC: a guest probing wild addresses never hurts the VMM. On a bus with
 * log_unclaimed set (MMIO) each such access gets a rate-limited log line; on
 * the port-I/O bus, where PC software probes routinely (PCI configuration
 * ports, POST port 0x80, absent UARTs), only a debug line (STRATA_DEBUG).
 */
#ifndef STRATA_MACHINE_BUS_H
#define STRATA_MACHINE_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct bus_ops {
    /* offset is relative to the range base; size is 1, 2, 4 or 8 */
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, unsigned size, uint64_t value);
};

struct bus_range {
    uint64_t base;
    uint64_t len;
    const struct bus_ops *ops;
    void *opaque;
    const char *name;
};

struct bus {
    const char *name; /* "pio" or "mmio", for log lines */
    bool log_unclaimed;
    struct bus_range *ranges;
    size_t nranges;
    size_t cap;
};

void bus__init(struct bus *bus, const char *name, bool log_unclaimed);
void bus__destroy(struct bus *bus);

/* Fails if the range is empty, wraps, or overlaps one already registered. */
int bus__register(struct bus *bus, uint64_t base, uint64_t len, const struct bus_ops *ops,
                 void *opaque, const char *name, struct err *err);

/* The range holding addr, or NULL. */
const struct bus_range *bus__find(const struct bus *bus, uint64_t addr);

/* Dispatch; true if a device claimed the access. Unclaimed reads return all-ones. */
bool bus__read(const struct bus *bus, uint64_t addr, unsigned size, uint64_t *value);
bool bus__write(const struct bus *bus, uint64_t addr, unsigned size, uint64_t value);

#endif
