// SPDX-License-Identifier: Apache-2.0
/*
 * state.c - moving the architectural state between the engine-neutral
 * struct cpu_state (src/machine/vcpu.h) and struct emu_cpu, and the derived
 * fields (CPL, MMU index, effective segment bases) kept in step with it.
 */
#include "cpu/emu/state.h"

#include "cpu/emu/codecache.h"
#include "cpu/emu/flags.h"
#include "cpu/emu/mmu.h"
#include "cpu/emu/sysregs.h"

/* The Zydis machine mode of the code at CS (SDM vol. 3A, 2.2 and 9.8.5). */
static ZydisMachineMode code_mode(const struct emu_cpu *cpu)
{
    const struct cpu_segment *cs = &cpu->seg[SEG_CS];
    if (!(cpu->cr0 & CR0_PE))
        return ZYDIS_MACHINE_MODE_REAL_16;
    if (cpu->efer & EFER_LMA) {
        if (cs->l)
            return ZYDIS_MACHINE_MODE_LONG_64;
        return cs->db ? ZYDIS_MACHINE_MODE_LONG_COMPAT_32 : ZYDIS_MACHINE_MODE_LONG_COMPAT_16;
    }
    return cs->db ? ZYDIS_MACHINE_MODE_LEGACY_32 : ZYDIS_MACHINE_MODE_LEGACY_16;
}

void emu_cpu_update_mode(struct emu_cpu *cpu)
{
    /* real mode runs at CPL 0 whatever CS holds (its RPL bits are part of a paragraph number) */
    cpu->cpl = (cpu->cr0 & CR0_PE) ? cpu->seg[SEG_CS].selector & 3u : 0;
    cpu->mmu_idx = cpu->cpl == 3 ? MMU_USER : MMU_SUPERVISOR;
    ZydisMachineMode zm = code_mode(cpu);
    cpu->long64 = zm == ZYDIS_MACHINE_MODE_LONG_64;
    for (unsigned s = 0; s < EMU_NR_SEGS; s++)
        cpu->ea_base[s] = cpu->long64 && s != SEG_FS && s != SEG_GS ? 0 : cpu->seg[s].base;
    uint8_t mode = (uint8_t)EMU_MODE(zm, !cpu->long64 && cpu->seg[SEG_SS].db);
    /*
     * The jump cache maps RIP to blocks: valid only for one decoding mode and,
     * outside 64-bit mode, one CS base. Both change only at mode switches and
     * far transfers, never on the paths 64-bit code takes.
     */
    if (unlikely(mode != cpu->mode ||
                 (!cpu->long64 && cpu->seg[SEG_CS].base != cpu->code_cs_base))) {
        cpu->mode = mode;
        cpu->code_cs_base = cpu->long64 ? 0 : cpu->seg[SEG_CS].base;
        if (cpu->code)
            emu_code_flush_jmp_cache(cpu);
    }
}

/* MSRs carried in cpu_state.msrs[] (EFER, APIC base and FS/GS bases have their own fields). */
static const uint32_t table_msrs[] = {
    MSR_TSC,  MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP, MSR_MISC_ENABLE,    MSR_PAT,
    MSR_STAR, MSR_LSTAR,       MSR_CSTAR,        MSR_SFMASK,       MSR_KERNEL_GS_BASE, MSR_TSC_AUX,
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
            if (table_msrs[t] == index)
                emu_msr_write(cpu, index, st->msrs[k].value);
    }
    memcpy(cpu->fx, st->fxsave, sizeof(cpu->fx));
    cpu->halted = st->mp_state == CPU_MP_HALTED;
    cpu->irq_shadow = st->interrupt_shadow;
    emu_cpu_update_mode(cpu);
    emu_tlb_flush_all(cpu);
    emu_code_flush_all(cpu); /* whoever sets a state may have rewritten memory behind our back */
}
