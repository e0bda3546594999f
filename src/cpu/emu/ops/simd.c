// SPDX-License-Identifier: Apache-2.0
/*
 * simd.c - the shared machinery of the MMX/SSE/SSE2 families (see
 * simd.h): the operand-form selector, the slow paths of the entry checks
 * (#UD/#NM/#MF and the x87 -> MMX transition, SDM vol. 1, 9.5.1), and SIMD
 * floating-point exception delivery (SDM vol. 1, 11.5.3: flags, then #XM
 * with CR4.OSXMMEXCPT or #UD without).
 */
#include "cpu/emu/ops/simd.h"

#include <math.h>

static uint8_t kind_of(const ZydisDecodedOperand *op, int *index)
{
    *index = 0;
    switch (op->type) {
    case ZYDIS_OPERAND_TYPE_REGISTER:
        if ((*index = dec_xmm(op->reg.value)) >= 0)
            return SK_X;
        if ((*index = dec_mmx(op->reg.value)) >= 0)
            return SK_P;
        if ((*index = dec_gpr(op->reg.value)) < 0)
            return SK_NONE;
        if (ZydisRegisterGetClass(op->reg.value) == ZYDIS_REGCLASS_GPR32)
            return SK_R32;
        return ZydisRegisterGetClass(op->reg.value) == ZYDIS_REGCLASS_GPR64 ? SK_R64 : SK_NONE;
    case ZYDIS_OPERAND_TYPE_MEMORY:
        switch (op->size) {
        case 16: return SK_M16;
        case 32: return SK_M32;
        case 64: return SK_M64;
        case 128: return SK_M128;
        default: return SK_M;
        }
    case ZYDIS_OPERAND_TYPE_IMMEDIATE: return SK_I;
    default: return SK_NONE;
    }
}

static bool kind_matches(uint8_t want, uint8_t have)
{
    return want == have || (want == SK_M && have >= SK_M);
}

bool emu_select_simd(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    int idx[2] = {0, 0};
    uint8_t kind[2] = {SK_NONE, SK_NONE};
    for (unsigned k = 0; k < 2 && k < d->nops; k++)
        kind[k] = kind_of(&d->op[k], &idx[k]);
    const struct simd_form *f = arg;
    while (f->fn && !(kind_matches(f->dst, kind[0]) && kind_matches(f->src, kind[1])))
        f++;
    if (!f->fn)
        return false;
    for (unsigned k = 0; k < 2; k++) {
        if (kind[k] >= SK_M) {
            if (!dec_mem(insn, d, &d->op[k]))
                return false;
            insn->size = (uint8_t)(d->op[k].size / 8);
        }
    }
    if (d->nops > 0 && op_is_imm(&d->op[d->nops - 1]))
        insn->imm = d->op[d->nops - 1].imm.value.u;
    insn->reg = (uint8_t)idx[0];
    insn->rm = (uint8_t)idx[1];
    insn->fn = f->fn;
    return true;
}

bool emu_select_simd_regop(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    if (!emu_select_simd(insn, d, arg))
        return false;
    if (op_is_reg(&d->op[1]))
        insn->flags |= INSN_REGOP;
    return true;
}

int sse_unavailable(struct emu_cpu *cpu)
{
    if ((cpu->cr0 & CR0_EM) || !(cpu->cr4 & CR4_OSFXSR))
        return emu_raise(cpu, EXC_UD);
    return emu_raise(cpu, EXC_NM);
}

int mmx_enter_slow(struct emu_cpu *cpu)
{
    if (cpu->cr0 & CR0_EM)
        return emu_raise(cpu, EXC_UD);
    if (cpu->cr0 & CR0_TS)
        return emu_raise(cpu, EXC_NM);
    uint16_t fsw;
    memcpy(&fsw, cpu->fx + FX_FSW, 2);
    if ((fsw & FSW_ES) && (cpu->cr0 & CR0_NE))
        return emu_raise(cpu, EXC_MF); /* with CR0.NE clear: as if IGNNE# were asserted (x87.h) */
    unsigned top = (fsw & FSW_TOP) >> 11;
    if (top) {
        /* The image holds ST0-7; with TOP = 0, STn is Rn, which was ST((n - TOP) & 7). */
        uint8_t regs[8 * 16];
        memcpy(regs, cpu->fx + FX_ST0, sizeof(regs));
        for (unsigned n = 0; n < 8; n++)
            memcpy(cpu->fx + FX_ST0 + 16 * n, regs + 16 * ((n - top) & 7), 16);
        fsw &= (uint16_t)~FSW_TOP;
        memcpy(cpu->fx + FX_FSW, &fsw, 2);
    }
    cpu->fx[FX_FTW] = 0xff;
    return EMU_NEXT;
}

static bool float_tiny(float f)
{
    return fpclassify(f) == FP_SUBNORMAL;
}

static bool double_tiny(double f)
{
    return fpclassify(f) == FP_SUBNORMAL;
}

bool sse_lanes_tiny(__m128 r, enum sse_lanes lanes)
{
    xmm_t v = {.ps = r};
    switch (lanes) {
    case LANES_PS:
        return float_tiny(v.f[0]) || float_tiny(v.f[1]) || float_tiny(v.f[2]) || float_tiny(v.f[3]);
    case LANES_PS2: return float_tiny(v.f[0]) || float_tiny(v.f[1]);
    case LANES_SS: return float_tiny(v.f[0]);
    case LANES_PD: return double_tiny(v.df[0]) || double_tiny(v.df[1]);
    case LANES_SD: return double_tiny(v.df[0]);
    default: return false;
    }
}

int sse_fp_raise(struct emu_cpu *cpu, uint32_t mx, uint32_t raised)
{
    uint32_t unmasked = raised & ~(mx >> 7) & MXCSR_FLAGS;
    if (unmasked & MXCSR_PRE)
        raised &= MXCSR_PRE; /* the computation did not happen: no O/U/P */
    mxcsr_put(cpu, mx | raised);
    return emu_raise(cpu, (cpu->cr4 & CR4_OSXMMEXCPT) ? EXC_XM : EXC_UD);
}
