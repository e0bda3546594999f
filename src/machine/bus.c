// SPDX-License-Identifier: Apache-2.0
/*
 * bus.c - port-I/O and MMIO range dispatch (see bus.h).
 *
 * Ranges are kept sorted by base so that lookup is a binary search; they are
 * only added during setup, before any vCPU thread runs.
 */
#include "machine/bus.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"

void bus__init(struct bus *bus, const char *name, bool log_unclaimed)
{
    memset(bus, 0, sizeof(*bus));
    bus->name = name;
    bus->log_unclaimed = log_unclaimed;
}

static void log_unclaimed(const struct bus *bus, const char *what, uint64_t addr, unsigned size)
{
    if (bus->log_unclaimed)
        log_ratelimited("%s: unclaimed %s of %u bytes at %#llx", bus->name, what, size,
                        (unsigned long long)addr);
    else
        log__debug("%s: unclaimed %s of %u bytes at %#llx", bus->name, what, size,
                   (unsigned long long)addr);
}

void bus__destroy(struct bus *bus)
{
    free(bus->ranges);
    bus->ranges = NULL;
    bus->nranges = bus->cap = 0;
}

static uint64_t range_last(const struct bus_range *r)
{
    return r->base + r->len - 1;
}

int bus__register(struct bus *bus, uint64_t base, uint64_t len, const struct bus_ops *ops,
                  void *opaque, const char *name, struct err *err)
{
    if (len == 0 || base + len - 1 < base)
        return err__set(err, "%s: bad range for %s", bus->name, name);

    size_t pos = 0;
    while (pos < bus->nranges && bus->ranges[pos].base < base)
        pos++;
    const struct bus_range *prev = pos ? &bus->ranges[pos - 1] : NULL;
    const struct bus_range *next = pos < bus->nranges ? &bus->ranges[pos] : NULL;
    if ((prev && range_last(prev) >= base) || (next && next->base <= base + len - 1))
        return err__set(err, "%s: range %#llx+%#llx of %s overlaps %s", bus->name,
                        (unsigned long long)base, (unsigned long long)len, name,
                        prev && range_last(prev) >= base ? prev->name : next->name);

    if (bus->nranges == bus->cap) {
        size_t cap = bus->cap ? bus->cap * 2 : 16;
        struct bus_range *r = realloc(bus->ranges, cap * sizeof(*r));
        if (!r)
            return err__set(err, "%s: out of memory", bus->name);
        bus->ranges = r;
        bus->cap = cap;
    }
    memmove(&bus->ranges[pos + 1], &bus->ranges[pos], (bus->nranges - pos) * sizeof(*bus->ranges));
    bus->ranges[pos] = (struct bus_range){base, len, ops, opaque, name};
    bus->nranges++;
    return 0;
}

const struct bus_range *bus__find(const struct bus *bus, uint64_t addr)
{
    size_t lo = 0, hi = bus->nranges;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct bus_range *r = &bus->ranges[mid];
        if (addr < r->base)
            hi = mid;
        else if (addr > range_last(r))
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

bool bus__read(const struct bus *bus, uint64_t addr, unsigned size, uint64_t *value)
{
    const struct bus_range *r = bus__find(bus, addr);
    if (!r || !r->ops->read) {
        log_unclaimed(bus, "read", addr, size);
        *value = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
        return false;
    }
    *value = r->ops->read(r->opaque, addr - r->base, size);
    return true;
}

bool bus__write(const struct bus *bus, uint64_t addr, unsigned size, uint64_t value)
{
    const struct bus_range *r = bus__find(bus, addr);
    if (!r || !r->ops->write) {
        log_unclaimed(bus, "write", addr, size);
        return false;
    }
    r->ops->write(r->opaque, addr - r->base, size, value);
    return true;
}
