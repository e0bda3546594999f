// SPDX-License-Identifier: Apache-2.0
/*
 * notify.c - the virtio-mmio transport's fast paths on engines that offer
 * them (kvm: KVM_IOEVENTFD and KVM_IRQFD, Documentation/virt/kvm/api.rst
 * 4.59 and 4.75), see notify.h and mmio.h.
 *
 * QueueNotify: when a queue becomes ready, a write of its index to the
 * QueueNotify register is bound to an eventfd, so the vCPU does not leave
 * the kernel for it; an event thread per device waits on those eventfds
 * (epoll) and runs the device's notification handler. The binding stays
 * for the device's life: the register and the value do not change across
 * resets. Interrupts: an irqfd on the device's GSI, signalled once per rise
 * of InterruptStatus from zero (mmio.c).
 *
 * An engine without these operations, or one that refuses them, leaves the
 * transport on the MMIO bus and set_irq, which always work.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/virtio/notify.h"
#include "machine/machine.h"
#include "util/log.h"

#define STOP_TAG UINT32_MAX

void virtio_notify__init(struct virtio_notify *n, struct virtio_dev *vd, struct machine *m,
                         uint64_t notify_gpa, unsigned gsi)
{
    *n = (struct virtio_notify){.vd = vd,
                                .machine = m,
                                .notify_gpa = notify_gpa,
                                .gsi = gsi,
                                .epoll_fd = -1,
                                .stop_fd = -1,
                                .irq_fd = -1};
    for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
        n->queue_fd[q] = -1;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

void virtio_notify__destroy(struct virtio_notify *n)
{
    if (n->thread_started) {
        uint64_t one = 1;
        ssize_t w = write(n->stop_fd, &one, sizeof(one));
        (void)w; /* an eventfd write of 1 cannot fail short of overflow */
        pthread_join(n->thread, NULL);
        n->thread_started = false;
    }
    for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
        close_fd(&n->queue_fd[q]);
    close_fd(&n->irq_fd);
    close_fd(&n->stop_fd);
    close_fd(&n->epoll_fd);
}

static void *event_thread(void *arg)
{
    struct virtio_notify *n = arg;
    for (;;) {
        struct epoll_event ev[VIRTIO_MAX_QUEUES + 1];
        int k = epoll_wait(n->epoll_fd, ev, VIRTIO_MAX_QUEUES + 1, -1);
        if (k < 0 && errno != EINTR) {
            log__msg("%s: event thread: epoll_wait: %m", virtio__name(n->vd));
            return NULL;
        }
        for (int i = 0; i < k; i++) {
            if (ev[i].data.u32 == STOP_TAG)
                return NULL;
            uint64_t count;
            unsigned q = ev[i].data.u32;
            if (read(n->queue_fd[q], &count, sizeof(count)) == sizeof(count))
                virtio__notify(n->vd, q);
        }
    }
}

static int watch(struct virtio_notify *n, int fd, uint32_t tag)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = tag};
    return epoll_ctl(n->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

/* The epoll set and its thread, on first use. */
static int start_event_thread(struct virtio_notify *n)
{
    if (n->thread_started)
        return 0;
    n->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    n->stop_fd = eventfd(0, EFD_CLOEXEC);
    if (n->epoll_fd < 0 || n->stop_fd < 0 || watch(n, n->stop_fd, STOP_TAG) ||
        pthread_create(&n->thread, NULL, event_thread, n)) {
        close_fd(&n->stop_fd);
        close_fd(&n->epoll_fd);
        return -1;
    }
    n->thread_started = true;
    return 0;
}

void virtio_notify__add_queue(struct virtio_notify *n, unsigned q)
{
    const struct engine_ops *engine = n->machine->engine;
    if (!engine->add_ioeventfd || n->queue_tried[q])
        return;
    n->queue_tried[q] = true;
    struct err err = {0};
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0 || start_event_thread(n) || watch(n, fd, q)) {
        log__debug("%s: no ioeventfd for queue %u, notifications go through the bus",
                   virtio__name(n->vd), q);
        if (fd >= 0)
            close(fd);
        return;
    }
    n->queue_fd[q] = fd;
    if (engine->add_ioeventfd(n->machine, n->notify_gpa, 4, q, fd, &err)) {
        log__debug("%s: %s; notifications go through the bus", virtio__name(n->vd), err.msg);
        /* Still watched, never signalled: harmless. */
    }
}

bool virtio_notify__use_irqfd(struct virtio_notify *n)
{
    const struct engine_ops *engine = n->machine->engine;
    if (n->irq_fd >= 0)
        return true;
    if (!engine->add_irqfd || n->irq_tried)
        return false;
    n->irq_tried = true;
    struct err err = {0};
    int fd = eventfd(0, EFD_CLOEXEC);
    if (fd < 0)
        return false;
    if (engine->add_irqfd(n->machine, n->gsi, fd, &err)) {
        log__debug("%s: %s; interrupts go through set_irq", virtio__name(n->vd), err.msg);
        close(fd);
        return false;
    }
    n->irq_fd = fd;
    return true;
}

void virtio_notify__irqfd_edge(struct virtio_notify *n)
{
    uint64_t one = 1;
    if (write(n->irq_fd, &one, sizeof(one)) != sizeof(one))
        log_ratelimited("%s: irqfd write: %m", virtio__name(n->vd));
}
