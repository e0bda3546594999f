// SPDX-License-Identifier: Apache-2.0
/*
 * gen_bmi2.c - enumerated instructions of x86-64-v3's general-register
 * extensions, each where the CPU model advertises it: BMI2 (BZHI MULX PDEP
 * PEXT RORX SARX SHLX SHRX, VEX-encoded, 32 and 64 bits, register and
 * memory sources, edge values, indexes and counts around the operand
 * width, MULX with both destinations the same register), MOVBE (16/32/64,
 * load and store) and ADX (ADCX ADOX with CF and OF both ways).
 */
#include "gen.h"

#include "machine/vcpu.h"

/* Edge value i, or now and then a count or index around the widths. */
static uint64_t count_value(struct gen *g, unsigned width, unsigned i)
{
    static const uint64_t counts[] = {0,  1,  7,   8,   31,  32,  33,   63,
                                      64, 65, 127, 128, 255, 256, 0x1ff};
    if (i % 3)
        return counts[rng__below(&g->rng, sizeof(counts) / sizeof(counts[0]))] |
               (rng__below(&g->rng, 4) ? 0 : rng__next(&g->rng) & ~0xffull);
    return gen__edge(g, width, i);
}

static bool bmi2(struct gen *g)
{
    /* operand order after the destination: r/m then vvvv (1), vvvv then r/m (2), r/m then imm8 (3)
     */
    static const struct {
        ZydisMnemonic m;
        unsigned order;
    } ops[] = {
        {ZYDIS_MNEMONIC_BZHI, 1}, {ZYDIS_MNEMONIC_SARX, 1}, {ZYDIS_MNEMONIC_SHLX, 1},
        {ZYDIS_MNEMONIC_SHRX, 1}, {ZYDIS_MNEMONIC_MULX, 2}, {ZYDIS_MNEMONIC_PDEP, 2},
        {ZYDIS_MNEMONIC_PEXT, 2}, {ZYDIS_MNEMONIC_RORX, 3},
    };
    if (!(g->features & GEN_HAS_BMI2))
        return true;
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
        for (unsigned width = 32; width <= 64; width += 32)
            for (unsigned mem = 0; mem < 2; mem++)
                for (unsigned i = 0; i < 48; i++) {
                    gen__begin(g);
                    if (ops[k].m == ZYDIS_MNEMONIC_MULX) {
                        gen__claim(g, CPU_RDX);
                        g->c.in.gpr[CPU_RDX] = gen__edge(g, 64, i + 1);
                    }
                    ZydisEncoderOperand op[3], src, other;
                    op[0] = gen__operand(g, false, width, gen__random(g, width));
                    src = gen__operand(g, mem, width, gen__edge(g, width, i));
                    if (ops[k].order == 3)
                        other = op_imm((int64_t)rng__below(&g->rng, 256));
                    else if (ops[k].order == 2 && ops[k].m != ZYDIS_MNEMONIC_MULX)
                        other = gen__operand(g, false, width, gen__edge(g, width, i / 3));
                    else
                        other = gen__operand(g, false, width, count_value(g, width, i));
                    /* MULX with both destinations the same register: it gets the high half */
                    if (ops[k].m == ZYDIS_MNEMONIC_MULX && i % 8 == 7)
                        other = op[0];
                    op[1] = ops[k].order == 2 ? other : src;
                    op[2] = ops[k].order == 2 ? src : other;
                    gen__emit(g, ops[k].m, 0, 3, op);
                    if (!gen__run(g))
                        return false;
                }
    return true;
}

static bool movbe(struct gen *g)
{
    if (!(g->features & GEN_HAS_MOVBE))
        return true;
    for (unsigned width = 16; width <= 64; width *= 2)
        for (unsigned store = 0; store < 2; store++)
            for (unsigned i = 0; i < 32; i++) {
                gen__begin(g);
                ZydisEncoderOperand reg = gen__operand(g, false, width, gen__edge(g, width, i));
                ZydisEncoderOperand mem = gen__operand(g, true, width, gen__random(g, width));
                ZydisEncoderOperand op[2] = {store ? mem : reg, store ? reg : mem};
                gen__emit(g, ZYDIS_MNEMONIC_MOVBE, 0, 2, op);
                if (!gen__run(g))
                    return false;
            }
    return true;
}

static bool adx(struct gen *g)
{
    static const ZydisMnemonic ops[] = {ZYDIS_MNEMONIC_ADCX, ZYDIS_MNEMONIC_ADOX};
    if (!(g->features & GEN_HAS_ADX))
        return true;
    for (size_t k = 0; k < 2; k++)
        for (unsigned width = 32; width <= 64; width += 32)
            for (unsigned mem = 0; mem < 2; mem++)
                for (unsigned i = 0; i < 64; i++) {
                    gen__begin(g);
                    gen__flags(g, DT_FLAGS_STATUS, gen__cond_flags(i % 32) | (i & 32 ? DT_AF : 0));
                    ZydisEncoderOperand op[2];
                    op[0] = gen__operand(g, false, width, gen__edge(g, width, i / 8));
                    op[1] = gen__operand(g, mem, width, gen__edge(g, width, i % 8));
                    gen__emit(g, ops[k], 0, 2, op);
                    if (!gen__run(g))
                        return false;
                }
    return true;
}

bool gen_bmi2__run(struct gen *g)
{
    return bmi2(g) && movbe(g) && adx(g);
}
