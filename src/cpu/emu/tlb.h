/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tlb.h - the software TLB (tlb.c): per MMU index (user/supervisor), one
 * direct-mapped array of entries filled from page walks (mmu.h), holding
 * the host addend of each guest page for the fast path (mem.h), flushed as
 * the architecture says (MOV CR3, INVLPG, CR0/CR4/EFER changes; SDM vol.
 * 3A, 4.10.4). Pages that hold decoded code are write-protected in it
 * (TLB_CODE), so that a store to them takes the slow path (codecache.h).
 */
#ifndef STRATA_CPU_EMU_TLB_H
#define STRATA_CPU_EMU_TLB_H

#include "cpu/emu/cpu.h"

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
