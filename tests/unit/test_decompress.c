// SPDX-License-Identifier: Apache-2.0
/*
 * test_decompress.c - unit tests for bzImage payload decompression
 * (src/board/boot/decompress.c): a known buffer is compressed here with
 * each library, wrapped as the kernel build wraps it (size trailer, LZ4
 * legacy framing), decompressed and compared; damaged streams must fail
 * with one clean error.
 */
#include <lz4.h>
#include <lzma.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include <cmocka.h>

#include "boot_fixtures.h"
#include "board/boot/decompress.h"

/* Larger than one LZ4 legacy block (8 MiB), so the LZ4 stream has two. */
#define PLAIN_SIZE ((9u << 20) + 12345)
#define LZ4_BLOCK  (8u << 20)

static uint8_t *plain;

static int make_plain(void **state)
{
    (void)state;
    plain = malloc(PLAIN_SIZE);
    uint32_t x = 1;
    for (size_t i = 0; i < PLAIN_SIZE; i++) {
        x = x * 1103515245 + 12345;
        /* compressible but not trivial: runs of text with noise */
        plain[i] = (i % 1024 < 700) ? (uint8_t)("strata vmm "[i % 11]) : (uint8_t)(x >> 24);
    }
    return 0;
}

static int free_plain(void **state)
{
    (void)state;
    free(plain);
    return 0;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Appends the kernel build's size trailer (size_append in scripts/Makefile.lib). */
static uint8_t *with_size(uint8_t *stream, size_t *len, uint32_t size)
{
    stream = realloc(stream, *len + 4);
    put_le32(stream + *len, size);
    *len += 4;
    return stream;
}

static uint8_t *make_gzip(size_t *len)
{
    return fixture_gzip(plain, PLAIN_SIZE, len); /* ISIZE is the trailer */
}

static uint8_t *make_xz(size_t *len)
{
    size_t cap = lzma_stream_buffer_bound(PLAIN_SIZE);
    uint8_t *out = malloc(cap + 4);
    *len = 0;
    assert_int_equal(
        lzma_easy_buffer_encode(0, LZMA_CHECK_CRC32, NULL, plain, PLAIN_SIZE, out, len, cap),
        LZMA_OK);
    return with_size(out, len, PLAIN_SIZE);
}

static uint8_t *make_zstd(size_t *len)
{
    size_t cap = ZSTD_compressBound(PLAIN_SIZE);
    uint8_t *out = malloc(cap);
    *len = ZSTD_compress(out, cap, plain, PLAIN_SIZE, 3);
    assert_false(ZSTD_isError(*len));
    return with_size(out, len, PLAIN_SIZE);
}

static uint8_t *make_lz4_legacy(size_t *len)
{
    size_t cap = 4 + 2 * (4 + (size_t)LZ4_compressBound(LZ4_BLOCK)) + 4;
    uint8_t *out = malloc(cap);
    put_le32(out, 0x184c2102);
    size_t pos = 4;
    for (size_t done = 0; done < PLAIN_SIZE;) {
        size_t chunk = PLAIN_SIZE - done < LZ4_BLOCK ? PLAIN_SIZE - done : LZ4_BLOCK;
        int n = LZ4_compress_default((const char *)plain + done, (char *)out + pos + 4, (int)chunk,
                                     LZ4_compressBound(LZ4_BLOCK));
        assert_true(n > 0);
        put_le32(out + pos, (uint32_t)n);
        pos += 4 + (size_t)n;
        done += chunk;
    }
    *len = pos;
    return with_size(out, len, PLAIN_SIZE);
}

struct format_case {
    const char *name;
    enum payload_format format;
    uint8_t *(*make)(size_t *len);
    uint8_t *stream; /* made once by setup_streams */
    size_t len;
};

static struct format_case cases[] = {
    {.name = "gzip", .format = PAYLOAD_GZIP, .make = make_gzip},
    {.name = "xz", .format = PAYLOAD_XZ, .make = make_xz},
    {.name = "zstd", .format = PAYLOAD_ZSTD, .make = make_zstd},
    {.name = "lz4", .format = PAYLOAD_LZ4_LEGACY, .make = make_lz4_legacy},
};

/* A fresh copy of the case's compressed stream, to damage at will. */
static uint8_t *stream_copy(const struct format_case *c, size_t *len)
{
    uint8_t *copy = malloc(c->len);
    memcpy(copy, c->stream, c->len);
    *len = c->len;
    return copy;
}

static int setup_streams(void **state)
{
    make_plain(state);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cases[i].stream = cases[i].make(&cases[i].len);
    return 0;
}

static int free_streams(void **state)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        free(cases[i].stream);
    return free_plain(state);
}

static void roundtrip(const struct format_case *c)
{
    size_t len;
    uint8_t *stream = stream_copy(c, &len);
    assert_int_equal(decompress__detect(stream, len), c->format);
    uint8_t *out;
    size_t out_len;
    struct err err = {0};
    if (decompress__payload(stream, len, "k", &out, &out_len, &err))
        fail_msg("%s: %s", c->name, err.msg);
    assert_int_equal(out_len, PLAIN_SIZE);
    assert_memory_equal(out, plain, PLAIN_SIZE);
    decompress__free(out, out_len);
    free(stream);
}

/* The stream must fail to decompress with "kernel 'k': corrupt NAME payload". */
static void expect_corrupt(const struct format_case *c, const uint8_t *stream, size_t len,
                           const char *what)
{
    uint8_t *out = (uint8_t *)1;
    size_t out_len = 1;
    struct err err = {0};
    if (decompress__payload(stream, len, "k", &out, &out_len, &err) == 0)
        fail_msg("%s: %s was accepted", c->name, what);
    char want[64];
    snprintf(want, sizeof(want), "kernel 'k': corrupt %s payload", c->name);
    if (strncmp(err.msg, want, strlen(want)))
        fail_msg("%s: %s gave '%s'", c->name, what, err.msg);
    assert_null(out);
    assert_int_equal(out_len, 0);
}

static void corruptions(const struct format_case *c)
{
    size_t len;
    uint8_t *stream = stream_copy(c, &len);
    uint8_t *bad = malloc(len);

    /* the stream cut short, its size trailer kept */
    memcpy(bad, stream, len - 4 - 1000);
    memcpy(bad + len - 4 - 1000, stream + len - 4, 4);
    expect_corrupt(c, bad, len - 1000, "a truncated stream");

    /* a size trailer that does not match (gzip: its ISIZE, so also its check) */
    memcpy(bad, stream, len);
    put_le32(bad + len - 4, PLAIN_SIZE + 1);
    expect_corrupt(c, bad, len, "a wrong size");
    put_le32(bad + len - 4, 0xffffffff);
    expect_corrupt(c, bad, len, "an impossible size");

    /* only the magic and a trailer */
    memcpy(bad, stream, 8);
    expect_corrupt(c, bad, 8, "a stream of nothing");

    /* garbage after the magic, of the right size: never a crash (ASan watches) */
    srand(7);
    memcpy(bad, stream, len);
    for (size_t i = 8; i < 4096; i++)
        bad[i] = (uint8_t)rand();
    put_le32(bad + 4096, PLAIN_SIZE);
    expect_corrupt(c, bad, 4096 + 4, "garbage");
    free(bad);
    free(stream);
}

static void gzip_roundtrip(void **state)
{
    (void)state;
    roundtrip(&cases[0]);
    corruptions(&cases[0]);
}

static void xz_roundtrip(void **state)
{
    (void)state;
    roundtrip(&cases[1]);
    corruptions(&cases[1]);
}

static void zstd_roundtrip(void **state)
{
    (void)state;
    roundtrip(&cases[2]);
    corruptions(&cases[2]);
}

static void lz4_legacy_roundtrip(void **state)
{
    (void)state;
    roundtrip(&cases[3]);
    corruptions(&cases[3]);
}

/* A corrupt LZ4 block length (LZ4 carries no checksum, so only framing errors are visible). */
static void lz4_bad_block_length(void **state)
{
    (void)state;
    size_t len;
    uint8_t *stream = stream_copy(&cases[3], &len);
    put_le32(stream + 4, (uint32_t)len); /* first block longer than the stream */
    expect_corrupt(&cases[3], stream, len, "a block past the end");
    put_le32(stream + 4, 0);
    expect_corrupt(&cases[3], stream, len, "an empty block");
    free(stream);
}

/* A checksummed stream with one flipped byte in the middle. */
static void flipped_byte(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) { /* gzip (CRC-32) and xz (CRC-32 check) */
        size_t len;
        uint8_t *stream = stream_copy(&cases[i], &len);
        stream[len / 2] ^= 0x40;
        expect_corrupt(&cases[i], stream, len, "a flipped byte");
        free(stream);
    }
}

static void unsupported_and_unknown(void **state)
{
    (void)state;
    const uint8_t bzip2[] = {'B', 'Z', 'h', '9', 1, 2, 3, 4, 5, 6};
    const uint8_t lzma[] = {0x5d, 0, 0, 0x80, 0, 1, 2, 3, 4};
    const uint8_t lzo[] = {0x89, 'L', 'Z', 'O', 0, 1, 2, 3, 4};
    const uint8_t junk[] = {0x7f, 'E', 'L', 'F', 0, 1, 2, 3, 4};
    uint8_t *out;
    size_t out_len;
    struct err err;
    assert_int_equal(decompress__payload(bzip2, sizeof(bzip2), "k", &out, &out_len, &err), -1);
    assert_string_equal(err.msg, "kernel 'k': bzip2-compressed payloads are not supported");
    assert_int_equal(decompress__payload(lzma, sizeof(lzma), "k", &out, &out_len, &err), -1);
    assert_string_equal(err.msg, "kernel 'k': lzma-compressed payloads are not supported");
    assert_int_equal(decompress__payload(lzo, sizeof(lzo), "k", &out, &out_len, &err), -1);
    assert_string_equal(err.msg, "kernel 'k': lzo-compressed payloads are not supported");
    assert_int_equal(decompress__payload(junk, sizeof(junk), "k", &out, &out_len, &err), -1);
    assert_string_equal(err.msg, "kernel 'k': unknown payload compression");
    assert_int_equal(decompress__payload(junk, 1, "k", &out, &out_len, &err), -1);
    assert_int_equal(decompress__detect(junk, 0), PAYLOAD_UNKNOWN);
}

/* Every short prefix of every format fails cleanly. */
static void short_streams(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        size_t len;
        uint8_t *stream = stream_copy(&cases[c], &len);
        for (size_t n = 0; n < 64; n++) {
            uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees any overread */
            memcpy(copy, stream, n);
            uint8_t *out;
            size_t out_len;
            struct err err;
            assert_int_equal(decompress__payload(copy, n, "k", &out, &out_len, &err), -1);
            free(copy);
        }
        free(stream);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gzip_roundtrip),          cmocka_unit_test(xz_roundtrip),
        cmocka_unit_test(zstd_roundtrip),          cmocka_unit_test(lz4_legacy_roundtrip),
        cmocka_unit_test(lz4_bad_block_length),    cmocka_unit_test(flipped_byte),
        cmocka_unit_test(unsupported_and_unknown), cmocka_unit_test(short_streams),
    };
    return cmocka_run_group_tests(tests, setup_streams, free_streams);
}
