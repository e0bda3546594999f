// SPDX-License-Identifier: Apache-2.0
/*
 * stack.c - stack instructions in 64-bit mode (16/32-bit code goes to
 * legacy.c): PUSH/POP of registers,
 * memory, immediates and FS/GS, PUSHF/POPF with the CPL/IOPL rules for IF
 * and IOPL, ENTER and LEAVE (SDM vol. 2; vol. 1, 6.2). A push or pop that
 * faults leaves RSP unchanged.
 */
#include "cpu/emu/ops/ops.h"
#include "cpu/emu/seg.h"

static inline int push(struct emu_cpu *cpu, unsigned size, uint64_t v)
{
    uint64_t rsp = cpu->r[CPU_RSP] - size;
    int st = mem_write(cpu, rsp, size, ACC_STACK, v);
    if (likely(!st))
        cpu->r[CPU_RSP] = rsp;
    return st;
}

#define PUSH_POP_SIZE(S, SZ)                                                          \
    HANDLER(PUSH_ER##S)                                                               \
    {                                                                                 \
        return push(cpu, SZ, reg_get(cpu, i->reg, SZ));                               \
    }                                                                                 \
    HANDLER(PUSH_E##S##M)                                                             \
    {                                                                                 \
        uint64_t v;                                                                   \
        int st = read_ea(cpu, i, SZ, &v);                                             \
        return st ? st : push(cpu, SZ, v);                                            \
    }                                                                                 \
    HANDLER(PUSH_I##S)                                                                \
    {                                                                                 \
        return push(cpu, SZ, i->imm);                                                 \
    }                                                                                 \
    HANDLER(POP_ER##S)                                                                \
    {                                                                                 \
        uint64_t v;                                                                   \
        int st = mem_read(cpu, cpu->r[CPU_RSP], SZ, ACC_STACK, &v);                   \
        if (unlikely(st))                                                             \
            return st;                                                                \
        cpu->r[CPU_RSP] += SZ;                                                        \
        reg_set(cpu, i->reg, SZ, v);                                                  \
        return EMU_NEXT;                                                              \
    }                                                                                 \
    HANDLER(POP_E##S##M)                                                              \
    {                                                                                 \
        uint64_t v, rsp = cpu->r[CPU_RSP];                                            \
        int st = mem_read(cpu, rsp, SZ, ACC_STACK, &v);                               \
        if (unlikely(st))                                                             \
            return st;                                                                \
        cpu->r[CPU_RSP] = rsp + SZ; /* the address is computed after the increment */ \
        st = write_ea(cpu, i, SZ, v);                                                 \
        if (unlikely(st))                                                             \
            cpu->r[CPU_RSP] = rsp;                                                    \
        return st;                                                                    \
    }

PUSH_POP_SIZE(w, 2)
PUSH_POP_SIZE(q, 8)

static const struct emu_unary_forms PUSH_forms = {.r = {NULL, PUSH_ERw, NULL, PUSH_ERq},
                                                  .m = {NULL, PUSH_EwM, NULL, PUSH_EqM}};
static const struct emu_unary_forms POP_forms = {.r = {NULL, POP_ERw, NULL, POP_ERq},
                                                 .m = {NULL, POP_EwM, NULL, POP_EqM}};

HANDLER(PUSH_Sreg)
{
    return push(cpu, i->size, cpu->seg[i->rm].selector);
}

HANDLER(POP_Sreg)
{
    uint64_t v;
    int st = mem_read(cpu, cpu->r[CPU_RSP], i->size, ACC_STACK, &v);
    if (unlikely(st))
        return st;
    st = emu_seg_load_data(cpu, i->rm, (uint16_t)v);
    if (likely(!st))
        cpu->r[CPU_RSP] += i->size;
    return st;
}

static bool select_push_pop(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    const struct emu_unary_forms *f = arg;
    const ZydisDecodedOperand *op = &d->op[0];
    if (dec_legacy(d))
        return emu_select_legacy_stack(insn, d);
    insn->size = (uint8_t)(d->zi->operand_width / 8);
    if (op_is_imm(op)) {
        if (f != &PUSH_forms)
            return false;
        insn->imm = op->imm.value.u;
        insn->fn = insn->size == 2 ? PUSH_Iw : PUSH_Iq;
        return true;
    }
    int sreg = op_is_reg(op) ? dec_sreg(op->reg.value) : -1;
    if (sreg >= 0) {
        insn->rm = (uint8_t)sreg;
        insn->fn = f == &PUSH_forms ? PUSH_Sreg : POP_Sreg;
        if (f != &PUSH_forms)
            insn->flags |= INSN_ENDS;
        return true;
    }
    return emu_select_unary(insn, d, f);
}

/* RFLAGS bits POPF may change at CPL 0 (SDM vol. 2, POPF); RF, VM, VIF, VIP end up 0. */

HANDLER(PUSHF)
{
    return push(cpu, i->size, emu_rflags(cpu) & ~(FL_RF | FL_VM));
}

HANDLER(POPF)
{
    uint64_t v;
    int st = mem_read(cpu, cpu->r[CPU_RSP], i->size, ACC_STACK, &v);
    if (unlikely(st))
        return st;
    emu_flags_popf_load(cpu, v, i->size);
    cpu->r[CPU_RSP] += i->size;
    RIP(cpu) += i->len; /* IF may have changed: let the loop look at interrupts */
    return EMU_JUMP;
}

HANDLER(LEAVE)
{
    uint64_t v, rbp = cpu->r[CPU_RBP];
    int st = mem_read(cpu, rbp, i->size, ACC_STACK, &v);
    if (unlikely(st))
        return st;
    cpu->r[CPU_RSP] = rbp + i->size;
    reg_set(cpu, CPU_RBP, i->size, v);
    return EMU_NEXT;
}

/* ENTER imm16, imm8 (SDM vol. 2, ENTER, 64-bit operation). */
HANDLER(ENTER)
{
    unsigned size = i->size, level = i->cc & 31;
    uint64_t alloc = i->imm & 0xffff;
    uint64_t rsp = cpu->r[CPU_RSP], rbp = cpu->r[CPU_RBP];
    uint64_t frame = rsp - size;
    int st = mem_write(cpu, frame, size, ACC_STACK, rbp);
    if (st)
        return st;
    uint64_t sp = frame;
    for (unsigned k = 1; k < level; k++) {
        uint64_t v;
        st = mem_read(cpu, rbp - k * size, size, ACC_STACK, &v);
        if (!st)
            st = mem_write(cpu, sp -= size, size, ACC_STACK, v);
        if (st)
            return st;
    }
    if (level > 0 && (st = mem_write(cpu, sp -= size, size, ACC_STACK, frame)))
        return st;
    /* the final RSP must be writable too (the SDM checks it before committing) */
    uint64_t probe;
    if (alloc && (st = mem_read(cpu, sp - alloc, 1, ACC_STACK, &probe)))
        return st;
    reg_set(cpu, CPU_RBP, size, frame);
    cpu->r[CPU_RSP] = sp - alloc;
    return EMU_NEXT;
}

/* PUSHF, POPF, LEAVE: one handler each in 64-bit mode. */
static bool select_stack_fixed(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    if (dec_legacy(d))
        return emu_select_legacy_stack(insn, d);
    return emu_select_fixed(insn, d, arg);
}

static bool select_enter(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    if (dec_legacy(d))
        return emu_select_legacy_stack(insn, d);
    if (d->nops < 2)
        return false;
    insn->imm = d->op[0].imm.value.u;
    insn->cc = (uint8_t)d->op[1].imm.value.u;
    insn->size = (uint8_t)(d->zi->operand_width / 8);
    insn->fn = ENTER;
    return true;
}

const struct emu_opdef emu_ops_stack[] = {
    {ZYDIS_MNEMONIC_PUSH, select_push_pop, &PUSH_forms, 0},
    {ZYDIS_MNEMONIC_POP, select_push_pop, &POP_forms, 0},
    {ZYDIS_MNEMONIC_PUSHF, select_stack_fixed, PUSHF, 0},
    {ZYDIS_MNEMONIC_PUSHFQ, emu_select_fixed, PUSHF, 0},
    {ZYDIS_MNEMONIC_POPF, select_stack_fixed, POPF, OPF_BRANCH},
    {ZYDIS_MNEMONIC_POPFQ, emu_select_fixed, POPF, OPF_BRANCH},
    {ZYDIS_MNEMONIC_LEAVE, select_stack_fixed, LEAVE, 0},
    {ZYDIS_MNEMONIC_ENTER, select_enter, NULL, 0},
    {0},
};
