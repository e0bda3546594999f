// SPDX-License-Identifier: Apache-2.0
/*
 * x87_transcendental.c - x87 transcendental instructions (SDM vol. 1,
 * 8.3.8-8.3.10; vol. 2 FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X,
 * FYL2XP1). Their results are not fully specified by the SDM (accuracy
 * differs between CPU makers), so the host's x87 unit computes them (see
 * x87.c): the guest sees exactly the values, C2 for out-of-range operands
 * (|x| >= 2^63) and exception flags of the CPU it runs on.
 */
#include "cpu/emu/ops/x87.h"

const struct emu_opdef emu_ops_x87_transcendental[] = {
    {ZYDIS_MNEMONIC_FSIN, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FCOS, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FSINCOS, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FPTAN, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FPATAN, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_F2XM1, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FYL2X, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FYL2XP1, emu_x87_select, &x87_forms_read, 0},
    {0},
};
