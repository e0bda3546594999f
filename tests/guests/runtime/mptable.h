/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mptable.h - the processors listed in the MultiProcessor Specification
 * table (Intel MP Spec 1.4, chapter 4), which is how Strata tells a guest
 * how many CPUs it has.
 */
#ifndef GUEST_MPTABLE_H
#define GUEST_MPTABLE_H

#include <stdbool.h>
#include <stdint.h>

struct mp_cpu {
    uint8_t apic_id;
    bool bsp;
};

/*
 * Fills cpus[] with the enabled processors in table order and returns how
 * many there are, or prints why the table is unusable and returns -1.
 */
int mptable__cpus(struct mp_cpu *cpus, int max);

#endif
