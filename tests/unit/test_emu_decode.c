// SPDX-License-Identifier: Apache-2.0
/*
 * test_emu_decode.c - encodings where the decoder library and the CPU
 * disagree and the emu engine follows the CPU: opcode 90 with REX.B is
 * XCHG r8, rAX (SDM vol. 2, XCHG) even behind an F3 prefix, where Zydis
 * reports PAUSE; F3 90 without REX.B stays PAUSE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "emu_fixture.h"

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

/* Runs bytes at FIX_CODE with rax = 0x1111222233334444, r8 = 0x5555666677778888. */
static void run_bytes(struct emu_fixture *f, const uint8_t *bytes, size_t n)
{
    fix_code(f, FIX_CODE, bytes, n);
    f->st.gpr[CPU_RAX] = 0x1111222233334444ull;
    f->st.gpr[CPU_R8] = 0x5555666677778888ull;
    struct emu_stop_info info = fix_run(f, FIX_CODE + n, 10);
    assert_int_equal(info.reason, EMU_STOP_RIP);
}
#define RUN(f, ...) \
    run_bytes(f, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static void rep_rex_b_nop_is_xchg32(void **state)
{
    struct emu_fixture *f = *state;
    RUN(f, 0xf3, 0x41, 0x90);
    assert_int_equal(f->st.gpr[CPU_RAX], 0x77778888ull);
    assert_int_equal(f->st.gpr[CPU_R8], 0x33334444ull);
}

static void rep_rex_b_nop_is_xchg16(void **state)
{
    struct emu_fixture *f = *state;
    RUN(f, 0x66, 0xf3, 0x41, 0x90);
    assert_int_equal(f->st.gpr[CPU_RAX], 0x1111222233338888ull);
    assert_int_equal(f->st.gpr[CPU_R8], 0x5555666677774444ull);
}

static void rep_rex_wb_nop_is_xchg64(void **state)
{
    struct emu_fixture *f = *state;
    RUN(f, 0xf3, 0x49, 0x90);
    assert_int_equal(f->st.gpr[CPU_RAX], 0x5555666677778888ull);
    assert_int_equal(f->st.gpr[CPU_R8], 0x1111222233334444ull);
}

static void pause_changes_nothing(void **state)
{
    struct emu_fixture *f = *state;
    RUN(f, 0xf3, 0x90, 0xf3, 0x48, 0x90); /* pause; pause with REX.W */
    assert_int_equal(f->st.gpr[CPU_RAX], 0x1111222233334444ull);
    assert_int_equal(f->st.gpr[CPU_R8], 0x5555666677778888ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(rep_rex_b_nop_is_xchg32, setup, teardown),
        cmocka_unit_test_setup_teardown(rep_rex_b_nop_is_xchg16, setup, teardown),
        cmocka_unit_test_setup_teardown(rep_rex_wb_nop_is_xchg64, setup, teardown),
        cmocka_unit_test_setup_teardown(pause_changes_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
