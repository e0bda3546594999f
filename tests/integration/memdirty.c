// SPDX-License-Identifier: Apache-2.0
/*
 * memdirty.c - a Linux userland program (static, run inside the guest) for
 * the live migration test (migrate.sh): it writes MIB MiB with a pattern
 * that depends on the pass, reads it all back against the pattern, and
 * checksums it, PASSES times, printing a line per pass:
 *   pass N ok SUM          (or "pass N BAD K": K words were not as written)
 * and at the end
 *   memdirty: done PASSES passes, checksum SUM, bad K
 * A write lost by a migration (a page sent before it was written and not
 * sent again) shows as BAD; the checksum is the same on every machine, so
 * the test compares it with the host's run of the same program.
 *
 * usage: memdirty MIB PASSES
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t pattern(uint64_t pass, uint64_t i)
{
    uint64_t x = (pass << 40) ^ i ^ 0x9e3779b97f4a7c15ull;
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ull;
    return x ^ (x >> 29);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: memdirty MIB PASSES\n");
        return 2;
    }
    uint64_t words = strtoull(argv[1], NULL, 0) << 17, passes = strtoull(argv[2], NULL, 0);
    uint64_t *buf = malloc(words * sizeof(*buf));
    if (!buf) {
        fprintf(stderr, "memdirty: out of memory\n");
        return 1;
    }
    uint64_t total = 0, bad = 0;
    for (uint64_t p = 1; p <= passes; p++) {
        for (uint64_t i = 0; i < words; i++)
            buf[i] = pattern(p, i);
        uint64_t sum = 0, wrong = 0;
        for (uint64_t i = 0; i < words; i++) {
            wrong += buf[i] != pattern(p, i);
            sum = sum * 31 + buf[i];
        }
        total ^= sum;
        bad += wrong;
        if (wrong)
            printf("pass %llu BAD %llu\n", (unsigned long long)p, (unsigned long long)wrong);
        else
            printf("pass %llu ok %016llx\n", (unsigned long long)p, (unsigned long long)sum);
        fflush(stdout);
    }
    printf("memdirty: done %llu passes, checksum %016llx, bad %llu\n", (unsigned long long)passes,
           (unsigned long long)total, (unsigned long long)bad);
    free(buf);
    return bad ? 1 : 0;
}
