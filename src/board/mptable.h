/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mptable.h - the MP configuration tables (Intel MultiProcessor Specification
 * 1.4, chapter 4) that tell a guest without ACPI how many CPUs it has and how
 * the ISA interrupts reach the IOAPIC.
 *
 * Written at LAYOUT_EBDA (the last KiB of base memory, where the spec and
 * Linux's mpparse.c look for the floating pointer): the 16-byte floating
 * pointer, then the configuration table with one processor entry per vCPU
 * (APIC id = vCPU index, the BSP is vCPU 0), the ISA bus, the IOAPIC (id =
 * ncpus) and the interrupt assignments.
 */
#ifndef STRATA_BOARD_MPTABLE_H
#define STRATA_BOARD_MPTABLE_H

#include <stdint.h>

#include "board/slots.h"
#include "devices/platform/ioapic.h"
#include "machine/memory.h"
#include "util/err.h"

/* Floating pointer structure (MP spec 4.1) */
struct mpf_intel {
    char signature[4]; /* "_MP_" */
    uint32_t physptr;  /* address of the configuration table */
    uint8_t length;    /* in 16-byte units: 1 */
    uint8_t specification;
    uint8_t checksum;
    uint8_t feature1; /* 0: a configuration table is present */
    uint8_t feature2;
    uint8_t feature3;
    uint8_t feature4;
    uint8_t feature5;
} __attribute__((packed));

/* Configuration table header (MP spec 4.2) */
struct mpc_table {
    char signature[4]; /* "PCMP" */
    uint16_t length;   /* base table length, header included */
    uint8_t spec;
    uint8_t checksum;
    char oem[8];
    char productid[12];
    uint32_t oemptr;
    uint16_t oemsize;
    uint16_t oemcount; /* number of entries */
    uint32_t lapic;    /* local APIC address */
    uint16_t ext_length;
    uint8_t ext_checksum;
    uint8_t reserved;
} __attribute__((packed));

enum mp_entry_type {
    MP_PROCESSOR = 0,
    MP_BUS = 1,
    MP_IOAPIC = 2,
    MP_INTSRC = 3,
    MP_LINTSRC = 4,
};

/* Processor entry (MP spec 4.3.1) */
struct mpc_cpu {
    uint8_t type;
    uint8_t apicid;
    uint8_t apicver;
    uint8_t cpuflag; /* MPC_CPU_* */
    uint32_t cpufeature;
    uint32_t featureflag;
    uint32_t reserved[2];
} __attribute__((packed));

#define MPC_CPU_ENABLED       0x01
#define MPC_CPU_BOOTPROCESSOR 0x02

/* Bus entry (MP spec 4.3.2) */
struct mpc_bus {
    uint8_t type;
    uint8_t busid;
    char bustype[6];
} __attribute__((packed));

/* I/O APIC entry (MP spec 4.3.3) */
struct mpc_ioapic {
    uint8_t type;
    uint8_t apicid;
    uint8_t apicver;
    uint8_t flags; /* bit 0: usable */
    uint32_t apicaddr;
} __attribute__((packed));

/* I/O and local interrupt assignment entries (MP spec 4.3.4, 4.3.5) */
struct mpc_intsrc {
    uint8_t type;
    uint8_t irqtype;  /* MP_IRQ_* */
    uint16_t irqflag; /* polarity and trigger; 0 = conforms to the bus */
    uint8_t srcbus;
    uint8_t srcbusirq;
    uint8_t dstapic; /* 0xff on a local entry: every local APIC */
    uint8_t dstirq;  /* IOAPIC pin, or LINTn */
} __attribute__((packed));

enum mp_irq_type {
    MP_IRQ_INT = 0,
    MP_IRQ_NMI = 1,
    MP_IRQ_SMI = 2,
    MP_IRQ_EXTINT = 3,
};

#define MPTABLE_ISA_BUS_ID     0
#define MPTABLE_APIC_VERSION   0x14 /* integrated local APIC */
#define MPTABLE_IOAPIC_VERSION 0x11
/* IOAPIC pin of ISA IRQ n: n, except the timer (devices/platform/ioapic.h) */
#define MPTABLE_ISA_IRQ0_PIN   IOAPIC_ISA_IRQ0_PIN

/* The most vCPUs whose entries fit in the EBDA next to the rest of the table. */
#define MPTABLE_MAX_CPUS 40

/*
 * Writes the floating pointer and the table for ncpus CPUs at LAYOUT_EBDA.
 * The interrupt entries route the ISA bus: every ISA IRQ but the cascade to
 * the IOAPIC pin of the same number, IRQ 0 to pin 2. Every GSI a slot of
 * `slots` (NULL: none) uses must be one of them (room in the EBDA is for
 * these entries and MPTABLE_MAX_CPUS processors); another is an error.
 */
int mptable__write(const struct guest_memory *mem, unsigned ncpus, const struct board_slots *slots,
                   struct err *err);

#endif
