// SPDX-License-Identifier: Apache-2.0
/*
 * flags.c - the RFLAGS bits each tested instruction leaves undefined, after
 * the instruction pages of the Intel SDM vol. 2 ("Flags Affected"), plus
 * which flags it reads and writes (from Zydis's instruction tables).
 *
 * Undefined flags differ between CPU makers and generations, so the
 * comparison leaves them out on every host (corners.h). The table below is the list documented in
 * docs/testing.md; shifts and rotates depend on their count:
 *   SHL/SAL/SHR/SAR  count 0: nothing changes; 1: AF undefined;
 *                    >1: OF, AF undefined; SHL/SHR with count >= operand
 *                    width (8/16-bit): CF undefined as well
 *   ROL/ROR/RCL/RCR  count 0: nothing changes; >1: OF undefined
 *   SHLD/SHRD        count 0: nothing changes; 1: AF undefined; >1: OF, AF
 *                    undefined; count > width: all undefined (not generated)
 * where "count" is the count after masking to 5 bits (6 for 64-bit operands).
 */
#include "flags.h"

#include "difftest.h"

static const struct {
    ZydisMnemonic mnemonic;
    uint32_t undefined;
} undefined_table[] = {
    {ZYDIS_MNEMONIC_AND, DT_AF},
    {ZYDIS_MNEMONIC_OR, DT_AF},
    {ZYDIS_MNEMONIC_XOR, DT_AF},
    {ZYDIS_MNEMONIC_TEST, DT_AF},
    {ZYDIS_MNEMONIC_MUL, DT_SF | DT_ZF | DT_AF | DT_PF},
    {ZYDIS_MNEMONIC_IMUL, DT_SF | DT_ZF | DT_AF | DT_PF},
    {ZYDIS_MNEMONIC_DIV, DT_FLAGS_STATUS},
    {ZYDIS_MNEMONIC_IDIV, DT_FLAGS_STATUS},
    {ZYDIS_MNEMONIC_BSF, DT_CF | DT_OF | DT_SF | DT_AF | DT_PF},
    {ZYDIS_MNEMONIC_BSR, DT_CF | DT_OF | DT_SF | DT_AF | DT_PF},
    {ZYDIS_MNEMONIC_BT, DT_OF | DT_SF | DT_AF | DT_PF},
    {ZYDIS_MNEMONIC_BTS, DT_OF | DT_SF | DT_AF | DT_PF},
    {ZYDIS_MNEMONIC_BTR, DT_OF | DT_SF | DT_AF | DT_PF},
    {ZYDIS_MNEMONIC_BTC, DT_OF | DT_SF | DT_AF | DT_PF},
    {ZYDIS_MNEMONIC_LZCNT, DT_OF | DT_SF | DT_PF | DT_AF},
    {ZYDIS_MNEMONIC_TZCNT, DT_OF | DT_SF | DT_PF | DT_AF},
    {ZYDIS_MNEMONIC_ANDN, DT_AF | DT_PF},
    {ZYDIS_MNEMONIC_BEXTR, DT_AF | DT_SF | DT_PF},
    {ZYDIS_MNEMONIC_BLSI, DT_AF | DT_PF},
    {ZYDIS_MNEMONIC_BLSMSK, DT_AF | DT_PF},
    {ZYDIS_MNEMONIC_BLSR, DT_AF | DT_PF},
    {ZYDIS_MNEMONIC_BZHI, DT_AF | DT_PF},
};

bool flags__counted(ZydisMnemonic m)
{
    switch (m) {
    case ZYDIS_MNEMONIC_SHL:
    case ZYDIS_MNEMONIC_SHR:
    case ZYDIS_MNEMONIC_SAR:
    case ZYDIS_MNEMONIC_ROL:
    case ZYDIS_MNEMONIC_ROR:
    case ZYDIS_MNEMONIC_RCL:
    case ZYDIS_MNEMONIC_RCR:
    case ZYDIS_MNEMONIC_SHLD:
    case ZYDIS_MNEMONIC_SHRD: return true;
    default: return false;
    }
}

static uint32_t counted_undefined(ZydisMnemonic m, unsigned width, unsigned masked)
{
    switch (m) {
    case ZYDIS_MNEMONIC_SHL:
    case ZYDIS_MNEMONIC_SHR:
        return (masked == 1 ? DT_AF : DT_OF | DT_AF) | (masked >= width ? DT_CF : 0);
    case ZYDIS_MNEMONIC_SAR: return masked == 1 ? DT_AF : DT_OF | DT_AF;
    case ZYDIS_MNEMONIC_SHLD:
    case ZYDIS_MNEMONIC_SHRD:
        if (masked > width)
            return DT_FLAGS_STATUS;
        return masked == 1 ? DT_AF : DT_OF | DT_AF;
    default: /* rotates */ return masked == 1 ? 0 : DT_OF;
    }
}

void flags__effect(const ZydisDecodedInstruction *insn, int count, struct flag_effect *fx)
{
    const ZydisAccessedFlags *f = insn->cpu_flags;
    uint32_t touched = f ? (f->modified | f->set_0 | f->set_1 | f->undefined) : 0;

    fx->result_undefined = insn->mnemonic == ZYDIS_MNEMONIC_BSWAP && insn->operand_width == 16;
    fx->read = f ? f->tested & DT_FLAGS_COMPARED : 0;
    fx->written = touched & DT_FLAGS_COMPARED;
    fx->undefined = 0;

    if (insn->attributes & (ZYDIS_ATTRIB_HAS_REPE | ZYDIS_ATTRIB_HAS_REPNE)) {
        /* REPE/REPNE CMPS/SCAS with RCX = 0 leave the flags alone: a flag becomes defined only
           if it was, so count none as written. */
        fx->written = 0;
        return;
    }
    if (flags__counted(insn->mnemonic)) {
        bool double_shift =
            insn->mnemonic == ZYDIS_MNEMONIC_SHLD || insn->mnemonic == ZYDIS_MNEMONIC_SHRD;
        if (double_shift && insn->operand_width == 16 && (count < 0 || (count & 31) > 16))
            fx->result_undefined = true;
        if (count < 0) {
            /* Count 0 changes nothing; any other count defines the flags except those the
               count leaves undefined: a defined flag may become undefined, never the reverse. */
            fx->written = 0;
            unsigned max = insn->operand_width == 64 ? 63 : 31;
            for (unsigned masked = 1; masked <= max; masked++)
                fx->undefined |= counted_undefined(insn->mnemonic, insn->operand_width, masked);
            return;
        }
        unsigned masked = (unsigned)count & (insn->operand_width == 64 ? 63 : 31);
        if (masked == 0) {
            fx->written = 0;
            return;
        }
        fx->undefined = counted_undefined(insn->mnemonic, insn->operand_width, masked);
        fx->written |= fx->undefined;
        return;
    }
    for (size_t i = 0; i < sizeof(undefined_table) / sizeof(undefined_table[0]); i++) {
        if (undefined_table[i].mnemonic == insn->mnemonic) {
            fx->undefined = undefined_table[i].undefined;
            fx->written |= fx->undefined;
            return;
        }
    }
}
