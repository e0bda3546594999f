// SPDX-License-Identifier: Apache-2.0
/* fmt.c - see fmt.h. */
#include "ct/fmt.h"

#include <stdarg.h>
#include <stdio.h>

int ct_fmt(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, size, fmt, ap);
    va_end(ap);
    return n;
}
