// SPDX-License-Identifier: Apache-2.0
/* fuzz_machine.c - the fuzz targets' machine (see fuzz_machine.h). */
#include "fuzz_machine.h"

#include <stdio.h>

#include "machine/memory.h"

static void ignore_irq(struct machine *m, unsigned gsi, bool level)
{
    (void)m, (void)gsi, (void)level;
}

static void ignore_ram_written(struct machine *m, uint64_t gpa, uint64_t len)
{
    (void)m, (void)gpa, (void)len;
}

static const struct engine_ops fuzz_engine = {
    .name = "fuzz", .set_irq = ignore_irq, .ram_written = ignore_ram_written};

void fuzz_machine__init(struct machine *m, uint64_t ram_size)
{
    const struct machine_config cfg = {.ram_size = ram_size, .ncpus = 1, .engine = &fuzz_engine};
    struct err err;
    if (machine__init(m, &cfg, &err)) {
        fprintf(stderr, "fuzz: cannot make the machine: %s\n", err.msg);
        exit(1);
    }
}

void *fuzz_machine__hva(struct machine *m, uint64_t gpa, uint64_t len)
{
    void *p = guest_memory__hva(&m->mem, gpa, len);
    fuzz_check(p != NULL);
    return p;
}
