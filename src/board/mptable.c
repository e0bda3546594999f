// SPDX-License-Identifier: Apache-2.0
/*
 * mptable.c - MP floating pointer and configuration table (Intel
 * MultiProcessor Specification 1.4, chapter 4; see mptable.h).
 *
 * The table is assembled in a host buffer, checksummed (every byte of a
 * structure sums to zero, MP spec 4.1 and 4.2) and copied to guest RAM.
 * Interrupt routing is that of a PC: ISA IRQs 0-15 go to the IOAPIC pin of
 * the same number, except IRQ 0 (the PIT) on pin 2 and IRQ 2 (the cascade of
 * the two 8259s) absent; LINT0 of every local APIC takes ExtINT (the 8259 in
 * virtual wire mode), LINT1 takes NMI.
 */
#include "board/mptable.h"

#include <stddef.h>
#include <string.h>

#include "board/layout.h"

#define MP_SPEC_REVISION 4 /* 1.4 */
#define ISA_IRQS         16
#define ISA_CASCADE_IRQ  2
#define CPU_SIGNATURE    0x600 /* family 6, model 0, stepping 0 */
#define CPU_FEATURE_FPU  (1u << 0)
#define CPU_FEATURE_APIC (1u << 9)
#define LOCAL_APIC_ALL   0xff

#define MPTABLE_SIZE(ncpus)                                                                   \
    (sizeof(struct mpf_intel) + sizeof(struct mpc_table) + (ncpus) * sizeof(struct mpc_cpu) + \
     sizeof(struct mpc_bus) + sizeof(struct mpc_ioapic) +                                     \
     (ISA_IRQS - 1) * sizeof(struct mpc_intsrc) + 2 * sizeof(struct mpc_intsrc))

_Static_assert(MPTABLE_SIZE(MPTABLE_MAX_CPUS) <= LAYOUT_EBDA_END - LAYOUT_EBDA,
               "the MP table for MPTABLE_MAX_CPUS must fit in the EBDA");

static uint8_t checksum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += b[i];
    return (uint8_t)-sum;
}

struct table_writer {
    uint8_t *buf;
    size_t pos;
    uint16_t entries;
};

static void put(struct table_writer *w, const void *entry, size_t size)
{
    memcpy(w->buf + w->pos, entry, size);
    w->pos += size;
    w->entries++;
}

static void put_cpus(struct table_writer *w, unsigned ncpus)
{
    for (unsigned i = 0; i < ncpus; i++) {
        struct mpc_cpu cpu = {
            .type = MP_PROCESSOR,
            .apicid = (uint8_t)i,
            .apicver = MPTABLE_APIC_VERSION,
            .cpuflag = MPC_CPU_ENABLED | (i == 0 ? MPC_CPU_BOOTPROCESSOR : 0),
            .cpufeature = CPU_SIGNATURE,
            .featureflag = CPU_FEATURE_FPU | CPU_FEATURE_APIC,
        };
        put(w, &cpu, sizeof(cpu));
    }
}

static void put_interrupts(struct table_writer *w, uint8_t ioapic_id)
{
    for (unsigned irq = 0; irq < ISA_IRQS; irq++) {
        if (irq == ISA_CASCADE_IRQ)
            continue;
        struct mpc_intsrc src = {
            .type = MP_INTSRC,
            .irqtype = MP_IRQ_INT,
            .srcbus = MPTABLE_ISA_BUS_ID,
            .srcbusirq = (uint8_t)irq,
            .dstapic = ioapic_id,
            .dstirq = (uint8_t)(irq == 0 ? MPTABLE_ISA_IRQ0_PIN : irq),
        };
        put(w, &src, sizeof(src));
    }
    struct mpc_intsrc lint[2] = {
        {.type = MP_LINTSRC,
         .irqtype = MP_IRQ_EXTINT,
         .srcbus = MPTABLE_ISA_BUS_ID,
         .dstapic = LOCAL_APIC_ALL,
         .dstirq = 0},
        {.type = MP_LINTSRC,
         .irqtype = MP_IRQ_NMI,
         .srcbus = MPTABLE_ISA_BUS_ID,
         .dstapic = LOCAL_APIC_ALL,
         .dstirq = 1},
    };
    put(w, &lint[0], sizeof(lint[0]));
    put(w, &lint[1], sizeof(lint[1]));
}

int mptable__write(const struct guest_memory *mem, unsigned ncpus, const struct board_slots *slots,
                   struct err *err)
{
    if (ncpus == 0 || ncpus > MPTABLE_MAX_CPUS)
        return err__set(err, "the mp table supports 1 to %u cpus, not %u", MPTABLE_MAX_CPUS, ncpus);
    for (unsigned i = 0; slots && i < slots->n; i++) {
        int gsi = slots->slot[i].gsi;
        if (gsi != SLOT_NO_GSI && (gsi >= ISA_IRQS || gsi == ISA_CASCADE_IRQ))
            return err__set(err, "the mp table routes ISA irqs only: %s is on gsi %d",
                            slots->slot[i].name, gsi);
    }
    uint8_t buf[MPTABLE_SIZE(MPTABLE_MAX_CPUS)] = {0};
    const uint64_t table_gpa = LAYOUT_EBDA + sizeof(struct mpf_intel);
    const uint8_t ioapic_id = (uint8_t)ncpus;

    /* entries first, then the header in front of them */
    struct table_writer w = {.buf = buf,
                             .pos = sizeof(struct mpf_intel) + sizeof(struct mpc_table)};
    put_cpus(&w, ncpus);
    struct mpc_bus bus = {.type = MP_BUS, .busid = MPTABLE_ISA_BUS_ID};
    memcpy(bus.bustype, "ISA   ", sizeof(bus.bustype));
    put(&w, &bus, sizeof(bus));
    struct mpc_ioapic ioapic = {
        .type = MP_IOAPIC,
        .apicid = ioapic_id,
        .apicver = MPTABLE_IOAPIC_VERSION,
        .flags = 1,
        .apicaddr = (uint32_t)LAYOUT_IOAPIC_BASE,
    };
    put(&w, &ioapic, sizeof(ioapic));
    put_interrupts(&w, ioapic_id);

    struct mpc_table table = {
        .length = (uint16_t)(w.pos - sizeof(struct mpf_intel)),
        .spec = MP_SPEC_REVISION,
        .oemcount = w.entries,
        .lapic = (uint32_t)LAYOUT_LAPIC_BASE,
    };
    memcpy(table.signature, "PCMP", 4);
    memcpy(table.oem, "STRATA  ", sizeof(table.oem));
    memcpy(table.productid, "VIRTUAL PC  ", sizeof(table.productid));
    memcpy(buf + sizeof(struct mpf_intel), &table, sizeof(table));
    buf[sizeof(struct mpf_intel) + offsetof(struct mpc_table, checksum)] =
        checksum(buf + sizeof(struct mpf_intel), table.length);

    struct mpf_intel mpf = {
        .physptr = (uint32_t)table_gpa,
        .length = 1,
        .specification = MP_SPEC_REVISION,
    };
    memcpy(mpf.signature, "_MP_", 4);
    mpf.checksum = checksum(&mpf, sizeof(mpf));
    memcpy(buf, &mpf, sizeof(mpf));

    if (guest_memory__write(mem, LAYOUT_EBDA, buf, w.pos))
        return err__set(err, "guest memory too small for the mp table at 0x%llx",
                        (unsigned long long)LAYOUT_EBDA);
    return 0;
}
