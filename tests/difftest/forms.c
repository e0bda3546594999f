// SPDX-License-Identifier: Apache-2.0
/* forms.c - instruction form keys and the table of forms seen (see forms.h). */
#include "forms.h"

#include <Zydis/Zydis.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct key_writer {
    char *key;
    size_t pos;
};

static void put(struct key_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct key_writer *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->key + w->pos, FORM_KEY_LEN - w->pos, fmt, ap);
    va_end(ap);
    if (n > 0)
        w->pos = w->pos + (size_t)n < FORM_KEY_LEN ? w->pos + (size_t)n : FORM_KEY_LEN - 1;
}

static void put_operand(struct key_writer *w, const ZydisDecodedOperand *op, const char *sep)
{
    switch (op->type) {
    case ZYDIS_OPERAND_TYPE_REGISTER:
        /* A register the opcode fixes (CL of a shift, AL of a short form) keeps its name. */
        if (op->encoding == ZYDIS_OPERAND_ENCODING_NONE)
            put(w, "%s%s", sep, ZydisRegisterGetString(op->reg.value));
        else
            put(w, "%sr%u", sep, op->size);
        break;
    case ZYDIS_OPERAND_TYPE_MEMORY: put(w, "%sm%u", sep, op->size); break;
    case ZYDIS_OPERAND_TYPE_IMMEDIATE: put(w, "%si%u", sep, op->size); break;
    default: put(w, "%s?", sep); break;
    }
}

void form__key(const uint8_t *bytes, size_t len, char key[FORM_KEY_LEN])
{
    ZydisDecoder decoder;
    ZydisDecodedInstruction insn;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    struct key_writer w = {.key = key, .pos = 0};

    key[0] = 0;
    ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, bytes, len, &insn, ops))) {
        put(&w, "(bad)");
        return;
    }
    if (insn.attributes & ZYDIS_ATTRIB_HAS_LOCK)
        put(&w, "lock ");
    if (insn.attributes & ZYDIS_ATTRIB_HAS_REP)
        put(&w, "rep ");
    if (insn.attributes & ZYDIS_ATTRIB_HAS_REPE)
        put(&w, "repe ");
    if (insn.attributes & ZYDIS_ATTRIB_HAS_REPNE)
        put(&w, "repne ");
    put(&w, "%s", ZydisMnemonicGetString(insn.mnemonic));
    if (insn.address_width == 32)
        put(&w, " a32");
    /* Forms without operands that differ only in width (pushf/pushfq) */
    if (insn.operand_count_visible == 0 && insn.operand_width == 16)
        put(&w, " o16");
    for (unsigned i = 0; i < insn.operand_count_visible; i++)
        put_operand(&w, &ops[i], i ? ", " : " ");
}

static uint64_t hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    while (*s)
        h = (h ^ (uint8_t)*s++) * 0x100000001b3ull;
    return h;
}

static bool grow(struct form_table *t)
{
    size_t n = t->nslots ? t->nslots * 2 : 1024;
    struct form *slots = calloc(n, sizeof(*slots));
    if (!slots)
        return false;
    for (size_t i = 0; i < t->nslots; i++) {
        if (!t->slots[i].key[0])
            continue;
        size_t j = hash(t->slots[i].key) & (n - 1);
        while (slots[j].key[0])
            j = (j + 1) & (n - 1);
        slots[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = n;
    return true;
}

struct form *form_table__get(struct form_table *t, const char *key)
{
    if ((t->used + 1) * 2 > t->nslots && !grow(t))
        return NULL;
    size_t i = hash(key) & (t->nslots - 1);
    while (t->slots[i].key[0]) {
        if (!strcmp(t->slots[i].key, key))
            return &t->slots[i];
        i = (i + 1) & (t->nslots - 1);
    }
    snprintf(t->slots[i].key, FORM_KEY_LEN, "%s", key);
    t->used++;
    return &t->slots[i];
}

void form_table__destroy(struct form_table *t)
{
    free(t->slots);
    t->slots = NULL;
    t->nslots = t->used = 0;
}
