/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native_entry.S - enters test code on the host CPU with every GPR and the
 * status flags taken from dt_native_in, and takes them all back into
 * dt_native_out when the code jumps to dt_native_exit.
 *
 * The test code may leave any value in RSP, so neither side touches the
 * host stack while test registers are live: loads and stores go RIP-relative
 * to the structures below, the jump into the code is indirect through
 * memory, and the exit switches back to the saved host RSP before it uses
 * the stack for PUSHFQ. Layout of struct dt_regs: see difftest.h.
 */

    .bss
    .balign 64
    .globl dt_native_in, dt_native_out, dt_native_host_rsp
    .hidden dt_native_in, dt_native_out, dt_native_host_rsp
dt_native_in:       .skip 144
dt_native_out:      .skip 144
dt_native_host_rsp: .skip 8
dt_native_host_mxcsr: .skip 4

    .text
/* void dt_native_enter(void): runs the code at dt_native_in.rip; returns from dt_native_exit. */
    .globl dt_native_enter
    .hidden dt_native_enter
    .type dt_native_enter, @function
dt_native_enter:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, dt_native_host_rsp(%rip)
    stmxcsr dt_native_host_mxcsr(%rip)
    pushq dt_native_in+128(%rip)
    popfq
    mov dt_native_in+8(%rip), %rcx
    mov dt_native_in+16(%rip), %rdx
    mov dt_native_in+24(%rip), %rbx
    mov dt_native_in+40(%rip), %rbp
    mov dt_native_in+48(%rip), %rsi
    mov dt_native_in+56(%rip), %rdi
    mov dt_native_in+64(%rip), %r8
    mov dt_native_in+72(%rip), %r9
    mov dt_native_in+80(%rip), %r10
    mov dt_native_in+88(%rip), %r11
    mov dt_native_in+96(%rip), %r12
    mov dt_native_in+104(%rip), %r13
    mov dt_native_in+112(%rip), %r14
    mov dt_native_in+120(%rip), %r15
    mov dt_native_in+0(%rip), %rax
    mov dt_native_in+32(%rip), %rsp
    jmp *dt_native_in+136(%rip)
    .size dt_native_enter, . - dt_native_enter

/* Reached by an absolute jump placed right after the test code. */
    .globl dt_native_exit
    .hidden dt_native_exit
    .type dt_native_exit, @function
dt_native_exit:
    mov %rax, dt_native_out+0(%rip)
    mov %rcx, dt_native_out+8(%rip)
    mov %rdx, dt_native_out+16(%rip)
    mov %rbx, dt_native_out+24(%rip)
    mov %rsp, dt_native_out+32(%rip)
    mov %rbp, dt_native_out+40(%rip)
    mov %rsi, dt_native_out+48(%rip)
    mov %rdi, dt_native_out+56(%rip)
    mov %r8, dt_native_out+64(%rip)
    mov %r9, dt_native_out+72(%rip)
    mov %r10, dt_native_out+80(%rip)
    mov %r11, dt_native_out+88(%rip)
    mov %r12, dt_native_out+96(%rip)
    mov %r13, dt_native_out+104(%rip)
    mov %r14, dt_native_out+112(%rip)
    mov %r15, dt_native_out+120(%rip)
    mov dt_native_host_rsp(%rip), %rsp
    /*
     * SSE and MMX cases: back to the host's MXCSR (callee-saved). x87 and MMX
     * cases: back to the default x87 control word and an empty stack with
     * FNINIT, which (unlike EMMS or any waiting instruction) does not raise
     * #MF for an exception the test code left pending.
     */
    ldmxcsr dt_native_host_mxcsr(%rip)
    fninit
    pushfq
    popq dt_native_out+128(%rip)
    /* Back to the flags the C ABI expects: DF clear, and no NT/AC/ID left over from POPF tests. */
    pushq $0x202
    popfq
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret
    .size dt_native_exit, . - dt_native_exit

    .section .note.GNU-stack, "", @progbits
