/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode.h - turning Zydis's decoded form into the engine's compact
 * struct emu_insn with a pre-resolved handler.
 *
 * Each instruction family (the files in ops/) publishes a table of emu_opdef: for a
 * Zydis mnemonic, a selector that looks at the operands once, at decode
 * time, and picks the handler for that exact form and size (Bochs-style
 * names: ADD_EqGqM is "add, r/m64 in memory, reg64 source"). Nothing at
 * execution time switches on the mnemonic.
 */
#ifndef STRATA_CPU_EMU_DECODE_H
#define STRATA_CPU_EMU_DECODE_H

#include "cpu/emu/cpu.h"

/* What a selector sees: the instruction and its visible operands. */
struct emu_decoded {
    const ZydisDecodedInstruction *zi;
    const ZydisDecodedOperand *op;
    unsigned nops;
};

/* Fills insn->fn and operand fields; false if this form is not implemented. */
typedef bool (*emu_select_fn)(struct emu_insn *insn, const struct emu_decoded *d, const void *arg);

#define OPF_BRANCH 0x1 /* may transfer control: ends the decoded block */

struct emu_opdef {
    ZydisMnemonic mnemonic;
    emu_select_fn select;
    const void *arg;
    unsigned flags;
};

/* Handlers by operand size: [0] = 8-bit, [1] = 16, [2] = 32, [3] = 64. */
typedef emu_handler emu_sized[4];

/* Operand forms of a two-operand instruction, destination first. */
struct emu_binary_forms {
    emu_sized rr; /* reg <- reg   (reg, rm) */
    emu_sized rm; /* reg <- mem   (reg, ea) */
    emu_sized mr; /* mem <- reg   (ea, rm) */
    emu_sized ri; /* reg <- imm   (reg, imm) */
    emu_sized mi; /* mem <- imm   (ea, imm) */
};

/* Operand forms of a one-operand (r/m) instruction. */
struct emu_unary_forms {
    emu_sized r; /* reg */
    emu_sized m; /* ea */
};

/* Generic selectors. */
bool emu_select_binary(struct emu_insn *insn, const struct emu_decoded *d, const void *arg);
bool emu_select_unary(struct emu_insn *insn, const struct emu_decoded *d, const void *arg);
/* arg is an emu_handler; an immediate operand, if any, goes to insn->imm. */
bool emu_select_fixed(struct emu_insn *insn, const struct emu_decoded *d, const void *arg);

/* Operand helpers for selectors. */
static inline bool op_is_reg(const ZydisDecodedOperand *op)
{
    return op->type == ZYDIS_OPERAND_TYPE_REGISTER;
}
static inline bool op_is_mem(const ZydisDecodedOperand *op)
{
    return op->type == ZYDIS_OPERAND_TYPE_MEMORY;
}
static inline bool op_is_imm(const ZydisDecodedOperand *op)
{
    return op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE;
}
/* Index in emu_cpu.r of a general-purpose register (byte offset for 8-bit ones), or -1. */
int dec_gpr(ZydisRegister reg);
/* Fills base/index/scale/disp/seg of a memory operand; false if not representable. */
bool dec_mem(struct emu_insn *insn, const struct emu_decoded *d, const ZydisDecodedOperand *op);
/* enum emu_seg of a segment register, or -1. */
int dec_sreg(ZydisRegister reg);
/* INSN_ADDR32 / INSN_ADDR16 for the instruction's address size (0 for 64-bit). */
unsigned dec_addr_flags(const struct emu_decoded *d);
/* Index of an XMM (0-15) or MMX (0-7) register, or -1. */
int dec_xmm(ZydisRegister reg);
int dec_mmx(ZydisRegister reg);
/* 0..3 for operand sizes 1, 2, 4, 8 bytes, -1 otherwise. */
int dec_size_index(unsigned bytes);

/* Decodes one instruction (emu_decode_insn), or tells that more bytes are needed. */
enum emu_decode_result { DECODE_OK, DECODE_NEED_MORE };

enum emu_decode_result emu_decode_insn(struct emu_cpu *cpu, const uint8_t *bytes, size_t avail,
                                       struct emu_insn *insn, bool *ends_block);

void emu_decode_init(void);
/* Sets up the vCPU's decoders, one per decoding mode (EMU_MODE); -1 if Zydis refuses. */
int emu_decode_init_cpu(struct emu_cpu *cpu);

/* Whether the instruction decodes for 16/32-bit code (anything but 64-bit mode). */
static inline bool dec_legacy(const struct emu_decoded *d)
{
    return d->zi->machine_mode != ZYDIS_MACHINE_MODE_LONG_64;
}

/* Handlers shared by the decoder and the code cache. */
int emu_op_invalid(struct emu_cpu *cpu, const struct emu_insn *i);       /* #UD */
int emu_op_unimplemented(struct emu_cpu *cpu, const struct emu_insn *i); /* #UD + log */
int emu_op_restart(struct emu_cpu *cpu, const struct emu_insn *i);       /* EMU_RESTART */

/* Family tables (ops/). */
extern const struct emu_opdef emu_ops_alu[], emu_ops_shift[], emu_ops_muldiv[], emu_ops_bit[],
    emu_ops_move[], emu_ops_stack[], emu_ops_branch[], emu_ops_string[], emu_ops_atomic[],
    emu_ops_flagops[], emu_ops_misc[], emu_ops_system[], emu_ops_interrupt[], emu_ops_io[],
    emu_ops_fpu[], emu_ops_far[], emu_ops_descriptor[], emu_ops_legacy[];
extern const struct emu_opdef emu_ops_x87_load_store[], emu_ops_x87_arith[], emu_ops_x87_compare[],
    emu_ops_x87_transcendental[], emu_ops_x87_env[];
extern const struct emu_opdef emu_ops_sse_move[], emu_ops_sse_int[], emu_ops_sse_logic[],
    emu_ops_sse_shuffle[], emu_ops_sse_shift[], emu_ops_sse_fp[], emu_ops_sse_cvt[],
    emu_ops_sse_comi[];
extern const struct emu_opdef emu_ops_sse3[], emu_ops_ssse3[], emu_ops_sse41_int[],
    emu_ops_sse41_blend[], emu_ops_sse41_fp[], emu_ops_sse42[], emu_ops_sse42_string[];
extern const struct emu_opdef emu_ops_bmi2[], emu_ops_movbe_adx[], emu_ops_aes_pclmul[],
    emu_ops_rand_pid[], emu_ops_fsgsbase[];

#endif
