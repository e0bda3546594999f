/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mode.h - keeping the derived mode fields of struct emu_cpu in step with
 * the architectural state: every write to CR0.PE, EFER.LMA, CS (selector,
 * L, D, base) or SS.B is followed by emu_cpu_update_mode(), and nothing
 * else writes cpl, mmu_idx, long64, ea_base[] or mode.
 */
#ifndef STRATA_CPU_EMU_MODE_H
#define STRATA_CPU_EMU_MODE_H

#include "cpu/emu/cpu.h"

/*
 * Recomputes cpl/mmu_idx/long64/ea_base/mode after a segment or mode
 * change (SDM vol. 3A, 2.2 and 9.8.5); empties the jump cache when the
 * decoding mode or the CS base of 16/32-bit code changes.
 */
void emu_cpu_update_mode(struct emu_cpu *cpu);

#endif
