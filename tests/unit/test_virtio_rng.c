// SPDX-License-Identifier: Apache-2.0
/*
 * test_virtio_rng.c - unit tests for virtio-rng (src/devices/virtio/rng.c):
 * writable buffers come back filled and counted, readable ones untouched,
 * and the devices' command line (src/devices/virtio/devices.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devices/virtio/devices.h"
#include "virtio_fixture.h"

#define RING_BASE 0x10000ull
#define BUF       VF_DATA_GPA

static void fills_writable_buffers(void **state)
{
    (void)state;
    struct machine m;
    vf_machine__init(&m);
    struct err err;
    struct virtio_rng *rng = virtio_rng__create(&m, VF_BASE, VF_GSI, &err);
    assert_non_null(rng);
    struct vf_ring r;
    vf_ring__init(&r, &m, 4, RING_BASE);
    vf_driver__start(&m, VIRTIO_FEATURE(VIRTIO_F_VERSION_1), &r, 1);

    memset(vf_hva(&m, BUF), 0, 0x2000);
    vf_ring__desc(&r, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1); /* readable: left alone */
    vf_ring__desc(&r, 1, BUF + 0x1000, 256, VIRTQ_DESC_F_WRITE, 0);
    vf_ring__publish(&r, 0);
    vf_write(&m, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    assert_int_equal(vf_ring__used_idx(&r), 1);
    uint32_t id, len;
    vf_ring__used_elem(&r, 0, &id, &len);
    assert_int_equal(len, 256);
    const uint8_t *out = vf_hva(&m, BUF + 0x1000);
    unsigned zeroes = 0;
    for (int i = 0; i < 256; i++)
        zeroes += out[i] == 0;
    assert_true(zeroes < 32); /* random bytes; 256 zeroes would be a bug */
    for (int i = 0; i < 16; i++)
        assert_int_equal(((uint8_t *)vf_hva(&m, BUF))[i], 0);

    struct virtio_rng_state st;
    virtio_rng__save(rng, &st);
    assert_int_equal(virtio_rng__load(rng, &st, &err), 0);
    virtio_rng__destroy(rng);
    vf_machine__destroy(&m);
}

static void command_line_announces_devices(void **state)
{
    (void)state;
    struct machine m;
    vf_machine__init(&m);
    struct virtio_options o = {.rng = true};
    struct err err;
    struct virtio_devices vd;
    assert_int_equal(virtio_devices__create(&vd, &m, &o, &err), 0);
    char *line = virtio_devices__cmdline(&vd, "console=ttyS0", &err);
    assert_string_equal(line, "console=ttyS0 virtio_mmio.device=4K@0xd0000000:5");
    free(line);
    line = virtio_devices__cmdline(&vd, NULL, &err);
    assert_string_equal(line, "virtio_mmio.device=4K@0xd0000000:5");
    free(line);
    virtio_devices__destroy(&vd);
    assert_int_equal(virtio_devices__gsi(3), 9); /* 8 is the RTC's */
    assert_int_equal(virtio_devices__base(2), 0xd0002000);
    vf_machine__destroy(&m);
}

static void disk_options(void **state)
{
    (void)state;
    struct virtio_options o = {0};
    struct err err;
    assert_int_equal(virtio_options__add_disk(&o, "a.img,readonly,id=root,format=raw", &err), 0);
    assert_string_equal(o.disks[0].image.path, "a.img");
    assert_true(o.disks[0].image.readonly);
    assert_string_equal(o.disks[0].serial, "root");
    assert_string_equal(o.disks[0].image.format, "raw");
    assert_int_equal(virtio_options__add_disk(&o, "b.img", &err), 0);
    assert_false(o.disks[1].image.readonly);
    assert_null(o.disks[1].image.format);
    assert_int_equal(virtio_options__add_disk(&o, "c.img,fast", &err), -1);
    assert_non_null(strstr(err.msg, "unknown option 'fast'"));
    assert_int_equal(virtio_options__add_disk(&o, ",readonly", &err), -1);
    assert_int_equal(virtio_options__add_disk(&o, "d.img,id=123456789012345678901", &err), -1);
    assert_int_equal(o.ndisks, 2);
    virtio_options__free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fills_writable_buffers),
        cmocka_unit_test(command_line_announces_devices),
        cmocka_unit_test(disk_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
