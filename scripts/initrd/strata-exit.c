// SPDX-License-Identifier: Apache-2.0
/*
 * strata-exit.c - ends the VM with a status from inside the guest: writes one
 * byte to Strata's exit device (I/O port 0x501, see DESIGN.md "Booting") from
 * user space. Busybox has no outb and Debian's kernel has no /dev/port
 * (CONFIG_DEVPORT is off), so the initramfs carries this small program. It
 * asks for the port with ioperm(2) (needs CONFIG_X86_IOPL_IOPERM and root),
 * then executes OUT; on the exit device the VM ends there. If it returns, the
 * VMM has no exit device and the program exits 1.
 *
 * Freestanding: no libc, raw Linux x86-64 system calls (linux-raw.h), built
 * static with -nostdlib by scripts/guest. Usage: strata-exit STATUS (0-255).
 */
#include "linux-raw.h"

/* Parses a decimal number 0-255; returns -1 for anything else. */
static int parse_status(const char *s)
{
    int value = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        value = value * 10 + (*s - '0');
        if (value > 255)
            return -1;
    }
    return value;
}

__attribute__((noreturn, used)) void strata_exit_main(long *stack)
{
    long argc = stack[0];
    char **argv = (char **)(stack + 1);
    int status = argc == 2 ? parse_status(argv[1]) : -1;

    if (status < 0) {
        write_string(2, "usage: strata-exit STATUS (0-255)\n");
        exit_group(2);
    }
    if (exit_device_write(status) < 0) {
        write_string(2, "strata-exit: ioperm(0x501) failed\n");
        exit_group(1);
    }
    write_string(2, "strata-exit: no exit device at port 0x501\n");
    exit_group(1);
}

PROCESS_ENTRY(strata_exit_main);
