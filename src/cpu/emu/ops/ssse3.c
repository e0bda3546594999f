// SPDX-License-Identifier: Apache-2.0
/*
 * ssse3.c - SSSE3 (SDM vol. 2; CPUID.1:ECX.SSSE3[bit 9]), each on XMM and
 * on MMX registers: PABSB/W/D, PSIGNB/W/D, PHADDW/D, PHADDSW, PHSUBW/D,
 * PHSUBSW, PMADDUBSW, PMULHRSW, PSHUFB and PALIGNR (every imm8: a shift
 * of the concatenation dst:src by up to 255 bytes).
 */
#include "cpu/emu/ops/simd_ext.h"

#define UNUSED3 (void)d, (void)imm, (void)n

static inline xmm_t pabsb(xmm_t d, xmm_t s, unsigned imm, unsigned n)
{
    UNUSED3;
    for (unsigned k = 0; k < n; k++)
        d.b[k] = (uint8_t)(s.sb[k] < 0 ? -s.sb[k] : s.sb[k]);
    return d;
}

static inline xmm_t pabsw(xmm_t d, xmm_t s, unsigned imm, unsigned n)
{
    UNUSED3;
    for (unsigned k = 0; k < n / 2; k++)
        d.w[k] = (uint16_t)(s.sw[k] < 0 ? -s.sw[k] : s.sw[k]);
    return d;
}

static inline xmm_t pabsd(xmm_t d, xmm_t s, unsigned imm, unsigned n)
{
    UNUSED3;
    for (unsigned k = 0; k < n / 4; k++)
        d.d[k] = s.sd[k] < 0 ? 0u - s.d[k] : s.d[k];
    return d;
}

/* PSIGN: negate, zero or keep each element of d by the sign of the one of s. */
#define PSIGN(name, lanes, field, sfield, T)                             \
    static inline xmm_t name(xmm_t d, xmm_t s, unsigned imm, unsigned n) \
    {                                                                    \
        (void)imm;                                                       \
        for (unsigned k = 0; k < n / sizeof(T); k++)                     \
            d.field[k] = s.sfield[k] < 0    ? (T)(0u - d.field[k])       \
                         : s.sfield[k] == 0 ? 0                          \
                                            : d.field[k];                \
        return d;                                                        \
    }
PSIGN(psignb, 16, b, sb, uint8_t)
PSIGN(psignw, 8, w, sw, uint16_t)
PSIGN(psignd, 4, d, sd, uint32_t)

/* Horizontal: pairs of d give the low half of the result, pairs of s the high half. */
#define PHORIZ(name, field, T, EXPR)                                     \
    static inline xmm_t name(xmm_t d, xmm_t s, unsigned imm, unsigned n) \
    {                                                                    \
        (void)imm;                                                       \
        xmm_t r = {.q = {0, 0}};                                         \
        unsigned half = n / sizeof(T) / 2;                               \
        for (unsigned k = 0; k < half; k++) {                            \
            T a = d.field[2 * k], b = d.field[2 * k + 1];                \
            r.field[k] = (EXPR);                                         \
            a = s.field[2 * k], b = s.field[2 * k + 1];                  \
            r.field[half + k] = (EXPR);                                  \
        }                                                                \
        return r;                                                        \
    }
PHORIZ(phaddw, w, uint16_t, (uint16_t)(a + b))
PHORIZ(phaddd, d, uint32_t, a + b)
PHORIZ(phaddsw, sw, int16_t, sat16(a + b))
PHORIZ(phsubw, w, uint16_t, (uint16_t)(a - b))
PHORIZ(phsubd, d, uint32_t, a - b)
PHORIZ(phsubsw, sw, int16_t, sat16(a - b))

static inline xmm_t pmaddubsw(xmm_t d, xmm_t s, unsigned imm, unsigned n)
{
    (void)imm;
    xmm_t r = {.q = {0, 0}};
    for (unsigned k = 0; k < n / 2; k++)
        r.sw[k] = sat16(d.b[2 * k] * s.sb[2 * k] + d.b[2 * k + 1] * s.sb[2 * k + 1]);
    return r;
}

static inline xmm_t pmulhrsw(xmm_t d, xmm_t s, unsigned imm, unsigned n)
{
    (void)imm;
    for (unsigned k = 0; k < n / 2; k++)
        d.w[k] = (uint16_t)((((int32_t)d.sw[k] * s.sw[k] >> 14) + 1) >> 1);
    return d;
}

static inline xmm_t pshufb(xmm_t d, xmm_t s, unsigned imm, unsigned n)
{
    (void)imm;
    xmm_t r = {.q = {0, 0}};
    for (unsigned k = 0; k < n; k++)
        r.b[k] = (s.b[k] & 0x80) ? 0 : d.b[s.b[k] & (n - 1)];
    return r;
}

/* The 2n-byte concatenation d:s shifted right by imm bytes, low n bytes. */
static inline xmm_t palignr(xmm_t d, xmm_t s, unsigned imm, unsigned n)
{
    uint8_t cat[32];
    memcpy(cat, s.b, n);
    memcpy(cat + n, d.b, n);
    xmm_t r = {.q = {0, 0}};
    for (unsigned k = 0; k < n; k++)
        r.b[k] = imm + k < 2 * n ? cat[imm + k] : 0;
    return r;
}

SIMD_VEC_XP(PABSB, pabsb)
SIMD_VEC_XP(PABSW, pabsw)
SIMD_VEC_XP(PABSD, pabsd)
SIMD_VEC_XP(PSIGNB, psignb)
SIMD_VEC_XP(PSIGNW, psignw)
SIMD_VEC_XP(PSIGND, psignd)
SIMD_VEC_XP(PHADDW, phaddw)
SIMD_VEC_XP(PHADDD, phaddd)
SIMD_VEC_XP(PHADDSW, phaddsw)
SIMD_VEC_XP(PHSUBW, phsubw)
SIMD_VEC_XP(PHSUBD, phsubd)
SIMD_VEC_XP(PHSUBSW, phsubsw)
SIMD_VEC_XP(PMADDUBSW, pmaddubsw)
SIMD_VEC_XP(PMULHRSW, pmulhrsw)
SIMD_VEC_XP(PSHUFB, pshufb)
SIMD_VEC_XP(PALIGNR, palignr)

const struct emu_opdef emu_ops_ssse3[] = {
    SIMD_VEC_OP(PABSB, PABSB_forms),
    SIMD_VEC_OP(PABSW, PABSW_forms),
    SIMD_VEC_OP(PABSD, PABSD_forms),
    SIMD_VEC_OP(PSIGNB, PSIGNB_forms),
    SIMD_VEC_OP(PSIGNW, PSIGNW_forms),
    SIMD_VEC_OP(PSIGND, PSIGND_forms),
    SIMD_VEC_OP(PHADDW, PHADDW_forms),
    SIMD_VEC_OP(PHADDD, PHADDD_forms),
    SIMD_VEC_OP(PHADDSW, PHADDSW_forms),
    SIMD_VEC_OP(PHSUBW, PHSUBW_forms),
    SIMD_VEC_OP(PHSUBD, PHSUBD_forms),
    SIMD_VEC_OP(PHSUBSW, PHSUBSW_forms),
    SIMD_VEC_OP(PMADDUBSW, PMADDUBSW_forms),
    SIMD_VEC_OP(PMULHRSW, PMULHRSW_forms),
    SIMD_VEC_OP(PSHUFB, PSHUFB_forms),
    SIMD_VEC_OP(PALIGNR, PALIGNR_forms),
    {0},
};
