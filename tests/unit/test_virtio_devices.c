// SPDX-License-Identifier: Apache-2.0
/*
 * test_virtio_devices.c - unit tests for a machine's set of virtio devices
 * (src/board/virtio_devices.c) at their slots (src/board/slots.c): --disk
 * options, windows and GSIs, the kernel command line, and their
 * declaration in the DSDT (src/board/acpi/dsdt.c) as LNRO0005 devices.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "board/acpi/dsdt.h"
#include "board/virtio_devices.h"
#include "virtio_fixture.h"

static void command_line_announces_devices(void **state)
{
    (void)state;
    struct machine m;
    vf_machine__init(&m);
    struct virtio_options o = {.rng = true};
    struct err err;
    struct virtio_devices vd;
    struct board_slots slots;
    board_slots__init(&slots);
    assert_int_equal(virtio_devices__create(&vd, &m, &slots, &o, &err), 0);
    char *line = board_slots__cmdline(&slots, "console=ttyS0", &err);
    assert_string_equal(line, "console=ttyS0 virtio_mmio.device=4K@0xd0000000:5");
    free(line);
    line = board_slots__cmdline(&slots, NULL, &err);
    assert_string_equal(line, "virtio_mmio.device=4K@0xd0000000:5");
    free(line);
    virtio_devices__destroy(&vd);

    /* the next windows and GSIs: 8 is the RTC's; at most BOARD_MAX_VIRTIO */
    const struct board_slot *slot = NULL;
    for (unsigned i = 1; i < 4; i++)
        slot = board_slots__add_virtio(&slots, "x", &err);
    assert_int_equal(slot->gsi, 9);
    assert_int_equal(slot->base, 0xd0003000);
    for (unsigned i = 4; i < BOARD_MAX_VIRTIO; i++)
        assert_non_null(board_slots__add_virtio(&slots, "x", &err));
    assert_null(board_slots__add_virtio(&slots, "x", &err));
    assert_string_equal(err.msg, "too many virtio devices: at most 8");
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

/* Counts occurrences of needle in the haystack. */
static unsigned count(const uint8_t *hay, size_t len, const void *needle, size_t n)
{
    unsigned found = 0;
    for (size_t i = 0; i + n <= len; i++)
        found += !memcmp(hay + i, needle, n);
    return found;
}

static void dsdt_declares_the_windows(void **state)
{
    (void)state;
    struct machine m;
    vf_machine__init(&m);
    struct virtio_options o = {.console = true, .rng = true};
    struct err err;
    struct virtio_devices vd;
    struct board_slots slots;
    board_slots__init(&slots);
    assert_int_equal(virtio_devices__create(&vd, &m, &slots, &o, &err), 0);

    static uint8_t dsdt[4096];
    size_t len;
    assert_int_equal(dsdt__build(dsdt, sizeof(dsdt), &len, &slots, &err), 0);
    assert_int_equal(count(dsdt, len, "LNRO0005", 9), 2);
    assert_int_equal(count(dsdt, len, "VR00", 4), 1);
    assert_int_equal(count(dsdt, len, "VR01", 4), 1);
    /* Memory32Fixed (ReadWrite, 0xD0001000, 0x1000) */
    const uint8_t window1[] = {0x86, 9, 0, 1, 0x00, 0x10, 0x00, 0xd0, 0x00, 0x10, 0, 0};
    assert_int_equal(count(dsdt, len, window1, sizeof(window1)), 1);
    /* Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) {6} */
    const uint8_t irq6[] = {0x89, 6, 0, 0x03, 1, 6, 0, 0, 0};
    assert_int_equal(count(dsdt, len, irq6, sizeof(irq6)), 1);
    virtio_devices__destroy(&vd);
    vf_machine__destroy(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(command_line_announces_devices),
        cmocka_unit_test(disk_options),
        cmocka_unit_test(dsdt_declares_the_windows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
