// SPDX-License-Identifier: Apache-2.0
/*
 * mode.c - the one place where the fields derived from the architectural
 * mode are recomputed (see mode.h): CPL, MMU index, 64-bit or not, the
 * effective segment bases and the decoding mode (Zydis machine mode and
 * stack width) that decoded blocks are keyed by.
 */
#include "cpu/emu/mode.h"

#include "cpu/emu/codecache.h"

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
