/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lapic.h - the local APIC of one emu vCPU (Intel SDM vol. 3A, chapter
 * "Advanced Programmable Interrupt Controller (APIC)": xAPIC MMIO page,
 * x2APIC MSRs, IA32_APIC_BASE, TPR/PPR, IRR/ISR/TMR, EOI, ICR, LVT, timer
 * one-shot/periodic/TSC-deadline).
 *
 * The vCPU that owns a LAPIC reads and writes its registers (lapic__mmio_*,
 * lapic__msr_*, CR8); other threads only deliver messages to it
 * (lapic__accept, lapic__set_lint0). A mutex guards the registers. What the
 * vCPU loop must look at is summarised in `events`, an atomic bitmap the
 * model keeps current, so that the hot loop tests one word per instruction
 * and takes the lock only when something is pending. Whenever a new event
 * bit appears, the model calls hooks->kick so a halted vCPU wakes up.
 *
 * The timer counts from the platform clock: an armed timer is a deadline
 * (lapic__next_deadline_ns); the vCPU calls lapic__poll_timer(now) when it
 * has passed. Its input clock is LAPIC_BUS_HZ, divided by the divide
 * configuration register.
 */
#ifndef STRATA_DEVICES_PLATFORM_LAPIC_H
#define STRATA_DEVICES_PLATFORM_LAPIC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/platform/apic_msg.h"
#include "devices/platform/clock.h"
#include "util/err.h"

#define LAPIC_BUS_HZ        1000000000ull /* timer input clock (before the divider), as KVM's */
#define LAPIC_MMIO_SIZE     0x1000
#define LAPIC_REGS_SIZE     1024 /* the register page image of struct cpu_state.lapic */
/* Shortest periodic timer period (KVM's min_timer_period_us): a guest cannot flood the host. */
#define LAPIC_MIN_PERIOD_NS 200000ull

/* MSRs the LAPIC answers (lapic__msr_read/write) */
#define MSR_IA32_APIC_BASE    0x1b
#define MSR_IA32_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_FIRST      0x800
#define MSR_X2APIC_LAST       0x8ff

/* IA32_APIC_BASE bits */
#define APIC_BASE_BSP     (1ull << 8)
#define APIC_BASE_EXTD    (1ull << 10) /* x2APIC mode */
#define APIC_BASE_ENABLE  (1ull << 11)
#define APIC_BASE_ADDR    0x000ffffffffff000ull
#define APIC_BASE_DEFAULT 0xfee00000ull

/* What the vCPU loop must look at (struct lapic.events). */
enum lapic_event {
    LAPIC_EVENT_INTR = 1u << 0, /* a maskable interrupt is deliverable (when RFLAGS.IF allows) */
    LAPIC_EVENT_NMI = 1u << 1,
    LAPIC_EVENT_INIT = 1u << 2,
    LAPIC_EVENT_SIPI = 1u << 3,
};

/* Local vector table entries, in register order (0x320 + 0x10 * index). */
enum lapic_lvt {
    LAPIC_LVT_TIMER,
    LAPIC_LVT_THERMAL,
    LAPIC_LVT_PERF,
    LAPIC_LVT_LINT0,
    LAPIC_LVT_LINT1,
    LAPIC_LVT_ERROR,
    LAPIC_NR_LVT
};

/* What the model needs from its surroundings (the platform, and through it the engine). */
struct lapic_hooks {
    /* An ICR write of vCPU src: deliver msg to its destinations (called without the lock). */
    void (*send)(void *opaque, unsigned src, const struct apic_msg *msg);
    /* EOI of a level-triggered vector: the IOAPIC clears its remote IRR (without the lock). */
    void (*eoi)(void *opaque, uint8_t vector);
    /* vCPU index has a new event: wake it if halted, make it look soon if running. */
    void (*kick)(void *opaque, unsigned index);
    /* The platform-clock time at which vCPU index's TSC reaches tsc (TSC-deadline mode). */
    uint64_t (*tsc_to_ns)(void *opaque, unsigned index, uint64_t tsc);
};

#define LAPIC_STATE_VERSION 1

/*
 * The whole register state: plain data, saved and loaded as it is except
 * timer_expiry_ns, which is an absolute platform-clock time in a live model
 * and the time remaining in a saved image.
 */
struct lapic_state {
    uint32_t version;
    uint32_t id; /* APIC id; xAPIC mode uses bits 7:0 */
    uint64_t apic_base;
    uint32_t tpr, ldr, dfr, svr;
    uint32_t esr;         /* error status as last latched by an ESR write */
    uint32_t esr_pending; /* errors since that write */
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[LAPIC_NR_LVT];
    uint32_t irr[8], isr[8], tmr[8]; /* 256-bit vectors, bit v of word v / 32 */
    uint32_t timer_initial, timer_divide;
    uint64_t tsc_deadline;
    uint64_t timer_expiry_ns;
    uint8_t timer_armed;
    uint8_t lint0_level; /* the 8259's INTR output as seen on LINT0 */
    uint8_t sipi_vector;
    uint8_t pending; /* LAPIC_EVENT_NMI/INIT/SIPI received and not yet taken */
};

struct lapic {
    atomic_uint events;           /* enum lapic_event bits; read without the lock */
    _Atomic uint64_t deadline_ns; /* timer expiry, PLATFORM_NO_DEADLINE when disarmed */
    unsigned index;               /* the vCPU index */
    pthread_mutex_t lock;
    const struct lapic_hooks *hooks;
    void *opaque;
    struct platform_clock clock;
    struct lapic_state s;
};

/*
 * Power-on state for vCPU index (APIC id = index). The BSP gets the BSP flag
 * and LINT0 in virtual-wire mode (ExtINT, unmasked), as KVM does at reset
 * (there is no BIOS to program it), so the 8259 reaches it until the guest
 * sets up its APICs.
 */
void lapic__init(struct lapic *l, unsigned index, bool bsp, const struct lapic_hooks *hooks,
                 void *opaque, const struct platform_clock *clock);
void lapic__destroy(struct lapic *l);

/* The vCPU loop's one cheap test: non-zero means "take the lock and look". */
static inline unsigned lapic__events(const struct lapic *l)
{
    return atomic_load_explicit(&l->events, memory_order_acquire);
}

/* When the timer fires next (PLATFORM_NO_DEADLINE if disarmed); lock-free. */
static inline uint64_t lapic__next_deadline_ns(const struct lapic *l)
{
    return atomic_load_explicit(&l->deadline_ns, memory_order_acquire);
}

/* Fires the timer if its deadline is at or before now (and re-arms a periodic one). */
void lapic__poll_timer(struct lapic *l, uint64_t now_ns);

/*
 * xAPIC register page. The owning vCPU's MMU routes accesses to
 * [base, base + LAPIC_MMIO_SIZE) here while lapic__mmio_base() says the page
 * is active (xAPIC mode); offset is relative to the base. Reads of 1, 2 or 4
 * bytes inside one register work, writes must be 4 bytes, aligned.
 */
bool lapic__mmio_base(struct lapic *l, uint64_t *base);
uint64_t lapic__mmio_read(struct lapic *l, uint64_t offset, unsigned size);
void lapic__mmio_write(struct lapic *l, uint64_t offset, unsigned size, uint64_t value);

/* True for the MSRs lapic__msr_* handle: IA32_APIC_BASE, IA32_TSC_DEADLINE, 0x800-0x8ff. */
static inline bool lapic__is_msr(uint32_t index)
{
    return index == MSR_IA32_APIC_BASE || index == MSR_IA32_TSC_DEADLINE ||
           (index >= MSR_X2APIC_FIRST && index <= MSR_X2APIC_LAST);
}

/* RDMSR/WRMSR of one of those MSRs; -1 means the instruction raises #GP(0). */
int lapic__msr_read(struct lapic *l, uint32_t index, uint64_t *value);
int lapic__msr_write(struct lapic *l, uint32_t index, uint64_t value);

/* CR8 is TPR[7:4] (SDM vol. 3A, "Task Priority in IA-32e Mode"). */
uint64_t lapic__read_cr8(struct lapic *l);
void lapic__write_cr8(struct lapic *l, uint64_t value);

/*
 * The highest-priority vector in the IRR that the processor priority lets
 * through (its class above PPR's), or -1. ExtINT is not included: see
 * lapic__extint_pending.
 */
int lapic__get_interrupt(struct lapic *l);
/* The CPU takes vector: IRR -> ISR (the interrupt-acknowledge cycle). */
void lapic__ack(struct lapic *l, uint8_t vector);
/* The 8259's INTR reaches this CPU: LINT0 is unmasked ExtINT, or the LAPIC is hardware-disabled. */
bool lapic__extint_pending(struct lapic *l);

/* Messages from the APIC bus (any thread). */
bool lapic__matches(struct lapic *l, const struct apic_msg *msg, unsigned src);
void lapic__accept(struct lapic *l, const struct apic_msg *msg);
uint8_t lapic__ppr(struct lapic *l); /* for lowest-priority arbitration */
/* Level of LINT0, wired to the 8259's INTR output. */
void lapic__set_lint0(struct lapic *l, bool level);

/*
 * The vCPU consumes its pending NMI, INIT and SIPI. take_init also puts the
 * LAPIC in its INIT state (power-on values except the APIC id and
 * IA32_APIC_BASE); take_sipi gives the startup vector (the AP starts at
 * vector << 12 in real mode, CS = vector << 8, IP = 0).
 */
bool lapic__take_nmi(struct lapic *l);
bool lapic__take_init(struct lapic *l);
bool lapic__take_sipi(struct lapic *l, uint8_t *vector);

/*
 * The registers as a page image in the KVM_GET_LAPIC layout (struct
 * cpu_state.lapic, the engine-neutral form) plus IA32_APIC_BASE, for the
 * engine's get_state/set_state. set_regs restarts the timer from the current
 * count in the image.
 */
void lapic__get_regs(struct lapic *l, uint64_t *apic_base, uint8_t regs[LAPIC_REGS_SIZE]);
void lapic__set_regs(struct lapic *l, uint64_t apic_base, const uint8_t regs[LAPIC_REGS_SIZE]);

/* Snapshot: the full state, timer relative to now. */
void lapic__save(struct lapic *l, struct lapic_state *out);
int lapic__load(struct lapic *l, const struct lapic_state *in, struct err *err);

#endif
