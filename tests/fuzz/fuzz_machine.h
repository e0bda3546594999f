/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_machine.h - what the fuzz targets share: a machine with RAM, its
 * buses and a do-nothing engine (interrupt levels and device writes into
 * RAM are ignored), built once per process, and a check that aborts (a
 * finding) when an invariant breaks.
 */
#ifndef STRATA_TESTS_FUZZ_FUZZ_MACHINE_H
#define STRATA_TESTS_FUZZ_FUZZ_MACHINE_H

#include <stdint.h>
#include <stdlib.h>

#include "machine/machine.h"

/* m with ram_size bytes of RAM on the do-nothing engine; aborts if it cannot be made. */
void fuzz_machine__init(struct machine *m, uint64_t ram_size);

/* Host pointer to len bytes of guest RAM at gpa; aborts if they are not RAM. */
void *fuzz_machine__hva(struct machine *m, uint64_t gpa, uint64_t len);

/* A broken invariant is a finding: the driver (or libFuzzer) reports the input. */
static inline void fuzz_check(int ok)
{
    if (!ok)
        abort();
}

/* Little-endian reads from an input that may be too short (missing bytes read as 0). */
struct fuzz_input {
    const uint8_t *data;
    size_t size, pos;
};

static inline uint64_t fuzz_input__take(struct fuzz_input *in, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++, in->pos++)
        if (in->pos < in->size)
            v |= (uint64_t)in->data[in->pos] << (8 * i);
    return v;
}

#endif
