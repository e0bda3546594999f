// SPDX-License-Identifier: Apache-2.0
/*
 * decode.c - Zydis 4 decoding into struct emu_insn (see decode.h): operand
 * normalization (registers, effective addresses, immediates), prefix flags,
 * and the mnemonic -> selector table built from the family tables in ops/.
 */
#include "cpu/emu/decode.h"

#include "cpu/emu/raise.h"
#include "util/log.h"

static const struct emu_opdef *optable[ZYDIS_MNEMONIC_MAX_VALUE + 1];
/* Zydis names two instructions MOVSD and CMPSD (string and SSE2): the other definition of a
 * mnemonic, tried when the first one's selector declines. */
static const struct emu_opdef *optable_alt[ZYDIS_MNEMONIC_MAX_VALUE + 1];

static const struct emu_opdef *const family_tables[] = {
    emu_ops_alu,
    emu_ops_shift,
    emu_ops_muldiv,
    emu_ops_bit,
    emu_ops_move,
    emu_ops_stack,
    emu_ops_branch,
    emu_ops_string,
    emu_ops_atomic,
    emu_ops_flagops,
    emu_ops_misc,
    emu_ops_system,
    emu_ops_interrupt,
    emu_ops_io,
    emu_ops_fpu,
    emu_ops_far,
    emu_ops_descriptor,
    emu_ops_legacy,
    emu_ops_x87_load_store,
    emu_ops_x87_arith,
    emu_ops_x87_compare,
    emu_ops_x87_transcendental,
    emu_ops_x87_env,
    emu_ops_sse_move,
    emu_ops_sse_int,
    emu_ops_sse_logic,
    emu_ops_sse_shuffle,
    emu_ops_sse_shift,
    emu_ops_sse_fp,
    emu_ops_sse_cvt,
    emu_ops_sse_comi,
    emu_ops_sse3,
    emu_ops_ssse3,
    emu_ops_sse41_int,
    emu_ops_sse41_blend,
    emu_ops_sse41_fp,
    emu_ops_sse42,
    emu_ops_sse42_string,
    emu_ops_bmi2,
    emu_ops_movbe_adx,
    emu_ops_aes_pclmul,
    emu_ops_rand_pid,
    emu_ops_fsgsbase,
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void build_optable(void)
{
    for (size_t t = 0; t < sizeof(family_tables) / sizeof(family_tables[0]); t++)
        for (const struct emu_opdef *d = family_tables[t]; d->select; d++) {
            optable_alt[d->mnemonic] = optable[d->mnemonic];
            optable[d->mnemonic] = d;
        }
}

void emu_decode_init(void)
{
    pthread_once(&init_once, build_optable);
}

int emu_decode_init_cpu(struct emu_cpu *cpu)
{
    static const ZydisStackWidth widths[] = {ZYDIS_STACK_WIDTH_16, ZYDIS_STACK_WIDTH_32};
    for (unsigned zm = 0; zm <= ZYDIS_MACHINE_MODE_MAX_VALUE; zm++)
        for (unsigned s32 = 0; s32 < 2; s32++) {
            ZydisStackWidth w =
                zm == ZYDIS_MACHINE_MODE_LONG_64 ? ZYDIS_STACK_WIDTH_64 : widths[s32];
            if (ZYAN_FAILED(
                    ZydisDecoderInit(&cpu->decoder[EMU_MODE(zm, s32)], (ZydisMachineMode)zm, w)))
                return -1;
        }
    return 0;
}

int dec_gpr(ZydisRegister r)
{
    if (r >= ZYDIS_REGISTER_AL && r <= ZYDIS_REGISTER_BL)
        return (r - ZYDIS_REGISTER_AL) * 8;
    if (r >= ZYDIS_REGISTER_AH && r <= ZYDIS_REGISTER_BH)
        return (r - ZYDIS_REGISTER_AH) * 8 + 1;
    if (r >= ZYDIS_REGISTER_SPL && r <= ZYDIS_REGISTER_R15B)
        return (r - ZYDIS_REGISTER_SPL + 4) * 8;
    if (r >= ZYDIS_REGISTER_AX && r <= ZYDIS_REGISTER_R15W)
        return r - ZYDIS_REGISTER_AX;
    if (r >= ZYDIS_REGISTER_EAX && r <= ZYDIS_REGISTER_R15D)
        return r - ZYDIS_REGISTER_EAX;
    if (r >= ZYDIS_REGISTER_RAX && r <= ZYDIS_REGISTER_R15)
        return r - ZYDIS_REGISTER_RAX;
    return -1;
}

/* Base or index register of an address: a GPR, RIP, or none. */
static int dec_addr_reg(ZydisRegister r)
{
    if (r == ZYDIS_REGISTER_RIP || r == ZYDIS_REGISTER_EIP)
        return EMU_REG_RIP;
    if (r == ZYDIS_REGISTER_NONE)
        return EMU_REG_ZERO;
    ZydisRegisterClass c = ZydisRegisterGetClass(r);
    if (c != ZYDIS_REGCLASS_GPR64 && c != ZYDIS_REGCLASS_GPR32 && c != ZYDIS_REGCLASS_GPR16)
        return -1;
    return dec_gpr(r);
}

int dec_sreg(ZydisRegister r)
{
    if (r >= ZYDIS_REGISTER_ES && r <= ZYDIS_REGISTER_GS)
        return r - ZYDIS_REGISTER_ES;
    return -1;
}

unsigned dec_addr_flags(const struct emu_decoded *d)
{
    return d->zi->address_width == 32 ? INSN_ADDR32 : d->zi->address_width == 16 ? INSN_ADDR16 : 0;
}

int dec_xmm(ZydisRegister r)
{
    return r >= ZYDIS_REGISTER_XMM0 && r <= ZYDIS_REGISTER_XMM15 ? (int)(r - ZYDIS_REGISTER_XMM0)
                                                                 : -1;
}

int dec_mmx(ZydisRegister r)
{
    return r >= ZYDIS_REGISTER_MM0 && r <= ZYDIS_REGISTER_MM7 ? (int)(r - ZYDIS_REGISTER_MM0) : -1;
}

int dec_size_index(unsigned bytes)
{
    switch (bytes) {
    case 1: return 0;
    case 2: return 1;
    case 4: return 2;
    case 8: return 3;
    default: return -1;
    }
}

bool dec_mem(struct emu_insn *insn, const struct emu_decoded *d, const ZydisDecodedOperand *op)
{
    const ZydisDecodedOperandMem *m = &op->mem;
    int base = dec_addr_reg(m->base), index = dec_addr_reg(m->index), seg = dec_sreg(m->segment);
    if (base < 0 || index < 0 || index == EMU_REG_RIP)
        return false;
    if (seg < 0)
        seg = SEG_DS;
    int64_t disp = m->disp.value;
    if (base == EMU_REG_RIP)
        disp += d->zi->length; /* RIP-relative is relative to the next instruction */
    if (disp != (int32_t)disp)
        return false;
    insn->base = (uint8_t)base;
    insn->index = (uint8_t)index;
    insn->scale = m->scale == 8 ? 3 : m->scale == 4 ? 2 : m->scale == 2 ? 1 : 0;
    insn->disp = (int32_t)disp;
    insn->seg = (uint8_t)seg;
    insn->flags |= dec_addr_flags(d);
    return true;
}

bool emu_select_binary(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    const struct emu_binary_forms *f = arg;
    if (d->nops < 2)
        return false;
    const ZydisDecodedOperand *dst = &d->op[0], *src = &d->op[1];
    int s = dec_size_index(dst->size / 8);
    if (s < 0)
        return false;
    insn->size = (uint8_t)(dst->size / 8);
    if (op_is_reg(dst)) {
        int r = dec_gpr(dst->reg.value);
        if (r < 0)
            return false;
        insn->reg = (uint8_t)r;
        if (op_is_reg(src)) {
            int rs = dec_gpr(src->reg.value);
            if (rs < 0)
                return false;
            insn->rm = (uint8_t)rs;
            insn->fn = f->rr[s];
        } else if (op_is_mem(src)) {
            if (!dec_mem(insn, d, src))
                return false;
            insn->fn = f->rm[s];
        } else if (op_is_imm(src)) {
            insn->imm = src->imm.value.u;
            insn->fn = f->ri[s];
        } else {
            return false;
        }
    } else if (op_is_mem(dst)) {
        if (!dec_mem(insn, d, dst))
            return false;
        if (op_is_reg(src)) {
            int rs = dec_gpr(src->reg.value);
            if (rs < 0)
                return false;
            insn->rm = (uint8_t)rs;
            insn->fn = f->mr[s];
        } else if (op_is_imm(src)) {
            insn->imm = src->imm.value.u;
            insn->fn = f->mi[s];
        } else {
            return false;
        }
    } else {
        return false;
    }
    return insn->fn != NULL;
}

bool emu_select_unary(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    const struct emu_unary_forms *f = arg;
    if (d->nops < 1)
        return false;
    const ZydisDecodedOperand *op = &d->op[0];
    int s = dec_size_index(op->size / 8);
    if (s < 0)
        return false;
    insn->size = (uint8_t)(op->size / 8);
    if (d->nops > 1 && op_is_imm(&d->op[1]))
        insn->imm = d->op[1].imm.value.u;
    if (op_is_reg(op)) {
        int r = dec_gpr(op->reg.value);
        if (r < 0)
            return false;
        insn->reg = (uint8_t)r;
        insn->fn = f->r[s];
    } else if (op_is_mem(op)) {
        if (!dec_mem(insn, d, op))
            return false;
        insn->fn = f->m[s];
    }
    return insn->fn != NULL;
}

bool emu_select_fixed(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    for (unsigned k = 0; k < d->nops; k++)
        if (op_is_imm(&d->op[k]))
            insn->imm = d->op[k].imm.value.u;
    insn->size = (uint8_t)(d->zi->operand_width / 8);
    insn->fn = (emu_handler)arg;
    return true;
}

int emu_op_invalid(struct emu_cpu *cpu, const struct emu_insn *i)
{
    (void)i;
    return emu_raise(cpu, EXC_UD);
}

int emu_op_unimplemented(struct emu_cpu *cpu, const struct emu_insn *i)
{
    return emu_raise_unimplemented(cpu, i);
}

int emu_op_restart(struct emu_cpu *cpu, const struct emu_insn *i)
{
    (void)cpu;
    (void)i;
    return EMU_RESTART;
}

enum emu_decode_result emu_decode_insn(struct emu_cpu *cpu, const uint8_t *bytes, size_t avail,
                                       struct emu_insn *insn, bool *ends_block)
{
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    memset(insn, 0, sizeof(*insn));
    insn->base = insn->index = EMU_REG_ZERO;
    insn->seg = SEG_DS;
    *ends_block = true;

    ZyanStatus status = ZydisDecoderDecodeFull(&cpu->decoder[cpu->mode], bytes, avail, &zi, ops);
    if (status == ZYDIS_STATUS_NO_MORE_DATA && avail < ZYDIS_MAX_INSTRUCTION_LENGTH)
        return DECODE_NEED_MORE;
    if (!ZYAN_SUCCESS(status)) {
        insn->fn = emu_op_invalid;
        insn->len = 1;
        return DECODE_OK;
    }

    insn->len = zi.length;
    insn->mnemonic = (uint16_t)zi.mnemonic;
    if (zi.attributes & ZYDIS_ATTRIB_HAS_LOCK)
        insn->flags |= INSN_LOCK;
    if (zi.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE))
        insn->flags |= INSN_REP;
    if (zi.attributes & ZYDIS_ATTRIB_HAS_REPNE)
        insn->flags |= INSN_REPNE;

    const struct emu_opdef *def = optable[zi.mnemonic];
    struct emu_decoded d = {.zi = &zi, .op = ops, .nops = zi.operand_count_visible};
    const struct emu_insn fresh = *insn;
    bool selected = def && def->select(insn, &d, def->arg);
    if (!selected && optable_alt[zi.mnemonic]) {
        def = optable_alt[zi.mnemonic];
        *insn = fresh;
        selected = def->select(insn, &d, def->arg);
    }
    if (!selected) {
        uint8_t len = insn->len;
        uint16_t mnemonic = insn->mnemonic;
        memset(insn, 0, sizeof(*insn));
        insn->len = len;
        insn->mnemonic = mnemonic;
        insn->fn = emu_op_unimplemented;
        return DECODE_OK;
    }
    *ends_block = (def->flags & OPF_BRANCH) || (insn->flags & INSN_ENDS);
    return DECODE_OK;
}
