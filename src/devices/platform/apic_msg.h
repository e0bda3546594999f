/* SPDX-License-Identifier: Apache-2.0 */
/*
 * apic_msg.h - an interrupt message on the APIC bus: what a local APIC's ICR
 * write or an IOAPIC redirection entry sends to the local APICs (Intel SDM
 * vol. 3A, APIC chapter: "Interrupt Command Register", "Determining IPI
 * Destination"; 82093AA IOAPIC datasheet, "I/O Redirection Table Registers").
 */
#ifndef STRATA_DEVICES_PLATFORM_APIC_MSG_H
#define STRATA_DEVICES_PLATFORM_APIC_MSG_H

#include <stdbool.h>
#include <stdint.h>

/* Delivery mode, the 3-bit field of the ICR and of a redirection entry. */
enum apic_delivery {
    APIC_DM_FIXED = 0,
    APIC_DM_LOWEST = 1,
    APIC_DM_SMI = 2,
    APIC_DM_NMI = 4,
    APIC_DM_INIT = 5,
    APIC_DM_STARTUP = 6,
    APIC_DM_EXTINT = 7,
};

/* Destination shorthand, ICR bits 19:18. */
enum apic_shorthand {
    APIC_DEST_FIELD = 0, /* use dest and logical */
    APIC_DEST_SELF = 1,
    APIC_DEST_ALL = 2,
    APIC_DEST_OTHERS = 3, /* all but self */
};

struct apic_msg {
    uint32_t dest; /* APIC id (physical) or logical destination mask */
    uint8_t vector;
    uint8_t delivery;  /* enum apic_delivery */
    uint8_t shorthand; /* enum apic_shorthand */
    bool logical;      /* destination mode: logical rather than physical */
    bool level;        /* trigger mode: level rather than edge */
    bool assert;       /* level: assert (an INIT with level and !assert is INIT de-assert) */
    bool x2apic;       /* dest has the 32-bit x2APIC format (broadcast 0xffffffff), else 8 bits */
};

#endif
