// SPDX-License-Identifier: Apache-2.0
/*
 * rng.c - virtio-rng (virtio 1.2, 5.4; see rng.h): each chain on requestq
 * has its device-writable buffers filled with getrandom() bytes, up to
 * MAX_FILL per chain, and goes back with the count.
 */
#include "devices/virtio/rng.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "devices/virtio/virtio.h"
#include "util/log.h"

#define MAX_FILL (64u << 10)

struct virtio_rng {
    struct virtio_dev *vdev;
    pthread_mutex_t lock; /* guards chain */
    struct virtq_chain chain;
};

/* Fills one buffer; returns the bytes written (fewer only if getrandom fails). */
static uint32_t fill(uint8_t *dst, uint32_t len)
{
    uint32_t done = 0;
    while (done < len) {
        ssize_t n = getrandom(dst + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            log_ratelimited("virtio-rng: getrandom: %m");
            break;
        }
        done += (uint32_t)n;
    }
    return done;
}

static void rng_queue_notify(void *dev, unsigned q)
{
    struct virtio_rng *rng = dev;
    struct virtq_chain *c = &rng->chain;
    if (q != 0)
        return;
    pthread_mutex_lock(&rng->lock);
    while (virtio__pop(rng->vdev, 0, c)) {
        uint32_t written = 0;
        for (unsigned k = c->nreadable; k < c->nbufs && written < MAX_FILL; k++) {
            uint32_t want = c->bufs[k].len;
            if (want > MAX_FILL - written)
                want = MAX_FILL - written;
            uint32_t got = fill(c->bufs[k].hva, want);
            written += got;
            if (got < want)
                break;
        }
        virtio__push(rng->vdev, 0, c, written);
    }
    pthread_mutex_unlock(&rng->lock);
}

static const struct virtio_device_ops rng_ops = {.queue_notify = rng_queue_notify};

struct virtio_rng *virtio_rng__create(struct machine *m, struct err *err)
{
    struct virtio_rng *rng = calloc(1, sizeof(*rng));
    if (!rng) {
        err__set(err, "virtio-rng: out of memory");
        return NULL;
    }
    pthread_mutex_init(&rng->lock, NULL);
    const struct virtio_device_info info = {
        .name = "virtio-rng", .device_id = VIRTIO_ID_ENTROPY, .nqueues = 1};
    rng->vdev = virtio__create(m, &info, &rng_ops, rng, err);
    if (!rng->vdev) {
        virtio_rng__destroy(rng);
        return NULL;
    }
    return rng;
}

void virtio_rng__destroy(struct virtio_rng *rng)
{
    if (!rng)
        return;
    virtio__destroy(rng->vdev);
    pthread_mutex_destroy(&rng->lock);
    free(rng);
}

struct virtio_dev *virtio_rng__virtio(struct virtio_rng *rng)
{
    return rng->vdev;
}

void virtio_rng__save(struct virtio_rng *rng, struct virtio_rng_state *state)
{
    memset(state, 0, sizeof(*state));
    state->version = VIRTIO_RNG_STATE_VERSION;
    virtio__save(rng->vdev, &state->core);
}

int virtio_rng__load(struct virtio_rng *rng, const struct virtio_rng_state *state, struct err *err)
{
    if (state->version != VIRTIO_RNG_STATE_VERSION)
        return err__set(err, "virtio-rng: state version %u, want %u", state->version,
                        VIRTIO_RNG_STATE_VERSION);
    return virtio__load(rng->vdev, &state->core, err);
}
