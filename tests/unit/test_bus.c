// SPDX-License-Identifier: Apache-2.0
/* test_bus.c - unit tests for port-I/O and MMIO dispatch (src/machine/bus.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "machine/bus.h"

/* A device that records its last access and reads back base-relative offsets. */
struct probe {
    uint64_t offset;
    unsigned size;
    uint64_t value;
    unsigned reads, writes;
};

static uint64_t probe_read(void *opaque, uint64_t offset, unsigned size)
{
    struct probe *p = opaque;
    p->offset = offset;
    p->size = size;
    p->reads++;
    return 0x1000 + offset;
}

static void probe_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    struct probe *p = opaque;
    p->offset = offset;
    p->size = size;
    p->value = value;
    p->writes++;
}

static const struct bus_ops probe_ops = {.read = probe_read, .write = probe_write};

static int setup(void **state)
{
    static struct bus bus;
    bus__init(&bus, "test", true);
    *state = &bus;
    return 0;
}

static int teardown(void **state)
{
    bus__destroy(*state);
    return 0;
}

static void lookup_at_edges(void **state)
{
    struct bus *bus = *state;
    struct probe a = {0}, b = {0};
    struct err err;
    /* Registered out of order: the table must still be searchable. */
    assert_int_equal(bus__register(bus, 0x3f8, 8, &probe_ops, &b, "b", &err), 0);
    assert_int_equal(bus__register(bus, 0x60, 1, &probe_ops, &a, "a", &err), 0);
    assert_int_equal(bus__register(bus, 0x70, 2, &probe_ops, &a, "c", &err), 0);

    assert_null(bus__find(bus, 0x3f7));
    assert_string_equal(bus__find(bus, 0x3f8)->name, "b");
    assert_string_equal(bus__find(bus, 0x3ff)->name, "b");
    assert_null(bus__find(bus, 0x400));
    assert_null(bus__find(bus, 0x5f));
    assert_string_equal(bus__find(bus, 0x60)->name, "a");
    assert_null(bus__find(bus, 0x61));
    assert_string_equal(bus__find(bus, 0x71)->name, "c");
    assert_null(bus__find(bus, 0x72));
    assert_null(bus__find(bus, 0));
    assert_null(bus__find(bus, UINT64_MAX));
}

static void top_of_address_space(void **state)
{
    struct bus *bus = *state;
    struct probe p = {0};
    struct err err;
    assert_int_equal(bus__register(bus, UINT64_MAX - 0xfff, 0x1000, &probe_ops, &p, "top", &err),
                     0);
    assert_non_null(bus__find(bus, UINT64_MAX));
    assert_non_null(bus__find(bus, UINT64_MAX - 0xfff));
    assert_null(bus__find(bus, UINT64_MAX - 0x1000));
}

static void overlaps_rejected(void **state)
{
    struct bus *bus = *state;
    struct probe p = {0};
    struct err err;
    assert_int_equal(bus__register(bus, 0x100, 0x10, &probe_ops, &p, "dev", &err), 0);

    assert_int_equal(bus__register(bus, 0x100, 0x10, &probe_ops, &p, "same", &err), -1);
    assert_non_null(strstr(err.msg, "overlaps dev"));
    assert_int_equal(bus__register(bus, 0xf8, 0x10, &probe_ops, &p, "left", &err), -1);
    assert_int_equal(bus__register(bus, 0x10f, 1, &probe_ops, &p, "last byte", &err), -1);
    assert_int_equal(bus__register(bus, 0x104, 4, &probe_ops, &p, "inside", &err), -1);
    assert_int_equal(bus__register(bus, 0x0, 0x1000, &probe_ops, &p, "around", &err), -1);

    /* Neighbours that only touch are fine. */
    assert_int_equal(bus__register(bus, 0xf0, 0x10, &probe_ops, &p, "below", &err), 0);
    assert_int_equal(bus__register(bus, 0x110, 0x10, &probe_ops, &p, "above", &err), 0);
    assert_int_equal(bus->nranges, 3);
}

static void bad_ranges_rejected(void **state)
{
    struct bus *bus = *state;
    struct probe p = {0};
    struct err err;
    assert_int_equal(bus__register(bus, 0x100, 0, &probe_ops, &p, "empty", &err), -1);
    assert_int_equal(bus__register(bus, UINT64_MAX, 2, &probe_ops, &p, "wraps", &err), -1);
    assert_int_equal(bus->nranges, 0);
}

static void dispatch_is_base_relative(void **state)
{
    struct bus *bus = *state;
    struct probe p = {0};
    struct err err;
    uint64_t value;
    assert_int_equal(bus__register(bus, 0x3f8, 8, &probe_ops, &p, "com1", &err), 0);

    assert_true(bus__read(bus, 0x3fd, 1, &value));
    assert_int_equal(value, 0x1005);
    assert_int_equal(p.offset, 5);
    assert_int_equal(p.size, 1);

    assert_true(bus__write(bus, 0x3f8, 4, 0xdeadbeef));
    assert_int_equal(p.offset, 0);
    assert_int_equal(p.size, 4);
    assert_int_equal(p.value, 0xdeadbeef);
    assert_int_equal(p.reads, 1);
    assert_int_equal(p.writes, 1);
}

static void unclaimed_reads_are_all_ones(void **state)
{
    struct bus *bus = *state;
    struct probe p = {0};
    struct err err;
    uint64_t value;
    assert_int_equal(bus__register(bus, 0x60, 1, &probe_ops, &p, "dev", &err), 0);

    assert_false(bus__read(bus, 0x61, 1, &value));
    assert_int_equal(value, 0xff);
    assert_false(bus__read(bus, 0x61, 2, &value));
    assert_int_equal(value, 0xffff);
    assert_false(bus__read(bus, 0x61, 4, &value));
    assert_int_equal(value, 0xffffffffull);
    assert_false(bus__read(bus, 0x61, 8, &value));
    assert_int_equal(value, UINT64_MAX);
    assert_false(bus__write(bus, 0x61, 1, 0));
    assert_int_equal(p.reads + p.writes, 0);
}

static void write_only_device_reads_all_ones(void **state)
{
    struct bus *bus = *state;
    static const struct bus_ops write_only = {.write = probe_write};
    struct probe p = {0};
    struct err err;
    uint64_t value;
    assert_int_equal(bus__register(bus, 0x501, 1, &write_only, &p, "exit", &err), 0);
    assert_false(bus__read(bus, 0x501, 1, &value));
    assert_int_equal(value, 0xff);
    assert_true(bus__write(bus, 0x501, 1, 7));
    assert_int_equal(p.value, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(lookup_at_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(top_of_address_space, setup, teardown),
        cmocka_unit_test_setup_teardown(overlaps_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_ranges_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(dispatch_is_base_relative, setup, teardown),
        cmocka_unit_test_setup_teardown(unclaimed_reads_are_all_ones, setup, teardown),
        cmocka_unit_test_setup_teardown(write_only_device_reads_all_ones, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
