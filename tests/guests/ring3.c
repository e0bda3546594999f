// SPDX-License-Identifier: Apache-2.0
/*
 * ring3.c - runs real work at CPL 3 and comes back with SYSCALL.
 *
 * The kernel side installs its own GDT (user segments, TSS), an IDT that
 * reports any exception, page tables whose pages are user-accessible, and
 * the SYSCALL MSRs (EFER.SCE, STAR, LSTAR, SFMASK; Intel SDM vol. 3A, 5.8.8).
 * It then IRETQs to CPL 3, where ring3_user() runs ring3_hash() for a few
 * million iterations and passes the result and its CPL back with SYSCALL.
 * The kernel side compares the result with the value computed at build time
 * (ring3_expected.h) and exits 0 on a match, 1 otherwise.
 *
 * On a PVM host this is the shape of work that runs natively: the loop runs
 * at CPL 3, only the few setup instructions at CPL 0. That host's SYSCALL
 * does not leave CPL 3; ring3_entry.S then continues through INT3 and the
 * guest says so in its output.
 */
#include <stdint.h>

#include "ring3_entry.h"
#include "ring3_expected.h"
#include "ring3_hash.h"
#include "runtime/exitdev.h"
#include "runtime/gdt.h"
#include "runtime/serial.h"
#include "runtime/trap.h"
#include "runtime/x86.h"

#define STACK_SIZE 16384
#define PAGE_SIZE  4096

/* Page-table entry bits (SDM vol. 3A, 4.5) */
#define PTE_PRESENT  (1ull << 0)
#define PTE_WRITABLE (1ull << 1)
#define PTE_USER     (1ull << 2)
#define PTE_LARGE    (1ull << 7) /* 2 MiB page in a page directory */
#define PTE_USER_RW  (PTE_PRESENT | PTE_WRITABLE | PTE_USER)
#define PD_ENTRIES   512 /* 512 x 2 MiB: the first 1 GiB */

/* Flags SYSCALL clears on entry to the kernel: TF, IF, DF, AC. */
#define SYSCALL_FLAG_MASK ((1ull << 8) | RFLAGS_IF | RFLAGS_DF | (1ull << 18))

#define VECTOR_BREAKPOINT 3

uint64_t ring3_kernel_rsp;
static uint8_t kernel_stack[STACK_SIZE] __attribute__((aligned(16)));
static uint8_t user_stack[STACK_SIZE] __attribute__((aligned(16)));

static uint64_t pml4[512] __attribute__((aligned(PAGE_SIZE)));
static uint64_t pdpt[512] __attribute__((aligned(PAGE_SIZE)));
static uint64_t pd[PD_ENTRIES] __attribute__((aligned(PAGE_SIZE)));

/* Runs at CPL 3. */
static void __attribute__((noreturn)) ring3_user(uint64_t seed, uint64_t iterations)
{
    uint64_t result = ring3_hash(seed, (uint32_t)iterations);
    uint16_t cs;

    __asm__ volatile("movw %%cs, %0" : "=r"(cs));
    __asm__ volatile("syscall" : : "D"(result), "S"((uint64_t)(cs & 3)) : "rcx", "r11", "memory");
    __builtin_unreachable();
}

/* An identity map of the first 1 GiB that CPL 3 may read, write and execute. */
static void map_user_identity(void)
{
    for (uint64_t i = 0; i < PD_ENTRIES; i++)
        pd[i] = (i << 21) | PTE_USER_RW | PTE_LARGE;
    pdpt[0] = (uint64_t)pd | PTE_USER_RW;
    pml4[0] = (uint64_t)pdpt | PTE_USER_RW;
    /* The kernel side lives in the same user pages: it must be allowed to run and touch them. */
    write_cr4(read_cr4() & ~(CR4_SMEP | CR4_SMAP));
    write_cr3((uint64_t)pml4);
}

static void setup_syscall(void)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    wrmsr(MSR_STAR, ((uint64_t)GDT_USER_CS32 << 48) | ((uint64_t)GDT_KERNEL_CS << 32));
    wrmsr(MSR_LSTAR, (uint64_t)ring3_syscall_entry);
    wrmsr(MSR_SFMASK, SYSCALL_FLAG_MASK);
}

/* The INT3 that ring3_syscall_entry issues when SYSCALL left it at CPL 3. */
static void on_breakpoint(struct trap_frame *frame)
{
    if (frame->rip != (uint64_t)ring3_syscall_int3_return) {
        serial__printf("ring3: FAILED, breakpoint at rip %lx\n", frame->rip);
        exitdev__exit(EXIT_FAILURE);
    }
    ring3_syscall(frame->rdi, frame->rsi, frame->rdx, frame->rcx, RING3_VIA_INT3);
}

void ring3_syscall(uint64_t result, uint64_t cpl, uint64_t user_rip, uint64_t user_rflags, int via)
{
    if (via == RING3_VIA_INT3)
        serial__puts("ring3: note: SYSCALL reached LSTAR still at CPL 3 (a PVM host does "
                     "this); entered CPL 0 through INT3\n");
    serial__printf("ring3: back from CPL %lu via syscall at rip %lx (rflags %lx)\n", cpl, user_rip,
                   user_rflags);
    serial__printf("ring3: hash of %u iterations = %lx, expected %lx\n", RING3_ITERATIONS, result,
                   (uint64_t)RING3_EXPECTED);
    if (cpl != 3 || result != RING3_EXPECTED) {
        serial__puts("ring3: FAILED\n");
        exitdev__exit(EXIT_FAILURE);
    }
    serial__puts("ring3: ok\n");
    exitdev__exit(EXIT_OK);
}

int main(void)
{
    ring3_kernel_rsp = (uint64_t)(kernel_stack + STACK_SIZE);
    gdt__install(ring3_kernel_rsp);
    trap__init();
    trap__set_handler(VECTOR_BREAKPOINT, on_breakpoint);
    trap__allow_from_user(VECTOR_BREAKPOINT);
    map_user_identity();
    setup_syscall();
    serial__puts("ring3: entering CPL 3\n");
    /* As if called: RSP + 8 is 16-byte aligned at function entry (SysV ABI). */
    ring3_enter((uint64_t)ring3_user, (uint64_t)(user_stack + STACK_SIZE - 8), RING3_SEED,
                RING3_ITERATIONS);
}
