/* SPDX-License-Identifier: Apache-2.0 */
/*
 * elf.h - loading an ELF64 x86-64 executable into guest RAM by physical
 * address: a Linux vmlinux (also the decompressed payload of a bzImage) or
 * a freestanding test guest (System V gABI, "Program Loading").
 */
#ifndef STRATA_BOARD_BOOT_ELF_H
#define STRATA_BOARD_BOOT_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "machine/memory.h"
#include "util/err.h"

struct elf_image {
    uint64_t entry;      /* physical address of the entry point */
    uint64_t load_start; /* lowest physical address loaded */
    uint64_t load_end;   /* highest physical address loaded + 1 */
};

/* True if the file starts with the ELF magic (any class or machine). */
bool elf__detect(const uint8_t *file, size_t len);

/*
 * Copies every PT_LOAD segment of file[0, len) to guest RAM at its p_paddr
 * (zero-filling p_memsz beyond p_filesz) and translates e_entry to a
 * physical address. Segments must lie in RAM at or above LAYOUT_HIMEM_START
 * (the boot structures live below) and inside the file. name is used in
 * errors: "kernel 'NAME': ...".
 */
int elf__load(const struct guest_memory *mem, const uint8_t *file, size_t len, const char *name,
              struct elf_image *out, struct err *err);

#endif
