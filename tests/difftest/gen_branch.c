// SPDX-License-Identifier: Apache-2.0
/*
 * gen_branch.c - enumerated control transfers, all forward within the case:
 * Jcc for all 16 conditions over all 32 flag combinations, short and near,
 * skipping an instruction when taken; JMP short and near; LOOP LOOPE LOOPNE
 * JRCXZ with 64- and 32-bit counts (JECXZ, ECX with a non-zero upper half);
 * CALL rel32, CALL and JMP through a register and through memory, RET and
 * RET imm16 to an address pushed just before, with RSP anywhere in the
 * sandbox and at its edge (the push faults).
 */
#include "gen.h"

#include "machine/vcpu.h"

static const ZydisMnemonic jcc[16] = {
    ZYDIS_MNEMONIC_JO, ZYDIS_MNEMONIC_JNO, ZYDIS_MNEMONIC_JB,  ZYDIS_MNEMONIC_JNB,
    ZYDIS_MNEMONIC_JZ, ZYDIS_MNEMONIC_JNZ, ZYDIS_MNEMONIC_JBE, ZYDIS_MNEMONIC_JNBE,
    ZYDIS_MNEMONIC_JS, ZYDIS_MNEMONIC_JNS, ZYDIS_MNEMONIC_JP,  ZYDIS_MNEMONIC_JNP,
    ZYDIS_MNEMONIC_JL, ZYDIS_MNEMONIC_JNL, ZYDIS_MNEMONIC_JLE, ZYDIS_MNEMONIC_JNLE,
};

static ZydisEncoderRequest relative(ZydisMnemonic m, bool near, bool a32)
{
    return (ZydisEncoderRequest){
        .machine_mode = ZYDIS_MACHINE_MODE_LONG_64,
        .mnemonic = m,
        .branch_type = near ? ZYDIS_BRANCH_TYPE_NEAR : ZYDIS_BRANCH_TYPE_SHORT,
        .branch_width = near ? ZYDIS_BRANCH_WIDTH_32 : ZYDIS_BRANCH_WIDTH_8,
        .address_size_hint = a32 ? ZYDIS_ADDRESS_SIZE_HINT_32 : ZYDIS_ADDRESS_SIZE_HINT_NONE,
        .operand_count = 1,
        .operands[0] = {.type = ZYDIS_OPERAND_TYPE_IMMEDIATE},
    };
}

/* Emits the branch, an instruction it skips when taken (NOT of a register), and lands it. */
static bool branch_over_one(struct gen *g, const ZydisEncoderRequest *req)
{
    int branch = builder__branch(&g->b, req);
    ZydisEncoderOperand op = op_reg(gpr_reg(gen__reg(g, 64), 64));
    if (branch < 0 || !gen__emit(g, ZYDIS_MNEMONIC_NOT, 0, 1, &op) ||
        !builder__land(&g->b, (unsigned)branch))
        g->unencoded = true;
    return gen__run(g);
}

static bool conditional_jumps(struct gen *g)
{
    for (unsigned cc = 0; cc < 16; cc++) {
        for (unsigned f = 0; f < GEN_NCOND_FLAGS; f++) {
            for (unsigned near = 0; near < 2; near++) {
                gen__begin(g);
                gen__flags(g, DT_FLAGS_STATUS, gen__cond_flags(f));
                ZydisEncoderRequest req = relative(jcc[cc], near, false);
                if (!branch_over_one(g, &req))
                    return false;
            }
        }
    }
    for (unsigned near = 0; near < 2; near++) {
        gen__begin(g);
        ZydisEncoderRequest req = relative(ZYDIS_MNEMONIC_JMP, near, false);
        if (!branch_over_one(g, &req))
            return false;
    }
    return true;
}

static bool counted_jumps(struct gen *g)
{
    static const struct {
        ZydisMnemonic mnemonic;
        bool a32;
    } ops[] = {
        {ZYDIS_MNEMONIC_LOOP, false},   {ZYDIS_MNEMONIC_LOOPE, false},
        {ZYDIS_MNEMONIC_LOOPNE, false}, {ZYDIS_MNEMONIC_JRCXZ, false},
        {ZYDIS_MNEMONIC_LOOP, true},    {ZYDIS_MNEMONIC_LOOPE, true},
        {ZYDIS_MNEMONIC_LOOPNE, true},  {ZYDIS_MNEMONIC_JECXZ, true},
    };
    static const uint64_t counts[] = {0, 1, 2, 0x100000000ull, 0x100000001ull, ~0ull};
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        for (size_t n = 0; n < sizeof(counts) / sizeof(counts[0]); n++) {
            for (unsigned zf = 0; zf < 2; zf++) {
                gen__begin(g);
                gen__claim(g, CPU_RCX);
                g->c.in.gpr[CPU_RCX] = counts[n];
                gen__flags(g, DT_ZF, zf ? DT_ZF : 0);
                ZydisEncoderRequest req = relative(ops[k].mnemonic, false, ops[k].a32);
                if (!branch_over_one(g, &req))
                    return false;
            }
        }
    }
    return true;
}

/* RSP in the sandbox: anywhere, or at its bottom so that a push faults. */
static void stack_in_sandbox(struct gen *g)
{
    g->reserved |= 1u << CPU_RSP;
    g->c.in.gpr[CPU_RSP] = rng__below(&g->rng, 8) == 0
                               ? DT_DATA_ADDR + rng__below(&g->rng, 8)
                               : (DT_DATA_ADDR + 0x100 + rng__below(&g->rng, 0x1e00)) & ~7ull;
}

/* Sets the imm32 of instruction i to the address the code has reached (the next instruction). */
static void aim_here(struct gen *g, unsigned i)
{
    builder__patch_imm32(&g->b, i, (uint32_t)(DT_CODE_ADDR + g->c.code_len));
}

static bool calls_and_returns(struct gen *g)
{
    for (unsigned form = 0; form < 7; form++) {
        for (unsigned i = 0; i < 16; i++) {
            gen__begin(g);
            stack_in_sandbox(g);
            unsigned reg = gen__reg(g, 64);
            ZydisEncoderOperand op[2] = {op_reg(gpr_reg(reg, 64)), op_imm((int64_t)DT_CODE_ADDR)};
            unsigned first = g->c.ninsns;
            switch (form) {
            case 0: { /* call rel32 to the next instruction, pop the return address */
                ZydisEncoderRequest req = relative(ZYDIS_MNEMONIC_CALL, true, false);
                if (builder__branch(&g->b, &req) < 0)
                    g->unencoded = true;
                gen__emit(g, ZYDIS_MNEMONIC_POP, 0, 1, op);
                break;
            }
            case 1: { /* call rel32 over an instruction */
                ZydisEncoderRequest req = relative(ZYDIS_MNEMONIC_CALL, true, false);
                if (!branch_over_one(g, &req))
                    return false;
                continue;
            }
            case 2:   /* mov r32, target; jmp r64 */
            case 3: { /* mov r32, target; call r64 */
                op[0] = op_reg(gpr_reg(reg, 32));
                gen__emit(g, ZYDIS_MNEMONIC_MOV, 0, 2, op);
                op[0] = op_reg(gpr_reg(reg, 64));
                gen__emit(g, form == 2 ? ZYDIS_MNEMONIC_JMP : ZYDIS_MNEMONIC_CALL, 0, 1, op);
                if (!g->unencoded)
                    aim_here(g, first);
                break;
            }
            case 4:   /* push target; ret */
            case 5: { /* push target; ret imm16 */
                op[0] = op_imm((int64_t)DT_CODE_ADDR);
                gen__emit(g, ZYDIS_MNEMONIC_PUSH, 0, 1, op);
                op[0] = op_imm((int64_t)(rng__below(&g->rng, 4) * 8));
                gen__emit(g, ZYDIS_MNEMONIC_RET, 0, form == 5 ? 1 : 0, op);
                if (!g->unencoded)
                    aim_here(g, first);
                break;
            }
            default: { /* jmp or call through memory holding the target */
                ZydisEncoderOperand mem = gen__mem(g, 8, NULL);
                uint64_t slot = g->mem_addr;
                gen__emit(g, i & 1 ? ZYDIS_MNEMONIC_CALL : ZYDIS_MNEMONIC_JMP, 0, 1, &mem);
                uint64_t target = DT_CODE_ADDR + g->c.code_len;
                gen__poke(g, slot, 8, &target);
                break;
            }
            }
            if (!gen__run(g))
                return false;
        }
    }
    return true;
}

bool gen_branch__run(struct gen *g)
{
    return conditional_jumps(g) && counted_jumps(g) && calls_and_returns(g);
}
