/* SPDX-License-Identifier: Apache-2.0 */
/*
 * smp_trampoline.S - where an application processor starts after its
 * STARTUP IPI: real mode -> protected mode -> long mode (Intel SDM vol. 3A,
 * 9.4.4 "MP initialization example", 9.9 "Mode switching", 9.8.5
 * "Initializing IA-32e mode").
 *
 * The code is linked into the image but runs only from its copy at
 * SMP_TRAMPOLINE_BASE, entered with CS = base >> 4, IP = 0. It loads its
 * own GDT, enables protection, then PAE, the BSP's page tables (CR3 from
 * the data block), EFER.LME and paging, and far-jumps to 64-bit code,
 * which takes its stack and C entry point from the data block. Every
 * address below is computed for the copy (ABS()).
 */
#include "smp_trampoline.h"

#define ABS(label) (SMP_TRAMPOLINE_BASE + (label) - smp_trampoline_start)

#define CODE32_SEL 0x08
#define CODE64_SEL 0x10
#define DATA_SEL   0x18

#define CR0_PE      0x00000001
#define CR0_PG      0x80000000
#define CR4_PAE     0x00000020
#define MSR_EFER    0xc0000080

    .section .rodata
    .balign 16
    .globl smp_trampoline_start
smp_trampoline_start:
    .code16
    cli
    cld
    movw %cs, %ax
    movw %ax, %ds
    lgdtl gdt_pointer - smp_trampoline_start
    movl %cr0, %eax
    orl $CR0_PE, %eax
    movl %eax, %cr0
    ljmpl $CODE32_SEL, $ABS(protected_mode)

    .code32
protected_mode:
    movl $DATA_SEL, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl ABS(smp_trampoline_data) + SMP_DATA_CR3, %eax
    movl %eax, %cr3
    movl $MSR_EFER, %ecx
    movl ABS(smp_trampoline_data) + SMP_DATA_EFER, %eax
    movl ABS(smp_trampoline_data) + SMP_DATA_EFER + 4, %edx
    wrmsr
    movl %cr0, %eax
    orl $CR0_PG, %eax
    movl %eax, %cr0
    ljmpl $CODE64_SEL, $ABS(long_mode)

    .code64
long_mode:
    movl $DATA_SEL, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    xorl %eax, %eax
    movl %eax, %fs
    movl %eax, %gs
    movq ABS(smp_trampoline_data) + SMP_DATA_STACK, %rsp
    movl ABS(smp_trampoline_data) + SMP_DATA_CPU_INDEX, %edi
    movq ABS(smp_trampoline_data) + SMP_DATA_ENTRY, %rax
    call *%rax
1:
    cli
    hlt
    jmp 1b

    .balign 8
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff /* CODE32_SEL: flat 32-bit code */
    .quad 0x00af9a000000ffff /* CODE64_SEL: 64-bit code */
    .quad 0x00cf92000000ffff /* DATA_SEL: flat data */
gdt_end:
gdt_pointer:
    .word gdt_end - gdt - 1
    .long ABS(gdt)

    .balign 8
    .globl smp_trampoline_data
smp_trampoline_data:
    .skip SMP_DATA_SIZE
    .globl smp_trampoline_end
smp_trampoline_end:

    .section .note.GNU-stack, "", @progbits
