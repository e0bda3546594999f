// SPDX-License-Identifier: Apache-2.0
/*
 * mmio.c - the virtio-mmio transport, version 2 (virtio 1.2, 4.2.2 and
 * 4.2.3; see mmio.h): the register layout over the core's common
 * registers, the identification registers, the interrupt line, and the
 * engine's fast paths (notify.c) set up when a queue or the driver becomes
 * ready.
 */
#include "devices/virtio/mmio.h"

#include <stdlib.h>

#include "devices/virtio/notify.h"
#include "machine/irq.h"
#include "machine/machine.h"
#include "util/log.h"

struct virtio_mmio {
    struct virtio_dev *vd;
    uint64_t base;
    struct irq_line irq;
    struct virtio_notify notify;
};

/* --- what the core tells the transport ----------------------------------------------------- */

/* The ISR went from old to new (with the core's ISR lock held). */
static void mmio_interrupt(void *transport, uint32_t old, uint32_t new)
{
    struct virtio_mmio *t = transport;
    if (t->notify.irq_fd >= 0) {
        if (!old && new)
            virtio_notify__irqfd_edge(&t->notify);
        return;
    }
    if (!old != !new)
        irq_line__set(&t->irq, new != 0);
}

/* DRIVER_OK on an engine with irqfds: the line moves over, carrying its level across. */
static void mmio_driver_ok(void *transport, uint32_t isr)
{
    struct virtio_mmio *t = transport;
    bool was_irqfd = t->notify.irq_fd >= 0;
    if (!was_irqfd && virtio_notify__use_irqfd(&t->notify) && isr) {
        irq_line__set(&t->irq, false);
        virtio_notify__irqfd_edge(&t->notify);
    }
}

static void mmio_queue_ready(void *transport, unsigned q)
{
    struct virtio_mmio *t = transport;
    virtio_notify__add_queue(&t->notify, q);
}

static const struct virtio_transport_ops mmio_transport_ops = {
    .interrupt = mmio_interrupt, .driver_ok = mmio_driver_ok, .queue_ready = mmio_queue_ready};

/* --- registers ------------------------------------------------------------------------------ */

/* The core register at offset off, or -1 for the transport's own or unknown ones. */
static int common_register(uint64_t off)
{
    switch (off) {
    case VIRTIO_MMIO_DEVICE_FEATURES: return VIRTIO_REG_DEVICE_FEATURES;
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL: return VIRTIO_REG_DEVICE_FEATURES_SEL;
    case VIRTIO_MMIO_DRIVER_FEATURES: return VIRTIO_REG_DRIVER_FEATURES;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL: return VIRTIO_REG_DRIVER_FEATURES_SEL;
    case VIRTIO_MMIO_QUEUE_SEL: return VIRTIO_REG_QUEUE_SEL;
    case VIRTIO_MMIO_QUEUE_NUM_MAX: return VIRTIO_REG_QUEUE_NUM_MAX;
    case VIRTIO_MMIO_QUEUE_NUM: return VIRTIO_REG_QUEUE_NUM;
    case VIRTIO_MMIO_QUEUE_READY: return VIRTIO_REG_QUEUE_READY;
    case VIRTIO_MMIO_QUEUE_DESC_LOW: return VIRTIO_REG_QUEUE_DESC_LOW;
    case VIRTIO_MMIO_QUEUE_DESC_HIGH: return VIRTIO_REG_QUEUE_DESC_HIGH;
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW: return VIRTIO_REG_QUEUE_DRIVER_LOW;
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH: return VIRTIO_REG_QUEUE_DRIVER_HIGH;
    case VIRTIO_MMIO_QUEUE_DEVICE_LOW: return VIRTIO_REG_QUEUE_DEVICE_LOW;
    case VIRTIO_MMIO_QUEUE_DEVICE_HIGH: return VIRTIO_REG_QUEUE_DEVICE_HIGH;
    case VIRTIO_MMIO_STATUS: return VIRTIO_REG_STATUS;
    case VIRTIO_MMIO_INTERRUPT_STATUS: return VIRTIO_REG_ISR;
    case VIRTIO_MMIO_CONFIG_GENERATION: return VIRTIO_REG_CONFIG_GENERATION;
    default: return -1;
    }
}

static uint32_t read_register(struct virtio_mmio *t, uint64_t off)
{
    int reg = common_register(off);
    if (reg >= 0) /* the core logs reads of the write-only ones */
        return virtio__read_common(t->vd, (enum virtio_reg)reg);
    switch (off) {
    case VIRTIO_MMIO_MAGIC_VALUE: return VIRTIO_MMIO_MAGIC;
    case VIRTIO_MMIO_VERSION: return 2;
    case VIRTIO_MMIO_DEVICE_ID: return virtio__device_id(t->vd);
    case VIRTIO_MMIO_VENDOR_ID_REG: return VIRTIO_MMIO_VENDOR_ID;
    case VIRTIO_MMIO_SHM_LEN_LOW:
    case VIRTIO_MMIO_SHM_LEN_HIGH: return 0xffffffffu; /* no shared memory regions */
    default:
        log_ratelimited("%s: read of write-only or unknown register %#llx", virtio__name(t->vd),
                        (unsigned long long)off);
        return 0;
    }
}

static void write_register(struct virtio_mmio *t, uint64_t off, uint32_t value)
{
    int reg = common_register(off);
    switch (off) {
    case VIRTIO_MMIO_QUEUE_NOTIFY: virtio__notify(t->vd, value); return;
    case VIRTIO_MMIO_INTERRUPT_ACK: virtio__ack_interrupt(t->vd, value); return;
    case VIRTIO_MMIO_SHM_SEL: return; /* no regions to select */
    case VIRTIO_MMIO_DEVICE_FEATURES:
    case VIRTIO_MMIO_QUEUE_NUM_MAX:
    case VIRTIO_MMIO_INTERRUPT_STATUS:
    case VIRTIO_MMIO_CONFIG_GENERATION: reg = -1; break; /* read-only */
    }
    if (reg < 0) {
        log_ratelimited("%s: write of read-only or unknown register %#llx", virtio__name(t->vd),
                        (unsigned long long)off);
        return;
    }
    virtio__write_common(t->vd, (enum virtio_reg)reg, value);
}

static uint64_t bus_read(void *opaque, uint64_t off, unsigned size)
{
    struct virtio_mmio *t = opaque;
    uint64_t value = 0;
    if (off >= VIRTIO_MMIO_CONFIG) {
        if (!virtio__config_read(t->vd, (uint32_t)(off - VIRTIO_MMIO_CONFIG), size, &value))
            log_ratelimited("%s: bad config read of %u bytes at %#llx", virtio__name(t->vd), size,
                            (unsigned long long)(off - VIRTIO_MMIO_CONFIG));
        return value;
    }
    if (size != 4 || off % 4) {
        log_ratelimited("%s: bad register read of %u bytes at %#llx", virtio__name(t->vd), size,
                        (unsigned long long)off);
        return 0;
    }
    return read_register(t, off);
}

static void bus_write(void *opaque, uint64_t off, unsigned size, uint64_t value)
{
    struct virtio_mmio *t = opaque;
    if (off >= VIRTIO_MMIO_CONFIG) {
        if (!virtio__config_write(t->vd, (uint32_t)(off - VIRTIO_MMIO_CONFIG), size, value))
            log_ratelimited("%s: bad or read-only config write of %u bytes at %#llx",
                            virtio__name(t->vd), size,
                            (unsigned long long)(off - VIRTIO_MMIO_CONFIG));
        return;
    }
    if (size != 4 || off % 4) {
        log_ratelimited("%s: bad register write of %u bytes at %#llx", virtio__name(t->vd), size,
                        (unsigned long long)off);
        return;
    }
    write_register(t, off, (uint32_t)value);
}

static const struct bus_ops virtio_mmio_bus_ops = {.read = bus_read, .write = bus_write};

/* --- life ------------------------------------------------------------------------------------ */

struct virtio_mmio *virtio_mmio__create(struct machine *m, uint64_t base, unsigned gsi,
                                        struct virtio_dev *vd, struct err *err)
{
    struct virtio_mmio *t = calloc(1, sizeof(*t));
    if (!t) {
        err__set(err, "%s: out of memory", virtio__name(vd));
        return NULL;
    }
    t->vd = vd;
    t->base = base;
    irq_line__init(&t->irq, m, gsi);
    virtio_notify__init(&t->notify, vd, m, base + VIRTIO_MMIO_QUEUE_NOTIFY, gsi);
    if (bus__register(&m->mmio, base, VIRTIO_MMIO_WINDOW_SIZE, &virtio_mmio_bus_ops, t,
                      virtio__name(vd), err)) {
        free(t);
        return NULL;
    }
    virtio__attach(vd, &mmio_transport_ops, t);
    return t;
}

void virtio_mmio__destroy(struct virtio_mmio *t)
{
    if (!t)
        return;
    virtio_notify__destroy(&t->notify);
    virtio__attach(t->vd, NULL, NULL);
    free(t);
}
