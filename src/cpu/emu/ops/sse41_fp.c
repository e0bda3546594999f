// SPDX-License-Identifier: Apache-2.0
/*
 * sse41_fp.c - the floating-point instructions of SSE4.1 (SDM vol. 2;
 * CPUID.1:ECX.SSE4_1[bit 19]): ROUNDPS, ROUNDPD, ROUNDSS, ROUNDSD (imm8
 * bits 3:0: the rounding mode or MXCSR.RC, and the precision-exception
 * suppression) and the dot products DPPS, DPPD (every imm8). Each runs as
 * the host's instruction with the guest's imm8 under the guest's MXCSR
 * (simd.h, SSE_FP_IMM), so the results, the order of the dot product's
 * roundings and the flags are the host CPU's.
 */
#include "cpu/emu/ops/simd_ext.h"

SSE_FP_IMM(ROUNDPS, "roundps", LANES_NONE, 16, 16)
SSE_FP_IMM(ROUNDPD, "roundpd", LANES_NONE, 16, 16)
SSE_FP_IMM(ROUNDSS, "roundss", LANES_NONE, 4, 16)
SSE_FP_IMM(ROUNDSD, "roundsd", LANES_NONE, 8, 16)
/*
 * With underflow unmasked, a dot product signals it when a product or a
 * partial sum is tiny, even exact, though the result is not: the steps
 * (SDM vol. 2, DPPS: the products of the lanes imm8[7:4] selects, +0.0 for
 * the others, then (p0 + p1) + (p2 + p3)) are redone on the host under the
 * guest's rounding, DAZ and no FTZ, and looked at for denormals.
 */
static uint32_t dpps_underflow(uint32_t mx, uint32_t ctl, __m128 d, __m128 s, unsigned imm)
{
    (void)mx;
    xmm_t mask = {.d = {imm & 0x10 ? ~0u : 0, imm & 0x20 ? ~0u : 0, imm & 0x40 ? ~0u : 0,
                        imm & 0x80 ? ~0u : 0}};
    uint32_t was, raised;
    __m128 p = d, h1, h2;
    __asm__ volatile(
        "stmxcsr %[was]\n\tldmxcsr %[ctl]\n\t"
        "mulps %[s], %[p]\n\tandps %[m], %[p]\n\t"
        "movaps %[p], %[h1]\n\thaddps %[h1], %[h1]\n\t"
        "movaps %[h1], %[h2]\n\thaddps %[h2], %[h2]\n\t"
        "stmxcsr %[raised]\n\tldmxcsr %[was]"
        : [p] "+x"(p), [h1] "=&x"(h1), [h2] "=&x"(h2), [was] "=m"(was), [raised] "=m"(raised)
        : [s] "x"(s), [m] "x"(mask.ps), [ctl] "m"(ctl));
    return sse_lanes_tiny(p, LANES_PS) || sse_lanes_tiny(h1, LANES_PS2) ||
                   sse_lanes_tiny(h2, LANES_SS)
               ? MXCSR_UE
               : 0;
}

static uint32_t dppd_underflow(uint32_t mx, uint32_t ctl, __m128 d, __m128 s, unsigned imm)
{
    (void)mx;
    xmm_t mask = {.q = {imm & 0x10 ? ~0ull : 0, imm & 0x20 ? ~0ull : 0}};
    uint32_t was, raised;
    __m128 p = d, h;
    __asm__ volatile("stmxcsr %[was]\n\tldmxcsr %[ctl]\n\t"
                     "mulpd %[s], %[p]\n\tandpd %[m], %[p]\n\t"
                     "movapd %[p], %[h]\n\thaddpd %[h], %[h]\n\t"
                     "stmxcsr %[raised]\n\tldmxcsr %[was]"
                     : [p] "+x"(p), [h] "=&x"(h), [was] "=m"(was), [raised] "=m"(raised)
                     : [s] "x"(s), [m] "x"(mask.ps), [ctl] "m"(ctl));
    return sse_lanes_tiny(p, LANES_PD) || sse_lanes_tiny(h, LANES_SD) ? MXCSR_UE : 0;
}

SSE_FP_IMM_X(DPPS, "dpps", LANES_PS, 16, 256, dpps_underflow)
SSE_FP_IMM_X(DPPD, "dppd", LANES_PD, 16, 256, dppd_underflow)

const struct emu_opdef emu_ops_sse41_fp[] = {
    SIMD_HOST_OP(ROUNDPS, ROUNDPS_forms),
    SIMD_HOST_OP(ROUNDPD, ROUNDPD_forms),
    SIMD_HOST_OP(ROUNDSS, ROUNDSS_forms),
    SIMD_HOST_OP(ROUNDSD, ROUNDSD_forms),
    SIMD_HOST_OP(DPPS, DPPS_forms),
    SIMD_HOST_OP(DPPD, DPPD_forms),
    {0},
};
