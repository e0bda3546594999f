/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ring3_hash.h - the compute loop the ring3 guest runs at CPL 3: an integer
 * mix of a 64-bit state over a few million steps (FNV-1a's multiplier and an
 * xorshift). The same function is compiled into the build-time generator of
 * its expected result (ring3_expected_gen.c) and into the guest, so the two
 * cannot drift apart.
 */
#ifndef GUEST_RING3_HASH_H
#define GUEST_RING3_HASH_H

#include <stdint.h>

#define RING3_SEED       0xcbf29ce484222325ull
#define RING3_ITERATIONS (8u << 20)

static inline uint64_t ring3_hash(uint64_t seed, uint32_t iterations)
{
    uint64_t h = seed;

    for (uint32_t i = 0; i < iterations; i++) {
        h ^= i;
        h *= 0x100000001b3ull;
        h ^= h >> 29;
    }
    return h;
}

#endif
