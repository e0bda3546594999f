/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gen.h - building cases: the shared helpers of the enumerated families
 * (gen_alu.c, gen_bits.c, gen_moves.c, gen_stack_string.c, gen_branch.c,
 * gen_smc.c, gen_system.c) and of the random sequences (gen_random.c).
 *
 * A case starts with random GPRs and status flags; a generator then picks
 * distinct registers for the operands, puts the values it wants in them or in
 * a memory operand (whose base and index registers it sets so the address
 * lands in the data sandbox), and emits the instruction.
 */
#ifndef STRATA_TESTS_DIFFTEST_GEN_H
#define STRATA_TESTS_DIFFTEST_GEN_H

#include "builder.h"
#include "rng.h"
#include "runner.h"

/* Instructions the CPU model may leave out; gen.features says what the emulator advertises. */
#define GEN_HAS_POPCNT     (1u << 0)
#define GEN_HAS_LZCNT      (1u << 1)
#define GEN_HAS_BMI1       (1u << 2) /* TZCNT ANDN BEXTR BLSI BLSMSK BLSR */
#define GEN_HAS_SSE3       (1u << 3)
#define GEN_HAS_SSSE3      (1u << 4)
#define GEN_HAS_SSE41      (1u << 5)
#define GEN_HAS_SSE42      (1u << 6)
#define GEN_HAS_BMI2       (1u << 7) /* BZHI MULX PDEP PEXT RORX SARX SHLX SHRX */
#define GEN_HAS_MOVBE      (1u << 8)
#define GEN_HAS_ADX        (1u << 9) /* ADCX ADOX */
#define GEN_HAS_AES        (1u << 10)
#define GEN_HAS_PCLMUL     (1u << 11)
#define GEN_HAS_CLFLUSHOPT (1u << 12)
#define GEN_HAS_CLWB       (1u << 13)

#define GEN_NEDGE 8

/* A register index beyond the GPRs: AH, CH, DH, BH are 16..19 at width 8. */
#define GEN_AH 16

struct gen {
    struct rng rng;
    struct runner *runner;
    unsigned features;
    uint64_t unencodable; /* cases dropped because Zydis could not encode them */
    uint64_t enumerated;  /* cases the enumeration ran */

    /* the case being built */
    struct dt_case c;
    struct builder b;
    uint32_t used;     /* GPRs with a role in this case */
    uint32_t reserved; /* GPRs the family keeps for itself (e.g. RSP for stack cases) */
    bool legacy8;      /* this case may use AH..BH, so only the first 8 GPRs at all */
    bool unencoded;    /* an instruction of this case could not be encoded */
    uint64_t mem_addr; /* the address of the last gen__mem operand */
};

void gen__init(struct gen *g, struct runner *r, uint64_t seed, unsigned features);

/* Starts a case: random GPRs and status flags, DF clear, no code. */
void gen__begin(struct gen *g);

/* A free register for an operand of width bits; marks it used. */
unsigned gen__reg(struct gen *g, unsigned width);

/* Marks GPR index as used, so no later operand picks it. */
void gen__claim(struct gen *g, unsigned index);

/* Puts value into the low width bits of register reg (16..19: AH..BH). */
void gen__set(struct gen *g, unsigned reg, unsigned width, uint64_t value);

/* The i-th edge value (0, 1, max/min signed, all ones, random...) at width. */
uint64_t gen__edge(struct gen *g, unsigned width, unsigned i);

/* A random value at width; sign-extended-imm8 sized one time in four. */
uint64_t gen__random(struct gen *g, unsigned width);

/*
 * A memory operand of size bytes whose bytes are value (NULL: whatever the
 * data image holds), addressed through fresh base (and maybe index)
 * registers. The access lies in the sandbox, aligned half the time, now and
 * then split across its two pages, and once in a while straddling its edge
 * (#PF) or at a non-canonical address (#GP, or #SS through RSP or RBP).
 */
ZydisEncoderOperand gen__mem(struct gen *g, unsigned size, const void *value);

/* An operand of width bits holding value: a fresh register, or memory if mem. */
ZydisEncoderOperand gen__operand(struct gen *g, bool mem, unsigned width, uint64_t value);

/* An immediate for an operand of width bits: value sign-extended from min(width, 32) bits. */
ZydisEncoderOperand gen__imm(unsigned width, uint64_t value);

/* Sets size bytes at addr in the case's data sandbox (clipped to it; up to DT_PATCH_MAX). */
void gen__poke(struct gen *g, uint64_t addr, unsigned size, const void *value);

/* The i-th of the 32 combinations of CF PF ZF SF OF that drive every condition both ways. */
#define GEN_NCOND_FLAGS 32
uint32_t gen__cond_flags(unsigned i);

/* Sets the status flags in mask to the bits of value. */
void gen__flags(struct gen *g, uint32_t mask, uint32_t value);

/* Emits an instruction into the case; false if it cannot be encoded. */
bool gen__emit(struct gen *g, ZydisMnemonic m, ZydisInstructionAttributes prefixes, unsigned nops,
               const ZydisEncoderOperand *ops);

/* Runs the case if it has code; false once the run's budget is used up. */
bool gen__run(struct gen *g);

/* The families: each returns false once the budget is used up. */
bool gen_alu__run(struct gen *g);
bool gen_bits__run(struct gen *g);
bool gen_moves__run(struct gen *g);
bool gen_stack_string__run(struct gen *g);
bool gen_system__run(struct gen *g);
bool gen_branch__run(struct gen *g);
bool gen_smc__run(struct gen *g);
bool gen_sse__run(struct gen *g);
bool gen_x87__run(struct gen *g);
bool gen_bmi2__run(struct gen *g);

/* Random sequences of 1..DT_MAX_INSNS instructions, until the budget is used up. */
void gen_random__run(struct gen *g);

/* All enumerated families in turn (counted in g->enumerated); false once the budget is used up. */
bool gen__enumerate(struct gen *g);

#endif
