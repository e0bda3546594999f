// SPDX-License-Identifier: Apache-2.0
/*
 * rand_pid.c - RDRAND (CPUID.1:ECX.RDRAND[bit 30]) and RDSEED
 * (CPUID.7.0:EBX.RDSEED[bit 18]), 16/32/64 bits, fed from the host's
 * getrandom(2) without blocking: CF = 1 with a value, or CF = 0 and the
 * destination 0 when the host has none to give (the guest retries, as on
 * a CPU whose generator is drained); OF SF ZF AF PF cleared (SDM vol. 2,
 * RDRAND). RDPID (CPUID.7.0:ECX.RDPID[bit 22]): IA32_TSC_AUX into a
 * 64-bit register (32-bit outside 64-bit mode).
 */
#include <sys/random.h>

#include "cpu/emu/ops/ops.h"

HANDLER(RDRAND)
{
    uint64_t v = 0;
    bool ok = getrandom(&v, i->size, GRND_NONBLOCK) == (ssize_t)i->size;
    emu_flags_materialize(cpu);
    cpu->rflags = (cpu->rflags & ~FL_ARITH) | (ok ? FL_CF : 0);
    reg_set(cpu, i->reg, i->size, ok ? v : 0);
    return EMU_NEXT;
}

HANDLER(RDPID)
{
    reg_set(cpu, i->reg, i->size, cpu->msr.tsc_aux);
    return EMU_NEXT;
}

/* reg = the destination register, size its width. */
static bool select_reg(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    if (d->nops != 1 || !op_is_reg(&d->op[0]) || dec_size_index(d->op[0].size / 8) < 1)
        return false;
    int r = dec_gpr(d->op[0].reg.value);
    if (r < 0)
        return false;
    insn->reg = (uint8_t)r;
    insn->size = (uint8_t)(d->op[0].size / 8);
    insn->fn = (emu_handler)arg;
    return true;
}

const struct emu_opdef emu_ops_rand_pid[] = {
    {ZYDIS_MNEMONIC_RDRAND, select_reg, RDRAND, 0},
    {ZYDIS_MNEMONIC_RDSEED, select_reg, RDRAND, 0},
    {ZYDIS_MNEMONIC_RDPID, select_reg, RDPID, 0},
    {0},
};
