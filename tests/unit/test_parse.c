// SPDX-License-Identifier: Apache-2.0
/* test_parse.c - unit tests for command-line number parsing (src/util/parse.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/parse.h"

static void sizes(void **state)
{
    (void)state;
    uint64_t v;
    assert_true(parse__size("256", &v));
    assert_int_equal(v, 256ull << 20);
    assert_true(parse__size("512M", &v));
    assert_int_equal(v, 512ull << 20);
    assert_true(parse__size("2G", &v));
    assert_int_equal(v, 2ull << 30);
    assert_true(parse__size("64k", &v));
    assert_int_equal(v, 64ull << 10);
    assert_true(parse__size("1GiB", &v));
    assert_int_equal(v, 1ull << 30);
    assert_true(parse__size("4096B", &v));
    assert_int_equal(v, 4096);
    assert_true(parse__size("0", &v));
    assert_int_equal(v, 0);
    assert_false(parse__size("", &v));
    assert_false(parse__size("-1G", &v));
    assert_false(parse__size("12X", &v));
    assert_false(parse__size("1G2", &v));
    assert_false(parse__size("99999999999999999999", &v));
    assert_false(parse__size("17179869184T", &v)); /* overflows 64 bits */
}

static void uints(void **state)
{
    (void)state;
    unsigned v;
    assert_true(parse__uint("1", 1, 64, &v));
    assert_int_equal(v, 1);
    assert_true(parse__uint("64", 1, 64, &v));
    assert_false(parse__uint("0", 1, 64, &v));
    assert_false(parse__uint("65", 1, 64, &v));
    assert_false(parse__uint("2x", 1, 64, &v));
    assert_false(parse__uint(" 2", 1, 64, &v));
    assert_false(parse__uint("-2", 0, 64, &v));
}

static void seconds(void **state)
{
    (void)state;
    double d;
    assert_true(parse__seconds("60", &d));
    assert_true(d == 60.0);
    assert_true(parse__seconds("0.5", &d));
    assert_true(d == 0.5);
    assert_false(parse__seconds("0", &d));
    assert_false(parse__seconds("abc", &d));
    assert_false(parse__seconds("5s", &d));
    assert_false(parse__seconds("inf", &d));
    assert_false(parse__seconds("-3", &d));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes),
        cmocka_unit_test(uints),
        cmocka_unit_test(seconds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
