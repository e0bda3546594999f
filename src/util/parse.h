/* SPDX-License-Identifier: Apache-2.0 */
/* parse.h - strict parsing of command-line numbers: sizes, counts, durations. */
#ifndef STRATA_UTIL_PARSE_H
#define STRATA_UTIL_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A byte size: digits with an optional K, M, G or T suffix (binary units, "B"
 * or "iB" may follow); no suffix means MiB, as with QEMU's -m. False on junk,
 * overflow or trailing characters.
 */
bool parse__size(const char *s, uint64_t *out);

/* A decimal unsigned integer within [min, max]; false otherwise. */
bool parse__uint(const char *s, unsigned min, unsigned max, unsigned *out);

/* A positive, finite number of seconds (fractions allowed). */
bool parse__seconds(const char *s, double *out);

#endif
