// SPDX-License-Identifier: Apache-2.0
/*
 * system.c - system instructions (SDM vol. 2; vol. 3A, 2.5-2.8 for the
 * registers): MOV to/from CR0/CR2/CR3/CR4/CR8, DR0-DR7 and segment
 * registers; SMSW/LMSW, CLTS, INVLPG, WBINVD/INVD, RDMSR/WRMSR, CPUID,
 * RDTSC/RDTSCP, RDPMC (no counters: #GP), HLT, SWAPGS.
 * Privileged ones raise #GP(0) above CPL 0. Anything that changes
 * translation or mode ends the block (EMU_JUMP with RIP advanced).
 */
#include "cpu/emu/codecache.h"
#include "cpu/emu/cpuid.h"
#include "cpu/emu/irq.h"
#include "cpu/emu/mode.h"
#include "cpu/emu/msr.h"
#include "cpu/emu/ops/ops.h"
#include "cpu/emu/seg.h"
#include "cpu/emu/sysregs.h"
#include "cpu/emu/tlb.h"

static inline int done_and_end_block(struct emu_cpu *cpu, const struct emu_insn *i)
{
    RIP(cpu) += i->len;
    return EMU_JUMP;
}

/* ---- control registers ---- */

static int write_cr0(struct emu_cpu *cpu, uint64_t v)
{
    v |= CR0_ET;
    if ((v >> 32) || ((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD)))
        return emu_raise_gp0(cpu);
    if ((cpu->efer & EFER_LMA) && !(v & CR0_PG))
        return emu_raise_gp0(cpu); /* leaving long mode: not implemented */
    /* paging with EFER.LME enters IA-32e mode, else 32-bit or PAE paging (mmu.c) */
    bool ia32e_on = (v & CR0_PG) && !(cpu->cr0 & CR0_PG) && (cpu->efer & EFER_LME);
    if (ia32e_on && !(cpu->cr4 & CR4_PAE))
        return emu_raise_gp0(cpu);
    uint64_t changed = v ^ cpu->cr0;
    cpu->cr0 = v;
    if (ia32e_on)
        cpu->efer |= EFER_LMA; /* in compatibility mode until a far jump (9.8.5) */
    if (changed & (CR0_PG | CR0_PE))
        emu_cpu_update_mode(cpu);
    if (changed & (CR0_PG | CR0_WP | CR0_PE))
        emu_tlb_flush_all(cpu);
    return EMU_NEXT;
}

static int write_cr4(struct emu_cpu *cpu, uint64_t v)
{
    if (v & ~CR4_SUPPORTED)
        return emu_raise_gp0(cpu);
    if ((cpu->efer & EFER_LMA) && !(v & CR4_PAE))
        return emu_raise_gp0(cpu);
    uint64_t changed = v ^ cpu->cr4;
    cpu->cr4 = v;
    if (changed & (CR4_PGE | CR4_PAE | CR4_PSE))
        emu_tlb_flush_all(cpu);
    return EMU_NEXT;
}

static int write_cr3(struct emu_cpu *cpu, uint64_t v)
{
    if (v >> 40)
        return emu_raise_gp0(cpu); /* beyond MAXPHYADDR (no PCID) */
    cpu->cr3 = v;
    emu_tlb_flush_nonglobal(cpu);
    return EMU_NEXT;
}

HANDLER(MOV_CdRq)
{
    if (!cpl0(cpu))
        return emu_raise_gp0(cpu);
    uint64_t v = i->size == 4 ? (uint32_t)cpu->r[i->rm] : cpu->r[i->rm];
    int st;
    switch (i->cc) {
    case 0: st = write_cr0(cpu, v); break;
    case 2:
        cpu->cr2 = v;
        st = EMU_NEXT;
        break;
    case 3: st = write_cr3(cpu, v); break;
    case 4: st = write_cr4(cpu, v); break;
    default: /* 8: the LAPIC's TPR[7:4] */
        if (v & ~0xfull)
            return emu_raise_gp0(cpu);
        lapic__write_cr8(cpu->lapic, v);
        st = EMU_NEXT;
        break;
    }
    return st ? st : done_and_end_block(cpu, i);
}

HANDLER(MOV_RqCd)
{
    if (!cpl0(cpu))
        return emu_raise_gp0(cpu);
    uint64_t v;
    switch (i->cc) {
    case 0: v = cpu->cr0; break;
    case 2: v = cpu->cr2; break;
    case 3: v = cpu->cr3; break;
    case 4: v = cpu->cr4; break;
    default: v = lapic__read_cr8(cpu->lapic); break;
    }
    cpu->r[i->reg] = v;
    return EMU_NEXT;
}

/* ---- debug registers (no breakpoints are implemented; values are kept) ---- */

static int dr_index(struct emu_cpu *cpu, unsigned n, unsigned *out)
{
    if (n == 4 || n == 5) {
        if (cpu->cr4 & CR4_DE)
            return emu_raise(cpu, EXC_UD);
        n += 2;
    }
    *out = n;
    return EMU_NEXT;
}

HANDLER(MOV_DdRq)
{
    unsigned n;
    int st = dr_index(cpu, i->cc, &n);
    if (st)
        return st;
    if (!cpl0(cpu))
        return emu_raise_gp0(cpu);
    uint64_t v = cpu->r[i->rm];
    if ((n == 6 || n == 7) && (v >> 32))
        return emu_raise_gp0(cpu);
    if (n == 6)
        v = (v & 0xe00f) | 0xffff0ff0ull;
    if (n == 7)
        v = (v & ~0xd000ull) | 0x400;
    cpu->dr[n] = v;
    return EMU_NEXT;
}

HANDLER(MOV_RqDd)
{
    unsigned n;
    int st = dr_index(cpu, i->cc, &n);
    if (st)
        return st;
    if (!cpl0(cpu))
        return emu_raise_gp0(cpu);
    cpu->r[i->reg] = cpu->dr[n];
    return EMU_NEXT;
}

/* ---- segment registers ---- */

HANDLER(MOV_SwEwR)
{
    int st = emu_seg_load_data(cpu, i->cc, (uint16_t)cpu->r[i->rm]);
    if (st)
        return st;
    if (i->cc == SEG_SS)
        cpu->irq_shadow = true;
    return done_and_end_block(cpu, i);
}
HANDLER(MOV_SwEwM)
{
    uint64_t v;
    int st = read_ea(cpu, i, 2, &v);
    if (!st)
        st = emu_seg_load_data(cpu, i->cc, (uint16_t)v);
    if (st)
        return st;
    if (i->cc == SEG_SS)
        cpu->irq_shadow = true;
    return done_and_end_block(cpu, i);
}
HANDLER(MOV_EvSwR)
{
    reg_set(cpu, i->reg, i->size, cpu->seg[i->cc].selector);
    return EMU_NEXT;
}
HANDLER(MOV_EwSwM)
{
    return write_ea(cpu, i, 2, cpu->seg[i->cc].selector);
}

bool emu_select_mov_special(struct emu_insn *insn, const struct emu_decoded *d)
{
    const ZydisDecodedOperand *dst = &d->op[0], *src = &d->op[1];
    bool to_special = op_is_reg(dst) &&
                      ZydisRegisterGetClass(dst->reg.value) != ZYDIS_REGCLASS_GPR64 &&
                      ZydisRegisterGetClass(dst->reg.value) != ZYDIS_REGCLASS_GPR32 &&
                      ZydisRegisterGetClass(dst->reg.value) != ZYDIS_REGCLASS_GPR16;
    const ZydisDecodedOperand *special = to_special ? dst : src, *other = to_special ? src : dst;
    ZydisRegister sr = special->reg.value;
    switch (ZydisRegisterGetClass(sr)) {
    case ZYDIS_REGCLASS_CONTROL: {
        unsigned n = (unsigned)(sr - ZYDIS_REGISTER_CR0);
        if (n != 0 && n != 2 && n != 3 && n != 4 && n != 8)
            return false;
        insn->cc = (uint8_t)n;
        insn->reg = insn->rm = (uint8_t)dec_gpr(other->reg.value);
        insn->size = (uint8_t)(other->size / 8); /* 4 outside 64-bit mode */
        insn->fn = to_special ? MOV_CdRq : MOV_RqCd;
        insn->flags |= to_special ? INSN_ENDS : 0;
        return true;
    }
    case ZYDIS_REGCLASS_DEBUG:
        insn->cc = (uint8_t)(sr - ZYDIS_REGISTER_DR0);
        insn->reg = insn->rm = (uint8_t)dec_gpr(other->reg.value);
        insn->fn = to_special ? MOV_DdRq : MOV_RqDd;
        return true;
    default: { /* segment */
        int seg = dec_sreg(sr);
        if (seg < 0 || (to_special && seg == SEG_CS))
            return false; /* MOV CS is #UD */
        insn->cc = (uint8_t)seg;
        insn->size = (uint8_t)(other->size / 8);
        if (op_is_reg(other)) {
            insn->reg = insn->rm = (uint8_t)dec_gpr(other->reg.value);
            insn->fn = to_special ? MOV_SwEwR : MOV_EvSwR;
        } else {
            if (!dec_mem(insn, d, other))
                return false;
            insn->fn = to_special ? MOV_SwEwM : MOV_EwSwM;
        }
        if (to_special)
            insn->flags |= INSN_ENDS;
        return true;
    }
    }
}

HANDLER(SMSW_Ew)
{
    if (i->flags & INSN_REGOP) {
        reg_set(cpu, i->reg, i->size, cpu->cr0);
        return EMU_NEXT;
    }
    return write_ea(cpu, i, 2, cpu->cr0 & 0xffff);
}

HANDLER(LMSW_Ew)
{
    if (!cpl0(cpu))
        return emu_raise_gp0(cpu);
    uint16_t v;
    int st = read_rm16(cpu, i, &v);
    if (st)
        return st;
    uint64_t cr0 = (cpu->cr0 & ~0xeull) | (v & 0xf) | (cpu->cr0 & CR0_PE);
    return write_cr0(cpu, cr0) ?: done_and_end_block(cpu, i);
}

static bool select_lmsw(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    return select_rm16(insn, d, LMSW_Ew, 0);
}
static bool select_smsw(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    return select_rm16(insn, d, SMSW_Ew, 0);
}

/* No performance counters are implemented (CPUID leaf 0xA is zero): any counter is invalid. */
HANDLER(RDPMC)
{
    return emu_raise_gp0(cpu);
}

/* ---- the rest ---- */

HANDLER(CLTS)
{
    (void)i;
    if (!cpl0(cpu))
        return emu_raise_gp0(cpu);
    cpu->cr0 &= ~CR0_TS;
    return EMU_NEXT;
}

HANDLER(INVLPG_M)
{
    if (!cpl0(cpu))
        return emu_raise_gp0(cpu);
    emu_tlb_flush_page(cpu, insn_ea(cpu, i));
    return done_and_end_block(cpu, i);
}

static bool select_invlpg(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    if (!op_is_mem(&d->op[0]) || !dec_mem(insn, d, &d->op[0]))
        return false;
    insn->fn = INVLPG_M;
    return true;
}

HANDLER(WBINVD)
{
    (void)i;
    return cpl0(cpu) ? EMU_NEXT : emu_raise_gp0(cpu);
}

HANDLER(RDMSR)
{
    (void)i;
    if (!cpl0(cpu))
        return emu_raise_gp0(cpu);
    uint64_t v;
    int st = emu_msr_read(cpu, (uint32_t)cpu->r[CPU_RCX], &v);
    if (st)
        return st;
    cpu->r[CPU_RAX] = (uint32_t)v;
    cpu->r[CPU_RDX] = v >> 32;
    return EMU_NEXT;
}

HANDLER(WRMSR)
{
    if (!cpl0(cpu))
        return emu_raise_gp0(cpu);
    uint64_t v = (uint32_t)cpu->r[CPU_RAX] | cpu->r[CPU_RDX] << 32;
    int st = emu_msr_write(cpu, (uint32_t)cpu->r[CPU_RCX], v);
    return st ? st : done_and_end_block(cpu, i);
}

HANDLER(CPUID)
{
    (void)i;
    uint32_t out[4];
    emu_cpuid(cpu, (uint32_t)cpu->r[CPU_RAX], (uint32_t)cpu->r[CPU_RCX], out);
    cpu->r[CPU_RAX] = out[0];
    cpu->r[CPU_RBX] = out[1];
    cpu->r[CPU_RCX] = out[2];
    cpu->r[CPU_RDX] = out[3];
    return EMU_NEXT;
}

HANDLER(RDTSC)
{
    if ((cpu->cr4 & CR4_TSD) && !cpl0(cpu))
        return emu_raise_gp0(cpu);
    uint64_t t = emu_tsc(cpu);
    cpu->r[CPU_RAX] = (uint32_t)t;
    cpu->r[CPU_RDX] = t >> 32;
    if (i->cc) /* RDTSCP */
        cpu->r[CPU_RCX] = (uint32_t)cpu->msr.tsc_aux;
    return EMU_NEXT;
}

static bool select_rdtsc(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)d;
    insn->cc = arg != NULL;
    insn->fn = RDTSC;
    return true;
}

HANDLER(HLT)
{
    if (!cpl0(cpu))
        return emu_raise_gp0(cpu);
    cpu->halted = true;
    return done_and_end_block(cpu, i);
}

HANDLER(SWAPGS)
{
    (void)i;
    if (!cpl0(cpu))
        return emu_raise_gp0(cpu);
    uint64_t t = cpu->seg[SEG_GS].base;
    cpu->seg[SEG_GS].base = cpu->msr.kernel_gs_base;
    cpu->msr.kernel_gs_base = t;
    emu_cpu_update_mode(cpu);
    return EMU_NEXT;
}

const struct emu_opdef emu_ops_system[] = {
    {ZYDIS_MNEMONIC_SMSW, select_smsw, NULL, 0},
    {ZYDIS_MNEMONIC_LMSW, select_lmsw, NULL, OPF_BRANCH},
    {ZYDIS_MNEMONIC_CLTS, emu_select_fixed, CLTS, 0},
    {ZYDIS_MNEMONIC_INVLPG, select_invlpg, NULL, OPF_BRANCH},
    {ZYDIS_MNEMONIC_WBINVD, emu_select_fixed, WBINVD, 0},
    {ZYDIS_MNEMONIC_INVD, emu_select_fixed, WBINVD, 0},
    {ZYDIS_MNEMONIC_RDMSR, emu_select_fixed, RDMSR, 0},
    {ZYDIS_MNEMONIC_WRMSR, emu_select_fixed, WRMSR, OPF_BRANCH},
    {ZYDIS_MNEMONIC_CPUID, emu_select_fixed, CPUID, 0},
    {ZYDIS_MNEMONIC_RDTSC, select_rdtsc, NULL, 0},
    {ZYDIS_MNEMONIC_RDTSCP, select_rdtsc, "p", 0},
    {ZYDIS_MNEMONIC_HLT, emu_select_fixed, HLT, OPF_BRANCH},
    {ZYDIS_MNEMONIC_SWAPGS, emu_select_fixed, SWAPGS, 0},
    {ZYDIS_MNEMONIC_RDPMC, emu_select_fixed, RDPMC, 0},
    {0},
};
