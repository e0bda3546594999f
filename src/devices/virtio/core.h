/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core.h - the transport-neutral virtio core (virtio 1.2, chapters 2 and 3):
 * what every virtio device has, whatever bus it sits on.
 *
 * The core owns device status and feature negotiation (VIRTIO_F_VERSION_1
 * required; indirect descriptors and event index offered), the feature and
 * queue selectors, the virtqueues, the interrupt status (ISR) and the
 * configuration space with its generation; it runs reset (2.4) and puts a
 * device whose driver broke a ring in DEVICE_NEEDS_RESET (2.1.2) with a
 * configuration change interrupt and one rate-limited log line.
 *
 * Devices (blk, console, rng) describe themselves (virtio_device_info),
 * take requests with virtio__pop and complete them with virtio__push,
 * which interrupts if the driver wants. They never see the transport.
 *
 * A transport (virtio-mmio today, mmio.h; PCI could come the same way)
 * attaches to the core with virtio_transport_ops: it turns the driver's
 * register accesses into virtio__read_common/virtio__write_common,
 * virtio__notify, virtio__ack_interrupt and the config accessors, and it
 * is told when the ISR changes (to drive its interrupt), when a queue
 * becomes ready and when the driver is ready (to set up fast paths).
 */
#ifndef STRATA_DEVICES_VIRTIO_CORE_H
#define STRATA_DEVICES_VIRTIO_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/queue.h"
#include "util/err.h"

struct machine;
struct virtio_dev;

#define VIRTIO_MAX_QUEUES    4
#define VIRTIO_CONFIG_MAX    256 /* bytes of device configuration space */
#define VIRTIO_STATE_VERSION 1

/* What a device is, fixed at creation. */
struct virtio_device_info {
    const char *name;     /* for log lines: "virtio-blk" */
    uint32_t device_id;   /* VIRTIO_ID_* */
    unsigned nqueues;     /* at most VIRTIO_MAX_QUEUES */
    uint64_t features;    /* device-specific feature bits; the core adds its own */
    uint32_t config_size; /* at most VIRTIO_CONFIG_MAX */
};

struct virtio_device_ops {
    /*
     * The driver notified queue q (the device is DRIVER_OK and q is ready).
     * Runs on a vCPU thread or a transport's event thread, possibly on
     * several threads at once; counted as in-flight work (see work_begin).
     */
    void (*queue_notify)(void *dev, unsigned q);
    /*
     * Optional: the driver wrote `size` bytes of value at offset of the
     * configuration space (bounds-checked). The device decides what it
     * changes (virtio__set_config); without this callback the
     * configuration space is read-only to the driver.
     */
    void (*config_write)(void *dev, uint32_t offset, unsigned size, uint64_t value);
    /* Optional: the device is being reset; no work is in flight and the queues are reset. */
    void (*reset)(void *dev);
};

/* What a transport is told; each may be NULL. */
struct virtio_transport_ops {
    /* The ISR went from old to new: drive the interrupt (called with the ISR's lock held). */
    void (*interrupt)(void *transport, uint32_t old_isr, uint32_t new_isr);
    /* The driver set DRIVER_OK; isr is the current ISR (called with the ISR's lock held). */
    void (*driver_ok)(void *transport, uint32_t isr);
    /* Queue q became ready. */
    void (*queue_ready)(void *transport, unsigned q);
};

/* ISR bits (4.2.2, 4.1.4.5) */
#define VIRTIO_ISR_VRING  0x1u /* a used buffer notification */
#define VIRTIO_ISR_CONFIG 0x2u /* the configuration (or device status) changed */

/*
 * The driver-visible registers every transport has (the fields of PCI's
 * common configuration, 4.1.4.3, and of the MMIO register file, 4.2.2).
 */
enum virtio_reg {
    VIRTIO_REG_DEVICE_FEATURES_SEL,
    VIRTIO_REG_DEVICE_FEATURES, /* 32 bits of the offered features, as selected */
    VIRTIO_REG_DRIVER_FEATURES_SEL,
    VIRTIO_REG_DRIVER_FEATURES,
    VIRTIO_REG_QUEUE_SEL,
    VIRTIO_REG_QUEUE_NUM_MAX,
    VIRTIO_REG_QUEUE_NUM,
    VIRTIO_REG_QUEUE_READY,
    VIRTIO_REG_QUEUE_DESC_LOW,
    VIRTIO_REG_QUEUE_DESC_HIGH,
    VIRTIO_REG_QUEUE_DRIVER_LOW,
    VIRTIO_REG_QUEUE_DRIVER_HIGH,
    VIRTIO_REG_QUEUE_DEVICE_LOW,
    VIRTIO_REG_QUEUE_DEVICE_HIGH,
    VIRTIO_REG_STATUS,
    VIRTIO_REG_ISR,               /* read-only */
    VIRTIO_REG_CONFIG_GENERATION, /* read-only */
};

/* The core's guest-visible state, as saved in a snapshot: plain data, no pointers. */
struct virtio_dev_state {
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
    struct virtq_state queues[VIRTIO_MAX_QUEUES];
    uint8_t config[VIRTIO_CONFIG_MAX];
};

/* --- for devices -------------------------------------------------------------------------- */

/* Creates the core of a device in m's RAM; ops and dev stay the device's. */
struct virtio_dev *virtio__create(struct machine *m, const struct virtio_device_info *info,
                                  const struct virtio_device_ops *ops, void *dev, struct err *err);
/* Stops the queues and waits for in-flight work (its transport must be gone). NULL is fine. */
void virtio__destroy(struct virtio_dev *vd);

const char *virtio__name(const struct virtio_dev *vd);

/* Sets configuration bytes (at creation: no interrupt). */
void virtio__set_config(struct virtio_dev *vd, uint32_t offset, const void *src, size_t len);
/* Reads configuration bytes the driver may have written. */
void virtio__get_config(struct virtio_dev *vd, uint32_t offset, void *dst, size_t len);
/* Changes configuration bytes at run time: new generation, configuration change interrupt. */
void virtio__update_config(struct virtio_dev *vd, uint32_t offset, const void *src, size_t len);

/* Features both sides agreed on (valid once FEATURES_OK is set). */
uint64_t virtio__features(const struct virtio_dev *vd);
/* True while the driver is DRIVER_OK and the device does not need a reset. */
bool virtio__live(const struct virtio_dev *vd);

/*
 * Takes the next chain of queue q into *chain. True if there is one; false
 * when the queue is empty, not live or broken (the device then needs a
 * reset and one line is logged).
 */
bool virtio__pop(struct virtio_dev *vd, unsigned q, struct virtq_chain *chain);
/*
 * Returns a chain on queue q with `written` bytes written into its writable
 * buffers (those bytes are device writes into guest RAM: the engine hears
 * of them, see engine_ops.ram_written), interrupting if the driver wants.
 */
void virtio__push(struct virtio_dev *vd, unsigned q, const struct virtq_chain *chain,
                  uint32_t written);

/*
 * Returns n chains of queue q at once (virtq__push_many: one used-index
 * update, as virtio-net's mergeable buffers of one frame need), interrupting
 * if the driver wants.
 */
void virtio__push_many(struct virtio_dev *vd, unsigned q, const struct virtq_chain *const *chains,
                       const uint32_t *written, unsigned n);
/* Gives back the last n chains popped from queue q and not pushed (virtq__unpop). */
void virtio__unpop(struct virtio_dev *vd, unsigned q, unsigned n);

/*
 * In-flight work: a device counts each piece of work that outlives the
 * notification that started it (a disk request on a worker thread), from
 * before it pops the chain until after it pushes it. A reset waits until no
 * work is in flight before it resets the queues.
 */
void virtio__work_begin(struct virtio_dev *vd);
void virtio__work_end(struct virtio_dev *vd);

/* With the vCPUs paused: waits for in-flight work, then copies the state. */
void virtio__save(struct virtio_dev *vd, struct virtio_dev_state *state);
/* Replaces the state (checking it: it may come from a file) and drives the interrupt to match. */
int virtio__load(struct virtio_dev *vd, const struct virtio_dev_state *state, struct err *err);

/* --- for transports ----------------------------------------------------------------------- */

void virtio__attach(struct virtio_dev *vd, const struct virtio_transport_ops *ops, void *transport);
uint32_t virtio__device_id(const struct virtio_dev *vd);

uint32_t virtio__read_common(struct virtio_dev *vd, enum virtio_reg reg);
void virtio__write_common(struct virtio_dev *vd, enum virtio_reg reg, uint32_t value);
/* The driver notified queue q: runs the device's queue_notify if it is live and q exists. */
void virtio__notify(struct virtio_dev *vd, unsigned q);
/* The driver acknowledged ISR bits. */
void virtio__ack_interrupt(struct virtio_dev *vd, uint32_t bits);
/* Configuration space accesses of 1, 2, 4 or 8 bytes inside config_size; false if refused. */
bool virtio__config_read(struct virtio_dev *vd, uint32_t offset, unsigned size, uint64_t *value);
bool virtio__config_write(struct virtio_dev *vd, uint32_t offset, unsigned size, uint64_t value);

#endif
