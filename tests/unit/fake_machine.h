/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake_machine.h - a struct machine for device unit tests: small RAM, no
 * vCPUs, and a fake engine whose set_irq records every GSI level change.
 */
#ifndef STRATA_TESTS_FAKE_MACHINE_H
#define STRATA_TESTS_FAKE_MACHINE_H

#include <stdbool.h>

#include "machine/machine.h"

#define FAKE_MACHINE_NR_GSIS 24

/* What the fake engine was told about one GSI. */
struct fake_irq {
    bool level;     /* last level set */
    unsigned calls; /* set_irq calls */
    unsigned rises; /* low -> high transitions (edges an edge-triggered pin would latch) */
};

extern struct fake_irq fake_irqs[FAKE_MACHINE_NR_GSIS];

/* Sets up m with ram_size bytes of RAM and clears fake_irqs. */
void fake_machine__init(struct machine *m, uint64_t ram_size);
void fake_machine__destroy(struct machine *m);

#endif
