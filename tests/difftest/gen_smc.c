// SPDX-License-Identifier: Apache-2.0
/*
 * gen_smc.c - enumerated self-modifying code: an instruction stores into
 * the code of one that runs after it, which must then run as modified (SDM
 * vol. 3A, 8.1.3; Linux patches its own code at boot). The store is a MOV,
 * a (LOCK) XOR, an XCHG or a REP STOSB over the victim, through a
 * RIP-relative address or RDI; the victim follows at once (same decoded
 * block), after a jump (another block), or after a few other instructions.
 */
#include "gen.h"

#include "machine/vcpu.h"

enum writer { MOV_IMM8, MOV_IMM32, XOR_MODRM, LOCK_XOR_MODRM, XCHG_IMM8, REP_STOSB, NWRITERS };

static const ZydisEncoderOperand rip_byte = {
    .type = ZYDIS_OPERAND_TYPE_MEMORY,
    .mem = {.base = ZYDIS_REGISTER_RIP, .displacement = 0x1000, .size = 1},
};

/* The instruction a writer changes; returns its index. */
static unsigned victim(struct gen *g, enum writer w)
{
    unsigned i = g->c.ninsns;
    ZydisEncoderOperand op[2] = {op_reg(ZYDIS_REGISTER_EAX), op_imm(0x11223344)};
    if (w == XOR_MODRM || w == LOCK_XOR_MODRM)
        gen__emit(g, ZYDIS_MNEMONIC_INC, 0, 1, op); /* ff c0: the writer turns it into dec */
    else
        gen__emit(g, w == REP_STOSB ? ZYDIS_MNEMONIC_ADD : ZYDIS_MNEMONIC_MOV, 0, 2, op);
    return i;
}

static bool smc_case(struct gen *g, enum writer w, unsigned placement)
{
    struct dt_case *c = &g->c;
    gen__begin(g);
    g->legacy8 = false; /* the fillers come from R8..R15 */
    for (unsigned r = CPU_RAX; r <= CPU_RDI; r++)
        gen__claim(g, r);
    uint8_t value = (uint8_t)rng__next(&g->rng);
    c->in.gpr[CPU_RCX] = (c->in.gpr[CPU_RCX] & ~0xffull) | value;

    unsigned writer = c->ninsns;
    ZydisEncoderOperand op[2] = {rip_byte, op_imm((int8_t)value)};
    switch (w) {
    case MOV_IMM8: gen__emit(g, ZYDIS_MNEMONIC_MOV, 0, 2, op); break;
    case MOV_IMM32:
        op[0].mem.size = 4;
        op[1] = op_imm((int32_t)rng__next(&g->rng));
        gen__emit(g, ZYDIS_MNEMONIC_MOV, 0, 2, op);
        break;
    case XOR_MODRM:
    case LOCK_XOR_MODRM:
        op[1] = op_imm(0x08);
        gen__emit(g, ZYDIS_MNEMONIC_XOR, w == LOCK_XOR_MODRM ? ZYDIS_ATTRIB_HAS_LOCK : 0, 2, op);
        break;
    case XCHG_IMM8:
        op[1] = op_reg(ZYDIS_REGISTER_CL);
        gen__emit(g, ZYDIS_MNEMONIC_XCHG, 0, 2, op);
        break;
    default: {
        ZydisEncoderRequest stos = {.machine_mode = ZYDIS_MACHINE_MODE_LONG_64,
                                    .mnemonic = ZYDIS_MNEMONIC_STOSB,
                                    .prefixes = ZYDIS_ATTRIB_HAS_REP};
        c->in.gpr[CPU_RAX] = 0x90; /* NOP over the victim */
        if (!builder__add(&g->b, &stos))
            g->unencoded = true;
        break;
    }
    }

    if (placement == 1) { /* a jump to the next instruction ends the block */
        ZydisEncoderRequest jmp = {.machine_mode = ZYDIS_MACHINE_MODE_LONG_64,
                                   .mnemonic = ZYDIS_MNEMONIC_JMP,
                                   .branch_type = ZYDIS_BRANCH_TYPE_NEAR,
                                   .operand_count = 1,
                                   .operands[0] = {.type = ZYDIS_OPERAND_TYPE_IMMEDIATE}};
        if (builder__branch(&g->b, &jmp) < 0)
            g->unencoded = true;
    } else if (placement == 2) {
        for (unsigned k = 0; k < 3; k++) {
            ZydisEncoderOperand filler = op_reg(gpr_reg(gen__reg(g, 64), 64));
            gen__emit(g, ZYDIS_MNEMONIC_NOT, 0, 1, &filler);
        }
    }
    unsigned v = victim(g, w);
    if (g->unencoded)
        return gen__run(g);

    uint64_t start = DT_CODE_ADDR + c->insn_offset[v];
    uint64_t len = c->insn_offset[v + 1] - c->insn_offset[v];
    uint64_t target = w == XOR_MODRM || w == LOCK_XOR_MODRM ? start + 1 /* the ModRM byte */
                      : w == MOV_IMM32                      ? start + len - 4
                                       : start + len - 4 + rng__below(&g->rng, 4);
    if (w == REP_STOSB) {
        c->in.gpr[CPU_RDI] = start;
        c->in.gpr[CPU_RCX] = len;
    } else if (!builder__aim_rip(&g->b, writer, target)) {
        g->unencoded = true;
    }
    return gen__run(g);
}

bool gen_smc__run(struct gen *g)
{
    for (enum writer w = MOV_IMM8; w < NWRITERS; w++)
        for (unsigned placement = 0; placement < 3; placement++)
            for (unsigned i = 0; i < 16; i++)
                if (!smc_case(g, w, placement))
                    return false;
    return true;
}
