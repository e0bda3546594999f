// SPDX-License-Identifier: Apache-2.0
/*
 * test_pic8259.c - unit tests for the 8259 pair (src/devices/platform/pic8259.c):
 * Linux's probe and init sequence, priorities, EOI forms, the cascade,
 * auto-EOI, level triggering through the ELCR, poll, save/load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "devices/platform/pic8259.h"

static struct {
    bool level;
    unsigned changes;
} intr;

static void hook_intr(void *opaque, bool level)
{
    (void)opaque;
    intr.level = level;
    intr.changes++;
}

static const struct pic8259_hooks hooks = {.intr = hook_intr};

struct fixture {
    struct pic8259 pic;
    struct bus pio;
};

static uint8_t in(struct fixture *f, uint16_t port)
{
    uint64_t v;
    assert_true(bus__read(&f->pio, port, 1, &v));
    return (uint8_t)v;
}

static void out(struct fixture *f, uint16_t port, uint8_t value)
{
    assert_true(bus__write(&f->pio, port, 1, value));
}

/* arch/x86/kernel/i8259.c: probe_8259A() then init_8259A(0), then the masks restored. */
static void linux_init(struct fixture *f, bool auto_eoi, uint8_t master_mask, uint8_t slave_mask)
{
    out(f, 0xa1, 0xff);
    out(f, 0x21, 0xfb);
    assert_int_equal(in(f, 0x21), 0xfb); /* the probe reads back the mask */
    out(f, 0x21, 0xff);
    out(f, 0x20, 0x11);                   /* ICW1: edge, cascade, ICW4 */
    out(f, 0x21, 0x30);                   /* ICW2: IRQ 0-7 at vectors 0x30-0x37 */
    out(f, 0x21, 0x04);                   /* ICW3: slave on IRQ 2 */
    out(f, 0x21, auto_eoi ? 0x03 : 0x01); /* ICW4: 8086 mode */
    out(f, 0xa0, 0x11);
    out(f, 0xa1, 0x38);
    out(f, 0xa1, 0x02);
    out(f, 0xa1, 0x01);
    out(f, 0x21, master_mask);
    out(f, 0xa1, slave_mask);
}

static int setup(void **state)
{
    memset(&intr, 0, sizeof(intr));
    struct fixture *f = test_malloc(sizeof(*f));
    pic8259__init(&f->pic, &hooks, NULL);
    bus__init(&f->pio, "pio", false);
    assert_int_equal(pic8259__register(&f->pic, &f->pio, NULL), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    bus__destroy(&f->pio);
    pic8259__destroy(&f->pic);
    test_free(f);
    return 0;
}

static void power_on_masked(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(in(f, 0x21), 0xff);
    assert_int_equal(in(f, 0xa1), 0xff);
    pic8259__set_irq(&f->pic, 4, true);
    assert_false(intr.level);
}

static void init_sequence(void **state)
{
    struct fixture *f = *state;
    linux_init(f, false, 0xfb, 0xff);
    assert_int_equal(f->pic.s.chip[0].irq_base, 0x30);
    assert_int_equal(f->pic.s.chip[1].irq_base, 0x38);
    assert_int_equal(f->pic.s.chip[0].init_state, 0);
    assert_int_equal(in(f, 0x21), 0xfb);
    assert_int_equal(in(f, 0xa1), 0xff);
    /* ICW1 clears the mask */
    out(f, 0x20, 0x11);
    assert_int_equal(in(f, 0x21), 0x00);
}

static void priority_and_eoi(void **state)
{
    struct fixture *f = *state;
    linux_init(f, false, 0x00, 0xff);
    pic8259__set_irq(&f->pic, 3, true);
    assert_true(intr.level);
    pic8259__set_irq(&f->pic, 1, true);
    assert_int_equal(in(f, 0x20), 0x0a);              /* IRR */
    assert_int_equal(pic8259__intack(&f->pic), 0x31); /* IRQ 1 beats IRQ 3 */
    assert_false(intr.level);                         /* 3 waits below 1 in service */
    out(f, 0x20, 0x0b);                               /* OCW3: read ISR */
    assert_int_equal(in(f, 0x20), 0x02);
    out(f, 0x20, 0x0a);
    assert_int_equal(in(f, 0x20), 0x08);
    /* a higher priority request nests */
    pic8259__set_irq(&f->pic, 0, true);
    assert_true(intr.level);
    assert_int_equal(pic8259__intack(&f->pic), 0x30);
    out(f, 0x20, 0x20); /* non-specific EOI: the highest in service, IRQ 0 */
    assert_false(intr.level);
    out(f, 0x20, 0x61); /* specific EOI for IRQ 1 (as Linux's mask_and_ack does) */
    assert_true(intr.level);
    assert_int_equal(pic8259__intack(&f->pic), 0x33);
    out(f, 0x20, 0x63);
    /* edge-triggered: the lines are still high but no new edge came */
    assert_false(intr.level);
    assert_int_equal(in(f, 0x20), 0x00);

    /* masking */
    pic8259__set_irq(&f->pic, 5, true);
    assert_true(intr.level);
    out(f, 0x21, 0x20);
    assert_false(intr.level);
    out(f, 0x21, 0x00);
    assert_true(intr.level);

    /* nothing requested: spurious IRQ 7 */
    out(f, 0x21, 0xff);
    assert_int_equal(pic8259__intack(&f->pic), 0x37);
}

static void rotation(void **state)
{
    struct fixture *f = *state;
    linux_init(f, false, 0x00, 0xff);
    out(f, 0x20, 0xc4); /* set priority: IRQ 4 lowest, so IRQ 5 highest */
    pic8259__set_irq(&f->pic, 1, true);
    pic8259__set_irq(&f->pic, 6, true);
    assert_int_equal(pic8259__intack(&f->pic), 0x36);
    out(f, 0x20, 0xa0); /* rotate on non-specific EOI: IRQ 6 becomes lowest */
    assert_int_equal(pic8259__intack(&f->pic), 0x31);
}

static void cascade(void **state)
{
    struct fixture *f = *state;
    linux_init(f, false, 0xfb, 0xef); /* IRQ 12 unmasked */
    pic8259__set_irq(&f->pic, 12, true);
    assert_true(intr.level);
    assert_int_equal(pic8259__intack(&f->pic), 0x3c);
    assert_false(intr.level);
    assert_int_equal(f->pic.s.chip[0].isr, 0x04);
    assert_int_equal(f->pic.s.chip[1].isr, 0x10);
    out(f, 0xa0, 0x64); /* slave specific EOI, then the cascade on the master */
    out(f, 0x20, 0x62);
    assert_int_equal(f->pic.s.chip[0].isr | f->pic.s.chip[1].isr, 0);
    pic8259__set_irq(&f->pic, 2, true); /* the cascade is not a device line */
    assert_false(intr.level);
}

static void auto_eoi(void **state)
{
    struct fixture *f = *state;
    linux_init(f, true, 0x00, 0xff);
    pic8259__set_irq(&f->pic, 1, true);
    assert_int_equal(pic8259__intack(&f->pic), 0x31);
    assert_int_equal(f->pic.s.chip[0].isr, 0);
    pic8259__set_irq(&f->pic, 3, true);
    assert_true(intr.level); /* nothing in service blocks it */
}

static void level_via_elcr(void **state)
{
    struct fixture *f = *state;
    linux_init(f, false, 0xfb, 0xfb); /* IRQ 10 unmasked */
    out(f, 0x4d1, 0xff);
    assert_int_equal(in(f, 0x4d1), 0xde); /* IRQ 8 and 13 stay edge */
    out(f, 0x4d0, 0xff);
    assert_int_equal(in(f, 0x4d0), 0xf8);
    pic8259__set_irq(&f->pic, 10, true);
    assert_int_equal(pic8259__intack(&f->pic), 0x3a);
    out(f, 0xa0, 0x20);
    out(f, 0x20, 0x20);
    /* still held: requested again without a new edge */
    assert_true(intr.level);
    assert_int_equal(pic8259__intack(&f->pic), 0x3a);
    out(f, 0xa0, 0x20);
    out(f, 0x20, 0x20);
    pic8259__set_irq(&f->pic, 10, false);
    assert_false(intr.level);
}

static void poll_command(void **state)
{
    struct fixture *f = *state;
    linux_init(f, false, 0x00, 0xff);
    out(f, 0x20, 0x0c); /* OCW3 poll */
    assert_int_equal(in(f, 0x20), 0x00);
    pic8259__set_irq(&f->pic, 6, true);
    out(f, 0x20, 0x0c);
    assert_int_equal(in(f, 0x20), 0x86);
    assert_int_equal(f->pic.s.chip[0].isr, 0x40);
}

static void save_load(void **state)
{
    struct fixture *f = *state;
    linux_init(f, false, 0x00, 0xff);
    pic8259__set_irq(&f->pic, 3, true);
    struct pic8259_state saved;
    pic8259__save(&f->pic, &saved);
    struct pic8259 other;
    pic8259__init(&other, &hooks, NULL);
    assert_int_equal(pic8259__load(&other, &saved, NULL), 0);
    assert_int_equal(pic8259__intack(&other), 0x33);
    pic8259__destroy(&other);
    saved.version = 7;
    struct err err;
    assert_int_equal(pic8259__load(&f->pic, &saved, &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(power_on_masked, setup, teardown),
        cmocka_unit_test_setup_teardown(init_sequence, setup, teardown),
        cmocka_unit_test_setup_teardown(priority_and_eoi, setup, teardown),
        cmocka_unit_test_setup_teardown(rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(cascade, setup, teardown),
        cmocka_unit_test_setup_teardown(auto_eoi, setup, teardown),
        cmocka_unit_test_setup_teardown(level_via_elcr, setup, teardown),
        cmocka_unit_test_setup_teardown(poll_command, setup, teardown),
        cmocka_unit_test_setup_teardown(save_load, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
