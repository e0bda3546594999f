// SPDX-License-Identifier: Apache-2.0
/*
 * except_legacy.c - interrupt and exception delivery outside IA-32e mode:
 * through the real-mode interrupt vector table (SDM vol. 3A, 20.1.4: push
 * FLAGS, CS, IP; CS:IP from the 4-byte vector) and through 8-byte
 * protected-mode IDT gates (6.10-6.12: 16- and 32-bit interrupt and trap
 * gates, the stack switch to SS0:ESP0 of a 32-bit TSS on a privilege
 * change). Task gates and virtual-8086 mode are not implemented (#GP).
 * A fault while delivering is returned to emu_deliver_exception, which
 * escalates to #DF and a triple fault as in long mode.
 */
#include "cpu/emu/except_legacy.h"

#include "cpu/emu/flags.h"
#include "cpu/emu/mem.h"
#include "cpu/emu/raise.h"
#include "cpu/emu/seg.h"
#include "util/log.h"

#define SYS_INT_GATE16  0x6
#define SYS_TRAP_GATE16 0x7

/* Pushes n words of size bytes below sp; words[0] lands lowest, at the new top. */
static int push_frame(struct emu_cpu *cpu, uint64_t ss_base, uint64_t sp, uint64_t sp_mask,
                      const uint32_t *words, unsigned n, unsigned size, unsigned acc,
                      uint64_t *new_sp)
{
    uint8_t buf[6 * 4];
    for (unsigned k = 0; k < n; k++)
        memcpy(buf + k * size, &words[k], size);
    uint64_t top = (sp - n * size) & sp_mask;
    int st = emu_mem_access(cpu, ss_base + top, n * size, ACC_WRITE | ACC_STACK | acc, buf);
    *new_sp = top;
    return st;
}

static void set_sp(struct emu_cpu *cpu, uint64_t sp, uint64_t mask)
{
    cpu->r[CPU_RSP] = (cpu->r[CPU_RSP] & ~mask) | (sp & mask);
}

/* Real mode: the IVT at IDTR.base, 4 bytes per vector. */
static int deliver_real(struct emu_cpu *cpu, uint8_t vector, uint64_t return_ip)
{
    if (vector * 4u + 3u > cpu->idt.limit)
        return emu_raise_err(cpu, EXC_GP, 0);
    uint32_t far_ptr = 0;
    int st = emu_mem_access(cpu, cpu->idt.base + vector * 4u, 4, ACC_READ | ACC_SYS, &far_ptr);
    if (st)
        return st;
    uint64_t mask = cpu->seg[SEG_SS].db ? 0xffffffffull : 0xffffull, sp;
    uint32_t frame[3] = {(uint32_t)return_ip & 0xffff, cpu->seg[SEG_CS].selector,
                         (uint32_t)emu_rflags(cpu) & 0xffff};
    st = push_frame(cpu, cpu->seg[SEG_SS].base, cpu->r[CPU_RSP], mask, frame, 3, 2, ACC_SYS, &sp);
    if (st)
        return st;
    set_sp(cpu, sp, mask);
    emu_flags_materialize(cpu);
    cpu->rflags &= ~(FL_IF | FL_TF | FL_AC | FL_RF);
    struct cpu_segment cs = cpu->seg[SEG_CS];
    cs.selector = (uint16_t)(far_ptr >> 16);
    cs.base = (uint64_t)cs.selector << 4;
    emu_seg_set_cs(cpu, &cs);
    RIP(cpu) = far_ptr & 0xffff;
    return EMU_JUMP;
}

/* SS:ESP for CPL new_cpl from the 32-bit TSS (SS0 at 8, ESP0 at 4, 8 bytes apart). */
static int inner_stack(struct emu_cpu *cpu, unsigned new_cpl, uint32_t ext, struct cpu_segment *ss,
                       uint32_t *esp)
{
    unsigned off = 4 + 8 * new_cpl;
    if (cpu->tr.unusable || off + 5 > cpu->tr.limit)
        return emu_raise_err(cpu, EXC_TS, (cpu->tr.selector & ~3u) | ext);
    uint8_t buf[6];
    int st = emu_mem_access(cpu, cpu->tr.base + off, 6, ACC_READ | ACC_SYS, buf);
    if (st)
        return st;
    uint16_t sel;
    memcpy(esp, buf, 4);
    memcpy(&sel, buf + 4, 2);
    uint64_t lo, hi;
    if ((sel & ~3u) == 0)
        return emu_raise_err(cpu, EXC_TS, ext);
    if ((st = emu_seg_read_desc(cpu, sel, false, ext, &lo, &hi)))
        return st;
    emu_seg_unpack(lo, 0, sel, ss);
    if ((sel & 3) != new_cpl || ss->dpl != new_cpl || !ss->s || (ss->type & DESC_CODE) ||
        !(ss->type & DESC_WRITABLE))
        return emu_raise_err(cpu, EXC_TS, (sel & ~3u) | ext);
    if (!ss->present)
        return emu_raise_err(cpu, EXC_SS, (sel & ~3u) | ext);
    return EMU_NEXT;
}

/* Protected mode: 8-byte gates (SDM vol. 3A, 6.11 and 6.12.1). */
static int deliver_protected(struct emu_cpu *cpu, uint8_t vector, enum emu_event_kind kind,
                             bool has_error, uint32_t error, uint64_t return_ip)
{
    uint32_t ext = kind != EVENT_SOFTWARE;
    uint32_t idt_err = vector * 8u + 2u + ext;
    if (vector * 8u + 7u > cpu->idt.limit)
        return emu_raise_err(cpu, EXC_GP, idt_err);
    uint64_t gate = 0;
    int st = emu_mem_access(cpu, cpu->idt.base + vector * 8u, 8, ACC_READ | ACC_SYS, &gate);
    if (st)
        return st;
    unsigned type = (gate >> 40) & 0x1f, gate_dpl = (gate >> 45) & 3;
    bool gate32 = type == SYS_INT_GATE || type == SYS_TRAP_GATE;
    if (!gate32 && type != SYS_INT_GATE16 && type != SYS_TRAP_GATE16) {
        if (type == 0x5)
            log_ratelimited("emu: task gates are not implemented (vector %u): #GP", vector);
        return emu_raise_err(cpu, EXC_GP, idt_err);
    }
    if (kind == EVENT_SOFTWARE && gate_dpl < cpu->cpl)
        return emu_raise_err(cpu, EXC_GP, idt_err);
    if (!((gate >> 47) & 1))
        return emu_raise_err(cpu, EXC_NP, idt_err);
    uint16_t selector = (uint16_t)(gate >> 16);
    uint32_t target = (uint32_t)((gate & 0xffff) | ((gate >> 32) & 0xffff0000ull));
    if (!gate32)
        target &= 0xffff;

    struct cpu_segment cs, ss = cpu->seg[SEG_SS];
    if ((st = emu_seg_check_code(cpu, selector, ext, &cs)))
        return st;
    if (cs.dpl > cpu->cpl)
        return emu_raise_err(cpu, EXC_GP, (selector & ~3u) | ext);
    unsigned new_cpl = (cs.type & DESC_CONFORMING) ? cpu->cpl : cs.dpl;

    unsigned size = gate32 ? 4 : 2;
    uint64_t sp = cpu->r[CPU_RSP];
    bool inner = new_cpl < cpu->cpl;
    if (inner) {
        uint32_t esp;
        if ((st = inner_stack(cpu, new_cpl, ext, &ss, &esp)))
            return st;
        sp = esp;
    }
    uint32_t frame[6];
    unsigned n = 0;
    if (has_error)
        frame[n++] = error;
    frame[n++] = (uint32_t)return_ip;
    frame[n++] = cpu->seg[SEG_CS].selector;
    frame[n++] = (uint32_t)emu_rflags(cpu);
    if (inner) {
        frame[n++] = (uint32_t)cpu->r[CPU_RSP];
        frame[n++] = cpu->seg[SEG_SS].selector;
    }
    uint64_t mask = ss.db ? 0xffffffffull : 0xffffull;
    if ((st = push_frame(cpu, ss.base, sp, mask, frame, n, size, new_cpl < 3 ? ACC_SYS : 0, &sp)))
        return st;
    if (vector == EXC_PF && kind == EVENT_EXCEPTION)
        cpu->cr2 = cpu->exc.cr2;

    cpu->seg[SEG_SS] = ss;
    set_sp(cpu, sp, inner ? ~0ull : mask);
    emu_flags_materialize(cpu);
    cpu->rflags &= ~(FL_TF | FL_NT | FL_RF | FL_VM);
    if (type == SYS_INT_GATE || type == SYS_INT_GATE16)
        cpu->rflags &= ~FL_IF;
    cs.selector = (uint16_t)((selector & ~3u) | new_cpl);
    RIP(cpu) = target;
    emu_seg_set_cs(cpu, &cs);
    return EMU_JUMP;
}

int emu_deliver_event_legacy(struct emu_cpu *cpu, uint8_t vector, enum emu_event_kind kind,
                             bool has_error, uint32_t error, uint64_t return_rip)
{
    if (!(cpu->cr0 & CR0_PE))
        return deliver_real(cpu, vector, return_rip);
    return deliver_protected(cpu, vector, kind, has_error, error, return_rip);
}
