// SPDX-License-Identifier: Apache-2.0
/*
 * fpu.c - x87/SSE housekeeping: FNINIT, FNCLEX, FNSTSW, FNSTCW, FLDCW,
 * FWAIT, EMMS, FXSAVE/FXRSTOR (64), LDMXCSR/STMXCSR, with the #NM/#UD rules
 * of CR0.TS/EM/MP and CR4.OSFXSR (SDM vol. 3A, 2.5 and table 12-1 / 13-1)
 * and #MF for a pending x87 exception at FLDCW and FWAIT. The state lives
 * in cpu->fx in the FXSAVE layout (SDM vol. 1, 10.5.1); the x87 FPU itself
 * is in x87*.c.
 */
#include "cpu/emu/ops/x87.h"

#define FX_SAVED_BYTES   416 /* header, ST0-7, XMM0-15; the rest is reserved/available */
#define FX_OPERAND_BYTES 512
#define MXCSR_VALID      0xffffu

/* SSE state instructions: #UD without CR4.OSFXSR or with CR0.EM, #NM with CR0.TS. */
static inline int sse_check(struct emu_cpu *cpu)
{
    if (!(cpu->cr4 & CR4_OSFXSR) || (cpu->cr0 & CR0_EM))
        return emu_raise(cpu, EXC_UD);
    return (cpu->cr0 & CR0_TS) ? emu_raise(cpu, EXC_NM) : EMU_NEXT;
}

HANDLER(FNINIT)
{
    (void)i;
    int st = emu_x87_enter(cpu, false);
    if (!st)
        x87_init(cpu); /* MXCSR stays */
    return st;
}

HANDLER(FNCLEX)
{
    (void)i;
    int st = emu_x87_enter(cpu, false);
    if (!st)
        fx16_set(cpu->fx, FX_FSW,
                 fx16(cpu->fx, FX_FSW) & (FSW_C0 | FSW_C1 | FSW_C2 | FSW_TOP | FSW_C3));
    return st;
}

HANDLER(FNSTSW_AX)
{
    (void)i;
    int st = emu_x87_enter(cpu, false);
    if (!st)
        reg_set(cpu, CPU_RAX, 2, fx16(cpu->fx, FX_FSW));
    return st;
}

HANDLER(FNSTSW_Mw)
{
    int st = emu_x87_enter(cpu, false);
    return st ? st : write_ea(cpu, i, 2, fx16(cpu->fx, FX_FSW));
}

HANDLER(FNSTCW_Mw)
{
    int st = emu_x87_enter(cpu, false);
    return st ? st : write_ea(cpu, i, 2, fx16(cpu->fx, FX_FCW));
}

HANDLER(FLDCW_Mw)
{
    int st = emu_x87_enter(cpu, true);
    uint64_t v;
    if (!st)
        st = read_ea(cpu, i, 2, &v);
    if (st)
        return st;
    fx16_set(cpu->fx, FX_FCW, x87_fcw((uint16_t)v));
    x87_update_es(cpu); /* unmasking a raised exception makes it pending */
    return EMU_NEXT;
}

HANDLER(FWAIT)
{
    (void)i;
    if ((cpu->cr0 & (CR0_TS | CR0_MP)) == (CR0_TS | CR0_MP))
        return emu_raise(cpu, EXC_NM);
    return emu_x87_pending(cpu);
}

HANDLER(EMMS)
{
    (void)i;
    if (cpu->cr0 & CR0_EM)
        return emu_raise(cpu, EXC_UD);
    if (cpu->cr0 & CR0_TS)
        return emu_raise(cpu, EXC_NM);
    int st = emu_x87_pending(cpu);
    if (!st)
        cpu->fx[FX_FTW] = 0; /* abridged tag word: all empty */
    return st;
}

/*
 * The FXSAVE area must be 16-byte aligned, else #GP(0). With alignment
 * checking on, the width of the #AC check is the implementation's (SDM
 * vol. 2, FXSAVE): the reference CPU (AMD Zen 4) raises #AC for an address
 * that is not dword-aligned and #GP(0) for the other misalignments.
 */
static int fx_check_align(struct emu_cpu *cpu, const struct emu_insn *i, uint64_t ea)
{
    int st = mem_check_align(cpu, ea, 4, acc_of_seg(i->seg));
    if (!st && (ea & 15))
        st = emu_raise_gp0(cpu);
    return st;
}

/* FXSAVE (32-bit format) and FXSAVE64: the x87 header in the chosen format, then XMM0-15. */
static int fxsave(struct emu_cpu *cpu, const struct emu_insn *i, bool format64)
{
    uint64_t ea = insn_ea(cpu, i);
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        return emu_raise(cpu, EXC_NM);
    int st = fx_check_align(cpu, i, ea);
    if (st)
        return st;
    uint8_t img[FX_SAVED_BYTES];
    memcpy(img, cpu->fx, FX_SAVED_BYTES);
    emu_x87_fxsave(cpu, img, format64);
    uint32_t mask = MXCSR_VALID;
    memcpy(img + FX_MXCSR_MASK, &mask, 4);
    return emu_x87_state_access(cpu, ea, FX_SAVED_BYTES, FX_OPERAND_BYTES, 16,
                                ACC_WRITE | acc_of_seg(i->seg), img);
}

static int fxrstor(struct emu_cpu *cpu, const struct emu_insn *i, bool format64)
{
    uint64_t ea = insn_ea(cpu, i);
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        return emu_raise(cpu, EXC_NM);
    int st = fx_check_align(cpu, i, ea);
    if (st)
        return st;
    uint8_t img[FX_SAVED_BYTES];
    st = emu_x87_state_access(cpu, ea, FX_SAVED_BYTES, FX_OPERAND_BYTES, 16,
                              ACC_READ | acc_of_seg(i->seg), img);
    if (st)
        return st;
    uint32_t mxcsr;
    memcpy(&mxcsr, img + FX_MXCSR, 4);
    if (mxcsr & ~MXCSR_VALID)
        return emu_raise_gp0(cpu);
    memcpy(cpu->fx + FX_X87_BYTES, img + FX_X87_BYTES, FX_SAVED_BYTES - FX_X87_BYTES);
    memcpy(cpu->fx + FX_MXCSR, &mxcsr, 4);
    emu_x87_fxrstor(cpu, img, format64);
    return EMU_NEXT;
}

HANDLER(FXSAVE_M)
{
    return fxsave(cpu, i, false);
}

HANDLER(FXSAVE64_M)
{
    return fxsave(cpu, i, true);
}

HANDLER(FXRSTOR_M)
{
    return fxrstor(cpu, i, false);
}

HANDLER(FXRSTOR64_M)
{
    return fxrstor(cpu, i, true);
}

HANDLER(LDMXCSR_Md)
{
    int st = sse_check(cpu);
    uint64_t v;
    if (!st)
        st = read_ea(cpu, i, 4, &v);
    if (st)
        return st;
    if (v & ~(uint64_t)MXCSR_VALID)
        return emu_raise_gp0(cpu);
    uint32_t m = (uint32_t)v;
    memcpy(cpu->fx + FX_MXCSR, &m, 4);
    return EMU_NEXT;
}

HANDLER(STMXCSR_Md)
{
    int st = sse_check(cpu);
    uint32_t m;
    memcpy(&m, cpu->fx + FX_MXCSR, 4);
    return st ? st : write_ea(cpu, i, 4, m);
}

static bool select_mem_or_fixed(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    for (unsigned k = 0; k < d->nops; k++)
        if (op_is_mem(&d->op[k]) && !dec_mem(insn, d, &d->op[k]))
            return false;
    insn->fn = (emu_handler)arg;
    return true;
}

static bool select_fnstsw(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    if (op_is_reg(&d->op[0])) {
        insn->fn = FNSTSW_AX;
        return true;
    }
    return select_mem_or_fixed(insn, d, FNSTSW_Mw);
}

const struct emu_opdef emu_ops_fpu[] = {
    {ZYDIS_MNEMONIC_FNINIT, emu_select_fixed, FNINIT, 0},
    {ZYDIS_MNEMONIC_FNCLEX, emu_select_fixed, FNCLEX, 0},
    {ZYDIS_MNEMONIC_FNSTSW, select_fnstsw, NULL, 0},
    {ZYDIS_MNEMONIC_FNSTCW, select_mem_or_fixed, FNSTCW_Mw, 0},
    {ZYDIS_MNEMONIC_FLDCW, select_mem_or_fixed, FLDCW_Mw, 0},
    {ZYDIS_MNEMONIC_FWAIT, emu_select_fixed, FWAIT, 0},
    {ZYDIS_MNEMONIC_EMMS, emu_select_fixed, EMMS, 0},
    {ZYDIS_MNEMONIC_FXSAVE, select_mem_or_fixed, FXSAVE_M, 0},
    {ZYDIS_MNEMONIC_FXSAVE64, select_mem_or_fixed, FXSAVE64_M, 0},
    {ZYDIS_MNEMONIC_FXRSTOR, select_mem_or_fixed, FXRSTOR_M, 0},
    {ZYDIS_MNEMONIC_FXRSTOR64, select_mem_or_fixed, FXRSTOR64_M, 0},
    {ZYDIS_MNEMONIC_LDMXCSR, select_mem_or_fixed, LDMXCSR_Md, 0},
    {ZYDIS_MNEMONIC_STMXCSR, select_mem_or_fixed, STMXCSR_Md, 0},
    {0},
};
