// SPDX-License-Identifier: Apache-2.0
/*
 * gen_system.c - enumerated instructions a user-mode program may meet
 * outside the integer ISA proper:
 *   - privileged instructions at CPL 3: #GP(0) (SDM vol. 3A, 5.9): HLT, CLI
 *     and STI (IOPL 0), IN/OUT/INS/OUTS (IOPL 0, no I/O bitmap), RDMSR,
 *     WRMSR, MOV to/from CR and DR, LGDT, LIDT, LLDT, LTR, INVLPG, SWAPGS,
 *     SYSRET, CLTS, WBINVD, INVD;
 *   - opcodes invalid in 64-bit mode, and UD0/UD1/UD2: #UD;
 *   - hints that do nothing: PAUSE, LFENCE, MFENCE, SFENCE, ENDBR64, NOP
 *     with a memory operand, PREFETCHh (never faults, even on an unmapped
 *     address), and CLFLUSH, CLFLUSHOPT, CLWB (fault like a read).
 * Not here, because the answer is the CPU model's and not the ISA's: CPUID,
 * RDTSC(P), RDPMC, SGDT/SIDT/SLDT/STR/SMSW (UMIP on the host), XGETBV.
 */
#include "gen.h"

#include "machine/vcpu.h"

struct raw {
    uint8_t len;
    uint8_t bytes[7];
};

static const struct raw privileged[] = {
    {1, {0xf4}},                   /* hlt */
    {1, {0xfa}},                   /* cli */
    {1, {0xfb}},                   /* sti */
    {1, {0xec}},                   /* in al, dx */
    {1, {0xef}},                   /* out dx, eax */
    {2, {0xe4, 0x60}},             /* in al, 0x60 */
    {2, {0xe6, 0x80}},             /* out 0x80, al */
    {1, {0x6c}},                   /* insb */
    {2, {0xf3, 0x6e}},             /* rep outsb */
    {2, {0x0f, 0x32}},             /* rdmsr */
    {2, {0x0f, 0x30}},             /* wrmsr */
    {3, {0x0f, 0x20, 0xc0}},       /* mov rax, cr0 */
    {3, {0x0f, 0x22, 0xd8}},       /* mov cr3, rax */
    {4, {0x44, 0x0f, 0x20, 0xc0}}, /* mov rax, cr8 */
    {3, {0x0f, 0x21, 0xf8}},       /* mov rax, dr7 */
    {3, {0x0f, 0x23, 0xc0}},       /* mov dr0, rax */
    {3, {0x0f, 0x01, 0x13}},       /* lgdt [rbx] */
    {3, {0x0f, 0x01, 0x1b}},       /* lidt [rbx] */
    {3, {0x0f, 0x00, 0xd0}},       /* lldt ax */
    {3, {0x0f, 0x00, 0xd8}},       /* ltr ax */
    {3, {0x0f, 0x01, 0x3b}},       /* invlpg [rbx] */
    {3, {0x0f, 0x01, 0xf8}},       /* swapgs */
    {3, {0x48, 0x0f, 0x07}},       /* sysretq */
    {2, {0x0f, 0x06}},             /* clts */
    {2, {0x0f, 0x09}},             /* wbinvd */
    {2, {0x0f, 0x08}},             /* invd */
};

static const struct raw invalid[] = {
    {1, {0x06}},             /* push es */
    {1, {0x1f}},             /* pop ds */
    {1, {0x27}},             /* daa */
    {1, {0x37}},             /* aaa */
    {2, {0xd4, 0x0a}},       /* aam */
    {1, {0x60}},             /* pusha */
    {1, {0xce}},             /* into */
    {1, {0xd6}},             /* salc */
    {2, {0x0f, 0x0b}},       /* ud2 */
    {3, {0x0f, 0xb9, 0xc0}}, /* ud1 eax, eax */
    {3, {0x0f, 0xff, 0xc0}}, /* ud0 eax, eax */
};

static const struct raw hints[] = {
    {2, {0xf3, 0x90}},             /* pause */
    {3, {0x0f, 0xae, 0xe8}},       /* lfence */
    {3, {0x0f, 0xae, 0xf0}},       /* mfence */
    {3, {0x0f, 0xae, 0xf8}},       /* sfence */
    {4, {0xf3, 0x0f, 0x1e, 0xfa}}, /* endbr64 */
};

/* Runs each raw encoding with random registers, RBX pointing into the sandbox. */
static bool raw_cases(struct gen *g, const struct raw *codes, size_t n, unsigned runs)
{
    for (size_t i = 0; i < n; i++) {
        for (unsigned k = 0; k < runs; k++) {
            gen__begin(g);
            g->c.in.gpr[CPU_RBX] = DT_DATA_ADDR + rng__below(&g->rng, DT_DATA_SIZE - 16);
            g->c.in.gpr[CPU_RDX] = rng__below(&g->rng, 0x10000);
            builder__raw(&g->b, codes[i].bytes, codes[i].len);
            if (!gen__run(g))
                return false;
        }
    }
    return true;
}

/* NOP r/m, PREFETCHh m (anywhere, even unmapped) and CLFLUSH, CLFLUSHOPT, CLWB m */
static bool memory_hints(struct gen *g)
{
    static const ZydisMnemonic ops[] = {ZYDIS_MNEMONIC_NOP,         ZYDIS_MNEMONIC_PREFETCHT0,
                                        ZYDIS_MNEMONIC_PREFETCHNTA, ZYDIS_MNEMONIC_CLFLUSH,
                                        ZYDIS_MNEMONIC_CLFLUSHOPT,  ZYDIS_MNEMONIC_CLWB};
    static const unsigned features[] = {0, 0, 0, 0, GEN_HAS_CLFLUSHOPT, GEN_HAS_CLWB};
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        if (features[k] && !(g->features & features[k]))
            continue;
        bool flush = k >= 3;
        for (unsigned i = 0; i < 32; i++) {
            gen__begin(g);
            ZydisEncoderOperand op;
            if (!flush && i % 4 == 0) {
                /* an address nothing maps */
                unsigned base = gen__reg(g, 64);
                g->c.in.gpr[base] = i % 8 ? 0x8000 : rng__next(&g->rng);
                op = op_mem(gpr_reg(base, 64), ZYDIS_REGISTER_NONE, 0, 0,
                            ops[k] == ZYDIS_MNEMONIC_NOP ? 4 : 1);
            } else {
                op = gen__mem(g, ops[k] == ZYDIS_MNEMONIC_NOP ? 4 : 1, NULL);
                op.mem.size = flush ? 64 : op.mem.size; /* Zydis's size */
            }
            gen__emit(g, ops[k], 0, 1, &op);
            if (!gen__run(g))
                return false;
        }
    }
    return true;
}

bool gen_system__run(struct gen *g)
{
    return raw_cases(g, privileged, sizeof(privileged) / sizeof(privileged[0]), 8) &&
           raw_cases(g, invalid, sizeof(invalid) / sizeof(invalid[0]), 4) &&
           raw_cases(g, hints, sizeof(hints) / sizeof(hints[0]), 8) && memory_hints(g);
}
