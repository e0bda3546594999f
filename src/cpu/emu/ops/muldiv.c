// SPDX-License-Identifier: Apache-2.0
/*
 * muldiv.c - MUL, IMUL (one-, two- and three-operand forms), DIV and IDIV
 * (SDM vol. 2). MUL/IMUL set CF = OF = "the high half is significant";
 * SF/ZF/PF follow the low half and AF is 0 (undefined in the SDM). DIV and
 * IDIV raise #DE on a zero divisor or a quotient that does not fit, before
 * changing anything, and leave the flags alone.
 */
#include "cpu/emu/ops/ops.h"

typedef unsigned __int128 u128;
typedef __int128 s128;

static inline void mul_flags(struct emu_cpu *cpu, unsigned size, uint64_t lo, bool significant)
{
    cc_set(cpu, CC_KIND_RESULT, size, 0, significant ? FL_CF | FL_OF : 0, lo);
}

/* One-operand MUL/IMUL: rDX:rAX (AX for bytes) = rAX * src. */
static inline int mul1(struct emu_cpu *cpu, uint64_t src, unsigned size, bool is_signed)
{
    uint64_t a = reg_get(cpu, CPU_RAX, size), lo, hi;
    unsigned bits = size * 8;
    if (size == 8) {
        u128 p = is_signed ? (u128)((s128)(int64_t)a * (int64_t)src) : (u128)a * src;
        lo = (uint64_t)p;
        hi = (uint64_t)(p >> 64);
    } else {
        uint64_t p =
            is_signed ? (uint64_t)((int64_t)sext(a, size) * (int64_t)sext(src, size)) : a * src;
        lo = p & size_mask(size);
        hi = (p >> bits) & size_mask(size);
    }
    bool significant = is_signed ? hi != ((lo & sign_bit(size)) ? size_mask(size) : 0) : hi != 0;
    if (size == 1) {
        reg_set(cpu, CPU_RAX, 2, lo | hi << 8);
    } else {
        reg_set(cpu, CPU_RAX, size, lo);
        reg_set(cpu, CPU_RDX, size, hi);
    }
    mul_flags(cpu, size, lo, significant);
    return EMU_NEXT;
}

/* DIV/IDIV: rDX:rAX (AX for bytes) / src -> rAX quotient, rDX remainder. */
static inline int div1(struct emu_cpu *cpu, uint64_t src, unsigned size, bool is_signed)
{
    if (src == 0)
        return emu_raise(cpu, EXC_DE);
    unsigned bits = size * 8;
    uint64_t lo = size == 1 ? reg_get(cpu, CPU_RAX, 1) : reg_get(cpu, CPU_RAX, size);
    uint64_t hi = size == 1 ? (cpu->r[CPU_RAX] >> 8) & 0xff : reg_get(cpu, CPU_RDX, size);
    uint64_t q, r;
    if (is_signed) {
        s128 n = size == 8 ? (s128)(((u128)hi << 64) | lo)
                           : (s128)(int64_t)sext((hi << bits) | lo, size * 2);
        s128 d = (int64_t)sext(src, size);
        if (d == -1 && (u128)n == (u128)1 << 127) /* the one quotient s128 cannot hold */
            return emu_raise(cpu, EXC_DE);
        s128 sq = n / d, sr = n % d;
        s128 min = -((s128)1 << (bits - 1)), max = ((s128)1 << (bits - 1)) - 1;
        if (sq < min || sq > max)
            return emu_raise(cpu, EXC_DE);
        q = (uint64_t)sq & size_mask(size);
        r = (uint64_t)sr & size_mask(size);
    } else {
        u128 n = ((u128)hi << bits) | lo;
        u128 uq = n / src;
        if (uq > size_mask(size))
            return emu_raise(cpu, EXC_DE);
        q = (uint64_t)uq;
        r = (uint64_t)(n % src);
    }
    if (size == 1) {
        reg_set(cpu, CPU_RAX, 2, q | r << 8);
    } else {
        reg_set(cpu, CPU_RAX, size, q);
        reg_set(cpu, CPU_RDX, size, r);
    }
    return EMU_NEXT;
}

#define ONE_OPERAND(S, SZ, NAME, fn, SIGNED)                  \
    HANDLER(NAME##_E##S##R)                                   \
    {                                                         \
        return fn(cpu, reg_get(cpu, i->reg, SZ), SZ, SIGNED); \
    }                                                         \
    HANDLER(NAME##_E##S##M)                                   \
    {                                                         \
        uint64_t v;                                           \
        int st = read_ea(cpu, i, SZ, &v);                     \
        return st ? st : fn(cpu, v, SZ, SIGNED);              \
    }

FOR_EACH_SIZE(ONE_OPERAND, MUL, mul1, false)
FOR_EACH_SIZE(ONE_OPERAND, IMUL1, mul1, true)
FOR_EACH_SIZE(ONE_OPERAND, DIV, div1, false)
FOR_EACH_SIZE(ONE_OPERAND, IDIV, div1, true)

static const struct emu_unary_forms MUL_forms = {SIZED1(MUL_E, R), SIZED1(MUL_E, M)};
static const struct emu_unary_forms IMUL1_forms = {SIZED1(IMUL1_E, R), SIZED1(IMUL1_E, M)};
static const struct emu_unary_forms DIV_forms = {SIZED1(DIV_E, R), SIZED1(DIV_E, M)};
static const struct emu_unary_forms IDIV_forms = {SIZED1(IDIV_E, R), SIZED1(IDIV_E, M)};

/* Two/three-operand IMUL: reg = a * b truncated. */
static inline uint64_t imul_trunc(struct emu_cpu *cpu, uint64_t a, uint64_t b, unsigned size)
{
    int64_t sa = (int64_t)sext(a, size), sb = (int64_t)sext(b, size);
    uint64_t lo;
    bool significant;
    if (size == 8) {
        s128 p = (s128)sa * sb;
        lo = (uint64_t)p;
        significant = p != (s128)(int64_t)lo;
    } else {
        int64_t p = sa * sb;
        lo = (uint64_t)p & size_mask(size);
        significant = p != (int64_t)sext(lo, size);
    }
    mul_flags(cpu, size, lo, significant);
    return lo;
}

#define IMUL_N(S, SZ, unused)                                                            \
    HANDLER(IMUL_G##S##E##S##R)                                                          \
    {                                                                                    \
        reg_set(cpu, i->reg, SZ,                                                         \
                imul_trunc(cpu, reg_get(cpu, i->reg, SZ), reg_get(cpu, i->rm, SZ), SZ)); \
        return EMU_NEXT;                                                                 \
    }                                                                                    \
    HANDLER(IMUL_G##S##E##S##M)                                                          \
    {                                                                                    \
        uint64_t v;                                                                      \
        int st = read_ea(cpu, i, SZ, &v);                                                \
        if (!st)                                                                         \
            reg_set(cpu, i->reg, SZ, imul_trunc(cpu, reg_get(cpu, i->reg, SZ), v, SZ));  \
        return st;                                                                       \
    }                                                                                    \
    HANDLER(IMUL_G##S##E##S##I##S##R)                                                    \
    {                                                                                    \
        reg_set(cpu, i->reg, SZ, imul_trunc(cpu, reg_get(cpu, i->rm, SZ), i->imm, SZ));  \
        return EMU_NEXT;                                                                 \
    }                                                                                    \
    HANDLER(IMUL_G##S##E##S##I##S##M)                                                    \
    {                                                                                    \
        uint64_t v;                                                                      \
        int st = read_ea(cpu, i, SZ, &v);                                                \
        if (!st)                                                                         \
            reg_set(cpu, i->reg, SZ, imul_trunc(cpu, v, i->imm, SZ));                    \
        return st;                                                                       \
    }
IMUL_N(w, 2, 0)
IMUL_N(d, 4, 0)
IMUL_N(q, 8, 0)

static const struct emu_binary_forms IMUL2_forms = {.rr = SIZED_WDQ(IMUL_G, E, R),
                                                    .rm = SIZED_WDQ(IMUL_G, E, M)};
static const emu_sized IMUL3_r = {NULL, IMUL_GwEwIwR, IMUL_GdEdIdR, IMUL_GqEqIqR};
static const emu_sized IMUL3_m = {NULL, IMUL_GwEwIwM, IMUL_GdEdIdM, IMUL_GqEqIqM};

static bool select_imul(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    if (d->nops == 1)
        return emu_select_unary(insn, d, &IMUL1_forms);
    if (d->nops == 2)
        return emu_select_binary(insn, d, &IMUL2_forms);
    int s = dec_size_index(d->op[0].size / 8);
    if (s < 1 || !op_is_imm(&d->op[2]))
        return false;
    insn->reg = (uint8_t)dec_gpr(d->op[0].reg.value);
    insn->imm = d->op[2].imm.value.u;
    if (op_is_reg(&d->op[1])) {
        insn->rm = (uint8_t)dec_gpr(d->op[1].reg.value);
        insn->fn = IMUL3_r[s];
        return true;
    }
    if (!dec_mem(insn, d, &d->op[1]))
        return false;
    insn->fn = IMUL3_m[s];
    return true;
}

const struct emu_opdef emu_ops_muldiv[] = {
    {ZYDIS_MNEMONIC_MUL, emu_select_unary, &MUL_forms, 0},
    {ZYDIS_MNEMONIC_IMUL, select_imul, NULL, 0},
    {ZYDIS_MNEMONIC_DIV, emu_select_unary, &DIV_forms, 0},
    {ZYDIS_MNEMONIC_IDIV, emu_select_unary, &IDIV_forms, 0},
    {0},
};
