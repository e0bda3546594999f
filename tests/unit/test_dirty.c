// SPDX-License-Identifier: Apache-2.0
/*
 * test_dirty.c - the dirty page log live migration iterates on
 * (machine/dirty.h): marks and takes, the balloon's discards, the RAM
 * sections of a later round (only the pages asked for, zero ones as zero
 * runs that clear the destination's page), and the emu engine's part: a
 * store marks its page, after a take the next store only marks it again
 * once engine_ops.dirty_log re-armed the TLB.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu_fixture.h"
#include "machine/dirty.h"
#include "state/format.h"

#define PAGE GUEST_DIRTY_PAGE

static void marks_and_takes(void **state)
{
    (void)state;
    struct guest_memory mem;
    struct err err;
    assert_int_equal(guest_memory__init(&mem, 16 << 20, NULL, &err), 0);
    uint64_t pages = guest_dirty__pages(&mem);
    assert_int_equal(pages, (16 << 20) / PAGE);
    uint64_t bits[(16 << 20) / PAGE / 64] = {0};
    guest_dirty__mark(&mem, 0, PAGE); /* off: nothing happens */
    assert_true(guest_dirty__test(&mem, 0));
    assert_int_equal(guest_dirty__take(&mem, bits), 0);

    assert_int_equal(guest_dirty__start(&mem, &err), 0);
    assert_false(guest_dirty__test(&mem, 5 * PAGE));
    guest_dirty__mark(&mem, 5 * PAGE - 1, 2); /* straddles pages 4 and 5 */
    guest_dirty__mark(&mem, 100 * PAGE + 7, 1);
    guest_dirty__mark(&mem, (16 << 20) - 1, 1000); /* the part past RAM is ignored */
    assert_true(guest_dirty__test(&mem, 5 * PAGE));
    assert_int_equal(guest_dirty__take(&mem, bits), 4);
    assert_int_equal(bits[0], (1ull << 4) | (1ull << 5));
    assert_int_equal(bits[100 / 64], 1ull << (100 % 64));
    assert_int_equal(guest_dirty__take(&mem, bits), 0); /* taken: clean now */
    assert_false(guest_dirty__test(&mem, 5 * PAGE));

    guest_dirty__mark_host(&mem, (uint8_t *)guest_memory__hva(&mem, 9 * PAGE, 1) + 3, 1);
    assert_int_equal(guest_memory__discard(&mem, 12 * PAGE, 2 * PAGE), 0);
    memset(bits, 0, sizeof(bits));
    assert_int_equal(guest_dirty__take(&mem, bits), 3);
    assert_int_equal(bits[0], (1ull << 9) | (3ull << 12));
    assert_int_equal(guest_dirty__gpa(&mem, 12), 12 * PAGE);
    assert_int_equal(guest_dirty__page(&mem, 12 * PAGE + 5), 12);
    guest_dirty__stop(&mem);
    assert_true(guest_dirty__test(&mem, 5 * PAGE));
    guest_memory__destroy(&mem);
}

/* A later round: the pages asked for only; a page that became zero is a zero run. */
static void later_round_sections(void **state)
{
    (void)state;
    struct guest_memory src, dst;
    struct err err;
    assert_int_equal(guest_memory__init(&src, 1 << 20, NULL, &err), 0);
    assert_int_equal(guest_memory__init(&dst, 1 << 20, NULL, &err), 0);
    memset(guest_memory__hva(&src, 0, PAGE), 0xaa, PAGE);
    memset(guest_memory__hva(&src, 5 * PAGE, PAGE), 0x55, PAGE);
    memset(guest_memory__hva(&src, 7 * PAGE, PAGE), 0x77, PAGE); /* not asked for */
    memset(guest_memory__hva(&dst, PAGE, PAGE), 0x11, PAGE);     /* zero on the source now */
    uint64_t bits[(1 << 20) / PAGE / 64] = {(1ull << 0) | (1ull << 1) | (1ull << 5)};
    FILE *f = tmpfile();
    assert_non_null(f);
    struct state_io out = {.fd = fileno(f), .what = "test"};
    struct state_ram_stats st = {0};
    assert_int_equal(state__write_ram(&out, &src, bits, &st, &err), 0);
    assert_int_equal(st.pages, 2);
    assert_int_equal(st.zero_pages, 1);
    assert_int_equal(lseek(fileno(f), 0, SEEK_SET), 0);
    struct state_io in = {.fd = fileno(f), .what = "test"};
    enum state_section type;
    uint64_t len;
    uint32_t crc;
    assert_int_equal(state__read_section(&in, &type, &len, &crc, &err), 0);
    assert_int_equal(type, STATE_SECTION_RAM);
    assert_int_equal(state__read_ram(&in, len, crc, &dst, &err), 0);
    assert_memory_equal(guest_memory__hva(&dst, 0, PAGE), guest_memory__hva(&src, 0, PAGE), PAGE);
    assert_memory_equal(guest_memory__hva(&dst, 5 * PAGE, PAGE),
                        guest_memory__hva(&src, 5 * PAGE, PAGE), PAGE);
    static const uint8_t zero[PAGE];
    assert_memory_equal(guest_memory__hva(&dst, PAGE, PAGE), zero, PAGE);
    assert_memory_equal(guest_memory__hva(&dst, 7 * PAGE, PAGE), zero, PAGE);
    fclose(f);
    guest_memory__destroy(&src);
    guest_memory__destroy(&dst);
}

/* loop: mov [FIX_DATA], eax; jmp loop */
static const uint8_t store_loop[] = {0x89, 0x04, 0x25, 0x00, 0x00, 0x12, 0x00, 0xeb, 0xf7};

/* Two more instructions from where the vCPU stopped (no set_state, which flushes the TLB). */
static void run_on(struct emu_fixture *f)
{
    struct emu_stop_info info;
    struct err err;
    assert_int_equal(emu__run_until(&f->m.vcpus[0], 0, 2, &info, &err), 0);
}

static void emu_stores_mark(void **state)
{
    (void)state;
    static struct emu_fixture f;
    struct err err;
    fix_init(&f);
    assert_non_null(emu_engine_ops.dirty_log);
    fix_code(&f, FIX_CODE, store_loop, sizeof(store_loop));
    fix_enter(&f, FIX_CODE, false);
    fix_run(&f, 0, 2); /* the TLB holds a writable entry for FIX_DATA now */
    assert_int_equal(guest_dirty__start(&f.m.mem, &err), 0);
    assert_int_equal(emu_engine_ops.dirty_log(&f.m, ENGINE_DIRTY_START, &err), 0);
    assert_false(guest_dirty__test(&f.m.mem, FIX_DATA));
    run_on(&f);
    assert_true(guest_dirty__test(&f.m.mem, FIX_DATA));

    uint64_t bits[(16 << 20) / PAGE / 64] = {0};
    assert_int_not_equal(guest_dirty__take(&f.m.mem, bits), 0);
    assert_true(bits[(FIX_DATA / PAGE) / 64] & (1ull << ((FIX_DATA / PAGE) % 64)));
    /* Taken without a sync: the entry's fast path stays (the migration always syncs)... */
    run_on(&f);
    assert_false(guest_dirty__test(&f.m.mem, FIX_DATA));
    /* ...with one, the next store marks the page again. */
    assert_int_equal(emu_engine_ops.dirty_log(&f.m, ENGINE_DIRTY_SYNC, &err), 0);
    run_on(&f);
    assert_true(guest_dirty__test(&f.m.mem, FIX_DATA));
    assert_int_equal(emu_engine_ops.dirty_log(&f.m, ENGINE_DIRTY_STOP, &err), 0);
    guest_dirty__stop(&f.m.mem);
    fix_destroy(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(marks_and_takes),
        cmocka_unit_test(later_round_sections),
        cmocka_unit_test(emu_stores_mark),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
