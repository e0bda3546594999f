/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qcow2_img.h - what `strata img` does to qcow2 images beyond reading and
 * writing them: create, check and repair, internal snapshots, backing file
 * changes, resize, emptying, compressed writes, and what info shows.
 * Functions taking a block_backend want one that qcow2__open made.
 */
#ifndef STRATA_BLOCK_QCOW2_IMG_H
#define STRATA_BLOCK_QCOW2_IMG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "block/block.h"
#include "block/qcow2.h"
#include "util/err.h"

struct qcow2_create_opts {
    const char *path;
    uint64_t size;
    unsigned cluster_bits;   /* 0: 16 (64 KiB) */
    unsigned version;        /* 0: 3 */
    unsigned refcount_order; /* bits = 1 << order; 4 (16 bits) by default */
    bool zstd;
    const char *backing_file, *backing_format;
};
int qcow2__create(const struct qcow2_create_opts *o, struct err *err);
int qcow2__header_bytes(const struct qcow2_header *h, uint8_t *buf, size_t cluster_size);
int qcow2__write_header(struct qcow2 *q);

/* What the header says (pointers stay valid while b is open). */
const struct qcow2_header *qcow2__header(struct block_backend *b);
const struct qcow2_snapshot *qcow2__snapshots(struct block_backend *b, uint32_t *n);

enum qcow2_repair { QCOW2_REPAIR_NONE, QCOW2_REPAIR_LEAKS, QCOW2_REPAIR_ALL };
struct qcow2_check_result {
    uint64_t corruptions, leaks, corruptions_fixed, leaks_fixed;
    uint64_t image_end, total_clusters, allocated_clusters, fragmented_clusters,
        compressed_clusters;
    int check_errors;
};
/* Counts references, compares them with the refcounts; lines for each finding go to out. */
int qcow2__check(struct block_backend *b, enum qcow2_repair repair, FILE *out,
                 struct qcow2_check_result *r, struct err *err);

int qcow2__snapshot_create(struct block_backend *b, const char *name, struct err *err);
int qcow2__snapshot_apply(struct block_backend *b, const char *name, struct err *err);
int qcow2__snapshot_delete(struct block_backend *b, const char *name, struct err *err);

/* Rewrites the header's backing file name and format (NULL file: none). */
int qcow2__set_backing(struct block_backend *b, const char *file, const char *format,
                       struct err *err);
int qcow2__resize(struct block_backend *b, uint64_t size, bool shrink, struct err *err);
/* Every cluster back to unallocated (reads from the backing file again). */
int qcow2__make_empty(struct block_backend *b, struct err *err);
/* Writes whole clusters compressed (a short last one plainly). */
int qcow2__pwrite_compressed(struct block_backend *b, const void *buf, size_t len, uint64_t offset);

#endif
