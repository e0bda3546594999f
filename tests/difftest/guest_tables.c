// SPDX-License-Identifier: Apache-2.0
/*
 * guest_tables.c - a minimal 64-bit user-mode world for the emu engine
 * (SDM vol. 3A: 4.5 4-level paging, 3.4.5 segment descriptors, 7.2.3 the
 * 64-bit TSS).
 *
 * Virtual = physical. The sandbox pages are mapped user-accessible at 4 KiB
 * granularity, the code page executable, the data pages NX, exactly as the
 * host process maps them; every other page in that 2 MiB is not present, so
 * an access outside the sandbox faults on both sides. The system structures
 * live in the first 2 MiB, mapped supervisor-only:
 *   0x1000 PML4, 0x2000 PDPT, 0x3000 PD, 0x4000 PT of the sandbox,
 *   0x5000 GDT, 0x6000 TSS, 0x7000 IDT (empty: the test hook stops at
 *   exceptions before delivery), 0x9000 ring-0 stack top.
 */
#include "guest_tables.h"

#include <string.h>

#include "difftest.h"

#define PML4_GPA 0x1000ull
#define PDPT_GPA 0x2000ull
#define PD_GPA   0x3000ull
#define PT_GPA   0x4000ull
#define GDT_GPA  0x5000ull
#define TSS_GPA  0x6000ull
#define IDT_GPA  0x7000ull
#define RSP0     0x9000ull

#define PTE_P  (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)

/* GDT selectors, in the order SYSRET expects (user data, then user code) */
#define SEL_KERNEL_CS 0x08
#define SEL_KERNEL_DS 0x10
#define SEL_USER_DS   (0x18 | 3)
#define SEL_USER_CS   (0x20 | 3)
#define SEL_TSS       0x28

#define CR0_PE         (1ull << 0)
#define CR0_MP         (1ull << 1)
#define CR0_ET         (1ull << 4)
#define CR0_NE         (1ull << 5)
#define CR0_WP         (1ull << 16)
#define CR0_AM         (1ull << 18)
#define CR0_PG         (1ull << 31)
#define CR4_PAE        (1ull << 5)
#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define EFER_SCE       (1ull << 0)
#define EFER_LME       (1ull << 8)
#define EFER_LMA       (1ull << 10)
#define EFER_NXE       (1ull << 11)

static int put64(struct guest_memory *mem, uint64_t gpa, uint64_t value, struct err *err)
{
    if (guest_memory__write(mem, gpa, &value, sizeof(value)))
        return err__set(err, "guest address %#llx is not ram", (unsigned long long)gpa);
    return 0;
}

/* The PT entry of the sandbox page at va: 0 if the host does not map it either. */
static uint64_t sandbox_pte(uint64_t va)
{
    if (va >= DT_CODE_ADDR && va < DT_CODE_ADDR + DT_CODE_SIZE)
        return va | PTE_P | PTE_RW | PTE_US;
    if (va >= DT_DATA_ADDR && va < DT_DATA_END)
        return va | PTE_P | PTE_RW | PTE_US | PTE_NX;
    return 0;
}

static int build_paging(struct guest_memory *mem, struct err *err)
{
    uint64_t pt_base = DT_CODE_ADDR & ~0x1fffffull;
    _Static_assert((DT_DATA_END - 1 - (DT_CODE_ADDR & ~0x1fffffull)) < 0x200000,
                   "code and data must share one page table");

    if (put64(mem, PML4_GPA, PDPT_GPA | PTE_P | PTE_RW | PTE_US, err) ||
        put64(mem, PDPT_GPA + 8 * ((pt_base >> 30) & 511), PD_GPA | PTE_P | PTE_RW | PTE_US, err) ||
        put64(mem, PD_GPA, 0 | PTE_P | PTE_RW | PTE_PS, err) ||
        put64(mem, PD_GPA + 8 * ((pt_base >> 21) & 511), PT_GPA | PTE_P | PTE_RW | PTE_US, err))
        return -1;
    for (uint64_t i = 0; i < 512; i++)
        if (put64(mem, PT_GPA + 8 * i, sandbox_pte(pt_base + (i << 12)), err))
            return -1;
    return 0;
}

static int build_gdt(struct guest_memory *mem, struct err *err)
{
    uint64_t tss_low =
        0x67 | ((TSS_GPA & 0xffffff) << 16) | (0x89ull << 40) | ((TSS_GPA >> 24) & 0xff) << 56;
    uint64_t gdt[7] = {
        0,
        0x00af9b000000ffffull,  /* kernel code: 64-bit, DPL 0 */
        0x00cf93000000ffffull,  /* kernel data */
        0x00cff3000000ffffull,  /* user data: DPL 3 */
        0x00affb000000ffffull,  /* user code: 64-bit, DPL 3 */
        tss_low | (1ull << 41), /* 64-bit TSS, busy (loaded in TR) */
        TSS_GPA >> 32,
    };
    uint8_t tss[0x68];
    memset(tss, 0, sizeof(tss));
    uint64_t rsp0 = RSP0;
    memcpy(tss + 4, &rsp0, 8);
    uint16_t iomap_base = sizeof(tss);
    memcpy(tss + 0x66, &iomap_base, 2);

    if (guest_memory__write(mem, GDT_GPA, gdt, sizeof(gdt)) ||
        guest_memory__write(mem, TSS_GPA, tss, sizeof(tss)))
        return err__set(err, "guest memory too small for the gdt");
    return 0;
}

static struct cpu_segment flat_segment(uint16_t selector, uint8_t type, uint8_t l, uint8_t db)
{
    return (struct cpu_segment){
        .base = 0,
        .limit = 0xffffffff,
        .selector = selector,
        .type = type,
        .s = 1,
        .dpl = 3,
        .present = 1,
        .l = l,
        .db = db,
        .g = 1,
    };
}

int guest_tables__build(struct guest_memory *mem, struct cpu_state *st, struct err *err)
{
    if (build_paging(mem, err) || build_gdt(mem, err))
        return -1;

    st->cs = flat_segment(SEL_USER_CS, 0xb, 1, 0);
    st->ss = flat_segment(SEL_USER_DS, 0x3, 0, 1);
    st->ds = st->ss;
    st->es = st->ss;
    st->fs = st->ss;
    st->gs = st->ss;
    st->tr = (struct cpu_segment){
        .base = TSS_GPA, .limit = 0x67, .selector = SEL_TSS, .type = 0xb, .present = 1};
    st->ldt = (struct cpu_segment){.unusable = 1};
    st->gdt = (struct cpu_dtable){.base = GDT_GPA, .limit = 7 * 8 - 1};
    st->idt = (struct cpu_dtable){.base = IDT_GPA, .limit = 0};

    st->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;
    st->cr2 = 0;
    st->cr3 = PML4_GPA;
    st->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    st->efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
    return 0;
}
