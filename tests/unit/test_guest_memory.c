// SPDX-License-Identifier: Apache-2.0
/*
 * test_guest_memory.c - unit tests for guest RAM backing (src/machine/memory.c):
 * lazy commit, 2 MiB alignment and MADV_HUGEPAGE, preallocation, discard
 * (the balloon's and free page reporting's way to give pages back; a part
 * of a 2 MiB range given back keeps that range out of THP), a
 * --mem-path file (tmpfs here: hugetlbfs needs reserved huge pages), and
 * the residency the host-side view reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "machine/layout.h"
#include "machine/memory.h"

static uint64_t resident(const struct guest_memory *mem)
{
    struct guest_memory_usage u;
    struct err err;
    assert_int_equal(guest_memory__usage(mem, &u, &err), 0);
    return u.resident;
}

/* Whether the host maps this range with the VmFlag "hg" (MADV_HUGEPAGE) in /proc/self/smaps. */
static bool smaps_has_flag(const void *addr, const char *flag)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    assert_non_null(f);
    char line[512];
    bool in = false, found = false;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
            continue;
        }
        if (in && !strncmp(line, "VmFlags:", 8)) {
            char want[8];
            snprintf(want, sizeof(want), " %s", flag);
            found = strstr(line, want) != NULL;
            break;
        }
    }
    fclose(f);
    return found;
}

static void test_lazy_and_aligned(void **state)
{
    (void)state;
    struct guest_memory mem;
    struct err err;
    assert_int_equal(guest_memory__init(&mem, MIB(64), NULL, &err), 0);
    assert_int_equal((uintptr_t)mem.slots[0].hva % MIB(2), 0);
    assert_true(resident(&mem) < MIB(1)); /* nothing touched: nothing committed */
    memset(mem.slots[0].hva, 0x5a, MIB(8));
    assert_true(resident(&mem) >= MIB(8));
    char mode[16];
    if (!strcmp(guest_memory__thp_mode(mode, sizeof(mode)), "madvise")) {
        assert_true(mem.thp);
        assert_true(smaps_has_flag(mem.slots[0].hva, "hg"));
    }
    guest_memory__destroy(&mem);

    struct guest_memory_options no_thp = {.no_hugepages = true};
    assert_int_equal(guest_memory__init(&mem, MIB(8), &no_thp, &err), 0);
    assert_false(mem.thp);
    assert_false(smaps_has_flag(mem.slots[0].hva, "hg"));
    guest_memory__destroy(&mem);
}

static void test_prealloc_and_merge(void **state)
{
    (void)state;
    struct guest_memory mem;
    struct err err;
    struct guest_memory_options o = {.prealloc = true, .merge = true};
    assert_int_equal(guest_memory__init(&mem, MIB(16), &o, &err), 0);
    assert_true(resident(&mem) >= MIB(16));
    assert_true(smaps_has_flag(mem.slots[0].hva, "mg"));
    guest_memory__destroy(&mem);

    assert_int_equal(guest_memory__init(&mem, MIB(16), NULL, &err), 0);
    assert_false(smaps_has_flag(mem.slots[0].hva, "mg")); /* only when asked */
    guest_memory__destroy(&mem);
}

static void test_discard(void **state)
{
    (void)state;
    struct guest_memory mem;
    struct err err;
    struct guest_memory_options o = {.no_hugepages = true};
    assert_int_equal(guest_memory__init(&mem, MIB(16), &o, &err), 0);
    memset(mem.slots[0].hva, 0xa5, MIB(16));
    uint64_t before = resident(&mem);
    assert_int_equal(guest_memory__discard(&mem, MIB(4), MIB(8)), 0);
    assert_true(resident(&mem) <= before - MIB(8));
    uint8_t b;
    assert_int_equal(guest_memory__read(&mem, MIB(4), &b, 1), 0);
    assert_int_equal(b, 0); /* given back: reads as zero */
    assert_int_equal(guest_memory__read(&mem, MIB(4) - 1, &b, 1), 0);
    assert_int_equal(b, 0xa5); /* its neighbours keep their data */
    assert_int_equal(guest_memory__read(&mem, MIB(12), &b, 1), 0);
    assert_int_equal(b, 0xa5);
    /* a part page is left alone; outside RAM is refused */
    assert_int_equal(guest_memory__discard(&mem, 100, 200), 0);
    assert_int_equal(guest_memory__read(&mem, 100, &b, 1), 0);
    assert_int_equal(b, 0xa5);
    assert_int_equal(guest_memory__discard(&mem, MIB(15), MIB(2)), -1);
    assert_int_equal(guest_memory__discard(&mem, UINT64_MAX - 4095, 4096), -1);
    guest_memory__destroy(&mem);
}

/* Part of a 2 MiB range given back: that range leaves THP (VmFlag "nh"), whole ranges do not. */
static void test_discard_keeps_part_split(void **state)
{
    (void)state;
    char mode[16];
    if (strcmp(guest_memory__thp_mode(mode, sizeof(mode)), "madvise"))
        skip();
    struct guest_memory mem;
    struct err err;
    assert_int_equal(guest_memory__init(&mem, MIB(16), NULL, &err), 0);
    uint8_t *hva = mem.slots[0].hva;
    memset(hva, 0xa5, MIB(16));
    assert_int_equal(guest_memory__discard(&mem, MIB(4), MIB(2)), 0);
    assert_false(smaps_has_flag(hva + MIB(4), "nh"));
    assert_int_equal(guest_memory__discard(&mem, MIB(8) + KIB(128), KIB(256)), 0);
    assert_true(smaps_has_flag(hva + MIB(8), "nh"));
    assert_false(smaps_has_flag(hva + MIB(10), "nh"));
    assert_false(smaps_has_flag(hva + MIB(6), "nh"));
    guest_memory__destroy(&mem);
}

static void test_path(void **state)
{
    (void)state;
    char dir[] = "/dev/shm/strata-memtest-XXXXXX";
    if (!mkdtemp(dir))
        skip();
    struct guest_memory mem;
    struct err err;
    struct guest_memory_options o = {.path = dir};
    assert_int_equal(guest_memory__init(&mem, MIB(8), &o, &err), 0);
    assert_true(mem.shared_backing);
    memset(mem.slots[0].hva, 1, MIB(8));
    assert_int_equal(guest_memory__discard(&mem, 0, MIB(4)), 0);
    uint8_t b;
    assert_int_equal(guest_memory__read(&mem, 0, &b, 1), 0);
    assert_int_equal(b, 0);
    assert_true(resident(&mem) <= MIB(4) + KIB(64));
    guest_memory__destroy(&mem);

    struct guest_memory_options bad = {.path = "/nonexistent/strata"};
    assert_int_equal(guest_memory__init(&mem, MIB(8), &bad, &err), -1);
    assert_non_null(strstr(err.msg, "--mem-path"));
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lazy_and_aligned),
        cmocka_unit_test(test_prealloc_and_merge),
        cmocka_unit_test(test_discard),
        cmocka_unit_test(test_discard_keeps_part_split),
        cmocka_unit_test(test_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
