// SPDX-License-Identifier: Apache-2.0
/*
 * block.c - opening a disk image (see block.h): the format named by the
 * user, or probed from the image's first bytes, picks the backend.
 *
 * Probing only looks for formats strata knows by their magic; everything
 * else is raw. An image that looks like qcow2 ("QFI\xfb", the QEMU qcow2
 * specification, header offset 0) is refused unless the user says
 * format=raw: treating it as raw would let the guest overwrite its metadata.
 */
#include "block/block.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static const uint8_t qcow2_magic[4] = {'Q', 'F', 'I', 0xfb};

static bool looks_like_qcow2(int fd)
{
    uint8_t head[sizeof(qcow2_magic)];
    return pread(fd, head, sizeof(head), 0) == (ssize_t)sizeof(head) &&
           !memcmp(head, qcow2_magic, sizeof(head));
}

struct block_backend *block__open(const struct block_options *o, struct err *err)
{
    const char *format = o->format;
    if (format && strcmp(format, "raw") && strcmp(format, "qcow2")) {
        err__set(err, "disk '%s': unknown format '%s' (want raw)", o->path, format);
        return NULL;
    }
    if (format && !strcmp(format, "qcow2")) {
        err__set(err, "disk '%s': qcow2 is not supported yet", o->path);
        return NULL;
    }

    int fd = open(o->path, (o->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) {
        err__set_errno(err, errno, "cannot open disk '%s'", o->path);
        return NULL;
    }
    if (!format && looks_like_qcow2(fd)) {
        close(fd);
        err__set(err, "disk '%s' is a qcow2 image: qcow2 is not supported yet", o->path);
        return NULL;
    }
    struct block_backend *b = block_raw__open(o->path, fd, o->readonly, err);
    if (!b)
        close(fd);
    return b;
}

void block__close(struct block_backend *b)
{
    if (b)
        b->ops->close(b);
}
