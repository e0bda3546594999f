/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notify.h - the virtio-mmio transport's fast paths on engines that offer
 * them (kvm): an ioeventfd per queue for QueueNotify writes, served by an
 * event thread that hands them to the core (virtio__notify), and an irqfd
 * for the interrupt line. It knows the core and the engine, not the
 * transport that owns it.
 */
#ifndef STRATA_DEVICES_VIRTIO_NOTIFY_H
#define STRATA_DEVICES_VIRTIO_NOTIFY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/core.h"

/* Eventfds the engine signals or listens to instead of bus accesses and set_irq. */
struct virtio_notify {
    struct virtio_dev *vd;
    struct machine *machine;
    uint64_t notify_gpa; /* the QueueNotify register */
    unsigned gsi;
    int epoll_fd;                    /* the event thread's; -1 until the first ioeventfd */
    int stop_fd;                     /* wakes the event thread to end it */
    int queue_fd[VIRTIO_MAX_QUEUES]; /* ioeventfd per queue; -1 if none */
    bool queue_tried[VIRTIO_MAX_QUEUES];
    int irq_fd; /* irqfd; -1 while the line goes through set_irq */
    bool irq_tried;
    bool thread_started;
    pthread_t thread;
};

void virtio_notify__init(struct virtio_notify *n, struct virtio_dev *vd, struct machine *m,
                         uint64_t notify_gpa, unsigned gsi);
/* Stops the event thread and closes the eventfds. */
void virtio_notify__destroy(struct virtio_notify *n);
/* Routes QueueNotify writes for queue q through an ioeventfd, if the engine can; quiet if not. */
void virtio_notify__add_queue(struct virtio_notify *n, unsigned q);
/* Routes the interrupt line through an irqfd if the engine can; true if it now does. */
bool virtio_notify__use_irqfd(struct virtio_notify *n);
/* An edge on the irqfd. */
void virtio_notify__irqfd_edge(struct virtio_notify *n);

#endif
