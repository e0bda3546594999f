/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flags.h - lazy condition flags (the technique of QEMU's cc_op and Bochs's
 * lazy flags): an arithmetic instruction records its kind, operand size,
 * operands and result; CF/PF/AF/ZF/SF/OF are computed only when something
 * reads them (Jcc, SETcc, CMOVcc, PUSHF, ADC...). Flag definitions follow
 * SDM vol. 1, 3.4.3.1 and appendix A.
 */
#ifndef STRATA_CPU_EMU_FLAGS_H
#define STRATA_CPU_EMU_FLAGS_H

#include "cpu/emu/cpu.h"

/* cc_op = kind << 2 | log2(operand size) */
enum cc_kind {
    CC_KIND_EFLAGS, /* flags are materialized in cpu->rflags */
    CC_KIND_ADD,    /* res = src1 + src2 */
    CC_KIND_ADC,    /* res = src1 + src2 + 1 (ADC with CF set) */
    CC_KIND_SUB,    /* res = src1 - src2 (also CMP, NEG with src1 = 0) */
    CC_KIND_SBB,    /* res = src1 - src2 - 1 (SBB with CF set) */
    CC_KIND_LOGIC,  /* CF = OF = AF = 0 */
    CC_KIND_INC,    /* res = src1 + 1; src2 = CF before */
    CC_KIND_DEC,    /* res = src1 - 1; src2 = CF before */
    CC_KIND_RESULT, /* ZF/SF/PF from res; src2 holds CF, OF and AF as RFLAGS bits */
};

#define CC_EFLAGS 0u

static inline unsigned size_log2(unsigned size)
{
    return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
}

static inline void cc_set(struct emu_cpu *cpu, enum cc_kind kind, unsigned size, uint64_t src1,
                          uint64_t src2, uint64_t res)
{
    cpu->cc_op = (unsigned)kind << 2 | size_log2(size);
    cpu->cc_src1 = src1;
    cpu->cc_src2 = src2;
    cpu->cc_res = res;
}

/* The six arithmetic flags as RFLAGS bits. */
uint64_t emu_flags_arith(const struct emu_cpu *cpu);

/* Full RFLAGS. */
static inline uint64_t emu_rflags(const struct emu_cpu *cpu)
{
    if (cpu->cc_op == CC_EFLAGS)
        return cpu->rflags;
    return (cpu->rflags & ~FL_ARITH) | emu_flags_arith(cpu);
}

/* Puts the arithmetic flags in cpu->rflags (before editing single bits there). */
static inline void emu_flags_materialize(struct emu_cpu *cpu)
{
    if (cpu->cc_op != CC_EFLAGS) {
        cpu->rflags = emu_rflags(cpu);
        cpu->cc_op = CC_EFLAGS;
    }
}

/* Current carry flag, cheaper than all flags. */
bool emu_flags_cf(const struct emu_cpu *cpu);

static inline bool parity_even(uint64_t v)
{
    return !__builtin_parity((unsigned)(v & 0xff));
}

/* Condition cc evaluated on materialized flags. */
bool emu_cond_from_rflags(uint64_t rflags, unsigned cc);

/*
 * Evaluates condition code cc (the low nibble of Jcc/SETcc/CMOVcc, SDM
 * vol. 1, B.1). Inline, with fast paths straight from the operands after
 * CMP/SUB and TEST/AND/OR/XOR: with a constant cc the switch folds away.
 */
static inline bool emu_cond(const struct emu_cpu *cpu, unsigned cc)
{
    unsigned kind = cpu->cc_op >> 2;
    unsigned size = 1u << (cpu->cc_op & 3);
    if (kind == CC_KIND_SUB && (cc >> 1) != 0 && (cc >> 1) != 5) {
        uint64_t mask = size_mask(size);
        uint64_t a = cpu->cc_src1 & mask, b = cpu->cc_src2 & mask;
        int64_t sa = (int64_t)sext(a, size), sb = (int64_t)sext(b, size);
        bool r;
        switch (cc >> 1) {
        case 1: r = a < b; break;
        case 2: r = a == b; break;
        case 3: r = a <= b; break;
        case 4: r = (cpu->cc_res & sign_bit(size)) != 0; break;
        case 6: r = sa < sb; break;
        default: r = sa <= sb; break;
        }
        return r ^ (cc & 1);
    }
    if (kind == CC_KIND_LOGIC) {
        uint64_t res = cpu->cc_res & size_mask(size);
        bool sf = (res & sign_bit(size)) != 0;
        bool r;
        switch (cc >> 1) {
        case 0:
        case 1: r = false; break;
        case 2:
        case 3: r = res == 0; break;
        case 4:
        case 6: r = sf; break;
        case 5: r = parity_even(res); break;
        default: r = res == 0 || sf; break;
        }
        return r ^ (cc & 1);
    }
    return emu_cond_from_rflags(emu_rflags(cpu), cc);
}

/* POPF (and IRET outside IA-32e mode): loads v (size bytes) into RFLAGS as the CPL and IOPL allow.
 */
void emu_flags_popf_load(struct emu_cpu *cpu, uint64_t v, unsigned size);

#endif
