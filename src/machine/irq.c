// SPDX-License-Identifier: Apache-2.0
/* irq.c - GSI lines forwarded to the running engine's interrupt controllers (see irq.h). */
#include "machine/irq.h"

#include "machine/machine.h"

void irq_line__init(struct irq_line *line, struct machine *machine, unsigned gsi)
{
    line->machine = machine;
    line->gsi = gsi;
}

void irq_line__set(const struct irq_line *line, bool level)
{
    line->machine->engine->set_irq(line->machine, line->gsi, level);
}
