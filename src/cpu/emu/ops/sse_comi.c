// SPDX-License-Identifier: Apache-2.0
/*
 * sse_comi.c - the SSE/SSE2 compares into RFLAGS (SDM vol. 2, COMISS):
 * COMISS, UCOMISS, COMISD, UCOMISD set ZF, PF, CF (unordered: all three)
 * and clear OF, SF, AF. COMIS* signal #I on any NaN, UCOMIS* only on an
 * SNaN. Run as the host's instruction under the guest's MXCSR (simd.h);
 * with an unmasked exception RFLAGS stays as it was.
 */
#include "cpu/emu/ops/simd.h"

#define SSE_COMI(NAME, text, msize)                                                             \
    static int NAME##_run(struct emu_cpu *cpu, const struct emu_insn *i, __m128 s)              \
    {                                                                                           \
        uint32_t mx = mxcsr_get(cpu), ctl = host_mxcsr(mx), raised;                             \
        bool zf, pf, cf;                                                                        \
        HOST_SSE(ctl, raised, text " %[s], %[d]",                                               \
                 ([z] "=@ccz"(zf), [p] "=@ccp"(pf), [c] "=@ccc"(cf)),                           \
                 ([d] "x"(xmm(cpu, i->reg)->ps), [s] "x"(s)));                                  \
        int st = sse_fp_done(cpu, mx, raised);                                                  \
        if (likely(!st)) {                                                                      \
            cpu->rflags = (emu_rflags(cpu) & ~FL_ARITH) | (zf ? FL_ZF : 0) | (pf ? FL_PF : 0) | \
                          (cf ? FL_CF : 0);                                                     \
            cpu->cc_op = CC_EFLAGS;                                                             \
        }                                                                                       \
        return st;                                                                              \
    }                                                                                           \
    SSE_FP_RM_HANDLERS(NAME, VxWx, msize)                                                       \
    static const struct simd_form NAME##_forms[] = {                                            \
        {SK_X, SK_X, NAME##_VxWxR}, {SK_X, SK_M, NAME##_VxWxM}, {0, 0, NULL}};

SSE_COMI(COMISS, "comiss", 4)
SSE_COMI(UCOMISS, "ucomiss", 4)
SSE_COMI(COMISD, "comisd", 8)
SSE_COMI(UCOMISD, "ucomisd", 8)

const struct emu_opdef emu_ops_sse_comi[] = {
    SIMD_OP(COMISS, COMISS_forms),
    SIMD_OP(UCOMISS, UCOMISS_forms),
    SIMD_OP(COMISD, COMISD_forms),
    SIMD_OP(UCOMISD, UCOMISD_forms),
    {0},
};
