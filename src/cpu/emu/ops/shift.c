// SPDX-License-Identifier: Apache-2.0
/*
 * shift.c - shifts and rotates: SHL/SAL, SHR, SAR, ROL, ROR, RCL, RCR with a
 * count of 1, imm8 or CL, and the double shifts SHLD/SHRD (SDM vol. 2,
 * "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR", "SHLD", "SHRD"). The count is masked
 * to 5 bits (6 for 64-bit operands); a zero count changes neither the
 * operand nor the flags. Where the SDM leaves a flag undefined we compute
 * what the count-of-1 formula gives.
 */
#include "cpu/emu/ops/ops.h"

static inline unsigned count_mask(unsigned size)
{
    return size == 8 ? 63 : 31;
}

static inline void set_cf_of(struct emu_cpu *cpu, unsigned size, uint64_t res, bool cf, bool of)
{
    cc_set(cpu, CC_KIND_RESULT, size, 0, (cf ? FL_CF : 0) | (of ? FL_OF : 0), res);
}

/* Rotates leave SF/ZF/PF/AF alone: only CF and OF change. */
static inline void set_rot_flags(struct emu_cpu *cpu, bool cf, bool of)
{
    emu_flags_materialize(cpu);
    cpu->rflags = (cpu->rflags & ~(FL_CF | FL_OF)) | (cf ? FL_CF : 0) | (of ? FL_OF : 0);
}

/* Each operation: value a, count c (already masked, non-zero) -> result. */
static inline uint64_t op_shl(struct emu_cpu *cpu, uint64_t a, unsigned c, unsigned size)
{
    unsigned bits = size * 8;
    bool cf = c <= bits ? (c == 64 ? a & 1 : (a >> (bits - c)) & 1) : 0;
    uint64_t r = c >= 64 ? 0 : (a << c) & size_mask(size);
    set_cf_of(cpu, size, r, cf, ((r & sign_bit(size)) != 0) ^ cf);
    return r;
}
static inline uint64_t op_shr(struct emu_cpu *cpu, uint64_t a, unsigned c, unsigned size)
{
    bool cf = c <= 64 ? (a >> (c - 1)) & 1 : 0;
    uint64_t r = c >= 64 ? 0 : a >> c;
    set_cf_of(cpu, size, r, cf, (a & sign_bit(size)) != 0);
    return r;
}
static inline uint64_t op_sar(struct emu_cpu *cpu, uint64_t a, unsigned c, unsigned size)
{
    int64_t sa = (int64_t)sext(a, size);
    bool cf = (sa >> (c - 1 > 63 ? 63 : c - 1)) & 1;
    uint64_t r = (uint64_t)(sa >> (c > 63 ? 63 : c)) & size_mask(size);
    set_cf_of(cpu, size, r, cf, false);
    return r;
}
static inline uint64_t op_rol(struct emu_cpu *cpu, uint64_t a, unsigned c, unsigned size)
{
    unsigned bits = size * 8, k = c % bits;
    uint64_t r = k ? ((a << k) | (a >> (bits - k))) & size_mask(size) : a;
    bool cf = r & 1;
    set_rot_flags(cpu, cf, ((r & sign_bit(size)) != 0) ^ cf);
    return r;
}
static inline uint64_t op_ror(struct emu_cpu *cpu, uint64_t a, unsigned c, unsigned size)
{
    unsigned bits = size * 8, k = c % bits;
    uint64_t r = k ? ((a >> k) | (a << (bits - k))) & size_mask(size) : a;
    bool msb = (r & sign_bit(size)) != 0, msb2 = (r & (sign_bit(size) >> 1)) != 0;
    set_rot_flags(cpu, msb, msb ^ msb2);
    return r;
}
static inline uint64_t op_rcl(struct emu_cpu *cpu, uint64_t a, unsigned c, unsigned size)
{
    unsigned k = size <= 2 ? c % (size * 8 + 1) : c;
    bool cf = emu_flags_cf(cpu);
    for (unsigned n = 0; n < k; n++) {
        bool out = (a & sign_bit(size)) != 0;
        a = ((a << 1) | cf) & size_mask(size);
        cf = out;
    }
    set_rot_flags(cpu, cf, ((a & sign_bit(size)) != 0) ^ cf);
    return a;
}
static inline uint64_t op_rcr(struct emu_cpu *cpu, uint64_t a, unsigned c, unsigned size)
{
    unsigned k = size <= 2 ? c % (size * 8 + 1) : c;
    bool cf = emu_flags_cf(cpu);
    for (unsigned n = 0; n < k; n++) {
        bool out = a & 1;
        a = (a >> 1) | (cf ? sign_bit(size) : 0);
        cf = out;
    }
    bool msb = (a & sign_bit(size)) != 0, msb2 = (a & (sign_bit(size) >> 1)) != 0;
    set_rot_flags(cpu, cf, msb ^ msb2);
    return a;
}

/* A zero count changes nothing, except that a 32-bit register is still written (zero-extended). */
static inline void shift_reg(struct emu_cpu *cpu, const struct emu_insn *i, unsigned size,
                             unsigned c,
                             uint64_t (*op)(struct emu_cpu *, uint64_t, unsigned, unsigned))
{
    uint64_t v = reg_get(cpu, i->reg, size);
    reg_set(cpu, i->reg, size, c ? op(cpu, v, c, size) : v);
}

static inline int shift_mem(struct emu_cpu *cpu, const struct emu_insn *i, unsigned size,
                            unsigned c,
                            uint64_t (*op)(struct emu_cpu *, uint64_t, unsigned, unsigned))
{
    struct emu_rmw m;
    int st = mem_rmw_begin(cpu, insn_ea(cpu, i), size, acc_of_seg(i->seg), &m);
    if (unlikely(st) || c == 0)
        return st;
    mem_rmw_store(cpu, &m, op(cpu, mem_rmw_load(cpu, &m), c, size));
    return EMU_NEXT;
}

#define SHIFT_SIZE(S, SZ, NAME, op)                                         \
    HANDLER(NAME##_E##S##IbR)                                               \
    {                                                                       \
        shift_reg(cpu, i, SZ, i->imm &count_mask(SZ), op);                  \
        return EMU_NEXT;                                                    \
    }                                                                       \
    HANDLER(NAME##_E##S##CLR)                                               \
    {                                                                       \
        shift_reg(cpu, i, SZ, cpu->r[CPU_RCX] & count_mask(SZ), op);        \
        return EMU_NEXT;                                                    \
    }                                                                       \
    HANDLER(NAME##_E##S##IbM)                                               \
    {                                                                       \
        return shift_mem(cpu, i, SZ, i->imm & count_mask(SZ), op);          \
    }                                                                       \
    HANDLER(NAME##_E##S##CLM)                                               \
    {                                                                       \
        return shift_mem(cpu, i, SZ, cpu->r[CPU_RCX] & count_mask(SZ), op); \
    }

struct shift_forms {
    emu_sized imm_r, cl_r, imm_m, cl_m;
};

#define SHIFT(NAME, op)                                                                           \
    FOR_EACH_SIZE(SHIFT_SIZE, NAME, op)                                                           \
    static const struct shift_forms NAME##_forms = {SIZED1(NAME##_E, IbR), SIZED1(NAME##_E, CLR), \
                                                    SIZED1(NAME##_E, IbM), SIZED1(NAME##_E, CLM)};

SHIFT(SHL, op_shl)
SHIFT(SHR, op_shr)
SHIFT(SAR, op_sar)
SHIFT(ROL, op_rol)
SHIFT(ROR, op_ror)
SHIFT(RCL, op_rcl)
SHIFT(RCR, op_rcr)

static bool select_shift(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    const struct shift_forms *f = arg;
    const ZydisDecodedOperand *dst = &d->op[0];
    int s = dec_size_index(dst->size / 8);
    if (s < 0)
        return false;
    bool by_cl = d->nops > 1 && op_is_reg(&d->op[1]);
    insn->imm = d->nops > 1 && op_is_imm(&d->op[1]) ? d->op[1].imm.value.u : 1;
    if (op_is_reg(dst)) {
        insn->reg = (uint8_t)dec_gpr(dst->reg.value);
        insn->fn = by_cl ? f->cl_r[s] : f->imm_r[s];
        return true;
    }
    if (!dec_mem(insn, d, dst))
        return false;
    insn->fn = by_cl ? f->cl_m[s] : f->imm_m[s];
    return true;
}

/* SHLD/SHRD: dst, src (register, in rm), count. */
static inline uint64_t op_shld(struct emu_cpu *cpu, uint64_t a, uint64_t b, unsigned c,
                               unsigned size)
{
    unsigned bits = size * 8;
    uint64_t r;
    bool cf;
    if (size == 2 && c > 16) { /* undefined: behave as a 32-bit a:b:a shift, like hardware */
        uint64_t wide = (a << 32) | (b << 16) | a;
        r = (wide << (c - 16) >> 32) & 0xffff;
        cf = (wide >> (48 - c + 16 - 1)) & 1;
    } else {
        r = ((a << c) | (c == bits ? b : (b >> (bits - c)))) & size_mask(size);
        if (c == bits)
            r = b;
        cf = (a >> (bits - c)) & 1;
    }
    set_cf_of(cpu, size, r, cf, ((r ^ a) & sign_bit(size)) != 0);
    return r;
}
static inline uint64_t op_shrd(struct emu_cpu *cpu, uint64_t a, uint64_t b, unsigned c,
                               unsigned size)
{
    unsigned bits = size * 8;
    uint64_t r;
    bool cf;
    if (size == 2 && c > 16) {
        uint64_t wide = (a << 32) | (b << 16) | a;
        r = (wide >> (c - 16)) & 0xffff;
        cf = (wide >> (c - 16 - 1)) & 1;
    } else {
        r = c == bits ? b : ((a >> c) | (b << (bits - c))) & size_mask(size);
        cf = (a >> (c - 1)) & 1;
    }
    set_cf_of(cpu, size, r, cf, ((r ^ a) & sign_bit(size)) != 0);
    return r;
}

#define DSHIFT_SIZE(S, SZ, NAME, op)                                                        \
    static inline int NAME##_##S(struct emu_cpu *cpu, const struct emu_insn *i, unsigned c, \
                                 bool mem)                                                  \
    {                                                                                       \
        c &= count_mask(SZ);                                                                \
        uint64_t b = reg_get(cpu, i->rm, SZ);                                               \
        if (!mem) {                                                                         \
            uint64_t a = reg_get(cpu, i->reg, SZ);                                          \
            reg_set(cpu, i->reg, SZ, c ? op(cpu, a, b, c, SZ) : a);                         \
            return EMU_NEXT;                                                                \
        }                                                                                   \
        struct emu_rmw m;                                                                   \
        int st = mem_rmw_begin(cpu, insn_ea(cpu, i), SZ, acc_of_seg(i->seg), &m);           \
        if (st || !c)                                                                       \
            return st;                                                                      \
        mem_rmw_store(cpu, &m, op(cpu, mem_rmw_load(cpu, &m), b, c, SZ));                   \
        return EMU_NEXT;                                                                    \
    }                                                                                       \
    HANDLER(NAME##_E##S##G##S##IbR)                                                         \
    {                                                                                       \
        return NAME##_##S(cpu, i, (unsigned)i->imm, false);                                 \
    }                                                                                       \
    HANDLER(NAME##_E##S##G##S##CLR)                                                         \
    {                                                                                       \
        return NAME##_##S(cpu, i, (unsigned)cpu->r[CPU_RCX], false);                        \
    }                                                                                       \
    HANDLER(NAME##_E##S##G##S##IbM)                                                         \
    {                                                                                       \
        return NAME##_##S(cpu, i, (unsigned)i->imm, true);                                  \
    }                                                                                       \
    HANDLER(NAME##_E##S##G##S##CLM)                                                         \
    {                                                                                       \
        return NAME##_##S(cpu, i, (unsigned)cpu->r[CPU_RCX], true);                         \
    }

#define DSHIFT(NAME, op)                                                                       \
    DSHIFT_SIZE(w, 2, NAME, op)                                                                \
    DSHIFT_SIZE(d, 4, NAME, op)                                                                \
    DSHIFT_SIZE(q, 8, NAME, op)                                                                \
    static const struct shift_forms NAME##_forms = {                                           \
        SIZED_WDQ(NAME##_E, G, IbR), SIZED_WDQ(NAME##_E, G, CLR), SIZED_WDQ(NAME##_E, G, IbM), \
        SIZED_WDQ(NAME##_E, G, CLM)};

DSHIFT(SHLD, op_shld)
DSHIFT(SHRD, op_shrd)

static bool select_dshift(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    const struct shift_forms *f = arg;
    if (d->nops != 3 || !op_is_reg(&d->op[1]))
        return false;
    int s = dec_size_index(d->op[0].size / 8);
    if (s < 1)
        return false;
    insn->rm = (uint8_t)dec_gpr(d->op[1].reg.value);
    bool by_cl = op_is_reg(&d->op[2]);
    insn->imm = by_cl ? 0 : d->op[2].imm.value.u;
    if (op_is_reg(&d->op[0])) {
        insn->reg = (uint8_t)dec_gpr(d->op[0].reg.value);
        insn->fn = by_cl ? f->cl_r[s] : f->imm_r[s];
        return true;
    }
    if (!dec_mem(insn, d, &d->op[0]))
        return false;
    insn->fn = by_cl ? f->cl_m[s] : f->imm_m[s];
    return true;
}

const struct emu_opdef emu_ops_shift[] = {
    {ZYDIS_MNEMONIC_SHL, select_shift, &SHL_forms, 0},
    {ZYDIS_MNEMONIC_SHR, select_shift, &SHR_forms, 0},
    {ZYDIS_MNEMONIC_SAR, select_shift, &SAR_forms, 0},
    {ZYDIS_MNEMONIC_ROL, select_shift, &ROL_forms, 0},
    {ZYDIS_MNEMONIC_ROR, select_shift, &ROR_forms, 0},
    {ZYDIS_MNEMONIC_RCL, select_shift, &RCL_forms, 0},
    {ZYDIS_MNEMONIC_RCR, select_shift, &RCR_forms, 0},
    {ZYDIS_MNEMONIC_SHLD, select_dshift, &SHLD_forms, 0},
    {ZYDIS_MNEMONIC_SHRD, select_dshift, &SHRD_forms, 0},
    {0},
};
