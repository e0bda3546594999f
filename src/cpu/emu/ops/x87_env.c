// SPDX-License-Identifier: Apache-2.0
/*
 * x87_env.c - x87 FPU control and environment instructions (SDM vol. 1,
 * 8.1.10 and 8.3.12; vol. 2 FLDENV, FNSTENV, FRSTOR, FNSAVE, FFREE,
 * FINCSTP, FDECSTP, FNOP, and the 8087/287 leftovers FENI, FDISI, FSETPM).
 *
 * The environment and save images are built in software, in the
 * protected-mode formats of SDM vol. 1, figures 8-9 and 8-11 (32-bit: 28
 * bytes, reserved halves read as 0xffff as the reference CPU stores them;
 * with a 16-bit operand size: 14 bytes), followed for
 * FNSAVE/FRSTOR by ST(0)..ST(7), 10 bytes each. The full tag word is
 * derived from the register contents (figure 8-7). The real-address mode
 * layouts are not implemented (#UD and a log line there). The CPU model
 * deprecates FCS and FDS (CPUID.7.0:EBX[13]): they are stored as 0 and
 * ignored when loaded. FXRSTOR64 loads FIP and FDP sign-extended from bit
 * 47 (docs/emu-cpuid.md, "Where the architecture leaves a choice"). FFREE, FFREEP, FINCSTP, FDECSTP
 * and FNOP are ordinary non-control instructions and run on the host (x87.c); FENI, FDISI and
 * FSETPM do nothing on any CPU since the 387.
 */
#include "cpu/emu/ops/x87.h"

#include "cpu/emu/tlb.h"

#define ENV32_BYTES  28
#define ENV16_BYTES  14
#define ST_BYTES     10
#define SAVE32_BYTES (ENV32_BYTES + 8 * ST_BYTES)
#define TAG_VALID    0u
#define TAG_ZERO     1u
#define TAG_SPECIAL  2u
#define TAG_EMPTY    3u

static unsigned top_of(const uint8_t *fx)
{
    return (fx16(fx, FX_FSW) & FSW_TOP) >> 11;
}

/* The tag of physical register p, from the abridged tag and the value in it. */
static unsigned full_tag(const uint8_t *fx, unsigned p)
{
    if (!(fx[FX_FTW] & (1u << p)))
        return TAG_EMPTY;
    const uint8_t *reg = fx + FX_ST0 + 16 * ((p - top_of(fx)) & 7);
    uint64_t mantissa = fx64(reg, 0);
    unsigned exponent = fx16(reg, 8) & 0x7fff;
    if (exponent == 0x7fff)
        return TAG_SPECIAL; /* infinity, NaN */
    if (exponent == 0)
        return mantissa ? TAG_SPECIAL : TAG_ZERO;      /* denormal, pseudo-denormal; zero */
    return (mantissa >> 63) ? TAG_VALID : TAG_SPECIAL; /* unnormal */
}

static uint16_t tag_word(const uint8_t *fx)
{
    uint16_t ftw = 0;
    for (unsigned p = 0; p < 8; p++)
        ftw |= (uint16_t)(full_tag(fx, p) << (2 * p));
    return ftw;
}

static uint8_t abridged_tag(uint16_t ftw)
{
    uint8_t tags = 0;
    for (unsigned p = 0; p < 8; p++)
        if (((ftw >> (2 * p)) & 3) != TAG_EMPTY)
            tags |= (uint8_t)(1u << p);
    return tags;
}

static void put32(uint8_t *out, unsigned k, uint32_t v)
{
    memcpy(out + 4 * k, &v, 4);
}

static uint32_t get32(const uint8_t *in, unsigned k)
{
    uint32_t v;
    memcpy(&v, in + 4 * k, 4);
    return v;
}

/* The environment, in the 32-bit or the 16-bit format; returns its size. */
static unsigned store_env(const struct emu_cpu *cpu, uint8_t *out, bool env16)
{
    const uint8_t *fx = cpu->fx;
    if (env16) {
        const uint16_t w[7] = {fx16(fx, FX_FCW),
                               fx16(fx, FX_FSW),
                               tag_word(fx),
                               (uint16_t)fx64(fx, FX_FIP),
                               0,
                               (uint16_t)fx64(fx, FX_FDP),
                               0};
        memcpy(out, w, sizeof(w));
        return ENV16_BYTES;
    }
    put32(out, 0, 0xffff0000u | fx16(fx, FX_FCW));
    put32(out, 1, 0xffff0000u | fx16(fx, FX_FSW));
    put32(out, 2, 0xffff0000u | tag_word(fx));
    put32(out, 3, (uint32_t)fx64(fx, FX_FIP));
    put32(out, 4, (uint32_t)(fx16(fx, FX_FOP) & FOP_MASK) << 16); /* FCS = 0 */
    put32(out, 5, (uint32_t)fx64(fx, FX_FDP));
    put32(out, 6, 0xffff0000u); /* FDS = 0 */
    return ENV32_BYTES;
}

static unsigned load_env(struct emu_cpu *cpu, const uint8_t *in, bool env16)
{
    uint8_t *fx = cpu->fx;
    uint16_t fcw, fsw, ftw;
    if (env16) {
        uint16_t w[7];
        memcpy(w, in, sizeof(w));
        fcw = w[0];
        fsw = w[1];
        ftw = w[2];
        fx16_set(fx, FX_FOP, 0); /* the 16-bit format has no FOP */
        fx64_set(fx, FX_FIP, w[3]);
        fx64_set(fx, FX_FDP, w[5]);
    } else {
        fcw = (uint16_t)get32(in, 0);
        fsw = (uint16_t)get32(in, 1);
        ftw = (uint16_t)get32(in, 2);
        fx64_set(fx, FX_FIP, get32(in, 3));
        fx16_set(fx, FX_FOP, (uint16_t)(get32(in, 4) >> 16) & FOP_MASK);
        fx64_set(fx, FX_FDP, get32(in, 5));
    }
    fx16_set(fx, FX_FCW, x87_fcw(fcw));
    x87_set_top(cpu, (fsw & FSW_TOP) >> 11);
    fx16_set(fx, FX_FSW, fsw);
    fx[FX_FTW] = abridged_tag(ftw);
    x87_update_es(cpu);
    return env16 ? ENV16_BYTES : ENV32_BYTES;
}

/* Translates va for acc without touching memory: a fault is raised as the access would. */
static int probe(struct emu_cpu *cpu, uint64_t va, unsigned acc)
{
    if (!is_canonical(va))
        return (acc & ACC_STACK) ? emu_raise_err(cpu, EXC_SS, 0) : emu_raise_gp0(cpu);
    struct emu_tlb_entry *e;
    return emu_tlb_fill(cpu, cpu->mmu_idx, va, acc & ACC_KIND, &e);
}

int emu_x87_state_access(struct emu_cpu *cpu, uint64_t ea, unsigned size, unsigned span,
                         unsigned unit, unsigned acc, void *buf)
{
    if (!fits_page(ea, span)) {
        int st = probe(cpu, ea, acc);
        if (!st && !fits_page(ea, unit))
            st = probe(cpu, (ea | ~PAGE_MASK) + 1, acc);
        if (!st)
            st = probe(cpu, ea + span - 1, acc);
        if (st)
            return st;
    }
    return emu_mem_access(cpu, ea, size, acc, buf);
}

/*
 * The image of FLDENV, FNSTENV, FRSTOR or FNSAVE; its fields are words or
 * dwords, and so is its alignment for #AC (SDM vol. 3A, table 6-7).
 */
static int env_access(struct emu_cpu *cpu, const struct emu_insn *i, bool env16, unsigned acc,
                      void *buf)
{
    /* real-address and virtual-8086 mode use other layouts (SDM vol. 1, figures 8-10 and 8-12) */
    if (!(cpu->cr0 & CR0_PE) || (cpu->rflags & FL_VM))
        return emu_raise_unimplemented(cpu, i);
    uint64_t ea = insn_ea(cpu, i);
    unsigned unit = env16 ? 2 : 4;
    acc |= acc_of_seg(i->seg);
    int st = mem_check_align(cpu, ea, unit, acc);
    if (st)
        return st;
    return emu_x87_state_access(cpu, ea, i->size, i->size, unit, acc, buf);
}

/* insn->size is the operand's size: 28 or 14 bytes (environment), 108 or 94 (save image). */
HANDLER(FNSTENV)
{
    uint8_t env[ENV32_BYTES];
    int st = emu_x87_enter(cpu, false);
    if (st)
        return st;
    bool env16 = i->size == ENV16_BYTES;
    store_env(cpu, env, env16);
    st = env_access(cpu, i, env16, ACC_WRITE, env);
    if (st)
        return st;
    fx16_set(cpu->fx, FX_FCW, fx16(cpu->fx, FX_FCW) | FSW_EXC); /* masks every exception */
    x87_update_es(cpu);
    return EMU_NEXT;
}

HANDLER(FLDENV)
{
    uint8_t env[ENV32_BYTES];
    bool env16 = i->size == ENV16_BYTES;
    int st = emu_x87_enter(cpu, true);
    if (!st)
        st = env_access(cpu, i, env16, ACC_READ, env);
    if (st)
        return st;
    load_env(cpu, env, env16);
    return EMU_NEXT;
}

HANDLER(FNSAVE)
{
    uint8_t img[SAVE32_BYTES];
    int st = emu_x87_enter(cpu, false);
    if (st)
        return st;
    bool env16 = i->size != SAVE32_BYTES;
    unsigned n = store_env(cpu, img, env16);
    for (unsigned k = 0; k < 8; k++)
        memcpy(img + n + ST_BYTES * k, cpu->fx + FX_ST0 + 16 * k, ST_BYTES);
    st = env_access(cpu, i, env16, ACC_WRITE, img);
    if (st)
        return st;
    x87_init(cpu);
    return EMU_NEXT;
}

HANDLER(FRSTOR)
{
    uint8_t img[SAVE32_BYTES];
    bool env16 = i->size != SAVE32_BYTES;
    int st = emu_x87_enter(cpu, true);
    if (!st)
        st = env_access(cpu, i, env16, ACC_READ, img);
    if (st)
        return st;
    unsigned n = load_env(cpu, img, env16);
    for (unsigned k = 0; k < 8; k++) {
        uint8_t *slot = cpu->fx + FX_ST0 + 16 * k;
        memcpy(slot, img + n + ST_BYTES * k, ST_BYTES);
        memset(slot + ST_BYTES, 0, 16 - ST_BYTES);
    }
    return EMU_NEXT;
}

/* FENI, FDISI, FSETPM: no operation, no wait, no FOP/FIP update (but #NM). */
HANDLER(FNOP_legacy)
{
    return emu_x87_enter(cpu, false);
}

const struct emu_opdef emu_ops_x87_env[] = {
    {ZYDIS_MNEMONIC_FNSTENV, emu_x87_select_mem, FNSTENV, 0},
    {ZYDIS_MNEMONIC_FLDENV, emu_x87_select_mem, FLDENV, 0},
    {ZYDIS_MNEMONIC_FNSAVE, emu_x87_select_mem, FNSAVE, 0},
    {ZYDIS_MNEMONIC_FRSTOR, emu_x87_select_mem, FRSTOR, 0},
    {ZYDIS_MNEMONIC_FFREE, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FFREEP, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FINCSTP, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FDECSTP, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FNOP, emu_x87_select, &x87_forms_read, 0},
    {ZYDIS_MNEMONIC_FENI8087_NOP, emu_select_fixed, FNOP_legacy, 0},
    {ZYDIS_MNEMONIC_FDISI8087_NOP, emu_select_fixed, FNOP_legacy, 0},
    {ZYDIS_MNEMONIC_FSETPM287_NOP, emu_select_fixed, FNOP_legacy, 0},
    {0},
};

void emu_x87_fxsave(const struct emu_cpu *cpu, uint8_t *img, bool format64)
{
    const uint8_t *fx = cpu->fx;
    memset(img, 0, FX_MXCSR);
    fx16_set(img, FX_FCW, fx16(fx, FX_FCW));
    fx16_set(img, FX_FSW, fx16(fx, FX_FSW));
    img[FX_FTW] = fx[FX_FTW];
    if (fx16(fx, FX_FSW) & FSW_ES) {
        fx16_set(img, FX_FOP, fx16(fx, FX_FOP));
        if (format64) {
            fx64_set(img, FX_FIP, fx64(fx, FX_FIP));
            fx64_set(img, FX_FDP, fx64(fx, FX_FDP));
        } else { /* FCS and FDS (deprecated) stay 0 */
            put32(img + FX_FIP, 0, (uint32_t)fx64(fx, FX_FIP));
            put32(img + FX_FDP, 0, (uint32_t)fx64(fx, FX_FDP));
        }
    }
    memcpy(img + FX_ST0, fx + FX_ST0, FX_X87_BYTES - FX_ST0);
}

/* v sign-extended from bit 47, as FXRSTOR64 loads FIP and FDP (the model's choice, as Zen 3). */
static uint64_t canonical48(uint64_t v)
{
    return (uint64_t)((int64_t)(v << 16) >> 16);
}

void emu_x87_fxrstor(struct emu_cpu *cpu, const uint8_t *img, bool format64)
{
    uint8_t *fx = cpu->fx;
    fx16_set(fx, FX_FCW, x87_fcw(fx16(img, FX_FCW)));
    fx16_set(fx, FX_FSW, fx16(img, FX_FSW));
    fx[FX_FTW] = img[FX_FTW];
    fx[FX_FTW + 1] = 0;
    fx16_set(fx, FX_FOP, fx16(img, FX_FOP) & FOP_MASK);
    /* 64-bit pointers are linear addresses: the model keeps them canonical (48 bits) */
    fx64_set(fx, FX_FIP, format64 ? canonical48(fx64(img, FX_FIP)) : get32(img + FX_FIP, 0));
    fx64_set(fx, FX_FDP, format64 ? canonical48(fx64(img, FX_FDP)) : get32(img + FX_FDP, 0));
    for (unsigned k = 0; k < 8; k++) {
        memcpy(fx + FX_ST0 + 16 * k, img + FX_ST0 + 16 * k, ST_BYTES);
        memset(fx + FX_ST0 + 16 * k + ST_BYTES, 0, 16 - ST_BYTES);
    }
    x87_update_es(cpu);
}
