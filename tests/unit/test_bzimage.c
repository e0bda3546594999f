// SPDX-License-Identifier: Apache-2.0
/*
 * test_bzimage.c - unit tests for bzImage parsing (src/board/boot/bzimage.c)
 * and for boot__load on bzImages: synthetic images built here, good and bad,
 * and Debian's kernel when `make guest` has fetched it (skipped otherwise).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "boot_fixtures.h"
#include "board/boot/boot.h"
#include "board/boot/bzimage.h"
#include "board/layout.h"

#define PAYLOAD_START (5 * 512 + 0x100) /* where fixture_bzimage puts the payload */

static struct setup_header *header_of(uint8_t *image)
{
    return (struct setup_header *)(image + SETUP_HEADER_OFFSET);
}

static void parses_a_good_header(void **state)
{
    (void)state;
    const uint8_t payload[] = "pretend compressed kernel";
    size_t len;
    uint8_t *img = fixture_bzimage(payload, sizeof(payload), &len);
    struct bzimage bz;
    struct err err;
    assert_true(bzimage__detect(img, len));
    assert_int_equal(bzimage__parse(img, len, "k", &bz, &err), 0);
    assert_ptr_equal(bz.payload, img + PAYLOAD_START);
    assert_int_equal(bz.payload_len, sizeof(payload));
    assert_int_equal(bz.hdr.version, 0x020f);
    assert_int_equal(bz.hdr.cmdline_size, 0x7ff);
    assert_int_equal(bz.hdr.initrd_addr_max, 0x7fffffff);
    assert_int_equal(bz.hdr.init_size, 0x800000);

    /* setup_sects 0 means 4 */
    header_of(img)->setup_sects = 0;
    assert_int_equal(bzimage__parse(img, len, "k", &bz, &err), 0);
    assert_ptr_equal(bz.payload, img + PAYLOAD_START);

    /* a header shorter than ours (as of protocol 2.08) is zero-extended */
    img[0x201] = 0x250 - 0x202;
    assert_int_equal(bzimage__parse(img, len, "k", &bz, &err), 0);
    assert_int_equal(bz.hdr.payload_length, sizeof(payload));
    assert_int_equal(bz.hdr.init_size, 0);
    free(img);
}

static void not_a_bzimage(void **state)
{
    (void)state;
    uint8_t junk[0x400] = {0};
    assert_false(bzimage__detect(junk, sizeof(junk)));
    memcpy(junk + 0x202, "HdrS", 4);
    assert_true(bzimage__detect(junk, sizeof(junk)));
    assert_false(bzimage__detect(junk, 0x205)); /* magic cut off */
    assert_false(bzimage__detect(junk, 0));
}

static void expect_parse_error(uint8_t *img, size_t len, const char *want)
{
    struct bzimage bz;
    struct err err = {0};
    assert_int_equal(bzimage__parse(img, len, "bz", &bz, &err), -1);
    if (!strstr(err.msg, want))
        fail_msg("error '%s' does not say '%s'", err.msg, want);
}

static void bad_headers(void **state)
{
    (void)state;
    const uint8_t payload[64] = {1};
    size_t len;
    uint8_t *img = fixture_bzimage(payload, sizeof(payload), &len);

    header_of(img)->version = 0x0206;
    expect_parse_error(img, len, "boot protocol 2.06 is too old (need 2.08 or later)");
    header_of(img)->version = 0x020f;

    expect_parse_error(img, len - 1, "truncated bzImage (payload ends at byte");
    expect_parse_error(img, 0x230, "truncated bzImage setup header");

    header_of(img)->payload_offset = 0xffffffff;
    expect_parse_error(img, len, "truncated bzImage");
    header_of(img)->payload_offset = 0x100;
    header_of(img)->payload_length = 0xffffffff;
    expect_parse_error(img, len, "truncated bzImage");
    header_of(img)->payload_length = 0;
    expect_parse_error(img, len, "empty payload");
    header_of(img)->payload_length = sizeof(payload);

    header_of(img)->setup_sects = 0xff;
    expect_parse_error(img, len, "truncated bzImage");
    header_of(img)->setup_sects = 4;

    img[0x201] = 0x10; /* header ends before payload_offset */
    expect_parse_error(img, len, "truncated bzImage setup header");
    free(img);
}

/* Random damage to the header: an error or success, never a crash (ASan watches). */
static void random_headers(void **state)
{
    (void)state;
    const uint8_t payload[64] = {1};
    size_t len;
    uint8_t *img = fixture_bzimage(payload, sizeof(payload), &len);
    uint8_t *copy = malloc(len);
    srand(99);
    for (int round = 0; round < 5000; round++) {
        memcpy(copy, img, len);
        for (int k = 0; k < 3; k++)
            copy[SETUP_HEADER_OFFSET + (size_t)rand() % sizeof(struct setup_header)] =
                (uint8_t)rand();
        size_t cut = (size_t)rand() % (len + 1);
        uint8_t *exact = malloc(cut ? cut : 1); /* exact size: ASan sees any overread */
        memcpy(exact, copy, cut);
        struct bzimage bz;
        struct err err;
        if (bzimage__parse(exact, cut, "k", &bz, &err) == 0)
            assert_true(bz.payload >= exact && bz.payload + bz.payload_len <= exact + cut);
        free(exact);
    }
    free(copy);
    free(img);
}

/* A bzImage whose gzip payload is a two-segment vmlinux-like ELF, on disk. */
static void write_gzip_bzimage(char *path, int damage)
{
    const struct fixture_segment segs[] = {
        {.vaddr = 0xffffffff81000000ull, .paddr = MIB(16), .filesz = 0x5000, .memsz = 0x5000},
        {.vaddr = 0xffffffff82000000ull, .paddr = MIB(17), .filesz = 0x100, .memsz = MIB(1)},
    };
    size_t elf_len, gz_len, len;
    uint8_t *elf = fixture_elf(segs, 2, MIB(16), &elf_len); /* physical entry, as vmlinux */
    uint8_t *gz = fixture_gzip(elf, elf_len, &gz_len);
    if (damage)
        gz[gz_len / 2] ^= 0x10;
    uint8_t *img = fixture_bzimage(gz, gz_len, &len);
    fixture_write_file(img, len, path);
    free(img);
    free(gz);
    free(elf);
}

static int boot_file(const char *path, struct machine *m, struct cpu_state *st, struct err *err)
{
    fixture_machine(m, MIB(64), 1);
    struct boot_config cfg = {.kernel_path = path, .cmdline = "console=ttyS0"};
    return boot__load(m, &cfg, st, err);
}

static void boots_a_gzip_bzimage(void **state)
{
    (void)state;
    char path[64];
    write_gzip_bzimage(path, 0);
    struct machine m;
    struct cpu_state *st = calloc(1, sizeof(*st));
    struct err err = {0};
    if (boot_file(path, &m, st, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(st->rip, MIB(16));
    assert_int_equal(st->gpr[CPU_RSI], LAYOUT_BOOT_PARAMS);
    const uint8_t *seg = guest_memory__hva(&m.mem, MIB(16), 0x5000);
    assert_int_equal(seg[0], fixture_byte(0, 0));
    assert_int_equal(seg[0x4fff], fixture_byte(0, 0x4fff));

    struct boot_params bp;
    assert_int_equal(guest_memory__read(&m.mem, LAYOUT_BOOT_PARAMS, &bp, sizeof(bp)), 0);
    assert_int_equal(bp.hdr.header, SETUP_HEADER_MAGIC);
    assert_int_equal(bp.hdr.version, 0x020f);
    assert_int_equal(bp.hdr.type_of_loader, 0xff);
    assert_int_equal(bp.hdr.loadflags & LOADED_HIGH, LOADED_HIGH);
    assert_int_equal(bp.hdr.cmd_line_ptr, LAYOUT_CMDLINE);
    assert_int_equal(bp.hdr.cmdline_size, 0x7ff);
    assert_int_equal(bp.e820_entries, 4);
    free(st);
    fixture_machine_destroy(&m);
    unlink(path);
}

/* Sets a 32-bit field of the setup header in a bzImage file. */
static void patch_header(const char *path, size_t field_offset, uint32_t value)
{
    FILE *f = fopen(path, "r+");
    assert_non_null(f);
    assert_int_equal(fseek(f, (long)(SETUP_HEADER_OFFSET + field_offset), SEEK_SET), 0);
    assert_int_equal(fwrite(&value, sizeof(value), 1, f), 1);
    fclose(f);
}

/* The kernel's initrd_addr_max and cmdline_size are honoured. */
static void kernel_limits(void **state)
{
    (void)state;
    char path[64], initrd[64];
    write_gzip_bzimage(path, 0);
    patch_header(path, offsetof(struct setup_header, initrd_addr_max), MIB(48) - 1);
    patch_header(path, offsetof(struct setup_header, cmdline_size), 16);
    uint8_t data[5000] = {1, 2, 3};
    fixture_write_file(data, sizeof(data), initrd);

    struct machine m;
    struct cpu_state *st = calloc(1, sizeof(*st));
    fixture_machine(&m, MIB(64), 1);
    struct boot_config cfg = {
        .kernel_path = path, .initrd_path = initrd, .cmdline = "0123456789abcdef"};
    struct err err = {0};
    if (boot__load(&m, &cfg, st, &err))
        fail_msg("%s", err.msg);
    struct boot_params bp;
    assert_int_equal(guest_memory__read(&m.mem, LAYOUT_BOOT_PARAMS, &bp, sizeof(bp)), 0);
    assert_int_equal(bp.hdr.ramdisk_image, (MIB(48) - sizeof(data)) & ~0xfffull);
    assert_int_equal(bp.hdr.ramdisk_size, sizeof(data));

    cfg.cmdline = "0123456789abcdefg";
    assert_int_equal(boot__load(&m, &cfg, st, &err), -1);
    assert_string_equal(err.msg,
                        "the kernel command line is 17 bytes long, the kernel takes at most 16");
    free(st);
    fixture_machine_destroy(&m);
    unlink(initrd);
    unlink(path);
}

/* boot__load of path fails with a message that starts with want. */
static void expect_boot_error(const char *path, const char *want)
{
    struct machine m;
    struct cpu_state *st = calloc(1, sizeof(*st));
    struct err err = {0};
    assert_int_equal(boot_file(path, &m, st, &err), -1);
    if (strncmp(err.msg, want, strlen(want)))
        fail_msg("error '%s', expected '%s...'", err.msg, want);
    free(st);
    fixture_machine_destroy(&m);
}

static void boot_errors(void **state)
{
    (void)state;
    char msg[256];
    char path[64];

    expect_boot_error("/nonexistent/vmlinuz",
                      "cannot open kernel '/nonexistent/vmlinuz': No such file or directory");
    expect_boot_error("/", "cannot read kernel '/': Is a directory");

    fixture_write_file("#!/bin/sh\necho not a kernel\n", 28, path);
    snprintf(msg, sizeof(msg), "kernel '%s' is neither a bzImage nor an ELF file", path);
    expect_boot_error(path, msg);
    unlink(path);

    fixture_write_file("", 0, path);
    snprintf(msg, sizeof(msg), "kernel '%s' is neither a bzImage nor an ELF file", path);
    expect_boot_error(path, msg);
    unlink(path);

    write_gzip_bzimage(path, 1);
    snprintf(msg, sizeof(msg), "kernel '%s': corrupt gzip payload", path);
    expect_boot_error(path, msg);
    unlink(path);

    /* truncated: the file cut in the middle of its payload */
    write_gzip_bzimage(path, 0);
    FILE *f = fopen(path, "r+");
    assert_int_equal(ftruncate(fileno(f), PAYLOAD_START + 100), 0);
    fclose(f);
    snprintf(msg, sizeof(msg), "kernel '%s': truncated bzImage (payload ends at byte", path);
    expect_boot_error(path, msg);
    unlink(path);
}

static void payload_is_not_elf(void **state)
{
    (void)state;
    const uint8_t text[] = "this is not an elf file, only text";
    size_t gz_len, len;
    uint8_t *gz = fixture_gzip(text, sizeof(text), &gz_len);
    uint8_t *img = fixture_bzimage(gz, gz_len, &len);
    char path[64], msg[256];
    fixture_write_file(img, len, path);
    snprintf(msg, sizeof(msg), "kernel '%s': the decompressed payload is not an ELF file", path);
    expect_boot_error(path, msg);
    unlink(path);
    free(img);
    free(gz);
}

/* Debian's LZ4-compressed kernel, if `make guest` fetched it: loads, with a real entry. */
static void debian_kernel(void **state)
{
    (void)state;
    const char *path = getenv("STRATA_VMLINUZ");
    if (!path)
        path = "guest/vmlinuz"; /* meson runs tests in the build directory */
    if (access(path, R_OK)) {
        print_message("skipped: no '%s' (run `make guest`, or set STRATA_VMLINUZ)\n", path);
        skip();
    }
    struct machine m;
    struct cpu_state *st = calloc(1, sizeof(*st));
    fixture_machine(&m, MIB(256), 1);
    struct boot_config cfg = {.kernel_path = path, .cmdline = "console=ttyS0"};
    struct err err = {0};
    if (boot__load(&m, &cfg, st, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(st->rip, 0x1000000); /* phys_startup_64 at LOAD_PHYSICAL_ADDR */
    struct boot_params bp;
    assert_int_equal(guest_memory__read(&m.mem, LAYOUT_BOOT_PARAMS, &bp, sizeof(bp)), 0);
    assert_true(bp.hdr.version >= 0x020f);
    free(st);
    fixture_machine_destroy(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_a_good_header), cmocka_unit_test(not_a_bzimage),
        cmocka_unit_test(bad_headers),          cmocka_unit_test(random_headers),
        cmocka_unit_test(boots_a_gzip_bzimage), cmocka_unit_test(kernel_limits),
        cmocka_unit_test(boot_errors),          cmocka_unit_test(payload_is_not_elf),
        cmocka_unit_test(debian_kernel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
