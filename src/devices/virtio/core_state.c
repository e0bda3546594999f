// SPDX-License-Identifier: Apache-2.0
/*
 * mmio_state.c - save and load of the virtio-mmio transport's guest-visible
 * state (struct virtio_mmio_state, see mmio.h): registers, negotiated
 * features, each queue's setup and progress, InterruptStatus and the
 * configuration space. A loaded state is checked like driver input: a
 * queue whose rings are not in RAM refuses to load.
 */
#include <string.h>

#include "devices/virtio/mmio_internal.h"
#include "devices/virtio/virtio.h"
#include "machine/machine.h"

void virtio_mmio__save(struct virtio_mmio *t, struct virtio_mmio_state *st)
{
    virtio_mmio__wait_for_work(t); /* the vCPUs are paused: requests still on I/O threads finish */
    memset(st, 0, sizeof(*st));
    pthread_mutex_lock(&t->lock);
    st->version = VIRTIO_MMIO_STATE_VERSION;
    st->device_id = t->info.device_id;
    st->status = atomic_load(&t->status);
    st->device_features_sel = t->device_features_sel;
    st->driver_features_sel = t->driver_features_sel;
    st->queue_sel = t->queue_sel;
    st->driver_features = t->driver_features;
    st->nqueues = t->info.nqueues;
    st->config_size = t->info.config_size;
    for (unsigned q = 0; q < t->info.nqueues; q++)
        virtq__save(&t->queues[q], &st->queues[q]);
    pthread_mutex_unlock(&t->lock);
    pthread_mutex_lock(&t->config_lock);
    st->config_generation = t->config_generation;
    memcpy(st->config, t->config, sizeof(st->config));
    pthread_mutex_unlock(&t->config_lock);
    pthread_mutex_lock(&t->irq_lock);
    st->interrupt_status = t->isr;
    pthread_mutex_unlock(&t->irq_lock);
}

int virtio_mmio__load(struct virtio_mmio *t, const struct virtio_mmio_state *st, struct err *err)
{
    if (st->version != VIRTIO_MMIO_STATE_VERSION)
        return err__set(err, "%s: state version %u, want %u", t->info.name, st->version,
                        VIRTIO_MMIO_STATE_VERSION);
    if (st->device_id != t->info.device_id || st->nqueues != t->info.nqueues ||
        st->config_size != t->info.config_size)
        return err__set(err, "%s: state is of another kind of device", t->info.name);
    if (st->driver_features & ~t->device_features)
        return err__set(err, "%s: state has features the device does not offer", t->info.name);

    pthread_mutex_lock(&t->lock);
    atomic_store(&t->status, st->status);
    t->device_features_sel = st->device_features_sel;
    t->driver_features_sel = st->driver_features_sel;
    t->queue_sel = st->queue_sel;
    t->driver_features = st->driver_features;
    int rc = 0;
    for (unsigned q = 0; q < t->info.nqueues && !rc; q++) {
        const char *why = NULL;
        if (virtq__load(&t->queues[q], &st->queues[q], &t->machine->mem, VIRTQ_MAX_SIZE,
                        st->driver_features & VIRTIO_FEATURE(VIRTIO_F_RING_EVENT_IDX),
                        st->driver_features & VIRTIO_FEATURE(VIRTIO_F_RING_INDIRECT_DESC), &why))
            rc = err__set(err, "%s: saved queue %u: %s", t->info.name, q, why);
    }
    pthread_mutex_unlock(&t->lock);
    if (rc)
        return -1;
    pthread_mutex_lock(&t->config_lock);
    t->config_generation = st->config_generation;
    memcpy(t->config, st->config, sizeof(t->config));
    pthread_mutex_unlock(&t->config_lock);
    virtio_mmio__set_isr(t,
                         st->interrupt_status & (VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG));
    return 0;
}
