/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux-raw.h - what the initramfs's freestanding programs (strata-exit.c,
 * tiny-init.c) need without a libc: raw Linux x86-64 system calls (the
 * SYSCALL convention of the x86-64 psABI, A.2.1) and the write of a status
 * byte to Strata's exit device (I/O port 0x501, DESIGN.md "Booting"), which
 * ends the VM there.
 */
#ifndef STRATA_INITRD_LINUX_RAW_H
#define STRATA_INITRD_LINUX_RAW_H

#define EXIT_DEVICE_PORT 0x501

#define SYS_WRITE      1
#define SYS_OPEN       2
#define SYS_IOCTL      16
#define SYS_IOPERM     173
#define SYS_EXIT_GROUP 231

static inline long syscall3(long nr, long a, long b, long c)
{
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return ret;
}

static inline __attribute__((noreturn)) void exit_group(int status)
{
    for (;;)
        syscall3(SYS_EXIT_GROUP, status, 0, 0);
}

static inline void write_string(int fd, const char *s)
{
    long len = 0;
    while (s[len])
        len++;
    syscall3(SYS_WRITE, fd, (long)s, len);
}

/*
 * Asks for the exit device's port with ioperm(2) (needs root and
 * CONFIG_X86_IOPL_IOPERM) and writes status there. Returns only if that
 * fails (-1) or the VMM has no exit device (0).
 */
static inline int exit_device_write(int status)
{
    if (syscall3(SYS_IOPERM, EXIT_DEVICE_PORT, 1, 1) != 0)
        return -1;
    __asm__ volatile("outb %b0, %w1" : : "a"(status), "Nd"(EXIT_DEVICE_PORT));
    return 0;
}

/* The process entry: hand the initial stack (argc, argv...) to ENTRY(long *stack), aligned. */
#define PROCESS_ENTRY(entry)       \
    __asm__(".globl _start\n"      \
            "_start:\n"            \
            "    mov %rsp, %rdi\n" \
            "    and $-16, %rsp\n" \
            "    call " #entry "\n")

#endif
