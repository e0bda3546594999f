// SPDX-License-Identifier: Apache-2.0
/* fuzz_loaders.c - see fuzz_loaders.h (ELF64: System V gABI, "ELF Header", "Program Header"). */
#include "fuzz_loaders.h"

#include <string.h>

#include "board/boot/elf.h"
#include "board/layout.h"
#include "fuzz_machine.h"

#define EHDR_SIZE 64
#define PHDR_SIZE 56

static void put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}
static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}
static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
static void put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

void fuzz_loaders__tame_elf(uint8_t *f, size_t len, uint8_t ctl)
{
    static const uint8_t ident[8] = {0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* LE */, 1, 0};
    memcpy(f, ident, sizeof(ident));
    put16(f + 16, 2);    /* ET_EXEC */
    put16(f + 18, 0x3e); /* EM_X86_64 */
    put32(f + 20, 1);
    if (ctl & 0x80)
        return; /* the rest stays as it came */
    put16(f + 52, EHDR_SIZE);
    put16(f + 54, PHDR_SIZE);
    unsigned phnum = 1 + (ctl & 7);
    uint64_t phoff = len > EHDR_SIZE ? EHDR_SIZE + get64(f + 32) % (len - EHDR_SIZE) : EHDR_SIZE;
    put16(f + 56, (uint16_t)phnum);
    put64(f + 32, phoff);
    uint64_t entry = get64(f + 24);
    if (!(ctl & 0x40))
        put64(f + 24, LAYOUT_HIMEM_START + entry % (FUZZ_LOADER_RAM - LAYOUT_HIMEM_START));
    for (unsigned i = 0; i < phnum; i++) {
        uint64_t at = phoff + (uint64_t)i * PHDR_SIZE;
        if (at + PHDR_SIZE > len)
            break;
        uint8_t *ph = f + at;
        if (ph[0] & 1) /* one in two a PT_LOAD; the others keep their random type */
            put32(ph, 1);
        if (ph[1] & 0x80)
            continue; /* a wild one */
        uint64_t off = get64(ph + 8) % len, filesz = get64(ph + 32) % (len - off + 1);
        uint64_t paddr = LAYOUT_HIMEM_START + get64(ph + 24) % (FUZZ_LOADER_RAM / 2);
        uint64_t memsz = filesz + get64(ph + 40) % 0x10000;
        put64(ph + 8, off);
        put64(ph + 24, paddr);
        put64(ph + 32, filesz);
        put64(ph + 40, memsz);
    }
}

void fuzz_loaders__load_elf(const struct guest_memory *mem, const uint8_t *file, size_t len)
{
    struct elf_image img;
    struct err err;
    if (elf__load(mem, file, len, "fuzz", &img, &err))
        return;
    fuzz_check(img.load_start < img.load_end);
    fuzz_check(img.load_start >= LAYOUT_HIMEM_START && img.load_end <= FUZZ_LOADER_RAM);
    fuzz_check(guest_memory__hva(mem, img.load_start, img.load_end - img.load_start) != NULL);
}
