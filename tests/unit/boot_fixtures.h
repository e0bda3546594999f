/* SPDX-License-Identifier: Apache-2.0 */
/*
 * boot_fixtures.h - synthetic guests for the loader tests: ELF64 files built
 * in memory, bzImages wrapping them, temporary files and small machines.
 */
#ifndef STRATA_TESTS_UNIT_BOOT_FIXTURES_H
#define STRATA_TESTS_UNIT_BOOT_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "machine/machine.h"

struct fixture_segment {
    uint64_t vaddr;
    uint64_t paddr;
    uint64_t filesz; /* file bytes are fixture_byte(segment index, offset) */
    uint64_t memsz;
};

/* The byte at offset i of segment n's file image. */
uint8_t fixture_byte(unsigned n, uint64_t i);

/* An ELF64 x86-64 executable with one PT_LOAD per segment; *len receives its size. */
uint8_t *fixture_elf(const struct fixture_segment *segs, unsigned nsegs, uint64_t entry,
                     size_t *len);

/*
 * A bzImage (boot protocol 2.15, 4 setup sectors) whose payload is the
 * given compressed stream; *len receives its size.
 */
uint8_t *fixture_bzimage(const uint8_t *payload, size_t payload_len, size_t *len);

/* gzip of data (a valid bzImage payload: the gzip trailer holds the size). */
uint8_t *fixture_gzip(const uint8_t *data, size_t len, size_t *out_len);

/* Writes data to a new temporary file; path must hold 64 bytes. Remove it with unlink(). */
void fixture_write_file(const void *data, size_t len, char *path);

/* A machine with ram bytes of RAM and ncpus, ready for boot__load. */
void fixture_machine(struct machine *m, uint64_t ram, unsigned ncpus);
void fixture_machine_destroy(struct machine *m);

#endif
