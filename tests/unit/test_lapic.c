// SPDX-License-Identifier: Apache-2.0
/*
 * test_lapic.c - unit tests for the local APIC (src/devices/platform/lapic*.c)
 * and the APIC bus of the platform (platform.c): priorities, EOI, the timer
 * on a fake clock, ICR IPIs with INIT/SIPI, x2APIC, state images.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "devices/platform/platform.h"

/* Register offsets used below (SDM "Local APIC Register Address Map") */
#define ID    0x020
#define LVR   0x030
#define TPR   0x080
#define PPR   0x0a0
#define EOI   0x0b0
#define LDR   0x0d0
#define DFR   0x0e0
#define SVR   0x0f0
#define ISR   0x100
#define TMR   0x180
#define IRR   0x200
#define ESR   0x280
#define ICR   0x300
#define ICR2  0x310
#define LVTT  0x320
#define LVT0  0x350
#define TMICT 0x380
#define TMCCT 0x390
#define TDCR  0x3e0

static uint64_t fake_now;

static uint64_t fake_clock(void *opaque)
{
    (void)opaque;
    return fake_now;
}

static const struct platform_clock fake = {.now_ns = fake_clock};

/* What the hooks saw */
static struct {
    unsigned kicks[4];
    unsigned sends;
    struct apic_msg msg;
    unsigned src;
    unsigned eois;
    uint8_t eoi_vector;
} seen;

static void hook_send(void *opaque, unsigned src, const struct apic_msg *msg)
{
    (void)opaque;
    seen.sends++;
    seen.src = src;
    seen.msg = *msg;
}

static void hook_eoi(void *opaque, uint8_t vector)
{
    (void)opaque;
    seen.eois++;
    seen.eoi_vector = vector;
}

static void hook_kick(void *opaque, unsigned index)
{
    (void)opaque;
    seen.kicks[index]++;
}

/* The fake TSC runs at 0.5 GHz: tick t is at 2t ns. */
static uint64_t hook_tsc_to_ns(void *opaque, unsigned index, uint64_t tsc)
{
    (void)opaque;
    (void)index;
    return tsc * 2;
}

static const struct lapic_hooks hooks = {
    .send = hook_send, .eoi = hook_eoi, .kick = hook_kick, .tsc_to_ns = hook_tsc_to_ns};

static int setup(void **state)
{
    memset(&seen, 0, sizeof(seen));
    fake_now = 1000000;
    struct lapic *l = test_malloc(sizeof(*l));
    lapic__init(l, 0, true, &hooks, NULL, &fake);
    *state = l;
    return 0;
}

static int teardown(void **state)
{
    lapic__destroy(*state);
    test_free(*state);
    return 0;
}

static uint32_t rd(struct lapic *l, unsigned reg)
{
    return (uint32_t)lapic__mmio_read(l, reg, 4);
}

static void wr(struct lapic *l, unsigned reg, uint32_t value)
{
    lapic__mmio_write(l, reg, 4, value);
}

static void send_fixed(struct lapic *l, uint8_t vector, bool level)
{
    struct apic_msg msg = {
        .vector = vector, .delivery = APIC_DM_FIXED, .level = level, .assert = true};
    lapic__accept(l, &msg);
}

static bool vec_in(struct lapic *l, unsigned base, uint8_t v)
{
    return rd(l, base + 0x10 * (v >> 5)) & (1u << (v & 31));
}

static void power_on(void **state)
{
    struct lapic *l = *state;
    uint64_t base;
    assert_int_equal(lapic__msr_read(l, MSR_IA32_APIC_BASE, &base), 0);
    assert_int_equal(base, 0xfee00900);
    assert_true(lapic__mmio_base(l, &base));
    assert_int_equal(base, 0xfee00000);
    assert_int_equal(rd(l, ID), 0);
    assert_int_equal(rd(l, LVR), 0x00050014);
    assert_int_equal(rd(l, SVR), 0xff);
    assert_int_equal(rd(l, DFR), 0xffffffff);
    assert_int_equal(rd(l, LVTT), 0x10000);
    assert_int_equal(rd(l, LVT0), 0x700); /* BSP: virtual wire */
    assert_int_equal(lapic__events(l), 0);
    assert_int_equal(lapic__next_deadline_ns(l), PLATFORM_NO_DEADLINE);

    struct lapic ap;
    lapic__init(&ap, 3, false, &hooks, NULL, &fake);
    assert_int_equal(lapic__msr_read(&ap, MSR_IA32_APIC_BASE, &base), 0);
    assert_int_equal(base, 0xfee00800);
    assert_int_equal(rd(&ap, ID), 3u << 24);
    assert_int_equal(rd(&ap, LVT0), 0x10000);
    lapic__destroy(&ap);
}

static void priority_tpr_isr_eoi(void **state)
{
    struct lapic *l = *state;
    wr(l, SVR, 0x1ff);
    send_fixed(l, 0x31, false);
    assert_int_equal(lapic__events(l), LAPIC_EVENT_INTR);
    assert_int_equal(seen.kicks[0], 1);
    send_fixed(l, 0x45, false);
    send_fixed(l, 0x52, false);
    assert_int_equal(seen.kicks[0], 1); /* INTR was already up */
    assert_true(vec_in(l, IRR, 0x31) && vec_in(l, IRR, 0x45) && vec_in(l, IRR, 0x52));

    assert_int_equal(lapic__get_interrupt(l), 0x52);
    lapic__ack(l, 0x52);
    assert_false(vec_in(l, IRR, 0x52));
    assert_true(vec_in(l, ISR, 0x52));
    assert_int_equal(rd(l, PPR), 0x50);
    /* 0x45 is in a lower class than the one in service */
    assert_int_equal(lapic__get_interrupt(l), -1);
    assert_int_equal(lapic__events(l), 0);

    /* a higher class nests */
    send_fixed(l, 0x61, false);
    assert_int_equal(lapic__get_interrupt(l), 0x61);
    lapic__ack(l, 0x61);
    wr(l, EOI, 0);
    assert_false(vec_in(l, ISR, 0x61));
    assert_true(vec_in(l, ISR, 0x52));
    wr(l, EOI, 0);
    assert_int_equal(rd(l, PPR), 0);
    assert_int_equal(lapic__get_interrupt(l), 0x45);
    assert_int_equal(seen.eois, 0); /* edge-triggered: no broadcast */

    /* TPR: a class must be above it */
    wr(l, TPR, 0x40);
    assert_int_equal(rd(l, PPR), 0x40);
    assert_int_equal(lapic__get_interrupt(l), -1);
    assert_int_equal(lapic__events(l), 0);
    lapic__write_cr8(l, 3);
    assert_int_equal(rd(l, TPR), 0x30);
    assert_int_equal(lapic__read_cr8(l), 3);
    assert_int_equal(lapic__get_interrupt(l), 0x45);
    assert_int_equal(lapic__events(l), LAPIC_EVENT_INTR);
}

static void level_eoi_broadcast(void **state)
{
    struct lapic *l = *state;
    wr(l, SVR, 0x1ff);
    send_fixed(l, 0x70, true);
    assert_true(vec_in(l, TMR, 0x70));
    lapic__ack(l, 0x70);
    wr(l, EOI, 0);
    assert_int_equal(seen.eois, 1);
    assert_int_equal(seen.eoi_vector, 0x70);
    /* an EOI with nothing in service does nothing */
    wr(l, EOI, 0);
    assert_int_equal(seen.eois, 1);
}

static void disabled_and_illegal(void **state)
{
    struct lapic *l = *state;
    send_fixed(l, 0x40, false); /* software-disabled: dropped */
    assert_false(vec_in(l, IRR, 0x40));
    wr(l, SVR, 0x1ff);
    send_fixed(l, 0x05, false); /* vectors 0-15 are illegal */
    assert_false(vec_in(l, IRR, 0x05));
    assert_int_equal(rd(l, ESR), 0);
    wr(l, ESR, 0); /* latches the errors since the last write */
    assert_int_equal(rd(l, ESR), 0x40);
    wr(l, ESR, 0);
    assert_int_equal(rd(l, ESR), 0);
    /* software disable masks every LVT */
    wr(l, LVTT, 0x30);
    assert_int_equal(rd(l, LVTT), 0x30);
    wr(l, SVR, 0xff);
    assert_int_equal(rd(l, LVTT), 0x10030);
    wr(l, LVTT, 0x30);
    assert_int_equal(rd(l, LVTT), 0x10030);
}

static void mmio_sizes(void **state)
{
    struct lapic *l = *state;
    wr(l, TPR, 0x5a);
    assert_int_equal(lapic__mmio_read(l, TPR, 1), 0x5a);
    assert_int_equal(lapic__mmio_read(l, LVR + 2, 1), 0x05);
    assert_int_equal(lapic__mmio_read(l, LVR, 2), 0x0014);
    lapic__mmio_write(l, TPR, 1, 0x11); /* only aligned 32-bit writes count */
    assert_int_equal(rd(l, TPR), 0x5a);
}

static void timer_one_shot(void **state)
{
    struct lapic *l = *state;
    wr(l, SVR, 0x1ff);
    wr(l, TDCR, 0xb); /* divide by 1: one count per ns at LAPIC_BUS_HZ = 1 GHz */
    wr(l, LVTT, 0x40);
    wr(l, TMICT, 1000);
    assert_int_equal(lapic__next_deadline_ns(l), 1001000);
    fake_now += 400;
    assert_int_equal(rd(l, TMCCT), 600);
    lapic__poll_timer(l, 1000999);
    assert_false(vec_in(l, IRR, 0x40));
    lapic__poll_timer(l, 1001000);
    assert_true(vec_in(l, IRR, 0x40));
    assert_int_equal(lapic__next_deadline_ns(l), PLATFORM_NO_DEADLINE);
    fake_now = 1001000;
    assert_int_equal(rd(l, TMCCT), 0);

    /* divide by 16 */
    wr(l, TDCR, 0x3);
    wr(l, TMICT, 100);
    assert_int_equal(lapic__next_deadline_ns(l), fake_now + 1600);
    fake_now += 160;
    assert_int_equal(rd(l, TMCCT), 90);
    /* a new divisor applies to the counts left */
    wr(l, TDCR, 0xb);
    assert_int_equal(lapic__next_deadline_ns(l), fake_now + 90);
    /* writing 0 stops it */
    wr(l, TMICT, 0);
    assert_int_equal(lapic__next_deadline_ns(l), PLATFORM_NO_DEADLINE);
}

static void timer_periodic(void **state)
{
    struct lapic *l = *state;
    wr(l, SVR, 0x1ff);
    wr(l, TDCR, 0xb);
    wr(l, LVTT, 0x20000 | 0x41);
    const uint64_t t0 = fake_now, period = 1000000;
    wr(l, TMICT, (uint32_t)period);
    assert_int_equal(lapic__next_deadline_ns(l), t0 + period);
    lapic__poll_timer(l, t0 + period);
    assert_true(vec_in(l, IRR, 0x41));
    assert_int_equal(lapic__next_deadline_ns(l), t0 + 2 * period);
    lapic__ack(l, 0x41);
    wr(l, EOI, 0);
    /* polled late: one interrupt, the phase kept */
    lapic__poll_timer(l, t0 + 5 * period + period / 2);
    assert_true(vec_in(l, IRR, 0x41));
    assert_int_equal(lapic__next_deadline_ns(l), t0 + 6 * period);
    fake_now = t0 + 5 * period + period / 4;
    assert_int_equal(rd(l, TMCCT), 750000);
    /* masked: keeps counting, no interrupt */
    lapic__ack(l, 0x41);
    wr(l, EOI, 0);
    wr(l, LVTT, 0x30000 | 0x41);
    lapic__poll_timer(l, t0 + 6 * period);
    assert_false(vec_in(l, IRR, 0x41));
    assert_int_equal(lapic__next_deadline_ns(l), t0 + 7 * period);
    /* too short a period is stretched */
    wr(l, LVTT, 0x20000 | 0x41);
    wr(l, TMICT, 10);
    assert_int_equal(lapic__next_deadline_ns(l), fake_now + LAPIC_MIN_PERIOD_NS);
}

static void timer_tsc_deadline(void **state)
{
    struct lapic *l = *state;
    uint64_t v;
    wr(l, SVR, 0x1ff);
    /* ignored outside TSC-deadline mode */
    assert_int_equal(lapic__msr_write(l, MSR_IA32_TSC_DEADLINE, 5000), 0);
    assert_int_equal(lapic__next_deadline_ns(l), PLATFORM_NO_DEADLINE);
    wr(l, LVTT, 0x40000 | 0x42);
    wr(l, TMICT, 1000); /* ignored in TSC-deadline mode */
    assert_int_equal(rd(l, TMICT), 0);
    assert_int_equal(lapic__msr_write(l, MSR_IA32_TSC_DEADLINE, 800000), 0);
    assert_int_equal(lapic__next_deadline_ns(l), 1600000);
    assert_int_equal(lapic__msr_read(l, MSR_IA32_TSC_DEADLINE, &v), 0);
    assert_int_equal(v, 800000);
    lapic__poll_timer(l, 1600000);
    assert_true(vec_in(l, IRR, 0x42));
    assert_int_equal(lapic__msr_read(l, MSR_IA32_TSC_DEADLINE, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(lapic__next_deadline_ns(l), PLATFORM_NO_DEADLINE);
    /* a deadline in the past fires at the next poll; 0 disarms */
    lapic__msr_write(l, MSR_IA32_TSC_DEADLINE, 1);
    assert_int_equal(lapic__next_deadline_ns(l), 2);
    lapic__msr_write(l, MSR_IA32_TSC_DEADLINE, 0);
    assert_int_equal(lapic__next_deadline_ns(l), PLATFORM_NO_DEADLINE);
    /* leaving the mode disarms */
    lapic__msr_write(l, MSR_IA32_TSC_DEADLINE, 900000);
    wr(l, LVTT, 0x42);
    assert_int_equal(lapic__next_deadline_ns(l), PLATFORM_NO_DEADLINE);
}

static void icr_encoding(void **state)
{
    struct lapic *l = *state;
    wr(l, SVR, 0x1ff);
    wr(l, ICR2, 0x02000000);
    wr(l, ICR, 0x4000 | 0x0800 | 0x0100 | 0x33); /* assert, logical, lowest priority */
    assert_int_equal(seen.sends, 1);
    assert_int_equal(seen.msg.dest, 2);
    assert_int_equal(seen.msg.vector, 0x33);
    assert_int_equal(seen.msg.delivery, APIC_DM_LOWEST);
    assert_true(seen.msg.logical);
    assert_int_equal(seen.msg.shorthand, APIC_DEST_FIELD);
    assert_int_equal(rd(l, ICR) & 0x1000, 0); /* delivery status: idle */
    /* INIT level de-assert is not sent; an illegal vector is not either */
    wr(l, ICR, 0x8500);
    wr(l, ICR, 0x000f);
    assert_int_equal(seen.sends, 1);
    wr(l, ESR, 0);
    assert_int_equal(rd(l, ESR), 0x20);
    /* shorthand all-but-self, startup */
    wr(l, ICR, 0xc0000 | 0x0600 | 0x9a);
    assert_int_equal(seen.sends, 2);
    assert_int_equal(seen.msg.shorthand, APIC_DEST_OTHERS);
    assert_int_equal(seen.msg.delivery, APIC_DM_STARTUP);
}

static void x2apic_msrs(void **state)
{
    struct lapic *l = *state;
    uint64_t v;
    /* x2APIC MSRs fault in xAPIC mode; disabled -> x2APIC is not a legal transition */
    assert_int_equal(lapic__msr_read(l, 0x802, &v), -1);
    assert_int_equal(lapic__msr_write(l, MSR_IA32_APIC_BASE, 0xfee00000 | APIC_BASE_BSP), 0);
    assert_int_equal(lapic__msr_write(l, MSR_IA32_APIC_BASE, 0xfee00000 | APIC_BASE_EXTD), -1);
    assert_int_equal(lapic__msr_write(l, MSR_IA32_APIC_BASE, 0xfee00000 | APIC_BASE_ENABLE), 0);
    assert_int_equal(lapic__msr_write(l, MSR_IA32_APIC_BASE, 0xfee00001 | APIC_BASE_ENABLE), -1);
    assert_int_equal(
        lapic__msr_write(l, MSR_IA32_APIC_BASE, 0xfee00000 | APIC_BASE_ENABLE | APIC_BASE_EXTD), 0);
    uint64_t base;
    assert_false(lapic__mmio_base(l, &base));
    /* x2APIC -> xAPIC faults */
    assert_int_equal(lapic__msr_write(l, MSR_IA32_APIC_BASE, 0xfee00000 | APIC_BASE_ENABLE), -1);

    assert_int_equal(lapic__msr_read(l, 0x802, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(lapic__msr_read(l, 0x80d, &v), 0);
    assert_int_equal(v, 1);                              /* cluster 0, bit 0 */
    assert_int_equal(lapic__msr_write(l, 0x80d, 5), -1); /* LDR is read-only */
    assert_int_equal(lapic__msr_read(l, 0x80e, &v), -1); /* no DFR */
    assert_int_equal(lapic__msr_read(l, 0x80b, &v), -1); /* EOI is write-only */
    assert_int_equal(lapic__msr_write(l, 0x80b, 1), -1);
    assert_int_equal(lapic__msr_write(l, 0x80f, 0x1ff), 0);
    assert_int_equal(lapic__msr_write(l, 0x808, 0x20), 0);
    assert_int_equal(lapic__msr_read(l, 0x808, &v), 0);
    assert_int_equal(v, 0x20);
    assert_int_equal(lapic__msr_write(l, 0x808, 1ull << 32), -1);

    assert_int_equal(lapic__msr_write(l, 0x830, (7ull << 32) | 0x4055), 0);
    assert_int_equal(seen.sends, 1);
    assert_int_equal(seen.msg.dest, 7);
    assert_true(seen.msg.x2apic);
    assert_int_equal(lapic__msr_read(l, 0x830, &v), 0);
    assert_int_equal(v, (7ull << 32) | 0x4055);
    assert_int_equal(lapic__msr_write(l, 0x83f, 0x66), 0); /* self IPI */
    assert_int_equal(seen.msg.shorthand, APIC_DEST_SELF);
    assert_int_equal(seen.msg.vector, 0x66);

    /* disabling resets the registers */
    assert_int_equal(lapic__msr_write(l, MSR_IA32_APIC_BASE, 0xfee00000), 0);
    assert_int_equal(lapic__msr_write(l, MSR_IA32_APIC_BASE, 0xfee00000 | APIC_BASE_ENABLE), 0);
    assert_int_equal(rd(l, SVR), 0xff);
    assert_int_equal(rd(l, TPR), 0);
}

static void state_images(void **state)
{
    struct lapic *l = *state;
    wr(l, SVR, 0x1ff);
    wr(l, TPR, 0x20);
    wr(l, LDR, 0x01000000);
    wr(l, TDCR, 0xb);
    wr(l, LVTT, 0x45);
    wr(l, TMICT, 5000);
    send_fixed(l, 0x50, true);
    fake_now += 1000;

    struct lapic_state saved;
    lapic__save(l, &saved);
    assert_int_equal(saved.version, LAPIC_STATE_VERSION);
    assert_int_equal(saved.timer_expiry_ns, 4000);

    uint64_t base;
    uint8_t regs[LAPIC_REGS_SIZE];
    lapic__get_regs(l, &base, regs);
    uint32_t tmcct;
    memcpy(&tmcct, regs + TMCCT, 4);
    assert_int_equal(tmcct, 4000);

    /* another LAPIC, later: both images give back the same registers */
    fake_now += 1000000;
    struct lapic other;
    lapic__init(&other, 0, true, &hooks, NULL, &fake);
    assert_int_equal(lapic__load(&other, &saved, NULL), 0);
    assert_int_equal(rd(&other, TPR), 0x20);
    assert_int_equal(rd(&other, LDR), 0x01000000);
    assert_true(vec_in(&other, IRR, 0x50) && vec_in(&other, TMR, 0x50));
    assert_int_equal(lapic__events(&other), LAPIC_EVENT_INTR);
    assert_int_equal(lapic__next_deadline_ns(&other), fake_now + 4000);
    lapic__destroy(&other);

    lapic__init(&other, 0, true, &hooks, NULL, &fake);
    lapic__set_regs(&other, base, regs);
    assert_int_equal(rd(&other, SVR), 0x1ff);
    assert_int_equal(rd(&other, LVTT), 0x45);
    assert_int_equal(rd(&other, TMCCT), 4000);
    assert_int_equal(lapic__next_deadline_ns(&other), fake_now + 4000);
    assert_int_equal(lapic__get_interrupt(&other), 0x50);
    lapic__destroy(&other);

    saved.version = 99;
    struct err err;
    assert_int_equal(lapic__load(l, &saved, &err), -1);
}

/* ---- the APIC bus: a platform of four vCPUs ---- */

static unsigned platform_kicks[4];

static void platform_kick(void *opaque, unsigned vcpu)
{
    (void)opaque;
    platform_kicks[vcpu]++;
}

static int setup_platform(void **state)
{
    memset(platform_kicks, 0, sizeof(platform_kicks));
    fake_now = 1000000;
    struct platform *p = test_malloc(sizeof(*p));
    const struct platform_ops ops = {.kick = platform_kick, .tsc_to_ns = hook_tsc_to_ns};
    assert_int_equal(platform__init(p, 4, &ops, &fake, NULL), 0);
    for (unsigned i = 0; i < 4; i++) {
        struct lapic *l = platform__lapic(p, i);
        wr(l, SVR, 0x1ff);
        wr(l, DFR, 0xffffffff);
        wr(l, LDR, 1u << (24 + i)); /* flat logical: bit i */
    }
    *state = p;
    return 0;
}

static int teardown_platform(void **state)
{
    platform__destroy(*state);
    test_free(*state);
    return 0;
}

static void icr(struct lapic *l, uint32_t hi, uint32_t lo)
{
    wr(l, ICR2, hi);
    wr(l, ICR, lo);
}

static void ipi_routing(void **state)
{
    struct platform *p = *state;
    struct lapic *bsp = platform__lapic(p, 0);

    icr(bsp, 1u << 24, 0x4031); /* physical, fixed, to APIC 1 */
    assert_true(vec_in(platform__lapic(p, 1), IRR, 0x31));
    assert_int_equal(platform_kicks[1], 1);
    assert_int_equal(platform_kicks[0] + platform_kicks[2] + platform_kicks[3], 0);
    assert_int_equal(platform__ack_interrupt(p, 1), 0x31);
    assert_true(vec_in(platform__lapic(p, 1), ISR, 0x31));

    icr(bsp, 0x06u << 24, 0x4832); /* logical flat 0x06: APICs 1 and 2 */
    assert_false(vec_in(platform__lapic(p, 0), IRR, 0x32));
    assert_true(vec_in(platform__lapic(p, 1), IRR, 0x32));
    assert_true(vec_in(platform__lapic(p, 2), IRR, 0x32));
    assert_false(vec_in(platform__lapic(p, 3), IRR, 0x32));

    icr(bsp, 0, 0x44033); /* self */
    assert_true(vec_in(bsp, IRR, 0x33));
    assert_false(vec_in(platform__lapic(p, 1), IRR, 0x33));
    icr(bsp, 0, 0x84034); /* all including self */
    for (unsigned i = 0; i < 4; i++)
        assert_true(vec_in(platform__lapic(p, i), IRR, 0x34));
    icr(bsp, 0, 0xc4035); /* all but self */
    assert_false(vec_in(bsp, IRR, 0x35));
    for (unsigned i = 1; i < 4; i++)
        assert_true(vec_in(platform__lapic(p, i), IRR, 0x35));
    icr(bsp, 0xffu << 24, 0x4036); /* physical broadcast */
    for (unsigned i = 0; i < 4; i++)
        assert_true(vec_in(platform__lapic(p, i), IRR, 0x36));

    /* lowest priority: the matching APIC with the lowest PPR */
    wr(platform__lapic(p, 1), TPR, 0x40);
    wr(platform__lapic(p, 2), TPR, 0x10);
    wr(platform__lapic(p, 3), TPR, 0x20);
    icr(bsp, 0x0eu << 24, 0x4937);
    assert_false(vec_in(platform__lapic(p, 1), IRR, 0x37));
    assert_true(vec_in(platform__lapic(p, 2), IRR, 0x37));
    assert_false(vec_in(platform__lapic(p, 3), IRR, 0x37));

    /* cluster model: cluster in the high nibble, a member bit in the low one */
    const uint8_t cluster_ldr[4] = {0x01, 0x11, 0x21, 0x12};
    for (unsigned i = 0; i < 4; i++) {
        wr(platform__lapic(p, i), DFR, 0x0fffffff);
        wr(platform__lapic(p, i), LDR, (uint32_t)cluster_ldr[i] << 24);
    }
    icr(bsp, 0x12u << 24, 0x4838); /* cluster 1, member 1: APIC 3 */
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(vec_in(platform__lapic(p, i), IRR, 0x38), i == 3);
    icr(bsp, 0xf1u << 24, 0x4839); /* every cluster, member 0: APICs 0, 1, 2 */
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(vec_in(platform__lapic(p, i), IRR, 0x39), i != 3);
}

static void init_sipi_nmi(void **state)
{
    struct platform *p = *state;
    struct lapic *bsp = platform__lapic(p, 0), *ap = platform__lapic(p, 2);
    uint8_t vector;

    wr(ap, TPR, 0x30);
    icr(bsp, 2u << 24, 0xc500); /* INIT assert */
    assert_int_equal(lapic__events(ap), LAPIC_EVENT_INIT);
    assert_int_equal(platform_kicks[2], 1);
    icr(bsp, 2u << 24, 0x8500); /* INIT de-assert: nothing */
    assert_int_equal(lapic__events(ap), LAPIC_EVENT_INIT);
    assert_true(lapic__take_init(ap));
    assert_false(lapic__take_init(ap));
    assert_int_equal(lapic__events(ap), 0);
    assert_int_equal(rd(ap, TPR), 0); /* INIT reset the registers... */
    assert_int_equal(rd(ap, SVR), 0xff);
    assert_int_equal(rd(ap, ID), 2u << 24); /* ...but the id */

    icr(bsp, 2u << 24, 0x469a); /* startup, vector 0x9a */
    assert_int_equal(lapic__events(ap), LAPIC_EVENT_SIPI);
    assert_int_equal(platform_kicks[2], 2);
    assert_true(lapic__take_sipi(ap, &vector));
    assert_int_equal(vector, 0x9a);
    assert_false(lapic__take_sipi(ap, &vector));

    icr(bsp, 0, 0xc4400); /* NMI to all but self */
    for (unsigned i = 1; i < 4; i++)
        assert_true(lapic__events(platform__lapic(p, i)) & LAPIC_EVENT_NMI);
    assert_false(lapic__events(bsp) & LAPIC_EVENT_NMI);
    assert_true(lapic__take_nmi(platform__lapic(p, 1)));
    assert_false(lapic__events(platform__lapic(p, 1)) & LAPIC_EVENT_NMI);
}

static void extint_virtual_wire(void **state)
{
    struct platform *p = *state;
    struct lapic *bsp = platform__lapic(p, 0);
    /* program the PIC as Linux does: vectors 0x30/0x38, IRQ 4 unmasked */
    const uint8_t init[][2] = {{0x20, 0x11}, {0x21, 0x30}, {0x21, 0x04}, {0x21, 0x01},
                               {0xa0, 0x11}, {0xa1, 0x38}, {0xa1, 0x02}, {0xa1, 0x01},
                               {0x21, 0xef}, {0xa1, 0xff}};
    struct bus pio, mmio;
    bus__init(&pio, "pio", false);
    bus__init(&mmio, "mmio", true);
    assert_int_equal(platform__register(p, &pio, &mmio, NULL), 0);
    for (size_t i = 0; i < sizeof(init) / sizeof(init[0]); i++)
        bus__write(&pio, init[i][0], 1, init[i][1]);

    platform__set_irq(p, 4, true);
    assert_int_equal(lapic__events(bsp), LAPIC_EVENT_INTR);    /* LINT0 is ExtINT on the BSP */
    assert_int_equal(lapic__events(platform__lapic(p, 1)), 0); /* masked on the APs */
    assert_true(platform_kicks[0] >= 1);
    assert_int_equal(platform__ack_interrupt(p, 0), 0x34);
    assert_int_equal(lapic__events(bsp), 0);
    platform__set_irq(p, 4, false);

    /* Linux masks LINT0 once the IOAPIC is in use */
    wr(bsp, LVT0, 0x10700);
    platform__set_irq(p, 4, true);
    assert_int_equal(lapic__events(bsp), 0);
    bus__destroy(&pio);
    bus__destroy(&mmio);
}

static void ioapic_to_lapic(void **state)
{
    struct platform *p = *state;
    struct bus pio, mmio;
    bus__init(&pio, "pio", false);
    bus__init(&mmio, "mmio", true);
    assert_int_equal(platform__register(p, &pio, &mmio, NULL), 0);
    const uint64_t io = 0xfec00000;
    /* ISA IRQ 0 (GSI 0) is on pin 2: edge, vector 0x30, to APIC 3 */
    bus__write(&mmio, io, 4, 0x10 + 2 * 2 + 1);
    bus__write(&mmio, io + 0x10, 4, 3u << 24);
    bus__write(&mmio, io, 4, 0x10 + 2 * 2);
    bus__write(&mmio, io + 0x10, 4, 0x30);
    platform__set_irq(p, 0, true);
    platform__set_irq(p, 0, false);
    assert_true(vec_in(platform__lapic(p, 3), IRR, 0x30));
    assert_false(vec_in(platform__lapic(p, 0), IRR, 0x30));

    /* a level line on pin 9: EOI broadcast from the LAPIC re-sends it while held */
    bus__write(&mmio, io, 4, 0x10 + 2 * 9 + 1);
    bus__write(&mmio, io + 0x10, 4, 1u << 24);
    bus__write(&mmio, io, 4, 0x10 + 2 * 9);
    bus__write(&mmio, io + 0x10, 4, 0x8000 | 0x59);
    struct lapic *l1 = platform__lapic(p, 1);
    platform__set_irq(p, 9, true);
    assert_int_equal(platform__ack_interrupt(p, 1), 0x59);
    wr(l1, EOI, 0);
    assert_true(vec_in(l1, IRR, 0x59));
    assert_int_equal(platform__ack_interrupt(p, 1), 0x59);
    platform__set_irq(p, 9, false);
    wr(l1, EOI, 0);
    assert_false(vec_in(l1, IRR, 0x59));
    uint64_t rte;
    bus__read(&mmio, io + 0x10, 4, &rte);
    assert_int_equal(rte & 0x4000, 0); /* remote IRR clear */
    bus__destroy(&pio);
    bus__destroy(&mmio);
}

static void platform_timers(void **state)
{
    struct platform *p = *state;
    struct lapic *l = platform__lapic(p, 1);
    wr(l, TDCR, 0xb);
    wr(l, LVTT, 0x40);
    wr(l, TMICT, 5000);
    assert_int_equal(platform__next_deadline_ns(p, 1), fake_now + 5000);
    assert_int_equal(platform__next_deadline_ns(p, 0), PLATFORM_NO_DEADLINE);
    platform__poll_timers(p, 1, fake_now + 5000);
    assert_true(lapic__events(l) & LAPIC_EVENT_INTR);
    assert_int_equal(platform__ack_interrupt(p, 1), 0x40);
    assert_int_equal(platform__ack_interrupt(p, 1), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(power_on, setup, teardown),
        cmocka_unit_test_setup_teardown(priority_tpr_isr_eoi, setup, teardown),
        cmocka_unit_test_setup_teardown(level_eoi_broadcast, setup, teardown),
        cmocka_unit_test_setup_teardown(disabled_and_illegal, setup, teardown),
        cmocka_unit_test_setup_teardown(mmio_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(timer_one_shot, setup, teardown),
        cmocka_unit_test_setup_teardown(timer_periodic, setup, teardown),
        cmocka_unit_test_setup_teardown(timer_tsc_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(icr_encoding, setup, teardown),
        cmocka_unit_test_setup_teardown(x2apic_msrs, setup, teardown),
        cmocka_unit_test_setup_teardown(state_images, setup, teardown),
        cmocka_unit_test_setup_teardown(ipi_routing, setup_platform, teardown_platform),
        cmocka_unit_test_setup_teardown(init_sipi_nmi, setup_platform, teardown_platform),
        cmocka_unit_test_setup_teardown(extint_virtual_wire, setup_platform, teardown_platform),
        cmocka_unit_test_setup_teardown(ioapic_to_lapic, setup_platform, teardown_platform),
        cmocka_unit_test_setup_teardown(platform_timers, setup_platform, teardown_platform),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
