// SPDX-License-Identifier: Apache-2.0
/*
 * sse41_blend.c - the blends, inserts and extracts of SSE4.1 (SDM vol. 2;
 * CPUID.1:ECX.SSE4_1[bit 19]): BLENDPS, BLENDPD, PBLENDW (by imm8),
 * BLENDVPS, BLENDVPD, PBLENDVB (by the sign bits of XMM0), INSERTPS (from
 * an element of a register or an m32, with its zero mask), EXTRACTPS,
 * PINSRB/D/Q, PEXTRB/D/Q and the SSE4.1 encoding of PEXTRW (66 0F 3A 15,
 * which may store to memory), and MOVNTDQA (an aligned load; the engine
 * has no write-combining memory to stream from).
 */
#include "cpu/emu/ops/simd_ext.h"

/* Element k of width w bytes from s where bit k of mask is set, else from d. */
static inline xmm_t blend(xmm_t d, xmm_t s, unsigned mask, unsigned w)
{
    for (unsigned k = 0; k < 16 / w; k++)
        if (mask >> k & 1)
            memcpy(d.b + k * w, s.b + k * w, w);
    return d;
}

static inline xmm_t blendps(xmm_t d, xmm_t s, unsigned imm, unsigned n)
{
    (void)n;
    return blend(d, s, imm, 4);
}

static inline xmm_t blendpd(xmm_t d, xmm_t s, unsigned imm, unsigned n)
{
    (void)n;
    return blend(d, s, imm, 8);
}

static inline xmm_t pblendw(xmm_t d, xmm_t s, unsigned imm, unsigned n)
{
    (void)n;
    return blend(d, s, imm, 2);
}

SIMD_VEC(BLENDPS, blendps)
SIMD_VEC(BLENDPD, blendpd)
SIMD_VEC(PBLENDW, pblendw)

/* The mask of BLENDV*: the top bit of each element of XMM0. */
static unsigned xmm0_signs(struct emu_cpu *cpu, unsigned w)
{
    const xmm_t *m = xmm(cpu, 0);
    unsigned mask = 0;
    for (unsigned k = 0; k < 16 / w; k++)
        mask |= (unsigned)(m->b[k * w + w - 1] >> 7) << k;
    return mask;
}

#define BLENDV(NAME, w)                              \
    HANDLER(NAME##_X)                                \
    {                                                \
        xmm_t s;                                     \
        int st = sse_fetch_w(cpu, i, true, &s);      \
        if (unlikely(st))                            \
            return st;                               \
        xmm_t *d = xmm(cpu, i->reg);                 \
        *d = blend(*d, s, xmm0_signs(cpu, w), w);    \
        return EMU_NEXT;                             \
    }                                                \
    static const struct simd_form NAME##_forms[] = { \
        {SK_X, SK_X, NAME##_X}, {SK_X, SK_M128, NAME##_X}, {0, 0, NULL}};
BLENDV(BLENDVPS, 4)
BLENDV(BLENDVPD, 8)
BLENDV(PBLENDVB, 1)

HANDLER(MOVNTDQA_X)
{
    xmm_t s;
    int st = sse_fetch_w(cpu, i, true, &s);
    if (likely(!st))
        *xmm(cpu, i->reg) = s;
    return st;
}
static const struct simd_form MOVNTDQA_forms[] = {{SK_X, SK_M128, MOVNTDQA_X}, {0, 0, NULL}};

/* INSERTPS: element imm[7:6] of a register (an m32 itself) into imm[5:4], then zero mask imm[3:0].
 */
HANDLER(INSERTPS_X)
{
    int st = sse_enter(cpu);
    if (unlikely(st))
        return st;
    unsigned imm = (unsigned)i->imm;
    uint64_t v;
    if (i->flags & INSN_REGOP)
        v = xmm(cpu, i->rm)->d[imm >> 6];
    else if (unlikely(st = read_ea(cpu, i, 4, &v)))
        return st;
    xmm_t *d = xmm(cpu, i->reg);
    d->d[imm >> 4 & 3] = (uint32_t)v;
    for (unsigned k = 0; k < 4; k++)
        if (imm >> k & 1)
            d->d[k] = 0;
    return EMU_NEXT;
}
static const struct simd_form INSERTPS_forms[] = {
    {SK_X, SK_X, INSERTPS_X}, {SK_X, SK_M32, INSERTPS_X}, {0, 0, NULL}};

/* PINSRB/D/Q: w bytes from a general register (its low bytes) or memory into element imm. */
static int pinsr(struct emu_cpu *cpu, const struct emu_insn *i, unsigned w)
{
    int st = sse_enter(cpu);
    if (unlikely(st))
        return st;
    uint64_t v = cpu->r[i->rm];
    if (!(i->flags & INSN_REGOP) && unlikely(st = read_ea(cpu, i, w, &v)))
        return st;
    memcpy(xmm(cpu, i->reg)->b + (i->imm & (16 / w - 1)) * w, &v, w);
    return EMU_NEXT;
}

/* PEXTRB/W/D/Q and EXTRACTPS: element imm of w bytes into a general register (zero-extended) or
 * memory. */
static int pextr(struct emu_cpu *cpu, const struct emu_insn *i, unsigned w, bool to_mem)
{
    int st = sse_enter(cpu);
    if (unlikely(st))
        return st;
    uint64_t v = 0;
    memcpy(&v, xmm(cpu, i->rm)->b + (i->imm & (16 / w - 1)) * w, w);
    if (to_mem)
        return write_ea(cpu, i, w, v);
    cpu->r[i->reg] = v;
    return EMU_NEXT;
}

#define INSERT(NAME, w, mkind)                                                              \
    HANDLER(PINSR##NAME##_X)                                                                \
    {                                                                                       \
        return pinsr(cpu, i, w);                                                            \
    }                                                                                       \
    static const struct simd_form PINSR##NAME##_forms[] = {{SK_X, SK_R32, PINSR##NAME##_X}, \
                                                           {SK_X, SK_R64, PINSR##NAME##_X}, \
                                                           {SK_X, mkind, PINSR##NAME##_X},  \
                                                           {0, 0, NULL}};
#define EXTRACT(NAME, w, mkind)                                                             \
    HANDLER(PEXTR##NAME##_R)                                                                \
    {                                                                                       \
        return pextr(cpu, i, w, false);                                                     \
    }                                                                                       \
    HANDLER(PEXTR##NAME##_M)                                                                \
    {                                                                                       \
        return pextr(cpu, i, w, true);                                                      \
    }                                                                                       \
    static const struct simd_form PEXTR##NAME##_forms[] = {{SK_R32, SK_X, PEXTR##NAME##_R}, \
                                                           {SK_R64, SK_X, PEXTR##NAME##_R}, \
                                                           {mkind, SK_X, PEXTR##NAME##_M},  \
                                                           {0, 0, NULL}};
INSERT(B, 1, SK_M)
INSERT(D, 4, SK_M32)
INSERT(Q, 8, SK_M64)
EXTRACT(B, 1, SK_M)
EXTRACT(W, 2, SK_M16)
EXTRACT(D, 4, SK_M32)
EXTRACT(Q, 8, SK_M64)
#define EXTRACTPS_forms PEXTRD_forms

/* Only the SSE4.1 encoding 66 0F 3A 15 of PEXTRW; 0F C5 is SSE2's (sse_shuffle.c). */
static bool select_pextrw(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    return d->zi->opcode_map == ZYDIS_OPCODE_MAP_0F3A && emu_select_simd(insn, d, arg);
}

/* PINSR*: a register operand 1 sets INSN_REGOP; rm is then its GPR index. */
const struct emu_opdef emu_ops_sse41_blend[] = {
    SIMD_VEC_OP(BLENDPS, BLENDPS_forms),
    SIMD_VEC_OP(BLENDPD, BLENDPD_forms),
    SIMD_VEC_OP(PBLENDW, PBLENDW_forms),
    SIMD_VEC_OP(BLENDVPS, BLENDVPS_forms),
    SIMD_VEC_OP(BLENDVPD, BLENDVPD_forms),
    SIMD_VEC_OP(PBLENDVB, PBLENDVB_forms),
    SIMD_VEC_OP(MOVNTDQA, MOVNTDQA_forms),
    SIMD_VEC_OP(INSERTPS, INSERTPS_forms),
    SIMD_VEC_OP(PINSRB, PINSRB_forms),
    SIMD_VEC_OP(PINSRD, PINSRD_forms),
    SIMD_VEC_OP(PINSRQ, PINSRQ_forms),
    SIMD_OP(PEXTRB, PEXTRB_forms),
    SIMD_OP(PEXTRD, PEXTRD_forms),
    SIMD_OP(PEXTRQ, PEXTRQ_forms),
    SIMD_OP(EXTRACTPS, EXTRACTPS_forms),
    {ZYDIS_MNEMONIC_PEXTRW, select_pextrw, PEXTRW_forms, 0},
    {0},
};
