/* SPDX-License-Identifier: Apache-2.0 */
/* state.h - struct cpu_state <-> struct emu_cpu (see state.c). */
#ifndef STRATA_CPU_EMU_STATE_H
#define STRATA_CPU_EMU_STATE_H

#include "cpu/emu/cpu.h"

void emu_state_get(struct emu_cpu *cpu, struct cpu_state *st);
/* Also drops the TLB and all decoded code: memory may have changed along with the state. */
void emu_state_set(struct emu_cpu *cpu, const struct cpu_state *st);

#endif
