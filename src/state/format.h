/* SPDX-License-Identifier: Apache-2.0 */
/*
 * format.h - the snapshot file and migration stream format (docs/snapshot.md).
 *
 * A file is a header, then sections, then an end section:
 *   header   "STRATAVM" magic, u32 format version, u32 header size,
 *            u32 section count hint (0), u32 CRC-32 of the bytes before it
 *   section  u32 type, u32 flags (0), u64 payload length, u32 CRC-32 of the
 *            payload, u32 reserved (0); then the payload
 * All integers little-endian. Section types: CONFIG (JSON text: what the VM
 * is made of), STATE (the board's plain device and vCPU state, its first
 * u32 its size), RAM (sparse guest RAM), END (no payload). Unknown types
 * are refused: a reader of version 1 knows them all.
 *
 * RAM payload: u64 RAM size, u32 page size (4096), u32 run count, then per
 * run {u64 guest-physical address, u64 pages}, zero padding up to a
 * 4096-byte boundary of the file, then the pages of every run in order.
 * All-zero pages are not written: a restored VM's RAM starts zeroed.
 *
 * Readers and writers work on a file descriptor sequentially, so the same
 * code writes a file and a socket (the migration stream). Every read is
 * checked: a short read is "truncated", a wrong CRC "corrupt", an
 * unexpected value says which.
 */
#ifndef STRATA_STATE_FORMAT_H
#define STRATA_STATE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "machine/memory.h"
#include "util/err.h"

#define STATE_MAGIC   "STRATAVM"
#define STATE_VERSION 1
#define STATE_PAGE    4096u

enum state_section {
    STATE_SECTION_END = 0,
    STATE_SECTION_CONFIG = 1,
    STATE_SECTION_STATE = 2,
    STATE_SECTION_RAM = 3,
};

struct state_io {
    int fd;
    uint64_t offset;  /* bytes written or read so far */
    const char *what; /* for messages: the file's path, "the migration stream" */
};

int state__write_header(struct state_io *io, struct err *err);
int state__write_section(struct state_io *io, enum state_section type, const void *data, size_t len,
                         struct err *err);
/* RAM's non-zero pages; *pages_written counts them. */
int state__write_ram(struct state_io *io, const struct guest_memory *mem, uint64_t *pages_written,
                     struct err *err);

int state__read_header(struct state_io *io, struct err *err);
/* The next section's type and payload length (CRC kept for the payload read that follows). */
int state__read_section(struct state_io *io, enum state_section *type, uint64_t *len, uint32_t *crc,
                        struct err *err);
/* A whole payload into buf (len bytes), CRC checked. */
int state__read_payload(struct state_io *io, void *buf, uint64_t len, uint32_t crc,
                        struct err *err);
/* A RAM payload straight into guest memory (of the same size), CRC checked. */
int state__read_ram(struct state_io *io, uint64_t len, uint32_t crc, const struct guest_memory *mem,
                    struct err *err);

#endif
