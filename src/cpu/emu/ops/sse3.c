// SPDX-License-Identifier: Apache-2.0
/*
 * sse3.c - SSE3 (SDM vol. 2; CPUID.1:ECX.SSE3[bit 0]) but FISTTP (x87,
 * ops/x87_load_store.c) and MONITOR/MWAIT (their own CPUID bit, not
 * advertised): the horizontal and alternating floating-point operations
 * ADDSUBPS ADDSUBPD HADDPS HADDPD HSUBPS HSUBPD, run as the host's
 * instruction under the guest's MXCSR (simd.h), and the moves LDDQU
 * (unaligned), MOVDDUP (m64), MOVSLDUP, MOVSHDUP.
 */
#include "cpu/emu/ops/simd_ext.h"

SSE_FP(ADDSUBPS, "addsubps", LANES_PS, 16)
SSE_FP(ADDSUBPD, "addsubpd", LANES_PD, 16)
SSE_FP(HADDPS, "haddps", LANES_PS, 16)
SSE_FP(HADDPD, "haddpd", LANES_PD, 16)
SSE_FP(HSUBPS, "hsubps", LANES_PS, 16)
SSE_FP(HSUBPD, "hsubpd", LANES_PD, 16)

static inline xmm_t lddqu(xmm_t d, xmm_t s, unsigned imm, unsigned n)
{
    (void)d, (void)imm, (void)n;
    return s;
}

static inline xmm_t movsldup(xmm_t d, xmm_t s, unsigned imm, unsigned n)
{
    (void)d, (void)imm, (void)n;
    return (xmm_t){.d = {s.d[0], s.d[0], s.d[2], s.d[2]}};
}

static inline xmm_t movshdup(xmm_t d, xmm_t s, unsigned imm, unsigned n)
{
    (void)d, (void)imm, (void)n;
    return (xmm_t){.d = {s.d[1], s.d[1], s.d[3], s.d[3]}};
}

SIMD_VEC_X(LDDQU, lddqu, false)
SIMD_VEC(MOVSLDUP, movsldup)
SIMD_VEC(MOVSHDUP, movshdup)

HANDLER(MOVDDUP_X)
{
    uint64_t v;
    int st = sse_enter(cpu);
    if (unlikely(st))
        return st;
    if (i->flags & INSN_REGOP)
        v = xmm(cpu, i->rm)->q[0];
    else if (unlikely(st = read_ea(cpu, i, 8, &v)))
        return st;
    xmm(cpu, i->reg)->q[0] = xmm(cpu, i->reg)->q[1] = v;
    return EMU_NEXT;
}

static const struct simd_form LDDQU_forms[] = {{SK_X, SK_M128, LDDQU_X}, {0, 0, NULL}};
static const struct simd_form MOVDDUP_forms[] = {
    {SK_X, SK_X, MOVDDUP_X}, {SK_X, SK_M64, MOVDDUP_X}, {0, 0, NULL}};

const struct emu_opdef emu_ops_sse3[] = {
    SIMD_HOST_OP(ADDSUBPS, ADDSUBPS_forms),
    SIMD_HOST_OP(ADDSUBPD, ADDSUBPD_forms),
    SIMD_HOST_OP(HADDPS, HADDPS_forms),
    SIMD_HOST_OP(HADDPD, HADDPD_forms),
    SIMD_HOST_OP(HSUBPS, HSUBPS_forms),
    SIMD_HOST_OP(HSUBPD, HSUBPD_forms),
    SIMD_VEC_OP(LDDQU, LDDQU_forms),
    SIMD_VEC_OP(MOVDDUP, MOVDDUP_forms),
    SIMD_VEC_OP(MOVSLDUP, MOVSLDUP_forms),
    SIMD_VEC_OP(MOVSHDUP, MOVSHDUP_forms),
    {0},
};
