// SPDX-License-Identifier: Apache-2.0
/*
 * core_state.c - save and load of a virtio device's guest-visible state
 * (struct virtio_dev_state, see core.h): status, selectors, negotiated
 * features, each queue's setup and progress, the ISR and the configuration
 * space. A loaded state is checked like driver input: a queue whose rings
 * are not in RAM refuses to load.
 */
#include <string.h>

#include "devices/virtio/core_internal.h"
#include "devices/virtio/virtio.h"
#include "machine/machine.h"

void virtio__save(struct virtio_dev *vd, struct virtio_dev_state *st)
{
    virtio__wait_for_work(vd); /* the vCPUs are paused: requests still on I/O threads finish */
    memset(st, 0, sizeof(*st));
    pthread_mutex_lock(&vd->lock);
    st->version = VIRTIO_STATE_VERSION;
    st->device_id = vd->info.device_id;
    st->status = atomic_load(&vd->status);
    st->device_features_sel = vd->device_features_sel;
    st->driver_features_sel = vd->driver_features_sel;
    st->queue_sel = vd->queue_sel;
    st->driver_features = vd->driver_features;
    st->nqueues = vd->info.nqueues;
    st->config_size = vd->info.config_size;
    for (unsigned q = 0; q < vd->info.nqueues; q++)
        virtq__save(&vd->queues[q], &st->queues[q]);
    pthread_mutex_unlock(&vd->lock);
    pthread_mutex_lock(&vd->config_lock);
    st->config_generation = vd->config_generation;
    memcpy(st->config, vd->config, sizeof(st->config));
    pthread_mutex_unlock(&vd->config_lock);
    pthread_mutex_lock(&vd->irq_lock);
    st->interrupt_status = vd->isr;
    pthread_mutex_unlock(&vd->irq_lock);
}

int virtio__load(struct virtio_dev *vd, const struct virtio_dev_state *st, struct err *err)
{
    if (st->version != VIRTIO_STATE_VERSION)
        return err__set(err, "%s: state version %u, want %u", vd->info.name, st->version,
                        VIRTIO_STATE_VERSION);
    if (st->device_id != vd->info.device_id || st->nqueues != vd->info.nqueues ||
        st->config_size != vd->info.config_size)
        return err__set(err, "%s: state is of another kind of device", vd->info.name);
    if (st->driver_features & ~vd->device_features)
        return err__set(err, "%s: state has features the device does not offer", vd->info.name);

    pthread_mutex_lock(&vd->lock);
    atomic_store(&vd->status, st->status);
    vd->device_features_sel = st->device_features_sel;
    vd->driver_features_sel = st->driver_features_sel;
    vd->queue_sel = st->queue_sel;
    vd->driver_features = st->driver_features;
    int rc = 0;
    for (unsigned q = 0; q < vd->info.nqueues && !rc; q++) {
        const char *why = NULL;
        if (virtq__load(&vd->queues[q], &st->queues[q], &vd->machine->mem, VIRTQ_MAX_SIZE,
                        st->driver_features & VIRTIO_FEATURE(VIRTIO_F_RING_EVENT_IDX),
                        st->driver_features & VIRTIO_FEATURE(VIRTIO_F_RING_INDIRECT_DESC), &why))
            rc = err__set(err, "%s: saved queue %u: %s", vd->info.name, q, why);
    }
    pthread_mutex_unlock(&vd->lock);
    if (rc)
        return -1;
    pthread_mutex_lock(&vd->config_lock);
    vd->config_generation = st->config_generation;
    memcpy(vd->config, st->config, sizeof(vd->config));
    pthread_mutex_unlock(&vd->config_lock);
    virtio__set_isr(vd, st->interrupt_status & (VIRTIO_ISR_VRING | VIRTIO_ISR_CONFIG));
    return 0;
}
