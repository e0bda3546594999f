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
 * A run whose address has bit 0 set (STATE_RUN_ZERO) is of zero pages and
 * has no data: a later round of a migration zeroes pages that held data.
 * All-zero pages are otherwise not written: a restored VM's RAM starts
 * zeroed. A writer emits RAM in sections of at most 1 MiB of pages; there
 * may be any number of them, later ones overwriting earlier pages.
 *
 * A stream (stream.c): header, CONFIG, then RAM sections and exactly one
 * STATE section in any order, then END. A snapshot file is one such
 * stream (CONFIG, STATE, RAM..., END), a migration another (CONFIG, RAM
 * rounds, the last dirty pages, STATE, END).
 *
 * Readers and writers work on a file descriptor sequentially, so the same
 * code writes a file and a socket (the migration stream). Every read is
 * checked: a short read is "truncated", a wrong CRC "corrupt", an
 * unexpected value says which.
 */
#ifndef STRATA_STATE_FORMAT_H
#define STRATA_STATE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "machine/memory.h"
#include "util/err.h"

#define STATE_MAGIC   "STRATAVM"
#define STATE_VERSION 1
#define STATE_PAGE    4096u

#define STATE_RUN_ZERO  0x1ull   /* RAM run address flag: zero pages, no data */
#define STATE_RUN_FLAGS 0xfffull /* the address bits that are flags */

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
    bool socket; /* fd is a socket: writes use MSG_NOSIGNAL (a closed peer is an error, not SIGPIPE)
                  */
};

/* What a RAM write sent. */
struct state_ram_stats {
    uint64_t pages;      /* pages with data */
    uint64_t zero_pages; /* pages sent as zero runs */
};

int state__write_header(struct state_io *io, struct err *err);
int state__write_section(struct state_io *io, enum state_section type, const void *data, size_t len,
                         struct err *err);
/*
 * RAM sections: with pages NULL every non-zero page (a snapshot, a first
 * round); else the pages set in that bitmap (machine/dirty.h indices),
 * zero ones as zero runs. Each page is copied before it is checksummed and
 * sent, so the guest may run meanwhile. stats (may be NULL) is added to.
 */
int state__write_ram(struct state_io *io, const struct guest_memory *mem, const uint64_t *pages,
                     struct state_ram_stats *stats, struct err *err);

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

/* What a stream reader does with each part (stream.c). */
struct state_reader {
    /* CONFIG's text (NUL-terminated): makes the machine; *mem is its RAM, for the RAM sections. */
    int (*config)(void *opaque, const char *text, const struct guest_memory **mem, struct err *err);
    /* The STATE payload (len bytes, checksummed): checks and keeps it. */
    int (*state)(void *opaque, const void *blob, uint64_t len, struct err *err);
    /* END: everything checked out, the kept state is loaded. */
    int (*end)(void *opaque, struct err *err);
    void *opaque;
};

#define STATE_CONFIG_MAX (64u << 10) /* the longest CONFIG section read */
#define STATE_STATE_MAX  (16u << 20) /* the longest STATE section read */

/* Reads a whole stream (see above) from io, handing its parts to r. */
int state__read_stream(struct state_io *io, const struct state_reader *r, struct err *err);

#endif
