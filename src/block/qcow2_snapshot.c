// SPDX-License-Identifier: Apache-2.0
/*
 * qcow2_snapshot.c - internal snapshots (QEMU docs/interop/qcow2.txt,
 * "Snapshots") and the other whole-image changes `strata img` makes: the
 * backing file name, the virtual size, emptying an image, compressed
 * writes.
 *
 * A snapshot is a copy of the L1 table; every L2 table and data cluster it
 * reaches gets one more reference, so later writes copy them first. The
 * order keeps a crash harmless (at worst leaked clusters): references are
 * counted up before anything points to them, the new snapshot table is
 * written and synced before the header names it, and references are
 * counted down only after the tables that held them are gone. The COPIED
 * flags of the active tables follow the refcounts after each change.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "block/qcow2_img.h"

static struct qcow2 *qcow2_of(struct block_backend *b)
{
    return (struct qcow2 *)b;
}

const struct qcow2_header *qcow2__header(struct block_backend *b)
{
    return &qcow2_of(b)->h;
}

const struct qcow2_snapshot *qcow2__snapshots(struct block_backend *b, uint32_t *n)
{
    *n = qcow2_of(b)->h.nb_snapshots;
    return qcow2_of(b)->snaps;
}

static int sync_fd(struct qcow2 *q)
{
    return fdatasync(q->fd) ? -errno : 0;
}

/* Adds delta to the refcount of every L2 table and data cluster an L1 table reaches. */
static int tree_refcounts(struct qcow2 *q, const uint64_t *l1, uint32_t l1_size, int delta)
{
    uint8_t *l2 = malloc(q->cluster_size);
    if (!l2)
        return -ENOMEM;
    int rc = 0;
    unsigned shift = 62 - (q->h.cluster_bits - 8);
    for (uint32_t i = 0; i < l1_size && !rc; i++) {
        uint64_t l2_off = qcow2__entry_offset(l1[i]);
        if (!l2_off)
            continue;
        if (!qcow2__offset_ok(q, l2_off, q->cluster_size)) {
            rc = -EIO;
            break;
        }
        if ((rc = qcow2__pread(q, l2, q->cluster_size, l2_off)))
            break;
        for (uint64_t j = 0; j < q->l2_entries && !rc; j++) {
            uint64_t e = qcow2_be64(l2 + j * 8);
            if (e & QCOW2_OFLAG_COMPRESSED) {
                uint64_t off = e & ((1ull << shift) - 1);
                uint64_t n = ((e >> shift) & ((1ull << (q->h.cluster_bits - 8)) - 1)) + 1;
                uint64_t len = n * 512 - (off & 511);
                if (off >= q->file_end)
                    continue;
                if (len > q->file_end - off)
                    len = q->file_end - off;
                rc = qcow2__refcount_update(q, off, len, delta);
            } else if (qcow2__entry_offset(e)) {
                rc = qcow2__refcount_update(q, qcow2__entry_offset(e), q->cluster_size, delta);
            }
        }
        if (!rc)
            rc = qcow2__refcount_update(q, l2_off, q->cluster_size, delta);
    }
    free(l2);
    return rc;
}

/* Sets COPIED on the active tables exactly where the refcount is 1. */
int qcow2__fix_copied(struct qcow2 *q)
{
    int rc = 0;
    for (uint32_t i = 0; i < q->h.l1_size && !rc; i++) {
        uint64_t l2_off = qcow2__entry_offset(q->l1[i]);
        if (!l2_off)
            continue;
        uint64_t ref;
        if ((rc = qcow2__refcount_get(q, l2_off >> q->h.cluster_bits, &ref)))
            break;
        uint64_t want = ref == 1 ? q->l1[i] | QCOW2_OFLAG_COPIED : q->l1[i] & ~QCOW2_OFLAG_COPIED;
        if (want != q->l1[i]) {
            q->l1[i] = want;
            uint8_t b[8];
            qcow2_put64(b, want);
            if ((rc = qcow2__pwrite(q, b, 8, q->h.l1_offset + i * 8ull)))
                break;
        }
        uint8_t *t = qcow2__cache_get(q, &q->l2_cache, l2_off, false, &rc);
        if (!t)
            break;
        for (uint64_t j = 0; j < q->l2_entries; j++) {
            uint64_t e = qcow2_be64(t + j * 8);
            if ((e & QCOW2_OFLAG_COMPRESSED) || !qcow2__entry_offset(e))
                continue;
            if ((rc = qcow2__refcount_get(q, qcow2__entry_offset(e) >> q->h.cluster_bits, &ref)))
                break;
            uint64_t w = ref == 1 ? e | QCOW2_OFLAG_COPIED : e & ~QCOW2_OFLAG_COPIED;
            if (w != e) {
                /* t may be evicted by refcount reads: re-get it before each change. */
                if (!(t = qcow2__cache_get(q, &q->l2_cache, l2_off, false, &rc)))
                    break;
                qcow2_put64(t + j * 8, w);
                if ((rc = qcow2__pwrite(q, t + j * 8, 8, l2_off + j * 8)))
                    break;
            }
            if (!(t = qcow2__cache_get(q, &q->l2_cache, l2_off, false, &rc)))
                break;
        }
    }
    return rc;
}

static size_t snapshot_entry_size(const struct qcow2_snapshot *s)
{
    return (40 + s->extra_size + strlen(s->id) + strlen(s->name) + 7) & ~(size_t)7;
}

/* Writes the snapshot list sn[0..n) as the new table, then points the header at it. */
static int write_snapshot_table(struct qcow2 *q, struct qcow2_snapshot *sn, uint32_t n)
{
    size_t len = 0;
    for (uint32_t i = 0; i < n; i++)
        len += snapshot_entry_size(&sn[i]);
    uint64_t off = 0;
    int rc = 0;
    if (n) {
        uint8_t *buf = calloc(1, len);
        if (!buf)
            return -ENOMEM;
        size_t at = 0;
        for (uint32_t i = 0; i < n; i++) {
            const struct qcow2_snapshot *s = &sn[i];
            uint8_t *e = buf + at;
            size_t idl = strlen(s->id), nl = strlen(s->name);
            qcow2_put64(e, s->l1_offset);
            qcow2_put32(e + 8, s->l1_size);
            qcow2_put16(e + 12, (uint16_t)idl);
            qcow2_put16(e + 14, (uint16_t)nl);
            qcow2_put32(e + 16, s->date_sec);
            qcow2_put32(e + 20, s->date_nsec);
            qcow2_put64(e + 24, s->vm_clock_nsec);
            qcow2_put32(e + 32, s->vm_state_size > UINT32_MAX ? 0 : (uint32_t)s->vm_state_size);
            qcow2_put32(e + 36, s->extra_size);
            uint8_t *x = e + 40;
            if (s->extra_size >= 8)
                qcow2_put64(x, s->vm_state_size);
            if (s->extra_size >= 16)
                qcow2_put64(x + 8, s->disk_size);
            if (s->extra_size >= 24)
                qcow2_put64(x + 16, s->icount);
            memcpy(x + s->extra_size, s->id, idl);
            memcpy(x + s->extra_size + idl, s->name, nl);
            at += snapshot_entry_size(s);
        }
        uint64_t clusters = (len + q->cluster_size - 1) >> q->h.cluster_bits;
        off = qcow2__alloc_clusters(q, clusters, &rc);
        if (off)
            rc = qcow2__pwrite(q, buf, len, off);
        free(buf);
        if (rc)
            return rc;
    }
    if ((rc = sync_fd(q)))
        return rc;
    uint64_t old_off = q->h.snapshots_offset, old_len = q->snapshots_len;
    uint8_t hdr[12];
    qcow2_put32(hdr, n);
    qcow2_put64(hdr + 4, off);
    if ((rc = qcow2__pwrite(q, hdr, 12, 60)) || (rc = sync_fd(q)))
        return rc;
    q->h.nb_snapshots = n;
    q->h.snapshots_offset = off;
    q->snapshots_len = len;
    /* The new table is in use: failing to free the old one only leaks it. */
    if (old_len)
        (void)qcow2__refcount_update(q, old_off, old_len, -1);
    return 0;
}

static struct qcow2_snapshot *find(struct qcow2 *q, const char *name)
{
    for (uint32_t i = 0; i < q->h.nb_snapshots; i++)
        if (!strcmp(q->snaps[i].name, name) || !strcmp(q->snaps[i].id, name))
            return &q->snaps[i];
    return NULL;
}

static int writable(struct qcow2 *q, struct err *err)
{
    if (q->base.readonly)
        return err__set(err, "'%s' is open read-only", q->path);
    return 0;
}

/* The snapshot NAME (name or id) of an image open for writing; NULL with the reason in ERR. */
static struct qcow2_snapshot *existing_for_change(struct qcow2 *q, const char *name,
                                                  struct err *err)
{
    if (writable(q, err))
        return NULL;
    struct qcow2_snapshot *s = find(q, name);
    if (!s)
        err__set(err, "'%s' has no snapshot '%s'", q->path, name);
    return s;
}

int qcow2__snapshot_create(struct block_backend *b, const char *name, struct err *err)
{
    struct qcow2 *q = qcow2_of(b);
    if (writable(q, err))
        return -1;
    if (!*name || strlen(name) > 65535)
        return err__set(err, "bad snapshot name");
    if (find(q, name))
        return err__set(err, "'%s' already has a snapshot named '%s'", q->path, name);
    if (q->h.nb_snapshots >= QCOW2_MAX_SNAPSHOTS)
        return err__set(err, "'%s' has too many snapshots", q->path);
    pthread_mutex_lock(&q->lock);
    int rc = tree_refcounts(q, q->l1, q->h.l1_size, 1);
    uint64_t l1_bytes = (uint64_t)q->h.l1_size * 8, l1_off = 0;
    if (!rc && (rc = qcow2__fix_copied(q)) == 0) {
        uint64_t clusters = (l1_bytes + q->cluster_size - 1) >> q->h.cluster_bits;
        uint8_t *raw = calloc(1, clusters ? clusters * q->cluster_size : 1);
        if (!raw)
            rc = -ENOMEM;
        if (!rc && clusters)
            l1_off = qcow2__alloc_clusters(q, clusters, &rc);
        if (!rc) {
            for (uint32_t i = 0; i < q->h.l1_size; i++)
                qcow2_put64(raw + i * 8ull, q->l1[i] & ~QCOW2_OFLAG_COPIED);
            if (clusters)
                rc = qcow2__pwrite(q, raw, clusters * q->cluster_size, l1_off);
        }
        free(raw);
    }
    if (!rc) {
        uint32_t n = q->h.nb_snapshots;
        struct qcow2_snapshot *sn = calloc(n + 1, sizeof(*sn));
        if (!sn) {
            rc = -ENOMEM;
        } else {
            if (n)
                memcpy(sn, q->snaps, n * sizeof(*sn));
            uint64_t max_id = 0;
            for (uint32_t i = 0; i < n; i++) {
                uint64_t id = strtoull(sn[i].id, NULL, 10);
                if (id > max_id)
                    max_id = id;
            }
            struct timespec now;
            clock_gettime(CLOCK_REALTIME, &now);
            char id[24];
            snprintf(id, sizeof(id), "%" PRIu64, max_id + 1);
            sn[n] = (struct qcow2_snapshot){.l1_offset = l1_off,
                                            .l1_size = q->h.l1_size,
                                            .id = strdup(id),
                                            .name = strdup(name),
                                            .date_sec = (uint32_t)now.tv_sec,
                                            .date_nsec = (uint32_t)now.tv_nsec,
                                            .disk_size = q->h.size,
                                            .extra_size = q->h.version >= 3 ? 16 : 0,
                                            .icount = ~0ull};
            if (!sn[n].id || !sn[n].name)
                rc = -ENOMEM;
            if (!rc)
                rc = write_snapshot_table(q, sn, n + 1);
            if (!rc) {
                free(q->snaps);
                q->snaps = sn;
            } else {
                free(sn[n].id);
                free(sn[n].name);
                free(sn);
            }
        }
    }
    if (!rc)
        rc = sync_fd(q);
    pthread_mutex_unlock(&q->lock);
    if (rc)
        return err__set_errno(err, -rc, "cannot create snapshot '%s' in '%s'", name, q->path);
    return 0;
}

int qcow2__snapshot_apply(struct block_backend *b, const char *name, struct err *err)
{
    struct qcow2 *q = qcow2_of(b);
    struct qcow2_snapshot *s = existing_for_change(q, name, err);
    if (!s)
        return -1;
    if (s->l1_size > q->h.l1_size)
        return err__set(err, "snapshot '%s' is larger than the image", name);
    pthread_mutex_lock(&q->lock);
    uint64_t *snap_l1 = NULL, *old = malloc((q->h.l1_size ? q->h.l1_size : 1) * 8ull);
    int rc = old ? qcow2__load_l1(q, s->l1_offset, s->l1_size, &snap_l1) : -ENOMEM;
    if (!rc)
        rc = tree_refcounts(q, snap_l1, s->l1_size, 1);
    if (!rc) {
        memcpy(old, q->l1, q->h.l1_size * 8ull);
        uint8_t *raw = calloc(q->h.l1_size ? q->h.l1_size : 1, 8);
        if (!raw)
            rc = -ENOMEM;
        for (uint32_t i = 0; !rc && i < q->h.l1_size; i++) {
            q->l1[i] = i < s->l1_size ? snap_l1[i] & ~QCOW2_OFLAG_COPIED : 0;
            qcow2_put64(raw + i * 8ull, q->l1[i]);
        }
        if (!rc && (rc = qcow2__pwrite(q, raw, q->h.l1_size * 8ull, q->h.l1_offset)) == 0)
            rc = sync_fd(q);
        free(raw);
    }
    for (unsigned i = 0; i < q->l2_cache.n; i++)
        q->l2_cache.e[i].offset = 0;
    if (!rc)
        rc = tree_refcounts(q, old, q->h.l1_size, -1);
    if (!rc)
        rc = qcow2__fix_copied(q);
    if (!rc)
        rc = sync_fd(q);
    free(snap_l1);
    free(old);
    pthread_mutex_unlock(&q->lock);
    if (rc)
        return err__set_errno(err, -rc, "cannot apply snapshot '%s' to '%s'", name, q->path);
    return 0;
}

int qcow2__snapshot_delete(struct block_backend *b, const char *name, struct err *err)
{
    struct qcow2 *q = qcow2_of(b);
    struct qcow2_snapshot *s = existing_for_change(q, name, err);
    if (!s)
        return -1;
    pthread_mutex_lock(&q->lock);
    struct qcow2_snapshot gone = *s;
    uint32_t n = q->h.nb_snapshots, k = (uint32_t)(s - q->snaps);
    struct qcow2_snapshot *sn = calloc(n, sizeof(*sn));
    uint64_t *snap_l1 = NULL;
    int rc = sn ? qcow2__load_l1(q, gone.l1_offset, gone.l1_size, &snap_l1) : -ENOMEM;
    if (!rc) {
        memcpy(sn, q->snaps, k * sizeof(*sn));
        memcpy(sn + k, q->snaps + k + 1, (n - k - 1) * sizeof(*sn));
        rc = write_snapshot_table(q, sn, n - 1);
    }
    if (!rc) {
        free(q->snaps);
        q->snaps = sn;
        sn = NULL;
        rc = tree_refcounts(q, snap_l1, gone.l1_size, -1);
        if (!rc && gone.l1_size)
            rc = qcow2__refcount_update(q, gone.l1_offset, gone.l1_size * 8ull, -1);
        if (!rc)
            rc = qcow2__fix_copied(q);
        if (!rc)
            rc = sync_fd(q);
        free(gone.id);
        free(gone.name);
    }
    free(sn);
    free(snap_l1);
    pthread_mutex_unlock(&q->lock);
    if (rc)
        return err__set_errno(err, -rc, "cannot delete snapshot '%s' from '%s'", name, q->path);
    return 0;
}

int qcow2__set_backing(struct block_backend *b, const char *file, const char *format,
                       struct err *err)
{
    struct qcow2 *q = qcow2_of(b);
    if (writable(q, err))
        return -1;
    if (file && strlen(file) > QCOW2_MAX_BACKING_NAME)
        return err__set(err, "backing file name is too long");
    if (format && strlen(format) >= sizeof(q->h.backing_format))
        return err__set(err, "backing format name is too long");
    struct qcow2_header save = q->h;
    snprintf(q->h.backing_file, sizeof(q->h.backing_file), "%s", file ? file : "");
    snprintf(q->h.backing_format, sizeof(q->h.backing_format), "%s", file && format ? format : "");
    pthread_mutex_lock(&q->lock);
    int rc = qcow2__write_header(q);
    pthread_mutex_unlock(&q->lock);
    if (rc) {
        q->h = save;
        return err__set_errno(err, -rc, "cannot rewrite the header of '%s'", q->path);
    }
    return 0;
}

int qcow2__resize(struct block_backend *b, uint64_t size, bool shrink, struct err *err)
{
    struct qcow2 *q = qcow2_of(b);
    if (writable(q, err))
        return -1;
    if (size > QCOW2_MAX_SIZE)
        return err__set(err, "size is too large (at most 32 PiB)");
    if (size < q->h.size && !shrink)
        return err__set(err, "shrinking '%s' loses data: say --shrink", q->path);
    if (q->h.nb_snapshots && size < q->h.size)
        return err__set(err, "'%s' has snapshots: it cannot shrink", q->path);
    /* What is cut off must read as zeroes if the image grows again. */
    if (size < q->h.size && q->base.ops->write_zeroes(b, size, q->h.size - size, true))
        return err__set(err, "cannot zero the end of '%s'", q->path);
    pthread_mutex_lock(&q->lock);
    int rc = 0;
    unsigned span = q->h.cluster_bits + q->l2_bits;
    uint64_t need = (size + (1ull << span) - 1) >> span;
    if (need * 8 > QCOW2_MAX_L1_BYTES) {
        pthread_mutex_unlock(&q->lock);
        return err__set(err, "size is too large for the cluster size of '%s'", q->path);
    }
    if (need > q->h.l1_size) {
        /* A bigger L1 table elsewhere; the header points to it; the old one is freed. */
        uint64_t clusters = (need * 8 + q->cluster_size - 1) >> q->h.cluster_bits;
        uint64_t *l1 = calloc(need, 8);
        uint8_t *raw = calloc(clusters, q->cluster_size);
        uint64_t off = 0;
        if (!l1 || !raw)
            rc = -ENOMEM;
        if (!rc)
            off = qcow2__alloc_clusters(q, clusters, &rc);
        if (!rc) {
            memcpy(l1, q->l1, q->h.l1_size * 8ull);
            for (uint64_t i = 0; i < need; i++)
                qcow2_put64(raw + i * 8, l1[i]);
            rc = qcow2__pwrite(q, raw, clusters * q->cluster_size, off);
        }
        if (!rc)
            rc = sync_fd(q);
        uint64_t old_off = q->h.l1_offset, old_len = q->h.l1_size * 8ull;
        if (!rc) {
            uint8_t hdr[12];
            qcow2_put32(hdr, (uint32_t)need);
            qcow2_put64(hdr + 4, off);
            if (!(rc = qcow2__pwrite(q, hdr, 12, 36)))
                rc = sync_fd(q);
        }
        if (!rc) {
            free(q->l1);
            q->l1 = l1;
            l1 = NULL;
            q->h.l1_offset = off;
            q->h.l1_size = (uint32_t)need;
            if (old_len)
                rc = qcow2__refcount_update(q, old_off, old_len, -1);
        }
        free(l1);
        free(raw);
    }
    if (!rc) {
        uint8_t s8[8];
        qcow2_put64(s8, size);
        if (!(rc = qcow2__pwrite(q, s8, 8, 24)))
            rc = sync_fd(q);
    }
    if (!rc) {
        q->h.size = size;
        q->base.size = size;
    }
    pthread_mutex_unlock(&q->lock);
    if (rc)
        return err__set_errno(err, -rc, "cannot resize '%s'", q->path);
    return 0;
}

int qcow2__make_empty(struct block_backend *b, struct err *err)
{
    struct qcow2 *q = qcow2_of(b);
    if (writable(q, err))
        return -1;
    if (q->h.nb_snapshots)
        return err__set(err, "'%s' has snapshots: it is not emptied", q->path);
    pthread_mutex_lock(&q->lock);
    int rc = 0;
    uint64_t *old = malloc((q->h.l1_size ? q->h.l1_size : 1) * 8ull);
    uint8_t *zero = calloc(q->h.l1_size ? q->h.l1_size : 1, 8);
    if (!old || !zero)
        rc = -ENOMEM;
    if (!rc) {
        memcpy(old, q->l1, q->h.l1_size * 8ull);
        if (!(rc = qcow2__pwrite(q, zero, q->h.l1_size * 8ull, q->h.l1_offset)))
            rc = sync_fd(q);
    }
    if (!rc) {
        memset(q->l1, 0, q->h.l1_size * 8ull);
        for (unsigned i = 0; i < q->l2_cache.n; i++)
            q->l2_cache.e[i].offset = 0;
        rc = tree_refcounts(q, old, q->h.l1_size, -1);
    }
    if (!rc)
        rc = sync_fd(q);
    free(old);
    free(zero);
    pthread_mutex_unlock(&q->lock);
    if (rc)
        return err__set_errno(err, -rc, "cannot empty '%s'", q->path);
    return 0;
}

int qcow2__pwrite_compressed(struct block_backend *b, const void *buf, size_t len, uint64_t offset)
{
    struct qcow2 *q = qcow2_of(b);
    if (b->readonly)
        return -EROFS;
    if (offset > b->size || len > b->size - offset)
        return -EINVAL;
    const uint8_t *p = buf;
    int rc = 0;
    pthread_mutex_lock(&q->lock);
    while (len && !rc) {
        size_t room = q->cluster_size - (offset & (q->cluster_size - 1));
        size_t n = len < room ? len : room;
        rc = n == q->cluster_size ? qcow2__write_compressed(q, offset, p, n)
                                  : qcow2__write_cluster_part(q, offset, p, n);
        p += n;
        offset += n;
        len -= n;
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}
