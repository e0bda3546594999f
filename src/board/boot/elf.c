// SPDX-License-Identifier: Apache-2.0
/*
 * elf.c - ELF64 loading by physical address (see elf.h).
 *
 * The file is untrusted: headers are copied out with memcpy (no alignment
 * assumptions) and every offset, size and address is checked against the
 * file and guest RAM with overflow-safe arithmetic before anything is copied.
 *
 * The entry point: e_entry is a virtual address by the gABI. If it falls in
 * a segment's virtual range it is translated through that segment
 * (p_paddr + e_entry - p_vaddr); otherwise, as Linux's vmlinux does
 * (ENTRY(phys_startup_64) in arch/x86/kernel/vmlinux.lds.S), it must already
 * be a physical address inside a loaded segment.
 */
#include "board/boot/elf.h"

#include <elf.h>
#include <string.h>

#include "board/layout.h"

bool elf__detect(const uint8_t *file, size_t len)
{
    return len >= SELFMAG && !memcmp(file, ELFMAG, SELFMAG);
}

static int check_header(const uint8_t *file, size_t len, const char *name, Elf64_Ehdr *eh,
                        struct err *err)
{
    if (len < sizeof(*eh))
        return err__set(err, "kernel '%s': truncated ELF header", name);
    memcpy(eh, file, sizeof(*eh));
    if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
        eh->e_machine != EM_X86_64)
        return err__set(err, "kernel '%s' is not a 64-bit x86-64 ELF file", name);
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
        return err__set(err, "kernel '%s' is not an ELF executable", name);
    if (eh->e_phnum == 0 || eh->e_phnum == PN_XNUM || eh->e_phentsize != sizeof(Elf64_Phdr))
        return err__set(err, "kernel '%s': bad ELF program header table", name);
    if (eh->e_phoff > len || (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff)
        return err__set(err, "kernel '%s': ELF program headers extend past the end of the file",
                        name);
    return 0;
}

static Elf64_Phdr program_header(const uint8_t *file, const Elf64_Ehdr *eh, unsigned i)
{
    Elf64_Phdr ph;
    memcpy(&ph, file + eh->e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
    return ph;
}

static int load_segment(const struct guest_memory *mem, const uint8_t *file, size_t len,
                        const char *name, unsigned i, const Elf64_Phdr *ph, struct err *err)
{
    if (ph->p_filesz > ph->p_memsz)
        return err__set(err, "kernel '%s': ELF segment %u has a file size beyond its memory size",
                        name, i);
    if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
        return err__set(err, "kernel '%s': ELF segment %u extends past the end of the file", name,
                        i);
    if (ph->p_paddr < LAYOUT_HIMEM_START)
        return err__set(err,
                        "kernel '%s': ELF segment %u at 0x%llx overlaps the boot area below 1 MiB",
                        name, i, (unsigned long long)ph->p_paddr);
    uint8_t *dst = guest_memory__hva(mem, ph->p_paddr, ph->p_memsz);
    if (!dst)
        return err__set(err,
                        "kernel '%s': ELF segment %u (0x%llx, %llu bytes) is outside guest RAM "
                        "(%llu MiB)",
                        name, i, (unsigned long long)ph->p_paddr, (unsigned long long)ph->p_memsz,
                        (unsigned long long)(mem->ram_size >> 20));
    memcpy(dst, file + ph->p_offset, ph->p_filesz);
    memset(dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
    return 0;
}

static bool in_range(uint64_t addr, uint64_t start, uint64_t size)
{
    return addr >= start && addr - start < size;
}

/* Physical entry point, or -1 if e_entry is in no loaded segment. */
static int translate_entry(const uint8_t *file, const Elf64_Ehdr *eh, uint64_t *entry)
{
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < eh->e_phnum; i++) {
            Elf64_Phdr ph = program_header(file, eh, i);
            if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
                continue;
            uint64_t start = pass == 0 ? ph.p_vaddr : ph.p_paddr;
            if (in_range(eh->e_entry, start, ph.p_memsz)) {
                *entry = ph.p_paddr + (eh->e_entry - start);
                return 0;
            }
        }
    }
    return -1;
}

int elf__load(const struct guest_memory *mem, const uint8_t *file, size_t len, const char *name,
              struct elf_image *out, struct err *err)
{
    Elf64_Ehdr eh;
    if (check_header(file, len, name, &eh, err))
        return -1;

    *out = (struct elf_image){.load_start = UINT64_MAX};
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph = program_header(file, &eh, i);
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        if (load_segment(mem, file, len, name, i, &ph, err))
            return -1;
        if (ph.p_paddr < out->load_start)
            out->load_start = ph.p_paddr;
        if (ph.p_paddr + ph.p_memsz > out->load_end) /* in RAM: cannot overflow */
            out->load_end = ph.p_paddr + ph.p_memsz;
    }
    if (out->load_start == UINT64_MAX)
        return err__set(err, "kernel '%s': ELF file has no loadable segment", name);
    if (translate_entry(file, &eh, &out->entry))
        return err__set(err, "kernel '%s': ELF entry point 0x%llx is outside the loaded segments",
                        name, (unsigned long long)eh.e_entry);
    return 0;
}
