/* SPDX-License-Identifier: Apache-2.0 */
/*
 * raise.h - raising exceptions from handlers (SDM vol. 3A, chapter 6).
 *
 * A handler, the decoder, the MMU or a memory access that detects a fault
 * records it with emu_raise*() and returns EMU_FAULT before it has changed
 * any state. Raising is only recording: delivering the recorded exception
 * through the IDT is except.c's, which the run loop calls (or
 * emu__run_until reports it). Nothing here depends on delivery.
 */
#ifndef STRATA_CPU_EMU_RAISE_H
#define STRATA_CPU_EMU_RAISE_H

#include "cpu/emu/cpu.h"

static inline int emu_raise(struct emu_cpu *cpu, uint8_t vector)
{
    cpu->exc = (struct emu_exception){.vector = vector};
    return EMU_FAULT;
}

static inline int emu_raise_err(struct emu_cpu *cpu, uint8_t vector, uint32_t error)
{
    cpu->exc = (struct emu_exception){.vector = vector, .has_error = true, .error = error};
    return EMU_FAULT;
}

static inline int emu_raise_gp0(struct emu_cpu *cpu)
{
    return emu_raise_err(cpu, EXC_GP, 0);
}

static inline int emu_raise_pf(struct emu_cpu *cpu, uint64_t va, uint32_t error)
{
    cpu->exc =
        (struct emu_exception){.vector = EXC_PF, .has_error = true, .error = error, .cr2 = va};
    return EMU_FAULT;
}

/* #UD for an instruction the engine does not implement, with a rate-limited log line. */
int emu_raise_unimplemented(struct emu_cpu *cpu, const struct emu_insn *i);

/* Whether exception vector pushes an error code (SDM vol. 3A, table 6-1). */
bool emu_vector_has_error(uint8_t vector);

#endif
