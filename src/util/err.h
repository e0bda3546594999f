/* SPDX-License-Identifier: Apache-2.0 */
/*
 * err.h - error out-parameter for fallible functions (crun style).
 *
 * A fallible function takes `struct err *err`, fills it with one lower-case
 * line saying what failed and where, and returns -1 (or NULL). The caller at
 * the top prints it as "strata: <msg>" and picks the exit status.
 */
#ifndef STRATA_UTIL_ERR_H
#define STRATA_UTIL_ERR_H

#include <stdarg.h>

struct err {
    char msg[512];
};

/* Formats the message into err (if err is non-NULL); always returns -1. */
int err__set(struct err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Like err__set, appending ": strerror(errno_value)". */
int err__set_errno(struct err *err, int errno_value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
