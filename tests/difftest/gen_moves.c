// SPDX-License-Identifier: Apache-2.0
/*
 * gen_moves.c - enumerated data movement and flag instructions: MOV (all
 * forms incl. MOVABS), MOVZX MOVSX MOVSXD, CMOVcc and SETcc for all 16
 * conditions over all 32 combinations of CF PF ZF SF OF, LEA with 64- and
 * 32-bit addressing, XCHG (incl. the short forms and XCHG EAX,EAX), CMPXCHG,
 * XADD, CMPXCHG8B/16B (incl. a misaligned CMPXCHG16B: #GP), CBW CWDE CDQE
 * CWD CDQ CQO, LAHF SAHF CLC STC CMC CLD STD, and UD2.
 */
#include "gen.h"

#include <string.h>

#include "machine/vcpu.h"

static const unsigned widths[] = {8, 16, 32, 64};

static bool moves(struct gen *g)
{
    for (size_t w = 0; w < 4; w++) {
        unsigned width = widths[w];
        for (unsigned form = 0; form < 6; form++) { /* r,r  r,m  m,r  r,i  m,i  r,imm64 */
            if (form == 5 && width != 64)
                continue;
            for (unsigned i = 0; i < GEN_NEDGE * 2; i++) {
                gen__begin(g);
                ZydisEncoderOperand op[2];
                uint64_t v =
                    gen__edge(g, form == 3 || form == 4 ? (width > 32 ? 32 : width) : width, i);
                op[0] = gen__operand(g, form == 2 || form == 4, width, gen__random(g, width));
                if (form == 5)
                    op[1] = op_imm((int64_t)v);
                else if (form >= 3)
                    op[1] = gen__imm(width, v);
                else
                    op[1] = gen__operand(g, form == 1, width, v);
                gen__emit(g, ZYDIS_MNEMONIC_MOV, 0, 2, op);
                if (!gen__run(g))
                    return false;
            }
        }
    }
    return true;
}

static bool extensions(struct gen *g)
{
    static const struct {
        ZydisMnemonic mnemonic;
        unsigned to, from;
    } forms[] = {
        {ZYDIS_MNEMONIC_MOVZX, 16, 8},   {ZYDIS_MNEMONIC_MOVZX, 32, 8},
        {ZYDIS_MNEMONIC_MOVZX, 64, 8},   {ZYDIS_MNEMONIC_MOVZX, 32, 16},
        {ZYDIS_MNEMONIC_MOVZX, 64, 16},  {ZYDIS_MNEMONIC_MOVSX, 16, 8},
        {ZYDIS_MNEMONIC_MOVSX, 32, 8},   {ZYDIS_MNEMONIC_MOVSX, 64, 8},
        {ZYDIS_MNEMONIC_MOVSX, 32, 16},  {ZYDIS_MNEMONIC_MOVSX, 64, 16},
        {ZYDIS_MNEMONIC_MOVSXD, 64, 32},
    };
    for (size_t k = 0; k < sizeof(forms) / sizeof(forms[0]); k++) {
        for (unsigned mem = 0; mem < 2; mem++) {
            for (unsigned i = 0; i < GEN_NEDGE * 2; i++) {
                gen__begin(g);
                if (forms[k].to == 64)
                    g->legacy8 = false; /* REX.W rules out AH..BH */
                ZydisEncoderOperand op[2];
                op[0] = gen__operand(g, false, forms[k].to, gen__random(g, forms[k].to));
                op[1] = gen__operand(g, mem, forms[k].from, gen__edge(g, forms[k].from, i));
                gen__emit(g, forms[k].mnemonic, 0, 2, op);
                if (!gen__run(g))
                    return false;
            }
        }
    }
    return true;
}

static bool conditionals(struct gen *g)
{
    static const ZydisMnemonic cmov[16] = {
        ZYDIS_MNEMONIC_CMOVO, ZYDIS_MNEMONIC_CMOVNO, ZYDIS_MNEMONIC_CMOVB,  ZYDIS_MNEMONIC_CMOVNB,
        ZYDIS_MNEMONIC_CMOVZ, ZYDIS_MNEMONIC_CMOVNZ, ZYDIS_MNEMONIC_CMOVBE, ZYDIS_MNEMONIC_CMOVNBE,
        ZYDIS_MNEMONIC_CMOVS, ZYDIS_MNEMONIC_CMOVNS, ZYDIS_MNEMONIC_CMOVP,  ZYDIS_MNEMONIC_CMOVNP,
        ZYDIS_MNEMONIC_CMOVL, ZYDIS_MNEMONIC_CMOVNL, ZYDIS_MNEMONIC_CMOVLE, ZYDIS_MNEMONIC_CMOVNLE,
    };
    static const ZydisMnemonic setcc[16] = {
        ZYDIS_MNEMONIC_SETO, ZYDIS_MNEMONIC_SETNO, ZYDIS_MNEMONIC_SETB,  ZYDIS_MNEMONIC_SETNB,
        ZYDIS_MNEMONIC_SETZ, ZYDIS_MNEMONIC_SETNZ, ZYDIS_MNEMONIC_SETBE, ZYDIS_MNEMONIC_SETNBE,
        ZYDIS_MNEMONIC_SETS, ZYDIS_MNEMONIC_SETNS, ZYDIS_MNEMONIC_SETP,  ZYDIS_MNEMONIC_SETNP,
        ZYDIS_MNEMONIC_SETL, ZYDIS_MNEMONIC_SETNL, ZYDIS_MNEMONIC_SETLE, ZYDIS_MNEMONIC_SETNLE,
    };
    for (unsigned cc = 0; cc < 16; cc++) {
        for (unsigned mem = 0; mem < 2; mem++) {
            for (unsigned f = 0; f < GEN_NCOND_FLAGS; f++) {
                for (size_t w = 1; w < 4; w++) {
                    gen__begin(g);
                    gen__flags(g, DT_FLAGS_STATUS, gen__cond_flags(f));
                    ZydisEncoderOperand op[2];
                    op[0] = gen__operand(g, false, widths[w], gen__random(g, widths[w]));
                    op[1] = gen__operand(g, mem, widths[w], gen__random(g, widths[w]));
                    gen__emit(g, cmov[cc], 0, 2, op);
                    if (!gen__run(g))
                        return false;
                }
                gen__begin(g);
                gen__flags(g, DT_FLAGS_STATUS, gen__cond_flags(f));
                ZydisEncoderOperand op = gen__operand(g, mem, 8, gen__random(g, 8));
                gen__emit(g, setcc[cc], 0, 1, &op);
                if (!gen__run(g))
                    return false;
            }
        }
    }
    return true;
}

/* Zydis wants an LEA memory operand as wide as the address. */
static bool lea(struct gen *g)
{
    for (unsigned i = 0; i < 600; i++) {
        gen__begin(g);
        struct rng *r = &g->rng;
        unsigned width = 16u << rng__below(r, 3);
        unsigned asize = rng__below(r, 3) ? 64 : 32;
        unsigned dst = gen__reg(g, width);
        ZydisRegister base = ZYDIS_REGISTER_NONE, index = ZYDIS_REGISTER_NONE;
        uint8_t scale = 0;
        switch (rng__below(r, 8)) {
        case 0: base = asize == 64 ? ZYDIS_REGISTER_RIP : ZYDIS_REGISTER_EIP; break;
        case 1: break; /* displacement only */
        default: base = gpr_reg(gen__reg(g, 64), asize); break;
        }
        if (base != ZYDIS_REGISTER_RIP && base != ZYDIS_REGISTER_EIP && rng__below(r, 2)) {
            unsigned idx = gen__reg(g, 64);
            if (idx == CPU_RSP)
                idx = gen__reg(g, 64);
            index = gpr_reg(idx, asize);
            scale = (uint8_t)(1u << rng__below(r, 4));
        }
        int64_t disp = rng__below(r, 4) == 0 ? 0 : (int32_t)gen__random(g, 32);
        ZydisEncoderOperand op[2] = {op_reg(gpr_reg(dst, width)),
                                     op_mem(base, index, scale, disp, asize / 8)};
        gen__emit(g, ZYDIS_MNEMONIC_LEA, 0, 2, op);
        if (!gen__run(g))
            return false;
    }
    return true;
}

static bool exchanges(struct gen *g)
{
    for (size_t w = 0; w < 4; w++) {
        unsigned width = widths[w];
        for (unsigned form = 0; form < 9; form++) {
            /* xchg r,r  xchg m,r  cmpxchg r,r (equal/not)  cmpxchg m,r (equal/not)
               lock cmpxchg m,r  xadd r,r  xadd m,r (lock: form 8) */
            for (unsigned i = 0; i < GEN_NEDGE * 2; i++) {
                gen__begin(g);
                ZydisMnemonic m = form < 2   ? ZYDIS_MNEMONIC_XCHG
                                  : form < 7 ? ZYDIS_MNEMONIC_CMPXCHG
                                             : ZYDIS_MNEMONIC_XADD;
                bool mem = form == 1 || form == 4 || form == 5 || form == 6 || form == 8;
                bool lock = form == 6 || form == 8;
                uint64_t dest = gen__edge(g, width, i);
                if (m == ZYDIS_MNEMONIC_CMPXCHG) {
                    gen__claim(g, CPU_RAX);
                    bool equal = form == 2 || form == 4 || (form == 6 && (i & 1));
                    gen__set(g, CPU_RAX, width, equal ? dest : gen__random(g, width));
                }
                ZydisEncoderOperand op[2];
                op[0] = gen__operand(g, mem, width, dest);
                op[1] = gen__operand(g, false, width, gen__edge(g, width, i + 3));
                gen__emit(g, m, lock ? ZYDIS_ATTRIB_HAS_LOCK : 0, 2, op);
                if (!gen__run(g))
                    return false;
            }
        }
    }
    /* Short forms with the accumulator, and XCHG EAX,EAX (87 C0: clears RAX[63:32]). */
    static const struct {
        uint8_t bytes[3];
        unsigned len;
    } shorts[] = {
        {{0x91}, 1}, {{0x48, 0x97}, 2}, {{0x66, 0x93}, 2}, {{0x41, 0x95}, 2}, {{0x87, 0xc0}, 2},
    };
    for (size_t k = 0; k < sizeof(shorts) / sizeof(shorts[0]); k++) {
        gen__begin(g);
        builder__raw(&g->b, shorts[k].bytes, shorts[k].len);
        if (!gen__run(g))
            return false;
    }
    return true;
}

static bool compare_exchange_wide(struct gen *g)
{
    for (unsigned size = 8; size <= 16; size += 8) {
        for (unsigned i = 0; i < 64; i++) {
            gen__begin(g);
            for (unsigned r = CPU_RAX; r <= CPU_RBX; r++)
                gen__claim(g, r);
            uint64_t mem[2] = {rng__next(&g->rng), rng__next(&g->rng)};
            if (size == 8)
                mem[0] = gen__edge(g, 64, i);
            bool equal = i & 1;
            uint64_t lo = equal ? mem[0] : rng__next(&g->rng);
            uint64_t hi = equal ? (size == 8 ? mem[0] >> 32 : mem[1]) : rng__next(&g->rng);
            if (i & 2) /* equal in one half only */
                hi ^= 1;
            g->c.in.gpr[CPU_RAX] = size == 8 ? (lo & 0xffffffff) | (rng__next(&g->rng) << 32) : lo;
            g->c.in.gpr[CPU_RDX] = size == 8 ? (hi & 0xffffffff) | (rng__next(&g->rng) << 32) : hi;
            ZydisEncoderOperand op = gen__mem(g, size, mem);
            gen__emit(g, size == 8 ? ZYDIS_MNEMONIC_CMPXCHG8B : ZYDIS_MNEMONIC_CMPXCHG16B,
                      i & 4 ? ZYDIS_ATTRIB_HAS_LOCK : 0, 1, &op);
            if (!gen__run(g))
                return false;
        }
    }
    return true;
}

static bool no_operand_ops(struct gen *g)
{
    static const ZydisMnemonic ops[] = {
        ZYDIS_MNEMONIC_CBW, ZYDIS_MNEMONIC_CWDE, ZYDIS_MNEMONIC_CDQE, ZYDIS_MNEMONIC_CWD,
        ZYDIS_MNEMONIC_CDQ, ZYDIS_MNEMONIC_CQO,  ZYDIS_MNEMONIC_LAHF, ZYDIS_MNEMONIC_SAHF,
        ZYDIS_MNEMONIC_CLC, ZYDIS_MNEMONIC_STC,  ZYDIS_MNEMONIC_CMC,  ZYDIS_MNEMONIC_CLD,
        ZYDIS_MNEMONIC_STD, ZYDIS_MNEMONIC_UD2,
    };
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        for (unsigned i = 0; i < GEN_NCOND_FLAGS; i++) {
            gen__begin(g);
            gen__flags(g, DT_FLAGS_STATUS | DT_DF,
                       gen__cond_flags(i) | (i & 1 ? DT_AF : 0) | (i & 2 ? DT_DF : 0));
            gen__set(g, CPU_RAX, 64, gen__edge(g, 64, i) ^ (rng__below(&g->rng, 2) ? 0 : 0x8000));
            gen__emit(g, ops[k], 0, 0, NULL);
            if (!gen__run(g))
                return false;
        }
    }
    return true;
}

bool gen_moves__run(struct gen *g)
{
    return moves(g) && extensions(g) && conditionals(g) && lea(g) && exchanges(g) &&
           compare_exchange_wide(g) && no_operand_ops(g);
}
