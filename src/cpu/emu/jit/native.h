/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native.h - which decoded instructions the translator emits host code for.
 *
 * The decoder resolves each instruction to a handler for its exact form and
 * size (decode.h); the translator recognizes the handlers it knows by their
 * address: the form tables the ops/ families publish through their opdef
 * tables, and, for near branches, the handlers the decoder picks for a
 * template instruction of each kind decoded once in 64-bit mode. Anything
 * not recognized is translated into a call of its handler.
 */
#ifndef STRATA_CPU_EMU_JIT_NATIVE_H
#define STRATA_CPU_EMU_JIT_NATIVE_H

#include "cpu/emu/cpu.h"

enum jit_kind {
    JK_NONE,
    JK_MOV,    /* MOV in every binary form */
    JK_ALU,    /* ADD OR AND SUB XOR CMP TEST: host op8 in op */
    JK_INCDEC, /* INC / DEC of a register (op: 1 for DEC) */
    JK_LEA,
    JK_PUSH,  /* PUSH r64 */
    JK_PUSHI, /* PUSH imm (64-bit) */
    JK_POP,   /* POP r64 */
    JK_JCC,
    JK_JMP,  /* JMP rel */
    JK_CALL, /* CALL rel */
    JK_RET,
};

/* Operand forms, as in struct emu_binary_forms. */
enum jit_form { JF_RR, JF_RM, JF_MR, JF_RI, JF_MI };

struct jit_native {
    uint8_t kind;    /* enum jit_kind */
    uint8_t form;    /* enum jit_form */
    uint8_t op;      /* JK_ALU: the host opcode of the 8-bit "op r/m8, r8" form */
    bool writes;     /* JK_ALU: the result is written (not CMP/TEST) */
    uint8_t cc_kind; /* JK_ALU: enum cc_kind of the lazy flags it leaves */
};

/* What the translator knows of handler fn: kind JK_NONE if nothing. */
struct jit_native jit_native__of(emu_handler fn);

/* Builds the table once (thread-safe); false if a template would not decode. */
bool jit_native__init(void);

#endif
