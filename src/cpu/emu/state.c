// SPDX-License-Identifier: Apache-2.0
/*
 * state.c - moving the architectural state between the engine-neutral
 * struct cpu_state (src/machine/vcpu.h) and struct emu_cpu; the derived
 * fields are recomputed by mode.c.
 */
#include "cpu/emu/state.h"

#include "cpu/emu/codecache.h"
#include "cpu/emu/flags.h"
#include "cpu/emu/mode.h"
#include "cpu/emu/msr.h"
#include "cpu/emu/sysregs.h"
#include "cpu/emu/tlb.h"

/* MSRs carried in cpu_state.msrs[] (EFER, APIC base and FS/GS bases have their own fields). */
static const uint32_t table_msrs[] = {
    MSR_TSC,          MSR_TSC_ADJUST,  MSR_SYSENTER_CS, MSR_SYSENTER_ESP,
    MSR_SYSENTER_EIP, MSR_MISC_ENABLE, MSR_PAT,         MSR_STAR,
    MSR_LSTAR,        MSR_CSTAR,       MSR_SFMASK,      MSR_KERNEL_GS_BASE,
    MSR_TSC_AUX,
};

void emu_state_get(struct emu_cpu *cpu, struct cpu_state *st)
{
    memset(st, 0, sizeof(*st));
    memcpy(st->gpr, cpu->r, sizeof(st->gpr));
    st->rip = RIP(cpu);
    st->rflags = emu_rflags(cpu);
    st->es = cpu->seg[SEG_ES];
    st->cs = cpu->seg[SEG_CS];
    st->ss = cpu->seg[SEG_SS];
    st->ds = cpu->seg[SEG_DS];
    st->fs = cpu->seg[SEG_FS];
    st->gs = cpu->seg[SEG_GS];
    st->ldt = cpu->ldtr;
    st->tr = cpu->tr;
    st->gdt = cpu->gdt;
    st->idt = cpu->idt;
    st->cr0 = cpu->cr0;
    st->cr2 = cpu->cr2;
    st->cr3 = cpu->cr3;
    st->cr4 = cpu->cr4;
    st->efer = cpu->efer;
    memcpy(st->dr, cpu->dr, sizeof(st->dr));
    st->xcr0 = cpu->xcr0;
    for (size_t k = 0; k < sizeof(table_msrs) / sizeof(table_msrs[0]); k++) {
        uint64_t v = 0;
        emu_msr_read(cpu, table_msrs[k], &v);
        cpu_state__set_msr(st, table_msrs[k], v);
    }
    memcpy(st->fxsave, cpu->fx, sizeof(st->fxsave));
    st->mp_state = cpu->halted ? CPU_MP_HALTED : CPU_MP_RUNNABLE;
    st->interrupt_shadow = cpu->irq_shadow;
}

void emu_state_set(struct emu_cpu *cpu, const struct cpu_state *st)
{
    memcpy(cpu->r, st->gpr, sizeof(st->gpr));
    RIP(cpu) = st->rip;
    cpu->r[EMU_REG_ZERO] = 0;
    cpu->rflags =
        (st->rflags & ~0xffc08028ull) | FL_FIXED; /* reserved bits 3, 5, 15, 22-63 are 0 */
    cpu->cc_op = CC_EFLAGS;
    cpu->seg[SEG_ES] = st->es;
    cpu->seg[SEG_CS] = st->cs;
    cpu->seg[SEG_SS] = st->ss;
    cpu->seg[SEG_DS] = st->ds;
    cpu->seg[SEG_FS] = st->fs;
    cpu->seg[SEG_GS] = st->gs;
    cpu->ldtr = st->ldt;
    cpu->tr = st->tr;
    cpu->gdt = st->gdt;
    cpu->idt = st->idt;
    cpu->cr0 = st->cr0;
    cpu->cr2 = st->cr2;
    cpu->cr3 = st->cr3;
    cpu->cr4 = st->cr4;
    cpu->efer = st->efer;
    if ((cpu->efer & EFER_LME) && (cpu->cr0 & CR0_PG))
        cpu->efer |= EFER_LMA;
    memcpy(cpu->dr, st->dr, sizeof(cpu->dr));
    cpu->xcr0 = st->xcr0;
    for (uint32_t k = 0; k < st->nmsrs; k++) {
        uint32_t index = st->msrs[k].index;
        for (size_t t = 0; t < sizeof(table_msrs) / sizeof(table_msrs[0]); t++)
            if (table_msrs[t] == index && index != MSR_TSC_ADJUST)
                emu_msr_write(cpu, index, st->msrs[k].value);
    }
    /* set as saved, after the TSC: a write through emu_msr_write would move the TSC */
    uint64_t adjust;
    if (cpu_state__get_msr(st, MSR_TSC_ADJUST, &adjust))
        cpu->msr.tsc_adjust = adjust;
    memcpy(cpu->fx, st->fxsave, sizeof(cpu->fx));
    cpu->halted = st->mp_state == CPU_MP_HALTED;
    cpu->irq_shadow = st->interrupt_shadow;
    emu_cpu_update_mode(cpu);
    emu_tlb_flush_all(cpu);
    emu_code_flush_all(cpu); /* whoever sets a state may have rewritten memory behind our back */
}
