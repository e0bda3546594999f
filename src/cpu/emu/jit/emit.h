/* SPDX-License-Identifier: Apache-2.0 */
/*
 * emit.h - a small x86-64 encoder for the translator: exactly the forms it
 * emits (SDM vol. 2, chapter 2 and the opcode map of appendix A), on the
 * low eight host registers, with memory operands [base + disp32] or
 * [base + index + disp32]. Sized operations take the guest operand size
 * (1, 2, 4, 8 bytes) and add the 66h prefix or REX.W as needed. Labels are
 * offsets from the start of the buffer; rel32 fields are patched when the
 * target is known. Overflow is sticky: the caller checks `full` at the end.
 */
#ifndef STRATA_CPU_EMU_JIT_EMIT_H
#define STRATA_CPU_EMU_JIT_EMIT_H

#include <stdbool.h>
#include <stdint.h>

enum jit_hreg { H_RAX = 0, H_RCX = 1, H_RDX = 2, H_RBX = 3, H_RSP = 4, H_RSI = 6, H_RDI = 7 };
#define H_NONE (-1)

struct jit_emitter {
    uint8_t *start, *p, *end;
    bool full;
};

/* A memory operand: [base + index + disp] (index H_NONE: none). */
struct jit_mem {
    int8_t base, index;
    int32_t disp;
};

static inline struct jit_mem jm(int base, int32_t disp)
{
    return (struct jit_mem){(int8_t)base, H_NONE, disp};
}
static inline struct jit_mem jmi(int base, int index, int32_t disp)
{
    return (struct jit_mem){(int8_t)base, (int8_t)index, disp};
}

static inline uint32_t emit_pos(const struct jit_emitter *e)
{
    return (uint32_t)(e->p - e->start);
}

void emit_u8(struct jit_emitter *e, uint8_t b);
void emit_u32(struct jit_emitter *e, uint32_t v);

/* mov/movzx host <- [mem] of size bytes, zero-extended to 64 bits. */
void emit_load(struct jit_emitter *e, unsigned size, int hreg, struct jit_mem m);
/* mov [mem] <- host, size bytes. */
void emit_store(struct jit_emitter *e, unsigned size, int hreg, struct jit_mem m);
/* ALU op "op r/m, reg" (opcode of the 8-bit form: 00 add, 08 or, 20 and, 28 sub, 30 xor, 38 cmp, 84
 * test). */
void emit_alu_rr(struct jit_emitter *e, uint8_t op8, unsigned size, int rm, int reg);
/* "op reg, [mem]" (00 add, 38 cmp: the reverse-direction opcode op8 + 2). */
void emit_alu_rmem(struct jit_emitter *e, uint8_t op8, unsigned size, int reg, struct jit_mem m);
/* INC (dec false) or DEC of a host register, sized. */
void emit_incdec(struct jit_emitter *e, bool dec, unsigned size, int reg);
/* host <- imm (zero-extending mov when it fits 32 bits). */
void emit_mov_imm(struct jit_emitter *e, int hreg, uint64_t imm);
/* mov qword/dword [mem], simm32. */
void emit_store_imm(struct jit_emitter *e, unsigned size, struct jit_mem m, int32_t imm);
/* add/sub qword [mem], simm32 (sub = true: subtract). */
void emit_addsub_mem_imm(struct jit_emitter *e, bool sub, struct jit_mem m, int32_t imm);
/* 64-bit reg-reg: mov dst, src; add dst, [mem]. */
void emit_mov_rr(struct jit_emitter *e, int dst, int src);
void emit_add_rmem(struct jit_emitter *e, int reg, struct jit_mem m);
/* lea host, [mem] (64-bit), and lea host, [base + index*scale + disp]. */
void emit_lea(struct jit_emitter *e, int hreg, struct jit_mem m);
void emit_lea_scaled(struct jit_emitter *e, int hreg, int base, int index, unsigned scale,
                     int32_t disp);
/* Group-2 shift of a 64-bit host register by imm8: ext 4 shl, 5 shr, 7 sar. */
void emit_shift(struct jit_emitter *e, unsigned ext, int hreg, uint8_t imm);
/* and/test/imul with an immediate, on a host register. */
void emit_and_imm(struct jit_emitter *e, bool w, int hreg, int32_t imm);
void emit_test_imm32(struct jit_emitter *e, int hreg, uint32_t imm);
void emit_imul_imm(struct jit_emitter *e, int hreg, int32_t imm);
void emit_add32_rr(struct jit_emitter *e, int dst, int src);
/* 32-bit mov reg, reg (zero-extends: mov esi, esi truncates an address). */
void emit_mov32_rr(struct jit_emitter *e, int dst, int src);
/* 64-bit cmp reg, [mem]; cmp reg, reg. */
void emit_cmp_rmem(struct jit_emitter *e, int reg, struct jit_mem m);
void emit_cmp_rr(struct jit_emitter *e, int a, int b);
/* cmp byte [reg], 0 / test al, al / test eax, eax. */
void emit_cmpb_zero(struct jit_emitter *e, int reg);
void emit_test_al(struct jit_emitter *e);
void emit_test_eax(struct jit_emitter *e);
/* movzx ecx, al */
void emit_movzx_ecx_al(struct jit_emitter *e);
/* or eax, imm32 */
void emit_or_eax(struct jit_emitter *e, uint32_t imm);
/* cmp byte [mem], imm8; cmp dword [mem], imm8; dec dword [mem]; add qword [mem], reg. */
void emit_cmpb_mem(struct jit_emitter *e, struct jit_mem m, uint8_t imm);
void emit_cmpd_mem(struct jit_emitter *e, struct jit_mem m, int8_t imm);
void emit_decd_mem(struct jit_emitter *e, struct jit_mem m);
void emit_add_mem_reg(struct jit_emitter *e, struct jit_mem m, int reg);
/* 64-bit xor dst, src; test reg, reg; cmp al, imm8; jmp reg. */
void emit_xor_rr(struct jit_emitter *e, int dst, int src);
void emit_test_rr(struct jit_emitter *e, int reg);
void emit_cmp_al(struct jit_emitter *e, uint8_t imm);
void emit_jmp_reg(struct jit_emitter *e, int reg);
/* call an absolute address (through rax). */
void emit_call(struct jit_emitter *e, const void *fn);
void emit_push_rbx(struct jit_emitter *e);
void emit_pop_rbx(struct jit_emitter *e);
void emit_ret(struct jit_emitter *e);
/* Jumps with a rel32 to patch later: return the offset of the rel32 field. */
uint32_t emit_jcc(struct jit_emitter *e, unsigned cc);
uint32_t emit_jmp(struct jit_emitter *e);
/* Points the rel32 at field to target (an offset from start). */
void emit_patch(struct jit_emitter *e, uint32_t field, uint32_t target);

#endif
