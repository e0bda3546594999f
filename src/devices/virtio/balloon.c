// SPDX-License-Identifier: Apache-2.0
/*
 * balloon.c - virtio-balloon (virtio 1.2, 5.5; see balloon.h).
 *
 * Queues, as Linux and QEMU number them: 0 inflateq, 1 deflateq, 2 statsq
 * when STATS_VQ is negotiated, then reporting_vq when PAGE_REPORTING is
 * (2 without statsq, 3 with it; FREE_PAGE_HINT is not offered, so its
 * queue never takes a number). The configuration space is num_pages (the
 * target, device-written) and actual (driver-written), both in 4 KiB pages.
 *
 * inflateq and deflateq buffers are arrays of le32 page frame numbers;
 * runs of consecutive frames are given back in one call. The statistics
 * buffer stays with the device between updates (5.5.6.3): the device
 * returns it to ask for new figures, and the driver sends it back filled
 * with tag/value pairs. Reported free pages are device-writable buffers
 * naming guest-physical ranges (2 MiB blocks with Linux's default order),
 * returned with nothing written.
 */
#include "devices/virtio/balloon.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio/virtio.h"
#include "machine/machine.h"
#include "util/log.h"

#define Q_INFLATE 0
#define Q_DEFLATE 1

#define CONFIG_NUM_PAGES 0
#define CONFIG_ACTUAL    4
#define CONFIG_SIZE      8

#define STAT_SIZE 10 /* le16 tag, le64 value, packed */

struct virtio_balloon {
    struct virtio_dev *vdev;
    struct machine *machine;
    pthread_mutex_t lock; /* guards everything below */
    uint64_t inflated_pages;
    uint64_t reported_bytes;
    bool stats_held;
    uint16_t stats_head;
    uint32_t stats_valid;
    uint64_t stats[VIRTIO_BALLOON_S_NR];
    uint64_t stats_updates;
};

enum queue_role { ROLE_INFLATE, ROLE_DEFLATE, ROLE_STATS, ROLE_REPORTING, ROLE_NONE };

static enum queue_role role_of(struct virtio_balloon *b, unsigned q)
{
    uint64_t f = virtio__features(b->vdev);
    bool stats = f & VIRTIO_FEATURE(VIRTIO_BALLOON_F_STATS_VQ);
    bool reporting = f & VIRTIO_FEATURE(VIRTIO_BALLOON_F_PAGE_REPORTING);
    if (q == Q_INFLATE)
        return ROLE_INFLATE;
    if (q == Q_DEFLATE)
        return ROLE_DEFLATE;
    if (stats && q == 2)
        return ROLE_STATS;
    if (reporting && q == (stats ? 3u : 2u))
        return ROLE_REPORTING;
    return ROLE_NONE;
}

/* Gives [gpa, gpa + len) back to the host; false if it is not RAM. */
static bool give_back(struct virtio_balloon *b, uint64_t gpa, uint64_t len)
{
    struct machine *m = b->machine;
    if (!guest_memory__hva(&m->mem, gpa, len))
        return false;
    if (m->engine && m->engine->ram_written)
        m->engine->ram_written(m, gpa, len); /* the page's code and contents are gone */
    if (guest_memory__discard(&m->mem, gpa, len))
        log_ratelimited("virtio-balloon: cannot give %llu KiB at %#llx back to the host: %m",
                        (unsigned long long)(len >> 10), (unsigned long long)gpa);
    return true;
}

/* inflateq/deflateq: the chain's readable part is an array of le32 PFNs. */
static void take_pfns(struct virtio_balloon *b, const struct virtq_chain *c, bool inflate)
{
    uint64_t run_start = 0, run_len = 0, pages = 0;
    uint32_t pfns[256];
    for (uint64_t off = 0; off + 4 <= c->readable_len;) {
        size_t n = virtq_chain__read(c, off, pfns, sizeof(pfns)) / 4;
        if (!n)
            break;
        off += n * 4;
        for (size_t k = 0; k < n; k++) {
            uint64_t gpa = (uint64_t)pfns[k] * VIRTIO_BALLOON_PAGE;
            if (!guest_memory__hva(&b->machine->mem, gpa, VIRTIO_BALLOON_PAGE)) {
                log_ratelimited("virtio-balloon: page frame %#x is not RAM: ignored", pfns[k]);
                continue;
            }
            pages++;
            if (!inflate)
                continue;
            if (run_len && gpa == run_start + run_len) {
                run_len += VIRTIO_BALLOON_PAGE;
                continue;
            }
            if (run_len)
                give_back(b, run_start, run_len);
            run_start = gpa, run_len = VIRTIO_BALLOON_PAGE;
        }
    }
    if (run_len)
        give_back(b, run_start, run_len);
    pthread_mutex_lock(&b->lock);
    if (inflate)
        b->inflated_pages += pages;
    else
        b->inflated_pages = pages > b->inflated_pages ? 0 : b->inflated_pages - pages;
    pthread_mutex_unlock(&b->lock);
}

/* statsq: tag/value pairs; the buffer stays with the device until the next request. */
static void take_stats(struct virtio_balloon *b, const struct virtq_chain *c)
{
    uint8_t rec[STAT_SIZE];
    pthread_mutex_lock(&b->lock);
    for (uint64_t off = 0; off + STAT_SIZE <= c->readable_len; off += STAT_SIZE) {
        if (virtq_chain__read(c, off, rec, STAT_SIZE) != STAT_SIZE)
            break;
        uint16_t tag = (uint16_t)(rec[0] | rec[1] << 8);
        uint64_t v;
        memcpy(&v, rec + 2, 8);
        if (tag < VIRTIO_BALLOON_S_NR) {
            b->stats[tag] = v;
            b->stats_valid |= 1u << tag;
        }
    }
    b->stats_updates++;
    bool had = b->stats_held;
    uint16_t old = b->stats_head;
    b->stats_held = true;
    b->stats_head = c->head;
    pthread_mutex_unlock(&b->lock);
    if (had) /* a driver that sent a second buffer: return the first */
        virtio__push(b->vdev, 2, &(struct virtq_chain){.head = old}, 0);
}

/* reporting_vq: each device-writable buffer is a free range the guest does not need. */
static void take_report(struct virtio_balloon *b, const struct virtq_chain *c)
{
    uint64_t bytes = 0;
    for (unsigned k = c->nreadable; k < c->nbufs; k++) {
        if (give_back(b, c->bufs[k].gpa, c->bufs[k].len))
            bytes += c->bufs[k].len;
    }
    pthread_mutex_lock(&b->lock);
    b->reported_bytes += bytes;
    pthread_mutex_unlock(&b->lock);
}

static void balloon_queue_notify(void *dev, unsigned q)
{
    struct virtio_balloon *b = dev;
    enum queue_role role = role_of(b, q);
    if (role == ROLE_NONE)
        return;
    struct virtq_chain c;
    while (virtio__pop(b->vdev, q, &c)) {
        switch (role) {
        case ROLE_INFLATE:
        case ROLE_DEFLATE: take_pfns(b, &c, role == ROLE_INFLATE); break;
        case ROLE_STATS: take_stats(b, &c); continue; /* held, not returned */
        case ROLE_REPORTING: take_report(b, &c); break;
        default: break;
        }
        virtio__push(b->vdev, q, &c, 0);
    }
}

/* The driver may write `actual` (4 bytes at 4); num_pages is the host's. */
static void balloon_config_write(void *dev, uint32_t offset, unsigned size, uint64_t value)
{
    struct virtio_balloon *b = dev;
    if (offset == CONFIG_ACTUAL && size == 4) {
        uint32_t v = (uint32_t)value;
        virtio__set_config(b->vdev, CONFIG_ACTUAL, &v, 4);
    }
}

static void balloon_reset(void *dev)
{
    struct virtio_balloon *b = dev;
    pthread_mutex_lock(&b->lock);
    b->stats_held = false;
    b->inflated_pages = 0; /* a new driver starts with an empty balloon */
    pthread_mutex_unlock(&b->lock);
    uint32_t zero = 0;
    virtio__set_config(b->vdev, CONFIG_ACTUAL, &zero, 4);
}

static const struct virtio_device_ops balloon_ops = {
    .queue_notify = balloon_queue_notify,
    .config_write = balloon_config_write,
    .reset = balloon_reset,
};

struct virtio_balloon *virtio_balloon__create(struct machine *m, struct err *err)
{
    struct virtio_balloon *b = calloc(1, sizeof(*b));
    if (!b) {
        err__set(err, "virtio-balloon: out of memory");
        return NULL;
    }
    b->machine = m;
    pthread_mutex_init(&b->lock, NULL);
    const struct virtio_device_info info = {
        .name = "virtio-balloon",
        .device_id = VIRTIO_ID_BALLOON,
        .nqueues = 4,
        .features = VIRTIO_FEATURE(VIRTIO_BALLOON_F_STATS_VQ) |
                    VIRTIO_FEATURE(VIRTIO_BALLOON_F_DEFLATE_ON_OOM) |
                    VIRTIO_FEATURE(VIRTIO_BALLOON_F_PAGE_REPORTING),
        .config_size = CONFIG_SIZE,
    };
    b->vdev = virtio__create(m, &info, &balloon_ops, b, err);
    if (!b->vdev) {
        virtio_balloon__destroy(b);
        return NULL;
    }
    return b;
}

void virtio_balloon__destroy(struct virtio_balloon *b)
{
    if (!b)
        return;
    virtio__destroy(b->vdev);
    pthread_mutex_destroy(&b->lock);
    free(b);
}

struct virtio_dev *virtio_balloon__virtio(struct virtio_balloon *b)
{
    return b->vdev;
}

void virtio_balloon__set_target(struct virtio_balloon *b, uint64_t bytes)
{
    if (bytes > b->machine->mem.ram_size)
        bytes = b->machine->mem.ram_size;
    uint32_t pages = (uint32_t)(bytes / VIRTIO_BALLOON_PAGE);
    virtio__update_config(b->vdev, CONFIG_NUM_PAGES, &pages, 4);
}

void virtio_balloon__request_stats(struct virtio_balloon *b)
{
    pthread_mutex_lock(&b->lock);
    bool held = b->stats_held;
    uint16_t head = b->stats_head;
    b->stats_held = false;
    pthread_mutex_unlock(&b->lock);
    if (held)
        virtio__push(b->vdev, 2, &(struct virtq_chain){.head = head}, 0);
}

void virtio_balloon__info(struct virtio_balloon *b, struct virtio_balloon_info *info)
{
    uint32_t target = 0, actual = 0;
    virtio__get_config(b->vdev, CONFIG_NUM_PAGES, &target, 4);
    virtio__get_config(b->vdev, CONFIG_ACTUAL, &actual, 4);
    pthread_mutex_lock(&b->lock);
    *info = (struct virtio_balloon_info){
        .target = (uint64_t)target * VIRTIO_BALLOON_PAGE,
        .actual = (uint64_t)actual * VIRTIO_BALLOON_PAGE,
        .inflated = b->inflated_pages * VIRTIO_BALLOON_PAGE,
        .reported = b->reported_bytes,
        .stats_valid = b->stats_valid,
        .stats_updates = b->stats_updates,
    };
    memcpy(info->stats, b->stats, sizeof(info->stats));
    pthread_mutex_unlock(&b->lock);
}

void virtio_balloon__save(struct virtio_balloon *b, struct virtio_balloon_state *state)
{
    memset(state, 0, sizeof(*state));
    state->version = VIRTIO_BALLOON_STATE_VERSION;
    virtio__save(b->vdev, &state->core);
    pthread_mutex_lock(&b->lock);
    state->stats_held = b->stats_held;
    state->stats_head = b->stats_head;
    state->inflated = b->inflated_pages;
    state->reported = b->reported_bytes;
    pthread_mutex_unlock(&b->lock);
}

int virtio_balloon__load(struct virtio_balloon *b, const struct virtio_balloon_state *state,
                         struct err *err)
{
    if (state->version != VIRTIO_BALLOON_STATE_VERSION)
        return err__set(err, "virtio-balloon: state version %u, want %u", state->version,
                        VIRTIO_BALLOON_STATE_VERSION);
    if (state->stats_held > 1 || state->inflated > b->machine->mem.ram_size / VIRTIO_BALLOON_PAGE)
        return err__set(err, "virtio-balloon: bad state");
    if (virtio__load(b->vdev, &state->core, err))
        return -1;
    pthread_mutex_lock(&b->lock);
    b->stats_held = state->stats_held;
    b->stats_head = state->stats_head;
    b->inflated_pages = state->inflated;
    b->reported_bytes = state->reported;
    pthread_mutex_unlock(&b->lock);
    return 0;
}
