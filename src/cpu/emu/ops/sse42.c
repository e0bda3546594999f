// SPDX-License-Identifier: Apache-2.0
/*
 * sse42.c - SSE4.2 but the string compares (sse42_string.c) and POPCNT
 * (bit.c, its own CPUID bit) (SDM vol. 2; CPUID.1:ECX.SSE4_2[bit 20]):
 * PCMPGTQ, and CRC32 of a byte, word, dword or qword into a 32-bit CRC
 * held in a 32- or 64-bit register (CRC-32C, the Castagnoli polynomial
 * 11EDC6F41H, bit-reflected, without the initial and final inversion).
 */
#include "cpu/emu/ops/simd_ext.h"

static inline xmm_t pcmpgtq(xmm_t d, xmm_t s, unsigned imm, unsigned n)
{
    (void)imm, (void)n;
    for (unsigned k = 0; k < 2; k++)
        d.q[k] = (int64_t)d.q[k] > (int64_t)s.q[k] ? ~0ull : 0;
    return d;
}
SIMD_VEC(PCMPGTQ, pcmpgtq)

/* Bytes of v, low first, into the reflected CRC-32C crc. */
static uint32_t crc32c(uint32_t crc, uint64_t v, unsigned bytes)
{
    static const uint32_t poly = 0x82f63b78u; /* 11EDC6F41H reflected */
    for (unsigned k = 0; k < bytes * 8; k++, v >>= 1)
        crc = (crc >> 1) ^ (((crc ^ (uint32_t)v) & 1) ? poly : 0);
    return crc;
}

HANDLER(CRC32_Gy_R)
{
    cpu->r[i->reg] = crc32c((uint32_t)cpu->r[i->reg], reg_get(cpu, i->rm, i->size), i->size);
    return EMU_NEXT;
}

HANDLER(CRC32_Gy_M)
{
    uint64_t v;
    int st = read_ea(cpu, i, i->size, &v);
    if (likely(!st))
        cpu->r[i->reg] = crc32c((uint32_t)cpu->r[i->reg], v, i->size);
    return st;
}

/* CRC32 r32/r64, r/m8/16/32/64: reg = the CRC's register, size = the source's bytes. */
static bool select_crc32(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    if (d->nops != 2 || !op_is_reg(&d->op[0]) || dec_size_index(d->op[1].size / 8) < 0)
        return false;
    int r = dec_gpr(d->op[0].reg.value);
    if (r < 0)
        return false;
    insn->reg = (uint8_t)r;
    insn->size = (uint8_t)(d->op[1].size / 8);
    if (op_is_mem(&d->op[1])) {
        insn->fn = CRC32_Gy_M;
        return dec_mem(insn, d, &d->op[1]);
    }
    int s = op_is_reg(&d->op[1]) ? dec_gpr(d->op[1].reg.value) : -1;
    if (s < 0)
        return false;
    insn->rm = (uint8_t)s;
    insn->fn = CRC32_Gy_R;
    return true;
}

const struct emu_opdef emu_ops_sse42[] = {
    SIMD_VEC_OP(PCMPGTQ, PCMPGTQ_forms),
    {ZYDIS_MNEMONIC_CRC32, select_crc32, NULL, 0},
    {0},
};
