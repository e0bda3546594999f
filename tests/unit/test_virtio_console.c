// SPDX-License-Identifier: Apache-2.0
/*
 * test_virtio_console.c - unit tests for virtio-console
 * (src/devices/virtio/console.c): transmitted chains reach the sink in
 * order, host input fills receive buffers and is refused (with a later
 * rx_ready call) when there are none, emergency writes, save and load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "devices/virtio/console.h"
#include "virtio_fixture.h"

#define RX_RING 0x10000ull
#define TX_RING 0x20000ull
#define RX_BUF  VF_DATA_GPA
#define TX_BUF  (VF_DATA_GPA + 0x1000)

struct fixture {
    struct machine m;
    struct virtio_console *vc;
    struct virtio_mmio *t;
    struct vf_ring rings[2]; /* receiveq0, transmitq0 */
    char out[256];
    size_t nout;
    unsigned rx_ready_calls;
};

static void capture(void *opaque, const uint8_t *bytes, size_t n)
{
    struct fixture *f = opaque;
    assert_true(f->nout + n <= sizeof(f->out));
    memcpy(f->out + f->nout, bytes, n);
    f->nout += n;
}

static void count_rx_ready(void *opaque)
{
    struct fixture *f = opaque;
    f->rx_ready_calls++;
}

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof(f));
    vf_machine__init(&f.m);
    struct err err;
    f.vc = virtio_console__create(&f.m, &err);
    assert_non_null(f.vc);
    f.t = virtio_mmio__create(&f.m, VF_BASE, VF_GSI, virtio_console__virtio(f.vc), &err);
    assert_non_null(f.t);
    virtio_console__set_tx(f.vc, capture, &f);
    virtio_console__set_rx_ready(f.vc, count_rx_ready, &f);
    vf_ring__init(&f.rings[0], &f.m, 4, RX_RING);
    vf_ring__init(&f.rings[1], &f.m, 4, TX_RING);
    vf_driver__start(&f.m, VIRTIO_FEATURE(VIRTIO_F_VERSION_1), f.rings, 2);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    virtio_mmio__destroy(f->t);
    virtio_console__destroy(f->vc);
    vf_machine__destroy(&f->m);
    return 0;
}

static void transmit(void **state)
{
    struct fixture *f = *state;
    struct vf_ring *tx = &f->rings[1];
    memcpy(vf_hva(&f->m, TX_BUF), "hello, ", 7);
    memcpy(vf_hva(&f->m, TX_BUF + 0x100), "hvc0\n", 5);
    vf_ring__desc(tx, 0, TX_BUF, 7, VIRTQ_DESC_F_NEXT, 1);
    vf_ring__desc(tx, 1, TX_BUF + 0x100, 5, 0, 0);
    vf_ring__desc(tx, 2, TX_BUF + 0x100, 5, 0, 0);
    vf_ring__publish(tx, 0);
    vf_ring__publish(tx, 2);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
    assert_int_equal(f->nout, 17);
    assert_memory_equal(f->out, "hello, hvc0\nhvc0\n", 17);
    assert_int_equal(vf_ring__used_idx(tx), 2);
}

static void receive(void **state)
{
    struct fixture *f = *state;
    struct vf_ring *rx = &f->rings[0];
    /* No buffers yet: refused, and rx_ready comes once the guest gives some. */
    assert_int_equal(virtio_console__receive(f->vc, (const uint8_t *)"ls\n", 3), 0);
    vf_ring__desc(rx, 0, RX_BUF, 2, VIRTQ_DESC_F_WRITE, 0);
    vf_ring__desc(rx, 1, RX_BUF + 0x100, 64, VIRTQ_DESC_F_WRITE, 0);
    vf_ring__publish(rx, 0);
    vf_ring__publish(rx, 1);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    assert_int_equal(f->rx_ready_calls, 1);

    assert_int_equal(virtio_console__receive(f->vc, (const uint8_t *)"ls\n", 3), 3);
    assert_memory_equal(vf_hva(&f->m, RX_BUF), "ls", 2);
    assert_memory_equal(vf_hva(&f->m, RX_BUF + 0x100), "\n", 1);
    assert_int_equal(vf_ring__used_idx(rx), 2);
    uint32_t id, len;
    vf_ring__used_elem(rx, 1, &id, &len);
    assert_int_equal(id, 1);
    assert_int_equal(len, 1);
    assert_true(vf_irqs[VF_GSI].level);
}

static void emergency_write(void **state)
{
    struct fixture *f = *state;
    assert_true(bus__write(&f->m.mmio, VF_BASE + VIRTIO_MMIO_CONFIG + 8, 4, '!'));
    assert_int_equal(f->nout, 1);
    assert_int_equal(f->out[0], '!');
}

static void save_and_load(void **state)
{
    struct fixture *f = *state;
    struct virtio_console_state st;
    virtio_console__save(f->vc, &st);
    vf_write(&f->m, VIRTIO_MMIO_STATUS, 0);
    struct err err;
    assert_int_equal(virtio_console__load(f->vc, &st, &err), 0);
    assert_true(vf_read(&f->m, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DRIVER_OK);
    st.version = 7;
    assert_int_equal(virtio_console__load(f->vc, &st, &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(transmit, setup, teardown),
        cmocka_unit_test_setup_teardown(receive, setup, teardown),
        cmocka_unit_test_setup_teardown(emergency_write, setup, teardown),
        cmocka_unit_test_setup_teardown(save_and_load, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
