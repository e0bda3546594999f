// SPDX-License-Identifier: Apache-2.0
/*
 * far.c - far control transfers in 64-bit mode: JMP and CALL through an
 * m16:64/m16:32 pointer, far RET (LRET) with its privilege-lowering form,
 * and IRETQ (SDM vol. 2, "JMP", "CALL", "RET", "IRET" IA-32e-mode
 * operation). Call gates and task switches are not implemented (#GP).
 * All loads are checked before anything is committed.
 */
#include "cpu/emu/mode.h"
#include "cpu/emu/ops/ops.h"
#include "cpu/emu/seg.h"

/* Reads a far pointer: offset of size bytes, then the selector. */
static int read_far_pointer(struct emu_cpu *cpu, const struct emu_insn *i, uint64_t *off,
                            uint16_t *sel)
{
    uint64_t ea = insn_ea(cpu, i), s = 0;
    int st = mem_read(cpu, ea, i->size, acc_of_seg(i->seg), off);
    if (!st)
        st = mem_read(cpu, ea + i->size, 2, acc_of_seg(i->seg), &s);
    *sel = (uint16_t)s;
    return st;
}

HANDLER(JMP_Mp)
{
    uint64_t off;
    uint16_t sel;
    struct cpu_segment cs;
    int st = read_far_pointer(cpu, i, &off, &sel);
    if (!st)
        st = emu_seg_check_same_level(cpu, sel, &cs);
    if (st)
        return st;
    if (!is_canonical(off))
        return emu_raise_gp0(cpu);
    emu_seg_set_cs(cpu, &cs);
    RIP(cpu) = cs.l ? off : (uint32_t)off;
    return EMU_JUMP;
}

HANDLER(CALL_Mp)
{
    uint64_t off;
    uint16_t sel;
    struct cpu_segment cs;
    int st = read_far_pointer(cpu, i, &off, &sel);
    if (!st)
        st = emu_seg_check_same_level(cpu, sel, &cs);
    if (st)
        return st;
    if (!is_canonical(off))
        return emu_raise_gp0(cpu);
    uint64_t rsp = cpu->r[CPU_RSP], frame[2] = {RIP(cpu) + i->len, cpu->seg[SEG_CS].selector};
    unsigned size = i->size;
    uint8_t buf[16];
    memcpy(buf, &frame[0], size);
    memcpy(buf + size, &frame[1], size);
    st = emu_mem_access(cpu, rsp - 2 * size, 2 * size, ACC_WRITE | ACC_STACK, buf);
    if (st)
        return st;
    cpu->r[CPU_RSP] = rsp - 2 * size;
    emu_seg_set_cs(cpu, &cs);
    RIP(cpu) = cs.l ? off : (uint32_t)off;
    return EMU_JUMP;
}

bool emu_select_far(struct emu_insn *insn, const struct emu_decoded *d, bool call)
{
    const ZydisDecodedOperand *op = &d->op[0];
    if (!op_is_mem(op) || !dec_mem(insn, d, op))
        return false; /* ptr16:32 immediate forms do not exist in 64-bit mode */
    insn->size = (uint8_t)(d->zi->operand_width / 8);
    if (insn->size != 4 && insn->size != 8)
        return false;
    insn->fn = call ? CALL_Mp : JMP_Mp;
    return true;
}

/* Loads SS for a return to an outer level (or allows null when the new CPL is 0-2). */
static int check_return_ss(struct emu_cpu *cpu, uint16_t sel, unsigned new_cpl,
                           struct cpu_segment *ss)
{
    if ((sel & ~3u) == 0) {
        if (new_cpl == 3 || (sel & 3) != new_cpl)
            return emu_raise_gp0(cpu);
        *ss = (struct cpu_segment){.selector = sel,
                                   .type = 3,
                                   .s = 1,
                                   .present = 1,
                                   .dpl = (uint8_t)new_cpl,
                                   .db = 1,
                                   .g = 1,
                                   .limit = 0xffffffff};
        return EMU_NEXT;
    }
    uint64_t lo, hi;
    int st = emu_seg_read_desc(cpu, sel, false, 0, &lo, &hi);
    if (st)
        return st;
    emu_seg_unpack(lo, 0, sel, ss);
    if ((sel & 3) != new_cpl || ss->dpl != new_cpl || !ss->s || (ss->type & DESC_CODE) ||
        !(ss->type & DESC_WRITABLE))
        return emu_raise_err(cpu, EXC_GP, sel & ~3u);
    if (!ss->present)
        return emu_raise_err(cpu, EXC_SS, sel & ~3u);
    emu_seg_set_accessed(cpu, sel, lo);
    return EMU_NEXT;
}

/* Checks a CS for a return to RPL = sel & 3 >= CPL. */
static int check_return_cs(struct emu_cpu *cpu, uint16_t sel, struct cpu_segment *cs)
{
    unsigned rpl = sel & 3;
    if ((sel & ~3u) == 0)
        return emu_raise_gp0(cpu);
    uint64_t lo, hi;
    int st = emu_seg_read_desc(cpu, sel, false, 0, &lo, &hi);
    if (st)
        return st;
    emu_seg_unpack(lo, 0, sel, cs);
    if (!cs->s || !(cs->type & DESC_CODE) || rpl < cpu->cpl)
        return emu_raise_err(cpu, EXC_GP, sel & ~3u);
    bool conforming = cs->type & DESC_CONFORMING;
    if (conforming ? cs->dpl > rpl : cs->dpl != rpl)
        return emu_raise_err(cpu, EXC_GP, sel & ~3u);
    if (!cs->present)
        return emu_raise_err(cpu, EXC_NP, sel & ~3u);
    emu_seg_set_accessed(cpu, sel, lo);
    return EMU_NEXT;
}

/* After a return to an outer level, data segments the new CPL may not use become null. */
static void null_inaccessible_segments(struct emu_cpu *cpu)
{
    static const enum emu_seg data_segs[] = {SEG_ES, SEG_DS, SEG_FS, SEG_GS};
    for (unsigned k = 0; k < 4; k++) {
        struct cpu_segment *s = &cpu->seg[data_segs[k]];
        bool conforming_code = (s->type & DESC_CODE) && (s->type & DESC_CONFORMING);
        if (!s->unusable && !conforming_code && s->dpl < cpu->cpl && (s->selector & ~3u)) {
            s->selector = 0;
            s->unusable = 1;
        }
    }
}

/* Commits a return: CS (and SS:RSP when changing level, or always for IRET in 64-bit mode). */
static void commit_return(struct emu_cpu *cpu, struct cpu_segment *cs, uint64_t rip, bool load_ss,
                          struct cpu_segment *ss, uint64_t rsp)
{
    unsigned old_cpl = cpu->cpl;
    cs->type |= DESC_ACCESSED;
    emu_seg_set_cs(cpu, cs);
    if (load_ss) {
        cpu->seg[SEG_SS] = *ss;
        cpu->r[CPU_RSP] = rsp;
    }
    RIP(cpu) = rip;
    if (cpu->cpl > old_cpl)
        null_inaccessible_segments(cpu);
    emu_cpu_update_mode(cpu);
}

HANDLER(RETF_Iw)
{
    unsigned size = i->size;
    uint64_t rsp = cpu->r[CPU_RSP], rip, sel;
    int st = mem_read(cpu, rsp, size, ACC_STACK, &rip);
    if (!st)
        st = mem_read(cpu, rsp + size, size, ACC_STACK, &sel);
    if (st)
        return st;
    struct cpu_segment cs, ss;
    if ((st = check_return_cs(cpu, (uint16_t)sel, &cs)))
        return st;
    if (!is_canonical(rip))
        return emu_raise_gp0(cpu);
    unsigned new_cpl = sel & 3;
    rsp += 2 * size + (i->imm & 0xffff);
    if (new_cpl == cpu->cpl) {
        cs.selector = (uint16_t)sel;
        commit_return(cpu, &cs, rip, false, NULL, 0);
        cpu->r[CPU_RSP] = rsp;
        return EMU_JUMP;
    }
    uint64_t new_rsp, ss_sel;
    st = mem_read(cpu, rsp, size, ACC_STACK, &new_rsp);
    if (!st)
        st = mem_read(cpu, rsp + size, size, ACC_STACK, &ss_sel);
    if (!st)
        st = check_return_ss(cpu, (uint16_t)ss_sel, new_cpl, &ss);
    if (st)
        return st;
    cs.selector = (uint16_t)sel;
    commit_return(cpu, &cs, rip, true, &ss, new_rsp + (i->imm & 0xffff));
    return EMU_JUMP;
}

bool emu_select_far_ret(struct emu_insn *insn, const struct emu_decoded *d)
{
    insn->size = (uint8_t)(d->zi->operand_width / 8);
    if (insn->size != 4 && insn->size != 8)
        return false;
    insn->imm = d->nops > 0 && op_is_imm(&d->op[0]) ? d->op[0].imm.value.u : 0;
    insn->fn = RETF_Iw;
    return true;
}

/* RFLAGS bits IRET may change, before the CPL/IOPL restrictions. */
#define IRET_MASK \
    (FL_ARITH | FL_TF | FL_IF | FL_DF | FL_IOPL | FL_NT | FL_RF | FL_AC | FL_ID | FL_VIF | FL_VIP)

HANDLER(IRETQ)
{
    unsigned size = i->size;
    if (cpu->rflags & FL_NT)
        return emu_raise_gp0(cpu); /* task return: not in IA-32e mode */
    uint64_t rsp = cpu->r[CPU_RSP], frame[5];
    for (unsigned k = 0; k < 5; k++) {
        frame[k] = 0;
        int st = mem_read(cpu, rsp + k * size, size, ACC_STACK, &frame[k]);
        if (st)
            return st;
    }
    uint64_t rip = frame[0], flags = frame[2], new_rsp = frame[3];
    uint16_t cs_sel = (uint16_t)frame[1], ss_sel = (uint16_t)frame[4];
    struct cpu_segment cs, ss;
    int st = check_return_cs(cpu, cs_sel, &cs);
    if (st)
        return st;
    unsigned new_cpl = cs_sel & 3;
    if ((st = check_return_ss(cpu, ss_sel, new_cpl, &ss)))
        return st;
    if (cs.l && !is_canonical(rip))
        return emu_raise_gp0(cpu);

    uint64_t mask = IRET_MASK;
    unsigned iopl = (cpu->rflags & FL_IOPL) >> 12;
    if (cpu->cpl > 0)
        mask &= ~(FL_IOPL | FL_VIF | FL_VIP);
    if (cpu->cpl > iopl)
        mask &= ~FL_IF;
    if (size == 4)
        mask &= 0xffffffffull;
    emu_flags_materialize(cpu);
    cpu->rflags = ((cpu->rflags & ~mask) | (flags & mask)) | FL_FIXED;
    cs.selector = cs_sel;
    commit_return(cpu, &cs, rip, true, &ss, new_rsp);
    cpu->nmi_blocked = false; /* IRET ends NMI blocking (SDM vol. 3A, 6.7.1) */
    return EMU_JUMP;
}

static bool select_iret(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    ZydisMachineMode mm = d->zi->machine_mode;
    if (mm == ZYDIS_MACHINE_MODE_REAL_16 || mm == ZYDIS_MACHINE_MODE_LEGACY_16 ||
        mm == ZYDIS_MACHINE_MODE_LEGACY_32)
        return emu_select_legacy_iret(insn, d); /* IA-32e mode (64- and 32-bit) stays here */
    insn->size = (uint8_t)(d->zi->operand_width / 8);
    if (insn->size != 4 && insn->size != 8)
        return false;
    insn->fn = IRETQ;
    return true;
}

const struct emu_opdef emu_ops_far[] = {
    {ZYDIS_MNEMONIC_IRETQ, select_iret, NULL, OPF_BRANCH},
    {ZYDIS_MNEMONIC_IRETD, select_iret, NULL, OPF_BRANCH},
    {ZYDIS_MNEMONIC_IRET, select_iret, NULL, OPF_BRANCH},
    {0},
};
