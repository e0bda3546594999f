// SPDX-License-Identifier: Apache-2.0
/*
 * qcow2_create.c - writing a qcow2 header (QEMU docs/interop/qcow2.txt:
 * the version 3 header of 112 bytes, then the backing-format and
 * feature-name-table extensions, the end marker and the backing file name)
 * and creating a new image in QEMU's layout: header, refcount table,
 * one refcount block, L1 table, each in its own cluster.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block/qcow2.h"
#include "block/qcow2_img.h"

static const struct {
    uint8_t type, bit;
    const char *name;
} features[] = {
    {0, 0, "dirty bit"},        {0, 1, "corrupt bit"},         {0, 2, "external data file"},
    {0, 3, "compression type"}, {0, 4, "extended L2 entries"}, {1, 0, "lazy refcounts"},
    {2, 0, "bitmaps"},          {2, 1, "raw external data"},
};

static size_t put_ext(uint8_t *p, uint32_t type, const void *data, uint32_t len)
{
    qcow2_put32(p, type);
    qcow2_put32(p + 4, len);
    memcpy(p + 8, data, len);
    size_t padded = (len + 7u) & ~7u;
    memset(p + 8 + len, 0, padded - len);
    return 8 + padded;
}

/* Serializes h into buf (cluster_size bytes, zeroed first); -1 if it does not fit. */
int qcow2__header_bytes(const struct qcow2_header *h, uint8_t *buf, size_t cluster_size)
{
    memset(buf, 0, cluster_size);
    qcow2_put32(buf, QCOW2_MAGIC);
    qcow2_put32(buf + 4, h->version);
    qcow2_put32(buf + 20, h->cluster_bits);
    qcow2_put64(buf + 24, h->size);
    qcow2_put32(buf + 36, h->l1_size);
    qcow2_put64(buf + 40, h->l1_offset);
    qcow2_put64(buf + 48, h->reftable_offset);
    qcow2_put32(buf + 56, h->reftable_clusters);
    qcow2_put32(buf + 60, h->nb_snapshots);
    qcow2_put64(buf + 64, h->snapshots_offset);
    size_t off = 72;
    if (h->version >= 3) {
        qcow2_put64(buf + 72, h->incompat);
        qcow2_put64(buf + 80, h->compat);
        qcow2_put64(buf + 88, h->autoclear);
        qcow2_put32(buf + 96, h->refcount_order);
        qcow2_put32(buf + 100, 112);
        buf[104] = h->compression_type;
        off = 112;
    }
    size_t bf = strlen(h->backing_format), bn = strlen(h->backing_file);
    size_t need = off + (bf ? 8 + ((bf + 7) & ~7u) : 0) + 8 +
                  sizeof(features) / sizeof(*features) * 48 + 8 + bn;
    if (need > cluster_size)
        return -1;
    if (bf)
        off += put_ext(buf + off, QCOW2_EXT_BACKING_FORMAT, h->backing_format, (uint32_t)bf);
    if (h->version >= 3) {
        uint8_t table[sizeof(features) / sizeof(*features) * 48];
        memset(table, 0, sizeof(table));
        for (size_t i = 0; i < sizeof(features) / sizeof(*features); i++) {
            table[i * 48] = features[i].type;
            table[i * 48 + 1] = features[i].bit;
            memcpy(table + i * 48 + 2, features[i].name, strlen(features[i].name));
        }
        off += put_ext(buf + off, QCOW2_EXT_FEATURE_TABLE, table, sizeof(table));
    }
    off += 8; /* end of extensions */
    if (bn) {
        memcpy(buf + off, h->backing_file, bn);
        qcow2_put64(buf + 8, off);
        qcow2_put32(buf + 16, (uint32_t)bn);
    }
    return 0;
}

int qcow2__write_header(struct qcow2 *q)
{
    uint8_t *buf = malloc(q->cluster_size);
    if (!buf)
        return -ENOMEM;
    int rc = qcow2__header_bytes(&q->h, buf, q->cluster_size) ? -ENAMETOOLONG : 0;
    if (!rc)
        rc = qcow2__pwrite(q, buf, q->cluster_size < 4096 ? q->cluster_size : 4096, 0);
    if (!rc && q->cluster_size > 4096)
        rc = qcow2__pwrite(q, buf + 4096, q->cluster_size - 4096, 4096);
    if (!rc && fdatasync(q->fd))
        rc = -errno;
    free(buf);
    return rc;
}

int qcow2__create(const struct qcow2_create_opts *o, struct err *err)
{
    unsigned cb = o->cluster_bits ? o->cluster_bits : 16;
    if (cb < 9 || cb > 21)
        return err__set(err, "cluster size must be a power of two from 512 bytes to 2 MiB");
    if (o->size > QCOW2_MAX_SIZE)
        return err__set(err, "image size is too large (at most 32 PiB)");
    uint64_t cs = 1ull << cb;
    struct qcow2_header h;
    memset(&h, 0, sizeof(h));
    h.version = o->version ? o->version : 3;
    h.cluster_bits = cb;
    h.size = o->size;
    h.refcount_order = h.version >= 3 ? o->refcount_order : 4;
    if (h.refcount_order > 6)
        return err__set(err, "refcount bits must be a power of two from 1 to 64");
    h.compression_type = o->zstd ? QCOW2_COMPRESSION_ZSTD : QCOW2_COMPRESSION_ZLIB;
    if (o->zstd) {
        if (h.version < 3)
            return err__set(err, "zstd compression needs compat=1.1 (version 3)");
        h.incompat |= QCOW2_INCOMPAT_COMPRESSION;
    }
    if (o->backing_file) {
        if (strlen(o->backing_file) > QCOW2_MAX_BACKING_NAME)
            return err__set(err, "backing file name is too long");
        strcpy(h.backing_file, o->backing_file);
        if (o->backing_format) {
            if (strlen(o->backing_format) >= sizeof(h.backing_format))
                return err__set(err, "backing format name is too long");
            strcpy(h.backing_format, o->backing_format);
        }
    }
    unsigned span = cb + cb - 3;
    uint64_t l1 = (o->size + (1ull << span) - 1) >> span;
    if (l1 * 8 > QCOW2_MAX_L1_BYTES)
        return err__set(err, "image size is too large for cluster size %llu",
                        (unsigned long long)cs);
    h.l1_size = (uint32_t)l1;
    uint64_t l1_clusters = (l1 * 8 + cs - 1) / cs;
    if (!l1_clusters)
        l1_clusters = 1;
    h.reftable_offset = cs;
    h.reftable_clusters = 1;
    h.l1_offset = 3 * cs;
    uint64_t used = 3 + l1_clusters;
    uint64_t per_block = (cs * 8) >> h.refcount_order;
    if (used > per_block)
        return err__set(err, "image size is too large for one refcount block at this cluster "
                             "size; use larger clusters");

    uint8_t *buf = calloc(1, cs);
    if (!buf)
        return err__set(err, "out of memory");
    int fd = open(o->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        free(buf);
        return err__set_errno(err, errno, "cannot create '%s'", o->path);
    }
    int rc = 0;
    if (qcow2__header_bytes(&h, buf, cs)) {
        rc = err__set(err, "'%s': the header does not fit in a cluster", o->path);
        goto out;
    }
    if (pwrite(fd, buf, cs, 0) != (ssize_t)cs)
        goto io;
    memset(buf, 0, cs);
    qcow2_put64(buf, 2 * cs);
    if (pwrite(fd, buf, cs, (off_t)cs) != (ssize_t)cs)
        goto io;
    memset(buf, 0, cs);
    unsigned bits = 1u << h.refcount_order;
    for (uint64_t c = 0; c < used; c++) {
        if (bits >= 8)
            buf[c * (bits / 8) + bits / 8 - 1] = 1;
        else
            buf[c / (8 / bits)] |= (uint8_t)(1u << ((c % (8 / bits)) * bits));
    }
    if (pwrite(fd, buf, cs, (off_t)(2 * cs)) != (ssize_t)cs)
        goto io;
    if (ftruncate(fd, (off_t)(used * cs)))
        goto io;
    if (fsync(fd))
        goto io;
    goto out;
io:
    rc = err__set_errno(err, errno, "cannot write '%s'", o->path);
out:
    close(fd);
    free(buf);
    if (rc)
        unlink(o->path);
    return rc;
}
