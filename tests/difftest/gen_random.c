// SPDX-License-Identifier: Apache-2.0
/*
 * gen_random.c - random sequences of 1..24 instructions drawn from the same
 * instruction set as the enumerated families, so that values, flags and
 * memory flow from one instruction into the next.
 *
 * Rules that keep a sequence inside the sandbox: one base register (RBX,
 * RBP or R12..R15) points into the data sandbox for the whole sequence and
 * no instruction writes it; memory operands are [base + disp] only, and BT
 * into memory takes an immediate bit offset; RSP points into the sandbox and
 * only PUSH/POP/CALL/RET move it; string instructions come right after MOVs
 * that set RSI, RDI and RCX; POPF only pops a value pushed just before (no
 * TF, no AC). Control transfers go forward (Jcc, JMP, LOOPcc and JRCXZ over
 * one or two instructions, CALL to the next instruction, RET or an indirect
 * JMP/CALL to an address loaded just before), or back in a counted loop of
 * at most four trips whose counter nothing else writes. An instruction that
 * would read a flag left undefined is not added (builder.h).
 */
#include "gen.h"

#include "corners.h"

#include "machine/vcpu.h"

#define MAX_SEQUENCE 24
#define BASE_OFFSET  0x800  /* base register = DT_DATA_ADDR + this */
#define STACK_OFFSET 0x1800 /* initial RSP = DT_DATA_ADDR + this */

static const uint8_t base_candidates[] = {CPU_RBX, CPU_RBP, CPU_R12, CPU_R13, CPU_R14, CPU_R15};

struct seq {
    struct gen *g;
    unsigned base;    /* GPR index of the base register */
    bool no_soup;     /* add() must not put extra prefixes in front (string and control ops) */
    unsigned counter; /* GPR index of the counter of the loop being built, or NO_COUNTER */
};

#define NO_COUNTER 16

static uint64_t below(struct seq *s, uint64_t n)
{
    return rng__below(&s->g->rng, n);
}

static unsigned any_width(struct seq *s)
{
    return 8u << below(s, 4);
}

/* A GPR index the sequence may write: not RSP, the base or a loop counter. */
static unsigned any_gpr(struct seq *s)
{
    for (;;) {
        unsigned i = (unsigned)below(s, 16);
        if (i != CPU_RSP && i != s->base && i != s->counter)
            return i;
    }
}

static ZydisEncoderOperand reg(struct seq *s, unsigned width)
{
    unsigned i = any_gpr(s);
    if (width == 8 && i < 4 && below(s, 4) == 0)
        return op_reg(gpr_reg(GEN_AH + i, 8)); /* AH..BH: may fail to encode, then retried */
    return op_reg(gpr_reg(i, width));
}

static ZydisEncoderOperand mem(struct seq *s, unsigned size)
{
    int64_t disp = (int64_t)below(s, 0x1800 - size) - BASE_OFFSET;
    if (below(s, 2))
        disp &= ~(int64_t)(size - 1);
    return op_mem(gpr_reg(s->base, 64), ZYDIS_REGISTER_NONE, 0, disp, size);
}

static ZydisEncoderOperand reg_or_mem(struct seq *s, unsigned width)
{
    return below(s, 3) ? reg(s, width) : mem(s, width / 8);
}

/*
 * Legacy prefixes that move no address: CS/DS/ES/SS overrides (no effect in
 * 64-bit mode), operand size, REPNE/REP, LOCK. Put in front of everything,
 * so that a REX prefix stays next to the opcode.
 */
static const uint8_t soup[] = {0x2e, 0x3e, 0x26, 0x36, 0x66, 0xf2, 0xf3, 0xf0};

/*
 * Adds the instruction, one time in eight with one to three of those
 * prefixes in front when that still decodes as one instruction of the same
 * length (a 66 in front of an imm32 would not).
 */
static bool add(struct seq *s, ZydisMnemonic m, ZydisInstructionAttributes prefixes, unsigned nops,
                const ZydisEncoderOperand *ops)
{
    ZydisEncoderRequest req = {
        .machine_mode = ZYDIS_MACHINE_MODE_LONG_64,
        .mnemonic = m,
        .prefixes = prefixes,
        .operand_count = (ZyanU8)nops,
    };
    for (unsigned i = 0; i < nops; i++)
        req.operands[i] = ops[i];
    uint8_t bytes[3 + ZYDIS_MAX_INSTRUCTION_LENGTH];
    ZyanUSize len = ZYDIS_MAX_INSTRUCTION_LENGTH;
    unsigned extra = s->no_soup || below(s, 8) ? 0 : 1 + (unsigned)below(s, 3);
    if (!ZYAN_SUCCESS(ZydisEncoderEncodeInstruction(&req, bytes + extra, &len)))
        return false;
    bool f3 = false;
    for (unsigned i = 0; i < extra; i++) {
        bytes[i] = soup[below(s, sizeof(soup))];
        f3 |= bytes[i] == 0xf3;
    }
    /* F3 before XCHG r8, rAX (REX.B 90): PAUSE or XCHG is vendor-specific (corners.h) */
    if (f3 && len >= 2 && bytes[extra + len - 1] == 0x90 &&
        (bytes[extra + len - 2] & 0xf1) == 0x41 && !corners__compared(CORNER_PAUSE_REX_B))
        extra = 0;
    return (extra && builder__bytes(&s->g->b, bytes, extra + (unsigned)len)) ||
           builder__bytes(&s->g->b, bytes + extra, (unsigned)len);
}

static bool alu(struct seq *s)
{
    static const ZydisMnemonic ops[] = {
        ZYDIS_MNEMONIC_ADD, ZYDIS_MNEMONIC_ADC, ZYDIS_MNEMONIC_SUB,
        ZYDIS_MNEMONIC_SBB, ZYDIS_MNEMONIC_AND, ZYDIS_MNEMONIC_OR,
        ZYDIS_MNEMONIC_XOR, ZYDIS_MNEMONIC_CMP, ZYDIS_MNEMONIC_TEST,
    };
    ZydisMnemonic m = ops[below(s, 9)];
    unsigned width = any_width(s);
    ZydisEncoderOperand op[2];
    op[0] = reg_or_mem(s, width);
    bool dest_mem = op[0].type == ZYDIS_OPERAND_TYPE_MEMORY;
    if (below(s, 2))
        op[1] = gen__imm(width, gen__random(s->g, width));
    else
        op[1] = dest_mem || m == ZYDIS_MNEMONIC_TEST ? reg(s, width) : reg_or_mem(s, width);
    bool lock = dest_mem && m != ZYDIS_MNEMONIC_CMP && m != ZYDIS_MNEMONIC_TEST && below(s, 4) == 0;
    return add(s, m, lock ? ZYDIS_ATTRIB_HAS_LOCK : 0, 2, op);
}

static bool unary(struct seq *s)
{
    static const ZydisMnemonic ops[] = {ZYDIS_MNEMONIC_INC, ZYDIS_MNEMONIC_DEC, ZYDIS_MNEMONIC_NEG,
                                        ZYDIS_MNEMONIC_NOT};
    ZydisEncoderOperand op = reg_or_mem(s, any_width(s));
    return add(s, ops[below(s, 4)], 0, 1, &op);
}

static bool shift(struct seq *s)
{
    static const ZydisMnemonic ops[] = {
        ZYDIS_MNEMONIC_ROL, ZYDIS_MNEMONIC_ROR,  ZYDIS_MNEMONIC_RCL,
        ZYDIS_MNEMONIC_RCR, ZYDIS_MNEMONIC_SHL,  ZYDIS_MNEMONIC_SHR,
        ZYDIS_MNEMONIC_SAR, ZYDIS_MNEMONIC_SHLD, ZYDIS_MNEMONIC_SHRD};
    ZydisMnemonic m = ops[below(s, 9)];
    bool dbl = m == ZYDIS_MNEMONIC_SHLD || m == ZYDIS_MNEMONIC_SHRD;
    unsigned width = dbl ? 16u << below(s, 3) : any_width(s);
    ZydisEncoderOperand op[3];
    unsigned n = 0;
    op[n++] = reg_or_mem(s, width);
    if (dbl)
        op[n++] = reg(s, width);
    unsigned count = (unsigned)below(s, width == 16 && dbl ? 17 : 70);
    /* A 16-bit SHLD/SHRD by more than 16 has an undefined result: no CL of unknown value. */
    bool by_cl = below(s, 3) == 0 && !(dbl && width == 16);
    op[n++] = by_cl ? op_reg(ZYDIS_REGISTER_CL) : op_imm(count);
    return add(s, m, 0, n, op);
}

static bool muldiv(struct seq *s)
{
    static const ZydisMnemonic ops[] = {ZYDIS_MNEMONIC_MUL, ZYDIS_MNEMONIC_IMUL, ZYDIS_MNEMONIC_DIV,
                                        ZYDIS_MNEMONIC_IDIV};
    unsigned which = (unsigned)below(s, 6);
    unsigned width = any_width(s);
    if (which >= 4) { /* IMUL r, r/m [, imm] */
        width = 16u << below(s, 3);
        ZydisEncoderOperand op[3] = {reg(s, width), reg_or_mem(s, width),
                                     gen__imm(width, gen__random(s->g, width))};
        return add(s, ZYDIS_MNEMONIC_IMUL, 0, which == 4 ? 2 : 3, op);
    }
    unsigned before = s->g->c.ninsns;
    if (which >= 2 && below(s, 2)) {
        /* a small high half, so that not every division overflows */
        ZydisEncoderOperand setup[2] = {op_reg(width == 8 ? ZYDIS_REGISTER_AH : ZYDIS_REGISTER_EDX),
                                        op_imm((int64_t)below(s, 4))};
        if (!add(s, ZYDIS_MNEMONIC_MOV, 0, 2, setup))
            return false;
    }
    ZydisEncoderOperand op = reg_or_mem(s, width);
    if (!add(s, ops[which], 0, 1, &op)) {
        builder__truncate(&s->g->b, before);
        return false;
    }
    return true;
}

static bool bits(struct seq *s)
{
    static const ZydisMnemonic tests[] = {ZYDIS_MNEMONIC_BT, ZYDIS_MNEMONIC_BTS, ZYDIS_MNEMONIC_BTR,
                                          ZYDIS_MNEMONIC_BTC};
    static const ZydisMnemonic scans[] = {ZYDIS_MNEMONIC_BSF, ZYDIS_MNEMONIC_BSR,
                                          ZYDIS_MNEMONIC_POPCNT, ZYDIS_MNEMONIC_LZCNT,
                                          ZYDIS_MNEMONIC_TZCNT};
    static const unsigned scan_features[] = {0, 0, GEN_HAS_POPCNT, GEN_HAS_LZCNT, GEN_HAS_BMI1};
    unsigned width = 16u << below(s, 3);
    ZydisEncoderOperand op[2];
    if (below(s, 2)) {
        op[0] = reg_or_mem(s, width);
        /* a register bit offset into memory could reach outside the sandbox */
        op[1] = op[0].type == ZYDIS_OPERAND_TYPE_MEMORY || below(s, 2)
                    ? op_imm((int64_t)below(s, 256))
                    : reg(s, width);
        ZydisMnemonic m = tests[below(s, 4)];
        bool lock =
            op[0].type == ZYDIS_OPERAND_TYPE_MEMORY && m != ZYDIS_MNEMONIC_BT && below(s, 4) == 0;
        return add(s, m, lock ? ZYDIS_ATTRIB_HAS_LOCK : 0, 2, op);
    }
    unsigned k = (unsigned)below(s, 5);
    if (scan_features[k] && !(s->g->features & scan_features[k]))
        return false;
    op[0] = reg(s, width);
    op[1] = reg_or_mem(s, width);
    return add(s, scans[k], 0, 2, op);
}

/* BMI2 (VEX), MOVBE and ADX where the CPU model advertises them. */
static bool extensions(struct seq *s)
{
    static const ZydisMnemonic bmi2[] = {
        ZYDIS_MNEMONIC_BZHI, ZYDIS_MNEMONIC_SARX, ZYDIS_MNEMONIC_SHLX, ZYDIS_MNEMONIC_SHRX,
        ZYDIS_MNEMONIC_MULX, ZYDIS_MNEMONIC_PDEP, ZYDIS_MNEMONIC_PEXT, ZYDIS_MNEMONIC_RORX};
    unsigned features = s->g->features, width = 32u << below(s, 2);
    ZydisEncoderOperand op[3];
    switch (below(s, 3)) {
    case 0: {
        if (!(features & GEN_HAS_BMI2))
            return false;
        unsigned k = (unsigned)below(s, 8);
        op[0] = reg(s, width);
        /* BZHI SARX SHLX SHRX: dst, r/m, vvvv; MULX PDEP PEXT: dst, vvvv, r/m; RORX: dst, r/m, imm8
         */
        bool rm_second = k < 4 || k == 7;
        op[rm_second ? 1 : 2] = reg_or_mem(s, width);
        op[rm_second ? 2 : 1] = k == 7 ? op_imm((int64_t)below(s, 256)) : reg(s, width);
        return add(s, bmi2[k], 0, 3, op);
    }
    case 1: {
        if (!(features & GEN_HAS_MOVBE))
            return false;
        width = 16u << below(s, 3);
        bool store = below(s, 2);
        op[store] = reg(s, width);
        op[!store] = mem(s, width / 8);
        return add(s, ZYDIS_MNEMONIC_MOVBE, 0, 2, op);
    }
    default:
        if (!(features & GEN_HAS_ADX))
            return false;
        op[0] = reg(s, width);
        op[1] = reg_or_mem(s, width);
        return add(s, below(s, 2) ? ZYDIS_MNEMONIC_ADCX : ZYDIS_MNEMONIC_ADOX, 0, 2, op);
    }
}

static bool moves(struct seq *s)
{
    ZydisEncoderOperand op[2];
    switch (below(s, 5)) {
    case 0: { /* MOVZX / MOVSX / MOVSXD */
        static const ZydisMnemonic m[] = {ZYDIS_MNEMONIC_MOVZX, ZYDIS_MNEMONIC_MOVSX};
        unsigned from = below(s, 3) ? 8 : 16;
        unsigned to = from == 8 ? 16u << below(s, 3) : 32u << below(s, 2);
        if (below(s, 4) == 0) {
            op[0] = reg(s, 64);
            op[1] = reg_or_mem(s, 32);
            return add(s, ZYDIS_MNEMONIC_MOVSXD, 0, 2, op);
        }
        op[0] = reg(s, to);
        op[1] = reg_or_mem(s, from);
        return add(s, m[below(s, 2)], 0, 2, op);
    }
    case 1: { /* BSWAP */
        op[0] = reg(s, 32u << below(s, 2));
        return add(s, ZYDIS_MNEMONIC_BSWAP, 0, 1, op);
    }
    default: { /* MOV */
        unsigned width = any_width(s);
        op[0] = reg_or_mem(s, width);
        if (below(s, 2))
            op[1] = op[0].type == ZYDIS_OPERAND_TYPE_MEMORY ? reg(s, width) : reg_or_mem(s, width);
        else
            op[1] = width == 64 && op[0].type == ZYDIS_OPERAND_TYPE_REGISTER && below(s, 2)
                        ? op_imm((int64_t)gen__random(s->g, 64))
                        : gen__imm(width, gen__random(s->g, width));
        return add(s, ZYDIS_MNEMONIC_MOV, 0, 2, op);
    }
    }
}

static bool conditional(struct seq *s)
{
    static const ZydisMnemonic cmov[] = {
        ZYDIS_MNEMONIC_CMOVO, ZYDIS_MNEMONIC_CMOVNO, ZYDIS_MNEMONIC_CMOVB,  ZYDIS_MNEMONIC_CMOVNB,
        ZYDIS_MNEMONIC_CMOVZ, ZYDIS_MNEMONIC_CMOVNZ, ZYDIS_MNEMONIC_CMOVBE, ZYDIS_MNEMONIC_CMOVNBE,
        ZYDIS_MNEMONIC_CMOVS, ZYDIS_MNEMONIC_CMOVNS, ZYDIS_MNEMONIC_CMOVP,  ZYDIS_MNEMONIC_CMOVNP,
        ZYDIS_MNEMONIC_CMOVL, ZYDIS_MNEMONIC_CMOVNL, ZYDIS_MNEMONIC_CMOVLE, ZYDIS_MNEMONIC_CMOVNLE,
    };
    static const ZydisMnemonic setcc[] = {
        ZYDIS_MNEMONIC_SETO, ZYDIS_MNEMONIC_SETNO, ZYDIS_MNEMONIC_SETB,  ZYDIS_MNEMONIC_SETNB,
        ZYDIS_MNEMONIC_SETZ, ZYDIS_MNEMONIC_SETNZ, ZYDIS_MNEMONIC_SETBE, ZYDIS_MNEMONIC_SETNBE,
        ZYDIS_MNEMONIC_SETS, ZYDIS_MNEMONIC_SETNS, ZYDIS_MNEMONIC_SETP,  ZYDIS_MNEMONIC_SETNP,
        ZYDIS_MNEMONIC_SETL, ZYDIS_MNEMONIC_SETNL, ZYDIS_MNEMONIC_SETLE, ZYDIS_MNEMONIC_SETNLE,
    };
    unsigned cc = (unsigned)below(s, 16);
    if (below(s, 2)) {
        ZydisEncoderOperand op = reg_or_mem(s, 8);
        return add(s, setcc[cc], 0, 1, &op);
    }
    unsigned width = 16u << below(s, 3);
    ZydisEncoderOperand op[2] = {reg(s, width), reg_or_mem(s, width)};
    return add(s, cmov[cc], 0, 2, op);
}

static bool address(struct seq *s)
{
    unsigned width = 16u << below(s, 3);
    ZydisRegister index = below(s, 2) ? gpr_reg(any_gpr(s), 64) : ZYDIS_REGISTER_NONE;
    if (index == ZYDIS_REGISTER_RSP)
        index = ZYDIS_REGISTER_NONE;
    ZydisEncoderOperand op[2] = {
        reg(s, width),
        op_mem(gpr_reg((unsigned)below(s, 16), 64), index, index ? (uint8_t)(1u << below(s, 4)) : 0,
               (int32_t)gen__random(s->g, 32), 8),
    };
    return add(s, ZYDIS_MNEMONIC_LEA, 0, 2, op);
}

static bool exchange(struct seq *s)
{
    static const ZydisMnemonic ops[] = {ZYDIS_MNEMONIC_XCHG, ZYDIS_MNEMONIC_CMPXCHG,
                                        ZYDIS_MNEMONIC_XADD};
    unsigned k = (unsigned)below(s, 4);
    if (k == 3) {
        bool wide = below(s, 2);
        ZydisEncoderOperand op = mem(s, wide ? 16 : 8);
        op.mem.displacement &= wide ? ~15 : ~0;
        return add(s, wide ? ZYDIS_MNEMONIC_CMPXCHG16B : ZYDIS_MNEMONIC_CMPXCHG8B,
                   below(s, 2) ? ZYDIS_ATTRIB_HAS_LOCK : 0, 1, &op);
    }
    unsigned width = any_width(s);
    ZydisEncoderOperand op[2] = {reg_or_mem(s, width), reg(s, width)};
    bool lock = op[0].type == ZYDIS_OPERAND_TYPE_MEMORY && k > 0 && below(s, 2);
    return add(s, ops[k], lock ? ZYDIS_ATTRIB_HAS_LOCK : 0, 2, op);
}

static bool no_operands(struct seq *s)
{
    static const ZydisMnemonic ops[] = {
        ZYDIS_MNEMONIC_CBW, ZYDIS_MNEMONIC_CWDE, ZYDIS_MNEMONIC_CDQE, ZYDIS_MNEMONIC_CWD,
        ZYDIS_MNEMONIC_CDQ, ZYDIS_MNEMONIC_CQO,  ZYDIS_MNEMONIC_LAHF, ZYDIS_MNEMONIC_SAHF,
        ZYDIS_MNEMONIC_CLC, ZYDIS_MNEMONIC_STC,  ZYDIS_MNEMONIC_CMC,  ZYDIS_MNEMONIC_CLD,
        ZYDIS_MNEMONIC_STD,
    };
    return add(s, ops[below(s, sizeof(ops) / sizeof(ops[0]))], 0, 0, NULL);
}

static bool stack(struct seq *s)
{
    unsigned width = below(s, 4) ? 64 : 16;
    ZydisEncoderRequest req = {
        .machine_mode = ZYDIS_MACHINE_MODE_LONG_64,
        .operand_size_hint = width == 16 ? ZYDIS_OPERAND_SIZE_HINT_16 : ZYDIS_OPERAND_SIZE_HINT_64,
        .operand_count = 1,
    };
    switch (below(s, 5)) {
    case 0:
        req.mnemonic = ZYDIS_MNEMONIC_PUSH;
        req.operands[0] = reg_or_mem(s, width);
        break;
    case 1:
        req.mnemonic = ZYDIS_MNEMONIC_PUSH;
        req.operands[0] = gen__imm(width, gen__random(s->g, width == 64 ? 32 : 16));
        break;
    case 2:
        req.mnemonic = ZYDIS_MNEMONIC_POP;
        req.operands[0] = reg_or_mem(s, width);
        break;
    case 3:
        req.mnemonic = width == 16 ? ZYDIS_MNEMONIC_PUSHF : ZYDIS_MNEMONIC_PUSHFQ;
        req.operand_count = 0;
        break;
    default: {
        /* PUSH imm32 of harmless flags, then POPF (no prefix soup: a 66 would push 16 bits) */
        unsigned before = s->g->c.ninsns;
        ZydisEncoderOperand value =
            op_imm((int32_t)(gen__random(s->g, 32) & (DT_FLAGS_STATUS | DT_DF | (1u << 14))));
        struct builder *b = &s->g->b;
        if (!builder__insn(b, ZYDIS_MNEMONIC_PUSH, 0, 1, &value))
            return false;
        if (!builder__insn(b, ZYDIS_MNEMONIC_POPFQ, 0, 0, NULL)) {
            builder__truncate(&s->g->b, before);
            return false;
        }
        return true;
    }
    }
    return builder__add(&s->g->b, &req);
}

static bool string_op(struct seq *s)
{
    static const ZydisMnemonic ops[] = {
        ZYDIS_MNEMONIC_MOVSB, ZYDIS_MNEMONIC_MOVSW, ZYDIS_MNEMONIC_MOVSD, ZYDIS_MNEMONIC_MOVSQ,
        ZYDIS_MNEMONIC_STOSB, ZYDIS_MNEMONIC_STOSW, ZYDIS_MNEMONIC_STOSD, ZYDIS_MNEMONIC_STOSQ,
        ZYDIS_MNEMONIC_LODSB, ZYDIS_MNEMONIC_LODSW, ZYDIS_MNEMONIC_LODSD, ZYDIS_MNEMONIC_LODSQ,
        ZYDIS_MNEMONIC_CMPSB, ZYDIS_MNEMONIC_CMPSW, ZYDIS_MNEMONIC_CMPSD, ZYDIS_MNEMONIC_CMPSQ,
        ZYDIS_MNEMONIC_SCASB, ZYDIS_MNEMONIC_SCASW, ZYDIS_MNEMONIC_SCASD, ZYDIS_MNEMONIC_SCASQ,
    };
    unsigned k = (unsigned)below(s, 20);
    ZydisInstructionAttributes prefix = 0;
    if (below(s, 4))
        prefix = k < 12        ? ZYDIS_ATTRIB_HAS_REP
                 : below(s, 2) ? ZYDIS_ATTRIB_HAS_REPE
                               : ZYDIS_ATTRIB_HAS_REPNE;
    /* RSI and RDI 0x100..0x1700 into the sandbox: 16 elements of 8 bytes fit either way. */
    ZydisEncoderOperand setup[3][2] = {
        {op_reg(ZYDIS_REGISTER_ESI), op_imm((int64_t)(DT_DATA_ADDR + 0x100 + below(s, 0x1600)))},
        {op_reg(ZYDIS_REGISTER_EDI), op_imm((int64_t)(DT_DATA_ADDR + 0x100 + below(s, 0x1600)))},
        {op_reg(ZYDIS_REGISTER_ECX), op_imm((int64_t)below(s, 17))},
    };
    unsigned before = s->g->c.ninsns;
    for (unsigned i = 0; i < 3; i++) {
        if (!add(s, ZYDIS_MNEMONIC_MOV, 0, 2, setup[i])) {
            builder__truncate(&s->g->b, before);
            return false;
        }
    }
    if (!add(s, ops[k], prefix, 0, NULL)) {
        builder__truncate(&s->g->b, before);
        return false;
    }
    return true;
}

/* fn with add() putting no extra prefixes in front */
static bool without_soup(struct seq *s, bool (*fn)(struct seq *))
{
    s->no_soup = true;
    bool added = fn(s);
    s->no_soup = false;
    return added;
}

/* F2/F3 on string instructions mean REPNE/REPE: chosen on purpose, not as soup. */
static bool string(struct seq *s)
{
    return without_soup(s, string_op);
}

static bool (*const categories[])(struct seq *) = {
    alu,   alu,         alu,     unary,    shift,       shift, muldiv, bits,       moves,
    moves, conditional, address, exchange, no_operands, stack, string, extensions,
};

#define NCATEGORIES (sizeof(categories) / sizeof(categories[0]))

static ZydisEncoderRequest relative(ZydisMnemonic m, bool near)
{
    return (ZydisEncoderRequest){
        .machine_mode = ZYDIS_MACHINE_MODE_LONG_64,
        .mnemonic = m,
        .branch_type = near ? ZYDIS_BRANCH_TYPE_NEAR : ZYDIS_BRANCH_TYPE_SHORT,
        .operand_count = 1,
        .operands[0] = {.type = ZYDIS_OPERAND_TYPE_IMMEDIATE},
    };
}

/* A forward Jcc, JMP, LOOPcc or JRCXZ over one or two instructions of the other categories. */
static bool branch_over(struct seq *s)
{
    static const ZydisMnemonic ops[] = {
        ZYDIS_MNEMONIC_JO,    ZYDIS_MNEMONIC_JNO,  ZYDIS_MNEMONIC_JB,    ZYDIS_MNEMONIC_JNB,
        ZYDIS_MNEMONIC_JZ,    ZYDIS_MNEMONIC_JNZ,  ZYDIS_MNEMONIC_JBE,   ZYDIS_MNEMONIC_JNBE,
        ZYDIS_MNEMONIC_JS,    ZYDIS_MNEMONIC_JNS,  ZYDIS_MNEMONIC_JP,    ZYDIS_MNEMONIC_JNP,
        ZYDIS_MNEMONIC_JL,    ZYDIS_MNEMONIC_JNL,  ZYDIS_MNEMONIC_JLE,   ZYDIS_MNEMONIC_JNLE,
        ZYDIS_MNEMONIC_JMP,   ZYDIS_MNEMONIC_LOOP, ZYDIS_MNEMONIC_LOOPE, ZYDIS_MNEMONIC_LOOPNE,
        ZYDIS_MNEMONIC_JRCXZ,
    };
    struct builder *b = &s->g->b;
    unsigned before = s->g->c.ninsns;
    unsigned k = (unsigned)below(s, sizeof(ops) / sizeof(ops[0]));
    /* The 16 Jcc and JMP come short or near; LOOPcc and JRCXZ only short. */
    ZydisEncoderRequest req = relative(ops[k], k <= 16 && below(s, 2));
    int branch = builder__branch(b, &req);
    if (branch < 0)
        return false;
    for (unsigned n = 1 + (unsigned)below(s, 2); n > 0; n--)
        categories[below(s, NCATEGORIES)](s);
    if (s->g->c.ninsns == (unsigned)branch + 1 || !builder__land(b, (unsigned)branch)) {
        builder__truncate(b, before);
        return false;
    }
    return true;
}

/*
 * CALL to the next instruction and POP of the return address; PUSH of the
 * next instruction's address and RET (imm16) to it; MOV of that address and
 * JMP or CALL through the register.
 */
static bool call_return(struct seq *s)
{
    struct builder *b = &s->g->b;
    struct dt_case *c = &s->g->c;
    unsigned first = c->ninsns;
    unsigned reg = any_gpr(s);
    ZydisEncoderOperand address = op_imm((int64_t)DT_CODE_ADDR); /* patched below */
    ZydisEncoderOperand target = op_reg(gpr_reg(reg, 64));
    bool ok, patch = true;
    switch (below(s, 3)) {
    case 0: {
        ZydisEncoderRequest call = relative(ZYDIS_MNEMONIC_CALL, true);
        ok = builder__branch(b, &call) >= 0 && add(s, ZYDIS_MNEMONIC_POP, 0, 1, &target);
        patch = false; /* a call with displacement 0 already goes to the next instruction */
        break;
    }
    case 1: {
        ZydisEncoderOperand extra = op_imm((int64_t)below(s, 3) * 8);
        ok = add(s, ZYDIS_MNEMONIC_PUSH, 0, 1, &address) &&
             add(s, ZYDIS_MNEMONIC_RET, 0, below(s, 2) ? 1 : 0, &extra);
        break;
    }
    default: {
        ZydisEncoderOperand load[2] = {op_reg(gpr_reg(reg, 32)), address};
        ok = add(s, ZYDIS_MNEMONIC_MOV, 0, 2, load) &&
             add(s, below(s, 2) ? ZYDIS_MNEMONIC_JMP : ZYDIS_MNEMONIC_CALL, 0, 1, &target);
        break;
    }
    }
    if (!ok) {
        builder__truncate(b, first);
        return false;
    }
    if (patch)
        builder__patch_imm32(b, first, (uint32_t)(DT_CODE_ADDR + c->code_len));
    return true;
}

/*
 * A counted loop: MOV counter, 1..4; one to three instructions; DEC counter;
 * JNZ back. The counter is one of the base candidates (never written
 * implicitly) that nothing in the loop may name.
 */
static bool loop_back(struct seq *s)
{
    struct builder *b = &s->g->b;
    unsigned before = s->g->c.ninsns;
    if (s->counter != NO_COUNTER)
        return false; /* no nesting */
    unsigned counter;
    do
        counter = base_candidates[below(s, sizeof(base_candidates))];
    while (counter == s->base);
    ZydisEncoderOperand init[2] = {op_reg(gpr_reg(counter, 32)), op_imm(1 + (int64_t)below(s, 4))};
    if (!builder__insn(b, ZYDIS_MNEMONIC_MOV, 0, 2, init))
        return false;

    s->counter = counter;
    unsigned head = s->g->c.ninsns;
    for (unsigned n = 1 + (unsigned)below(s, 3); n > 0; n--)
        categories[below(s, NCATEGORIES)](s);
    ZydisEncoderOperand dec = op_reg(gpr_reg(counter, 32));
    ZydisEncoderRequest jnz = relative(ZYDIS_MNEMONIC_JNZ, false);
    bool closed = s->g->c.ninsns > head && builder__insn(b, ZYDIS_MNEMONIC_DEC, 0, 1, &dec) &&
                  builder__branch(b, &jnz) >= 0 && builder__loop(b, head);
    s->counter = NO_COUNTER;
    if (!closed)
        builder__truncate(b, before);
    return closed;
}

static bool control(struct seq *s)
{
    if (below(s, 4) == 0)
        return loop_back(s);
    /* a 66 prefix would make a near RET/JMP/CALL 16-bit, which AMD and Intel treat differently */
    return below(s, 3) ? branch_over(s) : without_soup(s, call_return);
}

static void random_inputs(struct seq *s)
{
    struct gen *g = s->g;
    for (unsigned i = 0; i < 16; i++)
        if (below(s, 2))
            g->c.in.gpr[i] = gen__edge(g, 8u << below(s, 4), (unsigned)below(s, GEN_NEDGE));
    g->c.in.gpr[s->base] = DT_DATA_ADDR + BASE_OFFSET;
    g->c.in.gpr[CPU_RSP] = DT_DATA_ADDR + STACK_OFFSET;
    if (below(s, 4) == 0)
        g->c.in.rflags |= DT_DF;
}

void gen_random__run(struct gen *g)
{
    struct seq s = {.g = g, .counter = NO_COUNTER};
    do {
        gen__begin(g);
        s.base = base_candidates[below(&s, sizeof(base_candidates))];
        random_inputs(&s);
        unsigned length = 1 + (unsigned)below(&s, MAX_SEQUENCE);
        for (unsigned tries = 0; g->c.ninsns < length && tries < 4 * length; tries++) {
            if (below(&s, 8) == 0)
                control(&s);
            else
                categories[below(&s, NCATEGORIES)](&s);
        }
    } while (gen__run(g));
}
