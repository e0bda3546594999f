// SPDX-License-Identifier: Apache-2.0
/*
 * x87_compare.c - x87 comparison and classification (SDM vol. 1, 8.3.6
 * and 8.3.7; vol. 2 FCOM/FCOMP/FCOMPP, FUCOM/FUCOMP/FUCOMPP, FICOM/FICOMP,
 * FTST, FXAM, FCOMI/FCOMIP/FUCOMI/FUCOMIP). The condition codes C0 C2 C3
 * (and ZF PF CF for the FCOMI forms, with OF SF AF cleared) come from the
 * host's x87 unit (see x87.c), with the ordered/unordered distinction for
 * QNaN operands and C1 for FXAM's sign. Zydis decodes the aliases DC D0+i,
 * DC D8+i and DE D0+i as FCOM and FCOMP.
 */
#include "cpu/emu/ops/x87.h"

const struct emu_opdef emu_ops_x87_compare[] = {
    {ZYDIS_MNEMONIC_FCOM, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FCOMP, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FCOMPP, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FUCOM, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FUCOMP, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FUCOMPP, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FICOM, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FICOMP, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FTST, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FXAM, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FCOMI, emu_x87_select, &x87_forms_fcomi, 0},
    {ZYDIS_MNEMONIC_FCOMIP, emu_x87_select, &x87_forms_fcomi, 0},
    {ZYDIS_MNEMONIC_FUCOMI, emu_x87_select, &x87_forms_fcomi, 0},
    {ZYDIS_MNEMONIC_FUCOMIP, emu_x87_select, &x87_forms_fcomi, 0},
    {0},
};
