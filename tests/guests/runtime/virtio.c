// SPDX-License-Identifier: Apache-2.0
/*
 * virtio.c - the test guests' virtio-mmio driver (see virtio.h): device
 * discovery on the command line, initialization (virtio 1.2, 3.1.1), queue
 * setup (4.2.3.2) and one request at a time on a split virtqueue (2.7.13).
 */
#include "virtio.h"

#include "exitdev.h"
#include "serial.h"
#include "x86.h"

#define BOOT_PARAMS_CMDLINE_PTR 0x7228 /* boot_params at 0x7000, hdr.cmd_line_ptr at 0x228 */
#define DEVICE_PARAM            "virtio_mmio.device=4K@0x"

/* Registers (4.2.2) */
#define REG_MAGIC           0x000
#define REG_VERSION         0x004
#define REG_DEVICE_FEATURES 0x010
#define REG_DEVICE_FEAT_SEL 0x014
#define REG_DRIVER_FEATURES 0x020
#define REG_DRIVER_FEAT_SEL 0x024
#define REG_QUEUE_SEL       0x030
#define REG_QUEUE_NUM_MAX   0x034
#define REG_QUEUE_NUM       0x038
#define REG_QUEUE_READY     0x044
#define REG_QUEUE_NOTIFY    0x050
#define REG_STATUS          0x070
#define REG_DESC_LOW        0x080
#define REG_DESC_HIGH       0x084
#define REG_DRIVER_LOW      0x090
#define REG_DRIVER_HIGH     0x094
#define REG_DEVICE_LOW      0x0a0
#define REG_DEVICE_HIGH     0x0a4

#define STATUS_ACKNOWLEDGE 1
#define STATUS_DRIVER      2
#define STATUS_DRIVER_OK   4
#define STATUS_FEATURES_OK 8

#define DESC_F_NEXT     1
#define DESC_F_WRITE    2
#define DESC_F_INDIRECT 4

/* Seconds at any TSC rate of 1 GHz or more; the run's --timeout bounds the rest. */
#define TIMEOUT_TSC_CYCLES 20000000000ull

void virtio__fail(const char *why)
{
    serial__printf("virtio: FAILED, %s\n", why);
    exitdev__exit(EXIT_FAILURE);
}

uint32_t virtio__read(const struct virtio_dev *d, uint32_t reg)
{
    return *(volatile uint32_t *)(d->base + reg);
}

void virtio__write(const struct virtio_dev *d, uint32_t reg, uint32_t value)
{
    *(volatile uint32_t *)(d->base + reg) = value;
}

static bool starts_with(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++)
            return false;
    return true;
}

static uint64_t parse_hex(const char **p)
{
    uint64_t v = 0;
    for (;; (*p)++) {
        char c = **p;
        if (c >= '0' && c <= '9')
            v = v * 16 + (uint64_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = v * 16 + (uint64_t)(c - 'a' + 10);
        else
            return v;
    }
}

int virtio__find(uint32_t device_id, uintptr_t *bases, int max)
{
    const char *p = (const char *)(uintptr_t) * (volatile uint32_t *)BOOT_PARAMS_CMDLINE_PTR;
    int n = 0;
    while (*p && n < max) {
        if (!starts_with(p, DEVICE_PARAM)) {
            p++;
            continue;
        }
        p += sizeof(DEVICE_PARAM) - 1;
        struct virtio_dev d = {.base = (uintptr_t)parse_hex(&p)};
        if (virtio__read(&d, REG_MAGIC) != 0x74726976 || virtio__read(&d, REG_VERSION) != 2)
            virtio__fail("a command-line device is not virtio-mmio version 2");
        if (virtio__read(&d, VIRTIO_MMIO_DEVICE_ID) == device_id)
            bases[n++] = d.base;
    }
    return n;
}

void virtio__init(struct virtio_dev *d, uintptr_t base, uint64_t wanted)
{
    d->base = base;
    virtio__write(d, REG_STATUS, 0);
    virtio__write(d, REG_STATUS, STATUS_ACKNOWLEDGE);
    virtio__write(d, REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    virtio__write(d, REG_DEVICE_FEAT_SEL, 0);
    d->features = virtio__read(d, REG_DEVICE_FEATURES);
    virtio__write(d, REG_DEVICE_FEAT_SEL, 1);
    d->features |= (uint64_t)virtio__read(d, REG_DEVICE_FEATURES) << 32;
    if (!(d->features & (1ull << VIRTIO_F_VERSION_1)))
        virtio__fail("the device does not offer VERSION_1");

    uint64_t features = (wanted & d->features) | 1ull << VIRTIO_F_VERSION_1;
    d->indirect = features & (1ull << VIRTIO_F_INDIRECT_DESC);
    virtio__write(d, REG_DRIVER_FEAT_SEL, 0);
    virtio__write(d, REG_DRIVER_FEATURES, (uint32_t)features);
    virtio__write(d, REG_DRIVER_FEAT_SEL, 1);
    virtio__write(d, REG_DRIVER_FEATURES, (uint32_t)(features >> 32));
    virtio__write(d, REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    if (!(virtio__read(d, REG_STATUS) & STATUS_FEATURES_OK))
        virtio__fail("the device refused FEATURES_OK");
}

void virtio__setup_queue(struct virtio_dev *d, struct virtio_queue *q, unsigned index)
{
    q->index = index;
    q->last_used = 0;
    virtio__write(d, REG_QUEUE_SEL, index);
    if (virtio__read(d, REG_QUEUE_NUM_MAX) < VIRTIO_QUEUE_SIZE)
        virtio__fail("queue too small");
    virtio__write(d, REG_QUEUE_NUM, VIRTIO_QUEUE_SIZE);
    virtio__write(d, REG_DESC_LOW, (uint32_t)(uintptr_t)q->desc);
    virtio__write(d, REG_DESC_HIGH, 0);
    virtio__write(d, REG_DRIVER_LOW, (uint32_t)(uintptr_t)&q->avail);
    virtio__write(d, REG_DRIVER_HIGH, 0);
    virtio__write(d, REG_DEVICE_LOW, (uint32_t)(uintptr_t)&q->used);
    virtio__write(d, REG_DEVICE_HIGH, 0);
    virtio__write(d, REG_QUEUE_READY, 1);
}

void virtio__driver_ok(struct virtio_dev *d)
{
    virtio__write(d, REG_STATUS,
                  STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
}

static void set_desc(struct virtio_desc *t, unsigned i, const volatile void *addr, uint32_t len,
                     uint16_t flags, uint16_t next)
{
    t[i].addr = (uintptr_t)addr;
    t[i].len = len;
    t[i].flags = flags;
    t[i].next = next;
}

void virtio__submit(struct virtio_dev *d, struct virtio_queue *q, const struct virtio_buf *bufs,
                    unsigned n, bool use_indirect)
{
    if (n == 0 || n > VIRTIO_MAX_BUFS)
        virtio__fail("bad request size");
    struct virtio_desc *t = use_indirect && d->indirect ? q->indirect : q->desc;
    for (unsigned i = 0; i < n; i++)
        set_desc(
            t, i, bufs[i].addr, bufs[i].len,
            (uint16_t)((i + 1 < n ? DESC_F_NEXT : 0) | (bufs[i].device_writes ? DESC_F_WRITE : 0)),
            (uint16_t)(i + 1));
    if (t == q->indirect)
        set_desc(q->desc, 0, q->indirect, (uint32_t)(n * sizeof(struct virtio_desc)),
                 DESC_F_INDIRECT, 0);

    uint16_t idx = q->avail.idx;
    q->avail.ring[idx % VIRTIO_QUEUE_SIZE] = 0;
    __atomic_store_n(&q->avail.idx, (uint16_t)(idx + 1), __ATOMIC_RELEASE);
    virtio__write(d, REG_QUEUE_NOTIFY, q->index);
}

uint32_t virtio__wait_used(struct virtio_dev *d, struct virtio_queue *q)
{
    uint64_t deadline = rdtsc() + TIMEOUT_TSC_CYCLES;
    while (__atomic_load_n(&q->used.idx, __ATOMIC_ACQUIRE) == q->last_used) {
        if (rdtsc() > deadline)
            virtio__fail("no completion on the used ring");
        cpu_relax();
    }
    (void)d;
    uint32_t len = q->used.ring[q->last_used % VIRTIO_QUEUE_SIZE].len;
    q->last_used++;
    return len;
}

uint32_t virtio__request(struct virtio_dev *d, struct virtio_queue *q,
                         const struct virtio_buf *bufs, unsigned n, bool use_indirect)
{
    virtio__submit(d, q, bufs, n, use_indirect);
    uint32_t len = virtio__wait_used(d, q);
    if (!(virtio__read(d, VIRTIO_MMIO_INTERRUPT_STATUS) & 1))
        virtio__fail("InterruptStatus does not show the used buffer");
    virtio__write(d, VIRTIO_MMIO_INTERRUPT_ACK, 1);
    return len;
}
