// SPDX-License-Identifier: Apache-2.0
/*
 * test_emu_x87.c - the emu engine's x87 FPU (SDM vol. 1, chapter 8): the
 * register stack and tag word (overflow/underflow with C1 and SF), pending
 * unmasked exceptions reported as #MF at the next waiting instruction,
 * FOP/FIP/FDP, the FSAVE/FSTENV images (full tag word, both formats) and
 * the FXSAVE image, FCOMI's flags, FCMOVcc reading RFLAGS, rounding and
 * precision control, #NM, and precise faults of x87 stores. Values are
 * computed by the host's x87 unit in the engine; the expectations here are
 * architectural constants or come from the host FPU through the compiler.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "emu_fixture.h"

/* Guest code, assembled with the test: AT&T syntax, data at FIX_DATA (0x120000). */
#define SNIPPET(name, code)                                                \
    extern const uint8_t name[], name##_end[];                             \
    __asm__(".pushsection .rodata\n" #name ":\n" code "\n" #name "_end:\n" \
            ".popsection\n")

#define DATA FIX_DATA

/* FXSAVE-layout offsets of the state that get_state returns (SDM vol. 1, table 10-2). */
#define FX_FCW 0
#define FX_FSW 2
#define FX_FTW 4
#define FX_FOP 6
#define FX_FIP 8
#define FX_FDP 16
#define FX_ST0 32

#define FSW_IE  0x0001
#define FSW_ZE  0x0004
#define FSW_SF  0x0040
#define FSW_ES  0x0080
#define FSW_C0  0x0100
#define FSW_C1  0x0200
#define FSW_C2  0x0400
#define FSW_C3  0x4000
#define FSW_B   0x8000
#define FSW_TOP 0x3800

static int setup(void **state)
{
    static struct emu_fixture f;
    fix_init(&f);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fix_destroy(*state);
    return 0;
}

static struct emu_stop_info run(struct emu_fixture *f, const uint8_t *code, const uint8_t *end)
{
    fix_code(f, FIX_CODE, code, (size_t)(end - code));
    f->st.rip = FIX_CODE;
    return fix_run(f, FIX_CODE + (uint64_t)(end - code), 1000);
}
#define RUN(f, name) run(f, name, name##_end)

static void expect_end(struct emu_stop_info info)
{
    assert_int_equal(info.reason, EMU_STOP_RIP);
}

static void expect_exception(struct emu_stop_info info, unsigned vector)
{
    assert_int_equal(info.reason, EMU_STOP_EXCEPTION);
    assert_int_equal(info.vector, vector);
}

static uint16_t fx16(const struct emu_fixture *f, unsigned off)
{
    uint16_t v;
    memcpy(&v, f->st.fxsave + off, 2);
    return v;
}

static uint64_t fx64(const struct emu_fixture *f, unsigned off)
{
    uint64_t v;
    memcpy(&v, f->st.fxsave + off, 8);
    return v;
}

static unsigned top(const struct emu_fixture *f)
{
    return (fx16(f, FX_FSW) & FSW_TOP) >> 11;
}

/* ST(i) as 80 bits: mantissa and sign+exponent. */
static uint64_t st_mant(const struct emu_fixture *f, unsigned i)
{
    return fx64(f, FX_ST0 + 16 * i);
}
static uint16_t st_exp(const struct emu_fixture *f, unsigned i)
{
    return fx16(f, FX_ST0 + 16 * i + 8);
}

static void *data(struct emu_fixture *f, unsigned off)
{
    return fix_mem(f, DATA + off);
}

static uint16_t data16(struct emu_fixture *f, unsigned off)
{
    uint16_t v;
    memcpy(&v, data(f, off), 2);
    return v;
}

static uint32_t data32(struct emu_fixture *f, unsigned off)
{
    uint32_t v;
    memcpy(&v, data(f, off), 4);
    return v;
}

static uint64_t data64(struct emu_fixture *f, unsigned off)
{
    uint64_t v;
    memcpy(&v, data(f, off), 8);
    return v;
}

static void put16(struct emu_fixture *f, unsigned off, uint16_t v)
{
    memcpy(data(f, off), &v, 2);
}

/* A fresh FPU before each snippet. */
static void reset_fpu(struct emu_fixture *f)
{
    memset(f->st.fxsave, 0, 160);
    uint16_t fcw = 0x37f;
    memcpy(f->st.fxsave + FX_FCW, &fcw, 2);
    f->st.cr0 = 0x80010033; /* PG WP NE ET MP PE */
    f->st.rflags = 0x2;
}

SNIPPET(add_store, "fld1; fldpi; faddp; 1: fstpl 0x120000");

static void add_and_store(void **state)
{
    struct emu_fixture *f = *state;
    reset_fpu(f);
    expect_end(RUN(f, add_store));
    long double pi;
    __asm__("fldpi" : "=t"(pi));
    volatile long double sum = 1.0L + pi;
    double expect = (double)sum;
    uint64_t bits;
    memcpy(&bits, &expect, 8);
    assert_int_equal(data64(f, 0), bits);
    assert_int_equal(top(f), 0);
    assert_int_equal(f->st.fxsave[FX_FTW], 0);      /* all empty again */
    assert_int_equal(fx16(f, FX_FSW) & 0x3f, 0x20); /* only PE (pi is inexact in double) */
    /* FOP/FIP/FDP of the last non-control instruction: fstp m64 = DD /3 */
    assert_int_equal(fx16(f, FX_FOP), 0x51c);
    assert_int_equal(fx64(f, FX_FIP), FIX_CODE + 6);
    assert_int_equal(fx64(f, FX_FDP), DATA);
}

SNIPPET(push9, "fld1; fld1; fld1; fld1; fld1; fld1; fld1; fld1; fldz");
SNIPPET(pop_empty, "fadd %st(1), %st");

static void stack_overflow_and_underflow(void **state)
{
    struct emu_fixture *f = *state;
    reset_fpu(f);
    expect_end(RUN(f, push9));
    /* masked stack overflow: IE and SF, C1 = 1; ST(0) becomes the real indefinite */
    assert_int_equal(fx16(f, FX_FSW) & (FSW_IE | FSW_SF | FSW_C1 | FSW_ES),
                     FSW_IE | FSW_SF | FSW_C1);
    assert_int_equal(top(f), 7);
    assert_int_equal(f->st.fxsave[FX_FTW], 0xff);
    assert_int_equal(st_mant(f, 0), 0xc000000000000000ull);
    assert_int_equal(st_exp(f, 0), 0xffff);
    assert_int_equal(st_exp(f, 1), 0x3fff); /* the last 1.0 */

    reset_fpu(f);
    expect_end(RUN(f, pop_empty));
    /* stack underflow: IE and SF with C1 = 0; the destination gets the indefinite */
    assert_int_equal(fx16(f, FX_FSW) & (FSW_IE | FSW_SF | FSW_C1), FSW_IE | FSW_SF);
    assert_int_equal(st_exp(f, 0), 0xffff);
    assert_int_equal(f->st.fxsave[FX_FTW], 0x01);
}

/* 0x120000: control word with #Z unmasked */
SNIPPET(zero_divide, "fldcw 0x120000; fld1; fldz; 1: fdivr %st(1), %st; fnstsw %ax; fld1");
SNIPPET(clear_then_load, "fnclex; fld1");

static void unmasked_exception_pending_until_waiting_insn(void **state)
{
    struct emu_fixture *f = *state;
    reset_fpu(f);
    put16(f, 0, 0x37b);
    struct emu_stop_info info = RUN(f, zero_divide);
    /* fdivr raised #Z: the destination is unchanged, nothing traps until the next FLD */
    expect_exception(info, 16);
    uint64_t fdivr = FIX_CODE + 7 + 2 + 2;
    assert_int_equal(f->st.rip, fdivr + 2 + 2);
    assert_int_equal(f->st.gpr[CPU_RAX] & 0xffff, fx16(f, FX_FSW));
    assert_int_equal(fx16(f, FX_FSW) & (FSW_ZE | FSW_ES | FSW_B), FSW_ZE | FSW_ES | FSW_B);
    assert_int_equal(st_exp(f, 0), 0);      /* still +0 */
    assert_int_equal(st_exp(f, 1), 0x3fff); /* still 1 */
    assert_int_equal(top(f), 6);
    assert_int_equal(fx64(f, FX_FIP), fdivr);
    assert_int_equal(fx16(f, FX_FOP), 0x0f9); /* D8 F9 */

    /* FNCLEX clears the exception; the FLD then runs */
    expect_end(RUN(f, clear_then_load));
    assert_int_equal(top(f), 5);
    assert_int_equal(fx16(f, FX_FSW) & 0xff, 0);

    /* With CR0.NE clear the engine goes on as with IGNNE# asserted */
    reset_fpu(f);
    put16(f, 0, 0x37b);
    f->st.cr0 &= ~0x20ull;
    expect_end(RUN(f, zero_divide));
    assert_int_equal(top(f), 5);
}

SNIPPET(fcomi_st1, "fldl 0x120008; fldl 0x120000; fcomi %st(1), %st");
SNIPPET(fucomip_st1, "fldl 0x120008; fldl 0x120000; fucomip %st(1), %st");

static uint64_t compare(struct emu_fixture *f, const uint8_t *code, const uint8_t *end, double a,
                        double b)
{
    reset_fpu(f);
    memcpy(data(f, 0), &a, 8);
    memcpy(data(f, 8), &b, 8);
    f->st.rflags = 0x2 | 0x800 | 0x80 | 0x10; /* OF SF AF set: FCOMI clears them */
    expect_end(run(f, code, end));
    return f->st.rflags & 0x8d5;
}

static void fcomi_flags(void **state)
{
    struct emu_fixture *f = *state;
    const uint64_t CF = 0x1, PF = 0x4, ZF = 0x40;
    assert_int_equal(compare(f, fcomi_st1, fcomi_st1_end, 1.0, 2.0), CF);
    assert_int_equal(compare(f, fcomi_st1, fcomi_st1_end, 2.0, 1.0), 0);
    assert_int_equal(compare(f, fcomi_st1, fcomi_st1_end, -0.0, 0.0), ZF);
    assert_int_equal(compare(f, fcomi_st1, fcomi_st1_end, __builtin_nan(""), 1.0), ZF | PF | CF);
    assert_int_equal(fx16(f, FX_FSW) & FSW_IE, FSW_IE); /* FCOMI: a QNaN is invalid */
    assert_int_equal(compare(f, fucomip_st1, fucomip_st1_end, __builtin_nan(""), 1.0),
                     ZF | PF | CF);
    assert_int_equal(fx16(f, FX_FSW) & FSW_IE, 0); /* FUCOMI: a QNaN is not */
    assert_int_equal(top(f), 7);                   /* FUCOMIP popped */
}

SNIPPET(fcmovb, "fldz; fld1; fcmovb %st(1), %st");

static void fcmov_reads_rflags(void **state)
{
    struct emu_fixture *f = *state;
    reset_fpu(f);
    f->st.rflags = 0x2 | 0x1; /* CF */
    expect_end(RUN(f, fcmovb));
    assert_int_equal(st_exp(f, 0), 0); /* moved: 0 */
    reset_fpu(f);
    expect_end(RUN(f, fcmovb));
    assert_int_equal(st_exp(f, 0), 0x3fff); /* not moved: 1 */
}

/* ST(0)..ST(3) after the loads: -inf (special), 1.0 (valid), 0 (zero), denormal (special) */
SNIPPET(fsave_32, "fldt 0x120040; fldz; fld1; fldt 0x120050; 1: fnsave 0x120100");
SNIPPET(frstor_32, "frstor 0x120100");
SNIPPET(fsave_16, "fldz; fld1; data16 fnsave 0x120100");

static void fsave_image_and_frstor(void **state)
{
    struct emu_fixture *f = *state;
    reset_fpu(f);
    const uint8_t denormal[10] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    const uint8_t minus_inf[10] = {0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0xff};
    memcpy(data(f, 0x40), denormal, 10);
    memcpy(data(f, 0x50), minus_inf, 10);
    expect_end(RUN(f, fsave_32));
    /* 32-bit protected-mode format: reserved halves 0xffff, FCS and FDS 0 (deprecated) */
    assert_int_equal(data32(f, 0x100), 0xffff037f);
    assert_int_equal(data32(f, 0x104), 0xffff0000 | (4u << 11)); /* TOP 4 (FLD m80: no #D) */
    /* physical registers 4..7 hold ST(0)..ST(3); 0..3 are empty */
    assert_int_equal(data32(f, 0x108),
                     0xffff0000 | 0x00ff | (2u << 8) | (0u << 10) | (1u << 12) | (2u << 14));
    assert_int_equal(data32(f, 0x10c), (uint32_t)FIX_CODE + 7 + 2 + 2); /* FIP: the last fldt */
    assert_int_equal(data32(f, 0x110), 0x32cu << 16);                   /* FOP DB 2C, FCS 0 */
    assert_int_equal(data32(f, 0x114), (uint32_t)DATA + 0x50);          /* FDP */
    assert_int_equal(data32(f, 0x118), 0xffff0000);                     /* FDS 0 */
    assert_memory_equal(data(f, 0x11c), minus_inf, 10);                 /* ST(0) */
    assert_int_equal(data16(f, 0x11c + 10 + 8), 0x3fff);                /* ST(1) = 1.0 */
    assert_memory_equal(data(f, 0x11c + 30), denormal, 10);             /* ST(3) */
    /* FNSAVE reinitializes the FPU */
    assert_int_equal(fx16(f, FX_FCW), 0x37f);
    assert_int_equal(fx16(f, FX_FSW), 0);
    assert_int_equal(f->st.fxsave[FX_FTW], 0);

    expect_end(RUN(f, frstor_32));
    assert_int_equal(fx16(f, FX_FSW), 4u << 11);
    assert_int_equal(f->st.fxsave[FX_FTW], 0xf0);
    assert_int_equal(st_exp(f, 0), 0xffff);
    assert_int_equal(st_mant(f, 3), 1);
    assert_int_equal(fx64(f, FX_FDP), DATA + 0x50);
    assert_int_equal(fx16(f, FX_FOP), 0x32c);

    /* 16-bit format: 14 bytes of environment, registers from offset 14 */
    reset_fpu(f);
    memset(data(f, 0x100), 0xaa, 0x80);
    expect_end(RUN(f, fsave_16));
    assert_int_equal(data16(f, 0x100), 0x37f);
    assert_int_equal(data16(f, 0x104), 0x0fff | (0u << 12) | (1u << 14)); /* 1.0 valid, 0 zero */
    assert_int_equal(data16(f, 0x106), (uint16_t)(FIX_CODE + 2));
    assert_int_equal(data16(f, 0x108), 0); /* FCS */
    assert_int_equal(data16(f, 0x10e + 8), 0x3fff);
    assert_int_equal(data16(f, 0x100 + 94), 0xaaaa); /* nothing written past 94 bytes */
}

SNIPPET(fnstenv_pending, "fldcw 0x120000; fadd %st(1), %st; fnstenv 0x120100; fnstsw %ax");
SNIPPET(fldenv_then_wait, "fldenv 0x120100; fnstsw %ax; fwait");

static void environment_and_pending_exceptions(void **state)
{
    struct emu_fixture *f = *state;
    reset_fpu(f);
    put16(f, 0, 0x37e); /* #I unmasked */
    expect_end(RUN(f, fnstenv_pending));
    /* the image has the pending exception; afterwards everything is masked and nothing pends */
    assert_int_equal(data32(f, 0x104) & 0xffff, FSW_B | FSW_ES | FSW_SF | FSW_IE);
    assert_int_equal(data32(f, 0x100) & 0xffff, 0x37e);
    assert_int_equal(fx16(f, FX_FCW), 0x37f);
    assert_int_equal(f->st.gpr[CPU_RAX] & 0xffff, FSW_SF | FSW_IE);

    /* FLDENV of that image makes the exception pending again: #MF at FWAIT */
    struct emu_stop_info info = RUN(f, fldenv_then_wait);
    expect_exception(info, 16);
    assert_int_equal(f->st.rip, FIX_CODE + 7 + 2);
    assert_int_equal(f->st.gpr[CPU_RAX] & 0xffff, FSW_B | FSW_ES | FSW_SF | FSW_IE);
}

SNIPPET(fxsave_quiet, "fldl 0x120000; fld1; fxsave64 0x120100");
SNIPPET(fxsave_pending, "fldcw 0x120010; fldl 0x120000; fdivs 0x120020; fxsave64 0x120100; "
                        "fxsave 0x120300");

static void fxsave_pointers(void **state)
{
    struct emu_fixture *f = *state;
    reset_fpu(f);
    double one = 1.0;
    memcpy(data(f, 0), &one, 8);
    memset(data(f, 0x100), 0xaa, 32);
    expect_end(RUN(f, fxsave_quiet));
    /* nothing pending: FOP, FIP and FDP are stored as 0 (but kept in the FPU) */
    assert_int_equal(data16(f, 0x106), 0);
    assert_int_equal(data64(f, 0x108), 0);
    assert_int_equal(data64(f, 0x110), 0);
    assert_int_equal(data16(f, 0x102), 6u << 11);
    assert_int_equal(*(uint8_t *)data(f, 0x104), 0xc0);
    assert_int_equal(fx64(f, FX_FIP), FIX_CODE + 7);

    reset_fpu(f);
    put16(f, 0x10, 0x37b); /* #Z unmasked */
    memset(data(f, 0x20), 0, 4);
    expect_end(RUN(f, fxsave_pending));
    uint64_t fdiv = FIX_CODE + 7 + 7;
    assert_int_equal(data16(f, 0x102) & (FSW_ES | FSW_ZE), FSW_ES | FSW_ZE);
    assert_int_equal(data16(f, 0x106), 0x034); /* D8 34 25 */
    assert_int_equal(data64(f, 0x108), fdiv);
    assert_int_equal(data64(f, 0x110), DATA + 0x20);
    /* the 32-bit format: FIP[31:0], FCS = 0, FDP[31:0], FDS = 0 */
    assert_int_equal(data32(f, 0x308), (uint32_t)fdiv);
    assert_int_equal(data32(f, 0x30c), 0);
    assert_int_equal(data32(f, 0x310), (uint32_t)DATA + 0x20);
    assert_int_equal(data32(f, 0x314), 0);
}

SNIPPET(fxrstor_fxsave, "fxrstor64 0x120200; fxsave64 0x120100");

/* FXRSTOR64 keeps FIP and FDP canonical: sign-extended from bit 47 (docs/emu-cpuid.md). */
static void fxrstor_pointers_canonical(void **state)
{
    struct emu_fixture *f = *state;
    reset_fpu(f);
    memset(data(f, 0x200), 0, 512);
    put16(f, 0x200, 0x37b); /* #Z unmasked */
    put16(f, 0x202, 0x4);   /* ZE: pending, so FXSAVE stores the pointers */
    put16(f, 0x206, 0x123);
    uint64_t fip = 0x0000923456789abcull, fdp = 0x1234000011112222ull;
    memcpy(data(f, 0x208), &fip, 8);
    memcpy(data(f, 0x210), &fdp, 8);
    expect_end(RUN(f, fxrstor_fxsave));
    assert_int_equal(data16(f, 0x102) & (FSW_ES | FSW_ZE), FSW_ES | FSW_ZE);
    assert_int_equal(data16(f, 0x106), 0x123);
    assert_int_equal(data64(f, 0x108), 0xffff923456789abcull);
    assert_int_equal(data64(f, 0x110), 0x0000000011112222ull);
}

SNIPPET(fld1_only, "fld1");
SNIPPET(fwait_only, "fwait");

static void device_not_available(void **state)
{
    struct emu_fixture *f = *state;
    reset_fpu(f);
    f->st.cr0 |= 0x8; /* TS */
    expect_exception(RUN(f, fld1_only), 7);
    assert_int_equal(f->st.fxsave[FX_FTW], 0);
    f->st.cr0 &= ~0x2ull; /* TS without MP: WAIT does not fault */
    expect_end(RUN(f, fwait_only));
    f->st.cr0 |= 0x2;
    expect_exception(RUN(f, fwait_only), 7);
    reset_fpu(f);
    f->st.cr0 |= 0x4; /* EM */
    expect_exception(RUN(f, fld1_only), 7);
}

/* 0x121000 is unmapped, 0x122000 read-only in this test */
SNIPPET(store_unmapped, "fld1; fstps 0x121000");
SNIPPET(store_suppressed, "fldcw 0x120000; fldl 0x120008; fstps 0x122000");

static void store_faults_are_precise(void **state)
{
    struct emu_fixture *f = *state;
    uint64_t *unmapped = fix_pte(f, 0x121000), *readonly = fix_pte(f, 0x122000);
    uint64_t saved_unmapped = *unmapped, saved_readonly = *readonly;
    *unmapped = 0;
    *readonly &= ~PTE_W;
    reset_fpu(f);
    struct emu_stop_info info = RUN(f, store_unmapped);
    expect_exception(info, 14);
    assert_int_equal(info.cr2, 0x121000);
    assert_int_equal(top(f), 7);                 /* not popped */
    assert_int_equal(fx64(f, FX_FIP), FIX_CODE); /* the fld1 */

    /* #O unmasked suppresses the store, but write access is checked first */
    reset_fpu(f);
    put16(f, 0, 0x377);
    double big = 1e300;
    memcpy(data(f, 8), &big, 8);
    info = RUN(f, store_suppressed);
    expect_exception(info, 14);
    assert_int_equal(fx16(f, FX_FSW) & FSW_ES, 0);
    *readonly = saved_readonly;
    uint32_t before = 0x12345678;
    memcpy(fix_mem(f, 0x122000), &before, 4);
    reset_fpu(f);
    expect_end(RUN(f, store_suppressed));
    assert_int_equal(data32(f, 0x2000), before); /* not written */
    assert_int_equal(fx16(f, FX_FSW) & (FSW_ES | 0x08), FSW_ES | 0x08);
    assert_int_equal(top(f), 7); /* nor popped */
    *unmapped = saved_unmapped;
}

/* 0x120100: an environment with TOP = 3 */
SNIPPET(top_changes, "fld1; fldz; fninit; fxsave64 0x120200; fldenv 0x120100; fxsave64 0x120400");

static void top_changes_keep_physical_registers(void **state)
{
    struct emu_fixture *f = *state;
    reset_fpu(f);
    uint32_t env[7] = {0xffff037f, 0xffff0000 | 3u << 11, 0xffffffff, 0, 0, 0, 0xffff0000};
    memcpy(data(f, 0x100), env, sizeof(env));
    expect_end(RUN(f, top_changes));
    /* after FNINIT TOP = 0: ST(6) is R6 = the 0, ST(7) is R7 = the 1 */
    assert_int_equal(data16(f, 0x200 + 32 + 16 * 6 + 8), 0);
    assert_int_equal(data16(f, 0x200 + 32 + 16 * 7 + 8), 0x3fff);
    /* after FLDENV, TOP = 3: R6 and R7 are ST(3) and ST(4) */
    assert_int_equal(top(f), 3);
    assert_int_equal(data16(f, 0x400 + 32 + 16 * 3 + 8), 0);
    assert_int_equal(data16(f, 0x400 + 32 + 16 * 4 + 8), 0x3fff);
}

SNIPPET(fnstenv_split, "fnstenv (%rbx)");

/* An image that crosses into an unmapped page: CR2 as the reference CPU reports it. */
static void split_environment_faults(void **state)
{
    struct emu_fixture *f = *state;
    uint64_t *pte = fix_pte(f, 0x121000), saved = *pte;
    *pte = 0;
    reset_fpu(f);
    const uint16_t unmasked = 0x360;
    memcpy(f->st.fxsave + FX_FCW, &unmasked, 2);
    f->st.gpr[CPU_RBX] = 0x120ff0; /* 28 bytes: the first dword fits, the last byte does not */
    struct emu_stop_info info = RUN(f, fnstenv_split);
    expect_exception(info, 14);
    assert_int_equal(info.cr2, 0x120ff0 + 27);
    f->st.gpr[CPU_RBX] = 0x120ffe; /* the first dword crosses already */
    info = RUN(f, fnstenv_split);
    expect_exception(info, 14);
    assert_int_equal(info.cr2, 0x121000);
    assert_int_equal(fx16(f, FX_FCW), unmasked); /* nothing changed: FNSTENV did not mask */
    *pte = saved;
}

/* 1/3 under the control word at 0x120000, stored as single and as extended */
SNIPPET(third, "fldcw 0x120000; fildl 0x120004; fidivl 0x120008; fsts 0x120010; fstpt 0x120020");

static uint32_t third_as_single(struct emu_fixture *f, uint16_t fcw)
{
    reset_fpu(f);
    put16(f, 0, fcw);
    uint32_t one = 1, three = 3;
    memcpy(data(f, 4), &one, 4);
    memcpy(data(f, 8), &three, 4);
    expect_end(RUN(f, third));
    return data32(f, 0x10);
}

static void rounding_and_precision_control(void **state)
{
    struct emu_fixture *f = *state;
    assert_int_equal(third_as_single(f, 0x37f), 0x3eaaaaab); /* nearest */
    assert_int_equal(third_as_single(f, 0x77f), 0x3eaaaaaa); /* down */
    assert_int_equal(third_as_single(f, 0xb7f), 0x3eaaaaab); /* up */
    assert_int_equal(third_as_single(f, 0xf7f), 0x3eaaaaaa); /* toward zero */
    /* precision control: single (PC = 0) keeps 24 mantissa bits in the register */
    third_as_single(f, 0x07f);
    assert_int_equal(data64(f, 0x20), 0xaaaaab0000000000ull);
    third_as_single(f, 0x27f); /* double */
    assert_int_equal(data64(f, 0x20), 0xaaaaaaaaaaaaa800ull);
    third_as_single(f, 0x37f); /* extended */
    assert_int_equal(data64(f, 0x20), 0xaaaaaaaaaaaaaaabull);
}

SNIPPET(fisttp, "mov $1, %eax; cpuid; fldl 0x120000; fisttpl 0x120010");

static void fisttp_follows_cpuid(void **state)
{
    struct emu_fixture *f = *state;
    reset_fpu(f);
    double v = -2.75;
    memcpy(data(f, 0), &v, 8);
    struct emu_stop_info info = RUN(f, fisttp);
    if (f->st.gpr[CPU_RCX] & 1) { /* SSE3: truncates whatever the rounding control */
        expect_end(info);
        assert_int_equal(data32(f, 0x10), (uint32_t)-2);
    } else {
        expect_exception(info, 6);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(add_and_store),
        cmocka_unit_test(stack_overflow_and_underflow),
        cmocka_unit_test(unmasked_exception_pending_until_waiting_insn),
        cmocka_unit_test(fcomi_flags),
        cmocka_unit_test(fcmov_reads_rflags),
        cmocka_unit_test(fsave_image_and_frstor),
        cmocka_unit_test(environment_and_pending_exceptions),
        cmocka_unit_test(fxsave_pointers),
        cmocka_unit_test(fxrstor_pointers_canonical),
        cmocka_unit_test(device_not_available),
        cmocka_unit_test(store_faults_are_precise),
        cmocka_unit_test(top_changes_keep_physical_registers),
        cmocka_unit_test(split_environment_faults),
        cmocka_unit_test(rounding_and_precision_control),
        cmocka_unit_test(fisttp_follows_cpuid),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
