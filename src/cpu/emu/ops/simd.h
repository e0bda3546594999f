/* SPDX-License-Identifier: Apache-2.0 */
/*
 * simd.h - what the MMX, SSE and SSE2 families (ops/sse_*.c) share.
 *
 * Registers: the state lives in cpu->fx in the FXSAVE layout (SDM vol. 1,
 * 10.5.1): XMMn at byte 160 + 16n, MXCSR at 24, and MMn is the mantissa of
 * x87 register Rn, which is the image slot STn at 32 + 16n once an MMX
 * instruction has set TOP to 0 (SDM vol. 1, 9.5.1).
 *
 * Entry checks (SDM vol. 3A, 13.1, and vol. 2A, 2.5 "exception
 * classes"): an SSE instruction raises #UD with CR0.EM set or CR4.OSFXSR
 * clear and #NM with CR0.TS set; an MMX instruction #UD with CR0.EM, #NM
 * with CR0.TS, #MF with an x87 exception pending (and CR0.NE set), and then
 * makes the x87 -> MMX transition (TOP = 0, all tags valid) before anything
 * else.
 *
 * Memory operands: 128-bit operands of legacy SSE instructions must be
 * 16-byte aligned (#GP(0)) except in the explicitly unaligned moves
 * (MOVUPS/MOVUPD/MOVDQU/MASKMOVDQU); 16-, 32- and 64-bit operands never are.
 * With alignment checking on (CPL 3, CR0.AM, RFLAGS.AC) every operand that
 * is not a multiple of its size raises #AC(0), 128-bit ones included, as
 * the reference CPU does.
 *
 * Floating point is computed by the host's own SSE unit, which is what
 * makes results bit-exact (rounding, NaN propagation, DAZ/FTZ, denormal and
 * precision flags, approximations of RCP/RSQRT): for one instruction the
 * host MXCSR is loaded with the guest's rounding control, DAZ and FTZ and
 * every exception masked (usually it already is), the host instruction runs
 * on register copies of the operands, and the flags it raised are read back
 * (HOST_SSE). Then the
 * guest's masks decide (sse_fp_done): no unmasked flag -> the result is
 * committed and the flags are ORed into the guest MXCSR; an unmasked one ->
 * nothing is written, the flags are recorded as SDM vol. 1, 11.5.3 says
 * (only the pre-computation ones, I/Z/D, when one of those is unmasked) and
 * #XM (CR4.OSXMMEXCPT set) or #UD is raised. One case the masked host run
 * cannot see: with UM clear, an exact tiny result still signals underflow,
 * so such runs keep FTZ off and look for denormal results (sse_lanes_tiny).
 */
#ifndef STRATA_CPU_EMU_OPS_SIMD_H
#define STRATA_CPU_EMU_OPS_SIMD_H

#include <immintrin.h>

#include "cpu/emu/ops/ops.h"

/* FXSAVE image offsets (SDM vol. 1, table 10-2). */
#define FX_FSW   2
#define FX_FTW   4 /* abridged tag byte: bit n set = Rn valid */
#define FX_MXCSR 24
#define FX_ST0   32
#define FX_XMM0  160

#define FSW_ES  0x0080u /* an unmasked x87 exception is pending */
#define FSW_TOP 0x3800u

/* MXCSR (SDM vol. 1, 10.2.3) */
#define MXCSR_IE    0x0001u
#define MXCSR_DE    0x0002u
#define MXCSR_ZE    0x0004u
#define MXCSR_OE    0x0008u
#define MXCSR_UE    0x0010u
#define MXCSR_PE    0x0020u
#define MXCSR_FLAGS 0x003fu
#define MXCSR_PRE   (MXCSR_IE | MXCSR_DE | MXCSR_ZE) /* pre-computation exceptions */
#define MXCSR_DAZ   0x0040u
#define MXCSR_MASKS 0x1f80u
#define MXCSR_UM    0x0800u
#define MXCSR_RC    0x6000u
#define MXCSR_FTZ   0x8000u

/* One XMM register (or a 128-bit operand) in every view the handlers use. */
typedef union {
    __m128i i;
    __m128 ps;
    __m128d pd;
    uint8_t b[16];
    int8_t sb[16];
    uint16_t w[8];
    int16_t sw[8];
    uint32_t d[4];
    int32_t sd[4];
    uint64_t q[2];
    float f[4];
    double df[2];
} xmm_t;

static inline xmm_t *xmm(struct emu_cpu *cpu, unsigned n)
{
    return (xmm_t *)(cpu->fx + FX_XMM0 + 16 * n);
}

/* MMn as the low 64 bits of a vector (upper half zero). */
static inline __m128i mmx_vec(const struct emu_cpu *cpu, unsigned n)
{
    return _mm_loadl_epi64((const __m128i *)(cpu->fx + FX_ST0 + 16 * n));
}

static inline uint64_t mmx_get(const struct emu_cpu *cpu, unsigned n)
{
    uint64_t v;
    memcpy(&v, cpu->fx + FX_ST0 + 16 * n, 8);
    return v;
}

/* Writing MMn also sets the exponent and sign of Rn to all ones (SDM vol. 1, 9.5.1). */
static inline void mmx_set(struct emu_cpu *cpu, unsigned n, uint64_t v)
{
    uint8_t *slot = cpu->fx + FX_ST0 + 16 * n;
    memcpy(slot, &v, 8);
    slot[8] = slot[9] = 0xff;
}

static inline void mmx_set_vec(struct emu_cpu *cpu, unsigned n, __m128i v)
{
    mmx_set(cpu, n, (uint64_t)_mm_cvtsi128_si64(v));
}

/* Entry checks. */
int sse_unavailable(struct emu_cpu *cpu); /* #UD or #NM */
int mmx_enter_slow(struct emu_cpu *cpu);

static inline int sse_enter(struct emu_cpu *cpu)
{
    if (likely(((cpu->cr0 & (CR0_EM | CR0_TS)) | (~cpu->cr4 & CR4_OSFXSR)) == 0))
        return EMU_NEXT;
    return sse_unavailable(cpu);
}

/* The checks of an MMX instruction and the x87 -> MMX transition. */
static inline int mmx_enter(struct emu_cpu *cpu)
{
    uint16_t fsw;
    memcpy(&fsw, cpu->fx + FX_FSW, 2);
    if (likely(!(cpu->cr0 & (CR0_EM | CR0_TS)) && !(fsw & (FSW_ES | FSW_TOP)) &&
               cpu->fx[FX_FTW] == 0xff))
        return EMU_NEXT;
    return mmx_enter_slow(cpu);
}

/* SSE instructions with an MMX register operand (CVTPI2PS mm, MOVQ2DQ...): both. */
static inline int sse_mmx_enter(struct emu_cpu *cpu)
{
    int st = sse_enter(cpu);
    return st ? st : mmx_enter(cpu);
}

/* Memory operands. A 2-, 4- or 8-byte operand lands zero-extended in out. */
static inline int simd_read(struct emu_cpu *cpu, const struct emu_insn *i, unsigned size,
                            xmm_t *out)
{
    uint64_t v;
    int st = read_ea(cpu, i, size, &v);
    out->i = _mm_cvtsi64_si128((long long)v);
    return st;
}

static inline int simd_read16(struct emu_cpu *cpu, const struct emu_insn *i, bool aligned,
                              xmm_t *out)
{
    uint64_t va = insn_ea(cpu, i);
    if (unlikely(va & 15)) {
        int st = aligned ? emu_raise_gp0(cpu) : mem_check_align(cpu, va, 16, acc_of_seg(i->seg));
        if (st)
            return st;
    }
    struct emu_tlb_entry *e = tlb_entry(cpu, cpu->mmu_idx, va);
    if (likely(e->tag_read == (va & PAGE_MASK) && fits_page(va, 16))) {
        out->i = _mm_loadu_si128((const __m128i *)(e->addend + va));
        return EMU_NEXT;
    }
    return emu_mem_access(cpu, va, 16, ACC_READ | acc_of_seg(i->seg), out->b);
}

static inline int simd_write16(struct emu_cpu *cpu, const struct emu_insn *i, bool aligned,
                               const xmm_t *v)
{
    uint64_t va = insn_ea(cpu, i);
    if (unlikely(va & 15)) {
        int st = aligned ? emu_raise_gp0(cpu) : mem_check_align(cpu, va, 16, acc_of_seg(i->seg));
        if (st)
            return st;
    }
    struct emu_tlb_entry *e = tlb_entry(cpu, cpu->mmu_idx, va);
    if (likely(e->tag_write == (va & PAGE_MASK) && fits_page(va, 16))) {
        _mm_storeu_si128((__m128i *)(e->addend + va), v->i);
        return EMU_NEXT;
    }
    xmm_t copy = *v;
    return emu_mem_access(cpu, va, 16, ACC_WRITE | acc_of_seg(i->seg), copy.b);
}

/*
 * Operand forms. A family lists, per mnemonic, the forms it implements as
 * (kind of operand 0, kind of operand 1, handler); emu_select_simd matches
 * the decoded operands against them and fills the insn: reg = index of
 * operand 0 if it is a register, rm = index of operand 1 if it is a
 * register, the memory operand with its size in bytes in insn->size, and an
 * immediate (the last operand) in insn->imm.
 */
enum simd_kind {
    SK_NONE,
    SK_X,   /* XMM register */
    SK_P,   /* MMX register */
    SK_R32, /* 32-bit general register */
    SK_R64, /* 64-bit general register */
    SK_I,   /* immediate */
    SK_M,   /* memory of any size */
    SK_M16, /* memory of this size */
    SK_M32,
    SK_M64,
    SK_M128,
};

struct simd_form {
    uint8_t dst, src;
    emu_handler fn;
};

/* arg: a struct simd_form array ended by a NULL fn. */
bool emu_select_simd(struct emu_insn *insn, const struct emu_decoded *d, const void *arg);
/* The same, and a register operand 1 sets INSN_REGOP so that one handler serves both forms. */
bool emu_select_simd_regop(struct emu_insn *insn, const struct emu_decoded *d, const void *arg);

#define SIMD_OP(mnemonic, forms)                             \
    {                                                        \
        ZYDIS_MNEMONIC_##mnemonic, emu_select_simd, forms, 0 \
    }

/*
 * Integer operations on whole registers: NAME##_VdqWdq{R,M} computes
 * V = OP(V, W) on XMM registers or an aligned m128, NAME##_PqQq{R,M} the
 * same on MMX registers or an m64, OP being a function of two __m128i
 * whose low 64 bits depend only on the low 64 bits of its inputs.
 */
#define SIMD_XMM_BINARY(NAME, OP)               \
    HANDLER(NAME##_VdqWdqR)                     \
    {                                           \
        int st = sse_enter(cpu);                \
        if (unlikely(st))                       \
            return st;                          \
        xmm_t *d = xmm(cpu, i->reg);            \
        d->i = OP(d->i, xmm(cpu, i->rm)->i);    \
        return EMU_NEXT;                        \
    }                                           \
    HANDLER(NAME##_VdqWdqM)                     \
    {                                           \
        xmm_t s;                                \
        int st = sse_enter(cpu);                \
        if (likely(!st))                        \
            st = simd_read16(cpu, i, true, &s); \
        if (unlikely(st))                       \
            return st;                          \
        xmm_t *d = xmm(cpu, i->reg);            \
        d->i = OP(d->i, s.i);                   \
        return EMU_NEXT;                        \
    }

/*
 * An MMX binary operation, register and memory forms; the memory form reads
 * MEMBYTES (8, or 4 for the low interleaves) and the handler names carry the
 * source's SDM letter (Qq or Qd).
 */
#define SIMD_MMX_BINARY_MEM(NAME, OP, Q, MEMBYTES)                               \
    HANDLER(NAME##_Pq##Q##R)                                                     \
    {                                                                            \
        int st = mmx_enter(cpu);                                                 \
        if (unlikely(st))                                                        \
            return st;                                                           \
        mmx_set_vec(cpu, i->reg, OP(mmx_vec(cpu, i->reg), mmx_vec(cpu, i->rm))); \
        return EMU_NEXT;                                                         \
    }                                                                            \
    HANDLER(NAME##_Pq##Q##M)                                                     \
    {                                                                            \
        xmm_t s;                                                                 \
        int st = mmx_enter(cpu);                                                 \
        if (likely(!st))                                                         \
            st = simd_read(cpu, i, MEMBYTES, &s);                                \
        if (unlikely(st))                                                        \
            return st;                                                           \
        mmx_set_vec(cpu, i->reg, OP(mmx_vec(cpu, i->reg), s.i));                 \
        return EMU_NEXT;                                                         \
    }

#define SIMD_MMX_BINARY(NAME, OP) SIMD_MMX_BINARY_MEM(NAME, OP, Qq, 8)

#define SIMD_XMM_FORMS(NAME)          \
    {SK_X, SK_X, NAME##_VdqWdqR},     \
    {                                 \
        SK_X, SK_M128, NAME##_VdqWdqM \
    }
#define SIMD_MMX_FORMS(NAME)       \
    {SK_P, SK_P, NAME##_PqQqR},    \
    {                              \
        SK_P, SK_M64, NAME##_PqQqM \
    }

/* Both register files with one operation; NAME##_forms lists the four forms. */
#define SIMD_BINARY(NAME, OP)                        \
    SIMD_XMM_BINARY(NAME, OP)                        \
    SIMD_MMX_BINARY(NAME, OP)                        \
    static const struct simd_form NAME##_forms[] = { \
        SIMD_XMM_FORMS(NAME), SIMD_MMX_FORMS(NAME), {0, 0, NULL}};

/* MXCSR. */
static inline uint32_t mxcsr_get(const struct emu_cpu *cpu)
{
    uint32_t v;
    memcpy(&v, cpu->fx + FX_MXCSR, 4);
    return v;
}

static inline void mxcsr_put(struct emu_cpu *cpu, uint32_t v)
{
    memcpy(cpu->fx + FX_MXCSR, &v, 4);
}

/* The host MXCSR for a computation under guest MXCSR mx (see the top of this file). */
static inline uint32_t host_mxcsr(uint32_t mx)
{
    uint32_t ctl = (mx & (MXCSR_RC | MXCSR_DAZ | MXCSR_FTZ)) | MXCSR_MASKS;
    if (unlikely(!(mx & MXCSR_UM)))
        ctl &= ~MXCSR_FTZ;
    return ctl;
}

#define SIMD_UNPAREN(...) __VA_ARGS__

/*
 * Runs the host instruction(s) text under host MXCSR ctl and leaves the
 * exception flags they raised in raised; the host MXCSR is as it was
 * afterwards. outs and ins are parenthesized asm operand lists. The common
 * case costs no MXCSR load: when the host already runs with the guest's
 * controls and clean flags (both default: nearest, no DAZ/FTZ), the
 * instruction runs as it is and the flags are cleared again only if it
 * raised some. Otherwise one asm statement switches, runs and switches
 * back, so nothing the compiler generates can slip in between.
 */
#define HOST_SSE(ctl, raised, text, outs, ins)                                                     \
    do {                                                                                           \
        uint32_t host_was_, host_out_;                                                             \
        __asm__ volatile("stmxcsr %0" : "=m"(host_was_));                                          \
        if (likely(host_was_ == (ctl))) {                                                          \
            __asm__ volatile(text "\n\tstmxcsr %[host_out_]"                                       \
                             : SIMD_UNPAREN outs, [host_out_] "=m"(host_out_)                      \
                             : SIMD_UNPAREN ins);                                                  \
            if (host_out_ != host_was_)                                                            \
                __asm__ volatile("ldmxcsr %0" : : "m"(host_was_));                                 \
        } else {                                                                                   \
            __asm__ volatile(                                                                      \
                "ldmxcsr %[host_ctl_]\n\t" text "\n\tstmxcsr %[host_out_]\n\tldmxcsr %[host_was_]" \
                : SIMD_UNPAREN outs, [host_out_] "=m"(host_out_)                                   \
                : SIMD_UNPAREN ins, [host_ctl_] "m"(ctl), [host_was_] "m"(host_was_));             \
        }                                                                                          \
        (raised) = host_out_ & MXCSR_FLAGS;                                                        \
    } while (0)

/* Which lanes of a result are results (for the underflow check). */
enum sse_lanes { LANES_NONE, LANES_PS, LANES_SS, LANES_PD, LANES_SD, LANES_PS2 };

/* Whether a result lane is a denormal (tiny): only asked when UM is clear. */
bool sse_lanes_tiny(__m128 r, enum sse_lanes lanes);

/* Flags raised with an unmasked one among them: record them, #XM or #UD. */
int sse_fp_raise(struct emu_cpu *cpu, uint32_t mx, uint32_t raised);

/* Decides after a host computation: EMU_NEXT to commit the result, or the exception. */
static inline int sse_fp_done(struct emu_cpu *cpu, uint32_t mx, uint32_t raised)
{
    if (likely(!(raised & ~(mx >> 7)))) {
        if (raised & ~mx)
            mxcsr_put(cpu, mx | raised);
        return EMU_NEXT;
    }
    return sse_fp_raise(cpu, mx, raised);
}

/* The same with the underflow check for operations that round a result. */
static inline int sse_fp_done_result(struct emu_cpu *cpu, uint32_t mx, uint32_t raised, __m128 r,
                                     enum sse_lanes lanes)
{
    if (unlikely(!(mx & MXCSR_UM)) && sse_lanes_tiny(r, lanes))
        raised |= MXCSR_UE;
    return sse_fp_done(cpu, mx, raised);
}

/*
 * The register and memory forms (NAME##_<FORM>R/M) of an SSE floating-point
 * operation whose work is NAME##_run(cpu, i, __m128 source); the memory form
 * reads msize bytes, 16 meaning an aligned 128-bit operand.
 */
#define SSE_FP_RM_HANDLERS(NAME, FORM, msize)                                                  \
    HANDLER(NAME##_##FORM##R)                                                                  \
    {                                                                                          \
        int st = sse_enter(cpu);                                                               \
        return unlikely(st) ? st : NAME##_run(cpu, i, xmm(cpu, i->rm)->ps);                    \
    }                                                                                          \
    HANDLER(NAME##_##FORM##M)                                                                  \
    {                                                                                          \
        xmm_t s;                                                                               \
        int st = sse_enter(cpu);                                                               \
        if (likely(!st))                                                                       \
            st = (msize) == 16 ? simd_read16(cpu, i, true, &s) : simd_read(cpu, i, msize, &s); \
        return unlikely(st) ? st : NAME##_run(cpu, i, s.ps);                                   \
    }

/*
 * A floating-point operation V = TEXT(V, W) computed by the host
 * instruction TEXT (AT&T syntax: "addps"), on an XMM register or a memory
 * operand of msize bytes (16: an aligned m128; 4 or 8: zero-extended).
 * Scalar instructions keep the upper part of V, as the host's do. lanes
 * says which lanes are results for the underflow check. Defines
 * NAME##_forms.
 */
#define SSE_FP(NAME, TEXT, lanes, msize)                                                  \
    static inline int NAME##_run(struct emu_cpu *cpu, const struct emu_insn *i, __m128 s) \
    {                                                                                     \
        uint32_t mx = mxcsr_get(cpu), ctl = host_mxcsr(mx), raised;                       \
        xmm_t *d = xmm(cpu, i->reg);                                                      \
        __m128 r = d->ps;                                                                 \
        HOST_SSE(ctl, raised, TEXT " %[s], %[d]", ([d] "+x"(r)), ([s] "x"(s)));           \
        int st = sse_fp_done_result(cpu, mx, raised, r, lanes);                           \
        if (likely(!st))                                                                  \
            d->ps = r;                                                                    \
        return st;                                                                        \
    }                                                                                     \
    SSE_FP_RM_HANDLERS(NAME, VxWx, msize)                                                 \
    static const struct simd_form NAME##_forms[] = {                                      \
        {SK_X, SK_X, NAME##_VxWxR}, {SK_X, SK_M, NAME##_VxWxM}, {0, 0, NULL}};

/* Expands M(n, T) for n = 0..COUNT-1 (case labels of host instructions with an imm8). */
#define SIMD_IMM4(M, T, b) M((b) + 0, T) M((b) + 1, T) M((b) + 2, T) M((b) + 3, T)
#define SIMD_IMM8(M, T, b) SIMD_IMM4(M, T, (b) + 0) SIMD_IMM4(M, T, (b) + 4)
#define SIMD_IMM16(M, T, b)  \
    SIMD_IMM4(M, T, (b) + 0) \
    SIMD_IMM4(M, T, (b) + 4) SIMD_IMM4(M, T, (b) + 8) SIMD_IMM4(M, T, (b) + 12)
#define SIMD_IMM64(M, T, b)   \
    SIMD_IMM16(M, T, (b) + 0) \
    SIMD_IMM16(M, T, (b) + 16) SIMD_IMM16(M, T, (b) + 32) SIMD_IMM16(M, T, (b) + 48)
#define SIMD_IMM256(M, T, b) \
    SIMD_IMM64(M, T, 0) SIMD_IMM64(M, T, 64) SIMD_IMM64(M, T, 128) SIMD_IMM64(M, T, 192)

#define SSE_FP_IMM_CASE(n, TEXT)                                         \
    case n:                                                              \
        HOST_SSE(ctl, raised, TEXT " %[imm], %[s], %[d]", ([d] "+x"(r)), \
                 ([s] "x"(s), [imm] "i"(n)));                            \
        break;

/* The flags an operation raises beyond what its host run shows: none for most. */
static inline uint32_t sse_no_extra(uint32_t mx, uint32_t ctl, __m128 d, __m128 s, unsigned imm)
{
    (void)mx, (void)ctl, (void)d, (void)s, (void)imm;
    return 0;
}

/*
 * V = TEXT(V, W, imm8) for the imm8 values 0..COUNT-1 (8, 16 or 256; the
 * instruction ignores the bits above), one host instruction per value, as
 * the imm8 is part of its encoding; msize and lanes as in SSE_FP. Defines
 * NAME##_forms. SSE_FP_IMM_X adds the flags EXTRA(mx, ctl, V, W, imm8)
 * finds (an underflow the masked host run cannot show).
 */
#define SSE_FP_IMM(NAME, TEXT, lanes, msize, COUNT) \
    SSE_FP_IMM_X(NAME, TEXT, lanes, msize, COUNT, sse_no_extra)
#define SSE_FP_IMM_X(NAME, TEXT, lanes, msize, COUNT, EXTRA)                       \
    static int NAME##_run(struct emu_cpu *cpu, const struct emu_insn *i, __m128 s) \
    {                                                                              \
        uint32_t mx = mxcsr_get(cpu), ctl = host_mxcsr(mx), raised = 0;            \
        xmm_t *d = xmm(cpu, i->reg);                                               \
        __m128 r = d->ps;                                                          \
        switch (i->imm & (COUNT - 1)) {                                            \
            SIMD_IMM##COUNT(SSE_FP_IMM_CASE, TEXT, 0)                              \
        }                                                                          \
        if (unlikely(!(mx & MXCSR_UM)))                                            \
            raised |= EXTRA(mx, ctl, d->ps, s, (unsigned)i->imm);                  \
        int st = sse_fp_done_result(cpu, mx, raised, r, lanes);                    \
        if (likely(!st))                                                           \
            d->ps = r;                                                             \
        return st;                                                                 \
    }                                                                              \
    SSE_FP_RM_HANDLERS(NAME, VxWxIb, msize)                                        \
    static const struct simd_form NAME##_forms[] = {                               \
        {SK_X, SK_X, NAME##_VxWxIbR}, {SK_X, SK_M, NAME##_VxWxIbM}, {0, 0, NULL}};

#endif
