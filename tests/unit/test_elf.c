// SPDX-License-Identifier: Apache-2.0
/* test_elf.c - unit tests for the ELF64 loader (src/board/boot/elf.c). */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "boot_fixtures.h"
#include "board/boot/elf.h"
#include "board/layout.h"

#define RAM MIB(32)

struct elf_test {
    struct machine m;
};

static int setup(void **state)
{
    struct elf_test *t = calloc(1, sizeof(*t));
    fixture_machine(&t->m, RAM, 1);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct elf_test *t = *state;
    fixture_machine_destroy(&t->m);
    free(t);
    return 0;
}

static const struct fixture_segment two_segments[] = {
    {.vaddr = 0xffffffff81000000ull, .paddr = MIB(1), .filesz = 0x1234, .memsz = 0x3000},
    {.vaddr = 0xffffffff82000000ull, .paddr = MIB(4), .filesz = 0x2000, .memsz = 0x2000},
};

static void check_segment(const struct guest_memory *mem, unsigned n,
                          const struct fixture_segment *s)
{
    const uint8_t *p = guest_memory__hva(mem, s->paddr, s->memsz);
    assert_non_null(p);
    for (uint64_t i = 0; i < s->filesz; i++)
        assert_int_equal(p[i], fixture_byte(n, i));
    for (uint64_t i = s->filesz; i < s->memsz; i++)
        assert_int_equal(p[i], 0);
}

static void loads_two_segments_by_paddr(void **state)
{
    struct elf_test *t = *state;
    /* stale bytes where the bss goes: the loader must zero them */
    memset(guest_memory__hva(&t->m.mem, MIB(1), 0x3000), 0xcc, 0x3000);
    size_t len;
    uint8_t *f = fixture_elf(two_segments, 2, 0xffffffff81000100ull, &len);
    struct elf_image img;
    struct err err;
    assert_true(elf__detect(f, len));
    assert_int_equal(elf__load(&t->m.mem, f, len, "k", &img, &err), 0);
    check_segment(&t->m.mem, 0, &two_segments[0]);
    check_segment(&t->m.mem, 1, &two_segments[1]);
    assert_int_equal(img.entry, MIB(1) + 0x100); /* virtual entry translated */
    assert_int_equal(img.load_start, MIB(1));
    assert_int_equal(img.load_end, MIB(4) + 0x2000);
    free(f);
}

static void physical_entry_as_in_vmlinux(void **state)
{
    struct elf_test *t = *state;
    size_t len;
    uint8_t *f = fixture_elf(two_segments, 2, MIB(4) + 0x10, &len);
    struct elf_image img;
    struct err err;
    assert_int_equal(elf__load(&t->m.mem, f, len, "k", &img, &err), 0);
    assert_int_equal(img.entry, MIB(4) + 0x10);
    free(f);
}

static void identity_mapped_guest(void **state)
{
    struct elf_test *t = *state;
    const struct fixture_segment seg = {
        .vaddr = MIB(2), .paddr = MIB(2), .filesz = 100, .memsz = 100};
    size_t len;
    uint8_t *f = fixture_elf(&seg, 1, MIB(2) + 4, &len);
    struct elf_image img;
    struct err err;
    assert_int_equal(elf__load(&t->m.mem, f, len, "k", &img, &err), 0);
    assert_int_equal(img.entry, MIB(2) + 4);
    free(f);
}

/* Loads a one-segment file after mutate() and expects an error containing want. */
static void expect_error(struct elf_test *t, const struct fixture_segment *seg, uint64_t entry,
                         void (*mutate)(uint8_t *f, size_t *len), const char *want)
{
    size_t len;
    uint8_t *f = fixture_elf(seg, 1, entry, &len);
    if (mutate)
        mutate(f, &len);
    struct elf_image img;
    struct err err = {0};
    assert_int_equal(elf__load(&t->m.mem, f, len, "bad.elf", &img, &err), -1);
    if (!strstr(err.msg, want))
        fail_msg("error '%s' does not say '%s'", err.msg, want);
    assert_non_null(strstr(err.msg, "bad.elf"));
    free(f);
}

static Elf64_Phdr get_phdr(const uint8_t *f)
{
    Elf64_Phdr ph;
    memcpy(&ph, f + sizeof(Elf64_Ehdr), sizeof(ph));
    return ph;
}

static void put_phdr(uint8_t *f, const Elf64_Phdr *ph)
{
    memcpy(f + sizeof(Elf64_Ehdr), ph, sizeof(*ph));
}

static void set_elf32(uint8_t *f, size_t *len)
{
    (void)len;
    f[EI_CLASS] = ELFCLASS32;
}

static void set_machine_arm(uint8_t *f, size_t *len)
{
    (void)len;
    Elf64_Half machine = EM_AARCH64;
    memcpy(f + offsetof(Elf64_Ehdr, e_machine), &machine, sizeof(machine));
}

static void set_relocatable(uint8_t *f, size_t *len)
{
    (void)len;
    Elf64_Half type = ET_REL;
    memcpy(f + offsetof(Elf64_Ehdr, e_type), &type, sizeof(type));
}

static void truncate_header(uint8_t *f, size_t *len)
{
    (void)f;
    *len = 40;
}

static void phoff_past_end(uint8_t *f, size_t *len)
{
    Elf64_Off off = *len - 8;
    memcpy(f + offsetof(Elf64_Ehdr, e_phoff), &off, sizeof(off));
}

static void phoff_huge(uint8_t *f, size_t *len)
{
    (void)len;
    Elf64_Off off = UINT64_MAX - 8;
    memcpy(f + offsetof(Elf64_Ehdr, e_phoff), &off, sizeof(off));
}

static void phnum_many(uint8_t *f, size_t *len)
{
    (void)len;
    Elf64_Half n = 0xfffe;
    memcpy(f + offsetof(Elf64_Ehdr, e_phnum), &n, sizeof(n));
}

static void phentsize_wrong(uint8_t *f, size_t *len)
{
    (void)len;
    Elf64_Half n = 32;
    memcpy(f + offsetof(Elf64_Ehdr, e_phentsize), &n, sizeof(n));
}

static void offset_past_end(uint8_t *f, size_t *len)
{
    Elf64_Phdr ph = get_phdr(f);
    ph.p_offset = *len - 10;
    put_phdr(f, &ph);
}

static void offset_wraps(uint8_t *f, size_t *len)
{
    (void)len;
    Elf64_Phdr ph = get_phdr(f);
    ph.p_offset = UINT64_MAX - 4;
    put_phdr(f, &ph);
}

static void filesz_beyond_memsz(uint8_t *f, size_t *len)
{
    (void)len;
    Elf64_Phdr ph = get_phdr(f);
    ph.p_memsz = ph.p_filesz - 1;
    put_phdr(f, &ph);
}

static void not_load(uint8_t *f, size_t *len)
{
    (void)len;
    Elf64_Phdr ph = get_phdr(f);
    ph.p_type = PT_NOTE;
    put_phdr(f, &ph);
}

static void hostile_files(void **state)
{
    struct elf_test *t = *state;
    const struct fixture_segment ok = {
        .vaddr = MIB(1), .paddr = MIB(1), .filesz = 64, .memsz = 128};
    expect_error(t, &ok, MIB(1), set_elf32, "not a 64-bit x86-64 ELF");
    expect_error(t, &ok, MIB(1), set_machine_arm, "not a 64-bit x86-64 ELF");
    expect_error(t, &ok, MIB(1), set_relocatable, "not an ELF executable");
    expect_error(t, &ok, MIB(1), truncate_header, "truncated ELF header");
    expect_error(t, &ok, MIB(1), phoff_past_end, "program headers extend past");
    expect_error(t, &ok, MIB(1), phoff_huge, "program headers extend past");
    expect_error(t, &ok, MIB(1), phnum_many, "program headers extend past");
    expect_error(t, &ok, MIB(1), phentsize_wrong, "bad ELF program header table");
    expect_error(t, &ok, MIB(1), offset_past_end, "past the end of the file");
    expect_error(t, &ok, MIB(1), offset_wraps, "past the end of the file");
    expect_error(t, &ok, MIB(1), filesz_beyond_memsz, "file size beyond its memory size");
    expect_error(t, &ok, MIB(1), not_load, "no loadable segment");
    expect_error(t, &ok, MIB(8), NULL, "entry point 0x800000 is outside");
}

static void segments_outside_ram(void **state)
{
    struct elf_test *t = *state;
    const struct fixture_segment beyond = {.paddr = RAM - 0x1000, .filesz = 16, .memsz = 0x2000};
    const struct fixture_segment far = {.paddr = GIB(3) + MIB(1), .filesz = 16, .memsz = 16};
    const struct fixture_segment wraps = {
        .paddr = UINT64_MAX - 0xfff, .filesz = 16, .memsz = 0x2000};
    const struct fixture_segment low = {.paddr = 0x8000, .filesz = 16, .memsz = 16};
    expect_error(t, &beyond, RAM - 0x1000, NULL, "is outside guest RAM (32 MiB)");
    expect_error(t, &far, GIB(3) + MIB(1), NULL, "is outside guest RAM");
    expect_error(t, &wraps, UINT64_MAX - 0xfff, NULL, "is outside guest RAM");
    expect_error(t, &low, 0x8000, NULL, "overlaps the boot area below 1 MiB");
}

/* Random corruption of a valid file: errors or loads, never a crash (ASan watches). */
static void random_corruption(void **state)
{
    struct elf_test *t = *state;
    size_t len;
    uint8_t *f = fixture_elf(two_segments, 2, MIB(1), &len);
    uint8_t *g = malloc(len);
    srand(12345);
    for (int round = 0; round < 2000; round++) {
        memcpy(g, f, len);
        for (int k = 0; k < 4; k++)
            g[(size_t)rand() % (sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr))] = (uint8_t)rand();
        struct elf_image img;
        struct err err;
        (void)elf__load(&t->m.mem, g, (size_t)rand() % (len + 1), "k", &img, &err);
    }
    free(g);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(loads_two_segments_by_paddr, setup, teardown),
        cmocka_unit_test_setup_teardown(physical_entry_as_in_vmlinux, setup, teardown),
        cmocka_unit_test_setup_teardown(identity_mapped_guest, setup, teardown),
        cmocka_unit_test_setup_teardown(hostile_files, setup, teardown),
        cmocka_unit_test_setup_teardown(segments_outside_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(random_corruption, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
