/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x86.h - thin wrappers over the x86-64 instructions the test guests use:
 * port I/O, MSRs, control registers, the TSC and interrupt-flag control
 * (Intel SDM vol. 2). Nothing here keeps state.
 */
#ifndef GUEST_X86_H
#define GUEST_X86_H

#include <stdint.h>

#define MSR_EFER   0xc0000080u
#define MSR_STAR   0xc0000081u
#define MSR_LSTAR  0xc0000082u
#define MSR_SFMASK 0xc0000084u

#define EFER_SCE (1ull << 0)
#define EFER_LMA (1ull << 10)

#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)

#define RFLAGS_IF (1ull << 9)
#define RFLAGS_DF (1ull << 10)

static inline void outb(uint16_t port, uint8_t value)
{
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline uint64_t rdmsr(uint32_t index)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(index));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t index, uint64_t value)
{
    __asm__ volatile("wrmsr" : : "c"(index), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

static inline uint64_t read_cr3(void)
{
    uint64_t value;
    __asm__ volatile("mov %%cr3, %0" : "=r"(value));
    return value;
}

static inline void write_cr3(uint64_t value)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(value) : "memory");
}

static inline uint64_t read_cr4(void)
{
    uint64_t value;
    __asm__ volatile("mov %%cr4, %0" : "=r"(value));
    return value;
}

static inline void write_cr4(uint64_t value)
{
    __asm__ volatile("mov %0, %%cr4" : : "r"(value) : "memory");
}

/* The operand of LGDT and LIDT (SDM vol. 3A, 3.5.1 and 6.10). */
struct descriptor_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static inline void load_gdt(const void *base, uint16_t limit)
{
    struct descriptor_pointer gdtr = {limit, (uint64_t)base};

    __asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");
}

static inline void load_idt(const void *base, uint16_t limit)
{
    struct descriptor_pointer idtr = {limit, (uint64_t)base};

    __asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_relax(void)
{
    __asm__ volatile("pause" : : : "memory");
}

static inline void irq_enable(void)
{
    __asm__ volatile("sti" : : : "memory");
}

static inline void irq_disable(void)
{
    __asm__ volatile("cli" : : : "memory");
}

/* STI's one-instruction shadow makes "sti; hlt" wait without losing a wakeup. */
static inline void irq_enable_and_halt(void)
{
    __asm__ volatile("sti; hlt" : : : "memory");
}

static inline void halt(void)
{
    __asm__ volatile("hlt" : : : "memory");
}

#endif
