/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lapic_priv.h - what the three parts of the local APIC model share:
 * lapic.c (priorities, messages, EOI, ICR), lapic_regs.c (the register file
 * behind MMIO, MSRs and the state image) and lapic_timer.c (the timer).
 * Everything here is called with the LAPIC's lock held.
 */
#ifndef STRATA_DEVICES_PLATFORM_LAPIC_PRIV_H
#define STRATA_DEVICES_PLATFORM_LAPIC_PRIV_H

#include "devices/platform/lapic.h"

/* Register offsets in the xAPIC page (x2APIC MSR = 0x800 + offset / 16) */
#define APIC_ID       0x020
#define APIC_LVR      0x030
#define APIC_TASKPRI  0x080
#define APIC_ARBPRI   0x090
#define APIC_PROCPRI  0x0a0
#define APIC_EOI      0x0b0
#define APIC_RRR      0x0c0
#define APIC_LDR      0x0d0
#define APIC_DFR      0x0e0
#define APIC_SPIV     0x0f0
#define APIC_ISR      0x100
#define APIC_TMR      0x180
#define APIC_IRR      0x200
#define APIC_ESR      0x280
#define APIC_ICR      0x300
#define APIC_ICR2     0x310
#define APIC_LVTT     0x320
#define APIC_LVTERR   0x370
#define APIC_TMICT    0x380
#define APIC_TMCCT    0x390
#define APIC_TDCR     0x3e0
#define APIC_SELF_IPI 0x3f0 /* x2APIC only */

/* Version register: integrated APIC, LAPIC_NR_LVT entries, no EOI-broadcast suppression. */
#define APIC_VERSION (0x14u | ((LAPIC_NR_LVT - 1u) << 16))

#define APIC_SPIV_ENABLE        (1u << 8)
#define APIC_LVT_MASKED         (1u << 16)
#define APIC_LVT_DM(v)          (((v) >> 8) & 7)
#define APIC_TIMER_MODE(lvt)    (((lvt) >> 17) & 3)
#define APIC_TIMER_PERIODIC     1
#define APIC_TIMER_TSC_DEADLINE 2

/* Error status bits */
#define APIC_ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define APIC_ESR_RECV_ILLEGAL_VECTOR (1u << 6)
#define APIC_ESR_ILLEGAL_REGISTER    (1u << 7)

/* What a locked section leaves to do once the lock is dropped. */
struct lapic_deferred {
    unsigned events_before;
    bool send;
    struct apic_msg msg;
    int eoi_vector; /* -1: none */
};

void lapic_lock(struct lapic *l, struct lapic_deferred *d);
/* Publishes the events, drops the lock, then kicks, sends and broadcasts the EOI. */
void lapic_unlock(struct lapic *l, struct lapic_deferred *d);

static inline bool lapic_hw_enabled(const struct lapic_state *s)
{
    return s->apic_base & APIC_BASE_ENABLE;
}

static inline bool lapic_x2apic(const struct lapic_state *s)
{
    return (s->apic_base & (APIC_BASE_ENABLE | APIC_BASE_EXTD)) ==
           (APIC_BASE_ENABLE | APIC_BASE_EXTD);
}

static inline bool lapic_sw_enabled(const struct lapic_state *s)
{
    return s->svr & APIC_SPIV_ENABLE;
}

/* The x2APIC logical id, derived from the APIC id (SDM: "Logical Destination Mode in x2APIC Mode").
 */
static inline uint32_t lapic_x2apic_ldr(uint32_t id)
{
    return ((id >> 4) << 16) | (1u << (id & 0xf));
}

/* Power-on register values (keeps id and apic_base); used at INIT and when disabled. */
void lapic_reset_regs(struct lapic *l);
uint32_t lapic_compute_ppr(const struct lapic_state *s);
void lapic_set_irr(struct lapic *l, uint8_t vector, bool level);
void lapic_set_error(struct lapic *l, uint32_t esr_bit);
void lapic_write_svr(struct lapic *l, uint32_t value);
void lapic_eoi(struct lapic *l, struct lapic_deferred *d);
/* An ICR write (xAPIC ICR low, or the x2APIC ICR MSR) sends the message it describes. */
void lapic_send_icr(struct lapic *l, struct lapic_deferred *d);

/* Timer (lapic_timer.c) */
void lapic_timer_disarm(struct lapic *l);
void lapic_timer_start(struct lapic *l, uint64_t now, uint32_t count);
uint32_t lapic_timer_current(const struct lapic *l, uint64_t now);
void lapic_timer_write_lvt(struct lapic *l, uint32_t value);
void lapic_timer_write_initial(struct lapic *l, uint32_t value);
void lapic_timer_write_divide(struct lapic *l, uint32_t value);
void lapic_timer_write_tsc_deadline(struct lapic *l, uint64_t value);

#endif
