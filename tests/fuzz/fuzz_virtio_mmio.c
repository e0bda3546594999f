// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_virtio_mmio.c - fuzz target for the virtio-mmio register file
 * (src/devices/virtio/mmio.c, virtio 1.2, 4.2.2) in libFuzzer's form: a
 * hostile driver's register accesses to a virtio-rng device, which has
 * one queue and fills the buffers it is given.
 *
 * Input: the first 64 KiB-or-less after a 2-byte header go into guest RAM
 * from 0 (rings and buffers a QueueNotify will walk); header byte 0 is the
 * number of accesses (up to 255), byte 1 whether the accesses start with
 * a well-behaved device initialization (bit 0, so that later accesses
 * reach the queues running). Then 8 bytes per access: kind (bit 0 write,
 * bits 1-2 width 1/2/4/8), offset (2 bytes, the 4 KiB window and a little
 * past it), value (4 bytes), and one byte whose low bit folds the value
 * into a plausible one (a guest address in RAM, a queue size).
 *
 * Checks: no sanitizer report or crash; the identification registers read
 * what the transport promises (MagicValue "virt", Version 2, DeviceID 4)
 * after every access, and QueueNumMax a power of two up to VIRTQ_MAX_SIZE
 * (or 0).
 */
#include <stdint.h>
#include <string.h>

#include "board/layout.h"
#include "devices/virtio/mmio.h"
#include "devices/virtio/rng.h"
#include "devices/virtio/virtio.h"
#include "fuzz_machine.h"
#include "machine/bus.h"

#define RAM_SIZE 0x20000u
#define BASE     LAYOUT_VIRTIO_MMIO_BASE
#define GSI      5
#define RNG_ID   4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct machine m;
static struct virtio_rng *rng;

static uint32_t rd(uint64_t off)
{
    uint64_t v = 0;
    bus__read(&m.mmio, BASE + off, 4, &v);
    return (uint32_t)v;
}

static void wr(uint64_t off, uint32_t v)
{
    bus__write(&m.mmio, BASE + off, 4, v);
}

/* A driver's start (virtio 1.2, 3.1.1) with one 16-entry queue at 0x1000/0x2000/0x3000. */
static void start(void)
{
    wr(VIRTIO_MMIO_STATUS, 0);
    wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
    wr(VIRTIO_MMIO_STATUS,
       VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    wr(VIRTIO_MMIO_QUEUE_SEL, 0);
    wr(VIRTIO_MMIO_QUEUE_NUM, 16);
    wr(VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000);
    wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, 0x2000);
    wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, 0x3000);
    wr(VIRTIO_MMIO_QUEUE_READY, 1);
    wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                               VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

static void check_identity(void)
{
    fuzz_check(rd(VIRTIO_MMIO_MAGIC_VALUE) == VIRTIO_MMIO_MAGIC);
    fuzz_check(rd(VIRTIO_MMIO_VERSION) == 2);
    fuzz_check(rd(VIRTIO_MMIO_DEVICE_ID) == RNG_ID);
    /* QueueNumMax of the selected queue: 0 for a queue the device does not have */
    uint32_t max = rd(VIRTIO_MMIO_QUEUE_NUM_MAX);
    fuzz_check(max == 0 || (max <= VIRTQ_MAX_SIZE && !(max & (max - 1))));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rng) {
        fuzz_machine__init(&m, RAM_SIZE);
        struct err err;
        rng = virtio_rng__create(&m, &err);
        fuzz_check(rng != NULL);
        fuzz_check(virtio_mmio__create(&m, BASE, GSI, virtio_rng__virtio(rng), &err) != NULL);
    }
    struct fuzz_input in = {.data = data, .size = size};
    unsigned naccess = (unsigned)fuzz_input__take(&in, 1);
    unsigned flags = (unsigned)fuzz_input__take(&in, 1);
    size_t accesses = (size_t)naccess * 8;
    size_t ram_bytes = size > in.pos + accesses ? size - in.pos - accesses : 0;
    if (ram_bytes > RAM_SIZE)
        ram_bytes = RAM_SIZE;
    uint8_t *ram = fuzz_machine__hva(&m, 0, RAM_SIZE);
    memset(ram, 0, RAM_SIZE);
    if (ram_bytes)
        memcpy(ram, data + in.pos + accesses, ram_bytes);

    if (flags & 1)
        start();
    for (unsigned k = 0; k < naccess; k++) {
        unsigned kind = (unsigned)fuzz_input__take(&in, 1);
        uint64_t off = fuzz_input__take(&in, 2) % (LAYOUT_VIRTIO_MMIO_SIZE + 0x40);
        uint64_t value = fuzz_input__take(&in, 4);
        if (fuzz_input__take(&in, 1) & 1)
            value = (kind & 0x80) ? value % 300 : value % RAM_SIZE;
        static const unsigned widths[4] = {1, 2, 4, 8};
        unsigned width = widths[(kind >> 1) & 3];
        if (kind & 1) {
            bus__write(&m.mmio, BASE + off, width, value);
        } else {
            uint64_t v;
            bus__read(&m.mmio, BASE + off, width, &v);
        }
        check_identity();
    }
    wr(VIRTIO_MMIO_STATUS, 0); /* reset: the next input starts from scratch */
    check_identity();
    return 0;
}
