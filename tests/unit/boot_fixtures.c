// SPDX-License-Identifier: Apache-2.0
/* boot_fixtures.c - synthetic guests for the loader tests (see boot_fixtures.h). */
#include "boot_fixtures.h"

#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "board/boot/bootparams.h"

#define SEGMENT_FILE_ALIGN 0x1000

uint8_t fixture_byte(unsigned n, uint64_t i)
{
    return (uint8_t)(i * 7 + n * 31 + 1);
}

uint8_t *fixture_elf(const struct fixture_segment *segs, unsigned nsegs, uint64_t entry,
                     size_t *len)
{
    size_t size = SEGMENT_FILE_ALIGN;
    for (unsigned n = 0; n < nsegs; n++)
        size += (segs[n].filesz + SEGMENT_FILE_ALIGN - 1) & ~(uint64_t)(SEGMENT_FILE_ALIGN - 1);
    uint8_t *f = calloc(1, size);
    assert_non_null(f);

    Elf64_Ehdr eh = {
        .e_type = ET_EXEC,
        .e_machine = EM_X86_64,
        .e_version = EV_CURRENT,
        .e_entry = entry,
        .e_phoff = sizeof(Elf64_Ehdr),
        .e_ehsize = sizeof(Elf64_Ehdr),
        .e_phentsize = sizeof(Elf64_Phdr),
        .e_phnum = (Elf64_Half)nsegs,
    };
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    memcpy(f, &eh, sizeof(eh));

    uint64_t offset = SEGMENT_FILE_ALIGN;
    for (unsigned n = 0; n < nsegs; n++) {
        Elf64_Phdr ph = {
            .p_type = PT_LOAD,
            .p_flags = PF_R | PF_W | PF_X,
            .p_offset = offset,
            .p_vaddr = segs[n].vaddr,
            .p_paddr = segs[n].paddr,
            .p_filesz = segs[n].filesz,
            .p_memsz = segs[n].memsz,
            .p_align = SEGMENT_FILE_ALIGN,
        };
        memcpy(f + sizeof(eh) + n * sizeof(ph), &ph, sizeof(ph));
        for (uint64_t i = 0; i < segs[n].filesz; i++)
            f[offset + i] = fixture_byte(n, i);
        offset += (segs[n].filesz + SEGMENT_FILE_ALIGN - 1) & ~(uint64_t)(SEGMENT_FILE_ALIGN - 1);
    }
    *len = size;
    return f;
}

uint8_t *fixture_bzimage(const uint8_t *payload, size_t payload_len, size_t *len)
{
    const unsigned setup_sects = 4;
    const size_t payload_offset = 0x100; /* after a pretend decompressor stub */
    size_t start = (setup_sects + 1) * 512 + payload_offset;
    uint8_t *f = calloc(1, start + payload_len);
    assert_non_null(f);

    struct setup_header h = {
        .setup_sects = (uint8_t)setup_sects,
        .boot_flag = SETUP_BOOT_FLAG,
        .jump = (uint16_t)((sizeof(struct setup_header) + SETUP_HEADER_OFFSET - 0x202) << 8 | 0xeb),
        .header = SETUP_HEADER_MAGIC,
        .version = 0x020f,
        .loadflags = LOADED_HIGH,
        .initrd_addr_max = 0x7fffffff,
        .kernel_alignment = 0x200000,
        .relocatable_kernel = 1,
        .cmdline_size = 0x7ff,
        .payload_offset = (uint32_t)payload_offset,
        .payload_length = (uint32_t)payload_len,
        .pref_address = 0x1000000,
        .init_size = 0x800000,
    };
    memcpy(f + SETUP_HEADER_OFFSET, &h, sizeof(h));
    memcpy(f + start, payload, payload_len);
    *len = start + payload_len;
    return f;
}

uint8_t *fixture_gzip(const uint8_t *data, size_t len, size_t *out_len)
{
    z_stream zs = {0};
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&zs, len);
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    return out;
}

void fixture_write_file(const void *data, size_t len, char *path)
{
    strcpy(path, "/tmp/strata-test-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

void fixture_machine(struct machine *m, uint64_t ram, unsigned ncpus)
{
    memset(m, 0, sizeof(*m));
    struct err err;
    assert_int_equal(guest_memory__init(&m->mem, ram, NULL, &err), 0);
    m->ncpus = ncpus;
}

void fixture_machine_destroy(struct machine *m)
{
    guest_memory__destroy(&m->mem);
}
