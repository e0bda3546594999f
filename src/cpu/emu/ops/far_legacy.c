// SPDX-License-Identifier: Apache-2.0
/*
 * far_legacy.c - far control transfers of 16/32-bit code (SDM vol. 2,
 * "JMP", "CALL", "RET", "IRET"; vol. 3A, 5.8): JMP and CALL through a
 * ptr16:16/ptr16:32 immediate or an m16:16/m16:32 pointer, far RET and
 * IRET. In real mode CS is loaded as a paragraph (base = selector * 16);
 * in protected and compatibility mode the target is any code segment at
 * the same privilege level, 64-bit code included: this is how the far jump
 * after setting CR0.PE or EFER.LMA switches the decoding mode. Call gates,
 * task switches, returns to an outer privilege level and virtual-8086 mode
 * are not implemented: they raise #GP with a log line.
 */
#include "cpu/emu/ops/ops.h"
#include "cpu/emu/seg.h"
#include "util/log.h"

static int not_implemented(struct emu_cpu *cpu, const char *what)
{
    log_ratelimited("emu: %s is not implemented (rip %#llx): #GP", what,
                    (unsigned long long)RIP(cpu));
    return emu_raise_gp0(cpu);
}

/* The CS a far JMP/CALL to sel loads. */
static int far_target(struct emu_cpu *cpu, uint16_t sel, struct cpu_segment *cs)
{
    if (!(cpu->cr0 & CR0_PE)) {
        *cs = cpu->seg[SEG_CS];
        cs->selector = sel;
        cs->base = (uint64_t)sel << 4;
        return EMU_NEXT;
    }
    return emu_seg_check_same_level(cpu, sel, cs);
}

static int commit_far(struct emu_cpu *cpu, const struct emu_insn *i, struct cpu_segment *cs,
                      uint64_t off)
{
    emu_seg_set_cs(cpu, cs);
    RIP(cpu) = cs->l ? off : off & ip_mask(i->size);
    return EMU_JUMP;
}

/* The far pointer of i: the immediate (cc = 1: offset in imm, selector in disp) or memory. */
static int far_pointer(struct emu_cpu *cpu, const struct emu_insn *i, uint64_t *off, uint16_t *sel)
{
    if (i->cc) {
        *off = i->imm;
        *sel = (uint16_t)i->disp;
        return EMU_NEXT;
    }
    uint64_t ea = insn_ea(cpu, i), s = 0;
    int st = mem_read(cpu, ea, i->size, acc_of_seg(i->seg), off);
    if (!st)
        st = mem_read(cpu, ea + i->size, 2, acc_of_seg(i->seg), &s);
    *sel = (uint16_t)s;
    return st;
}

HANDLER(JMP_Ap)
{
    uint64_t off;
    uint16_t sel;
    struct cpu_segment cs;
    int st = far_pointer(cpu, i, &off, &sel);
    if (!st)
        st = far_target(cpu, sel, &cs);
    return st ? st : commit_far(cpu, i, &cs, off);
}

HANDLER(CALL_Ap)
{
    uint64_t off, sp = cpu->r[CPU_RSP];
    uint16_t sel;
    struct cpu_segment cs;
    int st = far_pointer(cpu, i, &off, &sel);
    if (!st)
        st = far_target(cpu, sel, &cs);
    if (!st)
        st = stack_push(cpu, i->size, cpu->seg[SEG_CS].selector);
    if (!st)
        st = stack_push(cpu, i->size, (RIP(cpu) + i->len) & ip_mask(i->size));
    if (st) {
        cpu->r[CPU_RSP] = sp;
        return st;
    }
    return commit_far(cpu, i, &cs, off);
}

bool emu_select_legacy_far(struct emu_insn *insn, const struct emu_decoded *d, bool call)
{
    const ZydisDecodedOperand *op = &d->op[0];
    insn->size = (uint8_t)(d->zi->operand_width / 8);
    if (insn->size != 2 && insn->size != 4)
        return false;
    if (op->type == ZYDIS_OPERAND_TYPE_POINTER) {
        insn->imm = op->ptr.offset;
        insn->disp = op->ptr.segment;
        insn->cc = 1;
    } else if (!op_is_mem(op) || !dec_mem(insn, d, op)) {
        return false;
    }
    insn->fn = call ? CALL_Ap : JMP_Ap;
    return true;
}

/* The CS a far RET/IRET returns to; only the same privilege level in protected mode. */
static int return_target(struct emu_cpu *cpu, uint16_t sel, struct cpu_segment *cs)
{
    if (!(cpu->cr0 & CR0_PE))
        return far_target(cpu, sel, cs);
    if ((sel & 3) > cpu->cpl)
        return not_implemented(cpu, "a far return to an outer privilege level");
    if ((sel & 3) < cpu->cpl)
        return emu_raise_err(cpu, EXC_GP, sel & ~3u);
    return emu_seg_check_same_level(cpu, sel, cs);
}

HANDLER(RETF_l)
{
    unsigned size = i->size;
    uint64_t off, sel;
    struct cpu_segment cs;
    int st = stack_peek(cpu, 0, size, &off);
    if (!st)
        st = stack_peek(cpu, size, size, &sel);
    if (!st)
        st = return_target(cpu, (uint16_t)sel, &cs);
    if (st)
        return st;
    stack_set_sp(cpu, cpu->r[CPU_RSP] + 2 * size + i->imm);
    return commit_far(cpu, i, &cs, off);
}

bool emu_select_legacy_far_ret(struct emu_insn *insn, const struct emu_decoded *d)
{
    insn->size = (uint8_t)(d->zi->operand_width / 8);
    if (insn->size != 2 && insn->size != 4)
        return false;
    insn->imm = d->nops > 0 && op_is_imm(&d->op[0]) ? d->op[0].imm.value.u & 0xffff : 0;
    insn->fn = RETF_l;
    return true;
}

/* IRET in real mode and protected mode (not IA-32e mode: far.c's IRETQ does that). */
HANDLER(IRET_l)
{
    unsigned size = i->size;
    if ((cpu->cr0 & CR0_PE) && (cpu->rflags & FL_NT))
        return not_implemented(cpu, "a task return (IRET with NT)");
    uint64_t off, sel, flags;
    struct cpu_segment cs;
    int st = stack_peek(cpu, 0, size, &off);
    if (!st)
        st = stack_peek(cpu, size, size, &sel);
    if (!st)
        st = stack_peek(cpu, 2 * size, size, &flags);
    if (st)
        return st;
    if ((cpu->cr0 & CR0_PE) && size == 4 && (flags & FL_VM))
        return not_implemented(cpu, "virtual-8086 mode");
    if ((st = return_target(cpu, (uint16_t)sel, &cs)))
        return st;
    stack_set_sp(cpu, cpu->r[CPU_RSP] + 3 * size);
    emu_flags_popf_load(cpu, flags, size);
    cpu->nmi_blocked = false; /* IRET ends NMI blocking (SDM vol. 3A, 6.7.1) */
    return commit_far(cpu, i, &cs, off);
}

bool emu_select_legacy_iret(struct emu_insn *insn, const struct emu_decoded *d)
{
    insn->size = (uint8_t)(d->zi->operand_width / 8);
    if (insn->size != 2 && insn->size != 4)
        return false;
    insn->fn = IRET_l;
    return true;
}
