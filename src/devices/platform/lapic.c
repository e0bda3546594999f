// SPDX-License-Identifier: Apache-2.0
/*
 * lapic.c - local APIC core: IRR/ISR/TMR and the processor priority, message
 * acceptance and destination matching, EOI, ICR sends, NMI/INIT/SIPI events,
 * LINT0 in virtual-wire mode, and save/load (Intel SDM vol. 3A, APIC chapter:
 * "Task and Processor Priorities", "Interrupt Acceptance for Fixed
 * Interrupts", "Issuing Interprocessor Interrupts", "Determining IPI
 * Destination", "Signaling Interrupt Servicing Completion").
 *
 * Every entry point runs under the LAPIC's lock and ends in lapic_unlock(),
 * which republishes the lock-free `events` and `deadline_ns` words and then,
 * without the lock, kicks the vCPU and passes ICR messages and level EOIs
 * on to the platform.
 */
#include <string.h>

#include "devices/platform/lapic_priv.h"
#include "util/log.h"

static void vec_set(uint32_t *reg, uint8_t v)
{
    reg[v >> 5] |= 1u << (v & 31);
}

static void vec_clear(uint32_t *reg, uint8_t v)
{
    reg[v >> 5] &= ~(1u << (v & 31));
}

static bool vec_test(const uint32_t *reg, uint8_t v)
{
    return reg[v >> 5] & (1u << (v & 31));
}

static int vec_highest(const uint32_t *reg)
{
    for (int i = 7; i >= 0; i--)
        if (reg[i])
            return i * 32 + 31 - __builtin_clz(reg[i]);
    return -1;
}

uint32_t lapic_compute_ppr(const struct lapic_state *s)
{
    int isrv = vec_highest(s->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
    return (s->tpr & 0xf0) >= isr_class ? s->tpr & 0xff : isr_class;
}

/* The IRR vector the processor priority lets through, or -1. */
static int deliverable_vector(const struct lapic_state *s)
{
    int v = vec_highest(s->irr);
    if (v < 0 || ((uint32_t)v & 0xf0) <= (lapic_compute_ppr(s) & 0xf0))
        return -1;
    return v;
}

static bool extint_pending(const struct lapic_state *s)
{
    const uint32_t lint0 = s->lvt[LAPIC_LVT_LINT0];
    return s->lint0_level && (!lapic_hw_enabled(s) || ((lint0 & APIC_LVT_MASKED) == 0 &&
                                                       APIC_LVT_DM(lint0) == APIC_DM_EXTINT));
}

void lapic_lock(struct lapic *l, struct lapic_deferred *d)
{
    pthread_mutex_lock(&l->lock);
    d->events_before = atomic_load_explicit(&l->events, memory_order_relaxed);
    d->send = false;
    d->eoi_vector = -1;
}

void lapic_unlock(struct lapic *l, struct lapic_deferred *d)
{
    const struct lapic_state *s = &l->s;
    unsigned events = s->pending;
    if (extint_pending(s) || (lapic_hw_enabled(s) && deliverable_vector(s) >= 0))
        events |= LAPIC_EVENT_INTR;
    atomic_store_explicit(&l->events, events, memory_order_release);
    atomic_store_explicit(&l->deadline_ns,
                          s->timer_armed ? s->timer_expiry_ns : PLATFORM_NO_DEADLINE,
                          memory_order_release);
    pthread_mutex_unlock(&l->lock);

    if (events & ~d->events_before)
        l->hooks->kick(l->opaque, l->index);
    if (d->send)
        l->hooks->send(l->opaque, l->index, &d->msg);
    if (d->eoi_vector >= 0)
        l->hooks->eoi(l->opaque, (uint8_t)d->eoi_vector);
}

void lapic_reset_regs(struct lapic *l)
{
    struct lapic_state *s = &l->s;
    s->tpr = 0;
    s->ldr = 0;
    s->dfr = 0xffffffff;
    s->svr = 0xff;
    s->esr = s->esr_pending = 0;
    s->icr_lo = s->icr_hi = 0;
    for (int i = 0; i < LAPIC_NR_LVT; i++)
        s->lvt[i] = APIC_LVT_MASKED;
    memset(s->irr, 0, sizeof(s->irr));
    memset(s->isr, 0, sizeof(s->isr));
    memset(s->tmr, 0, sizeof(s->tmr));
    s->timer_initial = 0;
    s->timer_divide = 0;
    s->tsc_deadline = 0;
    lapic_timer_disarm(l);
}

void lapic__init(struct lapic *l, unsigned index, bool bsp, const struct lapic_hooks *hooks,
                 void *opaque, const struct platform_clock *clock)
{
    memset(l, 0, sizeof(*l));
    l->index = index;
    l->hooks = hooks;
    l->opaque = opaque;
    l->clock = *clock;
    pthread_mutex_init(&l->lock, NULL);
    atomic_init(&l->events, 0);
    atomic_init(&l->deadline_ns, PLATFORM_NO_DEADLINE);
    l->s.version = LAPIC_STATE_VERSION;
    l->s.id = index;
    l->s.apic_base = APIC_BASE_DEFAULT | APIC_BASE_ENABLE | (bsp ? APIC_BASE_BSP : 0);
    lapic_reset_regs(l);
    if (bsp)
        l->s.lvt[LAPIC_LVT_LINT0] = APIC_DM_EXTINT << 8;
}

void lapic__destroy(struct lapic *l)
{
    pthread_mutex_destroy(&l->lock);
}

void lapic_set_error(struct lapic *l, uint32_t esr_bit)
{
    struct lapic_state *s = &l->s;
    s->esr_pending |= esr_bit;
    const uint32_t lvt = s->lvt[LAPIC_LVT_ERROR];
    /* an illegal vector in the error LVT itself is not signalled again */
    if (!(lvt & APIC_LVT_MASKED) && (lvt & 0xff) >= 16) {
        vec_set(s->irr, (uint8_t)lvt);
        vec_clear(s->tmr, (uint8_t)lvt);
    }
}

void lapic_set_irr(struct lapic *l, uint8_t vector, bool level)
{
    if (vector < 16) {
        lapic_set_error(l, APIC_ESR_RECV_ILLEGAL_VECTOR);
        return;
    }
    vec_set(l->s.irr, vector);
    if (level)
        vec_set(l->s.tmr, vector);
    else
        vec_clear(l->s.tmr, vector);
}

void lapic_write_svr(struct lapic *l, uint32_t value)
{
    l->s.svr = value & 0x3ff;
    if (!lapic_sw_enabled(&l->s))
        for (int i = 0; i < LAPIC_NR_LVT; i++)
            l->s.lvt[i] |= APIC_LVT_MASKED;
}

int lapic__get_interrupt(struct lapic *l)
{
    struct lapic_deferred d;
    lapic_lock(l, &d);
    int v = lapic_hw_enabled(&l->s) ? deliverable_vector(&l->s) : -1;
    lapic_unlock(l, &d);
    return v;
}

void lapic__ack(struct lapic *l, uint8_t vector)
{
    struct lapic_deferred d;
    lapic_lock(l, &d);
    vec_clear(l->s.irr, vector);
    vec_set(l->s.isr, vector);
    lapic_unlock(l, &d);
}

bool lapic__extint_pending(struct lapic *l)
{
    struct lapic_deferred d;
    lapic_lock(l, &d);
    bool pending = extint_pending(&l->s);
    lapic_unlock(l, &d);
    return pending;
}

uint8_t lapic__ppr(struct lapic *l)
{
    struct lapic_deferred d;
    lapic_lock(l, &d);
    uint8_t ppr = (uint8_t)lapic_compute_ppr(&l->s);
    lapic_unlock(l, &d);
    return ppr;
}

void lapic_eoi(struct lapic *l, struct lapic_deferred *d)
{
    int v = vec_highest(l->s.isr);
    if (v < 0)
        return;
    vec_clear(l->s.isr, (uint8_t)v);
    if (vec_test(l->s.tmr, (uint8_t)v))
        d->eoi_vector = v;
}

void lapic_send_icr(struct lapic *l, struct lapic_deferred *d)
{
    const struct lapic_state *s = &l->s;
    const uint32_t lo = s->icr_lo;
    const bool x2apic = lapic_x2apic(s);
    struct apic_msg msg = {
        .dest = x2apic ? s->icr_hi : s->icr_hi >> 24,
        .vector = (uint8_t)lo,
        .delivery = (lo >> 8) & 7,
        .logical = lo & (1u << 11),
        .assert = lo & (1u << 14),
        .level = lo & (1u << 15),
        .shorthand = (lo >> 18) & 3,
        .x2apic = x2apic,
    };
    switch (msg.delivery) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        if (msg.vector < 16) {
            lapic_set_error(l, APIC_ESR_SEND_ILLEGAL_VECTOR);
            return;
        }
        break;
    case APIC_DM_INIT:
        if (msg.level && !msg.assert)
            return; /* INIT level de-assert: only resynchronises arbitration ids */
        break;
    case APIC_DM_NMI:
    case APIC_DM_STARTUP: break;
    default:
        log_ratelimited("lapic %u: ICR delivery mode %u not supported (icr %#x), dropped", l->index,
                        msg.delivery, lo);
        return;
    }
    d->send = true;
    d->msg = msg;
}

static bool physical_match(const struct lapic_state *s, const struct apic_msg *msg)
{
    const uint32_t broadcast = msg->x2apic ? 0xffffffff : 0xff;
    return msg->dest == broadcast || msg->dest == s->id;
}

static bool logical_match(const struct lapic_state *s, const struct apic_msg *msg)
{
    if (lapic_x2apic(s)) {
        const uint32_t ldr = lapic_x2apic_ldr(s->id);
        if (msg->dest == 0xffffffff)
            return true;
        return (msg->dest >> 16) == (ldr >> 16) && (msg->dest & ldr & 0xffff);
    }
    const uint8_t dest = (uint8_t)msg->dest;
    const uint8_t ldr = (uint8_t)(s->ldr >> 24);
    if ((s->dfr >> 28) == 0xf) /* flat model: a bit per APIC */
        return dest & ldr;
    /* cluster model: cluster in bits 7:4 (15 = all clusters), a bit per APIC in 3:0 */
    return ((dest >> 4) == 0xf || (dest >> 4) == (ldr >> 4)) && (dest & ldr & 0xf);
}

bool lapic__matches(struct lapic *l, const struct apic_msg *msg, unsigned src)
{
    struct lapic_deferred d;
    lapic_lock(l, &d);
    bool match = false;
    if (lapic_hw_enabled(&l->s)) {
        switch (msg->shorthand) {
        case APIC_DEST_SELF: match = l->index == src; break;
        case APIC_DEST_ALL: match = true; break;
        case APIC_DEST_OTHERS: match = l->index != src; break;
        default:
            match = msg->logical ? logical_match(&l->s, msg) : physical_match(&l->s, msg);
            break;
        }
    }
    lapic_unlock(l, &d);
    return match;
}

void lapic__accept(struct lapic *l, const struct apic_msg *msg)
{
    struct lapic_deferred d;
    lapic_lock(l, &d);
    struct lapic_state *s = &l->s;
    switch (msg->delivery) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        /* a software-disabled APIC drops fixed interrupts, as KVM's does */
        if (lapic_hw_enabled(s) && lapic_sw_enabled(s))
            lapic_set_irr(l, msg->vector, msg->level);
        break;
    case APIC_DM_NMI: s->pending |= LAPIC_EVENT_NMI; break;
    case APIC_DM_INIT: s->pending |= LAPIC_EVENT_INIT; break;
    case APIC_DM_STARTUP:
        s->sipi_vector = msg->vector;
        s->pending |= LAPIC_EVENT_SIPI;
        break;
    default:
        log_ratelimited("lapic %u: delivery mode %u not supported, message dropped", l->index,
                        msg->delivery);
        break;
    }
    lapic_unlock(l, &d);
}

void lapic__set_lint0(struct lapic *l, bool level)
{
    struct lapic_deferred d;
    lapic_lock(l, &d);
    l->s.lint0_level = level;
    lapic_unlock(l, &d);
}

static bool take_event(struct lapic *l, unsigned event, uint8_t *sipi_vector)
{
    struct lapic_deferred d;
    lapic_lock(l, &d);
    bool was_pending = l->s.pending & event;
    if (sipi_vector)
        *sipi_vector = l->s.sipi_vector;
    l->s.pending &= (uint8_t)~event;
    if (was_pending && event == LAPIC_EVENT_INIT)
        lapic_reset_regs(l);
    lapic_unlock(l, &d);
    return was_pending;
}

bool lapic__take_nmi(struct lapic *l)
{
    return take_event(l, LAPIC_EVENT_NMI, NULL);
}

bool lapic__take_init(struct lapic *l)
{
    return take_event(l, LAPIC_EVENT_INIT, NULL);
}

bool lapic__take_sipi(struct lapic *l, uint8_t *vector)
{
    return take_event(l, LAPIC_EVENT_SIPI, vector);
}

uint64_t lapic__read_cr8(struct lapic *l)
{
    struct lapic_deferred d;
    lapic_lock(l, &d);
    uint64_t cr8 = (l->s.tpr >> 4) & 0xf;
    lapic_unlock(l, &d);
    return cr8;
}

void lapic__write_cr8(struct lapic *l, uint64_t value)
{
    struct lapic_deferred d;
    lapic_lock(l, &d);
    l->s.tpr = (uint32_t)(value & 0xf) << 4;
    lapic_unlock(l, &d);
}

void lapic__save(struct lapic *l, struct lapic_state *out)
{
    struct lapic_deferred d;
    lapic_lock(l, &d);
    *out = l->s;
    if (out->timer_armed) {
        uint64_t now = platform_clock__now(&l->clock);
        out->timer_expiry_ns = out->timer_expiry_ns > now ? out->timer_expiry_ns - now : 0;
    }
    lapic_unlock(l, &d);
}

int lapic__load(struct lapic *l, const struct lapic_state *in, struct err *err)
{
    if (in->version != LAPIC_STATE_VERSION)
        return err__set(err, "lapic %u: state version %u, expected %u", l->index, in->version,
                        LAPIC_STATE_VERSION);
    struct lapic_deferred d;
    lapic_lock(l, &d);
    l->s = *in;
    l->s.pending &= LAPIC_EVENT_NMI | LAPIC_EVENT_INIT | LAPIC_EVENT_SIPI;
    if (l->s.timer_armed)
        l->s.timer_expiry_ns += platform_clock__now(&l->clock);
    lapic_unlock(l, &d);
    return 0;
}
