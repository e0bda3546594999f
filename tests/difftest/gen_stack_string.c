// SPDX-License-Identifier: Apache-2.0
/*
 * gen_stack_string.c - enumerated stack and string instructions: PUSH and
 * POP of registers, memory and immediates at 64 and 16 bits (incl. PUSH RSP,
 * POP RSP and POP [RSP+8]), PUSHF/POPF at both widths, with the stack
 * pointer anywhere in the sandbox and sometimes at its edge so the access
 * faults; MOVS STOS LODS CMPS SCAS at every element size, with no prefix,
 * REP, REPE and REPNE, DF both ways, small counts, 64- and 32-bit addressing,
 * and pointers near the sandbox's edge so a REP faults part-way; and #AC for
 * misaligned accesses after POPF sets RFLAGS.AC.
 */
#include "gen.h"

#include "corners.h"

#include "machine/vcpu.h"

/* RFLAGS bits a POPF test may set: not TF (would single-step) nor AC (alignment checks). */
#define POPF_VALUE_MASK (DT_FLAGS_STATUS | DT_DF | (1u << 14) | (1u << 21) | 0x3000u | 0x200u)

static uint64_t stack_pointer(struct gen *g)
{
    struct rng *r = &g->rng;
    switch (rng__below(r, 16)) {
    case 0: return DT_DATA_ADDR + rng__below(r, 8); /* a push may fault below the sandbox */
    case 1: return DT_DATA_END - rng__below(r, 8);  /* a pop may fault above it */
    case 2: return DT_DATA_ADDR + 0x100 + rng__below(r, DT_DATA_SIZE - 0x200); /* misaligned */
    default: return (DT_DATA_ADDR + 0x100 + rng__below(r, DT_DATA_SIZE - 0x200)) & ~7ull;
    }
}

/* Starts a stack case: RSP in the sandbox and a random value on top of the stack. */
static void begin_stack_case(struct gen *g, uint64_t top)
{
    gen__begin(g);
    g->reserved |= 1u << CPU_RSP;
    uint64_t rsp = stack_pointer(g);
    g->c.in.gpr[CPU_RSP] = rsp;
    gen__poke(g, rsp, 8, &top);
}

static bool emit_sized(struct gen *g, ZydisMnemonic m, unsigned width, unsigned nops,
                       const ZydisEncoderOperand *ops)
{
    ZydisEncoderRequest req = {
        .machine_mode = ZYDIS_MACHINE_MODE_LONG_64,
        .mnemonic = m,
        .operand_size_hint = width == 16 ? ZYDIS_OPERAND_SIZE_HINT_16 : ZYDIS_OPERAND_SIZE_HINT_64,
        .operand_count = (ZyanU8)nops,
    };
    for (unsigned i = 0; i < nops; i++)
        req.operands[i] = ops[i];
    if (g->unencoded || !builder__add(&g->b, &req))
        g->unencoded = true;
    return !g->unencoded;
}

static bool push_pop(struct gen *g)
{
    for (unsigned width = 16; width <= 64; width += 48) {
        for (unsigned form = 0; form < 9; form++) {
            /* push r, push m, push imm8, push imm, pop r, pop m, pushf, popf, raw specials */
            for (unsigned i = 0; i < 32; i++) {
                uint64_t top = gen__edge(g, 64, i);
                if (form == 7)
                    top &= POPF_VALUE_MASK;
                begin_stack_case(g, top);
                ZydisEncoderOperand op;
                switch (form) {
                case 0: op = gen__operand(g, false, width, gen__random(g, width)); break;
                case 1: op = gen__mem(g, width / 8, NULL); break;
                case 2: op = op_imm((int8_t)gen__edge(g, 8, i)); break;
                case 3: op = gen__imm(width, gen__edge(g, width == 64 ? 32 : 16, i)); break;
                case 4: op = op_reg(gpr_reg(gen__reg(g, width), width)); break;
                case 5: op = gen__mem(g, width / 8, NULL); break;
                default: break;
                }
                if (form <= 3)
                    emit_sized(g, ZYDIS_MNEMONIC_PUSH, width, 1, &op);
                else if (form <= 5)
                    emit_sized(g, ZYDIS_MNEMONIC_POP, width, 1, &op);
                else if (form == 6)
                    gen__emit(g, width == 16 ? ZYDIS_MNEMONIC_PUSHF : ZYDIS_MNEMONIC_PUSHFQ, 0, 0,
                              NULL);
                else if (form == 7)
                    gen__emit(g, width == 16 ? ZYDIS_MNEMONIC_POPF : ZYDIS_MNEMONIC_POPFQ, 0, 0,
                              NULL);
                else {
                    static const uint8_t specials[][5] = {
                        {1, 0x54},                   /* push rsp */
                        {1, 0x5c},                   /* pop rsp */
                        {4, 0x8f, 0x44, 0x24, 0x08}, /* pop qword [rsp+8] */
                        {3, 0xff, 0x34, 0x24},       /* push qword [rsp] */
                        {2, 0x66, 0x54},             /* push sp */
                        {2, 0x66, 0x5c},             /* pop sp */
                    };
                    const uint8_t *s = specials[i % 6];
                    builder__raw(&g->b, s + 1, s[0]);
                }
                if (!gen__run(g))
                    return false;
            }
        }
    }
    return true;
}

enum string_op { MOVS, STOS, LODS, CMPS, SCAS };

static ZydisMnemonic string_mnemonic(enum string_op op, unsigned size)
{
    static const ZydisMnemonic m[5][4] = {
        {ZYDIS_MNEMONIC_MOVSB, ZYDIS_MNEMONIC_MOVSW, ZYDIS_MNEMONIC_MOVSD, ZYDIS_MNEMONIC_MOVSQ},
        {ZYDIS_MNEMONIC_STOSB, ZYDIS_MNEMONIC_STOSW, ZYDIS_MNEMONIC_STOSD, ZYDIS_MNEMONIC_STOSQ},
        {ZYDIS_MNEMONIC_LODSB, ZYDIS_MNEMONIC_LODSW, ZYDIS_MNEMONIC_LODSD, ZYDIS_MNEMONIC_LODSQ},
        {ZYDIS_MNEMONIC_CMPSB, ZYDIS_MNEMONIC_CMPSW, ZYDIS_MNEMONIC_CMPSD, ZYDIS_MNEMONIC_CMPSQ},
        {ZYDIS_MNEMONIC_SCASB, ZYDIS_MNEMONIC_SCASW, ZYDIS_MNEMONIC_SCASD, ZYDIS_MNEMONIC_SCASQ},
    };
    return m[op][size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3];
}

/* Start of a run of count elements of size bytes walked in direction DF; sometimes so it faults. */
static uint64_t string_pointer(struct gen *g, unsigned size, unsigned count, bool down)
{
    struct rng *r = &g->rng;
    uint64_t span = (uint64_t)size * (count ? count : 1);
    if (rng__below(r, 8) == 0) {
        /* the sandbox ends part-way through the run */
        uint64_t inside = rng__below(r, span);
        return down ? DT_DATA_ADDR + inside : DT_DATA_END - inside - size;
    }
    uint64_t offset = 0x100 + rng__below(r, DT_DATA_SIZE - 0x200 - span);
    if (rng__below(r, 2))
        offset &= ~(uint64_t)(size - 1);
    return DT_DATA_ADDR + offset + (down ? span - size : 0);
}

/* Makes the elements of a run before index `stop` equal to value bytes (CMPS/SCAS). */
static void equal_run(struct gen *g, uint64_t start, unsigned size, unsigned n, bool down,
                      const uint8_t *value)
{
    for (unsigned k = 0; k < n && k < 4; k++) /* up to four patches per case */
        gen__poke(g, down ? start - (uint64_t)k * size : start + (uint64_t)k * size, size,
                  value + (uint64_t)k * size);
}

static bool string_case(struct gen *g, enum string_op op, unsigned size, unsigned prefix, bool down,
                        unsigned count, bool a32)
{
    static const ZydisInstructionAttributes prefixes[] = {
        0, ZYDIS_ATTRIB_HAS_REP, ZYDIS_ATTRIB_HAS_REPE, ZYDIS_ATTRIB_HAS_REPNE};
    struct rng *r = &g->rng;
    gen__begin(g);
    gen__flags(g, DT_DF, down ? DT_DF : 0);
    for (unsigned reg = CPU_RAX; reg <= CPU_RDI; reg++)
        gen__claim(g, reg);
    uint64_t src = string_pointer(g, size, count, down);
    uint64_t dst = string_pointer(g, size, count, down);
    /* With 32-bit addressing only ESI, EDI, ECX count: random upper halves must not matter. */
    g->c.in.gpr[CPU_RSI] = src | (a32 ? rng__next(r) << 32 : 0);
    g->c.in.gpr[CPU_RDI] = dst | (a32 ? rng__next(r) << 32 : 0);
    g->c.in.gpr[CPU_RCX] = count | (a32 ? rng__next(r) << 32 : 0);
    if (a32 && count == 0 && prefix && !corners__compared(CORNER_REP_A32_COUNT0)) {
        g->c.in.gpr[CPU_RSI] = src; /* what happens to the upper halves is vendor-specific */
        g->c.in.gpr[CPU_RDI] = dst;
        g->c.in.gpr[CPU_RCX] = 0;
    }

    uint8_t same[4 * 8];
    for (unsigned k = 0; k < sizeof(same); k++)
        same[k] = (uint8_t)rng__next(r);
    unsigned stop = (unsigned)rng__below(r, count + 1); /* where CMPS/SCAS should stop */
    if (op == CMPS) {
        equal_run(g, src, size, stop, down, same);
        equal_run(g, dst, size, stop, down, same);
    } else if (op == SCAS) {
        uint64_t acc;
        for (unsigned k = 0; k < 8; k++)
            ((uint8_t *)&acc)[k] = same[k];
        g->c.in.gpr[CPU_RAX] = acc;
        if (prefix == 2) { /* REPE: equal elements, then a different one */
            uint8_t run[4 * 8];
            for (unsigned k = 0; k < 4; k++)
                for (unsigned b = 0; b < size; b++)
                    run[k * size + b] = same[b];
            equal_run(g, dst, size, stop, down, run);
        } else if (stop < 4) { /* REPNE: the element at `stop` matches */
            gen__poke(g, down ? dst - (uint64_t)stop * size : dst + (uint64_t)stop * size, size,
                      same);
        }
    }

    ZydisEncoderRequest req = {
        .machine_mode = ZYDIS_MACHINE_MODE_LONG_64,
        .mnemonic = string_mnemonic(op, size),
        .prefixes = prefixes[prefix],
        .address_size_hint = a32 ? ZYDIS_ADDRESS_SIZE_HINT_32 : ZYDIS_ADDRESS_SIZE_HINT_64,
    };
    if (!builder__add(&g->b, &req))
        g->unencoded = true;
    return gen__run(g);
}

static bool strings(struct gen *g)
{
    static const unsigned counts[] = {0, 1, 2, 3, 5, 8, 17};
    for (enum string_op op = MOVS; op <= SCAS; op++) {
        for (unsigned size = 1; size <= 8; size *= 2) {
            for (unsigned prefix = 0; prefix < 4; prefix++) {
                bool compares = op == CMPS || op == SCAS;
                if (prefix >= 2 ? !compares : compares && prefix == 1)
                    continue; /* REP for MOVS/STOS/LODS, REPE/REPNE for CMPS/SCAS */
                for (unsigned down = 0; down < 2; down++) {
                    for (size_t n = 0; n < sizeof(counts) / sizeof(counts[0]); n++) {
                        for (unsigned v = 0; v < 3; v++) {
                            if (!string_case(g, op, size, prefix, down, counts[n], v == 2))
                                return false;
                        }
                    }
                }
            }
        }
    }
    return true;
}

/*
 * Alignment checking (SDM vol. 3A, 6.15 #AC): at CPL 3 with CR0.AM (set by
 * Linux and by the emulated machine) and RFLAGS.AC set by POPF, a misaligned
 * data access raises #AC(0); an aligned one does not.
 */
static bool alignment_checks(struct gen *g)
{
    static const ZydisMnemonic ops[] = {ZYDIS_MNEMONIC_MOV, ZYDIS_MNEMONIC_ADD,
                                        ZYDIS_MNEMONIC_PUSH};
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        for (unsigned i = 0; i < 48; i++) {
            unsigned width = 16u << (i % 3);
            if (ops[k] == ZYDIS_MNEMONIC_PUSH && width == 32)
                width = 64; /* no 32-bit PUSH in 64-bit mode */
            uint64_t flags = DT_AC | (rng__next(&g->rng) & DT_FLAGS_STATUS);
            begin_stack_case(g, 0);
            ZydisEncoderOperand push = op_imm((int32_t)flags);
            gen__emit(g, ZYDIS_MNEMONIC_PUSH, 0, 1, &push);
            gen__emit(g, ZYDIS_MNEMONIC_POPFQ, 0, 0, NULL);
            ZydisEncoderOperand op[2];
            op[0] = gen__mem(g, width / 8, NULL);
            if (ops[k] == ZYDIS_MNEMONIC_PUSH) {
                emit_sized(g, ZYDIS_MNEMONIC_PUSH, width, 1, op);
            } else {
                op[1] = gen__operand(g, false, width, gen__random(g, width));
                gen__emit(g, ops[k], 0, 2, op);
            }
            if (!gen__run(g))
                return false;
        }
    }
    return true;
}

bool gen_stack_string__run(struct gen *g)
{
    return push_pop(g) && strings(g) && alignment_checks(g);
}
