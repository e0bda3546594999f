// SPDX-License-Identifier: Apache-2.0
/*
 * gen_sse.c - enumerated MMX, SSE and SSE2 instructions: every form the
 * engine implements (moves, packed integer arithmetic, logic, compares,
 * shifts, shuffles, packs and unpacks, floating-point arithmetic, compares
 * with all eight predicates, (U)COMISS/SD, every conversion), with edge
 * values in each lane (zeros of both signs, denormals, the smallest and
 * largest normals, infinities, QNaNs and SNaNs with payloads, ties for
 * rounding, the limits of the integer conversions, integer extremes) under
 * every rounding mode, DAZ and FTZ, preset sticky flags, and now and then
 * unmasked exceptions (#XM); then sequences of 2 to 6 random forms on
 * XMM0-5 and MM0-3 with values flowing between them.
 *
 * The harness compares GPRs, flags and memory, so each case carries the
 * SIMD state through memory: it loads MXCSR and the XMM/MMX registers it
 * uses from an I/O block in the data sandbox (LDMXCSR, MOVDQU, MOVQ), runs
 * the instruction under test, and stores the registers and MXCSR back into
 * the block (MOVDQU, MOVQ, STMXCSR). A wrong result therefore shows as
 * differing sandbox bytes, and the shortest failing prefix ends at the
 * first store that shows it: the instruction under test is the one
 * before the stores.
 */
#include "gen_sse.h"

#include "corners.h"

#include <string.h>

#include "machine/vcpu.h"

/*
 * The I/O block: MXCSR and up to two register inputs, then the outputs, all
 * aligned (so that cases with RFLAGS.AC set fault only in the instruction
 * under test), and room for the stack of the POPF that sets AC.
 */
#define IO_ADDR       (DT_DATA_ADDR + 0x1f00)
#define IO_MXCSR_IN   0
#define IO_REG_IN(k)  (16 + 16 * (k))
#define IO_REG_OUT(k) (0x40 + 16 * (k))
#define IO_MXCSR_OUT  0x70
#define IO_STACK_TOP  0xc0

#define SHIFT(m, vt)                                              \
    INT_XP(m, VT_COUNT), {M(m), OK_X, OK_I, vt, IMM_SHIFT, 0, 0}, \
    {                                                             \
        M(m), OK_P, OK_I, vt, IMM_SHIFT, 0, 0                     \
    }
#define FP4(op)                                                                           \
    FP(op##PS, VT_F32, OK_M128), FP(op##SS, VT_F32, OK_M32), FP(op##PD, VT_F64, OK_M128), \
        FP(op##SD, VT_F64, OK_M64)
#define CMP(m, vt, mem)                    \
    {M(m), OK_X, OK_X, vt, IMM_CMP, 0, 0}, \
    {                                      \
        M(m), OK_X, mem, vt, IMM_CMP, 0, 0 \
    }

static const struct sse_form forms[] = {
    /* moves */
    {M(MOVAPS), OK_X, OK_X, VT_D, 0, 0, 0},
    {M(MOVAPS), OK_X, OK_M128, VT_D, 0, 0, 0},
    {M(MOVAPS), OK_M128, OK_X, VT_D, 0, 0, 0},
    {M(MOVAPD), OK_X, OK_M128, VT_D, 0, 0, 0},
    {M(MOVAPD), OK_M128, OK_X, VT_D, 0, 0, 0},
    {M(MOVDQA), OK_X, OK_X, VT_D, 0, 0, 0},
    {M(MOVDQA), OK_X, OK_M128, VT_D, 0, 0, 0},
    {M(MOVDQA), OK_M128, OK_X, VT_D, 0, 0, 0},
    {M(MOVUPS), OK_X, OK_X, VT_D, 0, 0, 0},
    {M(MOVUPS), OK_X, OK_M128, VT_D, 0, 0, 0},
    {M(MOVUPS), OK_M128, OK_X, VT_D, 0, 0, 0},
    {M(MOVUPD), OK_X, OK_M128, VT_D, 0, 0, 0},
    {M(MOVUPD), OK_M128, OK_X, VT_D, 0, 0, 0},
    {M(MOVDQU), OK_X, OK_X, VT_D, 0, 0, 0},
    {M(MOVDQU), OK_X, OK_M128, VT_D, 0, 0, 0},
    {M(MOVDQU), OK_M128, OK_X, VT_D, 0, 0, 0},
    {M(MOVNTPS), OK_M128, OK_X, VT_D, 0, 0, 0},
    {M(MOVNTPD), OK_M128, OK_X, VT_D, 0, 0, 0},
    {M(MOVNTDQ), OK_M128, OK_X, VT_D, 0, 0, 0},
    {M(MOVNTQ), OK_M64, OK_P, VT_D, 0, 0, 0},
    {M(MOVSS), OK_X, OK_X, VT_D, 0, 0, 0},
    {M(MOVSS), OK_X, OK_M32, VT_D, 0, 0, 0},
    {M(MOVSS), OK_M32, OK_X, VT_D, 0, 0, 0},
    {M(MOVSD), OK_X, OK_X, VT_D, 0, 0, 0},
    {M(MOVSD), OK_X, OK_M64, VT_D, 0, 0, 0},
    {M(MOVSD), OK_M64, OK_X, VT_D, 0, 0, 0},
    {M(MOVLPS), OK_X, OK_M64, VT_D, 0, 0, 0},
    {M(MOVLPS), OK_M64, OK_X, VT_D, 0, 0, 0},
    {M(MOVLPD), OK_X, OK_M64, VT_D, 0, 0, 0},
    {M(MOVLPD), OK_M64, OK_X, VT_D, 0, 0, 0},
    {M(MOVHPS), OK_X, OK_M64, VT_D, 0, 0, 0},
    {M(MOVHPS), OK_M64, OK_X, VT_D, 0, 0, 0},
    {M(MOVHPD), OK_X, OK_M64, VT_D, 0, 0, 0},
    {M(MOVHPD), OK_M64, OK_X, VT_D, 0, 0, 0},
    {M(MOVHLPS), OK_X, OK_X, VT_D, 0, 0, 0},
    {M(MOVLHPS), OK_X, OK_X, VT_D, 0, 0, 0},
    {M(MOVD), OK_X, OK_R32, VT_D, 0, 0, 0},
    {M(MOVD), OK_X, OK_M32, VT_D, 0, 0, 0},
    {M(MOVD), OK_R32, OK_X, VT_D, 0, 0, 0},
    {M(MOVD), OK_M32, OK_X, VT_D, 0, 0, 0},
    {M(MOVD), OK_P, OK_R32, VT_D, 0, 0, 0},
    {M(MOVD), OK_P, OK_M32, VT_D, 0, 0, 0},
    {M(MOVD), OK_R32, OK_P, VT_D, 0, 0, 0},
    {M(MOVD), OK_M32, OK_P, VT_D, 0, 0, 0},
    {M(MOVQ), OK_X, OK_R64, VT_Q, 0, 0, 0},
    {M(MOVQ), OK_X, OK_M64, VT_Q, 0, 0, 0},
    {M(MOVQ), OK_R64, OK_X, VT_Q, 0, 0, 0},
    {M(MOVQ), OK_M64, OK_X, VT_Q, 0, 0, 0},
    {M(MOVQ), OK_X, OK_X, VT_Q, 0, 0, 0},
    {M(MOVQ), OK_P, OK_R64, VT_Q, 0, 0, 0},
    {M(MOVQ), OK_P, OK_M64, VT_Q, 0, 0, 0},
    {M(MOVQ), OK_R64, OK_P, VT_Q, 0, 0, 0},
    {M(MOVQ), OK_M64, OK_P, VT_Q, 0, 0, 0},
    {M(MOVQ), OK_P, OK_P, VT_Q, 0, 0, 0},
    {M(MOVQ2DQ), OK_X, OK_P, VT_Q, 0, 0, 0},
    {M(MOVDQ2Q), OK_P, OK_X, VT_Q, 0, 0, 0},
    {M(MOVMSKPS), OK_R32, OK_X, VT_F32, 0, 0, 0},
    {M(MOVMSKPD), OK_R32, OK_X, VT_F64, 0, 0, 0},
    {M(PMOVMSKB), OK_R32, OK_X, VT_B, 0, 0, 0},
    {M(PMOVMSKB), OK_R32, OK_P, VT_B, 0, 0, 0},
    {M(MASKMOVDQU), OK_X, OK_X, VT_B, 0, 0, 0},
    {M(MASKMOVQ), OK_P, OK_P, VT_B, 0, 0, 0},
    /* packed integer arithmetic */
    INT_XP(PADDB, VT_B),
    INT_XP(PADDW, VT_W),
    INT_XP(PADDD, VT_D),
    INT_XP(PADDQ, VT_Q),
    INT_XP(PADDSB, VT_B),
    INT_XP(PADDSW, VT_W),
    INT_XP(PADDUSB, VT_B),
    INT_XP(PADDUSW, VT_W),
    INT_XP(PSUBB, VT_B),
    INT_XP(PSUBW, VT_W),
    INT_XP(PSUBD, VT_D),
    INT_XP(PSUBQ, VT_Q),
    INT_XP(PSUBSB, VT_B),
    INT_XP(PSUBSW, VT_W),
    INT_XP(PSUBUSB, VT_B),
    INT_XP(PSUBUSW, VT_W),
    INT_XP(PMULLW, VT_W),
    INT_XP(PMULHW, VT_W),
    INT_XP(PMULHUW, VT_W),
    INT_XP(PMULUDQ, VT_D),
    INT_XP(PMADDWD, VT_W),
    INT_XP(PSADBW, VT_B),
    INT_XP(PAVGB, VT_B),
    INT_XP(PAVGW, VT_W),
    INT_XP(PMINUB, VT_B),
    INT_XP(PMAXUB, VT_B),
    INT_XP(PMINSW, VT_W),
    INT_XP(PMAXSW, VT_W),
    /* logic and integer compares */
    INT_XP(PAND, VT_Q),
    INT_XP(PANDN, VT_Q),
    INT_XP(POR, VT_Q),
    INT_XP(PXOR, VT_Q),
    INT_X(ANDPS, VT_F32),
    INT_X(ANDNPS, VT_F32),
    INT_X(ORPS, VT_F32),
    INT_X(XORPS, VT_F32),
    INT_X(ANDPD, VT_F64),
    INT_X(ANDNPD, VT_F64),
    INT_X(ORPD, VT_F64),
    INT_X(XORPD, VT_F64),
    INT_XP(PCMPEQB, VT_B),
    INT_XP(PCMPEQW, VT_W),
    INT_XP(PCMPEQD, VT_D),
    INT_XP(PCMPGTB, VT_B),
    INT_XP(PCMPGTW, VT_W),
    INT_XP(PCMPGTD, VT_D),
    /* shifts */
    SHIFT(PSLLW, VT_W),
    SHIFT(PSLLD, VT_D),
    SHIFT(PSLLQ, VT_Q),
    SHIFT(PSRLW, VT_W),
    SHIFT(PSRLD, VT_D),
    SHIFT(PSRLQ, VT_Q),
    SHIFT(PSRAW, VT_W),
    SHIFT(PSRAD, VT_D),
    {M(PSLLDQ), OK_X, OK_I, VT_B, IMM_BYTES, 0, 0},
    {M(PSRLDQ), OK_X, OK_I, VT_B, IMM_BYTES, 0, 0},
    /* shuffles, unpacks, packs, inserts and extracts */
    {M(PSHUFD), OK_X, OK_X, VT_D, IMM_ANY, 0, 0},
    {M(PSHUFD), OK_X, OK_M128, VT_D, IMM_ANY, 0, 0},
    {M(PSHUFLW), OK_X, OK_X, VT_W, IMM_ANY, 0, 0},
    {M(PSHUFLW), OK_X, OK_M128, VT_W, IMM_ANY, 0, 0},
    {M(PSHUFHW), OK_X, OK_X, VT_W, IMM_ANY, 0, 0},
    {M(PSHUFHW), OK_X, OK_M128, VT_W, IMM_ANY, 0, 0},
    {M(PSHUFW), OK_P, OK_P, VT_W, IMM_ANY, 0, 0},
    {M(PSHUFW), OK_P, OK_M64, VT_W, IMM_ANY, 0, 0},
    {M(SHUFPS), OK_X, OK_X, VT_F32, IMM_ANY, 0, 0},
    {M(SHUFPS), OK_X, OK_M128, VT_F32, IMM_ANY, 0, 0},
    {M(SHUFPD), OK_X, OK_X, VT_F64, IMM_ANY, 0, 0},
    {M(SHUFPD), OK_X, OK_M128, VT_F64, IMM_ANY, 0, 0},
    INT_X(PUNPCKLBW, VT_B),
    INT_X(PUNPCKLWD, VT_W),
    INT_X(PUNPCKLDQ, VT_D),
    {M(PUNPCKLBW), OK_P, OK_P, VT_B, 0, 0, 0},
    {M(PUNPCKLBW), OK_P, OK_M32, VT_B, 0, 0, 0},
    {M(PUNPCKLWD), OK_P, OK_P, VT_W, 0, 0, 0},
    {M(PUNPCKLWD), OK_P, OK_M32, VT_W, 0, 0, 0},
    {M(PUNPCKLDQ), OK_P, OK_P, VT_D, 0, 0, 0},
    {M(PUNPCKLDQ), OK_P, OK_M32, VT_D, 0, 0, 0},
    INT_XP(PUNPCKHBW, VT_B),
    INT_XP(PUNPCKHWD, VT_W),
    INT_XP(PUNPCKHDQ, VT_D),
    INT_X(PUNPCKLQDQ, VT_Q),
    INT_X(PUNPCKHQDQ, VT_Q),
    INT_X(UNPCKLPS, VT_F32),
    INT_X(UNPCKHPS, VT_F32),
    INT_X(UNPCKLPD, VT_F64),
    INT_X(UNPCKHPD, VT_F64),
    INT_XP(PACKSSWB, VT_W),
    INT_XP(PACKSSDW, VT_D),
    INT_XP(PACKUSWB, VT_W),
    {M(PINSRW), OK_X, OK_R32, VT_W, IMM_ANY, 0, 0},
    {M(PINSRW), OK_X, OK_M16, VT_W, IMM_ANY, 0, 0},
    {M(PINSRW), OK_P, OK_R32, VT_W, IMM_ANY, 0, 0},
    {M(PINSRW), OK_P, OK_M16, VT_W, IMM_ANY, 0, 0},
    {M(PEXTRW), OK_R32, OK_X, VT_W, IMM_ANY, 0, 0},
    {M(PEXTRW), OK_R32, OK_P, VT_W, IMM_ANY, 0, 0},
    /* floating-point arithmetic */
    FP4(ADD),
    FP4(SUB),
    FP4(MUL),
    FP4(DIV),
    FP4(MIN),
    FP4(MAX),
    FP4(SQRT),
    FP(RCPPS, VT_F32, OK_M128),
    FP(RCPSS, VT_F32, OK_M32),
    FP(RSQRTPS, VT_F32, OK_M128),
    FP(RSQRTSS, VT_F32, OK_M32),
    CMP(CMPPS, VT_F32, OK_M128),
    CMP(CMPSS, VT_F32, OK_M32),
    CMP(CMPPD, VT_F64, OK_M128),
    CMP(CMPSD, VT_F64, OK_M64),
    FP(COMISS, VT_F32, OK_M32),
    FP(UCOMISS, VT_F32, OK_M32),
    FP(COMISD, VT_F64, OK_M64),
    FP(UCOMISD, VT_F64, OK_M64),
    /* conversions */
    FP(CVTDQ2PS, VT_D, OK_M128),
    FP(CVTPS2DQ, VT_F32, OK_M128),
    FP(CVTTPS2DQ, VT_F32, OK_M128),
    FP(CVTDQ2PD, VT_D, OK_M64),
    FP(CVTPD2DQ, VT_F64, OK_M128),
    FP(CVTTPD2DQ, VT_F64, OK_M128),
    FP(CVTPS2PD, VT_F32, OK_M64),
    FP(CVTPD2PS, VT_F64, OK_M128),
    FP(CVTSS2SD, VT_F32, OK_M32),
    FP(CVTSD2SS, VT_F64, OK_M64),
    {M(CVTSI2SS), OK_X, OK_R32, VT_D, 0, 0, 0},
    {M(CVTSI2SS), OK_X, OK_R64, VT_Q, 0, 0, 0},
    {M(CVTSI2SS), OK_X, OK_M32, VT_D, 0, 0, 0},
    {M(CVTSI2SS), OK_X, OK_M64, VT_Q, 0, 0, 0},
    {M(CVTSI2SD), OK_X, OK_R32, VT_D, 0, 0, 0},
    {M(CVTSI2SD), OK_X, OK_R64, VT_Q, 0, 0, 0},
    {M(CVTSI2SD), OK_X, OK_M32, VT_D, 0, 0, 0},
    {M(CVTSI2SD), OK_X, OK_M64, VT_Q, 0, 0, 0},
    {M(CVTSS2SI), OK_R32, OK_X, VT_F32, 0, 0, 0},
    {M(CVTSS2SI), OK_R64, OK_X, VT_F32, 0, 0, 0},
    {M(CVTSS2SI), OK_R32, OK_M32, VT_F32, 0, 0, 0},
    {M(CVTSS2SI), OK_R64, OK_M32, VT_F32, 0, 0, 0},
    {M(CVTTSS2SI), OK_R32, OK_X, VT_F32, 0, 0, 0},
    {M(CVTTSS2SI), OK_R64, OK_X, VT_F32, 0, 0, 0},
    {M(CVTTSS2SI), OK_R32, OK_M32, VT_F32, 0, 0, 0},
    {M(CVTTSS2SI), OK_R64, OK_M32, VT_F32, 0, 0, 0},
    {M(CVTSD2SI), OK_R32, OK_X, VT_F64, 0, 0, 0},
    {M(CVTSD2SI), OK_R64, OK_X, VT_F64, 0, 0, 0},
    {M(CVTSD2SI), OK_R32, OK_M64, VT_F64, 0, 0, 0},
    {M(CVTSD2SI), OK_R64, OK_M64, VT_F64, 0, 0, 0},
    {M(CVTTSD2SI), OK_R32, OK_X, VT_F64, 0, 0, 0},
    {M(CVTTSD2SI), OK_R64, OK_X, VT_F64, 0, 0, 0},
    {M(CVTTSD2SI), OK_R32, OK_M64, VT_F64, 0, 0, 0},
    {M(CVTTSD2SI), OK_R64, OK_M64, VT_F64, 0, 0, 0},
    {M(CVTPI2PS), OK_X, OK_P, VT_D, 0, 0, 0},
    {M(CVTPI2PS), OK_X, OK_M64, VT_D, 0, 0, 0},
    {M(CVTPI2PD), OK_X, OK_P, VT_D, 0, 0, 0},
    {M(CVTPI2PD), OK_X, OK_M64, VT_D, 0, 0, 0},
    {M(CVTPS2PI), OK_P, OK_X, VT_F32, 0, 0, 0},
    {M(CVTPS2PI), OK_P, OK_M64, VT_F32, 0, 0, 0},
    {M(CVTTPS2PI), OK_P, OK_X, VT_F32, 0, 0, 0},
    {M(CVTTPS2PI), OK_P, OK_M64, VT_F32, 0, 0, 0},
    {M(CVTPD2PI), OK_P, OK_X, VT_F64, 0, 0, 0},
    {M(CVTPD2PI), OK_P, OK_M128, VT_F64, 0, 0, 0},
    {M(CVTTPD2PI), OK_P, OK_X, VT_F64, 0, 0, 0},
    {M(CVTTPD2PI), OK_P, OK_M128, VT_F64, 0, 0, 0},
};

static const uint32_t f32_edges[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbfc00000, 0x00000001, 0x007fffff, 0x80000001, 0x00800000,
    0x80800000, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fc12345,
    0x7f800001, 0xff912345, 0x3f000000, 0x3fc00000, 0x40200000, 0x3eaaaaab, 0x4f000000, 0xcf000000,
    0x4effffff, 0xcf000001, 0x5f000000, 0xdf000000, 0x0c000000, 0x73000000, 0x00400000, 0x4b800001,
};

static const uint64_t f64_edges[] = {
    0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000, 0xbff8000000000000,
    0x0000000000000001, 0x000fffffffffffff, 0x8000000000000001, 0x0010000000000000,
    0x7fefffffffffffff, 0xffefffffffffffff, 0x7ff0000000000000, 0xfff0000000000000,
    0x7ff8000000000000, 0xfff8000000000000, 0x7ff8000012345678, 0x7ff0000000000001,
    0xfff4000000000000, 0x3fe0000000000000, 0x3ff8000000000000, 0x4004000000000000,
    0x3fd5555555555555, 0x41e0000000000000, 0xc1e0000000000000, 0x41dfffffffe00000,
    0xc1e0000000200000, 0x43e0000000000000, 0xc3e0000000000000, 0x3690000000000000,
    0x47f0000000000000, 0x0200000000000000, 0x36a0000000000001, 0x3810000000000000,
};

static uint64_t float_value(struct gen *g, bool wide)
{
    struct rng *r = &g->rng;
    unsigned pick = (unsigned)rng__below(r, 48);
    if (pick < 32)
        return wide ? f64_edges[pick] : f32_edges[pick];
    uint64_t v = rng__next(r);
    if (pick < 40)
        return wide ? v : (uint32_t)v;
    /* a random normal number of moderate exponent */
    if (wide)
        return (v & 0x800fffffffffffffull) | ((uint64_t)(1023 - 40 + rng__below(r, 80)) << 52);
    return (v & 0x807fffffu) | ((uint32_t)(127 - 20 + rng__below(r, 40)) << 23);
}

/* One lane value of kind vt. */
static uint64_t lane_value(struct gen *g, enum sse_vt vt)
{
    switch (vt) {
    case VT_B: return gen__edge(g, 8, (unsigned)rng__below(&g->rng, GEN_NEDGE));
    case VT_W: return gen__edge(g, 16, (unsigned)rng__below(&g->rng, GEN_NEDGE));
    case VT_D: return gen__edge(g, 32, (unsigned)rng__below(&g->rng, GEN_NEDGE));
    case VT_F32: return float_value(g, false);
    case VT_F64: return float_value(g, true);
    case VT_STR: {
        /* a small alphabet, so that elements match, with nulls and sign bits */
        static const uint8_t alphabet[] = {0, 'a', 'b', 'c', 'z', 0x7f, 0x80, 0xff};
        unsigned k = (unsigned)rng__below(&g->rng, 10);
        return k < 8 ? alphabet[k] : (uint8_t)rng__next(&g->rng);
    }
    case VT_COUNT: {
        /* shift counts: around the element widths, sometimes huge */
        static const uint64_t counts[] = {0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 255};
        unsigned k = (unsigned)rng__below(&g->rng, 18);
        if (k < 15)
            return counts[k];
        return k == 15 ? rng__next(&g->rng) : 1ull << (32 + rng__below(&g->rng, 32));
    }
    default: return gen__edge(g, 64, (unsigned)rng__below(&g->rng, GEN_NEDGE));
    }
}

static unsigned lane_bytes(enum sse_vt vt)
{
    switch (vt) {
    case VT_B:
    case VT_STR: return 1;
    case VT_W: return 2;
    case VT_D:
    case VT_F32: return 4;
    default: return 8;
    }
}

/* size bytes of lanes of kind vt; a shift count sits in the low 8 bytes. */
static void fill(struct gen *g, enum sse_vt vt, uint8_t *out, unsigned size)
{
    unsigned lane = lane_bytes(vt);
    for (unsigned k = 0; k < size; k += lane) {
        uint64_t v = lane_value(g, vt);
        if (vt == VT_COUNT && k > 0)
            v = rng__below(&g->rng, 4) ? 0 : rng__next(&g->rng);
        memcpy(out + k, &v, lane);
    }
}

/* A random MXCSR: any rounding, DAZ/FTZ now and then, some preset flags, rarely unmasked. */
static uint32_t random_mxcsr(struct gen *g)
{
    struct rng *r = &g->rng;
    uint32_t mx = 0x1f80 | (uint32_t)rng__below(r, 4) << 13;
    if (rng__below(r, 4) == 0)
        mx |= 0x40; /* DAZ */
    if (rng__below(r, 4) == 0)
        mx |= 0x8000; /* FTZ */
    if (rng__below(r, 4) == 0)
        mx |= (uint32_t)rng__below(r, 64); /* sticky flags */
    if (rng__below(r, 8) == 0)
        mx &= ~((uint32_t)rng__below(r, 64) << 7); /* unmask some: #XM natively */
    return mx;
}

/*
 * A memory operand (gen__mem) that a 16-byte aligned form finds aligned
 * seven times in eight, so that the values, not only the #GP, get tested.
 */
static ZydisEncoderOperand sse_mem(struct gen *g, unsigned size, const uint8_t *value)
{
    ZydisEncoderOperand op = gen__mem(g, size, NULL);
    uint64_t addr = g->mem_addr;
    bool in_sandbox = addr >= DT_DATA_ADDR && addr + size <= DT_DATA_END;
    if (size == 16 && (addr & 15) && in_sandbox && rng__below(&g->rng, 8) &&
        op.mem.base >= ZYDIS_REGISTER_RAX && op.mem.base <= ZYDIS_REGISTER_R15) {
        g->c.in.gpr[op.mem.base - ZYDIS_REGISTER_RAX] -= addr & 15;
        addr &= ~15ull;
        g->mem_addr = addr;
    }
    gen__poke(g, addr, size, value);
    return op;
}

static bool is_mem(uint8_t kind)
{
    return kind >= OK_M8 && kind <= OK_M128;
}

static unsigned mem_size(uint8_t kind)
{
    switch (kind) {
    case OK_M8: return 1;
    case OK_M16: return 2;
    case OK_M32: return 4;
    case OK_M64: return 8;
    default: return 16;
    }
}

static ZydisRegister simd_reg(uint8_t kind, unsigned n)
{
    return kind == OK_X ? ZYDIS_REGISTER_XMM0 + n : ZYDIS_REGISTER_MM0 + (n & 7);
}

static int64_t imm_value(struct gen *g, uint8_t kind)
{
    struct rng *r = &g->rng;
    switch (kind) {
    case IMM_SHIFT: {
        static const uint8_t counts[] = {0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 255};
        return counts[rng__below(r, sizeof(counts))];
    }
    case IMM_CMP: return rng__below(r, 4) ? (int64_t)rng__below(r, 8) : (int64_t)rng__below(r, 256);
    case IMM_BYTES:
        return rng__below(r, 4) ? (int64_t)rng__below(r, 17) : (int64_t)rng__below(r, 256);
    default: return (int64_t)rng__below(r, 256);
    }
}

/* Sets RDI for MASKMOVDQU/MASKMOVQ: in the sandbox, now and then straddling its edge. */
static bool maskmov_target(struct gen *g, const struct sse_form *f)
{
    struct rng *r = &g->rng;
    if (f->mnemonic != ZYDIS_MNEMONIC_MASKMOVDQU && f->mnemonic != ZYDIS_MNEMONIC_MASKMOVQ)
        return false;
    gen__claim(g, CPU_RDI);
    unsigned n = f->mnemonic == ZYDIS_MNEMONIC_MASKMOVQ ? 8 : 16;
    g->c.in.gpr[CPU_RDI] = rng__below(r, 16) ? DT_DATA_ADDR + rng__below(r, DT_DATA_SIZE - n)
                                             : DT_DATA_END - n + 1 + rng__below(r, n - 1);
    return true;
}

/*
 * Emits the instruction of form f with XMM/MMX operands regno[0..1], fresh
 * general registers (a source holds the first 8 bytes of value[k]), memory
 * holding value[k], and the immediate imm (< 0: one of the form's kind).
 */
static void emit_form(struct gen *g, const struct sse_form *f, const unsigned regno[2],
                      const uint8_t value[2][16], int imm)
{
    const uint8_t kinds[2] = {f->dst, f->src};
    ZydisEncoderOperand ops[3];
    unsigned nops = 2;
    for (unsigned k = 0; k < 2; k++) {
        switch (kinds[k]) {
        case OK_X:
        case OK_P: ops[k] = op_reg(simd_reg(kinds[k], regno[k])); break;
        case OK_R8:
        case OK_R16:
        case OK_R32:
        case OK_R64: {
            unsigned reg = gen__reg(g, 64);
            uint64_t v;
            memcpy(&v, value[k], 8);
            gen__set(g, reg, 64, k == 1 ? v : rng__next(&g->rng));
            ops[k] = op_reg(gpr_reg(reg, 8u << (kinds[k] - OK_R8)));
            break;
        }
        case OK_I: ops[k] = op_imm(imm >= 0 ? imm : imm_value(g, f->imm)); break;
        default: ops[k] = sse_mem(g, mem_size(kinds[k]), value[k]); break;
        }
    }
    if (f->imm && f->src != OK_I) {
        ops[2] = op_imm(imm >= 0 ? imm : imm_value(g, f->imm));
        nops = 3;
    }
    gen__emit(g, f->mnemonic, 0, nops, ops);
}

/* MOVDQU/MOVQ of XMM or MMX register n from or to [io + disp]. */
static void move_reg(struct gen *g, uint8_t kind, unsigned n, ZydisRegister io, int64_t disp,
                     bool store)
{
    bool x = kind == OK_X;
    ZydisEncoderOperand reg = op_reg(simd_reg(kind, n));
    ZydisEncoderOperand mem = op_mem(io, ZYDIS_REGISTER_NONE, 0, disp, x ? 16 : 8);
    ZydisEncoderOperand ops[2] = {store ? mem : reg, store ? reg : mem};
    gen__emit(g, x ? ZYDIS_MNEMONIC_MOVDQU : ZYDIS_MNEMONIC_MOVQ, 0, 2, ops);
}

static void mxcsr_io(struct gen *g, ZydisRegister io, int64_t disp, bool store)
{
    ZydisEncoderOperand mem = op_mem(io, ZYDIS_REGISTER_NONE, 0, disp, 4);
    gen__emit(g, store ? ZYDIS_MNEMONIC_STMXCSR : ZYDIS_MNEMONIC_LDMXCSR, 0, 1, &mem);
}

/* A fresh register pointing at the I/O block at addr. */
static ZydisRegister io_base(struct gen *g, uint64_t addr)
{
    unsigned io = gen__reg(g, 64);
    gen__set(g, io, 64, addr);
    return gpr_reg(io, 64);
}

/* A string length for PCMPESTRx: mostly within the element counts, of either sign. */
static uint64_t length_value(struct gen *g)
{
    struct rng *r = &g->rng;
    if (rng__below(r, 8))
        return (uint64_t)((int64_t)rng__below(r, 41) - 20);
    return rng__below(r, 2) ? gen__edge(g, 64, (unsigned)rng__below(r, GEN_NEDGE))
                            : gen__edge(g, 32, (unsigned)rng__below(r, GEN_NEDGE));
}

/* Claims the general registers form f uses implicitly, with lengths in RAX and RDX. */
static void implicit_gprs(struct gen *g, const struct sse_form *f)
{
    if (f->implicit & SSE_ECX)
        gen__claim(g, CPU_RCX);
    if (f->implicit & SSE_LENGTHS) {
        gen__claim(g, CPU_RAX);
        gen__claim(g, CPU_RDX);
        g->c.in.gpr[CPU_RAX] = length_value(g);
        g->c.in.gpr[CPU_RDX] = length_value(g);
    }
}

/*
 * String operands: now and then b holds a piece of a, so that substrings
 * match, and either ends early at a null word (a null byte is common anyway).
 */
static void string_values(struct gen *g, uint8_t a[16], uint8_t b[16])
{
    struct rng *r = &g->rng;
    if (rng__below(r, 2)) {
        unsigned from = (unsigned)rng__below(r, 16), to = (unsigned)rng__below(r, 16);
        unsigned len = 1 + (unsigned)rng__below(r, 16 - (from > to ? from : to));
        memcpy(b + to, a + from, len);
    }
    for (uint8_t *v = a; v; v = v == a ? b : NULL)
        if (rng__below(r, 3) == 0)
            memset(v + 2 * rng__below(r, 8), 0, 2);
}

/* Builds and runs one case of form f with immediate imm (< 0: a random one of its kind). */
static bool one_case(struct gen *g, const struct sse_form *f, int imm)
{
    struct rng *r = &g->rng;
    gen__begin(g);
    g->legacy8 = false;
    bool maskmov = maskmov_target(g, f);
    implicit_gprs(g, f);
    ZydisRegister io = io_base(g, IO_ADDR);

    struct {
        uint32_t mxcsr, pad[3];
        uint8_t regs[3][16]; /* operands 0 and 1, XMM0 */
    } in = {.mxcsr = random_mxcsr(g)};
    /* alignment checks now and then: POPF sets RFLAGS.AC (CR0.AM is set on both sides) */
    bool ac = (is_mem(f->dst) || is_mem(f->src) || maskmov) && rng__below(r, 8) == 0;
    if (!corners__compared(CORNER_AC_SSE128) && (maskmov || f->dst == OK_M128 || f->src == OK_M128))
        ac = false; /* whether 128-bit operands are alignment-checked is vendor-specific */
    if (ac) {
        gen__claim(g, CPU_RSP);
        g->c.in.gpr[CPU_RSP] = IO_ADDR + IO_STACK_TOP;
    }

    const uint8_t kinds[2] = {f->dst, f->src};
    unsigned regno[2] = {(unsigned)rng__below(r, 16), (unsigned)rng__below(r, 16)};
    if (kinds[0] == kinds[1] && regno[0] == regno[1] && rng__below(r, 8))
        regno[1] = (regno[1] + 1 + (unsigned)rng__below(r, 7)) % 16;
    if (kinds[0] == OK_P && kinds[1] == OK_P && (regno[0] & 7) == (regno[1] & 7) &&
        rng__below(r, 8))
        regno[1] = regno[0] + 1;
    /* a shift's count operand has its own values; the shifted register gets any bits */
    for (unsigned k = 0; k < 3; k++)
        fill(g, k == 0 && f->vt == VT_COUNT ? VT_Q : (enum sse_vt)f->vt, in.regs[k], 16);
    if (f->vt == VT_STR)
        string_values(g, in.regs[0], in.regs[1]);

    /* (PUSH, POPF,) LDMXCSR, the register loads, the instruction, the stores, STMXCSR */
    if (ac) {
        ZydisEncoderOperand flags = op_imm((int32_t)(DT_AC | (rng__next(r) & DT_FLAGS_STATUS)));
        gen__emit(g, ZYDIS_MNEMONIC_PUSH, 0, 1, &flags);
        gen__emit(g, ZYDIS_MNEMONIC_POPFQ, 0, 0, NULL);
    }
    mxcsr_io(g, io, IO_MXCSR_IN, false);
    if (f->implicit & SSE_XMM0)
        move_reg(g, OK_X, 0, io, IO_REG_IN(2), false);
    for (unsigned k = 0; k < 2; k++)
        if (kinds[k] == OK_X || kinds[k] == OK_P)
            move_reg(g, kinds[k], regno[k], io, IO_REG_IN(k), false);
    unsigned under_test = g->c.ninsns;
    emit_form(g, f, regno, (const uint8_t(*)[16])in.regs, imm);
    for (unsigned k = 0; k < 2; k++)
        if (kinds[k] == OK_X || kinds[k] == OK_P)
            move_reg(g, kinds[k], regno[k], io, IO_REG_OUT(k), true);
    if (f->implicit & SSE_XMM0)
        move_reg(g, OK_X, 0, io, IO_REG_OUT(2), true);
    mxcsr_io(g, io, IO_MXCSR_OUT, true);
    /* never cut before the stores; a failure counts against the instruction under test */
    g->c.keep = g->c.ninsns;
    g->c.subject = under_test + 1;
    gen__poke(g, IO_ADDR, sizeof(in), &in);
    return gen__run(g);
}

/*
 * Sequences: 2 to 6 instructions of random forms on XMM0-5 and MM0-3, so
 * that values, flags and MXCSR flow from one to the next, and a handler
 * that touched a register it should not shows. The I/O block holds MXCSR
 * and all ten registers, in and out.
 */
#define SEQ_IO_ADDR (DT_DATA_ADDR + 0x1e00)
#define SEQ_XMM     6
#define SEQ_MMX     4
#define SEQ_X_IN(k) (16 + 16 * (k))
#define SEQ_P_IN(k) (16 + 16 * SEQ_XMM + 8 * (k))
#define SEQ_OUT     0x100
#define SEQ_MXCSR   (SEQ_OUT + 0xc0)

/* A random form of those the CPU model implements. */
static const struct sse_form *any_form(struct gen *g)
{
    const size_t nforms = sizeof(forms) / sizeof(forms[0]);
    for (;;) {
        size_t k = rng__below(&g->rng, nforms + gen_sse4_nforms);
        const struct sse_form *f = k < nforms ? &forms[k] : &gen_sse4_forms[k - nforms];
        if (!f->feature || (g->features & f->feature))
            return f;
    }
}

static bool one_sequence(struct gen *g)
{
    static const enum sse_vt lanes[] = {VT_B, VT_W, VT_D, VT_Q, VT_F32, VT_F64, VT_F32, VT_F64};
    struct rng *r = &g->rng;
    gen__begin(g);
    g->legacy8 = false;
    implicit_gprs(g, &(const struct sse_form){.implicit = SSE_ECX | SSE_LENGTHS});
    ZydisRegister io = io_base(g, SEQ_IO_ADDR);
    struct {
        uint32_t mxcsr, pad[3];
        uint8_t x[SEQ_XMM][16];
        uint8_t p[SEQ_MMX][8];
    } in = {.mxcsr = random_mxcsr(g)};
    for (unsigned k = 0; k < SEQ_XMM; k++)
        fill(g, lanes[rng__below(r, 8)], in.x[k], 16);
    for (unsigned k = 0; k < SEQ_MMX; k++)
        fill(g, lanes[rng__below(r, 4)], in.p[k], 8);

    mxcsr_io(g, io, 0, false);
    for (unsigned k = 0; k < SEQ_XMM; k++)
        move_reg(g, OK_X, k, io, SEQ_X_IN(k), false);
    for (unsigned k = 0; k < SEQ_MMX; k++)
        move_reg(g, OK_P, k, io, SEQ_P_IN(k), false);
    for (unsigned n = 2 + (unsigned)rng__below(r, 5); n; n--) {
        const struct sse_form *f = any_form(g);
        bool maskmov =
            f->mnemonic == ZYDIS_MNEMONIC_MASKMOVDQU || f->mnemonic == ZYDIS_MNEMONIC_MASKMOVQ;
        if (maskmov && (g->used & (1u << CPU_RDI)))
            continue; /* one MASKMOV per sequence: RDI is set once */
        maskmov_target(g, f);
        unsigned regno[2];
        uint8_t value[2][16];
        for (unsigned k = 0; k < 2; k++) {
            regno[k] = (unsigned)rng__below(r, (&f->dst)[k] == OK_P ? SEQ_MMX : SEQ_XMM);
            fill(g, k == 0 && f->vt == VT_COUNT ? VT_Q : (enum sse_vt)f->vt, value[k], 16);
        }
        emit_form(g, f, regno, (const uint8_t(*)[16])value, -1);
    }
    g->c.keep = g->c.ninsns + 1; /* never cut before the first store */
    for (unsigned k = 0; k < SEQ_XMM; k++)
        move_reg(g, OK_X, k, io, SEQ_OUT + 16 * k, true);
    for (unsigned k = 0; k < SEQ_MMX; k++)
        move_reg(g, OK_P, k, io, SEQ_OUT + 16 * SEQ_XMM + 8 * k, true);
    mxcsr_io(g, io, SEQ_MXCSR, true);
    for (size_t off = 0; off < sizeof(in); off += DT_PATCH_MAX) {
        size_t len = sizeof(in) - off < DT_PATCH_MAX ? sizeof(in) - off : DT_PATCH_MAX;
        gen__poke(g, SEQ_IO_ADDR + off, (unsigned)len, (const uint8_t *)&in + off);
    }
    return gen__run(g);
}

/*
 * Cases per form: more where values and rounding matter, and more again in
 * longer runs (make difftest N=...), where the default run's 150,000 cases
 * leave little room after the enumeration.
 */
static unsigned scale_of(const struct gen *g)
{
    uint64_t scale = g->runner->budget / 150000;
    return (unsigned)(scale < 1 ? 1 : scale > 8 ? 8 : scale);
}

static unsigned cases_of(const struct gen *g, const struct sse_form *f)
{
    if (f->imm == IMM_ALL)
        return 256 * (f->vt == VT_STR ? 4 : 1) * scale_of(g);
    return (f->vt == VT_F32 || f->vt == VT_F64 ? 96 : 32) * scale_of(g);
}

/* The cases of each form of table[0..n) that the CPU model implements. */
static bool run_forms(struct gen *g, const struct sse_form *table, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        const struct sse_form *f = &table[k];
        if (f->feature && !(g->features & f->feature))
            continue;
        for (unsigned c = cases_of(g, f); c; c--)
            if (!one_case(g, f, f->imm == IMM_ALL ? (int)(c & 255) : -1))
                return false;
    }
    return true;
}

bool gen_sse__run(struct gen *g)
{
    if (!run_forms(g, forms, sizeof(forms) / sizeof(forms[0])) ||
        !run_forms(g, gen_sse4_forms, gen_sse4_nforms))
        return false;
    for (unsigned n = 2000 * scale_of(g); n; n--)
        if (!one_sequence(g))
            return false;
    return true;
}
