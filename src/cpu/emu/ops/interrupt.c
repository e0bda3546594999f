// SPDX-License-Identifier: Apache-2.0
/*
 * interrupt.c - software interrupts and fast system calls: INT n, INT3,
 * INT1 (through the IDT, except.c), SYSCALL and SYSRET (SDM vol. 2,
 * "SYSCALL", "SYSRET"; vol. 3A, 5.8.8). INTO is #UD in 64-bit mode.
 */
#include "cpu/emu/ops/ops.h"
#include "cpu/emu/seg.h"
#include "cpu/emu/sysregs.h"

HANDLER(INT_Ib)
{
    return emu_deliver_event(cpu, (uint8_t)i->imm, EVENT_SOFTWARE, false, 0, RIP(cpu) + i->len);
}

HANDLER(INT1)
{
    return emu_deliver_event(cpu, EXC_DB, EVENT_EXTERNAL, false, 0, RIP(cpu) + i->len);
}

static bool select_int(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    insn->imm = arg ? (uintptr_t)arg - 1 : d->op[0].imm.value.u & 0xff;
    insn->fn = INT_Ib;
    return true;
}

/* The flat segments SYSCALL/SYSRET load (their descriptors are not read). */
static struct cpu_segment flat(uint16_t sel, bool code, unsigned dpl, bool l)
{
    return (struct cpu_segment){.selector = sel,
                                .type = code ? 0xb : 0x3,
                                .s = 1,
                                .dpl = (uint8_t)dpl,
                                .present = 1,
                                .l = l,
                                .db = code ? !l : 1,
                                .g = 1,
                                .limit = 0xffffffff};
}

HANDLER(SYSCALL)
{
    if (!(cpu->efer & EFER_SCE))
        return emu_raise(cpu, EXC_UD);
    uint16_t sel = (uint16_t)(cpu->msr.star >> 32) & 0xfffc;
    cpu->r[CPU_RCX] = RIP(cpu) + i->len;
    emu_flags_materialize(cpu);
    cpu->r[CPU_R11] = cpu->rflags & ~FL_RF;
    cpu->rflags = (cpu->rflags & ~(cpu->msr.sfmask | FL_RF)) | FL_FIXED;
    struct cpu_segment cs = flat(sel, true, 0, true);
    cpu->seg[SEG_SS] = flat((uint16_t)(sel + 8), false, 0, false);
    emu_seg_set_cs(cpu, &cs);
    RIP(cpu) = cpu->msr.lstar;
    return EMU_JUMP;
}

HANDLER(SYSRET)
{
    if (!(cpu->efer & EFER_SCE))
        return emu_raise(cpu, EXC_UD);
    if (!cpl0(cpu))
        return emu_raise_gp0(cpu);
    bool to64 = i->size == 8;
    uint64_t rip = to64 ? cpu->r[CPU_RCX] : (uint32_t)cpu->r[CPU_RCX];
    if (!is_canonical(rip))
        return emu_raise_gp0(cpu);
    uint16_t base = (uint16_t)(cpu->msr.star >> 48);
    struct cpu_segment cs = flat((uint16_t)((to64 ? base + 16 : base) | 3), true, 3, to64);
    cpu->seg[SEG_SS] = flat((uint16_t)((base + 8) | 3), false, 3, false);
    cpu->rflags = (cpu->r[CPU_R11] & 0x3c7fd7) | FL_FIXED;
    cpu->cc_op = CC_EFLAGS;
    emu_seg_set_cs(cpu, &cs);
    RIP(cpu) = rip;
    return EMU_JUMP;
}

const struct emu_opdef emu_ops_interrupt[] = {
    {ZYDIS_MNEMONIC_INT, select_int, NULL, OPF_BRANCH},
    {ZYDIS_MNEMONIC_INT3, select_int, (void *)(EXC_BP + 1), OPF_BRANCH},
    {ZYDIS_MNEMONIC_INT1, emu_select_fixed, INT1, OPF_BRANCH},
    {ZYDIS_MNEMONIC_SYSCALL, emu_select_fixed, SYSCALL, OPF_BRANCH},
    {ZYDIS_MNEMONIC_SYSRET, emu_select_fixed, SYSRET, OPF_BRANCH},
    {0},
};
