// SPDX-License-Identifier: Apache-2.0
/*
 * entry.c - long-mode entry state of the boot CPU (see entry.h).
 *
 * The segment descriptor caches are unpacked from the very descriptors
 * written to the boot GDT (SDM vol. 3A, 3.4.5 "Segment Descriptors"), so the
 * two always agree. TR and LDTR have no descriptor in the boot GDT: they get
 * the values a CPU has after reset (a busy TSS type, as VM entry requires in
 * IA-32e mode, SDM vol. 3C, 27.3.1.2); the kernel loads its own.
 */
#include "board/boot/entry.h"

#include <string.h>

#include "board/layout.h"

#define CR0_PE           (1ull << 0)
#define CR0_ET           (1ull << 4)
#define CR0_NE           (1ull << 5)
#define CR0_PG           (1ull << 31)
#define CR4_PAE          (1ull << 5)
#define EFER_LME         (1ull << 8)
#define EFER_LMA         (1ull << 10)
#define RFLAGS_FIXED     (1ull << 1)
#define APIC_BASE_BSP    (1ull << 8)
#define APIC_BASE_ENABLE (1ull << 11)

#define PTE_PRESENT       (1ull << 0)
#define PTE_WRITE         (1ull << 1)
#define PTE_LARGE         (1ull << 7) /* PS: a 2 MiB page in a page directory */
#define ENTRIES_PER_TABLE 512
#define IDENTITY_MAP_GIB  4

#define DESC_TYPE_CODE_XRA 0xb /* execute/read, accessed */
#define DESC_TYPE_DATA_RWA 0x3 /* read/write, accessed */
#define DESC_TYPE_TSS_BUSY 0xb
#define DESC_TYPE_LDT      0x2

/* Descriptor flags as in bits 40-55 of a descriptor: G, D/B, L, AVL in the high nibble */
#define DESC_S  (1u << 4)
#define DESC_P  (1u << 7)
#define DESC_L  (1u << 13)
#define DESC_DB (1u << 14)
#define DESC_G  (1u << 15)

static uint64_t descriptor(uint16_t flags, uint32_t base, uint32_t limit)
{
    return (uint64_t)(limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 |
           (uint64_t)(flags & 0xf0ff) << 40 | (uint64_t)((limit >> 16) & 0xf) << 48 |
           (uint64_t)(base >> 24) << 56;
}

static struct cpu_segment segment_from_descriptor(uint64_t d, uint16_t selector)
{
    uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
    uint8_t g = (d >> 55) & 1;
    return (struct cpu_segment){
        .base = ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000),
        .limit = g ? (limit << 12) | 0xfff : limit,
        .selector = selector,
        .type = (d >> 40) & 0xf,
        .s = (d >> 44) & 1,
        .dpl = (d >> 45) & 3,
        .present = (d >> 47) & 1,
        .avl = (d >> 52) & 1,
        .l = (d >> 53) & 1,
        .db = (d >> 54) & 1,
        .g = g,
    };
}

_Static_assert(LAYOUT_PDPT == LAYOUT_PML4 + KIB(4) && LAYOUT_PD == LAYOUT_PDPT + KIB(4),
               "the boot page tables are contiguous");

static int write_page_tables(const struct guest_memory *mem)
{
    const uint64_t tables_end = LAYOUT_PD + IDENTITY_MAP_GIB * KIB(4);
    uint64_t *pml4 = guest_memory__hva(mem, LAYOUT_PML4, tables_end - LAYOUT_PML4);
    if (!pml4)
        return -1;
    uint64_t *pdpt = pml4 + (LAYOUT_PDPT - LAYOUT_PML4) / 8;
    uint64_t *pd = pml4 + (LAYOUT_PD - LAYOUT_PML4) / 8;
    memset(pml4, 0, tables_end - LAYOUT_PML4);

    pml4[0] = LAYOUT_PDPT | PTE_PRESENT | PTE_WRITE;
    for (uint64_t i = 0; i < IDENTITY_MAP_GIB; i++)
        pdpt[i] = (LAYOUT_PD + i * KIB(4)) | PTE_PRESENT | PTE_WRITE;
    for (uint64_t i = 0; i < IDENTITY_MAP_GIB * ENTRIES_PER_TABLE; i++)
        pd[i] = i * MIB(2) | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
    return 0;
}

int boot__long_mode_entry(const struct guest_memory *mem, uint64_t rip, struct cpu_state *st,
                          struct err *err)
{
    const uint64_t gdt[] = {
        0,
        0,
        [LAYOUT_BOOT_CS / 8] =
            descriptor(DESC_G | DESC_L | DESC_P | DESC_S | DESC_TYPE_CODE_XRA, 0, 0xfffff),
        [LAYOUT_BOOT_DS / 8] =
            descriptor(DESC_G | DESC_DB | DESC_P | DESC_S | DESC_TYPE_DATA_RWA, 0, 0xfffff),
    };
    const uint64_t empty_idt[2] = {0};
    if (guest_memory__write(mem, LAYOUT_GDT, gdt, sizeof(gdt)) ||
        guest_memory__write(mem, LAYOUT_IDT, empty_idt, sizeof(empty_idt)) ||
        write_page_tables(mem))
        return err__set(err, "guest memory too small for the boot page tables");

    memset(st->gpr, 0, sizeof(st->gpr));
    st->gpr[CPU_RSI] = LAYOUT_BOOT_PARAMS;
    st->gpr[CPU_RSP] = LAYOUT_BOOT_STACK;
    st->rip = rip;
    st->rflags = RFLAGS_FIXED;

    st->cs = segment_from_descriptor(gdt[LAYOUT_BOOT_CS / 8], LAYOUT_BOOT_CS);
    st->ds = segment_from_descriptor(gdt[LAYOUT_BOOT_DS / 8], LAYOUT_BOOT_DS);
    st->es = st->ss = st->fs = st->gs = st->ds;
    st->tr = (struct cpu_segment){.limit = 0x67, .type = DESC_TYPE_TSS_BUSY, .present = 1};
    st->ldt = (struct cpu_segment){.limit = 0xffff, .type = DESC_TYPE_LDT, .present = 1};
    st->gdt = (struct cpu_dtable){.base = LAYOUT_GDT, .limit = sizeof(gdt) - 1};
    st->idt = (struct cpu_dtable){.base = LAYOUT_IDT, .limit = 0};

    st->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
    st->cr2 = 0;
    st->cr3 = LAYOUT_PML4;
    st->cr4 = CR4_PAE;
    st->efer = EFER_LME | EFER_LMA;
    st->apic_base = LAYOUT_LAPIC_BASE | APIC_BASE_ENABLE | APIC_BASE_BSP;
    st->mp_state = CPU_MP_RUNNABLE;
    st->interrupt_shadow = false;
    return 0;
}
