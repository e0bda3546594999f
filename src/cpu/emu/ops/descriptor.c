// SPDX-License-Identifier: Apache-2.0
/*
 * descriptor.c - descriptor-table instructions (SDM vol. 2; vol. 3A, 2.4 and
 * 3.5): LGDT/LIDT/SGDT/SIDT, LLDT/LTR/SLDT/STR, and the probes LAR, LSL,
 * VERR and VERW that answer in ZF instead of faulting.
 */
#include "cpu/emu/ops/ops.h"
#include "cpu/emu/seg.h"

/* ---- descriptor tables ---- */

/*
 * The pseudo-descriptor is a 16-bit limit and a base of 8 bytes in 64-bit
 * mode, else 4 bytes, of which a 16-bit operand size keeps 24 bits.
 */
HANDLER(LGDT_M)
{
    if (!cpl0(cpu))
        return emu_raise_gp0(cpu);
    uint8_t buf[10] = {0};
    unsigned len = i->size == 8 ? 10 : 6;
    int st = emu_mem_access(cpu, insn_ea(cpu, i), len, ACC_READ | acc_of_seg(i->seg), buf);
    if (st)
        return st;
    struct cpu_dtable t;
    memcpy(&t.limit, buf, 2);
    memcpy(&t.base, buf + 2, 8);
    if (i->size == 2)
        t.base &= 0xffffff;
    if (!is_canonical(t.base))
        return emu_raise_gp0(cpu);
    if (i->cc)
        cpu->idt = t;
    else
        cpu->gdt = t;
    return EMU_NEXT;
}

HANDLER(SGDT_M)
{
    const struct cpu_dtable *t = i->cc ? &cpu->idt : &cpu->gdt;
    uint8_t buf[10];
    memcpy(buf, &t->limit, 2);
    memcpy(buf + 2, &t->base, 8);
    unsigned len = i->size == 8 ? 10 : 6;
    return emu_mem_access(cpu, insn_ea(cpu, i), len, ACC_WRITE | acc_of_seg(i->seg), buf);
}

static bool select_dt(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    if (!op_is_mem(&d->op[0]) || !dec_mem(insn, d, &d->op[0]))
        return false;
    uintptr_t kind = (uintptr_t)arg; /* bit 0: IDT, bit 1: store */
    insn->cc = kind & 1;
    insn->size = dec_legacy(d) ? (uint8_t)(d->zi->operand_width / 8) : 8;
    insn->fn = (kind & 2) ? SGDT_M : LGDT_M;
    return true;
}

HANDLER(LLDT_Ew)
{
    if (!cpl0(cpu))
        return emu_raise_gp0(cpu);
    uint16_t sel;
    int st = read_rm16(cpu, i, &sel);
    if (st)
        return st;
    if ((sel & ~3u) == 0) {
        cpu->ldtr = (struct cpu_segment){.selector = sel, .unusable = 1};
        return EMU_NEXT;
    }
    if (sel & 4)
        return emu_raise_err(cpu, EXC_GP, sel & ~3u);
    uint64_t lo, hi;
    if ((st = emu_seg_read_desc(cpu, sel, true, 0, &lo, &hi)))
        return st;
    struct cpu_segment s;
    emu_seg_unpack(lo, hi, sel, &s);
    if (s.s || s.type != SYS_LDT)
        return emu_raise_err(cpu, EXC_GP, sel & ~3u);
    if (!s.present)
        return emu_raise_err(cpu, EXC_NP, sel & ~3u);
    cpu->ldtr = s;
    return EMU_NEXT;
}

HANDLER(LTR_Ew)
{
    if (!cpl0(cpu))
        return emu_raise_gp0(cpu);
    uint16_t sel;
    int st = read_rm16(cpu, i, &sel);
    if (st)
        return st;
    if ((sel & ~3u) == 0 || (sel & 4))
        return emu_raise_err(cpu, EXC_GP, sel & ~3u);
    uint64_t lo, hi;
    if ((st = emu_seg_read_desc(cpu, sel, true, 0, &lo, &hi)))
        return st;
    struct cpu_segment s;
    emu_seg_unpack(lo, hi, sel, &s);
    if (s.s || s.type != SYS_TSS_AVAIL)
        return emu_raise_err(cpu, EXC_GP, sel & ~3u);
    if (!s.present)
        return emu_raise_err(cpu, EXC_NP, sel & ~3u);
    uint8_t type_byte = (uint8_t)((lo >> 40) | 2); /* busy */
    if ((st = emu_mem_access(cpu, cpu->gdt.base + (sel & ~7u) + 5, 1, ACC_WRITE | ACC_SYS,
                             &type_byte)))
        return st;
    s.type = SYS_TSS_BUSY;
    cpu->tr = s;
    return EMU_NEXT;
}

HANDLER(SLDT_Ew)
{
    uint16_t sel = i->cc ? cpu->tr.selector : cpu->ldtr.selector;
    if (i->flags & INSN_REGOP) {
        reg_set(cpu, i->reg, i->size, sel);
        return EMU_NEXT;
    }
    return write_ea(cpu, i, 2, sel);
}

static bool select_lldt(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    return select_rm16(insn, d, LLDT_Ew, 0);
}
static bool select_ltr(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    return select_rm16(insn, d, LTR_Ew, 0);
}
static bool select_sldt(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    return select_rm16(insn, d, SLDT_Ew, arg != NULL);
}
/* ---- LAR, LSL, VERR, VERW: descriptor probes that set ZF instead of faulting ---- */

enum probe { PROBE_LAR, PROBE_LSL, PROBE_VERR, PROBE_VERW };

/* Reads selector's descriptor if it is in the table; false (ZF = 0) otherwise. */
static int probe_desc(struct emu_cpu *cpu, uint16_t sel, uint64_t *lo, bool *found)
{
    bool ldt = sel & 4;
    uint32_t limit = ldt ? (cpu->ldtr.unusable ? 0 : cpu->ldtr.limit) : cpu->gdt.limit;
    *found = (sel & ~3u) && !(ldt && cpu->ldtr.unusable) && (sel | 7u) <= limit;
    if (!*found)
        return EMU_NEXT;
    uint64_t hi;
    return emu_seg_read_desc(cpu, sel, false, 0, lo, &hi);
}

static bool probe_ok(const struct emu_cpu *cpu, enum probe kind, uint16_t sel,
                     const struct cpu_segment *s)
{
    bool code = s->s && (s->type & DESC_CODE), conforming = code && (s->type & DESC_CONFORMING);
    if (!conforming && (s->dpl < cpu->cpl || s->dpl < (sel & 3)))
        return false;
    if (!s->s) {
        if (kind == PROBE_VERR || kind == PROBE_VERW)
            return false;
        switch (s->type) {
        case SYS_LDT:
        case SYS_TSS_AVAIL:
        case SYS_TSS_BUSY: return true;
        case 0xc: return kind == PROBE_LAR; /* call gate */
        default: return false;
        }
    }
    if (kind == PROBE_VERR)
        return !code || (s->type & DESC_READABLE);
    if (kind == PROBE_VERW)
        return !code && (s->type & DESC_WRITABLE);
    return true;
}

HANDLER(PROBE_Ew)
{
    uint16_t sel;
    int st = read_rm16(cpu, i, &sel);
    uint64_t lo = 0;
    bool found;
    if (!st)
        st = probe_desc(cpu, sel, &lo, &found);
    if (st)
        return st;
    struct cpu_segment s;
    emu_seg_unpack(lo, 0, sel, &s);
    bool ok = found && probe_ok(cpu, i->cc, sel, &s);
    emu_flags_materialize(cpu);
    cpu->rflags = (cpu->rflags & ~FL_ZF) | (ok ? FL_ZF : 0);
    if (ok && i->cc == PROBE_LAR)
        reg_set(cpu, i->reg, i->size, (lo >> 32) & (i->size == 2 ? 0xff00 : 0xf0ff00));
    if (ok && i->cc == PROBE_LSL)
        reg_set(cpu, i->reg, i->size, s.limit);
    return EMU_NEXT;
}

/* LAR/LSL: reg, r/m16; VERR/VERW: r/m16. The selector operand goes to rm or the EA. */
static bool select_probe(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    insn->cc = (uint8_t)(uintptr_t)arg;
    insn->fn = PROBE_Ew;
    const ZydisDecodedOperand *src = &d->op[d->nops - 1];
    if (d->nops == 2) {
        insn->reg = (uint8_t)dec_gpr(d->op[0].reg.value);
        insn->size = (uint8_t)(d->op[0].size / 8);
    }
    if (op_is_reg(src)) {
        insn->rm = (uint8_t)dec_gpr(src->reg.value);
        insn->flags |= INSN_REGOP;
        return true;
    }
    return dec_mem(insn, d, src);
}

const struct emu_opdef emu_ops_descriptor[] = {
    {ZYDIS_MNEMONIC_LGDT, select_dt, (void *)0, 0},
    {ZYDIS_MNEMONIC_LIDT, select_dt, (void *)1, 0},
    {ZYDIS_MNEMONIC_SGDT, select_dt, (void *)2, 0},
    {ZYDIS_MNEMONIC_SIDT, select_dt, (void *)3, 0},
    {ZYDIS_MNEMONIC_LLDT, select_lldt, NULL, 0},
    {ZYDIS_MNEMONIC_LTR, select_ltr, NULL, 0},
    {ZYDIS_MNEMONIC_SLDT, select_sldt, NULL, 0},
    {ZYDIS_MNEMONIC_STR, select_sldt, "tr", 0},
    {ZYDIS_MNEMONIC_LAR, select_probe, (void *)PROBE_LAR, 0},
    {ZYDIS_MNEMONIC_LSL, select_probe, (void *)PROBE_LSL, 0},
    {ZYDIS_MNEMONIC_VERR, select_probe, (void *)PROBE_VERR, 0},
    {ZYDIS_MNEMONIC_VERW, select_probe, (void *)PROBE_VERW, 0},
    {0},
};
