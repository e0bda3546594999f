// SPDX-License-Identifier: Apache-2.0
/* gen.c - helpers shared by the case generators (see gen.h). */
#include "gen.h"

#include <string.h>

#include "machine/vcpu.h"

#define GPR_BIT(i) (1u << (i))

void gen__init(struct gen *g, struct runner *r, uint64_t seed, unsigned features)
{
    memset(g, 0, sizeof(*g));
    rng__seed(&g->rng, seed);
    g->runner = r;
    g->features = features;
}

void gen__begin(struct gen *g)
{
    struct dt_case *c = &g->c;

    for (int i = 0; i < 16; i++)
        c->in.gpr[i] = rng__next(&g->rng);
    c->in.rflags = (rng__next(&g->rng) & DT_FLAGS_STATUS) | DT_RFLAGS_FIXED;
    c->in.rip = DT_CODE_ADDR;
    c->npatches = 0;
    c->keep = c->subject = 0;
    g->used = 0;
    g->reserved = 0;
    g->legacy8 = rng__below(&g->rng, 4) == 0;
    g->unencoded = false;
    builder__start(&g->b, c);
}

void gen__claim(struct gen *g, unsigned index)
{
    g->used |= GPR_BIT(index);
}

/* A free GPR among the first n (8 or 16), or -1. */
static int free_gpr(struct gen *g, unsigned n, uint32_t excluded)
{
    uint32_t taken = g->used | g->reserved | excluded;
    unsigned start = (unsigned)rng__below(&g->rng, n);
    for (unsigned k = 0; k < n; k++) {
        unsigned i = (start + k) % n;
        if (!(taken & GPR_BIT(i)))
            return (int)i;
    }
    return -1;
}

unsigned gen__reg(struct gen *g, unsigned width)
{
    unsigned n = g->legacy8 ? 8 : 16;
    int i;

    if (width == 8 && g->legacy8) {
        /* Without REX: AL..BL or AH..BH; a high byte takes its whole register. */
        i = free_gpr(g, 4, 0);
        if (i >= 0) {
            gen__claim(g, (unsigned)i);
            return (unsigned)i + (rng__below(&g->rng, 2) ? GEN_AH : 0);
        }
    }
    i = free_gpr(g, n, 0);
    if (i < 0) {
        /* Never happens with the few operands a case has: fail loudly if it does. */
        g->unencoded = true;
        return 0;
    }
    gen__claim(g, (unsigned)i);
    return (unsigned)i;
}

void gen__set(struct gen *g, unsigned reg, unsigned width, uint64_t value)
{
    uint64_t *r = &g->c.in.gpr[reg >= GEN_AH ? reg - GEN_AH : reg];
    unsigned shift = reg >= GEN_AH ? 8 : 0;
    uint64_t mask = width == 64 ? ~0ull : ((1ull << width) - 1);
    *r = (*r & ~(mask << shift)) | ((value & mask) << shift);
}

uint64_t gen__edge(struct gen *g, unsigned width, unsigned i)
{
    uint64_t mask = width == 64 ? ~0ull : ((1ull << width) - 1);
    uint64_t sign = 1ull << (width - 1);
    switch (i % GEN_NEDGE) {
    case 0: return 0;
    case 1: return 1;
    case 2: return sign - 1;
    case 3: return sign;
    case 4: return mask;
    case 5: return 1ull << rng__below(&g->rng, width);
    default: return gen__random(g, width);
    }
}

uint64_t gen__random(struct gen *g, unsigned width)
{
    uint64_t mask = width == 64 ? ~0ull : ((1ull << width) - 1);
    uint64_t v = rng__next(&g->rng);
    if (rng__below(&g->rng, 4) == 0)
        v = (uint64_t)(int64_t)(int8_t)v;
    return v & mask;
}

void gen__poke(struct gen *g, uint64_t addr, unsigned size, const void *value)
{
    struct dt_case *c = &g->c;
    const uint8_t *bytes = value;
    uint64_t lo = addr < DT_DATA_ADDR ? DT_DATA_ADDR : addr;
    uint64_t hi = addr + size > DT_DATA_END ? DT_DATA_END : addr + size;
    if (lo >= hi || c->npatches == DT_MAX_PATCHES || hi - lo > DT_PATCH_MAX)
        return;
    struct dt_patch *p = &c->patches[c->npatches++];
    p->offset = (uint32_t)(lo - DT_DATA_ADDR);
    p->len = (uint32_t)(hi - lo);
    memcpy(p->bytes, bytes + (lo - addr), p->len);
}

ZydisEncoderOperand gen__mem(struct gen *g, unsigned size, const void *value)
{
    struct rng *r = &g->rng;
    uint64_t addr = DT_DATA_ADDR + rng__below(r, DT_DATA_SIZE - size + 1);
    if (rng__below(r, 2))
        addr &= ~(uint64_t)(size - 1);
    unsigned edge = (unsigned)rng__below(r, 64);
    if (size > 1 && edge == 0)
        addr = DT_DATA_END - size + 1 + rng__below(r, size - 1);
    else if (size > 1 && edge == 1)
        addr = DT_DATA_ADDR - 1 - rng__below(r, size - 1);
    else if (size > 1 && edge <= 4) /* split across the two sandbox pages: no fault */
        addr = DT_DATA_ADDR + 0x1000 - size + 1 + rng__below(r, size - 1);
    else if (edge == 5) /* just above the lower canonical half */
        addr = 0x0000800000000000ull + rng__below(r, DT_DATA_SIZE);

    unsigned n = g->legacy8 ? 8 : 16;
    int base = free_gpr(g, n, 0);
    if (base < 0) {
        g->unencoded = true;
        return op_mem(ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, 0, 0, size);
    }
    gen__claim(g, (unsigned)base);

    int index = rng__below(r, 2) ? free_gpr(g, n, GPR_BIT(CPU_RSP)) : -1;
    uint8_t scale = 0;
    int64_t index_value = 0;
    if (index >= 0) {
        gen__claim(g, (unsigned)index);
        scale = (uint8_t)(1u << rng__below(r, 4));
        index_value = (int64_t)rng__below(r, 33) - 16;
        g->c.in.gpr[index] = (uint64_t)index_value;
    }
    int64_t disp = 0;
    switch (rng__below(r, 3)) {
    case 1: disp = (int8_t)rng__next(r); break;
    case 2: disp = (int64_t)rng__below(r, 0x200000) - 0x100000; break;
    }
    g->c.in.gpr[base] = addr - (uint64_t)disp - (uint64_t)(index_value * scale);
    g->mem_addr = addr;
    if (value)
        gen__poke(g, addr, size, value);
    return op_mem(gpr_reg((unsigned)base, 64),
                  index >= 0 ? gpr_reg((unsigned)index, 64) : ZYDIS_REGISTER_NONE, scale, disp,
                  size);
}

ZydisEncoderOperand gen__operand(struct gen *g, bool mem, unsigned width, uint64_t value)
{
    if (mem)
        return gen__mem(g, width / 8, &value);
    unsigned reg = gen__reg(g, width);
    gen__set(g, reg, width, value);
    return op_reg(gpr_reg(reg, width));
}

ZydisEncoderOperand gen__imm(unsigned width, uint64_t value)
{
    switch (width) {
    case 8: return op_imm((int8_t)value);
    case 16: return op_imm((int16_t)value);
    default: return op_imm((int32_t)value);
    }
}

uint32_t gen__cond_flags(unsigned i)
{
    static const uint32_t bits[5] = {DT_CF, DT_PF, DT_ZF, DT_SF, DT_OF};
    uint32_t f = 0;
    for (unsigned b = 0; b < 5; b++)
        if (i & (1u << b))
            f |= bits[b];
    return f;
}

void gen__flags(struct gen *g, uint32_t mask, uint32_t value)
{
    g->c.in.rflags = (g->c.in.rflags & ~(uint64_t)mask) | (value & mask);
}

bool gen__emit(struct gen *g, ZydisMnemonic m, ZydisInstructionAttributes prefixes, unsigned nops,
               const ZydisEncoderOperand *ops)
{
    if (g->unencoded || !builder__insn(&g->b, m, prefixes, nops, ops)) {
        g->unencoded = true;
        return false;
    }
    return true;
}

bool gen__run(struct gen *g)
{
    if (g->unencoded || g->c.ninsns == 0) {
        g->unencodable++;
        return !runner__done(g->runner);
    }
    return runner__submit(g->runner, &g->c);
}

bool gen__enumerate(struct gen *g)
{
    uint64_t before = g->runner->cases;
    bool more = gen_alu__run(g) && gen_bits__run(g) && gen_moves__run(g);
    more = more && gen_stack_string__run(g) && gen_branch__run(g) && gen_smc__run(g) &&
           gen_system__run(g) && gen_sse__run(g);
    more = more && gen_x87__run(g) && gen_bmi2__run(g);
    g->enumerated = g->runner->cases - before;
    return more;
}
