// SPDX-License-Identifier: Apache-2.0
/*
 * gen_x87.c - enumerated x87 FPU cases: every register encoding D8-DF
 * C0-FF (aliases and invalid ones included), every memory form (m16/m32/
 * m64 integers and reals, m80 extended and BCD, the control and status
 * words, the 14/28-byte environment and the 94/108-byte save image), and
 * short random sequences of them, on random FPU states: register values
 * from an edge list (zeros, denormals, pseudo-denormals, unnormals,
 * infinities, QNaNs and SNaNs with payloads, pseudo-NaNs, the largest and
 * smallest normals, integer and conversion limits, ties, large angles),
 * every rounding and precision control, preset sticky flags, now and then
 * unmasked exceptions (pending ones make the next waiting instruction
 * raise #MF, natively and in the emulator), any TOP, empty registers,
 * full and empty stacks.
 *
 * The harness compares GPRs, flags and memory, so a case carries the x87
 * state through memory:
 *   FXRSTOR64 [IN]       the state under test (FCW, FSW with TOP and
 *                        sticky flags, tags, FOP/FIP/FDP, ST0-7)
 *   the instruction(s)   memory operands anywhere in or around the sandbox
 *   FXSAVE64 [OUT]       the state afterwards, compared as memory
 *   MOV dword [OUT+28],0 MXCSR_MASK is the CPU model's, not the ISA's
 *   (FWAIT)              one case in eight: a pending exception -> #MF
 *   FNINIT               nothing pending or unmasked leaves the case
 * FNSTENV and FNSAVE images get their FCS and FDS fields cleared the same
 * way (the CPU model deprecates them, the host stores selectors). A wrong
 * value shows as differing bytes at OUT; the shortest failing prefix then
 * ends at the FXSAVE64, and the instruction under test is the one before.
 */
#include "gen.h"

#include <string.h>

#include "corners.h"
#include "machine/vcpu.h"

#define IN_ADDR  (DT_DATA_ADDR + 0x1c00) /* FXRSTOR64 image: 512 bytes, 16-aligned */
#define OUT_ADDR (DT_DATA_ADDR + 0x1e00) /* FXSAVE64 image */

#define REG_FORM_CASES   24  /* per register encoding with an ST(i) operand */
#define FIXED_FORM_CASES 160 /* per encoding without one (FSIN, FLDPI, FCOMPP, ...) */
#define MEM_FORM_CASES   96
#define SEQUENCE_CASES   4000

/* An 80-bit extended real: 64-bit significand, then sign and 15-bit exponent. */
struct f80 {
    uint64_t mant;
    uint16_t se;
};

static const struct f80 f80_edges[] = {
    {0, 0},
    {0, 0x8000},                  /* +-0 */
    {1, 0},                       /* smallest denormal */
    {0x7fffffffffffffff, 0x8000}, /* largest denormal */
    {0x8000000000000000, 0},      /* pseudo-denormal */
    {0x8000000000000000, 1},      /* smallest normal */
    {0xffffffffffffffff, 0x7ffe}, /* largest normal */
    {0xffffffffffffffff, 0xfffe}, /* its negation */
    {0x8000000000000000, 0x3fff}, /* 1 */
    {0x8000000000000000, 0xbfff}, /* -1 */
    {0xc000000000000000, 0x3fff}, /* 1.5 */
    {0x8000000000000000, 0x3ffe}, /* 0.5 */
    {0xa000000000000000, 0xc000}, /* -2.5 */
    {0x8000000000000000, 0x7fff}, /* +inf */
    {0x8000000000000000, 0xffff}, /* -inf */
    {0xc000000000000000, 0xffff}, /* real indefinite */
    {0xc000000000001234, 0x7fff}, /* QNaN with payload */
    {0x8000000000000001, 0x7fff}, /* SNaN */
    {0xa000000000000000, 0xffff}, /* SNaN */
    {0x4000000000000000, 0x3fff}, /* unnormal */
    {0x4000000000000000, 0x7fff}, /* pseudo-NaN */
    {0, 0x7fff},                  /* pseudo-infinity */
    {0x8000000000000000, 0x401e}, /* 2^31 */
    {0xfffffffffffffffe, 0x403d}, /* just below 2^63 */
    {0x8000000000000000, 0xc03e}, /* -2^63 */
    {0x8000000000000000, 0x403e}, /* 2^63: FSIN's limit */
    {0xc90fdaa22168c235, 0x4000}, /* pi */
    {0xc90fdaa22168c235, 0x403c}, /* pi * 2^60 */
    {0xb17217f7d1cf79ac, 0x3ffe}, /* ln 2 */
    {0xaaaaaaaaaaaaaaab, 0x3ffd}, /* 1/3 */
    {0xffffff8000000000, 0x3fff}, /* a tie for single precision */
    {0xfffffffffffff800, 0x3fff}, /* a tie for double precision */
    {0x8000000000000000, 0x407f}, /* 2^128: overflows a single */
    {0x8000000000000000, 0x3f6a}, /* 2^-149: a single's smallest */
    {0xc000000000000000, 0x3c00}, /* below a double's smallest normal */
    {0x8000000000000000, 0x43ff}, /* 2^1024 */
    {0xde0b6b3a763ffff8, 0x4038}, /* 10^18 - 1: the largest BCD */
    {0x8000000000000000, 0x4008}, /* 512: FSCALE by a large count */
    {0x8000000000000000, 0xc00e}, /* -32768 */
};
#define NF80 (sizeof(f80_edges) / sizeof(f80_edges[0]))

static const uint32_t f32_edges[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbfc00000, 0x00000001, 0x007fffff, 0x80000001,
    0x00800000, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000,
    0x7fc12345, 0x7f800001, 0xffa00000, 0x3f000000, 0x4f000000, 0xcf000000, 0x5f000000,
};

static const uint64_t f64_edges[] = {
    0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000, 0xbff8000000000000,
    0x0000000000000001, 0x000fffffffffffff, 0x8000000000000001, 0x0010000000000000,
    0x7fefffffffffffff, 0xffefffffffffffff, 0x7ff0000000000000, 0xfff0000000000000,
    0x7ff8000000000000, 0xfff8000000000000, 0x7ff8000012345678, 0x7ff0000000000001,
    0xfff4000000000000, 0x3fe0000000000000, 0x41e0000000000000, 0xc3e0000000000000,
    0x43e0000000000000, 0x400921fb54442d18, 0x3fd5555555555555,
};

static uint64_t below(struct gen *g, uint64_t n)
{
    return rng__below(&g->rng, n);
}

static struct f80 f80_value(struct gen *g)
{
    unsigned pick = (unsigned)below(g, 64);
    if (pick < 40)
        return f80_edges[below(g, NF80)];
    uint64_t v = rng__next(&g->rng);
    if (pick < 58) /* a normal number of moderate exponent */
        return (struct f80){v | 1ull << 63,
                            (uint16_t)((v & 0x8000) | (0x3fff - 70 + below(g, 140)))};
    return (struct f80){v, (uint16_t)rng__next(&g->rng)}; /* any encoding at all */
}

static void put_f80(uint8_t *out, struct f80 v)
{
    memcpy(out, &v.mant, 8);
    memcpy(out + 8, &v.se, 2);
}

/* Packed BCD: 18 digits and a sign byte; now and then invalid digits or sign bits. */
static void bcd_value(struct gen *g, uint8_t out[10])
{
    unsigned digits = (unsigned)below(g, 19);
    memset(out, 0, 10);
    for (unsigned k = 0; k < digits; k++) {
        unsigned d = below(g, 16) ? (unsigned)below(g, 10) : 10 + (unsigned)below(g, 6);
        out[k / 2] |= (uint8_t)(d << (4 * (k & 1)));
    }
    out[9] = below(g, 2) ? 0x80 : 0;
    if (below(g, 8) == 0)
        out[9] |= (uint8_t)below(g, 128);
}

/* A control word: any rounding and precision, masked exceptions mostly, rarely reserved bits. */
static uint16_t control_word(struct gen *g)
{
    uint16_t fcw = (uint16_t)(0x40 | below(g, 16) << 8);
    fcw |= below(g, 4) ? 0x3f : (uint16_t)below(g, 64);
    if (below(g, 16) == 0)
        fcw ^= (uint16_t)(below(g, 2) ? 0x80 : 0xe000);
    return fcw;
}

/* The FXRSTOR64 image of a random FPU state (the part that matters: 160 bytes). */
static void random_state(struct gen *g, uint8_t img[160])
{
    memset(img, 0, 160);
    uint16_t fcw = control_word(g);
    uint16_t top = (uint16_t)below(g, 8);
    uint16_t sticky = below(g, 4) ? 0 : (uint16_t)below(g, 128);
    if (below(g, 16)) /* a pending exception one case in sixteen */
        sticky &= (uint16_t)(fcw | 0x40);
    uint16_t fsw = (uint16_t)(top << 11 | sticky | (below(g, 16) << 8 & 0x4700));
    uint8_t tags;
    switch (below(g, 16)) {
    case 0: tags = 0xff; break;
    case 1: tags = 0; break;
    default:
        tags = (uint8_t)rng__next(&g->rng) | (uint8_t)rng__next(&g->rng); /* 3/4 valid */
        if (below(g, 8)) /* ST(0) and ST(1) are valid most of the time */
            tags |= (uint8_t)(1u << top | 1u << ((top + 1) & 7));
        break;
    }
    memcpy(img + 0, &fcw, 2);
    memcpy(img + 2, &fsw, 2);
    img[4] = tags;
    uint16_t fop = (uint16_t)(rng__next(&g->rng) & 0x7ff);
    /* canonical: bits 63:48 copy bit 47 (what FXRSTOR64 does with others differs, corners.h) */
    uint64_t fip = (uint64_t)((int64_t)rng__next(&g->rng) >> (below(g, 2) ? 16 : 32));
    uint64_t fdp = (uint64_t)((int64_t)rng__next(&g->rng) >> (below(g, 2) ? 16 : 32));
    memcpy(img + 6, &fop, 2);
    memcpy(img + 8, &fip, 8);
    memcpy(img + 16, &fdp, 8);
    uint32_t mxcsr = 0x1f80;
    memcpy(img + 24, &mxcsr, 4);
    for (unsigned k = 0; k < 8; k++)
        put_f80(img + 32 + 16 * k, f80_value(g));
}

/* Starts a case: a random state through FXRSTOR64, and the data of a memory operand. */
static void begin(struct gen *g)
{
    gen__begin(g);
    uint8_t img[160];
    random_state(g, img);
    gen__poke(g, IN_ADDR, 32, img);
    gen__poke(g, IN_ADDR + 32, 64, img + 32);
    gen__poke(g, IN_ADDR + 96, 64, img + 96);
    ZydisEncoderOperand in = op_mem(ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, 0, IN_ADDR, 512);
    gen__emit(g, ZYDIS_MNEMONIC_FXRSTOR64, 0, 1, &in);
}

/* Clears size bytes at OUT + offset (size 2, 4 or 8). */
static void clear_out(struct gen *g, unsigned offset, unsigned size)
{
    ZydisEncoderOperand clear[2] = {
        op_mem(ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, 0, OUT_ADDR + offset, size), op_imm(0)};
    gen__emit(g, ZYDIS_MNEMONIC_MOV, 0, 2, clear);
}

/*
 * Ends a case: the state to OUT, then FNINIT (one case in eight a FWAIT
 * before it). The case is never cut before the fields that are not compared
 * are cleared (the FXSAVE64 carries the state out; before it, a difference
 * would not show), and a failure is counted against the instruction under
 * test, the one before the FXSAVE64.
 */
static bool finish(struct gen *g)
{
    ZydisEncoderOperand out = op_mem(ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, 0, OUT_ADDR, 512);
    unsigned under_test = g->c.ninsns;
    gen__emit(g, ZYDIS_MNEMONIC_FXSAVE64, 0, 1, &out);
    clear_out(g, 28, 4); /* MXCSR_MASK */
    if (!corners__compared(CORNER_FXSAVE_POINTERS)) {
        clear_out(g, 6, 2);  /* FOP */
        clear_out(g, 8, 8);  /* FIP */
        clear_out(g, 16, 8); /* FDP */
    }
    g->c.keep = g->c.ninsns;
    if (!g->c.subject) /* FNSTENV/FNSAVE set it: their selector fields are cleared after them */
        g->c.subject = under_test;
    if (below(g, 8) == 0)
        gen__emit(g, ZYDIS_MNEMONIC_FWAIT, 0, 0, NULL);
    gen__emit(g, ZYDIS_MNEMONIC_FNINIT, 0, 0, NULL);
    return gen__run(g);
}

/* A register encoding: D8-DF, ModRM C0-FF; invalid ones must raise #UD on both sides. */
static void emit_reg_form(struct gen *g, unsigned opcode, unsigned modrm)
{
    const uint8_t bytes[2] = {(uint8_t)opcode, (uint8_t)modrm};
    if (!builder__bytes(&g->b, bytes, 2) && !builder__raw(&g->b, bytes, 2))
        g->unencoded = true;
}

/* Memory forms: what the operand holds. */
enum x87_data {
    D_F32,
    D_F64,
    D_F80,
    D_I16,
    D_I32,
    D_I64,
    D_BCD,
    D_CW,
    D_ENV,  /* FLDENV / FRSTOR: an environment image (the registers are the data image's) */
    D_OUT,  /* written by the instruction: the data image's bytes */
    D_ENVW, /* FNSTENV / FNSAVE: written, then FCS and FDS cleared */
};

struct x87_mem_form {
    ZydisMnemonic mnemonic;
    uint8_t size;
    uint8_t data;
    bool sse3;
};

static const struct x87_mem_form mem_forms[] = {
    {ZYDIS_MNEMONIC_FADD, 4, D_F32, false},      {ZYDIS_MNEMONIC_FMUL, 4, D_F32, false},
    {ZYDIS_MNEMONIC_FCOM, 4, D_F32, false},      {ZYDIS_MNEMONIC_FCOMP, 4, D_F32, false},
    {ZYDIS_MNEMONIC_FSUB, 4, D_F32, false},      {ZYDIS_MNEMONIC_FSUBR, 4, D_F32, false},
    {ZYDIS_MNEMONIC_FDIV, 4, D_F32, false},      {ZYDIS_MNEMONIC_FDIVR, 4, D_F32, false},
    {ZYDIS_MNEMONIC_FADD, 8, D_F64, false},      {ZYDIS_MNEMONIC_FMUL, 8, D_F64, false},
    {ZYDIS_MNEMONIC_FCOM, 8, D_F64, false},      {ZYDIS_MNEMONIC_FCOMP, 8, D_F64, false},
    {ZYDIS_MNEMONIC_FSUB, 8, D_F64, false},      {ZYDIS_MNEMONIC_FSUBR, 8, D_F64, false},
    {ZYDIS_MNEMONIC_FDIV, 8, D_F64, false},      {ZYDIS_MNEMONIC_FDIVR, 8, D_F64, false},
    {ZYDIS_MNEMONIC_FIADD, 4, D_I32, false},     {ZYDIS_MNEMONIC_FIMUL, 4, D_I32, false},
    {ZYDIS_MNEMONIC_FICOM, 4, D_I32, false},     {ZYDIS_MNEMONIC_FICOMP, 4, D_I32, false},
    {ZYDIS_MNEMONIC_FISUB, 4, D_I32, false},     {ZYDIS_MNEMONIC_FISUBR, 4, D_I32, false},
    {ZYDIS_MNEMONIC_FIDIV, 4, D_I32, false},     {ZYDIS_MNEMONIC_FIDIVR, 4, D_I32, false},
    {ZYDIS_MNEMONIC_FIADD, 2, D_I16, false},     {ZYDIS_MNEMONIC_FIMUL, 2, D_I16, false},
    {ZYDIS_MNEMONIC_FICOM, 2, D_I16, false},     {ZYDIS_MNEMONIC_FICOMP, 2, D_I16, false},
    {ZYDIS_MNEMONIC_FISUB, 2, D_I16, false},     {ZYDIS_MNEMONIC_FISUBR, 2, D_I16, false},
    {ZYDIS_MNEMONIC_FIDIV, 2, D_I16, false},     {ZYDIS_MNEMONIC_FIDIVR, 2, D_I16, false},
    {ZYDIS_MNEMONIC_FLD, 4, D_F32, false},       {ZYDIS_MNEMONIC_FLD, 8, D_F64, false},
    {ZYDIS_MNEMONIC_FLD, 10, D_F80, false},      {ZYDIS_MNEMONIC_FST, 4, D_OUT, false},
    {ZYDIS_MNEMONIC_FST, 8, D_OUT, false},       {ZYDIS_MNEMONIC_FSTP, 4, D_OUT, false},
    {ZYDIS_MNEMONIC_FSTP, 8, D_OUT, false},      {ZYDIS_MNEMONIC_FSTP, 10, D_OUT, false},
    {ZYDIS_MNEMONIC_FILD, 2, D_I16, false},      {ZYDIS_MNEMONIC_FILD, 4, D_I32, false},
    {ZYDIS_MNEMONIC_FILD, 8, D_I64, false},      {ZYDIS_MNEMONIC_FIST, 2, D_OUT, false},
    {ZYDIS_MNEMONIC_FIST, 4, D_OUT, false},      {ZYDIS_MNEMONIC_FISTP, 2, D_OUT, false},
    {ZYDIS_MNEMONIC_FISTP, 4, D_OUT, false},     {ZYDIS_MNEMONIC_FISTP, 8, D_OUT, false},
    {ZYDIS_MNEMONIC_FISTTP, 2, D_OUT, true},     {ZYDIS_MNEMONIC_FISTTP, 4, D_OUT, true},
    {ZYDIS_MNEMONIC_FISTTP, 8, D_OUT, true},     {ZYDIS_MNEMONIC_FBLD, 10, D_BCD, false},
    {ZYDIS_MNEMONIC_FBSTP, 10, D_OUT, false},    {ZYDIS_MNEMONIC_FLDCW, 2, D_CW, false},
    {ZYDIS_MNEMONIC_FNSTCW, 2, D_OUT, false},    {ZYDIS_MNEMONIC_FNSTSW, 2, D_OUT, false},
    {ZYDIS_MNEMONIC_FLDENV, 28, D_ENV, false},   {ZYDIS_MNEMONIC_FLDENV, 14, D_ENV, false},
    {ZYDIS_MNEMONIC_FNSTENV, 28, D_ENVW, false}, {ZYDIS_MNEMONIC_FNSTENV, 14, D_ENVW, false},
    {ZYDIS_MNEMONIC_FRSTOR, 108, D_ENV, false},  {ZYDIS_MNEMONIC_FRSTOR, 94, D_ENV, false},
    {ZYDIS_MNEMONIC_FNSAVE, 108, D_ENVW, false}, {ZYDIS_MNEMONIC_FNSAVE, 94, D_ENVW, false},
};

/* An environment image (32- or 16-bit format) of a random state, then register values. */
static void environment(struct gen *g, uint8_t out[64], unsigned size)
{
    unsigned env = size == 14 || size == 94 ? 14 : 28;
    for (unsigned k = env; k + 10 <= 64; k += 10)
        put_f80(out + k, f80_value(g));
    memset(out + 64 - (64 - env) % 10, 0, (64 - env) % 10);
    uint8_t img[160];
    random_state(g, img);
    uint16_t fcw, fsw;
    memcpy(&fcw, img, 2);
    memcpy(&fsw, img + 2, 2);
    uint16_t ftw = (uint16_t)rng__next(&g->rng);
    uint32_t fip = (uint32_t)rng__next(&g->rng), fdp = (uint32_t)rng__next(&g->rng);
    uint32_t sel = (uint32_t)rng__next(&g->rng);
    if (env == 14) {
        const uint16_t w[7] = {
            fcw, fsw, ftw, (uint16_t)fip, (uint16_t)sel, (uint16_t)fdp, (uint16_t)(sel >> 16)};
        memcpy(out, w, sizeof(w));
        return;
    }
    const uint32_t w[7] = {fcw | (uint32_t)rng__next(&g->rng) << 16,
                           fsw | (uint32_t)rng__next(&g->rng) << 16,
                           ftw | (uint32_t)rng__next(&g->rng) << 16,
                           fip,
                           sel,
                           fdp,
                           (uint32_t)rng__next(&g->rng)};
    memcpy(out, w, sizeof(w));
}

/* The bytes a memory operand of kind data holds; false: leave the data image's. */
static bool operand_bytes(struct gen *g, const struct x87_mem_form *f, uint8_t out[64])
{
    switch (f->data) {
    case D_F32: {
        uint32_t v =
            below(g, 4) ? f32_edges[below(g, sizeof(f32_edges) / 4)] : (uint32_t)rng__next(&g->rng);
        memcpy(out, &v, 4);
        return true;
    }
    case D_F64: {
        uint64_t v = below(g, 4) ? f64_edges[below(g, sizeof(f64_edges) / 8)] : rng__next(&g->rng);
        memcpy(out, &v, 8);
        return true;
    }
    case D_F80: put_f80(out, f80_value(g)); return true;
    case D_I16:
    case D_I32:
    case D_I64: {
        unsigned width = f->size * 8;
        uint64_t v = gen__edge(g, width, (unsigned)below(g, GEN_NEDGE));
        memcpy(out, &v, f->size);
        return true;
    }
    case D_BCD: bcd_value(g, out); return true;
    case D_CW: {
        uint16_t v = below(g, 8) ? control_word(g) : (uint16_t)rng__next(&g->rng);
        memcpy(out, &v, 2);
        return true;
    }
    case D_ENV: environment(g, out, f->size); return true;
    default: return false;
    }
}

/* The offsets of FCS and FDS in an environment image of size bytes. */
static void selector_fields(unsigned size, unsigned off[2])
{
    bool env16 = size == 14 || size == 94;
    off[0] = env16 ? 8 : 16;
    off[1] = env16 ? 12 : 24;
}

/* Emits the memory form f with a fresh operand (and clears FCS/FDS after FNSTENV/FNSAVE). */
static void emit_mem_form(struct gen *g, const struct x87_mem_form *f)
{
    uint8_t bytes[64];
    bool has = operand_bytes(g, f, bytes);
    ZydisEncoderOperand op = gen__mem(g, f->size, NULL);
    if (has)
        gen__poke(g, g->mem_addr, f->size < 64 ? f->size : 64, bytes);
    unsigned index = g->c.ninsns;
    gen__emit(g, f->mnemonic, 0, 1, &op);
    if (f->data != D_ENVW)
        return;
    g->c.subject = index + 1;
    unsigned off[2];
    selector_fields(f->size, off);
    for (unsigned k = 0; k < 2; k++) {
        ZydisEncoderOperand clear[2] = {op, op_imm(0)};
        clear[0].mem.size = 2;
        clear[0].mem.displacement += off[k];
        gen__emit(g, ZYDIS_MNEMONIC_MOV, 0, 2, clear);
    }
}

static bool usable(const struct gen *g, const struct x87_mem_form *f)
{
    return !f->sse3 || (g->features & GEN_HAS_SSE3);
}

/*
 * In a sequence, FNSTENV and FNSAVE would make a failure's shortest failing
 * prefix end at them: before their FCS/FDS fields are cleared, they always
 * differ. They are tested alone.
 */
static bool in_sequences(const struct x87_mem_form *f)
{
    return f->data != D_ENVW;
}

/* Encodings without an ST(i) operand: D9 E0-FF, DA E9, DB E0-E7, DE D9, DF E0-E7. */
static bool fixed_encoding(unsigned opcode, unsigned modrm)
{
    switch (opcode) {
    case 0xd9: return modrm >= 0xd0 && (modrm < 0xd8 || modrm >= 0xe0);
    case 0xda: return modrm >= 0xe8 && modrm < 0xf0;
    case 0xdb: return modrm >= 0xe0 && modrm < 0xe8;
    case 0xde: return modrm >= 0xd8 && modrm < 0xe0;
    case 0xdf: return modrm >= 0xe0 && modrm < 0xe8;
    default: return false;
    }
}

static bool one_sequence(struct gen *g)
{
    begin(g);
    unsigned n = 2 + (unsigned)below(g, 7), mem_ops = 0;
    for (unsigned k = 0; k < n; k++) {
        if (mem_ops < 3 && below(g, 3) == 0) {
            const struct x87_mem_form *f =
                &mem_forms[below(g, sizeof(mem_forms) / sizeof(mem_forms[0]))];
            if (usable(g, f) && in_sequences(f)) {
                emit_mem_form(g, f);
                mem_ops++;
            }
            continue;
        }
        unsigned opcode = 0xd8 + (unsigned)below(g, 8), modrm = 0xc0 + (unsigned)below(g, 64);
        const uint8_t bytes[2] = {(uint8_t)opcode, (uint8_t)modrm};
        builder__bytes(&g->b, bytes,
                       2); /* valid encodings only: an invalid one would end the case */
    }
    return finish(g);
}

bool gen_x87__run(struct gen *g)
{
    for (unsigned opcode = 0xd8; opcode <= 0xdf; opcode++)
        for (unsigned modrm = 0xc0; modrm <= 0xff; modrm++)
            for (unsigned n = fixed_encoding(opcode, modrm) ? FIXED_FORM_CASES : REG_FORM_CASES; n;
                 n--) {
                begin(g);
                emit_reg_form(g, opcode, modrm);
                if (!finish(g))
                    return false;
            }
    for (size_t k = 0; k < sizeof(mem_forms) / sizeof(mem_forms[0]); k++)
        for (unsigned n = usable(g, &mem_forms[k]) ? MEM_FORM_CASES : 0; n; n--) {
            begin(g);
            emit_mem_form(g, &mem_forms[k]);
            if (!finish(g))
                return false;
        }
    for (unsigned n = SEQUENCE_CASES; n; n--)
        if (!one_sequence(g))
            return false;
    return true;
}
