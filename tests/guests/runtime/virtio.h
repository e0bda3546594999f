/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio.h - a minimal virtio driver for the test guests: virtio-mmio
 * version 2 devices (virtio 1.2, 4.2) announced on the kernel command line
 * as `virtio_mmio.device=4K@ADDR:IRQ`, initialized as 3.1.1 says, with
 * split virtqueues (2.7) of VIRTIO_QUEUE_SIZE entries, one request in
 * flight per queue, completions found by polling the used ring (no
 * interrupts needed). A driver error prints why and ends the guest with
 * EXIT_FAILURE.
 */
#ifndef GUEST_VIRTIO_H
#define GUEST_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#define VIRTIO_QUEUE_SIZE 8
#define VIRTIO_MAX_BUFS   4

#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_VERSION_1     32

struct virtio_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct virtio_queue {
    struct virtio_desc desc[VIRTIO_QUEUE_SIZE] __attribute__((aligned(16)));
    struct virtio_desc indirect[VIRTIO_MAX_BUFS] __attribute__((aligned(16)));
    struct {
        uint16_t flags, idx, ring[VIRTIO_QUEUE_SIZE], used_event;
    } avail __attribute__((aligned(2)));
    struct {
        uint16_t flags, idx;
        struct {
            uint32_t id, len;
        } ring[VIRTIO_QUEUE_SIZE];
        uint16_t avail_event;
    } used __attribute__((aligned(4)));
    unsigned index;
    uint16_t last_used;
};

struct virtio_dev {
    uintptr_t base;
    uint64_t features; /* offered by the device */
    bool indirect;     /* VIRTIO_F_INDIRECT_DESC negotiated */
};

/* One buffer of a request. */
struct virtio_buf {
    volatile void *addr;
    uint32_t len;
    bool device_writes;
};

/* Register offsets the guests use beyond the driver's own (4.2.2). */
#define VIRTIO_MMIO_DEVICE_ID        0x008
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK    0x064
#define VIRTIO_MMIO_CONFIG           0x100

uint32_t virtio__read(const struct virtio_dev *d, uint32_t reg);
void virtio__write(const struct virtio_dev *d, uint32_t reg, uint32_t value);

/* Fills bases[] with the devices of the given ID named on the command line; returns how many. */
int virtio__find(uint32_t device_id, uintptr_t *bases, int max);

/*
 * Resets the device at base and negotiates VERSION_1 plus whichever of
 * `wanted` (feature bits) the device offers, up to FEATURES_OK.
 */
void virtio__init(struct virtio_dev *d, uintptr_t base, uint64_t wanted);
/* Gives queue q to the device (after virtio__init, before virtio__driver_ok). */
void virtio__setup_queue(struct virtio_dev *d, struct virtio_queue *q, unsigned index);
void virtio__driver_ok(struct virtio_dev *d);

/*
 * Makes one request of n buffers available on q (through an indirect table
 * when use_indirect and negotiated), notifies the device and waits for it
 * to be used. Returns the used length. Checks that InterruptStatus shows
 * the used buffer and acknowledges it.
 */
uint32_t virtio__request(struct virtio_dev *d, struct virtio_queue *q,
                         const struct virtio_buf *bufs, unsigned n, bool use_indirect);

/*
 * Like virtio__request but returns without waiting; virtio__wait_used then
 * waits (without looking at InterruptStatus, which requests on other
 * queues may have acknowledged).
 */
void virtio__submit(struct virtio_dev *d, struct virtio_queue *q, const struct virtio_buf *bufs,
                    unsigned n, bool use_indirect);
uint32_t virtio__wait_used(struct virtio_dev *d, struct virtio_queue *q);

/* Prints "<what>: FAILED, <why>" and exits with EXIT_FAILURE. */
__attribute__((noreturn)) void virtio__fail(const char *why);

#endif
