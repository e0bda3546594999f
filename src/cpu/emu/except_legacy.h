/* SPDX-License-Identifier: Apache-2.0 */
/*
 * except_legacy.h - event delivery outside IA-32e mode (except_legacy.c):
 * the real-mode IVT and 8-byte protected-mode IDT gates, and the kinds of
 * events both delivery paths take.
 */
#ifndef STRATA_CPU_EMU_EXCEPT_LEGACY_H
#define STRATA_CPU_EMU_EXCEPT_LEGACY_H

#include "cpu/emu/cpu.h"

enum emu_event_kind {
    EVENT_EXCEPTION, /* a fault or trap raised by the CPU */
    EVENT_SOFTWARE,  /* INT n / INT3 / INTO: gate DPL is checked against CPL */
    EVENT_EXTERNAL,  /* an interrupt from the interrupt controller, or NMI */
};

/* The same outside IA-32e mode: real-mode IVT or protected-mode IDT (except_legacy.c). */
int emu_deliver_event_legacy(struct emu_cpu *cpu, uint8_t vector, enum emu_event_kind kind,
                             bool has_error, uint32_t error, uint64_t return_rip);

#endif
