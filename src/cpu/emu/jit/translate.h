/* SPDX-License-Identifier: Apache-2.0 */
/*
 * translate.h - one decoded block (codecache.h) into host code.
 *
 * The translation of the first n instructions of a block is a function
 * uint32_t f(struct emu_cpu *cpu) returning status | index << 8: the
 * emu_status the block ended with and the index of the instruction it ended
 * at, exactly as the interpreter's loop would have (exec.c): EMU_JUMP or
 * EMU_FAULT at instruction index, or EMU_RESTART with index instructions
 * retired (the end of the block, the end of the prefix, or a block that a
 * store killed).
 */
#ifndef STRATA_CPU_EMU_JIT_TRANSLATE_H
#define STRATA_CPU_EMU_JIT_TRANSLATE_H

#include "cpu/emu/codecache.h"
#include "cpu/emu/jit/execmem.h"

typedef uint32_t (*jit_code_fn)(struct emu_cpu *cpu);

#define JIT_RESULT(st, index) ((uint32_t)(st) | (uint32_t)(index) << 8)

/* Empties m but for the code all translations share; -1 if m is too small for it. */
int jit_translate_shared(struct jit_execmem *m);

/* Translates b's first n instructions into m; NULL if m is full. */
jit_code_fn jit_translate(struct jit_execmem *m, const struct emu_block *b, unsigned n);

#endif
