// SPDX-License-Identifier: Apache-2.0
/*
 * mmu.c - the page walks: 4-level paging with 4 KiB, 2 MiB and 1 GiB pages
 * (SDM vol. 3A, 4.5), and outside IA-32e mode PAE paging (4.4: the PDPTE
 * picked by CR3 and VA bits 31:30, then the same two lower levels; the
 * PDPTEs are read at each walk rather than cached at MOV CR3) and 32-bit
 * paging (4.3: 4-byte entries, 4 MiB pages with CR4.PSE and PSE-36
 * addresses); permission checks (U/S, R/W with CR0.WP, NX with EFER.NXE; 4.6),
 * accessed/dirty bits written back with a compare-and-swap on the entry as
 * read, restarting the walk if it changed meanwhile (4.8: "locked
 * operations"), so that vCPUs walking the same tables, or the guest
 * editing them, lose no bits and never set bits in an entry the walk did
 * not use, and #PF error codes (4.7). Page-table entries outside RAM read
 * as all-ones, like unclaimed bus reads, and so fault as reserved-bit
 * violations.
 */
#include "cpu/emu/mmu.h"

#include "cpu/emu/mem.h"
#include "cpu/emu/raise.h"
#include "machine/dirty.h"
#include "machine/machine.h"

#define PTE_P         0x1ull
#define PTE_RW        0x2ull
#define PTE_US        0x4ull
#define PTE_A         0x20ull
#define PTE_D         0x40ull
#define PTE_PS        0x80ull
#define PTE_G         0x100ull
#define PTE_NX        (1ull << 63)
#define PTE_ADDR      (((1ull << EMU_PHYS_BITS) - 1) & PAGE_MASK)
#define PTE_RSVD_PHYS (((1ull << 52) - 1) & ~((1ull << EMU_PHYS_BITS) - 1))

/* PAE PDPTE: P, PWT, PCD and the address; bits 1, 2, 5-8 and 63 are reserved (4.4.1). */
#define PDPTE_RSVD    (0x1e6ull | PTE_NX | PTE_RSVD_PHYS)
/* 32-bit paging */
#define PDE32_ADDR    0xfffff000u
#define PDE32_4M_ADDR 0xffc00000u

#define PF_P    0x1u
#define PF_W    0x2u
#define PF_U    0x4u
#define PF_RSVD 0x8u
#define PF_I    0x10u

static uint64_t rsvd_mask(const struct emu_cpu *cpu, int level, uint64_t pte)
{
    uint64_t m = PTE_RSVD_PHYS;
    if (!(cpu->efer & EFER_NXE))
        m |= PTE_NX;
    if (level == 3)
        m |= PTE_PS; /* no 512 GiB pages */
    else if (level == 2 && (pte & PTE_PS))
        m |= 0x3fffe000ull; /* 1 GiB page: bits 29:13 */
    else if (level == 1 && (pte & PTE_PS))
        m |= 0x1fe000ull; /* 2 MiB page: bits 20:13 */
    return m;
}

static int page_fault(struct emu_cpu *cpu, uint64_t va, unsigned acc, bool user, uint32_t why)
{
    uint32_t err = why;
    if ((acc & ACC_KIND) == ACC_WRITE)
        err |= PF_W;
    if (user)
        err |= PF_U;
    if ((acc & ACC_KIND) == ACC_EXEC && (cpu->efer & EFER_NXE))
        err |= PF_I;
    return emu_raise_pf(cpu, va, err);
}

/* Sets A (and D) in a 4-byte entry as it was read; false if it changed meanwhile. */
static bool update32(uint32_t *p, uint32_t seen, uint32_t want)
{
    return want == seen ||
           __atomic_compare_exchange_n(p, &seen, want, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* 32-bit paging (SDM vol. 3A, 4.3): a page directory and page tables of 1024 4-byte entries. */
static int walk32(struct emu_cpu *cpu, uint64_t va, unsigned acc, bool user, struct emu_walk *w)
{
    unsigned kind = acc & ACC_KIND;
    struct guest_memory *mem = &cpu->m->mem;
retry:;
    uint32_t *pdep = guest_memory__hva(mem, (cpu->cr3 & PDE32_ADDR) + ((va >> 22) & 0x3ff) * 4, 4);
    if (!pdep)
        return page_fault(cpu, va, acc, user, PF_P | PF_RSVD);
    uint32_t pde = __atomic_load_n(pdep, __ATOMIC_ACQUIRE), pte = pde;
    if (!(pde & PTE_P))
        return page_fault(cpu, va, acc, user, 0);
    bool large = (pde & PTE_PS) && (cpu->cr4 & CR4_PSE);
    uint32_t *ptep = pdep;
    if (!large) {
        ptep = guest_memory__hva(mem, (pde & PDE32_ADDR) + ((va >> 12) & 0x3ff) * 4, 4);
        if (!ptep)
            return page_fault(cpu, va, acc, user, PF_P | PF_RSVD);
        pte = __atomic_load_n(ptep, __ATOMIC_ACQUIRE);
        if (!(pte & PTE_P))
            return page_fault(cpu, va, acc, user, 0);
    }
    bool rw = (pde & PTE_RW) && (pte & PTE_RW), us = (pde & PTE_US) && (pte & PTE_US);
    bool write_ok = user ? rw && us : rw || !(cpu->cr0 & CR0_WP);
    if ((user && !us) || (kind == ACC_WRITE && !write_ok))
        return page_fault(cpu, va, acc, user, PF_P);

    bool dirty = (pte & PTE_D) || kind == ACC_WRITE;
    uint32_t d = dirty ? PTE_D : 0;
    if (!update32(pdep, pde, pde | PTE_A | (large ? d : 0)) ||
        (!large && !update32(ptep, pte, pte | PTE_A | d)))
        goto retry; /* an entry changed under us: walk again */
    if (pde != (pde | PTE_A | (large ? d : 0)))
        guest_dirty__mark_host(mem, pdep, 4);
    if (!large && pte != (pte | PTE_A | d))
        guest_dirty__mark_host(mem, ptep, 4);
    uint64_t ppage =
        large ? (pde & PDE32_4M_ADDR) | ((uint64_t)((pde >> 13) & 0xff) << 32) | (va & 0x3ff000)
              : pte & PDE32_ADDR;
    *w = (struct emu_walk){
        .ppage = ppage,
        .write_ok = write_ok && dirty,
        .exec_ok = !user || us,
        .global = (pte & PTE_G) && (cpu->cr4 & CR4_PGE),
        .large = large,
        .page_shift = large ? 22 : 12,
    };
    return EMU_NEXT;
}

int emu_mmu_walk(struct emu_cpu *cpu, uint64_t va, unsigned acc, bool user, struct emu_walk *w)
{
    unsigned kind = acc & ACC_KIND;
    if (!(cpu->cr0 & CR0_PG)) {
        *w = (struct emu_walk){.ppage = va & PAGE_MASK & 0xffffffffull,
                               .write_ok = true,
                               .exec_ok = true,
                               .page_shift = 12};
        return EMU_NEXT;
    }
    bool ia32e = cpu->efer & EFER_LMA;
    if (!ia32e && !(cpu->cr4 & CR4_PAE))
        return walk32(cpu, va, acc, user, w);

    uint64_t *entries[4], seen[4];
    uint64_t table;
    bool rw, us, nx;
    int level, top = ia32e ? 3 : 1;
    uint64_t pte;
retry:
    table = cpu->cr3 & PTE_ADDR;
    rw = true, us = true, nx = false;
    if (!ia32e) { /* PAE: the PDPTE names the page directory; it has no A, R/W or U/S bits */
        uint64_t *p =
            guest_memory__hva(&cpu->m->mem, (cpu->cr3 & 0xffffffe0u) + ((va >> 30) & 3) * 8, 8);
        uint64_t pdpte = p ? __atomic_load_n(p, __ATOMIC_ACQUIRE) : ~0ull;
        if (!(pdpte & PTE_P))
            return page_fault(cpu, va, acc, user, 0);
        if (pdpte & PDPTE_RSVD)
            return page_fault(cpu, va, acc, user, PF_P | PF_RSVD);
        table = pdpte & PTE_ADDR;
    }
    for (level = top;; level--) {
        uint64_t addr = table + ((va >> (12 + 9 * level)) & 511) * 8;
        uint64_t *p = guest_memory__hva(&cpu->m->mem, addr, 8);
        entries[level] = p;
        pte = p ? __atomic_load_n(p, __ATOMIC_ACQUIRE) : ~0ull;
        seen[level] = pte;
        if (!(pte & PTE_P))
            return page_fault(cpu, va, acc, user, 0);
        if (pte & rsvd_mask(cpu, level, pte))
            return page_fault(cpu, va, acc, user, PF_P | PF_RSVD);
        rw &= !!(pte & PTE_RW);
        us &= !!(pte & PTE_US);
        nx |= (cpu->efer & EFER_NXE) && (pte & PTE_NX);
        if (level == 0 || (pte & PTE_PS))
            break;
        table = pte & PTE_ADDR;
    }

    bool write_ok = user ? rw && us : rw || !(cpu->cr0 & CR0_WP);
    bool exec_ok = !nx && (!user || us);
    if ((user && !us) || (kind == ACC_WRITE && !write_ok) || (kind == ACC_EXEC && !exec_ok))
        return page_fault(cpu, va, acc, user, PF_P);

    bool dirty = (pte & PTE_D) || kind == ACC_WRITE;
    for (int l = top; l >= level; l--) {
        uint64_t want = seen[l] | PTE_A | (l == level && dirty ? PTE_D : 0);
        if (want != seen[l] && entries[l] &&
            !__atomic_compare_exchange_n(entries[l], &seen[l], want, false, __ATOMIC_ACQ_REL,
                                         __ATOMIC_ACQUIRE))
            goto retry; /* the entry changed under us: walk again */
        if (want != seen[l] && entries[l])
            guest_dirty__mark_host(&cpu->m->mem, entries[l], 8); /* A/D set: live migration */
    }

    uint64_t page_bytes = 1ull << (12 + 9 * level);
    uint64_t base = pte & PTE_ADDR & ~(page_bytes - 1);
    *w = (struct emu_walk){
        .ppage = base | (va & (page_bytes - 1) & PAGE_MASK),
        .write_ok = write_ok && dirty,
        .exec_ok = exec_ok,
        .global = (pte & PTE_G) && (cpu->cr4 & CR4_PGE),
        .large = level > 0,
        .page_shift = (uint8_t)(12 + 9 * level),
    };
    return EMU_NEXT;
}
