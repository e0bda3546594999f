/* SPDX-License-Identifier: Apache-2.0 */
/*
 * smp_trampoline.h - the interface between smp.c and smp_trampoline.S: where
 * the trampoline runs, and the layout of the data block the BSP fills for
 * each AP before waking it.
 */
#ifndef GUEST_SMP_TRAMPOLINE_H
#define GUEST_SMP_TRAMPOLINE_H

/*
 * Page-aligned, below 1 MiB and in the low memory a guest may use
 * (src/board/layout.h); its page number is the STARTUP IPI vector.
 */
#define SMP_TRAMPOLINE_BASE 0x10000

/* Offsets in the data block */
#define SMP_DATA_CR3       0  /* page tables to use: the BSP's */
#define SMP_DATA_EFER      8  /* EFER to load (LME and the BSP's other enables) */
#define SMP_DATA_STACK     16 /* initial RSP */
#define SMP_DATA_ENTRY     24 /* 64-bit C entry: void entry(uint32_t cpu_index) */
#define SMP_DATA_CPU_INDEX 32
#define SMP_DATA_SIZE      40

#ifndef __ASSEMBLER__
#include <stdint.h>

struct smp_trampoline_data {
    uint64_t cr3;
    uint64_t efer;
    uint64_t stack;
    uint64_t entry;
    uint32_t cpu_index;
    uint32_t reserved;
};

_Static_assert(sizeof(struct smp_trampoline_data) == SMP_DATA_SIZE, "trampoline data layout");

/* The trampoline as linked into the image; smp.c copies it to SMP_TRAMPOLINE_BASE. */
extern const char smp_trampoline_start[], smp_trampoline_data[], smp_trampoline_end[];
#endif

#endif
