/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trap.h - interrupt and exception handling: an IDT whose 256 vectors all
 * lead to trap__dispatch(), which calls the handler registered for the
 * vector. A vector without a handler is a test failure: the guest prints the
 * vector, error code and RIP and exits with EXIT_FAILURE.
 */
#ifndef GUEST_TRAP_H
#define GUEST_TRAP_H

#include <stdint.h>

/* What trap_entry.S pushes, lowest address first. */
struct trap_frame {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t vector, error_code;
    /* pushed by the CPU */
    uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*trap_handler)(struct trap_frame *frame);

/* Builds the IDT (gates into the current code segment) and loads it on this CPU. */
void trap__init(void);
/* Loads the IDT built by trap__init on another CPU. */
void trap__load(void);
void trap__set_handler(uint8_t vector, trap_handler handler);
/* Lets CPL 3 raise the vector with INT n (gate DPL 3). */
void trap__allow_from_user(uint8_t vector);

/* Called from trap_entry.S only. */
void trap__dispatch(struct trap_frame *frame);

#endif
