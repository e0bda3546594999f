// SPDX-License-Identifier: Apache-2.0
/*
 * flagops.c - instructions on RFLAGS bits: CLC, STC, CMC, CLD, STD, LAHF,
 * SAHF, and CLI/STI with the IOPL check and STI's one-instruction interrupt
 * shadow (SDM vol. 2, "STI"; vol. 3A, 6.8.3).
 */
#include "cpu/emu/ops/ops.h"

static inline void edit(struct emu_cpu *cpu, uint64_t clear, uint64_t set)
{
    emu_flags_materialize(cpu);
    cpu->rflags = (cpu->rflags & ~clear) | set;
}

HANDLER(CLC)
{
    (void)i;
    edit(cpu, FL_CF, 0);
    return EMU_NEXT;
}
HANDLER(STC)
{
    (void)i;
    edit(cpu, 0, FL_CF);
    return EMU_NEXT;
}
HANDLER(CMC)
{
    (void)i;
    edit(cpu, 0, 0);
    cpu->rflags ^= FL_CF;
    return EMU_NEXT;
}
HANDLER(CLD)
{
    (void)i;
    cpu->rflags &= ~FL_DF;
    return EMU_NEXT;
}
HANDLER(STD)
{
    (void)i;
    cpu->rflags |= FL_DF;
    return EMU_NEXT;
}

#define AH_FLAGS (FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF)

HANDLER(LAHF)
{
    (void)i;
    uint8_t ah = (uint8_t)((emu_rflags(cpu) & AH_FLAGS) | FL_FIXED);
    ((uint8_t *)cpu->r)[CPU_RAX * 8 + 1] = ah;
    return EMU_NEXT;
}

HANDLER(SAHF)
{
    (void)i;
    edit(cpu, AH_FLAGS, ((uint8_t *)cpu->r)[CPU_RAX * 8 + 1] & AH_FLAGS);
    return EMU_NEXT;
}

static inline bool iopl_allows(const struct emu_cpu *cpu)
{
    return cpu->cpl <= ((cpu->rflags & FL_IOPL) >> 12);
}

HANDLER(CLI)
{
    (void)i;
    if (!iopl_allows(cpu))
        return emu_raise_gp0(cpu);
    cpu->rflags &= ~FL_IF;
    return EMU_NEXT;
}

HANDLER(STI)
{
    if (!iopl_allows(cpu))
        return emu_raise_gp0(cpu);
    if (!(cpu->rflags & FL_IF))
        cpu->irq_shadow = true;
    cpu->rflags |= FL_IF;
    RIP(cpu) += i->len;
    return EMU_JUMP;
}

const struct emu_opdef emu_ops_flagops[] = {
    {ZYDIS_MNEMONIC_CLC, emu_select_fixed, CLC, 0},
    {ZYDIS_MNEMONIC_STC, emu_select_fixed, STC, 0},
    {ZYDIS_MNEMONIC_CMC, emu_select_fixed, CMC, 0},
    {ZYDIS_MNEMONIC_CLD, emu_select_fixed, CLD, 0},
    {ZYDIS_MNEMONIC_STD, emu_select_fixed, STD, 0},
    {ZYDIS_MNEMONIC_LAHF, emu_select_fixed, LAHF, 0},
    {ZYDIS_MNEMONIC_SAHF, emu_select_fixed, SAHF, 0},
    {ZYDIS_MNEMONIC_CLI, emu_select_fixed, CLI, 0},
    {ZYDIS_MNEMONIC_STI, emu_select_fixed, STI, OPF_BRANCH},
    {0},
};
