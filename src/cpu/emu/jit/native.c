// SPDX-License-Identifier: Apache-2.0
/*
 * native.c - the handlers the translator emits host code for (see
 * native.h): an open-addressing table from handler address to what it
 * does, built once from the ALU, MOV, LEA, PUSH and POP form tables of
 * ops/ and from template branches decoded in 64-bit mode. MOV's forms are
 * reached through MOVNTI's table entry, which shares them (ops/move.c).
 */
#include "cpu/emu/jit/native.h"

#include <stdlib.h>

#include "cpu/emu/decode.h"
#include "cpu/emu/flags.h"

#define NATIVE_BITS 10

struct entry {
    emu_handler fn;
    struct jit_native what;
};

static struct entry table[1u << NATIVE_BITS];
static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool init_ok;

static unsigned slot_of(emu_handler fn)
{
    uint64_t h = (uint64_t)(uintptr_t)fn * 0x9E3779B97F4A7C15ull;
    return (unsigned)(h >> (64 - NATIVE_BITS));
}

static void add(emu_handler fn, struct jit_native what)
{
    if (!fn)
        return;
    unsigned s = slot_of(fn);
    while (table[s].fn && table[s].fn != fn)
        s = (s + 1) & ((1u << NATIVE_BITS) - 1);
    if (!table[s].fn)
        table[s] = (struct entry){fn, what};
}

struct jit_native jit_native__of(emu_handler fn)
{
    unsigned s = slot_of(fn);
    while (table[s].fn) {
        if (table[s].fn == fn)
            return table[s].what;
        s = (s + 1) & ((1u << NATIVE_BITS) - 1);
    }
    return (struct jit_native){.kind = JK_NONE};
}

static const void *forms_of(const struct emu_opdef *t, ZydisMnemonic m)
{
    for (; t->select; t++)
        if (t->mnemonic == m)
            return t->arg;
    return NULL;
}

static void add_binary(const struct emu_binary_forms *f, struct jit_native what)
{
    if (!f)
        return;
    const emu_sized *forms[] = {&f->rr, &f->rm, &f->mr, &f->ri, &f->mi};
    for (unsigned k = 0; k < 5; k++)
        for (unsigned s = 0; s < 4; s++) {
            what.form = (uint8_t)k;
            add((*forms[k])[s], what);
        }
}

/* The handler the decoder picks for bytes in 64-bit mode. */
static emu_handler template_fn(struct emu_cpu *cpu, const uint8_t *bytes, size_t len)
{
    uint8_t buf[ZYDIS_MAX_INSTRUCTION_LENGTH] = {0};
    memcpy(buf, bytes, len);
    struct emu_insn insn;
    bool ends;
    if (emu_decode_insn(cpu, buf, sizeof(buf), &insn, &ends) != DECODE_OK)
        return NULL;
    return insn.fn == emu_op_unimplemented || insn.fn == emu_op_invalid ? NULL : insn.fn;
}

static bool add_branches(void)
{
    struct emu_cpu *cpu = calloc(1, sizeof(*cpu));
    if (!cpu || emu_decode_init_cpu(cpu)) {
        free(cpu);
        return false;
    }
    cpu->mode = EMU_MODE_LONG64;
    bool ok = true;
    for (unsigned cc = 0; cc < 16; cc++) {
        const uint8_t jcc[] = {0x0f, (uint8_t)(0x80 | cc), 0, 0, 0, 0};
        emu_handler fn = template_fn(cpu, jcc, sizeof(jcc));
        ok = ok && fn;
        add(fn, (struct jit_native){.kind = JK_JCC});
    }
    static const uint8_t jmp[] = {0xe9, 0, 0, 0, 0}, call[] = {0xe8, 0, 0, 0, 0}, ret[] = {0xc3},
                         pushi[] = {0x68, 0, 0, 0, 0};
    emu_handler fns[] = {template_fn(cpu, jmp, sizeof(jmp)), template_fn(cpu, call, sizeof(call)),
                         template_fn(cpu, ret, sizeof(ret)),
                         template_fn(cpu, pushi, sizeof(pushi))};
    static const uint8_t kinds[] = {JK_JMP, JK_CALL, JK_RET, JK_PUSHI};
    for (unsigned k = 0; k < 4; k++) {
        ok = ok && fns[k];
        add(fns[k], (struct jit_native){.kind = kinds[k]});
    }
    free(cpu);
    return ok;
}

static void build(void)
{
    static const struct {
        ZydisMnemonic m;
        uint8_t op;
        bool writes;
        uint8_t cc_kind;
    } alu[] = {
        {ZYDIS_MNEMONIC_ADD, 0x00, true, CC_KIND_ADD},
        {ZYDIS_MNEMONIC_OR, 0x08, true, CC_KIND_LOGIC},
        {ZYDIS_MNEMONIC_AND, 0x20, true, CC_KIND_LOGIC},
        {ZYDIS_MNEMONIC_SUB, 0x28, true, CC_KIND_SUB},
        {ZYDIS_MNEMONIC_XOR, 0x30, true, CC_KIND_LOGIC},
        {ZYDIS_MNEMONIC_CMP, 0x28, false, CC_KIND_SUB},
        {ZYDIS_MNEMONIC_TEST, 0x20, false, CC_KIND_LOGIC},
    };
    emu_decode_init();
    for (unsigned k = 0; k < sizeof(alu) / sizeof(alu[0]); k++)
        add_binary(forms_of(emu_ops_alu, alu[k].m), (struct jit_native){.kind = JK_ALU,
                                                                        .op = alu[k].op,
                                                                        .writes = alu[k].writes,
                                                                        .cc_kind = alu[k].cc_kind});
    for (unsigned dec = 0; dec < 2; dec++) {
        const struct emu_unary_forms *f =
            forms_of(emu_ops_alu, dec ? ZYDIS_MNEMONIC_DEC : ZYDIS_MNEMONIC_INC);
        for (unsigned s = 0; f && s < 4; s++)
            add(f->r[s], (struct jit_native){.kind = JK_INCDEC, .op = (uint8_t)dec});
    }
    add_binary(forms_of(emu_ops_move, ZYDIS_MNEMONIC_MOVNTI), (struct jit_native){.kind = JK_MOV});
    add_binary(forms_of(emu_ops_move, ZYDIS_MNEMONIC_LEA), (struct jit_native){.kind = JK_LEA});
    const struct emu_unary_forms *push = forms_of(emu_ops_stack, ZYDIS_MNEMONIC_PUSH);
    const struct emu_unary_forms *pop = forms_of(emu_ops_stack, ZYDIS_MNEMONIC_POP);
    if (push)
        add(push->r[3], (struct jit_native){.kind = JK_PUSH});
    if (pop)
        add(pop->r[3], (struct jit_native){.kind = JK_POP});
    init_ok = add_branches();
}

bool jit_native__init(void)
{
    pthread_once(&once, build);
    return init_ok;
}
