// SPDX-License-Identifier: Apache-2.0
/*
 * x87_load_store.c - x87 data transfer (SDM vol. 1, 8.3.3; vol. 2 FLD,
 * FST/FSTP, FILD, FIST/FISTP, FISTTP, FBLD, FBSTP, FXCH, FCMOVcc) and the
 * constants (8.3.4: FLDZ, FLD1, FLDPI, FLDL2T, FLDL2E, FLDLG2, FLDLN2).
 * All of them run on the host's x87 unit (see x87.c): conversions from and
 * to single, double, extended, 16/32/64-bit integer and packed BCD, with
 * the control word's rounding and precision, integer indefinite and the
 * stack overflow/underflow faults come out exactly as on the CPU. FSTPNCE
 * is the alias D9 D8+i of FSTP ST(i). FISTTP is an SSE3 instruction and is
 * invalid unless the CPU model advertises SSE3.
 */
#include "cpu/emu/ops/x87.h"

const struct emu_opdef emu_ops_x87_load_store[] = {
    {ZYDIS_MNEMONIC_FLD, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FILD, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FBLD, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FLDZ, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FLD1, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FLDPI, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FLDL2T, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FLDL2E, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FLDLG2, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FLDLN2, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FXCH, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FST, emu_x87_select, &x87_forms_write, 0},
    {ZYDIS_MNEMONIC_FSTP, emu_x87_select, &x87_forms_write, 0},
    {ZYDIS_MNEMONIC_FSTPNCE, emu_x87_select, &x87_forms_write, 0},
    {ZYDIS_MNEMONIC_FIST, emu_x87_select, &x87_forms_write, 0},
    {ZYDIS_MNEMONIC_FISTP, emu_x87_select, &x87_forms_write, 0},
    {ZYDIS_MNEMONIC_FBSTP, emu_x87_select, &x87_forms_write, 0},
    {ZYDIS_MNEMONIC_FISTTP, emu_x87_select, &x87_forms_sse3_write, 0},
    {ZYDIS_MNEMONIC_FCMOVB, emu_x87_select, &x87_forms_fcmov, 0},
    {ZYDIS_MNEMONIC_FCMOVE, emu_x87_select, &x87_forms_fcmov, 0},
    {ZYDIS_MNEMONIC_FCMOVBE, emu_x87_select, &x87_forms_fcmov, 0},
    {ZYDIS_MNEMONIC_FCMOVU, emu_x87_select, &x87_forms_fcmov, 0},
    {ZYDIS_MNEMONIC_FCMOVNB, emu_x87_select, &x87_forms_fcmov, 0},
    {ZYDIS_MNEMONIC_FCMOVNE, emu_x87_select, &x87_forms_fcmov, 0},
    {ZYDIS_MNEMONIC_FCMOVNBE, emu_x87_select, &x87_forms_fcmov, 0},
    {ZYDIS_MNEMONIC_FCMOVNU, emu_x87_select, &x87_forms_fcmov, 0},
    {0},
};
