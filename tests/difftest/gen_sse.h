/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gen_sse.h - the vector instruction forms of the difftest: the form
 * table's shape shared by gen_sse.c (MMX, SSE, SSE2, and the engine of
 * cases and sequences) and gen_sse4.c (SSE3, SSSE3, SSE4.1, SSE4.2).
 */
#ifndef STRATA_TESTS_DIFFTEST_GEN_SSE_H
#define STRATA_TESTS_DIFFTEST_GEN_SSE_H

#include "gen.h"

/* Lane values (VT_STR: bytes from a small alphabet with nulls, for the string compares). */
enum sse_vt { VT_B, VT_W, VT_D, VT_Q, VT_F32, VT_F64, VT_COUNT, VT_STR };

/* Operand kinds. */
enum sse_ok {
    OK_NONE,
    OK_X,
    OK_P,
    OK_R8,
    OK_R16,
    OK_R32,
    OK_R64,
    OK_M8,
    OK_M16,
    OK_M32,
    OK_M64,
    OK_M128,
    OK_I
};

/* Immediates (IMM_ALL: the cases of the form go through all 256 values). */
enum sse_imm { IMM_NONE, IMM_ANY, IMM_SHIFT, IMM_CMP, IMM_BYTES, IMM_ALL };

/* Implicit operands: XMM0 (BLENDV*, PCMPxSTRM), lengths in RAX and RDX (PCMPESTRx), ECX
 * (PCMPxSTRI). */
#define SSE_XMM0    0x1
#define SSE_LENGTHS 0x2
#define SSE_ECX     0x4

struct sse_form {
    ZydisMnemonic mnemonic;
    uint8_t dst, src, vt, imm;
    uint16_t feature; /* 0 or the GEN_HAS_ bit the CPU model must advertise */
    uint8_t implicit; /* SSE_XMM0, SSE_LENGTHS */
};

extern const struct sse_form gen_sse4_forms[];
extern const size_t gen_sse4_nforms;

#define M(x) ZYDIS_MNEMONIC_##x
/* Packed integer operation on XMM (m128) and MMX (m64). */
#define INT_XP(m, vt)                                                    \
    {M(m), OK_X, OK_X, vt, 0, 0, 0}, {M(m), OK_X, OK_M128, vt, 0, 0, 0}, \
        {M(m), OK_P, OK_P, vt, 0, 0, 0},                                 \
    {                                                                    \
        M(m), OK_P, OK_M64, vt, 0, 0, 0                                  \
    }
#define INT_X(m, vt)                     \
    {M(m), OK_X, OK_X, vt, 0, 0, 0},     \
    {                                    \
        M(m), OK_X, OK_M128, vt, 0, 0, 0 \
    }
#define FP(m, vt, mem)               \
    {M(m), OK_X, OK_X, vt, 0, 0, 0}, \
    {                                \
        M(m), OK_X, mem, vt, 0, 0, 0 \
    }

#endif
