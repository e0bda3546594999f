// SPDX-License-Identifier: Apache-2.0
/*
 * decompress.c - bzImage payload decompression with the host's libraries:
 * zlib (gzip, RFC 1952), liblzma (xz), libzstd (zstd, RFC 8878) and liblz4
 * (LZ4 legacy frames: a magic number, then blocks of [le32 compressed size,
 * LZ4 block] each inflating to at most 8 MiB). See decompress.h.
 *
 * The size trailer fixes the output size up front; a stream that does not
 * decompress to exactly that many bytes is corrupt.
 */
#include "board/boot/decompress.h"

#include <errno.h>
#include <lz4.h>
#include <lzma.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <zlib.h>
#include <zstd.h>

#include "board/boot/unaligned.h"

#define SIZE_TRAILER          4
#define LZ4_LEGACY_MAGIC      0x184c2102u
#define LZ4_LEGACY_BLOCK_SIZE (8u << 20)

/* Each decoder fills out[0, out_len) from a whole stream; false if it cannot exactly. */

static bool gunzip(const uint8_t *in, size_t len, uint8_t *out, size_t out_len)
{
    z_stream zs = {0};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) /* 16: gzip wrapper */
        return false;
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)out_len;
    int rc = inflate(&zs, Z_FINISH);
    bool ok = rc == Z_STREAM_END && zs.total_out == out_len;
    inflateEnd(&zs);
    return ok;
}

static bool unxz(const uint8_t *in, size_t len, uint8_t *out, size_t out_len)
{
    lzma_stream xs = LZMA_STREAM_INIT;
    if (lzma_stream_decoder(&xs, UINT64_MAX, 0) != LZMA_OK)
        return false;
    xs.next_in = in;
    xs.avail_in = len;
    xs.next_out = out;
    xs.avail_out = out_len;
    lzma_ret rc = lzma_code(&xs, LZMA_FINISH);
    bool ok = rc == LZMA_STREAM_END && xs.total_out == out_len;
    lzma_end(&xs);
    return ok;
}

static bool unzstd(const uint8_t *in, size_t len, uint8_t *out, size_t out_len)
{
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    if (!dctx)
        return false;
    /* The kernel compresses with --ultra -22: allow any window the format allows. */
    ZSTD_bounds window = ZSTD_dParam_getBounds(ZSTD_d_windowLogMax);
    ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, window.upperBound);
    size_t n = ZSTD_decompressDCtx(dctx, out, out_len, in, len);
    ZSTD_freeDCtx(dctx);
    return !ZSTD_isError(n) && n == out_len;
}

static bool unlz4_legacy(const uint8_t *in, size_t len, uint8_t *out, size_t out_len)
{
    size_t pos = 0, done = 0; /* the leading magic is skipped like a concatenated one */
    while (pos < len) {
        if (len - pos < 4)
            return false;
        uint32_t block = get_le32(in + pos);
        pos += 4;
        if (block == LZ4_LEGACY_MAGIC) /* concatenated streams */
            continue;
        if (block == 0 || block > (uint32_t)LZ4_compressBound(LZ4_LEGACY_BLOCK_SIZE) ||
            block > len - pos)
            return false;
        size_t room = out_len - done;
        if (room > LZ4_LEGACY_BLOCK_SIZE)
            room = LZ4_LEGACY_BLOCK_SIZE;
        int n =
            LZ4_decompress_safe((const char *)in + pos, (char *)out + done, (int)block, (int)room);
        if (n < 0)
            return false;
        done += (size_t)n;
        pos += block;
    }
    return done == out_len;
}

typedef bool (*decoder_fn)(const uint8_t *in, size_t len, uint8_t *out, size_t out_len);

static const struct format_desc {
    enum payload_format format;
    const char *name;
    uint8_t magic[6];
    size_t magic_len;
    decoder_fn decode;      /* NULL: recognised but not supported */
    bool trailer_in_stream; /* gzip: the size trailer is the stream's own ISIZE */
} formats[] = {
    {PAYLOAD_GZIP, "gzip", {0x1f, 0x8b}, 2, gunzip, true},
    {PAYLOAD_XZ, "xz", {0xfd, '7', 'z', 'X', 'Z', 0x00}, 6, unxz, false},
    {PAYLOAD_ZSTD, "zstd", {0x28, 0xb5, 0x2f, 0xfd}, 4, unzstd, false},
    {PAYLOAD_LZ4_LEGACY, "lz4", {0x02, 0x21, 0x4c, 0x18}, 4, unlz4_legacy, false},
    {PAYLOAD_BZIP2, "bzip2", {'B', 'Z', 'h'}, 3, NULL, false},
    {PAYLOAD_LZMA, "lzma", {0x5d, 0x00, 0x00}, 3, NULL, false},
    {PAYLOAD_LZO, "lzo", {0x89, 'L', 'Z', 'O'}, 4, NULL, false},
};

static const struct format_desc *find_format(const uint8_t *in, size_t len)
{
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (len >= formats[i].magic_len && !memcmp(in, formats[i].magic, formats[i].magic_len))
            return &formats[i];
    return NULL;
}

enum payload_format decompress__detect(const uint8_t *in, size_t len)
{
    const struct format_desc *f = find_format(in, len);
    return f ? f->format : PAYLOAD_UNKNOWN;
}

int decompress__payload(const uint8_t *in, size_t len, const char *name, uint8_t **out,
                        size_t *out_len, struct err *err)
{
    *out = NULL;
    *out_len = 0;
    const struct format_desc *f = find_format(in, len);
    if (!f)
        return err__set(err, "kernel '%s': unknown payload compression", name);
    if (!f->decode)
        return err__set(err, "kernel '%s': %s-compressed payloads are not supported", name,
                        f->name);
    if (len < f->magic_len + SIZE_TRAILER || len > UINT32_MAX)
        return err__set(err, "kernel '%s': corrupt %s payload", name, f->name);

    size_t size = get_le32(in + len - SIZE_TRAILER);
    if (size == 0 || size > DECOMPRESS_MAX_OUTPUT)
        return err__set(err, "kernel '%s': corrupt %s payload (decompressed size %zu)", name,
                        f->name, size);
    /* mmap: a hostile size reserves address space only, never touched memory */
    uint8_t *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (buf == MAP_FAILED)
        return err__set_errno(err, errno, "kernel '%s': cannot map %zu bytes for the kernel", name,
                              size);

    size_t stream_len = f->trailer_in_stream ? len : len - SIZE_TRAILER;
    if (!f->decode(in, stream_len, buf, size)) {
        munmap(buf, size);
        return err__set(err, "kernel '%s': corrupt %s payload", name, f->name);
    }
    *out = buf;
    *out_len = size;
    return 0;
}

void decompress__free(uint8_t *out, size_t out_len)
{
    if (out)
        munmap(out, out_len);
}
