/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serial.h - console output on COM1 and a small printf.
 *
 * serial__printf understands %s %c %d %u %x and the l modifier (%ld %lu
 * %lx), enough for the test guests' messages. Output is not locked: callers
 * on several CPUs serialize it themselves.
 */
#ifndef GUEST_SERIAL_H
#define GUEST_SERIAL_H

void serial__putc(char c);
void serial__puts(const char *s);
__attribute__((format(printf, 1, 2))) void serial__printf(const char *fmt, ...);

#endif
