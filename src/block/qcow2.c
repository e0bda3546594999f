// SPDX-License-Identifier: Apache-2.0
/*
 * qcow2.c - the qcow2 backend (see qcow2.h and block.h): opening an image
 * (header, L1 table, refcount table, snapshot table, the backing chain),
 * vectored reads and writes split into cluster pieces, flush, discard,
 * write-zeroes and block status.
 *
 * An image with the corrupt bit, or the dirty bit (lazy refcounts left
 * unrepaired), opens read-only with a warning. Unknown autoclear bits are
 * cleared when an image opens writable, as the specification asks.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/qcow2.h"
#include "util/log.h"

static struct qcow2 *qcow2_of(struct block_backend *b)
{
    return (struct qcow2 *)b;
}

int qcow2__pread(struct qcow2 *q, void *buf, size_t len, uint64_t off)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = pread(q->fd, p, len, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0) {
            memset(p, 0, len); /* past the end: the caller checked what must exist */
            return 0;
        }
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

int qcow2__pwrite(struct qcow2 *q, const void *buf, size_t len, uint64_t off)
{
    const uint8_t *p = buf;
    uint64_t end = off + len;
    while (len) {
        ssize_t n = pwrite(q->fd, p, len, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    if (end > q->file_end)
        q->file_end = end;
    return 0;
}

uint64_t qcow2__file_size(struct qcow2 *q)
{
    return q->file_end;
}

/*
 * Calls fn on [off, off+len) a run at a time: fn handles what it can from
 * the start (*done bytes, a run of clusters) or nothing, and then piece
 * handles the part in the first cluster.
 */
static int for_each_piece(struct qcow2 *q, const struct iovec *iov, int iovcnt, uint64_t off,
                          int (*run)(struct qcow2 *, uint64_t, uint8_t *, size_t, size_t *),
                          int (*piece)(struct qcow2 *, uint64_t, uint8_t *, size_t))
{
    for (int i = 0; i < iovcnt; i++) {
        uint8_t *p = iov[i].iov_base;
        size_t left = iov[i].iov_len;
        while (left) {
            size_t n = 0;
            int rc = run(q, off, p, left, &n);
            if (rc)
                return rc;
            if (!n) {
                size_t room = q->cluster_size - (off & (q->cluster_size - 1));
                n = left < room ? left : room;
                if ((rc = piece(q, off, p, n)))
                    return rc;
            }
            p += n;
            off += n;
            left -= n;
        }
    }
    return 0;
}

static uint64_t iov_bytes(const struct iovec *iov, int iovcnt)
{
    uint64_t n = 0;
    for (int i = 0; i < iovcnt; i++)
        n += iov[i].iov_len;
    return n;
}

static int read_run(struct qcow2 *q, uint64_t off, uint8_t *p, size_t n, size_t *done)
{
    return qcow2__read_run(q, off, p, n, done);
}

static int write_run(struct qcow2 *q, uint64_t off, uint8_t *p, size_t n, size_t *done)
{
    return qcow2__write_run(q, off, p, n, done);
}

static int read_piece(struct qcow2 *q, uint64_t off, uint8_t *p, size_t n)
{
    return qcow2__read_cluster_part(q, off, p, n);
}

static int write_piece(struct qcow2 *q, uint64_t off, uint8_t *p, size_t n)
{
    return qcow2__write_cluster_part(q, off, p, n);
}

static int q_preadv(struct block_backend *b, const struct iovec *iov, int iovcnt, uint64_t off)
{
    struct qcow2 *q = qcow2_of(b);
    uint64_t n = iov_bytes(iov, iovcnt);
    if (off > b->size || n > b->size - off)
        return -EINVAL;
    pthread_mutex_lock(&q->lock);
    int rc = for_each_piece(q, iov, iovcnt, off, read_run, read_piece);
    pthread_mutex_unlock(&q->lock);
    return rc;
}

static int q_pwritev(struct block_backend *b, const struct iovec *iov, int iovcnt, uint64_t off)
{
    struct qcow2 *q = qcow2_of(b);
    if (b->readonly)
        return -EROFS;
    uint64_t n = iov_bytes(iov, iovcnt);
    if (off > b->size || n > b->size - off)
        return -EINVAL;
    pthread_mutex_lock(&q->lock);
    int rc = for_each_piece(q, iov, iovcnt, off, write_run, write_piece);
    pthread_mutex_unlock(&q->lock);
    return rc;
}

static int q_flush(struct block_backend *b)
{
    if (b->readonly)
        return 0;
    return fdatasync(qcow2_of(b)->fd) ? -errno : 0;
}

/* Whole clusters are zeroed or dropped; the partial ends are written with zeroes. */
static int zero_range(struct block_backend *b, uint64_t off, uint64_t len, bool discard)
{
    struct qcow2 *q = qcow2_of(b);
    if (b->readonly)
        return -EROFS;
    if (off > b->size || len > b->size - off)
        return -EINVAL;
    pthread_mutex_lock(&q->lock);
    int rc = 0;
    while (len && !rc) {
        uint64_t in = off & (q->cluster_size - 1);
        uint64_t n = q->cluster_size - in;
        if (n > len)
            n = len;
        bool whole = n == q->cluster_size || off + n == b->size;
        if (whole && !in)
            rc = qcow2__zero_cluster(q, off, discard);
        else if (!discard) {
            memset(q->bounce2, 0, n);
            rc = qcow2__write_cluster_part(q, off, q->bounce2, n);
        }
        off += n;
        len -= n;
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

static int q_discard(struct block_backend *b, uint64_t off, uint64_t len)
{
    return zero_range(b, off, len, true);
}

static int q_write_zeroes(struct block_backend *b, uint64_t off, uint64_t len, bool may_unmap)
{
    (void)may_unmap;
    return zero_range(b, off, len, false);
}

static int q_block_status(struct block_backend *b, uint64_t off, uint64_t len, uint64_t *pnum,
                          unsigned *status)
{
    struct qcow2 *q = qcow2_of(b);
    pthread_mutex_lock(&q->lock);
    unsigned first = 0;
    uint64_t done = 0;
    int rc = 0;
    while (done < len) {
        uint64_t entry;
        enum qcow2_kind kind;
        if ((rc = qcow2__lookup(q, off + done, &entry, &kind)))
            break;
        unsigned st = kind == QCOW2_UNALLOCATED ? 0
                      : kind == QCOW2_ZERO      ? BLOCK_STATUS_ZERO | BLOCK_STATUS_ALLOCATED
                                                : BLOCK_STATUS_DATA | BLOCK_STATUS_ALLOCATED;
        if (kind == QCOW2_UNALLOCATED && !q->backing)
            st = BLOCK_STATUS_ZERO;
        if (done == 0)
            first = st;
        else if (st != first)
            break;
        uint64_t in = (off + done) & (q->cluster_size - 1);
        done += q->cluster_size - in;
    }
    pthread_mutex_unlock(&q->lock);
    if (done > len)
        done = len;
    *pnum = done;
    *status = first;
    return rc;
}

static void q_close(struct block_backend *b)
{
    struct qcow2 *q = qcow2_of(b);
    block__close(q->backing);
    qcow2__cache_free(&q->l2_cache);
    qcow2__cache_free(&q->ref_cache);
    qcow2__free_snapshots(q->snaps, q->h.nb_snapshots);
    free(q->l1);
    free(q->reftable);
    free(q->bounce);
    free(q->bounce2);
    if (q->fd >= 0)
        close(q->fd);
    pthread_mutex_destroy(&q->lock);
    free(q->path);
    free(q);
}

static const struct block_backend_ops qcow2_ops = {
    .preadv = q_preadv,
    .pwritev = q_pwritev,
    .flush = q_flush,
    .discard = q_discard,
    .write_zeroes = q_write_zeroes,
    .block_status = q_block_status,
    .close = q_close,
};

int qcow2__load_l1(struct qcow2 *q, uint64_t offset, uint32_t size, uint64_t **out)
{
    uint64_t *l1 = calloc(size ? size : 1, 8);
    if (!l1)
        return -ENOMEM;
    int rc = qcow2__pread(q, l1, (size_t)size * 8, offset);
    if (rc) {
        free(l1);
        return rc;
    }
    for (uint32_t i = 0; i < size; i++)
        l1[i] = qcow2_be64((uint8_t *)&l1[i]);
    *out = l1;
    return 0;
}

int qcow2__load_snapshots(struct qcow2 *q, struct err *err)
{
    qcow2__free_snapshots(q->snaps, 0);
    q->snaps = NULL;
    q->snapshots_len = 0;
    if (!q->h.nb_snapshots)
        return 0;
    /* At most the table's worst case, and never past the end of the file. */
    uint64_t max = (uint64_t)q->h.nb_snapshots * (40 + 1024 + 65535 * 2 + 8);
    if (max > q->file_end - q->h.snapshots_offset)
        max = q->file_end - q->h.snapshots_offset;
    uint8_t *buf = malloc(max ? max : 1);
    if (!buf)
        return err__set(err, "out of memory for the snapshot table");
    int rc = qcow2__pread(q, buf, max, q->h.snapshots_offset);
    if (rc) {
        free(buf);
        return err__set_errno(err, -rc, "cannot read the snapshot table");
    }
    rc = qcow2__parse_snapshots(buf, max, q->h.nb_snapshots, q->h.cluster_bits, q->file_end,
                                &q->snaps, err);
    free(buf);
    if (rc)
        return -1;
    /* Its length, for the overlap checks. */
    uint64_t len = 0;
    for (uint32_t i = 0; i < q->h.nb_snapshots; i++) {
        struct qcow2_snapshot *s = &q->snaps[i];
        len += (40 + s->extra_size + strlen(s->id) + strlen(s->name) + 7) & ~7ull;
    }
    q->snapshots_len = len;
    return 0;
}

/* Refuses backing names that are not plain file paths (QEMU would treat them as protocols). */
static bool backing_name_allowed(const char *name)
{
    static const char *const protocols[] = {
        "json:", "nbd:",     "http:", "https:", "ftp:", "ftps:",        "ssh:",    "iscsi:",
        "rbd:",  "gluster:", "nfs:",  "vvfat:", "fat:", "host_device:", "null-co:"};
    for (size_t i = 0; i < sizeof(protocols) / sizeof(*protocols); i++)
        if (!strncmp(name, protocols[i], strlen(protocols[i])))
            return false;
    return true;
}

int qcow2__backing_path(const char *image, const char *name, char *out, size_t len)
{
    if (name[0] == '/' || !strchr(image, '/'))
        return snprintf(out, len, "%s", name) < (int)len ? 0 : -1;
    char *dup = strdup(image);
    if (!dup)
        return -1;
    int n = snprintf(out, len, "%s/%s", dirname(dup), name);
    free(dup);
    return n < (int)len ? 0 : -1;
}

static int open_backing(struct qcow2 *q, unsigned depth, struct err *err)
{
    const char *name = q->h.backing_file;
    if (!name[0])
        return 0;
    if (!backing_name_allowed(name))
        return err__set(err, "disk '%s': backing file '%s' is not a plain file name", q->path,
                        name);
    if (depth + 1 >= QCOW2_MAX_CHAIN)
        return err__set(err, "disk '%s': backing chain longer than %u images (a loop?)", q->path,
                        QCOW2_MAX_CHAIN);
    char path[PATH_MAX];
    if (qcow2__backing_path(q->path, name, path, sizeof(path)))
        return err__set(err, "disk '%s': backing file name is too long", q->path);
    const char *fmt = q->h.backing_format[0] ? q->h.backing_format : NULL;
    struct block_options o = {.path = path, .format = fmt, .readonly = true};
    struct err inner;
    q->backing = block__open_chain(&o, depth + 1, &inner);
    if (!q->backing) {
        /* An error from deeper in the chain already names its image. */
        if (strstr(inner.msg, "backing "))
            return err__set(err, "%s", inner.msg);
        return err__set(err, "disk '%s': backing file: %s", q->path, inner.msg);
    }
    return 0;
}

struct block_backend *qcow2__open(const char *path, int fd, const struct block_options *o,
                                  unsigned depth, struct err *err)
{
    bool readonly = o->readonly;
    struct qcow2 *q = calloc(1, sizeof(*q));
    if (!q || !(q->path = strdup(path))) {
        free(q);
        close(fd);
        err__set(err, "disk '%s': out of memory", path);
        return NULL;
    }
    q->fd = fd;
    pthread_mutex_init(&q->lock, NULL);
    struct stat st;
    if (fstat(fd, &st)) {
        err__set_errno(err, errno, "disk '%s'", path);
        goto fail;
    }
    q->file_end = (uint64_t)st.st_size;
    size_t head_len = st.st_size < (2 << 20) ? (size_t)st.st_size : (2 << 20);
    uint8_t *head = malloc(head_len ? head_len : 1);
    if (!head) {
        err__set(err, "disk '%s': out of memory", path);
        goto fail;
    }
    int rc = qcow2__pread(q, head, head_len, 0);
    struct err perr;
    if (rc || qcow2__parse_header(head, head_len, q->file_end, &q->h, &perr)) {
        free(head);
        if (rc)
            err__set_errno(err, -rc, "disk '%s'", path);
        else
            err__set(err, "disk '%s': %s", path, perr.msg);
        goto fail;
    }
    free(head);
    if (!readonly && !o->repair && (q->h.incompat & QCOW2_INCOMPAT_CORRUPT)) {
        log_ratelimited(
            "warning: disk '%s' is marked corrupt: opened read-only (strata img check -r "
            "all repairs it)",
            path);
        readonly = true;
    }
    if (!readonly && !o->repair && (q->h.incompat & QCOW2_INCOMPAT_DIRTY)) {
        log_ratelimited("warning: disk '%s' was not closed cleanly with lazy refcounts: opened "
                        "read-only (strata img check -r all repairs it)",
                        path);
        readonly = true;
    }
    q->cluster_size = 1ull << q->h.cluster_bits;
    q->l2_bits = q->h.cluster_bits - 3;
    q->l2_entries = 1ull << q->l2_bits;
    q->refcount_bits = 1u << q->h.refcount_order;
    q->refblock_entries = (q->cluster_size * 8) >> q->h.refcount_order;
    q->max_refcount = q->refcount_bits == 64 ? ~0ull : (1ull << q->refcount_bits) - 1;
    q->base = (struct block_backend){
        .ops = &qcow2_ops, .format = "qcow2", .size = q->h.size, .readonly = readonly};
    q->base.filename = q->path;
    if (!(q->bounce = malloc(q->cluster_size)) || !(q->bounce2 = malloc(q->cluster_size)) ||
        qcow2__cache_init(&q->l2_cache, 16, q->cluster_size) ||
        qcow2__cache_init(&q->ref_cache, 4, q->cluster_size)) {
        err__set(err, "disk '%s': out of memory", path);
        goto fail;
    }
    if ((rc = qcow2__load_l1(q, q->h.l1_offset, q->h.l1_size, &q->l1))) {
        err__set_errno(err, -rc, "disk '%s': cannot read the L1 table", path);
        goto fail;
    }
    struct err terr;
    if (qcow2__reftable_load(q, &terr) || qcow2__load_snapshots(q, &terr)) {
        err__set(err, "disk '%s': %s", path, terr.msg);
        goto fail;
    }
    if (open_backing(q, depth, err))
        goto fail;
    q->base.backing = q->backing;
    if (!readonly && q->h.version >= 3 && q->h.autoclear) {
        q->h.autoclear = 0;
        uint8_t z[8] = {0};
        if ((rc = qcow2__pwrite(q, z, 8, 88))) {
            err__set_errno(err, -rc, "disk '%s': cannot update the header", path);
            goto fail;
        }
    }
    return &q->base;
fail:
    q_close(&q->base);
    return NULL;
}
