/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codecache.h - decoded blocks, cached per guest-physical address.
 *
 * A block is a run of decoded instructions from one guest-physical start
 * address up to a control transfer, the end of the page or BLOCK_MAX_INSNS,
 * closed by a sentinel whose handler returns EMU_RESTART. Blocks are found
 * by physical address and decoding mode (so two virtual mappings of one
 * page share them) and, on the hot path, through a small jump cache keyed
 * by RIP (emu_cpu_update_mode() empties it when the mode or the CS base
 * of 16/32-bit code changes). Pages holding
 * blocks are write-protected in the software TLB (TLB_CODE); a write there
 * kills their blocks: the killed instructions' handlers are replaced by
 * emu_op_restart, so a block that kills itself stops right after the
 * writing instruction and its successor is decoded afresh.
 *
 * The one mutual tie of the emu core is this self-modifying-code loop, and
 * it is meant: decoding fetches code through the TLB and the memory path
 * (codecache.c -> mem.c, tlb.c) and protects its pages there; a TLB fill
 * asks whether a page holds code (tlb.c -> codecache.c), and a store
 * through a protected entry kills the code (mem.c -> codecache.c, and
 * codeshare.c for the other vCPUs). Everything else in the core depends
 * one way: raising an exception (raise.h) apart from delivering it
 * (except.c), mode updates in mode.c only, the TLB in tlb.h, and the
 * cross-vCPU layer (codeshare.c) reached only through the holders hooks.
 */
#ifndef STRATA_CPU_EMU_CODECACHE_H
#define STRATA_CPU_EMU_CODECACHE_H

#include "cpu/emu/cpu.h"
#include "util/err.h"

#define BLOCK_MAX_INSNS 64

struct emu_block {
    uint64_t vaddr;  /* RIP of the first instruction (EIP/IP outside 64-bit mode) */
    uint64_t paddr;  /* its guest-physical address */
    uint64_t ppage2; /* second physical page if the last instruction crosses, else ~0 */
    struct emu_block *hash_next;
    struct emu_block *page_next[2]; /* chains of the blocks on paddr's page and on ppage2 */
    uint16_t ninsns;
    uint8_t mode; /* EMU_MODE() it was decoded in: part of the key with paddr */
    bool dead;
    uint16_t jit_prefix_n;   /* instructions jit_prefix runs */
    void *jit, *jit_prefix;  /* translations of the block and of a prefix (jit/jit.h) */
    struct emu_insn insns[]; /* ninsns + the sentinel */
};

int emu_code_init(struct emu_cpu *cpu, struct err *err);
void emu_code_destroy(struct emu_cpu *cpu);

#define JMP_CACHE_BITS 12

struct emu_code_cache_hot {
    struct emu_block *jmp[EMU_NR_MMU][1u << JMP_CACHE_BITS];
};

static inline unsigned jmp_hash(uint64_t rip)
{
    return (unsigned)(rip ^ (rip >> JMP_CACHE_BITS)) & ((1u << JMP_CACHE_BITS) - 1);
}

/* Slow path of emu_code_block(): translate, look up by physical address, decode. */
struct emu_block *emu_code_lookup(struct emu_cpu *cpu);

/* The block starting at RIP, or NULL with an exception raised (fetch fault). */
static inline struct emu_block *emu_code_block(struct emu_cpu *cpu)
{
    struct emu_code_cache_hot *hot = (struct emu_code_cache_hot *)cpu->code;
    uint64_t rip = RIP(cpu);
    struct emu_block *b = hot->jmp[cpu->mmu_idx][jmp_hash(rip)];
    if (likely(b && b->vaddr == rip))
        return b;
    return emu_code_lookup(cpu);
}

/*
 * Who else must know which pages this vCPU decodes code from: installed by
 * the cross-vCPU layer (codeshare.c), so that the cache never calls into
 * it. hold: before a page's bytes are read for decoding; returns whether
 * blocks from it may be cached. release: this vCPU holds no block there
 * any more; returns whether no vCPU does. has_code: whether any vCPU holds
 * code on the page (TLB fills write-protect it then).
 */
struct emu_code_holders {
    bool (*hold)(struct emu_cpu *cpu, uint64_t ppage);
    bool (*release)(struct emu_cpu *cpu, uint64_t ppage);
    bool (*has_code)(const struct emu_cpu *cpu, uint64_t ppage);
};

/* Without holders (NULL), the cache answers for this vCPU alone. */
void emu_code_set_holders(struct emu_cpu *cpu, const struct emu_code_holders *holders);

/* Whether ppage holds decoded code (this vCPU's, or any vCPU's with holders). */
bool emu_code_page_has_code(struct emu_cpu *cpu, uint64_t ppage);
/* A write hit ppage: kill its blocks. */
void emu_code_invalidate_page(struct emu_cpu *cpu, uint64_t ppage);
void emu_code_flush_jmp_cache(struct emu_cpu *cpu);
/* A CR3 load: drops the jump-cache entries reached through non-global translations. */
void emu_code_flush_jmp_nonglobal(struct emu_cpu *cpu);
/* Drops every block (decoding mode change, or the arena is full). */
void emu_code_flush_all(struct emu_cpu *cpu);
/* The vCPU is about to halt at now_ns: empties a large, old cache (codecache.c). */
void emu_code_trim_idle(struct emu_cpu *cpu, uint64_t now_ns);

#endif
