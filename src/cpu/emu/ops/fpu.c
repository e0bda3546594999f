// SPDX-License-Identifier: Apache-2.0
/*
 * fpu.c - x87/SSE housekeeping: FNINIT, FNCLEX, FNSTSW, FNSTCW, FLDCW,
 * FWAIT, EMMS, FXSAVE/FXRSTOR (64), LDMXCSR/STMXCSR, with the #NM/#UD rules
 * of CR0.TS/EM/MP and CR4.OSFXSR (SDM vol. 3A, 2.5 and table 12-1 / 13-1).
 * The state lives in cpu->fx in the FXSAVE layout (SDM vol. 1, 10.5.1).
 * x87 arithmetic and SSE data instructions are not implemented yet.
 */
#include "cpu/emu/ops/ops.h"

#define FX_FCW         0
#define FX_FSW         2
#define FX_FTW         4
#define FX_FOP         6
#define FX_MXCSR       24
#define FX_MXCSR_MASK  28
#define FX_SAVED_BYTES 416 /* header, ST0-7, XMM0-15; the rest is reserved/available */
#define MXCSR_VALID    0xffffu

static inline uint16_t fx16(const struct emu_cpu *cpu, unsigned off)
{
    uint16_t v;
    memcpy(&v, cpu->fx + off, 2);
    return v;
}
static inline void fx16_set(struct emu_cpu *cpu, unsigned off, uint16_t v)
{
    memcpy(cpu->fx + off, &v, 2);
}

/* x87 instructions: #NM if CR0.EM or CR0.TS. */
static inline int x87_check(struct emu_cpu *cpu)
{
    return (cpu->cr0 & (CR0_EM | CR0_TS)) ? emu_raise(cpu, EXC_NM) : EMU_NEXT;
}
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
    int st = x87_check(cpu);
    if (st)
        return st;
    memset(cpu->fx, 0, FX_MXCSR); /* FCW, FSW, FTW, FOP, FIP, FDP; MXCSR stays */
    fx16_set(cpu, FX_FCW, 0x37f);
    return EMU_NEXT;
}

HANDLER(FNCLEX)
{
    (void)i;
    int st = x87_check(cpu);
    if (!st)
        fx16_set(cpu, FX_FSW, fx16(cpu, FX_FSW) & 0x7f00);
    return st;
}

HANDLER(FNSTSW_AX)
{
    (void)i;
    int st = x87_check(cpu);
    if (!st)
        reg_set(cpu, CPU_RAX, 2, fx16(cpu, FX_FSW));
    return st;
}

HANDLER(FNSTSW_Mw)
{
    int st = x87_check(cpu);
    return st ? st : write_ea(cpu, i, 2, fx16(cpu, FX_FSW));
}

HANDLER(FNSTCW_Mw)
{
    int st = x87_check(cpu);
    return st ? st : write_ea(cpu, i, 2, fx16(cpu, FX_FCW));
}

HANDLER(FLDCW_Mw)
{
    int st = x87_check(cpu);
    uint64_t v;
    if (!st)
        st = read_ea(cpu, i, 2, &v);
    if (!st)
        fx16_set(cpu, FX_FCW, (uint16_t)(v | 0x40));
    return st;
}

HANDLER(FWAIT)
{
    (void)i;
    return (cpu->cr0 & (CR0_TS | CR0_MP)) == (CR0_TS | CR0_MP) ? emu_raise(cpu, EXC_NM) : EMU_NEXT;
}

HANDLER(EMMS)
{
    (void)i;
    if (cpu->cr0 & CR0_EM)
        return emu_raise(cpu, EXC_UD);
    if (cpu->cr0 & CR0_TS)
        return emu_raise(cpu, EXC_NM);
    cpu->fx[FX_FTW] = 0; /* abridged tag word: all empty */
    return EMU_NEXT;
}

HANDLER(FXSAVE_M)
{
    uint64_t ea = insn_ea(cpu, i);
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        return emu_raise(cpu, EXC_NM);
    if (ea & 15)
        return emu_raise_gp0(cpu);
    uint32_t mask = MXCSR_VALID;
    memcpy(cpu->fx + FX_MXCSR_MASK, &mask, 4);
    return emu_mem_access(cpu, ea, FX_SAVED_BYTES, ACC_WRITE | acc_of_seg(i->seg), cpu->fx);
}

HANDLER(FXRSTOR_M)
{
    uint64_t ea = insn_ea(cpu, i);
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        return emu_raise(cpu, EXC_NM);
    if (ea & 15)
        return emu_raise_gp0(cpu);
    uint8_t img[FX_SAVED_BYTES];
    int st = emu_mem_access(cpu, ea, FX_SAVED_BYTES, ACC_READ | acc_of_seg(i->seg), img);
    if (st)
        return st;
    uint32_t mxcsr;
    memcpy(&mxcsr, img + FX_MXCSR, 4);
    if (mxcsr & ~MXCSR_VALID)
        return emu_raise_gp0(cpu);
    memcpy(cpu->fx, img, FX_SAVED_BYTES);
    return EMU_NEXT;
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
    {ZYDIS_MNEMONIC_FXSAVE64, select_mem_or_fixed, FXSAVE_M, 0},
    {ZYDIS_MNEMONIC_FXRSTOR, select_mem_or_fixed, FXRSTOR_M, 0},
    {ZYDIS_MNEMONIC_FXRSTOR64, select_mem_or_fixed, FXRSTOR_M, 0},
    {ZYDIS_MNEMONIC_LDMXCSR, select_mem_or_fixed, LDMXCSR_Md, 0},
    {ZYDIS_MNEMONIC_STMXCSR, select_mem_or_fixed, STMXCSR_Md, 0},
    {0},
};
