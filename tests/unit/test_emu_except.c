// SPDX-License-Identifier: Apache-2.0
/*
 * test_emu_except.c - exception and interrupt delivery of the emu engine
 * in long mode (SDM vol. 3A, 6.14-6.15): the 64-bit frame with and without
 * an error code, the CPL 3 -> 0 stack switch through TSS.RSP0, IST stacks,
 * a not-present gate (#NP with the IDT error code), #DF when delivering a
 * #PF faults, the triple fault ending the machine as a reset, INT n gate
 * DPL checks, #DE and #UD, IRETQ to CPL 3, SYSCALL/SYSRET, and the
 * descriptor probes LSL/LAR/VERR.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "emu_fixture.h"

#define USER_RSP (FIX_STACK - 0x8000)

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

static void put(struct emu_fixture *f, uint64_t gpa, const uint8_t *bytes, size_t n)
{
    fix_code(f, gpa, bytes, n);
}
#define PUT(f, gpa, ...) \
    put(f, gpa, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static uint64_t stack_word(struct emu_fixture *f, unsigned k)
{
    uint64_t v;
    memcpy(&v, fix_mem(f, f->st.gpr[CPU_RSP] + 8 * k), 8);
    return v;
}

static void set_tss(struct emu_fixture *f, unsigned offset, uint64_t value)
{
    memcpy(fix_mem(f, FIX_TSS + offset), &value, 8);
}

/* Runs until something happens (at most n instructions). */
static struct emu_stop_info run(struct emu_fixture *f, uint64_t stop)
{
    return fix_run(f, stop, 100);
}

static void page_fault_same_privilege(void **state)
{
    struct emu_fixture *f = *state;
    *fix_pte(f, FIX_DATA) = 0;
    fix_gate(f, 14, FIX_HANDLER, 0, 0);
    PUT(f, FIX_CODE, 0x48, 0x89, 0x04, 0x25, 0x00, 0x00, 0x12, 0x00); /* mov [0x120000], rax */
    f->st.rflags = 0x202;
    struct emu_stop_info info = run(f, ~0ull);
    assert_int_equal(info.reason, EMU_STOP_EXCEPTION);
    assert_int_equal(info.vector, 14);
    fix_deliver(f, &info);
    assert_int_equal(f->st.rip, FIX_HANDLER);
    assert_int_equal(f->st.cr2, FIX_DATA);
    assert_int_equal(f->st.gpr[CPU_RSP], FIX_STACK - 48);
    assert_int_equal(stack_word(f, 0), 2);        /* error code: write, not present */
    assert_int_equal(stack_word(f, 1), FIX_CODE); /* RIP of the faulting instruction */
    assert_int_equal(stack_word(f, 2), FIX_KCODE);
    assert_int_equal(stack_word(f, 3) & 0x200, 0x200); /* IF as it was */
    assert_int_equal(stack_word(f, 4), FIX_STACK);
    assert_int_equal(stack_word(f, 5), FIX_KDATA);
    assert_int_equal(f->st.rflags & 0x200, 0); /* interrupt gate clears IF */
}

static void user_fault_switches_to_rsp0(void **state)
{
    struct emu_fixture *f = *state;
    set_tss(f, 4, 0x150000); /* RSP0 */
    fix_gate(f, 6, FIX_HANDLER, 0, 0);
    PUT(f, FIX_CODE, 0x0f, 0x0b); /* ud2 */
    fix_enter(f, FIX_CODE, true);
    struct emu_stop_info info = run(f, ~0ull);
    assert_int_equal(info.vector, 6);
    fix_deliver(f, &info);
    assert_int_equal(f->st.cs.selector, FIX_KCODE);
    assert_int_equal(f->st.ss.selector, 0); /* null SS with RPL = new CPL */
    assert_int_equal(f->st.gpr[CPU_RSP], 0x150000 - 40);
    assert_int_equal(stack_word(f, 0), FIX_CODE);
    assert_int_equal(stack_word(f, 1), FIX_UCODE);
    assert_int_equal(stack_word(f, 3), USER_RSP);
    assert_int_equal(stack_word(f, 4), FIX_UDATA);
}

static void ist_stack_even_without_privilege_change(void **state)
{
    struct emu_fixture *f = *state;
    set_tss(f, 0x24 + 8, 0x160008); /* IST2, deliberately misaligned */
    fix_gate(f, 0, FIX_HANDLER, 2, 0);
    PUT(f, FIX_CODE, 0x31, 0xc9, 0xf7, 0xf1); /* xor ecx, ecx; div ecx */
    struct emu_stop_info info = run(f, ~0ull);
    assert_int_equal(info.vector, 0); /* #DE */
    assert_int_equal(f->st.rip, FIX_CODE + 2);
    fix_deliver(f, &info);
    assert_int_equal(f->st.gpr[CPU_RSP], 0x160000 - 40); /* aligned down to 16 first */
    assert_int_equal(stack_word(f, 0), FIX_CODE + 2);
}

static void not_present_gate_raises_np(void **state)
{
    struct emu_fixture *f = *state;
    fix_gate(f, 11, FIX_HANDLER, 0, 0);
    fix_gate(f, 6, FIX_HANDLER + 0x100, 0, 0);
    *(uint64_t *)fix_mem(f, FIX_IDT + 6 * 16) &= ~(1ull << 47); /* valid type, not present */
    PUT(f, FIX_CODE, 0x0f, 0x0b);                               /* ud2 */
    struct emu_stop_info info = run(f, ~0ull);
    fix_deliver(f, &info);
    assert_int_equal(f->st.rip, FIX_HANDLER);
    assert_int_equal(stack_word(f, 0), 6 * 8 + 2 + 1); /* IDT, EXT */
    assert_int_equal(stack_word(f, 1), FIX_CODE);
}

static void fault_while_delivering_page_fault_is_double_fault(void **state)
{
    struct emu_fixture *f = *state;
    *fix_pte(f, FIX_DATA) = 0;
    fix_gate(f, 14, FIX_HANDLER, 0, 0);
    fix_gate(f, 8, FIX_HANDLER + 0x100, 1, 0);
    set_tss(f, 0x24, 0x170000);                                       /* IST1 */
    *fix_pte(f, FIX_STACK - 8) = 0;                                   /* the kernel stack is gone */
    PUT(f, FIX_CODE, 0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x12, 0x00); /* mov rax, [0x120000] */
    struct emu_stop_info info = run(f, ~0ull);
    assert_int_equal(info.vector, 14);
    fix_deliver(f, &info);
    assert_int_equal(f->st.rip, FIX_HANDLER + 0x100);
    assert_int_equal(f->st.gpr[CPU_RSP], 0x170000 - 48);
    assert_int_equal(stack_word(f, 0), 0); /* #DF error code */
    assert_int_equal(stack_word(f, 1), FIX_CODE);
}

static void triple_fault_resets_the_machine(void **state)
{
    struct emu_fixture *f = *state;
    PUT(f, FIX_CODE, 0x0f, 0x0b); /* ud2 with an empty IDT */
    struct emu_stop_info info = run(f, ~0ull);
    fix_deliver(f, &info);
    assert_int_equal(atomic_load(&f->m.stop_reason), MACHINE_STOP_RESET);
}

static void int_n_checks_gate_dpl(void **state)
{
    struct emu_fixture *f = *state;
    set_tss(f, 4, 0x150000);
    fix_gate(f, 0x80, FIX_HANDLER, 0, 0);
    PUT(f, FIX_CODE, 0xcd, 0x80); /* int 0x80 */
    fix_enter(f, FIX_CODE, true);
    struct emu_stop_info info = run(f, FIX_HANDLER);
    assert_int_equal(info.reason, EMU_STOP_EXCEPTION);
    assert_int_equal(info.vector, 13);
    assert_int_equal(info.error_code, 0x80 * 8 + 2);

    fix_gate(f, 0x80, FIX_HANDLER, 0, 3);
    fix_enter(f, FIX_CODE, true);
    info = run(f, FIX_HANDLER);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(f->st.gpr[CPU_RSP], 0x150000 - 40);
    assert_int_equal(stack_word(f, 0), FIX_CODE + 2); /* a trap-like return address */
}

static void iretq_to_user_mode(void **state)
{
    struct emu_fixture *f = *state;
    uint64_t user_rip = FIX_CODE + 0x800;
    PUT(f, FIX_CODE, 0x6a, FIX_UDATA, /* push ss */
        0x68, 0x00, 0x80, 0x13, 0x00, /* push USER_RSP (0x138000) */
        0x68, 0x02, 0x02, 0x00, 0x00, /* push 0x202 */
        0x6a, FIX_UCODE,              /* push cs */
        0x68, 0x00, 0x08, 0x10, 0x00, /* push user_rip */
        0x48, 0xcf);                  /* iretq */
    PUT(f, user_rip, 0x90);
    struct emu_stop_info info = run(f, user_rip);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(f->st.cs.selector, FIX_UCODE);
    assert_int_equal(f->st.ss.selector, FIX_UDATA);
    assert_int_equal(f->st.gpr[CPU_RSP], USER_RSP);
    assert_int_equal(f->st.rflags & 0x200, 0x200);
}

static void syscall_and_sysret(void **state)
{
    struct emu_fixture *f = *state;
    uint64_t entry = FIX_HANDLER;
    cpu_state__set_msr(&f->st, 0xc0000081,
                       (uint64_t)0x0010 << 48 | (uint64_t)FIX_KCODE << 32); /* STAR */
    cpu_state__set_msr(&f->st, 0xc0000082, entry);                          /* LSTAR */
    cpu_state__set_msr(&f->st, 0xc0000084, 0x200);                          /* SFMASK */
    PUT(f, FIX_CODE, 0x0f, 0x05, 0x90);                                     /* syscall; nop */
    PUT(f, entry, 0x48, 0x0f, 0x07);                                        /* sysretq */
    fix_enter(f, FIX_CODE, true);
    f->st.rflags = 0x202;
    struct emu_stop_info info = run(f, entry);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(f->st.cs.selector, FIX_KCODE);
    assert_int_equal(f->st.gpr[CPU_RCX], FIX_CODE + 2);
    assert_int_equal(f->st.gpr[CPU_R11], 0x202);
    assert_int_equal(f->st.rflags & 0x200, 0);
    info = run(f, FIX_CODE + 2);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(f->st.cs.selector, 0x20 | 3); /* STAR[63:48] + 16 */
    assert_int_equal(f->st.ss.selector, 0x18 | 3);
    assert_int_equal(f->st.rflags & 0x200, 0x200);
}

/* LSL/LAR/VERR read descriptors and answer in ZF instead of faulting. */
static void descriptor_probes(void **state)
{
    struct emu_fixture *f = *state;
    PUT(f, FIX_CODE, 0xb8, FIX_UCODE, 0, 0, 0, /* mov eax, user code selector */
        0x0f, 0x03, 0xd8,                      /* lsl ebx, ax */
        0x0f, 0x02, 0xc8,                      /* lar ecx, ax */
        0x0f, 0x00, 0xe0,                      /* verr ax */
        0x0f, 0x94, 0xc2,                      /* setz dl */
        0x31, 0xf6,                            /* xor esi, esi */
        0x0f, 0x03, 0xfe);                     /* lsl edi, si: the null selector */
    f->st.gpr[CPU_RDI] = 0x77;
    struct emu_stop_info info = run(f, FIX_CODE + 24);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(f->st.gpr[CPU_RBX], 0xffffffff);
    assert_int_equal(f->st.gpr[CPU_RCX], 0xa0fb00); /* G, L, P, DPL 3, S, type 0xb */
    assert_int_equal(f->st.gpr[CPU_RDX] & 0xff, 1);
    assert_int_equal(f->st.gpr[CPU_RDI], 0x77); /* unchanged, ZF = 0 */
    assert_int_equal(f->st.rflags & 0x40, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(page_fault_same_privilege, setup, teardown),
        cmocka_unit_test_setup_teardown(user_fault_switches_to_rsp0, setup, teardown),
        cmocka_unit_test_setup_teardown(ist_stack_even_without_privilege_change, setup, teardown),
        cmocka_unit_test_setup_teardown(not_present_gate_raises_np, setup, teardown),
        cmocka_unit_test_setup_teardown(fault_while_delivering_page_fault_is_double_fault, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(triple_fault_resets_the_machine, setup, teardown),
        cmocka_unit_test_setup_teardown(int_n_checks_gate_dpl, setup, teardown),
        cmocka_unit_test_setup_teardown(iretq_to_user_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(syscall_and_sysret, setup, teardown),
        cmocka_unit_test_setup_teardown(descriptor_probes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
