// SPDX-License-Identifier: Apache-2.0
/*
 * bit.c - bit instructions: BT, BTS, BTR, BTC (register, immediate and the
 * bit-string memory form whose offset reaches beyond the operand, SDM
 * vol. 2 "BT"), BSF, BSR, TZCNT and LZCNT (BMI1 / LZCNT as CPUID
 * advertises them), POPCNT, and the BMI1 group ANDN, BEXTR, BLSI, BLSMSK,
 * BLSR. Flags the SDM leaves undefined are left unchanged.
 */
#include "cpu/emu/ops/ops.h"

enum bt_op { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };

static inline uint64_t bt_apply(enum bt_op op, uint64_t v, uint64_t bit)
{
    switch (op) {
    case BT_SET: return v | bit;
    case BT_RESET: return v & ~bit;
    case BT_COMPLEMENT: return v ^ bit;
    default: return v;
    }
}

static inline void set_cf(struct emu_cpu *cpu, bool cf)
{
    emu_flags_materialize(cpu);
    cpu->rflags = (cpu->rflags & ~FL_CF) | (cf ? FL_CF : 0);
}

static inline int bt_reg(struct emu_cpu *cpu, const struct emu_insn *i, unsigned size,
                         uint64_t offset, enum bt_op op)
{
    uint64_t v = reg_get(cpu, i->reg, size), bit = 1ull << (offset & (size * 8 - 1));
    set_cf(cpu, v & bit);
    if (op != BT_TEST)
        reg_set(cpu, i->reg, size, bt_apply(op, v, bit));
    return EMU_NEXT;
}

/* Memory form; with a register offset the address moves by whole operands (signed). */
static inline int bt_mem(struct emu_cpu *cpu, const struct emu_insn *i, unsigned size,
                         int64_t offset, bool reg_offset, enum bt_op op)
{
    int64_t bits = size * 8;
    uint64_t ea = insn_ea(cpu, i);
    if (reg_offset) {
        int64_t words = offset >= 0 ? offset / bits : -((-offset + bits - 1) / bits);
        ea += (uint64_t)(words * (int64_t)size);
    }
    uint64_t bit = 1ull << ((uint64_t)offset & (uint64_t)(bits - 1));
    if (op == BT_TEST) {
        uint64_t v;
        int st = mem_read(cpu, ea, size, acc_of_seg(i->seg), &v);
        if (!st)
            set_cf(cpu, v & bit);
        return st;
    }
    struct emu_rmw m;
    int st = mem_rmw_begin(cpu, ea, size, acc_of_seg(i->seg), &m);
    if (st)
        return st;
    uint64_t old = mem_rmw_load(cpu, &m);
    if (i->flags & INSN_LOCK) {
        while (!mem_rmw_cas(cpu, &m, &old, bt_apply(op, old, bit)))
            ;
    } else {
        mem_rmw_store(cpu, &m, bt_apply(op, old, bit));
    }
    set_cf(cpu, old & bit);
    return EMU_NEXT;
}

#define BT_SIZE(S, SZ, NAME, OP)                                                         \
    HANDLER(NAME##_E##S##G##S##R)                                                        \
    {                                                                                    \
        return bt_reg(cpu, i, SZ, reg_get(cpu, i->rm, SZ), OP);                          \
    }                                                                                    \
    HANDLER(NAME##_E##S##I##b##R)                                                        \
    {                                                                                    \
        return bt_reg(cpu, i, SZ, i->imm, OP);                                           \
    }                                                                                    \
    HANDLER(NAME##_E##S##G##S##M)                                                        \
    {                                                                                    \
        return bt_mem(cpu, i, SZ, (int64_t)sext(reg_get(cpu, i->rm, SZ), SZ), true, OP); \
    }                                                                                    \
    HANDLER(NAME##_E##S##I##b##M)                                                        \
    {                                                                                    \
        return bt_mem(cpu, i, SZ, (int64_t)(i->imm & 0xff), false, OP);                  \
    }

#define BT_FAMILY(NAME, OP)                                     \
    BT_SIZE(w, 2, NAME, OP)                                     \
    BT_SIZE(d, 4, NAME, OP)                                     \
    BT_SIZE(q, 8, NAME, OP)                                     \
    static const struct emu_binary_forms NAME##_forms = {       \
        .rr = {NULL, NAME##_EwGwR, NAME##_EdGdR, NAME##_EqGqR}, \
        .mr = {NULL, NAME##_EwGwM, NAME##_EdGdM, NAME##_EqGqM}, \
        .ri = {NULL, NAME##_EwIbR, NAME##_EdIbR, NAME##_EqIbR}, \
        .mi = {NULL, NAME##_EwIbM, NAME##_EdIbM, NAME##_EqIbM}, \
    };

BT_FAMILY(BT, BT_TEST)
BT_FAMILY(BTS, BT_SET)
BT_FAMILY(BTR, BT_RESET)
BT_FAMILY(BTC, BT_COMPLEMENT)

/* Scans and counts: dst (reg) <- f(src). */
enum scan_op { SCAN_BSF, SCAN_BSR, SCAN_TZCNT, SCAN_LZCNT, SCAN_POPCNT };

static inline void scan(struct emu_cpu *cpu, const struct emu_insn *i, unsigned size, uint64_t v,
                        enum scan_op op)
{
    unsigned bits = size * 8;
    v &= size_mask(size);
    emu_flags_materialize(cpu);
    uint64_t f = cpu->rflags;
    switch (op) {
    case SCAN_BSF:
    case SCAN_BSR:
        if (v == 0) { /* destination unchanged, as hardware does */
            f |= FL_ZF;
        } else {
            f &= ~FL_ZF;
            reg_set(cpu, i->reg, size,
                    op == SCAN_BSF ? __builtin_ctzll(v) : 63 - __builtin_clzll(v));
        }
        break;
    case SCAN_TZCNT:
    case SCAN_LZCNT: {
        uint64_t n = v == 0             ? bits
                     : op == SCAN_TZCNT ? (uint64_t)__builtin_ctzll(v)
                                        : (uint64_t)(__builtin_clzll(v) - (64 - bits));
        f = (f & ~(FL_CF | FL_ZF)) | (v == 0 ? FL_CF : 0) | (n == 0 ? FL_ZF : 0);
        reg_set(cpu, i->reg, size, n);
        break;
    }
    default: /* POPCNT */
        f &= ~FL_ARITH;
        if (v == 0)
            f |= FL_ZF;
        reg_set(cpu, i->reg, size, (uint64_t)__builtin_popcountll(v));
        break;
    }
    cpu->rflags = f;
}

#define SCAN_SIZE(S, SZ, NAME, OP)                     \
    HANDLER(NAME##_G##S##E##S##R)                      \
    {                                                  \
        scan(cpu, i, SZ, reg_get(cpu, i->rm, SZ), OP); \
        return EMU_NEXT;                               \
    }                                                  \
    HANDLER(NAME##_G##S##E##S##M)                      \
    {                                                  \
        uint64_t v;                                    \
        int st = read_ea(cpu, i, SZ, &v);              \
        if (!st)                                       \
            scan(cpu, i, SZ, v, OP);                   \
        return st;                                     \
    }

#define SCAN(NAME, OP)                                                                    \
    SCAN_SIZE(w, 2, NAME, OP)                                                             \
    SCAN_SIZE(d, 4, NAME, OP)                                                             \
    SCAN_SIZE(q, 8, NAME, OP)                                                             \
    static const struct emu_binary_forms NAME##_forms = {.rr = SIZED_WDQ(NAME##_G, E, R), \
                                                         .rm = SIZED_WDQ(NAME##_G, E, M)};

SCAN(BSF, SCAN_BSF)
SCAN(BSR, SCAN_BSR)
SCAN(TZCNT, SCAN_TZCNT)
SCAN(LZCNT, SCAN_LZCNT)
SCAN(POPCNT, SCAN_POPCNT)

/* BMI1 (VEX): dst = f(src1 = vvvv register, src2 = r/m). */
enum bmi_op { BMI_ANDN, BMI_BEXTR, BMI_BLSI, BMI_BLSMSK, BMI_BLSR };

static inline void bmi(struct emu_cpu *cpu, const struct emu_insn *i, unsigned size, uint64_t src,
                       enum bmi_op op)
{
    uint64_t mask = size_mask(size), r;
    bool cf;
    src &= mask;
    switch (op) {
    case BMI_ANDN:
        r = ~reg_get(cpu, i->cc, size) & src & mask;
        cf = false;
        break;
    case BMI_BEXTR: {
        uint64_t ctl = reg_get(cpu, i->cc, size);
        unsigned start = ctl & 0xff, len = (ctl >> 8) & 0xff, bits = size * 8;
        r = start >= bits ? 0 : src >> start;
        if (len < 64)
            r &= (1ull << len) - 1;
        cf = false;
        break;
    }
    case BMI_BLSI:
        r = src & (0 - src) & mask;
        cf = src != 0;
        break;
    case BMI_BLSMSK:
        r = (src ^ (src - 1)) & mask;
        cf = src == 0;
        break;
    default: /* BLSR */
        r = src & (src - 1) & mask;
        cf = src == 0;
        break;
    }
    /* ZF/SF from the result, OF = 0, CF as above; AF/PF undefined (computed from r) */
    cc_set(cpu, CC_KIND_RESULT, size, 0, cf ? FL_CF : 0, r);
    reg_set(cpu, op == BMI_ANDN || op == BMI_BEXTR ? i->reg : i->cc, size, r);
}

#define BMI(NAME, OP) VEX_GPR_FORMS(bmi, NAME, OP)
BMI(ANDN, BMI_ANDN)
BMI(BEXTR, BMI_BEXTR)
BMI(BLSI, BMI_BLSI)
BMI(BLSMSK, BMI_BLSMSK)
BMI(BLSR, BMI_BLSR)

/*
 * Operand layouts: ANDN/BEXTR: reg, (vvvv | r/m), (r/m | vvvv); BLS*: vvvv, r/m.
 * The VEX.vvvv register goes to insn->cc, the r/m source to rm or the EA.
 */
static bool select_bmi(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    const struct emu_unary_forms *f = arg;
    if (d->nops < 2 || !op_is_reg(&d->op[0]))
        return false;
    int s = dec_size_index(d->op[0].size / 8);
    if (s < 2)
        return false;
    const ZydisDecodedOperand *src, *other;
    if (d->nops == 3) {
        insn->reg = (uint8_t)dec_gpr(d->op[0].reg.value);
        bool andn = f == &ANDN_forms;
        src = andn ? &d->op[2] : &d->op[1];
        other = andn ? &d->op[1] : &d->op[2];
        insn->cc = (uint8_t)dec_gpr(other->reg.value);
    } else {
        insn->cc = (uint8_t)dec_gpr(d->op[0].reg.value);
        src = &d->op[1];
    }
    if (op_is_reg(src)) {
        insn->rm = (uint8_t)dec_gpr(src->reg.value);
        insn->fn = f->r[s];
        return true;
    }
    if (!dec_mem(insn, d, src))
        return false;
    insn->fn = f->m[s];
    return true;
}

const struct emu_opdef emu_ops_bit[] = {
    {ZYDIS_MNEMONIC_BT, emu_select_binary, &BT_forms, 0},
    {ZYDIS_MNEMONIC_BTS, emu_select_binary, &BTS_forms, 0},
    {ZYDIS_MNEMONIC_BTR, emu_select_binary, &BTR_forms, 0},
    {ZYDIS_MNEMONIC_BTC, emu_select_binary, &BTC_forms, 0},
    {ZYDIS_MNEMONIC_BSF, emu_select_binary, &BSF_forms, 0},
    {ZYDIS_MNEMONIC_BSR, emu_select_binary, &BSR_forms, 0},
    {ZYDIS_MNEMONIC_TZCNT, emu_select_binary, &TZCNT_forms, 0},
    {ZYDIS_MNEMONIC_LZCNT, emu_select_binary, &LZCNT_forms, 0},
    {ZYDIS_MNEMONIC_POPCNT, emu_select_binary, &POPCNT_forms, 0},
    {ZYDIS_MNEMONIC_ANDN, select_bmi, &ANDN_forms, 0},
    {ZYDIS_MNEMONIC_BEXTR, select_bmi, &BEXTR_forms, 0},
    {ZYDIS_MNEMONIC_BLSI, select_bmi, &BLSI_forms, 0},
    {ZYDIS_MNEMONIC_BLSMSK, select_bmi, &BLSMSK_forms, 0},
    {ZYDIS_MNEMONIC_BLSR, select_bmi, &BLSR_forms, 0},
    {0},
};
