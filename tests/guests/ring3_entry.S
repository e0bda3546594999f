/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ring3_entry.S - the two privilege switches of the ring3 guest (Intel SDM
 * vol. 3A, 6.14.3 "IRET in 64-bit mode"; vol. 2, SYSCALL).
 *
 * ring3_enter(rip, rsp, arg0, arg1) builds an IRETQ frame with the user
 * selectors and drops to CPL 3 with arg0/arg1 in RDI/RSI. The user code
 * comes back with SYSCALL, which lands in ring3_syscall_entry (LSTAR) on the
 * user's stack with the user's RIP in RCX and RFLAGS in R11. The entry
 * switches to the stack in ring3_kernel_rsp and calls
 * ring3_syscall(rdi, rsi, user rip, user rflags, RING3_VIA_SYSCALL), which
 * never returns.
 *
 * A PVM host (see DESIGN.md) runs the SYSCALL's jump to LSTAR but leaves the
 * CPU at CPL 3, where the kernel side cannot do its I/O. The entry checks
 * the RPL of CS and, in that case, finishes the trip with INT3, whose gate
 * is open to CPL 3 and which every engine delivers through the IDT; the
 * #BP handler (ring3.c) then makes the same call with RING3_VIA_INT3.
 */
#include "ring3_entry.h"
#include "runtime/gdt.h"

#define USER_RFLAGS 0x2 /* reserved bit 1; interrupts stay off, the guest takes none */

    .text
    .code64

    .globl ring3_enter
ring3_enter:
    pushq $GDT_USER_DS
    pushq %rsi
    pushq $USER_RFLAGS
    pushq $GDT_USER_CS
    pushq %rdi
    movq %rdx, %rdi
    movq %rcx, %rsi
    iretq

    .globl ring3_syscall_entry
ring3_syscall_entry:
    movq %rcx, %rdx /* user RIP */
    movq %r11, %rcx /* user RFLAGS */
    movw %cs, %ax
    testb $3, %al
    jnz 1f
    movq ring3_kernel_rsp(%rip), %rsp
    movl $RING3_VIA_SYSCALL, %r8d
    call ring3_syscall
    ud2
1:
    int3
    .globl ring3_syscall_int3_return
ring3_syscall_int3_return: /* the RIP the #BP frame holds */
    ud2

    .section .note.GNU-stack, "", @progbits
