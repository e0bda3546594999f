// SPDX-License-Identifier: Apache-2.0
/*
 * jit.c - the translator's place in the run loop (see jit.h): a W^X code
 * cache per vCPU, a block's translation kept in the block (and one for a
 * prefix of it, when a limit, a stop address or an interrupt shadow cuts
 * the block short), and the flush of everything when the cache is full.
 * Translations die with their blocks: codecache.c drops a killed block from
 * its lookups, and a running translation notices its block's death itself
 * (translate.c).
 */
#include "cpu/emu/jit/jit.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/emu/jit/execmem.h"
#include "cpu/emu/jit/native.h"
#include "cpu/emu/jit/translate.h"

#define JIT_CACHE_SIZE (64ull << 20)

struct emu_jit {
    struct jit_execmem mem;
};

int emu_jit_enable(struct emu_cpu *cpu, bool on, struct err *err)
{
    if (!on) {
        emu_jit_destroy(cpu);
        return 0;
    }
    if (cpu->jit)
        return 0;
    if (!jit_native__init())
        return err__set(err, "emu jit: the decoder does not resolve the template branches");
    struct emu_jit *j = calloc(1, sizeof(*j));
    if (!j)
        return err__set(err, "emu jit: out of memory");
    if (jit_execmem__init(&j->mem, JIT_CACHE_SIZE, err)) {
        free(j);
        return -1;
    }
    if (jit_translate_shared(&j->mem)) {
        jit_execmem__destroy(&j->mem);
        free(j);
        return err__set(err, "emu jit: the code cache is too small");
    }
    /* blocks decoded so far carry no translation from this cache */
    emu_code_flush_all(cpu);
    cpu->jit = j;
    return 0;
}

int emu_jit_from_env(struct emu_cpu *cpu, struct err *err)
{
    const char *v = getenv("STRATA_EMU");
    if (!v || !*v || !strcmp(v, "interp"))
        return emu_jit_enable(cpu, false, err);
    if (!strcmp(v, "jit"))
        return emu_jit_enable(cpu, true, err);
    return err__set(err, "emu: STRATA_EMU=%s: want interp or jit", v);
}

void emu_jit_destroy(struct emu_cpu *cpu)
{
    if (!cpu->jit)
        return;
    jit_execmem__destroy(&cpu->jit->mem);
    free(cpu->jit);
    cpu->jit = NULL;
    emu_code_flush_all(cpu);
}

static jit_code_fn translation(struct emu_cpu *cpu, struct emu_block *b, unsigned n)
{
    if (n == b->ninsns && b->jit)
        return (jit_code_fn)b->jit;
    if (n != b->ninsns && b->jit_prefix && b->jit_prefix_n == n)
        return (jit_code_fn)b->jit_prefix;
    struct jit_execmem *m = &cpu->jit->mem;
    jit_code_fn f = jit_translate(m, b, n);
    if (!f) {
        /* full: every block goes with its translation, b too (its memory goes back to the host) */
        emu_code_flush_all(cpu);
        jit_translate_shared(m);
        return NULL;
    }
    if (n == b->ninsns) {
        b->jit = (void *)f;
    } else {
        b->jit_prefix = (void *)f;
        b->jit_prefix_n = (uint16_t)n;
    }
    return f;
}

int emu_jit_run(struct emu_cpu *cpu, struct emu_block *b, uint64_t allowed, bool chain,
                uint64_t *retired)
{
    unsigned n = allowed < b->ninsns ? (unsigned)allowed : b->ninsns;
    jit_code_fn f = translation(cpu, b, n);
    if (unlikely(!f)) {
        *retired = 0;
        return EMU_RESTART; /* the cache was full and is empty now: RIP's block is decoded afresh */
    }
    cpu->jit_chain = chain;
    cpu->jit_chained = 0;
    uint32_t r = f(cpu);
    int st = (int)(r & 0xff);
    *retired = (r >> 8) + (st == EMU_JUMP) + cpu->jit_chained;
    return st;
}
