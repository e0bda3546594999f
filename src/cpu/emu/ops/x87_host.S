/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x87_host.S - the host's x87 unit as the emu engine's FPU arithmetic.
 *
 * emu_x87_stubs holds one tiny function per x87 encoding: the two bytes
 * of the instruction and a RET, 4 bytes apart.
 *   stubs + 4 * ((opcode - 0xd8) * 64 + (modrm & 63))   register forms (mod = 3)
 *   stubs + 4 * (512 + (opcode - 0xd8) * 8 + reg)        memory forms, operand at [rsi]
 * Only the encodings x87*.c select are ever called (the table also holds
 * encodings that are invalid on the CPU).
 *
 * emu_x87_host_run(img, stub, mem, rflags) loads the guest's x87 state
 * from the FXSAVE64 image img (16-byte aligned, 512 bytes, with the
 * guest's exception flags cleared so that nothing is pending), sets the
 * status flags from *rflags (FCMOVcc reads them), calls the stub with RSI =
 * mem, stores the status flags to *rflags (FCOMI writes them) and the x87
 * state back to img, and gives the host its own state back. FXSAVE64 and
 * FNCLEX do not wait, so an unmasked exception the instruction raised
 * stays in the image and never traps on the host. The host's MXCSR is
 * written into the image first, so FXRSTOR keeps it; the XMM registers are
 * caller-saved in the SysV ABI and the x87 control word is restored.
 */
    .text

    .p2align 4
    .globl emu_x87_stubs
    .hidden emu_x87_stubs
    .type emu_x87_stubs, @object
emu_x87_stubs:
    .irp op, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf
    .set modrm, 0xc0
    .rept 64
    .byte \op, modrm, 0xc3, 0xcc
    .set modrm, modrm + 1
    .endr
    .endr
    .irp op, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf
    .set reg, 0
    .rept 8
    .byte \op, (reg << 3) | 6, 0xc3, 0xcc
    .set reg, reg + 1
    .endr
    .endr
    .size emu_x87_stubs, . - emu_x87_stubs

/* void emu_x87_host_run(uint8_t *img, const uint8_t *stub, void *mem, uint64_t *rflags) */
    .p2align 4
    .globl emu_x87_host_run
    .hidden emu_x87_host_run
    .type emu_x87_host_run, @function
emu_x87_host_run:
    .cfi_startproc
    sub $24, %rsp
    .cfi_adjust_cfa_offset 24
    fnstcw (%rsp)
    mov %rcx, 8(%rsp)
    stmxcsr 24(%rdi)
    fxrstor64 (%rdi)
    mov %rsi, %rax
    mov %rdx, %rsi
    pushq (%rcx)
    .cfi_adjust_cfa_offset 8
    popfq
    .cfi_adjust_cfa_offset -8
    call *%rax
    pushfq
    .cfi_adjust_cfa_offset 8
    pop %rax
    .cfi_adjust_cfa_offset -8
    mov 8(%rsp), %rcx
    mov %rax, (%rcx)
    fxsave64 (%rdi)
    fnclex              /* nothing pending, */
    emms                /* an empty stack, as the ABI wants it, */
    fldcw (%rsp)        /* and the host's control word */
    add $24, %rsp
    .cfi_adjust_cfa_offset -24
    ret
    .cfi_endproc
    .size emu_x87_host_run, . - emu_x87_host_run

    .section .note.GNU-stack, "", @progbits
