/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mmio_internal.h - the virtio-mmio transport's private state, shared by
 * mmio.c (registers, status, interrupts), mmio_state.c (save and load) and
 * notify.c (the kvm fast paths: ioeventfds for QueueNotify and an irqfd for
 * the interrupt line).
 */
#ifndef STRATA_DEVICES_VIRTIO_MMIO_INTERNAL_H
#define STRATA_DEVICES_VIRTIO_MMIO_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "devices/virtio/mmio.h"
#include "machine/irq.h"

/* Eventfds the engine signals or listens to instead of bus accesses and set_irq. */
struct virtio_notify {
    int epoll_fd;                         /* the event thread's; -1 until the first ioeventfd */
    int stop_fd;                          /* wakes the event thread to end it */
    int queue_fd[VIRTIO_MMIO_MAX_QUEUES]; /* ioeventfd per queue; -1 if none */
    bool queue_tried[VIRTIO_MMIO_MAX_QUEUES];
    int irq_fd; /* irqfd; -1 while the line goes through set_irq */
    bool irq_tried;
    bool thread_started;
    pthread_t thread;
};

struct virtio_mmio {
    struct machine *machine;
    uint64_t base;
    struct irq_line irq;
    struct virtio_device_info info;
    const struct virtio_device_ops *ops;
    void *dev;

    /* Guards the registers below, taken by every access but QueueNotify. */
    pthread_mutex_t lock;
    atomic_uint status; /* also set (NEEDS_RESET) by threads working on queues */
    uint32_t device_features_sel;
    uint32_t driver_features_sel;
    uint32_t queue_sel;
    uint64_t device_features; /* the device's plus the transport's */
    uint64_t driver_features;
    struct virtq queues[VIRTIO_MMIO_MAX_QUEUES];

    /* The configuration space; its own lock, so that device work may read it at any time. */
    pthread_mutex_t config_lock;
    uint32_t config_generation;
    uint8_t config[VIRTIO_MMIO_CONFIG_MAX];

    /* In-flight work, see virtio_mmio__work_begin. */
    pthread_mutex_t work_lock;
    pthread_cond_t work_idle;
    unsigned work;

    /* InterruptStatus and the line it drives. */
    pthread_mutex_t irq_lock;
    uint32_t isr;

    struct virtio_notify notify;
};

/* Waits until no work is in flight (see virtio_mmio__work_begin). */
void virtio_mmio__wait_for_work(struct virtio_mmio *t);
/* Replaces InterruptStatus and drives the line to match. */
void virtio_mmio__set_isr(struct virtio_mmio *t, uint32_t isr);

/* Runs the device's queue_notify for queue q if the device is live and q ready. */
void virtio_mmio__dispatch_notify(struct virtio_mmio *t, unsigned q);

/* notify.c */
void virtio_notify__init(struct virtio_notify *n);
/* Stops the event thread and closes the eventfds. */
void virtio_notify__destroy(struct virtio_notify *n);
/* Routes QueueNotify writes for queue q through an ioeventfd, if the engine can; quiet if not. */
void virtio_notify__add_queue(struct virtio_mmio *t, unsigned q);
/* Routes the interrupt line through an irqfd if the engine can; true if it now does. */
bool virtio_notify__use_irqfd(struct virtio_mmio *t);
/* An edge on the irqfd. */
void virtio_notify__irqfd_edge(struct virtio_mmio *t);

#endif
