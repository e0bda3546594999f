/* SPDX-License-Identifier: Apache-2.0 */
/*
 * start.S - entry point of every test guest.
 *
 * Entered as the Linux 64-bit boot protocol enters a kernel (Documentation/
 * arch/x86/boot.rst, "64-bit boot protocol"): long mode, identity-mapped
 * paging, CS = __BOOT_CS, interrupts off, RSI = boot_params. The stack
 * pointer is not part of that contract, so the guest takes its own stack
 * from .bss, clears .bss, runs main() and hands its return value to the
 * exit device.
 */

#define BOOT_STACK_SIZE 16384

    .section .text.start, "ax"
    .code64
    .globl _start
_start:
    cli
    cld
    leaq boot_stack_top(%rip), %rsp

    /* .bss is 16-byte aligned and sized (guest.ld); the stack is in it but still unused. */
    leaq __bss_start(%rip), %rdi
    leaq __bss_end(%rip), %rcx
    subq %rdi, %rcx
    shrq $3, %rcx
    xorl %eax, %eax
    rep stosq

    call main
    movl %eax, %edi
    call exitdev__exit

    .section .bss
    .balign 16
boot_stack:
    .skip BOOT_STACK_SIZE
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
