// SPDX-License-Identifier: Apache-2.0
/* fake_machine.c - a machine with a recording fake engine, for device tests (see fake_machine.h).
 */
#include "fake_machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fake_irq fake_irqs[FAKE_MACHINE_NR_GSIS];

static void fake_set_irq(struct machine *m, unsigned gsi, bool level)
{
    (void)m;
    if (gsi >= FAKE_MACHINE_NR_GSIS) {
        fprintf(stderr, "fake engine: gsi %u out of range\n", gsi);
        abort();
    }
    struct fake_irq *irq = &fake_irqs[gsi];
    if (level && !irq->level)
        irq->rises++;
    irq->level = level;
    irq->calls++;
}

static const struct engine_ops fake_engine = {.name = "fake", .set_irq = fake_set_irq};

void fake_machine__init(struct machine *m, uint64_t ram_size)
{
    const struct machine_config cfg = {.ram_size = ram_size, .ncpus = 1, .engine = &fake_engine};
    struct err err;
    if (machine__init(m, &cfg, &err)) {
        fprintf(stderr, "fake machine: %s\n", err.msg);
        abort();
    }
    memset(fake_irqs, 0, sizeof(fake_irqs));
}

void fake_machine__destroy(struct machine *m)
{
    machine__destroy(m);
}
