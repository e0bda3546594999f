/* SPDX-License-Identifier: Apache-2.0 */
/*
 * except.h - raising exceptions from handlers, and delivering exceptions and
 * interrupts through the long-mode IDT (SDM vol. 3A, 6.14).
 *
 * A handler that detects a fault records it with emu_raise*() and returns
 * EMU_FAULT before it has changed any state; the run loop then delivers it
 * (or reports it, in emu__run_until).
 */
#ifndef STRATA_CPU_EMU_EXCEPT_H
#define STRATA_CPU_EMU_EXCEPT_H

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

enum emu_event_kind {
    EVENT_EXCEPTION, /* a fault or trap raised by the CPU */
    EVENT_SOFTWARE,  /* INT n / INT3 / INTO: gate DPL is checked against CPL */
    EVENT_EXTERNAL,  /* an interrupt from the interrupt controller, or NMI */
};

/*
 * Delivers an event through the IDT; return_rip is the RIP pushed on the
 * handler's stack. Returns EMU_JUMP, or EMU_FAULT with cpu->exc set to the
 * exception the delivery itself raised.
 */
int emu_deliver_event(struct emu_cpu *cpu, uint8_t vector, enum emu_event_kind kind, bool has_error,
                      uint32_t error, uint64_t return_rip);

/* The same outside IA-32e mode: real-mode IVT or protected-mode IDT (except_legacy.c). */
int emu_deliver_event_legacy(struct emu_cpu *cpu, uint8_t vector, enum emu_event_kind kind,
                             bool has_error, uint32_t error, uint64_t return_rip);

/*
 * Delivers the exception recorded in cpu->exc (RIP at the faulting
 * instruction), escalating to #DF and to a triple fault (machine reset) as
 * SDM vol. 3A, table 6-5 says. Returns false after a triple fault.
 */
bool emu_deliver_exception(struct emu_cpu *cpu);

#endif
