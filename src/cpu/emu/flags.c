// SPDX-License-Identifier: Apache-2.0
/*
 * flags.c - computing the arithmetic flags from the lazy record (flags.h),
 * and evaluating condition codes with fast paths for the CMP/SUB and
 * TEST/AND cases that dominate real code (SDM vol. 1, appendix B).
 */
#include "cpu/emu/flags.h"

static uint64_t zsp(uint64_t res, unsigned size)
{
    uint64_t f = 0;
    if ((res & size_mask(size)) == 0)
        f |= FL_ZF;
    if (res & sign_bit(size))
        f |= FL_SF;
    if (parity_even(res))
        f |= FL_PF;
    return f;
}

uint64_t emu_flags_arith(const struct emu_cpu *cpu)
{
    unsigned kind = cpu->cc_op >> 2;
    unsigned size = 1u << (cpu->cc_op & 3);
    uint64_t mask = size_mask(size), sign = sign_bit(size);
    uint64_t a = cpu->cc_src1 & mask, b = cpu->cc_src2 & mask, res = cpu->cc_res & mask;
    uint64_t f = zsp(res, size);

    switch (kind) {
    case CC_KIND_EFLAGS: return cpu->rflags & FL_ARITH;
    case CC_KIND_ADD:
    case CC_KIND_ADC:
        if (kind == CC_KIND_ADD ? res < a : res <= a)
            f |= FL_CF;
        if ((a ^ res) & (b ^ res) & sign)
            f |= FL_OF;
        f |= (a ^ b ^ res) & FL_AF;
        return f;
    case CC_KIND_SUB:
    case CC_KIND_SBB:
        if (kind == CC_KIND_SUB ? a < b : a <= b)
            f |= FL_CF;
        if ((a ^ b) & (a ^ res) & sign)
            f |= FL_OF;
        f |= (a ^ b ^ res) & FL_AF;
        return f;
    case CC_KIND_LOGIC: return f;
    case CC_KIND_INC:
        f |= cpu->cc_src2 & FL_CF;
        if (res == sign)
            f |= FL_OF;
        f |= (a ^ res) & FL_AF;
        return f;
    case CC_KIND_DEC:
        f |= cpu->cc_src2 & FL_CF;
        if (a == sign)
            f |= FL_OF;
        f |= (a ^ res) & FL_AF;
        return f;
    default: /* CC_KIND_RESULT */ return f | (cpu->cc_src2 & (FL_CF | FL_OF | FL_AF));
    }
}

bool emu_flags_cf(const struct emu_cpu *cpu)
{
    unsigned kind = cpu->cc_op >> 2;
    uint64_t mask = size_mask(1u << (cpu->cc_op & 3));
    uint64_t a = cpu->cc_src1 & mask, b = cpu->cc_src2 & mask, res = cpu->cc_res & mask;
    switch (kind) {
    case CC_KIND_EFLAGS: return cpu->rflags & FL_CF;
    case CC_KIND_ADD: return res < a;
    case CC_KIND_ADC: return res <= a;
    case CC_KIND_SUB: return a < b;
    case CC_KIND_SBB: return a <= b;
    case CC_KIND_LOGIC: return false;
    default: return cpu->cc_src2 & FL_CF; /* INC, DEC, RESULT */
    }
}

bool emu_cond_from_rflags(uint64_t f, unsigned cc)
{
    bool r;
    switch (cc >> 1) {
    case 0: r = f & FL_OF; break;                                    /* O */
    case 1: r = f & FL_CF; break;                                    /* B */
    case 2: r = f & FL_ZF; break;                                    /* E */
    case 3: r = f & (FL_CF | FL_ZF); break;                          /* BE */
    case 4: r = f & FL_SF; break;                                    /* S */
    case 5: r = f & FL_PF; break;                                    /* P */
    case 6: r = !(f & FL_SF) != !(f & FL_OF); break;                 /* L */
    default: r = (f & FL_ZF) || !(f & FL_SF) != !(f & FL_OF); break; /* LE */
    }
    return r ^ (cc & 1);
}

/* What POPF may change (SDM vol. 2B, POPF) */
#define POPF_MASK (FL_ARITH | FL_TF | FL_IF | FL_DF | FL_IOPL | FL_NT | FL_AC | FL_ID)

void emu_flags_popf_load(struct emu_cpu *cpu, uint64_t v, unsigned size)
{
    uint64_t mask = POPF_MASK;
    unsigned iopl = (cpu->rflags & FL_IOPL) >> 12;
    if (cpu->cpl > 0)
        mask &= ~FL_IOPL;
    if (cpu->cpl > iopl)
        mask &= ~FL_IF;
    if (size == 2)
        mask &= 0xffff;
    emu_flags_materialize(cpu);
    cpu->rflags = ((cpu->rflags & ~mask) | (v & mask)) & ~(FL_RF | FL_VIF | FL_VIP);
    cpu->rflags |= FL_FIXED;
}
