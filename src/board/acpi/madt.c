// SPDX-License-Identifier: Apache-2.0
/*
 * madt.c - the Multiple APIC Description Table (ACPI 6.5, 5.2.12; see
 * madt.h).
 *
 * Entries in the order firmware lists them and Linux's acpi/boot.c parses
 * them: local APICs (the first one is the boot CPU), the IOAPIC, interrupt
 * source overrides, local APIC NMI. ISA IRQs without an override reach the
 * IOAPIC pin of their number (5.2.13, "Global System Interrupts").
 */
#include "board/acpi/madt.h"

#include <string.h>

#include "board/layout.h"
#include "board/mptable.h"

#define MADT_REVISION 5 /* ACPI 6.3 and later */
#define ISA_BUS       0
#define PIT_ISA_IRQ   0
#define NMI_LINT      1

size_t madt__size(unsigned ncpus)
{
    return sizeof(struct acpi_madt) + ncpus * sizeof(struct madt_local_apic) +
           sizeof(struct madt_io_apic) + sizeof(struct madt_interrupt_override) +
           sizeof(struct madt_local_apic_nmi);
}

static uint8_t *put(uint8_t *p, const void *entry, size_t size)
{
    memcpy(p, entry, size);
    return p + size;
}

void madt__build(void *dst, unsigned ncpus)
{
    struct acpi_madt madt = {
        .lapic_address = (uint32_t)LAYOUT_LAPIC_BASE,
        .flags = MADT_PCAT_COMPAT,
    };
    acpi__init_header(&madt.header, "APIC", (uint32_t)madt__size(ncpus), MADT_REVISION);
    uint8_t *p = put(dst, &madt, sizeof(madt));

    for (unsigned i = 0; i < ncpus; i++) {
        struct madt_local_apic lapic = {
            .type = MADT_LOCAL_APIC,
            .length = sizeof(lapic),
            .processor_uid = (uint8_t)i,
            .apic_id = (uint8_t)i,
            .flags = MADT_LAPIC_ENABLED,
        };
        p = put(p, &lapic, sizeof(lapic));
    }
    struct madt_io_apic ioapic = {
        .type = MADT_IO_APIC,
        .length = sizeof(ioapic),
        .io_apic_id = (uint8_t)ncpus, /* as in the MP table */
        .address = (uint32_t)LAYOUT_IOAPIC_BASE,
        .gsi_base = 0,
    };
    p = put(p, &ioapic, sizeof(ioapic));
    struct madt_interrupt_override pit = {
        .type = MADT_INTERRUPT_OVERRIDE,
        .length = sizeof(pit),
        .bus = ISA_BUS,
        .source = PIT_ISA_IRQ,
        .gsi = MPTABLE_ISA_IRQ0_PIN,
        .flags = MADT_INTI_ACTIVE_HIGH | MADT_INTI_EDGE,
    };
    p = put(p, &pit, sizeof(pit));
    struct madt_local_apic_nmi nmi = {
        .type = MADT_LOCAL_APIC_NMI,
        .length = sizeof(nmi),
        .processor_uid = MADT_ALL_PROCESSORS,
        .flags = MADT_INTI_ACTIVE_HIGH | MADT_INTI_EDGE,
        .lint = NMI_LINT,
    };
    put(p, &nmi, sizeof(nmi));
    acpi__finish_table(dst);
}
