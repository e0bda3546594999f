// SPDX-License-Identifier: Apache-2.0
/*
 * sse41_int.c - the integer arithmetic of SSE4.1 (SDM vol. 2; CPUID.1:ECX
 * .SSE4_1[bit 19]): PMULLD, PMULDQ, PMINSB/SD/UD/UW, PMAXSB/SD/UD/UW,
 * PCMPEQQ, PACKUSDW, PHMINPOSUW, MPSADBW (imm8 bits 2:0 pick the blocks),
 * PTEST (ZF and CF; AF, OF, PF, SF cleared), and the widening moves
 * PMOVSX/PMOVZX BW, BD, BQ, WD, WQ, DQ, whose memory operand is the 16, 32
 * or 64 bits they read, never alignment-checked as 128 bits.
 */
#include "cpu/emu/ops/simd_ext.h"

#define LANEWISE(name, field, T, EXPR)                                   \
    static inline xmm_t name(xmm_t d, xmm_t s, unsigned imm, unsigned n) \
    {                                                                    \
        (void)imm, (void)n;                                              \
        for (unsigned k = 0; k < 16 / sizeof(T); k++) {                  \
            T a = d.field[k], b = s.field[k];                            \
            d.field[k] = (EXPR);                                         \
        }                                                                \
        return d;                                                        \
    }
LANEWISE(pmulld, d, uint32_t, a *b)
LANEWISE(pminsb, sb, int8_t, a < b ? a : b)
LANEWISE(pminsd, sd, int32_t, a < b ? a : b)
LANEWISE(pminud, d, uint32_t, a < b ? a : b)
LANEWISE(pminuw, w, uint16_t, a < b ? a : b)
LANEWISE(pmaxsb, sb, int8_t, a > b ? a : b)
LANEWISE(pmaxsd, sd, int32_t, a > b ? a : b)
LANEWISE(pmaxud, d, uint32_t, a > b ? a : b)
LANEWISE(pmaxuw, w, uint16_t, a > b ? a : b)
LANEWISE(pcmpeqq, q, uint64_t, a == b ? ~0ull : 0)

static inline xmm_t pmuldq(xmm_t d, xmm_t s, unsigned imm, unsigned n)
{
    (void)imm, (void)n;
    xmm_t r;
    for (unsigned k = 0; k < 2; k++)
        r.q[k] = (uint64_t)((int64_t)d.sd[2 * k] * s.sd[2 * k]);
    return r;
}

static inline xmm_t packusdw(xmm_t d, xmm_t s, unsigned imm, unsigned n)
{
    (void)imm, (void)n;
    xmm_t r;
    for (unsigned k = 0; k < 4; k++) {
        r.w[k] = satu16(d.sd[k]);
        r.w[4 + k] = satu16(s.sd[k]);
    }
    return r;
}

static inline xmm_t phminposuw(xmm_t d, xmm_t s, unsigned imm, unsigned n)
{
    (void)d, (void)imm, (void)n;
    unsigned at = 0;
    for (unsigned k = 1; k < 8; k++)
        if (s.w[k] < s.w[at])
            at = k;
    return (xmm_t){.q = {s.w[at] | (uint64_t)at << 16, 0}};
}

static inline xmm_t mpsadbw(xmm_t d, xmm_t s, unsigned imm, unsigned n)
{
    (void)n;
    unsigned a = (imm >> 2 & 1) * 4, b = (imm & 3) * 4;
    xmm_t r;
    for (unsigned k = 0; k < 8; k++) {
        unsigned sum = 0;
        for (unsigned j = 0; j < 4; j++) {
            int diff = d.b[a + k + j] - s.b[b + j];
            sum += (unsigned)(diff < 0 ? -diff : diff);
        }
        r.w[k] = (uint16_t)sum;
    }
    return r;
}

SIMD_VEC(PMULLD, pmulld)
SIMD_VEC(PMULDQ, pmuldq)
SIMD_VEC(PMINSB, pminsb)
SIMD_VEC(PMINSD, pminsd)
SIMD_VEC(PMINUD, pminud)
SIMD_VEC(PMINUW, pminuw)
SIMD_VEC(PMAXSB, pmaxsb)
SIMD_VEC(PMAXSD, pmaxsd)
SIMD_VEC(PMAXUD, pmaxud)
SIMD_VEC(PMAXUW, pmaxuw)
SIMD_VEC(PCMPEQQ, pcmpeqq)
SIMD_VEC(PACKUSDW, packusdw)
SIMD_VEC(PHMINPOSUW, phminposuw)
SIMD_VEC(MPSADBW, mpsadbw)

HANDLER(PTEST_X)
{
    xmm_t s;
    int st = sse_fetch_w(cpu, i, true, &s);
    if (unlikely(st))
        return st;
    const xmm_t *d = xmm(cpu, i->reg);
    bool zf = !((d->q[0] & s.q[0]) | (d->q[1] & s.q[1]));
    bool cf = !((~d->q[0] & s.q[0]) | (~d->q[1] & s.q[1]));
    cpu->rflags = (emu_rflags(cpu) & ~FL_ARITH) | (zf ? FL_ZF : 0) | (cf ? FL_CF : 0);
    cpu->cc_op = CC_EFLAGS;
    return EMU_NEXT;
}
static const struct simd_form PTEST_forms[] = {
    {SK_X, SK_X, PTEST_X}, {SK_X, SK_M128, PTEST_X}, {0, 0, NULL}};

/*
 * PMOVSX/PMOVZX: elements of `from` bytes (1, 2, 4) widened to `to` bytes,
 * as many as fill 16 bytes; the source is the low 16 / (to / from) bytes.
 */
static int pmovx(struct emu_cpu *cpu, const struct emu_insn *i, unsigned from, unsigned to,
                 bool sign)
{
    xmm_t s;
    int st = sse_enter(cpu);
    if (unlikely(st))
        return st;
    if (i->flags & INSN_REGOP)
        s = *xmm(cpu, i->rm);
    else if (unlikely(st = simd_read(cpu, i, 16 / (to / from), &s)))
        return st;
    xmm_t r;
    for (unsigned k = 0; k < 16 / to; k++) {
        uint64_t v = 0;
        memcpy(&v, s.b + k * from, from);
        if (sign)
            v = sext(v, from);
        memcpy(r.b + k * to, &v, to);
    }
    *xmm(cpu, i->reg) = r;
    return EMU_NEXT;
}

#define PMOVX(NAME, from, to, sign, mem)             \
    HANDLER(NAME##_X)                                \
    {                                                \
        return pmovx(cpu, i, from, to, sign);        \
    }                                                \
    static const struct simd_form NAME##_forms[] = { \
        {SK_X, SK_X, NAME##_X}, {SK_X, mem, NAME##_X}, {0, 0, NULL}};
PMOVX(PMOVSXBW, 1, 2, true, SK_M64)
PMOVX(PMOVSXBD, 1, 4, true, SK_M32)
PMOVX(PMOVSXBQ, 1, 8, true, SK_M16)
PMOVX(PMOVSXWD, 2, 4, true, SK_M64)
PMOVX(PMOVSXWQ, 2, 8, true, SK_M32)
PMOVX(PMOVSXDQ, 4, 8, true, SK_M64)
PMOVX(PMOVZXBW, 1, 2, false, SK_M64)
PMOVX(PMOVZXBD, 1, 4, false, SK_M32)
PMOVX(PMOVZXBQ, 1, 8, false, SK_M16)
PMOVX(PMOVZXWD, 2, 4, false, SK_M64)
PMOVX(PMOVZXWQ, 2, 8, false, SK_M32)
PMOVX(PMOVZXDQ, 4, 8, false, SK_M64)

const struct emu_opdef emu_ops_sse41_int[] = {
    SIMD_VEC_OP(PMULLD, PMULLD_forms),         SIMD_VEC_OP(PMULDQ, PMULDQ_forms),
    SIMD_VEC_OP(PMINSB, PMINSB_forms),         SIMD_VEC_OP(PMINSD, PMINSD_forms),
    SIMD_VEC_OP(PMINUD, PMINUD_forms),         SIMD_VEC_OP(PMINUW, PMINUW_forms),
    SIMD_VEC_OP(PMAXSB, PMAXSB_forms),         SIMD_VEC_OP(PMAXSD, PMAXSD_forms),
    SIMD_VEC_OP(PMAXUD, PMAXUD_forms),         SIMD_VEC_OP(PMAXUW, PMAXUW_forms),
    SIMD_VEC_OP(PCMPEQQ, PCMPEQQ_forms),       SIMD_VEC_OP(PACKUSDW, PACKUSDW_forms),
    SIMD_VEC_OP(PHMINPOSUW, PHMINPOSUW_forms), SIMD_VEC_OP(MPSADBW, MPSADBW_forms),
    SIMD_VEC_OP(PTEST, PTEST_forms),           SIMD_VEC_OP(PMOVSXBW, PMOVSXBW_forms),
    SIMD_VEC_OP(PMOVSXBD, PMOVSXBD_forms),     SIMD_VEC_OP(PMOVSXBQ, PMOVSXBQ_forms),
    SIMD_VEC_OP(PMOVSXWD, PMOVSXWD_forms),     SIMD_VEC_OP(PMOVSXWQ, PMOVSXWQ_forms),
    SIMD_VEC_OP(PMOVSXDQ, PMOVSXDQ_forms),     SIMD_VEC_OP(PMOVZXBW, PMOVZXBW_forms),
    SIMD_VEC_OP(PMOVZXBD, PMOVZXBD_forms),     SIMD_VEC_OP(PMOVZXBQ, PMOVZXBQ_forms),
    SIMD_VEC_OP(PMOVZXWD, PMOVZXWD_forms),     SIMD_VEC_OP(PMOVZXWQ, PMOVZXWQ_forms),
    SIMD_VEC_OP(PMOVZXDQ, PMOVZXDQ_forms),     {0},
};
