// SPDX-License-Identifier: Apache-2.0
/*
 * sse_move.c - MMX/SSE/SSE2 data movement (SDM vol. 2): MOVAPS, MOVAPD,
 * MOVDQA (16-byte aligned, else #GP(0)), MOVUPS, MOVUPD, MOVDQU, MOVSS,
 * MOVSD, MOVLPS/MOVLPD, MOVHPS/MOVHPD, MOVHLPS, MOVLHPS, MOVD and MOVQ in
 * all their forms (XMM, MMX, general registers, memory), MOVQ2DQ,
 * MOVDQ2Q, the non-temporal stores MOVNTPS, MOVNTPD, MOVNTDQ, MOVNTQ (the
 * hint has no effect here), the masked byte stores MASKMOVDQU and MASKMOVQ
 * to DS:[RDI], and the sign-mask extractions MOVMSKPS, MOVMSKPD, PMOVMSKB.
 * None of them looks at MXCSR or raises SIMD floating-point exceptions.
 */
#include "cpu/emu/ops/simd.h"

/* Whole-register moves: V <- W (load) and W <- V (store), aligned or not. */
HANDLER(MOVDQ_VdqUdq)
{
    int st = sse_enter(cpu);
    if (likely(!st))
        *xmm(cpu, i->reg) = *xmm(cpu, i->rm);
    return st;
}

#define MOVDQ_MEM(NAME, ALIGNED)                                 \
    HANDLER(NAME##_VdqMdq)                                       \
    {                                                            \
        xmm_t v;                                                 \
        int st = sse_enter(cpu);                                 \
        if (likely(!st))                                         \
            st = simd_read16(cpu, i, ALIGNED, &v);               \
        if (likely(!st))                                         \
            *xmm(cpu, i->reg) = v;                               \
        return st;                                               \
    }                                                            \
    HANDLER(NAME##_MdqVdq)                                       \
    {                                                            \
        int st = sse_enter(cpu);                                 \
        if (likely(!st))                                         \
            st = simd_write16(cpu, i, ALIGNED, xmm(cpu, i->rm)); \
        return st;                                               \
    }
MOVDQ_MEM(MOVDQA, true)
MOVDQ_MEM(MOVDQU, false)

static const struct simd_form movdqa_forms[] = {
    {SK_X, SK_X, MOVDQ_VdqUdq},
    {SK_X, SK_M128, MOVDQA_VdqMdq},
    {SK_M128, SK_X, MOVDQA_MdqVdq},
    {0, 0, NULL},
};
static const struct simd_form movdqu_forms[] = {
    {SK_X, SK_X, MOVDQ_VdqUdq},
    {SK_X, SK_M128, MOVDQU_VdqMdq},
    {SK_M128, SK_X, MOVDQU_MdqVdq},
    {0, 0, NULL},
};
static const struct simd_form movnt_forms[] = {{SK_M128, SK_X, MOVDQA_MdqVdq}, {0, 0, NULL}};

/* Scalar moves: the register form merges, the load zeroes the rest, the store writes the low part.
 */
HANDLER(MOVSS_VssUss)
{
    int st = sse_enter(cpu);
    if (likely(!st))
        xmm(cpu, i->reg)->d[0] = xmm(cpu, i->rm)->d[0];
    return st;
}

HANDLER(MOVSD_VsdUsd)
{
    int st = sse_enter(cpu);
    if (likely(!st))
        xmm(cpu, i->reg)->q[0] = xmm(cpu, i->rm)->q[0];
    return st;
}

/* Loads of 4 or 8 bytes into the low part, the rest zeroed (MOVSS, MOVSD, MOVD, MOVQ). */
HANDLER(MOVZ_VdqM)
{
    xmm_t v;
    int st = sse_enter(cpu);
    if (likely(!st))
        st = simd_read(cpu, i, i->size, &v);
    if (likely(!st))
        *xmm(cpu, i->reg) = v;
    return st;
}

/* Stores of the low 4 or 8 bytes (MOVSS, MOVSD, MOVD, MOVQ, MOVLPS, MOVLPD). */
HANDLER(MOVL_MVdq)
{
    int st = sse_enter(cpu);
    if (likely(!st))
        st = write_ea(cpu, i, i->size, xmm(cpu, i->rm)->q[0]);
    return st;
}

static const struct simd_form movss_forms[] = {
    {SK_X, SK_X, MOVSS_VssUss},
    {SK_X, SK_M32, MOVZ_VdqM},
    {SK_M32, SK_X, MOVL_MVdq},
    {0, 0, NULL},
};
static const struct simd_form movsd_forms[] = {
    {SK_X, SK_X, MOVSD_VsdUsd},
    {SK_X, SK_M64, MOVZ_VdqM},
    {SK_M64, SK_X, MOVL_MVdq},
    {0, 0, NULL},
};

/* Halves: MOVLPS/MOVLPD/MOVHPS/MOVHPD with memory, MOVHLPS/MOVLHPS between registers. */
HANDLER(MOVLPS_VqMq)
{
    uint64_t v;
    int st = sse_enter(cpu);
    if (likely(!st))
        st = read_ea(cpu, i, 8, &v);
    if (likely(!st))
        xmm(cpu, i->reg)->q[0] = v;
    return st;
}

HANDLER(MOVHPS_VqMq)
{
    uint64_t v;
    int st = sse_enter(cpu);
    if (likely(!st))
        st = read_ea(cpu, i, 8, &v);
    if (likely(!st))
        xmm(cpu, i->reg)->q[1] = v;
    return st;
}

HANDLER(MOVHPS_MqVq)
{
    int st = sse_enter(cpu);
    if (likely(!st))
        st = write_ea(cpu, i, 8, xmm(cpu, i->rm)->q[1]);
    return st;
}

HANDLER(MOVHLPS_VqUq)
{
    int st = sse_enter(cpu);
    if (likely(!st))
        xmm(cpu, i->reg)->q[0] = xmm(cpu, i->rm)->q[1];
    return st;
}

HANDLER(MOVLHPS_VqUq)
{
    int st = sse_enter(cpu);
    if (likely(!st))
        xmm(cpu, i->reg)->q[1] = xmm(cpu, i->rm)->q[0];
    return st;
}

static const struct simd_form movlp_forms[] = {
    {SK_X, SK_M64, MOVLPS_VqMq},
    {SK_M64, SK_X, MOVL_MVdq},
    {0, 0, NULL},
};
static const struct simd_form movhp_forms[] = {
    {SK_X, SK_M64, MOVHPS_VqMq},
    {SK_M64, SK_X, MOVHPS_MqVq},
    {0, 0, NULL},
};
static const struct simd_form movhlps_forms[] = {{SK_X, SK_X, MOVHLPS_VqUq}, {0, 0, NULL}};
static const struct simd_form movlhps_forms[] = {{SK_X, SK_X, MOVLHPS_VqUq}, {0, 0, NULL}};

/* MOVD/MOVQ with XMM registers: the low 4 or 8 bytes, the rest zeroed on a load. */
HANDLER(MOVD_VdqEd)
{
    int st = sse_enter(cpu);
    if (likely(!st))
        xmm(cpu, i->reg)->i = _mm_cvtsi32_si128((int)reg_get(cpu, i->rm, 4));
    return st;
}

HANDLER(MOVQ_VdqEq)
{
    int st = sse_enter(cpu);
    if (likely(!st))
        xmm(cpu, i->reg)->i = _mm_cvtsi64_si128((long long)cpu->r[i->rm]);
    return st;
}

HANDLER(MOVD_EdVd)
{
    int st = sse_enter(cpu);
    if (likely(!st))
        reg_set(cpu, i->reg, 4, xmm(cpu, i->rm)->d[0]);
    return st;
}

HANDLER(MOVQ_EqVq)
{
    int st = sse_enter(cpu);
    if (likely(!st))
        cpu->r[i->reg] = xmm(cpu, i->rm)->q[0];
    return st;
}

HANDLER(MOVQ_VdqUq)
{
    int st = sse_enter(cpu);
    if (likely(!st))
        xmm(cpu, i->reg)->i = _mm_move_epi64(xmm(cpu, i->rm)->i);
    return st;
}

/* MOVD/MOVQ with MMX registers. */
HANDLER(MOVD_PqEd)
{
    int st = mmx_enter(cpu);
    if (likely(!st))
        mmx_set(cpu, i->reg, reg_get(cpu, i->rm, 4));
    return st;
}

HANDLER(MOVQ_PqEq)
{
    int st = mmx_enter(cpu);
    if (likely(!st))
        mmx_set(cpu, i->reg, cpu->r[i->rm]);
    return st;
}

HANDLER(MOVD_EdPd)
{
    int st = mmx_enter(cpu);
    if (likely(!st))
        reg_set(cpu, i->reg, 4, (uint32_t)mmx_get(cpu, i->rm));
    return st;
}

HANDLER(MOVQ_EqPq)
{
    int st = mmx_enter(cpu);
    if (likely(!st))
        cpu->r[i->reg] = mmx_get(cpu, i->rm);
    return st;
}

HANDLER(MOVQ_PqNq)
{
    int st = mmx_enter(cpu);
    if (likely(!st))
        mmx_set(cpu, i->reg, mmx_get(cpu, i->rm));
    return st;
}

/* Loads of 4 or 8 bytes into an MMX register (zero-extended). */
HANDLER(MOVZ_PqM)
{
    uint64_t v;
    int st = mmx_enter(cpu);
    if (likely(!st))
        st = read_ea(cpu, i, i->size, &v);
    if (likely(!st))
        mmx_set(cpu, i->reg, v);
    return st;
}

/* Stores of the low 4 or 8 bytes of an MMX register (MOVD, MOVQ, MOVNTQ). */
HANDLER(MOVL_MPq)
{
    int st = mmx_enter(cpu);
    if (likely(!st))
        st = write_ea(cpu, i, i->size, mmx_get(cpu, i->rm));
    return st;
}

HANDLER(MOVQ2DQ_VdqNq)
{
    int st = sse_mmx_enter(cpu);
    if (likely(!st))
        xmm(cpu, i->reg)->i = mmx_vec(cpu, i->rm);
    return st;
}

HANDLER(MOVDQ2Q_PqUq)
{
    int st = sse_mmx_enter(cpu);
    if (likely(!st))
        mmx_set(cpu, i->reg, xmm(cpu, i->rm)->q[0]);
    return st;
}

static const struct simd_form movd_forms[] = {
    {SK_X, SK_R32, MOVD_VdqEd}, {SK_X, SK_M32, MOVZ_VdqM}, {SK_R32, SK_X, MOVD_EdVd},
    {SK_M32, SK_X, MOVL_MVdq},  {SK_P, SK_R32, MOVD_PqEd}, {SK_P, SK_M32, MOVZ_PqM},
    {SK_R32, SK_P, MOVD_EdPd},  {SK_M32, SK_P, MOVL_MPq},  {0, 0, NULL},
};
static const struct simd_form movq_forms[] = {
    {SK_X, SK_R64, MOVQ_VdqEq},
    {SK_X, SK_M64, MOVZ_VdqM},
    {SK_R64, SK_X, MOVQ_EqVq},
    {SK_M64, SK_X, MOVL_MVdq},
    {SK_X, SK_X, MOVQ_VdqUq},
    {SK_P, SK_R64, MOVQ_PqEq},
    {SK_P, SK_M64, MOVZ_PqM},
    {SK_R64, SK_P, MOVQ_EqPq},
    {SK_M64, SK_P, MOVL_MPq},
    {SK_P, SK_P, MOVQ_PqNq},
    {0, 0, NULL},
};
static const struct simd_form movq2dq_forms[] = {{SK_X, SK_P, MOVQ2DQ_VdqNq}, {0, 0, NULL}};
static const struct simd_form movdq2q_forms[] = {{SK_P, SK_X, MOVDQ2Q_PqUq}, {0, 0, NULL}};
static const struct simd_form movntq_forms[] = {{SK_M64, SK_P, MOVL_MPq}, {0, 0, NULL}};

/* Sign masks into a general register (zero-extended to 64 bits). */
HANDLER(MOVMSKPS_GdUps)
{
    int st = sse_enter(cpu);
    if (likely(!st))
        cpu->r[i->reg] = (uint32_t)_mm_movemask_ps(xmm(cpu, i->rm)->ps);
    return st;
}

HANDLER(MOVMSKPD_GdUpd)
{
    int st = sse_enter(cpu);
    if (likely(!st))
        cpu->r[i->reg] = (uint32_t)_mm_movemask_pd(xmm(cpu, i->rm)->pd);
    return st;
}

HANDLER(PMOVMSKB_GdUdq)
{
    int st = sse_enter(cpu);
    if (likely(!st))
        cpu->r[i->reg] = (uint32_t)_mm_movemask_epi8(xmm(cpu, i->rm)->i);
    return st;
}

HANDLER(PMOVMSKB_GdNq)
{
    int st = mmx_enter(cpu);
    if (likely(!st))
        cpu->r[i->reg] = (uint32_t)_mm_movemask_epi8(mmx_vec(cpu, i->rm));
    return st;
}

static const struct simd_form movmskps_forms[] = {
    {SK_R32, SK_X, MOVMSKPS_GdUps}, {SK_R64, SK_X, MOVMSKPS_GdUps}, {0, 0, NULL}};
static const struct simd_form movmskpd_forms[] = {
    {SK_R32, SK_X, MOVMSKPD_GdUpd}, {SK_R64, SK_X, MOVMSKPD_GdUpd}, {0, 0, NULL}};
static const struct simd_form pmovmskb_forms[] = {
    {SK_R32, SK_X, PMOVMSKB_GdUdq},
    {SK_R64, SK_X, PMOVMSKB_GdUdq},
    {SK_R32, SK_P, PMOVMSKB_GdNq},
    {SK_R64, SK_P, PMOVMSKB_GdNq},
    {0, 0, NULL},
};

/*
 * MASKMOVDQU/MASKMOVQ: the bytes of data whose mask byte has its top bit
 * set go to DS:rDI. Write access to the whole operand is checked first, so
 * a fault stores nothing; the selected bytes are then stored one by one,
 * the others are not touched (not even rewritten), whatever the mask.
 * With alignment checks on, rDI must be a multiple of 8 (else #AC), for
 * both, as on the reference CPU.
 */
static int masked_store(struct emu_cpu *cpu, const struct emu_insn *i, const uint8_t *data,
                        const uint8_t *mask, unsigned n)
{
    uint64_t va = insn_ea(cpu, i);
    unsigned acc = acc_of_seg(i->seg);
    struct emu_rmw m = {.va = va, .size = n, .acc = acc};
    int st = mem_check_align(cpu, va, 8, acc);
    if (st)
        return st;
    struct emu_tlb_entry *e = tlb_entry(cpu, cpu->mmu_idx, va);
    if (e->tag_write == (va & PAGE_MASK) && fits_page(va, n)) {
        m.host = (void *)(e->addend + va);
    } else if ((st = emu_mem_rmw_begin_slow(cpu, &m))) {
        return st;
    }
    for (unsigned k = 0; k < n; k++) {
        if (!(mask[k] & 0x80))
            continue;
        if (m.host)
            ((uint8_t *)m.host)[k] = data[k];
        else
            emu_mem_access(cpu, va + k, 1, ACC_WRITE | acc, (void *)&data[k]);
    }
    return EMU_NEXT;
}

HANDLER(MASKMOVDQU_VdqUdq)
{
    int st = sse_enter(cpu);
    if (unlikely(st))
        return st;
    xmm_t data = *xmm(cpu, i->reg), mask = *xmm(cpu, i->rm);
    return masked_store(cpu, i, data.b, mask.b, 16);
}

HANDLER(MASKMOVQ_PqNq)
{
    int st = mmx_enter(cpu);
    if (unlikely(st))
        return st;
    uint64_t data = mmx_get(cpu, i->reg), mask = mmx_get(cpu, i->rm);
    return masked_store(cpu, i, (const uint8_t *)&data, (const uint8_t *)&mask, 8);
}

/* The register forms, plus the hidden DS:rDI memory operand. */
static bool select_maskmov(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    if (!emu_select_simd(insn, d, arg))
        return false;
    for (unsigned k = d->nops; k < d->zi->operand_count; k++)
        if (op_is_mem(&d->op[k]))
            return dec_mem(insn, d, &d->op[k]);
    return false;
}

static const struct simd_form maskmovdqu_forms[] = {{SK_X, SK_X, MASKMOVDQU_VdqUdq}, {0, 0, NULL}};
static const struct simd_form maskmovq_forms[] = {{SK_P, SK_P, MASKMOVQ_PqNq}, {0, 0, NULL}};

const struct emu_opdef emu_ops_sse_move[] = {
    SIMD_OP(MOVAPS, movdqa_forms),
    SIMD_OP(MOVAPD, movdqa_forms),
    SIMD_OP(MOVDQA, movdqa_forms),
    SIMD_OP(MOVUPS, movdqu_forms),
    SIMD_OP(MOVUPD, movdqu_forms),
    SIMD_OP(MOVDQU, movdqu_forms),
    SIMD_OP(MOVNTPS, movnt_forms),
    SIMD_OP(MOVNTPD, movnt_forms),
    SIMD_OP(MOVNTDQ, movnt_forms),
    SIMD_OP(MOVNTQ, movntq_forms),
    SIMD_OP(MOVSS, movss_forms),
    SIMD_OP(MOVSD, movsd_forms), /* the string MOVSD is the other definition (decode.c) */
    SIMD_OP(MOVLPS, movlp_forms),
    SIMD_OP(MOVLPD, movlp_forms),
    SIMD_OP(MOVHPS, movhp_forms),
    SIMD_OP(MOVHPD, movhp_forms),
    SIMD_OP(MOVHLPS, movhlps_forms),
    SIMD_OP(MOVLHPS, movlhps_forms),
    SIMD_OP(MOVD, movd_forms),
    SIMD_OP(MOVQ, movq_forms),
    SIMD_OP(MOVQ2DQ, movq2dq_forms),
    SIMD_OP(MOVDQ2Q, movdq2q_forms),
    SIMD_OP(MOVMSKPS, movmskps_forms),
    SIMD_OP(MOVMSKPD, movmskpd_forms),
    SIMD_OP(PMOVMSKB, pmovmskb_forms),
    {ZYDIS_MNEMONIC_MASKMOVDQU, select_maskmov, maskmovdqu_forms, 0},
    {ZYDIS_MNEMONIC_MASKMOVQ, select_maskmov, maskmovq_forms, 0},
    {0},
};
