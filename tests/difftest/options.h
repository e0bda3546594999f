/* SPDX-License-Identifier: Apache-2.0 */
/* options.h - the command line shared by difftest and its self-test. */
#ifndef STRATA_TESTS_DIFFTEST_OPTIONS_H
#define STRATA_TESTS_DIFFTEST_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

struct options {
    uint64_t cases;        /* total cases: the enumeration first, random sequences after */
    uint64_t seed;         /* of the random values and sequences */
    unsigned max_failures; /* printed in full */
    bool random_only;      /* skip the enumeration */
    bool all_corners;      /* compare the vendor-specific corners on any host (corners.h) */
};

/* Parses argv into opts (whose fields hold the defaults); prints usage and returns -1 on error. */
int options__parse(struct options *opts, int argc, char **argv, const char *usage);

#endif
