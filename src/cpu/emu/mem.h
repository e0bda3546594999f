/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mem.h - guest virtual memory accesses through the software TLB.
 *
 * The fast paths are inline: one tag compare against the direct-mapped TLB
 * entry and a host load/store through the entry's addend (QEMU softmmu's
 * design). Everything else - TLB misses, MMIO, pages holding decoded code,
 * accesses that cross a page, non-canonical addresses - goes to mem.c.
 * Every function returns EMU_NEXT, or EMU_FAULT with the exception raised
 * and nothing written. mem_read, mem_write and mem_rmw_begin access one
 * operand and check its alignment (#AC); emu_mem_access does not, its
 * callers check the alignment their operand needs with mem_check_align.
 */
#ifndef STRATA_CPU_EMU_MEM_H
#define STRATA_CPU_EMU_MEM_H

#include "cpu/emu/cpu.h"

/* Access kinds (low two bits) and modifiers. */
#define ACC_READ  0u
#define ACC_WRITE 1u
#define ACC_EXEC  2u
#define ACC_KIND  3u
#define ACC_STACK 4u /* SS-relative: a non-canonical address raises #SS, not #GP */
#define ACC_SYS   8u /* implicit supervisor access (GDT, IDT, TSS) whatever the CPL */

static inline unsigned acc_of_seg(unsigned seg)
{
    return seg == SEG_SS ? ACC_STACK : 0;
}

static inline struct emu_tlb_entry *tlb_entry(struct emu_cpu *cpu, unsigned idx, uint64_t va)
{
    return &cpu->tlb[idx][(va >> 12) & (TLB_ENTRIES - 1)];
}

static inline bool fits_page(uint64_t va, unsigned size)
{
    return (va & (PAGE_SIZE - 1)) <= PAGE_SIZE - size;
}

/* Guest data need not be aligned: one host access each, defined in GNU C for any address. */
typedef uint16_t __attribute__((aligned(1), may_alias)) host_u16;
typedef uint32_t __attribute__((aligned(1), may_alias)) host_u32;
typedef uint64_t __attribute__((aligned(1), may_alias)) host_u64;

static inline uint64_t host_load(const void *p, unsigned size)
{
    switch (size) {
    case 1: return *(const uint8_t *)p;
    case 2: return *(const host_u16 *)p;
    case 4: return *(const host_u32 *)p;
    default: return *(const host_u64 *)p;
    }
}

static inline void host_store(void *p, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: *(uint8_t *)p = (uint8_t)v; break;
    case 2: *(host_u16 *)p = (uint16_t)v; break;
    case 4: *(host_u32 *)p = (uint32_t)v; break;
    default: *(host_u64 *)p = v; break;
    }
}

/*
 * Alignment checking (SDM vol. 3A, 6.15 "Interrupt 17"): at CPL 3 with
 * CR0.AM and RFLAGS.AC set, a data access at an address that is not a
 * multiple of its operand's alignment raises #AC(0). The CPU checks it after
 * the canonical check (#GP/#SS come first) and before the page walk (#AC
 * comes before #PF). Misaligned operands are rare: the test of the address
 * comes first, the conditions only then.
 */
static inline bool ac_enabled(const struct emu_cpu *cpu)
{
    return cpu->cpl == 3 && (cpu->cr0 & CR0_AM) && (cpu->rflags & FL_AC);
}

/* Raises #AC(0) for a misaligned va, unless acc or the address rules it out. */
int emu_mem_misaligned(struct emu_cpu *cpu, uint64_t va, unsigned acc);

/* align is a power of two: the alignment the operand needs (SDM vol. 3A, table 6-7). */
static inline int mem_check_align(struct emu_cpu *cpu, uint64_t va, unsigned align, unsigned acc)
{
    if (likely(!(va & (align - 1))) || likely(!ac_enabled(cpu)))
        return EMU_NEXT;
    return emu_mem_misaligned(cpu, va, acc);
}

/* The alignment an operand of size bytes needs: its size, 8 for an 80-bit x87 operand. */
static inline unsigned operand_align(unsigned size)
{
    return size == 10 ? 8 : size;
}

/* General path: any size, any access; buf holds size bytes (little-endian). */
int emu_mem_access(struct emu_cpu *cpu, uint64_t va, unsigned size, unsigned acc, void *buf);

static inline int mem_read(struct emu_cpu *cpu, uint64_t va, unsigned size, unsigned acc,
                           uint64_t *out)
{
    int st = mem_check_align(cpu, va, operand_align(size), acc);
    if (unlikely(st))
        return st;
    struct emu_tlb_entry *e = tlb_entry(cpu, cpu->mmu_idx, va);
    if (likely(e->tag_read == (va & PAGE_MASK) && fits_page(va, size))) {
        *out = host_load((const void *)(e->addend + va), size);
        return EMU_NEXT;
    }
    *out = 0;
    return emu_mem_access(cpu, va, size, acc | ACC_READ, out);
}

static inline int mem_write(struct emu_cpu *cpu, uint64_t va, unsigned size, unsigned acc,
                            uint64_t v)
{
    int st = mem_check_align(cpu, va, operand_align(size), acc);
    if (unlikely(st))
        return st;
    struct emu_tlb_entry *e = tlb_entry(cpu, cpu->mmu_idx, va);
    if (likely(e->tag_write == (va & PAGE_MASK) && fits_page(va, size))) {
        host_store((void *)(e->addend + va), size, v);
        return EMU_NEXT;
    }
    return emu_mem_access(cpu, va, size, acc | ACC_WRITE, &v);
}

/*
 * Read-modify-write: begin checks write access (so that a fault happens
 * before anything changes), then load/store or compare-and-swap. With a host
 * pointer the CAS is a host atomic: LOCKed instructions stay atomic under SMP.
 */
struct emu_rmw {
    void *host; /* NULL: go through emu_mem_access */
    uint64_t va;
    unsigned size;
    unsigned acc;
};

int emu_mem_rmw_begin_slow(struct emu_cpu *cpu, struct emu_rmw *m);

static inline int mem_rmw_begin(struct emu_cpu *cpu, uint64_t va, unsigned size, unsigned acc,
                                struct emu_rmw *m)
{
    int st = mem_check_align(cpu, va, operand_align(size), acc);
    if (unlikely(st))
        return st;
    struct emu_tlb_entry *e = tlb_entry(cpu, cpu->mmu_idx, va);
    m->va = va;
    m->size = size;
    m->acc = acc;
    if (likely(e->tag_write == (va & PAGE_MASK) && fits_page(va, size))) {
        m->host = (void *)(e->addend + va);
        return EMU_NEXT;
    }
    return emu_mem_rmw_begin_slow(cpu, m);
}

static inline uint64_t mem_rmw_load(struct emu_cpu *cpu, const struct emu_rmw *m)
{
    if (likely(m->host))
        return host_load(m->host, m->size);
    uint64_t v = 0;
    emu_mem_access(cpu, m->va, m->size, m->acc | ACC_READ, &v);
    return v;
}

static inline void mem_rmw_store(struct emu_cpu *cpu, const struct emu_rmw *m, uint64_t v)
{
    if (likely(m->host))
        host_store(m->host, m->size, v);
    else
        emu_mem_access(cpu, m->va, m->size, m->acc | ACC_WRITE, &v);
}

/* Stores new if memory still holds *old; else updates *old and fails. */
static inline bool mem_rmw_cas(struct emu_cpu *cpu, const struct emu_rmw *m, uint64_t *old,
                               uint64_t new)
{
    if (likely(m->host)) {
        switch (m->size) {
        case 1: {
            uint8_t o = (uint8_t)*old;
            bool ok = __atomic_compare_exchange_n((uint8_t *)m->host, &o, (uint8_t) new, false,
                                                  __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
            *old = o;
            return ok;
        }
        case 2: {
            uint16_t o = (uint16_t)*old;
            bool ok = __atomic_compare_exchange_n((uint16_t *)m->host, &o, (uint16_t) new, false,
                                                  __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
            *old = o;
            return ok;
        }
        case 4: {
            uint32_t o = (uint32_t)*old;
            bool ok = __atomic_compare_exchange_n((uint32_t *)m->host, &o, (uint32_t) new, false,
                                                  __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
            *old = o;
            return ok;
        }
        default:
            return __atomic_compare_exchange_n((uint64_t *)m->host, old, new, false,
                                               __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        }
    }
    uint64_t cur = mem_rmw_load(cpu, m); /* split or MMIO: not atomic, as a split lock is not */
    if (cur != (*old & size_mask(m->size))) {
        *old = cur;
        return false;
    }
    mem_rmw_store(cpu, m, new);
    return true;
}

/* Stack helpers for 64-bit mode (SDM vol. 1, 6.2). */
static inline int push64(struct emu_cpu *cpu, uint64_t v)
{
    uint64_t rsp = cpu->r[CPU_RSP] - 8;
    int st = mem_write(cpu, rsp, 8, ACC_STACK, v);
    if (likely(st == EMU_NEXT))
        cpu->r[CPU_RSP] = rsp;
    return st;
}

/* Guest-physical page of va for an instruction fetch, and its host address. */
int emu_mem_fetch_page(struct emu_cpu *cpu, uint64_t va, uint64_t *ppage, const uint8_t **host);

#endif
