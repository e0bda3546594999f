// SPDX-License-Identifier: Apache-2.0
/*
 * test_emu_align.c - alignment checking in the emu engine (SDM vol. 3A,
 * 6.15 "Interrupt 17"): #AC(0) for a misaligned data access only at CPL 3
 * with CR0.AM and RFLAGS.AC set; before #PF, after the canonical-address
 * #GP; stack pushes, string elements, CMPXCHG8B, 80-bit x87 operands, the
 * FXSAVE area and the FSTENV image; RFLAGS.AC set by POPF takes effect at
 * the next instruction.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "emu_fixture.h"

#define CR0_AM 0x40000ull
#define FL_AC  0x40000ull

static int setup(void **state)
{
    static struct emu_fixture f;
    fix_init(&f);
    f.st.cr0 |= CR0_AM;
    fix_enter(&f, FIX_CODE, true);
    f.st.rflags |= FL_AC;
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
#define CODE(f, ...) put(f, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

/* Runs the code at FIX_CODE until it ends at end or faults. */
static struct emu_stop_info run(struct emu_fixture *f, uint64_t end)
{
    return fix_run(f, end, 100);
}

static void assert_ac(struct emu_fixture *f, const struct emu_stop_info *info, uint64_t rip)
{
    assert_int_equal(info->reason, EMU_STOP_EXCEPTION);
    assert_int_equal(info->vector, 17);
    assert_int_equal(info->error_code, 0);
    assert_int_equal(f->st.rip, rip);
}

/* mov ax, [rbx] with rbx = addr. */
static struct emu_stop_info load_word(struct emu_fixture *f, uint64_t addr)
{
    CODE(f, 0x66, 0x8b, 0x03);
    f->st.gpr[CPU_RBX] = addr;
    f->st.gpr[CPU_RAX] = 0x1111;
    return run(f, FIX_CODE + 3);
}

static void misaligned_load_faults(void **state)
{
    struct emu_fixture *f = *state;
    struct emu_stop_info info = load_word(f, FIX_DATA + 1);
    assert_ac(f, &info, FIX_CODE);
    assert_int_equal(f->st.gpr[CPU_RAX], 0x1111);
}

static void aligned_load_runs(void **state)
{
    struct emu_fixture *f = *state;
    memcpy(fix_mem(f, FIX_DATA + 2), "\x34\x12", 2);
    struct emu_stop_info info = load_word(f, FIX_DATA + 2);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(f->st.gpr[CPU_RAX], 0x1234);
}

static void byte_access_never_faults(void **state)
{
    struct emu_fixture *f = *state;
    CODE(f, 0x8a, 0x03); /* mov al, [rbx] */
    f->st.gpr[CPU_RBX] = FIX_DATA + 3;
    assert_int_equal(run(f, FIX_CODE + 2).reason, EMU_STOP_RIP);
}

static void off_without_ac_flag(void **state)
{
    struct emu_fixture *f = *state;
    f->st.rflags &= ~FL_AC;
    assert_int_equal(load_word(f, FIX_DATA + 1).reason, EMU_STOP_RIP);
}

static void off_without_cr0_am(void **state)
{
    struct emu_fixture *f = *state;
    f->st.cr0 &= ~CR0_AM;
    assert_int_equal(load_word(f, FIX_DATA + 1).reason, EMU_STOP_RIP);
}

static void off_at_cpl0(void **state)
{
    struct emu_fixture *f = *state;
    fix_enter(f, FIX_CODE, false);
    f->st.rflags |= FL_AC;
    assert_int_equal(load_word(f, FIX_DATA + 1).reason, EMU_STOP_RIP);
}

/* The CPU checks alignment before it walks the page tables. */
static void before_page_fault(void **state)
{
    struct emu_fixture *f = *state;
    *fix_pte(f, FIX_DATA + 0x1000) = 0;
    struct emu_stop_info info = load_word(f, FIX_DATA + 0xfff); /* crosses into it */
    assert_ac(f, &info, FIX_CODE);
    info = load_word(f, FIX_DATA + 0x1001); /* entirely in it */
    assert_ac(f, &info, FIX_CODE);
    info = load_word(f, FIX_DATA + 0x1002);
    assert_int_equal(info.vector, 14);
}

/* ... but after the canonical-address check. */
static void after_canonical_check(void **state)
{
    struct emu_fixture *f = *state;
    struct emu_stop_info info = load_word(f, 0x8000000000000001ull);
    assert_int_equal(info.reason, EMU_STOP_EXCEPTION);
    assert_int_equal(info.vector, 13);
}

static void misaligned_stack_push(void **state)
{
    struct emu_fixture *f = *state;
    CODE(f, 0x50); /* push rax */
    uint64_t rsp = f->st.gpr[CPU_RSP] - 4;
    f->st.gpr[CPU_RSP] = rsp;
    struct emu_stop_info info = run(f, FIX_CODE + 1);
    assert_ac(f, &info, FIX_CODE);
    assert_int_equal(f->st.gpr[CPU_RSP], rsp);
}

/* A 16-bit push needs only 2-byte alignment. */
static void word_push_on_word_boundary(void **state)
{
    struct emu_fixture *f = *state;
    CODE(f, 0x66, 0x50); /* push ax */
    f->st.gpr[CPU_RSP] -= 6;
    assert_int_equal(run(f, FIX_CODE + 2).reason, EMU_STOP_RIP);
}

/* Each element of a string instruction is checked (also in the bulk copy): MOVSB never, MOVSW at an
 * odd source. */
static void string_elements(void **state)
{
    struct emu_fixture *f = *state;
    CODE(f, 0xf3, 0xa4, 0xb1, 0x02, 0xf3, 0x66, 0xa5); /* rep movsb; mov cl, 2; rep movsw */
    f->st.gpr[CPU_RSI] = FIX_DATA;
    f->st.gpr[CPU_RDI] = FIX_DATA + 0x101;
    f->st.gpr[CPU_RCX] = 3;
    struct emu_stop_info info = run(f, FIX_CODE + 7);
    assert_ac(f, &info, FIX_CODE + 4);
    assert_int_equal(f->st.gpr[CPU_RSI], FIX_DATA + 3);
    assert_int_equal(f->st.gpr[CPU_RDI], FIX_DATA + 0x104);
    assert_int_equal(f->st.gpr[CPU_RCX], 2);
}

static void string_fill(void **state)
{
    struct emu_fixture *f = *state;
    CODE(f, 0xf3, 0x48, 0xab); /* rep stosq */
    f->st.gpr[CPU_RDI] = FIX_DATA + 4;
    f->st.gpr[CPU_RCX] = 8;
    struct emu_stop_info info = run(f, FIX_CODE + 3);
    assert_ac(f, &info, FIX_CODE);
    assert_int_equal(f->st.gpr[CPU_RCX], 8);
    f->st.rflags &= ~FL_AC;
    assert_int_equal(run(f, FIX_CODE + 3).reason, EMU_STOP_RIP);
    assert_int_equal(f->st.gpr[CPU_RDI], FIX_DATA + 68);
}

/* POPF sets RFLAGS.AC: the very next access is checked. */
static void popf_turns_it_on(void **state)
{
    struct emu_fixture *f = *state;
    f->st.rflags &= ~FL_AC;
    /* push 0x40002; popfq; mov ax, [rbx] */
    CODE(f, 0x68, 0x02, 0x00, 0x04, 0x00, 0x9d, 0x66, 0x8b, 0x03);
    f->st.gpr[CPU_RBX] = FIX_DATA + 1;
    struct emu_stop_info info = run(f, FIX_CODE + 9);
    assert_ac(f, &info, FIX_CODE + 6);
}

static void cmpxchg8b_needs_8(void **state)
{
    struct emu_fixture *f = *state;
    CODE(f, 0x0f, 0xc7, 0x0b); /* cmpxchg8b [rbx] */
    f->st.gpr[CPU_RBX] = FIX_DATA + 4;
    struct emu_stop_info info = run(f, FIX_CODE + 3);
    assert_ac(f, &info, FIX_CODE);
}

/* An 80-bit x87 operand needs 8-byte alignment (SDM vol. 3A, table 6-7). */
static void x87_extended_needs_8(void **state)
{
    struct emu_fixture *f = *state;
    CODE(f, 0xdb, 0x2b); /* fld tword [rbx] */
    f->st.gpr[CPU_RBX] = FIX_DATA + 4;
    struct emu_stop_info info = run(f, FIX_CODE + 2);
    assert_ac(f, &info, FIX_CODE);
    f->st.gpr[CPU_RBX] = FIX_DATA + 8;
    assert_int_equal(run(f, FIX_CODE + 2).reason, EMU_STOP_RIP);
}

/* FXSAVE: #AC where the address is not dword-aligned (the reference CPU's width), else #GP. */
static void fxsave_area(void **state)
{
    struct emu_fixture *f = *state;
    CODE(f, 0x0f, 0xae, 0x03); /* fxsave [rbx] */
    f->st.gpr[CPU_RBX] = FIX_DATA + 2;
    struct emu_stop_info info = run(f, FIX_CODE + 3);
    assert_ac(f, &info, FIX_CODE);
    f->st.gpr[CPU_RBX] = FIX_DATA + 8;
    info = run(f, FIX_CODE + 3);
    assert_int_equal(info.reason, EMU_STOP_EXCEPTION);
    assert_int_equal(info.vector, 13);
    f->st.gpr[CPU_RBX] = FIX_DATA + 16;
    assert_int_equal(run(f, FIX_CODE + 3).reason, EMU_STOP_RIP);
}

/* The FSTENV image needs dword alignment, or word alignment with a 16-bit operand size. */
static void fstenv_image(void **state)
{
    struct emu_fixture *f = *state;
    CODE(f, 0xd9, 0x33); /* fnstenv [rbx] */
    f->st.gpr[CPU_RBX] = FIX_DATA + 2;
    struct emu_stop_info info = run(f, FIX_CODE + 2);
    assert_ac(f, &info, FIX_CODE);
    CODE(f, 0x66, 0xd9, 0x33); /* fnstenv [rbx], 16-bit format */
    assert_int_equal(run(f, FIX_CODE + 3).reason, EMU_STOP_RIP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(misaligned_load_faults, setup, teardown),
        cmocka_unit_test_setup_teardown(aligned_load_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(byte_access_never_faults, setup, teardown),
        cmocka_unit_test_setup_teardown(off_without_ac_flag, setup, teardown),
        cmocka_unit_test_setup_teardown(off_without_cr0_am, setup, teardown),
        cmocka_unit_test_setup_teardown(off_at_cpl0, setup, teardown),
        cmocka_unit_test_setup_teardown(before_page_fault, setup, teardown),
        cmocka_unit_test_setup_teardown(after_canonical_check, setup, teardown),
        cmocka_unit_test_setup_teardown(misaligned_stack_push, setup, teardown),
        cmocka_unit_test_setup_teardown(word_push_on_word_boundary, setup, teardown),
        cmocka_unit_test_setup_teardown(string_elements, setup, teardown),
        cmocka_unit_test_setup_teardown(string_fill, setup, teardown),
        cmocka_unit_test_setup_teardown(popf_turns_it_on, setup, teardown),
        cmocka_unit_test_setup_teardown(cmpxchg8b_needs_8, setup, teardown),
        cmocka_unit_test_setup_teardown(x87_extended_needs_8, setup, teardown),
        cmocka_unit_test_setup_teardown(fxsave_area, setup, teardown),
        cmocka_unit_test_setup_teardown(fstenv_image, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
