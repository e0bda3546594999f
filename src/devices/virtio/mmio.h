/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mmio.h - the virtio-mmio transport, version 2 (virtio 1.2, 4.2): one
 * device's register window on the machine's MMIO bus and its interrupt line.
 *
 * The transport owns what every virtio device has: status and feature
 * negotiation (VIRTIO_F_VERSION_1 required; indirect descriptors and event
 * index offered), the virtqueues, the interrupt status register and the
 * configuration space bytes. A device (blk, console, rng) supplies its ID,
 * its feature bits, its queue count, its configuration space and callbacks.
 *
 * Notifications: the driver's QueueNotify write calls the device's
 * queue_notify directly on the vCPU thread (emu), or, where the engine has
 * ioeventfds (kvm), signals an eventfd that the transport's event thread
 * turns into the same call. Interrupts: the line is high while
 * InterruptStatus is non-zero (set_irq); where the engine has irqfds (kvm),
 * each rise of that level is sent as an edge through the irqfd, which is
 * what the edge-triggered ISA pins the MP and ACPI tables describe see.
 *
 * A driver breaking a ring puts the device in DEVICE_NEEDS_RESET with a
 * configuration change interrupt (2.1.2) and one rate-limited log line;
 * the device then ignores notifications until the driver resets it.
 */
#ifndef STRATA_DEVICES_VIRTIO_MMIO_H
#define STRATA_DEVICES_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/queue.h"
#include "machine/bus.h"
#include "util/err.h"

struct machine;
struct virtio_mmio;

#define VIRTIO_MMIO_MAX_QUEUES    4
#define VIRTIO_MMIO_WINDOW_SIZE   0x1000 /* the register window: registers, then configuration */
#define VIRTIO_MMIO_CONFIG_MAX    256    /* bytes of device configuration space, from 0x100 */
#define VIRTIO_MMIO_VENDOR_ID     0x41525453u /* "STRA" */
#define VIRTIO_MMIO_STATE_VERSION 1

/* Register offsets (4.2.2) */
#define VIRTIO_MMIO_MAGIC_VALUE         0x000
#define VIRTIO_MMIO_VERSION             0x004
#define VIRTIO_MMIO_DEVICE_ID           0x008
#define VIRTIO_MMIO_VENDOR_ID_REG       0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES     0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES     0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL           0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX       0x034
#define VIRTIO_MMIO_QUEUE_NUM           0x038
#define VIRTIO_MMIO_QUEUE_READY         0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY        0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS    0x060
#define VIRTIO_MMIO_INTERRUPT_ACK       0x064
#define VIRTIO_MMIO_STATUS              0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW      0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH     0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW    0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH   0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW    0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH   0x0a4
#define VIRTIO_MMIO_SHM_SEL             0x0ac
#define VIRTIO_MMIO_SHM_LEN_LOW         0x0b0
#define VIRTIO_MMIO_SHM_LEN_HIGH        0x0b4
#define VIRTIO_MMIO_SHM_BASE_LOW        0x0b8
#define VIRTIO_MMIO_SHM_BASE_HIGH       0x0bc
#define VIRTIO_MMIO_CONFIG_GENERATION   0x0fc
#define VIRTIO_MMIO_CONFIG              0x100

#define VIRTIO_MMIO_MAGIC 0x74726976u /* "virt" */

/* What a device is, fixed at creation. */
struct virtio_device_info {
    const char *name;     /* for log lines: "virtio-blk" */
    uint32_t device_id;   /* VIRTIO_ID_* */
    unsigned nqueues;     /* at most VIRTIO_MMIO_MAX_QUEUES */
    uint64_t features;    /* device-specific feature bits; the transport adds its own */
    uint32_t config_size; /* at most VIRTIO_MMIO_CONFIG_MAX */
};

struct virtio_device_ops {
    /*
     * The driver notified queue q (the device is DRIVER_OK and q is ready).
     * Runs on a vCPU thread or the transport's event thread, possibly on
     * several threads at once; counted as in-flight work (see work_begin).
     */
    void (*queue_notify)(void *dev, unsigned q);
    /*
     * Optional: the driver wrote `size` bytes of value at offset of the
     * configuration space (bounds-checked). The device decides what it
     * changes (virtio_mmio__set_config); without this callback the
     * configuration space is read-only to the driver.
     */
    void (*config_write)(void *dev, uint32_t offset, unsigned size, uint64_t value);
    /* Optional: the device is being reset; no work is in flight and the queues are reset. */
    void (*reset)(void *dev);
};

/* The transport's guest-visible state, as saved in a snapshot: plain data, no pointers. */
struct virtio_mmio_state {
    uint32_t version;
    uint32_t device_id;
    uint32_t status;
    uint32_t device_features_sel;
    uint32_t driver_features_sel;
    uint32_t queue_sel;
    uint64_t driver_features;
    uint32_t interrupt_status;
    uint32_t config_generation;
    uint32_t nqueues;
    uint32_t config_size;
    struct virtq_state queues[VIRTIO_MMIO_MAX_QUEUES];
    uint8_t config[VIRTIO_MMIO_CONFIG_MAX];
};

/*
 * Creates the transport for one device and registers its window
 * [base, base + 4 KiB) on m's MMIO bus, interrupting on gsi. ops and dev
 * stay the device's.
 */
struct virtio_mmio *virtio_mmio__create(struct machine *m, uint64_t base, unsigned gsi,
                                        const struct virtio_device_info *info,
                                        const struct virtio_device_ops *ops, void *dev,
                                        struct err *err);
/* Stops the event thread and waits for in-flight work; the device must have stopped its own. */
void virtio_mmio__destroy(struct virtio_mmio *t);

/* Sets configuration bytes (at creation: no interrupt). */
void virtio_mmio__set_config(struct virtio_mmio *t, uint32_t offset, const void *src, size_t len);
/* Reads configuration bytes the driver may have written. */
void virtio_mmio__get_config(struct virtio_mmio *t, uint32_t offset, void *dst, size_t len);
/* Changes configuration bytes at run time: new generation, configuration change interrupt. */
void virtio_mmio__update_config(struct virtio_mmio *t, uint32_t offset, const void *src,
                                size_t len);

/* Features both sides agreed on (valid once FEATURES_OK is set). */
uint64_t virtio_mmio__features(const struct virtio_mmio *t);

/* True while the driver is DRIVER_OK and the device does not need a reset. */
bool virtio_mmio__live(const struct virtio_mmio *t);

/*
 * Takes the next chain of queue q into *chain. True if there is one; false
 * when the queue is empty, not live or broken (the device then needs a
 * reset and one line is logged).
 */
bool virtio_mmio__pop(struct virtio_mmio *t, unsigned q, struct virtq_chain *chain);

/*
 * Returns a chain on queue q with `written` bytes written into its writable
 * buffers (those bytes are device writes into guest RAM: the engine hears
 * of them, see engine_ops.ram_written), interrupting if the driver wants.
 */
void virtio_mmio__push(struct virtio_mmio *t, unsigned q, const struct virtq_chain *chain,
                       uint32_t written);

/*
 * In-flight work: a device counts each piece of work that outlives the
 * notification that started it (a disk request on a worker thread), from
 * before it pops the chain until after it pushes it. A reset waits until no
 * work is in flight before it resets the queues.
 */
void virtio_mmio__work_begin(struct virtio_mmio *t);
void virtio_mmio__work_end(struct virtio_mmio *t);

/* With the vCPUs paused: waits for in-flight work, then copies the state. */
void virtio_mmio__save(struct virtio_mmio *t, struct virtio_mmio_state *state);
/* Replaces the state (checking it: it may come from a file) and sets the line to match. */
int virtio_mmio__load(struct virtio_mmio *t, const struct virtio_mmio_state *state,
                      struct err *err);

#endif
