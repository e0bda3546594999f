// SPDX-License-Identifier: Apache-2.0
/*
 * test_board.c - unit tests for the board wiring (src/board/board.c) and
 * the host console (src/board/console.c, src/util/term.c): stdin from a
 * pipe, from /dev/null, closed, and from a pseudo-terminal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "board/board.h"
#include "board/console.h"
#include "fake_machine.h"

#define COM1 0x3f8

struct fixture {
    struct machine m;
    struct board_slots slots;
    struct board_legacy legacy;
    struct console *console;
    int saved_stdin;
};

static int setup(void **state)
{
    static struct fixture f;
    struct err err;
    fake_machine__init(&f.m, 64 << 20);
    board_slots__init(&f.slots);
    assert_int_equal(board__create_legacy(&f.legacy, &f.m, &f.slots, &err), 0);
    f.console = NULL;
    f.saved_stdin = dup(STDIN_FILENO);
    if (f.saved_stdin < 0) /* run with stdin closed: hold fd 0 so tests' new fds land elsewhere */
        assert_int_equal(open("/dev/null", O_RDONLY), STDIN_FILENO);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    console__destroy(f->console);
    board__destroy_legacy(&f->legacy);
    fake_machine__destroy(&f->m);
    if (f->saved_stdin >= 0) {
        dup2(f->saved_stdin, STDIN_FILENO);
        close(f->saved_stdin);
    } else {
        close(STDIN_FILENO);
    }
    return 0;
}

static uint8_t inb(struct machine *m, uint16_t port)
{
    uint64_t value;
    bus__read(&m->pio, port, 1, &value);
    return (uint8_t)value;
}

static void outb(struct machine *m, uint16_t port, uint8_t value)
{
    bus__write(&m->pio, port, 1, value);
}

/* Reads n bytes from COM1 as a polling driver would; false if they do not come within 5 s. */
static bool com1_read(struct machine *m, uint8_t *out, size_t n)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    size_t got = 0;
    while (got < n) {
        if (inb(m, COM1 + 5) & 0x01) {
            out[got++] = inb(m, COM1);
            continue;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > 5)
            return false;
        usleep(1000);
    }
    return true;
}

static void devices_on_their_ports(void **state)
{
    struct fixture *f = *state;
    struct machine *m = &f->m;
    uint64_t value;
    assert_int_equal(inb(m, COM1 + 5), 0x60);    /* LSR */
    assert_int_equal(inb(m, 0x64) & 0x10, 0x10); /* i8042 status */
    outb(m, 0x70, 0x0d);
    assert_int_equal(inb(m, 0x71), 0x80);              /* RTC register D */
    assert_false(bus__read(&m->pio, 0x61, 1, &value)); /* port B is not the board's */
    assert_false(bus__read(&m->pio, COM1 + 8, 1, &value));
    assert_false(machine__stopping(m));
    outb(m, 0x501, 9);
    assert_int_equal(atomic_load(&m->stop_reason), MACHINE_STOP_EXIT);
    assert_int_equal(m->exit_status, 9);
}

/* The ACPI sleep control register: SLP_EN with \_S5's type powers off; other types do nothing. */
static void sleep_registers_power_off(void **state)
{
    struct fixture *f = *state;
    struct machine *m = &f->m;
    assert_int_equal(inb(m, 0x601), 0); /* status: no wake event */
    outb(m, 0x600, 5 << 2);             /* S5 without SLP_EN */
    outb(m, 0x600, 1 << 2 | 0x20);      /* S1 with SLP_EN: not supported */
    assert_false(machine__stopping(m));
    outb(m, 0x600, 5 << 2 | 0x20);
    assert_int_equal(atomic_load(&m->stop_reason), MACHINE_STOP_POWEROFF);
    assert_int_equal(m->exit_status, 0);
}

static void stdin_from(int fd)
{
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
}

static void piped_input_reaches_the_guest(void **state)
{
    struct fixture *f = *state;
    struct err err;
    int p[2];
    assert_int_equal(pipe(p), 0);
    stdin_from(p[0]);
    assert_non_null(f->console = console__create(&f->m, f->legacy.com1, NULL, &err));

    /* More than the FIFO holds: the rest must wait, not be lost. Ctrl-A is plain data here. */
    uint8_t in[100], out[100];
    for (unsigned i = 0; i < sizeof(in); i++)
        in[i] = (uint8_t)(i % 7 ? 'a' + i % 26 : 0x01);
    outb(&f->m, COM1 + 2, 0x01); /* FIFO on */
    assert_int_equal(write(p[1], in, sizeof(in)), sizeof(in));
    assert_true(com1_read(&f->m, out, sizeof(out)));
    assert_memory_equal(in, out, sizeof(in));

    close(p[1]); /* end of input: the reader ends, the machine runs on */
    usleep(20000);
    assert_false(machine__stopping(&f->m));
    console__destroy(f->console);
    f->console = NULL;
}

static void dev_null_and_closed_stdin(void **state)
{
    struct fixture *f = *state;
    struct err err;
    int fd = open("/dev/null", O_RDONLY);
    assert_true(fd >= 0);
    stdin_from(fd);
    assert_non_null(f->console = console__create(&f->m, f->legacy.com1, NULL, &err));
    usleep(20000);
    assert_false(machine__stopping(&f->m));
    console__destroy(f->console);
    f->console = NULL;

    close(STDIN_FILENO);
    assert_non_null(f->console = console__create(&f->m, f->legacy.com1, NULL, &err));
    console__destroy(f->console);
    f->console = NULL;
    assert_false(machine__stopping(&f->m));
}

static void terminal_raw_mode_and_escapes(void **state)
{
    struct fixture *f = *state;
    struct err err;
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) || unlockpt(master)) {
        print_message("skipped: no pseudo-terminal (posix_openpt) for the raw-mode test\n");
        skip();
    }
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    assert_true(slave >= 0);
    struct termios before, during, after;
    tcgetattr(slave, &before);
    assert_true(before.c_lflag & ICANON);
    stdin_from(slave);

    assert_non_null(f->console = console__create(&f->m, f->legacy.com1, NULL, &err));
    tcgetattr(STDIN_FILENO, &during);
    assert_false(during.c_lflag & (ICANON | ECHO | ISIG));
    assert_false(during.c_iflag & (ICRNL | IXON));
    assert_true(during.c_oflag & OPOST); /* output processing kept */

    /* C-a C-a sends one C-a; C-a z is swallowed; C-a x quits. */
    const char keys[] = "hi\x01\x01\x01zok\x01x";
    assert_int_equal(write(master, keys, sizeof(keys) - 1), sizeof(keys) - 1);
    uint8_t out[5];
    assert_true(com1_read(&f->m, out, sizeof(out)));
    assert_memory_equal(out, "hi\x01ok", 5);
    for (int i = 0; i < 500 && !machine__stopping(&f->m); i++)
        usleep(1000);
    assert_int_equal(atomic_load(&f->m.stop_reason), MACHINE_STOP_USER);
    assert_int_equal(f->m.exit_status, 0);

    console__destroy(f->console);
    f->console = NULL;
    tcgetattr(STDIN_FILENO, &after);
    assert_int_equal(after.c_iflag, before.c_iflag);
    assert_int_equal(after.c_oflag, before.c_oflag);
    assert_int_equal(after.c_cflag, before.c_cflag);
    assert_int_equal(after.c_lflag, before.c_lflag);
    assert_memory_equal(after.c_cc, before.c_cc, sizeof(before.c_cc));
    close(master);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(devices_on_their_ports, setup, teardown),
        cmocka_unit_test_setup_teardown(sleep_registers_power_off, setup, teardown),
        cmocka_unit_test_setup_teardown(piped_input_reaches_the_guest, setup, teardown),
        cmocka_unit_test_setup_teardown(dev_null_and_closed_stdin, setup, teardown),
        cmocka_unit_test_setup_teardown(terminal_raw_mode_and_escapes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
