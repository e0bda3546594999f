/* SPDX-License-Identifier: Apache-2.0 */
/*
 * except.h - delivering exceptions and interrupts through the long-mode IDT
 * (SDM vol. 3A, 6.14), and outside IA-32e mode through except_legacy.c.
 * Raising them (recording a fault) is raise.h's.
 */
#ifndef STRATA_CPU_EMU_EXCEPT_H
#define STRATA_CPU_EMU_EXCEPT_H

#include "cpu/emu/cpu.h"
#include "cpu/emu/except_legacy.h"

/*
 * Delivers an event through the IDT; return_rip is the RIP pushed on the
 * handler's stack. Returns EMU_JUMP, or EMU_FAULT with cpu->exc set to the
 * exception the delivery itself raised.
 */
int emu_deliver_event(struct emu_cpu *cpu, uint8_t vector, enum emu_event_kind kind, bool has_error,
                      uint32_t error, uint64_t return_rip);

/*
 * Delivers the exception recorded in cpu->exc (RIP at the faulting
 * instruction), escalating to #DF and to a triple fault (machine reset) as
 * SDM vol. 3A, table 6-5 says. Returns false after a triple fault.
 */
bool emu_deliver_exception(struct emu_cpu *cpu);

#endif
