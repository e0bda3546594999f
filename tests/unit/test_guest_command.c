// SPDX-License-Identifier: Apache-2.0
/* test_guest_command.c - unit tests for `strata run -- COMMAND` encoding (src/cli/guest_command.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "cli/guest_command.h"

/* base64("'sh' '-c' 'echo it'\''s'"): every argument single-quoted, quotes escaped. */
static void quotes_survive(void **state)
{
    (void)state;
    char *const argv[] = {"sh", "-c", "echo it's"};
    char *param = guest_command__param(3, argv, NULL);
    assert_non_null(param);
    assert_string_equal(param, "strata.cmd=J3NoJyAnLWMnICdlY2hvIGl0J1wnJ3Mn");
    free(param);
}

/* base64("'uname' '-a'") */
static void plain_words(void **state)
{
    (void)state;
    char *const argv[] = {"uname", "-a"};
    char *param = guest_command__param(2, argv, NULL);
    assert_non_null(param);
    assert_string_equal(param, "strata.cmd=J3VuYW1lJyAnLWEn");
    free(param);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quotes_survive),
        cmocka_unit_test(plain_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
