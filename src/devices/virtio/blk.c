// SPDX-License-Identifier: Apache-2.0
/*
 * blk.c - virtio-blk (virtio 1.2, 5.2; see blk.h).
 *
 * A request (5.2.6) is a chain: a 16-byte header (le32 type, le32 reserved,
 * le64 sector) and, for writes, discard and write-zeroes, the data in the
 * device-readable part; for reads and get-id, the data in the
 * device-writable part, whose last byte is the status. With VERSION_1 the
 * device may not assume how the driver split these into buffers (2.6.4),
 * so they are addressed by byte offset across the chain.
 *
 * A notification takes every available chain and hands each to the I/O
 * pool as one job; the job runs the request on the backend, writes the
 * status and returns the chain. Flush is the backend's flush (fdatasync
 * for raw): when it completes, every write completed before it is on the
 * host disk. A discard the host cannot do (no hole punching there) is
 * answered VIRTIO_BLK_S_UNSUPP, never a silent success.
 */
#include "devices/virtio/blk.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "block/io_pool.h"
#include "devices/virtio/virtio.h"
#include "util/log.h"

/* Feature bits (5.2.3) */
#define VIRTIO_BLK_F_SEG_MAX      2
#define VIRTIO_BLK_F_RO           5
#define VIRTIO_BLK_F_BLK_SIZE     6
#define VIRTIO_BLK_F_FLUSH        9
#define VIRTIO_BLK_F_DISCARD      13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* Request types and status (5.2.6) */
#define VIRTIO_BLK_T_IN           0
#define VIRTIO_BLK_T_OUT          1
#define VIRTIO_BLK_T_FLUSH        4
#define VIRTIO_BLK_T_GET_ID       8
#define VIRTIO_BLK_T_DISCARD      11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_S_OK           0
#define VIRTIO_BLK_S_IOERR        1
#define VIRTIO_BLK_S_UNSUPP       2

#define VIRTIO_BLK_WRITE_ZEROES_UNMAP 1u

#define SECTOR_SIZE     512u
#define SECTOR_SHIFT    9
#define HEADER_SIZE     16
#define IO_THREADS      4
#define MAX_DWZ_SECTORS ((1u << 22) - 1) /* per discard/write-zeroes segment: 2 GiB */
#define MAX_DWZ_SEGS    16u
#define DWZ_SEG_SIZE    16 /* le64 sector, le32 num_sectors, le32 flags */

/* Configuration space offsets (5.2.4) */
#define CFG_CAPACITY                 0
#define CFG_SEG_MAX                  12
#define CFG_BLK_SIZE                 20
#define CFG_NUM_QUEUES               34
#define CFG_MAX_DISCARD_SECTORS      36
#define CFG_MAX_DISCARD_SEG          40
#define CFG_DISCARD_SECTOR_ALIGNMENT 44
#define CFG_MAX_WRITE_ZEROES_SECTORS 48
#define CFG_MAX_WRITE_ZEROES_SEG     52
#define CFG_WRITE_ZEROES_MAY_UNMAP   56
#define CFG_SIZE                     60

struct virtio_blk {
    struct virtio_dev *vdev;
    struct block_backend *disk;
    struct io_pool *pool;
    uint64_t sectors;
    char serial[VIRTIO_BLK_ID_BYTES];
};

struct blk_request {
    struct io_job job; /* first: the pool hands back this pointer */
    struct virtio_blk *blk;
    struct virtq_chain chain;
};

struct blk_header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

/*
 * iovecs for len bytes of the readable (or writable) part of a chain,
 * starting skip bytes into it. Returns how many, or -1 if the part is short.
 */
static int chain_iov(const struct virtq_chain *c, bool writable, uint64_t skip, uint64_t len,
                     struct iovec *iov)
{
    unsigned first = writable ? c->nreadable : 0, end = writable ? c->nbufs : c->nreadable;
    int n = 0;
    for (unsigned k = first; k < end && len; k++) {
        const struct virtq_buf *b = &c->bufs[k];
        if (skip >= b->len) {
            skip -= b->len;
            continue;
        }
        uint64_t take = b->len - skip;
        if (take > len)
            take = len;
        iov[n++] = (struct iovec){.iov_base = b->hva + skip, .iov_len = (size_t)take};
        len -= take;
        skip = 0;
    }
    return len ? -1 : n;
}

static bool in_disk(const struct virtio_blk *blk, uint64_t sector, uint64_t nsectors)
{
    return sector <= blk->sectors && nsectors <= blk->sectors - sector;
}

static uint8_t status_of(int rc)
{
    return rc ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

/* IN and OUT: data_len bytes at sector; *written counts what went into guest RAM. */
static uint8_t do_rw(struct virtio_blk *blk, const struct virtq_chain *c,
                     const struct blk_header *h, bool write, uint32_t *written)
{
    uint64_t data_len = write ? c->readable_len - HEADER_SIZE : c->writable_len - 1;
    if (data_len % SECTOR_SIZE || !in_disk(blk, h->sector, data_len >> SECTOR_SHIFT)) {
        log_ratelimited("virtio-blk: %s of %llu bytes at sector %llu is outside the disk or not "
                        "whole sectors",
                        write ? "write" : "read", (unsigned long long)data_len,
                        (unsigned long long)h->sector);
        return VIRTIO_BLK_S_IOERR;
    }
    if (write && blk->disk->readonly)
        return VIRTIO_BLK_S_IOERR;
    struct iovec iov[VIRTQ_MAX_CHAIN];
    int n = chain_iov(c, !write, write ? HEADER_SIZE : 0, data_len, iov);
    if (n < 0)
        return VIRTIO_BLK_S_IOERR;
    uint64_t offset = h->sector << SECTOR_SHIFT;
    int rc = write ? blk->disk->ops->pwritev(blk->disk, iov, n, offset)
                   : blk->disk->ops->preadv(blk->disk, iov, n, offset);
    if (rc) {
        log_ratelimited("virtio-blk: %s at sector %llu: %s", write ? "write" : "read",
                        (unsigned long long)h->sector, strerror(-rc));
        return VIRTIO_BLK_S_IOERR;
    }
    if (!write)
        *written = (uint32_t)data_len;
    return VIRTIO_BLK_S_OK;
}

static uint8_t do_get_id(struct virtio_blk *blk, const struct virtq_chain *c, uint32_t *written)
{
    uint64_t room = c->writable_len - 1;
    size_t n = room < VIRTIO_BLK_ID_BYTES ? (size_t)room : VIRTIO_BLK_ID_BYTES;
    *written = (uint32_t)virtq_chain__write(c, 0, blk->serial, n);
    return VIRTIO_BLK_S_OK;
}

/* DISCARD and WRITE_ZEROES: an array of {sector, num_sectors, flags} after the header. */
static uint8_t do_discard_or_zero(struct virtio_blk *blk, const struct virtq_chain *c, bool zero)
{
    uint64_t payload = c->readable_len - HEADER_SIZE;
    uint64_t nsegs = payload / DWZ_SEG_SIZE;
    if (blk->disk->readonly)
        return VIRTIO_BLK_S_IOERR;
    if (payload % DWZ_SEG_SIZE || nsegs == 0 || nsegs > MAX_DWZ_SEGS)
        return VIRTIO_BLK_S_UNSUPP;
    for (uint64_t k = 0; k < nsegs; k++) {
        uint8_t raw[DWZ_SEG_SIZE];
        virtq_chain__read(c, HEADER_SIZE + k * DWZ_SEG_SIZE, raw, sizeof(raw));
        uint64_t sector;
        uint32_t num, flags;
        memcpy(&sector, raw, 8);
        memcpy(&num, raw + 8, 4);
        memcpy(&flags, raw + 12, 4);
        /* 5.2.6.2: unknown flags, or unmap on a discard, are unsupported */
        if (flags & ~(zero ? VIRTIO_BLK_WRITE_ZEROES_UNMAP : 0u))
            return VIRTIO_BLK_S_UNSUPP;
        if (num > MAX_DWZ_SECTORS || !in_disk(blk, sector, num))
            return VIRTIO_BLK_S_IOERR;
        uint64_t off = sector << SECTOR_SHIFT, len = (uint64_t)num << SECTOR_SHIFT;
        int rc = zero ? blk->disk->ops->write_zeroes(blk->disk, off, len,
                                                     flags & VIRTIO_BLK_WRITE_ZEROES_UNMAP)
                      : blk->disk->ops->discard(blk->disk, off, len);
        if (rc == -EOPNOTSUPP && !zero)
            return VIRTIO_BLK_S_UNSUPP; /* the host cannot discard here */
        if (rc)
            return VIRTIO_BLK_S_IOERR;
    }
    return VIRTIO_BLK_S_OK;
}

/* Runs one request; returns the status, *written = data bytes put in guest RAM. */
static uint8_t run_request(struct virtio_blk *blk, const struct virtq_chain *c,
                           const struct blk_header *h, uint32_t *written)
{
    switch (h->type) {
    case VIRTIO_BLK_T_IN: return do_rw(blk, c, h, false, written);
    case VIRTIO_BLK_T_OUT: return do_rw(blk, c, h, true, written);
    case VIRTIO_BLK_T_FLUSH: return status_of(blk->disk->ops->flush(blk->disk));
    case VIRTIO_BLK_T_GET_ID: return do_get_id(blk, c, written);
    case VIRTIO_BLK_T_DISCARD: return do_discard_or_zero(blk, c, false);
    case VIRTIO_BLK_T_WRITE_ZEROES: return do_discard_or_zero(blk, c, true);
    default: return VIRTIO_BLK_S_UNSUPP;
    }
}

static void request_job(struct io_job *job)
{
    struct blk_request *req = (struct blk_request *)job;
    struct virtio_blk *blk = req->blk;
    const struct virtq_chain *c = &req->chain;
    uint32_t written = 0;

    struct blk_header h;
    if (c->readable_len < HEADER_SIZE || c->writable_len < 1) {
        log_ratelimited("virtio-blk: request without a header or a status byte");
    } else {
        virtq_chain__read(c, 0, &h, HEADER_SIZE);
        uint8_t status = run_request(blk, c, &h, &written);
        virtq_chain__write(c, c->writable_len - 1, &status, 1);
        written++;
    }
    virtio__push(blk->vdev, 0, c, written);
    free(req);
    virtio__work_end(blk->vdev);
}

static void blk_queue_notify(void *dev, unsigned q)
{
    struct virtio_blk *blk = dev;
    if (q != 0)
        return;
    for (;;) {
        struct blk_request *req = malloc(sizeof(*req));
        if (!req) {
            log_ratelimited("virtio-blk: out of memory for a request");
            return;
        }
        /* Counted before the pop, so that a reset cannot slip between pop and submit. */
        virtio__work_begin(blk->vdev);
        if (!virtio__pop(blk->vdev, 0, &req->chain)) {
            virtio__work_end(blk->vdev);
            free(req);
            return;
        }
        req->blk = blk;
        req->job.run = request_job;
        io_pool__submit(blk->pool, &req->job);
    }
}

static const struct virtio_device_ops blk_ops = {.queue_notify = blk_queue_notify};

static void put32(struct virtio_dev *t, uint32_t off, uint32_t v)
{
    virtio__set_config(t, off, &v, sizeof(v));
}

static void set_config(struct virtio_blk *blk)
{
    struct virtio_dev *t = blk->vdev;
    uint8_t one = 1;
    uint16_t nqueues = 1;
    virtio__set_config(t, CFG_CAPACITY, &blk->sectors, sizeof(blk->sectors));
    put32(t, CFG_SEG_MAX, VIRTQ_MAX_SIZE - 2);
    put32(t, CFG_BLK_SIZE, SECTOR_SIZE);
    virtio__set_config(t, CFG_NUM_QUEUES, &nqueues, sizeof(nqueues));
    put32(t, CFG_MAX_DISCARD_SECTORS, MAX_DWZ_SECTORS);
    put32(t, CFG_MAX_DISCARD_SEG, MAX_DWZ_SEGS);
    put32(t, CFG_DISCARD_SECTOR_ALIGNMENT, 1);
    put32(t, CFG_MAX_WRITE_ZEROES_SECTORS, MAX_DWZ_SECTORS);
    put32(t, CFG_MAX_WRITE_ZEROES_SEG, MAX_DWZ_SEGS);
    virtio__set_config(t, CFG_WRITE_ZEROES_MAY_UNMAP, &one, 1);
}

struct virtio_blk *virtio_blk__create(struct machine *m, struct block_backend *disk,
                                      const char *serial, struct err *err)
{
    serial = serial ? serial : "";
    if (strlen(serial) > VIRTIO_BLK_ID_BYTES) {
        err__set(err, "virtio-blk: id '%s' is longer than %d bytes", serial, VIRTIO_BLK_ID_BYTES);
        return NULL;
    }
    struct virtio_blk *blk = calloc(1, sizeof(*blk));
    if (!blk) {
        err__set(err, "virtio-blk: out of memory");
        return NULL;
    }
    memcpy(blk->serial, serial, strlen(serial));
    blk->disk = disk;
    blk->sectors = disk->size >> SECTOR_SHIFT;
    if (!(blk->pool = io_pool__create(IO_THREADS, err)))
        goto fail;

    uint64_t features = VIRTIO_FEATURE(VIRTIO_BLK_F_SEG_MAX) |
                        VIRTIO_FEATURE(VIRTIO_BLK_F_BLK_SIZE) | VIRTIO_FEATURE(VIRTIO_BLK_F_FLUSH);
    features |= disk->readonly ? VIRTIO_FEATURE(VIRTIO_BLK_F_RO)
                               : VIRTIO_FEATURE(VIRTIO_BLK_F_DISCARD) |
                                     VIRTIO_FEATURE(VIRTIO_BLK_F_WRITE_ZEROES);
    const struct virtio_device_info info = {
        .name = "virtio-blk",
        .device_id = VIRTIO_ID_BLOCK,
        .nqueues = 1,
        .features = features,
        .config_size = CFG_SIZE,
    };
    if (!(blk->vdev = virtio__create(m, &info, &blk_ops, blk, err)))
        goto fail;
    set_config(blk);
    return blk;

fail:
    virtio_blk__destroy(blk);
    return NULL;
}

void virtio_blk__destroy(struct virtio_blk *blk)
{
    if (!blk)
        return;
    virtio__destroy(blk->vdev); /* waits for the requests in the pool */
    io_pool__destroy(blk->pool);
    free(blk);
}

struct virtio_dev *virtio_blk__virtio(struct virtio_blk *blk)
{
    return blk->vdev;
}

void virtio_blk__save(struct virtio_blk *blk, struct virtio_blk_state *state)
{
    memset(state, 0, sizeof(*state));
    state->version = VIRTIO_BLK_STATE_VERSION;
    virtio__save(blk->vdev, &state->core);
}

int virtio_blk__load(struct virtio_blk *blk, const struct virtio_blk_state *state, struct err *err)
{
    if (state->version != VIRTIO_BLK_STATE_VERSION)
        return err__set(err, "virtio-blk: state version %u, want %u", state->version,
                        VIRTIO_BLK_STATE_VERSION);
    uint64_t sectors;
    memcpy(&sectors, state->core.config + CFG_CAPACITY, sizeof(sectors));
    if (sectors != blk->sectors)
        return err__set(err, "virtio-blk: state is for a disk of %llu sectors, this one has %llu",
                        (unsigned long long)sectors, (unsigned long long)blk->sectors);
    return virtio__load(blk->vdev, &state->core, err);
}
