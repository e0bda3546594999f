// SPDX-License-Identifier: Apache-2.0
/*
 * alu.c - integer arithmetic and logic: ADD, OR, ADC, SBB, AND, SUB, XOR,
 * CMP, TEST and INC, DEC, NOT, NEG in every operand size and form (SDM
 * vol. 2), LOCK-prefixed memory forms as host atomics.
 */
#include "cpu/emu/ops/ops.h"

/* Each operation computes the result of size bytes and records lazy flags; cin = CF in. */
static inline uint64_t op_add(struct emu_cpu *cpu, uint64_t a, uint64_t b, unsigned size, bool cin)
{
    (void)cin;
    uint64_t r = (a + b) & size_mask(size);
    cc_set(cpu, CC_KIND_ADD, size, a, b, r);
    return r;
}
static inline uint64_t op_adc(struct emu_cpu *cpu, uint64_t a, uint64_t b, unsigned size, bool cin)
{
    uint64_t r = (a + b + cin) & size_mask(size);
    cc_set(cpu, cin ? CC_KIND_ADC : CC_KIND_ADD, size, a, b, r);
    return r;
}
static inline uint64_t op_sub(struct emu_cpu *cpu, uint64_t a, uint64_t b, unsigned size, bool cin)
{
    (void)cin;
    uint64_t r = (a - b) & size_mask(size);
    cc_set(cpu, CC_KIND_SUB, size, a, b, r);
    return r;
}
static inline uint64_t op_sbb(struct emu_cpu *cpu, uint64_t a, uint64_t b, unsigned size, bool cin)
{
    uint64_t r = (a - b - cin) & size_mask(size);
    cc_set(cpu, cin ? CC_KIND_SBB : CC_KIND_SUB, size, a, b, r);
    return r;
}
static inline uint64_t op_and(struct emu_cpu *cpu, uint64_t a, uint64_t b, unsigned size, bool cin)
{
    (void)cin;
    uint64_t r = a & b & size_mask(size);
    cc_set(cpu, CC_KIND_LOGIC, size, 0, 0, r);
    return r;
}
static inline uint64_t op_or(struct emu_cpu *cpu, uint64_t a, uint64_t b, unsigned size, bool cin)
{
    (void)cin;
    uint64_t r = (a | b) & size_mask(size);
    cc_set(cpu, CC_KIND_LOGIC, size, 0, 0, r);
    return r;
}
static inline uint64_t op_xor(struct emu_cpu *cpu, uint64_t a, uint64_t b, unsigned size, bool cin)
{
    (void)cin;
    uint64_t r = (a ^ b) & size_mask(size);
    cc_set(cpu, CC_KIND_LOGIC, size, 0, 0, r);
    return r;
}
#define op_cmp  op_sub
#define op_test op_and

/* dst op= src with dst in memory: a read-modify-write, atomic under LOCK. */
static inline int rmw_binary(struct emu_cpu *cpu, const struct emu_insn *i, unsigned size,
                             uint64_t src, bool cin,
                             uint64_t (*op)(struct emu_cpu *, uint64_t, uint64_t, unsigned, bool))
{
    struct emu_rmw m;
    int st = mem_rmw_begin(cpu, insn_ea(cpu, i), size, acc_of_seg(i->seg), &m);
    if (unlikely(st))
        return st;
    uint64_t old = mem_rmw_load(cpu, &m);
    if (unlikely(i->flags & INSN_LOCK)) {
        while (!mem_rmw_cas(cpu, &m, &old, op(cpu, old, src, size, cin)))
            ;
    } else {
        mem_rmw_store(cpu, &m, op(cpu, old, src, size, cin));
    }
    return EMU_NEXT;
}

#define CIN(NEEDS_CF) ((NEEDS_CF) ? emu_flags_cf(cpu) : false)

#define BINARY_SIZE(S, SZ, NAME, op, WRITES, NEEDS_CF)                                             \
    HANDLER(NAME##_G##S##E##S##R)                                                                  \
    {                                                                                              \
        uint64_t r =                                                                               \
            op(cpu, reg_get(cpu, i->reg, SZ), reg_get(cpu, i->rm, SZ), SZ, CIN(NEEDS_CF));         \
        if (WRITES)                                                                                \
            reg_set(cpu, i->reg, SZ, r);                                                           \
        return EMU_NEXT;                                                                           \
    }                                                                                              \
    HANDLER(NAME##_G##S##E##S##M)                                                                  \
    {                                                                                              \
        uint64_t v;                                                                                \
        int st = read_ea(cpu, i, SZ, &v);                                                          \
        if (unlikely(st))                                                                          \
            return st;                                                                             \
        uint64_t r = op(cpu, reg_get(cpu, i->reg, SZ), v, SZ, CIN(NEEDS_CF));                      \
        if (WRITES)                                                                                \
            reg_set(cpu, i->reg, SZ, r);                                                           \
        return EMU_NEXT;                                                                           \
    }                                                                                              \
    HANDLER(NAME##_E##S##G##S##M)                                                                  \
    {                                                                                              \
        if (!(WRITES)) {                                                                           \
            uint64_t v;                                                                            \
            int st = read_ea(cpu, i, SZ, &v);                                                      \
            if (likely(!st))                                                                       \
                op(cpu, v, reg_get(cpu, i->rm, SZ), SZ, false);                                    \
            return st;                                                                             \
        }                                                                                          \
        return rmw_binary(cpu, i, SZ, reg_get(cpu, i->rm, SZ), CIN(NEEDS_CF), op);                 \
    }                                                                                              \
    HANDLER(NAME##_E##S##I##S##R)                                                                  \
    {                                                                                              \
        uint64_t r = op(cpu, reg_get(cpu, i->reg, SZ), i->imm & size_mask(SZ), SZ, CIN(NEEDS_CF)); \
        if (WRITES)                                                                                \
            reg_set(cpu, i->reg, SZ, r);                                                           \
        return EMU_NEXT;                                                                           \
    }                                                                                              \
    HANDLER(NAME##_E##S##I##S##M)                                                                  \
    {                                                                                              \
        if (!(WRITES)) {                                                                           \
            uint64_t v;                                                                            \
            int st = read_ea(cpu, i, SZ, &v);                                                      \
            if (likely(!st))                                                                       \
                op(cpu, v, i->imm &size_mask(SZ), SZ, false);                                      \
            return st;                                                                             \
        }                                                                                          \
        return rmw_binary(cpu, i, SZ, i->imm & size_mask(SZ), CIN(NEEDS_CF), op);                  \
    }

#define BINARY(NAME, op, WRITES, NEEDS_CF)                 \
    FOR_EACH_SIZE(BINARY_SIZE, NAME, op, WRITES, NEEDS_CF) \
    static const struct emu_binary_forms NAME##_forms = {  \
        .rr = SIZED(NAME##_G, E, R),                       \
        .rm = SIZED(NAME##_G, E, M),                       \
        .mr = SIZED(NAME##_E, G, M),                       \
        .ri = SIZED(NAME##_E, I, R),                       \
        .mi = SIZED(NAME##_E, I, M),                       \
    };

BINARY(ADD, op_add, true, false)
BINARY(OR, op_or, true, false)
BINARY(ADC, op_adc, true, true)
BINARY(SBB, op_sbb, true, true)
BINARY(AND, op_and, true, false)
BINARY(SUB, op_sub, true, false)
BINARY(XOR, op_xor, true, false)
BINARY(CMP, op_cmp, false, false)
BINARY(TEST, op_test, false, false)

/* One-operand operations; INC/DEC keep CF (it goes into the lazy record). */
static inline uint64_t op_inc(struct emu_cpu *cpu, uint64_t a, uint64_t b, unsigned size, bool cin)
{
    (void)b;
    uint64_t r = (a + 1) & size_mask(size);
    cc_set(cpu, CC_KIND_INC, size, a, cin ? FL_CF : 0, r);
    return r;
}
static inline uint64_t op_dec(struct emu_cpu *cpu, uint64_t a, uint64_t b, unsigned size, bool cin)
{
    (void)b;
    uint64_t r = (a - 1) & size_mask(size);
    cc_set(cpu, CC_KIND_DEC, size, a, cin ? FL_CF : 0, r);
    return r;
}
static inline uint64_t op_not(struct emu_cpu *cpu, uint64_t a, uint64_t b, unsigned size, bool cin)
{
    (void)cpu, (void)b, (void)cin;
    return ~a & size_mask(size);
}
static inline uint64_t op_neg(struct emu_cpu *cpu, uint64_t a, uint64_t b, unsigned size, bool cin)
{
    (void)b, (void)cin;
    uint64_t r = (0 - a) & size_mask(size);
    cc_set(cpu, CC_KIND_SUB, size, 0, a, r);
    return r;
}

#define UNARY_SIZE(S, SZ, NAME, op, NEEDS_CF)                                              \
    HANDLER(NAME##_E##S##R)                                                                \
    {                                                                                      \
        reg_set(cpu, i->reg, SZ, op(cpu, reg_get(cpu, i->reg, SZ), 0, SZ, CIN(NEEDS_CF))); \
        return EMU_NEXT;                                                                   \
    }                                                                                      \
    HANDLER(NAME##_E##S##M)                                                                \
    {                                                                                      \
        return rmw_binary(cpu, i, SZ, 0, CIN(NEEDS_CF), op);                               \
    }

#define UNARY(NAME, op, NEEDS_CF)                        \
    FOR_EACH_SIZE(UNARY_SIZE, NAME, op, NEEDS_CF)        \
    static const struct emu_unary_forms NAME##_forms = { \
        .r = SIZED1(NAME##_E, R),                        \
        .m = SIZED1(NAME##_E, M),                        \
    };

UNARY(INC, op_inc, true)
UNARY(DEC, op_dec, true)
UNARY(NOT, op_not, false)
UNARY(NEG, op_neg, false)

const struct emu_opdef emu_ops_alu[] = {
    {ZYDIS_MNEMONIC_ADD, emu_select_binary, &ADD_forms, 0},
    {ZYDIS_MNEMONIC_OR, emu_select_binary, &OR_forms, 0},
    {ZYDIS_MNEMONIC_ADC, emu_select_binary, &ADC_forms, 0},
    {ZYDIS_MNEMONIC_SBB, emu_select_binary, &SBB_forms, 0},
    {ZYDIS_MNEMONIC_AND, emu_select_binary, &AND_forms, 0},
    {ZYDIS_MNEMONIC_SUB, emu_select_binary, &SUB_forms, 0},
    {ZYDIS_MNEMONIC_XOR, emu_select_binary, &XOR_forms, 0},
    {ZYDIS_MNEMONIC_CMP, emu_select_binary, &CMP_forms, 0},
    {ZYDIS_MNEMONIC_TEST, emu_select_binary, &TEST_forms, 0},
    {ZYDIS_MNEMONIC_INC, emu_select_unary, &INC_forms, 0},
    {ZYDIS_MNEMONIC_DEC, emu_select_unary, &DEC_forms, 0},
    {ZYDIS_MNEMONIC_NOT, emu_select_unary, &NOT_forms, 0},
    {ZYDIS_MNEMONIC_NEG, emu_select_unary, &NEG_forms, 0},
    {0},
};
