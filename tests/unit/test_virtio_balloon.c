// SPDX-License-Identifier: Apache-2.0
/*
 * test_virtio_balloon.c - unit tests for virtio-balloon
 * (src/devices/virtio/balloon.c): inflated pages go back to the host and
 * read as zero, the engine hears of them, frames outside RAM are ignored,
 * deflate counts down; the target reaches the configuration space with a
 * configuration interrupt, the driver's `actual` is kept; the statistics
 * buffer is held until the host asks again; reported free pages go back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "devices/virtio/balloon.h"
#include "virtio_fixture.h"

#define BUF 0x40000ull

struct fixture {
    struct machine m;
    struct virtio_balloon *b;
    struct virtio_mmio *t;
    struct vf_ring rings[4]; /* inflate, deflate, stats, reporting */
};

static int setup(void **state)
{
    static struct fixture f;
    vf_machine__init(&f.m);
    struct err err;
    f.b = virtio_balloon__create(&f.m, &err);
    assert_non_null(f.b);
    f.t = virtio_mmio__create(&f.m, VF_BASE, VF_GSI, virtio_balloon__virtio(f.b), &err);
    assert_non_null(f.t);
    for (unsigned q = 0; q < 4; q++)
        vf_ring__init(&f.rings[q], &f.m, 8, 0x10000 + q * 0x4000);
    vf_driver__start(&f.m,
                     VIRTIO_FEATURE(VIRTIO_F_VERSION_1) |
                         VIRTIO_FEATURE(VIRTIO_BALLOON_F_STATS_VQ) |
                         VIRTIO_FEATURE(VIRTIO_BALLOON_F_PAGE_REPORTING),
                     f.rings, 4);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    virtio_mmio__destroy(f->t);
    virtio_balloon__destroy(f->b);
    vf_machine__destroy(&f->m);
    return 0;
}

/* Sends n PFNs on queue q in one readable buffer at BUF. */
static void send_pfns(struct fixture *f, unsigned q, const uint32_t *pfns, unsigned n)
{
    memcpy(vf_hva(&f->m, BUF), pfns, n * 4);
    struct vf_ring *r = &f->rings[q];
    vf_ring__desc(r, 0, BUF, n * 4, 0, 0);
    vf_ring__publish(r, 0);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

static void inflate_and_deflate(void **state)
{
    struct fixture *f = *state;
    memset(vf_hva(&f->m, 0x80000), 0xab, 0x4000);
    const uint32_t pfns[] = {0x80, 0x81, 0x82, 0xfffff}; /* the last is not RAM */
    send_pfns(f, 0, pfns, 4);
    assert_int_equal(vf_ring__used_idx(&f->rings[0]), 1);
    for (uint64_t gpa = 0x80000; gpa < 0x83000; gpa += 0x800)
        assert_int_equal(*(uint8_t *)vf_hva(&f->m, gpa), 0);
    assert_int_equal(*(uint8_t *)vf_hva(&f->m, 0x83000), 0xab);
    assert_true(vf_ram_written_bytes >= 0x3000);
    struct virtio_balloon_info info;
    virtio_balloon__info(f->b, &info);
    assert_int_equal(info.inflated, 0x3000);

    const uint32_t back[] = {0x81};
    send_pfns(f, 1, back, 1);
    assert_int_equal(vf_ring__used_idx(&f->rings[1]), 1);
    virtio_balloon__info(f->b, &info);
    assert_int_equal(info.inflated, 0x2000);
}

static void target_and_actual(void **state)
{
    struct fixture *f = *state;
    unsigned rises = vf_irqs[VF_GSI].rises;
    virtio_balloon__set_target(f->b, 64 << 10);
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_CONFIG), 16);
    assert_true(vf_read(&f->m, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_ISR_CONFIG);
    assert_true(vf_irqs[VF_GSI].rises > rises);
    virtio_balloon__set_target(f->b, 1ull << 40); /* more than RAM: all of it */
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_CONFIG), VF_RAM_SIZE / 4096);

    vf_write(&f->m, VIRTIO_MMIO_CONFIG + 4, 5);
    vf_write(&f->m, VIRTIO_MMIO_CONFIG, 1); /* num_pages is the host's */
    struct virtio_balloon_info info;
    virtio_balloon__info(f->b, &info);
    assert_int_equal(info.actual, 5 * 4096);
    assert_int_equal(info.target, VF_RAM_SIZE);
}

static void put_stat(uint8_t *p, uint16_t tag, uint64_t v)
{
    memcpy(p, &tag, 2);
    memcpy(p + 2, &v, 8);
}

static void statistics(void **state)
{
    struct fixture *f = *state;
    uint8_t *p = vf_hva(&f->m, BUF);
    put_stat(p, VIRTIO_BALLOON_S_MEMFREE, 1000);
    put_stat(p + 10, VIRTIO_BALLOON_S_MEMTOT, 2000);
    put_stat(p + 20, 99, 7); /* unknown tags are skipped */
    struct vf_ring *r = &f->rings[2];
    vf_ring__desc(r, 0, BUF, 30, 0, 0);
    vf_ring__publish(r, 0);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_NOTIFY, 2);
    assert_int_equal(vf_ring__used_idx(r), 0); /* held */
    struct virtio_balloon_info info;
    virtio_balloon__info(f->b, &info);
    assert_int_equal(info.stats_updates, 1);
    assert_int_equal(info.stats[VIRTIO_BALLOON_S_MEMFREE], 1000);
    assert_int_equal(info.stats[VIRTIO_BALLOON_S_MEMTOT], 2000);
    assert_int_equal(info.stats_valid,
                     (1u << VIRTIO_BALLOON_S_MEMFREE) | (1u << VIRTIO_BALLOON_S_MEMTOT));
    virtio_balloon__request_stats(f->b);
    assert_int_equal(vf_ring__used_idx(r), 1);
    uint32_t id, len;
    vf_ring__used_elem(r, 0, &id, &len);
    assert_int_equal(id, 0);
    virtio_balloon__request_stats(f->b); /* nothing held: nothing to return */
    assert_int_equal(vf_ring__used_idx(r), 1);

    struct virtio_balloon_state st;
    struct err err;
    virtio_balloon__save(f->b, &st);
    assert_int_equal(virtio_balloon__load(f->b, &st, &err), 0);
    st.version = 99;
    assert_int_equal(virtio_balloon__load(f->b, &st, &err), -1);
}

static void free_page_reporting(void **state)
{
    struct fixture *f = *state;
    memset(vf_hva(&f->m, 0xa0000), 0xcd, 0x10000);
    struct vf_ring *r = &f->rings[3];
    vf_ring__desc(r, 0, 0xa0000, 0x4000, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    vf_ring__desc(r, 1, 0xa4000, 0x4000, VIRTQ_DESC_F_WRITE, 0);
    vf_ring__publish(r, 0);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_NOTIFY, 3);
    assert_int_equal(vf_ring__used_idx(r), 1);
    assert_int_equal(*(uint8_t *)vf_hva(&f->m, 0xa7fff), 0);
    assert_int_equal(*(uint8_t *)vf_hva(&f->m, 0xa8000), 0xcd);
    struct virtio_balloon_info info;
    virtio_balloon__info(f->b, &info);
    assert_int_equal(info.reported, 0x8000);
    assert_int_equal(vf_ring__used_idx(r), 1);
    uint32_t id, len;
    vf_ring__used_elem(r, 0, &id, &len);
    assert_int_equal(len, 0); /* nothing written: the pages are the host's now */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(inflate_and_deflate, setup, teardown),
        cmocka_unit_test_setup_teardown(target_and_actual, setup, teardown),
        cmocka_unit_test_setup_teardown(statistics, setup, teardown),
        cmocka_unit_test_setup_teardown(free_page_reporting, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
