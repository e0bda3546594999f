/* SPDX-License-Identifier: Apache-2.0 */
/*
 * block.h - disk image backends behind one interface, so that virtio-blk
 * does not know one image format from another.
 *
 * A backend is opened from a path, a format name ("raw"; qcow2 comes with
 * its own issue) and a read-only flag, and offers vectored reads and writes
 * at byte offsets, flush (data and metadata the guest wrote are on the host
 * disk when it returns), discard and write-zeroes. Calls are synchronous
 * and thread-safe: callers run them on I/O threads (io_pool.h), never on a
 * vCPU thread. Every call returns 0 or a negative errno.
 */
#ifndef STRATA_BLOCK_BLOCK_H
#define STRATA_BLOCK_BLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "util/err.h"

struct block_backend;

struct block_backend_ops {
    /* Whole transfers: a short read or write is retried until done or an error. */
    int (*preadv)(struct block_backend *b, const struct iovec *iov, int iovcnt, uint64_t offset);
    int (*pwritev)(struct block_backend *b, const struct iovec *iov, int iovcnt, uint64_t offset);
    int (*flush)(struct block_backend *b);
    /* The range reads as anything afterwards (its space may go back to the host);
       -EOPNOTSUPP when the host cannot discard (nothing changed). */
    int (*discard)(struct block_backend *b, uint64_t offset, uint64_t len);
    /* The range reads as zeroes afterwards; may_unmap lets it give its space back. */
    int (*write_zeroes)(struct block_backend *b, uint64_t offset, uint64_t len, bool may_unmap);
    void (*close)(struct block_backend *b);
};

struct block_backend {
    const struct block_backend_ops *ops;
    const char *format;
    uint64_t size; /* bytes the guest sees */
    bool readonly;
};

struct block_options {
    const char *path;
    const char *format; /* NULL: probe (raw unless the image says otherwise) */
    bool readonly;
};

/*
 * Opens an image. Errors name the file: "cannot open disk 'x': ...",
 * "disk 'x': qcow2 is not supported yet", "disk 'x': unknown format 'y'".
 */
struct block_backend *block__open(const struct block_options *o, struct err *err);
void block__close(struct block_backend *b);

/* raw.c: a raw image file or host block device. */
struct block_backend *block_raw__open(const char *path, int fd, bool readonly, struct err *err);

#endif
