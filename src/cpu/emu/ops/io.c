// SPDX-License-Identifier: Apache-2.0
/*
 * io.c - port I/O: IN, OUT, INS, OUTS (with REP) to the machine's port
 * bus, with the protection check of SDM vol. 1, 19.5: above IOPL the TSS
 * I/O permission bitmap decides. OUT ends the block, since a device may
 * have stopped the machine.
 */
#include "cpu/emu/ops/ops.h"
#include "machine/machine.h"

static int io_allowed(struct emu_cpu *cpu, uint16_t port, unsigned size)
{
    if (cpu->cpl <= ((cpu->rflags & FL_IOPL) >> 12))
        return EMU_NEXT;
    uint64_t base = 0, bits = 0;
    if (cpu->tr.unusable || cpu->tr.limit < 0x67)
        return emu_raise_gp0(cpu);
    if (emu_mem_access(cpu, cpu->tr.base + 0x66, 2, ACC_READ | ACC_SYS, &base))
        return EMU_FAULT;
    uint64_t at = base + port / 8;
    if (at + 1 > cpu->tr.limit)
        return emu_raise_gp0(cpu);
    if (emu_mem_access(cpu, cpu->tr.base + at, 2, ACC_READ | ACC_SYS, &bits))
        return EMU_FAULT;
    if ((bits >> (port & 7)) & ((1u << size) - 1))
        return emu_raise_gp0(cpu);
    return EMU_NEXT;
}

static inline uint16_t port_of(const struct emu_cpu *cpu, const struct emu_insn *i)
{
    return i->cc ? (uint16_t)cpu->r[CPU_RDX] : (uint16_t)i->imm;
}

HANDLER(IN)
{
    uint16_t port = port_of(cpu, i);
    int st = io_allowed(cpu, port, i->size);
    if (st)
        return st;
    uint64_t v;
    bus__read(&cpu->m->pio, port, i->size, &v);
    reg_set(cpu, CPU_RAX, i->size, v);
    return EMU_NEXT;
}

HANDLER(OUT)
{
    uint16_t port = port_of(cpu, i);
    int st = io_allowed(cpu, port, i->size);
    if (st)
        return st;
    bus__write(&cpu->m->pio, port, i->size, reg_get(cpu, CPU_RAX, i->size));
    RIP(cpu) += i->len;
    return EMU_JUMP;
}

static bool select_in_out(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    bool out = arg != NULL;
    const ZydisDecodedOperand *data = &d->op[out ? 1 : 0], *port = &d->op[out ? 0 : 1];
    insn->size = (uint8_t)(data->size / 8);
    insn->cc = op_is_reg(port); /* port in DX */
    insn->imm = op_is_imm(port) ? port->imm.value.u & 0xff : 0;
    insn->fn = out ? OUT : IN;
    return dec_size_index(insn->size) >= 0 && insn->size <= 4;
}

/* One INS/OUTS element; i->cc = 1 for OUTS. */
static int ins_outs_one(struct emu_cpu *cpu, const struct emu_insn *i)
{
    uint16_t port = (uint16_t)cpu->r[CPU_RDX];
    unsigned size = i->size;
    int64_t step = (cpu->rflags & FL_DF) ? -(int64_t)size : (int64_t)size;
    int st = io_allowed(cpu, port, size);
    if (st)
        return st;
    uint64_t v;
    if (i->cc) {
        st = mem_read(cpu, addr_reg_get(cpu, i, CPU_RSI) + cpu->ea_base[i->seg], size,
                      acc_of_seg(i->seg), &v);
        if (st)
            return st;
        bus__write(&cpu->m->pio, port, size, v);
        addr_reg_set(cpu, i, CPU_RSI, cpu->r[CPU_RSI] + step);
    } else {
        /* probe the destination first so that a fault does not lose the port read */
        uint64_t dst = addr_reg_get(cpu, i, CPU_RDI) + cpu->ea_base[SEG_ES];
        struct emu_rmw m;
        if ((st = mem_rmw_begin(cpu, dst, size, 0, &m)))
            return st;
        bus__read(&cpu->m->pio, port, size, &v);
        mem_rmw_store(cpu, &m, v);
        addr_reg_set(cpu, i, CPU_RDI, cpu->r[CPU_RDI] + step);
    }
    return EMU_NEXT;
}

HANDLER(INS_OUTS)
{
    if (!(i->flags & (INSN_REP | INSN_REPNE)))
        return ins_outs_one(cpu, i);
    uint64_t n = addr_reg_get(cpu, i, CPU_RCX);
    if (n == 0) {
        RIP(cpu) += i->len;
        return EMU_JUMP;
    }
    for (; n; n--) {
        int st = ins_outs_one(cpu, i);
        if (st) {
            addr_reg_set(cpu, i, CPU_RCX, n);
            return st;
        }
    }
    addr_reg_set(cpu, i, CPU_RCX, 0);
    RIP(cpu) += i->len;
    return EMU_JUMP;
}

static bool select_ins_outs(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    insn->cc = arg != NULL;
    insn->seg = SEG_DS;
    insn->size = 0;
    for (unsigned k = 0; k < d->zi->operand_count; k++)
        if (op_is_mem(&d->op[k])) {
            insn->size = (uint8_t)(d->op[k].size / 8);
            int seg = dec_sreg(d->op[k].mem.segment);
            if (insn->cc && seg >= 0)
                insn->seg = (uint8_t)seg;
        }
    insn->flags |= dec_addr_flags(d);
    insn->fn = INS_OUTS;
    return insn->size >= 1 && insn->size <= 4;
}

const struct emu_opdef emu_ops_io[] = {
    {ZYDIS_MNEMONIC_IN, select_in_out, NULL, 0},
    {ZYDIS_MNEMONIC_OUT, select_in_out, "out", OPF_BRANCH},
    {ZYDIS_MNEMONIC_INSB, select_ins_outs, NULL, OPF_BRANCH},
    {ZYDIS_MNEMONIC_INSW, select_ins_outs, NULL, OPF_BRANCH},
    {ZYDIS_MNEMONIC_INSD, select_ins_outs, NULL, OPF_BRANCH},
    {ZYDIS_MNEMONIC_OUTSB, select_ins_outs, "out", OPF_BRANCH},
    {ZYDIS_MNEMONIC_OUTSW, select_ins_outs, "out", OPF_BRANCH},
    {ZYDIS_MNEMONIC_OUTSD, select_ins_outs, "out", OPF_BRANCH},
    {0},
};
