// SPDX-License-Identifier: Apache-2.0
/*
 * pit8254.c - 8254 interval timer (Intel 82C54 datasheet: "Control Word
 * Format", "Read-Back Command", "Counter Latch Command", "Mode Definitions";
 * see pit8254.h) and port 0x61.
 *
 * A channel's position is base_ticks + the ticks of PIT_HZ since start_ns
 * while it counts. Mode by mode, with N the reload value and e that
 * position:
 *   0 (interrupt on terminal count): value N - e, OUT low until e = N;
 *   1 (one-shot, gate-triggered):    like 0 from the gate's rising edge;
 *   2 (rate generator):              value N - e % N, OUT low while it is 1;
 *   3 (square wave):                 OUT high for ceil(N/2), low for floor(N/2),
 *                                    value counting down by two in each half;
 *   4 (software strobe):             value N - e, OUT low for the tick e = N;
 *   5 (hardware strobe):             like 4 from the gate's rising edge.
 * A low gate stops counting in modes 0, 2, 3, 4 (2 and 3 reload when it
 * rises and hold OUT high meanwhile). Writing a new count restarts the
 * channel at once (in modes 2 and 3 the chip would first finish the current
 * period). Channel 0 interrupts on OUT's rising edge: e = N in modes 0, 1,
 * 4, 5 and every multiple of N in modes 2 and 3.
 */
#include "devices/platform/pit8254.h"

#include "devices/isa.h"
#include "util/log.h"

#define ACCESS_LSB   1
#define ACCESS_MSB   2
#define ACCESS_WORD0 3 /* two-byte access, lsb next */
#define ACCESS_WORD1 4 /* two-byte access, msb next */

#define PORT_CONTROL      3
#define READ_BACK         3 /* select-counter field value of the read-back command */
#define PORT_B_OUT2       0x20
#define PORT_B_REFRESH    0x10
#define REFRESH_TOGGLE_NS 15085 /* DRAM refresh request period on a PC */

#define NO_TICK UINT64_MAX

static uint64_t ns_to_ticks(uint64_t ns)
{
    return (uint64_t)((unsigned __int128)ns * PIT_HZ / 1000000000u);
}

static uint64_t ticks_to_ns_ceil(uint64_t ticks)
{
    return (uint64_t)(((unsigned __int128)ticks * 1000000000u + PIT_HZ - 1) / PIT_HZ);
}

static uint64_t reload_value(const struct pit8254_channel *ch)
{
    return ch->count ? ch->count : 0x10000;
}

static bool gate_triggered(const struct pit8254_channel *ch)
{
    return ch->mode == 1 || ch->mode == 5;
}

static bool counting(const struct pit8254_channel *ch)
{
    return ch->started && (ch->gate || gate_triggered(ch));
}

static uint64_t position(const struct pit8254_channel *ch, uint64_t now)
{
    if (!counting(ch) || now <= ch->start_ns)
        return ch->base_ticks;
    return ch->base_ticks + ns_to_ticks(now - ch->start_ns);
}

static uint16_t counter_value(const struct pit8254_channel *ch, uint64_t now)
{
    if (!ch->started)
        return ch->count;
    const uint64_t n = reload_value(ch), e = position(ch, now);
    switch (ch->mode) {
    case 2: return (uint16_t)(n - e % n);
    case 3: {
        const uint64_t phase = e % n, high = (n + 1) / 2;
        return (uint16_t)(n - 2 * (phase < high ? phase : phase - high));
    }
    default: return (uint16_t)(n - e);
    }
}

static bool output(const struct pit8254_channel *ch, uint64_t now)
{
    if (!ch->started)
        return ch->mode != 0; /* mode 0 drives OUT low from its control word on */
    const uint64_t n = reload_value(ch), e = position(ch, now);
    switch (ch->mode) {
    case 0:
    case 1: return e >= n;
    case 2: return !ch->gate || e % n != n - 1;
    case 3: return !ch->gate || e % n < (n + 1) / 2;
    default: return e != n;
    }
}

/* The tick, after position e, at which OUT rises next; NO_TICK if never. */
static uint64_t next_rising_tick(const struct pit8254_channel *ch, uint64_t e)
{
    if (!ch->started)
        return NO_TICK;
    const uint64_t n = reload_value(ch);
    if (ch->mode != 2 && ch->mode != 3)
        return e < n ? n : NO_TICK;
    const uint64_t min_period = PIT_MIN_IRQ_PERIOD_NS * PIT_HZ / 1000000000u;
    const uint64_t period = n < min_period ? min_period : n;
    return (e / period + 1) * period;
}

static void publish_deadline(struct pit8254 *pit)
{
    const struct pit8254_channel *ch0 = &pit->s.ch[0];
    uint64_t deadline = PLATFORM_NO_DEADLINE;
    if (pit->s.irq0_tick != NO_TICK && counting(ch0))
        deadline = ch0->start_ns + ticks_to_ns_ceil(pit->s.irq0_tick - ch0->base_ticks);
    atomic_store_explicit(&pit->deadline_ns, deadline, memory_order_release);
}

static void rearm_irq0(struct pit8254 *pit, uint64_t now)
{
    const struct pit8254_channel *ch0 = &pit->s.ch[0];
    pit->s.irq0_tick = next_rising_tick(ch0, position(ch0, now));
    publish_deadline(pit);
}

void pit8254__init(struct pit8254 *pit, const struct pit8254_hooks *hooks, void *opaque,
                   const struct platform_clock *clock)
{
    pthread_mutex_init(&pit->lock, NULL);
    pit->hooks = hooks;
    pit->opaque = opaque;
    pit->clock = *clock;
    pit->s = (struct pit8254_state){.version = PIT8254_STATE_VERSION, .irq0_tick = NO_TICK};
    for (unsigned i = 0; i < 3; i++) {
        struct pit8254_channel *ch = &pit->s.ch[i];
        ch->access = ACCESS_WORD0;
        ch->read_state = ch->write_state = ACCESS_WORD0;
        ch->gate = i != 2; /* channels 0 and 1 are gated on; channel 2 by port 0x61 */
    }
    atomic_init(&pit->deadline_ns, PLATFORM_NO_DEADLINE);
}

void pit8254__destroy(struct pit8254 *pit)
{
    pthread_mutex_destroy(&pit->lock);
}

static void load_count(struct pit8254_channel *ch, uint16_t count, uint64_t now)
{
    ch->count = count;
    ch->base_ticks = 0;
    ch->start_ns = now;
    ch->started = !gate_triggered(ch); /* modes 1 and 5 wait for a gate edge */
}

static void set_gate(struct pit8254_channel *ch, bool level, uint64_t now)
{
    if (level == (bool)ch->gate)
        return;
    const uint64_t e = position(ch, now);
    ch->gate = level;
    if (!level) {
        if (!gate_triggered(ch))
            ch->base_ticks = e; /* counting pauses */
        return;
    }
    switch (ch->mode) {
    case 0:
    case 4: ch->start_ns = now; break; /* counting resumes */
    case 2:
    case 3: /* reload */
        ch->base_ticks = 0;
        ch->start_ns = now;
        break;
    default: /* 1, 5: trigger, if a count is loaded */
        if (ch->count_loaded) {
            ch->started = 1;
            ch->base_ticks = 0;
            ch->start_ns = now;
        }
        break;
    }
}

static void latch_count(struct pit8254_channel *ch, uint64_t now)
{
    if (ch->count_latched)
        return; /* a second latch before the first is read is ignored */
    ch->latched_count = counter_value(ch, now);
    ch->count_latched = ch->access;
}

static void write_control(struct pit8254 *pit, uint8_t value, uint64_t now)
{
    const unsigned select = value >> 6;
    if (select == READ_BACK) {
        for (unsigned i = 0; i < 3; i++) {
            struct pit8254_channel *ch = &pit->s.ch[i];
            if (!(value & (2u << i)))
                continue;
            if (!(value & 0x20))
                latch_count(ch, now);
            if (!(value & 0x10) && !ch->status_latched) {
                ch->status = (uint8_t)((output(ch, now) << 7) | (ch->access << 4) |
                                       (ch->mode << 1) | ch->bcd);
                ch->status_latched = 1;
            }
        }
        return;
    }
    struct pit8254_channel *ch = &pit->s.ch[select];
    const unsigned access = (value >> 4) & 3;
    if (access == 0) {
        latch_count(ch, now);
        return;
    }
    const unsigned mode = (value >> 1) & 7;
    if (value & 1)
        log_ratelimited("pit: bcd counting on channel %u not supported, counting in binary",
                        select);
    ch->access = (uint8_t)access;
    ch->read_state = ch->write_state = (uint8_t)access;
    ch->mode = (uint8_t)(mode > 5 ? mode - 4 : mode); /* 6 and 7 are 2 and 3 */
    ch->bcd = value & 1;
    ch->started = 0;
    ch->count_loaded = 0;
    ch->base_ticks = 0;
    if (select == 0)
        rearm_irq0(pit, now);
}

static void write_counter(struct pit8254 *pit, unsigned i, uint8_t value, uint64_t now)
{
    struct pit8254_channel *ch = &pit->s.ch[i];
    switch (ch->write_state) {
    case ACCESS_LSB: load_count(ch, value, now); break;
    case ACCESS_MSB: load_count(ch, (uint16_t)(value << 8), now); break;
    case ACCESS_WORD0:
        ch->write_lsb = value;
        ch->write_state = ACCESS_WORD1;
        return;
    default:
        load_count(ch, (uint16_t)(ch->write_lsb | value << 8), now);
        ch->write_state = ACCESS_WORD0;
        break;
    }
    ch->count_loaded = 1;
    if (i == 0)
        rearm_irq0(pit, now);
}

static uint8_t read_counter(struct pit8254_channel *ch, uint64_t now)
{
    if (ch->status_latched) {
        ch->status_latched = 0;
        return ch->status;
    }
    if (ch->count_latched) {
        const uint16_t v = ch->latched_count;
        switch (ch->count_latched) {
        case ACCESS_MSB: ch->count_latched = 0; return (uint8_t)(v >> 8);
        case ACCESS_WORD0: ch->count_latched = ACCESS_MSB; return (uint8_t)v;
        default: ch->count_latched = 0; return (uint8_t)v;
        }
    }
    const uint16_t v = counter_value(ch, now);
    switch (ch->read_state) {
    case ACCESS_MSB: return (uint8_t)(v >> 8);
    case ACCESS_WORD0: ch->read_state = ACCESS_WORD1; return (uint8_t)v;
    case ACCESS_WORD1: ch->read_state = ACCESS_WORD0; return (uint8_t)(v >> 8);
    default: return (uint8_t)v;
    }
}

static uint64_t pit_read(void *opaque, uint64_t port, unsigned size)
{
    struct pit8254 *pit = opaque;
    if (port == PORT_CONTROL)
        return isa__widen_read(0xff, size); /* the control register cannot be read */
    pthread_mutex_lock(&pit->lock);
    uint8_t value = read_counter(&pit->s.ch[port], platform_clock__now(&pit->clock));
    pthread_mutex_unlock(&pit->lock);
    return isa__widen_read(value, size);
}

static void pit_write(void *opaque, uint64_t port, unsigned size, uint64_t value)
{
    (void)size;
    struct pit8254 *pit = opaque;
    pthread_mutex_lock(&pit->lock);
    const uint64_t now = platform_clock__now(&pit->clock);
    if (port == PORT_CONTROL)
        write_control(pit, (uint8_t)value, now);
    else
        write_counter(pit, (unsigned)port, (uint8_t)value, now);
    pthread_mutex_unlock(&pit->lock);
}

/* Port 0x61: bit 0 channel 2 gate, bit 1 speaker enable, bits 3:2 NMI check enables (stored). */
static uint64_t port_b_read(void *opaque, uint64_t port, unsigned size)
{
    (void)port;
    struct pit8254 *pit = opaque;
    pthread_mutex_lock(&pit->lock);
    const uint64_t now = platform_clock__now(&pit->clock);
    uint8_t value = pit->s.port_b & 0x0f;
    if ((now / REFRESH_TOGGLE_NS) & 1)
        value |= PORT_B_REFRESH;
    if (output(&pit->s.ch[2], now))
        value |= PORT_B_OUT2;
    pthread_mutex_unlock(&pit->lock);
    return isa__widen_read(value, size);
}

static void port_b_write(void *opaque, uint64_t port, unsigned size, uint64_t value)
{
    (void)port;
    (void)size;
    struct pit8254 *pit = opaque;
    pthread_mutex_lock(&pit->lock);
    pit->s.port_b = value & 0x0f;
    set_gate(&pit->s.ch[2], value & 1, platform_clock__now(&pit->clock));
    pthread_mutex_unlock(&pit->lock);
}

static const struct bus_ops pit_ops = {.read = pit_read, .write = pit_write};
static const struct bus_ops port_b_ops = {.read = port_b_read, .write = port_b_write};

int pit8254__register(struct pit8254 *pit, struct bus *pio, struct err *err)
{
    if (bus__register(pio, PIT_PORT, 4, &pit_ops, pit, "pit", err) ||
        bus__register(pio, PIT_PORT_B, 1, &port_b_ops, pit, "port-b", err))
        return -1;
    return 0;
}

void pit8254__poll(struct pit8254 *pit, uint64_t now_ns)
{
    if (now_ns < pit8254__next_deadline_ns(pit))
        return;
    pthread_mutex_lock(&pit->lock);
    const struct pit8254_channel *ch0 = &pit->s.ch[0];
    const uint64_t e = position(ch0, now_ns);
    const bool due = pit->s.irq0_tick != NO_TICK && counting(ch0) && e >= pit->s.irq0_tick;
    if (due) {
        pit->s.irq0_tick = next_rising_tick(ch0, e);
        publish_deadline(pit);
    }
    pthread_mutex_unlock(&pit->lock);
    if (due)
        pit->hooks->irq0(pit->opaque);
}

void pit8254__save(struct pit8254 *pit, struct pit8254_state *out)
{
    pthread_mutex_lock(&pit->lock);
    const uint64_t now = platform_clock__now(&pit->clock);
    *out = pit->s;
    for (unsigned i = 0; i < 3; i++) {
        out->ch[i].base_ticks = position(&pit->s.ch[i], now);
        out->ch[i].start_ns = 0;
    }
    pthread_mutex_unlock(&pit->lock);
}

int pit8254__load(struct pit8254 *pit, const struct pit8254_state *in, struct err *err)
{
    if (in->version != PIT8254_STATE_VERSION)
        return err__set(err, "pit: state version %u, expected %u", in->version,
                        PIT8254_STATE_VERSION);
    for (unsigned i = 0; i < 3; i++)
        if (in->ch[i].mode > 5 || in->ch[i].access < ACCESS_LSB || in->ch[i].access > ACCESS_WORD0)
            return err__set(err, "pit: bad mode or access in saved channel %u", i);
    pthread_mutex_lock(&pit->lock);
    const uint64_t now = platform_clock__now(&pit->clock);
    pit->s = *in;
    for (unsigned i = 0; i < 3; i++)
        pit->s.ch[i].start_ns = now;
    publish_deadline(pit);
    pthread_mutex_unlock(&pit->lock);
    return 0;
}
