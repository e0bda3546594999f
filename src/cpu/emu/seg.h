/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seg.h - segment descriptors: reading them from the GDT/LDT, unpacking
 * them into struct cpu_segment, and the protection checks of segment
 * register loads in 64-bit mode (SDM vol. 3A, 3.4-3.5 and 5.5-5.8).
 */
#ifndef STRATA_CPU_EMU_SEG_H
#define STRATA_CPU_EMU_SEG_H

#include "cpu/emu/cpu.h"

/* Descriptor type bits (S = 1). */
#define DESC_CODE       0x8
#define DESC_CONFORMING 0x4 /* code */
#define DESC_READABLE   0x2 /* code */
#define DESC_WRITABLE   0x2 /* data */
#define DESC_ACCESSED   0x1

/* System descriptor types in long mode (S = 0). */
#define SYS_LDT       0x2
#define SYS_TSS_AVAIL 0x9
#define SYS_TSS_BUSY  0xb
#define SYS_INT_GATE  0xe
#define SYS_TRAP_GATE 0xf

/* Unpacks the low 8 bytes of a descriptor (and hi, the upper 8 of a system one). */
void emu_seg_unpack(uint64_t lo, uint64_t hi, uint16_t selector, struct cpu_segment *s);

/*
 * Reads the descriptor of selector (8 bytes, or 16 for a system one) into
 * lo/hi. Raises #GP(selector & ~3 | ext) if it lies beyond the table limit.
 */
int emu_seg_read_desc(struct emu_cpu *cpu, uint16_t selector, bool system, uint32_t ext,
                      uint64_t *lo, uint64_t *hi);

/* Sets the accessed bit of a descriptor in memory. */
void emu_seg_set_accessed(struct emu_cpu *cpu, uint16_t selector, uint64_t lo);

/* MOV/POP to DS, ES, FS, GS or SS: real-mode paragraphs, or protected-mode checks. */
int emu_seg_load_data(struct emu_cpu *cpu, enum emu_seg seg, uint16_t selector);

/*
 * Reads and checks the code-segment descriptor of a far transfer or an
 * interrupt gate (any code segment; L is ignored outside long mode, L with
 * D is #GP) into out and sets its accessed bit; raises #GP(selector) or
 * #NP(selector). The caller checks privilege.
 */
int emu_seg_check_code(struct emu_cpu *cpu, uint16_t selector, uint32_t ext,
                       struct cpu_segment *out);

/*
 * Privilege rules for a same-level far JMP/CALL/RET target (SDM vol. 3A,
 * 5.8.1): checks the code segment of sel into cs and sets its RPL to CPL.
 */
int emu_seg_check_same_level(struct emu_cpu *cpu, uint16_t sel, struct cpu_segment *cs);

/* Loads CS and SS after a privilege change (RPL of the selectors = new CPL). */
void emu_seg_set_cs(struct emu_cpu *cpu, const struct cpu_segment *cs);

/* A flat 64-bit SS with a null selector, as interrupts and SYSRET/IRET leave it. */
void emu_seg_null_ss(struct emu_cpu *cpu, unsigned rpl);

#endif
