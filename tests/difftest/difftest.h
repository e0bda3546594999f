/* SPDX-License-Identifier: Apache-2.0 */
/*
 * difftest.h - the differential test of the emu engine: one test case and
 * what running it produced.
 *
 * A case is a short piece of 64-bit user code (CPL 3) with all 16 GPRs and
 * RFLAGS as input, run once natively on the host CPU and once in the emu
 * engine, both at the same fixed addresses: the code at DT_CODE_ADDR and a
 * data sandbox at DT_DATA_ADDR, with unmapped pages around both. The two runs
 * must agree on the GPRs, the flags the SDM defines for the code, RIP, the
 * exception raised (if any) and every byte of the data sandbox.
 */
#ifndef STRATA_TESTS_DIFFTEST_DIFFTEST_H
#define STRATA_TESTS_DIFFTEST_DIFFTEST_H

#include <stdint.h>

/*
 * Fixed low addresses, free in an ordinary (non-sanitized) Linux process:
 * below the executable, the heap, the libraries and the stack. The page
 * after the code and the pages on both sides of the data are never mapped.
 */
#define DT_CODE_ADDR 0x10000000ull
#define DT_CODE_SIZE 0x1000ull
#define DT_DATA_ADDR 0x10100000ull
#define DT_DATA_SIZE 0x2000ull
#define DT_DATA_END  (DT_DATA_ADDR + DT_DATA_SIZE)

#define DT_MAX_INSNS    32
#define DT_MAX_CODE_LEN 512 /* plus the exit jump, within DT_CODE_SIZE */
#define DT_MAX_PATCHES  4
#define DT_PATCH_MAX    64

/* RFLAGS bits (SDM vol. 1, 3.4.3) */
#define DT_CF             (1u << 0)
#define DT_PF             (1u << 2)
#define DT_AF             (1u << 4)
#define DT_ZF             (1u << 6)
#define DT_SF             (1u << 7)
#define DT_DF             (1u << 10)
#define DT_OF             (1u << 11)
#define DT_FLAGS_STATUS   (DT_CF | DT_PF | DT_AF | DT_ZF | DT_SF | DT_OF)
#define DT_FLAGS_COMPARED (DT_FLAGS_STATUS | DT_DF)
#define DT_RFLAGS_FIXED   0x2u /* bit 1 always reads as 1 */
#define DT_RFLAGS_IF      (1u << 9)
#define DT_AC             (1u << 18) /* alignment check */

/* Layout shared with native_entry.S: gpr at 0, rflags at 128, rip at 136. */
struct dt_regs {
    uint64_t gpr[16]; /* in enum cpu_gpr order: rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
    uint64_t rflags;
    uint64_t rip;
};

/* Bytes written over the initial data sandbox before a run. */
struct dt_patch {
    uint32_t offset; /* from DT_DATA_ADDR */
    uint32_t len;
    uint8_t bytes[DT_PATCH_MAX];
};

struct dt_case {
    uint64_t number; /* position in the run, to find it again */
    uint8_t code[DT_MAX_CODE_LEN];
    uint32_t code_len;
    unsigned ninsns;
    uint16_t insn_offset[DT_MAX_INSNS + 1]; /* [ninsns] == code_len */
    /* RFLAGS bits whose value is undefined before instruction i; [ninsns]: at the end */
    uint32_t undefined[DT_MAX_INSNS + 1];
    /*
     * A failing case is cut to its shortest failing prefix, but never to
     * fewer than keep instructions (the store that carries x87/SSE state out
     * and what follows it); a prefix of that length is counted against
     * instruction subject - 1 when subject is set, else its last instruction.
     */
    unsigned keep;
    unsigned subject;
    struct dt_regs in; /* in.rip == DT_CODE_ADDR */
    unsigned npatches;
    struct dt_patch patches[DT_MAX_PATCHES];
};

/* How a run ended. */
struct dt_outcome {
    struct dt_regs regs; /* at the end, or at the faulting instruction */
    int vector;          /* -1: reached the end of the code; else the exception vector */
    uint32_t error_code; /* #PF: the page-fault error code */
    uint64_t cr2;        /* #PF: the faulting linear address */
    const uint8_t *data; /* the data sandbox after the run, DT_DATA_SIZE bytes */
    char note[600];      /* why a run could not be judged (emulator stopped early) */
};

static inline uint64_t dt_case_end(const struct dt_case *c)
{
    return DT_CODE_ADDR + c->code_len;
}

#endif
