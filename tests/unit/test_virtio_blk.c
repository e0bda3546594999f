// SPDX-License-Identifier: Apache-2.0
/*
 * test_virtio_blk.c - unit tests for virtio-blk (src/devices/virtio/blk.c)
 * and the raw backend (src/block/) on a temporary image: read, write,
 * flush, get-id, discard, write-zeroes, requests outside the disk or not in
 * whole sectors, unknown types, read-only disks (IOERR, image unchanged),
 * format checks, and save/load. The program is linked with
 * -Wl,--wrap=fdatasync,--wrap=fallocate(64) (tests/unit/meson.build): the
 * wrappers below count the flushes that reach the host and can make hole
 * punching fail as on a file system without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "board/virtio_devices.h"
#include "devices/virtio/blk.h"
#include "virtio_fixture.h"

static int fdatasync_calls;
static bool punch_unsupported;

int __real_fdatasync(int fd);
int __wrap_fdatasync(int fd);
int __wrap_fdatasync(int fd)
{
    __atomic_fetch_add(&fdatasync_calls, 1, __ATOMIC_SEQ_CST);
    return __real_fdatasync(fd);
}

#define WRAP_FALLOCATE(name)                                         \
    int __real_##name(int fd, int mode, off_t offset, off_t len);    \
    int __wrap_##name(int fd, int mode, off_t offset, off_t len);    \
    int __wrap_##name(int fd, int mode, off_t offset, off_t len)     \
    {                                                                \
        if (__atomic_load_n(&punch_unsupported, __ATOMIC_SEQ_CST) && \
            (mode & FALLOC_FL_PUNCH_HOLE)) {                         \
            errno = EOPNOTSUPP;                                      \
            return -1;                                               \
        }                                                            \
        return __real_##name(fd, mode, offset, len);                 \
    }
WRAP_FALLOCATE(fallocate)
WRAP_FALLOCATE(fallocate64)

#define DISK_SECTORS 64
#define RING_BASE    0x10000ull
#define HDR          VF_DATA_GPA
#define STATUS       (VF_DATA_GPA + 0x100)
#define DATA         (VF_DATA_GPA + 0x1000)

#define T_IN           0
#define T_OUT          1
#define T_FLUSH        4
#define T_GET_ID       8
#define T_DISCARD      11
#define T_WRITE_ZEROES 13
#define T_BOGUS        77
#define S_OK           0
#define S_IOERR        1
#define S_UNSUPP       2
#define F_RO           5
#define F_DISCARD      13

struct fixture {
    struct machine m;
    struct block_backend *disk;
    struct virtio_blk *blk;
    struct virtio_mmio *t;
    struct vf_ring r;
    char path[64];
};

/* Opens the image, puts a virtio-blk on it and the device behind virtio-mmio at VF_BASE. */
static struct virtio_blk *blk_open(struct fixture *f, const struct virtio_blk_params *p,
                                   struct err *err)
{
    if (!(f->disk = block__open(&p->image, err)))
        return NULL;
    if (!(f->blk = virtio_blk__create(&f->m, f->disk, p->serial, err)) ||
        !(f->t = virtio_mmio__create(&f->m, VF_BASE, VF_GSI, virtio_blk__virtio(f->blk), err))) {
        virtio_blk__destroy(f->blk);
        block__close(f->disk);
        f->blk = NULL;
        return NULL;
    }
    return f->blk;
}

static void blk_close(struct fixture *f)
{
    virtio_mmio__destroy(f->t);
    virtio_blk__destroy(f->blk);
    block__close(f->disk);
    f->t = NULL;
    f->blk = NULL;
    f->disk = NULL;
}

static void make_image(struct fixture *f)
{
    strcpy(f->path, "/tmp/strata-virtio-blk-XXXXXX");
    int fd = mkstemp(f->path);
    assert_true(fd >= 0);
    uint8_t sector[512];
    for (unsigned s = 0; s < DISK_SECTORS; s++) {
        memset(sector, (int)s, sizeof(sector));
        assert_int_equal(write(fd, sector, sizeof(sector)), sizeof(sector));
    }
    close(fd);
}

static int create(struct fixture *f, bool readonly, const char *format)
{
    const struct virtio_blk_params p = {
        .image = {.path = f->path, .format = format, .readonly = readonly}, .serial = "disk-0"};
    struct err err;
    return blk_open(f, &p, &err) ? 0 : -1;
}

static int setup_common(void **state, bool readonly)
{
    static struct fixture f;
    memset(&f, 0, sizeof(f));
    vf_machine__init(&f.m);
    make_image(&f);
    assert_int_equal(create(&f, readonly, NULL), 0);
    vf_ring__init(&f.r, &f.m, 8, RING_BASE);
    vf_driver__start(&f.m, VIRTIO_FEATURE(VIRTIO_F_VERSION_1), &f.r, 1);
    *state = &f;
    return 0;
}

static int setup(void **state)
{
    return setup_common(state, false);
}

static int setup_readonly(void **state)
{
    return setup_common(state, true);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    blk_close(f);
    vf_machine__destroy(&f->m);
    unlink(f->path);
    return 0;
}

/* One request: header, data (len bytes, device-readable if `out`), status byte. */
static uint8_t request(struct fixture *f, uint32_t type, uint64_t sector, uint32_t len, bool out,
                       uint32_t *used_len)
{
    uint8_t *hdr = vf_hva(&f->m, HDR);
    memcpy(hdr, &type, 4);
    memset(hdr + 4, 0, 4);
    memcpy(hdr + 8, &sector, 8);
    *(uint8_t *)vf_hva(&f->m, STATUS) = 0xee;
    unsigned n = 0;
    vf_ring__desc(&f->r, n, HDR, 16, VIRTQ_DESC_F_NEXT, (uint16_t)(n + 1));
    n++;
    if (len) {
        vf_ring__desc(&f->r, n, DATA, len,
                      (uint16_t)(VIRTQ_DESC_F_NEXT | (out ? 0 : VIRTQ_DESC_F_WRITE)),
                      (uint16_t)(n + 1));
        n++;
    }
    vf_ring__desc(&f->r, n, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
    uint16_t used = vf_ring__used_idx(&f->r);
    vf_ring__publish(&f->r, 0);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    assert_true(vf_ring__wait_used(&f->r, (uint16_t)(used + 1)));
    uint32_t id, written;
    vf_ring__used_elem(&f->r, used, &id, &written);
    assert_int_equal(id, 0);
    if (used_len)
        *used_len = written;
    return *(uint8_t *)vf_hva(&f->m, STATUS);
}

static void read_image(struct fixture *f, uint64_t sector, void *buf, size_t len)
{
    FILE *fp = fopen(f->path, "rb");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, (long)(sector * 512), SEEK_SET), 0);
    assert_int_equal(fread(buf, 1, len, fp), len);
    fclose(fp);
}

static uint64_t device_features(struct fixture *f)
{
    vf_write(&f->m, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    return vf_read(&f->m, VIRTIO_MMIO_DEVICE_FEATURES);
}

static void config_says_capacity(void **state)
{
    struct fixture *f = *state;
    uint64_t capacity;
    assert_true(bus__read(&f->m.mmio, VF_BASE + VIRTIO_MMIO_CONFIG, 8, &capacity));
    assert_int_equal(capacity, DISK_SECTORS);
    assert_true(device_features(f) & (1u << F_DISCARD));
    assert_false(device_features(f) & (1u << F_RO));
    /* The driver cannot change it: virtio-blk's configuration space is read-only. */
    bus__write(&f->m.mmio, VF_BASE + VIRTIO_MMIO_CONFIG, 4, 12345);
    assert_true(bus__read(&f->m.mmio, VF_BASE + VIRTIO_MMIO_CONFIG, 8, &capacity));
    assert_int_equal(capacity, DISK_SECTORS);
}

static void read_sectors(void **state)
{
    struct fixture *f = *state;
    uint32_t used;
    assert_int_equal(request(f, T_IN, 3, 1024, false, &used), S_OK);
    assert_int_equal(used, 1025);
    const uint8_t *data = vf_hva(&f->m, DATA);
    assert_int_equal(data[0], 3);
    assert_int_equal(data[1023], 4);
    assert_true(vf_ram_written_bytes >= 1024);
}

static void write_and_flush(void **state)
{
    struct fixture *f = *state;
    memset(vf_hva(&f->m, DATA), 0xab, 1024);
    assert_int_equal(request(f, T_OUT, 10, 1024, true, NULL), S_OK);
    int before = __atomic_load_n(&fdatasync_calls, __ATOMIC_SEQ_CST);
    assert_int_equal(request(f, T_FLUSH, 0, 0, false, NULL), S_OK);
    /* the flush reached the host: fdatasync on the image, before the request completed */
    assert_int_equal(__atomic_load_n(&fdatasync_calls, __ATOMIC_SEQ_CST), before + 1);
    uint8_t buf[1536];
    read_image(f, 10, buf, sizeof(buf));
    for (size_t i = 0; i < 1024; i++)
        assert_int_equal(buf[i], 0xab);
    assert_int_equal(buf[1024], 12);
}

static void get_id(void **state)
{
    struct fixture *f = *state;
    memset(vf_hva(&f->m, DATA), 0xff, 20);
    assert_int_equal(request(f, T_GET_ID, 0, 20, false, NULL), S_OK);
    assert_memory_equal(vf_hva(&f->m, DATA), "disk-0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
}

static void put_segment(struct fixture *f, uint64_t sector, uint32_t num, uint32_t flags)
{
    uint8_t *p = vf_hva(&f->m, DATA);
    memcpy(p, &sector, 8);
    memcpy(p + 8, &num, 4);
    memcpy(p + 12, &flags, 4);
}

static void discard_and_write_zeroes(void **state)
{
    struct fixture *f = *state;
    uint8_t buf[512 * 4];

    put_segment(f, 20, 4, 0);
    assert_int_equal(request(f, T_WRITE_ZEROES, 0, 16, true, NULL), S_OK);
    read_image(f, 20, buf, sizeof(buf));
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0);

    put_segment(f, 30, 2, 1); /* unmap allowed */
    assert_int_equal(request(f, T_WRITE_ZEROES, 0, 16, true, NULL), S_OK);
    read_image(f, 30, buf, 1024);
    for (size_t i = 0; i < 1024; i++)
        assert_int_equal(buf[i], 0);

    put_segment(f, 40, 8, 0);
    assert_int_equal(request(f, T_DISCARD, 0, 16, true, NULL), S_OK);
    put_segment(f, 40, 8, 1); /* unmap is not a discard flag */
    assert_int_equal(request(f, T_DISCARD, 0, 16, true, NULL), S_UNSUPP);
    put_segment(f, DISK_SECTORS - 1, 2, 0);
    assert_int_equal(request(f, T_DISCARD, 0, 16, true, NULL), S_IOERR);
    assert_int_equal(request(f, T_DISCARD, 0, 12, true, NULL), S_UNSUPP); /* partial segment */

    /* A host that cannot punch holes: discard is "not supported", write-zeroes still works */
    __atomic_store_n(&punch_unsupported, true, __ATOMIC_SEQ_CST);
    put_segment(f, 40, 8, 0);
    assert_int_equal(request(f, T_DISCARD, 0, 16, true, NULL), S_UNSUPP);
    memset(vf_hva(&f->m, DATA), 0x5a, 512);
    assert_int_equal(request(f, T_OUT, 50, 512, true, NULL), S_OK);
    put_segment(f, 50, 1, 1); /* unmap allowed, but no hole punching: zeroes written */
    assert_int_equal(request(f, T_WRITE_ZEROES, 0, 16, true, NULL), S_OK);
    __atomic_store_n(&punch_unsupported, false, __ATOMIC_SEQ_CST);
    read_image(f, 50, buf, 512);
    for (size_t i = 0; i < 512; i++)
        assert_int_equal(buf[i], 0);
}

static void bad_requests(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(request(f, T_IN, DISK_SECTORS, 512, false, NULL), S_IOERR);
    assert_int_equal(request(f, T_IN, DISK_SECTORS - 1, 1024, false, NULL), S_IOERR);
    assert_int_equal(request(f, T_IN, UINT64_MAX, 512, false, NULL), S_IOERR);
    assert_int_equal(request(f, T_OUT, (UINT64_MAX >> 9) + 1, 512, true, NULL), S_IOERR);
    assert_int_equal(request(f, T_IN, 0, 100, false, NULL), S_IOERR); /* not whole sectors */
    assert_int_equal(request(f, T_BOGUS, 0, 512, false, NULL), S_UNSUPP);

    /* No header: answered with nothing written, the device carries on. */
    vf_ring__desc(&f->r, 0, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
    vf_ring__publish(&f->r, 0);
    uint16_t used = vf_ring__used_idx(&f->r);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    assert_true(vf_ring__wait_used(&f->r, (uint16_t)(used + 1)));
    assert_int_equal(request(f, T_IN, 0, 512, false, NULL), S_OK);
}

static void readonly_disk_refuses_writes(void **state)
{
    struct fixture *f = *state;
    assert_true(device_features(f) & (1u << F_RO));
    assert_false(device_features(f) & (1u << F_DISCARD));
    uint8_t before[512 * DISK_SECTORS];
    read_image(f, 0, before, sizeof(before));

    memset(vf_hva(&f->m, DATA), 0x77, 512);
    assert_int_equal(request(f, T_OUT, 0, 512, true, NULL), S_IOERR);
    put_segment(f, 0, 8, 0);
    assert_int_equal(request(f, T_WRITE_ZEROES, 0, 16, true, NULL), S_IOERR);
    assert_int_equal(request(f, T_DISCARD, 0, 16, true, NULL), S_IOERR);
    assert_int_equal(request(f, T_FLUSH, 0, 0, false, NULL), S_OK);
    assert_int_equal(request(f, T_IN, 5, 512, false, NULL), S_OK);
    assert_int_equal(*(uint8_t *)vf_hva(&f->m, DATA), 5);

    uint8_t after[sizeof(before)];
    read_image(f, 0, after, sizeof(after));
    assert_memory_equal(before, after, sizeof(before));
}

static void formats(void **state)
{
    struct fixture *f = *state;
    struct fixture g = {0};
    vf_machine__init(&g.m);
    strcpy(g.path, f->path);
    struct err err;
    const struct virtio_blk_params qcow2 = {.image = {.path = g.path, .format = "qcow2"}};
    assert_null(blk_open(&g, &qcow2, &err));
    assert_non_null(strstr(err.msg, "not a qcow2 image"));
    const struct virtio_blk_params vmdk = {.image = {.path = g.path, .format = "vmdk"}};
    assert_null(blk_open(&g, &vmdk, &err));
    assert_non_null(strstr(err.msg, "unknown format"));
    const struct virtio_blk_params missing = {.image = {.path = "/nonexistent/disk.img"}};
    assert_null(blk_open(&g, &missing, &err));
    assert_non_null(strstr(err.msg, "cannot open disk"));

    /* A raw image that starts with qcow2's magic but no valid header opens raw (with a warning). */
    FILE *fp = fopen(g.path, "r+b");
    assert_non_null(fp);
    fwrite("QFI\xfb", 1, 4, fp);
    fclose(fp);
    const struct virtio_blk_params probed = {.image = {.path = g.path}};
    assert_non_null(blk_open(&g, &probed, &err));
    blk_close(&g);
    vf_machine__destroy(&g.m); /* its MMIO window is taken: a fresh machine for the next disk */
    vf_machine__init(&g.m);
    const struct virtio_blk_params raw = {.image = {.path = g.path, .format = "raw"}};
    assert_non_null(blk_open(&g, &raw, &err));
    blk_close(&g);
    vf_machine__destroy(&g.m);
}

static void save_and_load(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(request(f, T_IN, 1, 512, false, NULL), S_OK);
    struct virtio_blk_state st;
    virtio_blk__save(f->blk, &st);
    vf_write(&f->m, VIRTIO_MMIO_STATUS, 0);
    struct err err;
    assert_int_equal(virtio_blk__load(f->blk, &st, &err), 0);
    assert_int_equal(request(f, T_IN, 2, 512, false, NULL), S_OK);
    assert_int_equal(*(uint8_t *)vf_hva(&f->m, DATA), 2);

    struct virtio_blk_state other = st;
    uint64_t capacity = DISK_SECTORS * 2;
    memcpy(other.core.config, &capacity, 8);
    assert_int_equal(virtio_blk__load(f->blk, &other, &err), -1);
    other = st;
    other.version = 0;
    assert_int_equal(virtio_blk__load(f->blk, &other, &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(config_says_capacity, setup, teardown),
        cmocka_unit_test_setup_teardown(read_sectors, setup, teardown),
        cmocka_unit_test_setup_teardown(write_and_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(get_id, setup, teardown),
        cmocka_unit_test_setup_teardown(discard_and_write_zeroes, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(readonly_disk_refuses_writes, setup_readonly, teardown),
        cmocka_unit_test_setup_teardown(formats, setup, teardown),
        cmocka_unit_test_setup_teardown(save_and_load, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
