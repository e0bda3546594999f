/* SPDX-License-Identifier: Apache-2.0 */
/*
 * queue.h - the device side of a split virtqueue (virtio 1.2, 2.7): taking
 * descriptor chains from the available ring and returning them on the used
 * ring, with indirect descriptors (2.7.5.3) and used/available event
 * suppression (VIRTIO_F_RING_EVENT_IDX, 2.7.7 and 2.7.10).
 *
 * Everything the driver wrote is hostile input. The rings are checked
 * against guest RAM once, when the queue is enabled; every descriptor's
 * buffer is checked when its chain is taken. A chain that loops, leaves
 * RAM, nests indirect tables, puts a device-readable buffer after a
 * device-writable one, or is longer than the queue (or VIRTQ_MAX_CHAIN)
 * breaks the queue: virtq__pop says why and the transport puts the device
 * in DEVICE_NEEDS_RESET. Nothing the guest writes can make the device loop
 * or touch host memory outside guest RAM.
 *
 * A queue has one lock; pop and push may be called from any thread.
 */
#ifndef STRATA_DEVICES_VIRTIO_QUEUE_H
#define STRATA_DEVICES_VIRTIO_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "machine/memory.h"

/* The largest queue the devices offer (QueueNumMax); split rings need a power of 2. */
#define VIRTQ_MAX_SIZE  256
/* The most buffers one chain may hold, indirect tables included (QEMU's VIRTQUEUE_MAX_SIZE). */
#define VIRTQ_MAX_CHAIN 1024

/* Descriptor flags (2.7.5) */
#define VIRTQ_DESC_F_NEXT          1u
#define VIRTQ_DESC_F_WRITE         2u
#define VIRTQ_DESC_F_INDIRECT      4u
/* Available ring flags (2.7.6): no used buffer notification wanted */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u

/* One buffer of a chain, already translated into host memory. */
struct virtq_buf {
    uint8_t *hva;
    uint64_t gpa;
    uint32_t len;
    bool device_writes;
};

/* A descriptor chain taken from the available ring: readable buffers first, then writable. */
struct virtq_chain {
    uint16_t head; /* index to hand back on the used ring */
    unsigned nbufs;
    unsigned nreadable; /* bufs[0, nreadable) are device-readable, the rest device-writable */
    uint64_t readable_len;
    uint64_t writable_len;
    struct virtq_buf bufs[VIRTQ_MAX_CHAIN];
};

struct virtq {
    pthread_mutex_t lock;
    /* Set by the driver through the transport while the queue is not ready. */
    uint16_t num;
    uint64_t desc_gpa, avail_gpa, used_gpa;
    /* Valid while ready. */
    bool ready;
    bool event_idx; /* VIRTIO_F_RING_EVENT_IDX negotiated */
    bool indirect;  /* VIRTIO_F_RING_INDIRECT_DESC negotiated */
    const struct guest_memory *mem;
    uint8_t *desc, *avail, *used; /* host addresses of the three areas */
    uint16_t last_avail_idx;      /* next available ring entry to take */
    uint16_t used_idx;            /* next used ring entry to fill */
};

enum virtq_pop_result {
    VIRTQ_BROKEN = -1, /* the driver broke the ring; *why says how */
    VIRTQ_EMPTY = 0,
    VIRTQ_GOT_CHAIN = 1,
};

void virtq__init(struct virtq *q);
void virtq__destroy(struct virtq *q);

/*
 * Makes the queue ready with the sizes and addresses the driver set: checks
 * that num is a power of 2 no larger than max_num, and that the descriptor
 * table, the available ring and the used ring are aligned (2.7) and in RAM.
 * On failure the queue stays not ready and *why says what was wrong.
 */
int virtq__enable(struct virtq *q, const struct guest_memory *mem, uint16_t max_num, bool event_idx,
                  bool indirect, const char **why);

/* Back to the state after reset: not ready, no size, no addresses. */
void virtq__reset(struct virtq *q);

/* Stops taking and returning chains (before a reset drains the device); keeps the setup. */
void virtq__disable(struct virtq *q);

/* Takes the next available chain into *chain. */
enum virtq_pop_result virtq__pop(struct virtq *q, struct virtq_chain *chain, const char **why);

/*
 * Returns the chain starting at head with `written` bytes written into its
 * writable buffers. True if the driver wants a used buffer notification now
 * (event index or the NO_INTERRUPT flag, 2.7.7.2). A queue no longer ready
 * (being reset) drops the chain and returns false.
 */
bool virtq__push(struct virtq *q, uint16_t head, uint32_t written);

/*
 * Returns n chains at once (heads[i] with written[i] bytes): the driver
 * sees the used index move once, past all of them (virtio-net's mergeable
 * receive buffers of one frame, 5.1.6.4). True if it wants a notification.
 */
bool virtq__push_many(struct virtq *q, const uint16_t *heads, const uint32_t *written, unsigned n);

/* Gives back the last n chains taken and not returned: they will be taken again. */
void virtq__unpop(struct virtq *q, unsigned n);

/* Copies up to len bytes of the chain's readable part from offset; returns how many. */
size_t virtq_chain__read(const struct virtq_chain *c, uint64_t offset, void *dst, size_t len);
/* Copies up to len bytes into the chain's writable part at offset; returns how many. */
size_t virtq_chain__write(const struct virtq_chain *c, uint64_t offset, const void *src,
                          size_t len);

/* The queue's progress, for save/load of a device's state. */
struct virtq_state {
    uint16_t num;
    uint8_t ready;
    uint8_t pad;
    uint16_t last_avail_idx;
    uint16_t used_idx;
    uint64_t desc_gpa, avail_gpa, used_gpa;
};

void virtq__save(struct virtq *q, struct virtq_state *st);
/* Restores a saved queue, enabling it again if it was ready (with the same checks). */
int virtq__load(struct virtq *q, const struct virtq_state *st, const struct guest_memory *mem,
                uint16_t max_num, bool event_idx, bool indirect, const char **why);

#endif
