/* SPDX-License-Identifier: Apache-2.0 */
/*
 * boot.h - loading a guest and building its entry state.
 *
 * Follows the Linux x86 boot protocol (Documentation/arch/x86/boot.rst,
 * "64-bit boot protocol"): the kernel (bzImage with its payload decompressed
 * on the host, a plain ELF vmlinux, or a freestanding ELF test guest) is
 * loaded into RAM, the command line, initrd, boot_params (zero page) with its
 * e820 map, the MP table and the ACPI tables are written, and the boot CPU
 * is put in long mode with an identity map of the first 4 GiB,
 * CS=__BOOT_CS, DS=__BOOT_DS and RSI = the address of boot_params (see
 * layout.h).
 */
#ifndef STRATA_BOARD_BOOT_BOOT_H
#define STRATA_BOARD_BOOT_BOOT_H

#include "board/slots.h"
#include "machine/machine.h"
#include "machine/vcpu.h"
#include "util/err.h"

struct boot_config {
    const char *kernel_path; /* required */
    const char *initrd_path; /* NULL: none */
    const char *cmdline;     /* NULL or "": empty */
    /* Where the devices sit, for the MP table, the ACPI tables (NULL: the legacy slots) */
    const struct board_slots *slots;
};

/*
 * Loads everything into m's RAM (m->mem, m->ncpus must be set up) and fills
 * *bsp with the boot CPU's entry state (see boot__long_mode_entry() in
 * entry.h: *bsp should hold the vCPU's reset state beforehand, whose FPU,
 * MSR and LAPIC parts are kept). Errors name the file and the problem,
 * e.g. "cannot open kernel 'x': No such file or directory",
 * "kernel 'x' is neither a bzImage nor an ELF file".
 */
int boot__load(struct machine *m, const struct boot_config *cfg, struct cpu_state *bsp,
               struct err *err);

#endif
