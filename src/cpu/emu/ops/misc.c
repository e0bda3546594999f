// SPDX-License-Identifier: Apache-2.0
/*
 * misc.c - instructions with no architectural effect in this emulator:
 * NOP forms, PAUSE, ENDBR64 (CET is not advertised), LFENCE/MFENCE/SFENCE
 * (host fences, for SMP), PREFETCHh/PREFETCHW, CLFLUSH, CLFLUSHOPT and CLWB
 * (the emulated caches are coherent), and the #UD family UD0/UD1/UD2 (SDM
 * vol. 2).
 */
#include "cpu/emu/ops/ops.h"

HANDLER(NOP)
{
    (void)cpu, (void)i;
    return EMU_NEXT;
}

HANDLER(MFENCE)
{
    (void)cpu, (void)i;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return EMU_NEXT;
}

HANDLER(PAUSE)
{
    (void)cpu, (void)i;
    __builtin_ia32_pause();
    return EMU_NEXT;
}

/*
 * F3 90 is PAUSE, but REX.B makes opcode 90 name R8: the CPU then executes
 * XCHG r8, rAX whatever the F3 (SDM vol. 2, XCHG and NOP), while Zydis
 * still reports PAUSE.
 */
static bool select_pause(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    if (d->zi->raw.rex.B)
        return emu_select_xchg_r8_rax(insn, d->zi->operand_width / 8);
    return emu_select_fixed(insn, d, arg);
}

/* Memory-operand hints: the address is not even checked (prefetches never fault). */
static bool select_hint(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)d;
    insn->fn = (emu_handler)arg;
    return true;
}

/* CLFLUSH, CLFLUSHOPT and CLWB fault like a byte read of their operand (SDM vol. 2, CLFLUSH). */
HANDLER(CLFLUSH_Mb)
{
    uint64_t v;
    return read_ea(cpu, i, 1, &v);
}

static bool select_clflush(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    if (!op_is_mem(&d->op[0]) || !dec_mem(insn, d, &d->op[0]))
        return false;
    insn->fn = CLFLUSH_Mb;
    return true;
}

const struct emu_opdef emu_ops_misc[] = {
    {ZYDIS_MNEMONIC_NOP, select_hint, NOP, 0},
    {ZYDIS_MNEMONIC_ENDBR64, select_hint, NOP, 0},
    {ZYDIS_MNEMONIC_PAUSE, select_pause, PAUSE, 0},
    {ZYDIS_MNEMONIC_LFENCE, emu_select_fixed, MFENCE, 0},
    {ZYDIS_MNEMONIC_SFENCE, emu_select_fixed, MFENCE, 0},
    {ZYDIS_MNEMONIC_MFENCE, emu_select_fixed, MFENCE, 0},
    {ZYDIS_MNEMONIC_PREFETCHT0, select_hint, NOP, 0},
    {ZYDIS_MNEMONIC_PREFETCHT1, select_hint, NOP, 0},
    {ZYDIS_MNEMONIC_PREFETCHT2, select_hint, NOP, 0},
    {ZYDIS_MNEMONIC_PREFETCHNTA, select_hint, NOP, 0},
    {ZYDIS_MNEMONIC_PREFETCHW, select_hint, NOP, 0},
    {ZYDIS_MNEMONIC_CLFLUSH, select_clflush, NULL, 0},
    {ZYDIS_MNEMONIC_CLFLUSHOPT, select_clflush, NULL, 0},
    {ZYDIS_MNEMONIC_CLWB, select_clflush, NULL, 0},
    {ZYDIS_MNEMONIC_UD0, select_hint, emu_op_invalid, OPF_BRANCH},
    {ZYDIS_MNEMONIC_UD1, select_hint, emu_op_invalid, OPF_BRANCH},
    {ZYDIS_MNEMONIC_UD2, select_hint, emu_op_invalid, OPF_BRANCH},
    {0},
};
