/* SPDX-License-Identifier: Apache-2.0 */
/*
 * simd_ext.h - what the SSE3, SSSE3, SSE4.1 and SSE4.2 families
 * (ops/sse3.c, ssse3.c, sse41_*.c, sse42*.c) share on top of simd.h.
 *
 * Most of their instructions are integer or data-movement operations,
 * written in C as a function of the destination, the source and the
 * immediate: xmm_t FN(xmm_t d, xmm_t s, unsigned imm, unsigned n), n being
 * the register width in bytes (16 for XMM; 8 for the MMX forms of SSSE3,
 * whose operands sit in the low half with the upper half zero). The
 * handlers below fetch the operands with the entry checks and alignment
 * rules of simd.h (a 128-bit memory operand is 16-byte aligned, an m64 of an
 * MMX form is not) and store the result.
 *
 * The floating-point ones (HADDPS, ROUNDPS, DPPS...) run as the host's
 * instruction like those of SSE/SSE2 (simd.h, HOST_SSE). They need the
 * host to have SSE4.1 (emu_host_sse41): without it their selector declines
 * (#UD) and the CPU model advertises none of SSE3 to SSE4.2.
 */
#ifndef STRATA_CPU_EMU_OPS_SIMD_EXT_H
#define STRATA_CPU_EMU_OPS_SIMD_EXT_H

#include "cpu/emu/cpuid.h"
#include "cpu/emu/ops/simd.h"

/* The entry checks, then W: XMM register rm (INSN_REGOP) or a 128-bit memory operand. */
static inline int sse_fetch_w(struct emu_cpu *cpu, const struct emu_insn *i, bool aligned, xmm_t *s)
{
    int st = sse_enter(cpu);
    if (unlikely(st))
        return st;
    if (i->flags & INSN_REGOP) {
        *s = *xmm(cpu, i->rm);
        return EMU_NEXT;
    }
    return simd_read16(cpu, i, aligned, s);
}

/* V <- FN(V, W, imm, 16): W an XMM register or a 128-bit memory operand (aligned if ALIGNED). */
#define SIMD_VEC_X(NAME, FN, ALIGNED)              \
    HANDLER(NAME##_X)                              \
    {                                              \
        xmm_t s;                                   \
        int st = sse_fetch_w(cpu, i, ALIGNED, &s); \
        if (unlikely(st))                          \
            return st;                             \
        xmm_t *d = xmm(cpu, i->reg);               \
        *d = FN(*d, s, (unsigned)i->imm, 16);      \
        return EMU_NEXT;                           \
    }

/* P <- FN(P, Q, imm, 8): Q an MMX register or an m64. */
#define SIMD_VEC_P(NAME, FN)                                      \
    HANDLER(NAME##_P)                                             \
    {                                                             \
        xmm_t d = {.q = {0, 0}}, s = {.q = {0, 0}};               \
        int st = mmx_enter(cpu);                                  \
        if (unlikely(st))                                         \
            return st;                                            \
        if (i->flags & INSN_REGOP)                                \
            s.q[0] = mmx_get(cpu, i->rm);                         \
        else if (unlikely(st = read_ea(cpu, i, 8, &s.q[0])))      \
            return st;                                            \
        d.q[0] = mmx_get(cpu, i->reg);                            \
        mmx_set(cpu, i->reg, FN(d, s, (unsigned)i->imm, 8).q[0]); \
        return EMU_NEXT;                                          \
    }

/* An XMM-only operation and its forms NAME##_forms (register, aligned m128). */
#define SIMD_VEC(NAME, FN)                           \
    SIMD_VEC_X(NAME, FN, true)                       \
    static const struct simd_form NAME##_forms[] = { \
        {SK_X, SK_X, NAME##_X}, {SK_X, SK_M128, NAME##_X}, {0, 0, NULL}};

/* An operation on XMM and MMX registers (SSSE3) and its four forms NAME##_forms. */
#define SIMD_VEC_XP(NAME, FN)                                                  \
    SIMD_VEC_X(NAME, FN, true)                                                 \
    SIMD_VEC_P(NAME, FN)                                                       \
    static const struct simd_form NAME##_forms[] = {{SK_X, SK_X, NAME##_X},    \
                                                    {SK_X, SK_M128, NAME##_X}, \
                                                    {SK_P, SK_P, NAME##_P},    \
                                                    {SK_P, SK_M64, NAME##_P},  \
                                                    {0, 0, NULL}};

/* A table entry of the forms above (their handlers serve register and memory operands). */
#define SIMD_VEC_OP(mnemonic, forms)                               \
    {                                                              \
        ZYDIS_MNEMONIC_##mnemonic, emu_select_simd_regop, forms, 0 \
    }

/* A table entry of a form run as the host's instruction: declines without host SSE4.1. */
bool emu_select_simd_host(struct emu_insn *insn, const struct emu_decoded *d, const void *arg);
#define SIMD_HOST_OP(mnemonic, forms)                             \
    {                                                             \
        ZYDIS_MNEMONIC_##mnemonic, emu_select_simd_host, forms, 0 \
    }

/* Saturations. */
static inline int16_t sat16(int32_t v)
{
    return v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : (int16_t)v;
}

static inline uint16_t satu16(int32_t v)
{
    return v > UINT16_MAX ? UINT16_MAX : v < 0 ? 0 : (uint16_t)v;
}

#endif
