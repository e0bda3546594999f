/* SPDX-License-Identifier: Apache-2.0 */
/*
 * irq.h - the emu engine's side of the platform (src/devices/platform/,
 * docs/platform.md): the per-VM interrupt controllers and timers, taking
 * interrupts, NMI, INIT and SIPI between instructions (SDM vol. 3A, 6.7
 * "Enabling and Disabling Interrupts", 6.8.3 "Masking Exceptions and
 * Interrupts When Switching Stacks", 8.4 "MP Initialization"), HLT and
 * wait-for-SIPI sleeping until the next timer deadline or a kick, and the
 * LAPIC parts of the vCPU state.
 */
#ifndef STRATA_CPU_EMU_IRQ_H
#define STRATA_CPU_EMU_IRQ_H

#include "cpu/emu/cpu.h"
#include "devices/platform/platform.h"
#include "machine/machine.h"

/* Per-VM data of the emu engine (machine.engine_data). */
struct emu_vm {
    struct platform platform;
};

/* Blocks between two looks at the clock while the guest runs (a few thousand instructions). */
#define EMU_TIMER_POLL_BLOCKS 512

/* Creates the platform for m's vCPUs and puts its devices on m's buses. */
int emu_irq_vm_init(struct machine *m, struct emu_vm *vm, struct err *err);
void emu_irq_vm_destroy(struct emu_vm *vm);

/* Connects a new vCPU to its LAPIC (called by vcpu_create). */
void emu_irq_vcpu_init(struct emu_cpu *cpu);

/*
 * The hot test, once per block: an event the vCPU must act on now. INTR
 * counts only with RFLAGS.IF = 1 outside an STI/MOV SS shadow; in
 * wait-for-SIPI every event goes to emu_irq_service, which drops what does
 * not apply.
 */
static inline bool emu_irq_wanted(const struct emu_cpu *cpu)
{
    unsigned ev = lapic__events(cpu->lapic);
    return unlikely(ev) && (ev != LAPIC_EVENT_INTR || ((cpu->rflags & FL_IF) && !cpu->irq_shadow));
}

/* Takes pending events in priority order: INIT, SIPI, NMI, INTR (docs/platform.md). */
void emu_irq_service(struct emu_cpu *cpu);

/* Fires the timers that are due now (LAPIC timer of this vCPU, PIT). */
void emu_irq_poll_timers(struct emu_cpu *cpu);

/*
 * The vCPU is halted (HLT, or waiting for its startup IPI): sleeps until an
 * event wakes it, a timer is due or the machine stops, and services what
 * woke it. Returns when the vCPU runs again or the machine stops.
 */
void emu_irq_halt(struct emu_cpu *cpu);

/* Makes the vCPU look at its events and, if it sleeps, wake up (any thread). */
void emu_irq_kick(struct emu_cpu *cpu);

/* The LAPIC, CR8, pending NMI and activity state in struct cpu_state. */
void emu_irq_get_state(struct emu_cpu *cpu, struct cpu_state *st);
void emu_irq_set_state(struct emu_cpu *cpu, const struct cpu_state *st);

#endif
