// SPDX-License-Identifier: Apache-2.0
/*
 * core.c - the transport-neutral virtio core (virtio 1.2, 2.1, 2.2, 2.4,
 * 2.5.1, 3.1.1; see core.h): device status and feature negotiation, reset,
 * the selectors and queue setup, the ISR, the configuration space and its
 * generation, and the pop/push that devices use. Save and load are in
 * core_state.c; the registers' layout is the transport's (mmio.c).
 */
#include "devices/virtio/core_internal.h"

#include <stdlib.h>
#include <string.h>

#include "devices/virtio/virtio.h"
#include "machine/dirty.h"
#include "machine/machine.h"
#include "util/log.h"

#define CORE_FEATURES                                                                   \
    (VIRTIO_FEATURE(VIRTIO_F_VERSION_1) | VIRTIO_FEATURE(VIRTIO_F_RING_INDIRECT_DESC) | \
     VIRTIO_FEATURE(VIRTIO_F_RING_EVENT_IDX))

static const uint32_t settable_status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                                        VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FEATURES_OK |
                                        VIRTIO_STATUS_FAILED;

/* --- interrupts ------------------------------------------------------------------------------ */

/* Called with irq_lock held. */
static void isr_changed(struct virtio_dev *vd, uint32_t old, uint32_t new)
{
    if (vd->tops && vd->tops->interrupt)
        vd->tops->interrupt(vd->transport, old, new);
}

static void raise_interrupt(struct virtio_dev *vd, uint32_t bits)
{
    pthread_mutex_lock(&vd->irq_lock);
    uint32_t old = vd->isr;
    vd->isr |= bits;
    isr_changed(vd, old, vd->isr);
    pthread_mutex_unlock(&vd->irq_lock);
}

void virtio__ack_interrupt(struct virtio_dev *vd, uint32_t bits)
{
    pthread_mutex_lock(&vd->irq_lock);
    uint32_t old = vd->isr;
    vd->isr &= ~bits;
    isr_changed(vd, old, vd->isr);
    pthread_mutex_unlock(&vd->irq_lock);
}

void virtio__set_isr(struct virtio_dev *vd, uint32_t isr)
{
    pthread_mutex_lock(&vd->irq_lock);
    uint32_t old = vd->isr;
    vd->isr = isr;
    isr_changed(vd, old, isr);
    pthread_mutex_unlock(&vd->irq_lock);
}

static void driver_ok(struct virtio_dev *vd)
{
    if (!vd->tops || !vd->tops->driver_ok)
        return;
    pthread_mutex_lock(&vd->irq_lock);
    vd->tops->driver_ok(vd->transport, vd->isr);
    pthread_mutex_unlock(&vd->irq_lock);
}

/* --- in-flight work and reset -------------------------------------------------------------- */

void virtio__work_begin(struct virtio_dev *vd)
{
    pthread_mutex_lock(&vd->work_lock);
    vd->work++;
    pthread_mutex_unlock(&vd->work_lock);
}

void virtio__work_end(struct virtio_dev *vd)
{
    pthread_mutex_lock(&vd->work_lock);
    if (--vd->work == 0)
        pthread_cond_broadcast(&vd->work_idle);
    pthread_mutex_unlock(&vd->work_lock);
}

void virtio__wait_for_work(struct virtio_dev *vd)
{
    pthread_mutex_lock(&vd->work_lock);
    while (vd->work)
        pthread_cond_wait(&vd->work_idle, &vd->work_lock);
    pthread_mutex_unlock(&vd->work_lock);
}

/* 2.4: stop using the queues, let in-flight work finish, then forget everything. */
static void reset_device(struct virtio_dev *vd)
{
    atomic_store(&vd->status, 0);
    for (unsigned q = 0; q < vd->info.nqueues; q++)
        virtq__disable(&vd->queues[q]);
    virtio__wait_for_work(vd);
    for (unsigned q = 0; q < vd->info.nqueues; q++)
        virtq__reset(&vd->queues[q]);
    vd->device_features_sel = vd->driver_features_sel = vd->queue_sel = 0;
    vd->driver_features = 0;
    virtio__set_isr(vd, 0);
    if (vd->ops->reset)
        vd->ops->reset(vd->dev);
}

static void needs_reset(struct virtio_dev *vd, const char *why)
{
    uint32_t old = atomic_fetch_or(&vd->status, VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    if (old & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
        return;
    log_ratelimited("%s: %s; the device needs a reset", vd->info.name, why);
    raise_interrupt(vd, VIRTIO_ISR_CONFIG);
}

/* --- queues as devices see them ---------------------------------------------------------- */

bool virtio__live(const struct virtio_dev *vd)
{
    uint32_t s = atomic_load(&vd->status);
    return (s & VIRTIO_STATUS_DRIVER_OK) && !(s & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

bool virtio__pop(struct virtio_dev *vd, unsigned q, struct virtq_chain *chain)
{
    if (q >= vd->info.nqueues || !virtio__live(vd))
        return false;
    const char *why = NULL;
    enum virtq_pop_result r = virtq__pop(&vd->queues[q], chain, &why);
    if (r == VIRTQ_BROKEN)
        needs_reset(vd, why);
    return r == VIRTQ_GOT_CHAIN;
}

/*
 * The device is done writing the chain (`written` bytes, it says): the
 * engine drops code cached there, and the dirty page log marks every
 * writable buffer whole (a device's count is not trusted to be the extent).
 */
static void note_dma(struct virtio_dev *vd, const struct virtq_chain *chain, uint32_t written)
{
    void (*ram_written)(struct machine *, uint64_t, uint64_t) = vd->machine->engine->ram_written;
    for (unsigned k = chain->nreadable; k < chain->nbufs; k++) {
        uint32_t n = chain->bufs[k].len < written ? chain->bufs[k].len : written;
        guest_dirty__mark(&vd->machine->mem, chain->bufs[k].gpa, chain->bufs[k].len);
        if (n && ram_written)
            ram_written(vd->machine, chain->bufs[k].gpa, n);
        written -= n;
    }
}

void virtio__push(struct virtio_dev *vd, unsigned q, const struct virtq_chain *chain,
                  uint32_t written)
{
    if (q >= vd->info.nqueues)
        return;
    if (written > chain->writable_len)
        written = (uint32_t)chain->writable_len;
    note_dma(vd, chain, written);
    if (virtq__push(&vd->queues[q], chain->head, written))
        raise_interrupt(vd, VIRTIO_ISR_VRING);
}

void virtio__push_many(struct virtio_dev *vd, unsigned q, const struct virtq_chain *const *chains,
                       const uint32_t *written, unsigned n)
{
    uint16_t heads[VIRTQ_MAX_SIZE];
    uint32_t lens[VIRTQ_MAX_SIZE];
    if (q >= vd->info.nqueues || n > VIRTQ_MAX_SIZE)
        return;
    for (unsigned i = 0; i < n; i++) {
        lens[i] =
            written[i] > chains[i]->writable_len ? (uint32_t)chains[i]->writable_len : written[i];
        heads[i] = chains[i]->head;
        note_dma(vd, chains[i], lens[i]);
    }
    if (virtq__push_many(&vd->queues[q], heads, lens, n))
        raise_interrupt(vd, VIRTIO_ISR_VRING);
}

void virtio__unpop(struct virtio_dev *vd, unsigned q, unsigned n)
{
    if (q < vd->info.nqueues)
        virtq__unpop(&vd->queues[q], n);
}

uint64_t virtio__features(const struct virtio_dev *vd)
{
    return vd->driver_features;
}

void virtio__notify(struct virtio_dev *vd, unsigned q)
{
    if (q >= vd->info.nqueues) {
        log_ratelimited("%s: notify for queue %u, which does not exist", vd->info.name, q);
        return;
    }
    if (!virtio__live(vd))
        return;
    virtio__work_begin(vd);
    vd->ops->queue_notify(vd->dev, q);
    virtio__work_end(vd);
}

/* --- configuration space ------------------------------------------------------------------- */

void virtio__set_config(struct virtio_dev *vd, uint32_t offset, const void *src, size_t len)
{
    pthread_mutex_lock(&vd->config_lock);
    if (offset <= VIRTIO_CONFIG_MAX && len <= VIRTIO_CONFIG_MAX - offset)
        memcpy(vd->config + offset, src, len);
    pthread_mutex_unlock(&vd->config_lock);
}

void virtio__get_config(struct virtio_dev *vd, uint32_t offset, void *dst, size_t len)
{
    pthread_mutex_lock(&vd->config_lock);
    if (offset <= VIRTIO_CONFIG_MAX && len <= VIRTIO_CONFIG_MAX - offset)
        memcpy(dst, vd->config + offset, len);
    pthread_mutex_unlock(&vd->config_lock);
}

void virtio__update_config(struct virtio_dev *vd, uint32_t offset, const void *src, size_t len)
{
    pthread_mutex_lock(&vd->config_lock);
    if (offset <= VIRTIO_CONFIG_MAX && len <= VIRTIO_CONFIG_MAX - offset) {
        memcpy(vd->config + offset, src, len);
        vd->config_generation++;
    }
    pthread_mutex_unlock(&vd->config_lock);
    raise_interrupt(vd, VIRTIO_ISR_CONFIG);
}

static bool config_access_ok(const struct virtio_dev *vd, uint32_t off, unsigned size)
{
    return (size == 1 || size == 2 || size == 4 || size == 8) && off < vd->info.config_size &&
           size <= vd->info.config_size - off;
}

bool virtio__config_read(struct virtio_dev *vd, uint32_t offset, unsigned size, uint64_t *value)
{
    *value = 0;
    if (!config_access_ok(vd, offset, size))
        return false;
    pthread_mutex_lock(&vd->config_lock);
    memcpy(value, vd->config + offset, size);
    pthread_mutex_unlock(&vd->config_lock);
    return true;
}

bool virtio__config_write(struct virtio_dev *vd, uint32_t offset, unsigned size, uint64_t value)
{
    if (!config_access_ok(vd, offset, size) || !vd->ops->config_write)
        return false;
    vd->ops->config_write(vd->dev, offset, size, value);
    return true;
}

/* --- the common registers ---------------------------------------------------------------- */

static struct virtq *selected_queue(struct virtio_dev *vd)
{
    return vd->queue_sel < vd->info.nqueues ? &vd->queues[vd->queue_sel] : NULL;
}

static uint32_t read_register(struct virtio_dev *vd, enum virtio_reg reg)
{
    struct virtq *q = selected_queue(vd);
    switch (reg) {
    case VIRTIO_REG_DEVICE_FEATURES:
        return vd->device_features_sel < 2
                   ? (uint32_t)(vd->device_features >> (32 * vd->device_features_sel))
                   : 0;
    case VIRTIO_REG_QUEUE_NUM_MAX: return q ? VIRTQ_MAX_SIZE : 0;
    case VIRTIO_REG_QUEUE_READY: return q && q->ready;
    case VIRTIO_REG_ISR: {
        pthread_mutex_lock(&vd->irq_lock);
        uint32_t isr = vd->isr;
        pthread_mutex_unlock(&vd->irq_lock);
        return isr;
    }
    case VIRTIO_REG_STATUS: return atomic_load(&vd->status);
    case VIRTIO_REG_CONFIG_GENERATION: {
        pthread_mutex_lock(&vd->config_lock);
        uint32_t generation = vd->config_generation;
        pthread_mutex_unlock(&vd->config_lock);
        return generation;
    }
    default:
        log_ratelimited("%s: read of write-only register %d", vd->info.name, (int)reg);
        return 0;
    }
}

/* FEATURES_OK (3.1.1 step 5): accepted only for a subset of what we offer, with VERSION_1. */
static bool features_acceptable(const struct virtio_dev *vd)
{
    return !(vd->driver_features & ~vd->device_features) &&
           (vd->driver_features & VIRTIO_FEATURE(VIRTIO_F_VERSION_1));
}

/* Returns true when the driver has just set DRIVER_OK. */
static bool write_status(struct virtio_dev *vd, uint32_t value)
{
    if (value == 0) {
        reset_device(vd);
        return false;
    }
    uint32_t old = atomic_load(&vd->status);
    uint32_t new = (value & settable_status) | (old & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    if ((new &VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK) &&
        !features_acceptable(vd)) {
        log_ratelimited("%s: driver features %#llx refused (offered %#llx, VERSION_1 required)",
                        vd->info.name, (unsigned long long)vd->driver_features,
                        (unsigned long long)vd->device_features);
        new &= ~VIRTIO_STATUS_FEATURES_OK;
    }
    if ((new &VIRTIO_STATUS_DRIVER_OK) && !(new &VIRTIO_STATUS_FEATURES_OK)) {
        log_ratelimited("%s: DRIVER_OK without FEATURES_OK ignored", vd->info.name);
        new &= ~VIRTIO_STATUS_DRIVER_OK;
    }
    atomic_store(&vd->status, new);
    if (!(new &VIRTIO_STATUS_DRIVER_OK) || (old & VIRTIO_STATUS_DRIVER_OK))
        return false;
    driver_ok(vd);
    return true;
}

static void enable_queue(struct virtio_dev *vd, unsigned index)
{
    const char *why = NULL;
    uint64_t f = vd->driver_features;
    if (virtq__enable(&vd->queues[index], &vd->machine->mem, VIRTQ_MAX_SIZE,
                      f & VIRTIO_FEATURE(VIRTIO_F_RING_EVENT_IDX),
                      f & VIRTIO_FEATURE(VIRTIO_F_RING_INDIRECT_DESC), &why)) {
        needs_reset(vd, why);
        return;
    }
    if (vd->tops && vd->tops->queue_ready)
        vd->tops->queue_ready(vd->transport, index);
}

static void set_half(uint64_t *field, bool high, uint32_t value)
{
    *field = high ? (*field & 0xffffffffull) | ((uint64_t)value << 32)
                  : (*field & ~0xffffffffull) | value;
}

/* Queue registers the driver may only write while the queue is not ready (4.2.3.2, 4.1.4.3.2). */
static void write_queue_setup(struct virtio_dev *vd, enum virtio_reg reg, uint32_t value)
{
    struct virtq *q = selected_queue(vd);
    if (!q || q->ready) {
        log_ratelimited("%s: queue register %d written while queue %u is %s", vd->info.name,
                        (int)reg, vd->queue_sel, q ? "ready" : "absent");
        return;
    }
    switch (reg) {
    case VIRTIO_REG_QUEUE_NUM: q->num = (uint16_t)(value > 0xffff ? 0 : value); break;
    case VIRTIO_REG_QUEUE_DESC_LOW:
    case VIRTIO_REG_QUEUE_DESC_HIGH:
        set_half(&q->desc_gpa, reg == VIRTIO_REG_QUEUE_DESC_HIGH, value);
        break;
    case VIRTIO_REG_QUEUE_DRIVER_LOW:
    case VIRTIO_REG_QUEUE_DRIVER_HIGH:
        set_half(&q->avail_gpa, reg == VIRTIO_REG_QUEUE_DRIVER_HIGH, value);
        break;
    case VIRTIO_REG_QUEUE_DEVICE_LOW:
    case VIRTIO_REG_QUEUE_DEVICE_HIGH:
        set_half(&q->used_gpa, reg == VIRTIO_REG_QUEUE_DEVICE_HIGH, value);
        break;
    default: break;
    }
}

static void write_queue_ready(struct virtio_dev *vd, uint32_t value)
{
    struct virtq *q = selected_queue(vd);
    if (!q) {
        log_ratelimited("%s: QueueReady for absent queue %u", vd->info.name, vd->queue_sel);
        return;
    }
    if (value && !q->ready) {
        enable_queue(vd, vd->queue_sel);
    } else if (!value && q->ready) {
        virtq__disable(q);
        virtio__wait_for_work(vd);
    }
}

/* Returns true when the driver has just set DRIVER_OK. */
static bool write_register(struct virtio_dev *vd, enum virtio_reg reg, uint32_t value)
{
    switch (reg) {
    case VIRTIO_REG_DEVICE_FEATURES_SEL: vd->device_features_sel = value; break;
    case VIRTIO_REG_DRIVER_FEATURES:
        if (atomic_load(&vd->status) & VIRTIO_STATUS_FEATURES_OK)
            log_ratelimited("%s: driver features written after FEATURES_OK", vd->info.name);
        else if (vd->driver_features_sel < 2)
            set_half(&vd->driver_features, vd->driver_features_sel == 1, value);
        break;
    case VIRTIO_REG_DRIVER_FEATURES_SEL: vd->driver_features_sel = value; break;
    case VIRTIO_REG_QUEUE_SEL: vd->queue_sel = value; break;
    case VIRTIO_REG_QUEUE_NUM:
    case VIRTIO_REG_QUEUE_DESC_LOW:
    case VIRTIO_REG_QUEUE_DESC_HIGH:
    case VIRTIO_REG_QUEUE_DRIVER_LOW:
    case VIRTIO_REG_QUEUE_DRIVER_HIGH:
    case VIRTIO_REG_QUEUE_DEVICE_LOW:
    case VIRTIO_REG_QUEUE_DEVICE_HIGH: write_queue_setup(vd, reg, value); break;
    case VIRTIO_REG_QUEUE_READY: write_queue_ready(vd, value); break;
    case VIRTIO_REG_STATUS: return write_status(vd, value);
    default: log_ratelimited("%s: write of read-only register %d", vd->info.name, (int)reg);
    }
    return false;
}

uint32_t virtio__read_common(struct virtio_dev *vd, enum virtio_reg reg)
{
    pthread_mutex_lock(&vd->lock);
    uint32_t value = read_register(vd, reg);
    pthread_mutex_unlock(&vd->lock);
    return value;
}

void virtio__write_common(struct virtio_dev *vd, enum virtio_reg reg, uint32_t value)
{
    pthread_mutex_lock(&vd->lock);
    bool driver_ok_now = write_register(vd, reg, value);
    pthread_mutex_unlock(&vd->lock);
    /* Buffers made available before DRIVER_OK (and their notifications) are taken now. */
    if (driver_ok_now)
        for (unsigned q = 0; q < vd->info.nqueues; q++)
            virtio__notify(vd, q);
}

/* --- life ------------------------------------------------------------------------------------ */

struct virtio_dev *virtio__create(struct machine *m, const struct virtio_device_info *info,
                                  const struct virtio_device_ops *ops, void *dev, struct err *err)
{
    if (info->nqueues == 0 || info->nqueues > VIRTIO_MAX_QUEUES ||
        info->config_size > VIRTIO_CONFIG_MAX) {
        err__set(err, "%s: bad device description", info->name);
        return NULL;
    }
    struct virtio_dev *vd = calloc(1, sizeof(*vd));
    if (!vd) {
        err__set(err, "%s: out of memory", info->name);
        return NULL;
    }
    vd->machine = m;
    vd->info = *info;
    vd->ops = ops;
    vd->dev = dev;
    vd->device_features = info->features | CORE_FEATURES;
    pthread_mutex_init(&vd->lock, NULL);
    pthread_mutex_init(&vd->config_lock, NULL);
    pthread_mutex_init(&vd->work_lock, NULL);
    pthread_cond_init(&vd->work_idle, NULL);
    pthread_mutex_init(&vd->irq_lock, NULL);
    atomic_init(&vd->status, 0);
    for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
        virtq__init(&vd->queues[q]);
    return vd;
}

void virtio__destroy(struct virtio_dev *vd)
{
    if (!vd)
        return;
    for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
        virtq__disable(&vd->queues[q]);
    virtio__wait_for_work(vd);
    for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
        virtq__destroy(&vd->queues[q]);
    pthread_mutex_destroy(&vd->lock);
    pthread_mutex_destroy(&vd->config_lock);
    pthread_mutex_destroy(&vd->work_lock);
    pthread_cond_destroy(&vd->work_idle);
    pthread_mutex_destroy(&vd->irq_lock);
    free(vd);
}

void virtio__attach(struct virtio_dev *vd, const struct virtio_transport_ops *ops, void *transport)
{
    pthread_mutex_lock(&vd->irq_lock);
    vd->tops = ops;
    vd->transport = transport;
    pthread_mutex_unlock(&vd->irq_lock);
}

const char *virtio__name(const struct virtio_dev *vd)
{
    return vd->info.name;
}

uint32_t virtio__device_id(const struct virtio_dev *vd)
{
    return vd->info.device_id;
}
