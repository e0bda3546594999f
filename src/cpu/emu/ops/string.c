// SPDX-License-Identifier: Apache-2.0
/*
 * string.c - string instructions MOVS, STOS, LODS, CMPS, SCAS with REP,
 * REPE and REPNE (SDM vol. 2, "REP/REPE/REPZ/REPNE/REPNZ"). A repeated
 * instruction runs in bounded slices: after REP_SLICE iterations it returns
 * EMU_RESTART with RCX/RSI/RDI up to date so the loop can take interrupts
 * and re-execute it, as the hardware does. A fault leaves the registers at
 * the faulting iteration. REP MOVS/STOS forward copies run page by page on
 * host memory when the TLB allows it.
 */
#include "cpu/emu/ops/ops.h"

#define REP_SLICE 65536

static inline int64_t step_of(const struct emu_cpu *cpu, unsigned size)
{
    return (cpu->rflags & FL_DF) ? -(int64_t)size : (int64_t)size;
}

/* Host pointer for n bytes at va if one TLB entry maps them for this access with no side effects.
 */
static void *host_span(struct emu_cpu *cpu, uint64_t va, uint64_t n, bool write)
{
    struct emu_tlb_entry *e = tlb_entry(cpu, cpu->mmu_idx, va);
    uint64_t tag = write ? e->tag_write : e->tag_read;
    if (tag != (va & PAGE_MASK) || (va & ~PAGE_MASK) + n > PAGE_SIZE)
        return NULL;
    return (void *)(e->addend + va);
}

/* Elements left on the page of va going forward. */
static inline uint64_t room(uint64_t va, unsigned size)
{
    return (PAGE_SIZE - (va & ~PAGE_MASK)) / size;
}

/* One element of each operation; returns EMU_NEXT or EMU_FAULT. */
static inline int movs_one(struct emu_cpu *cpu, const struct emu_insn *i, unsigned size)
{
    uint64_t v;
    int st = mem_read(cpu, addr_reg_get(cpu, i, CPU_RSI) + cpu->ea_base[i->seg], size,
                      acc_of_seg(i->seg), &v);
    if (!st)
        st = mem_write(cpu, addr_reg_get(cpu, i, CPU_RDI) + cpu->ea_base[SEG_ES], size, 0, v);
    if (st)
        return st;
    int64_t d = step_of(cpu, size);
    addr_reg_set(cpu, i, CPU_RSI, cpu->r[CPU_RSI] + d);
    addr_reg_set(cpu, i, CPU_RDI, cpu->r[CPU_RDI] + d);
    return EMU_NEXT;
}

static inline int stos_one(struct emu_cpu *cpu, const struct emu_insn *i, unsigned size)
{
    int st = mem_write(cpu, addr_reg_get(cpu, i, CPU_RDI) + cpu->ea_base[SEG_ES], size, 0,
                       reg_get(cpu, CPU_RAX, size));
    if (!st)
        addr_reg_set(cpu, i, CPU_RDI, cpu->r[CPU_RDI] + step_of(cpu, size));
    return st;
}

static inline int lods_one(struct emu_cpu *cpu, const struct emu_insn *i, unsigned size)
{
    uint64_t v;
    int st = mem_read(cpu, addr_reg_get(cpu, i, CPU_RSI) + cpu->ea_base[i->seg], size,
                      acc_of_seg(i->seg), &v);
    if (st)
        return st;
    reg_set(cpu, CPU_RAX, size, v);
    addr_reg_set(cpu, i, CPU_RSI, cpu->r[CPU_RSI] + step_of(cpu, size));
    return EMU_NEXT;
}

static inline int cmps_one(struct emu_cpu *cpu, const struct emu_insn *i, unsigned size)
{
    uint64_t a, b;
    int st = mem_read(cpu, addr_reg_get(cpu, i, CPU_RSI) + cpu->ea_base[i->seg], size,
                      acc_of_seg(i->seg), &a);
    if (!st)
        st = mem_read(cpu, addr_reg_get(cpu, i, CPU_RDI) + cpu->ea_base[SEG_ES], size, 0, &b);
    if (st)
        return st;
    cc_set(cpu, CC_KIND_SUB, size, a, b, (a - b) & size_mask(size));
    int64_t d = step_of(cpu, size);
    addr_reg_set(cpu, i, CPU_RSI, cpu->r[CPU_RSI] + d);
    addr_reg_set(cpu, i, CPU_RDI, cpu->r[CPU_RDI] + d);
    return EMU_NEXT;
}

static inline int scas_one(struct emu_cpu *cpu, const struct emu_insn *i, unsigned size)
{
    uint64_t b, a = reg_get(cpu, CPU_RAX, size);
    int st = mem_read(cpu, addr_reg_get(cpu, i, CPU_RDI) + cpu->ea_base[SEG_ES], size, 0, &b);
    if (st)
        return st;
    cc_set(cpu, CC_KIND_SUB, size, a, b, (a - b) & size_mask(size));
    addr_reg_set(cpu, i, CPU_RDI, cpu->r[CPU_RDI] + step_of(cpu, size));
    return EMU_NEXT;
}

/* Bulk forward copies/fills on host memory; return the elements done (0: take the slow step). */
static uint64_t movs_bulk(struct emu_cpu *cpu, const struct emu_insn *i, unsigned size, uint64_t n)
{
    if ((cpu->rflags & FL_DF) || (i->flags & (INSN_ADDR32 | INSN_ADDR16)))
        return 0;
    uint64_t src = cpu->r[CPU_RSI] + cpu->ea_base[i->seg],
             dst = cpu->r[CPU_RDI] + cpu->ea_base[SEG_ES];
    if (unlikely((src | dst) & (size - 1)) && ac_enabled(cpu))
        return 0; /* the element step raises #AC */
    uint64_t k = n;
    if (room(src, size) < k)
        k = room(src, size);
    if (room(dst, size) < k)
        k = room(dst, size);
    uint64_t bytes = k * size;
    uint8_t *s = host_span(cpu, src, bytes, false), *d = host_span(cpu, dst, bytes, true);
    if (!k || !s || !d)
        return 0;
    if (d > s && d < s + bytes) { /* overlapping forward copy: element by element */
        for (uint64_t e = 0; e < bytes; e += size) {
            uint64_t v;
            memcpy(&v, s + e, size);
            memcpy(d + e, &v, size);
        }
    } else {
        memmove(d, s, bytes);
    }
    cpu->r[CPU_RSI] += bytes;
    cpu->r[CPU_RDI] += bytes;
    return k;
}

static uint64_t stos_bulk(struct emu_cpu *cpu, const struct emu_insn *i, unsigned size, uint64_t n)
{
    if ((cpu->rflags & FL_DF) || (i->flags & (INSN_ADDR32 | INSN_ADDR16)))
        return 0;
    uint64_t dst = cpu->r[CPU_RDI] + cpu->ea_base[SEG_ES];
    if (unlikely(dst & (size - 1)) && ac_enabled(cpu))
        return 0; /* the element step raises #AC */
    uint64_t k = n < room(dst, size) ? n : room(dst, size);
    uint8_t *d = host_span(cpu, dst, k * size, true);
    if (!k || !d)
        return 0;
    uint64_t v = cpu->r[CPU_RAX];
    if (size == 1)
        memset(d, (int)(v & 0xff), k);
    else
        for (uint64_t e = 0; e < k; e++)
            memcpy(d + e * size, &v, size);
    cpu->r[CPU_RDI] += k * size;
    return k;
}

enum rep_kind { REP_PLAIN, REP_UNTIL_NE, REP_UNTIL_EQ };

/* Runs a REP-prefixed string instruction (count in rCX). */
static inline int rep(struct emu_cpu *cpu, const struct emu_insn *i, unsigned size,
                      int (*one)(struct emu_cpu *, const struct emu_insn *, unsigned),
                      uint64_t (*bulk)(struct emu_cpu *, const struct emu_insn *, unsigned,
                                       uint64_t),
                      enum rep_kind kind)
{
    uint64_t n = addr_reg_get(cpu, i, CPU_RCX);
    if (n == 0)
        return EMU_NEXT; /* no iteration: not even rCX is written */
    for (unsigned slice = 0; n; slice++) {
        if (slice == REP_SLICE) {
            addr_reg_set(cpu, i, CPU_RCX, n);
            return EMU_RESTART;
        }
        uint64_t done = bulk ? bulk(cpu, i, size, n) : 0;
        if (!done) {
            int st = one(cpu, i, size);
            if (st) {
                addr_reg_set(cpu, i, CPU_RCX, n);
                return st;
            }
            done = 1;
        }
        n -= done;
        if ((kind == REP_UNTIL_NE && !emu_cond(cpu, 4)) ||
            (kind == REP_UNTIL_EQ && emu_cond(cpu, 4)))
            break;
    }
    addr_reg_set(cpu, i, CPU_RCX, n);
    return EMU_NEXT;
}

#define STRING_OP(NAME, one, bulk, COMPARES)                                          \
    HANDLER(NAME)                                                                     \
    {                                                                                 \
        unsigned size = i->size;                                                      \
        if (i->flags & INSN_REP)                                                      \
            return rep(cpu, i, size, one, bulk, COMPARES ? REP_UNTIL_NE : REP_PLAIN); \
        if (i->flags & INSN_REPNE)                                                    \
            return rep(cpu, i, size, one, bulk, COMPARES ? REP_UNTIL_EQ : REP_PLAIN); \
        return one(cpu, i, size);                                                     \
    }

STRING_OP(MOVS, movs_one, movs_bulk, false)
STRING_OP(STOS, stos_one, stos_bulk, false)
STRING_OP(LODS, lods_one, NULL, false)
STRING_OP(CMPS, cmps_one, NULL, true)
STRING_OP(SCAS, scas_one, NULL, true)

static bool select_string(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    if (d->zi->meta.category != ZYDIS_CATEGORY_STRINGOP)
        return false; /* MOVSD/CMPSD also name SSE instructions */
    insn->fn = (emu_handler)arg;
    insn->size = 0;
    insn->seg = SEG_DS;
    for (unsigned k = 0; k < d->zi->operand_count; k++) {
        const ZydisDecodedOperand *op = &d->op[k];
        if (op_is_mem(op)) {
            insn->size = (uint8_t)(op->size / 8);
            int seg = dec_sreg(op->mem.segment);
            if (seg >= 0 && seg != SEG_ES)
                insn->seg = (uint8_t)seg;
        }
    }
    insn->flags |= dec_addr_flags(d);
    return dec_size_index(insn->size) >= 0;
}

#define STR(m, fn)                               \
    {                                            \
        ZYDIS_MNEMONIC_##m, select_string, fn, 0 \
    }

const struct emu_opdef emu_ops_string[] = {
    STR(MOVSB, MOVS), STR(MOVSW, MOVS), STR(MOVSD, MOVS),
    STR(MOVSQ, MOVS), STR(STOSB, STOS), STR(STOSW, STOS),
    STR(STOSD, STOS), STR(STOSQ, STOS), STR(LODSB, LODS),
    STR(LODSW, LODS), STR(LODSD, LODS), STR(LODSQ, LODS),
    STR(CMPSB, CMPS), STR(CMPSW, CMPS), STR(CMPSD, CMPS),
    STR(CMPSQ, CMPS), STR(SCASB, SCAS), STR(SCASW, SCAS),
    STR(SCASD, SCAS), STR(SCASQ, SCAS), {0},
};
