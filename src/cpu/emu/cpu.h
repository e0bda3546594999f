/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cpu.h - the emu engine's vCPU: architectural registers, lazy flags, the
 * software TLB, the decoded-instruction format and the handler contract.
 *
 * A handler executes one decoded instruction and returns an emu_status:
 *   EMU_NEXT  done, the loop advances RIP by the instruction length;
 *   EMU_JUMP  done, the handler has set RIP itself; the block ends here;
 *   EMU_FAULT an exception was raised (emu_raise*), nothing was committed,
 *             RIP still points at the instruction (precise exceptions);
 *   EMU_RESTART nothing retired, RIP is where to go on: a block's closing
 *             sentinel, a killed block, or a REP string op pausing between
 *             iterations so that interrupts are not held off.
 * Register numbering follows the x86 encoding (SDM vol. 2, 2.1.5); byte
 * registers are addressed by their byte offset in r[] so that AH..BH need no
 * special case. r[16] is RIP and r[17] always zero: an effective address is
 * r[base] + (r[index] << scale) + disp with no branch.
 */
#ifndef STRATA_CPU_EMU_CPU_H
#define STRATA_CPU_EMU_CPU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "machine/vcpu.h"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define EMU_REG_RIP  16
#define EMU_REG_ZERO 17
#define EMU_NR_REGS  18

enum emu_status { EMU_NEXT = 0, EMU_JUMP = 1, EMU_FAULT = 2, EMU_RESTART = 3 };

/* Segment registers in encoding order (SDM vol. 2, 3.1.1.3 "Sreg"). */
enum emu_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, EMU_NR_SEGS };

/* Exception vectors (SDM vol. 3A, table 6-1). */
enum {
    EXC_DE = 0,
    EXC_DB = 1,
    EXC_NMI = 2,
    EXC_BP = 3,
    EXC_OF = 4,
    EXC_BR = 5,
    EXC_UD = 6,
    EXC_NM = 7,
    EXC_DF = 8,
    EXC_TS = 10,
    EXC_NP = 11,
    EXC_SS = 12,
    EXC_GP = 13,
    EXC_PF = 14,
    EXC_MF = 16,
    EXC_AC = 17,
    EXC_MC = 18,
    EXC_XM = 19,
};

/* RFLAGS bits (SDM vol. 1, 3.4.3). */
#define FL_CF    0x0001ull
#define FL_PF    0x0004ull
#define FL_AF    0x0010ull
#define FL_ZF    0x0040ull
#define FL_SF    0x0080ull
#define FL_TF    0x0100ull
#define FL_IF    0x0200ull
#define FL_DF    0x0400ull
#define FL_OF    0x0800ull
#define FL_IOPL  0x3000ull
#define FL_NT    0x4000ull
#define FL_RF    0x10000ull
#define FL_VM    0x20000ull
#define FL_AC    0x40000ull
#define FL_VIF   0x80000ull
#define FL_VIP   0x100000ull
#define FL_ID    0x200000ull
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)
#define FL_FIXED 0x2ull

/* Control register bits (SDM vol. 3A, 2.5). */
#define CR0_PE         0x1ull
#define CR0_MP         0x2ull
#define CR0_EM         0x4ull
#define CR0_TS         0x8ull
#define CR0_ET         0x10ull
#define CR0_NE         0x20ull
#define CR0_WP         0x10000ull
#define CR0_AM         0x40000ull
#define CR0_NW         0x20000000ull
#define CR0_CD         0x40000000ull
#define CR0_PG         0x80000000ull
#define CR4_TSD        0x4ull
#define CR4_DE         0x8ull
#define CR4_PSE        0x10ull
#define CR4_PAE        0x20ull
#define CR4_PGE        0x80ull
#define CR4_PCE        0x100ull
#define CR4_OSFXSR     0x200ull
#define CR4_OSXMMEXCPT 0x400ull
#define CR4_FSGSBASE   0x10000ull
#define EFER_SCE       0x1ull
#define EFER_LME       0x100ull
#define EFER_LMA       0x400ull
#define EFER_NXE       0x800ull

/* emu_insn.flags */
#define INSN_ADDR32 0x01 /* 0x67: 32-bit effective addresses */
#define INSN_LOCK   0x02
#define INSN_REP    0x04 /* REP / REPE */
#define INSN_REPNE  0x08
#define INSN_LAST   0x10 /* sentinel closing a block */
#define INSN_ENDS   0x20 /* set by a selector: this form ends the decoded block */
#define INSN_REGOP  0x40 /* the r/m operand is the register rm (forms sharing one handler) */
#define INSN_ADDR16 0x80 /* 16-bit effective addresses (16-bit code, or 0x67 in 32-bit code) */

/*
 * Decoding modes: the Zydis machine mode (from CR0.PE, EFER.LMA, CS.L and
 * CS.D) times the stack width (SS.B; 64 in 64-bit mode). The same bytes
 * decode differently in each, so decoded blocks are keyed by it too.
 * Handlers for 16/32-bit code are chosen at decode time from it.
 */
#define EMU_MODE(zydis_mode, stack32) (2u * (unsigned)(zydis_mode) + (stack32))
#define EMU_MODE_LONG64               EMU_MODE(ZYDIS_MACHINE_MODE_LONG_64, 0)
#define EMU_NR_MODES                  (EMU_MODE(ZYDIS_MACHINE_MODE_MAX_VALUE, 1) + 1)

struct emu_cpu;
struct emu_insn;
typedef int (*emu_handler)(struct emu_cpu *cpu, const struct emu_insn *i);

/* One decoded instruction, 32 bytes. */
struct emu_insn {
    emu_handler fn;
    uint64_t imm; /* immediate; relative branches: target - instruction start */
    int32_t disp; /* memory displacement; RIP-relative: disp + length */
    uint8_t len;
    uint8_t reg;       /* destination / ModRM.reg register (byte offset for 8-bit) */
    uint8_t rm;        /* source register (byte offset for 8-bit) */
    uint8_t base;      /* EMU_REG_RIP / EMU_REG_ZERO allowed */
    uint8_t index;     /* EMU_REG_ZERO if none */
    uint8_t scale;     /* shift count 0..3 */
    uint8_t seg;       /* enum emu_seg of the memory operand */
    uint8_t flags;     /* INSN_* */
    uint8_t cc;        /* condition code (Jcc/SETcc/CMOVcc) or a small extra operand */
    uint8_t size;      /* operand size in bytes where the handler is size-generic */
    uint16_t mnemonic; /* ZydisMnemonic, for diagnostics */
};

/* Software TLB (QEMU softmmu style): one direct-mapped table per privilege. */
#define TLB_BITS    10
#define TLB_ENTRIES (1u << TLB_BITS)
#define PAGE_SIZE   4096ull
#define PAGE_MASK   (~(PAGE_SIZE - 1))
/* Low bits of a tag: any set bit makes the fast path miss. */
#define TLB_INVALID 0x1ull /* entry (or this kind of access) not filled */
#define TLB_MMIO    0x2ull /* not RAM: go to the bus */
#define TLB_CODE    0x4ull /* (write tag) page holds decoded code: invalidate on write */
#define TLB_CLEAN   0x8ull /* (write tag) clean in the dirty page log: mark on write (mem.c) */

struct emu_tlb_entry {
    uint64_t tag_read;
    uint64_t tag_write;
    uint64_t tag_exec;
    uintptr_t addend; /* host address - guest virtual address */
    uint64_t ppage;   /* guest-physical page address */
    bool global;
    uint8_t large_shift; /* filled from a 2 MiB/4 MiB/1 GiB page: log2 of its size; else 0 */
};

/*
 * One 2 MiB-aligned piece of a large guest page whose host backing is one
 * contiguous RAM range: a TLB miss anywhere in it fills the 4 KiB entry
 * from here, with no page walk (tlb.c).
 */
#define TLB_LARGE_ENTRIES 32
#define TLB_LARGE_SIZE    (2ull << 20)
struct emu_tlb_large {
    uint64_t vbase; /* guest-virtual 2 MiB base, or TLB_INVALID */
    uint64_t pbase; /* guest-physical 2 MiB base */
    uint8_t *host;  /* host address of pbase */
    bool write_ok, exec_ok, global;
    uint8_t shift; /* log2 of the guest page's size (21, 22 or 30) */
};

enum emu_mmu_idx { MMU_SUPERVISOR, MMU_USER, EMU_NR_MMU };

/* The exception an instruction raised, until it is delivered or reported. */
struct emu_exception {
    uint8_t vector;
    bool has_error;
    uint32_t error;
    uint64_t cr2;
};

/* The MSRs the engine models (see msr.c). */
struct emu_msrs {
    uint64_t star, lstar, cstar, sfmask, kernel_gs_base, tsc_aux, pat;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t misc_enable;
    int64_t tsc_offset;  /* guest TSC = host clock + tsc_offset */
    uint64_t tsc_adjust; /* IA32_TSC_ADJUST: what writes to the TSC have added to it */
};

struct emu_code_cache;
struct emu_codeshare;
struct emu_jit;
struct platform;
struct lapic;

struct emu_cpu {
    uint64_t r[EMU_NR_REGS];

    /* Lazy arithmetic flags (flags.h): valid in rflags when cc_op == CC_EFLAGS. */
    uint32_t cc_op;
    uint64_t cc_res, cc_src1, cc_src2;
    uint64_t rflags;

    unsigned cpl;
    unsigned mmu_idx;              /* MMU_USER when cpl == 3 */
    uint64_t ea_base[EMU_NR_SEGS]; /* segment bases as they apply to addresses (64-bit: FS/GS) */
    struct cpu_segment seg[EMU_NR_SEGS];
    struct cpu_segment ldtr, tr;
    struct cpu_dtable gdt, idt;
    uint64_t cr0, cr2, cr3, cr4, efer, xcr0; /* CR8 is the LAPIC's TPR (irq.c) */
    uint64_t dr[8];
    struct emu_msrs msr;
    uint8_t fx[512] __attribute__((aligned(16))); /* x87/SSE state, FXSAVE layout */

    struct emu_exception exc;
    bool irq_shadow;          /* STI / MOV SS: no interrupt before the next instruction */
    bool halted;              /* HLT or wait-for-SIPI: the run loop sleeps in emu_irq_halt() */
    bool long64;              /* EFER.LMA and CS.L: 64-bit mode */
    uint8_t mode;             /* EMU_MODE(): how code at CS:RIP decodes */
    uint64_t code_cs_base;    /* CS base the jump cache was filled with (16/32-bit code) */
    uint8_t tlb_large_shift;  /* the largest page size (log2) the TLB holds entries of, or 0 */
    atomic_bool exit_request; /* set by kick(): leave the block loop */

    struct emu_tlb_entry tlb[EMU_NR_MMU][TLB_ENTRIES];
    struct emu_tlb_large tlb_large[EMU_NR_MMU][TLB_LARGE_ENTRIES];
    struct emu_code_cache *code;
    struct emu_codeshare *share; /* which pages hold code, shared by the vCPUs (codeshare.h) */
    struct emu_jit *jit;         /* the translator (jit/jit.h), NULL: interpret */
    uint64_t jit_chained;        /* instructions retired in translations chained to (jit/jit.c) */
    bool jit_chain;              /* translations may go on to the next block by themselves */
    ZydisDecoder decoder[EMU_NR_MODES];

    struct vcpu *vcpu;
    struct machine *m;
    uint64_t insns; /* instructions retired */

    /* Interrupts and timers (irq.c): this vCPU's LAPIC in the VM's platform. */
    struct platform *platform;
    struct lapic *lapic;
    uint64_t apic_page;       /* the xAPIC page's address, UINT64_MAX while it is not decoded */
    unsigned timer_countdown; /* blocks left until the next look at the clock */
    bool nmi_blocked;         /* from an NMI's delivery to the next IRET */
    bool wait_sipi;           /* after INIT until a startup IPI (halted is set too) */

    pthread_mutex_t lock; /* with wake: halted vCPUs sleep, kicks wake them */
    pthread_cond_t wake;
};

#define RIP(cpu) ((cpu)->r[EMU_REG_RIP])

/* Register access; size is a compile-time constant at every call site. */
static inline uint64_t reg_get(const struct emu_cpu *cpu, unsigned r, unsigned size)
{
    switch (size) {
    case 1: return ((const uint8_t *)cpu->r)[r];
    case 2: return (uint16_t)cpu->r[r];
    case 4: return (uint32_t)cpu->r[r];
    default: return cpu->r[r];
    }
}

static inline void reg_set(struct emu_cpu *cpu, unsigned r, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: ((uint8_t *)cpu->r)[r] = (uint8_t)v; break;
    case 2: *(uint16_t *)&cpu->r[r] = (uint16_t)v; break;
    case 4: cpu->r[r] = (uint32_t)v; break;
    default: cpu->r[r] = v; break;
    }
}

static inline uint64_t size_mask(unsigned size)
{
    return size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static inline uint64_t sign_bit(unsigned size)
{
    return 1ull << (size * 8 - 1);
}

/* Sign-extends the low size bytes of v to 64 bits. */
static inline uint64_t sext(uint64_t v, unsigned size)
{
    switch (size) {
    case 1: return (uint64_t)(int64_t)(int8_t)v;
    case 2: return (uint64_t)(int64_t)(int16_t)v;
    case 4: return (uint64_t)(int64_t)(int32_t)v;
    default: return v;
    }
}

/* Effective address of the instruction's memory operand (SDM vol. 1, 3.7.5). */
static inline uint64_t insn_ea(const struct emu_cpu *cpu, const struct emu_insn *i)
{
    uint64_t ea = cpu->r[i->base] + (cpu->r[i->index] << i->scale) + (int64_t)i->disp;
    if (unlikely(i->flags & (INSN_ADDR32 | INSN_ADDR16)))
        ea = (i->flags & INSN_ADDR16) ? (uint16_t)ea : (uint32_t)ea;
    return ea + cpu->ea_base[i->seg];
}

/* The same without the segment base (LEA). */
static inline uint64_t insn_offset(const struct emu_cpu *cpu, const struct emu_insn *i)
{
    uint64_t ea = cpu->r[i->base] + (cpu->r[i->index] << i->scale) + (int64_t)i->disp;
    if (unlikely(i->flags & (INSN_ADDR32 | INSN_ADDR16)))
        ea = (i->flags & INSN_ADDR16) ? (uint16_t)ea : (uint32_t)ea;
    return ea;
}

/* An implicit address register (rSI, rDI, rCX of string ops, LOOP, XLAT) at the address size. */
static inline uint64_t addr_reg_get(const struct emu_cpu *cpu, const struct emu_insn *i, unsigned r)
{
    if (i->flags & INSN_ADDR16)
        return (uint16_t)cpu->r[r];
    return (i->flags & INSN_ADDR32) ? (uint32_t)cpu->r[r] : cpu->r[r];
}

static inline void addr_reg_set(struct emu_cpu *cpu, const struct emu_insn *i, unsigned r,
                                uint64_t v)
{
    if (i->flags & INSN_ADDR16)
        *(uint16_t *)&cpu->r[r] = (uint16_t)v;
    else
        cpu->r[r] = (i->flags & INSN_ADDR32) ? (uint32_t)v : v;
}

static inline bool is_canonical(uint64_t va)
{
    return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

/* Linear address of CS:RIP, the address instructions are fetched from. */
static inline uint64_t emu_pc_linear(const struct emu_cpu *cpu)
{
    uint64_t pc = cpu->r[EMU_REG_RIP] + cpu->ea_base[SEG_CS];
    return cpu->long64 ? pc : (uint32_t)pc;
}

#endif
