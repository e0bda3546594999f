/* SPDX-License-Identifier: Apache-2.0 */
/*
 * builder.h - assembles a case's code one instruction at a time with Zydis's
 * encoder, and keeps track of which flags are undefined before each
 * instruction and at the end (see flags.h).
 */
#ifndef STRATA_TESTS_DIFFTEST_BUILDER_H
#define STRATA_TESTS_DIFFTEST_BUILDER_H

#include <Zydis/Zydis.h>
#include <stdbool.h>

#include "difftest.h"
#include "flags.h"

struct builder {
    struct dt_case *c;
    ZydisDecoder decoder;
    struct flag_effect effect[DT_MAX_INSNS]; /* of each instruction, for loops */
    unsigned last_landing;                   /* instruction where the last forward branch landed */
};

/* Starts an empty code sequence in c (whose inputs may already be set). */
void builder__start(struct builder *b, struct dt_case *c);

/*
 * Appends the instruction req describes. Returns false, leaving the case
 * as it was, if Zydis cannot encode it, it does not fit, it would read a
 * flag that an earlier instruction left undefined, or its result is
 * undefined (BSWAP r16, SHLD/SHRD r16 by more than 16). A count in CL is known
 * only to the first instruction (taken from the case's input RCX).
 */
bool builder__add(struct builder *b, const ZydisEncoderRequest *req);

/* Appends the one instruction that is exactly bytes; false as builder__add. */
bool builder__bytes(struct builder *b, const uint8_t *bytes, unsigned len);

/* Shorthand for builder__add with just a mnemonic, prefixes and operands. */
bool builder__insn(struct builder *b, ZydisMnemonic mnemonic, ZydisInstructionAttributes prefixes,
                   unsigned nops, const ZydisEncoderOperand *ops);

/*
 * Appends bytes the encoder will not produce (invalid encodings that must
 * raise #UD) as one instruction; false if they do not fit.
 */
bool builder__raw(struct builder *b, const uint8_t *bytes, unsigned len);

/*
 * Forward branches: builder__branch emits a relative branch or call (req:
 * imm 0, branch type SHORT or NEAR) and returns its instruction index, or
 * -1; builder__land points it at the current end of the code. Flags left
 * undefined on either path, the branch taken or not, are undefined after it.
 * False if a short branch cannot reach.
 */
int builder__branch(struct builder *b, const ZydisEncoderRequest *req);
bool builder__land(struct builder *b, unsigned branch);

/*
 * Closes a loop: the branch just added last (a short Jcc or LOOPcc, target
 * still open) goes back to instruction head. The undefined flags of the
 * loop's instructions become those of any trip around it; false, leaving
 * the case to be truncated, if an instruction in it would then read an
 * undefined flag or a forward branch lands inside the loop (the flag
 * bookkeeping of a loop does not follow such joins).
 */
bool builder__loop(struct builder *b, unsigned head);

/* Sets the last 4 bytes of instruction i (an imm32 such as a pushed or moved address). */
void builder__patch_imm32(struct builder *b, unsigned i, uint32_t value);

/* Points the RIP-relative disp32 of instruction i at target; false if it has none. */
bool builder__aim_rip(struct builder *b, unsigned i, uint64_t target);

/* Removes everything after the first n instructions. */
void builder__truncate(struct builder *b, unsigned n);

/* Operand constructors */
ZydisEncoderOperand op_reg(ZydisRegister reg);
ZydisEncoderOperand op_imm(int64_t value);
ZydisEncoderOperand op_mem(ZydisRegister base, ZydisRegister index, uint8_t scale, int64_t disp,
                           unsigned size);

/*
 * The Zydis register for GPR index 0..15 (enum cpu_gpr order) at width
 * 8/16/32/64; at width 8, indices 16..19 are AH, CH, DH, BH.
 */
ZydisRegister gpr_reg(unsigned index, unsigned width);

#endif
