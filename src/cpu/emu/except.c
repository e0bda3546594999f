// SPDX-License-Identifier: Apache-2.0
/*
 * except.c - exception and interrupt delivery in long mode (SDM vol. 3A,
 * 6.14): 16-byte IDT gates, privilege change with the TSS RSPn stacks and
 * the interrupt stack table (6.14.5), the 64-bit frame SS:RSP, RFLAGS,
 * CS:RIP and error code, and the double/triple fault rules (6.15, table 6-5).
 */
#include "cpu/emu/except.h"

#include "cpu/emu/flags.h"
#include "cpu/emu/mem.h"
#include "cpu/emu/raise.h"
#include "cpu/emu/seg.h"
#include "machine/machine.h"
#include "util/log.h"

/* The TSS's 64-bit stack pointer at offset off (RSPn at 4 + 8n, ISTn at 0x1c + 8n). */
static int tss_stack(struct emu_cpu *cpu, unsigned off, uint32_t ext, uint64_t *rsp)
{
    if (cpu->tr.unusable || off + 7 > cpu->tr.limit)
        return emu_raise_err(cpu, EXC_TS, (cpu->tr.selector & ~3u) | ext);
    *rsp = 0;
    return emu_mem_access(cpu, cpu->tr.base + off, 8, ACC_READ | ACC_SYS, rsp);
}

int emu_deliver_event(struct emu_cpu *cpu, uint8_t vector, enum emu_event_kind kind, bool has_error,
                      uint32_t error, uint64_t return_rip)
{
    if (unlikely(!(cpu->efer & EFER_LMA)))
        return emu_deliver_event_legacy(cpu, vector, kind, has_error, error, return_rip);
    uint32_t ext = kind != EVENT_SOFTWARE;
    uint32_t idt_err = vector * 8u + 2u + ext;
    if (vector * 16u + 15u > cpu->idt.limit)
        return emu_raise_err(cpu, EXC_GP, idt_err);
    uint64_t gate[2] = {0, 0};
    int st = emu_mem_access(cpu, cpu->idt.base + vector * 16u, 16, ACC_READ | ACC_SYS, gate);
    if (st)
        return st;
    unsigned type = (gate[0] >> 40) & 0x1f; /* S bit included: must be 0 */
    unsigned gate_dpl = (gate[0] >> 45) & 3;
    if (type != SYS_INT_GATE && type != SYS_TRAP_GATE)
        return emu_raise_err(cpu, EXC_GP, idt_err);
    if (kind == EVENT_SOFTWARE && gate_dpl < cpu->cpl)
        return emu_raise_err(cpu, EXC_GP, idt_err);
    if (!((gate[0] >> 47) & 1))
        return emu_raise_err(cpu, EXC_NP, idt_err);
    uint16_t selector = (uint16_t)(gate[0] >> 16);
    uint64_t target = (gate[0] & 0xffff) | ((gate[0] >> 32) & 0xffff0000ull) | (gate[1] << 32);
    unsigned ist = (gate[0] >> 32) & 7;

    struct cpu_segment cs;
    st = emu_seg_check_code(cpu, selector, ext, &cs);
    if (st)
        return st;
    if (!cs.l || cs.dpl > cpu->cpl) /* long-mode gates lead to 64-bit code */
        return emu_raise_err(cpu, EXC_GP, (selector & ~3u) | ext);
    unsigned new_cpl = (cs.type & DESC_CONFORMING) ? cpu->cpl : cs.dpl;

    uint64_t rsp = cpu->r[CPU_RSP];
    if (ist)
        st = tss_stack(cpu, 0x1c + 8 * ist, ext, &rsp);
    else if (new_cpl < cpu->cpl)
        st = tss_stack(cpu, 4 + 8 * new_cpl, ext, &rsp);
    if (st)
        return st;
    if (!is_canonical(rsp))
        return emu_raise_err(cpu, EXC_SS, ext);
    if (!is_canonical(target))
        return emu_raise_err(cpu, EXC_GP, ext);
    rsp &= ~0xfull;

    uint64_t frame[6];
    unsigned n = 0;
    if (has_error)
        frame[n++] = error;
    frame[n++] = return_rip;
    frame[n++] = cpu->seg[SEG_CS].selector;
    frame[n++] = emu_rflags(cpu);
    frame[n++] = cpu->r[CPU_RSP];
    frame[n++] = cpu->seg[SEG_SS].selector;
    rsp -= 8 * n;
    unsigned acc = ACC_WRITE | ACC_STACK | (new_cpl < 3 ? ACC_SYS : 0);
    st = emu_mem_access(cpu, rsp, 8 * n, acc, frame);
    if (st)
        return st;

    if (vector == EXC_PF && kind == EVENT_EXCEPTION)
        cpu->cr2 = cpu->exc.cr2;
    if (new_cpl != cpu->cpl)
        emu_seg_null_ss(cpu, new_cpl);
    cs.selector = (uint16_t)((selector & ~3u) | new_cpl);
    emu_flags_materialize(cpu);
    cpu->rflags &= ~(FL_TF | FL_NT | FL_RF | FL_VM);
    if (type == SYS_INT_GATE)
        cpu->rflags &= ~FL_IF;
    cpu->r[CPU_RSP] = rsp;
    RIP(cpu) = target;
    emu_seg_set_cs(cpu, &cs);
    return EMU_JUMP;
}

enum fault_class { BENIGN, CONTRIBUTORY, PAGE_FAULT };

static enum fault_class classify(uint8_t vector)
{
    switch (vector) {
    case EXC_DE:
    case EXC_TS:
    case EXC_NP:
    case EXC_SS:
    case EXC_GP: return CONTRIBUTORY;
    case EXC_PF: return PAGE_FAULT;
    default: return BENIGN;
    }
}

bool emu_deliver_exception(struct emu_cpu *cpu)
{
    struct emu_exception e = cpu->exc;
    for (;;) {
        if (emu_deliver_event(cpu, e.vector, EVENT_EXCEPTION, e.has_error, e.error, RIP(cpu)) ==
            EMU_JUMP)
            return true;
        struct emu_exception second = cpu->exc;
        if (e.vector == EXC_DF) {
            log__msg("guest reset (triple fault)");
            machine__stop(cpu->m, MACHINE_STOP_RESET, 0);
            return false;
        }
        enum fault_class first = classify(e.vector), next = classify(second.vector);
        if ((first == CONTRIBUTORY && next == CONTRIBUTORY) ||
            (first == PAGE_FAULT && next != BENIGN))
            e = (struct emu_exception){.vector = EXC_DF, .has_error = true, .error = 0};
        else
            e = second;
        cpu->exc = e;
    }
}
