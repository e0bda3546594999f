/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clock.h - the time source of the emu platform's timers.
 *
 * The LAPIC timer and the PIT compute their counters from one nanosecond
 * clock instead of ticking. In a VM that clock is the host's CLOCK_MONOTONIC
 * (DESIGN.md, "Time"); unit tests pass a fake one so that they never sleep.
 */
#ifndef STRATA_DEVICES_PLATFORM_CLOCK_H
#define STRATA_DEVICES_PLATFORM_CLOCK_H

#include <stdint.h>
#include <time.h>

/* "No timer armed" as a deadline: later than any time the clock returns. */
#define PLATFORM_NO_DEADLINE UINT64_MAX

struct platform_clock {
    uint64_t (*now_ns)(void *opaque);
    void *opaque;
};

static inline uint64_t platform_clock__now(const struct platform_clock *clock)
{
    return clock->now_ns(clock->opaque);
}

/* The host's CLOCK_MONOTONIC in nanoseconds; usable as platform_clock.now_ns. */
static inline uint64_t platform_clock__monotonic_ns(void *opaque)
{
    (void)opaque;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
