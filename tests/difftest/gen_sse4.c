// SPDX-License-Identifier: Apache-2.0
/*
 * gen_sse4.c - the forms of SSE3, SSSE3 (XMM and MMX), SSE4.1, SSE4.2,
 * AES-NI and PCLMULQDQ that the difftest enumerates and mixes into its SSE
 * sequences (the
 * engine of cases is gen_sse.c): register and memory operands, every imm8
 * where the imm8 matters (PALIGNR, MPSADBW, the blends, INSERTPS, ROUND*,
 * DPPS/DPPD, AESKEYGENASSIST, PCLMULQDQ and the PCMPxSTRx modes go through
 * all 256), the implicit XMM0
 * of BLENDVPS, BLENDVPD, PBLENDVB and PCMPxSTRM, and the explicit lengths in RAX/RDX of
 * PCMPESTRx. Each form is tested only if the CPU model advertises its
 * family. FISTTP, the x87 instruction of SSE3, is in gen_x87.c.
 */
#include "gen_sse.h"

#define S3  GEN_HAS_SSE3
#define SS3 GEN_HAS_SSSE3
#define S41 GEN_HAS_SSE41
#define S42 GEN_HAS_SSE42

/* XMM register and memory (of kind mem) sources. */
#define X2(m, vt, mem, imm, feat)         \
    {M(m), OK_X, OK_X, vt, imm, feat, 0}, \
    {                                     \
        M(m), OK_X, mem, vt, imm, feat, 0 \
    }
/* SSSE3: the same and the MMX forms. */
#define XP4(m, vt, imm)                                                \
    X2(m, vt, OK_M128, imm, SS3), {M(m), OK_P, OK_P, vt, imm, SS3, 0}, \
    {                                                                  \
        M(m), OK_P, OK_M64, vt, imm, SS3, 0                            \
    }
#define I41(m, vt)       X2(m, vt, OK_M128, 0, S41)
#define MOVX(m, vt, mem) X2(m, vt, mem, 0, S41)
#define STR(m, implicit)                                    \
    {M(m), OK_X, OK_X, VT_STR, IMM_ALL, S42, implicit},     \
    {                                                       \
        M(m), OK_X, OK_M128, VT_STR, IMM_ALL, S42, implicit \
    }

const struct sse_form gen_sse4_forms[] = {
    /* SSE3 */
    X2(ADDSUBPS, VT_F32, OK_M128, 0, S3),
    X2(ADDSUBPD, VT_F64, OK_M128, 0, S3),
    X2(HADDPS, VT_F32, OK_M128, 0, S3),
    X2(HADDPD, VT_F64, OK_M128, 0, S3),
    X2(HSUBPS, VT_F32, OK_M128, 0, S3),
    X2(HSUBPD, VT_F64, OK_M128, 0, S3),
    {M(LDDQU), OK_X, OK_M128, VT_D, 0, S3, 0},
    X2(MOVDDUP, VT_F64, OK_M64, 0, S3),
    X2(MOVSLDUP, VT_F32, OK_M128, 0, S3),
    X2(MOVSHDUP, VT_F32, OK_M128, 0, S3),
    /* SSSE3 */
    XP4(PABSB, VT_B, 0),
    XP4(PABSW, VT_W, 0),
    XP4(PABSD, VT_D, 0),
    XP4(PSIGNB, VT_B, 0),
    XP4(PSIGNW, VT_W, 0),
    XP4(PSIGND, VT_D, 0),
    XP4(PHADDW, VT_W, 0),
    XP4(PHADDD, VT_D, 0),
    XP4(PHADDSW, VT_W, 0),
    XP4(PHSUBW, VT_W, 0),
    XP4(PHSUBD, VT_D, 0),
    XP4(PHSUBSW, VT_W, 0),
    XP4(PMADDUBSW, VT_B, 0),
    XP4(PMULHRSW, VT_W, 0),
    XP4(PSHUFB, VT_B, 0),
    XP4(PALIGNR, VT_B, IMM_ALL),
    /* SSE4.1 integer */
    I41(PMULLD, VT_D),
    I41(PMULDQ, VT_D),
    I41(PMINSB, VT_B),
    I41(PMINSD, VT_D),
    I41(PMINUD, VT_D),
    I41(PMINUW, VT_W),
    I41(PMAXSB, VT_B),
    I41(PMAXSD, VT_D),
    I41(PMAXUD, VT_D),
    I41(PMAXUW, VT_W),
    I41(PCMPEQQ, VT_Q),
    I41(PACKUSDW, VT_D),
    I41(PHMINPOSUW, VT_W),
    I41(PTEST, VT_Q),
    X2(MPSADBW, VT_B, OK_M128, IMM_ALL, S41),
    MOVX(PMOVSXBW, VT_B, OK_M64),
    MOVX(PMOVSXBD, VT_B, OK_M32),
    MOVX(PMOVSXBQ, VT_B, OK_M16),
    MOVX(PMOVSXWD, VT_W, OK_M64),
    MOVX(PMOVSXWQ, VT_W, OK_M32),
    MOVX(PMOVSXDQ, VT_D, OK_M64),
    MOVX(PMOVZXBW, VT_B, OK_M64),
    MOVX(PMOVZXBD, VT_B, OK_M32),
    MOVX(PMOVZXBQ, VT_B, OK_M16),
    MOVX(PMOVZXWD, VT_W, OK_M64),
    MOVX(PMOVZXWQ, VT_W, OK_M32),
    MOVX(PMOVZXDQ, VT_D, OK_M64),
    /* SSE4.1 blends, inserts, extracts */
    X2(BLENDPS, VT_F32, OK_M128, IMM_ALL, S41),
    X2(BLENDPD, VT_F64, OK_M128, IMM_ALL, S41),
    X2(PBLENDW, VT_W, OK_M128, IMM_ALL, S41),
    {M(BLENDVPS), OK_X, OK_X, VT_F32, 0, S41, SSE_XMM0},
    {M(BLENDVPS), OK_X, OK_M128, VT_F32, 0, S41, SSE_XMM0},
    {M(BLENDVPD), OK_X, OK_X, VT_F64, 0, S41, SSE_XMM0},
    {M(BLENDVPD), OK_X, OK_M128, VT_F64, 0, S41, SSE_XMM0},
    {M(PBLENDVB), OK_X, OK_X, VT_B, 0, S41, SSE_XMM0},
    {M(PBLENDVB), OK_X, OK_M128, VT_B, 0, S41, SSE_XMM0},
    {M(MOVNTDQA), OK_X, OK_M128, VT_D, 0, S41, 0},
    X2(INSERTPS, VT_F32, OK_M32, IMM_ALL, S41),
    {M(EXTRACTPS), OK_R32, OK_X, VT_F32, IMM_ANY, S41, 0},
    {M(EXTRACTPS), OK_M32, OK_X, VT_F32, IMM_ANY, S41, 0},
    {M(PINSRB), OK_X, OK_R32, VT_B, IMM_ANY, S41, 0},
    {M(PINSRB), OK_X, OK_M8, VT_B, IMM_ANY, S41, 0},
    {M(PINSRD), OK_X, OK_R32, VT_D, IMM_ANY, S41, 0},
    {M(PINSRD), OK_X, OK_M32, VT_D, IMM_ANY, S41, 0},
    {M(PINSRQ), OK_X, OK_R64, VT_Q, IMM_ANY, S41, 0},
    {M(PINSRQ), OK_X, OK_M64, VT_Q, IMM_ANY, S41, 0},
    {M(PEXTRB), OK_R32, OK_X, VT_B, IMM_ANY, S41, 0},
    {M(PEXTRB), OK_M8, OK_X, VT_B, IMM_ANY, S41, 0},
    {M(PEXTRW), OK_M16, OK_X, VT_W, IMM_ANY, S41, 0},
    {M(PEXTRD), OK_R32, OK_X, VT_D, IMM_ANY, S41, 0},
    {M(PEXTRD), OK_M32, OK_X, VT_D, IMM_ANY, S41, 0},
    {M(PEXTRQ), OK_R64, OK_X, VT_Q, IMM_ANY, S41, 0},
    {M(PEXTRQ), OK_M64, OK_X, VT_Q, IMM_ANY, S41, 0},
    /* SSE4.1 floating point: every rounding control and dot-product mask */
    X2(ROUNDPS, VT_F32, OK_M128, IMM_ALL, S41),
    X2(ROUNDPD, VT_F64, OK_M128, IMM_ALL, S41),
    X2(ROUNDSS, VT_F32, OK_M32, IMM_ALL, S41),
    X2(ROUNDSD, VT_F64, OK_M64, IMM_ALL, S41),
    X2(DPPS, VT_F32, OK_M128, IMM_ALL, S41),
    X2(DPPD, VT_F64, OK_M128, IMM_ALL, S41),
    /* SSE4.2 */
    X2(PCMPGTQ, VT_Q, OK_M128, 0, S42),
    STR(PCMPESTRI, SSE_LENGTHS | SSE_ECX),
    STR(PCMPESTRM, SSE_LENGTHS | SSE_XMM0),
    STR(PCMPISTRI, SSE_ECX),
    STR(PCMPISTRM, SSE_XMM0),
    {M(CRC32), OK_R32, OK_R8, VT_Q, 0, S42, 0},
    {M(CRC32), OK_R32, OK_R16, VT_Q, 0, S42, 0},
    {M(CRC32), OK_R32, OK_R32, VT_Q, 0, S42, 0},
    {M(CRC32), OK_R64, OK_R8, VT_Q, 0, S42, 0},
    {M(CRC32), OK_R64, OK_R64, VT_Q, 0, S42, 0},
    {M(CRC32), OK_R32, OK_M8, VT_Q, 0, S42, 0},
    {M(CRC32), OK_R32, OK_M16, VT_Q, 0, S42, 0},
    {M(CRC32), OK_R32, OK_M32, VT_Q, 0, S42, 0},
    {M(CRC32), OK_R64, OK_M8, VT_Q, 0, S42, 0},
    {M(CRC32), OK_R64, OK_M64, VT_Q, 0, S42, 0},
    /* AES-NI and PCLMULQDQ */
    X2(AESENC, VT_B, OK_M128, 0, GEN_HAS_AES),
    X2(AESENCLAST, VT_B, OK_M128, 0, GEN_HAS_AES),
    X2(AESDEC, VT_B, OK_M128, 0, GEN_HAS_AES),
    X2(AESDECLAST, VT_B, OK_M128, 0, GEN_HAS_AES),
    X2(AESIMC, VT_B, OK_M128, 0, GEN_HAS_AES),
    X2(AESKEYGENASSIST, VT_B, OK_M128, IMM_ALL, GEN_HAS_AES),
    X2(PCLMULQDQ, VT_Q, OK_M128, IMM_ALL, GEN_HAS_PCLMUL),
};

const size_t gen_sse4_nforms = sizeof(gen_sse4_forms) / sizeof(gen_sse4_forms[0]);
