// SPDX-License-Identifier: Apache-2.0
/*
 * test_emu_modes.c - the emu engine outside 64-bit mode: an AP's way from
 * real mode to long mode (SDM vol. 3A, 9.9 "Mode switching", 9.8.5
 * "Initializing IA-32e mode") run with emu__run_until from the state a
 * startup IPI leaves, with 16-bit and 32-bit code on the way
 * (emu_modes_code.S); 16-bit addressing decoded per mode; 32-bit and PAE
 * paging without long mode (SDM vol. 3A, 4.3-4.4: translation, 4 MiB
 * pages, accessed/dirty bits, #PF); and a fault in protected mode with an
 * empty IDT ending the machine as a triple fault.
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

/* Flat 32-bit protected mode with paging on (CR3/CR4 chosen by the caller), at rip. */
static void enter_protected_paged(struct emu_fixture *f, uint64_t rip, uint64_t cr3, uint64_t cr4)
{
    const struct cpu_segment code = {
        .limit = 0xffffffff, .selector = 0x08, .type = 0xb, .s = 1, .present = 1, .db = 1, .g = 1};
    struct cpu_segment data = code;
    data.selector = 0x10;
    data.type = 0x3;
    cpu_state__reset(&f->st, 0, true);
    f->st.cs = code;
    f->st.ds = f->st.es = f->st.ss = f->st.fs = f->st.gs = data;
    f->st.cr0 = 0x80000011; /* PG, ET, PE */
    f->st.cr3 = cr3;
    f->st.cr4 = cr4;
    f->st.efer = 0;
    f->st.rip = rip;
}

#define PAGED_CODE 0x20000ull  /* identity-mapped */
#define PAGED_VA   0x400000ull /* -> PAGED_PA */
#define PAGED_PA   0x50000ull
#define PAGED_4M   0x800000ull /* a 4 MiB page (32-bit paging) -> 0xc00000 */

/* mov eax, [PAGED_VA]; mov [PAGED_VA + 4], ecx; mov ebx, [PAGED_4M + 8]; hlt */
static const uint8_t paged_code[] = {0xa1, 0x00, 0x00, 0x40, 0x00, 0x89, 0x0d, 0x04, 0x00,
                                     0x40, 0x00, 0x8b, 0x1d, 0x08, 0x00, 0x80, 0x00, 0xf4};

static void check_paged_run(struct emu_fixture *f)
{
    uint32_t in = 0x600d600d, big = 0xb16b16;
    memcpy(fix_mem(f, PAGED_PA), &in, 4);
    memcpy(fix_mem(f, 0xc00008), &big, 4);
    fix_code(f, PAGED_CODE, paged_code, sizeof(paged_code));
    f->st.gpr[CPU_RCX] = 0x5a5a5a5a;
    struct emu_stop_info info = fix_run(f, PAGED_CODE + sizeof(paged_code) - 1, 10);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(f->st.gpr[CPU_RAX], 0x600d600d);
    assert_int_equal(f->st.gpr[CPU_RBX], 0xb16b16);
    uint32_t out;
    memcpy(&out, fix_mem(f, PAGED_PA + 4), 4);
    assert_int_equal(out, 0x5a5a5a5a);
}

static void paging_32bit(void **state)
{
    struct emu_fixture *f = *state;
    const uint64_t pd = 0x40000, pt = 0x41000;
    uint32_t *pde = fix_mem(f, pd), *pte = fix_mem(f, pt);
    memset(pde, 0, 4096);
    memset(pte, 0, 4096);
    pde[0] = (uint32_t)pt | PTE_P | PTE_W; /* 0..4 MiB: page table */
    pte[PAGED_CODE >> 12] = (uint32_t)PAGED_CODE | PTE_P;
    pde[1] = (uint32_t)pt | PTE_P | PTE_W; /* 4..8 MiB: the same table, entry 0 */
    pte[0] = (uint32_t)PAGED_PA | PTE_P | PTE_W;
    pde[2] = 0xc00000 | PTE_P | PTE_PS; /* 8..12 MiB: a 4 MiB page, read-only */
    enter_protected_paged(f, PAGED_CODE, pd, 0x10 /* PSE */);
    check_paged_run(f);
    assert_int_equal(pte[0] & (PTE_A | PTE_D), PTE_A | PTE_D);
    assert_int_equal(pde[2] & (PTE_A | PTE_D), PTE_A);

    pte[0] = 0; /* not present: #PF with CR2 and a read error code */
    enter_protected_paged(f, PAGED_CODE, pd, 0x10);
    struct emu_stop_info info = fix_run(f, ~0ull, 10);
    assert_int_equal(info.reason, EMU_STOP_EXCEPTION);
    assert_int_equal(info.vector, 14);
    assert_int_equal(info.cr2, PAGED_VA);
    assert_int_equal(info.error_code, 0);
}

static void paging_pae(void **state)
{
    struct emu_fixture *f = *state;
    const uint64_t pdpt = 0x42000, pd = 0x43000, pt = 0x44000;
    uint64_t *pdpte = fix_mem(f, pdpt), *pde = fix_mem(f, pd), *pte = fix_mem(f, pt);
    memset(pdpte, 0, 32);
    memset(pde, 0, 4096);
    memset(pte, 0, 4096);
    pdpte[0] = pd | PTE_P;
    pde[0] = pt | PTE_P | PTE_W; /* 0..2 MiB */
    pte[PAGED_CODE >> 12] = PAGED_CODE | PTE_P;
    pde[2] = pt | PTE_P | PTE_W; /* 4..6 MiB: the same table, entry 0 */
    pte[0] = PAGED_PA | PTE_P | PTE_W;
    pde[4] = 0xc00000 | PTE_P | PTE_PS; /* 8..10 MiB: a 2 MiB page */
    enter_protected_paged(f, PAGED_CODE, pdpt, 0x20 /* PAE */);
    check_paged_run(f);
    assert_int_equal(pte[0] & (PTE_A | PTE_D), PTE_A | PTE_D);
    assert_int_equal(pde[4] & (PTE_A | PTE_D), PTE_A);
    assert_int_equal(pdpte[0] & PTE_A, 0); /* PDPTEs have no accessed bit */
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
        cmocka_unit_test_setup_teardown(paging_32bit, setup, teardown),
        cmocka_unit_test_setup_teardown(paging_pae, setup, teardown),
        cmocka_unit_test_setup_teardown(triple_fault_in_protected_mode, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
