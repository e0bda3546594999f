/* SPDX-License-Identifier: Apache-2.0 */
/*
 * block.h - disk image backends behind one interface, so that virtio-blk
 * does not know one image format from another.
 *
 * A backend is opened from a path, a format name ("raw" or "qcow2"; none:
 * probed) and a read-only flag, and offers vectored reads and writes
 * at byte offsets, flush (data and metadata the guest wrote are on the host
 * disk when it returns), discard and write-zeroes. Calls are synchronous
 * and thread-safe: callers run them on I/O threads (io_pool.h), never on a
 * vCPU thread. Every call returns 0 or a negative errno.
 */
#ifndef STRATA_BLOCK_BLOCK_H
#define STRATA_BLOCK_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "util/err.h"

struct block_backend;

/* block_status answers: where reads of a range come from. */
#define BLOCK_STATUS_DATA      1u /* this layer's data (may be zeroes all the same) */
#define BLOCK_STATUS_ZERO      2u /* reads as zeroes */
#define BLOCK_STATUS_ALLOCATED 4u /* this layer answers (not its backing file) */

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
    /*
     * Optional: what [offset, offset+len) reads from; *pnum gets the length
     * (> 0) of the leading part with the same answer. Without it, all data.
     */
    int (*block_status)(struct block_backend *b, uint64_t offset, uint64_t len, uint64_t *pnum,
                        unsigned *status);
    void (*close)(struct block_backend *b);
};

struct block_backend {
    const struct block_backend_ops *ops;
    const char *format;
    uint64_t size; /* bytes the guest sees */
    bool readonly;
    const char *filename;          /* as opened */
    struct block_backend *backing; /* qcow2's backing file, or NULL (owned by this backend) */
};

struct block_options {
    const char *path;
    const char *format; /* NULL: probe (raw unless the image says otherwise) */
    bool readonly;
    bool repair; /* strata img check -r: open writable even if marked corrupt */
};

/*
 * Opens an image. Errors name the file: "cannot open disk 'x': ...",
 * "disk 'x': unknown format 'y'", "disk 'x': <what is wrong in its header>".
 * Without a format, a file that starts with a valid qcow2 header is qcow2;
 * anything else is raw (with a warning if its first bytes are qcow2's magic).
 */
struct block_backend *block__open(const struct block_options *o, struct err *err);
/* The same, as the depth'th image of a backing chain (loops end at QCOW2_MAX_CHAIN). */
struct block_backend *block__open_chain(const struct block_options *o, unsigned depth,
                                        struct err *err);
void block__close(struct block_backend *b);

/* block_status with the default answer for backends without one. */
int block__status(struct block_backend *b, uint64_t offset, uint64_t len, uint64_t *pnum,
                  unsigned *status);
/* Plain-buffer reads and writes. */
int block__pread(struct block_backend *b, void *buf, size_t len, uint64_t offset);
int block__pwrite(struct block_backend *b, const void *buf, size_t len, uint64_t offset);
/* "raw" or "qcow2" by the file's first bytes (a valid qcow2 header), or NULL with err. */
const char *block__probe(const char *path, struct err *err);

/* raw.c: a raw image file or host block device. */
struct block_backend *block_raw__open(const char *path, int fd, bool readonly, struct err *err);

#endif
