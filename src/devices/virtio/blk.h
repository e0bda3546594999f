/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blk.h - virtio-blk (virtio 1.2, 5.2): a disk image as a block device with
 * one request queue. Reads, writes, flush, get-id, discard and
 * write-zeroes; requests run on a small pool of I/O threads, never on the
 * vCPU that notified. A read-only disk offers VIRTIO_BLK_F_RO and fails
 * writes with VIRTIO_BLK_S_IOERR, leaving the image as it was.
 */
#ifndef STRATA_DEVICES_VIRTIO_BLK_H
#define STRATA_DEVICES_VIRTIO_BLK_H

#include <stdint.h>

#include "block/block.h"
#include "devices/virtio/mmio.h"

#define VIRTIO_BLK_STATE_VERSION 1
#define VIRTIO_BLK_ID_BYTES      20 /* the get-id answer (5.2.6) */

struct virtio_blk;

struct virtio_blk_params {
    struct block_options image;
    const char *serial; /* get-id answer, at most 20 bytes; NULL: empty */
};

struct virtio_blk_state {
    uint32_t version;
    struct virtio_mmio_state transport; /* the configuration space holds the capacity */
};

/* Opens the image and puts the device at MMIO address base, interrupting on gsi. */
struct virtio_blk *virtio_blk__create(struct machine *m, uint64_t base, unsigned gsi,
                                      const struct virtio_blk_params *params, struct err *err);
/* Waits for requests in flight, then closes the image. */
void virtio_blk__destroy(struct virtio_blk *blk);

void virtio_blk__save(struct virtio_blk *blk, struct virtio_blk_state *state);
int virtio_blk__load(struct virtio_blk *blk, const struct virtio_blk_state *state, struct err *err);

#endif
