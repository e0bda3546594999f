// SPDX-License-Identifier: Apache-2.0
/*
 * codecache.c - the decoded-block cache (see codecache.h): an arena of
 * blocks, a hash by physical address, per-page block lists for
 * invalidation, and the RIP-keyed jump cache, whose slots filled through
 * non-global translations are listed so that a CR3 load drops only them
 * (the kernel's blocks stay findable across context switches and the
 * temporary mm of text patching). When the arena fills up,
 * everything is dropped and decoding starts over (QEMU's tb_flush).
 * Which pages hold code is shared with the other vCPUs through the
 * holders hooks (codecache.h) that codeshare.c installs: a block from a
 * page that not every vCPU protects yet runs once and is not cached. The
 * cache calls no function of codeshare.c.
 *
 * The arena is reserved, not committed (MAP_NORESERVE): it costs the host
 * what decoding has filled. Emptying the cache gives that memory back
 * (MADV_DONTNEED), and a vCPU about to halt empties it when it holds more
 * than TRIM_MIN_BYTES and its last trim is TRIM_AGE_NS old: most of that is
 * code the guest ran once (boot, init code it has freed, exited
 * programs), and an idle guest re-decodes its small working set cheaply.
 */
#include "cpu/emu/codecache.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "cpu/emu/decode.h"
#include "cpu/emu/mem.h"
#include "cpu/emu/tlb.h"

#define ARENA_SIZE        (64ull << 20)
#define BLOCK_HASH_BITS   16
#define PAGE_HASH_BITS    12
#define TRIM_MIN_BYTES    (2ull << 20)
#define TRIM_AGE_NS       (30ull * 1000000000)
/* listed jump-cache slots; past this many a CR3 load empties the whole jump cache */
#define JMP_NONGLOBAL_MAX 256

struct code_page {
    uint64_t ppage;
    struct emu_block *blocks;
    struct code_page *next;
};

struct emu_code_cache {
    struct emu_code_cache_hot hot; /* first: emu_code_block() reads it by a cast */
    struct emu_block *hash[1u << BLOCK_HASH_BITS];
    struct code_page *pages[1u << PAGE_HASH_BITS];
    uint8_t *arena;
    size_t used;
    uint64_t trimmed_ns; /* the last trim, or the first halt (emu_code_trim_idle) */
    const struct emu_code_holders *holders; /* NULL: this vCPU alone */
    /* jump-cache slots (mmu index << JMP_CACHE_BITS | slot) filled through a
       non-global translation since the jump cache was last emptied */
    uint16_t nonglobal[JMP_NONGLOBAL_MAX];
    unsigned nnonglobal; /* JMP_NONGLOBAL_MAX + 1: more than were listed */
};

static unsigned block_hash(uint64_t paddr)
{
    return (unsigned)((paddr * 0x9E3779B97F4A7C15ull) >> (64 - BLOCK_HASH_BITS));
}

static unsigned page_hash(uint64_t ppage)
{
    return (unsigned)(((ppage >> 12) * 0x9E3779B97F4A7C15ull) >> (64 - PAGE_HASH_BITS));
}

int emu_code_init(struct emu_cpu *cpu, struct err *err)
{
    struct emu_code_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return err__set(err, "emu: out of memory for the code cache");
    c->arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (c->arena == MAP_FAILED) {
        free(c);
        return err__set_errno(err, errno, "emu: cannot map the code cache");
    }
    cpu->code = c;
    return 0;
}

void emu_code_destroy(struct emu_cpu *cpu)
{
    if (!cpu->code)
        return;
    munmap(cpu->code->arena, ARENA_SIZE);
    free(cpu->code);
    cpu->code = NULL;
}

void emu_code_flush_jmp_cache(struct emu_cpu *cpu)
{
    memset(&cpu->code->hot, 0, sizeof(cpu->code->hot));
    cpu->code->nnonglobal = 0;
}

void emu_code_flush_jmp_nonglobal(struct emu_cpu *cpu)
{
    struct emu_code_cache *c = cpu->code;
    if (c->nnonglobal > JMP_NONGLOBAL_MAX) {
        emu_code_flush_jmp_cache(cpu);
        return;
    }
    const unsigned mask = (1u << JMP_CACHE_BITS) - 1;
    for (unsigned k = 0; k < c->nnonglobal; k++)
        c->hot.jmp[c->nonglobal[k] >> JMP_CACHE_BITS][c->nonglobal[k] & mask] = NULL;
    c->nnonglobal = 0;
}

/* Whether the translations the block at linear pc was fetched through are global. */
static bool fetched_global(struct emu_cpu *cpu, const struct emu_block *b, uint64_t pc)
{
    if (!tlb_entry(cpu, cpu->mmu_idx, pc)->global)
        return false;
    return b->ppage2 == ~0ull || tlb_entry(cpu, cpu->mmu_idx, (pc | ~PAGE_MASK) + 1)->global;
}

static void jmp_insert(struct emu_cpu *cpu, struct emu_block *b, uint64_t pc)
{
    struct emu_code_cache *c = cpu->code;
    unsigned slot = jmp_hash(b->vaddr);
    c->hot.jmp[cpu->mmu_idx][slot] = b;
    if (fetched_global(cpu, b, pc) || c->nnonglobal > JMP_NONGLOBAL_MAX)
        return;
    if (c->nnonglobal < JMP_NONGLOBAL_MAX)
        c->nonglobal[c->nnonglobal] = (uint16_t)(cpu->mmu_idx << JMP_CACHE_BITS | slot);
    c->nnonglobal++;
}

void emu_code_set_holders(struct emu_cpu *cpu, const struct emu_code_holders *holders)
{
    cpu->code->holders = holders;
}

/* This vCPU starts decoding from ppage; whether its blocks may be cached. */
static bool hold_page(struct emu_cpu *cpu, uint64_t ppage)
{
    const struct emu_code_holders *h = cpu->code->holders;
    return h ? h->hold(cpu, ppage) : true;
}

/* This vCPU holds no blocks on ppage any more: writes need no care once no vCPU does. */
static void release_page(struct emu_cpu *cpu, uint64_t ppage)
{
    const struct emu_code_holders *h = cpu->code->holders;
    if (!h || h->release(cpu, ppage))
        emu_tlb_unprotect_code(cpu, ppage);
}

void emu_code_flush_all(struct emu_cpu *cpu)
{
    struct emu_code_cache *c = cpu->code;
    for (unsigned k = 0; k < (1u << PAGE_HASH_BITS); k++)
        for (struct code_page *p = c->pages[k]; p; p = p->next)
            release_page(cpu, p->ppage);
    memset(c->hash, 0, sizeof(c->hash));
    memset(c->pages, 0, sizeof(c->pages));
    emu_code_flush_jmp_cache(cpu);
    /* the decoded blocks' memory goes back to the host; the arena stays reserved */
    madvise(c->arena, (c->used + PAGE_SIZE - 1) & PAGE_MASK, MADV_DONTNEED);
    c->used = 0;
}

void emu_code_trim_idle(struct emu_cpu *cpu, uint64_t now_ns)
{
    struct emu_code_cache *c = cpu->code;
    if (!c->trimmed_ns)
        c->trimmed_ns = now_ns; /* the first halt starts the clock */
    if (c->used < TRIM_MIN_BYTES || now_ns - c->trimmed_ns < TRIM_AGE_NS)
        return;
    emu_code_flush_all(cpu);
    c->trimmed_ns = now_ns;
}

static void *arena_alloc(struct emu_code_cache *c, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (c->used + size > ARENA_SIZE)
        return NULL;
    void *p = c->arena + c->used;
    c->used += size;
    return p;
}

static struct code_page *find_page(struct emu_code_cache *c, uint64_t ppage)
{
    for (struct code_page *p = c->pages[page_hash(ppage)]; p; p = p->next)
        if (p->ppage == ppage)
            return p;
    return NULL;
}

bool emu_code_page_has_code(struct emu_cpu *cpu, uint64_t ppage)
{
    const struct emu_code_holders *h = cpu->code->holders;
    if (h)
        return h->has_code(cpu, ppage);
    const struct code_page *p = find_page(cpu->code, ppage);
    return p && p->blocks;
}

/*
 * A dead block leaves the hash and its jump-cache slots: emu_code_block()
 * finds a block only at jmp_hash(b->vaddr), and a dead block's vaddr no
 * longer changes, so other slots that still point to it never match.
 */
static void kill_block(struct emu_code_cache *c, struct emu_block *b)
{
    if (b->dead)
        return;
    b->dead = true;
    for (unsigned idx = 0; idx < EMU_NR_MMU; idx++)
        if (c->hot.jmp[idx][jmp_hash(b->vaddr)] == b)
            c->hot.jmp[idx][jmp_hash(b->vaddr)] = NULL;
    for (unsigned k = 0; k <= b->ninsns; k++)
        b->insns[k].fn = emu_op_restart;
    for (struct emu_block **pp = &c->hash[block_hash(b->paddr)]; *pp; pp = &(*pp)->hash_next)
        if (*pp == b) {
            *pp = b->hash_next;
            break;
        }
}

void emu_code_invalidate_page(struct emu_cpu *cpu, uint64_t ppage)
{
    struct emu_code_cache *c = cpu->code;
    struct code_page *p = find_page(c, ppage);
    if (p) {
        struct emu_block *b = p->blocks;
        while (b) {
            unsigned link = (b->paddr & PAGE_MASK) == ppage ? 0 : 1;
            struct emu_block *next = b->page_next[link];
            kill_block(c, b);
            b = next;
        }
        p->blocks = NULL;
    }
    release_page(cpu, ppage);
}

static int add_to_page(struct emu_cpu *cpu, struct emu_block *b, uint64_t ppage, unsigned link)
{
    struct emu_code_cache *c = cpu->code;
    struct code_page *p = find_page(c, ppage);
    if (!p) {
        p = arena_alloc(c, sizeof(*p));
        if (!p)
            return -1;
        *p = (struct code_page){.ppage = ppage, .next = c->pages[page_hash(ppage)]};
        c->pages[page_hash(ppage)] = p;
    }
    if (!p->blocks)
        emu_tlb_protect_code(cpu, ppage);
    b->page_next[link] = p->blocks;
    p->blocks = b;
    return 0;
}

/* Copies the (up to 15) bytes at va into buf, across a page end if needed. */
static int fetch_across(struct emu_cpu *cpu, uint64_t va, const uint8_t *host, size_t in_page,
                        uint8_t *buf, uint64_t *ppage2, bool *cache)
{
    const uint8_t *host2;
    memcpy(buf, host, in_page);
    int st = emu_mem_fetch_page(cpu, va + in_page, ppage2, &host2);
    if (st)
        return st;
    /* the page joins the holders, and its epoch is judged, before its bytes are read */
    *cache = hold_page(cpu, *ppage2) && *cache;
    memcpy(buf + in_page, host2, ZYDIS_MAX_INSTRUCTION_LENGTH - in_page);
    return EMU_NEXT;
}

/*
 * Decodes the block at rip, whose first byte is at linear address pc, on
 * ppage. *cache says whether it may be cached (codeshare.h).
 */
static struct emu_block *decode_block(struct emu_cpu *cpu, uint64_t rip, uint64_t pc,
                                      uint64_t ppage, const uint8_t *page, bool *cache)
{
    struct emu_code_cache *c = cpu->code;
    size_t max_size = sizeof(struct emu_block) + (BLOCK_MAX_INSNS + 1) * sizeof(struct emu_insn);
    struct emu_block *b = arena_alloc(c, max_size);
    if (!b) {
        emu_code_flush_all(cpu);
        b = arena_alloc(c, max_size);
    }
    *b = (struct emu_block){
        .vaddr = rip, .paddr = ppage | (pc & ~PAGE_MASK), .ppage2 = ~0ull, .mode = cpu->mode};
    /* the page joins the holders, and its epoch is judged, before its bytes are read */
    *cache = hold_page(cpu, ppage);

    uint64_t va = pc;
    unsigned n = 0;
    while (n < BLOCK_MAX_INSNS) {
        size_t off = va & ~PAGE_MASK;
        size_t in_page = PAGE_SIZE - off;
        bool ends;
        struct emu_insn *insn = &b->insns[n];
        enum emu_decode_result r = emu_decode_insn(cpu, page + off, in_page, insn, &ends);
        if (r == DECODE_NEED_MORE) {
            uint8_t buf[ZYDIS_MAX_INSTRUCTION_LENGTH];
            uint64_t ppage2;
            if (fetch_across(cpu, va, page + off, in_page, buf, &ppage2, cache)) {
                if (n == 0) {
                    if (!find_page(c, ppage) || !find_page(c, ppage)->blocks)
                        release_page(cpu, ppage);
                    return NULL; /* the fault belongs to this instruction */
                }
                break; /* end the block here; the next one faults */
            }
            emu_decode_insn(cpu, buf, sizeof(buf), insn, &ends);
            b->ppage2 = ppage2;
            n++;
            break;
        }
        n++;
        va += insn->len;
        if (ends || (va & ~PAGE_MASK) == 0)
            break;
    }
    b->ninsns = (uint16_t)n;
    b->insns[n] = (struct emu_insn){.fn = emu_op_restart, .flags = INSN_LAST};
    /* give back the unused tail of the arena allocation */
    size_t used = sizeof(*b) + (n + 1) * sizeof(struct emu_insn);
    c->used = (size_t)((uint8_t *)b - c->arena) + ((used + 15) & ~(size_t)15);

    if (add_to_page(cpu, b, ppage, 0) ||
        (b->ppage2 != ~0ull && add_to_page(cpu, b, b->ppage2, 1))) {
        emu_code_flush_all(cpu);
        return emu_code_lookup(cpu);
    }
    if (!*cache)
        return b; /* young: on the page lists, so that a store kills it, but not findable */
    unsigned h = block_hash(b->paddr);
    b->hash_next = c->hash[h];
    c->hash[h] = b;
    return b;
}

/* Whether a cached block starting at linear pc still matches the mapping of its second page. */
static bool second_page_matches(struct emu_cpu *cpu, const struct emu_block *b, uint64_t pc)
{
    if (b->ppage2 == ~0ull)
        return true;
    uint64_t ppage2;
    const uint8_t *host2;
    uint64_t va2 = (pc | ~PAGE_MASK) + 1;
    if (emu_mem_fetch_page(cpu, va2, &ppage2, &host2))
        return false;
    return ppage2 == b->ppage2;
}

struct emu_block *emu_code_lookup(struct emu_cpu *cpu)
{
    struct emu_code_cache *c = cpu->code;
    uint64_t rip = RIP(cpu), pc = emu_pc_linear(cpu), ppage;
    const uint8_t *page;
    if (emu_mem_fetch_page(cpu, pc, &ppage, &page))
        return NULL;
    uint64_t paddr = ppage | (pc & ~PAGE_MASK);
    struct emu_block *b;
    for (b = c->hash[block_hash(paddr)]; b; b = b->hash_next)
        if (b->paddr == paddr && b->mode == cpu->mode && second_page_matches(cpu, b, pc))
            break;
    bool cache = true;
    if (!b) {
        b = decode_block(cpu, rip, pc, ppage, page, &cache);
        if (!b)
            return NULL;
    }
    b->vaddr = rip;
    if (cache)
        jmp_insert(cpu, b, pc);
    return b;
}
