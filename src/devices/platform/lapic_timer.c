// SPDX-License-Identifier: Apache-2.0
/*
 * lapic_timer.c - the local APIC timer: one-shot, periodic and TSC-deadline
 * modes (Intel SDM vol. 3A, APIC chapter: "APIC Timer").
 *
 * Nothing ticks: an armed timer is an expiry time on the platform clock. The
 * current-count register is computed from the time left; the divide
 * configuration scales LAPIC_BUS_HZ. A periodic timer that is polled late
 * fires once and keeps its phase (missed periods are coalesced, as an IRR
 * bit can only hold one). Periods shorter than LAPIC_MIN_PERIOD_NS are
 * stretched to it.
 */
#include "devices/platform/lapic_priv.h"

static unsigned timer_mode(const struct lapic_state *s)
{
    return APIC_TIMER_MODE(s->lvt[LAPIC_LVT_TIMER]);
}

/* Divide configuration bits 3,1,0: 000 = /2 ... 110 = /128, 111 = /1. */
static uint64_t divisor(const struct lapic_state *s)
{
    unsigned v = (s->timer_divide & 3) | ((s->timer_divide & 8) >> 1);
    return 1ull << ((v + 1) & 7);
}

static uint64_t counts_to_ns(const struct lapic_state *s, uint64_t counts)
{
    return (uint64_t)((unsigned __int128)counts * divisor(s) * 1000000000u / LAPIC_BUS_HZ);
}

static uint64_t period_ns(const struct lapic_state *s)
{
    uint64_t p = counts_to_ns(s, s->timer_initial);
    return p < LAPIC_MIN_PERIOD_NS ? LAPIC_MIN_PERIOD_NS : p;
}

void lapic_timer_disarm(struct lapic *l)
{
    l->s.timer_armed = 0;
    l->s.timer_expiry_ns = 0;
}

void lapic_timer_start(struct lapic *l, uint64_t now, uint32_t count)
{
    struct lapic_state *s = &l->s;
    if (count == 0) {
        lapic_timer_disarm(l);
        return;
    }
    uint64_t ns = counts_to_ns(s, count);
    if (timer_mode(s) == APIC_TIMER_PERIODIC && ns < LAPIC_MIN_PERIOD_NS)
        ns = LAPIC_MIN_PERIOD_NS;
    s->timer_expiry_ns = now + ns;
    s->timer_armed = 1;
}

uint32_t lapic_timer_current(const struct lapic *l, uint64_t now)
{
    const struct lapic_state *s = &l->s;
    if (!s->timer_armed || timer_mode(s) == APIC_TIMER_TSC_DEADLINE)
        return 0;
    uint64_t left;
    if (now < s->timer_expiry_ns) {
        left = s->timer_expiry_ns - now;
    } else if (timer_mode(s) == APIC_TIMER_PERIODIC) {
        uint64_t p = period_ns(s);
        left = p - (now - s->timer_expiry_ns) % p;
    } else {
        return 0;
    }
    uint64_t ns_per_count = counts_to_ns(s, 1);
    uint64_t count = (left + ns_per_count - 1) / ns_per_count;
    return count > s->timer_initial ? s->timer_initial : (uint32_t)count;
}

void lapic_timer_write_lvt(struct lapic *l, uint32_t value)
{
    struct lapic_state *s = &l->s;
    const bool was_deadline = timer_mode(s) == APIC_TIMER_TSC_DEADLINE;
    s->lvt[LAPIC_LVT_TIMER] = value;
    /* switching into or out of TSC-deadline mode disarms the timer (KVM does the same) */
    if (was_deadline != (timer_mode(s) == APIC_TIMER_TSC_DEADLINE)) {
        lapic_timer_disarm(l);
        s->timer_initial = 0;
        s->tsc_deadline = 0;
    }
}

void lapic_timer_write_initial(struct lapic *l, uint32_t value)
{
    if (timer_mode(&l->s) == APIC_TIMER_TSC_DEADLINE)
        return;
    l->s.timer_initial = value;
    lapic_timer_start(l, platform_clock__now(&l->clock), value);
}

void lapic_timer_write_divide(struct lapic *l, uint32_t value)
{
    struct lapic_state *s = &l->s;
    const uint64_t now = platform_clock__now(&l->clock);
    const uint32_t left = lapic_timer_current(l, now);
    s->timer_divide = value & 0xb;
    /* a running count goes on at the new rate; an expired, not yet polled one stays due */
    if (left)
        lapic_timer_start(l, now, left);
}

void lapic_timer_write_tsc_deadline(struct lapic *l, uint64_t value)
{
    struct lapic_state *s = &l->s;
    if (!lapic_hw_enabled(s) || timer_mode(s) != APIC_TIMER_TSC_DEADLINE)
        return; /* ignored outside TSC-deadline mode (SDM) */
    s->tsc_deadline = value;
    if (!value) {
        lapic_timer_disarm(l);
        return;
    }
    s->timer_expiry_ns = l->hooks->tsc_to_ns(l->opaque, l->index, value);
    s->timer_armed = 1;
}

void lapic__poll_timer(struct lapic *l, uint64_t now_ns)
{
    struct lapic_deferred d;
    lapic_lock(l, &d);
    struct lapic_state *s = &l->s;
    if (s->timer_armed && now_ns >= s->timer_expiry_ns) {
        const uint32_t lvt = s->lvt[LAPIC_LVT_TIMER];
        if (!(lvt & APIC_LVT_MASKED))
            lapic_set_irr(l, (uint8_t)lvt, false);
        if (timer_mode(s) == APIC_TIMER_PERIODIC) {
            uint64_t p = period_ns(s);
            s->timer_expiry_ns += p * ((now_ns - s->timer_expiry_ns) / p + 1);
        } else {
            lapic_timer_disarm(l);
            s->tsc_deadline = 0;
        }
    }
    lapic_unlock(l, &d);
}
