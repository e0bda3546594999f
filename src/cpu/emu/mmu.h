/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mmu.h - the guest page walk (4-level paging, SDM vol. 3A, 4.5; PAE and
 * 32-bit paging outside IA-32e mode, 4.3-4.4) and the software TLB built
 * from its results.
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
    bool large; /* mapped by a 2 MiB or 1 GiB page */
};

/*
 * Walks the page tables for va. acc is ACC_READ/WRITE/EXEC (mem.h); user
 * says whether the access is a CPL-3 one. Sets accessed and dirty bits.
 * Returns EMU_NEXT, or EMU_FAULT with #PF raised (CR2 = va, error code per
 * SDM vol. 3A, 4.7).
 */
int emu_mmu_walk(struct emu_cpu *cpu, uint64_t va, unsigned acc, bool user, struct emu_walk *w);

/* Fills the TLB entry of (idx, va) for acc; returns EMU_FAULT if the walk faults. */
int emu_tlb_fill(struct emu_cpu *cpu, unsigned idx, uint64_t va, unsigned acc,
                 struct emu_tlb_entry **out);

void emu_tlb_flush_all(struct emu_cpu *cpu);
/* CR3 write: keeps global entries when CR4.PGE is set. */
void emu_tlb_flush_nonglobal(struct emu_cpu *cpu);
/* INVLPG */
void emu_tlb_flush_page(struct emu_cpu *cpu, uint64_t va);
/* Decoded code now lives on ppage: make writes to it take the slow path. */
void emu_tlb_protect_code(struct emu_cpu *cpu, uint64_t ppage);
/* The decoded code of ppage is gone: writes to it may take the fast path again. */
void emu_tlb_unprotect_code(struct emu_cpu *cpu, uint64_t ppage);

#endif
