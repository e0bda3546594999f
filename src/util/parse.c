// SPDX-License-Identifier: Apache-2.0
/* parse.c - strict number parsing for the command line (see parse.h). */
#include "util/parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool parse__size(const char *s, uint64_t *out)
{
    if (!s || !isdigit((unsigned char)*s))
        return false;
    errno = 0;
    char *end;
    unsigned long long n = strtoull(s, &end, 10);
    if (errno)
        return false;

    unsigned shift = 20; /* no suffix: MiB */
    if (*end) {
        switch (toupper((unsigned char)*end)) {
        case 'B': shift = 0; break;
        case 'K': shift = 10; break;
        case 'M': shift = 20; break;
        case 'G': shift = 30; break;
        case 'T': shift = 40; break;
        default: return false;
        }
        end++;
        if (shift && (!strcasecmp(end, "iB") || !strcasecmp(end, "B")))
            end += strlen(end);
        if (*end)
            return false;
    }
    if (shift && n > (UINT64_MAX >> shift))
        return false;
    *out = (uint64_t)n << shift;
    return true;
}

bool parse__uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
    if (!s || !isdigit((unsigned char)*s))
        return false;
    errno = 0;
    char *end;
    unsigned long n = strtoul(s, &end, 10);
    if (errno || *end || n < min || n > max)
        return false;
    *out = (unsigned)n;
    return true;
}

bool parse__seconds(const char *s, double *out)
{
    if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
        return false;
    errno = 0;
    char *end;
    double d = strtod(s, &end);
    if (errno || *end || !isfinite(d) || d <= 0)
        return false;
    *out = d;
    return true;
}
