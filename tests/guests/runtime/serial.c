// SPDX-License-Identifier: Apache-2.0
/*
 * serial.c - polled output on the COM1 8250 UART (port 0x3f8).
 *
 * Follows the 8250/16550 register model: wait for LSR.THRE (bit 5, the
 * transmit holding register is empty), then write the byte to THR. No
 * divisor or line setup: a virtual UART transmits at once. "\n" goes out as
 * "\r\n", as a serial terminal expects.
 */
#include "serial.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "x86.h"

#define COM1_BASE 0x3f8
#define UART_THR  0 /* transmit holding register (write) */
#define UART_LSR  5 /* line status register */
#define LSR_THRE  0x20

static void transmit(char c)
{
    while (!(inb(COM1_BASE + UART_LSR) & LSR_THRE))
        cpu_relax();
    outb(COM1_BASE + UART_THR, (uint8_t)c);
}

void serial__putc(char c)
{
    if (c == '\n')
        transmit('\r');
    transmit(c);
}

void serial__puts(const char *s)
{
    while (*s)
        serial__putc(*s++);
}

static void put_unsigned(uint64_t value, unsigned base)
{
    char digits[20]; /* 2^64 - 1 has 20 decimal digits */
    int n = 0;

    do {
        digits[n++] = "0123456789abcdef"[value % base];
        value /= base;
    } while (value);
    while (n)
        serial__putc(digits[--n]);
}

static void put_signed(int64_t value)
{
    if (value < 0) {
        serial__putc('-');
        put_unsigned(-(uint64_t)value, 10);
    } else {
        put_unsigned((uint64_t)value, 10);
    }
}

void serial__printf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            serial__putc(*fmt);
            continue;
        }
        bool is_long = fmt[1] == 'l';
        if (is_long)
            fmt++;
        switch (*++fmt) {
        case 'd': put_signed(is_long ? va_arg(ap, long) : va_arg(ap, int)); break;
        case 'u':
            put_unsigned(is_long ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10);
            break;
        case 'x':
            put_unsigned(is_long ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 16);
            break;
        case 's': serial__puts(va_arg(ap, const char *)); break;
        case 'c': serial__putc((char)va_arg(ap, int)); break;
        case '%': serial__putc('%'); break;
        case '\0': /* a lone '%' at the end */ fmt--; break;
        default: /* unknown conversion: show it as written */
            serial__putc('%');
            serial__putc(*fmt);
            break;
        }
    }
    va_end(ap);
}
