// SPDX-License-Identifier: Apache-2.0
/*
 * sse_fp.c - SSE/SSE2 floating-point arithmetic (SDM vol. 2): ADD, SUB,
 * MUL, DIV, SQRT, MIN, MAX in PS/SS/PD/SD forms, the approximations
 * RCPPS/RCPSS/RSQRTPS/RSQRTSS, and the compares CMPPS/CMPSS/CMPPD/CMPSD
 * with the eight predicates of imm8[2:0] (EQ LT LE UNORD NEQ NLT NLE ORD).
 * Each runs as the host's instruction under the guest's MXCSR (simd.h),
 * which makes results, flags and #XM bit-exact with the host CPU.
 */
#include "cpu/emu/ops/simd.h"

/* rounds: whether the operation rounds a result that can be tiny (for the underflow check). */
#define FP_FAMILY(OP, op, rounds)                                  \
    SSE_FP(OP##PS, #op "ps", (rounds) ? LANES_PS : LANES_NONE, 16) \
    SSE_FP(OP##SS, #op "ss", (rounds) ? LANES_SS : LANES_NONE, 4)  \
    SSE_FP(OP##PD, #op "pd", (rounds) ? LANES_PD : LANES_NONE, 16) \
    SSE_FP(OP##SD, #op "sd", (rounds) ? LANES_SD : LANES_NONE, 8)

FP_FAMILY(ADD, add, 1)
FP_FAMILY(SUB, sub, 1)
FP_FAMILY(MUL, mul, 1)
FP_FAMILY(DIV, div, 1)
FP_FAMILY(MIN, min, 0)
FP_FAMILY(MAX, max, 0)
FP_FAMILY(SQRT, sqrt, 0)
SSE_FP(RCPPS, "rcpps", LANES_NONE, 16)
SSE_FP(RCPSS, "rcpss", LANES_NONE, 4)
SSE_FP(RSQRTPS, "rsqrtps", LANES_NONE, 16)
SSE_FP(RSQRTSS, "rsqrtss", LANES_NONE, 4)

/* Compares: one host instruction per predicate (the immediate is part of the encoding). */
#define CMP_CASE(text, k)                                                                \
    case k:                                                                              \
        HOST_SSE(ctl, raised, text " $" #k ", %[s], %[d]", ([d] "+x"(r)), ([s] "x"(s))); \
        break;

#define SSE_CMP(NAME, text, msize)                                                 \
    static int NAME##_run(struct emu_cpu *cpu, const struct emu_insn *i, __m128 s) \
    {                                                                              \
        uint32_t mx = mxcsr_get(cpu), ctl = host_mxcsr(mx), raised = 0;            \
        xmm_t *d = xmm(cpu, i->reg);                                               \
        __m128 r = d->ps;                                                          \
        switch (i->imm & 7) {                                                      \
            CMP_CASE(text, 0)                                                      \
            CMP_CASE(text, 1)                                                      \
            CMP_CASE(text, 2)                                                      \
            CMP_CASE(text, 3)                                                      \
            CMP_CASE(text, 4)                                                      \
            CMP_CASE(text, 5)                                                      \
            CMP_CASE(text, 6)                                                      \
            CMP_CASE(text, 7)                                                      \
        }                                                                          \
        int st = sse_fp_done(cpu, mx, raised);                                     \
        if (likely(!st))                                                           \
            d->ps = r;                                                             \
        return st;                                                                 \
    }                                                                              \
    SSE_FP_RM_HANDLERS(NAME, VxWxIb, msize)                                        \
    static const struct simd_form NAME##_forms[] = {                               \
        {SK_X, SK_X, NAME##_VxWxIbR}, {SK_X, SK_M, NAME##_VxWxIbM}, {0, 0, NULL}};

SSE_CMP(CMPPS, "cmpps", 16)
SSE_CMP(CMPSS, "cmpss", 4)
SSE_CMP(CMPPD, "cmppd", 16)
SSE_CMP(CMPSD, "cmpsd", 8)

#define FP_OPS(OP)                                                                               \
    SIMD_OP(OP##PS, OP##PS_forms), SIMD_OP(OP##SS, OP##SS_forms), SIMD_OP(OP##PD, OP##PD_forms), \
        SIMD_OP(OP##SD, OP##SD_forms)

const struct emu_opdef emu_ops_sse_fp[] = {
    FP_OPS(ADD),
    FP_OPS(SUB),
    FP_OPS(MUL),
    FP_OPS(DIV),
    FP_OPS(MIN),
    FP_OPS(MAX),
    FP_OPS(SQRT),
    FP_OPS(CMP), /* the string CMPSD is the other definition (decode.c) */
    SIMD_OP(RCPPS, RCPPS_forms),
    SIMD_OP(RCPSS, RCPSS_forms),
    SIMD_OP(RSQRTPS, RSQRTPS_forms),
    SIMD_OP(RSQRTSS, RSQRTSS_forms),
    {0},
};
