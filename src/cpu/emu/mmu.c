// SPDX-License-Identifier: Apache-2.0
/*
 * mmu.c - 4-level page walk with 4 KiB, 2 MiB and 1 GiB pages (SDM vol. 3A,
 * 4.5), permission checks (U/S, R/W with CR0.WP, NX with EFER.NXE; 4.6),
 * accessed/dirty bits written back with a compare-and-swap on the entry as
 * read, restarting the walk if it changed meanwhile (4.8: "locked
 * operations"), so that vCPUs walking the same tables, or the guest
 * editing them, lose no bits and never set bits in an entry the walk did
 * not use, and #PF error codes (4.7). Page-table entries outside RAM read
 * as all-ones, like unclaimed bus reads, and so fault as reserved-bit
 * violations.
 */
#include "cpu/emu/mmu.h"

#include "cpu/emu/except.h"
#include "cpu/emu/mem.h"
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

int emu_mmu_walk(struct emu_cpu *cpu, uint64_t va, unsigned acc, bool user, struct emu_walk *w)
{
    unsigned kind = acc & ACC_KIND;
    if (!(cpu->cr0 & CR0_PG)) {
        *w = (struct emu_walk){
            .ppage = va & PAGE_MASK & 0xffffffffull, .write_ok = true, .exec_ok = true};
        return EMU_NEXT;
    }

    uint64_t *entries[4], seen[4];
    uint64_t table;
    bool rw, us, nx;
    int level;
    uint64_t pte;
retry:
    table = cpu->cr3 & PTE_ADDR;
    rw = true, us = true, nx = false;
    for (level = 3;; level--) {
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
    for (int l = 3; l >= level; l--) {
        uint64_t want = seen[l] | PTE_A | (l == level && dirty ? PTE_D : 0);
        if (want != seen[l] && entries[l] &&
            !__atomic_compare_exchange_n(entries[l], &seen[l], want, false, __ATOMIC_ACQ_REL,
                                         __ATOMIC_ACQUIRE))
            goto retry; /* the entry changed under us: walk again */
    }

    uint64_t page_bytes = 1ull << (12 + 9 * level);
    uint64_t base = pte & PTE_ADDR & ~(page_bytes - 1);
    *w = (struct emu_walk){
        .ppage = base | (va & (page_bytes - 1) & PAGE_MASK),
        .write_ok = write_ok && dirty,
        .exec_ok = exec_ok,
        .global = (pte & PTE_G) && (cpu->cr4 & CR4_PGE),
        .large = level > 0,
    };
    return EMU_NEXT;
}
