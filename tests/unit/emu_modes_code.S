/* SPDX-License-Identifier: Apache-2.0 */
/*
 * emu_modes_code.S - guest code for test_emu_modes.c, copied to
 * MODES_BASE and entered in real mode at CS = MODES_BASE >> 4, IP = 0,
 * as a startup IPI would leave an AP. It exercises 16-bit code (stack,
 * near call, far call and RETF, PUSHA/POPA, 16-bit addressing, REP MOVSB,
 * INT n through the IVT and IRET), switches to 32-bit protected mode
 * (LGDT with a 32-bit operand, CR0.PE, a far jump), runs 32-bit code on a
 * 32-bit stack with INT n and a #GP through 32-bit interrupt gates (the
 * test delivers the #GP, whose handler skips the faulting instruction),
 * enables PAE, EFER.LME and paging (compatibility mode) and far-jumps to
 * 64-bit code.
 * Results go to the data block; every address is computed for the copy.
 */
#include "emu_modes_code.h"

#define OFF(label) ((label) - modes_code_start)
#define ABS(label) (MODES_BASE + OFF(label))

    .section .rodata
    .balign 16
    .globl modes_code_start
modes_code_start:
    .code16
    cli
    movw %cs, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw $OFF(stack16_top), %sp
    movw $0x1234, %bx
    pushw %bx
    popw %cx                              /* cx = 0x1234 */
    call sub16                            /* dx = 0x5678 */
    movw $OFF(data), %bx
    movw $MODES_R_CX, %si
    movw %cx, (%bx,%si)                   /* 16-bit addressing: [bx+si] */
    movw %dx, MODES_R_DX(%bx)
    movw $OFF(data) + MODES_R_COPY, %di   /* rep movsb with SI/DI/CX */
    movw $OFF(copy_src), %si
    movw $4, %cx
    cld
    rep movsb
    xorw %ax, %ax                         /* IVT entry 0x40 -> int40 in this segment */
    movw %ax, %es
    movw $OFF(int40), %es:(0x40 * 4)
    movw %cs, %es:(0x40 * 4 + 2)
    int $0x40                             /* sets ax = 0xabcd, returns with IRET */
    movw %ax, (OFF(data) + MODES_R_INT)
    movw $0x2222, %bp
    pushaw
    xorw %bp, %bp
    popaw
    movw %bp, (OFF(data) + MODES_R_POPA)
    lcallw $(MODES_BASE >> 4), $OFF(far16)
    movw %dx, (OFF(data) + MODES_R_FAR)
    ljmp $0, $ABS(real_far)               /* CS = 0: offsets are absolute from here */
real_far:
    lgdtl OFF(gdt_pointer)
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $MODES_CODE32, $ABS(protected32)

sub16:
    movw $0x5678, %dx
    ret

int40:
    movw $0xabcd, %ax
    iret

far16:
    movw $0x7777, %dx
    lretw

    .code32
protected32:
    movl $MODES_DATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl $ABS(stack32_top), %esp
    pushl $0xcafef00d
    popl %edx
    movl %edx, ABS(data) + MODES_R_EDX
    lidtl ABS(idt_pointer)
    int $0x41                             /* 32-bit interrupt gate; IRETD back */
    movl %eax, ABS(data) + MODES_R_INT32
    movw $MODES_GP_SELECTOR, %ax
    .globl modes_code_gp
modes_code_gp:
    movw %ax, %fs                         /* #GP(0x38); the handler skips these 2 bytes */
    movl %cr4, %eax
    orl $0x20, %eax                       /* PAE */
    movl %eax, %cr4
    movl ABS(data) + MODES_R_CR3, %eax
    movl %eax, %cr3
    movl $0xc0000080, %ecx                /* EFER.LME */
    rdmsr
    orl $0x100, %eax
    wrmsr
    movl %cr0, %eax
    orl $0x80000000, %eax                 /* paging: IA-32e mode, compatibility mode */
    movl %eax, %cr0
    movl $0x32323232, ABS(data) + MODES_R_COMPAT
    ljmpl $MODES_CODE64, $ABS(long64)

int41:
    movl $0x41414141, %eax
    iret

gp_handler:
    popl %ecx
    movl %ecx, ABS(data) + MODES_R_GPERR
    addl $2, (%esp)
    iret

    .code64
long64:
    movabsq $0x6464646464646464, %rax
    movq %rax, ABS(data) + MODES_R_LONG
    .globl modes_code_done
modes_code_done:
    hlt

    .balign 8
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff              /* MODES_CODE32: flat 32-bit code */
    .quad 0x00cf92000000ffff              /* MODES_DATA: flat data */
    .quad 0x00af9a000000ffff              /* MODES_CODE64: 64-bit code */
gdt_end:
gdt_pointer:
    .word gdt_end - gdt - 1
    .long ABS(gdt)

/* 32-bit interrupt gates (SDM vol. 3A, figure 6-2): present, DPL 0, type 0xe. */
#define GATE32(handler) \
    .word ABS(handler) & 0xffff, MODES_CODE32, 0x8e00, ABS(handler) >> 16
    .balign 8
idt:
    .skip 13 * 8
    GATE32(gp_handler)
    .skip (0x41 - 14) * 8
    GATE32(int41)
idt_end:
idt_pointer:
    .word idt_end - idt - 1
    .long ABS(idt)
copy_src:
    .ascii "mode"
    .balign 16
    .globl modes_code_data
data:
modes_code_data:
    .skip MODES_DATA_SIZE
    .skip 64
stack16_top:
    .skip 64
stack32_top:
    .globl modes_code_end
modes_code_end:

    .section .note.GNU-stack, "", @progbits
