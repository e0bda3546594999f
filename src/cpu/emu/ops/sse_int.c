// SPDX-License-Identifier: Apache-2.0
/*
 * sse_int.c - packed integer arithmetic of MMX, SSE and SSE2 (SDM vol. 2),
 * on XMM registers (or an aligned m128) and on MMX registers (or an m64):
 * PADDB/W/D/Q, PADDSB/SW, PADDUSB/USW, PSUBB/W/D/Q, PSUBSB/SW, PSUBUSB/USW,
 * PMULLW, PMULHW, PMULHUW, PMULUDQ, PMADDWD, PSADBW, PAVGB/W,
 * PMINUB/PMAXUB, PMINSW/PMAXSW. Each is the host's own instruction (SSE2
 * intrinsics); the MMX forms use the low half of the same operation.
 */
#include "cpu/emu/ops/simd.h"

SIMD_BINARY(PADDB, _mm_add_epi8)
SIMD_BINARY(PADDW, _mm_add_epi16)
SIMD_BINARY(PADDD, _mm_add_epi32)
SIMD_BINARY(PADDQ, _mm_add_epi64)
SIMD_BINARY(PADDSB, _mm_adds_epi8)
SIMD_BINARY(PADDSW, _mm_adds_epi16)
SIMD_BINARY(PADDUSB, _mm_adds_epu8)
SIMD_BINARY(PADDUSW, _mm_adds_epu16)
SIMD_BINARY(PSUBB, _mm_sub_epi8)
SIMD_BINARY(PSUBW, _mm_sub_epi16)
SIMD_BINARY(PSUBD, _mm_sub_epi32)
SIMD_BINARY(PSUBQ, _mm_sub_epi64)
SIMD_BINARY(PSUBSB, _mm_subs_epi8)
SIMD_BINARY(PSUBSW, _mm_subs_epi16)
SIMD_BINARY(PSUBUSB, _mm_subs_epu8)
SIMD_BINARY(PSUBUSW, _mm_subs_epu16)
SIMD_BINARY(PMULLW, _mm_mullo_epi16)
SIMD_BINARY(PMULHW, _mm_mulhi_epi16)
SIMD_BINARY(PMULHUW, _mm_mulhi_epu16)
SIMD_BINARY(PMULUDQ, _mm_mul_epu32)
SIMD_BINARY(PMADDWD, _mm_madd_epi16)
SIMD_BINARY(PSADBW, _mm_sad_epu8)
SIMD_BINARY(PAVGB, _mm_avg_epu8)
SIMD_BINARY(PAVGW, _mm_avg_epu16)
SIMD_BINARY(PMINUB, _mm_min_epu8)
SIMD_BINARY(PMAXUB, _mm_max_epu8)
SIMD_BINARY(PMINSW, _mm_min_epi16)
SIMD_BINARY(PMAXSW, _mm_max_epi16)

const struct emu_opdef emu_ops_sse_int[] = {
    SIMD_OP(PADDB, PADDB_forms),
    SIMD_OP(PADDW, PADDW_forms),
    SIMD_OP(PADDD, PADDD_forms),
    SIMD_OP(PADDQ, PADDQ_forms),
    SIMD_OP(PADDSB, PADDSB_forms),
    SIMD_OP(PADDSW, PADDSW_forms),
    SIMD_OP(PADDUSB, PADDUSB_forms),
    SIMD_OP(PADDUSW, PADDUSW_forms),
    SIMD_OP(PSUBB, PSUBB_forms),
    SIMD_OP(PSUBW, PSUBW_forms),
    SIMD_OP(PSUBD, PSUBD_forms),
    SIMD_OP(PSUBQ, PSUBQ_forms),
    SIMD_OP(PSUBSB, PSUBSB_forms),
    SIMD_OP(PSUBSW, PSUBSW_forms),
    SIMD_OP(PSUBUSB, PSUBUSB_forms),
    SIMD_OP(PSUBUSW, PSUBUSW_forms),
    SIMD_OP(PMULLW, PMULLW_forms),
    SIMD_OP(PMULHW, PMULHW_forms),
    SIMD_OP(PMULHUW, PMULHUW_forms),
    SIMD_OP(PMULUDQ, PMULUDQ_forms),
    SIMD_OP(PMADDWD, PMADDWD_forms),
    SIMD_OP(PSADBW, PSADBW_forms),
    SIMD_OP(PAVGB, PAVGB_forms),
    SIMD_OP(PAVGW, PAVGW_forms),
    SIMD_OP(PMINUB, PMINUB_forms),
    SIMD_OP(PMAXUB, PMAXUB_forms),
    SIMD_OP(PMINSW, PMINSW_forms),
    SIMD_OP(PMAXSW, PMAXSW_forms),
    {0},
};
