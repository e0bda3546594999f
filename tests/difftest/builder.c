// SPDX-License-Identifier: Apache-2.0
/* builder.c - Zydis-encoded code sequences with flag bookkeeping (see builder.h). */
#include "builder.h"

#include <string.h>

#include "machine/vcpu.h"
#include "flags.h"

void builder__start(struct builder *b, struct dt_case *c)
{
    b->c = c;
    b->last_landing = 0;
    c->code_len = 0;
    c->ninsns = 0;
    c->insn_offset[0] = 0;
    c->undefined[0] = 0;
    ZydisDecoderInit(&b->decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
}

void builder__truncate(struct builder *b, unsigned n)
{
    if (n < b->c->ninsns) {
        b->c->ninsns = n;
        b->c->code_len = b->c->insn_offset[n];
    }
}

/* The count a shift or rotate will use, before masking; -1 if not known now. */
static int shift_count(const struct builder *b, const ZydisDecodedInstruction *insn,
                       const ZydisDecodedOperand *ops)
{
    const ZydisDecodedOperand *count = &ops[insn->operand_count_visible - 1];
    if (count->type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
        return (int)(count->imm.value.u & 0xff);
    if (count->type == ZYDIS_OPERAND_TYPE_REGISTER && count->reg.value == ZYDIS_REGISTER_CL &&
        b->c->ninsns == 0)
        return (int)(b->c->in.gpr[CPU_RCX] & 0xff);
    return -1;
}

bool builder__add(struct builder *b, const ZydisEncoderRequest *req)
{
    uint8_t bytes[ZYDIS_MAX_INSTRUCTION_LENGTH];
    ZyanUSize len = sizeof(bytes);
    return ZYAN_SUCCESS(ZydisEncoderEncodeInstruction(req, bytes, &len)) &&
           builder__bytes(b, bytes, (unsigned)len);
}

bool builder__bytes(struct builder *b, const uint8_t *bytes, unsigned len)
{
    struct dt_case *c = b->c;
    if (c->ninsns == DT_MAX_INSNS || c->code_len + len > DT_MAX_CODE_LEN)
        return false;

    ZydisDecodedInstruction insn;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&b->decoder, bytes, len, &insn, ops)) ||
        insn.length != len)
        return false;

    struct flag_effect fx;
    int count = flags__counted(insn.mnemonic) ? shift_count(b, &insn, ops) : -1;
    flags__effect(&insn, count, &fx);
    uint32_t undefined = c->undefined[c->ninsns];
    if ((fx.read & undefined) || fx.result_undefined)
        return false;

    memcpy(c->code + c->code_len, bytes, len);
    c->code_len += len;
    b->effect[c->ninsns] = fx;
    c->ninsns++;
    c->insn_offset[c->ninsns] = (uint16_t)c->code_len;
    c->undefined[c->ninsns] = (undefined & ~fx.written) | fx.undefined;
    return true;
}

bool builder__raw(struct builder *b, const uint8_t *bytes, unsigned len)
{
    struct dt_case *c = b->c;
    if (c->ninsns == DT_MAX_INSNS || c->code_len + len > DT_MAX_CODE_LEN)
        return false;
    memcpy(c->code + c->code_len, bytes, len);
    c->code_len += len;
    b->effect[c->ninsns] = (struct flag_effect){0};
    c->ninsns++;
    c->insn_offset[c->ninsns] = (uint16_t)c->code_len;
    c->undefined[c->ninsns] = c->undefined[c->ninsns - 1];
    return true;
}

int builder__branch(struct builder *b, const ZydisEncoderRequest *req)
{
    unsigned i = b->c->ninsns;
    return builder__add(b, req) ? (int)i : -1;
}

/* Sets the relative target of branch instruction i to code offset target; false if out of reach. */
static bool aim_branch(struct builder *b, unsigned i, uint32_t target)
{
    struct dt_case *c = b->c;
    const uint8_t *bytes = c->code + c->insn_offset[i];
    unsigned len = c->insn_offset[i + 1] - c->insn_offset[i];
    ZydisDecodedInstruction insn;
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&b->decoder, NULL, bytes, len, &insn)) ||
        !insn.raw.imm[0].is_relative)
        return false;

    int64_t rel = (int64_t)target - c->insn_offset[i + 1];
    uint8_t *field = c->code + c->insn_offset[i] + insn.raw.imm[0].offset;
    if (insn.raw.imm[0].size == 8) {
        if (rel > 127 || rel < -128)
            return false;
        field[0] = (uint8_t)rel;
    } else {
        int32_t rel32 = (int32_t)rel;
        memcpy(field, &rel32, 4);
    }
    return true;
}

bool builder__land(struct builder *b, unsigned branch)
{
    struct dt_case *c = b->c;
    if (!aim_branch(b, branch, c->code_len))
        return false;
    c->undefined[c->ninsns] |= c->undefined[branch + 1];
    b->last_landing = c->ninsns;
    return true;
}

/* The undefined flags after instructions [from, to) of the case, starting from `undefined`. */
static uint32_t flow(const struct builder *b, unsigned from, unsigned to, uint32_t undefined)
{
    for (unsigned i = from; i < to; i++)
        undefined = (undefined & ~b->effect[i].written) | b->effect[i].undefined;
    return undefined;
}

bool builder__loop(struct builder *b, unsigned head)
{
    struct dt_case *c = b->c;
    unsigned back = c->ninsns - 1;
    if (b->last_landing > head || head >= back || !aim_branch(b, back, c->insn_offset[head]))
        return false;

    /* Flags undefined at the head on some trip: the least fixpoint, reached within 8 rounds. */
    uint32_t entry = c->undefined[head], at_head = entry;
    for (int round = 0; round < 8; round++)
        at_head = entry | flow(b, head, c->ninsns, at_head);

    uint32_t undefined = at_head;
    for (unsigned i = head; i < c->ninsns; i++) {
        if (b->effect[i].read & undefined)
            return false;
        c->undefined[i] = undefined;
        undefined = flow(b, i, i + 1, undefined);
    }
    c->undefined[c->ninsns] = undefined;
    return true;
}

void builder__patch_imm32(struct builder *b, unsigned i, uint32_t value)
{
    memcpy(b->c->code + b->c->insn_offset[i + 1] - 4, &value, 4);
}

bool builder__aim_rip(struct builder *b, unsigned i, uint64_t target)
{
    struct dt_case *c = b->c;
    uint8_t *bytes = c->code + c->insn_offset[i];
    unsigned len = c->insn_offset[i + 1] - c->insn_offset[i];
    ZydisDecodedInstruction insn;
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&b->decoder, NULL, bytes, len, &insn)) ||
        insn.raw.disp.size != 32)
        return false;
    int32_t disp = (int32_t)(target - (DT_CODE_ADDR + c->insn_offset[i + 1]));
    memcpy(bytes + insn.raw.disp.offset, &disp, 4);
    return true;
}

bool builder__insn(struct builder *b, ZydisMnemonic mnemonic, ZydisInstructionAttributes prefixes,
                   unsigned nops, const ZydisEncoderOperand *ops)
{
    ZydisEncoderRequest req;
    memset(&req, 0, sizeof(req));
    req.machine_mode = ZYDIS_MACHINE_MODE_LONG_64;
    req.mnemonic = mnemonic;
    req.prefixes = prefixes;
    req.operand_count = (ZyanU8)nops;
    memcpy(req.operands, ops, nops * sizeof(*ops));
    return builder__add(b, &req);
}

ZydisEncoderOperand op_reg(ZydisRegister reg)
{
    return (ZydisEncoderOperand){.type = ZYDIS_OPERAND_TYPE_REGISTER, .reg.value = reg};
}

ZydisEncoderOperand op_imm(int64_t value)
{
    return (ZydisEncoderOperand){.type = ZYDIS_OPERAND_TYPE_IMMEDIATE, .imm.s = value};
}

ZydisEncoderOperand op_mem(ZydisRegister base, ZydisRegister index, uint8_t scale, int64_t disp,
                           unsigned size)
{
    return (ZydisEncoderOperand){
        .type = ZYDIS_OPERAND_TYPE_MEMORY,
        .mem = {.base = base, .index = index, .scale = scale, .displacement = disp, .size = size},
    };
}

ZydisRegister gpr_reg(unsigned index, unsigned width)
{
    static const ZydisRegister high8[4] = {ZYDIS_REGISTER_AH, ZYDIS_REGISTER_CH, ZYDIS_REGISTER_DH,
                                           ZYDIS_REGISTER_BH};
    static const ZydisRegister low8[16] = {
        ZYDIS_REGISTER_AL,   ZYDIS_REGISTER_CL,   ZYDIS_REGISTER_DL,   ZYDIS_REGISTER_BL,
        ZYDIS_REGISTER_SPL,  ZYDIS_REGISTER_BPL,  ZYDIS_REGISTER_SIL,  ZYDIS_REGISTER_DIL,
        ZYDIS_REGISTER_R8B,  ZYDIS_REGISTER_R9B,  ZYDIS_REGISTER_R10B, ZYDIS_REGISTER_R11B,
        ZYDIS_REGISTER_R12B, ZYDIS_REGISTER_R13B, ZYDIS_REGISTER_R14B, ZYDIS_REGISTER_R15B,
    };
    static const ZydisRegister first[] = {
        [16] = ZYDIS_REGISTER_AX, [32] = ZYDIS_REGISTER_EAX, [64] = ZYDIS_REGISTER_RAX};

    if (width == 8)
        return index >= 16 ? high8[index - 16] : low8[index];
    /* AX..R15W, EAX..R15D and RAX..R15 are each contiguous in enum cpu_gpr order. */
    return (ZydisRegister)(first[width] + index);
}
