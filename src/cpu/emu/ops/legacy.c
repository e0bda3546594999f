// SPDX-License-Identifier: Apache-2.0
/*
 * legacy.c - near control transfers and stack instructions of 16/32-bit
 * code: real mode, protected mode and compatibility mode (SDM vol. 1, 6.2
 * and 6.3; vol. 2, "JMP", "Jcc", "CALL", "RET", "LOOP", "JCXZ", "PUSH",
 * "POP", "PUSHA", "POPA", "PUSHF", "POPF", "LEAVE"). EIP/IP is truncated
 * to the operand size; the stack pointer is SP or ESP as SS.B says.
 * Segment limits are not checked. The 64-bit selectors hand these forms
 * over (dec_legacy()), so 64-bit handlers keep no mode tests.
 */
#include "cpu/emu/ops/ops.h"
#include "cpu/emu/seg.h"

/* ---- near branches: imm = target - instruction start, size = operand size ---- */

static inline int jump_legacy(struct emu_cpu *cpu, const struct emu_insn *i, uint64_t target)
{
    RIP(cpu) = target & ip_mask(i->size);
    return EMU_JUMP;
}

static inline int call_legacy(struct emu_cpu *cpu, const struct emu_insn *i, uint64_t target)
{
    int st = stack_push(cpu, i->size, (RIP(cpu) + i->len) & ip_mask(i->size));
    return st ? st : jump_legacy(cpu, i, target);
}

HANDLER(JMP_Jl)
{
    return jump_legacy(cpu, i, RIP(cpu) + i->imm);
}
HANDLER(JMP_ElR)
{
    return jump_legacy(cpu, i, cpu->r[i->reg]);
}
HANDLER(JMP_ElM)
{
    uint64_t t;
    int st = read_ea(cpu, i, i->size, &t);
    return st ? st : jump_legacy(cpu, i, t);
}
HANDLER(CALL_Jl)
{
    return call_legacy(cpu, i, RIP(cpu) + i->imm);
}
HANDLER(CALL_ElR)
{
    return call_legacy(cpu, i, cpu->r[i->reg]);
}
HANDLER(CALL_ElM)
{
    uint64_t t;
    int st = read_ea(cpu, i, i->size, &t);
    return st ? st : call_legacy(cpu, i, t);
}
HANDLER(Jcc_Jl)
{
    return emu_cond(cpu, i->cc) ? jump_legacy(cpu, i, RIP(cpu) + i->imm) : EMU_NEXT;
}

HANDLER(RET_Iw_l)
{
    uint64_t t;
    int st = stack_peek(cpu, 0, i->size, &t);
    if (st)
        return st;
    stack_set_sp(cpu, cpu->r[CPU_RSP] + i->size + i->imm);
    RIP(cpu) = t;
    return EMU_JUMP;
}

/* LOOP (cc 0), LOOPE (1), LOOPNE (2), JCXZ/JECXZ (3); the counter has the address size. */
HANDLER(LOOP_Jl)
{
    uint64_t c = addr_reg_get(cpu, i, CPU_RCX);
    if (i->cc == 3)
        return c == 0 ? jump_legacy(cpu, i, RIP(cpu) + i->imm) : EMU_NEXT;
    addr_reg_set(cpu, i, CPU_RCX, c - 1);
    bool zf_ok = i->cc == 0 || (i->cc == 1 ? emu_cond(cpu, 4) : !emu_cond(cpu, 4));
    if (addr_reg_get(cpu, i, CPU_RCX) != 0 && zf_ok)
        return jump_legacy(cpu, i, RIP(cpu) + i->imm);
    return EMU_NEXT;
}

static void set_rel_legacy(struct emu_insn *insn, const struct emu_decoded *d)
{
    insn->imm = d->op[0].imm.value.u + d->zi->length;
    insn->size = (uint8_t)(d->zi->operand_width / 8);
}

bool emu_select_legacy_branch(struct emu_insn *insn, const struct emu_decoded *d, bool call)
{
    const ZydisDecodedOperand *op = &d->op[0];
    if (op_is_imm(op)) {
        set_rel_legacy(insn, d);
        insn->fn = call ? CALL_Jl : JMP_Jl;
        return true;
    }
    insn->size = (uint8_t)(op->size / 8);
    if (insn->size != 2 && insn->size != 4)
        return false;
    if (op_is_reg(op)) {
        insn->reg = (uint8_t)dec_gpr(op->reg.value);
        insn->fn = call ? CALL_ElR : JMP_ElR;
        return true;
    }
    if (!dec_mem(insn, d, op))
        return false;
    insn->fn = call ? CALL_ElM : JMP_ElM;
    return true;
}

bool emu_select_legacy_jcc(struct emu_insn *insn, const struct emu_decoded *d)
{
    set_rel_legacy(insn, d);
    insn->cc = cond_of(d);
    insn->fn = Jcc_Jl;
    return true;
}

bool emu_select_legacy_ret(struct emu_insn *insn, const struct emu_decoded *d)
{
    insn->size = (uint8_t)(d->zi->operand_width / 8);
    insn->imm = d->nops > 0 && op_is_imm(&d->op[0]) ? d->op[0].imm.value.u & 0xffff : 0;
    insn->fn = RET_Iw_l;
    return true;
}

bool emu_select_legacy_loop(struct emu_insn *insn, const struct emu_decoded *d, unsigned kind)
{
    set_rel_legacy(insn, d);
    insn->cc = (uint8_t)kind;
    insn->flags |= dec_addr_flags(d);
    insn->fn = LOOP_Jl;
    return true;
}

/* ---- stack instructions: size = operand size (2 or 4) ---- */

HANDLER(PUSH_ElR)
{
    return stack_push(cpu, i->size, reg_get(cpu, i->reg, i->size));
}
HANDLER(PUSH_ElM)
{
    uint64_t v;
    int st = read_ea(cpu, i, i->size, &v);
    return st ? st : stack_push(cpu, i->size, v);
}
HANDLER(PUSH_Il)
{
    return stack_push(cpu, i->size, i->imm);
}
HANDLER(PUSH_Sreg_l)
{
    return stack_push(cpu, i->size, cpu->seg[i->rm].selector);
}

HANDLER(POP_ElR)
{
    uint64_t v;
    int st = stack_peek(cpu, 0, i->size, &v);
    if (st)
        return st;
    stack_set_sp(cpu, cpu->r[CPU_RSP] + i->size);
    reg_set(cpu, i->reg, i->size, v);
    return EMU_NEXT;
}
HANDLER(POP_ElM)
{
    uint64_t v, rsp = cpu->r[CPU_RSP];
    int st = stack_peek(cpu, 0, i->size, &v);
    if (st)
        return st;
    stack_set_sp(cpu, rsp + i->size); /* the address is computed after the increment */
    st = write_ea(cpu, i, i->size, v);
    if (st)
        cpu->r[CPU_RSP] = rsp;
    return st;
}
HANDLER(POP_Sreg_l)
{
    uint64_t v;
    int st = stack_peek(cpu, 0, i->size, &v);
    if (!st)
        st = emu_seg_load_data(cpu, i->rm, (uint16_t)v);
    if (st)
        return st;
    stack_set_sp(cpu, cpu->r[CPU_RSP] + i->size);
    if (i->rm == SEG_SS)
        cpu->irq_shadow = true;
    RIP(cpu) += i->len; /* the decoding mode may have changed (SS.B) */
    return EMU_JUMP;
}

HANDLER(PUSHF_l)
{
    return stack_push(cpu, i->size, emu_rflags(cpu) & ~(FL_RF | FL_VM));
}
HANDLER(POPF_l)
{
    uint64_t v;
    int st = stack_peek(cpu, 0, i->size, &v);
    if (st)
        return st;
    emu_flags_popf_load(cpu, v, i->size);
    stack_set_sp(cpu, cpu->r[CPU_RSP] + i->size);
    RIP(cpu) += i->len; /* IF may have changed: let the loop look at interrupts */
    return EMU_JUMP;
}

/* PUSHA/PUSHAD: AX, CX, DX, BX, the original SP, BP, SI, DI. */
HANDLER(PUSHA)
{
    unsigned size = i->size;
    uint64_t sp = cpu->r[CPU_RSP], mask = stack_mask(cpu);
    uint8_t buf[32];
    for (unsigned r = 0; r < 8; r++) {
        uint64_t v = cpu->r[7 - r];
        memcpy(buf + r * size, &v, size);
    }
    uint64_t top = (sp - 8 * size) & mask;
    int st = emu_mem_access(cpu, cpu->ea_base[SEG_SS] + top, 8 * size, ACC_WRITE | ACC_STACK, buf);
    if (!st)
        stack_set_sp(cpu, top);
    return st;
}

/* POPA/POPAD: the reverse, skipping the saved SP. */
HANDLER(POPA)
{
    unsigned size = i->size;
    uint64_t top = cpu->r[CPU_RSP] & stack_mask(cpu);
    uint8_t buf[32];
    int st = emu_mem_access(cpu, cpu->ea_base[SEG_SS] + top, 8 * size, ACC_READ | ACC_STACK, buf);
    if (st)
        return st;
    for (unsigned r = 0; r < 8; r++) {
        uint64_t v = 0;
        memcpy(&v, buf + r * size, size);
        if (7 - r != CPU_RSP)
            reg_set(cpu, 7 - r, size, v);
    }
    stack_set_sp(cpu, top + 8 * size);
    return EMU_NEXT;
}

HANDLER(LEAVE_l)
{
    uint64_t bp = cpu->r[CPU_RBP] & stack_mask(cpu), v;
    int st = mem_read(cpu, cpu->ea_base[SEG_SS] + bp, i->size, ACC_STACK, &v);
    if (st)
        return st;
    stack_set_sp(cpu, bp + i->size);
    reg_set(cpu, CPU_RBP, i->size, v);
    return EMU_NEXT;
}

static bool select_push_pop_operand(struct emu_insn *insn, const struct emu_decoded *d,
                                    bool is_push)
{
    const ZydisDecodedOperand *op = &d->op[0];
    if (op_is_imm(op)) {
        insn->imm = op->imm.value.u & ip_mask(insn->size);
        insn->fn = is_push ? PUSH_Il : NULL;
        return is_push;
    }
    int sreg = op_is_reg(op) ? dec_sreg(op->reg.value) : -1;
    if (sreg >= 0) {
        if (!is_push && sreg == SEG_CS)
            return false;
        insn->rm = (uint8_t)sreg;
        insn->fn = is_push ? PUSH_Sreg_l : POP_Sreg_l;
        if (!is_push)
            insn->flags |= INSN_ENDS;
        return true;
    }
    if (op_is_reg(op)) {
        insn->reg = (uint8_t)dec_gpr(op->reg.value);
        insn->fn = is_push ? PUSH_ElR : POP_ElR;
        return true;
    }
    if (!dec_mem(insn, d, op))
        return false;
    insn->fn = is_push ? PUSH_ElM : POP_ElM;
    return true;
}

bool emu_select_legacy_stack(struct emu_insn *insn, const struct emu_decoded *d)
{
    insn->size = (uint8_t)(d->zi->operand_width / 8);
    if (insn->size != 2 && insn->size != 4)
        return false;
    switch (d->zi->mnemonic) {
    case ZYDIS_MNEMONIC_PUSH: return select_push_pop_operand(insn, d, true);
    case ZYDIS_MNEMONIC_POP: return select_push_pop_operand(insn, d, false);
    case ZYDIS_MNEMONIC_PUSHF:
    case ZYDIS_MNEMONIC_PUSHFD: insn->fn = PUSHF_l; return true;
    case ZYDIS_MNEMONIC_POPF:
    case ZYDIS_MNEMONIC_POPFD:
        insn->fn = POPF_l;
        insn->flags |= INSN_ENDS;
        return true;
    case ZYDIS_MNEMONIC_PUSHA:
    case ZYDIS_MNEMONIC_PUSHAD: insn->fn = PUSHA; return true;
    case ZYDIS_MNEMONIC_POPA:
    case ZYDIS_MNEMONIC_POPAD: insn->fn = POPA; return true;
    case ZYDIS_MNEMONIC_LEAVE: insn->fn = LEAVE_l; return true;
    default: return false; /* ENTER: not implemented for 16/32-bit code */
    }
}

static bool select_legacy_only(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    return emu_select_legacy_stack(insn, d);
}

/* Mnemonics that exist only outside 64-bit mode. */
const struct emu_opdef emu_ops_legacy[] = {
    {ZYDIS_MNEMONIC_PUSHFD, select_legacy_only, NULL, 0},
    {ZYDIS_MNEMONIC_POPFD, select_legacy_only, NULL, OPF_BRANCH},
    {ZYDIS_MNEMONIC_PUSHA, select_legacy_only, NULL, 0},
    {ZYDIS_MNEMONIC_PUSHAD, select_legacy_only, NULL, 0},
    {ZYDIS_MNEMONIC_POPA, select_legacy_only, NULL, 0},
    {ZYDIS_MNEMONIC_POPAD, select_legacy_only, NULL, 0},
    {0},
};
