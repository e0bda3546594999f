// SPDX-License-Identifier: Apache-2.0
/*
 * test_emu_modes.c - the emu engine outside 64-bit mode: an AP's way from
 * real mode to long mode (SDM vol. 3A, 9.9 "Mode switching", 9.8.5
 * "Initializing IA-32e mode") run with emu__run_until from the state a
 * startup IPI leaves, with 16-bit and 32-bit code on the way
 * (emu_modes_code.S); 16-bit addressing decoded per mode; and a fault in
 * protected mode with an empty IDT ending the machine as a triple fault.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "emu_fixture.h"
#include "emu_modes_code.h"

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

static uint64_t copy_address(const char *label)
{
    return MODES_BASE + (uint64_t)(label - modes_code_start);
}

/* The state after a startup IPI with vector MODES_BASE >> 12 (SDM vol. 3A, 9.4.4.1). */
static void enter_real_mode(struct emu_fixture *f, uint64_t base)
{
    cpu_state__reset(&f->st, 1, false);
    f->st.mp_state = CPU_MP_RUNNABLE;
    f->st.cs.selector = (uint16_t)(base >> 4);
    f->st.cs.base = base;
    f->st.rip = 0;
}

static void real_to_long_mode(void **state)
{
    struct emu_fixture *f = *state;
    fix_code(f, MODES_BASE, modes_code_start, (size_t)(modes_code_end - modes_code_start));
    uint8_t *data = fix_mem(f, copy_address(modes_code_data));
    uint32_t cr3 = FIX_PML4;
    memcpy(data + MODES_R_CR3, &cr3, 4);
    enter_real_mode(f, MODES_BASE);

    struct emu_stop_info info = fix_run(f, copy_address(modes_code_done), 1000);
    assert_int_equal(info.reason, EMU_STOP_EXCEPTION);
    assert_int_equal(info.vector, 13);
    assert_int_equal(info.error_code, MODES_GP_SELECTOR & ~3u);
    assert_int_equal(f->st.rip, copy_address(modes_code_gp));
    fix_deliver(f, &info); /* through the 32-bit gate, which skips the instruction */
    info = fix_run(f, copy_address(modes_code_done), 1000);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(f->st.cs.selector, MODES_CODE64);
    assert_true(f->st.cs.l);
    assert_true(f->st.efer & 0x400); /* LMA */
    assert_true(f->st.cr0 & 0x80000001);

    uint16_t v16;
    memcpy(&v16, data + MODES_R_CX, 2);
    assert_int_equal(v16, 0x1234);
    memcpy(&v16, data + MODES_R_DX, 2);
    assert_int_equal(v16, 0x5678);
    memcpy(&v16, data + MODES_R_INT, 2);
    assert_int_equal(v16, 0xabcd);
    memcpy(&v16, data + MODES_R_POPA, 2);
    assert_int_equal(v16, 0x2222);
    memcpy(&v16, data + MODES_R_FAR, 2);
    assert_int_equal(v16, 0x7777);
    assert_memory_equal(data + MODES_R_COPY, "mode", 4);
    uint32_t v32;
    memcpy(&v32, data + MODES_R_EDX, 4);
    assert_int_equal(v32, 0xcafef00d);
    memcpy(&v32, data + MODES_R_COMPAT, 4);
    assert_int_equal(v32, 0x32323232);
    memcpy(&v32, data + MODES_R_INT32, 4);
    assert_int_equal(v32, 0x41414141);
    memcpy(&v32, data + MODES_R_GPERR, 4);
    assert_int_equal(v32, MODES_GP_SELECTOR & ~3u);
    uint64_t v64;
    memcpy(&v64, data + MODES_R_LONG, 8);
    assert_int_equal(v64, 0x6464646464646464ull);
}

/* The same bytes decode per mode: 8b 00 is mov ax,[bx+si] in 16-bit code, mov eax,[rax] in 64. */
static void decoding_follows_the_mode(void **state)
{
    struct emu_fixture *f = *state;
    static const uint8_t code[] = {0x8b, 0x00, 0xf4}; /* mov; hlt */
    const uint64_t base = 0x20000;
    fix_code(f, base, code, sizeof(code));
    uint16_t word = 0xbeef;
    memcpy(fix_mem(f, base + 0x30 + 0x0c), &word, 2);

    enter_real_mode(f, base);
    f->st.ds = f->st.cs;
    f->st.gpr[CPU_RBX] = 0x30;
    f->st.gpr[CPU_RSI] = 0x0c;
    f->st.gpr[CPU_RAX] = 0xffff0000;
    struct emu_stop_info info = fix_run(f, 2, 10);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(f->st.gpr[CPU_RAX], 0xffffbeef); /* 16-bit load keeps the upper half */

    fix_destroy(f); /* a fresh machine, in long mode */
    fix_init(f);
    fix_code(f, base, code, sizeof(code));
    uint64_t qword = 0x1122334455667788ull;
    memcpy(fix_mem(f, base + 0x100), &qword, 8);
    f->st.rip = base;
    f->st.gpr[CPU_RAX] = base + 0x100;
    info = fix_run(f, base + 2, 10);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(f->st.gpr[CPU_RAX], 0x55667788); /* 32-bit load zero-extends */
}

/* Protected mode with IDTR.limit = 0: #UD cannot be delivered, nor #GP, nor #DF. */
static void triple_fault_in_protected_mode(void **state)
{
    struct emu_fixture *f = *state;
    static const uint8_t ud2[] = {0x0f, 0x0b};
    const uint64_t base = 0x30000;
    fix_code(f, base, ud2, sizeof(ud2));
    enter_real_mode(f, base);
    f->st.cr0 |= 1; /* PE, CS still as real mode left it: 16-bit protected mode */
    f->st.idt.limit = 0;
    struct emu_stop_info info = fix_run(f, ~0ull, 10);
    assert_int_equal(info.reason, EMU_STOP_EXCEPTION);
    assert_int_equal(info.vector, 6);
    fix_deliver(f, &info);
    assert_true(machine__stopping(&f->m));
    assert_int_equal(atomic_load(&f->m.stop_reason), MACHINE_STOP_RESET);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(real_to_long_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(decoding_follows_the_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(triple_fault_in_protected_mode, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
