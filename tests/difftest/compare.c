// SPDX-License-Identifier: Apache-2.0
/* compare.c - judging and printing the two outcomes of a case (see compare.h). */
#include "compare.h"

#include <Zydis/Zydis.h>
#include <string.h>

#include "corners.h"

/* #PF error code bits compared: P, W/R, U/S, RSVD, I/D */
#define PF_ERROR_COMPARED   0x1fu
#define PF_ERROR_P          0x1u
#define LINUX_TASK_SIZE_MAX 0x7ffffffff000ull /* x86-64, 4-level paging */
#define MAX_BYTES_SHOWN     16

static const char *const gpr_names[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
};

static const struct {
    uint32_t bit;
    const char *name;
} flag_names[] = {
    {DT_CF, "CF"}, {DT_PF, "PF"}, {DT_AF, "AF"}, {DT_ZF, "ZF"},
    {DT_SF, "SF"}, {DT_DF, "DF"}, {DT_OF, "OF"},
};

uint32_t compare__flags_mask(const struct dt_case *c, const struct dt_outcome *ref)
{
    if (ref->vector < 0)
        return DT_FLAGS_COMPARED & ~c->undefined[c->ninsns];
    for (unsigned i = 0; i < c->ninsns; i++)
        if (DT_CODE_ADDR + c->insn_offset[i] == ref->regs.rip)
            return DT_FLAGS_COMPARED & ~c->undefined[i];
    return DT_FLAGS_COMPARED;
}

/* Decodes the instruction of c at rip; false if rip is not the start of one. */
static bool insn_at(const struct dt_case *c, uint64_t rip, ZydisDecodedInstruction *insn,
                    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT])
{
    for (unsigned i = 0; i < c->ninsns; i++) {
        if (DT_CODE_ADDR + c->insn_offset[i] != rip)
            continue;
        ZydisDecoder decoder;
        ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
        return ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, c->code + c->insn_offset[i],
                                                   c->insn_offset[i + 1] - c->insn_offset[i], insn,
                                                   ops));
    }
    return false;
}

/* An x87 instruction that writes memory (FST, FISTP, FBSTP, FNSTENV, ...). */
static bool is_x87_store(const ZydisDecodedInstruction *insn, const ZydisDecodedOperand *ops)
{
    if (insn->meta.isa_set != ZYDIS_ISA_SET_X87)
        return false;
    for (unsigned k = 0; k < insn->operand_count; k++)
        if (ops[k].type == ZYDIS_OPERAND_TYPE_MEMORY &&
            (ops[k].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
            return true;
    return false;
}

static bool is_cmps_scas(ZydisMnemonic m)
{
    switch (m) {
    case ZYDIS_MNEMONIC_CMPSB:
    case ZYDIS_MNEMONIC_CMPSW:
    case ZYDIS_MNEMONIC_CMPSD:
    case ZYDIS_MNEMONIC_CMPSQ:
    case ZYDIS_MNEMONIC_SCASB:
    case ZYDIS_MNEMONIC_SCASW:
    case ZYDIS_MNEMONIC_SCASD:
    case ZYDIS_MNEMONIC_SCASQ: return true;
    default: return false;
    }
}

/*
 * The vendor-specific corners of an exception (corners.h), masked in d unless
 * this host is the model's reference: an x87 store the host suppressed
 * without checking its address, the bytes before the page boundary of a
 * split x87 store that faulted, the CR2 of a MASKMOV fault, the flags of a
 * REPE/REPNE CMPS/SCAS that faulted part-way.
 */
static void mask_fault_corners(const struct dt_case *c, const struct dt_outcome *ref,
                               const struct dt_outcome *got, struct diff *d)
{
    ZydisDecodedInstruction insn;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    bool got_bad_address =
        got->vector == 12 || got->vector == 13 ||
        (got->vector == 14 && (got->cr2 < DT_DATA_ADDR || got->cr2 >= DT_DATA_END));
    if (got_bad_address && (ref->vector != got->vector || d->rip) &&
        !corners__compared(CORNER_X87_SUPPRESSED_STORE) && insn_at(c, got->regs.rip, &insn, ops) &&
        is_x87_store(&insn, ops)) {
        /* the host went on past the store at a bad address: it was suppressed unchecked */
        d->corner = true;
        return;
    }
    if (ref->vector < 0 || got->vector < 0 || d->rip)
        return;
    if (d->vector || !insn_at(c, ref->regs.rip, &insn, ops))
        return;
    if (ref->vector == 14 && !d->fault_detail && (ref->cr2 & 0xfff) == 0 &&
        ref->cr2 > DT_DATA_ADDR && ref->cr2 <= DT_DATA_END && is_x87_store(&insn, ops) &&
        !corners__compared(CORNER_X87_SPLIT_STORE)) {
        /* the part of a split store before the faulting page may have been written */
        d->skip_from = ref->cr2 - DT_DATA_ADDR - 16;
        d->skip_to = ref->cr2 - DT_DATA_ADDR;
    }
    if ((insn.mnemonic == ZYDIS_MNEMONIC_MASKMOVDQU || insn.mnemonic == ZYDIS_MNEMONIC_MASKMOVQ) &&
        ref->vector == 14 && !corners__compared(CORNER_MASKMOV_CR2))
        d->fault_detail = (ref->error_code ^ got->error_code) & PF_ERROR_COMPARED;
    if (is_cmps_scas(insn.mnemonic) &&
        (insn.attributes & (ZYDIS_ATTRIB_HAS_REPE | ZYDIS_ATTRIB_HAS_REPNE)) &&
        !corners__compared(CORNER_REP_FAULT_FLAGS))
        d->flags_mask &= ~DT_FLAGS_STATUS;
}

bool compare__outcomes(const struct dt_case *c, const struct dt_outcome *ref,
                       const struct dt_outcome *got, struct diff *d)
{
    memset(d, 0, sizeof(*d));
    d->not_judged = got->note[0] != 0;
    d->vector = ref->vector != got->vector;
    d->rip = ref->regs.rip != got->regs.rip;
    if (ref->vector == 14 && got->vector == 14) {
        uint32_t compared = PF_ERROR_COMPARED;
        /* Linux reports a user fault on the page at TASK_SIZE_MAX (the top of the lower half,
           never mapped for the user) as a protection fault, whatever the CPU said
           (arch/x86/mm/fault.c): the host's P bit is the kernel's there, not the CPU's. */
        if (ref->cr2 >= LINUX_TASK_SIZE_MAX && ref->cr2 < 0x800000000000ull)
            compared &= ~PF_ERROR_P;
        d->fault_detail = ref->cr2 != got->cr2 || ((ref->error_code ^ got->error_code) & compared);
    }
    for (int i = 0; i < 16; i++)
        if (ref->regs.gpr[i] != got->regs.gpr[i])
            d->gprs |= (uint16_t)(1u << i);
    d->flags_mask = compare__flags_mask(c, ref);
    mask_fault_corners(c, ref, got, d);
    if (d->corner)
        return !d->not_judged;
    d->flags = (uint32_t)(ref->regs.rflags ^ got->regs.rflags) & d->flags_mask;
    if (memcmp(ref->data, got->data, DT_DATA_SIZE))
        for (size_t i = 0; i < DT_DATA_SIZE; i++)
            d->nbytes += ref->data[i] != got->data[i] && (i < d->skip_from || i >= d->skip_to);
    return !d->not_judged && !d->vector && !d->rip && !d->fault_detail && !d->gprs && !d->flags &&
           !d->nbytes;
}

static void print_flags(FILE *out, uint64_t rflags)
{
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
        if (rflags & flag_names[i].bit)
            fprintf(out, " %s", flag_names[i].name);
}

static void print_code(FILE *out, const struct dt_case *c)
{
    for (unsigned i = 0; i < c->ninsns; i++) {
        const uint8_t *bytes = c->code + c->insn_offset[i];
        unsigned len = c->insn_offset[i + 1] - c->insn_offset[i];
        uint64_t addr = DT_CODE_ADDR + c->insn_offset[i];
        char hex[3 * ZYDIS_MAX_INSTRUCTION_LENGTH + 1] = "";
        for (unsigned j = 0; j < len; j++)
            snprintf(hex + 3 * j, 4, "%02x ", bytes[j]);
        ZydisDisassembledInstruction insn;
        const char *text =
            ZYAN_SUCCESS(ZydisDisassembleIntel(ZYDIS_MACHINE_MODE_LONG_64, addr, bytes, len, &insn))
                ? insn.text
                : "(bad)";
        fprintf(out, "    %08llx  %-36s %s\n", (unsigned long long)addr, hex, text);
    }
}

static void print_end(FILE *out, const char *name, const struct dt_outcome *o)
{
    fprintf(out, "  %-6s ended at rip=%016llx", name, (unsigned long long)o->regs.rip);
    if (o->vector >= 0)
        fprintf(out, " with exception %d", o->vector);
    if (o->vector == 14)
        fprintf(out, " (cr2=%llx error=%#x)", (unsigned long long)o->cr2, o->error_code);
    if (o->note[0])
        fprintf(out, " [%s]", o->note);
    fputc('\n', out);
}

static void print_memory(FILE *out, const struct dt_outcome *ref, const char *ref_name,
                         const struct dt_outcome *got, const char *got_name, unsigned nbytes)
{
    fprintf(out, "  data: %u bytes differ:\n", nbytes);
    unsigned shown = 0;
    for (size_t i = 0; i < DT_DATA_SIZE && shown < MAX_BYTES_SHOWN; i++) {
        if (ref->data[i] == got->data[i])
            continue;
        fprintf(out, "    %08llx: %s %02x, %s %02x\n", (unsigned long long)(DT_DATA_ADDR + i),
                ref_name, ref->data[i], got_name, got->data[i]);
        shown++;
    }
}

void compare__print(FILE *out, const struct dt_case *c, const char *title,
                    const struct dt_outcome *ref, const char *ref_name,
                    const struct dt_outcome *got, const char *got_name, const struct diff *d)
{
    fprintf(out, "FAIL case %llu: %s\n", (unsigned long long)c->number, title);
    print_code(out, c);
    fprintf(out, "  input:\n");
    for (int i = 0; i < 16; i++)
        fprintf(out, "%s%-3s=%016llx%s", i % 4 ? "  " : "    ", gpr_names[i],
                (unsigned long long)c->in.gpr[i], i % 4 == 3 ? "\n" : "");
    fprintf(out, "    rflags=%llx:", (unsigned long long)c->in.rflags);
    print_flags(out, c->in.rflags);
    fputc('\n', out);
    for (unsigned i = 0; i < c->npatches; i++) {
        fprintf(out, "    data %08llx:", (unsigned long long)(DT_DATA_ADDR + c->patches[i].offset));
        for (unsigned j = 0; j < c->patches[i].len; j++)
            fprintf(out, " %02x", c->patches[i].bytes[j]);
        fputc('\n', out);
    }

    print_end(out, ref_name, ref);
    print_end(out, got_name, got);
    fprintf(out, "           %-16s   %-16s\n", ref_name, got_name);
    for (int i = 0; i < 16; i++)
        fprintf(out, "    %-4s   %016llx   %016llx%s\n", gpr_names[i],
                (unsigned long long)ref->regs.gpr[i], (unsigned long long)got->regs.gpr[i],
                d->gprs & (1u << i) ? "   <<" : "");
    fprintf(out, "    rflags %016llx   %016llx%s\n", (unsigned long long)ref->regs.rflags,
            (unsigned long long)got->regs.rflags, d->flags ? "   <<" : "");
    fprintf(out, "    flags compared:");
    print_flags(out, d->flags_mask);
    if (d->flags) {
        fprintf(out, "; differing:");
        print_flags(out, d->flags);
    }
    fputc('\n', out);
    if (d->nbytes)
        print_memory(out, ref, ref_name, got, got_name, d->nbytes);
}
