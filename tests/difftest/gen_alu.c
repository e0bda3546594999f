// SPDX-License-Identifier: Apache-2.0
/*
 * gen_alu.c - enumerated arithmetic: ADD ADC SUB SBB AND OR XOR CMP TEST
 * (register, memory and immediate forms, with and without LOCK), INC DEC
 * NEG NOT, the shifts and rotates at every count 0..65 (and 127, 128, 255)
 * by 1, by imm8 and by CL, SHLD/SHRD, MUL, IMUL (one, two and three
 * operands), DIV and IDIV including the #DE cases. Each at 8/16/32/64 bits
 * where the instruction has that width, over the edge values of gen.h with
 * CF both ways.
 */
#include "gen.h"

#include "machine/vcpu.h"

static const unsigned widths[] = {8, 16, 32, 64};
#define NWIDTHS (sizeof(widths) / sizeof(widths[0]))

enum alu_form { FORM_RR, FORM_RM, FORM_MR, FORM_RI, FORM_MI };

static bool binary_case(struct gen *g, ZydisMnemonic m, ZydisInstructionAttributes prefixes,
                        unsigned width, enum alu_form f, uint64_t a, uint64_t b)
{
    ZydisEncoderOperand ops[2];
    ops[0] = gen__operand(g, f == FORM_MR || f == FORM_MI, width, a);
    ops[1] =
        f == FORM_RI || f == FORM_MI ? gen__imm(width, b) : gen__operand(g, f == FORM_RM, width, b);
    gen__emit(g, m, prefixes, 2, ops);
    return gen__run(g);
}

static bool binary(struct gen *g)
{
    static const ZydisMnemonic ops[] = {
        ZYDIS_MNEMONIC_ADD, ZYDIS_MNEMONIC_ADC, ZYDIS_MNEMONIC_SUB,
        ZYDIS_MNEMONIC_SBB, ZYDIS_MNEMONIC_AND, ZYDIS_MNEMONIC_OR,
        ZYDIS_MNEMONIC_XOR, ZYDIS_MNEMONIC_CMP, ZYDIS_MNEMONIC_TEST,
    };
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        for (size_t w = 0; w < NWIDTHS; w++) {
            for (enum alu_form f = FORM_RR; f <= FORM_MI; f++) {
                if (ops[k] == ZYDIS_MNEMONIC_TEST && f == FORM_RM)
                    continue; /* TEST has only r/m, r */
                for (unsigned i = 0; i < GEN_NEDGE; i++) {
                    for (unsigned j = 0; j < GEN_NEDGE; j++) {
                        for (uint32_t cf = 0; cf <= DT_CF; cf += DT_CF) {
                            unsigned width = widths[w];
                            gen__begin(g);
                            gen__flags(g, DT_CF, cf);
                            uint64_t a = gen__edge(g, width, i);
                            uint64_t b = gen__edge(g, width > 32 ? 32 : width, j);
                            if (!binary_case(g, ops[k], 0, width, f, a, b))
                                return false;
                        }
                    }
                }
            }
        }
        /* LOCK on the memory-destination forms (CMP and TEST take no LOCK: #UD) */
        static const enum alu_form locked_forms[] = {FORM_MR, FORM_MI};
        if (ops[k] == ZYDIS_MNEMONIC_CMP || ops[k] == ZYDIS_MNEMONIC_TEST)
            continue;
        for (size_t w = 0; w < NWIDTHS; w++) {
            for (size_t f = 0; f < 2; f++) {
                for (unsigned i = 0; i < GEN_NEDGE * 2; i++) {
                    unsigned width = widths[w];
                    gen__begin(g);
                    uint64_t a = gen__edge(g, width, i);
                    uint64_t b = gen__edge(g, width > 32 ? 32 : width, i * 3 + 1);
                    if (!binary_case(g, ops[k], ZYDIS_ATTRIB_HAS_LOCK, width, locked_forms[f], a,
                                     b))
                        return false;
                }
            }
        }
    }
    return true;
}

static bool unary(struct gen *g)
{
    static const ZydisMnemonic ops[] = {ZYDIS_MNEMONIC_INC, ZYDIS_MNEMONIC_DEC, ZYDIS_MNEMONIC_NEG,
                                        ZYDIS_MNEMONIC_NOT};
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        for (size_t w = 0; w < NWIDTHS; w++) {
            for (unsigned variant = 0; variant < 3; variant++) { /* reg, mem, lock mem */
                for (unsigned i = 0; i < GEN_NEDGE * 2; i++) {
                    gen__begin(g);
                    gen__flags(g, DT_CF, i & 1 ? DT_CF : 0);
                    ZydisEncoderOperand op =
                        gen__operand(g, variant > 0, widths[w], gen__edge(g, widths[w], i / 2));
                    gen__emit(g, ops[k], variant == 2 ? ZYDIS_ATTRIB_HAS_LOCK : 0, 1, &op);
                    if (!gen__run(g))
                        return false;
                }
            }
        }
    }
    return true;
}

/* Shift and rotate counts: every count up to 65 and a few with the high bits set. */
static const unsigned counts[] = {
    0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,  21,  22,
    23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43,  44,  45,
    46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 127, 128, 255,
};
#define NCOUNTS (sizeof(counts) / sizeof(counts[0]))

enum count_kind { BY_ONE, BY_IMM, BY_CL };

/* The count operand; BY_CL puts count in CL and keeps RCX out of the other operands. */
static ZydisEncoderOperand count_operand(struct gen *g, enum count_kind kind, unsigned count)
{
    if (kind == BY_CL) {
        gen__claim(g, CPU_RCX);
        gen__set(g, CPU_RCX, 8, count);
        return op_reg(ZYDIS_REGISTER_CL);
    }
    return op_imm(kind == BY_ONE ? 1 : count);
}

static bool shifts(struct gen *g)
{
    static const ZydisMnemonic ops[] = {ZYDIS_MNEMONIC_ROL, ZYDIS_MNEMONIC_ROR, ZYDIS_MNEMONIC_RCL,
                                        ZYDIS_MNEMONIC_RCR, ZYDIS_MNEMONIC_SHL, ZYDIS_MNEMONIC_SHR,
                                        ZYDIS_MNEMONIC_SAR};
    static const unsigned value_edges[] = {3, 4, 6, 7}; /* sign bit, all ones, random */
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        for (size_t w = 0; w < NWIDTHS; w++) {
            for (enum count_kind kind = BY_ONE; kind <= BY_CL; kind++) {
                for (size_t n = 0; n < (kind == BY_ONE ? 1 : NCOUNTS); n++) {
                    for (unsigned mem = 0; mem < 2; mem++) {
                        for (size_t v = 0; v < 4; v++) {
                            gen__begin(g);
                            ZydisEncoderOperand op[2];
                            op[1] = count_operand(g, kind, counts[n]);
                            op[0] = gen__operand(g, mem, widths[w],
                                                 gen__edge(g, widths[w], value_edges[v]));
                            gen__emit(g, ops[k], 0, 2, op);
                            if (!gen__run(g))
                                return false;
                        }
                    }
                }
            }
        }
    }
    return true;
}

static bool double_shifts(struct gen *g)
{
    static const ZydisMnemonic ops[] = {ZYDIS_MNEMONIC_SHLD, ZYDIS_MNEMONIC_SHRD};
    for (size_t k = 0; k < 2; k++) {
        for (size_t w = 1; w < NWIDTHS; w++) {
            unsigned width = widths[w];
            for (enum count_kind kind = BY_IMM; kind <= BY_CL; kind++) {
                for (size_t n = 0; n < NCOUNTS; n++) {
                    if (width == 16 && (counts[n] & 31) > 16)
                        continue; /* result undefined (SDM) */
                    for (unsigned mem = 0; mem < 2; mem++) {
                        for (unsigned v = 0; v < 3; v++) {
                            gen__begin(g);
                            ZydisEncoderOperand op[3];
                            op[2] = count_operand(g, kind, counts[n]);
                            op[0] = gen__operand(g, mem, width, gen__edge(g, width, v + 4));
                            op[1] = gen__operand(g, false, width, gen__random(g, width));
                            gen__emit(g, ops[k], 0, 3, op);
                            if (!gen__run(g))
                                return false;
                        }
                    }
                }
            }
        }
    }
    return true;
}

/* MUL/IMUL/DIV/IDIV r/m: rDX:rAX (AX at 8 bits) hold the implicit operand. */
static bool one_operand_muldiv(struct gen *g)
{
    static const ZydisMnemonic ops[] = {ZYDIS_MNEMONIC_MUL, ZYDIS_MNEMONIC_IMUL, ZYDIS_MNEMONIC_DIV,
                                        ZYDIS_MNEMONIC_IDIV};
    for (size_t k = 0; k < 4; k++) {
        bool divide = ops[k] == ZYDIS_MNEMONIC_DIV || ops[k] == ZYDIS_MNEMONIC_IDIV;
        for (size_t w = 0; w < NWIDTHS; w++) {
            unsigned width = widths[w];
            uint64_t mask = width == 64 ? ~0ull : (1ull << width) - 1;
            for (unsigned mem = 0; mem < 2; mem++) {
                for (unsigned h = 0; h < (divide ? 6u : 1u); h++) {
                    for (unsigned i = 0; i < GEN_NEDGE; i++) {
                        for (unsigned j = 0; j < GEN_NEDGE; j++) {
                            gen__begin(g);
                            gen__claim(g, CPU_RAX);
                            gen__claim(g, CPU_RDX);
                            uint64_t low = gen__edge(g, width, i);
                            uint64_t divisor = gen__edge(g, width, j);
                            uint64_t sext = low >> (width - 1) & 1 ? mask : 0;
                            const uint64_t highs[6] = {0,    mask,
                                                       sext, gen__random(g, width) % (divisor | 1),
                                                       1,    1ull << (width - 1)};
                            uint64_t high = divide ? highs[h] : gen__random(g, width);
                            if (width == 8) {
                                gen__set(g, CPU_RAX, 8, low);
                                if (divide)
                                    gen__set(g, GEN_AH, 8, high);
                            } else {
                                gen__set(g, CPU_RAX, width, low);
                                gen__set(g, CPU_RDX, width, high);
                            }
                            ZydisEncoderOperand op = gen__operand(g, mem, width, divisor);
                            gen__emit(g, ops[k], 0, 1, &op);
                            if (!gen__run(g))
                                return false;
                        }
                    }
                }
            }
        }
    }
    return true;
}

/* IMUL r, r/m and IMUL r, r/m, imm */
static bool imul_forms(struct gen *g)
{
    for (size_t w = 1; w < NWIDTHS; w++) {
        unsigned width = widths[w];
        for (unsigned form = 0; form < 6; form++) { /* {2 ops, imm8, imm} x {reg, mem} */
            for (unsigned i = 0; i < GEN_NEDGE; i++) {
                for (unsigned j = 0; j < GEN_NEDGE; j++) {
                    gen__begin(g);
                    ZydisEncoderOperand op[3];
                    unsigned shape = form / 2;
                    uint64_t a = gen__edge(g, width, i);
                    uint64_t b = gen__edge(g, width > 32 ? 32 : width, j);
                    op[0] = gen__operand(g, false, width, shape == 0 ? a : gen__random(g, width));
                    op[1] = gen__operand(g, form & 1, width, shape == 0 ? b : a);
                    if (shape == 1)
                        op[2] = op_imm((int8_t)b);
                    else
                        op[2] = gen__imm(width, b);
                    gen__emit(g, ZYDIS_MNEMONIC_IMUL, 0, shape == 0 ? 2 : 3, op);
                    if (!gen__run(g))
                        return false;
                }
            }
        }
    }
    return true;
}

bool gen_alu__run(struct gen *g)
{
    return binary(g) && unary(g) && shifts(g) && double_shifts(g) && one_operand_muldiv(g) &&
           imul_forms(g);
}
