// SPDX-License-Identifier: Apache-2.0
/* test_exitdev.c - unit tests for the exit device (src/devices/exitdev.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "devices/exitdev.h"
#include "fake_machine.h"

static int setup(void **state)
{
    static struct machine m;
    struct err err;
    fake_machine__init(&m, 16 << 20);
    assert_int_equal(bus__register(&m.pio, EXITDEV_PORT, 1, &exitdev_bus_ops, &m, "exit", &err), 0);
    *state = &m;
    return 0;
}

static int teardown(void **state)
{
    fake_machine__destroy(*state);
    return 0;
}

static void assert_exit(struct machine *m, int status)
{
    assert_true(machine__stopping(m));
    assert_int_equal(atomic_load(&m->stop_reason), MACHINE_STOP_EXIT);
    assert_int_equal(m->exit_status, status);
}

static void byte_write(void **state)
{
    struct machine *m = *state;
    assert_false(machine__stopping(m));
    assert_true(bus__write(&m->pio, EXITDEV_PORT, 1, 42));
    assert_exit(m, 42);
}

static void word_write_uses_low_byte(void **state)
{
    struct machine *m = *state;
    bus__write(&m->pio, EXITDEV_PORT, 2, 0x1234);
    assert_exit(m, 0x34);
}

static void dword_write_uses_low_byte(void **state)
{
    struct machine *m = *state;
    bus__write(&m->pio, EXITDEV_PORT, 4, 0xdeadbe07);
    assert_exit(m, 7);
}

static void zero_is_a_status_too(void **state)
{
    struct machine *m = *state;
    bus__write(&m->pio, EXITDEV_PORT, 1, 0x100);
    assert_exit(m, 0);
}

static void first_write_wins(void **state)
{
    struct machine *m = *state;
    bus__write(&m->pio, EXITDEV_PORT, 1, 3);
    bus__write(&m->pio, EXITDEV_PORT, 1, 4);
    assert_exit(m, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(byte_write, setup, teardown),
        cmocka_unit_test_setup_teardown(word_write_uses_low_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(dword_write_uses_low_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(zero_is_a_status_too, setup, teardown),
        cmocka_unit_test_setup_teardown(first_write_wins, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
