// SPDX-License-Identifier: Apache-2.0
/*
 * lapic.c - local APIC access through its MMIO page (Intel SDM vol. 3A,
 * 11.4.1 "The local APIC block diagram": 32-bit registers, 16-byte aligned,
 * accessed with aligned 32-bit loads and stores).
 */
#include "lapic.h"

#include "x86.h"

#define LAPIC_BASE       0xfee00000ul
#define LAPIC_SVR_ENABLE (1u << 8)

uint32_t lapic__read(uint32_t reg)
{
    return *(volatile uint32_t *)(LAPIC_BASE + reg);
}

void lapic__write(uint32_t reg, uint32_t value)
{
    *(volatile uint32_t *)(LAPIC_BASE + reg) = value;
}

uint8_t lapic__id(void)
{
    return (uint8_t)(lapic__read(LAPIC_ID) >> 24);
}

void lapic__enable(uint8_t spurious_vector)
{
    lapic__write(LAPIC_SVR, LAPIC_SVR_ENABLE | spurious_vector);
}

void lapic__eoi(void)
{
    lapic__write(LAPIC_EOI, 0);
}

void lapic__send_ipi(uint8_t apic_id, uint32_t command)
{
    lapic__write(LAPIC_ICR_HIGH, (uint32_t)apic_id << 24);
    lapic__write(LAPIC_ICR_LOW, command);
    while (lapic__read(LAPIC_ICR_LOW) & LAPIC_ICR_SEND_PENDING)
        cpu_relax();
}
