/* SPDX-License-Identifier: Apache-2.0 */
/*
 * execmem.h - the translator's executable code cache, W^X: one memfd
 * mapped twice, a read-write view that code is emitted into and a
 * read-execute view that runs it, so that no page is ever writable and
 * executable at once (docs/emu-jit.md). Allocation is a bump pointer;
 * when it is full the owner drops every translation and resets it.
 */
#ifndef STRATA_CPU_EMU_JIT_EXECMEM_H
#define STRATA_CPU_EMU_JIT_EXECMEM_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct jit_execmem {
    uint8_t *rw; /* where code is written */
    uint8_t *rx; /* where the same bytes run */
    size_t size, used;
};

int jit_execmem__init(struct jit_execmem *m, size_t size, struct err *err);
void jit_execmem__destroy(struct jit_execmem *m);

/* The executable address of a byte written at rw_ptr. */
static inline void *jit_execmem__rx_of(const struct jit_execmem *m, const uint8_t *rw_ptr)
{
    return m->rx + (rw_ptr - m->rw);
}

#endif
