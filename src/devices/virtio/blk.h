/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blk.h - virtio-blk (virtio 1.2, 5.2): a disk image as a block device with
 * one request queue. Reads, writes, flush, get-id, discard and
 * write-zeroes; requests run on a small pool of I/O threads, never on the
 * vCPU that notified. A read-only disk offers VIRTIO_BLK_F_RO and fails
 * writes with VIRTIO_BLK_S_IOERR, leaving the image as it was. The disk is
 * a block backend (block.h) that the caller opened and closes: the device
 * does not know raw from any other format.
 */
#ifndef STRATA_DEVICES_VIRTIO_BLK_H
#define STRATA_DEVICES_VIRTIO_BLK_H

#include <stdint.h>

#include "block/block.h"
#include "devices/virtio/core.h"

#define VIRTIO_BLK_STATE_VERSION 1
#define VIRTIO_BLK_ID_BYTES      20 /* the get-id answer (5.2.6) */

struct virtio_blk;

struct virtio_blk_state {
    uint32_t version;
    struct virtio_dev_state core; /* the configuration space holds the capacity */
};

/*
 * A disk on the backend `disk` (which outlives the device) answering get-id
 * with serial (NULL: empty). Its core goes behind a transport next.
 */
struct virtio_blk *virtio_blk__create(struct machine *m, struct block_backend *disk,
                                      const char *serial, struct err *err);
/* Waits for requests in flight (the transport must be gone); the backend stays open. */
void virtio_blk__destroy(struct virtio_blk *blk);
/* The device's virtio core, for a transport. */
struct virtio_dev *virtio_blk__virtio(struct virtio_blk *blk);

void virtio_blk__save(struct virtio_blk *blk, struct virtio_blk_state *state);
int virtio_blk__load(struct virtio_blk *blk, const struct virtio_blk_state *state, struct err *err);

#endif
