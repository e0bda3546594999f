// SPDX-License-Identifier: Apache-2.0
/*
 * bmi2.c - BMI2 (SDM vol. 2; CPUID.7.0:EBX.BMI2[bit 8]), VEX-encoded,
 * 32- and 64-bit: BZHI (ZF SF CF from the result and the index, OF 0, AF
 * PF as the model's undefined-flag rule: from the result), MULX (RDX times
 * r/m, no flags; with both destinations the same register it gets the high
 * half), PDEP, PEXT, RORX, SARX, SHLX, SHRX (no flags; the count masked to
 * 5 or 6 bits).
 */
#include "cpu/emu/ops/ops.h"

enum bmi2_op { B2_BZHI, B2_MULX, B2_PDEP, B2_PEXT, B2_RORX, B2_SARX, B2_SHLX, B2_SHRX };

static uint64_t pdep(uint64_t src, uint64_t mask)
{
    uint64_t r = 0;
    for (uint64_t bit = 1; mask; bit <<= 1, mask &= mask - 1)
        if (src & bit)
            r |= mask & (0 - mask);
    return r;
}

static uint64_t pext(uint64_t src, uint64_t mask)
{
    uint64_t r = 0;
    for (uint64_t bit = 1; mask; bit <<= 1, mask &= mask - 1)
        if (src & mask & (0 - mask))
            r |= bit;
    return r;
}

/* rm: the r/m operand's value; other: the VEX.vvvv register's (insn->cc) or the imm8. */
static inline void bmi2(struct emu_cpu *cpu, const struct emu_insn *i, unsigned size, uint64_t rm,
                        enum bmi2_op op)
{
    unsigned bits = size * 8;
    uint64_t mask = size_mask(size), other = op == B2_RORX ? i->imm : reg_get(cpu, i->cc, size), r;
    switch (op) {
    case B2_BZHI: {
        unsigned n = other & 0xff;
        r = n < bits ? rm & ((1ull << n) - 1) : rm;
        cc_set(cpu, CC_KIND_RESULT, size, 0, n >= bits ? FL_CF : 0, r);
        break;
    }
    case B2_MULX: {
        unsigned __int128 p = (unsigned __int128)reg_get(cpu, CPU_RDX, size) * rm;
        if (size == 4)
            p = (unsigned __int128)(p & 0xffffffffu) | (unsigned __int128)(uint32_t)(p >> 32) << 64;
        reg_set(cpu, i->cc, size, (uint64_t)p);
        r = (uint64_t)(p >> 64);
        break;
    }
    case B2_PDEP: r = pdep(other, rm); break;
    case B2_PEXT: r = pext(other, rm); break;
    case B2_RORX: {
        unsigned n = other & (bits - 1);
        r = n ? (rm >> n | rm << (bits - n)) & mask : rm;
        break;
    }
    case B2_SARX: r = (uint64_t)((int64_t)sext(rm, size) >> (other & (bits - 1))) & mask; break;
    case B2_SHLX: r = (rm << (other & (bits - 1))) & mask; break;
    default: r = rm >> (other & (bits - 1)); break; /* SHRX */
    }
    reg_set(cpu, i->reg, size, r);
}

#define BMI2(NAME, OP) VEX_GPR_FORMS(bmi2, NAME, OP)
BMI2(BZHI, B2_BZHI)
BMI2(MULX, B2_MULX)
BMI2(PDEP, B2_PDEP)
BMI2(PEXT, B2_PEXT)
BMI2(RORX, B2_RORX)
BMI2(SARX, B2_SARX)
BMI2(SHLX, B2_SHLX)
BMI2(SHRX, B2_SHRX)

/*
 * reg, and in either order the r/m source (rm or the EA) and the VEX.vvvv
 * register (insn->cc) or an imm8 (RORX).
 */
static bool select_bmi2(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    const struct emu_unary_forms *f = arg;
    if (d->nops != 3 || !op_is_reg(&d->op[0]))
        return false;
    int s = dec_size_index(d->op[0].size / 8), r = dec_gpr(d->op[0].reg.value);
    if (s < 2 || r < 0)
        return false;
    insn->reg = (uint8_t)r;
    insn->fn = NULL;
    for (unsigned k = 1; k < 3; k++) {
        const ZydisDecodedOperand *op = &d->op[k];
        if (op_is_imm(op)) {
            insn->imm = op->imm.value.u;
        } else if (op->encoding == ZYDIS_OPERAND_ENCODING_NDSNDD) {
            int v = dec_gpr(op->reg.value);
            if (v < 0)
                return false;
            insn->cc = (uint8_t)v;
        } else if (op_is_reg(op)) {
            int m = dec_gpr(op->reg.value);
            if (m < 0)
                return false;
            insn->rm = (uint8_t)m;
            insn->fn = f->r[s];
        } else if (op_is_mem(op)) {
            if (!dec_mem(insn, d, op))
                return false;
            insn->fn = f->m[s];
        }
    }
    return insn->fn != NULL;
}

const struct emu_opdef emu_ops_bmi2[] = {
    {ZYDIS_MNEMONIC_BZHI, select_bmi2, &BZHI_forms, 0},
    {ZYDIS_MNEMONIC_MULX, select_bmi2, &MULX_forms, 0},
    {ZYDIS_MNEMONIC_PDEP, select_bmi2, &PDEP_forms, 0},
    {ZYDIS_MNEMONIC_PEXT, select_bmi2, &PEXT_forms, 0},
    {ZYDIS_MNEMONIC_RORX, select_bmi2, &RORX_forms, 0},
    {ZYDIS_MNEMONIC_SARX, select_bmi2, &SARX_forms, 0},
    {ZYDIS_MNEMONIC_SHLX, select_bmi2, &SHLX_forms, 0},
    {ZYDIS_MNEMONIC_SHRX, select_bmi2, &SHRX_forms, 0},
    {0},
};
