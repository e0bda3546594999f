/* SPDX-License-Identifier: Apache-2.0 */
/*
 * madt.h - the Multiple APIC Description Table (ACPI 6.5, 5.2.12): the
 * interrupt controllers of a Strata machine, which is how an ACPI kernel
 * learns how many CPUs there are (Linux: "ACPI: Using ACPI (MADT) for SMP
 * configuration information").
 *
 * The same machine the MP table describes (mptable.h): one local APIC per
 * vCPU (APIC id = vCPU index, all enabled), one IOAPIC with id = ncpus and
 * GSI base 0, ISA IRQ 0 (the PIT) on GSI 2 as on a PC, NMI on LINT1 of
 * every local APIC, and PC-AT compatible 8259s.
 */
#ifndef STRATA_BOARD_ACPI_MADT_H
#define STRATA_BOARD_ACPI_MADT_H

#include <stddef.h>
#include <stdint.h>

#include "board/acpi/tables.h"

struct acpi_madt {
    struct acpi_table_header header;
    uint32_t lapic_address;
    uint32_t flags; /* MADT_PCAT_COMPAT */
} __attribute__((packed));

#define MADT_PCAT_COMPAT 0x1 /* the machine also has dual 8259s */

/* Interrupt controller structure types (5.2.12, table 5.21) */
enum madt_entry_type {
    MADT_LOCAL_APIC = 0,
    MADT_IO_APIC = 1,
    MADT_INTERRUPT_OVERRIDE = 2,
    MADT_LOCAL_APIC_NMI = 4,
};

/* Processor Local APIC (5.2.12.2) */
struct madt_local_apic {
    uint8_t type;
    uint8_t length;
    uint8_t processor_uid;
    uint8_t apic_id;
    uint32_t flags; /* MADT_LAPIC_ENABLED */
} __attribute__((packed));

#define MADT_LAPIC_ENABLED 0x1

/* I/O APIC (5.2.12.3) */
struct madt_io_apic {
    uint8_t type;
    uint8_t length;
    uint8_t io_apic_id;
    uint8_t reserved;
    uint32_t address;
    uint32_t gsi_base;
} __attribute__((packed));

/* Interrupt Source Override (5.2.12.5) */
struct madt_interrupt_override {
    uint8_t type;
    uint8_t length;
    uint8_t bus;    /* 0: ISA */
    uint8_t source; /* bus-relative IRQ */
    uint32_t gsi;
    uint16_t flags; /* MPS INTI flags, MADT_INTI_* */
} __attribute__((packed));

/* Local APIC NMI (5.2.12.7) */
struct madt_local_apic_nmi {
    uint8_t type;
    uint8_t length;
    uint8_t processor_uid; /* MADT_ALL_PROCESSORS: every one */
    uint16_t flags;        /* MPS INTI flags */
    uint8_t lint;          /* LINT0 or LINT1 */
} __attribute__((packed));

#define MADT_ALL_PROCESSORS 0xff

/* MPS INTI flags (5.2.12.5, table 5.26): polarity in bits 0-1, trigger mode in bits 2-3 */
#define MADT_INTI_ACTIVE_HIGH 0x1
#define MADT_INTI_EDGE        0x4

/* APIC ids 0..ncpus-1 and the IOAPIC's id ncpus stay below 0xff, the broadcast id. */
#define MADT_MAX_CPUS 254

/* Bytes the MADT for ncpus CPUs takes. */
size_t madt__size(unsigned ncpus);

/* Writes the complete MADT for ncpus (1..MADT_MAX_CPUS) CPUs into dst (madt__size bytes). */
void madt__build(void *dst, unsigned ncpus);

#endif
