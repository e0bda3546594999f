// SPDX-License-Identifier: Apache-2.0
/*
 * tlb.c - the software TLB: filling an entry from a page walk, and the
 * invalidations the architecture asks for (SDM vol. 3A, 4.10.4): MOV CR3
 * (all but global pages when CR4.PGE), INVLPG, and paging-mode changes.
 * Every invalidation also drops the virtual-address jump cache of decoded
 * blocks, which relies on the translations the TLB held (a CR3 load only
 * its entries reached through non-global translations, as for the TLB).
 *
 * Large pages (2 MiB, 4 MiB, 1 GiB) are not split into walks: the first
 * miss in a 2 MiB piece of one walks and, when that piece is contiguous
 * host RAM (one slot, no xAPIC page inside), records it in tlb_large; later
 * misses there fill their 4 KiB entry from it without walking. Entries
 * filled from a large page remember its size, so that INVLPG drops exactly
 * the entries of the page it names (SDM 4.10.4.1: "all TLB entries for the
 * page"), not the whole TLB.
 *
 * While the dirty page log is on (machine/dirty.h, live migration), a
 * writable entry for a page that is clean in the log carries TLB_CLEAN
 * in its write tag: the first store takes the slow path, which marks the
 * page and clears the flag (mem.c). Re-arming the log flushes the TLB.
 */
#include "cpu/emu/tlb.h"
#include "cpu/emu/codecache.h"
#include "cpu/emu/mem.h"
#include "cpu/emu/mmu.h"
#include "machine/dirty.h"
#include "machine/machine.h"

static void invalidate(struct emu_tlb_entry *e)
{
    e->tag_read = e->tag_write = e->tag_exec = TLB_INVALID;
    e->ppage = ~0ull;
    e->global = false;
    e->large_shift = 0;
}

static struct emu_tlb_large *large_entry(struct emu_cpu *cpu, unsigned idx, uint64_t va)
{
    return &cpu->tlb_large[idx][(va / TLB_LARGE_SIZE) % TLB_LARGE_ENTRIES];
}

/* Fills e for the 4 KiB page vpage -> ppage at host (NULL: not RAM). */
static void fill_entry(struct emu_cpu *cpu, struct emu_tlb_entry *e, uint64_t vpage, uint64_t ppage,
                       uint8_t *host, bool write_ok, bool exec_ok, bool global)
{
    uint64_t flags = host ? 0 : TLB_MMIO;
    e->tag_read = vpage | flags;
    e->tag_write = write_ok ? vpage | flags : TLB_INVALID;
    if (write_ok && host && emu_code_page_has_code(cpu, ppage))
        e->tag_write |= TLB_CODE;
    if (write_ok && host && !guest_dirty__test(&cpu->m->mem, ppage))
        e->tag_write |= TLB_CLEAN;
    e->tag_exec = exec_ok ? vpage | flags : TLB_INVALID;
    e->addend = host ? (uintptr_t)host - vpage : 0;
    e->ppage = ppage;
    e->global = global;
    e->large_shift = 0;
}

/* Records the 2 MiB piece of a large page around va if its host backing is one RAM range. */
static void remember_large(struct emu_cpu *cpu, unsigned idx, uint64_t va, const struct emu_walk *w)
{
    uint64_t pbase = w->ppage & ~(TLB_LARGE_SIZE - 1);
    uint8_t *host = guest_memory__hva(&cpu->m->mem, pbase, TLB_LARGE_SIZE);
    if (!host || (cpu->apic_page >= pbase && cpu->apic_page - pbase < TLB_LARGE_SIZE))
        return;
    *large_entry(cpu, idx, va) = (struct emu_tlb_large){
        .vbase = va & ~(TLB_LARGE_SIZE - 1),
        .pbase = pbase,
        .host = host,
        .write_ok = w->write_ok,
        .exec_ok = w->exec_ok,
        .global = w->global,
        .shift = w->page_shift,
    };
}

int emu_tlb_fill(struct emu_cpu *cpu, unsigned idx, uint64_t va, unsigned acc,
                 struct emu_tlb_entry **out)
{
    struct emu_tlb_entry *e = tlb_entry(cpu, idx, va);
    uint64_t vpage = va & PAGE_MASK;
    const struct emu_tlb_large *l = large_entry(cpu, idx, va);
    if (l->vbase == (va & ~(TLB_LARGE_SIZE - 1)) && (acc != ACC_WRITE || l->write_ok) &&
        (acc != ACC_EXEC || l->exec_ok)) {
        uint64_t off = vpage - l->vbase;
        fill_entry(cpu, e, vpage, l->pbase + off, l->host + off, l->write_ok, l->exec_ok,
                   l->global);
        e->large_shift = l->shift;
        *out = e;
        return EMU_NEXT;
    }
    struct emu_walk w;
    int st = emu_mmu_walk(cpu, va, acc, idx == MMU_USER, &w);
    if (st)
        return st;
    /* the xAPIC page is never RAM to this vCPU: accesses go to mem.c, which routes them */
    uint8_t *host =
        w.ppage == cpu->apic_page ? NULL : guest_memory__hva(&cpu->m->mem, w.ppage, PAGE_SIZE);
    fill_entry(cpu, e, vpage, w.ppage, host, w.write_ok, w.exec_ok, w.global);
    if (w.large) {
        e->large_shift = w.page_shift;
        if (w.page_shift > cpu->tlb_large_shift)
            cpu->tlb_large_shift = w.page_shift;
        remember_large(cpu, idx, va, &w);
    }
    *out = e;
    return EMU_NEXT;
}

void emu_tlb_flush_all(struct emu_cpu *cpu)
{
    for (unsigned idx = 0; idx < EMU_NR_MMU; idx++)
        for (unsigned k = 0; k < TLB_ENTRIES; k++)
            invalidate(&cpu->tlb[idx][k]);
    for (unsigned idx = 0; idx < EMU_NR_MMU; idx++)
        for (unsigned k = 0; k < TLB_LARGE_ENTRIES; k++)
            cpu->tlb_large[idx][k].vbase = TLB_INVALID;
    cpu->tlb_large_shift = 0;
    emu_code_flush_jmp_cache(cpu);
}

void emu_tlb_flush_nonglobal(struct emu_cpu *cpu)
{
    if (!(cpu->cr4 & CR4_PGE)) {
        emu_tlb_flush_all(cpu);
        return;
    }
    for (unsigned idx = 0; idx < EMU_NR_MMU; idx++)
        for (unsigned k = 0; k < TLB_ENTRIES; k++)
            if (!cpu->tlb[idx][k].global)
                invalidate(&cpu->tlb[idx][k]);
    for (unsigned idx = 0; idx < EMU_NR_MMU; idx++)
        for (unsigned k = 0; k < TLB_LARGE_ENTRIES; k++)
            if (!cpu->tlb_large[idx][k].global)
                cpu->tlb_large[idx][k].vbase = TLB_INVALID;
    emu_code_flush_jmp_nonglobal(cpu);
}

/* The page e maps, if any: its tags are invalid or hold the virtual page. */
static uint64_t entry_vpage(const struct emu_tlb_entry *e)
{
    if (!(e->tag_read & TLB_INVALID))
        return e->tag_read & PAGE_MASK;
    if (!(e->tag_write & TLB_INVALID))
        return e->tag_write & PAGE_MASK;
    return e->tag_exec & PAGE_MASK;
}

void emu_tlb_flush_page(struct emu_cpu *cpu, uint64_t va)
{
    uint64_t vpage = va & PAGE_MASK;
    unsigned shift = cpu->tlb_large_shift;
    /* entries of a large page around va sit in the slots its range indexes: at most all */
    uint64_t span = shift ? 1ull << (shift - 12) : 1;
    if (span > TLB_ENTRIES)
        span = TLB_ENTRIES;
    uint64_t first = shift ? va >> shift << shift : vpage;
    for (unsigned idx = 0; idx < EMU_NR_MMU; idx++) {
        for (uint64_t k = 0; k < span; k++) {
            struct emu_tlb_entry *e = tlb_entry(cpu, idx, first + (k << 12));
            uint64_t ev = entry_vpage(e);
            if ((e->tag_read & e->tag_write & e->tag_exec & TLB_INVALID))
                continue;
            if (ev == vpage || (e->large_shift && ev >> e->large_shift == va >> e->large_shift))
                invalidate(e);
        }
        for (unsigned k = 0; k < TLB_LARGE_ENTRIES; k++) {
            struct emu_tlb_large *l = &cpu->tlb_large[idx][k];
            if (l->vbase != TLB_INVALID && l->vbase >> l->shift == va >> l->shift)
                l->vbase = TLB_INVALID;
        }
    }
    emu_code_flush_jmp_cache(cpu);
}

void emu_tlb_protect_code(struct emu_cpu *cpu, uint64_t ppage)
{
    for (unsigned idx = 0; idx < EMU_NR_MMU; idx++)
        for (unsigned k = 0; k < TLB_ENTRIES; k++) {
            struct emu_tlb_entry *e = &cpu->tlb[idx][k];
            if (e->ppage == ppage && !(e->tag_write & TLB_INVALID))
                e->tag_write |= TLB_CODE;
        }
}

void emu_tlb_unprotect_code(struct emu_cpu *cpu, uint64_t ppage)
{
    for (unsigned idx = 0; idx < EMU_NR_MMU; idx++)
        for (unsigned k = 0; k < TLB_ENTRIES; k++) {
            struct emu_tlb_entry *e = &cpu->tlb[idx][k];
            if (e->ppage == ppage)
                e->tag_write &= ~TLB_CODE;
        }
}
