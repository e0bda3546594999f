// SPDX-License-Identifier: Apache-2.0
/*
 * test_emu_irq.c - the emu engine with its interrupt controllers and timers
 * (src/cpu/emu/irq.c, docs/platform.md): the xAPIC page reached through
 * the MMU, the LAPIC timer in one-shot and TSC-deadline mode (the TSC
 * offset honoured), HLT sleeping instead of spinning, a device line
 * through the IOAPIC, CR8 as the TPR, the LAPIC and a pending NMI in the
 * vCPU state, IA32_APIC_BASE and the x2APIC MSRs,
 * the STI shadow, NMI blocking until IRET (SDM vol. 3A, 6.7.1), and INIT
 * and SIPI starting a second vCPU in real mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cpu/emu/cpu.h"
#include "cpu/emu/sysregs.h"
#include "devices/platform/lapic.h"
#include "emu_fixture.h"
#include "machine/layout.h"

/* Virtual pages the tests map onto the xAPIC and IOAPIC registers. */
#define APIC   0x1ff000u
#define IOAPIC 0x1fe000u

#define TIMER_VECTOR 0x40
#define IPI_VECTOR   0x41
#define DEVICE_GSI   4
#define DEVICE_VEC   0x44
#define AP_VECTOR    0x08 /* the AP starts at 0x8000 */

/* xAPIC registers (offsets in the page) */
#define APIC_TPR     0x80
#define APIC_SVR     0xf0
#define APIC_ISR     0x100
#define APIC_ICR_LO  0x300
#define APIC_ICR_HI  0x310
#define APIC_LVTT    0x320
#define APIC_TMICT   0x380
#define APIC_TDCR    0x3e0
#define SVR_ENABLED  0x1ff
#define ICR_SELF     (1u << 18)
#define ICR_NMI      (4u << 8)
#define ICR_INIT     (5u << 8)
#define ICR_STARTUP  (6u << 8)
#define ICR_ASSERT   (1u << 14)
#define LVT_DEADLINE (2u << 17)

/* A little x86-64 assembler: the instructions the tests need. */
struct code {
    uint8_t b[256];
    size_t n;
};

static void bytes(struct code *c, const uint8_t *b, size_t n)
{
    assert_true(c->n + n <= sizeof(c->b));
    memcpy(c->b + c->n, b, n);
    c->n += n;
}
#define EMIT(c, ...) \
    bytes(c, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static void imm32(struct code *c, uint32_t v)
{
    EMIT(c, (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24));
}

/* mov dword [addr], value */
static void store32(struct code *c, uint32_t addr, uint32_t value)
{
    EMIT(c, 0xc7, 0x04, 0x25);
    imm32(c, addr);
    imm32(c, value);
}

/* mov eax, dword [addr] */
static void load32(struct code *c, uint32_t addr)
{
    EMIT(c, 0x8b, 0x04, 0x25);
    imm32(c, addr);
}

/* mov r32, value (eax = 0, ecx = 1, edx = 2, ebx = 3) */
static void mov_imm(struct code *c, unsigned reg, uint32_t value)
{
    EMIT(c, (uint8_t)(0xb8 + reg));
    imm32(c, value);
}

static void wrmsr(struct code *c, uint32_t index, uint64_t value)
{
    mov_imm(c, 1, index);
    mov_imm(c, 0, (uint32_t)value);
    mov_imm(c, 2, (uint32_t)(value >> 32));
    EMIT(c, 0x0f, 0x30);
}

/* Places the code at gpa; returns the address just past it. */
static uint64_t place(struct emu_fixture *f, uint64_t gpa, const struct code *c)
{
    fix_code(f, gpa, c->b, c->n);
    return gpa + c->n;
}

static int setup(void **state)
{
    static struct emu_fixture f;
    fix_init(&f);
    *fix_pte(&f, APIC) = LAYOUT_LAPIC_BASE | PTE_P | PTE_W;
    *fix_pte(&f, IOAPIC) = LAYOUT_IOAPIC_BASE | PTE_P | PTE_W;
    fix_gate(&f, TIMER_VECTOR, FIX_HANDLER, 0, 0);
    fix_gate(&f, IPI_VECTOR, FIX_HANDLER, 0, 0);
    fix_gate(&f, DEVICE_VEC, FIX_HANDLER, 0, 0);
    fix_gate(&f, EXC_NMI, FIX_HANDLER, 0, 0);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fix_destroy(*state);
    return 0;
}

static uint64_t stack_word(struct emu_fixture *f, unsigned k)
{
    uint64_t v;
    memcpy(&v, fix_mem(f, f->st.gpr[CPU_RSP] + 8 * k), 8);
    return v;
}

static uint32_t lapic_reg(const struct cpu_state *st, unsigned offset)
{
    uint32_t v;
    memcpy(&v, st->lapic + offset, 4);
    return v;
}

static double seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Enables the LAPIC and arms its timer for count bus cycles (1 ns each: divide by 1). */
static void arm_timer(struct code *c, uint32_t count)
{
    store32(c, APIC + APIC_SVR, SVR_ENABLED);
    store32(c, APIC + APIC_TDCR, 0xb);
    store32(c, APIC + APIC_LVTT, TIMER_VECTOR);
    store32(c, APIC + APIC_TMICT, count);
}

static void timer_interrupt_through_the_lapic_page(void **state)
{
    struct emu_fixture *f = *state;
    struct code c = {0};
    arm_timer(&c, 100000); /* 100 us */
    EMIT(&c, 0xfb);        /* sti */
    uint64_t loop = FIX_CODE + c.n;
    EMIT(&c, 0xeb, 0xfe); /* jmp $ */
    place(f, FIX_CODE, &c);

    struct emu_stop_info info = fix_run(f, FIX_HANDLER, 500000000);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(stack_word(f, 0), loop);  /* interrupted the loop */
    assert_int_equal(f->st.rflags & 0x200, 0); /* interrupt gate: IF cleared */
    assert_int_equal(lapic_reg(&f->st, APIC_ISR + 0x10 * (TIMER_VECTOR / 32)),
                     1u << (TIMER_VECTOR % 32)); /* in service until EOI */
}

static void hlt_sleeps_until_the_timer(void **state)
{
    struct emu_fixture *f = *state;
    struct code c = {0};
    arm_timer(&c, 30000000); /* 30 ms */
    EMIT(&c, 0xfb, 0xf4);    /* sti; hlt */
    uint64_t after_hlt = place(f, FIX_CODE, &c);

    double wall = seconds(CLOCK_MONOTONIC), cpu = seconds(CLOCK_THREAD_CPUTIME_ID);
    struct emu_stop_info info = fix_run(f, FIX_HANDLER, 1000000);
    wall = seconds(CLOCK_MONOTONIC) - wall;
    cpu = seconds(CLOCK_THREAD_CPUTIME_ID) - cpu;
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(stack_word(f, 0), after_hlt);
    assert_true(wall >= 0.025);
    assert_true(cpu < wall / 2); /* slept, did not spin */
}

static void tsc_deadline_follows_the_guest_tsc(void **state)
{
    struct emu_fixture *f = *state;
    struct code c = {0};
    store32(&c, APIC + APIC_SVR, SVR_ENABLED);
    store32(&c, APIC + APIC_LVTT, LVT_DEADLINE | TIMER_VECTOR);
    /* a guest TSC far ahead of the host clock: the deadline must be taken relative to it */
    wrmsr(&c, MSR_TSC, 1ull << 52);
    EMIT(&c, 0x0f, 0x31); /* rdtsc */
    EMIT(&c, 0x05);       /* add eax, 20 ms */
    imm32(&c, 20000000);
    EMIT(&c, 0x83, 0xd2, 0x00); /* adc edx, 0 */
    mov_imm(&c, 1, MSR_IA32_TSC_DEADLINE);
    EMIT(&c, 0x0f, 0x30); /* wrmsr */
    EMIT(&c, 0xfb);       /* sti */
    EMIT(&c, 0xeb, 0xfe); /* jmp $ */
    place(f, FIX_CODE, &c);

    double wall = seconds(CLOCK_MONOTONIC);
    struct emu_stop_info info = fix_run(f, FIX_HANDLER, 2000000000);
    wall = seconds(CLOCK_MONOTONIC) - wall;
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_true(wall >= 0.015);
}

static void device_line_through_the_ioapic(void **state)
{
    struct emu_fixture *f = *state;
    struct code c = {0};
    store32(&c, APIC + APIC_SVR, SVR_ENABLED);
    store32(&c, IOAPIC, 0x10 + 2 * DEVICE_GSI); /* IOREGSEL: redirection entry, low half */
    store32(&c, IOAPIC + 0x10, DEVICE_VEC);     /* IOWIN: fixed, edge, to APIC 0, unmasked */
    EMIT(&c, 0xfb);                             /* sti */
    uint64_t loop = FIX_CODE + c.n;
    EMIT(&c, 0xeb, 0xfe); /* jmp $ */
    place(f, FIX_CODE, &c);

    assert_int_equal(fix_run(f, loop, 100).reason, EMU_STOP_RIP);
    emu_engine_ops.set_irq(&f->m, DEVICE_GSI, true);
    struct err err; /* fix_run sets f->st: take the LAPIC's new IRR into it */
    assert_int_equal(emu_engine_ops.get_state(&f->m.vcpus[0], &f->st, &err), 0);
    struct emu_stop_info info = fix_run(f, FIX_HANDLER, 1000);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(stack_word(f, 0), loop);
}

static void cr8_is_the_task_priority(void **state)
{
    struct emu_fixture *f = *state;
    struct code c = {0};
    mov_imm(&c, 0, 9);
    EMIT(&c, 0x44, 0x0f, 0x22, 0xc0); /* mov cr8, rax */
    EMIT(&c, 0x44, 0x0f, 0x20, 0xc3); /* mov rbx, cr8 */
    load32(&c, APIC + APIC_TPR);
    store32(&c, APIC + APIC_TPR, 0x30);
    EMIT(&c, 0x44, 0x0f, 0x20, 0xc1); /* mov rcx, cr8 */
    uint64_t end = place(f, FIX_CODE, &c);

    assert_int_equal(fix_run(f, end, 100).reason, EMU_STOP_RIP);
    assert_int_equal(f->st.gpr[CPU_RBX], 9);
    assert_int_equal(f->st.gpr[CPU_RAX], 0x90);
    assert_int_equal(f->st.gpr[CPU_RCX], 3);
    assert_int_equal(f->st.cr8, 3);
    assert_int_equal(lapic_reg(&f->st, APIC_TPR), 0x30);
}

/* set_state loads the LAPIC page image, TPR included, and a pending NMI; get_state reads them. */
static void state_carries_the_lapic(void **state)
{
    struct emu_fixture *f = *state;
    struct code c = {0};
    EMIT(&c, 0x44, 0x0f, 0x20, 0xc0); /* mov rax, cr8 */
    uint64_t loop = FIX_CODE + c.n;
    EMIT(&c, 0xeb, 0xfe); /* jmp $ */
    place(f, FIX_CODE, &c);
    uint32_t tpr = 0x20, svr = SVR_ENABLED;
    memcpy(f->st.lapic + APIC_TPR, &tpr, 4);
    memcpy(f->st.lapic + APIC_SVR, &svr, 4);
    f->st.nmi_pending = true;

    assert_int_equal(fix_run(f, FIX_HANDLER, 100).reason, EMU_STOP_RIP); /* the NMI */
    assert_int_equal(stack_word(f, 0), FIX_CODE); /* taken before the first instruction */
    assert_false(f->st.nmi_pending);
    assert_int_equal(lapic_reg(&f->st, APIC_SVR), SVR_ENABLED);
    assert_int_equal(f->st.cr8, 2);
    fix_enter(f, FIX_CODE, false);
    assert_int_equal(fix_run(f, loop, 100).reason, EMU_STOP_RIP);
    assert_int_equal(f->st.gpr[CPU_RAX], 2);
}

static void apic_base_and_x2apic_msrs(void **state)
{
    struct emu_fixture *f = *state;
    assert_int_equal(f->st.apic_base, 0xfee00900); /* enabled, BSP */

    struct code c = {0};
    mov_imm(&c, 1, 0x802); /* x2APIC id: #GP in xAPIC mode */
    EMIT(&c, 0x0f, 0x32);
    place(f, FIX_CODE, &c);
    struct emu_stop_info info = fix_run(f, ~0ull, 100);
    assert_int_equal(info.reason, EMU_STOP_EXCEPTION);
    assert_int_equal(info.vector, EXC_GP);

    c.n = 0;
    wrmsr(&c, MSR_IA32_APIC_BASE, 0xfee00d00); /* x2APIC mode */
    mov_imm(&c, 1, 0x803);                     /* x2APIC version */
    EMIT(&c, 0x0f, 0x32);
    EMIT(&c, 0x89, 0xc3);    /* mov ebx, eax */
    load32(&c, APIC + 0x30); /* the xAPIC page is gone: the bus answers */
    uint64_t end = place(f, FIX_CODE, &c);
    fix_enter(f, FIX_CODE, false);
    assert_int_equal(fix_run(f, end, 100).reason, EMU_STOP_RIP);
    assert_int_equal(f->st.apic_base, 0xfee00d00);
    assert_int_equal(f->st.gpr[CPU_RBX], lapic_reg(&f->st, 0x30));
    assert_int_not_equal(f->st.gpr[CPU_RAX], f->st.gpr[CPU_RBX]);
}

static void interrupt_waits_for_the_sti_shadow(void **state)
{
    struct emu_fixture *f = *state;
    struct code c = {0};
    store32(&c, APIC + APIC_SVR, SVR_ENABLED);
    store32(&c, APIC + APIC_ICR_LO, ICR_SELF | IPI_VECTOR); /* pending while IF = 0 */
    EMIT(&c, 0xfb);                                         /* sti */
    mov_imm(&c, 0, 1);                                      /* in the shadow */
    uint64_t after_shadow = FIX_CODE + c.n;
    mov_imm(&c, 0, 2);
    EMIT(&c, 0xeb, 0xfe); /* jmp $ */
    place(f, FIX_CODE, &c);

    assert_int_equal(fix_run(f, FIX_HANDLER, 1000).reason, EMU_STOP_RIP);
    assert_int_equal(stack_word(f, 0), after_shadow);
    assert_int_equal(f->st.gpr[CPU_RAX], 1);
}

static void nmi_is_blocked_until_iret(void **state)
{
    struct emu_fixture *f = *state;
    struct code c = {0};
    store32(&c, APIC + APIC_ICR_LO, ICR_SELF | ICR_NMI);
    uint64_t main_loop = FIX_CODE + c.n;
    EMIT(&c, 0xeb, 0xfe); /* jmp $ */
    place(f, FIX_CODE, &c);
    c.n = 0;
    store32(&c, APIC + APIC_ICR_LO, ICR_SELF | ICR_NMI); /* a second NMI, inside the handler */
    EMIT(&c, 0x90);                                      /* nop */
    uint64_t iret = FIX_HANDLER + c.n;
    EMIT(&c, 0x48, 0xcf); /* iretq */
    place(f, FIX_HANDLER, &c);

    assert_int_equal(fix_run(f, FIX_HANDLER, 1000).reason, EMU_STOP_RIP);
    uint64_t nmi_rsp = f->st.gpr[CPU_RSP];
    assert_int_equal(stack_word(f, 0), main_loop);
    assert_true(f->st.nmi_pending == false);

    assert_int_equal(fix_run(f, iret, 1000).reason, EMU_STOP_RIP);
    assert_int_equal(f->st.gpr[CPU_RSP], nmi_rsp); /* not nested */
    assert_true(f->st.nmi_pending);

    assert_int_equal(fix_run(f, FIX_HANDLER, 1000).reason, EMU_STOP_RIP); /* taken after IRET */
    assert_int_equal(f->st.gpr[CPU_RSP], nmi_rsp);
    assert_int_equal(stack_word(f, 0), main_loop);
}

static void init_and_startup_ipi_start_an_ap(void **state)
{
    (void)state;
    struct emu_fixture f;
    struct err err;
    fix_init_cpus(&f, 2);
    *fix_pte(&f, APIC) = LAYOUT_LAPIC_BASE | PTE_P | PTE_W;
    struct cpu_state ap;
    assert_int_equal(emu_engine_ops.get_state(&f.m.vcpus[1], &ap, &err), 0);
    assert_int_equal(ap.mp_state, CPU_MP_WAIT_FOR_SIPI);
    assert_int_equal(ap.apic_base, 0xfee00800); /* enabled, not the BSP */

    struct code c = {0};
    store32(&c, APIC + APIC_SVR, SVR_ENABLED);
    store32(&c, APIC + APIC_ICR_HI, 1u << 24);
    store32(&c, APIC + APIC_ICR_LO, ICR_ASSERT | ICR_INIT);
    store32(&c, APIC + APIC_ICR_LO, ICR_ASSERT | ICR_STARTUP | AP_VECTOR);
    uint64_t end = place(&f, FIX_CODE, &c);
    fix_code(&f, AP_VECTOR << 12, (const uint8_t[]){0x90, 0x90}, 2); /* nop; nop */
    assert_int_equal(fix_run(&f, end, 100).reason, EMU_STOP_RIP);

    struct emu_stop_info info;
    assert_int_equal(emu__run_until(&f.m.vcpus[1], ~0ull, 1, &info, &err), 0);
    assert_int_equal(info.reason, EMU_STOP_LIMIT);
    assert_int_equal(emu_engine_ops.get_state(&f.m.vcpus[1], &ap, &err), 0);
    assert_int_equal(ap.mp_state, CPU_MP_RUNNABLE);
    assert_int_equal(ap.cs.selector, AP_VECTOR << 8);
    assert_int_equal(ap.cs.base, AP_VECTOR << 12);
    assert_int_equal(ap.rip, 1);
    assert_int_equal(ap.cr0 & 1, 0); /* real mode */
    fix_destroy(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(timer_interrupt_through_the_lapic_page, setup, teardown),
        cmocka_unit_test_setup_teardown(hlt_sleeps_until_the_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(tsc_deadline_follows_the_guest_tsc, setup, teardown),
        cmocka_unit_test_setup_teardown(device_line_through_the_ioapic, setup, teardown),
        cmocka_unit_test_setup_teardown(cr8_is_the_task_priority, setup, teardown),
        cmocka_unit_test_setup_teardown(state_carries_the_lapic, setup, teardown),
        cmocka_unit_test_setup_teardown(apic_base_and_x2apic_msrs, setup, teardown),
        cmocka_unit_test_setup_teardown(interrupt_waits_for_the_sti_shadow, setup, teardown),
        cmocka_unit_test_setup_teardown(nmi_is_blocked_until_iret, setup, teardown),
        cmocka_unit_test(init_and_startup_ipi_start_an_ap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
