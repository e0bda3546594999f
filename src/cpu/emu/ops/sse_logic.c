// SPDX-License-Identifier: Apache-2.0
/*
 * sse_logic.c - bitwise logic and packed integer compares of MMX, SSE and
 * SSE2 (SDM vol. 2): PAND, PANDN, POR, PXOR, their floating-point twins
 * ANDPS/ANDPD, ANDNPS/ANDNPD, ORPS/ORPD, XORPS/XORPD (pure bit operations:
 * no MXCSR, no exceptions), and PCMPEQB/W/D, PCMPGTB/W/D (signed), on XMM
 * registers (or an aligned m128) and MMX registers (or an m64).
 */
#include "cpu/emu/ops/simd.h"

SIMD_BINARY(PAND, _mm_and_si128)
SIMD_BINARY(PANDN, _mm_andnot_si128) /* ~dst & src */
SIMD_BINARY(POR, _mm_or_si128)
SIMD_BINARY(PXOR, _mm_xor_si128)
SIMD_BINARY(PCMPEQB, _mm_cmpeq_epi8)
SIMD_BINARY(PCMPEQW, _mm_cmpeq_epi16)
SIMD_BINARY(PCMPEQD, _mm_cmpeq_epi32)
SIMD_BINARY(PCMPGTB, _mm_cmpgt_epi8)
SIMD_BINARY(PCMPGTW, _mm_cmpgt_epi16)
SIMD_BINARY(PCMPGTD, _mm_cmpgt_epi32)

static const struct simd_form and_forms[] = {SIMD_XMM_FORMS(PAND), {0, 0, NULL}};
static const struct simd_form andn_forms[] = {SIMD_XMM_FORMS(PANDN), {0, 0, NULL}};
static const struct simd_form or_forms[] = {SIMD_XMM_FORMS(POR), {0, 0, NULL}};
static const struct simd_form xor_forms[] = {SIMD_XMM_FORMS(PXOR), {0, 0, NULL}};

const struct emu_opdef emu_ops_sse_logic[] = {
    SIMD_OP(PAND, PAND_forms),
    SIMD_OP(PANDN, PANDN_forms),
    SIMD_OP(POR, POR_forms),
    SIMD_OP(PXOR, PXOR_forms),
    SIMD_OP(ANDPS, and_forms),
    SIMD_OP(ANDPD, and_forms),
    SIMD_OP(ANDNPS, andn_forms),
    SIMD_OP(ANDNPD, andn_forms),
    SIMD_OP(ORPS, or_forms),
    SIMD_OP(ORPD, or_forms),
    SIMD_OP(XORPS, xor_forms),
    SIMD_OP(XORPD, xor_forms),
    SIMD_OP(PCMPEQB, PCMPEQB_forms),
    SIMD_OP(PCMPEQW, PCMPEQW_forms),
    SIMD_OP(PCMPEQD, PCMPEQD_forms),
    SIMD_OP(PCMPGTB, PCMPGTB_forms),
    SIMD_OP(PCMPGTW, PCMPGTW_forms),
    SIMD_OP(PCMPGTD, PCMPGTD_forms),
    {0},
};
