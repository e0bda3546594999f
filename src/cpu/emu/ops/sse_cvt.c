// SPDX-License-Identifier: Apache-2.0
/*
 * sse_cvt.c - SSE/SSE2 conversions (SDM vol. 2): between packed singles,
 * doubles and 32-bit integers (CVTDQ2PS, CVTPS2DQ, CVTTPS2DQ, CVTDQ2PD,
 * CVTPD2DQ, CVTTPD2DQ, CVTPS2PD, CVTPD2PS), scalar single <-> double
 * (CVTSS2SD, CVTSD2SS), scalars <-> general registers (CVTSI2SS, CVTSI2SD,
 * CVTSS2SI, CVTTSS2SI, CVTSD2SI, CVTTSD2SI, 32- and 64-bit), and packed
 * 32-bit integers in MMX registers (CVTPI2PS, CVTPS2PI, CVTTPS2PI,
 * CVTPI2PD, CVTPD2PI, CVTTPD2PI). The "T" forms truncate, the others round
 * as MXCSR.RC says; out-of-range results are the integer indefinite value
 * with #I. All run as the host's instructions under the guest's MXCSR
 * (simd.h). The MMX forms work on an XMM copy of the 64-bit operand with
 * a zero upper half (zero converts exactly, so it adds no flags) and so
 * never touch the host's MMX state. CVTPI2PS/CVTPI2PD from memory make no
 * x87 -> MMX transition (SDM vol. 2, CVTPI2PS); the other MMX forms do.
 */
#include "cpu/emu/ops/simd.h"

SSE_FP(CVTDQ2PS, "cvtdq2ps", LANES_NONE, 16)
SSE_FP(CVTPS2DQ, "cvtps2dq", LANES_NONE, 16)
SSE_FP(CVTTPS2DQ, "cvttps2dq", LANES_NONE, 16)
SSE_FP(CVTDQ2PD, "cvtdq2pd", LANES_NONE, 8)
SSE_FP(CVTPD2DQ, "cvtpd2dq", LANES_NONE, 16)
SSE_FP(CVTTPD2DQ, "cvttpd2dq", LANES_NONE, 16)
SSE_FP(CVTPS2PD, "cvtps2pd", LANES_NONE, 8)
SSE_FP(CVTPD2PS, "cvtpd2ps", LANES_PS2, 16)
SSE_FP(CVTSS2SD, "cvtss2sd", LANES_NONE, 4)
SSE_FP(CVTSD2SS, "cvtsd2ss", LANES_SS, 8)

/* Scalar to a 32- or 64-bit general register (the operand size picks the host form). */
#define CVT_TO_INT(NAME, text, msize)                                                         \
    static int NAME##_run(struct emu_cpu *cpu, const struct emu_insn *i, __m128 s, bool wide) \
    {                                                                                         \
        uint32_t mx = mxcsr_get(cpu), ctl = host_mxcsr(mx), raised;                           \
        uint64_t r64 = 0;                                                                     \
        uint32_t r32 = 0;                                                                     \
        if (wide)                                                                             \
            HOST_SSE(ctl, raised, text " %[s], %[d]", ([d] "=r"(r64)), ([s] "x"(s)));         \
        else                                                                                  \
            HOST_SSE(ctl, raised, text " %[s], %[d]", ([d] "=r"(r32)), ([s] "x"(s)));         \
        int st = sse_fp_done(cpu, mx, raised);                                                \
        if (likely(!st))                                                                      \
            cpu->r[i->reg] = wide ? r64 : r32;                                                \
        return st;                                                                            \
    }                                                                                         \
    HANDLER(NAME##_GdWR)                                                                      \
    {                                                                                         \
        int st = sse_enter(cpu);                                                              \
        return unlikely(st) ? st : NAME##_run(cpu, i, xmm(cpu, i->rm)->ps, false);            \
    }                                                                                         \
    HANDLER(NAME##_GqWR)                                                                      \
    {                                                                                         \
        int st = sse_enter(cpu);                                                              \
        return unlikely(st) ? st : NAME##_run(cpu, i, xmm(cpu, i->rm)->ps, true);             \
    }                                                                                         \
    HANDLER(NAME##_GWM)                                                                       \
    {                                                                                         \
        xmm_t s;                                                                              \
        int st = sse_enter(cpu);                                                              \
        if (likely(!st))                                                                      \
            st = simd_read(cpu, i, msize, &s);                                                \
        return unlikely(st) ? st : NAME##_run(cpu, i, s.ps, i->cc);                           \
    }                                                                                         \
    static const struct simd_form NAME##_forms[] = {{SK_R32, SK_X, NAME##_GdWR},              \
                                                    {SK_R64, SK_X, NAME##_GqWR},              \
                                                    {SK_R32, SK_M, NAME##_GWM},               \
                                                    {SK_R64, SK_M, NAME##_GWM},               \
                                                    {0, 0, NULL}};

CVT_TO_INT(CVTSS2SI, "cvtss2si", 4)
CVT_TO_INT(CVTTSS2SI, "cvttss2si", 4)
CVT_TO_INT(CVTSD2SI, "cvtsd2si", 8)
CVT_TO_INT(CVTTSD2SI, "cvttsd2si", 8)

/* A 32- or 64-bit integer into the low lane; the rest of V is kept. */
#define CVT_FROM_INT(NAME, text)                                                                \
    static int NAME##_run(struct emu_cpu *cpu, const struct emu_insn *i, uint64_t v, bool wide) \
    {                                                                                           \
        uint32_t mx = mxcsr_get(cpu), ctl = host_mxcsr(mx), raised;                             \
        xmm_t *d = xmm(cpu, i->reg);                                                            \
        __m128 r = d->ps;                                                                       \
        if (wide)                                                                               \
            HOST_SSE(ctl, raised, text "q %[s], %[d]", ([d] "+x"(r)), ([s] "r"(v)));            \
        else                                                                                    \
            HOST_SSE(ctl, raised, text "l %[s], %[d]", ([d] "+x"(r)), ([s] "r"((uint32_t)v)));  \
        int st = sse_fp_done(cpu, mx, raised);                                                  \
        if (likely(!st))                                                                        \
            d->ps = r;                                                                          \
        return st;                                                                              \
    }                                                                                           \
    HANDLER(NAME##_VEdR)                                                                        \
    {                                                                                           \
        int st = sse_enter(cpu);                                                                \
        return unlikely(st) ? st : NAME##_run(cpu, i, cpu->r[i->rm], false);                    \
    }                                                                                           \
    HANDLER(NAME##_VEqR)                                                                        \
    {                                                                                           \
        int st = sse_enter(cpu);                                                                \
        return unlikely(st) ? st : NAME##_run(cpu, i, cpu->r[i->rm], true);                     \
    }                                                                                           \
    HANDLER(NAME##_VEM)                                                                         \
    {                                                                                           \
        uint64_t v;                                                                             \
        int st = sse_enter(cpu);                                                                \
        if (likely(!st))                                                                        \
            st = read_ea(cpu, i, i->size, &v);                                                  \
        return unlikely(st) ? st : NAME##_run(cpu, i, v, i->size == 8);                         \
    }                                                                                           \
    static const struct simd_form NAME##_forms[] = {{SK_X, SK_R32, NAME##_VEdR},                \
                                                    {SK_X, SK_R64, NAME##_VEqR},                \
                                                    {SK_X, SK_M32, NAME##_VEM},                 \
                                                    {SK_X, SK_M64, NAME##_VEM},                 \
                                                    {0, 0, NULL}};

CVT_FROM_INT(CVTSI2SS, "cvtsi2ss")
CVT_FROM_INT(CVTSI2SD, "cvtsi2sd")

/* CVTPI2PS: two integers into the low two singles; the upper half of V is kept. */
static int cvtpi2ps_run(struct emu_cpu *cpu, const struct emu_insn *i, __m128i s)
{
    uint32_t mx = mxcsr_get(cpu), ctl = host_mxcsr(mx), raised;
    xmm_t t;
    HOST_SSE(ctl, raised, "cvtdq2ps %[s], %[t]", ([t] "=x"(t.ps)), ([s] "x"(s)));
    int st = sse_fp_done(cpu, mx, raised);
    if (likely(!st))
        xmm(cpu, i->reg)->q[0] = t.q[0];
    return st;
}

HANDLER(CVTPI2PS_VpsQqR)
{
    int st = sse_mmx_enter(cpu);
    return unlikely(st) ? st : cvtpi2ps_run(cpu, i, mmx_vec(cpu, i->rm));
}

HANDLER(CVTPI2PS_VpsQqM)
{
    xmm_t s;
    int st = sse_enter(cpu);
    if (likely(!st))
        st = simd_read(cpu, i, 8, &s);
    return unlikely(st) ? st : cvtpi2ps_run(cpu, i, s.i);
}

/* CVTPI2PD: exact, no exceptions. */
HANDLER(CVTPI2PD_VpdQqR)
{
    int st = sse_mmx_enter(cpu);
    if (likely(!st))
        xmm(cpu, i->reg)->pd = _mm_cvtepi32_pd(mmx_vec(cpu, i->rm));
    return st;
}

HANDLER(CVTPI2PD_VpdQqM)
{
    xmm_t s;
    int st = sse_enter(cpu);
    if (likely(!st))
        st = simd_read(cpu, i, 8, &s);
    if (likely(!st))
        xmm(cpu, i->reg)->pd = _mm_cvtepi32_pd(s.i);
    return st;
}

static const struct simd_form CVTPI2PS_forms[] = {
    {SK_X, SK_P, CVTPI2PS_VpsQqR}, {SK_X, SK_M64, CVTPI2PS_VpsQqM}, {0, 0, NULL}};
static const struct simd_form CVTPI2PD_forms[] = {
    {SK_X, SK_P, CVTPI2PD_VpdQqR}, {SK_X, SK_M64, CVTPI2PD_VpdQqM}, {0, 0, NULL}};

/* Packed floats to two integers in an MMX register. */
#define CVT_TO_MMX(NAME, text, msize)                                                      \
    static int NAME##_run(struct emu_cpu *cpu, const struct emu_insn *i, __m128 s)         \
    {                                                                                      \
        uint32_t mx = mxcsr_get(cpu), ctl = host_mxcsr(mx), raised;                        \
        xmm_t t;                                                                           \
        HOST_SSE(ctl, raised, text " %[s], %[t]", ([t] "=x"(t.ps)), ([s] "x"(s)));         \
        int st = sse_fp_done(cpu, mx, raised);                                             \
        if (likely(!st))                                                                   \
            mmx_set(cpu, i->reg, t.q[0]);                                                  \
        return st;                                                                         \
    }                                                                                      \
    HANDLER(NAME##_PqWR)                                                                   \
    {                                                                                      \
        int st = sse_mmx_enter(cpu);                                                       \
        xmm_t s = *xmm(cpu, i->rm);                                                        \
        if ((msize) == 8)                                                                  \
            s.i = _mm_move_epi64(s.i);                                                     \
        return unlikely(st) ? st : NAME##_run(cpu, i, s.ps);                               \
    }                                                                                      \
    HANDLER(NAME##_PqWM)                                                                   \
    {                                                                                      \
        xmm_t s;                                                                           \
        int st = sse_mmx_enter(cpu);                                                       \
        if (likely(!st))                                                                   \
            st = (msize) == 16 ? simd_read16(cpu, i, true, &s) : simd_read(cpu, i, 8, &s); \
        return unlikely(st) ? st : NAME##_run(cpu, i, s.ps);                               \
    }                                                                                      \
    static const struct simd_form NAME##_forms[] = {                                       \
        {SK_P, SK_X, NAME##_PqWR}, {SK_P, SK_M, NAME##_PqWM}, {0, 0, NULL}};

CVT_TO_MMX(CVTPS2PI, "cvtps2dq", 8)
CVT_TO_MMX(CVTTPS2PI, "cvttps2dq", 8)
CVT_TO_MMX(CVTPD2PI, "cvtpd2dq", 16)
CVT_TO_MMX(CVTTPD2PI, "cvttpd2dq", 16)

/* CVT*2SI: insn->cc tells the memory form whether the destination is 64-bit. */
static bool select_cvt_to_int(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    if (!emu_select_simd(insn, d, arg))
        return false;
    insn->cc = d->op[0].size == 64;
    return true;
}

#define CVT_TO_INT_OP(NAME)                                       \
    {                                                             \
        ZYDIS_MNEMONIC_##NAME, select_cvt_to_int, NAME##_forms, 0 \
    }

const struct emu_opdef emu_ops_sse_cvt[] = {
    SIMD_OP(CVTDQ2PS, CVTDQ2PS_forms),
    SIMD_OP(CVTPS2DQ, CVTPS2DQ_forms),
    SIMD_OP(CVTTPS2DQ, CVTTPS2DQ_forms),
    SIMD_OP(CVTDQ2PD, CVTDQ2PD_forms),
    SIMD_OP(CVTPD2DQ, CVTPD2DQ_forms),
    SIMD_OP(CVTTPD2DQ, CVTTPD2DQ_forms),
    SIMD_OP(CVTPS2PD, CVTPS2PD_forms),
    SIMD_OP(CVTPD2PS, CVTPD2PS_forms),
    SIMD_OP(CVTSS2SD, CVTSS2SD_forms),
    SIMD_OP(CVTSD2SS, CVTSD2SS_forms),
    CVT_TO_INT_OP(CVTSS2SI),
    CVT_TO_INT_OP(CVTTSS2SI),
    CVT_TO_INT_OP(CVTSD2SI),
    CVT_TO_INT_OP(CVTTSD2SI),
    SIMD_OP(CVTSI2SS, CVTSI2SS_forms),
    SIMD_OP(CVTSI2SD, CVTSI2SD_forms),
    SIMD_OP(CVTPI2PS, CVTPI2PS_forms),
    SIMD_OP(CVTPI2PD, CVTPI2PD_forms),
    SIMD_OP(CVTPS2PI, CVTPS2PI_forms),
    SIMD_OP(CVTTPS2PI, CVTTPS2PI_forms),
    SIMD_OP(CVTPD2PI, CVTPD2PI_forms),
    SIMD_OP(CVTTPD2PI, CVTTPD2PI_forms),
    {0},
};
