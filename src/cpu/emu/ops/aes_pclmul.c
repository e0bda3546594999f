// SPDX-License-Identifier: Apache-2.0
/*
 * aes_pclmul.c - AES-NI (SDM vol. 2; CPUID.1:ECX.AES[bit 25]): AESENC,
 * AESENCLAST, AESDEC, AESDECLAST, AESIMC, AESKEYGENASSIST (every imm8),
 * run as the host's instructions on register copies (they are pure
 * functions of their operands; the model advertises AES only on a host
 * with AES-NI, emu_host_aes), and PCLMULQDQ (CPUID.1:ECX.PCLMULQDQ[bit
 * 1]): the carry-less product of the quadwords imm8[0] of the destination
 * and imm8[4] of the source, in C. 128-bit memory operands are aligned.
 */
#include "cpu/emu/ops/simd_ext.h"

static inline xmm_t pclmulqdq(xmm_t d, xmm_t s, unsigned imm, unsigned n)
{
    (void)n;
    uint64_t a = d.q[imm & 1], b = s.q[imm >> 4 & 1], lo = 0, hi = 0;
    for (unsigned k = 0; k < 64; k++)
        if (b >> k & 1) {
            lo ^= a << k;
            hi ^= k ? a >> (64 - k) : 0;
        }
    return (xmm_t){.q = {lo, hi}};
}
SIMD_VEC(PCLMULQDQ, pclmulqdq)

#define AES_OP(NAME, TEXT)                                                    \
    static inline xmm_t NAME##_fn(xmm_t d, xmm_t s, unsigned imm, unsigned n) \
    {                                                                         \
        (void)imm, (void)n;                                                   \
        __asm__(TEXT " %[s], %[d]" : [d] "+x"(d.i) : [s] "x"(s.i));           \
        return d;                                                             \
    }                                                                         \
    SIMD_VEC(NAME, NAME##_fn)
AES_OP(AESENC, "aesenc")
AES_OP(AESENCLAST, "aesenclast")
AES_OP(AESDEC, "aesdec")
AES_OP(AESDECLAST, "aesdeclast")
AES_OP(AESIMC, "aesimc")

#define KEYGEN_CASE(n, T)                            \
    case n:                                          \
        __asm__("aeskeygenassist %[imm], %[s], %[d]" \
                : [d] "=x"(d.i)                      \
                : [s] "x"(s.i), [imm] "i"(n));       \
        break;

static inline xmm_t aeskeygenassist(xmm_t d, xmm_t s, unsigned imm, unsigned n)
{
    (void)n;
    switch (imm & 255) {
        SIMD_IMM256(KEYGEN_CASE, 0, 0)
    }
    return d;
}
SIMD_VEC(AESKEYGENASSIST, aeskeygenassist)

/* AES-NI forms exist only on a host with AES-NI. */
static bool select_aes(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    return emu_host_aes() && emu_select_simd_regop(insn, d, arg);
}
#define AES_ENTRY(m)                                 \
    {                                                \
        ZYDIS_MNEMONIC_##m, select_aes, m##_forms, 0 \
    }

const struct emu_opdef emu_ops_aes_pclmul[] = {
    SIMD_VEC_OP(PCLMULQDQ, PCLMULQDQ_forms),
    AES_ENTRY(AESENC),
    AES_ENTRY(AESENCLAST),
    AES_ENTRY(AESDEC),
    AES_ENTRY(AESDECLAST),
    AES_ENTRY(AESIMC),
    AES_ENTRY(AESKEYGENASSIST),
    {0},
};
