// SPDX-License-Identifier: Apache-2.0
/*
 * qcow2_cluster.c - guest clusters: finding one through L1 and L2 (QEMU
 * docs/interop/qcow2.txt, "Cluster mapping"), reading it (data, zeroes,
 * compressed data, or the backing file's), writing it (in place when the
 * image alone owns it, else into a new cluster: copy-on-write from the
 * backing file, a zero or compressed cluster, or a snapshot's shared
 * cluster), and zeroing or discarding it.
 *
 * Write order for a new cluster: refcount, data, L2 entry; then the old
 * cluster's refcount drops. A new L2 table is written whole before its L1
 * entry. A shared L2 table is copied before it is changed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block/qcow2.h"
#include "util/log.h"

uint64_t qcow2__entry_offset(uint64_t entry)
{
    return entry & QCOW2_OFFSET_MASK;
}

bool qcow2__offset_ok(struct qcow2 *q, uint64_t off, uint64_t len)
{
    return off && off <= q->file_end && len <= q->file_end - off;
}

static bool overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return alen && blen && a < b + blen && b < a + alen;
}

bool qcow2__overlaps_metadata(struct qcow2 *q, uint64_t off, uint64_t len)
{
    uint64_t cs = q->cluster_size;
    if (overlap(off, len, 0, cs) || overlap(off, len, q->h.l1_offset, (uint64_t)q->h.l1_size * 8) ||
        overlap(off, len, q->h.reftable_offset, (uint64_t)q->h.reftable_clusters * cs) ||
        overlap(off, len, q->h.snapshots_offset, q->snapshots_len))
        return true;
    for (uint64_t i = 0; i < q->reftable_entries; i++)
        if (overlap(off, len, q->reftable[i], cs))
            return true;
    for (uint32_t i = 0; i < q->h.l1_size; i++)
        if (overlap(off, len, qcow2__entry_offset(q->l1[i]), cs))
            return true;
    return false;
}

static unsigned csize_shift(struct qcow2 *q)
{
    return 62 - (q->h.cluster_bits - 8);
}

static enum qcow2_kind kind_of(struct qcow2 *q, uint64_t entry)
{
    if (entry & QCOW2_OFLAG_COMPRESSED)
        return QCOW2_COMPRESSED;
    if (entry & QCOW2_OFLAG_ZERO && q->h.version >= 3)
        return QCOW2_ZERO;
    return qcow2__entry_offset(entry) ? QCOW2_NORMAL : QCOW2_UNALLOCATED;
}

static int write_l1_entry(struct qcow2 *q, uint64_t idx)
{
    uint8_t b[8];
    qcow2_put64(b, q->l1[idx]);
    return qcow2__pwrite(q, b, 8, q->h.l1_offset + idx * 8);
}

/*
 * The L2 table for guest offset: NULL with *rc = 0 if there is none and
 * alloc is false. With alloc, the table is made (or copied if shared) so
 * that it can be changed; *l2_off gets its host offset.
 */
static uint8_t *get_l2(struct qcow2 *q, uint64_t guest, bool alloc, uint64_t *l2_off, int *rc)
{
    uint64_t idx = guest >> (q->h.cluster_bits + q->l2_bits);
    *rc = 0;
    if (idx >= q->h.l1_size) {
        *rc = -EIO;
        return NULL;
    }
    uint64_t e = q->l1[idx], off = qcow2__entry_offset(e);
    if (!off) {
        if (!alloc)
            return NULL;
        off = qcow2__alloc_clusters(q, 1, rc);
        if (!off)
            return NULL;
        uint8_t *t = qcow2__cache_get(q, &q->l2_cache, off, true, rc);
        if (!t || (*rc = qcow2__pwrite(q, t, q->cluster_size, off))) {
            qcow2__cache_drop(&q->l2_cache, off);
            return NULL;
        }
        q->l1[idx] = off | QCOW2_OFLAG_COPIED;
        if ((*rc = write_l1_entry(q, idx))) {
            q->l1[idx] = e;
            return NULL;
        }
        *l2_off = off;
        return t;
    }
    if (e & QCOW2_L1_RESERVED & ~0x1ffull) {
        log_ratelimited("qcow2 '%s': reserved bits set in L1 entry %" PRIu64, q->path, idx);
    }
    if (!qcow2__offset_ok(q, off, q->cluster_size) ||
        (alloc && (overlap(off, q->cluster_size, 0, q->cluster_size) ||
                   overlap(off, q->cluster_size, q->h.l1_offset, (uint64_t)q->h.l1_size * 8) ||
                   overlap(off, q->cluster_size, q->h.reftable_offset,
                           (uint64_t)q->h.reftable_clusters * q->cluster_size)))) {
        log_ratelimited("qcow2 '%s': L2 table offset %#" PRIx64 " is bad", q->path, off);
        *rc = -EIO;
        return NULL;
    }
    uint8_t *t = qcow2__cache_get(q, &q->l2_cache, off, false, rc);
    if (!t || !alloc || (e & QCOW2_OFLAG_COPIED)) {
        *l2_off = off;
        return t;
    }
    uint64_t ref;
    if ((*rc = qcow2__refcount_get(q, off >> q->h.cluster_bits, &ref)))
        return NULL;
    if (ref == 1) {
        q->l1[idx] = e | QCOW2_OFLAG_COPIED;
        if ((*rc = write_l1_entry(q, idx)))
            return NULL;
        *l2_off = off;
        return t;
    }
    /* Shared with a snapshot: copy it, point L1 at the copy, drop the old reference. */
    uint64_t nw = qcow2__alloc_clusters(q, 1, rc);
    if (!nw)
        return NULL;
    t = qcow2__cache_get(q, &q->l2_cache, off, false, rc);
    if (!t)
        return NULL;
    memcpy(q->bounce2, t, q->cluster_size);
    uint8_t *n = qcow2__cache_get(q, &q->l2_cache, nw, true, rc);
    if (!n)
        return NULL;
    memcpy(n, q->bounce2, q->cluster_size);
    if ((*rc = qcow2__pwrite(q, n, q->cluster_size, nw))) {
        qcow2__cache_drop(&q->l2_cache, nw);
        return NULL;
    }
    q->l1[idx] = nw | QCOW2_OFLAG_COPIED;
    if ((*rc = write_l1_entry(q, idx)) || (*rc = qcow2__refcount_update(q, off, 1, -1)))
        return NULL;
    *l2_off = nw;
    return qcow2__cache_get(q, &q->l2_cache, nw, false, rc);
}

static uint64_t l2_index(struct qcow2 *q, uint64_t guest)
{
    return (guest >> q->h.cluster_bits) & (q->l2_entries - 1);
}

int qcow2__lookup(struct qcow2 *q, uint64_t guest, uint64_t *entry, enum qcow2_kind *kind)
{
    int rc;
    uint64_t l2_off;
    uint8_t *t = get_l2(q, guest, false, &l2_off, &rc);
    *entry = 0;
    *kind = QCOW2_UNALLOCATED;
    if (!t)
        return rc;
    *entry = qcow2_be64(t + l2_index(q, guest) * 8);
    *kind = kind_of(q, *entry);
    return 0;
}

/* The host bytes of a compressed cluster: offset and length. */
static void compressed_range(struct qcow2 *q, uint64_t entry, uint64_t *off, uint64_t *len)
{
    unsigned shift = csize_shift(q);
    *off = entry & ((1ull << shift) - 1);
    uint64_t nsect = ((entry >> shift) & ((1ull << (q->h.cluster_bits - 8)) - 1)) + 1;
    *len = nsect * 512 - (*off & 511);
}

/* Reads the whole guest cluster's current contents into buf (cluster_size bytes). */
static int read_whole(struct qcow2 *q, uint64_t guest, uint64_t entry, enum qcow2_kind kind,
                      uint8_t *buf);

static int read_backing(struct qcow2 *q, uint64_t guest, uint8_t *buf, size_t len)
{
    if (!q->backing || guest >= q->backing->size) {
        memset(buf, 0, len);
        return 0;
    }
    size_t n = len;
    if (guest + n > q->backing->size)
        n = (size_t)(q->backing->size - guest);
    struct iovec v = {.iov_base = buf, .iov_len = n};
    int rc = q->backing->ops->preadv(q->backing, &v, 1, guest);
    if (n < len)
        memset(buf + n, 0, len - n);
    return rc;
}

static int read_compressed(struct qcow2 *q, uint64_t entry, uint8_t *out)
{
    uint64_t off, len;
    compressed_range(q, entry, &off, &len);
    if (!off || off >= q->file_end) {
        log_ratelimited("qcow2 '%s': compressed cluster at %#" PRIx64 " is past the end", q->path,
                        off);
        return -EIO;
    }
    if (len > q->file_end - off)
        len = q->file_end - off; /* the last compressed cluster may end before its sector */
    if (len > 2 * q->cluster_size)
        return -EIO;
    uint8_t *in = malloc(len);
    if (!in)
        return -ENOMEM;
    int rc = qcow2__pread(q, in, len, off);
    if (!rc && qcow2__decompress(q->h.compression_type, in, len, out, q->cluster_size)) {
        log_ratelimited("qcow2 '%s': compressed cluster at %#" PRIx64 " does not decompress",
                        q->path, off);
        rc = -EIO;
    }
    free(in);
    return rc;
}

static int read_normal(struct qcow2 *q, uint64_t entry, uint64_t in_off, uint8_t *buf, size_t len)
{
    uint64_t host = qcow2__entry_offset(entry);
    if (entry & 0x1ff & ~QCOW2_OFLAG_ZERO) {
        log_ratelimited("qcow2 '%s': data cluster %#" PRIx64 " is not aligned", q->path, entry);
        return -EIO;
    }
    if (!qcow2__offset_ok(q, host, q->cluster_size)) {
        /* The last cluster of an image written by others may end early. */
        if (host >= q->file_end) {
            log_ratelimited("qcow2 '%s': data cluster %#" PRIx64 " is past the end of the file",
                            q->path, host);
            return -EIO;
        }
        uint64_t have = q->file_end - host;
        if (in_off >= have) {
            memset(buf, 0, len);
            return 0;
        }
        size_t n = in_off + len > have ? (size_t)(have - in_off) : len;
        memset(buf + n, 0, len - n);
        return qcow2__pread(q, buf, n, host + in_off);
    }
    return qcow2__pread(q, buf + 0, len, host + in_off);
}

static int read_whole(struct qcow2 *q, uint64_t guest, uint64_t entry, enum qcow2_kind kind,
                      uint8_t *buf)
{
    uint64_t base = guest & ~(q->cluster_size - 1);
    switch (kind) {
    case QCOW2_UNALLOCATED: return read_backing(q, base, buf, q->cluster_size);
    case QCOW2_ZERO: memset(buf, 0, q->cluster_size); return 0;
    case QCOW2_COMPRESSED: return read_compressed(q, entry, buf);
    case QCOW2_NORMAL: return read_normal(q, entry, 0, buf, q->cluster_size);
    }
    return -EIO;
}

int qcow2__read_cluster_part(struct qcow2 *q, uint64_t guest, uint8_t *buf, size_t len)
{
    uint64_t entry;
    enum qcow2_kind kind;
    int rc = qcow2__lookup(q, guest, &entry, &kind);
    if (rc)
        return rc;
    uint64_t in_off = guest & (q->cluster_size - 1);
    switch (kind) {
    case QCOW2_UNALLOCATED: return read_backing(q, guest, buf, len);
    case QCOW2_ZERO: memset(buf, 0, len); return 0;
    case QCOW2_NORMAL: return read_normal(q, entry, in_off, buf, len);
    case QCOW2_COMPRESSED:
        if ((rc = read_compressed(q, entry, q->bounce)))
            return rc;
        memcpy(buf, q->bounce + in_off, len);
        return 0;
    }
    return -EIO;
}

/* Drops the reference an old L2 entry held, once nothing points to it any more. */
static int release(struct qcow2 *q, uint64_t entry)
{
    enum qcow2_kind kind = kind_of(q, entry);
    if (kind == QCOW2_COMPRESSED) {
        uint64_t off, len;
        compressed_range(q, entry, &off, &len);
        if (len > q->file_end - off)
            len = q->file_end - off;
        return qcow2__refcount_update(q, off, len, -1);
    }
    uint64_t host = qcow2__entry_offset(entry);
    if (!host)
        return 0;
    return qcow2__refcount_update(q, host, q->cluster_size, -1);
}

static int set_l2_entry(struct qcow2 *q, uint8_t *t, uint64_t l2_off, uint64_t idx, uint64_t v)
{
    qcow2_put64(t + idx * 8, v);
    return qcow2__pwrite(q, t + idx * 8, 8, l2_off + idx * 8);
}

/* May this data cluster be written in place? */
static int owned(struct qcow2 *q, uint64_t entry, bool *yes)
{
    *yes = false;
    if (kind_of(q, entry) != QCOW2_NORMAL &&
        !(kind_of(q, entry) == QCOW2_ZERO && qcow2__entry_offset(entry)))
        return 0;
    uint64_t host = qcow2__entry_offset(entry);
    if (!qcow2__offset_ok(q, host, q->cluster_size) ||
        qcow2__overlaps_metadata(q, host, q->cluster_size)) {
        log_ratelimited("qcow2 '%s': data cluster %#" PRIx64 " overlaps metadata or the end",
                        q->path, host);
        return -EIO;
    }
    if (entry & QCOW2_OFLAG_COPIED) {
        *yes = true;
        return 0;
    }
    uint64_t ref;
    int rc = qcow2__refcount_get(q, host >> q->h.cluster_bits, &ref);
    *yes = ref == 1;
    return rc;
}

int qcow2__write_cluster_part(struct qcow2 *q, uint64_t guest, const uint8_t *buf, size_t len)
{
    if (q->base.readonly)
        return -EROFS;
    int rc;
    uint64_t l2_off;
    uint8_t *t = get_l2(q, guest, true, &l2_off, &rc);
    if (!t)
        return rc;
    uint64_t idx = l2_index(q, guest), entry = qcow2_be64(t + idx * 8);
    enum qcow2_kind kind = kind_of(q, entry);
    uint64_t in_off = guest & (q->cluster_size - 1);
    bool mine;
    if ((rc = owned(q, entry, &mine)))
        return rc;
    if (mine && kind == QCOW2_NORMAL) {
        if (!(entry & QCOW2_OFLAG_COPIED) &&
            (rc = set_l2_entry(q, t, l2_off, idx, entry | QCOW2_OFLAG_COPIED)))
            return rc;
        return buf ? qcow2__pwrite(q, buf, len, qcow2__entry_offset(entry) + in_off) : 0;
    }
    /* A new cluster (or a preallocated zero cluster we own): its whole contents. */
    uint8_t *whole = q->bounce;
    if (len < q->cluster_size || !buf) {
        if (mine)
            memset(whole, 0, q->cluster_size);
        else if ((rc = read_whole(q, guest, entry, kind, whole)))
            return rc;
        if (buf)
            memcpy(whole + in_off, buf, len);
    } else {
        memcpy(whole, buf, len);
    }
    uint64_t host = mine ? qcow2__entry_offset(entry) : qcow2__alloc_clusters(q, 1, &rc);
    if (!host)
        return rc;
    /* get_l2's table may have been evicted by the allocation. */
    if (!(t = qcow2__cache_get(q, &q->l2_cache, l2_off, false, &rc)))
        return rc;
    if ((rc = qcow2__pwrite(q, whole, q->cluster_size, host)))
        return rc;
    if ((rc = set_l2_entry(q, t, l2_off, idx, host | QCOW2_OFLAG_COPIED)))
        return rc;
    return mine ? 0 : release(q, entry);
}

int qcow2__write_compressed(struct qcow2 *q, uint64_t guest, const uint8_t *data, size_t len)
{
    if (len != q->cluster_size)
        return qcow2__write_cluster_part(q, guest, data, len);
    int rc;
    uint64_t l2_off;
    uint8_t *t = get_l2(q, guest, true, &l2_off, &rc);
    if (!t)
        return rc;
    uint8_t *out = q->bounce2;
    size_t clen = qcow2__compress(q->h.compression_type, data, len, out, q->cluster_size - 512);
    if (!clen)
        return qcow2__write_cluster_part(q, guest, data, len);
    uint64_t idx = l2_index(q, guest), old = qcow2_be64(t + idx * 8);
    uint64_t off = qcow2__alloc_bytes(q, clen, &rc);
    if (!off)
        return rc;
    if ((rc = qcow2__pwrite(q, out, clen, off)))
        return rc;
    uint64_t extra = ((off + clen - 1) >> 9) - (off >> 9);
    uint64_t e = QCOW2_OFLAG_COMPRESSED | extra << csize_shift(q) | off;
    if (!(t = qcow2__cache_get(q, &q->l2_cache, l2_off, false, &rc)))
        return rc;
    if ((rc = set_l2_entry(q, t, l2_off, idx, e)))
        return rc;
    return release(q, old);
}

int qcow2__zero_cluster(struct qcow2 *q, uint64_t guest, bool discard)
{
    if (q->base.readonly)
        return -EROFS;
    int rc;
    uint64_t entry;
    enum qcow2_kind kind;
    if ((rc = qcow2__lookup(q, guest, &entry, &kind)))
        return rc;
    uint64_t want;
    if (!q->backing && (discard || q->h.version < 3))
        want = 0; /* unallocated reads as zeroes without a backing file */
    else if (q->h.version >= 3)
        want = QCOW2_OFLAG_ZERO;
    else if (discard)
        return 0; /* v2 over a backing file: nothing to say "zero" with; discard is advisory */
    else {
        memset(q->bounce2, 0, q->cluster_size);
        return qcow2__write_cluster_part(q, guest, q->bounce2, q->cluster_size);
    }
    if (entry == want)
        return 0;
    if (kind == QCOW2_UNALLOCATED && want == 0)
        return 0;
    uint64_t l2_off;
    uint8_t *t = get_l2(q, guest, true, &l2_off, &rc);
    if (!t)
        return rc;
    uint64_t idx = l2_index(q, guest);
    entry = qcow2_be64(t + idx * 8);
    if ((rc = set_l2_entry(q, t, l2_off, idx, want)))
        return rc;
    return release(q, entry);
}

/*
 * Reads a run of guest clusters whose data lies back to back in the file
 * with one pread. *done = 0 when the first cluster is not plain data (the
 * caller reads it piece by piece).
 */
int qcow2__read_run(struct qcow2 *q, uint64_t guest, uint8_t *buf, size_t len, size_t *done)
{
    *done = 0;
    uint64_t entry;
    enum qcow2_kind kind;
    int rc = qcow2__lookup(q, guest, &entry, &kind);
    if (rc || kind != QCOW2_NORMAL || (entry & 0x1ff))
        return rc;
    uint64_t in_off = guest & (q->cluster_size - 1);
    uint64_t host = qcow2__entry_offset(entry) + in_off;
    size_t n = q->cluster_size - in_off < len ? (size_t)(q->cluster_size - in_off) : len;
    while (n < len) {
        uint64_t next = guest + n, e2;
        if (!(next & ((q->l2_entries << q->h.cluster_bits) - 1)))
            break; /* the next L2 table */
        if ((rc = qcow2__lookup(q, next, &e2, &kind)))
            return rc;
        if (kind != QCOW2_NORMAL || (e2 & 0x1ff) || qcow2__entry_offset(e2) != host + n)
            break;
        n += q->cluster_size < len - n ? (size_t)q->cluster_size : len - n;
    }
    if (!qcow2__offset_ok(q, host, n))
        return 0; /* the piecewise path says what is wrong */
    if ((rc = qcow2__pread(q, buf, n, host)))
        return rc;
    *done = n;
    return 0;
}

/*
 * Writes whole guest clusters that hold no host cluster yet (unallocated or
 * zero) into freshly allocated, back-to-back clusters: one refcount write,
 * one data write, one L2 write. *done = 0 when that does not apply.
 */
int qcow2__write_run(struct qcow2 *q, uint64_t guest, const uint8_t *buf, size_t len, size_t *done)
{
    *done = 0;
    if (q->base.readonly)
        return -EROFS;
    if ((guest & (q->cluster_size - 1)) || len < 2 * q->cluster_size)
        return 0;
    int rc;
    uint64_t l2_off;
    uint8_t *t = get_l2(q, guest, true, &l2_off, &rc);
    if (!t)
        return rc;
    uint64_t idx = l2_index(q, guest), k = 0;
    uint64_t max = len >> q->h.cluster_bits;
    if (max > q->l2_entries - idx)
        max = q->l2_entries - idx;
    while (k < max) {
        uint64_t e = qcow2_be64(t + (idx + k) * 8);
        if (e != 0 && !(q->h.version >= 3 && e == QCOW2_OFLAG_ZERO))
            break;
        k++;
    }
    if (k < 2)
        return 0;
    uint64_t host = qcow2__alloc_clusters(q, k, &rc);
    if (!host)
        return rc;
    if ((rc = qcow2__pwrite(q, buf, k << q->h.cluster_bits, host)))
        return rc;
    if (!(t = qcow2__cache_get(q, &q->l2_cache, l2_off, false, &rc)))
        return rc;
    for (uint64_t i = 0; i < k; i++)
        qcow2_put64(t + (idx + i) * 8, (host + (i << q->h.cluster_bits)) | QCOW2_OFLAG_COPIED);
    if ((rc = qcow2__pwrite(q, t + idx * 8, k * 8, l2_off + idx * 8)))
        return rc;
    *done = (size_t)(k << q->h.cluster_bits);
    return 0;
}
