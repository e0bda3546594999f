// SPDX-License-Identifier: Apache-2.0
/*
 * virtio_blk.c - drives virtio-blk (virtio 1.2, 5.2) through the runtime's
 * virtio driver: get-id, a read of what the host put on the disk,
 * write-zeroes, a write through an indirect table, flush and a read back;
 * then, on a second disk, that a write to a read-only disk fails.
 *
 * The first block device on the command line must be writable with id
 * "strata-test" and hold HOST_STRING at sector 8; a second one, if
 * present, must be read-only. Leaves WRITE_SECTORS sectors of
 * "0123456789abcdef" repeated at sector 0 of the first disk for the host to
 * check, and prints "virtio-blk: ok".
 */
#include <stdbool.h>
#include <stdint.h>

#include "runtime/exitdev.h"
#include "runtime/serial.h"
#include "runtime/virtio.h"

#define VIRTIO_ID_BLOCK 2
#define BLK_F_RO        5

#define BLK_T_IN           0
#define BLK_T_OUT          1
#define BLK_T_FLUSH        4
#define BLK_T_GET_ID       8
#define BLK_T_WRITE_ZEROES 13
#define BLK_S_OK           0
#define BLK_S_IOERR        1

#define SECTOR        512
#define WRITE_SECTORS 8
#define HOST_SECTOR   8
#define HOST_STRING   "hello from the host disk"
#define DISK_ID       "strata-test"

struct request_header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

static struct virtio_dev devs[2];
static struct virtio_queue queues[2];
static struct request_header header;
static uint8_t data[WRITE_SECTORS * SECTOR] __attribute__((aligned(4096)));
static volatile uint8_t status;

static void __attribute__((noreturn)) fail(const char *what)
{
    serial__printf("virtio-blk: FAILED, %s\n", what);
    exitdev__exit(EXIT_FAILURE);
}

/* One request: header, len bytes of data (device-readable when data_out), status. */
static uint8_t request(unsigned disk, uint32_t type, uint64_t sector, uint32_t len, bool data_out,
                       bool use_indirect)
{
    header.type = type;
    header.reserved = 0;
    header.sector = sector;
    status = 0xff;
    struct virtio_buf bufs[3];
    unsigned n = 0;
    bufs[n++] = (struct virtio_buf){&header, sizeof(header), false};
    if (len)
        bufs[n++] = (struct virtio_buf){data, len, !data_out};
    bufs[n++] = (struct virtio_buf){&status, 1, true};
    virtio__request(&devs[disk], &queues[disk], bufs, n, use_indirect);
    return status;
}

static uint8_t pattern(unsigned i)
{
    return (uint8_t) "0123456789abcdef"[i % 16];
}

static void fill(uint8_t value, unsigned len)
{
    for (unsigned i = 0; i < len; i++)
        ((volatile uint8_t *)data)[i] = value;
}

static void check_writable_disk(void)
{
    if (request(0, BLK_T_GET_ID, 0, 20, false, false) != BLK_S_OK)
        fail("get-id");
    for (unsigned i = 0; i < sizeof(DISK_ID); i++)
        if (data[i] != (uint8_t)DISK_ID[i])
            fail("get-id returned another id");

    if (request(0, BLK_T_IN, HOST_SECTOR, SECTOR, false, true) != BLK_S_OK)
        fail("read of the host's sector");
    for (unsigned i = 0; i < sizeof(HOST_STRING) - 1; i++)
        if (data[i] != (uint8_t)HOST_STRING[i])
            fail("the host's sector does not hold the host's string");

    /* Write zeroes over sectors 0-7 first (one segment: sector 0, 8 sectors), read back. */
    fill(0, 16);
    *(volatile uint32_t *)(data + 8) = WRITE_SECTORS;
    if (request(0, BLK_T_WRITE_ZEROES, 0, 16, true, false) != BLK_S_OK)
        fail("write-zeroes");
    fill(0xff, sizeof(data));
    if (request(0, BLK_T_IN, 0, sizeof(data), false, false) != BLK_S_OK)
        fail("read after write-zeroes");
    for (unsigned i = 0; i < sizeof(data); i++)
        if (data[i])
            fail("write-zeroes left data behind");

    for (unsigned i = 0; i < sizeof(data); i++)
        ((volatile uint8_t *)data)[i] = pattern(i);
    if (request(0, BLK_T_OUT, 0, sizeof(data), true, true) != BLK_S_OK)
        fail("write");
    if (request(0, BLK_T_FLUSH, 0, 0, false, false) != BLK_S_OK)
        fail("flush");
    fill(0, sizeof(data));
    if (request(0, BLK_T_IN, 0, sizeof(data), false, false) != BLK_S_OK)
        fail("read back");
    for (unsigned i = 0; i < sizeof(data); i++)
        if (data[i] != pattern(i))
            fail("read back other data than written");
    serial__printf("virtio-blk: wrote, flushed and read back %u sectors\n", WRITE_SECTORS);
}

static void check_readonly_disk(void)
{
    if (!(devs[1].features & (1ull << BLK_F_RO)))
        fail("second disk does not say it is read-only");
    if (request(1, BLK_T_IN, 0, SECTOR, false, false) != BLK_S_OK)
        fail("read of the read-only disk");
    fill(0x5a, SECTOR);
    if (request(1, BLK_T_OUT, 0, SECTOR, true, false) != BLK_S_IOERR)
        fail("write to the read-only disk did not fail with IOERR");
    serial__printf("virtio-blk: read-only disk refused a write\n");
}

int main(void)
{
    uintptr_t bases[2];
    int ndisks = virtio__find(VIRTIO_ID_BLOCK, bases, 2);
    if (ndisks == 0)
        fail("no virtio-blk device on the command line");
    for (int i = 0; i < ndisks; i++) {
        virtio__init(&devs[i], bases[i], 1ull << VIRTIO_F_INDIRECT_DESC);
        virtio__setup_queue(&devs[i], &queues[i], 0);
        virtio__driver_ok(&devs[i]);
    }
    check_writable_disk();
    if (ndisks > 1)
        check_readonly_disk();
    serial__puts("virtio-blk: ok\n");
    return EXIT_OK;
}
