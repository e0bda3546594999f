// SPDX-License-Identifier: Apache-2.0
/*
 * test_virtio_net.c - unit tests for virtio-net (src/devices/virtio/net.c)
 * over a fake backend that records what it is sent and lets the test play
 * the backend's receive thread: transmit with and without the header,
 * hostile and oversized transmit chains dropped and counted, mergeable
 * receive buffers returned in one used-index update, a frame too big for the
 * posted buffers dropped with the buffers kept, the MAC in the configuration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devices/virtio/mmio.h"
#include "devices/virtio/net.h"
#include "virtio_fixture.h"

#define RX_RING 0x10000ull
#define TX_RING 0x20000ull
#define BUF     VF_DATA_GPA

struct fake {
    struct net_backend b;
    const struct net_rx_ops *rx;
    void *opaque;
    uint8_t sent[2048];
    size_t sent_len;
    unsigned nsent;
    bool closed;
};

static int fake_start(struct net_backend *b, const struct net_rx_ops *rx, void *opaque,
                      struct err *err)
{
    (void)err;
    struct fake *f = (struct fake *)b;
    f->rx = rx;
    f->opaque = opaque;
    return 0;
}

static int fake_send(struct net_backend *b, const struct iovec *iov, int iovcnt)
{
    struct fake *f = (struct fake *)b;
    f->sent_len = 0;
    for (int i = 0; i < iovcnt; i++) {
        if (f->sent_len + iov[i].iov_len <= sizeof(f->sent))
            memcpy(f->sent + f->sent_len, iov[i].iov_base, iov[i].iov_len);
        f->sent_len += iov[i].iov_len;
    }
    f->nsent++;
    return 0;
}

static void fake_rx_ready(struct net_backend *b)
{
    (void)b;
}

static void fake_close(struct net_backend *b)
{
    ((struct fake *)b)->closed = true;
}

static const struct net_backend_ops fake_ops = {
    .start = fake_start, .send = fake_send, .rx_ready = fake_rx_ready, .close = fake_close};

struct bench {
    struct machine m;
    struct fake f;
    struct virtio_net *n;
    struct virtio_mmio *t;
    struct vf_ring rings[2];
};

static const uint8_t mac[6] = {0x52, 0x54, 0, 1, 2, 3};

static void setup(struct bench *t, size_t hdr_len, uint64_t features)
{
    memset(t, 0, sizeof(*t));
    vf_machine__init(&t->m);
    t->f.b = (struct net_backend){.ops = &fake_ops, .kind = "fake", .hdr_len = hdr_len};
    struct err err;
    t->n = virtio_net__create(&t->m, &t->f.b, mac, &err);
    assert_non_null(t->n);
    t->t = virtio_mmio__create(&t->m, VF_BASE, VF_GSI, virtio_net__virtio(t->n), &err);
    assert_non_null(t->t);
    vf_ring__init(&t->rings[0], &t->m, 8, RX_RING);
    vf_ring__init(&t->rings[1], &t->m, 8, TX_RING);
    vf_driver__start(&t->m, VIRTIO_FEATURE(VIRTIO_F_VERSION_1) | features, t->rings, 2);
}

static void teardown(struct bench *t)
{
    virtio_mmio__destroy(t->t);
    virtio_net__destroy(t->n);
    assert_true(t->f.closed);
    vf_machine__destroy(&t->m);
}

static void config_has_mac_and_link(void **state)
{
    (void)state;
    struct bench t;
    setup(&t, 0, 0);
    uint32_t lo = vf_read(&t.m, VIRTIO_MMIO_CONFIG), hi = vf_read(&t.m, VIRTIO_MMIO_CONFIG + 4);
    assert_int_equal(lo, 0x01005452u);
    assert_int_equal(hi & 0xffff, 0x0302);
    assert_int_equal(hi >> 16, VIRTIO_NET_S_LINK_UP);
    teardown(&t);
}

static void transmit_strips_header_for_headerless_backend(void **state)
{
    (void)state;
    struct bench t;
    setup(&t, 0, 0);
    uint8_t *p = vf_hva(&t.m, BUF);
    for (int i = 0; i < 72; i++)
        p[i] = (uint8_t)i;
    /* header and frame split across two descriptors, not at the header's end */
    vf_ring__desc(&t.rings[1], 0, BUF, 20, VIRTQ_DESC_F_NEXT, 1);
    vf_ring__desc(&t.rings[1], 1, BUF + 20, 52, 0, 0);
    vf_ring__publish(&t.rings[1], 0);
    vf_write(&t.m, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
    assert_true(vf_ring__wait_used(&t.rings[1], 1));
    assert_int_equal(t.f.nsent, 1);
    assert_int_equal(t.f.sent_len, 60);
    assert_memory_equal(t.f.sent, p + 12, 60);
    teardown(&t);
}

static void transmit_keeps_header_for_tap(void **state)
{
    (void)state;
    struct bench t;
    setup(&t, VIRTIO_NET_HDR_LEN, VIRTIO_FEATURE(VIRTIO_NET_F_CSUM));
    vf_ring__desc(&t.rings[1], 0, BUF, 12 + 60, 0, 0);
    vf_ring__publish(&t.rings[1], 0);
    vf_write(&t.m, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
    assert_true(vf_ring__wait_used(&t.rings[1], 1));
    assert_int_equal(t.f.sent_len, 72);
    teardown(&t);
}

static void hostile_transmit_chains_are_dropped_and_counted(void **state)
{
    (void)state;
    struct bench t;
    setup(&t, 0, 0);
    vf_ring__desc(&t.rings[1], 0, BUF, 20, 0, 0);         /* shorter than hdr + Ethernet */
    vf_ring__desc(&t.rings[1], 1, BUF, 12 + 70000, 0, 0); /* larger than any frame */
    vf_ring__desc(&t.rings[1], 2, BUF, 12 + 60, 0, 0);    /* fine */
    vf_ring__publish(&t.rings[1], 0);
    vf_ring__publish(&t.rings[1], 1);
    vf_ring__publish(&t.rings[1], 2);
    vf_write(&t.m, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
    assert_true(vf_ring__wait_used(&t.rings[1], 3));
    struct virtio_net_stats s;
    virtio_net__stats(t.n, &s);
    assert_int_equal(s.tx_dropped, 2);
    assert_int_equal(s.tx_frames, 1);
    assert_int_equal(t.f.nsent, 1);
    teardown(&t);
}

static void mergeable_receive_spans_buffers(void **state)
{
    (void)state;
    struct bench t;
    setup(&t, 0, VIRTIO_FEATURE(VIRTIO_NET_F_MRG_RXBUF));
    for (unsigned i = 0; i < 3; i++) {
        vf_ring__desc(&t.rings[0], i, BUF + i * 0x1000, 1024, VIRTQ_DESC_F_WRITE, 0);
        vf_ring__publish(&t.rings[0], (uint16_t)i);
    }
    uint8_t frame[2000];
    for (size_t i = 0; i < sizeof(frame); i++)
        frame[i] = (uint8_t)(i * 7);
    assert_true(t.f.rx->has_room(t.f.opaque));
    t.f.rx->receive(t.f.opaque, frame, sizeof(frame));
    assert_int_equal(vf_ring__used_idx(&t.rings[0]), 2);
    uint32_t id, len;
    vf_ring__used_elem(&t.rings[0], 0, &id, &len);
    assert_int_equal(id, 0);
    assert_int_equal(len, 1024);
    vf_ring__used_elem(&t.rings[0], 1, &id, &len);
    assert_int_equal(id, 1);
    assert_int_equal(len, 12 + 2000 - 1024);
    const uint8_t *b0 = vf_hva(&t.m, BUF), *b1 = vf_hva(&t.m, BUF + 0x1000);
    assert_int_equal(b0[10] | b0[11] << 8, 2); /* num_buffers */
    assert_memory_equal(b0 + 12, frame, 1012);
    assert_memory_equal(b1, frame + 1012, 988);

    /* Too big for the one buffer left: dropped, the buffer kept for the next frame. */
    uint8_t big[5000] = {0};
    assert_true(t.f.rx->has_room(t.f.opaque));
    t.f.rx->receive(t.f.opaque, big, sizeof(big));
    assert_int_equal(vf_ring__used_idx(&t.rings[0]), 2);
    assert_true(t.f.rx->has_room(t.f.opaque));
    t.f.rx->receive(t.f.opaque, frame, 100);
    assert_int_equal(vf_ring__used_idx(&t.rings[0]), 3);
    vf_ring__used_elem(&t.rings[0], 2, &id, &len);
    assert_int_equal(id, 2);
    assert_int_equal(len, 112);
    /* No buffers left: no room, and a frame handed over anyway is dropped. */
    assert_false(t.f.rx->has_room(t.f.opaque));
    t.f.rx->receive(t.f.opaque, frame, 100);
    struct virtio_net_stats s;
    virtio_net__stats(t.n, &s);
    assert_int_equal(s.rx_frames, 2);
    assert_int_equal(s.rx_dropped, 2);
    teardown(&t);
}

static void receive_without_mergeable_needs_one_big_buffer(void **state)
{
    (void)state;
    struct bench t;
    setup(&t, VIRTIO_NET_HDR_LEN, 0);
    vf_ring__desc(&t.rings[0], 0, BUF, 12, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    vf_ring__desc(&t.rings[0], 1, BUF + 0x1000, 1514, VIRTQ_DESC_F_WRITE, 0);
    vf_ring__publish(&t.rings[0], 0);
    uint8_t frame[12 + 64] = {0};
    frame[0] = 1; /* the tap's header flags pass through */
    frame[12] = 0xaa;
    assert_true(t.f.rx->has_room(t.f.opaque));
    t.f.rx->receive(t.f.opaque, frame, sizeof(frame));
    assert_int_equal(vf_ring__used_idx(&t.rings[0]), 1);
    const uint8_t *h = vf_hva(&t.m, BUF), *d = vf_hva(&t.m, BUF + 0x1000);
    assert_int_equal(h[0], 1);
    assert_int_equal(h[10], 1); /* num_buffers is 1 without mergeable buffers too */
    assert_int_equal(d[0], 0xaa);
    teardown(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_has_mac_and_link),
        cmocka_unit_test(transmit_strips_header_for_headerless_backend),
        cmocka_unit_test(transmit_keeps_header_for_tap),
        cmocka_unit_test(hostile_transmit_chains_are_dropped_and_counted),
        cmocka_unit_test(mergeable_receive_spans_buffers),
        cmocka_unit_test(receive_without_mergeable_needs_one_big_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
