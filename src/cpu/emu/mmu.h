/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mmu.h - the guest page walk (4-level paging, SDM vol. 3A, 4.5; PAE and
 * 32-bit paging outside IA-32e mode, 4.3-4.4). The software TLB built from
 * its results is tlb.h's.
 */
#ifndef STRATA_CPU_EMU_MMU_H
#define STRATA_CPU_EMU_MMU_H

#include "cpu/emu/cpu.h"

#define EMU_PHYS_BITS 40 /* MAXPHYADDR, as CPUID 0x80000008 reports */

/* Result of a successful walk, for the access that was asked for. */
struct emu_walk {
    uint64_t ppage; /* guest-physical 4 KiB page */
    bool write_ok;  /* writes allowed at this privilege (and the page is now dirty) */
    bool exec_ok;
    bool global;
    bool large;         /* mapped by a 2 MiB, 4 MiB or 1 GiB page */
    uint8_t page_shift; /* log2 of the page's size: 12, 21, 22 or 30 */
};

/*
 * Walks the page tables for va. acc is ACC_READ/WRITE/EXEC (mem.h); user
 * says whether the access is a CPL-3 one. Sets accessed and dirty bits.
 * Returns EMU_NEXT, or EMU_FAULT with #PF raised (CR2 = va, error code per
 * SDM vol. 3A, 4.7).
 */
int emu_mmu_walk(struct emu_cpu *cpu, uint64_t va, unsigned acc, bool user, struct emu_walk *w);

#endif
