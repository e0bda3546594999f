/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flags.h - which RFLAGS bits an instruction reads, writes, and leaves
 * undefined, for masking the comparison (see docs/testing.md, "difftest").
 */
#ifndef STRATA_TESTS_DIFFTEST_FLAGS_H
#define STRATA_TESTS_DIFFTEST_FLAGS_H

#include <Zydis/Zydis.h>
#include <stdbool.h>
#include <stdint.h>

/* What one instruction does to the status flags and DF. */
struct flag_effect {
    uint32_t read;         /* flags whose value the instruction uses */
    uint32_t written;      /* flags it gives a defined value (or leaves unchanged on purpose) */
    uint32_t undefined;    /* flags whose value afterwards the SDM leaves undefined */
    bool result_undefined; /* the destination too: BSWAP r16, SHLD/SHRD r16 by more than 16 */
};

/*
 * The effect of insn. count is the shift or rotate count the instruction
 * sees, before masking (-1: not known when the case is built, e.g. CL
 * written by an earlier instruction); ignored by other instructions.
 */
void flags__effect(const ZydisDecodedInstruction *insn, int count, struct flag_effect *fx);

/* True for the instructions whose flags depend on a count (shifts, rotates, SHLD/SHRD). */
bool flags__counted(ZydisMnemonic mnemonic);

#endif
