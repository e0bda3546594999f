// SPDX-License-Identifier: Apache-2.0
/* test_i8042.c - unit tests for the keyboard controller (src/devices/i8042.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "devices/i8042.h"
#include "fake_machine.h"

#define STR_OBF     0x01
#define STR_SYSFLAG 0x04
#define STR_CMDDAT  0x08
#define STR_KEYLOCK 0x10
#define STR_AUXDATA 0x20
#define STR_TIMEOUT 0x40

struct fixture {
    struct machine m;
    struct i8042 *kbc;
};

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof(f));
    fake_machine__init(&f.m, 16 << 20);
    struct err err;
    f.kbc = i8042__create(&f.m, &err);
    assert_non_null(f.kbc);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    i8042__destroy(f->kbc);
    fake_machine__destroy(&f->m);
    return 0;
}

static uint8_t status(struct fixture *f)
{
    return (uint8_t)i8042_command_bus_ops.read(f->kbc, 0, 1);
}

static void command(struct fixture *f, uint8_t cmd)
{
    i8042_command_bus_ops.write(f->kbc, 0, 1, cmd);
}

static uint8_t read_data(struct fixture *f)
{
    return (uint8_t)i8042_data_bus_ops.read(f->kbc, 0, 1);
}

static void write_data(struct fixture *f, uint8_t byte)
{
    i8042_data_bus_ops.write(f->kbc, 0, 1, byte);
}

static void power_on_state(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(status(f), STR_KEYLOCK | STR_SYSFLAG);
    command(f, 0x20);
    assert_int_equal(status(f), STR_KEYLOCK | STR_SYSFLAG | STR_CMDDAT | STR_OBF);
    assert_int_equal(read_data(f), 0x05); /* keyboard interrupt on, system flag, no translation */
    assert_false(status(f) & STR_OBF);
}

static void self_tests(void **state)
{
    struct fixture *f = *state;
    command(f, 0xaa);
    assert_true(status(f) & STR_OBF);
    assert_int_equal(read_data(f), 0x55);
    command(f, 0xab);
    assert_int_equal(read_data(f), 0x00);
    command(f, 0xa9);
    assert_int_equal(read_data(f), 0x00);
}

static void command_byte(void **state)
{
    struct fixture *f = *state;
    command(f, 0x60);
    write_data(f, 0x47);
    assert_false(status(f) & STR_CMDDAT);
    command(f, 0x20);
    assert_int_equal(read_data(f), 0x47);
    command(f, 0xad); /* keyboard off */
    command(f, 0xa7); /* aux off */
    command(f, 0x20);
    assert_int_equal(read_data(f), 0x77);
    command(f, 0xae);
    command(f, 0xa8);
    command(f, 0x20);
    assert_int_equal(read_data(f), 0x47);
}

static void keyboard_answers_with_interrupts(void **state)
{
    struct fixture *f = *state;
    write_data(f, 0xf2); /* identify */
    const uint8_t expected[] = {0xfa, 0xab, 0x83};
    for (size_t i = 0; i < sizeof(expected); i++) {
        assert_true(fake_irqs[1].level);
        assert_int_equal(status(f) & (STR_OBF | STR_AUXDATA), STR_OBF);
        assert_int_equal(read_data(f), expected[i]);
    }
    assert_false(fake_irqs[1].level);
    assert_int_equal(fake_irqs[1].rises, 3); /* one edge per byte */

    write_data(f, 0xff); /* reset: ACK, then self test passed */
    assert_int_equal(read_data(f), 0xfa);
    assert_int_equal(read_data(f), 0xaa);
    write_data(f, 0xed); /* LEDs, with a parameter */
    assert_int_equal(read_data(f), 0xfa);
    write_data(f, 0x07);
    assert_int_equal(read_data(f), 0xfa);
    write_data(f, 0xf0); /* which scan code set? */
    assert_int_equal(read_data(f), 0xfa);
    write_data(f, 0x00);
    assert_int_equal(read_data(f), 0xfa);
    assert_int_equal(read_data(f), 0x02);
    write_data(f, 0xee);
    assert_int_equal(read_data(f), 0xee);
    write_data(f, 0x12); /* not a command */
    assert_int_equal(read_data(f), 0xfe);
    assert_false(status(f) & STR_OBF);

    /* With the keyboard interrupt off, bytes wait without an interrupt. */
    command(f, 0x60);
    write_data(f, 0x04);
    write_data(f, 0xf4);
    assert_true(status(f) & STR_OBF);
    assert_false(fake_irqs[1].level);
    assert_int_equal(read_data(f), 0xfa);
}

static void aux_port_without_mouse(void **state)
{
    struct fixture *f = *state;
    command(f, 0x60);
    write_data(f, 0x07); /* both interrupts on */

    command(f, 0xd3); /* aux loopback, as Linux probes the port */
    write_data(f, 0x5a);
    assert_int_equal(status(f) & (STR_OBF | STR_AUXDATA | STR_TIMEOUT), STR_OBF | STR_AUXDATA);
    assert_true(fake_irqs[12].level);
    assert_false(fake_irqs[1].level);
    assert_int_equal(read_data(f), 0x5a);
    assert_false(fake_irqs[12].level);

    command(f, 0xd4); /* to the mouse: nobody answers */
    write_data(f, 0xf2);
    assert_int_equal(status(f) & (STR_OBF | STR_AUXDATA | STR_TIMEOUT),
                     STR_OBF | STR_AUXDATA | STR_TIMEOUT);
    assert_int_equal(read_data(f), 0xfe);

    command(f, 0xd2); /* keyboard loopback */
    write_data(f, 0x33);
    assert_int_equal(status(f) & (STR_OBF | STR_AUXDATA), STR_OBF);
    assert_true(fake_irqs[1].level);
    assert_int_equal(read_data(f), 0x33);
}

static void output_buffer_overflow_is_contained(void **state)
{
    struct fixture *f = *state;
    for (unsigned i = 0; i < 40; i++)
        command(f, 0xaa);
    unsigned n = 0;
    while (status(f) & STR_OBF) {
        assert_int_equal(read_data(f), 0x55);
        n++;
    }
    assert_int_equal(n, I8042_QUEUE_SIZE);
    assert_int_equal(read_data(f), 0x55); /* empty: the last byte again */
}

/* Runs fn with stderr going to a temporary file and returns what it printed. */
static void capture_stderr(void (*fn)(struct fixture *), struct fixture *f, char *out, size_t len)
{
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(tmp), STDERR_FILENO);
    fn(f);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    size_t n = fread(out, 1, len - 1, tmp);
    out[n] = 0;
    fclose(tmp);
}

static void pulse_reset_twice(struct fixture *f)
{
    command(f, 0xfe);
    command(f, 0xfe);
}

static void reset_line_stops_the_machine(void **state)
{
    struct fixture *f = *state;
    command(f, 0xff); /* pulse no line */
    assert_false(machine__stopping(&f->m));

    char printed[256];
    capture_stderr(pulse_reset_twice, f, printed, sizeof(printed));
    assert_true(machine__stopping(&f->m));
    assert_int_equal(atomic_load(&f->m.stop_reason), MACHINE_STOP_RESET);
    assert_int_equal(f->m.exit_status, 0);
    assert_string_equal(printed, "strata: guest reset (i8042)\n");
}

static void output_port_reset(void **state)
{
    struct fixture *f = *state;
    command(f, 0xd0);
    assert_int_equal(read_data(f), 0x03); /* reset line high, A20 on */
    command(f, 0xd1);
    write_data(f, 0x03);
    assert_false(machine__stopping(&f->m));
    command(f, 0xd1);
    write_data(f, 0x02); /* reset line low */
    assert_true(machine__stopping(&f->m));
    assert_int_equal(atomic_load(&f->m.stop_reason), MACHINE_STOP_RESET);
}

static void save_and_load(void **state)
{
    struct fixture *f = *state;
    struct i8042_state saved, copy;
    struct err err;
    command(f, 0x60);
    write_data(f, 0x03);
    write_data(f, 0xf2);
    i8042__save(f->kbc, &saved);
    assert_int_equal(saved.count, 3);

    struct i8042 *other = i8042__create(&f->m, &err);
    assert_non_null(other);
    fake_irqs[1].level = false;
    assert_int_equal(i8042__load(other, &saved, &err), 0);
    assert_true(fake_irqs[1].level);
    i8042__save(other, &copy);
    assert_memory_equal(&saved, &copy, sizeof(saved));
    assert_int_equal(i8042_data_bus_ops.read(other, 0, 1), 0xfa);

    saved.count = I8042_QUEUE_SIZE + 1;
    assert_int_equal(i8042__load(other, &saved, &err), -1);
    saved.count = 0;
    saved.version = 0;
    assert_int_equal(i8042__load(other, &saved, &err), -1);
    i8042__destroy(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(power_on_state, setup, teardown),
        cmocka_unit_test_setup_teardown(self_tests, setup, teardown),
        cmocka_unit_test_setup_teardown(command_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(keyboard_answers_with_interrupts, setup, teardown),
        cmocka_unit_test_setup_teardown(aux_port_without_mouse, setup, teardown),
        cmocka_unit_test_setup_teardown(output_buffer_overflow_is_contained, setup, teardown),
        cmocka_unit_test_setup_teardown(reset_line_stops_the_machine, setup, teardown),
        cmocka_unit_test_setup_teardown(output_port_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(save_and_load, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
