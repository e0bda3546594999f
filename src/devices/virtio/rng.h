/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rng.h - virtio-rng, the entropy device (virtio 1.2, 5.4): one request
 * queue whose device-writable buffers are filled from the host's
 * getrandom(2).
 */
#ifndef STRATA_DEVICES_VIRTIO_RNG_H
#define STRATA_DEVICES_VIRTIO_RNG_H

#include <stdint.h>

#include "devices/virtio/core.h"

#define VIRTIO_RNG_STATE_VERSION 1

struct virtio_rng;

struct virtio_rng_state {
    uint32_t version;
    struct virtio_dev_state core;
};

/* The device; its core goes behind a transport next (virtio_rng__virtio). */
struct virtio_rng *virtio_rng__create(struct machine *m, struct err *err);
/* The transport must be gone. */
void virtio_rng__destroy(struct virtio_rng *rng);
/* The device's virtio core, for a transport. */
struct virtio_dev *virtio_rng__virtio(struct virtio_rng *rng);

void virtio_rng__save(struct virtio_rng *rng, struct virtio_rng_state *state);
int virtio_rng__load(struct virtio_rng *rng, const struct virtio_rng_state *state, struct err *err);

#endif
