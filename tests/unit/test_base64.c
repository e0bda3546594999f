// SPDX-License-Identifier: Apache-2.0
/* test_base64.c - unit tests for base64 encoding (src/util/base64.c), RFC 4648 section 10 vectors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/base64.h"

static void rfc4648_vectors(void **state)
{
    (void)state;
    static const char *const vectors[][2] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        char out[16];
        size_t len = strlen(vectors[i][0]);
        assert_int_equal(base64__encoded_size(len), strlen(vectors[i][1]) + 1);
        base64__encode(vectors[i][0], len, out);
        assert_string_equal(out, vectors[i][1]);
    }
}

static void binary_and_quotes(void **state)
{
    (void)state;
    const uint8_t bytes[] = {0xff, 0x00, 0xfe, '\'', '"'};
    char out[16];
    base64__encode(bytes, sizeof(bytes), out);
    assert_string_equal(out, "/wD+JyI=");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc4648_vectors),
        cmocka_unit_test(binary_and_quotes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
