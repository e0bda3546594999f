/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lapic.h - the local APIC in xAPIC mode at its default base 0xfee00000
 * (Intel SDM vol. 3A, chapter 11 "Advanced programmable interrupt
 * controller (APIC)"): register offsets, enabling, EOI and IPIs.
 */
#ifndef GUEST_LAPIC_H
#define GUEST_LAPIC_H

#include <stdint.h>

/* Register offsets (SDM vol. 3A, table 11-1) */
#define LAPIC_ID            0x020
#define LAPIC_EOI           0x0b0
#define LAPIC_SVR           0x0f0 /* spurious-interrupt vector register */
#define LAPIC_ICR_LOW       0x300
#define LAPIC_ICR_HIGH      0x310
#define LAPIC_LVT_TIMER     0x320
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE  0x3e0

#define LAPIC_LVT_MASKED         (1u << 16)
#define LAPIC_LVT_TIMER_PERIODIC (1u << 17)
#define LAPIC_TIMER_DIVIDE_BY_16 0x3

/* ICR low word (SDM vol. 3A, 11.6.1) */
#define LAPIC_ICR_INIT         (5u << 8)
#define LAPIC_ICR_STARTUP      (6u << 8)
#define LAPIC_ICR_LEVEL_ASSERT (1u << 14)
#define LAPIC_ICR_SEND_PENDING (1u << 12)

uint32_t lapic__read(uint32_t reg);
void lapic__write(uint32_t reg, uint32_t value);
/* This CPU's APIC id. */
uint8_t lapic__id(void);
/* Software-enables the APIC with the given spurious-interrupt vector. */
void lapic__enable(uint8_t spurious_vector);
void lapic__eoi(void);
/* Sends an IPI (ICR low word `command`) to one APIC and waits until it is sent. */
void lapic__send_ipi(uint8_t apic_id, uint32_t command);

#endif
