/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jit.h - the emu engine's translator (docs/emu-jit.md): decoded blocks
 * (codecache.h) run as host code translated from them, with the
 * interpreter's handlers for what is not translated. STRATA_EMU=jit
 * selects it for a vCPU, STRATA_EMU=interp (the default) the interpreter.
 */
#ifndef STRATA_CPU_EMU_JIT_JIT_H
#define STRATA_CPU_EMU_JIT_JIT_H

#include "cpu/emu/codecache.h"
#include "util/err.h"

/* Turns the translator on (with its code cache) or off for cpu. */
int emu_jit_enable(struct emu_cpu *cpu, bool on, struct err *err);
/* As STRATA_EMU says; -1 with err set on a value other than interp or jit. */
int emu_jit_from_env(struct emu_cpu *cpu, struct err *err);
void emu_jit_destroy(struct emu_cpu *cpu);

/*
 * Runs the first min(allowed, ninsns) instructions of b (translating them
 * first if needed), as exec.c's run_block does: returns the emu_status the
 * block ended with and counts the retired instructions in *retired. With
 * chain (no limit, no stop address), translations go on to the next block
 * by themselves while nothing is pending between blocks (translate.c).
 */
int emu_jit_run(struct emu_cpu *cpu, struct emu_block *b, uint64_t allowed, bool chain,
                uint64_t *retired);

#endif
