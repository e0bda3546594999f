// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_bzimage.c - fuzz target for the bzImage kernel loader
 * (src/board/boot/bzimage.c, decompress.c, then elf.c, chained as
 * boot.c does) in libFuzzer's form: the input is a kernel file given to
 * `strata run --kernel`.
 *
 * Byte 0 chooses the shape: bits 0-1 = 0 leaves the rest of the input as
 * the file; 1 writes a valid setup header (magic, protocol 2.15, setup
 * sectors, payload offset and length folded into the file) over it, so
 * that the payload's decompressor sees random data behind a random or a
 * real format magic (bits 2-4 pick gzip, xz, zstd, lz4, lzma, lzo, bzip2
 * or none); 2 and 3 make the payload a real gzip stream of the rest,
 * shaped into an ELF64 executable (fuzz_loaders.c) when bits 5-7 are not
 * all set, so that the ELF loader runs on what came out.
 *
 * Checks: no sanitizer report or crash; a payload that decompresses
 * comes out as long as its gzip trailer said; a load that succeeds
 * reports a range inside guest RAM.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "board/boot/bzimage.h"
#include "board/boot/decompress.h"
#include "board/boot/elf.h"
#include "fuzz_loaders.h"
#include "fuzz_machine.h"

#define MAX_FILE    (256u << 10)
#define SETUP_SECTS 4
#define PAYLOAD_AT  ((SETUP_SECTS + 1) * 512)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}
static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

/* A setup header (boot.rst) announcing payload_len bytes at PAYLOAD_AT. */
static void setup_header(uint8_t *file, uint32_t payload_len)
{
    file[0x1f1] = SETUP_SECTS;
    file[0x201] = 0x66; /* jump: the header runs to 0x268 */
    memcpy(file + 0x202, "HdrS", 4);
    put16(file + 0x206, 0x020f);
    put32(file + 0x248, 0); /* payload_offset from the protected-mode code */
    put32(file + 0x24c, payload_len);
}

/* gzip of in[0, len) into out (room bytes); its length, or 0. */
static size_t gzip(const uint8_t *in, size_t len, uint8_t *out, size_t room)
{
    z_stream zs = {0};
    if (deflateInit2(&zs, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)room;
    int rc = deflate(&zs, Z_FINISH);
    size_t n = room - zs.avail_out;
    deflateEnd(&zs);
    return rc == Z_STREAM_END ? n : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct machine m;
    static bool ready;
    static uint8_t file[MAX_FILE], elf[MAX_FILE];
    if (!ready) {
        fuzz_machine__init(&m, FUZZ_LOADER_RAM);
        ready = true;
    }
    if (size < 1)
        return 0;
    uint8_t ctl = data[0];
    size_t rest = size - 1 < MAX_FILE - PAYLOAD_AT - 64 ? size - 1 : MAX_FILE - PAYLOAD_AT - 64;
    size_t len;
    size_t want = 0; /* the decompressed size a real gzip payload must have */
    if ((ctl & 3) == 0) {
        len = rest;
        memcpy(file, data + 1, len);
    } else if ((ctl & 3) == 1) {
        if (!rest)
            return 0;
        static const struct {
            uint8_t bytes[6];
            unsigned len;
        } magic[8] = {{{0x1f, 0x8b}, 2},
                      {{0xfd, '7', 'z', 'X', 'Z', 0}, 6},
                      {{0x28, 0xb5, 0x2f, 0xfd}, 4},
                      {{0x02, 0x21, 0x4c, 0x18}, 4},
                      {{0x5d, 0, 0}, 3},
                      {{0x89, 'L', 'Z', 'O', 0}, 5},
                      {{'B', 'Z', 'h'}, 3},
                      {{0}, 0}};
        len = PAYLOAD_AT + rest;
        memset(file, 0, PAYLOAD_AT);
        memcpy(file + PAYLOAD_AT, data + 1, rest);
        unsigned k = (ctl >> 2) & 7;
        if (rest >= magic[k].len)
            memcpy(file + PAYLOAD_AT, magic[k].bytes, magic[k].len);
        setup_header(file, (uint32_t)rest);
    } else {
        size_t elf_len = rest;
        memcpy(elf, data + 1, elf_len);
        if ((ctl >> 5) != 7 && elf_len >= 64)
            fuzz_loaders__tame_elf(elf, elf_len, (uint8_t)(ctl >> 5));
        size_t n = gzip(elf, elf_len, file + PAYLOAD_AT, MAX_FILE - PAYLOAD_AT);
        if (!n)
            return 0;
        memset(file, 0, PAYLOAD_AT);
        setup_header(file, (uint32_t)n);
        len = PAYLOAD_AT + n;
        want = elf_len;
    }

    struct bzimage bz;
    struct err err;
    if (bzimage__parse(file, len, "fuzz", &bz, &err)) {
        fuzz_check((ctl & 3) == 0); /* a header made here must parse */
        return 0;
    }
    fuzz_check(bz.payload >= file && bz.payload + bz.payload_len <= file + len);
    uint8_t *vmlinux;
    size_t vmlinux_len;
    if (decompress__payload(bz.payload, bz.payload_len, "fuzz", &vmlinux, &vmlinux_len, &err)) {
        fuzz_check(!want); /* a real gzip stream must decompress */
        return 0;
    }
    fuzz_check(!want || (vmlinux_len == want && !memcmp(vmlinux, elf, want)));
    if (elf__detect(vmlinux, vmlinux_len))
        fuzz_loaders__load_elf(&m.mem, vmlinux, vmlinux_len);
    decompress__free(vmlinux, vmlinux_len);
    return 0;
}
