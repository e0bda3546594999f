/* SPDX-License-Identifier: Apache-2.0 */
/*
 * copy.h - whole-image copies with several requests in flight, skipping
 * what reads as zeroes (strata img convert), and the status of a range
 * through a backing chain.
 */
#ifndef STRATA_BLOCK_COPY_H
#define STRATA_BLOCK_COPY_H

#include <stdbool.h>
#include <stdint.h>

#include "block/block.h"

struct block_copy_opts {
    unsigned threads;     /* requests in flight */
    uint64_t chunk;       /* bytes per request (a multiple of granularity) */
    uint64_t granularity; /* zero blocks of this size are not written */
    bool compress;        /* dst is qcow2: write compressed clusters */
    bool flush;           /* flush dst at the end (qemu-img's -t other than unsafe) */
    void (*progress)(void *arg, uint64_t done, uint64_t total);
    void *progress_arg;
};

/* Copies src's contents (as far as both are large) into dst, a new image. */
int block__copy(struct block_backend *src, struct block_backend *dst,
                const struct block_copy_opts *o);

/* block__status, looking through unallocated ranges into the backing chain. */
int block__status_deep(struct block_backend *b, uint64_t offset, uint64_t len, uint64_t *pnum,
                       unsigned *status);
bool block__is_zero(const void *buf, size_t len);

#endif
