// SPDX-License-Identifier: Apache-2.0
/*
 * tlb.c - the software TLB: filling an entry from a page walk, and the
 * invalidations the architecture asks for (SDM vol. 3A, 4.10.4): MOV CR3
 * (all but global pages when CR4.PGE), INVLPG, and paging-mode changes.
 * Every invalidation also drops the virtual-address jump cache of decoded
 * blocks, which relies on the translations the TLB held.
 */
#include "cpu/emu/tlb.h"
#include "cpu/emu/codecache.h"
#include "cpu/emu/mem.h"
#include "cpu/emu/mmu.h"
#include "machine/machine.h"

static void invalidate(struct emu_tlb_entry *e)
{
    e->tag_read = e->tag_write = e->tag_exec = TLB_INVALID;
    e->ppage = ~0ull;
    e->global = false;
}

int emu_tlb_fill(struct emu_cpu *cpu, unsigned idx, uint64_t va, unsigned acc,
                 struct emu_tlb_entry **out)
{
    struct emu_walk w;
    int st = emu_mmu_walk(cpu, va, acc, idx == MMU_USER, &w);
    if (st)
        return st;
    struct emu_tlb_entry *e = tlb_entry(cpu, idx, va);
    uint64_t vpage = va & PAGE_MASK;
    /* the xAPIC page is never RAM to this vCPU: accesses go to mem.c, which routes them */
    uint8_t *host =
        w.ppage == cpu->apic_page ? NULL : guest_memory__hva(&cpu->m->mem, w.ppage, PAGE_SIZE);
    uint64_t flags = host ? 0 : TLB_MMIO;
    e->tag_read = vpage | flags;
    e->tag_write = w.write_ok ? vpage | flags : TLB_INVALID;
    if (w.write_ok && host && emu_code_page_has_code(cpu, w.ppage))
        e->tag_write |= TLB_CODE;
    e->tag_exec = w.exec_ok ? vpage | flags : TLB_INVALID;
    e->addend = host ? (uintptr_t)host - vpage : 0;
    e->ppage = w.ppage;
    e->global = w.global;
    if (w.large)
        cpu->tlb_has_large = true;
    *out = e;
    return EMU_NEXT;
}

void emu_tlb_flush_all(struct emu_cpu *cpu)
{
    for (unsigned idx = 0; idx < EMU_NR_MMU; idx++)
        for (unsigned k = 0; k < TLB_ENTRIES; k++)
            invalidate(&cpu->tlb[idx][k]);
    cpu->tlb_has_large = false;
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
    emu_code_flush_jmp_cache(cpu);
}

void emu_tlb_flush_page(struct emu_cpu *cpu, uint64_t va)
{
    if (cpu->tlb_has_large) {
        emu_tlb_flush_all(cpu);
        return;
    }
    for (unsigned idx = 0; idx < EMU_NR_MMU; idx++) {
        struct emu_tlb_entry *e = tlb_entry(cpu, idx, va);
        uint64_t vpage = va & PAGE_MASK;
        if ((e->tag_read & PAGE_MASK) == vpage || (e->tag_write & PAGE_MASK) == vpage ||
            (e->tag_exec & PAGE_MASK) == vpage)
            invalidate(e);
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
