// SPDX-License-Identifier: Apache-2.0
/*
 * virtio_blk.c - a tiny virtio-blk driver over virtio-mmio (virtio 1.2,
 * 3.1 device initialization, 4.2 MMIO transport, 2.7 split virtqueues, 5.2
 * block device) that writes, flushes, reads back and zeroes sectors.
 *
 * The devices are found as Linux finds them: `virtio_mmio.device=4K@ADDR:IRQ`
 * on the kernel command line (boot_params.hdr.cmd_line_ptr). The first
 * block device must be writable with id "strata-test" and hold the string
 * HOST_STRING at sector 8; a second one, if present, must be read-only.
 * Completions are found by polling the used ring, so no interrupt is
 * needed; InterruptStatus is checked and acknowledged all the same.
 *
 * Leaves WRITE_SECTORS sectors of "0123456789abcdef" repeated at sector 0
 * of the first disk for the host to check, and prints "virtio-blk: ok".
 */
#include <stdbool.h>
#include <stdint.h>

#include "runtime/exitdev.h"
#include "runtime/serial.h"
#include "runtime/x86.h"

#define BOOT_PARAMS_CMDLINE_PTR 0x7228 /* boot_params at 0x7000, hdr.cmd_line_ptr at 0x228 */

/* virtio-mmio registers (4.2.2) */
#define REG_MAGIC            0x000
#define REG_VERSION          0x004
#define REG_DEVICE_ID        0x008
#define REG_DEVICE_FEATURES  0x010
#define REG_DEVICE_FEAT_SEL  0x014
#define REG_DRIVER_FEATURES  0x020
#define REG_DRIVER_FEAT_SEL  0x024
#define REG_QUEUE_SEL        0x030
#define REG_QUEUE_NUM_MAX    0x034
#define REG_QUEUE_NUM        0x038
#define REG_QUEUE_READY      0x044
#define REG_QUEUE_NOTIFY     0x050
#define REG_INTERRUPT_STATUS 0x060
#define REG_INTERRUPT_ACK    0x064
#define REG_STATUS           0x070
#define REG_DESC_LOW         0x080
#define REG_DESC_HIGH        0x084
#define REG_DRIVER_LOW       0x090
#define REG_DRIVER_HIGH      0x094
#define REG_DEVICE_LOW       0x0a0
#define REG_DEVICE_HIGH      0x0a4
#define REG_CONFIG           0x100

#define STATUS_ACKNOWLEDGE 1
#define STATUS_DRIVER      2
#define STATUS_DRIVER_OK   4
#define STATUS_FEATURES_OK 8

#define F_INDIRECT_DESC 28
#define F_VERSION_1     32
#define BLK_F_RO        5

#define DESC_F_NEXT     1
#define DESC_F_WRITE    2
#define DESC_F_INDIRECT 4

#define BLK_T_IN           0
#define BLK_T_OUT          1
#define BLK_T_FLUSH        4
#define BLK_T_GET_ID       8
#define BLK_T_WRITE_ZEROES 13
#define BLK_S_OK           0
#define BLK_S_IOERR        1

#define MAX_DEVICES        8
#define QUEUE_SIZE         8
#define SECTOR             512
#define WRITE_SECTORS      8
#define HOST_SECTOR        8
#define HOST_STRING        "hello from the host disk"
#define DISK_ID            "strata-test"
/* Seconds at any TSC rate of 1 GHz or more; the run's --timeout bounds the rest. */
#define TIMEOUT_TSC_CYCLES 20000000000ull

struct desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct disk {
    uintptr_t base;
    bool indirect;
    uint16_t last_used;
    struct desc desc[QUEUE_SIZE] __attribute__((aligned(16)));
    struct desc indirect_table[3] __attribute__((aligned(16)));
    struct {
        uint16_t flags, idx, ring[QUEUE_SIZE], used_event;
    } avail __attribute__((aligned(2)));
    struct {
        uint16_t flags, idx;
        struct {
            uint32_t id, len;
        } ring[QUEUE_SIZE];
        uint16_t avail_event;
    } used __attribute__((aligned(4)));
};

struct request_header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

static struct disk disks[2];
static struct request_header header;
static uint8_t data[WRITE_SECTORS * SECTOR] __attribute__((aligned(4096)));
static volatile uint8_t status;

static uint32_t reg_read(const struct disk *d, uint32_t reg)
{
    return *(volatile uint32_t *)(d->base + reg);
}

static void reg_write(const struct disk *d, uint32_t reg, uint32_t value)
{
    *(volatile uint32_t *)(d->base + reg) = value;
}

static void __attribute__((noreturn)) fail(const char *what)
{
    serial__printf("virtio-blk: FAILED, %s\n", what);
    exitdev__exit(EXIT_FAILURE);
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

/* Addresses of the virtio_mmio.device= parameters on the command line. */
static int find_devices(uintptr_t *bases)
{
    const char *p = (const char *)(uintptr_t) * (volatile uint32_t *)BOOT_PARAMS_CMDLINE_PTR;
    int n = 0;
    for (; *p && n < MAX_DEVICES; p++) {
        if (!starts_with(p, "virtio_mmio.device=4K@0x"))
            continue;
        p += sizeof("virtio_mmio.device=4K@0x") - 1;
        bases[n++] = (uintptr_t)parse_hex(&p);
    }
    return n;
}

/* Device initialization, 3.1.1; returns the device feature bits. */
static uint64_t init_device(struct disk *d)
{
    if (reg_read(d, REG_MAGIC) != 0x74726976 || reg_read(d, REG_VERSION) != 2)
        fail("no virtio-mmio version 2 device");
    reg_write(d, REG_STATUS, 0);
    reg_write(d, REG_STATUS, STATUS_ACKNOWLEDGE);
    reg_write(d, REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    reg_write(d, REG_DEVICE_FEAT_SEL, 0);
    uint64_t features = reg_read(d, REG_DEVICE_FEATURES);
    reg_write(d, REG_DEVICE_FEAT_SEL, 1);
    features |= (uint64_t)reg_read(d, REG_DEVICE_FEATURES) << 32;
    if (!(features & (1ull << F_VERSION_1)))
        fail("device does not offer VERSION_1");

    d->indirect = features & (1ull << F_INDIRECT_DESC);
    uint64_t wanted = (1ull << F_VERSION_1) | (d->indirect ? 1ull << F_INDIRECT_DESC : 0);
    reg_write(d, REG_DRIVER_FEAT_SEL, 0);
    reg_write(d, REG_DRIVER_FEATURES, (uint32_t)wanted);
    reg_write(d, REG_DRIVER_FEAT_SEL, 1);
    reg_write(d, REG_DRIVER_FEATURES, (uint32_t)(wanted >> 32));
    reg_write(d, REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    if (!(reg_read(d, REG_STATUS) & STATUS_FEATURES_OK))
        fail("FEATURES_OK refused");

    reg_write(d, REG_QUEUE_SEL, 0);
    if (reg_read(d, REG_QUEUE_NUM_MAX) < QUEUE_SIZE)
        fail("queue too small");
    reg_write(d, REG_QUEUE_NUM, QUEUE_SIZE);
    reg_write(d, REG_DESC_LOW, (uint32_t)(uintptr_t)d->desc);
    reg_write(d, REG_DESC_HIGH, 0);
    reg_write(d, REG_DRIVER_LOW, (uint32_t)(uintptr_t)&d->avail);
    reg_write(d, REG_DRIVER_HIGH, 0);
    reg_write(d, REG_DEVICE_LOW, (uint32_t)(uintptr_t)&d->used);
    reg_write(d, REG_DEVICE_HIGH, 0);
    reg_write(d, REG_QUEUE_READY, 1);
    reg_write(d, REG_STATUS,
              STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    return features;
}

static void set_desc(struct desc *t, unsigned i, const volatile void *addr, uint32_t len,
                     uint16_t flags, uint16_t next)
{
    t[i].addr = (uintptr_t)addr;
    t[i].len = len;
    t[i].flags = flags;
    t[i].next = next;
}

/*
 * One request: header, data (device-readable when `data_out`), status. Goes
 * through an indirect table when asked and offered. Returns the status.
 */
static uint8_t request(struct disk *d, uint32_t type, uint64_t sector, uint32_t len, bool data_out,
                       bool use_indirect)
{
    header.type = type;
    header.reserved = 0;
    header.sector = sector;
    status = 0xff;

    struct desc *t = use_indirect && d->indirect ? d->indirect_table : d->desc;
    unsigned n = 0;
    set_desc(t, n, &header, sizeof(header), DESC_F_NEXT, (uint16_t)(n + 1));
    n++;
    if (len) {
        set_desc(t, n, data, len, (uint16_t)(DESC_F_NEXT | (data_out ? 0 : DESC_F_WRITE)),
                 (uint16_t)(n + 1));
        n++;
    }
    set_desc(t, n, &status, 1, DESC_F_WRITE, 0);
    if (t == d->indirect_table)
        set_desc(d->desc, 0, d->indirect_table, (uint32_t)((n + 1) * sizeof(struct desc)),
                 DESC_F_INDIRECT, 0);

    uint16_t idx = d->avail.idx;
    d->avail.ring[idx % QUEUE_SIZE] = 0;
    __atomic_store_n(&d->avail.idx, (uint16_t)(idx + 1), __ATOMIC_RELEASE);
    reg_write(d, REG_QUEUE_NOTIFY, 0);

    uint64_t deadline = rdtsc() + TIMEOUT_TSC_CYCLES;
    while (__atomic_load_n(&d->used.idx, __ATOMIC_ACQUIRE) == d->last_used) {
        if (rdtsc() > deadline)
            fail("no completion on the used ring");
        cpu_relax();
    }
    d->last_used++;
    if (!(reg_read(d, REG_INTERRUPT_STATUS) & 1))
        fail("InterruptStatus does not show the used buffer");
    reg_write(d, REG_INTERRUPT_ACK, 1);
    return status;
}

static uint8_t pattern(unsigned i)
{
    return (uint8_t) "0123456789abcdef"[i % 16];
}

static void check_writable_disk(struct disk *d)
{
    if (request(d, BLK_T_GET_ID, 0, 20, false, false) != BLK_S_OK)
        fail("get-id");
    for (unsigned i = 0; i < sizeof(DISK_ID); i++)
        if (data[i] != (uint8_t)DISK_ID[i])
            fail("get-id returned another id");

    if (request(d, BLK_T_IN, HOST_SECTOR, SECTOR, false, true) != BLK_S_OK)
        fail("read of the host's sector");
    for (unsigned i = 0; i < sizeof(HOST_STRING) - 1; i++)
        if (data[i] != (uint8_t)HOST_STRING[i])
            fail("the host's sector does not hold the host's string");

    /* Write zeroes over sectors 0-7 first, read back, then the pattern. */
    for (unsigned i = 0; i < 16; i++)
        ((volatile uint8_t *)data)[i] = 0;
    *(volatile uint32_t *)(data + 8) = WRITE_SECTORS;
    if (request(d, BLK_T_WRITE_ZEROES, 0, 16, true, false) != BLK_S_OK)
        fail("write-zeroes");
    if (request(d, BLK_T_IN, 0, sizeof(data), false, false) != BLK_S_OK)
        fail("read after write-zeroes");
    for (unsigned i = 0; i < sizeof(data); i++)
        if (data[i])
            fail("write-zeroes left data behind");

    for (unsigned i = 0; i < sizeof(data); i++)
        ((volatile uint8_t *)data)[i] = pattern(i);
    if (request(d, BLK_T_OUT, 0, sizeof(data), true, true) != BLK_S_OK)
        fail("write");
    if (request(d, BLK_T_FLUSH, 0, 0, false, false) != BLK_S_OK)
        fail("flush");
    for (unsigned i = 0; i < sizeof(data); i++)
        ((volatile uint8_t *)data)[i] = 0;
    if (request(d, BLK_T_IN, 0, sizeof(data), false, false) != BLK_S_OK)
        fail("read back");
    for (unsigned i = 0; i < sizeof(data); i++)
        if (data[i] != pattern(i))
            fail("read back other data than written");
    serial__printf("virtio-blk: wrote, flushed and read back %u sectors\n", WRITE_SECTORS);
}

static void check_readonly_disk(struct disk *d, uint64_t features)
{
    if (!(features & (1ull << BLK_F_RO)))
        fail("second disk does not say it is read-only");
    if (request(d, BLK_T_IN, 0, SECTOR, false, false) != BLK_S_OK)
        fail("read of the read-only disk");
    for (unsigned i = 0; i < SECTOR; i++)
        ((volatile uint8_t *)data)[i] = 0x5a;
    if (request(d, BLK_T_OUT, 0, SECTOR, true, false) != BLK_S_IOERR)
        fail("write to the read-only disk did not fail with IOERR");
    serial__printf("virtio-blk: read-only disk refused a write\n");
}

int main(void)
{
    uintptr_t bases[MAX_DEVICES];
    int n = find_devices(bases);
    int ndisks = 0;
    for (int i = 0; i < n && ndisks < 2; i++) {
        struct disk *d = &disks[ndisks];
        d->base = bases[i];
        if (reg_read(d, REG_DEVICE_ID) == 2)
            ndisks++;
    }
    if (ndisks == 0)
        fail("no virtio-blk device on the command line");

    init_device(&disks[0]);
    check_writable_disk(&disks[0]);
    if (ndisks > 1)
        check_readonly_disk(&disks[1], init_device(&disks[1]));
    serial__puts("virtio-blk: ok\n");
    return EXIT_OK;
}
