/* SPDX-License-Identifier: Apache-2.0 */
/*
 * irq.h - GSI interrupt lines between devices and the engine's irqchip.
 *
 * A device holds a struct irq_line and raises or lowers it; the machine
 * forwards the level to whichever engine runs (kvm: KVM_IRQ_LINE on the
 * in-kernel IOAPIC/PIC; emu: its own IOAPIC/PIC models). Devices never know
 * which.
 */
#ifndef STRATA_MACHINE_IRQ_H
#define STRATA_MACHINE_IRQ_H

#include <stdbool.h>

struct machine;

struct irq_line {
    struct machine *machine;
    unsigned gsi;
};

void irq_line__init(struct irq_line *line, struct machine *machine, unsigned gsi);
void irq_line__set(const struct irq_line *line, bool level);

#endif
