/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fmt.h - snprintf for paths and small values in src/ct/. Same result as
 * snprintf(3); a function of its own so that callers that truncate on
 * purpose, or check the length, do not trip -Wformat-truncation.
 */
#ifndef STRATA_CT_FMT_H
#define STRATA_CT_FMT_H

#include <stddef.h>

int ct_fmt(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
