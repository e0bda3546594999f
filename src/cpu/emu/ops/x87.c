// SPDX-License-Identifier: Apache-2.0
/*
 * x87.c - how the emu engine executes x87 FPU instructions: on the host's
 * own x87 unit (guest and host are both x86-64).
 *
 * For each instruction the guest's x87 state (the FXSAVE64 image in
 * cpu->fx, guest control word included) is loaded into the host FPU, the
 * very same instruction is executed there by a stub of x87_host.S (a
 * memory operand is redirected to a host buffer that holds the guest's
 * bytes), and the resulting state is read back. The host therefore
 * computes every result, rounding (FCW.RC and FCW.PC), C0-C3, tag and TOP
 * change, stack overflow/underflow (IE+SF, C1), NaN propagation, denormal
 * handling, transcendental and partial-remainder result exactly as the
 * reference CPU does, including the responses to unmasked exceptions
 * (nothing written on #I/#D/#Z, biased results on #O/#U, SDM vol. 1,
 * 8.5). The emulator adds what the host run cannot know:
 *   - #NM, and #MF at waiting instructions while an unmasked exception is
 *     pending (emu_x87_enter);
 *   - the sticky exception flags: the host run starts with them clear so
 *     that nothing is pending on the host, and they are merged back;
 *   - guest memory: operands are read before the run; a store is written
 *     after it, unless an unmasked exception other than #P suppressed it
 *     (then write access is still checked: a #PF has priority, as on the
 *     CPU), and a fault leaves the state as it was (precise exceptions);
 *   - FOP, FIP and FDP, and RFLAGS for FCOMI/FCMOVcc.
 * The environment instructions (FLDENV, FSTENV, FSAVE, FRSTOR: x87_env.c)
 * and the housekeeping (fpu.c) are done in software.
 */
#include "cpu/emu/ops/x87.h"

#include "cpu/emu/cpuid.h"
#include "util/log.h"

int emu_x87_pending(struct emu_cpu *cpu)
{
    if (likely(!(fx16(cpu->fx, FX_FSW) & FSW_ES)))
        return EMU_NEXT;
    if (cpu->cr0 & CR0_NE)
        return emu_raise(cpu, EXC_MF);
    log_ratelimited("emu: pending x87 exception with CR0.NE=0 at rip %#llx: ignored",
                    (unsigned long long)RIP(cpu));
    return EMU_NEXT;
}

int emu_x87_enter(struct emu_cpu *cpu, bool waiting)
{
    if (unlikely(cpu->cr0 & (CR0_EM | CR0_TS)))
        return emu_raise(cpu, EXC_NM);
    return waiting ? emu_x87_pending(cpu) : EMU_NEXT;
}

/* insn->imm: stub index in bits 0..15, FOP in bits 16..26. */
#define IMM_FOP_SHIFT 16

void emu_x87_set_pointers(struct emu_cpu *cpu, const struct emu_insn *i, bool mem)
{
    fx16_set(cpu->fx, FX_FOP, (uint16_t)(i->imm >> IMM_FOP_SHIFT));
    fx64_set(cpu->fx, FX_FIP, RIP(cpu));
    if (mem)
        fx64_set(cpu->fx, FX_FDP, insn_offset(cpu, i));
}

struct host_run {
    uint8_t img[512] __attribute__((aligned(16)));
    uint64_t rflags;
};

static void run_on_host(struct emu_cpu *cpu, const struct emu_insn *i, void *mem,
                        struct host_run *r)
{
    memcpy(r->img, cpu->fx, FX_X87_BYTES);
    fx16_set(r->img, FX_FSW, fx16(cpu->fx, FX_FSW) & ~(FSW_EXC | FSW_SF | FSW_ES | FSW_B));
    emu_x87_host_run(r->img, emu_x87_stubs + 4 * (i->imm & 0xffff), mem, &r->rflags);
}

/* The exception flags the run raised that the guest leaves unmasked. */
static uint16_t unmasked_raised(const struct emu_cpu *cpu, const struct host_run *r)
{
    return fx16(r->img, FX_FSW) & ~fx16(cpu->fx, FX_FCW) & FSW_EXC;
}

static void commit(struct emu_cpu *cpu, const struct emu_insn *i, const struct host_run *r,
                   bool mem)
{
    uint16_t sticky = fx16(cpu->fx, FX_FSW) & (FSW_EXC | FSW_SF);
    fx16_set(cpu->fx, FX_FSW, fx16(r->img, FX_FSW) | sticky);
    cpu->fx[FX_FTW] = r->img[FX_FTW];
    memcpy(cpu->fx + FX_ST0, r->img + FX_ST0, FX_X87_BYTES - FX_ST0);
    x87_update_es(cpu);
    emu_x87_set_pointers(cpu, i, mem);
}

#define RUN_FLAGS (FL_CF | FL_PF | FL_ZF)

static int run_reg(struct emu_cpu *cpu, const struct emu_insn *i, uint64_t rflags_in,
                   struct host_run *r)
{
    int st = emu_x87_enter(cpu, true);
    if (st)
        return st;
    r->rflags = rflags_in | FL_IF | FL_FIXED;
    run_on_host(cpu, i, NULL, r);
    commit(cpu, i, r, false);
    return EMU_NEXT;
}

/* Register forms: FADD ST(0), ST(i), FLD ST(i), FXCH, FSIN, ... */
HANDLER(X87_ST)
{
    struct host_run r;
    return run_reg(cpu, i, 0, &r);
}

/* FCOMI, FCOMIP, FUCOMI, FUCOMIP: ZF, PF, CF from the comparison; OF, SF, AF cleared. */
HANDLER(X87_ST_to_rflags)
{
    struct host_run r;
    int st = run_reg(cpu, i, 0, &r);
    if (st)
        return st;
    emu_flags_materialize(cpu);
    cpu->rflags = (cpu->rflags & ~FL_ARITH) | (r.rflags & RUN_FLAGS);
    return EMU_NEXT;
}

/* FCMOVcc: the condition is evaluated by the host on the guest's ZF, PF, CF. */
HANDLER(X87_ST_from_rflags)
{
    struct host_run r;
    return run_reg(cpu, i, emu_rflags(cpu) & RUN_FLAGS, &r);
}

/* Memory operand read: FLD m, FILD, FBLD, FADD m, FICOM, ... (insn->size bytes). */
HANDLER(X87_M_read)
{
    struct host_run r;
    uint8_t buf[16];
    uint64_t ea = insn_ea(cpu, i);
    unsigned acc = acc_of_seg(i->seg);
    int st = emu_x87_enter(cpu, true);
    if (!st)
        st = mem_check_align(cpu, ea, operand_align(i->size), acc);
    if (!st)
        st = emu_mem_access(cpu, ea, i->size, ACC_READ | acc, buf);
    if (st)
        return st;
    r.rflags = FL_IF | FL_FIXED;
    run_on_host(cpu, i, buf, &r);
    commit(cpu, i, &r, true);
    return EMU_NEXT;
}

/* Memory operand written: FST m, FIST, FISTTP, FBSTP, FSTP m80. */
HANDLER(X87_M_write)
{
    struct host_run r;
    uint8_t buf[16];
    int st = emu_x87_enter(cpu, true);
    if (st)
        return st;
    r.rflags = FL_IF | FL_FIXED;
    run_on_host(cpu, i, buf, &r);
    uint64_t ea = insn_ea(cpu, i);
    unsigned acc = acc_of_seg(i->seg);
    if (unmasked_raised(cpu, &r) & ~FSW_PE) {
        struct emu_rmw probe; /* nothing stored, but write access is checked first */
        st = mem_rmw_begin(cpu, ea, i->size, acc, &probe);
    } else {
        st = mem_check_align(cpu, ea, operand_align(i->size), acc);
        if (!st)
            st = emu_mem_access(cpu, ea, i->size, ACC_WRITE | acc, buf);
    }
    if (st)
        return st;
    commit(cpu, i, &r, true);
    return EMU_NEXT;
}

/* FISTTP belongs to SSE3: without it in the CPU model, the opcode is invalid. */
static bool has_sse3(const struct emu_cpu *cpu)
{
    uint32_t id[4];
    emu_cpuid(cpu, 1, 0, id);
    return id[2] & 1;
}

HANDLER(X87_M_write_sse3)
{
    return has_sse3(cpu) ? X87_M_write(cpu, i) : emu_raise(cpu, EXC_UD);
}

const struct x87_forms x87_forms_read = {X87_ST, X87_M_read};
const struct x87_forms x87_forms_write = {X87_ST, X87_M_write};
const struct x87_forms x87_forms_fcomi = {X87_ST_to_rflags, NULL};
const struct x87_forms x87_forms_fcmov = {X87_ST_from_rflags, NULL};
const struct x87_forms x87_forms_sse3_write = {NULL, X87_M_write_sse3};

/* FOP: the low 3 bits of the opcode byte, then the ModRM byte (SDM vol. 1, 8.1.9). */
static bool x87_encoding(const struct emu_decoded *d, uint16_t *fop, bool *reg_form)
{
    const ZydisDecodedInstruction *zi = d->zi;
    if (zi->opcode < 0xd8 || zi->opcode > 0xdf || !(zi->attributes & ZYDIS_ATTRIB_HAS_MODRM))
        return false;
    unsigned modrm = (zi->raw.modrm.mod << 6) | (zi->raw.modrm.reg << 3) | zi->raw.modrm.rm;
    *fop = (uint16_t)(((zi->opcode & 7) << 8) | modrm);
    *reg_form = zi->raw.modrm.mod == 3;
    return true;
}

static const ZydisDecodedOperand *memory_operand(const struct emu_decoded *d)
{
    for (unsigned k = 0; k < d->nops; k++)
        if (op_is_mem(&d->op[k]))
            return &d->op[k];
    return NULL;
}

bool emu_x87_select(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    const struct x87_forms *f = arg;
    uint16_t fop;
    bool reg_form;
    if (!x87_encoding(d, &fop, &reg_form))
        return false;
    unsigned opcode = d->zi->opcode - 0xd8u;
    if (reg_form) {
        insn->fn = f->reg;
        insn->imm = opcode * 64 + (fop & 63u);
    } else {
        const ZydisDecodedOperand *m = memory_operand(d);
        if (!m || !dec_mem(insn, d, m))
            return false;
        insn->fn = f->mem;
        insn->size = (uint8_t)(m->size / 8);
        insn->imm = 512 + opcode * 8 + d->zi->raw.modrm.reg;
    }
    insn->imm |= (uint64_t)fop << IMM_FOP_SHIFT;
    return insn->fn != NULL;
}

bool emu_x87_select_mem(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    uint16_t fop;
    bool reg_form;
    const ZydisDecodedOperand *m = memory_operand(d);
    if (!x87_encoding(d, &fop, &reg_form) || reg_form || !m || !dec_mem(insn, d, m))
        return false;
    insn->fn = (emu_handler)arg;
    insn->size = (uint8_t)(m->size / 8);
    insn->imm = (uint64_t)fop << IMM_FOP_SHIFT;
    return true;
}
