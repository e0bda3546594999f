// SPDX-License-Identifier: Apache-2.0
/*
 * tiny-init.c - /init of the tiny kernel's initramfs (scripts/tiny-kernel):
 * the first user-space process of a boot test. It prints INIT-OK on the
 * console and ends the VM through the exit device with status 0, so that a
 * boot to user space is one line of output and a clean exit status.
 *
 * The kernel starts init with fd 0-2 on /dev/console when the initramfs
 * has that node (the cpio does); the program opens it itself as well, in
 * case it does not, and waits for the line to leave the UART before it ends
 * the VM. Freestanding: no libc, raw system calls (linux-raw.h),
 * built static with -nostdlib -mno-sse -mno-mmx by scripts/tiny-kernel.
 */
#include "linux-raw.h"

#define O_WRONLY 1
#define O_NOCTTY 0400
#define TCSBRK   0x5409 /* with a non-zero argument: tcdrain(), wait until the output is sent */

__attribute__((noreturn, used)) void tiny_init_main(long *stack)
{
    (void)stack;
    long fd = syscall3(SYS_OPEN, (long)"/dev/console", O_WRONLY | O_NOCTTY, 0);
    if (fd < 0)
        fd = 1;
    write_string((int)fd, "INIT-OK\n");
    syscall3(SYS_IOCTL, fd, TCSBRK, 1); /* the UART sends from interrupts: let it finish */
    if (exit_device_write(0) < 0)
        write_string((int)fd, "init: ioperm(0x501) failed: no way to end the VM\n");
    else
        write_string((int)fd, "init: no exit device at port 0x501\n");
    exit_group(1); /* the kernel panics: init exited */
}

PROCESS_ENTRY(tiny_init_main);
