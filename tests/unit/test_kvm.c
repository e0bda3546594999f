// SPDX-License-Identifier: Apache-2.0
/*
 * test_kvm.c - the kvm engine (src/cpu/kvm/) on the host's /dev/kvm: state
 * round trip, port I/O and MMIO exits to the buses, triple fault as a reset,
 * and kicks that stop halted vCPUs and APs waiting for their startup IPI.
 * Small guest programs are assembled into this file and copied to 1 MiB.
 * Without a usable /dev/kvm the whole program reports itself skipped (77).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "machine/vcpu.h"
#include "board/boot/entry.h"
#include "board/layout.h"
#include "machine/machine.h"

#define GUEST_ENTRY   0x100000ull
#define GUEST_RAM     (16ull << 20)
#define TEST_MMIO     0xd0000000ull
#define PORT_RECORD   0x80 /* 4 ports: 0x80 records, 0x81 records bytes, 0x82 reads 0x5a */
#define PORT_STOP     0x84
#define MMIO_READ_VAL 0xcafef00dull

/* Each program: a start and an end label, 64-bit code that runs anywhere. */
#define GUEST_PROGRAM(name, body)                                               \
    extern const uint8_t name##_start[], name##_end[];                          \
    __asm__(".pushsection .rodata\n.code64\n" #name "_start:\n" body "\n" #name \
            "_end:\n.popsection\n")

GUEST_PROGRAM(guest_io, "mov $0x12345678, %eax\n"
                        "out %eax, $0x80\n"
                        "lea 1f(%rip), %rsi\n"
                        "mov $3, %ecx\n"
                        "mov $0x81, %dx\n"
                        "rep outsb\n"
                        "in $0x82, %al\n"
                        "out %al, $0x81\n"
                        "movabs $0xd0000000, %rbx\n"
                        "movabs $0x1122334455667788, %rax\n"
                        "mov %rax, (%rbx)\n"
                        "mov 8(%rbx), %eax\n"
                        "out %eax, $0x80\n"
                        "mov $7, %al\n"
                        "out %al, $0x84\n"
                        "2: jmp 2b\n"
                        "1: .ascii \"abc\"\n");

GUEST_PROGRAM(guest_ud2, "ud2\n");

GUEST_PROGRAM(guest_halt, "cli\n"
                          "1: hlt\n"
                          "jmp 1b\n");

/*
 * The in-kernel PIT (IRQ 0) at 1 kHz, taken on IOAPIC pin 2 as the MP table
 * says, vector 0x40 through an IDT at 2 MiB; the 8259s are masked. Reports
 * the count after 5 ticks on port 0x80.
 */
GUEST_PROGRAM(guest_pit, "lea 3f(%rip), %rax\n"
                         "mov $0x200400, %edi\n" /* IDT + 0x40 * 16 */
                         "mov %ax, (%rdi)\n"
                         "movw $0x10, 2(%rdi)\n"
                         "movw $0x8e00, 4(%rdi)\n"
                         "shr $16, %rax\n"
                         "mov %ax, 6(%rdi)\n"
                         "shr $16, %rax\n"
                         "mov %eax, 8(%rdi)\n"
                         "movl $0, 12(%rdi)\n"
                         "lidt 5f(%rip)\n"
                         "mov $0xfee00000, %ebx\n"
                         "movl $0x1ff, 0xf0(%rbx)\n" /* LAPIC on */
                         "mov $0xff, %al\n"
                         "out %al, $0x21\n"
                         "out %al, $0xa1\n"
                         "mov $0xfec00000, %edi\n"
                         "movl $0x14, (%rdi)\n" /* pin 2, low: vector 0x40, edge, fixed */
                         "movl $0x40, 0x10(%rdi)\n"
                         "movl $0x15, (%rdi)\n" /* high: APIC id 0 */
                         "movl $0, 0x10(%rdi)\n"
                         "mov $0x34, %al\n" /* channel 0, lobyte/hibyte, mode 2 */
                         "out %al, $0x43\n"
                         "mov $0xa9, %al\n" /* 1193 = 1 kHz */
                         "out %al, $0x40\n"
                         "mov $0x04, %al\n"
                         "out %al, $0x40\n"
                         "1: sti\n"
                         "hlt\n"
                         "cli\n"
                         "cmpl $5, 4f(%rip)\n"
                         "jb 1b\n"
                         "mov 4f(%rip), %eax\n"
                         "out %eax, $0x80\n"
                         "out %al, $0x84\n"
                         "2: jmp 2b\n"
                         "3: incl 4f(%rip)\n"
                         "movl $0, 0xb0(%rbx)\n" /* EOI */
                         "iretq\n"
                         "4: .long 0\n"
                         "5: .word 0x41 * 16 - 1\n"
                         ".quad 0x200000\n");

struct recorder {
    struct machine *m;
    uint32_t dwords[4];
    unsigned ndwords;
    char bytes[8];
    unsigned nbytes;
    uint64_t mmio_addr, mmio_value;
    unsigned mmio_size;
};

static uint64_t port_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque;
    (void)size;
    return offset == 2 ? 0x5a : 0;
}

static void port_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    struct recorder *r = opaque;
    if (offset == 0 && size == 4 && r->ndwords < 4)
        r->dwords[r->ndwords++] = (uint32_t)value;
    else if (offset == 1 && size == 1 && r->nbytes < sizeof(r->bytes))
        r->bytes[r->nbytes++] = (char)value;
    else if (offset == PORT_STOP - PORT_RECORD)
        machine__stop(r->m, MACHINE_STOP_EXIT, (int)(value & 0xff));
}

static uint64_t mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque;
    return offset == 8 && size == 4 ? MMIO_READ_VAL : 0;
}

static void mmio_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    struct recorder *r = opaque;
    r->mmio_addr = TEST_MMIO + offset;
    r->mmio_size = size;
    r->mmio_value = value;
}

static const struct bus_ops port_ops = {port_read, port_write};
static const struct bus_ops mmio_ops = {mmio_read, mmio_write};

/* A machine on the kvm engine with the program at GUEST_ENTRY and vCPU 0 about to run it. */
static void machine_with_program(struct machine *m, unsigned ncpus, const uint8_t *start,
                                 const uint8_t *end, struct recorder *rec)
{
    struct err err = {0};
    const struct machine_config cfg = {
        .ram_size = GUEST_RAM, .ncpus = ncpus, .engine = &kvm_engine_ops};
    assert_int_equal(machine__init(m, &cfg, &err), 0);
    assert_int_equal(guest_memory__write(&m->mem, GUEST_ENTRY, start, (size_t)(end - start)), 0);
    if (rec) {
        *rec = (struct recorder){.m = m};
        assert_int_equal(bus__register(&m->pio, PORT_RECORD, 5, &port_ops, rec, "rec", &err), 0);
        assert_int_equal(bus__register(&m->mmio, TEST_MMIO, 0x1000, &mmio_ops, rec, "rec", &err),
                         0);
    }
    struct cpu_state st;
    cpu_state__reset(&st, 0, true);
    assert_int_equal(boot__long_mode_entry(&m->mem, GUEST_ENTRY, &st, &err), 0);
    if (machine__create_vcpus(m, &err) || kvm_engine_ops.set_state(&m->vcpus[0], &st, &err))
        fail_msg("%s", err.msg);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void io_and_mmio_exits_reach_the_buses(void **state)
{
    (void)state;
    struct machine m;
    struct recorder rec;
    machine_with_program(&m, 1, guest_io_start, guest_io_end, &rec);

    assert_int_equal(machine__run(&m, 10), 7);
    assert_int_equal(atomic_load(&m.stop_reason), MACHINE_STOP_EXIT);
    assert_int_equal(rec.ndwords, 2);
    assert_int_equal(rec.dwords[0], 0x12345678);
    assert_int_equal(rec.dwords[1], MMIO_READ_VAL);
    assert_int_equal(rec.nbytes, 4);
    assert_memory_equal(rec.bytes, "abc\x5a", 4);
    assert_int_equal(rec.mmio_addr, TEST_MMIO);
    assert_int_equal(rec.mmio_size, 8);
    assert_int_equal(rec.mmio_value, 0x1122334455667788ull);
    machine__destroy(&m);
}

static void pit_interrupts_arrive_on_ioapic_pin_2(void **state)
{
    (void)state;
    struct machine m;
    struct recorder rec;
    machine_with_program(&m, 1, guest_pit_start, guest_pit_end, &rec);
    assert_int_equal(machine__run(&m, 10), 5);
    assert_int_equal(rec.ndwords, 1);
    assert_int_equal(rec.dwords[0], 5);
    machine__destroy(&m);
}

static void triple_fault_is_a_reset(void **state)
{
    (void)state;
    struct machine m;
    machine_with_program(&m, 1, guest_ud2_start, guest_ud2_end, NULL);
    assert_int_equal(machine__run(&m, 10), 0);
    assert_int_equal(atomic_load(&m.stop_reason), MACHINE_STOP_RESET);
    machine__destroy(&m);
}

/* The BSP halts with interrupts off and the APs wait for a SIPI: only kicks end the run. */
static void stop_kicks_halted_and_waiting_vcpus(void **state)
{
    (void)state;
    struct machine m;
    machine_with_program(&m, 3, guest_halt_start, guest_halt_end, NULL);
    double t0 = now_s();
    assert_int_equal(machine__run(&m, 0.2), EXIT_STATUS_TIMEOUT);
    assert_true(now_s() - t0 < 5);
    machine__destroy(&m);
}

static void state_round_trip(void **state)
{
    (void)state;
    struct machine m;
    struct err err = {0};
    machine_with_program(&m, 1, guest_halt_start, guest_halt_end, NULL);
    struct vcpu *v = &m.vcpus[0];

    struct cpu_state in, out;
    assert_int_equal(kvm_engine_ops.get_state(v, &in, &err), 0);
    for (int i = 0; i < CPU_NR_GPRS; i++)
        in.gpr[i] = 0x1000 + (uint64_t)i;
    in.rip = GUEST_ENTRY + 1;
    in.rflags = 0x202;
    in.fs.base = 0x7f0000001000ull;
    in.gs.base = 0xffff888000000000ull;
    in.cr2 = 0xdead000;
    in.dr[0] = 0x400000;
    in.dr[7] = 0x401;
    memset(in.fxsave + 160 + 3 * 16, 0xa5, 16); /* XMM3 */
    in.lapic[0x80] = 0x20;                      /* TPR */
    in.interrupt_shadow = true;
    assert_true(cpu_state__set_msr(&in, 0xc0000082, 0xffffffff81000000ull)); /* LSTAR */
    assert_true(cpu_state__set_msr(&in, 0x277, 0x0007040600070106ull));      /* PAT */

    assert_int_equal(kvm_engine_ops.set_state(v, &in, &err), 0);
    assert_int_equal(kvm_engine_ops.get_state(v, &out, &err), 0);

    assert_memory_equal(out.gpr, in.gpr, sizeof(in.gpr));
    assert_int_equal(out.rip, in.rip);
    assert_int_equal(out.rflags, in.rflags);
    assert_memory_equal(&out.cs, &in.cs, sizeof(in.cs));
    assert_int_equal(out.fs.base, in.fs.base);
    assert_int_equal(out.gs.base, in.gs.base);
    assert_int_equal(out.gdt.base, LAYOUT_GDT);
    assert_int_equal(out.cr0, in.cr0);
    assert_int_equal(out.cr2, in.cr2);
    assert_int_equal(out.cr3, LAYOUT_PML4);
    assert_int_equal(out.cr4, in.cr4);
    assert_int_equal(out.efer, in.efer);
    assert_int_equal(out.apic_base, in.apic_base);
    assert_int_equal(out.dr[0], in.dr[0]);
    assert_int_equal(out.dr[7], in.dr[7]);
    assert_int_equal(out.xcr0 & 1, 1);
    assert_memory_equal(out.fxsave, in.fxsave, 32);              /* control and status */
    assert_memory_equal(out.fxsave + 160, in.fxsave + 160, 256); /* XMM0-15 */
    assert_int_equal(out.lapic[0x80], 0x20);
    assert_memory_equal(out.lapic + 0x350, in.lapic + 0x350, 4); /* LINT0 */
    assert_true(out.interrupt_shadow);
    assert_int_equal(out.mp_state, CPU_MP_RUNNABLE);
    uint64_t value;
    assert_true(cpu_state__get_msr(&out, 0xc0000082, &value));
    assert_int_equal(value, 0xffffffff81000000ull);
    assert_true(cpu_state__get_msr(&out, 0x277, &value));
    assert_int_equal(value, 0x0007040600070106ull);
    assert_true(cpu_state__get_msr(&out, 0x1a0, &value)); /* MISC_ENABLE: boot value kept */
    assert_int_equal(value & 1, 1);
    machine__destroy(&m);
}

static void ap_state_waits_for_sipi(void **state)
{
    (void)state;
    struct machine m;
    struct err err = {0};
    machine_with_program(&m, 2, guest_halt_start, guest_halt_end, NULL);
    struct cpu_state ap;
    assert_int_equal(kvm_engine_ops.get_state(&m.vcpus[1], &ap, &err), 0);
    assert_int_equal(ap.mp_state, CPU_MP_WAIT_FOR_SIPI);
    assert_int_equal(ap.apic_base & (1u << 8), 0); /* not the BSP */
    uint32_t id;
    memcpy(&id, ap.lapic + 0x20, 4);
    assert_int_equal(id >> 24, 1);
    machine__destroy(&m);
}

int main(void)
{
    if (access("/dev/kvm", R_OK | W_OK)) {
        print_message("skipped: /dev/kvm is not usable here\n");
        return 77; /* meson: skipped */
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(io_and_mmio_exits_reach_the_buses),
        cmocka_unit_test(pit_interrupts_arrive_on_ioapic_pin_2),
        cmocka_unit_test(triple_fault_is_a_reset),
        cmocka_unit_test(stop_kicks_halted_and_waiting_vcpus),
        cmocka_unit_test(state_round_trip),
        cmocka_unit_test(ap_state_waits_for_sipi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
