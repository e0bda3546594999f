/* SPDX-License-Identifier: Apache-2.0 */
/*
 * emu_modes_code.h - layout shared by emu_modes_code.S (the guest code of
 * the mode-switch test) and test_emu_modes.c.
 */
#ifndef STRATA_TESTS_EMU_MODES_CODE_H
#define STRATA_TESTS_EMU_MODES_CODE_H

#define MODES_BASE 0x8000 /* guest-physical address of the copy, below 1 MiB */

/* Selectors of the code's own GDT. */
#define MODES_CODE32 0x08
#define MODES_DATA   0x10
#define MODES_CODE64 0x18

/* The data block: inputs and results. */
#define MODES_R_CX      0x00 /* 16-bit push/pop result */
#define MODES_R_DX      0x02 /* 16-bit near call result */
#define MODES_R_INT     0x04 /* AX set by the INT 0x40 handler */
#define MODES_R_POPA    0x06 /* BP after PUSHA, clearing, POPA */
#define MODES_R_COPY    0x08 /* 4 bytes copied by REP MOVSB */
#define MODES_R_EDX     0x0c /* 32-bit push/pop result */
#define MODES_R_COMPAT  0x10 /* written in compatibility mode */
#define MODES_R_FAR     0x14 /* DX set by a far-called 16-bit routine */
#define MODES_R_CR3     0x18 /* input: the PML4 address */
#define MODES_R_LONG    0x20 /* written in 64-bit mode */
#define MODES_R_INT32   0x28 /* EAX set by the INT 0x41 handler (32-bit interrupt gate) */
#define MODES_R_GPERR   0x2c /* error code the #GP handler popped */
#define MODES_DATA_SIZE 0x30

/* Loaded into FS in protected mode: beyond the GDT, so #GP(0x38). */
#define MODES_GP_SELECTOR 0x3b

#ifndef __ASSEMBLER__
extern const char modes_code_start[], modes_code_data[], modes_code_gp[], modes_code_done[],
    modes_code_end[];
#endif

#endif
