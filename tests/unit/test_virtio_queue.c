// SPDX-License-Identifier: Apache-2.0
/*
 * test_virtio_queue.c - unit tests for the split virtqueue
 * (src/devices/virtio/queue.c): normal traffic, event index and interrupt
 * suppression, and hostile rings (loops, buffers outside RAM, overflowing
 * lengths, bad indexes, bad indirect tables, over-long chains), each of
 * which must break the queue without touching memory outside guest RAM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "virtio_fixture.h"

#define NUM       8
#define RING_BASE 0x10000ull
#define BUF       VF_DATA_GPA
#define TABLE     0x30000ull /* indirect tables */
#define NESTED    0x38000ull

struct fixture {
    struct machine m;
    struct vf_ring r;
    struct virtq q;
    struct virtq_chain chain;
};

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof(f));
    vf_machine__init(&f.m);
    vf_ring__init(&f.r, &f.m, NUM, RING_BASE);
    virtq__init(&f.q);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    virtq__destroy(&f->q);
    vf_machine__destroy(&f->m);
    return 0;
}

static int enable(struct fixture *f, bool event_idx, bool indirect)
{
    f->q.num = f->r.num;
    f->q.desc_gpa = f->r.desc;
    f->q.avail_gpa = f->r.avail;
    f->q.used_gpa = f->r.used;
    const char *why = NULL;
    return virtq__enable(&f->q, &f->m.mem, VIRTQ_MAX_SIZE, event_idx, indirect, &why);
}

static enum virtq_pop_result pop(struct fixture *f, const char **why)
{
    *why = NULL;
    return virtq__pop(&f->q, &f->chain, why);
}

static void assert_broken(struct fixture *f)
{
    const char *why;
    assert_int_equal(pop(f, &why), VIRTQ_BROKEN);
    assert_non_null(why);
}

static void normal_chain(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(enable(f, false, false), 0);
    const char *why;
    assert_int_equal(pop(f, &why), VIRTQ_EMPTY);

    vf_ring__desc(&f->r, 3, BUF, 16, VIRTQ_DESC_F_NEXT, 5);
    vf_ring__desc(&f->r, 5, BUF + 0x100, 100, VIRTQ_DESC_F_NEXT, 1);
    vf_ring__desc(&f->r, 1, BUF + 0x1000, 512, VIRTQ_DESC_F_WRITE, 0);
    vf_ring__publish(&f->r, 3);
    assert_int_equal(pop(f, &why), VIRTQ_GOT_CHAIN);
    const struct virtq_chain *c = &f->chain;
    assert_int_equal(c->head, 3);
    assert_int_equal(c->nbufs, 3);
    assert_int_equal(c->nreadable, 2);
    assert_int_equal(c->readable_len, 116);
    assert_int_equal(c->writable_len, 512);
    assert_ptr_equal(c->bufs[1].hva, vf_hva(&f->m, BUF + 0x100));
    assert_true(c->bufs[2].device_writes);
    assert_int_equal(pop(f, &why), VIRTQ_EMPTY);

    assert_true(virtq__push(&f->q, 3, 77));
    assert_int_equal(vf_ring__used_idx(&f->r), 1);
    uint32_t id, len;
    vf_ring__used_elem(&f->r, 0, &id, &len);
    assert_int_equal(id, 3);
    assert_int_equal(len, 77);
}

static void chain_copies_across_buffers(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(enable(f, false, false), 0);
    memcpy(vf_hva(&f->m, BUF), "hello ", 6);
    memcpy(vf_hva(&f->m, BUF + 0x100), "world", 5);
    vf_ring__desc(&f->r, 0, BUF, 6, VIRTQ_DESC_F_NEXT, 1);
    vf_ring__desc(&f->r, 1, BUF + 0x100, 5, VIRTQ_DESC_F_NEXT, 2);
    vf_ring__desc(&f->r, 2, BUF + 0x200, 3, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
    vf_ring__desc(&f->r, 3, BUF + 0x300, 4, VIRTQ_DESC_F_WRITE, 0);
    vf_ring__publish(&f->r, 0);
    const char *why;
    assert_int_equal(pop(f, &why), VIRTQ_GOT_CHAIN);

    char text[16] = {0};
    assert_int_equal(virtq_chain__read(&f->chain, 3, text, sizeof(text)), 8);
    assert_string_equal(text, "lo world");
    assert_int_equal(virtq_chain__write(&f->chain, 1, "abcdefgh", 8), 6);
    assert_memory_equal(vf_hva(&f->m, BUF + 0x201), "ab", 2);
    assert_memory_equal(vf_hva(&f->m, BUF + 0x300), "cdef", 4);
}

static void indirect_table(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(enable(f, false, true), 0);
    vf_desc_at(&f->m, TABLE, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 2);
    vf_desc_at(&f->m, TABLE, 2, BUF + 0x1000, 4096, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    vf_desc_at(&f->m, TABLE, 1, BUF + 0x3000, 1, VIRTQ_DESC_F_WRITE, 0);
    vf_ring__desc(&f->r, 0, BUF + 0x4000, 8, VIRTQ_DESC_F_NEXT, 1); /* direct, then the table */
    vf_ring__desc(&f->r, 1, TABLE, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    vf_ring__publish(&f->r, 0);
    const char *why;
    assert_int_equal(pop(f, &why), VIRTQ_GOT_CHAIN);
    assert_int_equal(f->chain.nbufs, 4);
    assert_int_equal(f->chain.nreadable, 2);
    assert_int_equal(f->chain.readable_len, 24);
    assert_int_equal(f->chain.writable_len, 4097);
}

static void loops_break_the_queue(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(enable(f, false, false), 0);
    vf_ring__desc(&f->r, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
    vf_ring__desc(&f->r, 1, BUF, 16, VIRTQ_DESC_F_NEXT, 0);
    vf_ring__publish(&f->r, 0);
    assert_broken(f);
}

static void self_loop_breaks_the_queue(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(enable(f, false, false), 0);
    vf_ring__desc(&f->r, 4, BUF, 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 4);
    vf_ring__publish(&f->r, 4);
    assert_broken(f);
}

static void indirect_loop_breaks_the_queue(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(enable(f, false, true), 0);
    vf_desc_at(&f->m, TABLE, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
    vf_desc_at(&f->m, TABLE, 1, BUF, 16, VIRTQ_DESC_F_NEXT, 0);
    vf_ring__desc(&f->r, 0, TABLE, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    vf_ring__publish(&f->r, 0);
    assert_broken(f);
}

static void buffers_outside_ram_break_the_queue(void **state)
{
    struct fixture *f = *state;
    const uint64_t bad[][2] = {
        {VF_RAM_SIZE, 1},             /* just past RAM */
        {VF_RAM_SIZE - 8, 16},        /* straddles the end */
        {LAYOUT_VIRTIO_MMIO_BASE, 4}, /* the device's own registers */
        {UINT64_MAX - 7, 16},         /* address + length wraps */
        {BUF, UINT32_MAX},            /* overflowing length */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        virtq__reset(&f->q);
        vf_ring__init(&f->r, &f->m, NUM, RING_BASE);
        assert_int_equal(enable(f, false, false), 0);
        vf_ring__desc(&f->r, 0, bad[i][0], (uint32_t)bad[i][1], 0, 0);
        vf_ring__publish(&f->r, 0);
        assert_broken(f);
    }
}

static void bad_indexes_break_the_queue(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(enable(f, false, false), 0);
    vf_ring__publish(&f->r, NUM); /* head beyond the table */
    assert_broken(f);

    virtq__reset(&f->q);
    vf_ring__init(&f->r, &f->m, NUM, RING_BASE);
    assert_int_equal(enable(f, false, false), 0);
    vf_ring__desc(&f->r, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 200); /* next beyond the table */
    vf_ring__publish(&f->r, 0);
    assert_broken(f);

    virtq__reset(&f->q);
    vf_ring__init(&f->r, &f->m, NUM, RING_BASE);
    assert_int_equal(enable(f, false, false), 0);
    vf_ring__set_avail_idx(&f->r, NUM + 1); /* more available than the queue holds */
    assert_broken(f);
}

static void readable_after_writable_breaks_the_queue(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(enable(f, false, false), 0);
    vf_ring__desc(&f->r, 0, BUF, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    vf_ring__desc(&f->r, 1, BUF, 16, 0, 0);
    vf_ring__publish(&f->r, 0);
    assert_broken(f);
}

static void bad_indirect_tables_break_the_queue(void **state)
{
    struct fixture *f = *state;
    struct {
        bool negotiated;
        uint64_t addr;
        uint32_t len;
        uint16_t flags;
    } cases[] = {
        {false, TABLE, 16, VIRTQ_DESC_F_INDIRECT},                        /* not negotiated */
        {true, TABLE, 0, VIRTQ_DESC_F_INDIRECT},                          /* empty */
        {true, TABLE, 24, VIRTQ_DESC_F_INDIRECT},                         /* not a multiple of 16 */
        {true, VF_RAM_SIZE, 16, VIRTQ_DESC_F_INDIRECT},                   /* outside RAM */
        {true, TABLE, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT},     /* with NEXT */
        {true, NESTED, 16, VIRTQ_DESC_F_INDIRECT},                        /* nested (see below) */
        {true, TABLE, 16 * (VIRTQ_MAX_CHAIN + 1), VIRTQ_DESC_F_INDIRECT}, /* chain too long */
    };
    /* NESTED holds an indirect descriptor; TABLE holds a chain through all of it. */
    vf_desc_at(&f->m, NESTED, 0, TABLE, 16, VIRTQ_DESC_F_INDIRECT, 0);
    for (unsigned i = 0; i <= VIRTQ_MAX_CHAIN; i++)
        vf_desc_at(&f->m, TABLE, i, BUF, 8, VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        virtq__reset(&f->q);
        vf_ring__init(&f->r, &f->m, NUM, RING_BASE);
        assert_int_equal(enable(f, false, cases[i].negotiated), 0);
        vf_ring__desc(&f->r, 0, cases[i].addr, cases[i].len, cases[i].flags, 1);
        vf_ring__desc(&f->r, 1, BUF, 8, 0, 0);
        vf_ring__publish(&f->r, 0);
        assert_broken(f);
    }
}

static void enable_checks_the_rings(void **state)
{
    struct fixture *f = *state;
    const char *why;
    struct {
        uint16_t num;
        uint64_t desc, avail, used;
    } bad[] = {
        {0, RING_BASE, RING_BASE + 0x1000, RING_BASE + 0x2000},
        {6, RING_BASE, RING_BASE + 0x1000, RING_BASE + 0x2000},
        {512, RING_BASE, RING_BASE + 0x1000, RING_BASE + 0x2000},
        {8, RING_BASE + 8, RING_BASE + 0x1000, RING_BASE + 0x2000},
        {8, RING_BASE, RING_BASE + 0x1001, RING_BASE + 0x2000},
        {8, RING_BASE, RING_BASE + 0x1000, RING_BASE + 0x2002},
        {8, VF_RAM_SIZE - 64, RING_BASE + 0x1000, RING_BASE + 0x2000},
        {8, RING_BASE, UINT64_MAX - 1, RING_BASE + 0x2000},
        {8, RING_BASE, RING_BASE + 0x1000, VF_RAM_SIZE - 4},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        virtq__reset(&f->q);
        f->q.num = bad[i].num;
        f->q.desc_gpa = bad[i].desc;
        f->q.avail_gpa = bad[i].avail;
        f->q.used_gpa = bad[i].used;
        why = NULL;
        assert_int_equal(virtq__enable(&f->q, &f->m.mem, VIRTQ_MAX_SIZE, false, false, &why), -1);
        assert_non_null(why);
        assert_false(f->q.ready);
        assert_int_equal(pop(f, &why), VIRTQ_EMPTY);
    }
}

static void no_interrupt_flag(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(enable(f, false, false), 0);
    vf_ring__set_avail_flags(&f->r, VIRTQ_AVAIL_F_NO_INTERRUPT);
    assert_false(virtq__push(&f->q, 0, 0));
    vf_ring__set_avail_flags(&f->r, 0);
    assert_true(virtq__push(&f->q, 0, 0));
}

static void event_index(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(enable(f, true, false), 0);
    const char *why;
    /* An empty pop asks to be notified of the next available entry. */
    assert_int_equal(pop(f, &why), VIRTQ_EMPTY);
    assert_int_equal(vf_ring__avail_event(&f->r), 0);
    for (uint16_t i = 0; i < 3; i++) {
        vf_ring__desc(&f->r, i, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
        vf_ring__publish(&f->r, i);
        assert_int_equal(pop(f, &why), VIRTQ_GOT_CHAIN);
    }
    assert_int_equal(pop(f, &why), VIRTQ_EMPTY);
    assert_int_equal(vf_ring__avail_event(&f->r), 3);

    /* The driver wants an interrupt once the used index passes 2 (used_event = 2). */
    vf_ring__set_used_event(&f->r, 2);
    assert_false(virtq__push(&f->q, 0, 8)); /* used idx 1 */
    assert_false(virtq__push(&f->q, 1, 8)); /* used idx 2 */
    assert_true(virtq__push(&f->q, 2, 8));  /* used idx 3: passed 2 */
}

static void disabled_queue_drops_pushes(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(enable(f, false, false), 0);
    virtq__disable(&f->q);
    assert_false(virtq__push(&f->q, 0, 0));
    assert_int_equal(vf_ring__used_idx(&f->r), 0);
    const char *why;
    vf_ring__publish(&f->r, 0);
    assert_int_equal(pop(f, &why), VIRTQ_EMPTY);
}

static void save_and_load(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(enable(f, false, false), 0);
    vf_ring__desc(&f->r, 0, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
    vf_ring__publish(&f->r, 0);
    const char *why;
    assert_int_equal(pop(f, &why), VIRTQ_GOT_CHAIN);
    virtq__push(&f->q, 0, 8);

    struct virtq_state st;
    virtq__save(&f->q, &st);
    virtq__reset(&f->q);
    assert_int_equal(virtq__load(&f->q, &st, &f->m.mem, VIRTQ_MAX_SIZE, false, false, &why), 0);
    assert_true(f->q.ready);
    assert_int_equal(f->q.last_avail_idx, 1);
    assert_int_equal(f->q.used_idx, 1);

    st.desc_gpa = VF_RAM_SIZE; /* a saved state is input too */
    assert_int_equal(virtq__load(&f->q, &st, &f->m.mem, VIRTQ_MAX_SIZE, false, false, &why), -1);
    assert_false(f->q.ready);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(normal_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(chain_copies_across_buffers, setup, teardown),
        cmocka_unit_test_setup_teardown(indirect_table, setup, teardown),
        cmocka_unit_test_setup_teardown(loops_break_the_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(self_loop_breaks_the_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(indirect_loop_breaks_the_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(buffers_outside_ram_break_the_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_indexes_break_the_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(readable_after_writable_breaks_the_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_indirect_tables_break_the_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(enable_checks_the_rings, setup, teardown),
        cmocka_unit_test_setup_teardown(no_interrupt_flag, setup, teardown),
        cmocka_unit_test_setup_teardown(event_index, setup, teardown),
        cmocka_unit_test_setup_teardown(disabled_queue_drops_pushes, setup, teardown),
        cmocka_unit_test_setup_teardown(save_and_load, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
