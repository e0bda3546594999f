/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trap_entry.S - the 256 interrupt and exception entry stubs and their
 * common path (Intel SDM vol. 3A, 6.14 "Exception and interrupt handling in
 * 64-bit mode").
 *
 * Stub N sits at trap_stubs + N * TRAP_STUB_SIZE. It pushes a zero error
 * code when the CPU does not push one, then the vector, and jumps to the
 * common path, which saves the general registers as a struct trap_frame
 * (trap.h), calls trap__dispatch(frame) and returns with IRETQ.
 */
#include "trap_stub.h"

    .text
    .code64

    .balign TRAP_STUB_SIZE
    .globl trap_stubs
trap_stubs:
    .set vector, 0
    .rept 256
    .balign TRAP_STUB_SIZE
    /* Vectors with an error code: #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX */
    .if !(vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || vector == 29 || vector == 30)
    pushq $0
    .endif
    pushq $vector
    jmp trap_common
    .set vector, vector + 1
    .endr

trap_common:
    /* The CPU aligned RSP to 16 before its 5-word frame; with the two words above
       and the 15 below the frame is 22 words, so RSP stays 16-byte aligned for the call. */
    pushq %r15
    pushq %r14
    pushq %r13
    pushq %r12
    pushq %r11
    pushq %r10
    pushq %r9
    pushq %r8
    pushq %rbp
    pushq %rdi
    pushq %rsi
    pushq %rdx
    pushq %rcx
    pushq %rbx
    pushq %rax
    cld
    movq %rsp, %rdi
    call trap__dispatch
    popq %rax
    popq %rbx
    popq %rcx
    popq %rdx
    popq %rsi
    popq %rdi
    popq %rbp
    popq %r8
    popq %r9
    popq %r10
    popq %r11
    popq %r12
    popq %r13
    popq %r14
    popq %r15
    addq $16, %rsp /* vector and error code */
    iretq

    .section .note.GNU-stack, "", @progbits
