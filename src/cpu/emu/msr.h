/* SPDX-License-Identifier: Apache-2.0 */
/*
 * msr.h - RDMSR/WRMSR of the model-specific registers (msr.c; the numbers
 * are in sysregs.h), the local APIC's among them (IA32_APIC_BASE,
 * IA32_TSC_DEADLINE, x2APIC: the LAPIC model's, devices/platform/lapic.h),
 * and the time-stamp counter.
 */
#ifndef STRATA_CPU_EMU_MSR_H
#define STRATA_CPU_EMU_MSR_H

#include "cpu/emu/cpu.h"

/* RDMSR/WRMSR; EMU_FAULT with #GP(0) raised for an unknown MSR or a bad value. */
int emu_msr_read(struct emu_cpu *cpu, uint32_t index, uint64_t *value);
int emu_msr_write(struct emu_cpu *cpu, uint32_t index, uint64_t value);

/*
 * The xAPIC page moved or (dis)appeared (IA32_APIC_BASE write, state load,
 * INIT): re-reads it from the LAPIC and flushes the TLB.
 */
void emu_msr_refresh_apic_page(struct emu_cpu *cpu);

/* Guest TSC: the host monotonic clock at 1 GHz, plus the guest's offset. */
#define EMU_TSC_HZ 1000000000ull
uint64_t emu_host_ns(void);
static inline uint64_t emu_tsc(const struct emu_cpu *cpu)
{
    return emu_host_ns() + (uint64_t)cpu->msr.tsc_offset;
}

#endif
