// SPDX-License-Identifier: Apache-2.0
/*
 * sse_shuffle.c - element rearrangement of MMX, SSE and SSE2 (SDM vol. 2):
 * PSHUFD, PSHUFLW, PSHUFHW, PSHUFW, SHUFPS, SHUFPD, the interleaves
 * PUNPCKL/H BW, WD, DQ (XMM and MMX; the MMX low forms read an m32),
 * PUNPCKL/HQDQ and UNPCKL/H PS/PD, the saturating packs PACKSSWB,
 * PACKSSDW, PACKUSWB, and PINSRW/PEXTRW (the SSE4.1 PEXTRW encoding
 * 66 0F 3A 15 is not implemented: SSE4.1 is not advertised).
 */
#include "cpu/emu/ops/simd.h"

/* Operand fetch for the "V <- f(V, W, imm)" shapes below. */
#define FETCH_W(s, ALIGNED)                                   \
    xmm_t s;                                                  \
    int st = sse_enter(cpu);                                  \
    if (unlikely(st))                                         \
        return st;                                            \
    if (i->flags & INSN_REGOP)                                \
        s = *xmm(cpu, i->rm);                                 \
    else if (unlikely(st = simd_read16(cpu, i, ALIGNED, &s))) \
        return st;

static inline __m128i shuffle_d(xmm_t s, unsigned imm)
{
    xmm_t r;
    for (unsigned k = 0; k < 4; k++)
        r.d[k] = s.d[(imm >> (2 * k)) & 3];
    return r.i;
}

static inline void shuffle_w4(uint16_t *out, const uint16_t *in, unsigned imm)
{
    uint16_t r[4];
    for (unsigned k = 0; k < 4; k++)
        r[k] = in[(imm >> (2 * k)) & 3];
    memcpy(out, r, sizeof(r));
}

HANDLER(PSHUFD_VdqWdqIb)
{
    FETCH_W(s, true)
    xmm(cpu, i->reg)->i = shuffle_d(s, (unsigned)i->imm);
    return EMU_NEXT;
}

HANDLER(PSHUFLW_VdqWdqIb)
{
    FETCH_W(s, true)
    shuffle_w4(s.w, s.w, (unsigned)i->imm);
    *xmm(cpu, i->reg) = s;
    return EMU_NEXT;
}

HANDLER(PSHUFHW_VdqWdqIb)
{
    FETCH_W(s, true)
    shuffle_w4(s.w + 4, s.w + 4, (unsigned)i->imm);
    *xmm(cpu, i->reg) = s;
    return EMU_NEXT;
}

HANDLER(SHUFPS_VpsWpsIb)
{
    FETCH_W(s, true)
    xmm_t *d = xmm(cpu, i->reg), r;
    unsigned imm = (unsigned)i->imm;
    r.d[0] = d->d[imm & 3];
    r.d[1] = d->d[(imm >> 2) & 3];
    r.d[2] = s.d[(imm >> 4) & 3];
    r.d[3] = s.d[(imm >> 6) & 3];
    *d = r;
    return EMU_NEXT;
}

HANDLER(SHUFPD_VpdWpdIb)
{
    FETCH_W(s, true)
    xmm_t *d = xmm(cpu, i->reg), r;
    r.q[0] = d->q[i->imm & 1];
    r.q[1] = s.q[(i->imm >> 1) & 1];
    *d = r;
    return EMU_NEXT;
}

HANDLER(PSHUFW_PqQqIb)
{
    int st = mmx_enter(cpu);
    if (unlikely(st))
        return st;
    uint64_t s = mmx_get(cpu, i->rm);
    if (!(i->flags & INSN_REGOP) && (st = read_ea(cpu, i, 8, &s)))
        return st;
    uint16_t w[4];
    memcpy(w, &s, 8);
    shuffle_w4(w, w, (unsigned)i->imm);
    memcpy(&s, w, 8);
    mmx_set(cpu, i->reg, s);
    return EMU_NEXT;
}

static const struct simd_form pshufd_forms[] = {
    {SK_X, SK_X, PSHUFD_VdqWdqIb}, {SK_X, SK_M128, PSHUFD_VdqWdqIb}, {0, 0, NULL}};
static const struct simd_form pshuflw_forms[] = {
    {SK_X, SK_X, PSHUFLW_VdqWdqIb}, {SK_X, SK_M128, PSHUFLW_VdqWdqIb}, {0, 0, NULL}};
static const struct simd_form pshufhw_forms[] = {
    {SK_X, SK_X, PSHUFHW_VdqWdqIb}, {SK_X, SK_M128, PSHUFHW_VdqWdqIb}, {0, 0, NULL}};
static const struct simd_form shufps_forms[] = {
    {SK_X, SK_X, SHUFPS_VpsWpsIb}, {SK_X, SK_M128, SHUFPS_VpsWpsIb}, {0, 0, NULL}};
static const struct simd_form shufpd_forms[] = {
    {SK_X, SK_X, SHUFPD_VpdWpdIb}, {SK_X, SK_M128, SHUFPD_VpdWpdIb}, {0, 0, NULL}};
static const struct simd_form pshufw_forms[] = {
    {SK_P, SK_P, PSHUFW_PqQqIb}, {SK_P, SK_M64, PSHUFW_PqQqIb}, {0, 0, NULL}};

/* MMX forms of the high interleaves and the packs: the 128-bit operation on both halves. */
#define MMX_HIGH(name, unpack)                       \
    static inline __m128i name(__m128i a, __m128i b) \
    {                                                \
        return _mm_srli_si128(unpack(a, b), 8);      \
    }
MMX_HIGH(mmx_unpackhi_epi8, _mm_unpacklo_epi8)
MMX_HIGH(mmx_unpackhi_epi16, _mm_unpacklo_epi16)
MMX_HIGH(mmx_unpackhi_epi32, _mm_unpacklo_epi32)

#define MMX_PACK(name, pack)                                        \
    static inline __m128i name(__m128i a, __m128i b)                \
    {                                                               \
        return pack(_mm_unpacklo_epi64(a, b), _mm_setzero_si128()); \
    }
MMX_PACK(mmx_packs_epi16, _mm_packs_epi16)
MMX_PACK(mmx_packs_epi32, _mm_packs_epi32)
MMX_PACK(mmx_packus_epi16, _mm_packus_epi16)

/* MMX low interleaves read only 32 bits of a memory operand. */
#define MMX_UNPACK_LOW(NAME, OP) SIMD_MMX_BINARY_MEM(NAME, OP, Qd, 4)

#define UNPACK_LOW(NAME, OP)                                                      \
    SIMD_XMM_BINARY(NAME, OP)                                                     \
    MMX_UNPACK_LOW(NAME, OP)                                                      \
    static const struct simd_form NAME##_forms[] = {SIMD_XMM_FORMS(NAME),         \
                                                    {SK_P, SK_P, NAME##_PqQdR},   \
                                                    {SK_P, SK_M32, NAME##_PqQdM}, \
                                                    {0, 0, NULL}};

/* XMM and MMX forms with different operations. */
#define SIMD_BINARY2(NAME, XOP, MOP)                 \
    SIMD_XMM_BINARY(NAME, XOP)                       \
    SIMD_MMX_BINARY(NAME, MOP)                       \
    static const struct simd_form NAME##_forms[] = { \
        SIMD_XMM_FORMS(NAME), SIMD_MMX_FORMS(NAME), {0, 0, NULL}};

UNPACK_LOW(PUNPCKLBW, _mm_unpacklo_epi8)
UNPACK_LOW(PUNPCKLWD, _mm_unpacklo_epi16)
UNPACK_LOW(PUNPCKLDQ, _mm_unpacklo_epi32)
SIMD_BINARY2(PUNPCKHBW, _mm_unpackhi_epi8, mmx_unpackhi_epi8)
SIMD_BINARY2(PUNPCKHWD, _mm_unpackhi_epi16, mmx_unpackhi_epi16)
SIMD_BINARY2(PUNPCKHDQ, _mm_unpackhi_epi32, mmx_unpackhi_epi32)
SIMD_BINARY2(PACKSSWB, _mm_packs_epi16, mmx_packs_epi16)
SIMD_BINARY2(PACKSSDW, _mm_packs_epi32, mmx_packs_epi32)
SIMD_BINARY2(PACKUSWB, _mm_packus_epi16, mmx_packus_epi16)
SIMD_XMM_BINARY(PUNPCKLQDQ, _mm_unpacklo_epi64)
SIMD_XMM_BINARY(PUNPCKHQDQ, _mm_unpackhi_epi64)

static const struct simd_form punpckldq_x_forms[] = {SIMD_XMM_FORMS(PUNPCKLDQ), {0, 0, NULL}};
static const struct simd_form punpckhdq_x_forms[] = {SIMD_XMM_FORMS(PUNPCKHDQ), {0, 0, NULL}};
static const struct simd_form punpcklqdq_forms[] = {SIMD_XMM_FORMS(PUNPCKLQDQ), {0, 0, NULL}};
static const struct simd_form punpckhqdq_forms[] = {SIMD_XMM_FORMS(PUNPCKHQDQ), {0, 0, NULL}};

/* PINSRW: a word from a general register or m16 into the element imm. */
HANDLER(PINSRW_VdqEwIb)
{
    int st = sse_enter(cpu);
    uint64_t v = cpu->r[i->rm];
    if (!(i->flags & INSN_REGOP) && likely(!st))
        st = read_ea(cpu, i, 2, &v);
    if (likely(!st))
        xmm(cpu, i->reg)->w[i->imm & 7] = (uint16_t)v;
    return st;
}

HANDLER(PINSRW_PqEwIb)
{
    int st = mmx_enter(cpu);
    uint64_t v = cpu->r[i->rm];
    if (!(i->flags & INSN_REGOP) && likely(!st))
        st = read_ea(cpu, i, 2, &v);
    if (unlikely(st))
        return st;
    unsigned shift = 16 * (i->imm & 3);
    uint64_t r = mmx_get(cpu, i->reg) & ~(0xffffull << shift);
    mmx_set(cpu, i->reg, r | (uint64_t)(uint16_t)v << shift);
    return EMU_NEXT;
}

HANDLER(PEXTRW_GdUdqIb)
{
    int st = sse_enter(cpu);
    if (likely(!st))
        cpu->r[i->reg] = xmm(cpu, i->rm)->w[i->imm & 7];
    return st;
}

HANDLER(PEXTRW_GdNqIb)
{
    int st = mmx_enter(cpu);
    if (likely(!st))
        cpu->r[i->reg] = (uint16_t)(mmx_get(cpu, i->rm) >> (16 * (i->imm & 3)));
    return st;
}

static const struct simd_form pinsrw_forms[] = {
    {SK_X, SK_R32, PINSRW_VdqEwIb},
    {SK_X, SK_R64, PINSRW_VdqEwIb},
    {SK_X, SK_M16, PINSRW_VdqEwIb},
    {SK_P, SK_R32, PINSRW_PqEwIb},
    {SK_P, SK_R64, PINSRW_PqEwIb},
    {SK_P, SK_M16, PINSRW_PqEwIb},
    {0, 0, NULL},
};
static const struct simd_form pextrw_forms[] = {
    {SK_R32, SK_X, PEXTRW_GdUdqIb},
    {SK_R64, SK_X, PEXTRW_GdUdqIb},
    {SK_R32, SK_P, PEXTRW_GdNqIb},
    {SK_R64, SK_P, PEXTRW_GdNqIb},
    {0, 0, NULL},
};

/* Only the SSE/SSE2 encoding 0F C5 of PEXTRW. */
static bool select_pextrw(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    if (d->zi->opcode_map != ZYDIS_OPCODE_MAP_0F || d->zi->opcode != 0xc5)
        return false;
    return emu_select_simd(insn, d, arg);
}

const struct emu_opdef emu_ops_sse_shuffle[] = {
    {ZYDIS_MNEMONIC_PSHUFD, emu_select_simd_regop, pshufd_forms, 0},
    {ZYDIS_MNEMONIC_PSHUFLW, emu_select_simd_regop, pshuflw_forms, 0},
    {ZYDIS_MNEMONIC_PSHUFHW, emu_select_simd_regop, pshufhw_forms, 0},
    {ZYDIS_MNEMONIC_PSHUFW, emu_select_simd_regop, pshufw_forms, 0},
    {ZYDIS_MNEMONIC_SHUFPS, emu_select_simd_regop, shufps_forms, 0},
    {ZYDIS_MNEMONIC_SHUFPD, emu_select_simd_regop, shufpd_forms, 0},
    {ZYDIS_MNEMONIC_PINSRW, emu_select_simd_regop, pinsrw_forms, 0},
    {ZYDIS_MNEMONIC_PEXTRW, select_pextrw, pextrw_forms, 0},
    SIMD_OP(PUNPCKLBW, PUNPCKLBW_forms),
    SIMD_OP(PUNPCKLWD, PUNPCKLWD_forms),
    SIMD_OP(PUNPCKLDQ, PUNPCKLDQ_forms),
    SIMD_OP(PUNPCKHBW, PUNPCKHBW_forms),
    SIMD_OP(PUNPCKHWD, PUNPCKHWD_forms),
    SIMD_OP(PUNPCKHDQ, PUNPCKHDQ_forms),
    SIMD_OP(PUNPCKLQDQ, punpcklqdq_forms),
    SIMD_OP(PUNPCKHQDQ, punpckhqdq_forms),
    SIMD_OP(UNPCKLPS, punpckldq_x_forms),
    SIMD_OP(UNPCKHPS, punpckhdq_x_forms),
    SIMD_OP(UNPCKLPD, punpcklqdq_forms),
    SIMD_OP(UNPCKHPD, punpckhqdq_forms),
    SIMD_OP(PACKSSWB, PACKSSWB_forms),
    SIMD_OP(PACKSSDW, PACKSSDW_forms),
    SIMD_OP(PACKUSWB, PACKUSWB_forms),
    {0},
};
