// SPDX-License-Identifier: Apache-2.0
/*
 * x87_arith.c - x87 basic arithmetic (SDM vol. 1, 8.3.5; vol. 2 FADD,
 * FSUB, FSUBR, FMUL, FDIV, FDIVR with their P and I forms, FCHS, FABS,
 * FSQRT, FRNDINT, FSCALE, FXTRACT, FPREM, FPREM1). They run on the host's
 * x87 unit (see x87.c), which rounds to the precision and in the direction
 * of the guest's control word, raises #I #D #Z #O #U #P exactly as the
 * reference CPU, and leaves FPREM/FPREM1's quotient bits in C0, C3, C1 and
 * "incomplete" in C2.
 */
#include "cpu/emu/ops/x87.h"

const struct emu_opdef emu_ops_x87_arith[] = {
    {ZYDIS_MNEMONIC_FADD, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FADDP, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FIADD, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FSUB, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FSUBP, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FISUB, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FSUBR, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FSUBRP, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FISUBR, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FMUL, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FMULP, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FIMUL, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FDIV, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FDIVP, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FIDIV, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FDIVR, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FDIVRP, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FIDIVR, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FCHS, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FABS, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FSQRT, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FRNDINT, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FSCALE, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FXTRACT, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FPREM, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FPREM1, emu_x87_select, &x87_forms_read, 0},
    {0},
};
