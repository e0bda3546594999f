// SPDX-License-Identifier: Apache-2.0
/*
 * test_bootparams.c - unit tests for the boot structures: the e820 map
 * (src/board/e820.c), the zero page (boot/bootparams.c), the long-mode
 * entry state (boot/entry.c), and boot__load's command line and initrd
 * placement (boot/boot.c) with an ELF kernel.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "boot_fixtures.h"
#include "board/boot/boot.h"
#include "board/boot/bootparams.h"
#include "board/boot/entry.h"
#include "board/e820.h"
#include "board/layout.h"

/* For struct e820_entry and the zero page's struct boot_e820_entry alike */
#define expect_entry(e, want_addr, want_size, want_type) \
    do {                                                 \
        assert_int_equal((e)->addr, want_addr);          \
        assert_int_equal((e)->size, want_size);          \
        assert_int_equal((e)->type, want_type);          \
    } while (0)

static void e820_low_ram_only(void **state)
{
    (void)state;
    struct machine m;
    fixture_machine(&m, MIB(256), 1);
    struct e820_entry t[8];
    struct err err;
    assert_int_equal(e820__build(&m.mem, t, 8, &err), 4);
    expect_entry(&t[0], 0, LAYOUT_EBDA, E820_RAM);
    expect_entry(&t[1], LAYOUT_EBDA, LAYOUT_EBDA_END - LAYOUT_EBDA, E820_RESERVED);
    expect_entry(&t[2], LAYOUT_ACPI_BASE, LAYOUT_ACPI_SIZE, E820_RESERVED);
    expect_entry(&t[3], MIB(1), MIB(255), E820_RAM);
    assert_int_equal(e820__build(&m.mem, t, 3, &err), -1);
    fixture_machine_destroy(&m);
}

static void e820_high_ram(void **state)
{
    (void)state;
    struct machine m;
    fixture_machine(&m, GIB(5), 1); /* 3 GiB low, 2 GiB above 4 GiB (never touched) */
    struct e820_entry t[8];
    struct err err;
    assert_int_equal(e820__build(&m.mem, t, 8, &err), 5);
    expect_entry(&t[3], MIB(1), LAYOUT_LOW_RAM_END - MIB(1), E820_RAM);
    expect_entry(&t[4], LAYOUT_HIGH_RAM_BASE, GIB(2), E820_RAM);
    fixture_machine_destroy(&m);
}

static void e820_tiny_ram(void **state)
{
    (void)state;
    struct machine m;
    fixture_machine(&m, KIB(512), 1);
    struct e820_entry t[8];
    struct err err;
    assert_int_equal(e820__build(&m.mem, t, 8, &err), 1);
    expect_entry(&t[0], 0, KIB(512), E820_RAM);
    fixture_machine_destroy(&m);
}

static void zero_page_for_elf(void **state)
{
    (void)state;
    struct machine m;
    fixture_machine(&m, MIB(64), 1);
    struct boot_params *bp = malloc(sizeof(*bp));
    memset(bp, 0xee, sizeof(*bp));
    struct bootparams_config cfg = {
        .cmdline_gpa = LAYOUT_CMDLINE, .initrd_gpa = MIB(60), .initrd_size = 12345};
    struct err err;
    assert_int_equal(bootparams__build(bp, NULL, &cfg, &m.mem, &err), 0);
    assert_int_equal(bp->hdr.boot_flag, 0xaa55);
    assert_int_equal(bp->hdr.header, SETUP_HEADER_MAGIC);
    assert_int_equal(bp->hdr.type_of_loader, 0xff);
    assert_int_equal(bp->hdr.cmd_line_ptr, LAYOUT_CMDLINE);
    assert_int_equal(bp->ext_cmd_line_ptr, 0);
    assert_int_equal(bp->hdr.ramdisk_image, MIB(60));
    assert_int_equal(bp->hdr.ramdisk_size, 12345);
    assert_int_equal(bp->hdr.cmdline_size, LAYOUT_CMDLINE_MAX - 1);
    assert_int_equal(bp->sentinel, 0);
    assert_int_equal(bp->e820_entries, 4);
    expect_entry(&bp->e820_table[3], MIB(1), MIB(63), E820_RAM);
    free(bp);
    fixture_machine_destroy(&m);
}

static void zero_page_keeps_kernel_header(void **state)
{
    (void)state;
    struct machine m;
    fixture_machine(&m, MIB(64), 1);
    struct setup_header hdr = {.version = 0x020f,
                               .loadflags = LOADED_HIGH,
                               .initrd_addr_max = 0x7fffffff,
                               .cmdline_size = 0x7ff,
                               .kernel_alignment = 0x200000,
                               .type_of_loader = 0x12};
    struct boot_params bp;
    struct bootparams_config cfg = {.cmdline_gpa = LAYOUT_CMDLINE};
    struct err err;
    assert_int_equal(bootparams__build(&bp, &hdr, &cfg, &m.mem, &err), 0);
    assert_int_equal(bp.hdr.version, 0x020f);
    assert_int_equal(bp.hdr.loadflags, LOADED_HIGH);
    assert_int_equal(bp.hdr.kernel_alignment, 0x200000);
    assert_int_equal(bp.hdr.cmdline_size, 0x7ff);
    assert_int_equal(bp.hdr.type_of_loader, 0xff);
    assert_int_equal(bp.hdr.ramdisk_image, 0);
    assert_int_equal(bp.hdr.ramdisk_size, 0);
    fixture_machine_destroy(&m);
}

static uint64_t read64(const struct guest_memory *mem, uint64_t gpa)
{
    uint64_t v;
    assert_int_equal(guest_memory__read(mem, gpa, &v, sizeof(v)), 0);
    return v;
}

/* Walks the boot page tables as the CPU would: 4-level, 2 MiB pages. */
static uint64_t translate(const struct guest_memory *mem, uint64_t cr3, uint64_t va)
{
    uint64_t pml4e = read64(mem, (cr3 & ~0xfffull) + ((va >> 39) & 511) * 8);
    assert_true(pml4e & 1);
    uint64_t pdpte = read64(mem, (pml4e & ~0xfffull) + ((va >> 30) & 511) * 8);
    assert_true(pdpte & 1);
    assert_false(pdpte & 0x80);
    uint64_t pde = read64(mem, (pdpte & ~0xfffull) + ((va >> 21) & 511) * 8);
    assert_true((pde & 0x83) == 0x83);
    return (pde & ~0x1fffffull) + (va & 0x1fffff);
}

static void check_segment(const struct guest_memory *mem, const struct cpu_segment *s,
                          const struct cpu_dtable *gdt)
{
    assert_true(s->selector + 8u <= gdt->limit + 1u);
    uint64_t d = read64(mem, gdt->base + s->selector);
    uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
    if ((d >> 55) & 1)
        limit = limit << 12 | 0xfff;
    assert_int_equal(s->limit, limit);
    assert_int_equal(s->base, ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000));
    assert_int_equal(s->type, (d >> 40) & 0xf);
    assert_int_equal(s->s, (d >> 44) & 1);
    assert_int_equal(s->present, (d >> 47) & 1);
    assert_int_equal(s->l, (d >> 53) & 1);
    assert_int_equal(s->db, (d >> 54) & 1);
    assert_int_equal(s->g, (d >> 55) & 1);
}

static void long_mode_entry(void **state)
{
    (void)state;
    struct machine m;
    fixture_machine(&m, MIB(64), 1);
    struct cpu_state *st = calloc(1, sizeof(*st));
    st->gpr[CPU_RAX] = 0x1234;
    st->fxsave[0] = 0x7f; /* not the entry's business: kept */
    struct err err;
    assert_int_equal(boot__long_mode_entry(&m.mem, 0x1000000, st, &err), 0);

    assert_int_equal(st->rip, 0x1000000);
    assert_int_equal(st->gpr[CPU_RSI], LAYOUT_BOOT_PARAMS);
    assert_int_equal(st->gpr[CPU_RSP], LAYOUT_BOOT_STACK);
    assert_int_equal(st->gpr[CPU_RAX], 0);
    assert_int_equal(st->rflags, 0x2);
    assert_int_equal(st->fxsave[0], 0x7f);
    assert_int_equal(st->cr0 & 0x80000001, 0x80000001); /* PG, PE */
    assert_int_equal(st->cr4 & 0x20, 0x20);             /* PAE */
    assert_int_equal(st->efer & 0x500, 0x500);          /* LME, LMA */
    assert_int_equal(st->cr3, LAYOUT_PML4);
    assert_int_equal(st->apic_base, LAYOUT_LAPIC_BASE | 0x900);
    assert_int_equal(st->mp_state, CPU_MP_RUNNABLE);

    assert_int_equal(st->gdt.base, LAYOUT_GDT);
    assert_int_equal(st->idt.base, LAYOUT_IDT);
    assert_int_equal(st->cs.selector, LAYOUT_BOOT_CS);
    assert_int_equal(st->cs.type, 0xb);
    assert_int_equal(st->cs.l, 1);
    assert_int_equal(st->cs.db, 0);
    assert_int_equal(st->cs.limit, 0xffffffff);
    check_segment(&m.mem, &st->cs, &st->gdt);
    const struct cpu_segment *data[] = {&st->ds, &st->es, &st->ss, &st->fs, &st->gs};
    for (unsigned i = 0; i < 5; i++) {
        assert_int_equal(data[i]->selector, LAYOUT_BOOT_DS);
        assert_int_equal(data[i]->type, 0x3);
        check_segment(&m.mem, data[i], &st->gdt);
    }
    assert_int_equal(st->tr.type, 0xb);
    assert_int_equal(st->tr.s, 0);
    assert_true(st->tr.present);
    assert_int_equal(st->ldt.type, 0x2);

    /* identity map of the first 4 GiB */
    const uint64_t probes[] = {0,
                               0x7000,
                               0x1000000,
                               0x1234567,
                               MIB(64) - 1,
                               LAYOUT_IOAPIC_BASE,
                               LAYOUT_LAPIC_BASE + 0x30,
                               GIB(4) - 1};
    for (unsigned i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
        assert_int_equal(translate(&m.mem, st->cr3, probes[i]), probes[i]);
    free(st);
    fixture_machine_destroy(&m);
}

/* An ELF kernel on disk, loaded by boot__load into a machine of ram bytes. */
struct elf_boot {
    struct machine m;
    char kernel[64];
    struct cpu_state *st;
    struct boot_params bp;
};

static void elf_boot_setup(struct elf_boot *b, uint64_t ram)
{
    const struct fixture_segment seg = {
        .vaddr = MIB(16), .paddr = MIB(16), .filesz = 0x3000, .memsz = MIB(2)};
    size_t len;
    uint8_t *f = fixture_elf(&seg, 1, MIB(16), &len);
    fixture_write_file(f, len, b->kernel);
    free(f);
    fixture_machine(&b->m, ram, 2);
    b->st = calloc(1, sizeof(*b->st));
}

static void elf_boot_teardown(struct elf_boot *b)
{
    unlink(b->kernel);
    free(b->st);
    fixture_machine_destroy(&b->m);
}

static int elf_boot(struct elf_boot *b, const char *initrd, const char *cmdline, struct err *err)
{
    struct boot_config cfg = {.kernel_path = b->kernel, .initrd_path = initrd, .cmdline = cmdline};
    int rc = boot__load(&b->m, &cfg, b->st, err);
    if (rc == 0)
        assert_int_equal(guest_memory__read(&b->m.mem, LAYOUT_BOOT_PARAMS, &b->bp, sizeof(b->bp)),
                         0);
    return rc;
}

static void boot_elf_with_cmdline_and_initrd(void **state)
{
    (void)state;
    struct elf_boot b;
    elf_boot_setup(&b, MIB(64));
    char initrd[64];
    const size_t initrd_size = 10000;
    uint8_t *data = malloc(initrd_size);
    for (size_t i = 0; i < initrd_size; i++)
        data[i] = (uint8_t)(i * 13);
    fixture_write_file(data, initrd_size, initrd);

    struct err err = {0};
    assert_int_equal(elf_boot(&b, initrd, "console=ttyS0 quiet", &err), 0);
    assert_int_equal(b.st->rip, MIB(16));
    assert_int_equal(b.bp.hdr.cmd_line_ptr, LAYOUT_CMDLINE);
    assert_string_equal(guest_memory__hva(&b.m.mem, LAYOUT_CMDLINE, 20), "console=ttyS0 quiet");
    /* the initrd sits page aligned at the top of RAM */
    uint64_t at = b.bp.hdr.ramdisk_image;
    assert_int_equal(at % 4096, 0);
    assert_int_equal(at, (MIB(64) - initrd_size) & ~0xfffull);
    assert_int_equal(b.bp.hdr.ramdisk_size, initrd_size);
    assert_memory_equal(guest_memory__hva(&b.m.mem, at, initrd_size), data, initrd_size);
    /* and the MP table is there */
    assert_memory_equal(guest_memory__hva(&b.m.mem, LAYOUT_EBDA, 4), "_MP_", 4);

    unlink(initrd);
    free(data);
    elf_boot_teardown(&b);
}

static void boot_elf_without_extras(void **state)
{
    (void)state;
    struct elf_boot b;
    elf_boot_setup(&b, MIB(64));
    struct err err = {0};
    assert_int_equal(elf_boot(&b, NULL, NULL, &err), 0);
    assert_int_equal(b.bp.hdr.ramdisk_image, 0);
    assert_int_equal(b.bp.hdr.ramdisk_size, 0);
    assert_string_equal(guest_memory__hva(&b.m.mem, LAYOUT_CMDLINE, 1), "");
    elf_boot_teardown(&b);
}

static void boot_errors(void **state)
{
    (void)state;
    struct elf_boot b;
    elf_boot_setup(&b, MIB(20));
    struct err err = {0};

    assert_int_equal(elf_boot(&b, "/nonexistent/initrd.img", NULL, &err), -1);
    assert_string_equal(err.msg,
                        "cannot open initrd '/nonexistent/initrd.img': No such file or directory");

    /* an initrd larger than the RAM left above the kernel (16-18 MiB of 20) */
    char initrd[64];
    uint8_t *big = calloc(1, MIB(3));
    fixture_write_file(big, MIB(3), initrd);
    free(big);
    assert_int_equal(elf_boot(&b, initrd, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "does not fit in guest RAM"));
    unlink(initrd);

    char *cmdline = malloc(LAYOUT_CMDLINE_MAX + 1);
    memset(cmdline, 'x', LAYOUT_CMDLINE_MAX);
    cmdline[LAYOUT_CMDLINE_MAX] = 0;
    assert_int_equal(elf_boot(&b, NULL, cmdline, &err), -1);
    assert_non_null(strstr(err.msg, "command line is 65536 bytes long"));
    cmdline[LAYOUT_CMDLINE_MAX - 1] = 0;
    assert_int_equal(elf_boot(&b, NULL, cmdline, &err), 0);
    free(cmdline);

    assert_int_equal(elf_boot(&b, "/", NULL, &err), -1);
    assert_string_equal(err.msg, "cannot read initrd '/': Is a directory");
    elf_boot_teardown(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(e820_low_ram_only),
        cmocka_unit_test(e820_high_ram),
        cmocka_unit_test(e820_tiny_ram),
        cmocka_unit_test(zero_page_for_elf),
        cmocka_unit_test(zero_page_keeps_kernel_header),
        cmocka_unit_test(long_mode_entry),
        cmocka_unit_test(boot_elf_with_cmdline_and_initrd),
        cmocka_unit_test(boot_elf_without_extras),
        cmocka_unit_test(boot_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
