// SPDX-License-Identifier: Apache-2.0
/* test_cmos.c - unit tests for the CMOS RTC (src/devices/cmos.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "devices/cmos.h"
#include "machine/layout.h"

/* RAM layout as guest_memory__init makes it, without mapping anything. */
static struct guest_memory memory_of(uint64_t ram_size)
{
    struct guest_memory mem = {.ram_size = ram_size, .nslots = 1};
    uint64_t low = ram_size < LAYOUT_LOW_RAM_END ? ram_size : LAYOUT_LOW_RAM_END;
    mem.slots[0] = (struct mem_slot){.gpa = 0, .size = low};
    if (ram_size > low) {
        mem.slots[1] = (struct mem_slot){.gpa = LAYOUT_HIGH_RAM_BASE, .size = ram_size - low};
        mem.nslots = 2;
    }
    return mem;
}

static int setup(void **state)
{
    struct guest_memory mem = memory_of(MIB(256));
    struct err err;
    *state = cmos__create(&mem, &err);
    assert_non_null(*state);
    return 0;
}

static int teardown(void **state)
{
    cmos__destroy(*state);
    return 0;
}

static uint8_t rd(struct cmos *cmos, uint8_t reg)
{
    cmos_bus_ops.write(cmos, 0, 1, reg);
    return (uint8_t)cmos_bus_ops.read(cmos, 1, 1);
}

static void wr(struct cmos *cmos, uint8_t reg, uint8_t value)
{
    cmos_bus_ops.write(cmos, 0, 1, reg);
    cmos_bus_ops.write(cmos, 1, 1, value);
}

static unsigned from_bcd(uint8_t v)
{
    return (v >> 4) * 10u + (v & 0x0f);
}

/* The clock's fields, read within one host second (retried across a boundary). */
struct reading {
    uint8_t sec, min, hour, wday, mday, mon, year, century;
    struct tm host;
};

static struct reading read_clock(struct cmos *cmos)
{
    for (;;) {
        struct reading r;
        time_t before = time(NULL);
        r.sec = rd(cmos, 0x00);
        r.min = rd(cmos, 0x02);
        r.hour = rd(cmos, 0x04);
        r.wday = rd(cmos, 0x06);
        r.mday = rd(cmos, 0x07);
        r.mon = rd(cmos, 0x08);
        r.year = rd(cmos, 0x09);
        r.century = rd(cmos, 0x32);
        if (time(NULL) == before) {
            gmtime_r(&before, &r.host);
            return r;
        }
    }
}

static void registers_at_power_on(void **state)
{
    struct cmos *cmos = *state;
    assert_int_equal(rd(cmos, 0x0a) & 0x7f, 0x26); /* 32.768 kHz, 1024 Hz */
    assert_int_equal(rd(cmos, 0x0b), 0x02);        /* 24 hours, BCD */
    assert_int_equal(rd(cmos, 0x0c), 0x00);
    assert_int_equal(rd(cmos, 0x0d), 0x80);                /* valid RAM and time */
    assert_int_equal(cmos_bus_ops.read(cmos, 0, 1), 0xff); /* index port is write-only */
}

static void bcd_time_follows_host_utc(void **state)
{
    struct cmos *cmos = *state;
    struct reading r = read_clock(cmos);
    assert_int_equal(from_bcd(r.sec), r.host.tm_sec);
    assert_int_equal(from_bcd(r.min), r.host.tm_min);
    assert_int_equal(from_bcd(r.hour), r.host.tm_hour);
    assert_int_equal(from_bcd(r.wday), r.host.tm_wday + 1);
    assert_int_equal(from_bcd(r.mday), r.host.tm_mday);
    assert_int_equal(from_bcd(r.mon), r.host.tm_mon + 1);
    assert_int_equal(from_bcd(r.year), (r.host.tm_year + 1900) % 100);
    assert_int_equal(from_bcd(r.century), (r.host.tm_year + 1900) / 100);
}

static void binary_and_12_hour_modes(void **state)
{
    struct cmos *cmos = *state;
    wr(cmos, 0x0b, 0x06); /* binary, 24 hours */
    struct reading r = read_clock(cmos);
    assert_int_equal(r.sec, r.host.tm_sec);
    assert_int_equal(r.mday, r.host.tm_mday);
    assert_int_equal(r.year, (r.host.tm_year + 1900) % 100);

    wr(cmos, 0x0b, 0x04); /* binary, 12 hours */
    r = read_clock(cmos);
    unsigned h12 = r.host.tm_hour % 12 ? (unsigned)r.host.tm_hour % 12 : 12;
    assert_int_equal(r.hour & 0x7f, h12);
    assert_int_equal(!!(r.hour & 0x80), r.host.tm_hour >= 12);
}

static void guest_sets_the_time(void **state)
{
    struct cmos *cmos = *state;
    wr(cmos, 0x0b, 0x82); /* SET: the clock stops while the guest writes */
    wr(cmos, 0x00, 0x58);
    wr(cmos, 0x02, 0x59);
    wr(cmos, 0x04, 0x23);
    wr(cmos, 0x07, 0x28);
    wr(cmos, 0x08, 0x02);
    wr(cmos, 0x09, 0x24);
    wr(cmos, 0x32, 0x20);
    assert_int_equal(rd(cmos, 0x00), 0x58);     /* frozen */
    assert_int_equal(rd(cmos, 0x0a) & 0x80, 0); /* no update in progress while SET */
    wr(cmos, 0x0b, 0x02);

    /* 2024-02-28 23:59:58 runs on into the leap day within a few seconds. */
    uint8_t sec = rd(cmos, 0x00);
    assert_true(sec == 0x58 || sec == 0x59 || sec <= 0x05);
    if (sec >= 0x58) {
        assert_int_equal(rd(cmos, 0x07), 0x28);
        assert_int_equal(rd(cmos, 0x06), 0x04); /* a Wednesday */
    } else {
        assert_int_equal(rd(cmos, 0x07), 0x29);
    }
    assert_int_equal(rd(cmos, 0x08), 0x02);
    assert_int_equal(rd(cmos, 0x09), 0x24);
    assert_int_equal(rd(cmos, 0x32), 0x20);

    /* A single register written while the clock runs moves only that field. */
    wr(cmos, 0x09, 0x30);
    assert_int_equal(rd(cmos, 0x09), 0x30);
    assert_int_equal(rd(cmos, 0x32), 0x20);
}

static void index_port_and_nmi_bit(void **state)
{
    struct cmos *cmos = *state;
    struct cmos_state s;
    wr(cmos, 0x80 | 0x40, 0x99); /* NMI off, RAM byte 0x40 */
    cmos__save(cmos, &s);
    assert_int_equal(s.nmi_disabled, 1);
    assert_int_equal(s.index, 0x40);
    assert_int_equal(rd(cmos, 0x40), 0x99);
    cmos__save(cmos, &s);
    assert_int_equal(s.nmi_disabled, 0);
    wr(cmos, 0x0d, 0x00); /* read-only */
    assert_int_equal(rd(cmos, 0x0d), 0x80);
}

static uint16_t rd16(struct cmos *cmos, uint8_t lo)
{
    return (uint16_t)(rd(cmos, lo) | rd(cmos, (uint8_t)(lo + 1)) << 8);
}

static uint32_t rd24(struct cmos *cmos, uint8_t lo)
{
    return rd16(cmos, lo) | (uint32_t)rd(cmos, (uint8_t)(lo + 2)) << 16;
}

static void memory_size_bytes(void **state)
{
    struct cmos *cmos = *state; /* 256 MiB */
    assert_int_equal(rd16(cmos, 0x15), 640);
    assert_int_equal(rd16(cmos, 0x17), 0xffff); /* (256 - 1) MiB in KiB, capped */
    assert_int_equal(rd16(cmos, 0x30), 0xffff);
    assert_int_equal(rd16(cmos, 0x34), (256 - 16) * 16); /* 64 KiB units above 16 MiB */
    assert_int_equal(rd24(cmos, 0x5b), 0);

    struct err err;
    struct guest_memory small = memory_of(MIB(8));
    struct cmos *c8 = cmos__create(&small, &err);
    assert_int_equal(rd16(c8, 0x17), 7 * 1024);
    assert_int_equal(rd16(c8, 0x34), 0);
    cmos__destroy(c8);

    struct guest_memory big = memory_of(GIB(5)); /* 3 GiB low, 2 GiB above 4 GiB */
    struct cmos *c5 = cmos__create(&big, &err);
    assert_int_equal(rd16(c5, 0x34), (3072 - 16) * 16);
    assert_int_equal(rd24(c5, 0x5b), 2048 * 16);
    cmos__destroy(c5);
}

static void save_and_load(void **state)
{
    struct cmos *cmos = *state;
    struct cmos_state saved, copy;
    struct err err;
    wr(cmos, 0x0b, 0x82);
    wr(cmos, 0x09, 0x99);
    wr(cmos, 0x0b, 0x02); /* the guest's clock is now ~75 years off the host's */
    wr(cmos, 0x50, 0x12);
    cmos__save(cmos, &saved);
    assert_true(saved.clock_offset > 0);

    struct guest_memory mem = memory_of(MIB(64));
    struct cmos *other = cmos__create(&mem, &err);
    assert_int_equal(cmos__load(other, &saved, &err), 0);
    cmos__save(other, &copy);
    assert_memory_equal(&saved, &copy, sizeof(saved));
    assert_int_equal(rd(other, 0x09), 0x99);
    assert_int_equal(rd(other, 0x50), 0x12);
    saved.version = 2;
    assert_int_equal(cmos__load(other, &saved, &err), -1);
    cmos__destroy(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(registers_at_power_on, setup, teardown),
        cmocka_unit_test_setup_teardown(bcd_time_follows_host_utc, setup, teardown),
        cmocka_unit_test_setup_teardown(binary_and_12_hour_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(guest_sets_the_time, setup, teardown),
        cmocka_unit_test_setup_teardown(index_port_and_nmi_bit, setup, teardown),
        cmocka_unit_test_setup_teardown(memory_size_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(save_and_load, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
