// SPDX-License-Identifier: Apache-2.0
/*
 * movbe_adx.c - two small general-register extensions of x86-64-v3's
 * era (SDM vol. 2): MOVBE (CPUID.1:ECX.MOVBE[bit 22]), a load or store
 * with the bytes reversed, 16/32/64 bits (a 16-bit load writes only the
 * low word), and ADX (CPUID.7.0:EBX.ADX[bit 19]): ADCX adds with CF and
 * sets only CF, ADOX adds with OF and sets only OF, 32/64 bits.
 */
#include "cpu/emu/ops/ops.h"

static inline uint64_t bswap_sized(uint64_t v, unsigned size)
{
    switch (size) {
    case 2: return __builtin_bswap16((uint16_t)v);
    case 4: return __builtin_bswap32((uint32_t)v);
    default: return __builtin_bswap64(v);
    }
}

#define MOVBE_SIZE(S, SZ)                                                      \
    HANDLER(MOVBE_G##S##M##S)                                                  \
    {                                                                          \
        uint64_t v;                                                            \
        int st = read_ea(cpu, i, SZ, &v);                                      \
        if (likely(!st))                                                       \
            reg_set(cpu, i->reg, SZ, bswap_sized(v, SZ));                      \
        return st;                                                             \
    }                                                                          \
    HANDLER(MOVBE_M##S##G##S)                                                  \
    {                                                                          \
        return write_ea(cpu, i, SZ, bswap_sized(reg_get(cpu, i->rm, SZ), SZ)); \
    }
MOVBE_SIZE(w, 2)
MOVBE_SIZE(d, 4)
MOVBE_SIZE(q, 8)

static const struct emu_binary_forms MOVBE_forms = {
    .rm = {NULL, MOVBE_GwMw, MOVBE_GdMd, MOVBE_GqMq},
    .mr = {NULL, MOVBE_MwGw, MOVBE_MdGd, MOVBE_MqGq},
};

/* dst += src + flag (CF for ADCX, OF for ADOX); the carry out goes to that flag alone. */
static inline void adx(struct emu_cpu *cpu, const struct emu_insn *i, unsigned size, uint64_t src,
                       uint64_t flag)
{
    emu_flags_materialize(cpu);
    uint64_t a = reg_get(cpu, i->reg, size), mask = size_mask(size);
    uint64_t in = (cpu->rflags & flag) != 0;
    uint64_t r = (a + src + in) & mask;
    bool carry = size == 8 ? (r < a || (in && r == a)) : ((a + src + in) >> 32) != 0;
    cpu->rflags = (cpu->rflags & ~flag) | (carry ? flag : 0);
    reg_set(cpu, i->reg, size, r);
}

#define ADX_SIZE(NAME, S, SZ, FLAG)                     \
    HANDLER(NAME##_G##S##E##S##R)                       \
    {                                                   \
        adx(cpu, i, SZ, reg_get(cpu, i->rm, SZ), FLAG); \
        return EMU_NEXT;                                \
    }                                                   \
    HANDLER(NAME##_G##S##E##S##M)                       \
    {                                                   \
        uint64_t v;                                     \
        int st = read_ea(cpu, i, SZ, &v);               \
        if (likely(!st))                                \
            adx(cpu, i, SZ, v, FLAG);                   \
        return st;                                      \
    }
ADX_SIZE(ADCX, d, 4, FL_CF)
ADX_SIZE(ADCX, q, 8, FL_CF)
ADX_SIZE(ADOX, d, 4, FL_OF)
ADX_SIZE(ADOX, q, 8, FL_OF)

static const struct emu_binary_forms ADCX_forms = {
    .rr = {NULL, NULL, ADCX_GdEdR, ADCX_GqEqR},
    .rm = {NULL, NULL, ADCX_GdEdM, ADCX_GqEqM},
};
static const struct emu_binary_forms ADOX_forms = {
    .rr = {NULL, NULL, ADOX_GdEdR, ADOX_GqEqR},
    .rm = {NULL, NULL, ADOX_GdEdM, ADOX_GqEqM},
};

const struct emu_opdef emu_ops_movbe_adx[] = {
    {ZYDIS_MNEMONIC_MOVBE, emu_select_binary, &MOVBE_forms, 0},
    {ZYDIS_MNEMONIC_ADCX, emu_select_binary, &ADCX_forms, 0},
    {ZYDIS_MNEMONIC_ADOX, emu_select_binary, &ADOX_forms, 0},
    {0},
};
