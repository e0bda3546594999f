// SPDX-License-Identifier: Apache-2.0
/*
 * emit.c - the translator's x86-64 encoder (see emit.h): ModRM/SIB
 * encoding of the two memory forms and the handful of opcodes the
 * translator uses (SDM vol. 2, 2.1 and appendix A).
 */
#include "cpu/emu/jit/emit.h"

#include <string.h>

#define REX_W 0x48

void emit_u8(struct jit_emitter *e, uint8_t b)
{
    if (e->p >= e->end) {
        e->full = true;
        return;
    }
    *e->p++ = b;
}

void emit_u32(struct jit_emitter *e, uint32_t v)
{
    for (unsigned k = 0; k < 4; k++)
        emit_u8(e, (uint8_t)(v >> (8 * k)));
}

static void emit_u64(struct jit_emitter *e, uint64_t v)
{
    emit_u32(e, (uint32_t)v);
    emit_u32(e, (uint32_t)(v >> 32));
}

/* ModRM (and SIB) with mod = 10: always a 32-bit displacement. */
static void modrm_mem(struct jit_emitter *e, int reg, struct jit_mem m)
{
    if (m.index == H_NONE && m.base != H_RSP) {
        emit_u8(e, (uint8_t)(0x80 | (reg & 7) << 3 | m.base));
    } else {
        int index = m.index == H_NONE ? H_RSP : m.index; /* SIB index 100: none */
        emit_u8(e, (uint8_t)(0x84 | (reg & 7) << 3));
        emit_u8(e, (uint8_t)(index << 3 | m.base));
    }
    emit_u32(e, (uint32_t)m.disp);
}

static void modrm_rr(struct jit_emitter *e, int reg, int rm)
{
    emit_u8(e, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

/* 66h for 16-bit operations, REX.W for 64-bit ones. */
static void size_prefix(struct jit_emitter *e, unsigned size)
{
    if (size == 2)
        emit_u8(e, 0x66);
    else if (size == 8)
        emit_u8(e, REX_W);
}

void emit_load(struct jit_emitter *e, unsigned size, int hreg, struct jit_mem m)
{
    switch (size) {
    case 1:
        emit_u8(e, 0x0f);
        emit_u8(e, 0xb6);
        break;
    case 2:
        emit_u8(e, 0x0f);
        emit_u8(e, 0xb7);
        break;
    case 4: emit_u8(e, 0x8b); break;
    default:
        emit_u8(e, REX_W);
        emit_u8(e, 0x8b);
        break;
    }
    modrm_mem(e, hreg, m);
}

void emit_store(struct jit_emitter *e, unsigned size, int hreg, struct jit_mem m)
{
    size_prefix(e, size);
    emit_u8(e, size == 1 ? 0x88 : 0x89);
    modrm_mem(e, hreg, m);
}

void emit_alu_rr(struct jit_emitter *e, uint8_t op8, unsigned size, int rm, int reg)
{
    size_prefix(e, size);
    emit_u8(e, (uint8_t)(op8 + (size != 1)));
    modrm_rr(e, reg, rm);
}

void emit_alu_rmem(struct jit_emitter *e, uint8_t op8, unsigned size, int reg, struct jit_mem m)
{
    size_prefix(e, size);
    emit_u8(e, (uint8_t)(op8 + 2 + (size != 1)));
    modrm_mem(e, reg, m);
}

void emit_incdec(struct jit_emitter *e, bool dec, unsigned size, int reg)
{
    size_prefix(e, size);
    emit_u8(e, size == 1 ? 0xfe : 0xff);
    modrm_rr(e, dec ? 1 : 0, reg);
}

void emit_mov_imm(struct jit_emitter *e, int hreg, uint64_t imm)
{
    if (imm <= 0xffffffffull) {
        emit_u8(e, (uint8_t)(0xb8 + hreg));
        emit_u32(e, (uint32_t)imm);
    } else {
        emit_u8(e, REX_W);
        emit_u8(e, (uint8_t)(0xb8 + hreg));
        emit_u64(e, imm);
    }
}

void emit_store_imm(struct jit_emitter *e, unsigned size, struct jit_mem m, int32_t imm)
{
    size_prefix(e, size);
    emit_u8(e, 0xc7);
    modrm_mem(e, 0, m);
    emit_u32(e, (uint32_t)imm);
}

void emit_addsub_mem_imm(struct jit_emitter *e, bool sub, struct jit_mem m, int32_t imm)
{
    emit_u8(e, REX_W);
    emit_u8(e, 0x81);
    modrm_mem(e, sub ? 5 : 0, m);
    emit_u32(e, (uint32_t)imm);
}

void emit_mov_rr(struct jit_emitter *e, int dst, int src)
{
    emit_u8(e, REX_W);
    emit_u8(e, 0x89);
    modrm_rr(e, src, dst);
}

void emit_add_rmem(struct jit_emitter *e, int reg, struct jit_mem m)
{
    emit_u8(e, REX_W);
    emit_u8(e, 0x03);
    modrm_mem(e, reg, m);
}

void emit_lea(struct jit_emitter *e, int hreg, struct jit_mem m)
{
    emit_u8(e, REX_W);
    emit_u8(e, 0x8d);
    modrm_mem(e, hreg, m);
}

void emit_lea_scaled(struct jit_emitter *e, int hreg, int base, int index, unsigned scale,
                     int32_t disp)
{
    emit_u8(e, REX_W);
    emit_u8(e, 0x8d);
    emit_u8(e, (uint8_t)(0x84 | (hreg & 7) << 3));
    emit_u8(e, (uint8_t)(scale << 6 | index << 3 | base));
    emit_u32(e, (uint32_t)disp);
}

void emit_shift(struct jit_emitter *e, unsigned ext, int hreg, uint8_t imm)
{
    emit_u8(e, REX_W);
    emit_u8(e, 0xc1);
    modrm_rr(e, (int)ext, hreg);
    emit_u8(e, imm);
}

void emit_and_imm(struct jit_emitter *e, bool w, int hreg, int32_t imm)
{
    if (w)
        emit_u8(e, REX_W);
    emit_u8(e, 0x81);
    modrm_rr(e, 4, hreg);
    emit_u32(e, (uint32_t)imm);
}

void emit_test_imm32(struct jit_emitter *e, int hreg, uint32_t imm)
{
    emit_u8(e, 0xf7);
    modrm_rr(e, 0, hreg);
    emit_u32(e, imm);
}

void emit_imul_imm(struct jit_emitter *e, int hreg, int32_t imm)
{
    emit_u8(e, 0x69);
    modrm_rr(e, hreg, hreg);
    emit_u32(e, (uint32_t)imm);
}

void emit_add32_rr(struct jit_emitter *e, int dst, int src)
{
    emit_u8(e, 0x01);
    modrm_rr(e, src, dst);
}

void emit_mov32_rr(struct jit_emitter *e, int dst, int src)
{
    emit_u8(e, 0x89);
    modrm_rr(e, src, dst);
}

void emit_cmp_rmem(struct jit_emitter *e, int reg, struct jit_mem m)
{
    emit_u8(e, REX_W);
    emit_u8(e, 0x3b);
    modrm_mem(e, reg, m);
}

void emit_cmp_rr(struct jit_emitter *e, int a, int b)
{
    emit_u8(e, REX_W);
    emit_u8(e, 0x39);
    modrm_rr(e, b, a);
}

void emit_cmpb_zero(struct jit_emitter *e, int reg)
{
    emit_u8(e, 0x80);
    emit_u8(e, (uint8_t)(0x38 | reg)); /* mod 00, /7, [reg] (not rsp/rbp) */
    emit_u8(e, 0);
}

void emit_test_al(struct jit_emitter *e)
{
    emit_u8(e, 0x84);
    emit_u8(e, 0xc0);
}

void emit_test_eax(struct jit_emitter *e)
{
    emit_u8(e, 0x85);
    emit_u8(e, 0xc0);
}

void emit_movzx_ecx_al(struct jit_emitter *e)
{
    emit_u8(e, 0x0f);
    emit_u8(e, 0xb6);
    emit_u8(e, 0xc8);
}

void emit_or_eax(struct jit_emitter *e, uint32_t imm)
{
    emit_u8(e, 0x0d);
    emit_u32(e, imm);
}

void emit_cmpb_mem(struct jit_emitter *e, struct jit_mem m, uint8_t imm)
{
    emit_u8(e, 0x80);
    modrm_mem(e, 7, m);
    emit_u8(e, imm);
}

void emit_cmpd_mem(struct jit_emitter *e, struct jit_mem m, int8_t imm)
{
    emit_u8(e, 0x83);
    modrm_mem(e, 7, m);
    emit_u8(e, (uint8_t)imm);
}

void emit_decd_mem(struct jit_emitter *e, struct jit_mem m)
{
    emit_u8(e, 0xff);
    modrm_mem(e, 1, m);
}

void emit_add_mem_reg(struct jit_emitter *e, struct jit_mem m, int reg)
{
    emit_u8(e, REX_W);
    emit_u8(e, 0x01);
    modrm_mem(e, reg, m);
}

void emit_xor_rr(struct jit_emitter *e, int dst, int src)
{
    emit_u8(e, REX_W);
    emit_u8(e, 0x31);
    modrm_rr(e, src, dst);
}

void emit_test_rr(struct jit_emitter *e, int reg)
{
    emit_u8(e, REX_W);
    emit_u8(e, 0x85);
    modrm_rr(e, reg, reg);
}

void emit_cmp_al(struct jit_emitter *e, uint8_t imm)
{
    emit_u8(e, 0x3c);
    emit_u8(e, imm);
}

void emit_jmp_reg(struct jit_emitter *e, int reg)
{
    emit_u8(e, 0xff);
    modrm_rr(e, 4, reg);
}

void emit_call(struct jit_emitter *e, const void *fn)
{
    emit_mov_imm(e, H_RAX, (uint64_t)(uintptr_t)fn);
    emit_u8(e, 0xff);
    emit_u8(e, 0xd0);
}

void emit_push_rbx(struct jit_emitter *e)
{
    emit_u8(e, 0x53);
}

void emit_pop_rbx(struct jit_emitter *e)
{
    emit_u8(e, 0x5b);
}

void emit_ret(struct jit_emitter *e)
{
    emit_u8(e, 0xc3);
}

uint32_t emit_jcc(struct jit_emitter *e, unsigned cc)
{
    emit_u8(e, 0x0f);
    emit_u8(e, (uint8_t)(0x80 | (cc & 15)));
    uint32_t field = emit_pos(e);
    emit_u32(e, 0);
    return field;
}

uint32_t emit_jmp(struct jit_emitter *e)
{
    emit_u8(e, 0xe9);
    uint32_t field = emit_pos(e);
    emit_u32(e, 0);
    return field;
}

void emit_patch(struct jit_emitter *e, uint32_t field, uint32_t target)
{
    if (e->full)
        return;
    uint32_t rel = target - (field + 4);
    memcpy(e->start + field, &rel, 4);
}
