// SPDX-License-Identifier: Apache-2.0
/*
 * test_emu_sse.c - the emu engine's MMX/SSE/SSE2 rules that the
 * differential test cannot reach or that deserve a named check: 16-byte
 * alignment (#GP) of legacy SSE memory operands, #UD/#NM from CR0.EM/TS
 * and CR4.OSFXSR, MXCSR exception flags and masks (#XM, or #UD without
 * CR4.OSXMMEXCPT; nothing written; pre-computation exceptions hiding the
 * post-computation flags; underflow of an exact tiny result when UM is
 * clear), DAZ and FTZ, rounding control, MMX registers aliasing the x87
 * registers (TOP = 0, tags, exponent bits), the string MOVSD next to the
 * SSE2 one, COMISS flags and MASKMOVDQU (SDM vol. 1, 10-11; vol. 3A, 13).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "emu_fixture.h"

#define MXCSR_DEFAULT 0x1f80u
#define FX_FSW        2
#define FX_FTW        4
#define FX_MXCSR      24
#define FX_ST(n)      (32 + 16 * (n))
#define FX_XMM(n)     (160 + 16 * (n))

static int setup(void **state)
{
    static struct emu_fixture f;
    fix_init(&f);
    f.st.cr4 |= 0x400; /* OSXMMEXCPT */
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fix_destroy(*state);
    return 0;
}

static void put(struct emu_fixture *f, const uint8_t *bytes, size_t n)
{
    fix_code(f, FIX_CODE, bytes, n);
}
#define PUT(f, ...) put(f, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

/* Runs the code at FIX_CODE until stop (or an exception). */
static struct emu_stop_info run_to(struct emu_fixture *f, uint64_t stop)
{
    f->st.rip = FIX_CODE;
    return fix_run(f, stop, 10);
}

static void set_xmm(struct emu_fixture *f, unsigned n, const void *bytes)
{
    memcpy(f->st.fxsave + FX_XMM(n), bytes, 16);
}

static void set_xmm_f32(struct emu_fixture *f, unsigned n, float a, float b, float c, float d)
{
    float v[4] = {a, b, c, d};
    set_xmm(f, n, v);
}

static float xmm_f32(struct emu_fixture *f, unsigned n, unsigned lane)
{
    float v;
    memcpy(&v, f->st.fxsave + FX_XMM(n) + 4 * lane, 4);
    return v;
}

static uint32_t xmm_u32(struct emu_fixture *f, unsigned n, unsigned lane)
{
    uint32_t v;
    memcpy(&v, f->st.fxsave + FX_XMM(n) + 4 * lane, 4);
    return v;
}

static void set_mxcsr(struct emu_fixture *f, uint32_t v)
{
    memcpy(f->st.fxsave + FX_MXCSR, &v, 4);
}

static uint32_t mxcsr(struct emu_fixture *f)
{
    uint32_t v;
    memcpy(&v, f->st.fxsave + FX_MXCSR, 4);
    return v;
}

static float f32_of(uint32_t bits)
{
    float v;
    memcpy(&v, &bits, 4);
    return v;
}

static void aligned_forms_check_alignment(void **state)
{
    struct emu_fixture *f = *state;
    uint8_t bytes[16];
    for (unsigned k = 0; k < 16; k++)
        bytes[k] = (uint8_t)(0x10 + k);
    memcpy(fix_mem(f, FIX_DATA + 8), bytes, 16);

    PUT(f, 0x0f, 0x28, 0x04, 0x25, 0x08, 0x00, 0x12, 0x00); /* movaps xmm0, [0x120008] */
    struct emu_stop_info info = run_to(f, FIX_CODE + 8);
    assert_int_equal(info.reason, EMU_STOP_EXCEPTION);
    assert_int_equal(info.vector, 13);
    assert_int_equal(info.error_code, 0);
    assert_int_equal(f->st.rip, FIX_CODE);

    PUT(f, 0x0f, 0x10, 0x04, 0x25, 0x08, 0x00, 0x12, 0x00); /* movups xmm0, [0x120008] */
    info = run_to(f, FIX_CODE + 8);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_memory_equal(f->st.fxsave + FX_XMM(0), bytes, 16);

    /* arithmetic with an m128 needs alignment too; the MMX form with an m64 does not */
    PUT(f, 0x66, 0x0f, 0xfc, 0x04, 0x25, 0x01, 0x00, 0x12, 0x00); /* paddb xmm0, [0x120001] */
    info = run_to(f, FIX_CODE + 9);
    assert_int_equal(info.vector, 13);
    PUT(f, 0x0f, 0xfc, 0x04, 0x25, 0x01, 0x00, 0x12, 0x00); /* paddb mm0, [0x120001] */
    info = run_to(f, FIX_CODE + 8);
    assert_int_equal(info.reason, EMU_STOP_RIP);
}

static void control_registers_gate_sse_and_mmx(void **state)
{
    struct emu_fixture *f = *state;
    uint64_t cr0 = f->st.cr0, cr4 = f->st.cr4;
    PUT(f, 0x0f, 0x58, 0xc1); /* addps xmm0, xmm1 */
    f->st.cr0 = cr0 | 0x8;    /* TS */
    assert_int_equal(run_to(f, FIX_CODE + 3).vector, 7);
    f->st.cr0 = cr0 | 0x4; /* EM */
    assert_int_equal(run_to(f, FIX_CODE + 3).vector, 6);
    f->st.cr0 = cr0;
    f->st.cr4 = cr4 & ~0x200ull; /* no OSFXSR */
    assert_int_equal(run_to(f, FIX_CODE + 3).vector, 6);

    /* MMX: EM -> #UD, TS -> #NM, OSFXSR not needed */
    PUT(f, 0x0f, 0xfc, 0xc1); /* paddb mm0, mm1 */
    assert_int_equal(run_to(f, FIX_CODE + 3).reason, EMU_STOP_RIP);
    f->st.cr4 = cr4;
    f->st.cr0 = cr0 | 0x8;
    assert_int_equal(run_to(f, FIX_CODE + 3).vector, 7);
    f->st.cr0 = cr0 | 0x4;
    assert_int_equal(run_to(f, FIX_CODE + 3).vector, 6);

    /* a pending x87 exception: #MF with CR0.NE, ignored without */
    uint16_t fsw = 0x80 | 0x1; /* ES, IE */
    memcpy(f->st.fxsave + FX_FSW, &fsw, 2);
    f->st.cr0 = cr0;
    assert_int_equal(run_to(f, FIX_CODE + 3).vector, 16);
    f->st.cr0 = cr0 & ~0x20ull; /* NE */
    assert_int_equal(run_to(f, FIX_CODE + 3).reason, EMU_STOP_RIP);
}

static void masked_exceptions_set_flags(void **state)
{
    struct emu_fixture *f = *state;
    set_mxcsr(f, MXCSR_DEFAULT);
    set_xmm_f32(f, 0, 1.0f, 0, 0, 0);
    set_xmm_f32(f, 1, 0.0f, 0, 0, 0);
    PUT(f, 0xf3, 0x0f, 0x5e, 0xc1); /* divss xmm0, xmm1 */
    assert_int_equal(run_to(f, FIX_CODE + 4).reason, EMU_STOP_RIP);
    assert_true(xmm_f32(f, 0, 0) == __builtin_inff());
    assert_int_equal(mxcsr(f), MXCSR_DEFAULT | 0x4); /* ZE */
}

static void unmasked_exception_raises_xm_and_writes_nothing(void **state)
{
    struct emu_fixture *f = *state;
    set_mxcsr(f, MXCSR_DEFAULT & ~0x200u); /* ZM clear */
    set_xmm_f32(f, 0, 1.0f, 2.0f, 3.0f, 4.0f);
    set_xmm_f32(f, 1, 0.0f, 0, 0, 0);
    PUT(f, 0xf3, 0x0f, 0x5e, 0xc1); /* divss xmm0, xmm1 */
    struct emu_stop_info info = run_to(f, FIX_CODE + 4);
    assert_int_equal(info.reason, EMU_STOP_EXCEPTION);
    assert_int_equal(info.vector, 19);
    assert_int_equal(f->st.rip, FIX_CODE);
    assert_true(xmm_f32(f, 0, 0) == 1.0f);
    assert_int_equal(mxcsr(f), (MXCSR_DEFAULT & ~0x200u) | 0x4);

    /* without CR4.OSXMMEXCPT the same exception is #UD */
    set_mxcsr(f, MXCSR_DEFAULT & ~0x200u);
    f->st.cr4 &= ~0x400ull;
    assert_int_equal(run_to(f, FIX_CODE + 4).vector, 6);
    assert_int_equal(mxcsr(f), (MXCSR_DEFAULT & ~0x200u) | 0x4);
}

static void precomputation_exception_hides_postcomputation_flags(void **state)
{
    struct emu_fixture *f = *state;
    /* lane 0: SNaN (invalid, unmasked); lane 1: overflow and inexact (masked) */
    set_mxcsr(f, MXCSR_DEFAULT & ~0x80u);
    set_xmm_f32(f, 0, f32_of(0x7f800001), 3e38f, 0, 0);
    set_xmm_f32(f, 1, 1.0f, 3e38f, 0, 0);
    PUT(f, 0x0f, 0x58, 0xc1); /* addps xmm0, xmm1 */
    assert_int_equal(run_to(f, FIX_CODE + 3).vector, 19);
    assert_int_equal(mxcsr(f), (MXCSR_DEFAULT & ~0x80u) | 0x1); /* IE only */
    assert_int_equal(xmm_u32(f, 0, 0), 0x7f800001);

    /* the same with only OE unmasked: all flags, nothing written */
    set_mxcsr(f, MXCSR_DEFAULT & ~0x400u);
    set_xmm_f32(f, 0, 1.0f, 3e38f, 0, 0);
    assert_int_equal(run_to(f, FIX_CODE + 3).vector, 19);
    assert_int_equal(mxcsr(f), (MXCSR_DEFAULT & ~0x400u) | 0x8 | 0x20); /* OE PE */
    assert_true(xmm_f32(f, 0, 1) == 3e38f);
}

static void exact_tiny_result_underflows_when_unmasked(void **state)
{
    struct emu_fixture *f = *state;
    /* 2^-125 - 1.5 * 2^-126 = 2^-127: a denormal, exactly */
    set_xmm_f32(f, 0, f32_of(0x01000000), 0, 0, 0);
    set_xmm_f32(f, 1, f32_of(0x00c00000), 0, 0, 0);
    PUT(f, 0xf3, 0x0f, 0x5c, 0xc1); /* subss xmm0, xmm1 */
    set_mxcsr(f, MXCSR_DEFAULT);
    assert_int_equal(run_to(f, FIX_CODE + 4).reason, EMU_STOP_RIP);
    assert_int_equal(xmm_u32(f, 0, 0), 0x00400000);
    assert_int_equal(mxcsr(f), MXCSR_DEFAULT); /* masked: exact, so no flag at all */

    set_xmm_f32(f, 0, f32_of(0x01000000), 0, 0, 0);
    set_mxcsr(f, (MXCSR_DEFAULT & ~0x800u) | 0x8000); /* UM clear; FTZ does not apply then */
    assert_int_equal(run_to(f, FIX_CODE + 4).vector, 19);
    assert_int_equal(mxcsr(f) & 0x3f, 0x10); /* UE */
    assert_int_equal(xmm_u32(f, 0, 0), 0x01000000);
}

static void denormals_are_zero_and_flush_to_zero(void **state)
{
    struct emu_fixture *f = *state;
    PUT(f, 0xf3, 0x0f, 0x58, 0xc1); /* addss xmm0, xmm1 */
    set_xmm_f32(f, 0, f32_of(0x00000005), 0, 0, 0);
    set_xmm_f32(f, 1, 0.0f, 0, 0, 0);
    set_mxcsr(f, MXCSR_DEFAULT);
    run_to(f, FIX_CODE + 4);
    assert_int_equal(xmm_u32(f, 0, 0), 5);
    assert_int_equal(mxcsr(f), MXCSR_DEFAULT | 0x2); /* DE */

    set_xmm_f32(f, 0, f32_of(0x00000005), 0, 0, 0);
    set_mxcsr(f, MXCSR_DEFAULT | 0x40); /* DAZ: the operand is zero, no DE */
    run_to(f, FIX_CODE + 4);
    assert_int_equal(xmm_u32(f, 0, 0), 0);
    assert_int_equal(mxcsr(f), MXCSR_DEFAULT | 0x40);

    PUT(f, 0xf3, 0x0f, 0x59, 0xc1); /* mulss xmm0, xmm1 */
    set_xmm_f32(f, 0, 1e-20f, 0, 0, 0);
    set_xmm_f32(f, 1, 1e-20f, 0, 0, 0);
    set_mxcsr(f, MXCSR_DEFAULT | 0x8000); /* FTZ */
    run_to(f, FIX_CODE + 4);
    assert_int_equal(xmm_u32(f, 0, 0), 0);
    assert_int_equal(mxcsr(f), MXCSR_DEFAULT | 0x8000 | 0x10 | 0x20); /* UE PE */
}

static void rounding_control(void **state)
{
    struct emu_fixture *f = *state;
    static const struct {
        uint32_t rc;
        float in;
        int32_t rounded;
    } cases[] = {
        {0, 2.5f, 2}, {0, 3.5f, 4},   {1, 2.5f, 2}, {1, -2.5f, -3},
        {2, 2.5f, 3}, {2, -2.5f, -2}, {3, 2.7f, 2}, {3, -2.7f, -2},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        PUT(f, 0xf3, 0x0f, 0x2d, 0xc0, /* cvtss2si eax, xmm0 */
            0xf3, 0x0f, 0x2c, 0xc8);   /* cvttss2si ecx, xmm0 */
        set_xmm_f32(f, 0, cases[k].in, 0, 0, 0);
        set_mxcsr(f, MXCSR_DEFAULT | cases[k].rc << 13);
        assert_int_equal(run_to(f, FIX_CODE + 8).reason, EMU_STOP_RIP);
        assert_int_equal((int32_t)f->st.gpr[CPU_RAX], cases[k].rounded);
        assert_int_equal((int32_t)f->st.gpr[CPU_RCX], (int32_t)cases[k].in);
        assert_int_equal(mxcsr(f) & 0x3f, 0x20); /* PE */
    }
    /* out of range: the integer indefinite value and IE */
    set_xmm_f32(f, 0, 3e9f, 0, 0, 0);
    set_mxcsr(f, MXCSR_DEFAULT);
    run_to(f, FIX_CODE + 8);
    assert_int_equal((uint32_t)f->st.gpr[CPU_RAX], 0x80000000u);
    assert_int_equal(mxcsr(f) & 0x3f, 0x1);
}

static void mmx_registers_alias_the_x87_stack(void **state)
{
    struct emu_fixture *f = *state;
    for (unsigned n = 0; n < 8; n++) {
        uint64_t mant = 0x1111111111111111ull * n;
        memcpy(f->st.fxsave + FX_ST(n), &mant, 8);
    }
    uint16_t fsw = 2 << 11; /* TOP = 2: ST0 is R2 */
    memcpy(f->st.fxsave + FX_FSW, &fsw, 2);
    f->st.fxsave[FX_FTW] = 0x0c;
    f->st.gpr[CPU_RAX] = 0x0123456789abcdefull;
    PUT(f, 0x48, 0x0f, 0x7e, 0xc1, /* movq rcx, mm0 */
        0x48, 0x0f, 0x6e, 0xc8);   /* movq mm1, rax */
    assert_int_equal(run_to(f, FIX_CODE + 8).reason, EMU_STOP_RIP);
    /* MM0 is R0, which was ST6 */
    assert_int_equal(f->st.gpr[CPU_RCX], 0x6666666666666666ull);
    memcpy(&fsw, f->st.fxsave + FX_FSW, 2);
    assert_int_equal(fsw & 0x3800, 0); /* TOP = 0 */
    assert_int_equal(f->st.fxsave[FX_FTW], 0xff);
    uint64_t mant;
    memcpy(&mant, f->st.fxsave + FX_ST(1), 8);
    assert_int_equal(mant, 0x0123456789abcdefull);
    assert_int_equal(f->st.fxsave[FX_ST(1) + 8], 0xff);
    assert_int_equal(f->st.fxsave[FX_ST(1) + 9], 0xff);
    memcpy(&mant, f->st.fxsave + FX_ST(7), 8); /* R7 was ST5 */
    assert_int_equal(mant, 0x5555555555555555ull);

    /* EMMS empties the tags */
    PUT(f, 0x0f, 0x77);
    run_to(f, FIX_CODE + 2);
    assert_int_equal(f->st.fxsave[FX_FTW], 0);
}

static void movsd_string_and_sse2(void **state)
{
    struct emu_fixture *f = *state;
    memcpy(fix_mem(f, FIX_DATA), "abcd", 4);
    f->st.gpr[CPU_RSI] = FIX_DATA;
    f->st.gpr[CPU_RDI] = FIX_DATA + 0x100;
    set_xmm_f32(f, 0, 1.0f, 2.0f, 3.0f, 4.0f);
    set_xmm_f32(f, 1, 5.0f, 6.0f, 7.0f, 8.0f);
    PUT(f, 0xa5,                 /* movsd (string) */
        0xf2, 0x0f, 0x10, 0xc1); /* movsd xmm0, xmm1 */
    assert_int_equal(run_to(f, FIX_CODE + 5).reason, EMU_STOP_RIP);
    assert_memory_equal(fix_mem(f, FIX_DATA + 0x100), "abcd", 4);
    assert_true(xmm_f32(f, 0, 0) == 5.0f && xmm_f32(f, 0, 1) == 6.0f);
    assert_true(xmm_f32(f, 0, 2) == 3.0f && xmm_f32(f, 0, 3) == 4.0f);
}

static void comiss_sets_zf_pf_cf(void **state)
{
    struct emu_fixture *f = *state;
    static const struct {
        float a, b;
        uint64_t flags;
    } cases[] = {
        {1.0f, 2.0f, 0x1},
        {2.0f, 1.0f, 0x0},
        {1.0f, 1.0f, 0x40},
        {__builtin_nanf(""), 1.0f, 0x45},
    };
    PUT(f, 0x0f, 0x2f, 0xc1); /* comiss xmm0, xmm1 */
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        set_xmm_f32(f, 0, cases[k].a, 0, 0, 0);
        set_xmm_f32(f, 1, cases[k].b, 0, 0, 0);
        set_mxcsr(f, MXCSR_DEFAULT);
        f->st.rflags = 0x2 | 0x8d5; /* OF SF AF PF CF set before */
        assert_int_equal(run_to(f, FIX_CODE + 3).reason, EMU_STOP_RIP);
        assert_int_equal(f->st.rflags & 0x8d5, cases[k].flags);
    }
    assert_int_equal(mxcsr(f) & 0x3f, 0x1); /* COMISS with a QNaN: invalid */
}

static void maskmovdqu_stores_selected_bytes(void **state)
{
    struct emu_fixture *f = *state;
    uint8_t data[16], mask[16], before[16];
    for (unsigned k = 0; k < 16; k++) {
        data[k] = (uint8_t)(0xa0 + k);
        mask[k] = k % 3 ? 0x80 : 0x7f;
        before[k] = 0x55;
    }
    memcpy(fix_mem(f, FIX_DATA + 3), before, 16);
    set_xmm(f, 0, data);
    set_xmm(f, 1, mask);
    f->st.gpr[CPU_RDI] = FIX_DATA + 3;
    PUT(f, 0x66, 0x0f, 0xf7, 0xc1); /* maskmovdqu xmm0, xmm1 */
    assert_int_equal(run_to(f, FIX_CODE + 4).reason, EMU_STOP_RIP);
    const uint8_t *mem = fix_mem(f, FIX_DATA + 3);
    for (unsigned k = 0; k < 16; k++)
        assert_int_equal(mem[k], k % 3 ? data[k] : 0x55);

    /* straddling an unmapped page: #PF and nothing stored */
    *fix_pte(f, FIX_DATA + 0x1000) = 0;
    memcpy(fix_mem(f, FIX_DATA + 0xff8), before, 8);
    f->st.gpr[CPU_RDI] = FIX_DATA + 0xff8;
    struct emu_stop_info info = run_to(f, FIX_CODE + 4);
    assert_int_equal(info.vector, 14);
    assert_memory_equal(fix_mem(f, FIX_DATA + 0xff8), before, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(aligned_forms_check_alignment, setup, teardown),
        cmocka_unit_test_setup_teardown(control_registers_gate_sse_and_mmx, setup, teardown),
        cmocka_unit_test_setup_teardown(masked_exceptions_set_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(unmasked_exception_raises_xm_and_writes_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(precomputation_exception_hides_postcomputation_flags, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(exact_tiny_result_underflows_when_unmasked, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(denormals_are_zero_and_flush_to_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(rounding_control, setup, teardown),
        cmocka_unit_test_setup_teardown(mmx_registers_alias_the_x87_stack, setup, teardown),
        cmocka_unit_test_setup_teardown(movsd_string_and_sse2, setup, teardown),
        cmocka_unit_test_setup_teardown(comiss_sets_zf_pf_cf, setup, teardown),
        cmocka_unit_test_setup_teardown(maskmovdqu_stores_selected_bytes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
