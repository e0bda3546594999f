/* SPDX-License-Identifier: Apache-2.0 */
/*
 * balloon.h - virtio-balloon, the traditional memory balloon (virtio 1.2,
 * 5.5): the host sets a target (num_pages) and the guest driver inflates
 * the balloon towards it, handing pages back on inflateq, or deflates,
 * taking them back on deflateq; statsq carries the guest's memory
 * statistics; reporting_vq carries free pages the guest reports
 * (VIRTIO_BALLOON_F_PAGE_REPORTING). Pages inflated or reported go back to
 * the host (guest_memory__discard) and the engine drops any code decoded
 * from them (engine_ops.ram_written). DEFLATE_ON_OOM lets the guest take
 * balloon pages back when it runs out of memory; MUST_TELL_HOST is not
 * offered, so deflated pages need nothing from the host.
 */
#ifndef STRATA_DEVICES_VIRTIO_BALLOON_H
#define STRATA_DEVICES_VIRTIO_BALLOON_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/core.h"

#define VIRTIO_BALLOON_STATE_VERSION 1

/* Feature bits (5.5.3) */
#define VIRTIO_BALLOON_F_MUST_TELL_HOST 0
#define VIRTIO_BALLOON_F_STATS_VQ       1
#define VIRTIO_BALLOON_F_DEFLATE_ON_OOM 2
#define VIRTIO_BALLOON_F_PAGE_REPORTING 5

/* Statistics tags (5.5.6.3) */
enum virtio_balloon_stat {
    VIRTIO_BALLOON_S_SWAP_IN,
    VIRTIO_BALLOON_S_SWAP_OUT,
    VIRTIO_BALLOON_S_MAJFLT,
    VIRTIO_BALLOON_S_MINFLT,
    VIRTIO_BALLOON_S_MEMFREE,
    VIRTIO_BALLOON_S_MEMTOT,
    VIRTIO_BALLOON_S_AVAIL,
    VIRTIO_BALLOON_S_CACHES,
    VIRTIO_BALLOON_S_HTLB_PGALLOC,
    VIRTIO_BALLOON_S_HTLB_PGFAIL,
    VIRTIO_BALLOON_S_NR
};

#define VIRTIO_BALLOON_PAGE 4096u /* the balloon's page size, whatever the guest's */

struct virtio_balloon;

/* What the device knows; bytes unless said otherwise. */
struct virtio_balloon_info {
    uint64_t target;      /* what the host asked the balloon to hold */
    uint64_t actual;      /* what the driver says the balloon holds */
    uint64_t inflated;    /* pages given back on inflateq and not deflated since */
    uint64_t reported;    /* free page reporting: bytes given back, in total */
    uint32_t stats_valid; /* bit n: stats[n] came from the guest */
    uint64_t stats[VIRTIO_BALLOON_S_NR];
    uint64_t stats_updates; /* how many statistics buffers the guest sent */
};

struct virtio_balloon_state {
    uint32_t version;
    uint8_t stats_held; /* the guest's statistics buffer is with the device */
    uint8_t pad;
    uint16_t stats_head;
    uint64_t inflated, reported;
    struct virtio_dev_state core;
};

/* The device; its core goes behind a transport next (virtio_balloon__virtio). */
struct virtio_balloon *virtio_balloon__create(struct machine *m, struct err *err);
/* The transport must be gone. */
void virtio_balloon__destroy(struct virtio_balloon *b);
struct virtio_dev *virtio_balloon__virtio(struct virtio_balloon *b);

/*
 * Sets the balloon's target in bytes (rounded down to its 4 KiB pages, at
 * most the RAM size): the driver inflates or deflates towards it.
 */
void virtio_balloon__set_target(struct virtio_balloon *b, uint64_t bytes);
/* Asks the guest for fresh statistics (they arrive on statsq later). */
void virtio_balloon__request_stats(struct virtio_balloon *b);
void virtio_balloon__info(struct virtio_balloon *b, struct virtio_balloon_info *info);

void virtio_balloon__save(struct virtio_balloon *b, struct virtio_balloon_state *state);
int virtio_balloon__load(struct virtio_balloon *b, const struct virtio_balloon_state *state,
                         struct err *err);

#endif
