/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qcow2.h - the qcow2 image format (QEMU's docs/interop/qcow2.txt, version 3
 * read and written, version 2 read and written in its own layout): the
 * on-disk constants, the parsed header, and the image object shared by the
 * qcow2_*.c files.
 *
 * Layout in brief: a header in cluster 0; a guest offset splits into an L1
 * index, an L2 index and an offset in the cluster; L1 entries point to L2
 * tables, L2 entries to data clusters (or say "zero", or "compressed", or
 * "ask the backing file"); every host cluster in use has a reference count
 * in a refcount block, found through the refcount table. Internal
 * snapshots are saved L1 tables whose clusters are shared by counting
 * references; a cluster with refcount > 1 is copied before it is written.
 *
 * Locking: one mutex per image around every operation (the block layer's
 * calls are synchronous and may come from several I/O threads).
 * Metadata is written through, in an order that keeps the file consistent
 * whenever the process dies: data before the L2 entry that points to it,
 * refcount increments before the L2/L1 entries that use a cluster, L2 tables
 * before the L1 entries that point to them, and references dropped before
 * refcounts are decremented. flush() is fdatasync.
 */
#ifndef STRATA_BLOCK_QCOW2_H
#define STRATA_BLOCK_QCOW2_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "block/block.h"
#include "util/err.h"

#define QCOW2_MAGIC 0x514649fbu /* "QFI\xfb" */

#define QCOW2_INCOMPAT_DIRTY        (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT      (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE    (1ull << 2)
#define QCOW2_INCOMPAT_COMPRESSION  (1ull << 3)
#define QCOW2_INCOMPAT_EXTL2        (1ull << 4)
#define QCOW2_COMPAT_LAZY_REFCOUNTS (1ull << 0)

#define QCOW2_EXT_END            0x00000000u
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acau
#define QCOW2_EXT_FEATURE_TABLE  0x6803f857u

#define QCOW2_OFLAG_COPIED     (1ull << 63)
#define QCOW2_OFLAG_COMPRESSED (1ull << 62)
#define QCOW2_OFLAG_ZERO       (1ull << 0)
#define QCOW2_OFFSET_MASK      0x00fffffffffffe00ull
#define QCOW2_L1_RESERVED      0x7f000000000001ffull
#define QCOW2_L2_RESERVED      0x3f000000000001feull

#define QCOW2_COMPRESSION_ZLIB 0
#define QCOW2_COMPRESSION_ZSTD 1

/* Limits strata enforces on what an image may ask for (QEMU's are the same or larger). */
#define QCOW2_MAX_L1_BYTES       (32u << 20)
#define QCOW2_MAX_REFTABLE_BYTES (8u << 20)
#define QCOW2_MAX_SNAPSHOTS      65536u
#define QCOW2_MAX_BACKING_NAME   1023u
#define QCOW2_MAX_SIZE           (1ull << 55) /* 32 PiB */
#define QCOW2_MAX_CHAIN          64u

struct qcow2_snapshot {
    uint64_t l1_offset;
    uint32_t l1_size;
    char *id;
    char *name;
    uint32_t date_sec, date_nsec;
    uint64_t vm_clock_nsec;
    uint64_t vm_state_size;
    uint64_t disk_size;
    uint32_t extra_size; /* what the entry holds; strata writes 16 */
    uint64_t icount;     /* ~0: absent */
};

struct qcow2_header {
    uint32_t version;
    uint64_t backing_offset;
    uint32_t backing_size;
    uint32_t cluster_bits;
    uint64_t size;
    uint32_t crypt_method;
    uint32_t l1_size;
    uint64_t l1_offset;
    uint64_t reftable_offset;
    uint32_t reftable_clusters;
    uint32_t nb_snapshots;
    uint64_t snapshots_offset;
    uint64_t incompat, compat, autoclear;
    uint32_t refcount_order;
    uint32_t header_length;
    uint8_t compression_type;
    /* From the extensions and the backing name field. */
    char backing_file[QCOW2_MAX_BACKING_NAME + 1];
    char backing_format[32];
    uint64_t ext_end; /* first byte after the extensions (and where the backing name may go) */
};

/*
 * Parses and checks the header in buf (the image's first cluster or less;
 * file_size bounds the offsets). Errors are one line without the file name.
 */
int qcow2__parse_header(const uint8_t *buf, size_t len, uint64_t file_size, struct qcow2_header *h,
                        struct err *err);

/* Parses nb snapshot entries from buf (the table read from the file). */
int qcow2__parse_snapshots(const uint8_t *buf, size_t len, uint32_t nb, unsigned cluster_bits,
                           uint64_t file_size, struct qcow2_snapshot **out, struct err *err);
void qcow2__free_snapshots(struct qcow2_snapshot *s, uint32_t nb);

/* A small cache of metadata clusters (L2 tables, refcount blocks), written through. */
struct qcow2_cache_entry {
    uint64_t offset; /* 0: empty */
    uint64_t used;   /* LRU stamp */
    uint8_t *data;
};
struct qcow2_cache {
    struct qcow2_cache_entry *e;
    unsigned n;
    uint64_t clock;
};

struct qcow2 {
    struct block_backend base;
    pthread_mutex_t lock;
    int fd;
    char *path;
    struct qcow2_header h;
    uint64_t cluster_size;
    unsigned l2_bits;
    uint64_t l2_entries;
    uint64_t *l1; /* host order, h.l1_size entries */
    uint64_t *reftable;
    uint64_t reftable_entries;
    unsigned refcount_bits;
    uint64_t refblock_entries;
    uint64_t max_refcount;
    struct qcow2_cache l2_cache, ref_cache;
    uint64_t free_hint;       /* cluster index to start looking for a free cluster */
    uint64_t compress_cursor; /* next free byte in the cluster compressed data goes to */
    uint64_t file_end;        /* bytes in the file, as far as strata wrote or found */
    uint64_t snapshots_len;   /* bytes of the snapshot table */
    struct qcow2_snapshot *snaps;
    struct block_backend *backing;
    uint8_t *bounce; /* one cluster, for compressed and COW reads */
    uint8_t *bounce2;
};

/* qcow2.c */
struct block_backend *qcow2__open(const char *path, int fd, const struct block_options *o,
                                  unsigned depth, struct err *err);
int qcow2__pread(struct qcow2 *q, void *buf, size_t len, uint64_t off);
int qcow2__pwrite(struct qcow2 *q, const void *buf, size_t len, uint64_t off);
uint64_t qcow2__file_size(struct qcow2 *q);
int qcow2__load_l1(struct qcow2 *q, uint64_t offset, uint32_t size, uint64_t **out);
int qcow2__load_snapshots(struct qcow2 *q, struct err *err);
/* A backing file name as a path: relative names are resolved against the image's directory. */
int qcow2__backing_path(const char *image, const char *name, char *out, size_t len);

/* qcow2_cache.c */
int qcow2__cache_init(struct qcow2_cache *c, unsigned n, uint64_t cluster_size);
void qcow2__cache_free(struct qcow2_cache *c);
/* The cached cluster at offset, read from the file (or zeroed if fresh). */
uint8_t *qcow2__cache_get(struct qcow2 *q, struct qcow2_cache *c, uint64_t offset, bool fresh,
                          int *rc);
void qcow2__cache_drop(struct qcow2_cache *c, uint64_t offset);

/* qcow2_refcount.c */
int qcow2__refcount_get(struct qcow2 *q, uint64_t cluster, uint64_t *ref);
int qcow2__refcount_set(struct qcow2 *q, uint64_t cluster, uint64_t v);
/* qcow2_snapshot.c: COPIED flags of the active tables set exactly where the refcount is 1. */
int qcow2__fix_copied(struct qcow2 *q);
/* Adds delta to the refcounts of the clusters covering [offset, offset+len). */
int qcow2__refcount_update(struct qcow2 *q, uint64_t offset, uint64_t len, int delta);
/* Allocates n contiguous clusters (refcount 1); returns the host offset or 0 with *rc. */
uint64_t qcow2__alloc_clusters(struct qcow2 *q, uint64_t n, int *rc);
/* Allocates len bytes inside clusters (for compressed data); offset or 0. */
uint64_t qcow2__alloc_bytes(struct qcow2 *q, uint64_t len, int *rc);
int qcow2__reftable_load(struct qcow2 *q, struct err *err);

/* qcow2_cluster.c */
enum qcow2_kind { QCOW2_UNALLOCATED, QCOW2_ZERO, QCOW2_NORMAL, QCOW2_COMPRESSED };
/* What the L2 entry for guest offset says; *entry gets it raw (0 if no L2 table). */
int qcow2__lookup(struct qcow2 *q, uint64_t guest, uint64_t *entry, enum qcow2_kind *kind);
int qcow2__read_cluster_part(struct qcow2 *q, uint64_t guest, uint8_t *buf, size_t len);
int qcow2__write_cluster_part(struct qcow2 *q, uint64_t guest, const uint8_t *buf, size_t len);
int qcow2__read_run(struct qcow2 *q, uint64_t guest, uint8_t *buf, size_t len, size_t *done);
int qcow2__write_run(struct qcow2 *q, uint64_t guest, const uint8_t *buf, size_t len, size_t *done);
int qcow2__zero_cluster(struct qcow2 *q, uint64_t guest, bool discard);
int qcow2__write_compressed(struct qcow2 *q, uint64_t guest, const uint8_t *data, size_t len);
/* Is the host cluster range [off, off+len) free of the image's fixed metadata? */
bool qcow2__overlaps_metadata(struct qcow2 *q, uint64_t off, uint64_t len);
bool qcow2__offset_ok(struct qcow2 *q, uint64_t off, uint64_t len);
uint64_t qcow2__entry_offset(uint64_t entry);

/* qcow2_compress.c */
int qcow2__decompress(uint8_t type, const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len);
/* Compressed size, or 0 when it does not pay off (the caller writes the data plainly). */
size_t qcow2__compress(uint8_t type, const uint8_t *in, size_t in_len, uint8_t *out,
                       size_t out_cap);

/* Big-endian helpers. */
static inline uint64_t qcow2_be64(const uint8_t *p)
{
    return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
           (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
           (uint64_t)p[6] << 8 | p[7];
}
static inline uint32_t qcow2_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint16_t qcow2_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}
static inline void qcow2_put64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}
static inline void qcow2_put32(uint8_t *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}
static inline void qcow2_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

#endif
