// SPDX-License-Identifier: Apache-2.0
/*
 * atomic.c - exchange and compare-exchange: XCHG (always locked with a
 * memory operand), CMPXCHG, XADD, CMPXCHG8B and CMPXCHG16B (SDM vol. 2).
 * Memory forms use host atomics on the guest page so that they stay atomic
 * when several vCPUs run.
 */
#include "cpu/emu/ops/ops.h"

#define XCHG_SIZE(S, SZ, unused)                                                  \
    HANDLER(XCHG_E##S##G##S##R)                                                   \
    {                                                                             \
        uint64_t a = reg_get(cpu, i->reg, SZ), b = reg_get(cpu, i->rm, SZ);       \
        reg_set(cpu, i->reg, SZ, b);                                              \
        reg_set(cpu, i->rm, SZ, a);                                               \
        return EMU_NEXT;                                                          \
    }                                                                             \
    HANDLER(XCHG_E##S##G##S##M)                                                   \
    {                                                                             \
        struct emu_rmw m;                                                         \
        int st = mem_rmw_begin(cpu, insn_ea(cpu, i), SZ, acc_of_seg(i->seg), &m); \
        if (st)                                                                   \
            return st;                                                            \
        uint64_t v = reg_get(cpu, i->rm, SZ), old = mem_rmw_load(cpu, &m);        \
        while (!mem_rmw_cas(cpu, &m, &old, v))                                    \
            ;                                                                     \
        reg_set(cpu, i->rm, SZ, old);                                             \
        return EMU_NEXT;                                                          \
    }
FOR_EACH_SIZE(XCHG_SIZE, 0)

static const struct emu_binary_forms XCHG_forms = {.rr = SIZED(XCHG_E, G, R),
                                                   .mr = SIZED(XCHG_E, G, M)};

/* XCHG reg, mem is the same instruction as XCHG mem, reg. */
static bool select_xchg(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    if (d->nops == 2 && op_is_reg(&d->op[0]) && op_is_mem(&d->op[1])) {
        struct emu_decoded swapped = *d;
        ZydisDecodedOperand ops[2] = {d->op[1], d->op[0]};
        swapped.op = ops;
        return emu_select_binary(insn, &swapped, &XCHG_forms);
    }
    return emu_select_binary(insn, d, &XCHG_forms);
}

bool emu_select_xchg_r8_rax(struct emu_insn *insn, unsigned size)
{
    int s = dec_size_index(size);
    if (s < 1)
        return false;
    insn->size = (uint8_t)size;
    insn->reg = 8;
    insn->rm = CPU_RAX;
    insn->fn = XCHG_forms.rr[s];
    return true;
}

static inline void cmp_flags(struct emu_cpu *cpu, unsigned size, uint64_t a, uint64_t b)
{
    cc_set(cpu, CC_KIND_SUB, size, a, b, (a - b) & size_mask(size));
}

#define CMPXCHG_SIZE(S, SZ, unused)                                                 \
    HANDLER(CMPXCHG_E##S##G##S##R)                                                  \
    {                                                                               \
        uint64_t acc = reg_get(cpu, CPU_RAX, SZ), dst = reg_get(cpu, i->reg, SZ);   \
        cmp_flags(cpu, SZ, acc, dst);                                               \
        if (acc == dst)                                                             \
            reg_set(cpu, i->reg, SZ, reg_get(cpu, i->rm, SZ));                      \
        else                                                                        \
            reg_set(cpu, CPU_RAX, SZ, dst);                                         \
        return EMU_NEXT;                                                            \
    }                                                                               \
    HANDLER(CMPXCHG_E##S##G##S##M)                                                  \
    {                                                                               \
        struct emu_rmw m;                                                           \
        int st = mem_rmw_begin(cpu, insn_ea(cpu, i), SZ, acc_of_seg(i->seg), &m);   \
        if (st)                                                                     \
            return st;                                                              \
        uint64_t acc = reg_get(cpu, CPU_RAX, SZ), old = acc;                        \
        bool ok = mem_rmw_cas(cpu, &m, &old, reg_get(cpu, i->rm, SZ));              \
        if (!ok && !m.host) /* a failing CMPXCHG still writes the old value back */ \
            mem_rmw_store(cpu, &m, old);                                            \
        cmp_flags(cpu, SZ, acc, old);                                               \
        if (!ok)                                                                    \
            reg_set(cpu, CPU_RAX, SZ, old);                                         \
        return EMU_NEXT;                                                            \
    }
FOR_EACH_SIZE(CMPXCHG_SIZE, 0)

static const struct emu_binary_forms CMPXCHG_forms = {.rr = SIZED(CMPXCHG_E, G, R),
                                                      .mr = SIZED(CMPXCHG_E, G, M)};

#define XADD_SIZE(S, SZ, unused)                                                  \
    HANDLER(XADD_E##S##G##S##R)                                                   \
    {                                                                             \
        uint64_t a = reg_get(cpu, i->reg, SZ), b = reg_get(cpu, i->rm, SZ);       \
        uint64_t r = (a + b) & size_mask(SZ);                                     \
        cc_set(cpu, CC_KIND_ADD, SZ, a, b, r);                                    \
        reg_set(cpu, i->rm, SZ, a);                                               \
        reg_set(cpu, i->reg, SZ, r);                                              \
        return EMU_NEXT;                                                          \
    }                                                                             \
    HANDLER(XADD_E##S##G##S##M)                                                   \
    {                                                                             \
        struct emu_rmw m;                                                         \
        int st = mem_rmw_begin(cpu, insn_ea(cpu, i), SZ, acc_of_seg(i->seg), &m); \
        if (st)                                                                   \
            return st;                                                            \
        uint64_t b = reg_get(cpu, i->rm, SZ), old = mem_rmw_load(cpu, &m);        \
        while (!mem_rmw_cas(cpu, &m, &old, (old + b) & size_mask(SZ)))            \
            ;                                                                     \
        cc_set(cpu, CC_KIND_ADD, SZ, old, b, (old + b) & size_mask(SZ));          \
        reg_set(cpu, i->rm, SZ, old);                                             \
        return EMU_NEXT;                                                          \
    }
FOR_EACH_SIZE(XADD_SIZE, 0)

static const struct emu_binary_forms XADD_forms = {.rr = SIZED(XADD_E, G, R),
                                                   .mr = SIZED(XADD_E, G, M)};

static inline void set_zf(struct emu_cpu *cpu, bool zf)
{
    emu_flags_materialize(cpu);
    cpu->rflags = (cpu->rflags & ~FL_ZF) | (zf ? FL_ZF : 0);
}

HANDLER(CMPXCHG8B_Mq)
{
    struct emu_rmw m;
    int st = mem_rmw_begin(cpu, insn_ea(cpu, i), 8, acc_of_seg(i->seg), &m);
    if (st)
        return st;
    uint64_t expect = (uint32_t)cpu->r[CPU_RAX] | cpu->r[CPU_RDX] << 32, old = expect;
    uint64_t new = (uint32_t)cpu->r[CPU_RBX] | cpu->r[CPU_RCX] << 32;
    bool ok = mem_rmw_cas(cpu, &m, &old, new);
    if (!ok && !m.host)
        mem_rmw_store(cpu, &m, old);
    if (!ok) {
        cpu->r[CPU_RAX] = (uint32_t)old;
        cpu->r[CPU_RDX] = old >> 32;
    }
    set_zf(cpu, ok);
    return EMU_NEXT;
}

HANDLER(CMPXCHG16B_Mdq)
{
    uint64_t ea = insn_ea(cpu, i);
    if (ea & 15)
        return emu_raise_gp0(cpu);
    struct emu_rmw m;
    int st = mem_rmw_begin(cpu, ea, 8, acc_of_seg(i->seg), &m); /* aligned: one page */
    if (st)
        return st;
    uint64_t lo = cpu->r[CPU_RAX], hi = cpu->r[CPU_RDX];
    bool ok;
    if (m.host) {
        __asm__ volatile("lock cmpxchg16b %1"
                         : "=@ccz"(ok), "+m"(*(unsigned __int128 *)m.host), "+a"(lo), "+d"(hi)
                         : "b"(cpu->r[CPU_RBX]), "c"(cpu->r[CPU_RCX])
                         : "memory");
    } else {
        uint64_t cur[2] = {0, 0}, new[2] = {cpu->r[CPU_RBX], cpu->r[CPU_RCX]};
        st = emu_mem_access(cpu, ea, 16, ACC_READ | acc_of_seg(i->seg), cur);
        if (st)
            return st;
        ok = cur[0] == lo && cur[1] == hi;
        st = emu_mem_access(cpu, ea, 16, ACC_WRITE | acc_of_seg(i->seg), ok ? new : cur);
        if (st)
            return st;
        lo = cur[0];
        hi = cur[1];
    }
    if (!ok) {
        cpu->r[CPU_RAX] = lo;
        cpu->r[CPU_RDX] = hi;
    }
    set_zf(cpu, ok);
    return EMU_NEXT;
}

static bool select_cmpxchg_wide(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    const ZydisDecodedOperand *op = &d->op[0];
    if (!op_is_mem(op) || !dec_mem(insn, d, op))
        return false;
    insn->fn = op->size == 128 ? CMPXCHG16B_Mdq : CMPXCHG8B_Mq;
    return true;
}

const struct emu_opdef emu_ops_atomic[] = {
    {ZYDIS_MNEMONIC_XCHG, select_xchg, NULL, 0},
    {ZYDIS_MNEMONIC_CMPXCHG, emu_select_binary, &CMPXCHG_forms, 0},
    {ZYDIS_MNEMONIC_XADD, emu_select_binary, &XADD_forms, 0},
    {ZYDIS_MNEMONIC_CMPXCHG8B, select_cmpxchg_wide, NULL, 0},
    {ZYDIS_MNEMONIC_CMPXCHG16B, select_cmpxchg_wide, NULL, 0},
    {0},
};
