// SPDX-License-Identifier: Apache-2.0
/*
 * test_emu_mmu.c - the emu engine's MMU: 4-level walks with 4 KiB, 2 MiB
 * and 1 GiB pages, accessed/dirty bits, #PF error codes (SDM vol. 3A, 4.7)
 * for not-present, U/S, R/W with CR0.WP, NX and reserved-bit faults, TLB
 * invalidation by INVLPG and CR3 with and without global pages (for data
 * and for decoded code), page-
 * crossing writes, self-modifying code and MMIO through the bus.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "emu_fixture.h"

/* A tiny assembler buffer: bytes are written at FIX_CODE. */
struct code {
    uint8_t b[256];
    size_t n;
};

static void emit(struct code *c, const uint8_t *bytes, size_t n)
{
    memcpy(c->b + c->n, bytes, n);
    c->n += n;
}
#define EMIT(c, ...) emit(c, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))
#define LE32(v)      (uint8_t)(v), (uint8_t)((v) >> 8), (uint8_t)((v) >> 16), (uint8_t)((v) >> 24)
#define LE64(v)      LE32(v), LE32((uint64_t)(v) >> 32)

/* mov reg64, [abs32]: reg 0 = rax, 1 = rcx, 3 = rbx */
static void load_abs(struct code *c, unsigned reg, uint32_t addr)
{
    EMIT(c, 0x48, 0x8b, (uint8_t)(0x04 | reg << 3), 0x25, LE32(addr));
}
static void store_abs(struct code *c, unsigned reg, uint32_t addr)
{
    EMIT(c, 0x48, 0x89, (uint8_t)(0x04 | reg << 3), 0x25, LE32(addr));
}
static void store_imm_abs(struct code *c, uint32_t addr, uint32_t imm)
{
    EMIT(c, 0x48, 0xc7, 0x04, 0x25, LE32(addr), LE32(imm));
}
static void invlpg_abs(struct code *c, uint32_t addr)
{
    EMIT(c, 0x0f, 0x01, 0x3c, 0x25, LE32(addr));
}

/* Loads the code, runs to its end, returns how it stopped. */
static struct emu_stop_info run_code(struct emu_fixture *f, const struct code *c, bool user)
{
    fix_code(f, FIX_CODE, c->b, c->n);
    fix_enter(f, FIX_CODE, user);
    return fix_run(f, FIX_CODE + c->n, 1000);
}

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

static void assert_pf(const struct emu_stop_info *info, uint32_t err, uint64_t cr2)
{
    assert_int_equal(info->reason, EMU_STOP_EXCEPTION);
    assert_int_equal(info->vector, 14);
    assert_int_equal(info->error_code, err);
    assert_int_equal(info->cr2, cr2);
}

static void accessed_and_dirty_bits(void **state)
{
    struct emu_fixture *f = *state;
    *fix_pte(f, FIX_DATA) &= ~(PTE_A | PTE_D);
    *fix_pte(f, FIX_DATA + 0x1000) &= ~(PTE_A | PTE_D);
    *(uint64_t *)fix_mem(f, FIX_PML4) &= ~PTE_A;
    struct code c = {0};
    load_abs(&c, 0, FIX_DATA);
    store_abs(&c, 0, FIX_DATA + 0x1000);
    struct emu_stop_info info = run_code(f, &c, false);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(info.insns, 2);
    assert_true(*fix_pte(f, FIX_DATA) & PTE_A);
    assert_false(*fix_pte(f, FIX_DATA) & PTE_D);
    assert_true(*fix_pte(f, FIX_DATA + 0x1000) & PTE_A);
    assert_true(*fix_pte(f, FIX_DATA + 0x1000) & PTE_D);
    assert_true(*(uint64_t *)fix_mem(f, FIX_PML4) & PTE_A);
}

static void not_present_read_and_write(void **state)
{
    struct emu_fixture *f = *state;
    *fix_pte(f, FIX_DATA) = 0;
    struct code c = {0};
    EMIT(&c, 0x48, 0xc7, 0xc0, LE32(0x55)); /* mov rax, 0x55 */
    load_abs(&c, 0, FIX_DATA);
    struct emu_stop_info info = run_code(f, &c, false);
    assert_pf(&info, 0, FIX_DATA);
    assert_int_equal(f->st.rip, FIX_CODE + 7);  /* at the faulting load */
    assert_int_equal(f->st.gpr[CPU_RAX], 0x55); /* nothing written */
    assert_int_equal(info.insns, 1);

    c.n = 0;
    store_abs(&c, 0, FIX_DATA);
    info = run_code(f, &c, false);
    assert_pf(&info, 2, FIX_DATA);
}

static void user_access_to_supervisor_page(void **state)
{
    struct emu_fixture *f = *state;
    *fix_pte(f, FIX_DATA) &= ~PTE_U;
    struct code c = {0};
    load_abs(&c, 0, FIX_DATA);
    struct emu_stop_info info = run_code(f, &c, true);
    assert_pf(&info, 5, FIX_DATA); /* P | U */
    info = run_code(f, &c, false);
    assert_int_equal(info.reason, EMU_STOP_RIP);
}

static void write_protect(void **state)
{
    struct emu_fixture *f = *state;
    *fix_pte(f, FIX_DATA) &= ~PTE_W;
    struct code c = {0};
    store_abs(&c, 0, FIX_DATA);
    struct emu_stop_info info = run_code(f, &c, false);
    assert_pf(&info, 3, FIX_DATA); /* P | W, CR0.WP = 1 */
    info = run_code(f, &c, true);
    assert_pf(&info, 7, FIX_DATA); /* P | W | U */
    f->st.cr0 &= ~0x10000ull;      /* WP = 0: supervisor writes go through */
    info = run_code(f, &c, false);
    assert_int_equal(info.reason, EMU_STOP_RIP);
}

static void no_execute(void **state)
{
    struct emu_fixture *f = *state;
    *fix_pte(f, FIX_CODE + 0x1000) |= PTE_NX;
    struct code c = {0};
    EMIT(&c, 0x48, 0xc7, 0xc0, LE32(FIX_CODE + 0x1000)); /* mov rax, target */
    EMIT(&c, 0xff, 0xe0);                                /* jmp rax */
    struct emu_stop_info info = run_code(f, &c, false);
    assert_pf(&info, 0x11, FIX_CODE + 0x1000); /* P | I/D */
    assert_int_equal(f->st.rip, FIX_CODE + 0x1000);
}

static void reserved_bit(void **state)
{
    struct emu_fixture *f = *state;
    *fix_pte(f, FIX_DATA) |= 1ull << 45;
    struct code c = {0};
    load_abs(&c, 0, FIX_DATA);
    struct emu_stop_info info = run_code(f, &c, false);
    assert_pf(&info, 9, FIX_DATA); /* P | RSVD */
}

static void large_pages(void **state)
{
    struct emu_fixture *f = *state;
    uint64_t *pd = fix_mem(f, FIX_PD), *pdpt = fix_mem(f, FIX_PDPT);
    pd[1] = 0x400000 | PTE_P | PTE_W | PTE_PS; /* 2 MiB: va 2M -> pa 4M */
    pdpt[1] = 0 | PTE_P | PTE_W | PTE_PS;      /* 1 GiB: va 1G -> pa 0 */
    memcpy(fix_mem(f, 0x401234), &(uint64_t){0x1111}, 8);
    *(uint64_t *)fix_mem(f, FIX_DATA) = 0x2222;
    struct code c = {0};
    load_abs(&c, 0, 0x201234);
    load_abs(&c, 3, 0x40000000 + FIX_DATA);
    struct emu_stop_info info = run_code(f, &c, false);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(f->st.gpr[CPU_RAX], 0x1111);
    assert_int_equal(f->st.gpr[CPU_RBX], 0x2222);
    assert_true(pd[1] & PTE_A);
    assert_true(pdpt[1] & PTE_A);
    pd[1] |= 0x2000; /* reserved in a 2 MiB PDE (bits 20:13) */
    info = run_code(f, &c, false);
    assert_pf(&info, 9, 0x201234);
}

/*
 * A 2 MiB page is held whole: after its PDE is retargeted, every 4 KiB part
 * of it still reads the old page (the TLB is not split into walks), INVLPG
 * of an unrelated page leaves it alone, and INVLPG of any address in it
 * drops all of it.
 */
static void large_page_invlpg(void **state)
{
    struct emu_fixture *f = *state;
    uint64_t *pd = fix_mem(f, FIX_PD);
    pd[1] = 0x400000 | PTE_P | PTE_W | PTE_PS; /* va 2M -> pa 4M */
    *(uint64_t *)fix_mem(f, 0x401000) = 0x1111;
    *(uint64_t *)fix_mem(f, 0x405000) = 0x5555;
    *(uint64_t *)fix_mem(f, 0x601000) = 0x6666;
    struct code c = {0};
    load_abs(&c, 0, 0x201000);
    store_imm_abs(&c, (uint32_t)(FIX_PD + 8), 0x600000 | PTE_P | PTE_W | PTE_PS);
    invlpg_abs(&c, FIX_DATA);
    load_abs(&c, 1, 0x201000); /* rcx: its 4 KiB entry, stale */
    load_abs(&c, 2, 0x205000); /* rdx: another part, from the large entry, stale */
    invlpg_abs(&c, 0x3ff000);
    load_abs(&c, 3, 0x201000); /* rbx: the new page */
    struct emu_stop_info info = run_code(f, &c, false);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(f->st.gpr[CPU_RAX], 0x1111);
    assert_int_equal(f->st.gpr[CPU_RCX], 0x1111);
    assert_int_equal(f->st.gpr[CPU_RDX], 0x5555);
    assert_int_equal(f->st.gpr[CPU_RBX], 0x6666);
}

/* Reads old, retargets the PTE, reads again (stale), flushes, reads the new page. */
static void tlb_invalidation(void **state)
{
    struct emu_fixture *f = *state;
    *(uint64_t *)fix_mem(f, FIX_DATA) = 0xaaaa;
    *(uint64_t *)fix_mem(f, FIX_DATA + 0x1000) = 0xbbbb;
    uint32_t pte_va = (uint32_t)(FIX_PT + (FIX_DATA >> 12) * 8);
    struct code c = {0};
    load_abs(&c, 0, FIX_DATA);
    store_imm_abs(&c, pte_va, (uint32_t)(FIX_DATA + 0x1000) | PTE_P | PTE_W);
    load_abs(&c, 3, FIX_DATA);
    invlpg_abs(&c, FIX_DATA);
    load_abs(&c, 1, FIX_DATA);
    struct emu_stop_info info = run_code(f, &c, false);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(f->st.gpr[CPU_RAX], 0xaaaa);
    assert_int_equal(f->st.gpr[CPU_RBX], 0xaaaa); /* the TLB still holds the old translation */
    assert_int_equal(f->st.gpr[CPU_RCX], 0xbbbb);
}

static void cr3_reload_keeps_global_pages(void **state)
{
    struct emu_fixture *f = *state;
    *(uint64_t *)fix_mem(f, FIX_DATA) = 0xaaaa;
    *(uint64_t *)fix_mem(f, FIX_DATA + 0x1000) = 0xbbbb;
    uint32_t pte_va = (uint32_t)(FIX_PT + (FIX_DATA >> 12) * 8);
    for (int global = 0; global < 2; global++) {
        *fix_pte(f, FIX_DATA) = FIX_DATA | PTE_P | PTE_W | (global ? PTE_G : 0);
        f->st.cr4 |= 0x80; /* PGE */
        struct code c = {0};
        load_abs(&c, 0, FIX_DATA);
        store_imm_abs(&c, pte_va, (uint32_t)(FIX_DATA + 0x1000) | PTE_P | PTE_W);
        EMIT(&c, 0x0f, 0x20, 0xda); /* mov rdx, cr3 */
        EMIT(&c, 0x0f, 0x22, 0xda); /* mov cr3, rdx */
        load_abs(&c, 3, FIX_DATA);
        struct emu_stop_info info = run_code(f, &c, false);
        assert_int_equal(info.reason, EMU_STOP_RIP);
        assert_int_equal(f->st.gpr[CPU_RBX], global ? 0xaaaa : 0xbbbb);
    }
}

/*
 * Code behind a CR3 load: a non-global page remapped and CR3 reloaded runs
 * the new page's code (decoded blocks found by address are dropped with the
 * translation); a global one keeps the old translation, code included.
 */
static void cr3_reload_and_decoded_code(void **state)
{
    struct emu_fixture *f = *state;
    const uint64_t x = FIX_DATA + 0x4000, a = x, b = x + 0x1000;
    const uint8_t ret_a[] = {0xb8, LE32(0xa), 0xc3}, ret_b[] = {0xb8, LE32(0xb), 0xc3};
    fix_code(f, a, ret_a, sizeof(ret_a)); /* mov eax, 0xa; ret */
    fix_code(f, b, ret_b, sizeof(ret_b)); /* mov eax, 0xb; ret */
    uint32_t pte_va = (uint32_t)(FIX_PT + (x >> 12) * 8);
    for (int global = 0; global < 2; global++) {
        *fix_pte(f, x) = a | PTE_P | PTE_W | (global ? PTE_G : 0);
        f->st.cr4 |= 0x80; /* PGE */
        struct code c = {0};
        EMIT(&c, 0x48, 0xbe, LE64(x)); /* mov rsi, x */
        EMIT(&c, 0xff, 0xd6);          /* call rsi */
        EMIT(&c, 0x49, 0x89, 0xc0);    /* mov r8, rax */
        store_imm_abs(&c, pte_va, (uint32_t)b | PTE_P | PTE_W | (global ? PTE_G : 0));
        EMIT(&c, 0x0f, 0x20, 0xda); /* mov rdx, cr3 */
        EMIT(&c, 0x0f, 0x22, 0xda); /* mov cr3, rdx */
        EMIT(&c, 0xff, 0xd6);       /* call rsi */
        struct emu_stop_info info = run_code(f, &c, false);
        assert_int_equal(info.reason, EMU_STOP_RIP);
        assert_int_equal(f->st.gpr[CPU_R8], 0xa);
        assert_int_equal(f->st.gpr[CPU_RAX], global ? 0xa : 0xb);
    }
}

static void page_crossing_write_is_all_or_nothing(void **state)
{
    struct emu_fixture *f = *state;
    *fix_pte(f, FIX_DATA + 0x1000) = 0;
    uint8_t *tail = fix_mem(f, FIX_DATA + 0xffc);
    memset(tail, 0xee, 4);
    f->st.gpr[CPU_RAX] = 0x1122334455667788ull;
    struct code c = {0};
    store_abs(&c, 0, FIX_DATA + 0xffc);
    fix_code(f, FIX_CODE, c.b, c.n);
    uint64_t rax = 0x1122334455667788ull;
    fix_enter(f, FIX_CODE, false);
    f->st.gpr[CPU_RAX] = rax;
    struct emu_stop_info info = fix_run(f, FIX_CODE + c.n, 10);
    assert_pf(&info, 2, FIX_DATA + 0x1000);
    assert_memory_equal(tail, ((uint8_t[]){0xee, 0xee, 0xee, 0xee}), 4);

    *fix_pte(f, FIX_DATA + 0x1000) = (FIX_DATA + 0x1000) | PTE_P | PTE_W;
    info = fix_run(f, FIX_CODE + c.n, 10);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    uint64_t written;
    memcpy(&written, tail, 8);
    assert_int_equal(written, rax);
}

static void self_modifying_code(void **state)
{
    struct emu_fixture *f = *state;
    struct code c = {0};
    EMIT(&c, 0xc6, 0x05, LE32(1), 0x02); /* mov byte [rip+1], 2: patches the next imm */
    EMIT(&c, 0xb8, LE32(1));             /* mov eax, 1 */
    struct emu_stop_info info = run_code(f, &c, false);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(f->st.gpr[CPU_RAX],
                     2); /* the decoded block holding "mov eax, 1" was dropped */
}

static uint64_t mmio_last_write, mmio_last_offset;
static uint64_t mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque;
    return size == 4 && offset == 0x10 ? 0xabcd1234 : 0;
}
static void mmio_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    (void)opaque, (void)size;
    mmio_last_offset = offset;
    mmio_last_write = value;
}
static const struct bus_ops mmio_ops = {mmio_read, mmio_write};

static void mmio_through_the_bus(void **state)
{
    struct emu_fixture *f = *state;
    struct err err;
    assert_int_equal(bus__register(&f->m.mmio, 0xd0000000, 0x1000, &mmio_ops, NULL, "test", &err),
                     0);
    uint64_t *pdpt = fix_mem(f, FIX_PDPT);
    pdpt[3] = 0xc0000000 | PTE_P | PTE_W | PTE_PS; /* identity 3..4 GiB */
    struct code c = {0};
    EMIT(&c, 0x48, 0xbb, LE64(0xd0000010ull)); /* mov rbx, 0xd0000010 */
    EMIT(&c, 0x8b, 0x03);                      /* mov eax, [rbx] */
    EMIT(&c, 0x89, 0x43, 0x08);                /* mov [rbx+8], eax */
    struct emu_stop_info info = run_code(f, &c, false);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(f->st.gpr[CPU_RAX], 0xabcd1234);
    assert_int_equal(mmio_last_offset, 0x18);
    assert_int_equal(mmio_last_write, 0xabcd1234);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(accessed_and_dirty_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(not_present_read_and_write, setup, teardown),
        cmocka_unit_test_setup_teardown(user_access_to_supervisor_page, setup, teardown),
        cmocka_unit_test_setup_teardown(write_protect, setup, teardown),
        cmocka_unit_test_setup_teardown(no_execute, setup, teardown),
        cmocka_unit_test_setup_teardown(reserved_bit, setup, teardown),
        cmocka_unit_test_setup_teardown(large_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(large_page_invlpg, setup, teardown),
        cmocka_unit_test_setup_teardown(tlb_invalidation, setup, teardown),
        cmocka_unit_test_setup_teardown(cr3_reload_keeps_global_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(cr3_reload_and_decoded_code, setup, teardown),
        cmocka_unit_test_setup_teardown(page_crossing_write_is_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(self_modifying_code, setup, teardown),
        cmocka_unit_test_setup_teardown(mmio_through_the_bus, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
