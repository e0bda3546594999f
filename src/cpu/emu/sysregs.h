/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sysregs.h - the numbers of the system registers the engine models: MSR
 * indices, the EFER bits the guest may set and the CR4 bits implemented.
 * RDMSR/WRMSR and the TSC are msr.h's, CPUID cpuid.h's.
 */
#ifndef STRATA_CPU_EMU_SYSREGS_H
#define STRATA_CPU_EMU_SYSREGS_H

#include "cpu/emu/cpu.h"

#define MSR_TSC            0x10u
#define MSR_TSC_ADJUST     0x3bu
#define MSR_BIOS_SIGN_ID   0x8bu
#define MSR_ARCH_CAPS      0x10au
#define MSR_SYSENTER_CS    0x174u
#define MSR_SYSENTER_ESP   0x175u
#define MSR_SYSENTER_EIP   0x176u
#define MSR_MISC_ENABLE    0x1a0u
#define MSR_PAT            0x277u
#define MSR_EFER           0xc0000080u
#define MSR_STAR           0xc0000081u
#define MSR_LSTAR          0xc0000082u
#define MSR_CSTAR          0xc0000083u
#define MSR_SFMASK         0xc0000084u
#define MSR_FS_BASE        0xc0000100u
#define MSR_GS_BASE        0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u
#define MSR_TSC_AUX        0xc0000103u

/* EFER bits the guest may set, and CR4 bits the engine implements. */
#define EFER_WRITABLE (EFER_SCE | EFER_LME | EFER_NXE)
#define CR4_SUPPORTED                                                                         \
    (CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT | \
     CR4_FSGSBASE)

#endif
