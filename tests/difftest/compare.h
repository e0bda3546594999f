/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compare.h - judges the run under test against the reference run of the
 * same case, and prints a failure for a person to read.
 */
#ifndef STRATA_TESTS_DIFFTEST_COMPARE_H
#define STRATA_TESTS_DIFFTEST_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "difftest.h"

struct diff {
    uint16_t gprs;       /* bit i: GPR i differs */
    uint32_t flags;      /* compared RFLAGS bits that differ */
    uint32_t flags_mask; /* the RFLAGS bits compared */
    bool rip;
    bool vector;
    bool fault_detail; /* #PF error code or address */
    bool not_judged;   /* the side under test could not run it (see its note) */
    unsigned nbytes;   /* data sandbox bytes that differ */
    /* data sandbox offsets [skip_from, skip_to) not compared (a vendor-specific corner) */
    size_t skip_from, skip_to;
    bool corner; /* the runs parted at a vendor-specific corner (corners.h): not judged further */
};

/* The RFLAGS bits defined where ref ended: at the end, or before the faulting instruction. */
uint32_t compare__flags_mask(const struct dt_case *c, const struct dt_outcome *ref);

/*
 * True if got agrees with ref: the same end (RIP, exception and its #PF
 * details), the same GPRs, the same defined flags at that point and the same
 * data sandbox. d says what differs.
 */
bool compare__outcomes(const struct dt_case *c, const struct dt_outcome *ref,
                       const struct dt_outcome *got, struct diff *d);

/* Prints the case (bytes, disassembly, inputs) and both outcomes, differences marked. */
void compare__print(FILE *out, const struct dt_case *c, const char *title,
                    const struct dt_outcome *ref, const char *ref_name,
                    const struct dt_outcome *got, const char *got_name, const struct diff *d);

#endif
