// SPDX-License-Identifier: Apache-2.0
/*
 * test_ioapic.c - unit tests for the I/O APIC (src/devices/platform/ioapic.c):
 * register access through the MMIO bus, redirection entries, edge and level
 * triggering, masking, remote IRR and EOI, save/load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "devices/platform/ioapic.h"

#define BASE 0xfec00000ull

#define RTE_LEVEL      0x8000u
#define RTE_MASKED     0x10000u
#define RTE_REMOTE_IRR 0x4000u

static struct {
    unsigned count;
    struct apic_msg last;
} sent;

static void deliver(void *opaque, const struct apic_msg *msg)
{
    (void)opaque;
    sent.count++;
    sent.last = *msg;
}

static const struct ioapic_hooks hooks = {.deliver = deliver};

struct fixture {
    struct ioapic io;
    struct bus mmio;
};

static int setup(void **state)
{
    memset(&sent, 0, sizeof(sent));
    struct fixture *f = test_malloc(sizeof(*f));
    ioapic__init(&f->io, 2, &hooks, NULL);
    bus__init(&f->mmio, "mmio", true);
    assert_int_equal(ioapic__register(&f->io, &f->mmio, BASE, NULL), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    bus__destroy(&f->mmio);
    ioapic__destroy(&f->io);
    test_free(f);
    return 0;
}

static uint32_t reg_read(struct fixture *f, uint32_t reg)
{
    uint64_t v;
    bus__write(&f->mmio, BASE, 4, reg);
    bus__read(&f->mmio, BASE + 0x10, 4, &v);
    return (uint32_t)v;
}

static void reg_write(struct fixture *f, uint32_t reg, uint32_t value)
{
    bus__write(&f->mmio, BASE, 4, reg);
    bus__write(&f->mmio, BASE + 0x10, 4, value);
}

static void program(struct fixture *f, unsigned pin, uint32_t lo, uint8_t dest)
{
    reg_write(f, 0x10 + 2 * pin + 1, (uint32_t)dest << 24);
    reg_write(f, 0x10 + 2 * pin, lo);
}

static void identification(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(reg_read(f, 0x00), 2u << 24);
    assert_int_equal(reg_read(f, 0x01), 0x00170011); /* 24 pins, version 0x11 */
    assert_int_equal(reg_read(f, 0x02), 2u << 24);
    reg_write(f, 0x00, 5u << 24);
    assert_int_equal(reg_read(f, 0x00), 5u << 24);
    uint64_t sel;
    bus__read(&f->mmio, BASE, 4, &sel);
    assert_int_equal(sel, 0x00);
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
        assert_int_equal(reg_read(f, 0x10 + 2 * pin), RTE_MASKED);
}

static void redirection_entries(void **state)
{
    struct fixture *f = *state;
    program(f, 4, 0x0934, 3); /* vector 0x34, lowest priority, logical */
    assert_int_equal(reg_read(f, 0x18), 0x0934);
    assert_int_equal(reg_read(f, 0x19), 3u << 24);
    /* delivery status, remote IRR and reserved bits do not stick */
    reg_write(f, 0x18, 0xfffff034);
    assert_int_equal(reg_read(f, 0x18), 0x1a034 & ~RTE_REMOTE_IRR);
    reg_write(f, 0x19, 0xffffffff);
    assert_int_equal(reg_read(f, 0x19), 0xff000000);
}

static void edge_triggered(void **state)
{
    struct fixture *f = *state;
    program(f, 4, 0x0934, 3);
    ioapic__set_irq(&f->io, 4, true);
    assert_int_equal(sent.count, 1);
    assert_int_equal(sent.last.vector, 0x34);
    assert_int_equal(sent.last.delivery, 1);
    assert_true(sent.last.logical);
    assert_false(sent.last.level);
    assert_int_equal(sent.last.dest, 3);
    assert_int_equal(sent.last.shorthand, APIC_DEST_FIELD);
    ioapic__set_irq(&f->io, 4, true); /* no new edge */
    assert_int_equal(sent.count, 1);
    ioapic__set_irq(&f->io, 4, false);
    ioapic__set_irq(&f->io, 4, true);
    assert_int_equal(sent.count, 2);
    ioapic__set_irq(&f->io, 4, false);
    /* masked: the edge is lost, and unmasking does not bring it back */
    program(f, 4, RTE_MASKED | 0x34, 0);
    ioapic__set_irq(&f->io, 4, true);
    ioapic__set_irq(&f->io, 4, false);
    program(f, 4, 0x34, 0);
    assert_int_equal(sent.count, 2);
    ioapic__set_irq(&f->io, 30, true); /* no such pin: ignored */
    assert_int_equal(sent.count, 2);
}

static void level_triggered(void **state)
{
    struct fixture *f = *state;
    program(f, 10, RTE_LEVEL | 0x5a, 1);
    ioapic__set_irq(&f->io, 10, true);
    assert_int_equal(sent.count, 1);
    assert_true(sent.last.level);
    assert_true(reg_read(f, 0x10 + 20) & RTE_REMOTE_IRR);
    /* held, remote IRR set: nothing more */
    ioapic__set_irq(&f->io, 10, true);
    assert_int_equal(sent.count, 1);
    /* EOI of another vector: nothing */
    ioapic__eoi(&f->io, 0x5b);
    assert_int_equal(sent.count, 1);
    /* EOI while still held: sent again */
    ioapic__eoi(&f->io, 0x5a);
    assert_int_equal(sent.count, 2);
    assert_true(reg_read(f, 0x10 + 20) & RTE_REMOTE_IRR);
    /* released, then EOI: remote IRR clears, nothing sent */
    ioapic__set_irq(&f->io, 10, false);
    ioapic__eoi(&f->io, 0x5a);
    assert_int_equal(sent.count, 2);
    assert_false(reg_read(f, 0x10 + 20) & RTE_REMOTE_IRR);

    /* masked while held: sent when unmasked */
    program(f, 10, RTE_MASKED | RTE_LEVEL | 0x5a, 1);
    ioapic__set_irq(&f->io, 10, true);
    assert_int_equal(sent.count, 2);
    program(f, 10, RTE_LEVEL | 0x5a, 1);
    assert_int_equal(sent.count, 3);
    /* switching to edge drops remote IRR */
    program(f, 10, 0x5a, 1);
    assert_false(reg_read(f, 0x10 + 20) & RTE_REMOTE_IRR);
}

static void save_load(void **state)
{
    struct fixture *f = *state;
    program(f, 10, RTE_LEVEL | 0x5a, 1);
    ioapic__set_irq(&f->io, 10, true);
    struct ioapic_state saved;
    ioapic__save(&f->io, &saved);

    struct ioapic other;
    ioapic__init(&other, 0, &hooks, NULL);
    assert_int_equal(ioapic__load(&other, &saved, NULL), 0);
    assert_int_equal(other.s.redirection[10], saved.redirection[10]);
    ioapic__eoi(&other, 0x5a); /* the line is still held in the loaded state */
    assert_int_equal(sent.count, 2);
    ioapic__destroy(&other);

    saved.version = 0;
    struct err err;
    assert_int_equal(ioapic__load(&f->io, &saved, &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(identification, setup, teardown),
        cmocka_unit_test_setup_teardown(redirection_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(edge_triggered, setup, teardown),
        cmocka_unit_test_setup_teardown(level_triggered, setup, teardown),
        cmocka_unit_test_setup_teardown(save_load, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
