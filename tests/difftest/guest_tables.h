/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guest_tables.h - the emulated machine's view of the sandbox: long-mode
 * page tables, a GDT and a TSS in guest memory, and the CPL-3 register state
 * that goes with them.
 */
#ifndef STRATA_TESTS_DIFFTEST_GUEST_TABLES_H
#define STRATA_TESTS_DIFFTEST_GUEST_TABLES_H

#include "machine/vcpu.h"
#include "machine/memory.h"

/*
 * Writes the tables into mem (which must hold the sandbox addresses and the
 * first 2 MiB) and sets the segment, descriptor-table, control registers and
 * EFER of st for 64-bit user mode (CPL 3) on them.
 */
int guest_tables__build(struct guest_memory *mem, struct cpu_state *st, struct err *err);

#endif
