// SPDX-License-Identifier: Apache-2.0
/*
 * qcow2_refcount.c - reference counts of host clusters (QEMU
 * docs/interop/qcow2.txt, "Host cluster management"): the refcount table
 * points to refcount blocks, each an array of 2^refcount_order-bit counts
 * (big-endian, or packed from the low bit for widths under a byte).
 *
 * Allocation looks for free clusters from a hint; a missing refcount
 * block is placed in the first cluster it covers that is free (it counts
 * itself); a full refcount table moves to the end of the file, bigger,
 * together with the blocks that cover it. Every change is written to the
 * file before the caller makes anything point to the cluster.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block/qcow2.h"

int qcow2__reftable_load(struct qcow2 *q, struct err *err)
{
    uint64_t bytes = (uint64_t)q->h.reftable_clusters << q->h.cluster_bits;
    q->reftable_entries = bytes / 8;
    q->reftable = malloc(bytes);
    if (!q->reftable)
        return err__set(err, "out of memory for the refcount table");
    uint8_t *raw = (uint8_t *)q->reftable;
    int rc = qcow2__pread(q, raw, bytes, q->h.reftable_offset);
    if (rc)
        return err__set_errno(err, -rc, "cannot read the refcount table");
    for (uint64_t i = 0; i < q->reftable_entries; i++)
        q->reftable[i] = qcow2_be64(raw + i * 8);
    for (uint64_t i = 0; i < q->reftable_entries; i++) {
        uint64_t off = q->reftable[i];
        if (off & ((q->cluster_size - 1) | 0xff00000000000000ull))
            return err__set(err, "refcount block offset %#llx is bad", (unsigned long long)off);
    }
    return 0;
}

static uint64_t read_entry(struct qcow2 *q, const uint8_t *blk, uint64_t idx)
{
    unsigned bits = q->refcount_bits;
    if (bits >= 8) {
        const uint8_t *p = blk + idx * (bits / 8);
        uint64_t v = 0;
        for (unsigned i = 0; i < bits / 8; i++)
            v = v << 8 | p[i];
        return v;
    }
    unsigned per = 8 / bits;
    return (blk[idx / per] >> ((idx % per) * bits)) & ((1u << bits) - 1);
}

/* Sets the entry in blk and returns the byte range of blk to write back. */
static void write_entry(struct qcow2 *q, uint8_t *blk, uint64_t idx, uint64_t v, uint64_t *at,
                        size_t *len)
{
    unsigned bits = q->refcount_bits;
    if (bits >= 8) {
        unsigned n = bits / 8;
        uint8_t *p = blk + idx * n;
        for (int i = (int)n - 1; i >= 0; i--, v >>= 8)
            p[i] = (uint8_t)v;
        *at = idx * n;
        *len = n;
        return;
    }
    unsigned per = 8 / bits, shift = (unsigned)(idx % per) * bits;
    uint8_t mask = (uint8_t)(((1u << bits) - 1) << shift);
    blk[idx / per] = (uint8_t)((blk[idx / per] & ~mask) | ((v << shift) & mask));
    *at = idx / per;
    *len = 1;
}

int qcow2__refcount_get(struct qcow2 *q, uint64_t cluster, uint64_t *ref)
{
    uint64_t ti = cluster / q->refblock_entries;
    *ref = 0;
    if (ti >= q->reftable_entries || !q->reftable[ti])
        return 0;
    if (!qcow2__offset_ok(q, q->reftable[ti], q->cluster_size))
        return -EIO;
    int rc = 0;
    uint8_t *blk = qcow2__cache_get(q, &q->ref_cache, q->reftable[ti], false, &rc);
    if (!blk)
        return rc;
    *ref = read_entry(q, blk, cluster % q->refblock_entries);
    return 0;
}

static int write_reftable_entry(struct qcow2 *q, uint64_t ti)
{
    uint8_t b[8];
    qcow2_put64(b, q->reftable[ti]);
    return qcow2__pwrite(q, b, 8, q->h.reftable_offset + ti * 8);
}

static int grow_reftable(struct qcow2 *q, uint64_t need_ti);

/* Makes sure a refcount block covers cluster; may place a new one in a free cluster it covers. */
static int ensure_refblock(struct qcow2 *q, uint64_t cluster)
{
    uint64_t ti = cluster / q->refblock_entries;
    if (ti >= q->reftable_entries) {
        int rc = grow_reftable(q, ti);
        if (rc)
            return rc;
    }
    if (q->reftable[ti])
        return 0;
    /* The block goes into the first cluster of its range that nothing uses:
     * every cluster of a range without a block has refcount 0, so the first. */
    uint64_t first = ti * q->refblock_entries;
    uint64_t off = first << q->h.cluster_bits;
    int rc = 0;
    uint8_t *blk = qcow2__cache_get(q, &q->ref_cache, off, true, &rc);
    if (!blk)
        return rc;
    uint64_t at;
    size_t len;
    write_entry(q, blk, 0, 1, &at, &len);
    if ((rc = qcow2__pwrite(q, blk, q->cluster_size, off))) {
        qcow2__cache_drop(&q->ref_cache, off);
        return rc;
    }
    q->reftable[ti] = off;
    if ((rc = write_reftable_entry(q, ti))) {
        q->reftable[ti] = 0;
        qcow2__cache_drop(&q->ref_cache, off);
        return rc;
    }
    return 0;
}

int qcow2__refcount_set(struct qcow2 *q, uint64_t cluster, uint64_t v)
{
    int rc = ensure_refblock(q, cluster);
    if (rc)
        return rc;
    uint64_t ti = cluster / q->refblock_entries;
    uint8_t *blk = qcow2__cache_get(q, &q->ref_cache, q->reftable[ti], false, &rc);
    if (!blk)
        return rc;
    uint64_t at;
    size_t len;
    write_entry(q, blk, cluster % q->refblock_entries, v, &at, &len);
    return qcow2__pwrite(q, blk + at, len, q->reftable[ti] + at);
}

int qcow2__refcount_update(struct qcow2 *q, uint64_t offset, uint64_t len, int delta)
{
    if (!len)
        return 0;
    uint64_t first = offset >> q->h.cluster_bits;
    uint64_t last = (offset + len - 1) >> q->h.cluster_bits;
    for (uint64_t c = first; c <= last; c++) {
        uint64_t ref;
        int rc = qcow2__refcount_get(q, c, &ref);
        if (rc)
            return rc;
        if (delta < 0 && ref < (uint64_t)-delta)
            return -EUCLEAN; /* a cluster freed more often than it was used */
        if (delta > 0 && ref + (uint64_t)delta > q->max_refcount)
            return -EOVERFLOW;
        uint64_t nv = ref + (uint64_t)(int64_t)delta;
        if ((rc = qcow2__refcount_set(q, c, nv)))
            return rc;
        if (nv == 0) {
            if (c < q->free_hint)
                q->free_hint = c;
            qcow2__cache_drop(&q->l2_cache, c << q->h.cluster_bits);
            qcow2__cache_drop(&q->ref_cache, c << q->h.cluster_bits);
            /* Give the space back to the host; advisory. */
            if (fallocate(q->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                          (off_t)(c << q->h.cluster_bits), (off_t)q->cluster_size))
                (void)0;
        }
    }
    return 0;
}

/* Sets the refcounts of clusters [c, c+n) (all covered by blocks) to 1, one write per block. */
static int set_run(struct qcow2 *q, uint64_t c, uint64_t n)
{
    while (n) {
        uint64_t ti = c / q->refblock_entries, idx = c % q->refblock_entries;
        uint64_t k = q->refblock_entries - idx < n ? q->refblock_entries - idx : n;
        int rc = 0;
        uint8_t *blk = qcow2__cache_get(q, &q->ref_cache, q->reftable[ti], false, &rc);
        if (!blk)
            return rc;
        uint64_t lo = UINT64_MAX, hi = 0;
        for (uint64_t i = 0; i < k; i++) {
            uint64_t at;
            size_t len;
            write_entry(q, blk, idx + i, 1, &at, &len);
            lo = at < lo ? at : lo;
            hi = at + len > hi ? at + len : hi;
        }
        if ((rc = qcow2__pwrite(q, blk + lo, hi - lo, q->reftable[ti] + lo)))
            return rc;
        c += k;
        n -= k;
    }
    return 0;
}

uint64_t qcow2__alloc_clusters(struct qcow2 *q, uint64_t n, int *rc)
{
    uint64_t max_cluster = QCOW2_MAX_SIZE >> q->h.cluster_bits;
    uint64_t c = q->free_hint;
    bool skipped_free = false; /* a free cluster before c, too short a run for n */
    for (;;) {
        uint64_t run = 0;
        while (run < n) {
            if (c + run >= max_cluster) {
                *rc = -ENOSPC;
                return 0;
            }
            uint64_t ref;
            if ((*rc = qcow2__refcount_get(q, c + run, &ref)))
                return 0;
            if (ref) {
                skipped_free |= run > 0;
                c += run + 1;
                run = 0;
                continue;
            }
            run++;
        }
        /* Blocks for the run first: one may land inside it, then look again. */
        bool moved = false;
        for (uint64_t i = 0; i < n && !moved; i++) {
            uint64_t ti = (c + i) / q->refblock_entries;
            if (ti < q->reftable_entries && q->reftable[ti])
                continue;
            if ((*rc = ensure_refblock(q, c + i)))
                return 0;
            moved = true;
        }
        if (moved)
            continue;
        if ((*rc = set_run(q, c, n)))
            return 0;
        if (!skipped_free)
            q->free_hint = c + n;
        *rc = 0;
        return c << q->h.cluster_bits;
    }
}

/* Compressed data is packed: one cursor into the last cluster taken for it. */
uint64_t qcow2__alloc_bytes(struct qcow2 *q, uint64_t len, int *rc)
{
    uint64_t cur = q->compress_cursor;
    uint64_t room = cur ? q->cluster_size - (cur & (q->cluster_size - 1)) : 0;
    if (cur && (cur & (q->cluster_size - 1)) && len <= room) {
        /* Shares the cluster: one more reference to it. */
        if ((*rc = qcow2__refcount_update(q, cur, 1, 1)))
            return 0;
        q->compress_cursor = cur + len;
        return cur;
    }
    uint64_t n = (len + q->cluster_size - 1) >> q->h.cluster_bits;
    uint64_t off = qcow2__alloc_clusters(q, n, rc);
    if (!off)
        return 0;
    q->compress_cursor = off + len;
    return off;
}

/*
 * Moves the refcount table to the end of the file with room for need_ti:
 * new blocks for the new area first, then the table, a sync, the header,
 * a sync, and the old table's clusters freed.
 */
static int grow_reftable(struct qcow2 *q, uint64_t need_ti)
{
    uint64_t cs = q->cluster_size, E = q->refblock_entries;
    uint64_t area = (qcow2__file_size(q) + cs - 1) >> q->h.cluster_bits;
    uint64_t entries = q->reftable_entries * 2;
    if (entries <= need_ti)
        entries = need_ti + 1;
    uint64_t tclusters, nblocks;
    for (;;) {
        tclusters = (entries * 8 + cs - 1) / cs;
        /* Blocks needed to cover [area, area + tclusters + nblocks). */
        nblocks = 0;
        for (;;) {
            uint64_t end = area + tclusters + nblocks;
            uint64_t need = 0;
            for (uint64_t ti = area / E; ti <= (end - 1) / E; ti++)
                if (ti >= q->reftable_entries || !q->reftable[ti])
                    need++;
            if (need <= nblocks)
                break;
            nblocks = need;
        }
        if ((area + tclusters + nblocks - 1) / E < entries)
            break;
        entries = (area + tclusters + nblocks) / E + 1;
    }
    if (tclusters * cs > QCOW2_MAX_REFTABLE_BYTES)
        return -EFBIG;
    uint64_t *table = calloc(tclusters * cs / 8, 8);
    uint8_t *raw = calloc(1, tclusters * cs);
    uint8_t *blk = malloc(cs);
    int rc = 0;
    if (!table || !raw || !blk) {
        rc = -ENOMEM;
        goto out;
    }
    memcpy(table, q->reftable, q->reftable_entries * 8);
    /* Place the blocks after the table and count the whole new area in them. */
    uint64_t end = area + tclusters + nblocks, next_blk = area + tclusters;
    for (uint64_t ti = area / E; ti <= (end - 1) / E; ti++) {
        if (ti < q->reftable_entries && q->reftable[ti])
            continue;
        table[ti] = (next_blk++) << q->h.cluster_bits;
    }
    for (uint64_t ti = area / E; ti <= (end - 1) / E; ti++) {
        bool is_new = !(ti < q->reftable_entries && q->reftable[ti]);
        if (!is_new)
            continue;
        memset(blk, 0, cs);
        for (uint64_t c = area; c < end; c++) {
            if (c / E != ti)
                continue;
            uint64_t at;
            size_t len;
            write_entry(q, blk, c % E, 1, &at, &len);
        }
        if ((rc = qcow2__pwrite(q, blk, cs, table[ti])))
            goto out;
    }
    /* Clusters of the area covered by blocks that already exist. */
    for (uint64_t c = area; c < end; c++) {
        uint64_t ti = c / E;
        if (ti < q->reftable_entries && q->reftable[ti])
            if ((rc = qcow2__refcount_set(q, c, 1)))
                goto out;
    }
    for (uint64_t i = 0; i < tclusters * cs / 8; i++)
        qcow2_put64(raw + i * 8, table[i]);
    if ((rc = qcow2__pwrite(q, raw, tclusters * cs, area << q->h.cluster_bits)))
        goto out;
    if (fdatasync(q->fd)) {
        rc = -errno;
        goto out;
    }
    uint64_t old_off = q->h.reftable_offset, old_len = (uint64_t)q->h.reftable_clusters * cs;
    uint8_t hdr[12];
    qcow2_put64(hdr, area << q->h.cluster_bits);
    qcow2_put32(hdr + 8, (uint32_t)tclusters);
    if ((rc = qcow2__pwrite(q, hdr, 12, 48)))
        goto out;
    if (fdatasync(q->fd)) {
        rc = -errno;
        goto out;
    }
    q->h.reftable_offset = area << q->h.cluster_bits;
    q->h.reftable_clusters = (uint32_t)tclusters;
    free(q->reftable);
    q->reftable = table;
    table = NULL;
    q->reftable_entries = tclusters * cs / 8;
    rc = qcow2__refcount_update(q, old_off, old_len, -1);
out:
    free(table);
    free(raw);
    free(blk);
    return rc;
}
