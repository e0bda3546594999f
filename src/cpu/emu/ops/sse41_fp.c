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
SSE_FP_IMM(DPPS, "dpps", LANES_PS, 16, 256)
SSE_FP_IMM(DPPD, "dppd", LANES_PD, 16, 256)

const struct emu_opdef emu_ops_sse41_fp[] = {
    SIMD_HOST_OP(ROUNDPS, ROUNDPS_forms),
    SIMD_HOST_OP(ROUNDPD, ROUNDPD_forms),
    SIMD_HOST_OP(ROUNDSS, ROUNDSS_forms),
    SIMD_HOST_OP(ROUNDSD, ROUNDSD_forms),
    SIMD_HOST_OP(DPPS, DPPS_forms),
    SIMD_HOST_OP(DPPD, DPPD_forms),
    {0},
};
