// SPDX-License-Identifier: Apache-2.0
/*
 * raw.c - the raw image backend (see block.h): guest byte offset = file
 * offset, on a regular file or a host block device.
 *
 * Reads and writes are preadv/pwritev straight between the file and the
 * guest's buffers, retried on short transfers. Flush is fdatasync. Discard
 * punches a hole (BLKDISCARD on a block device); where the host cannot
 * (the file system or device does not support it) it changes nothing and
 * returns -EOPNOTSUPP, which the guest sees as "not supported". Write-zeroes punches a hole
 * when the guest allows unmapping, else zeroes the range in place
 * (FALLOC_FL_ZERO_RANGE, BLKZEROOUT), and falls back to writing zeroes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block.h"

#define ZERO_CHUNK (64u << 10)

struct raw {
    struct block_backend base;
    int fd;
    char *path;
    bool is_blockdev;
};

static struct raw *raw_of(struct block_backend *b)
{
    return (struct raw *)b;
}

/* Copies the iovec array so a short transfer can advance through it. */
static int transfer(struct raw *r, const struct iovec *iov, int iovcnt, uint64_t offset, bool write)
{
    if (iovcnt <= 0)
        return 0;
    if (iovcnt > IOV_MAX)
        return -EINVAL;
    struct iovec local[IOV_MAX];
    memcpy(local, iov, (size_t)iovcnt * sizeof(*iov));
    struct iovec *v = local;
    while (iovcnt > 0) {
        ssize_t n = write ? pwritev(r->fd, v, iovcnt, (off_t)offset)
                          : preadv(r->fd, v, iovcnt, (off_t)offset);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0) {
            /* Past the end of the file: a raw image reads zeroes there only if it has the size. */
            bool empty = true;
            for (int k = 0; k < iovcnt; k++)
                empty &= v[k].iov_len == 0;
            return empty ? 0 : -EIO;
        }
        offset += (uint64_t)n;
        while (iovcnt > 0 && (size_t)n >= v->iov_len) {
            n -= (ssize_t)v->iov_len;
            v++;
            iovcnt--;
        }
        if (iovcnt > 0) {
            v->iov_base = (uint8_t *)v->iov_base + n;
            v->iov_len -= (size_t)n;
        }
    }
    return 0;
}

static int raw_preadv(struct block_backend *b, const struct iovec *iov, int iovcnt, uint64_t offset)
{
    return transfer(raw_of(b), iov, iovcnt, offset, false);
}

static int raw_pwritev(struct block_backend *b, const struct iovec *iov, int iovcnt,
                       uint64_t offset)
{
    if (b->readonly)
        return -EROFS;
    return transfer(raw_of(b), iov, iovcnt, offset, true);
}

static int raw_flush(struct block_backend *b)
{
    if (b->readonly)
        return 0;
    return fdatasync(raw_of(b)->fd) ? -errno : 0;
}

static bool unsupported(int e)
{
    return e == EOPNOTSUPP || e == ENOTTY || e == EINVAL || e == ENOSYS;
}

/* Drops or zeroes a range in place: a block device's ioctl, a file's fallocate mode. */
static int clear_range(struct raw *r, unsigned long blkdev_op, int falloc_mode, uint64_t offset,
                       uint64_t len)
{
    if (r->is_blockdev) {
        uint64_t range[2] = {offset, len};
        return ioctl(r->fd, blkdev_op, range);
    }
    return fallocate(r->fd, falloc_mode | FALLOC_FL_KEEP_SIZE, (off_t)offset, (off_t)len);
}

static int raw_discard(struct block_backend *b, uint64_t offset, uint64_t len)
{
    if (b->readonly)
        return -EROFS;
    if (clear_range(raw_of(b), BLKDISCARD, FALLOC_FL_PUNCH_HOLE, offset, len) < 0)
        return unsupported(errno) ? -EOPNOTSUPP : -errno;
    return 0;
}

static int write_zero_buffers(struct raw *r, uint64_t offset, uint64_t len)
{
    static const uint8_t zeroes[ZERO_CHUNK];
    while (len) {
        size_t n = len < ZERO_CHUNK ? (size_t)len : ZERO_CHUNK;
        struct iovec v = {.iov_base = (void *)zeroes, .iov_len = n};
        int rc = transfer(r, &v, 1, offset, true);
        if (rc)
            return rc;
        offset += n;
        len -= n;
    }
    return 0;
}

static int raw_write_zeroes(struct block_backend *b, uint64_t offset, uint64_t len, bool may_unmap)
{
    struct raw *r = raw_of(b);
    if (b->readonly)
        return -EROFS;
    int mode = may_unmap ? FALLOC_FL_PUNCH_HOLE : FALLOC_FL_ZERO_RANGE;
    if (clear_range(r, BLKZEROOUT, mode, offset, len) == 0)
        return 0;
    if (!unsupported(errno))
        return -errno;
    return write_zero_buffers(r, offset, len);
}

/* Holes (SEEK_HOLE) read as zeroes; everything else is data. */
static int raw_block_status(struct block_backend *b, uint64_t offset, uint64_t len, uint64_t *pnum,
                            unsigned *status)
{
    struct raw *r = raw_of(b);
    *pnum = len;
    *status = BLOCK_STATUS_DATA | BLOCK_STATUS_ALLOCATED;
    if (r->is_blockdev)
        return 0;
    off_t data = lseek(r->fd, (off_t)offset, SEEK_DATA);
    if (data < 0) {
        if (errno == ENXIO) { /* only a hole up to the end */
            *status = BLOCK_STATUS_ZERO | BLOCK_STATUS_ALLOCATED;
            return 0;
        }
        return 0;
    }
    if ((uint64_t)data > offset) {
        uint64_t n = (uint64_t)data - offset;
        *pnum = n < len ? n : len;
        *status = BLOCK_STATUS_ZERO | BLOCK_STATUS_ALLOCATED;
        return 0;
    }
    off_t hole = lseek(r->fd, (off_t)offset, SEEK_HOLE);
    if (hole > (off_t)offset) {
        uint64_t n = (uint64_t)hole - offset;
        *pnum = n < len ? n : len;
    }
    return 0;
}

static void raw_close(struct block_backend *b)
{
    close(raw_of(b)->fd);
    free(raw_of(b)->path);
    free(b);
}

static const struct block_backend_ops raw_ops = {
    .preadv = raw_preadv,
    .pwritev = raw_pwritev,
    .flush = raw_flush,
    .discard = raw_discard,
    .write_zeroes = raw_write_zeroes,
    .block_status = raw_block_status,
    .close = raw_close,
};

struct block_backend *block_raw__open(const char *path, int fd, bool readonly, struct err *err)
{
    struct stat st;
    if (fstat(fd, &st)) {
        err__set_errno(err, errno, "disk '%s'", path);
        return NULL;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        err__set(err, "disk '%s' is neither a file nor a block device", path);
        return NULL;
    }
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < 0) {
        err__set_errno(err, errno, "disk '%s': cannot find its size", path);
        return NULL;
    }
    struct raw *r = calloc(1, sizeof(*r));
    if (!r) {
        err__set(err, "disk '%s': out of memory", path);
        return NULL;
    }
    r->base = (struct block_backend){
        .ops = &raw_ops, .format = "raw", .size = (uint64_t)size, .readonly = readonly};
    r->fd = fd;
    r->path = strdup(path);
    r->base.filename = r->path;
    r->is_blockdev = S_ISBLK(st.st_mode);
    return &r->base;
}
