// SPDX-License-Identifier: Apache-2.0
/*
 * test_pit8254.c - unit tests for the 8254 PIT and port 0x61
 * (src/devices/platform/pit8254.c) on a fake clock: Linux's two TSC
 * calibration loops (arch/x86/kernel/tsc.c: pit_calibrate_tsc() and
 * quick_pit_calibrate()), the gate, modes 0, 2, 3 and 4 with channel 0's
 * interrupts, latch and read-back, byte access modes, save/load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "devices/platform/pit8254.h"

#define T0 1000000000ull

static uint64_t fake_now;

static uint64_t fake_clock(void *opaque)
{
    (void)opaque;
    return fake_now;
}

static const struct platform_clock fake = {.now_ns = fake_clock};

static unsigned irqs;

static void hook_irq0(void *opaque)
{
    (void)opaque;
    irqs++;
}

static const struct pit8254_hooks hooks = {.irq0 = hook_irq0};

struct fixture {
    struct pit8254 pit;
    struct bus pio;
};

/* The first time at which the PIT has counted `ticks` since base. */
static uint64_t after(uint64_t base, uint64_t ticks)
{
    return base + (ticks * 1000000000ull + PIT_HZ - 1) / PIT_HZ;
}

static uint64_t at_tick(uint64_t ticks)
{
    return after(T0, ticks);
}

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

static uint16_t read_latched(struct fixture *f, unsigned channel)
{
    out(f, 0x43, (uint8_t)(channel << 6)); /* counter latch */
    uint8_t lo = in(f, 0x40 + channel);
    return (uint16_t)(lo | in(f, 0x40 + channel) << 8);
}

static int setup(void **state)
{
    fake_now = T0;
    irqs = 0;
    struct fixture *f = test_malloc(sizeof(*f));
    pit8254__init(&f->pit, &hooks, NULL, &fake);
    bus__init(&f->pio, "pio", false);
    assert_int_equal(pit8254__register(&f->pit, &f->pio, NULL), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    bus__destroy(&f->pio);
    pit8254__destroy(&f->pit);
    test_free(f);
    return 0;
}

static void linux_pit_calibrate_tsc(void **state)
{
    struct fixture *f = *state;
    const uint16_t latch = PIT_HZ / 20;         /* 50 ms */
    out(f, 0x61, (in(f, 0x61) & ~0x02) | 0x01); /* gate high, speaker off */
    out(f, 0x43, 0xb0);                         /* channel 2, lsb/msb, mode 0 */
    out(f, 0x42, latch & 0xff);
    out(f, 0x42, latch >> 8);
    assert_int_equal(in(f, 0x61) & 0x21, 0x01); /* OUT2 low, gate bit reads back */
    fake_now = at_tick(latch) - 1;
    assert_int_equal(in(f, 0x61) & 0x20, 0);
    fake_now = at_tick(latch);
    assert_int_equal(in(f, 0x61) & 0x20, 0x20);
    fake_now = at_tick(latch) + 1000000;
    assert_int_equal(in(f, 0x61) & 0x20, 0x20); /* stays high */
    assert_int_equal(irqs, 0);                  /* channel 2 raises no interrupt */
}

static void linux_quick_pit_calibrate(void **state)
{
    struct fixture *f = *state;
    out(f, 0x61, (in(f, 0x61) & ~0x02) | 0x01);
    out(f, 0x43, 0xb0);
    out(f, 0x42, 0xff);
    out(f, 0x42, 0xff);
    /* pit_verify_msb(0) / pit_expect_msb(): two reads, the msb second */
    in(f, 0x42);
    assert_int_equal(in(f, 0x42), 0xff);
    for (unsigned i = 1; i < 8; i++) {
        fake_now = at_tick(256 * i - 1);
        in(f, 0x42);
        assert_int_equal(in(f, 0x42), 0xff - (i - 1));
        fake_now = at_tick(256 * i);
        in(f, 0x42);
        assert_int_equal(in(f, 0x42), 0xff - i);
    }
}

static void gate(void **state)
{
    struct fixture *f = *state;
    out(f, 0x43, 0xb0);
    out(f, 0x42, 0x00);
    out(f, 0x42, 0x10); /* 4096, gate still low: not counting */
    fake_now = at_tick(1000);
    assert_int_equal(read_latched(f, 2), 4096);
    out(f, 0x61, 0x01);
    fake_now = after(fake_now, 96);
    assert_int_equal(read_latched(f, 2), 4000);
    out(f, 0x61, 0x00); /* paused */
    fake_now = at_tick(3000);
    assert_int_equal(read_latched(f, 2), 4000);
    out(f, 0x61, 0x01);
    fake_now = after(fake_now, 4000) - 1;
    assert_int_equal(in(f, 0x61) & 0x20, 0);
    fake_now += 1;
    assert_int_equal(in(f, 0x61) & 0x20, 0x20);
}

static void mode2_rate_generator(void **state)
{
    struct fixture *f = *state;
    const uint16_t n = 1193; /* Linux's LATCH for HZ = 1000 */
    assert_int_equal(pit8254__next_deadline_ns(&f->pit), PLATFORM_NO_DEADLINE);
    out(f, 0x43, 0x34); /* channel 0, lsb/msb, mode 2 */
    out(f, 0x40, n & 0xff);
    out(f, 0x40, n >> 8);
    assert_int_equal(pit8254__next_deadline_ns(&f->pit), at_tick(n));
    fake_now = at_tick(100);
    assert_int_equal(read_latched(f, 0), n - 100);
    pit8254__poll(&f->pit, at_tick(n) - 1);
    assert_int_equal(irqs, 0);
    pit8254__poll(&f->pit, at_tick(n));
    assert_int_equal(irqs, 1);
    assert_int_equal(pit8254__next_deadline_ns(&f->pit), at_tick(2 * n));
    fake_now = at_tick(n + 1);
    assert_int_equal(read_latched(f, 0), n - 1);
    /* late: one interrupt for the missed periods, the phase kept */
    pit8254__poll(&f->pit, at_tick(5 * n + n / 2));
    assert_int_equal(irqs, 2);
    assert_int_equal(pit8254__next_deadline_ns(&f->pit), at_tick(6 * n));
    /* a new control word stops it until a count comes */
    out(f, 0x43, 0x34);
    assert_int_equal(pit8254__next_deadline_ns(&f->pit), PLATFORM_NO_DEADLINE);
    /* a tiny period is stretched to PIT_MIN_IRQ_PERIOD_NS */
    out(f, 0x40, 2);
    out(f, 0x40, 0);
    assert_true(pit8254__next_deadline_ns(&f->pit) >= fake_now + PIT_MIN_IRQ_PERIOD_NS - 1000);
}

static void mode3_square_wave_and_read_back(void **state)
{
    struct fixture *f = *state;
    out(f, 0x43, 0x36); /* channel 0, lsb/msb, mode 3 */
    out(f, 0x40, 1000 & 0xff);
    out(f, 0x40, 1000 >> 8);
    fake_now = at_tick(100);
    out(f, 0x43, 0xc2);                         /* read-back: count and status of channel 0 */
    assert_int_equal(in(f, 0x40), 0x80 | 0x36); /* OUT high, lsb/msb, mode 3 */
    uint8_t lo = in(f, 0x40);
    assert_int_equal(lo | in(f, 0x40) << 8, 800); /* counts down by two */
    fake_now = at_tick(600);
    out(f, 0x43, 0xe2);                  /* status only */
    assert_int_equal(in(f, 0x40), 0x36); /* second half: OUT low */
    assert_int_equal(read_latched(f, 0), 800);
    pit8254__poll(&f->pit, at_tick(1000));
    assert_int_equal(irqs, 1);
    assert_int_equal(pit8254__next_deadline_ns(&f->pit), at_tick(2000));
}

static void one_shot_modes(void **state)
{
    struct fixture *f = *state;
    out(f, 0x43, 0x30); /* mode 0 */
    out(f, 0x40, 100);
    out(f, 0x40, 0);
    out(f, 0x43, 0xe2);
    assert_int_equal(in(f, 0x40) & 0x80, 0); /* OUT low while counting */
    pit8254__poll(&f->pit, at_tick(100));
    assert_int_equal(irqs, 1);
    assert_int_equal(pit8254__next_deadline_ns(&f->pit), PLATFORM_NO_DEADLINE);
    fake_now = at_tick(150);
    assert_int_equal(read_latched(f, 0), (uint16_t)(100 - 150)); /* it keeps counting, wrapping */

    out(f, 0x43, 0x38); /* mode 4, as Linux's PIT clockevent in one-shot mode */
    out(f, 0x40, 50);
    out(f, 0x40, 0);
    assert_int_equal(pit8254__next_deadline_ns(&f->pit), after(fake_now, 50));
    pit8254__poll(&f->pit, after(fake_now, 50) - 1);
    assert_int_equal(irqs, 1);
    pit8254__poll(&f->pit, after(fake_now, 50));
    assert_int_equal(irqs, 2);
    pit8254__poll(&f->pit, fake_now + 100000000);
    assert_int_equal(irqs, 2);
}

static void access_modes_and_latch(void **state)
{
    struct fixture *f = *state;
    out(f, 0x43, 0x10); /* channel 0, lsb only, mode 0 */
    out(f, 0x40, 200);
    fake_now = at_tick(50);
    assert_int_equal(in(f, 0x40), 150);
    assert_int_equal(in(f, 0x40), 150);
    out(f, 0x43, 0x20); /* msb only */
    out(f, 0x40, 2);    /* 0x200 */
    fake_now = at_tick(50 + 256);
    assert_int_equal(in(f, 0x40), 1);

    /* a latch holds its value while time goes on; a second latch before reading is ignored */
    out(f, 0x43, 0x30);
    out(f, 0x40, 0x00);
    out(f, 0x40, 0x40); /* 0x4000 */
    out(f, 0x43, 0x00);
    fake_now = after(fake_now, 1000);
    out(f, 0x43, 0x00);
    uint8_t lo = in(f, 0x40);
    assert_int_equal(lo | in(f, 0x40) << 8, 0x4000);
    lo = in(f, 0x40);
    assert_int_equal(lo | in(f, 0x40) << 8, 0x4000 - 1000); /* live again */
}

static void refresh_toggle(void **state)
{
    struct fixture *f = *state;
    fake_now = 15085 * 1000;
    assert_int_equal(in(f, 0x61) & 0x10, 0);
    fake_now += 15085;
    assert_int_equal(in(f, 0x61) & 0x10, 0x10);
    out(f, 0x61, 0xff); /* only bits 3:0 are written */
    assert_int_equal(in(f, 0x61) & 0x0f, 0x0f);
}

static void save_load(void **state)
{
    struct fixture *f = *state;
    out(f, 0x43, 0x34);
    out(f, 0x40, 1000 & 0xff);
    out(f, 0x40, 1000 >> 8);
    fake_now = at_tick(300);
    struct pit8254_state saved;
    pit8254__save(&f->pit, &saved);

    fake_now = T0 + 5000000000ull; /* restored much later */
    struct pit8254 other;
    pit8254__init(&other, &hooks, NULL, &fake);
    assert_int_equal(pit8254__load(&other, &saved, NULL), 0);
    const uint64_t deadline = pit8254__next_deadline_ns(&other);
    assert_true(deadline >= fake_now + 586000 && deadline <= fake_now + 587000); /* 700 ticks */
    pit8254__poll(&other, deadline);
    assert_int_equal(irqs, 1);
    pit8254__destroy(&other);

    saved.version = 3;
    struct err err;
    assert_int_equal(pit8254__load(&f->pit, &saved, &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(linux_pit_calibrate_tsc, setup, teardown),
        cmocka_unit_test_setup_teardown(linux_quick_pit_calibrate, setup, teardown),
        cmocka_unit_test_setup_teardown(gate, setup, teardown),
        cmocka_unit_test_setup_teardown(mode2_rate_generator, setup, teardown),
        cmocka_unit_test_setup_teardown(mode3_square_wave_and_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(one_shot_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(access_modes_and_latch, setup, teardown),
        cmocka_unit_test_setup_teardown(refresh_toggle, setup, teardown),
        cmocka_unit_test_setup_teardown(save_load, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
