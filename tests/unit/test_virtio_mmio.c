// SPDX-License-Identifier: Apache-2.0
/*
 * test_virtio_mmio.c - unit tests for the virtio core and its virtio-mmio
 * transport (src/devices/virtio/core.c, mmio.c) with a test device that returns every chain
 * it is given: identification registers, feature negotiation, queue setup,
 * notifications, the interrupt line, DEVICE_NEEDS_RESET on broken rings,
 * reset, the configuration space, bad accesses, save and load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "virtio_fixture.h"

#define TEST_DEVICE_ID 42
#define CONFIG_SIZE    8
#define RING_BASE      0x10000ull
#define BUF            VF_DATA_GPA
#define VERSION_1      VIRTIO_FEATURE(VIRTIO_F_VERSION_1)
#define DEVICE_FEATURE VIRTIO_FEATURE(3)

struct fixture {
    struct machine m;
    struct virtio_dev *vd;
    struct virtio_mmio *t;
    struct vf_ring r;
    unsigned notifies;
    unsigned config_writes;
    unsigned resets;
    struct virtq_chain chain;
};

/* The test device: returns each chain with its writable part counted as written. */
static void echo_notify(void *dev, unsigned q)
{
    struct fixture *f = dev;
    f->notifies++;
    while (virtio__pop(f->vd, q, &f->chain))
        virtio__push(f->vd, q, &f->chain, (uint32_t)f->chain.writable_len);
}

/* The test device stores what the driver writes. */
static void store_config_write(void *dev, uint32_t offset, unsigned size, uint64_t value)
{
    struct fixture *f = dev;
    virtio__set_config(f->vd, offset, &value, size);
    f->config_writes++;
}

static void count_reset(void *dev)
{
    struct fixture *f = dev;
    f->resets++;
}

static const struct virtio_device_ops echo_ops = {
    .queue_notify = echo_notify, .config_write = store_config_write, .reset = count_reset};

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof(f));
    vf_machine__init(&f.m);
    const struct virtio_device_info info = {.name = "virtio-test",
                                            .device_id = TEST_DEVICE_ID,
                                            .nqueues = 1,
                                            .features = DEVICE_FEATURE,
                                            .config_size = CONFIG_SIZE};
    struct err err;
    f.vd = virtio__create(&f.m, &info, &echo_ops, &f, &err);
    assert_non_null(f.vd);
    f.t = virtio_mmio__create(&f.m, VF_BASE, VF_GSI, f.vd, &err);
    assert_non_null(f.t);
    virtio__set_config(f.vd, 0, "strata!!", CONFIG_SIZE);
    vf_ring__init(&f.r, &f.m, 8, RING_BASE);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    virtio_mmio__destroy(f->t);
    virtio__destroy(f->vd);
    vf_machine__destroy(&f->m);
    return 0;
}

static void kick(struct fixture *f, uint16_t head)
{
    vf_ring__publish(&f->r, head);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

static uint32_t status(struct fixture *f)
{
    return vf_read(&f->m, VIRTIO_MMIO_STATUS);
}

static void identifies_itself(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_VERSION), 2);
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_DEVICE_ID), TEST_DEVICE_ID);
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_VENDOR_ID_REG), VIRTIO_MMIO_VENDOR_ID);
    vf_write(&f->m, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    uint64_t features = vf_read(&f->m, VIRTIO_MMIO_DEVICE_FEATURES);
    vf_write(&f->m, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    features |= (uint64_t)vf_read(&f->m, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
    assert_int_equal(features, DEVICE_FEATURE | VERSION_1 |
                                   VIRTIO_FEATURE(VIRTIO_F_RING_INDIRECT_DESC) |
                                   VIRTIO_FEATURE(VIRTIO_F_RING_EVENT_IDX));
    vf_write(&f->m, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_DEVICE_FEATURES), 0);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_SEL, 0);
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTQ_MAX_SIZE);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_SEL, 1);
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
}

static void try_features(struct fixture *f, uint64_t features)
{
    vf_write(&f->m, VIRTIO_MMIO_STATUS, 0);
    vf_write(&f->m, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    vf_write(&f->m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    vf_write(&f->m, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
    vf_write(&f->m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    vf_write(&f->m, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
    vf_write(&f->m, VIRTIO_MMIO_STATUS,
             VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
}

static void feature_negotiation(void **state)
{
    struct fixture *f = *state;
    try_features(f, DEVICE_FEATURE); /* legacy driver: no VERSION_1 */
    assert_false(status(f) & VIRTIO_STATUS_FEATURES_OK);
    try_features(f, VERSION_1 | VIRTIO_FEATURE(40)); /* a feature not offered */
    assert_false(status(f) & VIRTIO_STATUS_FEATURES_OK);
    try_features(f, VERSION_1 | DEVICE_FEATURE);
    assert_true(status(f) & VIRTIO_STATUS_FEATURES_OK);
    assert_int_equal(virtio__features(f->vd), VERSION_1 | DEVICE_FEATURE);
    /* Features are frozen once FEATURES_OK is set. */
    vf_write(&f->m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    vf_write(&f->m, VIRTIO_MMIO_DRIVER_FEATURES, 0);
    assert_int_equal(virtio__features(f->vd), VERSION_1 | DEVICE_FEATURE);
}

static void driver_ok_needs_features_ok(void **state)
{
    struct fixture *f = *state;
    vf_write(&f->m, VIRTIO_MMIO_STATUS,
             VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
    assert_false(status(f) & VIRTIO_STATUS_DRIVER_OK);
    assert_false(virtio__live(f->vd));
}

static void notify_and_interrupt(void **state)
{
    struct fixture *f = *state;
    vf_driver__start(&f->m, VERSION_1, &f->r, 1);
    assert_true(virtio__live(f->vd));
    vf_ring__desc(&f->r, 0, BUF, 64, VIRTQ_DESC_F_WRITE, 0);
    kick(f, 0);
    assert_int_equal(vf_ring__used_idx(&f->r), 1);
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_ISR_VRING);
    assert_true(vf_irqs[VF_GSI].level);
    assert_int_equal(vf_ram_written_bytes, 64); /* the device "wrote" the writable buffer */

    /* The line stays high until the driver acknowledges. */
    kick(f, 0);
    assert_int_equal(vf_irqs[VF_GSI].rises, 1);
    vf_write(&f->m, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_ISR_VRING);
    assert_false(vf_irqs[VF_GSI].level);
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
    kick(f, 0);
    assert_int_equal(vf_irqs[VF_GSI].rises, 2);
}

static void notifications_before_driver_ok_wait(void **state)
{
    struct fixture *f = *state;
    vf_ring__desc(&f->r, 0, BUF, 64, 0, 0);
    vf_ring__publish(&f->r, 0);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    assert_int_equal(f->notifies, 0);
    /* DRIVER_OK takes what was made available before it. */
    vf_driver__start(&f->m, VERSION_1, &f->r, 1);
    assert_int_equal(vf_ring__used_idx(&f->r), 1);
    /* A notification for a queue that does not exist is dropped. */
    unsigned before = f->notifies;
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_NOTIFY, 3);
    assert_int_equal(f->notifies, before);
}

static void broken_ring_needs_reset(void **state)
{
    struct fixture *f = *state;
    vf_driver__start(&f->m, VERSION_1, &f->r, 1);
    vf_ring__desc(&f->r, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 0); /* loops */
    kick(f, 0);
    assert_true(status(f) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_ISR_CONFIG);
    assert_true(vf_irqs[VF_GSI].level);
    assert_int_equal(vf_ring__used_idx(&f->r), 0);

    /* Nothing more is taken until the driver resets the device. */
    unsigned before = f->notifies;
    vf_ring__desc(&f->r, 0, BUF, 16, 0, 0);
    kick(f, 0);
    assert_int_equal(f->notifies, before);

    /* The driver's status writes cannot clear NEEDS_RESET; a reset does. */
    vf_write(&f->m, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    assert_true(status(f) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    vf_ring__init(&f->r, &f->m, 8, RING_BASE);
    vf_driver__start(&f->m, VERSION_1, &f->r, 1);
    assert_false(status(f) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    assert_false(vf_irqs[VF_GSI].level);
    vf_ring__desc(&f->r, 0, BUF, 16, VIRTQ_DESC_F_WRITE, 0);
    kick(f, 0);
    assert_int_equal(vf_ring__used_idx(&f->r), 1);
}

static void bad_queue_setup_needs_reset(void **state)
{
    struct fixture *f = *state;
    vf_ring__init(&f->r, &f->m, 6, RING_BASE); /* not a power of 2 */
    vf_write(&f->m, VIRTIO_MMIO_STATUS, 0);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_SEL, 0);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_NUM, 6);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)f->r.desc);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)f->r.avail);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)f->r.used);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_READY, 1);
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_QUEUE_READY), 0);
    assert_true(status(f) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

static void queue_registers_frozen_while_ready(void **state)
{
    struct fixture *f = *state;
    vf_driver__start(&f->m, VERSION_1, &f->r, 1);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_NUM, 2);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1234);
    vf_ring__desc(&f->r, 0, BUF, 16, VIRTQ_DESC_F_WRITE, 0);
    kick(f, 0);
    assert_int_equal(vf_ring__used_idx(&f->r), 1);
    /* QueueReady = 0 stops the queue. */
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_READY, 0);
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_QUEUE_READY), 0);
    kick(f, 0);
    assert_int_equal(vf_ring__used_idx(&f->r), 1);
}

static void reset_forgets_everything(void **state)
{
    struct fixture *f = *state;
    vf_driver__start(&f->m, VERSION_1 | DEVICE_FEATURE, &f->r, 1);
    vf_ring__desc(&f->r, 0, BUF, 16, VIRTQ_DESC_F_WRITE, 0);
    kick(f, 0);
    assert_true(vf_irqs[VF_GSI].level);
    vf_write(&f->m, VIRTIO_MMIO_STATUS, 0);
    assert_int_equal(status(f), 0);
    assert_int_equal(f->resets, 2); /* vf_driver__start resets first */
    assert_false(vf_irqs[VF_GSI].level);
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_QUEUE_READY), 0);
    assert_int_equal(virtio__features(f->vd), 0);
}

static void config_space(void **state)
{
    struct fixture *f = *state;
    uint64_t v;
    assert_true(bus__read(&f->m.mmio, VF_BASE + VIRTIO_MMIO_CONFIG + 1, 1, &v));
    assert_int_equal(v, 't');
    assert_true(bus__read(&f->m.mmio, VF_BASE + VIRTIO_MMIO_CONFIG, 8, &v));
    assert_memory_equal(&v, "strata!!", 8);
    /* Past config_size: zero, and no write. */
    assert_true(bus__read(&f->m.mmio, VF_BASE + VIRTIO_MMIO_CONFIG + 6, 4, &v));
    assert_int_equal(v, 0);
    bus__write(&f->m.mmio, VF_BASE + VIRTIO_MMIO_CONFIG + 8, 4, 0xffffffff);
    assert_int_equal(f->config_writes, 0);
    bus__write(&f->m.mmio, VF_BASE + VIRTIO_MMIO_CONFIG + 2, 2, 0x5858);
    assert_int_equal(f->config_writes, 1);
    char buf[CONFIG_SIZE];
    virtio__get_config(f->vd, 0, buf, sizeof(buf));
    assert_memory_equal(buf, "stXXta!!", 8);

    uint32_t generation = vf_read(&f->m, VIRTIO_MMIO_CONFIG_GENERATION);
    virtio__update_config(f->vd, 0, "S", 1);
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_CONFIG_GENERATION), generation + 1);
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_ISR_CONFIG);
    assert_true(vf_irqs[VF_GSI].level);
}

static void bad_register_accesses(void **state)
{
    struct fixture *f = *state;
    uint64_t v;
    assert_true(bus__read(&f->m.mmio, VF_BASE + VIRTIO_MMIO_MAGIC_VALUE, 2, &v));
    assert_int_equal(v, 0);
    assert_true(bus__read(&f->m.mmio, VF_BASE + VIRTIO_MMIO_MAGIC_VALUE + 1, 4, &v));
    assert_int_equal(v, 0);
    assert_int_equal(vf_read(&f->m, 0x0e0), 0);                    /* unknown register */
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_QUEUE_NOTIFY), 0); /* write-only */
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffffu);
    bus__write(&f->m.mmio, VF_BASE + VIRTIO_MMIO_STATUS, 1, 0); /* byte write: dropped */
    vf_write(&f->m, VIRTIO_MMIO_MAGIC_VALUE, 0);                /* read-only */
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_SEL, 7);
    vf_write(&f->m, VIRTIO_MMIO_QUEUE_READY, 1); /* absent queue */
    assert_int_equal(vf_read(&f->m, VIRTIO_MMIO_QUEUE_READY), 0);
}

static void save_and_load(void **state)
{
    struct fixture *f = *state;
    vf_driver__start(&f->m, VERSION_1 | VIRTIO_FEATURE(VIRTIO_F_RING_EVENT_IDX), &f->r, 1);
    vf_ring__desc(&f->r, 0, BUF, 16, VIRTQ_DESC_F_WRITE, 0);
    kick(f, 0);
    struct virtio_dev_state st;
    virtio__save(f->vd, &st);
    assert_int_equal(st.version, VIRTIO_STATE_VERSION);
    assert_int_equal(st.interrupt_status, VIRTIO_ISR_VRING);

    vf_write(&f->m, VIRTIO_MMIO_STATUS, 0);
    assert_false(vf_irqs[VF_GSI].level);
    struct err err;
    assert_int_equal(virtio__load(f->vd, &st, &err), 0);
    assert_true(vf_irqs[VF_GSI].level);
    assert_true(virtio__live(f->vd));
    kick(f, 0); /* carries on from where it was */
    assert_int_equal(vf_ring__used_idx(&f->r), 2);

    struct virtio_dev_state bad = st;
    bad.version = 99;
    assert_int_equal(virtio__load(f->vd, &bad, &err), -1);
    bad = st;
    bad.device_id = 1;
    assert_int_equal(virtio__load(f->vd, &bad, &err), -1);
    bad = st;
    bad.driver_features |= VIRTIO_FEATURE(50);
    assert_int_equal(virtio__load(f->vd, &bad, &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(identifies_itself, setup, teardown),
        cmocka_unit_test_setup_teardown(feature_negotiation, setup, teardown),
        cmocka_unit_test_setup_teardown(driver_ok_needs_features_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(notify_and_interrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(notifications_before_driver_ok_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(broken_ring_needs_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_queue_setup_needs_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(queue_registers_frozen_while_ready, setup, teardown),
        cmocka_unit_test_setup_teardown(reset_forgets_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(config_space, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_register_accesses, setup, teardown),
        cmocka_unit_test_setup_teardown(save_and_load, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
