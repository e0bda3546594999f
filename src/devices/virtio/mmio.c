// SPDX-License-Identifier: Apache-2.0
/*
 * mmio.c - the virtio-mmio transport, version 2 (virtio 1.2, 4.2.2 and
 * 4.2.3; see mmio.h): the register file, device status and feature
 * negotiation (2.1, 2.2, 3.1.1), reset (2.4), queue setup, InterruptStatus
 * and InterruptACK, the configuration space and its generation (2.5.1).
 * Save and load are in mmio_state.c.
 *
 * Registers below 0x100 take aligned 32-bit accesses only (4.2.2.2);
 * anything else is logged and dropped (reads as 0). The configuration space
 * takes 8-, 16-, 32- and 64-bit accesses inside config_size.
 */
#include "devices/virtio/mmio_internal.h"

#include <stdlib.h>
#include <string.h>

#include "devices/virtio/virtio.h"
#include "machine/machine.h"
#include "util/log.h"

#define TRANSPORT_FEATURES                                                              \
    (VIRTIO_FEATURE(VIRTIO_F_VERSION_1) | VIRTIO_FEATURE(VIRTIO_F_RING_INDIRECT_DESC) | \
     VIRTIO_FEATURE(VIRTIO_F_RING_EVENT_IDX))

static const uint32_t settable_status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                                        VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FEATURES_OK |
                                        VIRTIO_STATUS_FAILED;

/* --- interrupts ------------------------------------------------------------------------------ */

/* Called with irq_lock held when InterruptStatus goes from old to new. */
static void drive_line(struct virtio_mmio *t, uint32_t old, uint32_t new)
{
    if (t->notify.irq_fd >= 0) {
        if (!old && new)
            virtio_notify__irqfd_edge(t);
        return;
    }
    if (!old != !new)
        irq_line__set(&t->irq, new != 0);
}

static void raise_interrupt(struct virtio_mmio *t, uint32_t bits)
{
    pthread_mutex_lock(&t->irq_lock);
    uint32_t old = t->isr;
    t->isr |= bits;
    drive_line(t, old, t->isr);
    pthread_mutex_unlock(&t->irq_lock);
}

static void ack_interrupt(struct virtio_mmio *t, uint32_t bits)
{
    pthread_mutex_lock(&t->irq_lock);
    uint32_t old = t->isr;
    t->isr &= ~bits;
    drive_line(t, old, t->isr);
    pthread_mutex_unlock(&t->irq_lock);
}

void virtio_mmio__set_isr(struct virtio_mmio *t, uint32_t isr)
{
    pthread_mutex_lock(&t->irq_lock);
    uint32_t old = t->isr;
    t->isr = isr;
    drive_line(t, old, isr);
    pthread_mutex_unlock(&t->irq_lock);
}

/* DRIVER_OK on an engine with irqfds: the line moves over, carrying its level across. */
static void switch_to_irqfd(struct virtio_mmio *t)
{
    pthread_mutex_lock(&t->irq_lock);
    bool was_irqfd = t->notify.irq_fd >= 0;
    if (!was_irqfd && virtio_notify__use_irqfd(t) && t->isr) {
        irq_line__set(&t->irq, false);
        virtio_notify__irqfd_edge(t);
    }
    pthread_mutex_unlock(&t->irq_lock);
}

/* --- in-flight work and reset -------------------------------------------------------------- */

void virtio_mmio__work_begin(struct virtio_mmio *t)
{
    pthread_mutex_lock(&t->work_lock);
    t->work++;
    pthread_mutex_unlock(&t->work_lock);
}

void virtio_mmio__work_end(struct virtio_mmio *t)
{
    pthread_mutex_lock(&t->work_lock);
    if (--t->work == 0)
        pthread_cond_broadcast(&t->work_idle);
    pthread_mutex_unlock(&t->work_lock);
}

void virtio_mmio__wait_for_work(struct virtio_mmio *t)
{
    pthread_mutex_lock(&t->work_lock);
    while (t->work)
        pthread_cond_wait(&t->work_idle, &t->work_lock);
    pthread_mutex_unlock(&t->work_lock);
}

/* 2.4: stop using the queues, let in-flight work finish, then forget everything. */
static void reset_device(struct virtio_mmio *t)
{
    atomic_store(&t->status, 0);
    for (unsigned q = 0; q < t->info.nqueues; q++)
        virtq__disable(&t->queues[q]);
    virtio_mmio__wait_for_work(t);
    for (unsigned q = 0; q < t->info.nqueues; q++)
        virtq__reset(&t->queues[q]);
    t->device_features_sel = t->driver_features_sel = t->queue_sel = 0;
    t->driver_features = 0;
    virtio_mmio__set_isr(t, 0);
    if (t->ops->reset)
        t->ops->reset(t->dev);
}

static void needs_reset(struct virtio_mmio *t, const char *why)
{
    uint32_t old = atomic_fetch_or(&t->status, VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    if (old & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
        return;
    log_ratelimited("%s at %#llx: %s; the device needs a reset", t->info.name,
                    (unsigned long long)t->base, why);
    raise_interrupt(t, VIRTIO_MMIO_INT_CONFIG);
}

/* --- queues as devices see them ---------------------------------------------------------- */

bool virtio_mmio__live(const struct virtio_mmio *t)
{
    uint32_t s = atomic_load(&t->status);
    return (s & VIRTIO_STATUS_DRIVER_OK) && !(s & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

bool virtio_mmio__pop(struct virtio_mmio *t, unsigned q, struct virtq_chain *chain)
{
    if (q >= t->info.nqueues || !virtio_mmio__live(t))
        return false;
    const char *why = NULL;
    enum virtq_pop_result r = virtq__pop(&t->queues[q], chain, &why);
    if (r == VIRTQ_BROKEN)
        needs_reset(t, why);
    return r == VIRTQ_GOT_CHAIN;
}

static void note_dma(struct virtio_mmio *t, const struct virtq_chain *chain, uint32_t written)
{
    void (*ram_written)(struct machine *, uint64_t, uint64_t) = t->machine->engine->ram_written;
    if (!ram_written)
        return;
    for (unsigned k = chain->nreadable; k < chain->nbufs && written; k++) {
        uint32_t n = chain->bufs[k].len < written ? chain->bufs[k].len : written;
        if (n)
            ram_written(t->machine, chain->bufs[k].gpa, n);
        written -= n;
    }
}

void virtio_mmio__push(struct virtio_mmio *t, unsigned q, const struct virtq_chain *chain,
                       uint32_t written)
{
    if (q >= t->info.nqueues)
        return;
    if (written > chain->writable_len)
        written = (uint32_t)chain->writable_len;
    note_dma(t, chain, written);
    if (virtq__push(&t->queues[q], chain->head, written))
        raise_interrupt(t, VIRTIO_MMIO_INT_VRING);
}

uint64_t virtio_mmio__features(const struct virtio_mmio *t)
{
    return t->driver_features;
}

void virtio_mmio__dispatch_notify(struct virtio_mmio *t, unsigned q)
{
    if (q >= t->info.nqueues) {
        log_ratelimited("%s: notify for queue %u, which does not exist", t->info.name, q);
        return;
    }
    if (!virtio_mmio__live(t))
        return;
    virtio_mmio__work_begin(t);
    t->ops->queue_notify(t->dev, q);
    virtio_mmio__work_end(t);
}

/* --- configuration space ------------------------------------------------------------------- */

void virtio_mmio__set_config(struct virtio_mmio *t, uint32_t offset, const void *src, size_t len)
{
    pthread_mutex_lock(&t->config_lock);
    if (offset <= VIRTIO_MMIO_CONFIG_MAX && len <= VIRTIO_MMIO_CONFIG_MAX - offset)
        memcpy(t->config + offset, src, len);
    pthread_mutex_unlock(&t->config_lock);
}

void virtio_mmio__get_config(struct virtio_mmio *t, uint32_t offset, void *dst, size_t len)
{
    pthread_mutex_lock(&t->config_lock);
    if (offset <= VIRTIO_MMIO_CONFIG_MAX && len <= VIRTIO_MMIO_CONFIG_MAX - offset)
        memcpy(dst, t->config + offset, len);
    pthread_mutex_unlock(&t->config_lock);
}

void virtio_mmio__update_config(struct virtio_mmio *t, uint32_t offset, const void *src, size_t len)
{
    pthread_mutex_lock(&t->config_lock);
    if (offset <= VIRTIO_MMIO_CONFIG_MAX && len <= VIRTIO_MMIO_CONFIG_MAX - offset) {
        memcpy(t->config + offset, src, len);
        t->config_generation++;
    }
    pthread_mutex_unlock(&t->config_lock);
    raise_interrupt(t, VIRTIO_MMIO_INT_CONFIG);
}

static bool config_access_ok(const struct virtio_mmio *t, uint64_t off, unsigned size)
{
    return (size == 1 || size == 2 || size == 4 || size == 8) && off < t->info.config_size &&
           size <= t->info.config_size - off;
}

/* --- registers ------------------------------------------------------------------------------ */

static struct virtq *selected_queue(struct virtio_mmio *t)
{
    return t->queue_sel < t->info.nqueues ? &t->queues[t->queue_sel] : NULL;
}

static uint32_t read_register(struct virtio_mmio *t, uint64_t off)
{
    struct virtq *q = selected_queue(t);
    switch (off) {
    case VIRTIO_MMIO_MAGIC_VALUE: return VIRTIO_MMIO_MAGIC;
    case VIRTIO_MMIO_VERSION: return 2;
    case VIRTIO_MMIO_DEVICE_ID: return t->info.device_id;
    case VIRTIO_MMIO_VENDOR_ID_REG: return VIRTIO_MMIO_VENDOR_ID;
    case VIRTIO_MMIO_DEVICE_FEATURES:
        return t->device_features_sel < 2
                   ? (uint32_t)(t->device_features >> (32 * t->device_features_sel))
                   : 0;
    case VIRTIO_MMIO_QUEUE_NUM_MAX: return q ? VIRTQ_MAX_SIZE : 0;
    case VIRTIO_MMIO_QUEUE_READY: return q && q->ready;
    case VIRTIO_MMIO_INTERRUPT_STATUS: {
        pthread_mutex_lock(&t->irq_lock);
        uint32_t isr = t->isr;
        pthread_mutex_unlock(&t->irq_lock);
        return isr;
    }
    case VIRTIO_MMIO_STATUS: return atomic_load(&t->status);
    case VIRTIO_MMIO_SHM_LEN_LOW:
    case VIRTIO_MMIO_SHM_LEN_HIGH: return 0xffffffffu; /* no shared memory regions */
    case VIRTIO_MMIO_CONFIG_GENERATION: {
        pthread_mutex_lock(&t->config_lock);
        uint32_t generation = t->config_generation;
        pthread_mutex_unlock(&t->config_lock);
        return generation;
    }
    default:
        log_ratelimited("%s: read of write-only or unknown register %#llx", t->info.name,
                        (unsigned long long)off);
        return 0;
    }
}

/* FEATURES_OK (3.1.1 step 5): accepted only for a subset of what we offer, with VERSION_1. */
static bool features_acceptable(const struct virtio_mmio *t)
{
    return !(t->driver_features & ~t->device_features) &&
           (t->driver_features & VIRTIO_FEATURE(VIRTIO_F_VERSION_1));
}

/* Returns true when the driver has just set DRIVER_OK. */
static bool write_status(struct virtio_mmio *t, uint32_t value)
{
    if (value == 0) {
        reset_device(t);
        return false;
    }
    uint32_t old = atomic_load(&t->status);
    uint32_t new = (value & settable_status) | (old & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    if ((new &VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK) &&
        !features_acceptable(t)) {
        log_ratelimited("%s: driver features %#llx refused (offered %#llx, VERSION_1 required)",
                        t->info.name, (unsigned long long)t->driver_features,
                        (unsigned long long)t->device_features);
        new &= ~VIRTIO_STATUS_FEATURES_OK;
    }
    if ((new &VIRTIO_STATUS_DRIVER_OK) && !(new &VIRTIO_STATUS_FEATURES_OK)) {
        log_ratelimited("%s: DRIVER_OK without FEATURES_OK ignored", t->info.name);
        new &= ~VIRTIO_STATUS_DRIVER_OK;
    }
    atomic_store(&t->status, new);
    if (!(new &VIRTIO_STATUS_DRIVER_OK) || (old & VIRTIO_STATUS_DRIVER_OK))
        return false;
    switch_to_irqfd(t);
    return true;
}

static void enable_queue(struct virtio_mmio *t, unsigned index)
{
    const char *why = NULL;
    uint64_t f = t->driver_features;
    if (virtq__enable(&t->queues[index], &t->machine->mem, VIRTQ_MAX_SIZE,
                      f & VIRTIO_FEATURE(VIRTIO_F_RING_EVENT_IDX),
                      f & VIRTIO_FEATURE(VIRTIO_F_RING_INDIRECT_DESC), &why)) {
        needs_reset(t, why);
        return;
    }
    virtio_notify__add_queue(t, index);
}

static void set_half(uint64_t *field, bool high, uint32_t value)
{
    *field = high ? (*field & 0xffffffffull) | ((uint64_t)value << 32)
                  : (*field & ~0xffffffffull) | value;
}

/* Queue registers the driver may only write while the queue is not ready (4.2.3.2). */
static void write_queue_setup(struct virtio_mmio *t, uint64_t off, uint32_t value)
{
    struct virtq *q = selected_queue(t);
    if (!q || q->ready) {
        log_ratelimited("%s: queue register %#llx written while queue %u is %s", t->info.name,
                        (unsigned long long)off, t->queue_sel, q ? "ready" : "absent");
        return;
    }
    switch (off) {
    case VIRTIO_MMIO_QUEUE_NUM: q->num = (uint16_t)(value > 0xffff ? 0 : value); break;
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
        set_half(&q->desc_gpa, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, value);
        break;
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
        set_half(&q->avail_gpa, off == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, value);
        break;
    case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
    case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
        set_half(&q->used_gpa, off == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, value);
        break;
    }
}

static void write_queue_ready(struct virtio_mmio *t, uint32_t value)
{
    struct virtq *q = selected_queue(t);
    if (!q) {
        log_ratelimited("%s: QueueReady for absent queue %u", t->info.name, t->queue_sel);
        return;
    }
    if (value && !q->ready) {
        enable_queue(t, t->queue_sel);
    } else if (!value && q->ready) {
        virtq__disable(q);
        virtio_mmio__wait_for_work(t);
    }
}

/* Returns true when the driver has just set DRIVER_OK. */
static bool write_register(struct virtio_mmio *t, uint64_t off, uint32_t value)
{
    switch (off) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL: t->device_features_sel = value; break;
    case VIRTIO_MMIO_DRIVER_FEATURES:
        if (atomic_load(&t->status) & VIRTIO_STATUS_FEATURES_OK)
            log_ratelimited("%s: driver features written after FEATURES_OK", t->info.name);
        else if (t->driver_features_sel < 2)
            set_half(&t->driver_features, t->driver_features_sel == 1, value);
        break;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL: t->driver_features_sel = value; break;
    case VIRTIO_MMIO_QUEUE_SEL: t->queue_sel = value; break;
    case VIRTIO_MMIO_QUEUE_NUM:
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
    case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
    case VIRTIO_MMIO_QUEUE_DEVICE_HIGH: write_queue_setup(t, off, value); break;
    case VIRTIO_MMIO_QUEUE_READY: write_queue_ready(t, value); break;
    case VIRTIO_MMIO_INTERRUPT_ACK: ack_interrupt(t, value); break;
    case VIRTIO_MMIO_STATUS: return write_status(t, value);
    case VIRTIO_MMIO_SHM_SEL: break; /* no regions to select */
    default:
        log_ratelimited("%s: write of read-only or unknown register %#llx", t->info.name,
                        (unsigned long long)off);
    }
    return false;
}

static uint64_t bus_read(void *opaque, uint64_t off, unsigned size)
{
    struct virtio_mmio *t = opaque;
    uint64_t value = 0;
    if (off >= VIRTIO_MMIO_CONFIG) {
        off -= VIRTIO_MMIO_CONFIG;
        if (!config_access_ok(t, off, size)) {
            log_ratelimited("%s: bad config read of %u bytes at %#llx", t->info.name, size,
                            (unsigned long long)off);
            return 0;
        }
        pthread_mutex_lock(&t->config_lock);
        memcpy(&value, t->config + off, size);
        pthread_mutex_unlock(&t->config_lock);
        return value;
    }
    if (size != 4 || off % 4) {
        log_ratelimited("%s: bad register read of %u bytes at %#llx", t->info.name, size,
                        (unsigned long long)off);
        return 0;
    }
    pthread_mutex_lock(&t->lock);
    value = read_register(t, off);
    pthread_mutex_unlock(&t->lock);
    return value;
}

static void bus_write(void *opaque, uint64_t off, unsigned size, uint64_t value)
{
    struct virtio_mmio *t = opaque;
    if (off >= VIRTIO_MMIO_CONFIG) {
        off -= VIRTIO_MMIO_CONFIG;
        if (!config_access_ok(t, off, size) || !t->ops->config_write) {
            log_ratelimited("%s: bad or read-only config write of %u bytes at %#llx", t->info.name,
                            size, (unsigned long long)off);
            return;
        }
        t->ops->config_write(t->dev, (uint32_t)off, size, value);
        return;
    }
    if (size != 4 || off % 4) {
        log_ratelimited("%s: bad register write of %u bytes at %#llx", t->info.name, size,
                        (unsigned long long)off);
        return;
    }
    if (off == VIRTIO_MMIO_QUEUE_NOTIFY) {
        /* Not under the lock: a slow device must not hold up the other vCPUs' registers. */
        virtio_mmio__dispatch_notify(t, (uint32_t)value);
        return;
    }
    pthread_mutex_lock(&t->lock);
    bool driver_ok_now = write_register(t, off, (uint32_t)value);
    pthread_mutex_unlock(&t->lock);
    /* Buffers made available before DRIVER_OK (and their notifications) are taken now. */
    if (driver_ok_now)
        for (unsigned q = 0; q < t->info.nqueues; q++)
            virtio_mmio__dispatch_notify(t, q);
}

static const struct bus_ops virtio_mmio_bus_ops = {.read = bus_read, .write = bus_write};

/* --- life ------------------------------------------------------------------------------------ */

struct virtio_mmio *virtio_mmio__create(struct machine *m, uint64_t base, unsigned gsi,
                                        const struct virtio_device_info *info,
                                        const struct virtio_device_ops *ops, void *dev,
                                        struct err *err)
{
    if (info->nqueues == 0 || info->nqueues > VIRTIO_MMIO_MAX_QUEUES ||
        info->config_size > VIRTIO_MMIO_CONFIG_MAX) {
        err__set(err, "%s: bad device description", info->name);
        return NULL;
    }
    struct virtio_mmio *t = calloc(1, sizeof(*t));
    if (!t) {
        err__set(err, "%s: out of memory", info->name);
        return NULL;
    }
    t->machine = m;
    t->base = base;
    t->info = *info;
    t->ops = ops;
    t->dev = dev;
    t->device_features = info->features | TRANSPORT_FEATURES;
    irq_line__init(&t->irq, m, gsi);
    pthread_mutex_init(&t->lock, NULL);
    pthread_mutex_init(&t->config_lock, NULL);
    pthread_mutex_init(&t->work_lock, NULL);
    pthread_cond_init(&t->work_idle, NULL);
    pthread_mutex_init(&t->irq_lock, NULL);
    atomic_init(&t->status, 0);
    for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
        virtq__init(&t->queues[q]);
    virtio_notify__init(&t->notify);
    if (bus__register(&m->mmio, base, VIRTIO_MMIO_WINDOW_SIZE, &virtio_mmio_bus_ops, t, info->name,
                      err)) {
        virtio_mmio__destroy(t);
        return NULL;
    }
    return t;
}

void virtio_mmio__destroy(struct virtio_mmio *t)
{
    if (!t)
        return;
    virtio_notify__destroy(&t->notify);
    for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
        virtq__disable(&t->queues[q]);
    virtio_mmio__wait_for_work(t);
    for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
        virtq__destroy(&t->queues[q]);
    pthread_mutex_destroy(&t->lock);
    pthread_mutex_destroy(&t->config_lock);
    pthread_mutex_destroy(&t->work_lock);
    pthread_cond_destroy(&t->work_idle);
    pthread_mutex_destroy(&t->irq_lock);
    free(t);
}
