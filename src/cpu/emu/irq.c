// SPDX-License-Identifier: Apache-2.0
/*
 * irq.c - the emu engine's side of the platform (docs/platform.md, "Interfaces
 * for the engine"): creating the interrupt controllers and timers, taking
 * INIT, SIPI, NMI and maskable interrupts between instructions (SDM vol. 3A,
 * 6.7, 6.8.3, 8.4.4 "MP Initialization Example"), the TSC-to-clock mapping
 * of the TSC-deadline timer, HLT and wait-for-SIPI sleeping on a condition
 * variable until the next timer deadline or a kick, the LAPIC MSRs and the
 * LAPIC part of struct cpu_state.
 */
#include "cpu/emu/irq.h"

#include <sys/prctl.h>

#include "cpu/emu/codeshare.h"
#include "cpu/emu/except.h"
#include "cpu/emu/mode.h"
#include "cpu/emu/msr.h"
#include "cpu/emu/raise.h"
#include "cpu/emu/state.h"
#include "cpu/emu/sysregs.h"
#include "cpu/emu/tlb.h"

static struct emu_cpu *cpu_of(struct machine *m, unsigned index)
{
    return index < m->ncpus ? m->vcpus[index].engine : NULL;
}

static void platform_kick(void *opaque, unsigned index)
{
    struct emu_cpu *cpu = cpu_of(opaque, index);
    if (cpu) /* NULL while the vCPUs are created: nothing sleeps yet */
        emu_irq_kick(cpu);
}

/* The inverse of emu_tsc(): TSC = host clock + offset, both in nanoseconds (1 GHz). */
static uint64_t platform_tsc_to_ns(void *opaque, unsigned index, uint64_t tsc)
{
    struct emu_cpu *cpu = cpu_of(opaque, index);
    int64_t ns = (int64_t)(tsc - (uint64_t)(cpu ? cpu->msr.tsc_offset : 0));
    return ns < 0 ? 0 : (uint64_t)ns; /* before the clock's epoch: already due */
}

int emu_irq_vm_init(struct machine *m, struct emu_vm *vm, struct err *err)
{
    const struct platform_ops ops = {
        .kick = platform_kick, .tsc_to_ns = platform_tsc_to_ns, .opaque = m};
    const struct platform_clock clock = {.now_ns = platform_clock__monotonic_ns};
    if (platform__init(&vm->platform, m->ncpus, &ops, &clock, err))
        return -1;
    if (platform__register(&vm->platform, &m->pio, &m->mmio, err)) {
        platform__destroy(&vm->platform);
        return -1;
    }
    return 0;
}

void emu_irq_vm_destroy(struct emu_vm *vm)
{
    platform__destroy(&vm->platform);
}

void emu_irq_vcpu_init(struct emu_cpu *cpu)
{
    struct emu_vm *vm = cpu->m->engine_data;
    cpu->platform = &vm->platform;
    cpu->lapic = platform__lapic(cpu->platform, cpu->vcpu->index);
    cpu->timer_countdown = EMU_TIMER_POLL_BLOCKS;
    emu_msr_refresh_apic_page(cpu);
}

void emu_irq_kick(struct emu_cpu *cpu)
{
    pthread_mutex_lock(&cpu->lock);
    pthread_cond_broadcast(&cpu->wake);
    pthread_mutex_unlock(&cpu->lock);
}

void emu_irq_poll_timers(struct emu_cpu *cpu)
{
    unsigned index = cpu->vcpu->index;
    uint64_t now = emu_host_ns();
    if (now >= platform__next_deadline_ns(cpu->platform, index))
        platform__poll_timers(cpu->platform, index, now);
}

/* An external event enters the guest through the IDT at the current RIP. */
static void deliver(struct emu_cpu *cpu, uint8_t vector)
{
    cpu->halted = false;
    if (emu_deliver_event(cpu, vector, EVENT_EXTERNAL, false, 0, RIP(cpu)) != EMU_JUMP)
        emu_deliver_exception(cpu); /* the delivery faulted: cpu->exc says how */
}

/* INIT: the processor's INIT state (SDM vol. 3A, table 9-1), then wait for a startup IPI. */
static void enter_init(struct emu_cpu *cpu)
{
    struct cpu_state st;
    cpu_state__reset(&st, cpu->vcpu->index, cpu->vcpu->index == 0);
    emu_state_set(cpu, &st); /* no MSRs in st: they, and the TSC, keep their values */
    cpu->nmi_blocked = false;
    cpu->wait_sipi = true;
    cpu->halted = true;
    emu_msr_refresh_apic_page(cpu);
}

/* SIPI: real mode at vector << 12 (CS = vector << 8, IP = 0). */
static void start_up(struct emu_cpu *cpu, uint8_t vector)
{
    cpu->seg[SEG_CS].selector = (uint16_t)(vector << 8);
    cpu->seg[SEG_CS].base = (uint64_t)vector << 12;
    RIP(cpu) = 0;
    cpu->wait_sipi = false;
    cpu->halted = false;
    emu_cpu_update_mode(cpu);
    emu_tlb_flush_all(cpu);
}

void emu_irq_service(struct emu_cpu *cpu)
{
    struct lapic *l = cpu->lapic;
    unsigned ev = lapic__events(l);
    if ((ev & LAPIC_EVENT_INIT) && lapic__take_init(l))
        enter_init(cpu);
    uint8_t sipi;
    if ((ev & LAPIC_EVENT_SIPI) && lapic__take_sipi(l, &sipi) && cpu->wait_sipi)
        start_up(cpu, sipi); /* a SIPI that finds the vCPU running is dropped */
    if (cpu->wait_sipi)
        return; /* NMI and INTR stay pending */
    if ((ev & LAPIC_EVENT_NMI) && !cpu->nmi_blocked && lapic__take_nmi(l)) {
        cpu->nmi_blocked = true; /* until the next IRET */
        deliver(cpu, EXC_NMI);
        return;
    }
    if ((ev & LAPIC_EVENT_INTR) && (cpu->rflags & FL_IF) && !cpu->irq_shadow) {
        int vector = platform__ack_interrupt(cpu->platform, cpu->vcpu->index);
        if (vector >= 0)
            deliver(cpu, (uint8_t)vector);
    }
}

/* Whether a halted vCPU has something to wake up for. */
static bool wakes(const struct emu_cpu *cpu)
{
    unsigned ev = lapic__events(cpu->lapic);
    if (cpu->wait_sipi)
        return ev & (LAPIC_EVENT_INIT | LAPIC_EVENT_SIPI);
    return (ev & LAPIC_EVENT_INIT) || ((ev & LAPIC_EVENT_NMI) && !cpu->nmi_blocked) ||
           ((ev & LAPIC_EVENT_INTR) && (cpu->rflags & FL_IF));
}

static struct timespec to_timespec(uint64_t ns)
{
    return (struct timespec){.tv_sec = (time_t)(ns / 1000000000u),
                             .tv_nsec = (long)(ns % 1000000000u)};
}

/*
 * The host's timer slack (50 us by default) would let every timed wait
 * below end that much after the guest's deadline: a vCPU thread asks for
 * the host clock's precision instead, once (the slack is per thread).
 */
static void tighten_timer_slack(void)
{
    static _Thread_local bool done;
    if (!done) {
        prctl(PR_SET_TIMERSLACK, 1ul, 0ul, 0ul, 0ul);
        done = true;
    }
}

void emu_irq_halt(struct emu_cpu *cpu)
{
    tighten_timer_slack();
    while (cpu->halted && !machine__stopping(cpu->m)) {
        emu_irq_poll_timers(cpu);
        if (wakes(cpu)) {
            emu_irq_service(cpu);
            continue;
        }
        uint64_t deadline = platform__next_deadline_ns(cpu->platform, cpu->vcpu->index);
        /* kicks take cpu->lock too: an event raised after the test above wakes the wait */
        pthread_mutex_lock(&cpu->lock);
        if (!wakes(cpu) && !machine__stopping(cpu->m)) {
            emu_codeshare_leave(cpu); /* asleep, it holds up no decoder (codeshare.h) */
            if (deadline == PLATFORM_NO_DEADLINE) {
                pthread_cond_wait(&cpu->wake, &cpu->lock);
            } else {
                /* a time-out or a wake-up: the loop looks again either way */
                struct timespec ts = to_timespec(deadline);
                pthread_cond_timedwait(&cpu->wake, &cpu->lock, &ts);
            }
        }
        pthread_mutex_unlock(&cpu->lock);
        emu_codeshare_enter(cpu); /* re-protects before it touches memory again */
    }
}

void emu_irq_get_state(struct emu_cpu *cpu, struct cpu_state *st)
{
    struct lapic *l = cpu->lapic;
    uint64_t deadline = 0;
    lapic__get_regs(l, &st->apic_base, st->lapic);
    st->cr8 = lapic__read_cr8(l);
    lapic__msr_read(l, MSR_IA32_TSC_DEADLINE, &deadline);
    cpu_state__set_msr(st, MSR_IA32_TSC_DEADLINE, deadline);
    st->nmi_pending = lapic__events(l) & LAPIC_EVENT_NMI;
    if (cpu->wait_sipi)
        st->mp_state = CPU_MP_WAIT_FOR_SIPI;
}

void emu_irq_set_state(struct emu_cpu *cpu, const struct cpu_state *st)
{
    struct lapic *l = cpu->lapic;
    /* TPR comes from the page, which wins over st->cr8 as KVM_SET_LAPIC does after SREGS */
    lapic__set_regs(l, st->apic_base, st->lapic);
    uint64_t deadline;
    if (cpu_state__get_msr(st, MSR_IA32_TSC_DEADLINE, &deadline))
        lapic__msr_write(l, MSR_IA32_TSC_DEADLINE, deadline);
    bool nmi = lapic__events(l) & LAPIC_EVENT_NMI;
    if (st->nmi_pending && !nmi)
        lapic__accept(l, &(struct apic_msg){.delivery = APIC_DM_NMI});
    else if (!st->nmi_pending && nmi)
        lapic__take_nmi(l);
    /* NMI blocking is not in struct cpu_state: it stays as it is */
    cpu->wait_sipi = st->mp_state == CPU_MP_WAIT_FOR_SIPI;
    cpu->halted = st->mp_state != CPU_MP_RUNNABLE;
    emu_msr_refresh_apic_page(cpu);
}
