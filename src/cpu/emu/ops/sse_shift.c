// SPDX-License-Identifier: Apache-2.0
/*
 * sse_shift.c - packed shifts of MMX and SSE2 (SDM vol. 2): PSLLW/D/Q,
 * PSRLW/D/Q, PSRAW/D by an immediate or by the low 64 bits of a register
 * or memory operand (counts past the element width give zeros, or copies
 * of the sign for PSRA, as the host instruction does), and the byte shifts
 * of the whole register PSLLDQ/PSRLDQ (counts above 15 clear it).
 */
#include "cpu/emu/ops/simd.h"

/* Shift by an immediate: the count as the register form would see it. */
#define SHIFT_IMM(NAME, OP)                                                                     \
    HANDLER(NAME##_UdqIb)                                                                       \
    {                                                                                           \
        int st = sse_enter(cpu);                                                                \
        if (unlikely(st))                                                                       \
            return st;                                                                          \
        xmm_t *d = xmm(cpu, i->reg);                                                            \
        d->i = OP(d->i, _mm_cvtsi32_si128((uint8_t)i->imm));                                    \
        return EMU_NEXT;                                                                        \
    }                                                                                           \
    HANDLER(NAME##_NqIb)                                                                        \
    {                                                                                           \
        int st = mmx_enter(cpu);                                                                \
        if (unlikely(st))                                                                       \
            return st;                                                                          \
        mmx_set_vec(cpu, i->reg, OP(mmx_vec(cpu, i->reg), _mm_cvtsi32_si128((uint8_t)i->imm))); \
        return EMU_NEXT;                                                                        \
    }

#define SHIFT(NAME, OP)                                                         \
    SIMD_XMM_BINARY(NAME, OP)                                                   \
    SIMD_MMX_BINARY(NAME, OP)                                                   \
    SHIFT_IMM(NAME, OP)                                                         \
    static const struct simd_form NAME##_forms[] = {SIMD_XMM_FORMS(NAME),       \
                                                    SIMD_MMX_FORMS(NAME),       \
                                                    {SK_X, SK_I, NAME##_UdqIb}, \
                                                    {SK_P, SK_I, NAME##_NqIb},  \
                                                    {0, 0, NULL}};

SHIFT(PSLLW, _mm_sll_epi16)
SHIFT(PSLLD, _mm_sll_epi32)
SHIFT(PSLLQ, _mm_sll_epi64)
SHIFT(PSRLW, _mm_srl_epi16)
SHIFT(PSRLD, _mm_srl_epi32)
SHIFT(PSRLQ, _mm_srl_epi64)
SHIFT(PSRAW, _mm_sra_epi16)
SHIFT(PSRAD, _mm_sra_epi32)

/* Byte shifts through a zero-padded copy: an unaligned load picks the shifted window. */
HANDLER(PSRLDQ_UdqIb)
{
    int st = sse_enter(cpu);
    if (unlikely(st))
        return st;
    uint8_t buf[32] __attribute__((aligned(16))) = {0};
    xmm_t *d = xmm(cpu, i->reg);
    unsigned n = (uint8_t)i->imm;
    _mm_store_si128((__m128i *)buf, d->i);
    d->i = _mm_loadu_si128((const __m128i *)(buf + (n > 16 ? 16 : n)));
    return EMU_NEXT;
}

HANDLER(PSLLDQ_UdqIb)
{
    int st = sse_enter(cpu);
    if (unlikely(st))
        return st;
    uint8_t buf[32] __attribute__((aligned(16))) = {0};
    xmm_t *d = xmm(cpu, i->reg);
    unsigned n = (uint8_t)i->imm;
    _mm_store_si128((__m128i *)(buf + 16), d->i);
    d->i = _mm_loadu_si128((const __m128i *)(buf + 16 - (n > 16 ? 16 : n)));
    return EMU_NEXT;
}

static const struct simd_form psrldq_forms[] = {{SK_X, SK_I, PSRLDQ_UdqIb}, {0, 0, NULL}};
static const struct simd_form pslldq_forms[] = {{SK_X, SK_I, PSLLDQ_UdqIb}, {0, 0, NULL}};

const struct emu_opdef emu_ops_sse_shift[] = {
    SIMD_OP(PSLLW, PSLLW_forms),
    SIMD_OP(PSLLD, PSLLD_forms),
    SIMD_OP(PSLLQ, PSLLQ_forms),
    SIMD_OP(PSRLW, PSRLW_forms),
    SIMD_OP(PSRLD, PSRLD_forms),
    SIMD_OP(PSRLQ, PSRLQ_forms),
    SIMD_OP(PSRAW, PSRAW_forms),
    SIMD_OP(PSRAD, PSRAD_forms),
    SIMD_OP(PSRLDQ, psrldq_forms),
    SIMD_OP(PSLLDQ, pslldq_forms),
    {0},
};
