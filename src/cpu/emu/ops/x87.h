/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x87.h - private interface of the x87 FPU files (x87*.c, x87_host.S, and
 * the housekeeping in fpu.c): the x87 part of the FXSAVE image that holds
 * the FPU state in cpu->fx (SDM vol. 1, 10.5.1, table 10-2, 64-bit format),
 * the status and control word bits (SDM vol. 1, 8.1.3 and 8.1.5), and the
 * engine that runs x87 instructions on the host's FPU (x87.c).
 *
 * cpu->fx holds the registers in stack order (ST(i) in slot i) with the
 * abridged tag byte indexed by physical register, exactly as FXSAVE64
 * stores them, so that FXSAVE/FXRSTOR and the host runs copy it as is.
 * FOP, FIP and FDP are kept there for every non-control instruction, as a
 * 64-bit FXSAVE64 image has them.
 */
#ifndef STRATA_CPU_EMU_OPS_X87_H
#define STRATA_CPU_EMU_OPS_X87_H

#include "cpu/emu/ops/ops.h"

/* Offsets in the FXSAVE image. */
#define FX_FCW        0
#define FX_FSW        2
#define FX_FTW        4 /* abridged: bit p set = physical register p is not empty */
#define FX_FOP        6
#define FX_FIP        8  /* 64-bit format; 32-bit: FIP[31:0] at 8, FCS at 12 */
#define FX_FDP        16 /* 64-bit format; 32-bit: FDP[31:0] at 16, FDS at 20 */
#define FX_MXCSR      24
#define FX_MXCSR_MASK 28
#define FX_ST0        32 /* ST(i): 10 bytes at 32 + 16 * i, then 6 reserved bytes */
#define FX_X87_BYTES  160

/* Status word. */
#define FSW_IE  0x0001u
#define FSW_DE  0x0002u
#define FSW_ZE  0x0004u
#define FSW_OE  0x0008u
#define FSW_UE  0x0010u
#define FSW_PE  0x0020u
#define FSW_EXC 0x003fu /* the six exception flags; FCW has their masks at the same bits */
#define FSW_SF  0x0040u
#define FSW_ES  0x0080u
#define FSW_C0  0x0100u
#define FSW_C1  0x0200u
#define FSW_C2  0x0400u
#define FSW_TOP 0x3800u
#define FSW_C3  0x4000u
#define FSW_B   0x8000u

#define FCW_DEFAULT 0x037fu /* after FNINIT: everything masked, 64-bit precision, nearest */
#define FCW_FIXED   0x0040u /* bit 6 reads as 1 */
#define FOP_MASK    0x07ffu

static inline uint16_t fx16(const uint8_t *img, unsigned off)
{
    uint16_t v;
    memcpy(&v, img + off, 2);
    return v;
}

static inline void fx16_set(uint8_t *img, unsigned off, uint16_t v)
{
    memcpy(img + off, &v, 2);
}

static inline uint64_t fx64(const uint8_t *img, unsigned off)
{
    uint64_t v;
    memcpy(&v, img + off, 8);
    return v;
}

static inline void fx64_set(uint8_t *img, unsigned off, uint64_t v)
{
    memcpy(img + off, &v, 8);
}

/* FLDCW, FLDENV, FRSTOR, FXRSTOR: bits 7 and 13-15 read as 0, bit 6 as 1. */
static inline uint16_t x87_fcw(uint16_t v)
{
    return (uint16_t)((v & 0x1f3fu) | FCW_FIXED);
}

/*
 * Sets FSW.TOP. The physical registers keep their contents, so the
 * stack-ordered slots rotate: ST(i) becomes physical register TOP + i.
 */
static inline void x87_set_top(struct emu_cpu *cpu, unsigned top)
{
    uint16_t fsw = fx16(cpu->fx, FX_FSW);
    unsigned old = (fsw & FSW_TOP) >> 11;
    if (top == old)
        return;
    uint8_t regs[FX_X87_BYTES - FX_ST0];
    memcpy(regs, cpu->fx + FX_ST0, sizeof(regs));
    for (unsigned i = 0; i < 8; i++)
        memcpy(cpu->fx + FX_ST0 + 16 * i, regs + 16 * ((top + i - old) & 7), 16);
    fx16_set(cpu->fx, FX_FSW, (uint16_t)((fsw & ~FSW_TOP) | top << 11));
}

/* FNINIT (and FNSAVE after saving): SDM vol. 1, table 8-6; the registers keep their bits. */
static inline void x87_init(struct emu_cpu *cpu)
{
    x87_set_top(cpu, 0);
    memset(cpu->fx, 0, FX_MXCSR); /* FSW, FTW (all empty), FOP, FIP, FDP */
    fx16_set(cpu->fx, FX_FCW, FCW_DEFAULT);
}

/*
 * ES and B follow the exception flags that the control word leaves
 * unmasked; FLDCW, FLDENV, FRSTOR and FXRSTOR recompute them, as the CPU
 * does (a pending exception is reported at the next waiting instruction).
 */
static inline void x87_update_es(struct emu_cpu *cpu)
{
    uint16_t fsw = fx16(cpu->fx, FX_FSW) & ~(FSW_ES | FSW_B);
    if (fsw & ~fx16(cpu->fx, FX_FCW) & FSW_EXC)
        fsw |= FSW_ES | FSW_B;
    fx16_set(cpu->fx, FX_FSW, fsw);
}

/*
 * What every x87 instruction checks first (SDM vol. 3A, table 2-2 and
 * 6.15 "#MF"): #NM with CR0.EM or CR0.TS; then, for a waiting instruction
 * (all but FNINIT, FNCLEX, FNSTSW, FNSTCW, FNSTENV, FNSAVE), #MF if an
 * unmasked exception is pending and CR0.NE is set. With CR0.NE clear the
 * PC would raise IRQ 13 through FERR#; the engine behaves as if IGNNE#
 * were asserted and goes on (one rate-limited log line).
 */
int emu_x87_enter(struct emu_cpu *cpu, bool waiting);
/* The #MF part alone (FWAIT, whose #NM rule differs). */
int emu_x87_pending(struct emu_cpu *cpu);

/* Records FOP, FIP (and FDP for a memory operand): done by every non-control instruction. */
void emu_x87_set_pointers(struct emu_cpu *cpu, const struct emu_insn *i, bool mem);

/*
 * The memory access of FLDENV, FNSTENV, FRSTOR, FNSAVE, FXSAVE and FXRSTOR:
 * size bytes of an operand of span bytes (FXSAVE touches 416 of its 512),
 * acc as for emu_mem_access. When the operand crosses a page, the
 * reference CPU first accesses its first unit (a word, dword or 16 bytes),
 * then checks its last byte, then does the rest: a fault on the second
 * page reports the page's first byte in CR2 if the first unit reaches it,
 * else the operand's last byte.
 */
int emu_x87_state_access(struct emu_cpu *cpu, uint64_t ea, unsigned size, unsigned span,
                         unsigned unit, unsigned acc, void *buf);

/*
 * The x87 part of an FXSAVE image (bytes 0-23 but MXCSR, and ST0-7), in
 * the 64-bit (FXSAVE64) or 32-bit format. FXSAVE stores FOP, FIP and FDP
 * only while an exception is pending (FSW.ES), zeros otherwise, as the
 * reference CPU (AMD) does; FXRSTOR loads them.
 */
void emu_x87_fxsave(const struct emu_cpu *cpu, uint8_t *img, bool format64);
void emu_x87_fxrstor(struct emu_cpu *cpu, const uint8_t *img, bool format64);

/*
 * Decoding. Every x87 arithmetic, load, store and compare instruction runs
 * through one of these form pairs: reg is the handler of the register
 * (mod = 3) encoding, mem of the memory encoding (NULL: none).
 */
struct x87_forms {
    emu_handler reg;
    emu_handler mem;
};
extern const struct x87_forms x87_forms_read;       /* memory operand read (loads, arithmetic) */
extern const struct x87_forms x87_forms_write;      /* memory operand written (stores) */
extern const struct x87_forms x87_forms_fcomi;      /* result in ZF, PF, CF */
extern const struct x87_forms x87_forms_fcmov;      /* reads ZF, PF, CF */
extern const struct x87_forms x87_forms_sse3_write; /* FISTTP: #UD unless CPUID has SSE3 */
/* arg is a struct x87_forms. */
bool emu_x87_select(struct emu_insn *insn, const struct emu_decoded *d, const void *arg);
/* A memory-only control instruction: arg is the handler; insn->size is the operand size. */
bool emu_x87_select_mem(struct emu_insn *insn, const struct emu_decoded *d, const void *arg);

/* x87_host.S: the host runs one x87 instruction on the FXSAVE64 image img. */
void emu_x87_host_run(uint8_t *img, const uint8_t *stub, void *mem, uint64_t *rflags);
extern const uint8_t emu_x87_stubs[];

#endif
