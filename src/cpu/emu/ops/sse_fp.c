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

/* Compares: the eight predicates of imm8[2:0]. */
SSE_FP_IMM(CMPPS, "cmpps", LANES_NONE, 16, 8)
SSE_FP_IMM(CMPSS, "cmpss", LANES_NONE, 4, 8)
SSE_FP_IMM(CMPPD, "cmppd", LANES_NONE, 16, 8)
SSE_FP_IMM(CMPSD, "cmpsd", LANES_NONE, 8, 8)

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
