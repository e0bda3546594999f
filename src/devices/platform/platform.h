/* SPDX-License-Identifier: Apache-2.0 */
/*
 * platform.h - the emu engine's interrupt controllers and timers, wired as
 * on a PC (and as the MP table describes them): one local APIC per vCPU,
 * the IOAPIC at LAYOUT_IOAPIC_BASE, the 8259 pair whose INTR reaches every
 * LAPIC's LINT0, and the PIT whose channel 0 raises ISA IRQ 0 (IOAPIC pin 2,
 * PIC IRQ 0). The kvm engine does not use this: its irqchip is in the kernel.
 *
 * The engine creates one platform per VM, supplies platform_ops (how to kick
 * a vCPU, how its TSC maps to the clock) and calls, from each vCPU thread:
 * lapic__events() on the hot path, platform__ack_interrupt() to take an
 * interrupt, platform__next_deadline_ns()/platform__poll_timers() for time.
 * docs/platform.md describes the integration step by step.
 */
#ifndef STRATA_DEVICES_PLATFORM_PLATFORM_H
#define STRATA_DEVICES_PLATFORM_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/platform/clock.h"
#include "devices/platform/ioapic.h"
#include "devices/platform/lapic.h"
#include "devices/platform/pic8259.h"
#include "devices/platform/pit8254.h"
#include "machine/bus.h"
#include "util/err.h"

/* What the platform needs from the engine. */
struct platform_ops {
    /*
     * vCPU vcpu has a new event (interrupt, NMI, INIT, SIPI): wake it if it
     * sleeps in HLT or waits for SIPI, make it look at its events soon if it
     * runs. Called from any thread, possibly the vCPU's own, sometimes with
     * platform locks held: it must not call back into the platform.
     */
    void (*kick)(void *opaque, unsigned vcpu);
    /* The platform-clock time at which vCPU vcpu's TSC reads tsc (TSC-deadline timer). */
    uint64_t (*tsc_to_ns)(void *opaque, unsigned vcpu, uint64_t tsc);
    void *opaque;
};

struct platform {
    unsigned ncpus;
    struct lapic *lapics; /* one per vCPU; vCPU i has APIC id i */
    struct ioapic ioapic;
    struct pic8259 pic;
    struct pit8254 pit;
    struct platform_ops ops;
};

/*
 * Power-on state for ncpus vCPUs (vCPU 0 is the BSP), the IOAPIC with id
 * ncpus as in the MP table. clock is the time source of every timer (the
 * host's CLOCK_MONOTONIC in a VM: platform_clock__monotonic_ns).
 */
int platform__init(struct platform *p, unsigned ncpus, const struct platform_ops *ops,
                   const struct platform_clock *clock, struct err *err);
/* Puts the PIC, ELCR, PIT and port 0x61 on pio and the IOAPIC on mmio. */
/* The platform's interrupt controllers and timer, for a snapshot (each LAPIC goes with its vCPU).
 */
struct platform_state {
    struct ioapic_state ioapic;
    struct pic8259_state pic;
    struct pit8254_state pit;
};

/* With the vCPUs paused. */
void platform__save(struct platform *p, struct platform_state *st);
int platform__load(struct platform *p, const struct platform_state *st, struct err *err);

int platform__register(struct platform *p, struct bus *pio, struct bus *mmio, struct err *err);
void platform__destroy(struct platform *p);

static inline struct lapic *platform__lapic(struct platform *p, unsigned vcpu)
{
    return &p->lapics[vcpu];
}

/*
 * The level of a device's interrupt line: ISA IRQ / GSI numbering as the
 * devices and the MP table use it. GSI 0 drives IOAPIC pin 2 and PIC IRQ 0;
 * GSI 1-15 (not 2, the cascade) drive pin n and PIC IRQ n; GSI 16-23 drive
 * pin n only. This is what the emu engine's engine_ops.set_irq calls.
 */
void platform__set_irq(struct platform *p, unsigned gsi, bool level);

/*
 * The CPU takes a maskable interrupt (RFLAGS.IF = 1, no interrupt shadow,
 * LAPIC_EVENT_INTR set): the 8259's vector if its INTR reaches the vCPU
 * (ExtINT, acknowledged on the PIC), else the LAPIC's highest deliverable
 * vector, moved from IRR to ISR. -1 if nothing is deliverable after all.
 */
int platform__ack_interrupt(struct platform *p, unsigned vcpu);

/* The earliest timer deadline that concerns vCPU vcpu: its LAPIC timer and the PIT. */
uint64_t platform__next_deadline_ns(struct platform *p, unsigned vcpu);
/* Fires whatever of those is due at now_ns. */
void platform__poll_timers(struct platform *p, unsigned vcpu, uint64_t now_ns);

#endif
