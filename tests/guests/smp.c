// SPDX-License-Identifier: Apache-2.0
/*
 * smp.c - brings up every other CPU listed in the MP table and has each one
 * print its APIC id (Intel SDM vol. 3A, 9.4 "Multiple-processor (MP)
 * initialization"; MP Spec 1.4, appendix B.4 "Application processor
 * startup").
 *
 * The BSP copies the trampoline (smp_trampoline.S) below 1 MiB and starts
 * the APs one at a time with INIT, STARTUP, STARTUP: for each it fills the
 * trampoline's data block (page tables, EFER, a stack, its CPU index), sends
 * the IPIs and waits until the AP has printed its line and checked in. The
 * AP then parks with interrupts off. With one CPU the BSP prints its own
 * line and exits 0; if an AP does not come up in time, it exits 1.
 */
#include <stdbool.h>
#include <stdint.h>

#include "runtime/exitdev.h"
#include "runtime/lapic.h"
#include "runtime/mptable.h"
#include "runtime/serial.h"
#include "runtime/spinlock.h"
#include "runtime/trap.h"
#include "runtime/x86.h"
#include "smp_trampoline.h"

#define MAX_CPUS        16
#define AP_STACK_SIZE   8192
#define SPURIOUS_VECTOR 0xff

/*
 * Delays in TSC cycles, long enough at TSC rates up to 4 GHz: 10 ms after
 * INIT and 200 us after each STARTUP (SDM vol. 3A, 9.4.4.1), and up to
 * several seconds for an AP to check in.
 */
#define INIT_DELAY_CYCLES      40000000ull
#define STARTUP_DELAY_CYCLES   800000ull
#define CHECKIN_TIMEOUT_CYCLES 10000000000ull

static uint8_t ap_stacks[MAX_CPUS][AP_STACK_SIZE] __attribute__((aligned(16)));
static struct spinlock print_lock;
static uint32_t cpus_online;

static void print_online(uint32_t index)
{
    spin_lock(&print_lock);
    serial__printf("cpu %u online, apic id %u\n", index, lapic__id());
    spin_unlock(&print_lock);
}

/* 64-bit entry of an AP, called by the trampoline on its own stack. */
static void __attribute__((noreturn)) ap_main(uint32_t index)
{
    trap__load();
    print_online(index);
    __atomic_fetch_add(&cpus_online, 1, __ATOMIC_RELEASE);
    for (;;) {
        irq_disable();
        halt();
    }
}

static void delay_cycles(uint64_t cycles)
{
    uint64_t end = rdtsc() + cycles;

    while (rdtsc() < end)
        cpu_relax();
}

static bool wait_online(uint32_t count, uint64_t cycles)
{
    uint64_t end = rdtsc() + cycles;

    while (__atomic_load_n(&cpus_online, __ATOMIC_ACQUIRE) < count) {
        if (rdtsc() > end)
            return false;
        cpu_relax();
    }
    return true;
}

static void install_trampoline(void)
{
    char *dst = (char *)SMP_TRAMPOLINE_BASE;

    for (const char *src = smp_trampoline_start; src < smp_trampoline_end; src++)
        *dst++ = *src;
}

static struct smp_trampoline_data *trampoline_data(void)
{
    return (struct smp_trampoline_data *)(SMP_TRAMPOLINE_BASE +
                                          (smp_trampoline_data - smp_trampoline_start));
}

/* Starts one AP and waits until it checks in; false if it does not. */
static bool start_ap(const struct mp_cpu *cpu, uint32_t index)
{
    struct smp_trampoline_data *data = trampoline_data();
    uint32_t online = __atomic_load_n(&cpus_online, __ATOMIC_ACQUIRE);

    data->stack = (uint64_t)(ap_stacks[index] + AP_STACK_SIZE);
    data->cpu_index = index;
    /* The AP reads the data block only after the IPIs below. */
    __asm__ volatile("" : : : "memory");

    lapic__send_ipi(cpu->apic_id, LAPIC_ICR_INIT | LAPIC_ICR_LEVEL_ASSERT);
    delay_cycles(INIT_DELAY_CYCLES);
    for (int i = 0; i < 2; i++) {
        lapic__send_ipi(cpu->apic_id,
                        LAPIC_ICR_STARTUP | LAPIC_ICR_LEVEL_ASSERT | (SMP_TRAMPOLINE_BASE >> 12));
        delay_cycles(STARTUP_DELAY_CYCLES);
    }
    return wait_online(online + 1, CHECKIN_TIMEOUT_CYCLES);
}

int main(void)
{
    struct mp_cpu cpus[MAX_CPUS];
    int ncpus = mptable__cpus(cpus, MAX_CPUS);

    if (ncpus < 0)
        return EXIT_FAILURE;
    trap__init();
    lapic__enable(SPURIOUS_VECTOR);

    uint8_t bsp_id = lapic__id();
    serial__printf("smp: %d cpus in the MP table, bsp apic id %u\n", ncpus, bsp_id);
    print_online(0);
    cpus_online = 1;

    install_trampoline();
    struct smp_trampoline_data *data = trampoline_data();
    data->cr3 = read_cr3();
    data->efer = rdmsr(MSR_EFER) & ~EFER_LMA;
    data->entry = (uint64_t)ap_main;

    uint32_t index = 1;
    for (int i = 0; i < ncpus; i++) {
        if (cpus[i].apic_id == bsp_id)
            continue;
        if (!start_ap(&cpus[i], index)) {
            spin_lock(&print_lock);
            serial__printf("smp: FAILED, cpu %u (apic id %u) did not come online\n", index,
                           cpus[i].apic_id);
            exitdev__exit(EXIT_FAILURE);
        }
        index++;
    }
    spin_lock(&print_lock);
    serial__printf("smp: all %u cpus online\n", index);
    return EXIT_OK;
}
