/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decompress.h - decompressing a bzImage payload on the host.
 *
 * The payload is one compressed stream as the kernel's build produces it
 * (arch/x86/boot/compressed/Makefile): gzip, xz, zstd or LZ4 legacy frames
 * ("lz4 -l", Debian's choice), each followed by the decompressed size as a
 * 4-byte little-endian number (gzip's own ISIZE trailer plays that role).
 * The format is told by the stream's magic number.
 */
#ifndef STRATA_BOARD_BOOT_DECOMPRESS_H
#define STRATA_BOARD_BOOT_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Largest decompressed kernel accepted: a hostile size field cannot ask for more. */
#define DECOMPRESS_MAX_OUTPUT (1ull << 30)

enum payload_format {
    PAYLOAD_UNKNOWN,
    PAYLOAD_GZIP,
    PAYLOAD_XZ,
    PAYLOAD_ZSTD,
    PAYLOAD_LZ4_LEGACY,
    PAYLOAD_BZIP2, /* recognised, not supported */
    PAYLOAD_LZMA,
    PAYLOAD_LZO,
};

enum payload_format decompress__detect(const uint8_t *in, size_t len);

/*
 * Decompresses in[0, len) (stream plus size trailer) into a new buffer *out
 * of *out_len bytes, to be released with decompress__free(). name is used in
 * errors: "kernel 'NAME': corrupt lz4 payload".
 */
int decompress__payload(const uint8_t *in, size_t len, const char *name, uint8_t **out,
                        size_t *out_len, struct err *err);
void decompress__free(uint8_t *out, size_t out_len);

#endif
