// SPDX-License-Identifier: Apache-2.0
/*
 * branch.c - near control transfers in 64-bit mode (16/32-bit code goes to
 * legacy.c): JMP, Jcc, CALL, RET
 * (with imm16), LOOP/LOOPE/LOOPNE and JRCXZ/JECXZ (SDM vol. 2). A target
 * that is not canonical raises #GP(0) at the branch with nothing changed.
 * Relative targets are kept as (target - instruction start) in imm. Far
 * forms are handed to far.c.
 */
#include "cpu/emu/ops/ops.h"

HANDLER(JMP_Jq)
{
    return jump_to(cpu, RIP(cpu) + i->imm);
}
HANDLER(JMP_EqR)
{
    return jump_to(cpu, cpu->r[i->reg]);
}
HANDLER(JMP_EqM)
{
    uint64_t t;
    int st = read_ea(cpu, i, 8, &t);
    return st ? st : jump_to(cpu, t);
}

/* One Jcc handler per condition, so that the condition folds into it. */
#define JCC_HANDLER(CC)                             \
    HANDLER(Jcc_Jq_##CC)                            \
    {                                               \
        if (emu_cond(cpu, CC))                      \
            return jump_to(cpu, RIP(cpu) + i->imm); \
        return EMU_NEXT;                            \
    }
JCC_HANDLER(0)
JCC_HANDLER(1)
JCC_HANDLER(2)
JCC_HANDLER(3)
JCC_HANDLER(4)
JCC_HANDLER(5)
JCC_HANDLER(6)
JCC_HANDLER(7)
JCC_HANDLER(8)
JCC_HANDLER(9)
JCC_HANDLER(10)
JCC_HANDLER(11)
JCC_HANDLER(12)
JCC_HANDLER(13)
JCC_HANDLER(14)
JCC_HANDLER(15)

static const emu_handler Jcc_Jq[16] = {
    Jcc_Jq_0, Jcc_Jq_1, Jcc_Jq_2,  Jcc_Jq_3,  Jcc_Jq_4,  Jcc_Jq_5,  Jcc_Jq_6,  Jcc_Jq_7,
    Jcc_Jq_8, Jcc_Jq_9, Jcc_Jq_10, Jcc_Jq_11, Jcc_Jq_12, Jcc_Jq_13, Jcc_Jq_14, Jcc_Jq_15,
};

static inline int call_to(struct emu_cpu *cpu, const struct emu_insn *i, uint64_t target)
{
    if (unlikely(!is_canonical(target)))
        return emu_raise_gp0(cpu);
    int st = push64(cpu, RIP(cpu) + i->len);
    if (unlikely(st))
        return st;
    RIP(cpu) = target;
    return EMU_JUMP;
}
HANDLER(CALL_Jq)
{
    return call_to(cpu, i, RIP(cpu) + i->imm);
}
HANDLER(CALL_EqR)
{
    return call_to(cpu, i, cpu->r[i->reg]);
}
HANDLER(CALL_EqM)
{
    uint64_t t;
    int st = read_ea(cpu, i, 8, &t);
    return st ? st : call_to(cpu, i, t);
}

HANDLER(RET_Iw)
{
    uint64_t t;
    int st = mem_read(cpu, cpu->r[CPU_RSP], 8, ACC_STACK, &t);
    if (unlikely(st))
        return st;
    if (unlikely(!is_canonical(t)))
        return emu_raise_gp0(cpu);
    cpu->r[CPU_RSP] += 8 + i->imm;
    RIP(cpu) = t;
    return EMU_JUMP;
}

HANDLER(LOOP_Jb)
{
    addr_reg_set(cpu, i, CPU_RCX, addr_reg_get(cpu, i, CPU_RCX) - 1);
    bool zf_ok = i->cc == 0 || (i->cc == 1 ? emu_cond(cpu, 4) : !emu_cond(cpu, 4));
    if (addr_reg_get(cpu, i, CPU_RCX) != 0 && zf_ok)
        return jump_to(cpu, RIP(cpu) + i->imm);
    return EMU_NEXT;
}
HANDLER(JRCXZ_Jb)
{
    if (addr_reg_get(cpu, i, CPU_RCX) == 0)
        return jump_to(cpu, RIP(cpu) + i->imm);
    return EMU_NEXT;
}

/* imm = target - start of this instruction */
static void set_rel(struct emu_insn *insn, const struct emu_decoded *d)
{
    insn->imm = d->op[0].imm.value.u + d->zi->length;
}

static bool select_jmp_call(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    bool call = arg != NULL;
    if (d->zi->meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
        return dec_legacy(d) ? emu_select_legacy_far(insn, d, call) : emu_select_far(insn, d, call);
    if (dec_legacy(d))
        return emu_select_legacy_branch(insn, d, call);
    const ZydisDecodedOperand *op = &d->op[0];
    if (op_is_imm(op)) {
        set_rel(insn, d);
        insn->fn = call ? CALL_Jq : JMP_Jq;
        return true;
    }
    if (op->size != 64)
        return false;
    if (op_is_reg(op)) {
        insn->reg = (uint8_t)dec_gpr(op->reg.value);
        insn->fn = call ? CALL_EqR : JMP_EqR;
        return true;
    }
    if (!dec_mem(insn, d, op))
        return false;
    insn->fn = call ? CALL_EqM : JMP_EqM;
    return true;
}

static bool select_jcc(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    if (dec_legacy(d))
        return emu_select_legacy_jcc(insn, d);
    set_rel(insn, d);
    insn->cc = cond_of(d);
    insn->fn = Jcc_Jq[insn->cc];
    return true;
}

static bool select_ret(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    if (d->zi->meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
        return dec_legacy(d) ? emu_select_legacy_far_ret(insn, d) : emu_select_far_ret(insn, d);
    if (dec_legacy(d))
        return emu_select_legacy_ret(insn, d);
    insn->imm = d->nops > 0 && op_is_imm(&d->op[0]) ? d->op[0].imm.value.u & 0xffff : 0;
    insn->fn = RET_Iw;
    return true;
}

static bool select_loop(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    if (dec_legacy(d))
        return emu_select_legacy_loop(insn, d, (unsigned)(uintptr_t)arg);
    set_rel(insn, d);
    insn->cc = (uint8_t)(uintptr_t)arg; /* 0 LOOP, 1 LOOPE, 2 LOOPNE */
    insn->flags |= dec_addr_flags(d);
    insn->fn = LOOP_Jb;
    return true;
}

static bool select_jrcxz(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    if (dec_legacy(d))
        return emu_select_legacy_loop(insn, d, 3);
    set_rel(insn, d);
    insn->flags |= dec_addr_flags(d);
    insn->fn = JRCXZ_Jb;
    return true;
}

#define JCC(m)                                           \
    {                                                    \
        ZYDIS_MNEMONIC_##m, select_jcc, NULL, OPF_BRANCH \
    }

const struct emu_opdef emu_ops_branch[] = {
    {ZYDIS_MNEMONIC_JMP, select_jmp_call, NULL, OPF_BRANCH},
    {ZYDIS_MNEMONIC_CALL, select_jmp_call, "call", OPF_BRANCH},
    {ZYDIS_MNEMONIC_RET, select_ret, NULL, OPF_BRANCH},
    JCC(JO),
    JCC(JNO),
    JCC(JB),
    JCC(JNB),
    JCC(JZ),
    JCC(JNZ),
    JCC(JBE),
    JCC(JNBE),
    JCC(JS),
    JCC(JNS),
    JCC(JP),
    JCC(JNP),
    JCC(JL),
    JCC(JNL),
    JCC(JLE),
    JCC(JNLE),
    {ZYDIS_MNEMONIC_LOOP, select_loop, (void *)0, OPF_BRANCH},
    {ZYDIS_MNEMONIC_LOOPE, select_loop, (void *)1, OPF_BRANCH},
    {ZYDIS_MNEMONIC_LOOPNE, select_loop, (void *)2, OPF_BRANCH},
    {ZYDIS_MNEMONIC_JRCXZ, select_jrcxz, NULL, OPF_BRANCH},
    {ZYDIS_MNEMONIC_JECXZ, select_jrcxz, NULL, OPF_BRANCH},
    {ZYDIS_MNEMONIC_JCXZ, select_jrcxz, NULL, OPF_BRANCH},
    {0},
};
