/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pit8254.h - the 8254 programmable interval timer (Intel 82C54 datasheet)
 * at ports 0x40-0x43, with the PC's wiring: channel 0's output raises ISA
 * IRQ 0, channel 1 is the (unused) refresh timer, channel 2's gate and
 * output are bit 0 and bit 5 of system control port B (0x61), whose bit 4
 * is the refresh toggle (every 15.085 us).
 *
 * Counters are computed from the platform clock at PIT_HZ (1.193182 MHz),
 * never ticked: a channel remembers when it started counting. Modes 0-5,
 * lo/hi/lohi access, the counter latch and read-back commands are modelled;
 * BCD counting is not (logged, counted in binary). Channel 0's interrupts
 * are due at pit8254__next_deadline_ns() and raised by pit8254__poll();
 * periods that pass unpolled are coalesced into one interrupt, and periodic
 * interrupts come at most every PIT_MIN_IRQ_PERIOD_NS (KVM's 200 us floor).
 */
#ifndef STRATA_DEVICES_PLATFORM_PIT8254_H
#define STRATA_DEVICES_PLATFORM_PIT8254_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/platform/clock.h"
#include "machine/bus.h"
#include "util/err.h"

#define PIT_HZ                1193182ull
#define PIT_PORT              0x40
#define PIT_PORT_B            0x61
#define PIT_MIN_IRQ_PERIOD_NS 200000ull

struct pit8254_hooks {
    /* A rising edge of channel 0's output: pulse ISA IRQ 0 (called without the lock). */
    void (*irq0)(void *opaque);
};

struct pit8254_channel {
    uint16_t count; /* as written; 0 means 0x10000 */
    uint16_t latched_count;
    uint8_t status; /* latched status byte */
    uint8_t mode;   /* 0-5 */
    uint8_t access; /* 1: lsb, 2: msb, 3: lsb then msb */
    uint8_t bcd;
    uint8_t read_state, write_state; /* next byte: ACCESS_* below */
    uint8_t count_latched;           /* ACCESS_* of the latch still to be read, 0 if none */
    uint8_t status_latched;
    uint8_t write_lsb; /* first half of a two-byte count */
    uint8_t gate;
    uint8_t count_loaded; /* a count was written since the control word */
    uint8_t started;      /* counting began: count loaded (modes 1, 5: and a gate edge seen) */
    uint64_t base_ticks;  /* ticks counted before start_ns */
    uint64_t start_ns;    /* counting resumed at this time (relative 0 in a saved image) */
};

#define PIT8254_STATE_VERSION 1

struct pit8254_state {
    uint32_t version;
    struct pit8254_channel ch[3];
    uint8_t port_b;     /* bits 3:0 of port 0x61 as written */
    uint64_t irq0_tick; /* channel 0 tick of the next interrupt, UINT64_MAX if none */
};

struct pit8254 {
    _Atomic uint64_t deadline_ns; /* next channel 0 interrupt; read without the lock */
    pthread_mutex_t lock;
    const struct pit8254_hooks *hooks;
    void *opaque;
    struct platform_clock clock;
    struct pit8254_state s;
};

void pit8254__init(struct pit8254 *pit, const struct pit8254_hooks *hooks, void *opaque,
                   const struct platform_clock *clock);
void pit8254__destroy(struct pit8254 *pit);
/* Puts ports 0x40-0x43 and 0x61 on the port-I/O bus. */
int pit8254__register(struct pit8254 *pit, struct bus *pio, struct err *err);

static inline uint64_t pit8254__next_deadline_ns(const struct pit8254 *pit)
{
    return atomic_load_explicit(&pit->deadline_ns, memory_order_acquire);
}

/* Raises IRQ 0 if channel 0's next interrupt is due at now. */
void pit8254__poll(struct pit8254 *pit, uint64_t now_ns);

void pit8254__save(struct pit8254 *pit, struct pit8254_state *out);
int pit8254__load(struct pit8254 *pit, const struct pit8254_state *in, struct err *err);

#endif
