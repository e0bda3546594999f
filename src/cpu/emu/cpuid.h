/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cpuid.h - the CPUID model of the emu engine (cpuid.c), documented in
 * docs/emu-cpuid.md.
 */
#ifndef STRATA_CPU_EMU_CPUID_H
#define STRATA_CPU_EMU_CPUID_H

#include "cpu/emu/cpu.h"

/* CPUID leaf/subleaf -> EAX, EBX, ECX, EDX. */
void emu_cpuid(const struct emu_cpu *cpu, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

/*
 * Whether the host has SSE4.1 (and so SSE3 and SSSE3): the SSE3 and SSE4.1
 * floating-point forms run as host instructions (ops/simd_ext.h), so without
 * it the model advertises none of SSE3, SSSE3, SSE4.1, SSE4.2.
 */
bool emu_host_sse41(void);
/* Whether the host has AES-NI, which runs the guest's (ops/aes_pclmul.c): only then is AES
 * advertised. */
bool emu_host_aes(void);

#endif
