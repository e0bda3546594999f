// SPDX-License-Identifier: Apache-2.0
/*
 * mem.c - the slow paths of guest virtual memory accesses (see mem.h):
 * canonical-address checks (#GP/#SS, SDM vol. 1, 3.3.7.1), TLB fills,
 * accesses that cross a page (both pages are translated before anything
 * is written, so a fault leaves memory unchanged), MMIO through the
 * machine's bus or to the vCPU's local APIC, writes to pages that
 * hold decoded code, and first writes to pages clean in the dirty page log.
 */
#include "cpu/emu/mem.h"

#include "cpu/emu/codecache.h"
#include "cpu/emu/codeshare.h"
#include "cpu/emu/irq.h"
#include "cpu/emu/raise.h"
#include "cpu/emu/tlb.h"
#include "machine/dirty.h"
#include "machine/machine.h"
#include "util/log.h"

/*
 * Outside IA-32e mode linear addresses are 32 bits: a base plus an offset
 * wraps at 4 GiB (SDM vol. 3A, 3.4). Addresses reach this slow path only
 * then, as the TLB holds no tag above 4 GiB.
 */
static inline uint64_t linear(const struct emu_cpu *cpu, uint64_t va)
{
    return likely(cpu->efer & EFER_LMA) ? va : (uint32_t)va;
}

static uint64_t entry_tag(const struct emu_tlb_entry *e, unsigned kind)
{
    return kind == ACC_WRITE ? e->tag_write : kind == ACC_EXEC ? e->tag_exec : e->tag_read;
}

/* #AC(0) (mem.h, mem_check_align): not for implicit supervisor accesses nor before a #GP/#SS. */
int emu_mem_misaligned(struct emu_cpu *cpu, uint64_t va, unsigned acc)
{
    if ((acc & ACC_SYS) || !is_canonical(linear(cpu, va)))
        return EMU_NEXT;
    return emu_raise_err(cpu, EXC_AC, 0);
}

/*
 * A store is coming through e: a page clean in the dirty page log is marked
 * (before the store, within the same instruction: the log is only taken
 * with the vCPUs paused) and its entry takes the fast path from now on.
 */
static void note_store(struct emu_cpu *cpu, struct emu_tlb_entry *e)
{
    if (unlikely(e->tag_write & TLB_CLEAN)) {
        guest_dirty__mark(&cpu->m->mem, e->ppage, PAGE_SIZE);
        e->tag_write &= ~TLB_CLEAN;
    }
}

/* The TLB entry that maps va for this access, filled if needed. */
static int translate(struct emu_cpu *cpu, uint64_t va, unsigned acc, struct emu_tlb_entry **pe)
{
    if (unlikely(!is_canonical(va)))
        return (acc & ACC_STACK) ? emu_raise_err(cpu, EXC_SS, 0) : emu_raise_gp0(cpu);
    unsigned idx = (acc & ACC_SYS) ? MMU_SUPERVISOR : cpu->mmu_idx;
    struct emu_tlb_entry *e = tlb_entry(cpu, idx, va);
    uint64_t tag = entry_tag(e, acc & ACC_KIND);
    int st = EMU_NEXT;
    if (!(tag & TLB_INVALID) && (tag & PAGE_MASK) == (va & PAGE_MASK))
        *pe = e;
    else
        st = emu_tlb_fill(cpu, idx, va, acc & ACC_KIND, pe);
    if (st == EMU_NEXT && (acc & ACC_KIND) == ACC_WRITE)
        note_store(cpu, *pe);
    return st;
}

/* The vCPU's own xAPIC page (docs/platform.md, "The xAPIC page"), else the MMIO bus. */
static void mmio_access(struct emu_cpu *cpu, uint64_t pa, unsigned size, bool write, uint8_t *buf)
{
    const struct bus *bus = &cpu->m->mmio;
    bool apic = (pa & PAGE_MASK) == cpu->apic_page;
    if (size == 1 || size == 2 || size == 4 || size == 8) {
        uint64_t v = 0;
        if (write) {
            memcpy(&v, buf, size);
            if (apic)
                lapic__mmio_write(cpu->lapic, pa & ~PAGE_MASK, size, v);
            else
                bus__write(bus, pa, size, v);
        } else {
            if (apic)
                v = lapic__mmio_read(cpu->lapic, pa & ~PAGE_MASK, size);
            else
                bus__read(bus, pa, size, &v);
            memcpy(buf, &v, size);
        }
        return;
    }
    for (unsigned k = 0; k < size; k++)
        mmio_access(cpu, pa + k, 1, write, buf + k);
}

/* One piece of an access that lies within the page of entry e. */
static void access_piece(struct emu_cpu *cpu, struct emu_tlb_entry *e, uint64_t va, unsigned size,
                         unsigned kind, uint8_t *buf)
{
    uint64_t tag = entry_tag(e, kind);
    if (tag & TLB_MMIO) {
        mmio_access(cpu, e->ppage | (va & ~PAGE_MASK), size, kind == ACC_WRITE, buf);
        return;
    }
    uint8_t *host = (uint8_t *)(e->addend + va);
    if (kind == ACC_WRITE) {
        uint64_t ppage = e->ppage;
        if (tag & TLB_CODE)
            emu_code_invalidate_page(cpu, ppage);
        memcpy(host, buf, size);
        if (tag & TLB_CODE)
            emu_codeshare_written(cpu, ppage); /* after the store (codeshare.h) */
    } else {
        memcpy(buf, host, size);
    }
}

int emu_mem_access(struct emu_cpu *cpu, uint64_t va, unsigned size, unsigned acc, void *buf)
{
    unsigned kind = acc & ACC_KIND;
    struct emu_tlb_entry *e1, *e2;
    va = linear(cpu, va);
    int st = translate(cpu, va, acc, &e1);
    if (st)
        return st;
    if (fits_page(va, size)) {
        access_piece(cpu, e1, va, size, kind, buf);
        return EMU_NEXT;
    }
    uint64_t va2 = linear(cpu, (va | ~PAGE_MASK) + 1);
    unsigned n1 = (unsigned)(PAGE_SIZE - (va & ~PAGE_MASK));
    st = translate(cpu, va2, acc, &e2);
    if (st)
        return st;
    access_piece(cpu, e1, va, n1, kind, buf);
    access_piece(cpu, e2, va2, size - n1, kind, (uint8_t *)buf + n1);
    return EMU_NEXT;
}

int emu_mem_rmw_begin_slow(struct emu_cpu *cpu, struct emu_rmw *m)
{
    struct emu_tlb_entry *e;
    m->host = NULL;
    m->va = linear(cpu, m->va);
    int st = translate(cpu, m->va, m->acc | ACC_WRITE, &e);
    if (st)
        return st;
    if (!fits_page(m->va, m->size)) {
        uint64_t va2 = linear(cpu, (m->va | ~PAGE_MASK) + 1);
        return translate(cpu, va2, m->acc | ACC_WRITE, &e);
    }
    if (e->tag_write == (m->va & PAGE_MASK))
        m->host = (void *)(e->addend + m->va);
    return EMU_NEXT;
}

int emu_mem_fetch_page(struct emu_cpu *cpu, uint64_t va, uint64_t *ppage, const uint8_t **host)
{
    struct emu_tlb_entry *e;
    va = linear(cpu, va);
    int st = translate(cpu, va, ACC_EXEC, &e);
    if (st)
        return st;
    if (e->tag_exec & TLB_MMIO) {
        log_ratelimited("emu: instruction fetch from non-RAM address %#llx (rip %#llx)",
                        (unsigned long long)(e->ppage | (va & ~PAGE_MASK)), (unsigned long long)va);
        machine__stop(cpu->m, MACHINE_STOP_FAILURE, EXIT_STATUS_FAILURE);
        return emu_raise(cpu, EXC_MC);
    }
    *ppage = e->ppage;
    *host = (const uint8_t *)(e->addend + (va & PAGE_MASK));
    return EMU_NEXT;
}
