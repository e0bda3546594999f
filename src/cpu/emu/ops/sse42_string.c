// SPDX-License-Identifier: Apache-2.0
/*
 * sse42_string.c - the packed string compares of SSE4.2 (SDM vol. 2,
 * PCMPESTRI, and vol. 1, 12.13 / vol. 2A, 4.1 "imm8 control byte"):
 * PCMPESTRI, PCMPESTRM (explicit lengths in EAX/EDX, RAX/RDX with REX.W,
 * as absolute values saturated to the element count) and PCMPISTRI,
 * PCMPISTRM (implicit: up to the first null element). Every imm8: element
 * format (bits 1:0), aggregation (3:2: equal any, ranges, equal each,
 * equal ordered, with the forced values of invalid elements of SDM table
 * 4-7), polarity (5:4) and output selection (6: most significant index /
 * byte or word mask). The index goes to ECX, the mask to XMM0; CF, ZF, SF
 * and OF as the SDM says, AF and PF cleared. The memory operand is not
 * alignment-checked.
 */
#include "cpu/emu/ops/simd_ext.h"

/* Element k of v in the format of imm bits 1:0 (unsigned/signed bytes/words). */
static int32_t elem(const xmm_t *v, unsigned k, unsigned imm)
{
    switch (imm & 3) {
    case 0: return v->b[k];
    case 1: return v->w[k];
    case 2: return v->sb[k];
    default: return v->sw[k];
    }
}

static unsigned implicit_len(const xmm_t *v, unsigned n, unsigned imm)
{
    unsigned k = 0;
    while (k < n && elem(v, k, imm) != 0)
        k++;
    return k;
}

static unsigned explicit_len(uint64_t reg, bool wide, unsigned n)
{
    int64_t v = wide ? (int64_t)reg : (int32_t)reg;
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    return mag > n ? n : (unsigned)mag;
}

/* IntRes1 of SDM 4.1.4: bit j of the aggregation over the valid elements of a (la) and b (lb). */
static unsigned aggregate(const xmm_t *a, const xmm_t *b, unsigned la, unsigned lb, unsigned imm,
                          unsigned n)
{
    unsigned res = 0;
    for (unsigned j = 0; j < n; j++) {
        bool bit;
        switch (imm >> 2 & 3) {
        case 0: /* equal any: b[j] is one of a's */
            bit = false;
            for (unsigned i = 0; i < la && j < lb && !bit; i++)
                bit = elem(a, i, imm) == elem(b, j, imm);
            break;
        case 1: /* ranges: a[i] <= b[j] <= a[i+1] for some pair */
            bit = false;
            for (unsigned i = 0; i + 1 < la && j < lb && !bit; i += 2)
                bit = elem(a, i, imm) <= elem(b, j, imm) && elem(b, j, imm) <= elem(a, i + 1, imm);
            break;
        case 2: /* equal each: invalid in both counts as equal */
            bit = j < la && j < lb ? elem(a, j, imm) == elem(b, j, imm) : j >= la && j >= lb;
            break;
        default: /* equal ordered: a, as far as it is valid, starts at b[j] */
            bit = true;
            for (unsigned i = 0; i < n - j && bit; i++)
                if (i < la)
                    bit = j + i < lb && elem(a, i, imm) == elem(b, j + i, imm);
            break;
        }
        res |= (unsigned)bit << j;
    }
    return res;
}

static int pcmpstr(struct emu_cpu *cpu, const struct emu_insn *i, bool explicit, bool mask)
{
    xmm_t b;
    int st = sse_fetch_w(cpu, i, false, &b);
    if (unlikely(st))
        return st;
    const xmm_t a = *xmm(cpu, i->reg);
    unsigned imm = (unsigned)i->imm, n = imm & 1 ? 8 : 16, all = (1u << n) - 1;
    unsigned la = explicit ? explicit_len(cpu->r[CPU_RAX], i->cc, n) : implicit_len(&a, n, imm);
    unsigned lb = explicit ? explicit_len(cpu->r[CPU_RDX], i->cc, n) : implicit_len(&b, n, imm);
    unsigned res = aggregate(&a, &b, la, lb, imm, n);
    switch (imm >> 4 & 3) {
    case 1: res ^= all; break;            /* negative */
    case 3: res ^= (1u << lb) - 1; break; /* masked negative: the valid elements of b */
    default: break;
    }
    if (!mask) {
        cpu->r[CPU_RCX] = !res         ? n
                          : imm & 0x40 ? 31 - (unsigned)__builtin_clz(res)
                                       : (unsigned)__builtin_ctz(res);
    } else {
        xmm_t m = {.q = {0, 0}};
        if (!(imm & 0x40))
            m.d[0] = res;
        else
            for (unsigned k = 0; k < n; k++)
                if (res >> k & 1)
                    memset(m.b + k * (16 / n), 0xff, 16 / n);
        *xmm(cpu, 0) = m;
    }
    cpu->rflags = (emu_rflags(cpu) & ~FL_ARITH) | (res ? FL_CF : 0) | (lb < n ? FL_ZF : 0) |
                  (la < n ? FL_SF : 0) | (res & 1 ? FL_OF : 0);
    cpu->cc_op = CC_EFLAGS;
    return EMU_NEXT;
}

#define PCMPSTR(NAME, explicit, mask)                \
    HANDLER(NAME##_X)                                \
    {                                                \
        return pcmpstr(cpu, i, explicit, mask);      \
    }                                                \
    static const struct simd_form NAME##_forms[] = { \
        {SK_X, SK_X, NAME##_X}, {SK_X, SK_M128, NAME##_X}, {0, 0, NULL}};
PCMPSTR(PCMPESTRI, true, false)
PCMPSTR(PCMPESTRM, true, true)
PCMPSTR(PCMPISTRI, false, false)
PCMPSTR(PCMPISTRM, false, true)

/* insn->cc = REX.W: the explicit lengths are RAX and RDX. */
static bool select_pcmpstr(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    if (!emu_select_simd_regop(insn, d, arg))
        return false;
    insn->cc = d->zi->raw.rex.W;
    return true;
}

const struct emu_opdef emu_ops_sse42_string[] = {
    {ZYDIS_MNEMONIC_PCMPESTRI, select_pcmpstr, PCMPESTRI_forms, 0},
    {ZYDIS_MNEMONIC_PCMPESTRM, select_pcmpstr, PCMPESTRM_forms, 0},
    {ZYDIS_MNEMONIC_PCMPISTRI, select_pcmpstr, PCMPISTRI_forms, 0},
    {ZYDIS_MNEMONIC_PCMPISTRM, select_pcmpstr, PCMPISTRM_forms, 0},
    {0},
};
