// SPDX-License-Identifier: Apache-2.0
/*
 * qcow2_compress.c - compressed clusters (QEMU docs/interop/qcow2.txt,
 * "Compressed Clusters Descriptor"): raw deflate (zlib, no header, a 4 KiB
 * window as QEMU writes it; any window reads) or a zstd frame, the type
 * named in the header. Decompression must fill the cluster exactly.
 */
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "block/qcow2.h"

int qcow2__decompress(uint8_t type, const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len)
{
    if (type == QCOW2_COMPRESSION_ZSTD) {
        /* The data may be followed by padding: stream it, stop when the cluster is full. */
        ZSTD_DStream *z = ZSTD_createDStream();
        if (!z)
            return -1;
        ZSTD_inBuffer ib = {in, in_len, 0};
        ZSTD_outBuffer ob = {out, out_len, 0};
        int rc = 0;
        while (ob.pos < out_len) {
            size_t r = ZSTD_decompressStream(z, &ob, &ib);
            if (ZSTD_isError(r)) {
                rc = -1;
                break;
            }
            if (ib.pos == ib.size && ob.pos < out_len && r != 0) {
                rc = -1;
                break;
            }
            if (r == 0)
                break;
        }
        ZSTD_freeDStream(z);
        return rc || ob.pos != out_len ? -1 : 0;
    }
    z_stream s;
    memset(&s, 0, sizeof(s));
    if (inflateInit2(&s, -15) != Z_OK)
        return -1;
    s.next_in = (Bytef *)in;
    s.avail_in = (uInt)in_len;
    s.next_out = out;
    s.avail_out = (uInt)out_len;
    int r = inflate(&s, Z_FINISH);
    size_t got = out_len - s.avail_out;
    inflateEnd(&s);
    if (r != Z_STREAM_END && r != Z_OK && r != Z_BUF_ERROR)
        return -1;
    return got == out_len ? 0 : -1;
}

size_t qcow2__compress(uint8_t type, const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap)
{
    if (type == QCOW2_COMPRESSION_ZSTD) {
        size_t n = ZSTD_compress(out, out_cap, in, in_len, 1);
        return ZSTD_isError(n) || n >= out_cap ? 0 : n;
    }
    z_stream s;
    memset(&s, 0, sizeof(s));
    if (deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    s.next_in = (Bytef *)in;
    s.avail_in = (uInt)in_len;
    s.next_out = out;
    s.avail_out = (uInt)out_cap;
    int r = deflate(&s, Z_FINISH);
    size_t n = out_cap - s.avail_out;
    deflateEnd(&s);
    return r == Z_STREAM_END ? n : 0;
}
