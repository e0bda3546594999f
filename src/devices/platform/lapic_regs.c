// SPDX-License-Identifier: Apache-2.0
/*
 * lapic_regs.c - the local APIC register file as the guest and the engine
 * see it: the xAPIC MMIO page, the x2APIC MSRs (0x800 + offset / 16),
 * IA32_APIC_BASE with its mode transitions, IA32_TSC_DEADLINE, and the
 * KVM_GET_LAPIC-layout page image of struct cpu_state (Intel SDM vol. 3A,
 * APIC chapter: "Local APIC Register Address Map", "x2APIC Register Address
 * Space", "x2APIC State Transitions").
 */
#include <string.h>

#include "devices/platform/lapic_priv.h"
#include "util/log.h"

/* Writable bits of each LVT entry (vector, delivery mode, polarity, trigger, mask, timer mode). */
static const uint32_t lvt_writable[LAPIC_NR_LVT] = {
    [LAPIC_LVT_TIMER] = 0x700ff, [LAPIC_LVT_THERMAL] = 0x107ff, [LAPIC_LVT_PERF] = 0x107ff,
    [LAPIC_LVT_LINT0] = 0x1a7ff, [LAPIC_LVT_LINT1] = 0x1a7ff,   [LAPIC_LVT_ERROR] = 0x100ff,
};

#define APIC_BASE_RESERVED (0x2ffull | ~0x000fffffffffffffull)

static bool in_block(unsigned reg, unsigned first)
{
    return reg >= first && reg < first + 0x80;
}

/* A register read; false for an address that holds no readable register. */
static bool reg_read(struct lapic *l, unsigned reg, uint32_t *value)
{
    const struct lapic_state *s = &l->s;
    const bool x2apic = lapic_x2apic(s);
    if (in_block(reg, APIC_ISR))
        *value = s->isr[(reg - APIC_ISR) >> 4];
    else if (in_block(reg, APIC_TMR))
        *value = s->tmr[(reg - APIC_TMR) >> 4];
    else if (in_block(reg, APIC_IRR))
        *value = s->irr[(reg - APIC_IRR) >> 4];
    else if (reg >= APIC_LVTT && reg <= APIC_LVTERR)
        *value = s->lvt[(reg - APIC_LVTT) >> 4];
    else {
        switch (reg) {
        case APIC_ID: *value = x2apic ? s->id : s->id << 24; break;
        case APIC_LVR: *value = APIC_VERSION; break;
        case APIC_TASKPRI: *value = s->tpr; break;
        case APIC_ARBPRI: *value = 0; break;
        case APIC_PROCPRI: *value = lapic_compute_ppr(s); break;
        case APIC_LDR: *value = x2apic ? lapic_x2apic_ldr(s->id) : s->ldr; break;
        case APIC_DFR: *value = s->dfr; break;
        case APIC_SPIV: *value = s->svr; break;
        case APIC_ESR: *value = s->esr; break;
        case APIC_ICR: *value = s->icr_lo; break;
        case APIC_ICR2: *value = s->icr_hi; break;
        case APIC_TMICT: *value = s->timer_initial; break;
        case APIC_TMCCT: *value = lapic_timer_current(l, platform_clock__now(&l->clock)); break;
        case APIC_TDCR: *value = s->timer_divide; break;
        default: return false;
        }
    }
    return true;
}

/* A register write; false for an address that holds no writable register. */
static bool reg_write(struct lapic *l, unsigned reg, uint32_t value, struct lapic_deferred *d)
{
    struct lapic_state *s = &l->s;
    const bool x2apic = lapic_x2apic(s);
    if (reg >= APIC_LVTT && reg <= APIC_LVTERR) {
        unsigned i = (reg - APIC_LVTT) >> 4;
        value &= lvt_writable[i];
        if (!lapic_sw_enabled(s))
            value |= APIC_LVT_MASKED;
        if (i == LAPIC_LVT_TIMER)
            lapic_timer_write_lvt(l, value);
        else
            s->lvt[i] = value;
        return true;
    }
    switch (reg) {
    case APIC_ID:
        if (x2apic)
            return false;
        s->id = value >> 24;
        break;
    case APIC_TASKPRI: s->tpr = value & 0xff; break;
    case APIC_EOI:
        if (x2apic && value)
            return false;
        lapic_eoi(l, d);
        break;
    case APIC_LDR:
        if (x2apic)
            return false;
        s->ldr = value & 0xff000000;
        break;
    case APIC_DFR:
        if (x2apic)
            return false;
        s->dfr = value | 0x0fffffff;
        break;
    case APIC_SPIV: lapic_write_svr(l, value); break;
    case APIC_ESR:
        if (x2apic && value)
            return false;
        s->esr = s->esr_pending;
        s->esr_pending = 0;
        break;
    case APIC_ICR:
        s->icr_lo = value & ~(1u << 12); /* delivery status is read-only (and always idle) */
        lapic_send_icr(l, d);
        break;
    case APIC_ICR2:
        if (x2apic)
            return false;
        s->icr_hi = value & 0xff000000;
        break;
    case APIC_TMICT: lapic_timer_write_initial(l, value); break;
    case APIC_TDCR: lapic_timer_write_divide(l, value); break;
    case APIC_SELF_IPI:
        if (!x2apic)
            return false;
        d->send = true;
        d->msg = (struct apic_msg){.vector = (uint8_t)value,
                                   .delivery = APIC_DM_FIXED,
                                   .shorthand = APIC_DEST_SELF,
                                   .x2apic = true};
        break;
    default: return false;
    }
    return true;
}

bool lapic__mmio_base(struct lapic *l, uint64_t *base)
{
    struct lapic_deferred d;
    lapic_lock(l, &d);
    const bool xapic = lapic_hw_enabled(&l->s) && !lapic_x2apic(&l->s);
    *base = l->s.apic_base & APIC_BASE_ADDR;
    lapic_unlock(l, &d);
    return xapic;
}

uint64_t lapic__mmio_read(struct lapic *l, uint64_t offset, unsigned size)
{
    const unsigned byte = offset & 0xf;
    if (offset >= LAPIC_MMIO_SIZE || byte + size > 4) {
        log_ratelimited("lapic %u: read of %u bytes at offset %#llx", l->index, size,
                        (unsigned long long)offset);
        return 0;
    }
    struct lapic_deferred d;
    lapic_lock(l, &d);
    uint32_t value = 0;
    if (lapic_x2apic(&l->s))
        log_ratelimited("lapic %u: mmio read in x2apic mode", l->index);
    else if (!reg_read(l, (unsigned)offset & 0xff0, &value))
        lapic_set_error(l, APIC_ESR_ILLEGAL_REGISTER);
    lapic_unlock(l, &d);
    value >>= byte * 8;
    return size == 4 ? value : value & ((1u << (size * 8)) - 1);
}

void lapic__mmio_write(struct lapic *l, uint64_t offset, unsigned size, uint64_t value)
{
    if (offset >= LAPIC_MMIO_SIZE || size != 4 || (offset & 0xf)) {
        log_ratelimited("lapic %u: write of %u bytes at offset %#llx ignored", l->index, size,
                        (unsigned long long)offset);
        return;
    }
    struct lapic_deferred d;
    lapic_lock(l, &d);
    if (lapic_x2apic(&l->s))
        log_ratelimited("lapic %u: mmio write in x2apic mode ignored", l->index);
    else if (!reg_write(l, (unsigned)offset, (uint32_t)value, &d))
        lapic_set_error(l, APIC_ESR_ILLEGAL_REGISTER);
    lapic_unlock(l, &d);
}

enum apic_mode { MODE_DISABLED, MODE_INVALID, MODE_XAPIC, MODE_X2APIC };

static enum apic_mode mode_of(uint64_t apic_base)
{
    return (enum apic_mode)(((apic_base & APIC_BASE_ENABLE) ? 2 : 0) |
                            ((apic_base & APIC_BASE_EXTD) ? 1 : 0));
}

static int write_apic_base(struct lapic *l, uint64_t value)
{
    const enum apic_mode from = mode_of(l->s.apic_base), to = mode_of(value);
    if ((value & APIC_BASE_RESERVED) || to == MODE_INVALID ||
        (from == MODE_X2APIC && to == MODE_XAPIC) || (from == MODE_DISABLED && to == MODE_X2APIC))
        return -1;
    l->s.apic_base = value;
    if (to == MODE_DISABLED && from != MODE_DISABLED)
        lapic_reset_regs(l);
    return 0;
}

/* x2APIC MSRs that exist only as xAPIC registers, or only one way. */
static bool x2apic_msr_valid(unsigned reg, bool write)
{
    switch (reg) {
    case APIC_ARBPRI:
    case APIC_RRR:
    case APIC_DFR:
    case APIC_ICR2: return false;
    case APIC_EOI:
    case APIC_SELF_IPI: return write;
    default: return true;
    }
}

int lapic__msr_read(struct lapic *l, uint32_t index, uint64_t *value)
{
    struct lapic_deferred d;
    lapic_lock(l, &d);
    int ret = 0;
    const unsigned reg = (index - MSR_X2APIC_FIRST) << 4;
    if (index == MSR_IA32_APIC_BASE) {
        *value = l->s.apic_base;
    } else if (index == MSR_IA32_TSC_DEADLINE) {
        const bool deadline_mode =
            APIC_TIMER_MODE(l->s.lvt[LAPIC_LVT_TIMER]) == APIC_TIMER_TSC_DEADLINE;
        *value = deadline_mode ? l->s.tsc_deadline : 0;
    } else if (!lapic__is_msr(index) || !lapic_x2apic(&l->s) || !x2apic_msr_valid(reg, false)) {
        ret = -1;
    } else if (reg == APIC_ICR) {
        *value = (uint64_t)l->s.icr_hi << 32 | l->s.icr_lo;
    } else {
        uint32_t v;
        ret = reg_read(l, reg, &v) ? 0 : -1;
        *value = v;
    }
    lapic_unlock(l, &d);
    return ret;
}

int lapic__msr_write(struct lapic *l, uint32_t index, uint64_t value)
{
    struct lapic_deferred d;
    lapic_lock(l, &d);
    int ret = 0;
    const unsigned reg = (index - MSR_X2APIC_FIRST) << 4;
    if (index == MSR_IA32_APIC_BASE) {
        ret = write_apic_base(l, value);
    } else if (index == MSR_IA32_TSC_DEADLINE) {
        lapic_timer_write_tsc_deadline(l, value);
    } else if (!lapic__is_msr(index) || !lapic_x2apic(&l->s) || !x2apic_msr_valid(reg, true)) {
        ret = -1;
    } else if (reg == APIC_ICR) {
        l->s.icr_hi = (uint32_t)(value >> 32);
        l->s.icr_lo = (uint32_t)value & ~(1u << 12);
        lapic_send_icr(l, &d);
    } else if (value >> 32) {
        ret = -1;
    } else {
        ret = reg_write(l, reg, (uint32_t)value, &d) ? 0 : -1;
    }
    lapic_unlock(l, &d);
    return ret;
}

static uint32_t get32(const uint8_t *regs, unsigned reg)
{
    uint32_t v;
    memcpy(&v, regs + reg, sizeof(v));
    return v;
}

void lapic__get_regs(struct lapic *l, uint64_t *apic_base, uint8_t regs[LAPIC_REGS_SIZE])
{
    struct lapic_deferred d;
    lapic_lock(l, &d);
    memset(regs, 0, LAPIC_REGS_SIZE);
    for (unsigned reg = 0; reg < LAPIC_REGS_SIZE; reg += 0x10) {
        uint32_t v;
        if (reg_read(l, reg, &v))
            memcpy(regs + reg, &v, sizeof(v));
    }
    const uint32_t xapic_id = l->s.id << 24; /* KVM's layout keeps the xAPIC form */
    memcpy(regs + APIC_ID, &xapic_id, sizeof(xapic_id));
    *apic_base = l->s.apic_base;
    lapic_unlock(l, &d);
}

void lapic__set_regs(struct lapic *l, uint64_t apic_base, const uint8_t regs[LAPIC_REGS_SIZE])
{
    struct lapic_deferred d;
    lapic_lock(l, &d);
    struct lapic_state *s = &l->s;
    s->apic_base = apic_base;
    s->id = get32(regs, APIC_ID) >> 24;
    s->tpr = get32(regs, APIC_TASKPRI) & 0xff;
    s->ldr = get32(regs, APIC_LDR);
    s->dfr = get32(regs, APIC_DFR);
    s->svr = get32(regs, APIC_SPIV) & 0x3ff;
    s->esr = get32(regs, APIC_ESR);
    s->esr_pending = 0;
    s->icr_lo = get32(regs, APIC_ICR);
    s->icr_hi = get32(regs, APIC_ICR2);
    for (unsigned i = 0; i < LAPIC_NR_LVT; i++)
        s->lvt[i] = get32(regs, APIC_LVTT + 0x10 * i) & lvt_writable[i];
    for (unsigned i = 0; i < 8; i++) {
        s->isr[i] = get32(regs, APIC_ISR + 0x10 * i);
        s->tmr[i] = get32(regs, APIC_TMR + 0x10 * i);
        s->irr[i] = get32(regs, APIC_IRR + 0x10 * i);
    }
    s->timer_initial = get32(regs, APIC_TMICT);
    s->timer_divide = get32(regs, APIC_TDCR) & 0xb;
    lapic_timer_disarm(l);
    if (APIC_TIMER_MODE(s->lvt[LAPIC_LVT_TIMER]) != APIC_TIMER_TSC_DEADLINE)
        lapic_timer_start(l, platform_clock__now(&l->clock), get32(regs, APIC_TMCCT));
    lapic_unlock(l, &d);
}
