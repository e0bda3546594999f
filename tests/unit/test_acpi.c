// SPDX-License-Identifier: Apache-2.0
/*
 * test_acpi.c - unit tests for the ACPI tables (src/board/acpi/): the RSDP
 * found where an OS scans for it, every table reachable from it with a zero
 * checksum and a sane length (what acpidump and Linux's table code check),
 * the FADT of a hardware-reduced platform, the MADT for 1, 2, 8 and the
 * most CPUs, the DSDT's AML, the AML encoder's package lengths and errors,
 * and the RSDP's address in the zero page after boot__load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "board/acpi/acpi.h"
#include "board/acpi/aml.h"
#include "board/acpi/dsdt.h"
#include "board/acpi/fadt.h"
#include "board/acpi/madt.h"
#include "board/acpi/tables.h"
#include "board/boot/boot.h"
#include "board/boot/bootparams.h"
#include "board/layout.h"
#include "boot_fixtures.h"

#define BIOS_AREA_START 0xE0000
#define BIOS_AREA_END   0x100000

static uint8_t sum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s += b[i];
    return s;
}

/* As ACPICA's acpi_find_root_pointer(): 16-byte steps over 0xE0000-0xFFFFF. */
static uint64_t scan_for_rsdp(const struct guest_memory *mem)
{
    const uint8_t *area = guest_memory__hva(mem, BIOS_AREA_START, BIOS_AREA_END - BIOS_AREA_START);
    assert_non_null(area);
    for (size_t off = 0; off < BIOS_AREA_END - BIOS_AREA_START; off += 16)
        if (!memcmp(area + off, "RSD PTR ", 8) && sum(area + off, ACPI_RSDP_V1_LENGTH) == 0)
            return BIOS_AREA_START + off;
    return 0;
}

/* The table at gpa, after checking that it lies in the ACPI area and sums to zero. */
static const struct acpi_table_header *table_at(const struct guest_memory *mem, uint64_t gpa)
{
    assert_true(gpa >= LAYOUT_ACPI_BASE && gpa < LAYOUT_ACPI_BASE + LAYOUT_ACPI_SIZE);
    const struct acpi_table_header *h = guest_memory__hva(mem, gpa, sizeof(*h));
    assert_non_null(h);
    assert_true(h->length >= sizeof(*h));
    assert_true(gpa + h->length <= LAYOUT_ACPI_BASE + LAYOUT_ACPI_SIZE);
    assert_non_null(guest_memory__hva(mem, gpa, h->length));
    assert_int_equal(sum(h, h->length), 0);
    assert_memory_equal(h->oem_id, "STRATA", 6);
    return h;
}

/* What the tree of tables holds, found from the RSDP as an OS finds it. */
struct acpi_tree {
    const struct acpi_rsdp *rsdp;
    const struct acpi_fadt *fadt;
    const struct acpi_table_header *dsdt;
    const struct acpi_table_header *madt;
};

static void walk(const struct guest_memory *mem, struct acpi_tree *t)
{
    memset(t, 0, sizeof(*t));
    uint64_t rsdp_gpa = scan_for_rsdp(mem);
    assert_int_equal(rsdp_gpa, LAYOUT_ACPI_BASE);
    t->rsdp = guest_memory__hva(mem, rsdp_gpa, sizeof(*t->rsdp));
    assert_int_equal(t->rsdp->revision, 2);
    assert_int_equal(t->rsdp->length, sizeof(*t->rsdp));
    assert_int_equal(sum(t->rsdp, sizeof(*t->rsdp)), 0);

    const struct acpi_table_header *xsdt = table_at(mem, t->rsdp->xsdt_address);
    const struct acpi_table_header *rsdt = table_at(mem, t->rsdp->rsdt_address);
    assert_memory_equal(xsdt->signature, "XSDT", 4);
    assert_memory_equal(rsdt->signature, "RSDT", 4);
    size_t n = (xsdt->length - sizeof(*xsdt)) / 8;
    assert_int_equal(xsdt->length, sizeof(*xsdt) + n * 8);
    assert_int_equal(rsdt->length, sizeof(*rsdt) + n * 4);
    for (size_t i = 0; i < n; i++) {
        uint64_t x;
        uint32_t r;
        memcpy(&x, (const uint8_t *)xsdt + sizeof(*xsdt) + i * 8, 8);
        memcpy(&r, (const uint8_t *)rsdt + sizeof(*rsdt) + i * 4, 4);
        assert_int_equal(x, r); /* both roots list the same tables */
        const struct acpi_table_header *h = table_at(mem, x);
        if (!memcmp(h->signature, "FACP", 4)) {
            assert_null(t->fadt);
            t->fadt = (const struct acpi_fadt *)h;
        } else if (!memcmp(h->signature, "APIC", 4)) {
            assert_null(t->madt);
            t->madt = h;
        } else {
            fail_msg("unexpected table %.4s", h->signature);
        }
    }
    assert_non_null(t->fadt);
    assert_non_null(t->madt);
    t->dsdt = table_at(mem, t->fadt->x_dsdt);
    assert_memory_equal(t->dsdt->signature, "DSDT", 4);
}

static void build(struct machine *m, unsigned ncpus, struct acpi_tree *t)
{
    fixture_machine(m, MIB(2), ncpus);
    uint64_t rsdp = 0;
    struct err err;
    struct board_slots slots;
    board_slots__init(&slots);
    assert_int_equal(acpi__build(m, &slots, &rsdp, &err), 0);
    assert_int_equal(rsdp, LAYOUT_ACPI_BASE);
    walk(&m->mem, t);
}

static void rsdp_found_by_scan_and_tables_sum_to_zero(void **state)
{
    (void)state;
    struct machine m;
    struct acpi_tree t;
    build(&m, 2, &t);
    assert_int_equal(t.rsdp->xsdt_address, (uint32_t)t.rsdp->xsdt_address);
    assert_int_equal(t.rsdp->xsdt_address % 8, 0);
    fixture_machine_destroy(&m);
}

static void fadt_is_hardware_reduced(void **state)
{
    (void)state;
    struct machine m;
    struct acpi_tree t;
    build(&m, 1, &t);
    const struct acpi_fadt *f = t.fadt;
    assert_int_equal(f->header.revision, 6);
    assert_int_equal(f->header.length, 276);
    assert_true(f->flags & FADT_F_HW_REDUCED_ACPI);
    assert_int_equal(f->dsdt, f->x_dsdt);
    /* nothing of the fixed hardware: no SCI, no PM blocks, no FACS */
    assert_int_equal(f->sci_int, 0);
    assert_int_equal(f->smi_cmd, 0);
    assert_int_equal(f->pm1a_evt_blk | f->pm1a_cnt_blk | f->pm_tmr_blk | f->gpe0_blk, 0);
    assert_int_equal(f->firmware_ctrl, 0);
    assert_int_equal(f->x_firmware_ctrl, 0);
    assert_int_equal(
        f->iapc_boot_arch &
            (FADT_BOOT_ARCH_LEGACY_DEVICES | FADT_BOOT_ARCH_8042 | FADT_BOOT_ARCH_VGA_NOT_PRESENT),
        FADT_BOOT_ARCH_LEGACY_DEVICES | FADT_BOOT_ARCH_8042 | FADT_BOOT_ARCH_VGA_NOT_PRESENT);
    /* the sleep registers: the ACPI sleep slot's two byte-wide ports (control, then status) */
    assert_int_equal(f->sleep_control_reg.address_space_id, 1);
    assert_int_equal(f->sleep_control_reg.register_bit_width, 8);
    assert_int_equal(f->sleep_control_reg.address, 0x600);
    assert_int_equal(f->sleep_status_reg.address_space_id, 1);
    assert_int_equal(f->sleep_status_reg.address, 0x601);
    fixture_machine_destroy(&m);
}

struct parsed_madt {
    unsigned lapics, ioapics, overrides, nmis;
    const struct madt_local_apic *lapic[MADT_MAX_CPUS];
    const struct madt_io_apic *ioapic;
    const struct madt_interrupt_override *override;
    const struct madt_local_apic_nmi *nmi;
};

/* As acpi_parse_entries_array(): every entry's length steps to the next, ending at the end. */
static void parse_madt(const struct acpi_table_header *h, struct parsed_madt *p)
{
    memset(p, 0, sizeof(*p));
    const struct acpi_madt *madt = (const struct acpi_madt *)h;
    assert_int_equal(madt->lapic_address, LAYOUT_LAPIC_BASE);
    assert_int_equal(madt->flags, MADT_PCAT_COMPAT);
    const uint8_t *b = (const uint8_t *)h;
    size_t off = sizeof(*madt);
    while (off < h->length) {
        assert_true(off + 2 <= h->length);
        uint8_t type = b[off], len = b[off + 1];
        assert_true(len >= 2 && off + len <= h->length);
        const void *e = b + off;
        switch (type) {
        case MADT_LOCAL_APIC:
            assert_int_equal(len, sizeof(struct madt_local_apic));
            assert_true(p->lapics < MADT_MAX_CPUS);
            p->lapic[p->lapics++] = e;
            break;
        case MADT_IO_APIC:
            assert_int_equal(len, sizeof(struct madt_io_apic));
            p->ioapic = e;
            p->ioapics++;
            break;
        case MADT_INTERRUPT_OVERRIDE:
            assert_int_equal(len, sizeof(struct madt_interrupt_override));
            p->override = e;
            p->overrides++;
            break;
        case MADT_LOCAL_APIC_NMI:
            assert_int_equal(len, sizeof(struct madt_local_apic_nmi));
            p->nmi = e;
            p->nmis++;
            break;
        default: fail_msg("unknown MADT entry type %u", type);
        }
        off += len;
    }
    assert_int_equal(off, h->length);
}

static void check_madt(unsigned ncpus)
{
    struct machine m;
    struct acpi_tree t;
    build(&m, ncpus, &t);
    struct parsed_madt p;
    parse_madt(t.madt, &p);

    assert_int_equal(p.lapics, ncpus);
    for (unsigned i = 0; i < ncpus; i++) {
        assert_int_equal(p.lapic[i]->apic_id, i);
        assert_int_equal(p.lapic[i]->processor_uid, i);
        assert_int_equal(p.lapic[i]->flags, MADT_LAPIC_ENABLED);
    }
    assert_int_equal(p.ioapics, 1);
    assert_int_equal(p.ioapic->io_apic_id, ncpus); /* as the MP table says */
    assert_int_equal(p.ioapic->address, LAYOUT_IOAPIC_BASE);
    assert_int_equal(p.ioapic->gsi_base, 0);
    assert_int_equal(p.overrides, 1); /* the PIT: ISA IRQ 0 on GSI 2, edge, active high */
    assert_int_equal(p.override->bus, 0);
    assert_int_equal(p.override->source, 0);
    assert_int_equal(p.override->gsi, 2);
    assert_int_equal(p.override->flags, MADT_INTI_EDGE | MADT_INTI_ACTIVE_HIGH);
    assert_int_equal(p.nmis, 1);
    assert_int_equal(p.nmi->processor_uid, MADT_ALL_PROCESSORS);
    assert_int_equal(p.nmi->lint, 1);
    fixture_machine_destroy(&m);
}

static void madt_one_cpu(void **state)
{
    (void)state;
    check_madt(1);
}

static void madt_two_cpus(void **state)
{
    (void)state;
    check_madt(2);
}

static void madt_eight_cpus(void **state)
{
    (void)state;
    check_madt(8);
}

static void madt_most_cpus(void **state)
{
    (void)state;
    check_madt(MADT_MAX_CPUS);
}

static bool contains(const uint8_t *hay, size_t len, const uint8_t *needle, size_t n)
{
    for (size_t i = 0; i + n <= len; i++)
        if (!memcmp(hay + i, needle, n))
            return true;
    return false;
}

/* Name (_HID, EisaId (...)) for each device, and each one's I/O ports and IRQ. */
static void dsdt_declares_the_legacy_devices(void **state)
{
    (void)state;
    struct machine m;
    struct acpi_tree t;
    build(&m, 1, &t);
    const uint8_t *aml = (const uint8_t *)t.dsdt + sizeof(*t.dsdt);
    size_t len = t.dsdt->length - sizeof(*t.dsdt);
    assert_int_equal(t.dsdt->revision, 2);

    /* Name (_S5, Package (4) {5, 0, 0, 0}) first, for the power-off of the sleep registers */
    static const uint8_t s5[] = {0x08, '_',  'S',  '5',  '_',  0x12, 0x07,
                                 0x04, 0x0a, 0x05, 0x00, 0x00, 0x00};
    assert_memory_equal(aml, s5, sizeof(s5));
    aml += sizeof(s5);
    len -= sizeof(s5);

    /* then one Scope (\_SB) spanning the rest: ScopeOp, PkgLength, "\_SB_" */
    assert_int_equal(aml[0], 0x10);
    size_t pkg_bytes = (aml[1] >> 6) + 1;
    size_t pkg_len = pkg_bytes == 1 ? aml[1] : (aml[1] & 0x0f) | (size_t)aml[2] << 4;
    assert_true(pkg_bytes <= 2);
    assert_int_equal(1 + pkg_len, len);
    assert_memory_equal(aml + 1 + pkg_bytes, "\\_SB_", 5);

    static const uint8_t com1_hid[] = {0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01};
    static const uint8_t kbd_hid[] = {0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x03, 0x03};
    static const uint8_t rtc_hid[] = {0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0b, 0x00};
    static const uint8_t com1_io[] = {0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08};
    static const uint8_t irq4[] = {0x22, 0x10, 0x00};
    static const uint8_t kbd_io[] = {0x47, 0x01, 0x60, 0x00, 0x60, 0x00, 0x01, 0x01, 0x47, 0x01,
                                     0x64, 0x00, 0x64, 0x00, 0x01, 0x01, 0x22, 0x02, 0x00};
    static const uint8_t rtc_io[] = {0x47, 0x01, 0x70, 0x00, 0x70, 0x00, 0x01, 0x02, 0x79, 0x00};
    assert_true(contains(aml, len, com1_hid, sizeof(com1_hid)));
    assert_true(contains(aml, len, kbd_hid, sizeof(kbd_hid)));
    assert_true(contains(aml, len, rtc_hid, sizeof(rtc_hid)));
    assert_true(contains(aml, len, com1_io, sizeof(com1_io)));
    assert_true(contains(aml, len, irq4, sizeof(irq4)));
    assert_true(contains(aml, len, kbd_io, sizeof(kbd_io)));
    assert_true(contains(aml, len, rtc_io, sizeof(rtc_io)));
    fixture_machine_destroy(&m);
}

/* Device (D) holding names Name (N, 0x12345678) takes a PkgLength of want_bytes bytes. */
static void check_pkg_length(size_t names, size_t want_bytes)
{
    static uint8_t buf[2 << 20];
    struct aml a;
    aml__init(&a, buf, sizeof(buf));
    size_t dev = aml__device(&a, "D");
    for (size_t i = 0; i < names; i++)
        aml__name_integer(&a, "N", 0x12345678); /* 10 bytes: NameOp, "N___", DWord */
    aml__end(&a, dev);
    size_t len;
    struct err err;
    assert_int_equal(aml__finish(&a, &len, &err), 0);

    size_t body = 4 + names * 10;
    assert_int_equal(len, 2 + want_bytes + body);
    assert_int_equal(buf[0], 0x5b);
    assert_int_equal(buf[1], 0x82);
    assert_int_equal(buf[2] >> 6, want_bytes - 1);
    size_t decoded = want_bytes == 1 ? buf[2] : buf[2] & 0x0f;
    for (size_t i = 1; i < want_bytes; i++)
        decoded |= (size_t)buf[2 + i] << (4 + 8 * (i - 1));
    assert_int_equal(decoded, want_bytes + body);
    assert_memory_equal(buf + 2 + want_bytes, "D___", 4);
}

static void aml_package_lengths(void **state)
{
    (void)state;
    /* a body of b bytes takes the fewest PkgLength bytes n with b + n <= 63, 2^12 - 1, 2^20 - 1 */
    check_pkg_length(5, 1);      /* 54 bytes */
    check_pkg_length(6, 2);      /* 64 */
    check_pkg_length(408, 2);    /* 4084 */
    check_pkg_length(409, 3);    /* 4094 */
    check_pkg_length(104856, 3); /* 1048564 */
    check_pkg_length(104857, 4); /* 1048574 */
}

static void aml_integers_and_names(void **state)
{
    (void)state;
    uint8_t buf[128];
    struct aml a;
    aml__init(&a, buf, sizeof(buf));
    aml__name_integer(&a, "\\A", 0);
    aml__name_integer(&a, "B", 1);
    aml__name_integer(&a, "C", 0xff);
    aml__name_integer(&a, "D", 0x1234);
    aml__name_integer(&a, "E", 0x123456789ull);
    size_t len;
    struct err err;
    assert_int_equal(aml__finish(&a, &len, &err), 0);
    static const uint8_t want[] = {
        0x08, '\\', 'A', '_', '_', '_',  0x00,                                  /* Zero */
        0x08, 'B',  '_', '_', '_', 0x01,                                        /* One */
        0x08, 'C',  '_', '_', '_', 0x0a, 0xff,                                  /* Byte */
        0x08, 'D',  '_', '_', '_', 0x0b, 0x34, 0x12,                            /* Word */
        0x08, 'E',  '_', '_', '_', 0x0e, 0x89, 0x67, 0x45, 0x23, 0x01, 0, 0, 0, /* QWord */
    };
    assert_int_equal(len, sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));
}

static void aml_errors(void **state)
{
    (void)state;
    uint8_t buf[16];
    struct aml a;
    size_t len;
    struct err err;

    aml__init(&a, buf, sizeof(buf));
    aml__name_integer(&a, "toolong", 1);
    assert_int_equal(aml__finish(&a, &len, &err), -1);
    assert_string_equal(err.msg, "aml: bad name");

    aml__init(&a, buf, sizeof(buf));
    aml__name_eisaid(&a, "_HID", "pnp0501");
    assert_int_equal(aml__finish(&a, &len, &err), -1);
    assert_string_equal(err.msg, "aml: bad eisa id");

    aml__init(&a, buf, sizeof(buf));
    aml__device(&a, "D");
    assert_int_equal(aml__finish(&a, &len, &err), -1);
    assert_string_equal(err.msg, "aml: a block was left open");

    aml__init(&a, buf, sizeof(buf));
    for (int i = 0; i < 3; i++)
        aml__name_integer(&a, "N", 0x12345678);
    assert_int_equal(aml__finish(&a, &len, &err), -1);
    assert_string_equal(err.msg, "aml: out of room");

    struct aml_resources r;
    aml__resources_init(&r);
    aml__resources_irq(&r, 16);
    aml__init(&a, buf, sizeof(buf));
    aml__name_resources(&a, "_CRS", &r);
    assert_int_equal(aml__finish(&a, &len, &err), -1);
    assert_string_equal(err.msg, "aml: an irq descriptor takes isa irqs 0-15");

    uint8_t small[40];
    struct board_slots slots;
    board_slots__init(&slots);
    assert_int_equal(dsdt__build(small, sizeof(small), &len, &slots, &err), -1);
    assert_string_equal(err.msg, "aml: out of room");
}

static void bad_machines_are_refused(void **state)
{
    (void)state;
    struct machine m;
    uint64_t rsdp;
    struct err err;

    fixture_machine(&m, MIB(2), 0);
    assert_int_equal(acpi__build(&m, NULL, &rsdp, &err), -1);
    assert_string_equal(err.msg, "the acpi tables support 1 to 254 cpus, not 0");
    fixture_machine_destroy(&m);

    fixture_machine(&m, MIB(2), MADT_MAX_CPUS + 1);
    assert_int_equal(acpi__build(&m, NULL, &rsdp, &err), -1);
    assert_string_equal(err.msg, "the acpi tables support 1 to 254 cpus, not 255");
    fixture_machine_destroy(&m);

    fixture_machine(&m, KIB(960), 1); /* RAM ends inside the ACPI area */
    assert_int_equal(acpi__build(&m, NULL, &rsdp, &err), -1);
    assert_string_equal(err.msg, "guest memory too small for the acpi tables at 0xe0000");
    fixture_machine_destroy(&m);
}

/* boot__load writes the tables and hands the RSDP to Linux in boot_params.acpi_rsdp_addr. */
static void boot_load_passes_the_rsdp(void **state)
{
    (void)state;
    const struct fixture_segment seg = {
        .vaddr = MIB(16), .paddr = MIB(16), .filesz = 0x1000, .memsz = 0x1000};
    size_t len;
    uint8_t *file = fixture_elf(&seg, 1, MIB(16), &len);
    char path[64];
    fixture_write_file(file, len, path);
    free(file);

    struct machine m;
    fixture_machine(&m, MIB(32), 2);
    struct cpu_state *st = calloc(1, sizeof(*st));
    struct boot_config cfg = {.kernel_path = path};
    struct err err;
    assert_int_equal(boot__load(&m, &cfg, st, &err), 0);
    struct boot_params *bp = malloc(sizeof(*bp));
    assert_int_equal(guest_memory__read(&m.mem, LAYOUT_BOOT_PARAMS, bp, sizeof(*bp)), 0);
    assert_int_equal(bp->acpi_rsdp_addr, LAYOUT_ACPI_BASE);
    struct acpi_tree t;
    walk(&m.mem, &t);
    struct parsed_madt p;
    parse_madt(t.madt, &p);
    assert_int_equal(p.lapics, 2);

    free(bp);
    free(st);
    fixture_machine_destroy(&m);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rsdp_found_by_scan_and_tables_sum_to_zero),
        cmocka_unit_test(fadt_is_hardware_reduced),
        cmocka_unit_test(madt_one_cpu),
        cmocka_unit_test(madt_two_cpus),
        cmocka_unit_test(madt_eight_cpus),
        cmocka_unit_test(madt_most_cpus),
        cmocka_unit_test(dsdt_declares_the_legacy_devices),
        cmocka_unit_test(aml_package_lengths),
        cmocka_unit_test(aml_integers_and_names),
        cmocka_unit_test(aml_errors),
        cmocka_unit_test(bad_machines_are_refused),
        cmocka_unit_test(boot_load_passes_the_rsdp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
