// SPDX-License-Identifier: Apache-2.0
/*
 * net.c - virtio-net (virtio 1.2, 5.1; see net.h).
 *
 * Queue 0 (receiveq1): the backend's thread asks has_room, which takes a
 * chain and holds it, then hands a frame to receive, which writes the
 * header (num_buffers filled in) and the frame across as many chains as
 * it needs (mergeable buffers, 5.1.6.4; one chain without them) and
 * returns them all with one used-index update. If the chains run out
 * mid-frame they are given back (unpop) and the frame is dropped.
 *
 * Queue 1 (transmitq1): a notification wakes the transmit thread, which
 * takes each chain, checks its size and sends its readable part to the
 * backend: as it is when the backend carries the header, without the
 * header's 12 bytes otherwise.
 */
#include "devices/virtio/net.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/virtio/virtio.h"
#include "util/log.h"

#define RXQ        0
#define TXQ        1
#define MAX_RX_BUF 64 /* chains one received frame may span */

struct virtio_net {
    struct virtio_dev *vdev;
    struct net_backend *backend;
    /* receive: the backend's thread (and reset) */
    pthread_mutex_t rx_lock;
    struct virtq_chain *rx_chains[MAX_RX_BUF];
    unsigned rx_held; /* chains taken and not returned (0 or 1 between frames) */
    uint64_t offloads_applied;
    bool rx_started;
    /* transmit thread */
    pthread_t tx_thread;
    bool tx_started;
    int tx_kick;
    atomic_bool stopping;
    struct virtq_chain *tx_chain;
    struct iovec tx_iov[VIRTQ_MAX_CHAIN];
    atomic_ulong rx_frames, tx_frames, rx_dropped, tx_dropped;
};

static uint64_t guest_features(struct virtio_net *n)
{
    return virtio__features(n->vdev);
}

/* The guest's receive offloads become the tap's (TUNSETOFFLOAD), once per negotiation. */
static void apply_offloads(struct virtio_net *n)
{
    uint64_t f = guest_features(n);
    if (f == n->offloads_applied || !n->backend->ops->set_offloads)
        return;
    n->offloads_applied = f;
    unsigned o = 0;
    if (f & VIRTIO_FEATURE(VIRTIO_NET_F_GUEST_CSUM)) {
        o |= NET_OFFLOAD_CSUM;
        if (f & VIRTIO_FEATURE(VIRTIO_NET_F_GUEST_TSO4))
            o |= NET_OFFLOAD_TSO4;
        if (f & VIRTIO_FEATURE(VIRTIO_NET_F_GUEST_TSO6))
            o |= NET_OFFLOAD_TSO6;
    }
    int r = n->backend->ops->set_offloads(n->backend, o & n->backend->offloads);
    if (r)
        log_ratelimited("virtio-net: cannot set the backend's offloads: %s", strerror(-r));
}

static bool rx_has_room(void *opaque)
{
    struct virtio_net *n = opaque;
    pthread_mutex_lock(&n->rx_lock);
    virtio__work_begin(n->vdev); /* a reset waits for this */
    if (virtio__live(n->vdev)) {
        apply_offloads(n);
        if (!n->rx_held && virtio__pop(n->vdev, RXQ, n->rx_chains[0]))
            n->rx_held = 1;
    }
    bool room = n->rx_held > 0;
    virtio__work_end(n->vdev);
    pthread_mutex_unlock(&n->rx_lock);
    return room;
}

static void drop_rx(struct virtio_net *n, const char *why)
{
    atomic_fetch_add(&n->rx_dropped, 1);
    atomic_fetch_add(&n->backend->rx_dropped, 1);
    log__debug("virtio-net: received frame dropped: %s", why);
}

static void rx_receive(void *opaque, const uint8_t *frame, size_t len)
{
    struct virtio_net *n = opaque;
    uint8_t hdr[VIRTIO_NET_HDR_LEN] = {0};
    size_t hlen = n->backend->hdr_len;
    if (hlen) {
        if (len < hlen || hlen != VIRTIO_NET_HDR_LEN)
            return drop_rx(n, "short header");
        memcpy(hdr, frame, VIRTIO_NET_HDR_LEN);
        frame += hlen;
        len -= hlen;
    }
    pthread_mutex_lock(&n->rx_lock);
    virtio__work_begin(n->vdev);
    if (!n->rx_held || !virtio__live(n->vdev)) {
        virtio__work_end(n->vdev);
        pthread_mutex_unlock(&n->rx_lock);
        return drop_rx(n, "no receive buffers");
    }
    bool mergeable = guest_features(n) & VIRTIO_FEATURE(VIRTIO_NET_F_MRG_RXBUF);
    uint32_t written[MAX_RX_BUF];
    size_t total = VIRTIO_NET_HDR_LEN + len, done = 0;
    unsigned used = 0;
    /* Fill chains: the header first (num_buffers patched below), then the frame. */
    while (done < total) {
        if (used == n->rx_held) {
            if (!mergeable || used == MAX_RX_BUF || !virtio__pop(n->vdev, RXQ, n->rx_chains[used]))
                break;
            n->rx_held++;
        }
        struct virtq_chain *c = n->rx_chains[used];
        size_t off = 0;
        if (done < VIRTIO_NET_HDR_LEN) {
            size_t h = virtq_chain__write(c, 0, hdr + done, VIRTIO_NET_HDR_LEN - done);
            done += h;
            off = h;
        }
        if (done >= VIRTIO_NET_HDR_LEN && done < total) {
            size_t f =
                virtq_chain__write(c, off, frame + (done - VIRTIO_NET_HDR_LEN), total - done);
            done += f;
            off += f;
        }
        written[used++] = (uint32_t)off;
        if (off == 0)
            break; /* a chain with no writable bytes cannot carry anything */
    }
    if (done < total) {
        /* Give every chain back; the frame does not fit what the guest offers now. */
        virtio__unpop(n->vdev, RXQ, n->rx_held - 1);
        n->rx_held = 1;
        virtio__work_end(n->vdev);
        pthread_mutex_unlock(&n->rx_lock);
        return drop_rx(n, "frame larger than the receive buffers");
    }
    uint16_t nbufs = (uint16_t)used;
    virtq_chain__write(n->rx_chains[0], 10, &nbufs, sizeof(nbufs)); /* little-endian host */
    virtio__push_many(n->vdev, RXQ, (const struct virtq_chain *const *)n->rx_chains, written, used);
    /* Chains taken beyond those used (none: the loop stops when done) stay held. */
    n->rx_held -= used;
    if (n->rx_held) {
        struct virtq_chain *keep = n->rx_chains[0];
        n->rx_chains[0] = n->rx_chains[used];
        n->rx_chains[used] = keep;
    }
    atomic_fetch_add(&n->rx_frames, 1);
    virtio__work_end(n->vdev);
    pthread_mutex_unlock(&n->rx_lock);
}

static const struct net_rx_ops rx_ops = {.has_room = rx_has_room, .receive = rx_receive};

static void tx_one(struct virtio_net *n, struct virtq_chain *c)
{
    size_t hlen = n->backend->hdr_len;
    if (c->readable_len < VIRTIO_NET_HDR_LEN + 14 ||
        c->readable_len > VIRTIO_NET_HDR_LEN + NET_MAX_FRAME) {
        atomic_fetch_add(&n->tx_dropped, 1);
        log_ratelimited("virtio-net: transmit chain of %llu bytes dropped",
                        (unsigned long long)c->readable_len);
        return;
    }
    /* The readable buffers, skipping the header unless the backend takes it. */
    size_t skip = hlen ? 0 : VIRTIO_NET_HDR_LEN;
    int iovcnt = 0;
    for (unsigned k = 0; k < c->nreadable; k++) {
        uint8_t *p = c->bufs[k].hva;
        size_t l = c->bufs[k].len;
        if (skip >= l) {
            skip -= l;
            continue;
        }
        p += skip;
        l -= skip;
        skip = 0;
        n->tx_iov[iovcnt++] = (struct iovec){.iov_base = p, .iov_len = l};
    }
    int r = n->backend->ops->send(n->backend, n->tx_iov, iovcnt);
    if (r) {
        atomic_fetch_add(&n->tx_dropped, 1);
        log_ratelimited("virtio-net: the %s backend refused a frame: %s", n->backend->kind,
                        strerror(-r));
        return;
    }
    atomic_fetch_add(&n->tx_frames, 1);
}

static void *tx_loop(void *arg)
{
    struct virtio_net *n = arg;
    while (!atomic_load(&n->stopping)) {
        uint64_t v;
        if (read(n->tx_kick, &v, sizeof(v)) < 0 && errno != EINTR) {
            log__msg("virtio-net: eventfd read: %s", strerror(errno));
            break;
        }
        for (;;) {
            virtio__work_begin(n->vdev);
            if (!virtio__pop(n->vdev, TXQ, n->tx_chain)) {
                virtio__work_end(n->vdev);
                break;
            }
            tx_one(n, n->tx_chain);
            virtio__push(n->vdev, TXQ, n->tx_chain, 0);
            virtio__work_end(n->vdev);
        }
    }
    return NULL;
}

static void kick_tx(struct virtio_net *n)
{
    uint64_t one = 1;
    if (write(n->tx_kick, &one, sizeof(one)) < 0)
        log_ratelimited("virtio-net: eventfd write: %s", strerror(errno));
}

static void net_queue_notify(void *dev, unsigned q)
{
    struct virtio_net *n = dev;
    if (q == TXQ)
        kick_tx(n);
    else if (q == RXQ)
        n->backend->ops->rx_ready(n->backend);
}

static void net_reset(void *dev)
{
    struct virtio_net *n = dev;
    pthread_mutex_lock(&n->rx_lock);
    n->rx_held = 0; /* the queues are reset: held chains are forgotten with them */
    n->offloads_applied = 0;
    if (n->backend->ops->set_offloads)
        n->backend->ops->set_offloads(n->backend, 0);
    pthread_mutex_unlock(&n->rx_lock);
}

static const struct virtio_device_ops net_ops = {
    .queue_notify = net_queue_notify,
    .reset = net_reset,
};

struct virtio_net *virtio_net__create(struct machine *m, struct net_backend *backend,
                                      const uint8_t mac[6], struct err *err)
{
    struct virtio_net *n = calloc(1, sizeof(*n));
    if (!n) {
        net__close(backend);
        err__set(err, "virtio-net: out of memory");
        return NULL;
    }
    n->backend = backend;
    n->tx_kick = eventfd(0, EFD_CLOEXEC);
    pthread_mutex_init(&n->rx_lock, NULL);
    n->tx_chain = malloc(sizeof(*n->tx_chain));
    bool ok = n->tx_kick >= 0 && n->tx_chain;
    for (unsigned i = 0; i < MAX_RX_BUF && ok; i++)
        ok = (n->rx_chains[i] = malloc(sizeof(struct virtq_chain))) != NULL;
    if (!ok) {
        err__set(err, "virtio-net: out of memory");
        virtio_net__destroy(n);
        return NULL;
    }
    uint64_t features = VIRTIO_FEATURE(VIRTIO_NET_F_MAC) | VIRTIO_FEATURE(VIRTIO_NET_F_STATUS) |
                        VIRTIO_FEATURE(VIRTIO_NET_F_MRG_RXBUF);
    if (backend->hdr_len == VIRTIO_NET_HDR_LEN) {
        /* The tap takes the guest's partial checksums and TSO frames as they are. */
        features |= VIRTIO_FEATURE(VIRTIO_NET_F_CSUM) | VIRTIO_FEATURE(VIRTIO_NET_F_HOST_TSO4) |
                    VIRTIO_FEATURE(VIRTIO_NET_F_HOST_TSO6);
        if (backend->offloads & NET_OFFLOAD_CSUM)
            features |= VIRTIO_FEATURE(VIRTIO_NET_F_GUEST_CSUM);
        if (backend->offloads & NET_OFFLOAD_TSO4)
            features |= VIRTIO_FEATURE(VIRTIO_NET_F_GUEST_TSO4);
        if (backend->offloads & NET_OFFLOAD_TSO6)
            features |= VIRTIO_FEATURE(VIRTIO_NET_F_GUEST_TSO6);
    }
    const struct virtio_device_info info = {.name = "virtio-net",
                                            .device_id = VIRTIO_ID_NET,
                                            .nqueues = 2,
                                            .features = features,
                                            .config_size = 10};
    n->vdev = virtio__create(m, &info, &net_ops, n, err);
    if (!n->vdev) {
        virtio_net__destroy(n);
        return NULL;
    }
    /* Configuration (5.1.4): mac[6], le16 status, le16 max_virtqueue_pairs. */
    uint8_t config[10];
    memcpy(config, mac, 6);
    config[6] = VIRTIO_NET_S_LINK_UP;
    config[7] = 0;
    config[8] = 1;
    config[9] = 0;
    virtio__set_config(n->vdev, 0, config, sizeof(config));
    int rc = pthread_create(&n->tx_thread, NULL, tx_loop, n);
    if (rc) {
        err__set_errno(err, rc, "virtio-net: cannot start its transmit thread");
        virtio_net__destroy(n);
        return NULL;
    }
    n->tx_started = true;
    if (backend->ops->start(backend, &rx_ops, n, err)) {
        virtio_net__destroy(n);
        return NULL;
    }
    n->rx_started = true;
    return n;
}

void virtio_net__destroy(struct virtio_net *n)
{
    if (!n)
        return;
    atomic_store(&n->stopping, true);
    /* The backend first: its thread calls into the device. */
    net__close(n->backend);
    if (n->tx_started) {
        kick_tx(n);
        pthread_join(n->tx_thread, NULL);
    }
    virtio__destroy(n->vdev);
    if (n->tx_kick >= 0)
        close(n->tx_kick);
    for (unsigned i = 0; i < MAX_RX_BUF; i++)
        free(n->rx_chains[i]);
    free(n->tx_chain);
    pthread_mutex_destroy(&n->rx_lock);
    free(n);
}

struct virtio_dev *virtio_net__virtio(struct virtio_net *n)
{
    return n->vdev;
}

void virtio_net__stats(struct virtio_net *n, struct virtio_net_stats *s)
{
    *s = (struct virtio_net_stats){.rx_frames = atomic_load(&n->rx_frames),
                                   .tx_frames = atomic_load(&n->tx_frames),
                                   .rx_dropped = atomic_load(&n->rx_dropped),
                                   .tx_dropped = atomic_load(&n->tx_dropped)};
}

void virtio_net__save(struct virtio_net *n, struct virtio_net_state *state)
{
    memset(state, 0, sizeof(*state));
    state->version = VIRTIO_NET_STATE_VERSION;
    virtio__save(n->vdev, &state->core);
}

int virtio_net__load(struct virtio_net *n, const struct virtio_net_state *state, struct err *err)
{
    if (state->version != VIRTIO_NET_STATE_VERSION)
        return err__set(err, "virtio-net: state version %u, want %u", state->version,
                        VIRTIO_NET_STATE_VERSION);
    return virtio__load(n->vdev, &state->core, err);
}
