// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_virtio_blk.c - fuzz target for virtio-blk request parsing
 * (src/devices/virtio/blk.c, virtio 1.2, 5.2.6) in libFuzzer's form: a
 * hostile driver's requests to a disk of 64 sectors (a temporary raw
 * image, made once).
 *
 * Input: byte 0 the number of requests (up to 16) and whether the driver
 * negotiates indirect descriptors (bit 7); then per request 16 bytes:
 *   type (4: IN, OUT, FLUSH, GET_ID, DISCARD, WRITE_ZEROES, or any value),
 *   sector (8, folded into the disk and a little past it unless the top
 *   bit of the next byte says otherwise), a shape byte (how many
 *   descriptors, 1..4, how many of them device-readable, whether to put
 *   the chain in an indirect table) and three length bytes (per
 *   descriptor, in 16-byte units); the rest fills the request buffers
 *   (headers are then written over their first 16 bytes unless the shape
 *   says to leave them raw). The requests are published, QueueNotify is
 *   written, and a reset waits for every request in flight.
 *
 * Checks: no sanitizer report or crash; every used-ring entry names a
 * published head and counts no more bytes than its chain let the device
 * write; the image keeps its size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block.h"
#include "board/layout.h"
#include "devices/virtio/blk.h"
#include "devices/virtio/mmio.h"
#include "devices/virtio/virtio.h"
#include "fuzz_machine.h"
#include "machine/bus.h"

#define RAM_SIZE        0x40000u
#define BASE            LAYOUT_VIRTIO_MMIO_BASE
#define GSI             5
#define QSIZE           64
#define DESC_GPA        0x1000u
#define AVAIL_GPA       0x2000u
#define USED_GPA        0x3000u
#define INDIRECT_GPA    0x4000u /* 16 tables of 4 descriptors */
#define BUF_GPA         0x8000u
#define BUF_STRIDE      0x3000u /* per request: up to 4 x 3 KiB descriptors fit below RAM_SIZE */
#define MAX_REQUESTS    16
#define DISK_SECTORS    64
#define DESC_F_NEXT     1
#define DESC_F_WRITE    2
#define DESC_F_INDIRECT 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct machine m;
static struct virtio_blk *blk;
static char image[64];

static void wr(uint64_t off, uint32_t v)
{
    bus__write(&m.mmio, BASE + off, 4, v);
}

static uint32_t rd(uint64_t off)
{
    uint64_t v = 0;
    bus__read(&m.mmio, BASE + off, 4, &v);
    return (uint32_t)v;
}

static void remove_image(void)
{
    unlink(image);
}

static void setup(void)
{
    fuzz_machine__init(&m, RAM_SIZE);
    snprintf(image, sizeof(image), "/tmp/strata-fuzz-blk-%d.img", (int)getpid());
    FILE *f = fopen(image, "w");
    fuzz_check(f != NULL);
    static const uint8_t sector[512];
    for (unsigned s = 0; s < DISK_SECTORS; s++)
        fuzz_check(fwrite(sector, sizeof(sector), 1, f) == 1);
    fclose(f);
    const struct block_options opts = {.path = image};
    struct err err;
    struct block_backend *disk = block__open(&opts, &err);
    fuzz_check(disk != NULL);
    blk = virtio_blk__create(&m, disk, "fuzz", &err);
    fuzz_check(blk != NULL);
    fuzz_check(virtio_mmio__create(&m, BASE, GSI, virtio_blk__virtio(blk), &err) != NULL);
    atexit(remove_image);
}

static void start(bool indirect)
{
    wr(VIRTIO_MMIO_STATUS, 0);
    wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    wr(VIRTIO_MMIO_DRIVER_FEATURES, indirect ? 1u << VIRTIO_F_RING_INDIRECT_DESC : 0);
    wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
    uint32_t st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
    wr(VIRTIO_MMIO_STATUS, st);
    wr(VIRTIO_MMIO_QUEUE_SEL, 0);
    wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
    wr(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC_GPA);
    wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, AVAIL_GPA);
    wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, USED_GPA);
    wr(VIRTIO_MMIO_QUEUE_READY, 1);
    wr(VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
}

static void put_desc(uint8_t *table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    uint8_t *d = table + 16 * i;
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!blk)
        setup();
    uint8_t *ram = fuzz_machine__hva(&m, 0, RAM_SIZE);
    memset(ram, 0, RAM_SIZE);
    struct fuzz_input in = {.data = data, .size = size};
    unsigned first = (unsigned)fuzz_input__take(&in, 1);
    unsigned nreq = (first & 0x7f) % (MAX_REQUESTS + 1);
    bool indirect = first & 0x80;
    start(indirect);

    uint32_t writable[MAX_REQUESTS];
    unsigned next_desc = 0, built = 0;
    static const uint32_t types[6] = {0, 1, 4, 8, 11, 13};
    struct fuzz_input body = {.data = data, .size = size, .pos = 1 + 16 * (size_t)nreq};
    for (unsigned r = 0; r < nreq; r++) {
        uint32_t type = (uint32_t)fuzz_input__take(&in, 4);
        uint64_t sector = fuzz_input__take(&in, 8);
        unsigned shape = (unsigned)fuzz_input__take(&in, 1);
        uint64_t lens = fuzz_input__take(&in, 3);
        if (!(shape & 0x80)) {
            type = type < 0x80000000u ? types[type % 6] : type;
            sector %= DISK_SECTORS + 4;
        }
        unsigned ndesc = 1 + (shape & 3), nread = (shape >> 2) & 3;
        bool use_indirect = indirect && (shape & 0x10);
        uint64_t buf = BUF_GPA + (uint64_t)r * BUF_STRIDE;
        uint8_t *table = use_indirect ? ram + INDIRECT_GPA + 64 * r : ram + DESC_GPA;
        unsigned base = use_indirect ? 0 : next_desc;
        if (!use_indirect && next_desc + ndesc > QSIZE)
            break;
        built++;
        writable[r] = 0;
        uint64_t at = buf;
        for (unsigned k = 0; k < ndesc; k++) {
            /* lengths: 16-byte units from the input, the first at least a header */
            uint32_t len = (uint32_t)((lens >> (6 * k)) & 63) * 16 + (k == 0 ? 16 : 1);
            if (k == ndesc - 1 && !(shape & 0x20))
                len = 1; /* the status byte alone, as drivers do */
            bool device_writes = k >= nread;
            for (uint32_t b = 0; b < len && at + b < RAM_SIZE; b++)
                ram[at + b] = (uint8_t)fuzz_input__take(&body, 1);
            put_desc(
                table, base + k, at, len,
                (uint16_t)((k + 1 < ndesc ? DESC_F_NEXT : 0) | (device_writes ? DESC_F_WRITE : 0)),
                (uint16_t)(base + k + 1));
            if (device_writes)
                writable[r] += len;
            at += len;
        }
        if (!(shape & 0x40)) { /* a well-formed header in the first descriptor */
            memcpy(ram + buf, &type, 4);
            memset(ram + buf + 4, 0, 4);
            memcpy(ram + buf + 8, &sector, 8);
        }
        uint16_t head = (uint16_t)next_desc;
        if (use_indirect) {
            put_desc(ram + DESC_GPA, next_desc, INDIRECT_GPA + 64 * r, 16 * ndesc, DESC_F_INDIRECT,
                     0);
            next_desc++;
        } else {
            next_desc += ndesc;
        }
        memcpy(ram + AVAIL_GPA + 4 + 2 * r, &head, 2);
    }
    uint16_t published = (uint16_t)built;
    memcpy(ram + AVAIL_GPA + 2, &published, 2);
    wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    wr(VIRTIO_MMIO_STATUS, 0); /* waits for the requests in flight */
    fuzz_check(rd(VIRTIO_MMIO_STATUS) == 0);

    uint16_t used;
    memcpy(&used, ram + USED_GPA + 2, 2);
    fuzz_check(used <= built);
    for (unsigned e = 0; e < used; e++) {
        uint32_t id, len;
        memcpy(&id, ram + USED_GPA + 4 + 8 * e, 4);
        memcpy(&len, ram + USED_GPA + 8 + 8 * e, 4);
        bool known = false;
        for (unsigned r = 0; r < built && !known; r++) {
            uint16_t head;
            memcpy(&head, ram + AVAIL_GPA + 4 + 2 * r, 2);
            if (head == id) {
                known = true;
                fuzz_check(len <= writable[r]);
            }
        }
        fuzz_check(known);
    }
    struct stat st;
    fuzz_check(stat(image, &st) == 0 && st.st_size == DISK_SECTORS * 512);
    return 0;
}
