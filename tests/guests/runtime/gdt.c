// SPDX-License-Identifier: Apache-2.0
/*
 * gdt.c - builds and loads the GDT and 64-bit TSS of gdt.h (Intel SDM vol.
 * 3A, 3.4.5 "Segment descriptors", 7.2.3 "TSS descriptor in 64-bit mode",
 * 7.7 "Task management in 64-bit mode").
 */
#include "gdt.h"

#include "x86.h"

/* Descriptor access bytes and flags */
#define SEG_PRESENT   (1ull << 47)
#define SEG_CODE_DATA (1ull << 44) /* S = 1 */
#define SEG_DPL3      (3ull << 45)
#define SEG_CODE      (0xaull << 40) /* execute/read */
#define SEG_DATA      (0x2ull << 40) /* read/write */
#define SEG_LONG      (1ull << 53)   /* L: 64-bit code */
#define SEG_BIG       (1ull << 54)   /* D/B: 32-bit */
#define SEG_GRANULAR  (1ull << 55)   /* limit in 4 KiB units */
#define SEG_LIMIT_MAX (0xffffull | (0xfull << 48))
#define TSS_AVAILABLE (0x9ull << 40)

#define FLAT (SEG_PRESENT | SEG_CODE_DATA | SEG_GRANULAR | SEG_LIMIT_MAX)

struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

static struct tss64 tss __attribute__((aligned(16)));

static uint64_t gdt[] __attribute__((aligned(16))) = {
    [GDT_KERNEL_CS / 8] = FLAT | SEG_CODE | SEG_LONG,
    [GDT_KERNEL_DS / 8] = FLAT | SEG_DATA | SEG_BIG,
    [GDT_USER_CS32 / 8] = FLAT | SEG_CODE | SEG_BIG | SEG_DPL3,
    [GDT_USER_DS / 8] = FLAT | SEG_DATA | SEG_BIG | SEG_DPL3,
    [GDT_USER_CS / 8] = FLAT | SEG_CODE | SEG_LONG | SEG_DPL3,
    [GDT_TSS / 8 + 1] = 0, /* the TSS descriptor takes two slots, filled at run time */
};

static void set_tss_descriptor(void)
{
    uint64_t base = (uint64_t)&tss;
    uint64_t limit = sizeof(tss) - 1;

    gdt[GDT_TSS / 8] = SEG_PRESENT | TSS_AVAILABLE | (limit & 0xffff) | ((base & 0xffffff) << 16) |
                       ((base >> 24 & 0xff) << 56);
    gdt[GDT_TSS / 8 + 1] = base >> 32;
}

void gdt__install(uint64_t rsp0)
{
    tss.rsp[0] = rsp0;
    tss.iomap_base = sizeof(tss); /* no I/O permission bitmap */
    set_tss_descriptor();
    load_gdt(gdt, sizeof(gdt) - 1);

    /* Reload CS with a far return, then the data segments and the task register. */
    __asm__ volatile("pushq %[cs]\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movl %[ds], %%eax\n\t"
                     "movl %%eax, %%ds\n\t"
                     "movl %%eax, %%es\n\t"
                     "movl %%eax, %%ss\n\t"
                     "xorl %%eax, %%eax\n\t"
                     "movl %%eax, %%fs\n\t"
                     "movl %%eax, %%gs\n\t"
                     "ltr %w[tr]"
                     :
                     : [cs] "i"(GDT_KERNEL_CS), [ds] "i"(GDT_KERNEL_DS), [tr] "r"(GDT_TSS)
                     : "rax", "memory");
}
