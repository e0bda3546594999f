// SPDX-License-Identifier: Apache-2.0
/*
 * test_mptable.c - unit tests for the MP table (src/board/mptable.c): found
 * where Linux's mpparse.c scans for it, checksums right, and the entries a
 * PC with N CPUs and one IOAPIC has.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "board/layout.h"
#include "board/mptable.h"
#include "boot_fixtures.h"

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s += p[i];
    return s;
}

/* As smp_scan_config() does: 16-byte steps over the last KiB of base memory. */
static const struct mpf_intel *find_floating_pointer(const struct guest_memory *mem)
{
    const uint8_t *base = guest_memory__hva(mem, 639 * 0x400, 0x400);
    assert_non_null(base);
    for (size_t off = 0; off < 0x400; off += 16) {
        const struct mpf_intel *mpf = (const void *)(base + off);
        if (!memcmp(mpf->signature, "_MP_", 4) && mpf->length == 1 &&
            sum(base + off, sizeof(*mpf)) == 0 &&
            (mpf->specification == 1 || mpf->specification == 4))
            return mpf;
    }
    return NULL;
}

struct parsed_table {
    unsigned cpus, bsps, buses, ioapics, intsrcs, lintsrcs;
    const struct mpc_cpu *cpu[MPTABLE_MAX_CPUS];
    const struct mpc_ioapic *ioapic;
    const struct mpc_intsrc *intsrc[16];
    const struct mpc_intsrc *lint[2];
};

static void parse(const struct guest_memory *mem, struct parsed_table *t)
{
    memset(t, 0, sizeof(*t));
    const struct mpf_intel *mpf = find_floating_pointer(mem);
    assert_non_null(mpf);
    assert_int_equal(mpf->feature1, 0); /* a table, not a default configuration */
    const struct mpc_table *mpc = guest_memory__hva(mem, mpf->physptr, sizeof(*mpc));
    assert_non_null(mpc);
    assert_memory_equal(mpc->signature, "PCMP", 4);
    assert_int_equal(mpc->spec, 4);
    assert_int_equal(mpc->lapic, LAYOUT_LAPIC_BASE);
    const uint8_t *p = guest_memory__hva(mem, mpf->physptr, mpc->length);
    assert_non_null(p);
    assert_int_equal(sum(p, mpc->length), 0);
    assert_true(mpf->physptr + mpc->length <= LAYOUT_EBDA_END);

    size_t off = sizeof(*mpc);
    for (unsigned i = 0; i < mpc->oemcount; i++) {
        assert_true(off < mpc->length);
        switch (p[off]) {
        case MP_PROCESSOR:
            t->cpu[t->cpus++] = (const void *)(p + off);
            t->bsps += !!(p[off + offsetof(struct mpc_cpu, cpuflag)] & MPC_CPU_BOOTPROCESSOR);
            off += sizeof(struct mpc_cpu);
            break;
        case MP_BUS:
            assert_memory_equal(((const struct mpc_bus *)(p + off))->bustype, "ISA   ", 6);
            t->buses++;
            off += sizeof(struct mpc_bus);
            break;
        case MP_IOAPIC:
            t->ioapic = (const void *)(p + off);
            t->ioapics++;
            off += sizeof(struct mpc_ioapic);
            break;
        case MP_INTSRC:
            assert_true(t->intsrcs < 16);
            t->intsrc[t->intsrcs++] = (const void *)(p + off);
            off += sizeof(struct mpc_intsrc);
            break;
        case MP_LINTSRC:
            assert_true(t->lintsrcs < 2);
            t->lint[t->lintsrcs++] = (const void *)(p + off);
            off += sizeof(struct mpc_intsrc);
            break;
        default: fail_msg("unknown entry type %u", p[off]);
        }
    }
    assert_int_equal(off, mpc->length);
}

static void check_table(unsigned ncpus)
{
    struct machine m;
    fixture_machine(&m, MIB(2), ncpus);
    struct err err;
    assert_int_equal(mptable__write(&m.mem, ncpus, NULL, &err), 0);
    struct parsed_table t;
    parse(&m.mem, &t);

    assert_int_equal(t.cpus, ncpus);
    assert_int_equal(t.bsps, 1);
    for (unsigned i = 0; i < ncpus; i++) {
        assert_int_equal(t.cpu[i]->apicid, i);
        assert_true(t.cpu[i]->cpuflag & MPC_CPU_ENABLED);
        assert_int_equal(!!(t.cpu[i]->cpuflag & MPC_CPU_BOOTPROCESSOR), i == 0);
        assert_true(t.cpu[i]->apicver >= 0x10); /* integrated APIC, not an 82489DX */
    }
    assert_int_equal(t.buses, 1);
    assert_int_equal(t.ioapics, 1);
    assert_int_equal(t.ioapic->apicid, ncpus);
    assert_int_equal(t.ioapic->apicaddr, LAYOUT_IOAPIC_BASE);
    assert_int_equal(t.ioapic->flags & 1, 1);

    /* ISA IRQs 0-15 but the cascade, IRQ 0 on pin 2, the others on their own pin */
    assert_int_equal(t.intsrcs, 15);
    for (unsigned i = 0; i < t.intsrcs; i++) {
        const struct mpc_intsrc *s = t.intsrc[i];
        assert_int_equal(s->irqtype, MP_IRQ_INT);
        assert_int_equal(s->dstapic, ncpus);
        assert_int_not_equal(s->srcbusirq, 2);
        assert_int_equal(s->dstirq, s->srcbusirq == 0 ? 2 : s->srcbusirq);
    }
    assert_int_equal(t.lintsrcs, 2);
    assert_int_equal(t.lint[0]->irqtype, MP_IRQ_EXTINT);
    assert_int_equal(t.lint[0]->dstirq, 0);
    assert_int_equal(t.lint[1]->irqtype, MP_IRQ_NMI);
    assert_int_equal(t.lint[1]->dstirq, 1);
    assert_int_equal(t.lint[1]->dstapic, 0xff);
    fixture_machine_destroy(&m);
}

static void one_cpu(void **state)
{
    (void)state;
    check_table(1);
}

static void four_cpus(void **state)
{
    (void)state;
    check_table(4);
}

static void most_cpus(void **state)
{
    (void)state;
    check_table(MPTABLE_MAX_CPUS);
}

static void bad_counts(void **state)
{
    (void)state;
    struct machine m;
    fixture_machine(&m, MIB(2), 1);
    struct err err;
    assert_int_equal(mptable__write(&m.mem, 0, NULL, &err), -1);
    assert_int_equal(mptable__write(&m.mem, MPTABLE_MAX_CPUS + 1, NULL, &err), -1);
    assert_string_equal(err.msg, "the mp table supports 1 to 40 cpus, not 41");
    fixture_machine_destroy(&m);

    fixture_machine(&m, KIB(512), 1); /* no RAM at the EBDA */
    assert_int_equal(mptable__write(&m.mem, 1, NULL, &err), -1);
    fixture_machine_destroy(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_cpu),
        cmocka_unit_test(four_cpus),
        cmocka_unit_test(most_cpus),
        cmocka_unit_test(bad_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
