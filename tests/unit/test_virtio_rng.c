// SPDX-License-Identifier: Apache-2.0
/*
 * test_virtio_rng.c - unit tests for virtio-rng (src/devices/virtio/rng.c):
 * writable buffers come back filled and counted, readable ones untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "devices/virtio/rng.h"
#include "virtio_fixture.h"

#define RING_BASE 0x10000ull
#define BUF       VF_DATA_GPA

static void fills_writable_buffers(void **state)
{
    (void)state;
    struct machine m;
    vf_machine__init(&m);
    struct err err;
    struct virtio_rng *rng = virtio_rng__create(&m, &err);
    assert_non_null(rng);
    struct virtio_mmio *t = virtio_mmio__create(&m, VF_BASE, VF_GSI, virtio_rng__virtio(rng), &err);
    assert_non_null(t);
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
    virtio_mmio__destroy(t);
    virtio_rng__destroy(rng);
    vf_machine__destroy(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fills_writable_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
