/* SPDX-License-Identifier: Apache-2.0 */
/*
 * entry.h - the boot CPU's state at a 64-bit kernel entry, shared by every
 * engine (Documentation/arch/x86/boot.rst, "64-bit Boot Protocol"; Intel SDM
 * vol. 3A, 9.8.5 "Initializing IA-32e Mode").
 */
#ifndef STRATA_BOARD_BOOT_ENTRY_H
#define STRATA_BOARD_BOOT_ENTRY_H

#include <stdint.h>

#include "machine/vcpu.h"
#include "machine/memory.h"
#include "util/err.h"

/*
 * Writes the boot GDT (LAYOUT_GDT), an empty IDT (LAYOUT_IDT) and identity
 * page tables for the first 4 GiB (2 MiB pages, LAYOUT_PML4/PDPT/PD) into
 * guest RAM, and puts *st in long mode at rip: paging on, CS = __BOOT_CS
 * (64-bit code), DS/ES/SS/FS/GS = __BOOT_DS, RSI = LAYOUT_BOOT_PARAMS,
 * RSP = LAYOUT_BOOT_STACK, RFLAGS = 0x2, interrupts off, runnable, local
 * APIC enabled at LAYOUT_LAPIC_BASE as the BSP. Only those registers change:
 * *st should hold the vCPU's reset state (FPU, MSRs, LAPIC) beforehand.
 */
int boot__long_mode_entry(const struct guest_memory *mem, uint64_t rip, struct cpu_state *st,
                          struct err *err);

#endif
