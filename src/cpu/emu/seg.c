// SPDX-License-Identifier: Apache-2.0
/*
 * seg.c - segment descriptor tables and segment register loads (SDM vol.
 * 3A, 3.4.5 descriptor format; 5.5-5.8 privilege checks; vol. 2, MOV/POP
 * Sreg, "64-bit mode exceptions"; 20.1.1 for real-mode loads). The null SS
 * that 64-bit code may load is refused outside long mode.
 */
#include "cpu/emu/seg.h"

#include "cpu/emu/mem.h"
#include "cpu/emu/mode.h"
#include "cpu/emu/raise.h"

void emu_seg_unpack(uint64_t lo, uint64_t hi, uint16_t selector, struct cpu_segment *s)
{
    uint32_t limit = (uint32_t)((lo & 0xffff) | ((lo >> 32) & 0xf0000));
    uint8_t g = (lo >> 55) & 1;
    *s = (struct cpu_segment){
        .base = ((lo >> 16) & 0xffffff) | (((lo >> 56) & 0xff) << 24),
        .limit = g ? (limit << 12) | 0xfff : limit,
        .selector = selector,
        .type = (lo >> 40) & 0xf,
        .s = (lo >> 44) & 1,
        .dpl = (lo >> 45) & 3,
        .present = (lo >> 47) & 1,
        .avl = (lo >> 52) & 1,
        .l = (lo >> 53) & 1,
        .db = (lo >> 54) & 1,
        .g = g,
    };
    if (!s->s)
        s->base |= (hi & 0xffffffffull) << 32;
}

int emu_seg_read_desc(struct emu_cpu *cpu, uint16_t selector, bool system, uint32_t ext,
                      uint64_t *lo, uint64_t *hi)
{
    bool ldt = selector & 4;
    const uint64_t base = ldt ? cpu->ldtr.base : cpu->gdt.base;
    const uint32_t limit = ldt ? (cpu->ldtr.unusable ? 0 : cpu->ldtr.limit) : cpu->gdt.limit;
    uint32_t off = selector & ~7u;
    uint32_t last = off + (system ? 15 : 7);
    if ((ldt && cpu->ldtr.unusable) || last > limit)
        return emu_raise_err(cpu, EXC_GP, (selector & ~3u) | ext);
    int st = emu_mem_access(cpu, base + off, 8, ACC_READ | ACC_SYS, lo);
    if (st)
        return st;
    *hi = 0;
    if (system)
        st = emu_mem_access(cpu, base + off + 8, 8, ACC_READ | ACC_SYS, hi);
    return st;
}

void emu_seg_set_accessed(struct emu_cpu *cpu, uint16_t selector, uint64_t lo)
{
    if (lo & (1ull << 40))
        return;
    uint64_t base = (selector & 4) ? cpu->ldtr.base : cpu->gdt.base;
    uint8_t type_byte = (uint8_t)((lo >> 40) | 1);
    emu_mem_access(cpu, base + (selector & ~7u) + 5, 1, ACC_WRITE | ACC_SYS, &type_byte);
}

int emu_seg_load_data(struct emu_cpu *cpu, enum emu_seg seg, uint16_t selector)
{
    unsigned rpl = selector & 3;
    struct cpu_segment s;
    if (!(cpu->cr0 & CR0_PE)) {
        /* real mode: base = selector * 16; limit and attributes stay (SDM vol. 3A, 20.1.1) */
        cpu->seg[seg].selector = selector;
        cpu->seg[seg].base = (uint64_t)selector << 4;
        emu_cpu_update_mode(cpu);
        return EMU_NEXT;
    }
    if ((selector & ~3u) == 0) {
        if (seg == SEG_SS && (cpu->cpl == 3 || rpl != cpu->cpl || !(cpu->efer & EFER_LMA)))
            return emu_raise_gp0(cpu);
        s = (struct cpu_segment){
            .selector = selector, .unusable = 1, .dpl = seg == SEG_SS ? (uint8_t)cpu->cpl : 0};
        if (seg == SEG_SS) /* 64-bit mode: a usable flat stack */
            s = (struct cpu_segment){.selector = selector,
                                     .type = 3,
                                     .s = 1,
                                     .present = 1,
                                     .dpl = (uint8_t)cpu->cpl,
                                     .db = 1,
                                     .g = 1,
                                     .limit = 0xffffffff};
        cpu->seg[seg] = s;
        emu_cpu_update_mode(cpu);
        return EMU_NEXT;
    }
    uint64_t lo, hi;
    int st = emu_seg_read_desc(cpu, selector, false, 0, &lo, &hi);
    if (st)
        return st;
    emu_seg_unpack(lo, 0, selector, &s);
    bool code = s.type & DESC_CODE;
    if (seg == SEG_SS) {
        if (rpl != cpu->cpl || !s.s || code || !(s.type & DESC_WRITABLE) || s.dpl != cpu->cpl)
            return emu_raise_err(cpu, EXC_GP, selector & ~3u);
        if (!s.present)
            return emu_raise_err(cpu, EXC_SS, selector & ~3u);
    } else {
        if (!s.s || (code && !(s.type & DESC_READABLE)))
            return emu_raise_err(cpu, EXC_GP, selector & ~3u);
        if ((!code || !(s.type & DESC_CONFORMING)) && (rpl > s.dpl || cpu->cpl > s.dpl))
            return emu_raise_err(cpu, EXC_GP, selector & ~3u);
        if (!s.present)
            return emu_raise_err(cpu, EXC_NP, selector & ~3u);
    }
    emu_seg_set_accessed(cpu, selector, lo);
    s.type |= DESC_ACCESSED;
    cpu->seg[seg] = s;
    emu_cpu_update_mode(cpu);
    return EMU_NEXT;
}

int emu_seg_check_code(struct emu_cpu *cpu, uint16_t selector, uint32_t ext,
                       struct cpu_segment *out)
{
    if ((selector & ~3u) == 0)
        return emu_raise_err(cpu, EXC_GP, ext);
    uint64_t lo, hi;
    int st = emu_seg_read_desc(cpu, selector, false, ext, &lo, &hi);
    if (st)
        return st;
    emu_seg_unpack(lo, 0, selector, out);
    if (!(cpu->efer & EFER_LMA))
        out->l = 0;
    if (!out->s || !(out->type & DESC_CODE) || (out->l && out->db))
        return emu_raise_err(cpu, EXC_GP, (selector & ~3u) | ext);
    if (!out->present)
        return emu_raise_err(cpu, EXC_NP, (selector & ~3u) | ext);
    emu_seg_set_accessed(cpu, selector, lo);
    out->type |= DESC_ACCESSED;
    return EMU_NEXT;
}

void emu_seg_set_cs(struct emu_cpu *cpu, const struct cpu_segment *cs)
{
    cpu->seg[SEG_CS] = *cs;
    emu_cpu_update_mode(cpu);
}

void emu_seg_null_ss(struct emu_cpu *cpu, unsigned rpl)
{
    cpu->seg[SEG_SS] = (struct cpu_segment){.selector = (uint16_t)rpl,
                                            .type = 3,
                                            .s = 1,
                                            .present = 1,
                                            .dpl = (uint8_t)rpl,
                                            .db = 1,
                                            .g = 1,
                                            .limit = 0xffffffff};
}

/* Privilege rules for a same-level far JMP/CALL target (SDM vol. 3A, 5.8.1). */
int emu_seg_check_same_level(struct emu_cpu *cpu, uint16_t sel, struct cpu_segment *cs)
{
    int st = emu_seg_check_code(cpu, sel, 0, cs);
    if (st)
        return st;
    bool conforming = cs->type & DESC_CONFORMING;
    if (conforming ? cs->dpl > cpu->cpl : ((sel & 3) > cpu->cpl || cs->dpl != cpu->cpl))
        return emu_raise_err(cpu, EXC_GP, sel & ~3u);
    cs->selector = (uint16_t)((sel & ~3u) | cpu->cpl);
    return EMU_NEXT;
}
