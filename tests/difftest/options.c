// SPDX-License-Identifier: Apache-2.0
/* options.c - parsing --cases, --seed, --max-failures, --random-only, --all-corners (see
 * options.h). */
#include "options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int number(const char *arg, uint64_t *value)
{
    char *end;
    if (!arg || !*arg)
        return -1;
    *value = strtoull(arg, &end, 0);
    return *end ? -1 : 0;
}

int options__parse(struct options *opts, int argc, char **argv, const char *usage)
{
    for (int i = 1; i < argc; i++) {
        uint64_t v;
        if (!strcmp(argv[i], "--cases") && !number(argv[i + 1], &v)) {
            opts->cases = v;
            i++;
        } else if (!strcmp(argv[i], "--seed") && !number(argv[i + 1], &v)) {
            opts->seed = v;
            i++;
        } else if (!strcmp(argv[i], "--max-failures") && !number(argv[i + 1], &v)) {
            opts->max_failures = (unsigned)v;
            i++;
        } else if (!strcmp(argv[i], "--random-only")) {
            opts->random_only = true;
        } else if (!strcmp(argv[i], "--all-corners")) {
            opts->all_corners = true;
        } else {
            fprintf(stderr, "%s", usage);
            return -1;
        }
    }
    return 0;
}
