/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ioapic.h - the I/O APIC of the emu platform (Intel 82093AA I/O Advanced
 * Programmable Interrupt Controller datasheet): 24 input pins, each with a
 * redirection entry that turns it into an APIC bus message; edge and level
 * triggering, remote IRR, masking. Version 0x11, so no EOI register: level
 * interrupts end by the local APICs' EOI broadcast (ioapic__eoi).
 *
 * Registered on the MMIO bus at LAYOUT_IOAPIC_BASE (IOREGSEL at +0x00, IOWIN
 * at +0x10). Pin levels are logical ("asserted"): the polarity bit of an
 * entry is kept for the guest to read but does not invert the input, as in
 * KVM's model, since devices raise their lines by meaning, not by voltage.
 */
#ifndef STRATA_DEVICES_PLATFORM_IOAPIC_H
#define STRATA_DEVICES_PLATFORM_IOAPIC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/platform/apic_msg.h"
#include "machine/bus.h"
#include "util/err.h"

#define IOAPIC_PINS         24
#define IOAPIC_MMIO_SIZE    0x1000
#define IOAPIC_VERSION      0x11
/* IOAPIC pin of ISA IRQ n on a PC: n, except the timer, which is wired to pin 2 */
#define IOAPIC_ISA_IRQ0_PIN 2

struct ioapic_hooks {
    /* Sends a message to the local APICs (called with the IOAPIC's lock held). */
    void (*deliver)(void *opaque, const struct apic_msg *msg);
};

#define IOAPIC_STATE_VERSION 1

struct ioapic_state {
    uint32_t version;
    uint32_t id;
    uint32_t regsel;
    uint32_t lines; /* input pin levels, bit per pin */
    uint64_t redirection[IOAPIC_PINS];
};

struct ioapic {
    pthread_mutex_t lock;
    const struct ioapic_hooks *hooks;
    void *opaque;
    struct ioapic_state s;
};

/* Power-on state: every entry masked. */
void ioapic__init(struct ioapic *io, uint32_t id, const struct ioapic_hooks *hooks, void *opaque);
void ioapic__destroy(struct ioapic *io);
int ioapic__register(struct ioapic *io, struct bus *mmio, uint64_t base, struct err *err);

/* The level of input pin (any thread). */
void ioapic__set_irq(struct ioapic *io, unsigned pin, bool level);
/* A local APIC's EOI of a level-triggered vector: clears remote IRR, re-sends a held line. */
void ioapic__eoi(struct ioapic *io, uint8_t vector);

void ioapic__save(struct ioapic *io, struct ioapic_state *out);
int ioapic__load(struct ioapic *io, const struct ioapic_state *in, struct err *err);

#endif
