/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ops.h - shared helpers of the instruction-family files: handler
 * signature, operand access, and the macros that instantiate one handler
 * per operand size. Handler names follow Bochs: the operation, then its
 * operands in SDM notation (E = r/m, G = ModRM.reg, I = immediate; b/w/d/q
 * = 8/16/32/64 bits), then R or M for the register or memory form of E.
 */
#ifndef STRATA_CPU_EMU_OPS_OPS_H
#define STRATA_CPU_EMU_OPS_OPS_H

#include "cpu/emu/cpu.h"
#include "cpu/emu/decode.h"
#include "cpu/emu/except.h"
#include "cpu/emu/flags.h"
#include "cpu/emu/mem.h"
#include "cpu/emu/raise.h"

#define HANDLER(name) \
    static int name(struct emu_cpu *cpu, const struct emu_insn *i __attribute__((unused)))

/* Instantiates M(letter, size, ...) for 8, 16, 32 and 64 bits. */
#define FOR_EACH_SIZE(M, ...) \
    M(b, 1, __VA_ARGS__)      \
    M(w, 2, __VA_ARGS__)      \
    M(d, 4, __VA_ARGS__)      \
    M(q, 8, __VA_ARGS__)

/* Tables of the four sized handlers: SIZED(ADD_G, E, R) = {ADD_GbEbR, ..., ADD_GqEqR}. */
#define SIZED(pre, mid, post)                                                                  \
    {                                                                                          \
        pre##b##mid##b##post, pre##w##mid##w##post, pre##d##mid##d##post, pre##q##mid##q##post \
    }
#define SIZED1(pre, post)                                      \
    {                                                          \
        pre##b##post, pre##w##post, pre##d##post, pre##q##post \
    }
/* Same without the 8-bit form. */
#define SIZED_WDQ(pre, mid, post)                                              \
    {                                                                          \
        NULL, pre##w##mid##w##post, pre##d##mid##d##post, pre##q##mid##q##post \
    }
#define SIZED1_WDQ(pre, post)                          \
    {                                                  \
        NULL, pre##w##post, pre##d##post, pre##q##post \
    }

/*
 * The 32- and 64-bit register and memory forms of a VEX-encoded general-register
 * instruction (BMI1, BMI2): NAME_dR .. NAME_qM call FN(cpu, i, size, source, OP),
 * the source read from the r/m register or the EA, and NAME_forms lists them.
 */
#define VEX_GPR_SIZE(S, SZ, FN, NAME, OP)            \
    HANDLER(NAME##_##S##R)                           \
    {                                                \
        FN(cpu, i, SZ, reg_get(cpu, i->rm, SZ), OP); \
        return EMU_NEXT;                             \
    }                                                \
    HANDLER(NAME##_##S##M)                           \
    {                                                \
        uint64_t v;                                  \
        int st = read_ea(cpu, i, SZ, &v);            \
        if (!st)                                     \
            FN(cpu, i, SZ, v, OP);                   \
        return st;                                   \
    }
#define VEX_GPR_FORMS(FN, NAME, OP)                                                              \
    VEX_GPR_SIZE(d, 4, FN, NAME, OP)                                                             \
    VEX_GPR_SIZE(q, 8, FN, NAME, OP)                                                             \
    static const struct emu_unary_forms NAME##_forms = {.r = {NULL, NULL, NAME##_dR, NAME##_qR}, \
                                                        .m = {NULL, NULL, NAME##_dM, NAME##_qM}};

/* Reads the memory operand of i. */
static inline int read_ea(struct emu_cpu *cpu, const struct emu_insn *i, unsigned size, uint64_t *v)
{
    return mem_read(cpu, insn_ea(cpu, i), size, acc_of_seg(i->seg), v);
}

static inline int write_ea(struct emu_cpu *cpu, const struct emu_insn *i, unsigned size, uint64_t v)
{
    return mem_write(cpu, insn_ea(cpu, i), size, acc_of_seg(i->seg), v);
}

/* Near branch target check (64-bit mode: #GP(0) if not canonical). */
static inline int jump_to(struct emu_cpu *cpu, uint64_t target)
{
    if (unlikely(!is_canonical(target)))
        return emu_raise_gp0(cpu);
    RIP(cpu) = target;
    return EMU_JUMP;
}

static inline bool cpl0(const struct emu_cpu *cpu)
{
    return cpu->cpl == 0;
}

/*
 * The stack of 16/32-bit code (SDM vol. 1, 6.2): SS:SP or SS:ESP as SS.B
 * says; a push or pop changes only that many bits of rSP.
 */
static inline uint64_t stack_mask(const struct emu_cpu *cpu)
{
    return cpu->seg[SEG_SS].db ? 0xffffffffull : 0xffffull;
}

static inline void stack_set_sp(struct emu_cpu *cpu, uint64_t sp)
{
    if (cpu->seg[SEG_SS].db)
        cpu->r[CPU_RSP] = (uint32_t)sp;
    else
        *(uint16_t *)&cpu->r[CPU_RSP] = (uint16_t)sp;
}

/* Reads size bytes at stack offset off from rSP (no change to rSP). */
static inline int stack_peek(struct emu_cpu *cpu, uint64_t off, unsigned size, uint64_t *v)
{
    uint64_t sp = (cpu->r[CPU_RSP] + off) & stack_mask(cpu);
    *v = 0;
    return mem_read(cpu, cpu->ea_base[SEG_SS] + sp, size, ACC_STACK, v);
}

static inline int stack_push(struct emu_cpu *cpu, unsigned size, uint64_t v)
{
    uint64_t sp = (cpu->r[CPU_RSP] - size) & stack_mask(cpu);
    int st = mem_write(cpu, cpu->ea_base[SEG_SS] + sp, size, ACC_STACK, v);
    if (likely(!st))
        stack_set_sp(cpu, sp);
    return st;
}

/* The operand-size mask of EIP/IP in 16/32-bit code. */
static inline uint64_t ip_mask(unsigned size)
{
    return size == 2 ? 0xffffull : 0xffffffffull;
}

/* 16/32-bit code (legacy.c, far_legacy.c): selectors the 64-bit ones hand over to. */
bool emu_select_legacy_branch(struct emu_insn *insn, const struct emu_decoded *d, bool call);
bool emu_select_legacy_jcc(struct emu_insn *insn, const struct emu_decoded *d);
bool emu_select_legacy_ret(struct emu_insn *insn, const struct emu_decoded *d);
bool emu_select_legacy_loop(struct emu_insn *insn, const struct emu_decoded *d, unsigned kind);
bool emu_select_legacy_stack(struct emu_insn *insn, const struct emu_decoded *d);
bool emu_select_legacy_far(struct emu_insn *insn, const struct emu_decoded *d, bool call);
bool emu_select_legacy_far_ret(struct emu_insn *insn, const struct emu_decoded *d);
bool emu_select_legacy_iret(struct emu_insn *insn, const struct emu_decoded *d);

/* XCHG r8, rAX with size-byte operands (opcode 90 with REX.B: misc.c, atomic.c). */
bool emu_select_xchg_r8_rax(struct emu_insn *insn, unsigned size);

/* MOV to/from segment, control and debug registers (system.c). */
bool emu_select_mov_special(struct emu_insn *insn, const struct emu_decoded *d);

/* Far JMP/CALL (m16:64 or ptr16:32) and far RET (far.c). */
bool emu_select_far(struct emu_insn *insn, const struct emu_decoded *d, bool call);
bool emu_select_far_ret(struct emu_insn *insn, const struct emu_decoded *d);

/* Condition code of Jcc/SETcc/CMOVcc: the low nibble of the opcode. */
static inline uint8_t cond_of(const struct emu_decoded *d)
{
    return d->zi->opcode & 0xf;
}

/* Reads the r/m16 operand (a selector or a machine status word). */
static inline int read_rm16(struct emu_cpu *cpu, const struct emu_insn *i, uint16_t *sel)
{
    if (i->flags & INSN_REGOP) {
        *sel = (uint16_t)cpu->r[i->rm];
        return EMU_NEXT;
    }
    uint64_t v;
    int st = read_ea(cpu, i, 2, &v);
    *sel = (uint16_t)v;
    return st;
}

/* The r/m16 operand of LLDT/LTR/SLDT/STR/SMSW/LMSW/LAR...: a register (rm) or memory. */
static inline bool select_rm16(struct emu_insn *insn, const struct emu_decoded *d, emu_handler fn,
                               uint8_t cc)
{
    const ZydisDecodedOperand *op = &d->op[0];
    insn->cc = cc;
    insn->fn = fn;
    if (op_is_reg(op)) {
        insn->reg = insn->rm = (uint8_t)dec_gpr(op->reg.value);
        insn->size = (uint8_t)(op->size / 8);
        insn->flags |= INSN_REGOP;
        return true;
    }
    return dec_mem(insn, d, op);
}

#endif
