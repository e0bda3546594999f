/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_loaders.h - input shaping shared by the kernel-loader fuzz targets
 * (fuzz_elf.c, fuzz_bzimage.c): turning random bytes into files that get
 * past the first checks, so that the fuzzer spends its time deeper in.
 */
#ifndef STRATA_TESTS_FUZZ_FUZZ_LOADERS_H
#define STRATA_TESTS_FUZZ_FUZZ_LOADERS_H

#include <stddef.h>
#include <stdint.h>

#include "machine/memory.h"

#define FUZZ_LOADER_RAM (16u << 20) /* guest RAM of the loader targets */

/*
 * Makes file[0, len) an ELF64 x86-64 executable header with ctl's choices:
 * program headers where e_phoff says (folded into the file), their count,
 * and segments whose offsets, sizes and physical addresses are folded into
 * the file and into guest RAM above 1 MiB, each with its own chance of
 * staying wild. len must be at least 64.
 */
void fuzz_loaders__tame_elf(uint8_t *file, size_t len, uint8_t ctl);

/*
 * Loads file[0, len) with elf__load into mem (FUZZ_LOADER_RAM bytes) and
 * checks what it reports: on success the loaded range and the entry lie
 * in RAM and the range is not empty.
 */
void fuzz_loaders__load_elf(const struct guest_memory *mem, const uint8_t *file, size_t len);

#endif
