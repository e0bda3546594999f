// SPDX-License-Identifier: Apache-2.0
/*
 * gen_bits.c - enumerated bit instructions: BT BTS BTR BTC (register and
 * immediate bit offsets, register and memory operands, LOCK), BSF BSR, and
 * POPCNT LZCNT TZCNT ANDN BEXTR BLSI BLSMSK BLSR where the CPU model
 * advertises them, BSWAP, and LOCK where it is not allowed (#UD).
 */
#include "gen.h"

static const unsigned widths[] = {16, 32, 64};

/* Bit offsets for a register offset into memory: within 64 bytes either way of the operand. */
static int64_t memory_bit_offset(struct gen *g)
{
    return (int64_t)rng__below(&g->rng, 1024) - 512;
}

static bool bit_tests(struct gen *g)
{
    static const ZydisMnemonic ops[] = {ZYDIS_MNEMONIC_BT, ZYDIS_MNEMONIC_BTS, ZYDIS_MNEMONIC_BTR,
                                        ZYDIS_MNEMONIC_BTC};
    for (size_t k = 0; k < 4; k++) {
        for (size_t w = 0; w < 3; w++) {
            unsigned width = widths[w];
            for (unsigned form = 0; form < 6; form++) { /* r,r  r,i  m,r  m,i  lock m,r  lock m,i */
                bool mem = form >= 2, imm = form & 1;
                if (form >= 4 && ops[k] == ZYDIS_MNEMONIC_BT)
                    continue; /* LOCK BT is #UD: covered once below */
                for (unsigned i = 0; i < 64; i++) {
                    gen__begin(g);
                    ZydisEncoderOperand op[2];
                    op[0] = gen__operand(g, mem, width, gen__edge(g, width, i));
                    uint64_t offset = mem && !imm ? (uint64_t)memory_bit_offset(g)
                                                  : rng__below(&g->rng, i < 32 ? width : 256);
                    op[1] = imm ? op_imm((int64_t)(offset & 0xff))
                                : gen__operand(g, false, width, offset);
                    gen__emit(g, ops[k], form >= 4 ? ZYDIS_ATTRIB_HAS_LOCK : 0, 2, op);
                    if (!gen__run(g))
                        return false;
                }
            }
        }
    }
    return true;
}

static bool bit_scans(struct gen *g)
{
    static const struct {
        ZydisMnemonic mnemonic;
        unsigned feature; /* 0: always there */
    } ops[] = {
        {ZYDIS_MNEMONIC_BSF, 0},
        {ZYDIS_MNEMONIC_BSR, 0},
        {ZYDIS_MNEMONIC_POPCNT, GEN_HAS_POPCNT},
        {ZYDIS_MNEMONIC_LZCNT, GEN_HAS_LZCNT},
        {ZYDIS_MNEMONIC_TZCNT, GEN_HAS_BMI1},
    };
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        if (ops[k].feature && !(g->features & ops[k].feature))
            continue;
        for (size_t w = 0; w < 3; w++) {
            unsigned width = widths[w];
            for (unsigned mem = 0; mem < 2; mem++) {
                for (unsigned i = 0; i < 24; i++) {
                    gen__begin(g);
                    ZydisEncoderOperand op[2];
                    op[0] = gen__operand(g, false, width, gen__random(g, width));
                    op[1] = gen__operand(g, mem, width, gen__edge(g, width, i));
                    gen__emit(g, ops[k].mnemonic, 0, 2, op);
                    if (!gen__run(g))
                        return false;
                }
            }
        }
    }
    return true;
}

static bool byte_swaps(struct gen *g)
{
    for (unsigned width = 32; width <= 64; width += 32) {
        for (unsigned i = 0; i < 32; i++) {
            gen__begin(g);
            ZydisEncoderOperand op = gen__operand(g, false, width, gen__edge(g, width, i));
            gen__emit(g, ZYDIS_MNEMONIC_BSWAP, 0, 1, &op);
            if (!gen__run(g))
                return false;
        }
    }
    return true;
}

/* LOCK on an instruction that does not take it, and LOCK on a register operand: #UD. */
static bool bad_locks(struct gen *g)
{
    static const struct {
        uint8_t bytes[4];
        unsigned len;
    } codes[] = {
        {{0xf0, 0x0f, 0xa3, 0x03}, 4}, /* lock bt [rbx], eax */
        {{0xf0, 0x01, 0xc8}, 3},       /* lock add eax, ecx */
        {{0xf0, 0x39, 0x03}, 3},       /* lock cmp [rbx], eax */
    };
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        gen__begin(g);
        g->c.in.gpr[3] = DT_DATA_ADDR + 64; /* rbx */
        builder__raw(&g->b, codes[i].bytes, codes[i].len);
        if (!gen__run(g))
            return false;
    }
    return true;
}

/* BMI1: ANDN r, r, r/m; BEXTR r, r/m, r; BLSI/BLSMSK/BLSR r, r/m (VEX-encoded) */
static bool bmi1(struct gen *g)
{
    static const ZydisMnemonic ops[] = {ZYDIS_MNEMONIC_ANDN, ZYDIS_MNEMONIC_BEXTR,
                                        ZYDIS_MNEMONIC_BLSI, ZYDIS_MNEMONIC_BLSMSK,
                                        ZYDIS_MNEMONIC_BLSR};
    if (!(g->features & GEN_HAS_BMI1))
        return true;
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        for (unsigned width = 32; width <= 64; width += 32) {
            for (unsigned mem = 0; mem < 2; mem++) {
                for (unsigned i = 0; i < 32; i++) {
                    gen__begin(g);
                    ZydisEncoderOperand op[3];
                    unsigned n = 0;
                    op[n++] = gen__operand(g, false, width, gen__random(g, width));
                    if (ops[k] == ZYDIS_MNEMONIC_ANDN)
                        op[n++] = gen__operand(g, false, width, gen__edge(g, width, i + 3));
                    op[n++] = gen__operand(g, mem, width, gen__edge(g, width, i));
                    if (ops[k] == ZYDIS_MNEMONIC_BEXTR) /* start in bits 7:0, length in 15:8 */
                        op[n++] =
                            gen__operand(g, false, width,
                                         rng__below(&g->rng, 72) | rng__below(&g->rng, 72) << 8 |
                                             (rng__next(&g->rng) & ~0xffffull));
                    gen__emit(g, ops[k], 0, n, op);
                    if (!gen__run(g))
                        return false;
                }
            }
        }
    }
    return true;
}

bool gen_bits__run(struct gen *g)
{
    return bit_tests(g) && bit_scans(g) && bmi1(g) && byte_swaps(g) && bad_locks(g);
}
