/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gdt.h - a GDT with kernel and user segments and a 64-bit TSS, laid out for
 * SYSCALL/SYSRET (Intel SDM vol. 3A, 5.8.8): kernel code and data follow
 * each other, and user data and 64-bit user code follow a 32-bit user code
 * placeholder, so STAR can name both groups by their first selector.
 * Kernel code and data keep the boot protocol's selectors (0x10, 0x18).
 */
#ifndef GUEST_GDT_H
#define GUEST_GDT_H

#define GDT_KERNEL_CS 0x10
#define GDT_KERNEL_DS 0x18
#define GDT_USER_CS32 0x23 /* SYSRET base; never loaded */
#define GDT_USER_DS   0x2b
#define GDT_USER_CS   0x33
#define GDT_TSS       0x38

#ifndef __ASSEMBLER__
#include <stdint.h>

/*
 * Loads the GDT and the TSS on this CPU and reloads every segment register.
 * rsp0 is the stack the CPU switches to when an interrupt or exception
 * arrives at CPL 3.
 */
void gdt__install(uint64_t rsp0);
#endif

#endif
