// SPDX-License-Identifier: Apache-2.0
/*
 * fsgsbase.c - FSGSBASE (SDM vol. 2, RDFSBASE/WRFSBASE; CPUID.7.0:EBX
 * .FSGSBASE[bit 0]): RDFSBASE, RDGSBASE, WRFSBASE, WRGSBASE with 32- and
 * 64-bit registers, at any CPL. #UD outside 64-bit mode or with
 * CR4.FSGSBASE clear; a 64-bit write of a non-canonical base is #GP(0), a
 * 32-bit one zero-extends.
 */
#include "cpu/emu/ops/ops.h"

/* insn->cc: the segment (SEG_FS or SEG_GS); insn->imm: 1 for the writes. */
HANDLER(FSGSBASE)
{
    if (!(cpu->cr4 & CR4_FSGSBASE))
        return emu_raise(cpu, EXC_UD);
    uint64_t *base = &cpu->seg[i->cc].base;
    if (!i->imm) {
        reg_set(cpu, i->reg, i->size, *base);
        return EMU_NEXT;
    }
    uint64_t v = reg_get(cpu, i->reg, i->size);
    if (!is_canonical(v))
        return emu_raise_gp0(cpu);
    *base = v;
    return EMU_NEXT;
}

static bool select_fsgsbase(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    if (dec_legacy(d)) {
        insn->fn = emu_op_invalid;
        return true;
    }
    const char *what = arg; /* "rf" read FS, "wg" write GS... */
    int r = d->nops == 1 && op_is_reg(&d->op[0]) ? dec_gpr(d->op[0].reg.value) : -1;
    if (r < 0 || dec_size_index(d->op[0].size / 8) < 2)
        return false;
    insn->reg = (uint8_t)r;
    insn->size = (uint8_t)(d->op[0].size / 8);
    insn->cc = what[1] == 'f' ? SEG_FS : SEG_GS;
    insn->imm = what[0] == 'w';
    insn->fn = FSGSBASE;
    return true;
}

const struct emu_opdef emu_ops_fsgsbase[] = {
    {ZYDIS_MNEMONIC_RDFSBASE, select_fsgsbase, "rf", 0},
    {ZYDIS_MNEMONIC_RDGSBASE, select_fsgsbase, "rg", 0},
    {ZYDIS_MNEMONIC_WRFSBASE, select_fsgsbase, "wf", 0},
    {ZYDIS_MNEMONIC_WRGSBASE, select_fsgsbase, "wg", 0},
    {0},
};
