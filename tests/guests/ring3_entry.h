/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ring3_entry.h - the interface between ring3.c and ring3_entry.S.
 */
#ifndef GUEST_RING3_ENTRY_H
#define GUEST_RING3_ENTRY_H

/* How the user side's SYSCALL reached CPL 0 (see ring3_entry.S). */
#define RING3_VIA_SYSCALL 0
#define RING3_VIA_INT3    1

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Drops to CPL 3 at rip with stack rsp and arg0/arg1 in RDI/RSI. */
__attribute__((noreturn)) void ring3_enter(uint64_t rip, uint64_t rsp, uint64_t arg0,
                                           uint64_t arg1);
/* The SYSCALL entry point, for MSR_LSTAR. */
void ring3_syscall_entry(void);
/* Where the #BP frame points when the entry had to fall back to INT3. */
extern const char ring3_syscall_int3_return[];

/* The stack the entry switches to; set by ring3.c. */
extern uint64_t ring3_kernel_rsp;

/* The kernel side's handler of the user's system call, called from the entry. */
__attribute__((noreturn)) void ring3_syscall(uint64_t result, uint64_t cpl, uint64_t user_rip,
                                             uint64_t user_rflags, int via);
#endif

#endif
