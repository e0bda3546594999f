// SPDX-License-Identifier: Apache-2.0
/*
 * timer.c - takes interrupts from the local APIC timer in periodic mode
 * (Intel SDM vol. 3A, 11.5.4 "APIC timer").
 *
 * Enables the APIC through the spurious-interrupt vector register, programs
 * the divide configuration, the LVT timer entry (vector, periodic) and the
 * initial count, then waits with STI; HLT until TIMER_TICKS interrupts
 * have arrived, sending an EOI for each. A watchdog on the TSC turns "no
 * interrupt ever comes" into exit status 1: the guest spins (without HLT)
 * until the first interrupt or the deadline, and checks the deadline again
 * after every wake-up.
 */
#include <stdbool.h>
#include <stdint.h>

#include "runtime/exitdev.h"
#include "runtime/lapic.h"
#include "runtime/serial.h"
#include "runtime/trap.h"
#include "runtime/x86.h"

#define TIMER_VECTOR        0x40
#define SPURIOUS_VECTOR     0xff
#define TIMER_TICKS         10
/* 100000 bus cycles / 16: 1.6 ms per tick with KVM's 1 GHz APIC bus clock. */
#define TIMER_INITIAL_COUNT 100000
/* Several seconds at any TSC rate of 1 GHz or more; the runs' --timeout bounds the rest. */
#define WATCHDOG_TSC_CYCLES 10000000000ull

/* The legacy 8259 pair's data ports (interrupt mask registers) */
#define PIC_MASTER_IMR 0x21
#define PIC_SLAVE_IMR  0xa1

static volatile uint32_t ticks;
static volatile uint32_t spurious;

static void on_timer(struct trap_frame *frame)
{
    (void)frame;
    ticks++;
    lapic__eoi();
}

/* A spurious interrupt is legal and gets no EOI (SDM vol. 3A, 11.9). */
static void on_spurious(struct trap_frame *frame)
{
    (void)frame;
    spurious++;
}

static void __attribute__((noreturn)) watchdog_expired(const char *what)
{
    irq_disable();
    serial__printf("timer: FAILED, %s (%u interrupts counted)\n", what, ticks);
    exitdev__exit(EXIT_FAILURE);
}

/* Only the local APIC timer may interrupt: mask everything a firmware may have left on. */
static void mask_legacy_pic(void)
{
    outb(PIC_MASTER_IMR, 0xff);
    outb(PIC_SLAVE_IMR, 0xff);
}

int main(void)
{
    trap__init();
    mask_legacy_pic();
    trap__set_handler(TIMER_VECTOR, on_timer);
    trap__set_handler(SPURIOUS_VECTOR, on_spurious);

    lapic__enable(SPURIOUS_VECTOR);
    lapic__write(LAPIC_TIMER_DIVIDE, LAPIC_TIMER_DIVIDE_BY_16);
    lapic__write(LAPIC_LVT_TIMER, TIMER_VECTOR | LAPIC_LVT_TIMER_PERIODIC);
    lapic__write(LAPIC_TIMER_INITIAL, TIMER_INITIAL_COUNT);
    uint64_t deadline = rdtsc() + WATCHDOG_TSC_CYCLES;

    irq_enable();
    while (ticks == 0) {
        if (rdtsc() > deadline)
            watchdog_expired("no timer interrupt arrived");
        cpu_relax();
    }
    while (ticks < TIMER_TICKS) {
        irq_enable_and_halt();
        if (rdtsc() > deadline)
            watchdog_expired("the timer stopped firing");
    }
    irq_disable();
    lapic__write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);

    serial__printf("timer: %u interrupts counted (%u spurious)\n", ticks, spurious);
    return EXIT_OK;
}
