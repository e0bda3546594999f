// SPDX-License-Identifier: Apache-2.0
/*
 * simd_ext.c - the selector of the SSE3/SSE4.1 forms that run as the host's
 * instruction (see simd_ext.h): they exist only on a host with SSE4.1.
 */
#include "cpu/emu/ops/simd_ext.h"

bool emu_select_simd_host(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    return emu_host_sse41() && emu_select_simd_regop(insn, d, arg);
}
