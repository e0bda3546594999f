// SPDX-License-Identifier: Apache-2.0
/*
 * block.c - opening a disk image (see block.h): the format named by the
 * user, or probed from the image's first bytes, picks the backend.
 *
 * Probing looks for a qcow2 header (QEMU docs/interop/qcow2.txt: "QFI\xfb"
 * at offset 0) that parses; everything else is raw. A file whose first
 * bytes are qcow2's magic but whose header does not parse opens raw with a
 * warning. With format=raw nothing is probed: the user said what it is.
 */
#include "block/block.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/qcow2.h"
#include "util/log.h"

static const uint8_t qcow2_magic[4] = {'Q', 'F', 'I', 0xfb};

/* 1: a qcow2 header that parses; 0: not qcow2; -1: the magic, but a bad header (why in err). */
static int probe_fd(int fd, struct err *err)
{
    uint8_t magic[sizeof(qcow2_magic)];
    if (pread(fd, magic, sizeof(magic), 0) != (ssize_t)sizeof(magic) ||
        memcmp(magic, qcow2_magic, sizeof(magic)))
        return 0;
    struct stat st;
    if (fstat(fd, &st))
        return 0;
    /* The header and its extensions are in the first cluster: at most 2 MiB. */
    size_t max = 2u << 20;
    uint8_t *head = malloc(max);
    if (!head)
        return 0;
    ssize_t n = pread(fd, head, max, 0);
    struct qcow2_header *h = malloc(sizeof(*h));
    int rc = n > 0 && h && qcow2__parse_header(head, (size_t)n, (uint64_t)st.st_size, h, err) == 0
                 ? 1
                 : -1;
    if (n <= 0)
        err__set(err, "cannot read its header");
    free(h);
    free(head);
    return rc;
}

struct block_backend *block__open_chain(const struct block_options *o, unsigned depth,
                                        struct err *err)
{
    const char *format = o->format;
    if (format && strcmp(format, "raw") && strcmp(format, "qcow2")) {
        err__set(err, "disk '%s': unknown format '%s' (want raw or qcow2)", o->path, format);
        return NULL;
    }
    /* Non-blocking open: a FIFO named as an image must not hang strata. */
    int fd = open(o->path, (o->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        err__set_errno(err, errno, "cannot open disk '%s'", o->path);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
        close(fd);
        err__set(err, "disk '%s' is neither a file nor a block device", o->path);
        return NULL;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    if (!format) {
        struct err why;
        int p = probe_fd(fd, &why);
        if (p > 0) {
            format = "qcow2";
        } else {
            if (p < 0)
                log_ratelimited(
                    "warning: disk '%s' starts like a qcow2 image but its header is bad "
                    "(%s): opened raw; say format=raw or format=qcow2",
                    o->path, why.msg);
            format = "raw";
        }
    }
    if (!strcmp(format, "qcow2"))
        return qcow2__open(o->path, fd, o, depth, err);
    struct block_backend *b = block_raw__open(o->path, fd, o->readonly, err);
    if (!b)
        close(fd);
    return b;
}

struct block_backend *block__open(const struct block_options *o, struct err *err)
{
    return block__open_chain(o, 0, err);
}

const char *block__probe(const char *path, struct err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        err__set_errno(err, errno, "cannot open '%s'", path);
        return NULL;
    }
    struct err why;
    int p = probe_fd(fd, &why);
    close(fd);
    return p > 0 ? "qcow2" : "raw";
}

void block__close(struct block_backend *b)
{
    if (b)
        b->ops->close(b);
}

int block__status(struct block_backend *b, uint64_t offset, uint64_t len, uint64_t *pnum,
                  unsigned *status)
{
    if (b->ops->block_status)
        return b->ops->block_status(b, offset, len, pnum, status);
    *pnum = len;
    *status = BLOCK_STATUS_DATA | BLOCK_STATUS_ALLOCATED;
    return 0;
}

int block__pread(struct block_backend *b, void *buf, size_t len, uint64_t offset)
{
    struct iovec v = {.iov_base = buf, .iov_len = len};
    return b->ops->preadv(b, &v, 1, offset);
}

int block__pwrite(struct block_backend *b, const void *buf, size_t len, uint64_t offset)
{
    struct iovec v = {.iov_base = (void *)buf, .iov_len = len};
    return b->ops->pwritev(b, &v, 1, offset);
}
