/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core_internal.h - the virtio core's private state, shared by core.c
 * (status, features, queues, ISR, configuration) and core_state.c (save
 * and load). Nothing else includes it.
 */
#ifndef STRATA_DEVICES_VIRTIO_CORE_INTERNAL_H
#define STRATA_DEVICES_VIRTIO_CORE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "devices/virtio/core.h"

struct virtio_dev {
    struct machine *machine;
    struct virtio_device_info info;
    const struct virtio_device_ops *ops;
    void *dev;
    const struct virtio_transport_ops *tops;
    void *transport;

    /* Guards the registers below, taken by every register access but notifications. */
    pthread_mutex_t lock;
    atomic_uint status; /* also set (NEEDS_RESET) by threads working on queues */
    uint32_t device_features_sel;
    uint32_t driver_features_sel;
    uint32_t queue_sel;
    uint64_t device_features; /* the device's plus the core's */
    uint64_t driver_features;
    struct virtq queues[VIRTIO_MAX_QUEUES];

    /* The configuration space; its own lock, so that device work may read it at any time. */
    pthread_mutex_t config_lock;
    uint32_t config_generation;
    uint8_t config[VIRTIO_CONFIG_MAX];

    /* In-flight work, see virtio__work_begin. */
    pthread_mutex_t work_lock;
    pthread_cond_t work_idle;
    unsigned work;

    /* The ISR and the transport's interrupt it drives. */
    pthread_mutex_t irq_lock;
    uint32_t isr;
};

/* Waits until no work is in flight (see virtio__work_begin). */
void virtio__wait_for_work(struct virtio_dev *vd);
/* Replaces the ISR and drives the transport's interrupt to match. */
void virtio__set_isr(struct virtio_dev *vd, uint32_t isr);

#endif
