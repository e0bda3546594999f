// SPDX-License-Identifier: Apache-2.0
/* format.c - writing and reading the snapshot/stream format (see format.h). */
#include "state/format.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "machine/dirty.h"

#define HEADER_SIZE  24
#define SECTION_SIZE 24
#define MAX_RUNS     (1u << 20)
#define CHUNK        (1u << 20)

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint32_t crc(uint32_t c, const void *p, size_t n)
{
    while (n) {
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        c = (uint32_t)crc32(c, p, k);
        p = (const uint8_t *)p + k;
        n -= k;
    }
    return c;
}

static int write_all(struct state_io *io, const void *p, size_t n, struct err *err)
{
    while (n) {
        ssize_t w = io->socket ? send(io->fd, p, n, MSG_NOSIGNAL) : write(io->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return err__set_errno(err, w < 0 ? errno : EIO, "%s: write failed at byte %llu",
                                  io->what, (unsigned long long)io->offset);
        p = (const uint8_t *)p + w;
        n -= (size_t)w;
        io->offset += (uint64_t)w;
    }
    return 0;
}

static int read_all(struct state_io *io, void *p, size_t n, struct err *err)
{
    while (n) {
        ssize_t r = read(io->fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return err__set_errno(err, errno, "%s: read failed at byte %llu", io->what,
                                  (unsigned long long)io->offset);
        if (r == 0)
            return err__set(err, "%s: truncated at byte %llu", io->what,
                            (unsigned long long)io->offset);
        p = (uint8_t *)p + r;
        n -= (size_t)r;
        io->offset += (uint64_t)r;
    }
    return 0;
}

int state__write_header(struct state_io *io, struct err *err)
{
    uint8_t h[HEADER_SIZE] = {0};
    memcpy(h, STATE_MAGIC, 8);
    put32(h + 8, STATE_VERSION);
    put32(h + 12, HEADER_SIZE);
    put32(h + 16, 0);
    put32(h + 20, crc(0, h, 20));
    return write_all(io, h, sizeof(h), err);
}

int state__read_header(struct state_io *io, struct err *err)
{
    uint8_t h[HEADER_SIZE];
    if (read_all(io, h, sizeof(h), err))
        return -1;
    if (memcmp(h, STATE_MAGIC, 8))
        return err__set(err, "%s is not a strata snapshot (bad magic)", io->what);
    if (get32(h + 8) != STATE_VERSION)
        return err__set(err, "%s: format version %u, this strata reads version %u", io->what,
                        get32(h + 8), STATE_VERSION);
    if (get32(h + 12) != HEADER_SIZE || get32(h + 20) != crc(0, h, 20))
        return err__set(err, "%s: corrupt header", io->what);
    return 0;
}

static int write_section_header(struct state_io *io, enum state_section type, uint64_t len,
                                uint32_t c, struct err *err)
{
    uint8_t s[SECTION_SIZE] = {0};
    put32(s, (uint32_t)type);
    put64(s + 8, len);
    put32(s + 16, c);
    return write_all(io, s, sizeof(s), err);
}

int state__write_section(struct state_io *io, enum state_section type, const void *data, size_t len,
                         struct err *err)
{
    if (write_section_header(io, type, len, crc(0, data, len), err))
        return -1;
    return len ? write_all(io, data, len, err) : 0;
}

int state__read_section(struct state_io *io, enum state_section *type, uint64_t *len, uint32_t *c,
                        struct err *err)
{
    uint8_t s[SECTION_SIZE];
    uint64_t at = io->offset;
    if (read_all(io, s, sizeof(s), err))
        return -1;
    uint32_t t = get32(s);
    if (t > STATE_SECTION_RAM || get32(s + 4) || get32(s + 20))
        return err__set(err, "%s: corrupt section header at byte %llu", io->what,
                        (unsigned long long)at);
    *type = (enum state_section)t;
    *len = get64(s + 8);
    *c = get32(s + 16);
    return 0;
}

int state__read_payload(struct state_io *io, void *buf, uint64_t len, uint32_t c, struct err *err)
{
    if (read_all(io, buf, len, err))
        return -1;
    if (crc(0, buf, len) != c)
        return err__set(err, "%s: corrupt (checksum mismatch in the section before byte %llu)",
                        io->what, (unsigned long long)io->offset);
    return 0;
}

static bool page_is_zero(const uint8_t *p)
{
    static const uint8_t zero[STATE_PAGE];
    return !memcmp(p, zero, STATE_PAGE);
}

static uint64_t padding(uint64_t offset)
{
    return (STATE_PAGE - offset % STATE_PAGE) % STATE_PAGE;
}

/*
 * One RAM section being filled: its runs (gpa with STATE_RUN_ZERO for a run
 * of zero pages, which has no data) and the data of its other runs, copied
 * out of guest RAM so that the checksum is of what is sent even while the
 * guest writes on (live migration).
 */
struct ram_writer {
    struct state_io *io;
    const struct guest_memory *mem;
    uint64_t *runs; /* gpa | flags, pages; RUNS_MAX pairs */
    uint32_t nruns;
    uint8_t *head; /* the section's table and padding */
    uint8_t *data; /* CHUNK bytes */
    size_t used;
    struct state_ram_stats *stats;
};

#define RUNS_MAX 4096u

static int flush_section(struct ram_writer *w, struct err *err)
{
    if (!w->nruns)
        return 0;
    size_t table = 16 + (size_t)w->nruns * 16;
    size_t pad = (size_t)padding(w->io->offset + SECTION_SIZE + table);
    uint8_t *head = w->head;
    memset(head, 0, table + pad);
    put64(head, w->mem->ram_size);
    put32(head + 8, STATE_PAGE);
    put32(head + 12, w->nruns);
    for (uint32_t i = 0; i < w->nruns; i++) {
        put64(head + 16 + i * 16, w->runs[2 * i]);
        put64(head + 24 + i * 16, w->runs[2 * i + 1]);
    }
    uint32_t c = crc(crc(0, head, table + pad), w->data, w->used);
    int rc = write_section_header(w->io, STATE_SECTION_RAM, table + pad + w->used, c, err) ||
             write_all(w->io, head, table + pad, err) || write_all(w->io, w->data, w->used, err);
    w->nruns = 0;
    w->used = 0;
    return rc ? -1 : 0;
}

/* Adds the page at gpa (host copy at hva) to the section; zero pages as zero runs if asked. */
static int add_page(struct ram_writer *w, uint64_t gpa, const uint8_t *hva, bool send_zero,
                    struct err *err)
{
    if (w->used == CHUNK && flush_section(w, err))
        return -1;
    memcpy(w->data + w->used, hva, STATE_PAGE);
    uint64_t flags = 0;
    if (page_is_zero(w->data + w->used)) {
        if (!send_zero)
            return 0;
        flags = STATE_RUN_ZERO;
        w->stats->zero_pages++;
    } else {
        w->used += STATE_PAGE;
        w->stats->pages++;
    }
    uint64_t *last = w->nruns ? &w->runs[2 * (w->nruns - 1)] : NULL;
    if (last && (last[0] & STATE_RUN_FLAGS) == flags &&
        (last[0] & ~STATE_RUN_FLAGS) + last[1] * STATE_PAGE == gpa) {
        last[1]++;
        return 0;
    }
    if (w->nruns == RUNS_MAX) {
        /* a full table: this page starts the next section */
        if (!flags)
            w->used -= STATE_PAGE;
        if (flush_section(w, err))
            return -1;
        if (!flags) {
            memcpy(w->data, hva, STATE_PAGE);
            w->used = STATE_PAGE;
        }
    }
    w->runs[2 * w->nruns] = gpa | flags;
    w->runs[2 * w->nruns + 1] = 1;
    w->nruns++;
    return 0;
}

int state__write_ram(struct state_io *io, const struct guest_memory *mem, const uint64_t *pages,
                     struct state_ram_stats *stats, struct err *err)
{
    struct state_ram_stats local = {0};
    struct ram_writer w = {.io = io, .mem = mem, .stats = stats ? stats : &local};
    w.runs = malloc(RUNS_MAX * 2 * sizeof(*w.runs));
    w.head = malloc(16 + RUNS_MAX * 16 + STATE_PAGE);
    w.data = malloc(CHUNK);
    int rc = 0;
    if (!w.runs || !w.head || !w.data)
        rc = err__set(err, "out of memory for the ram map");
    if (!pages) {
        for (unsigned s = 0; !rc && s < mem->nslots; s++)
            for (uint64_t off = 0; !rc && off < mem->slots[s].size; off += STATE_PAGE)
                rc = add_page(&w, mem->slots[s].gpa + off, mem->slots[s].hva + off, false, err);
    } else {
        uint64_t words = (guest_dirty__pages(mem) + 63) / 64;
        for (uint64_t i = 0; !rc && i < words; i++)
            for (uint64_t v = pages[i]; !rc && v; v &= v - 1) {
                uint64_t gpa = guest_dirty__gpa(mem, i * 64 + (uint64_t)__builtin_ctzll(v));
                const uint8_t *hva = guest_memory__hva(mem, gpa, STATE_PAGE);
                if (hva)
                    rc = add_page(&w, gpa, hva, true, err);
            }
    }
    if (!rc)
        rc = flush_section(&w, err);
    free(w.runs);
    free(w.head);
    free(w.data);
    return rc;
}

int state__read_ram(struct state_io *io, uint64_t len, uint32_t c, const struct guest_memory *mem,
                    struct err *err)
{
    uint64_t section_start = io->offset;
    uint8_t h[16];
    if (len < 16)
        return err__set(err, "%s: corrupt ram section", io->what);
    if (read_all(io, h, sizeof(h), err))
        return -1;
    uint64_t ram = get64(h);
    uint32_t page = get32(h + 8), nruns = get32(h + 12);
    if (ram != mem->ram_size)
        return err__set(err, "%s: ram of %llu bytes, the vm has %llu", io->what,
                        (unsigned long long)ram, (unsigned long long)mem->ram_size);
    if (page != STATE_PAGE || nruns > MAX_RUNS || 16 + (uint64_t)nruns * 16 > len)
        return err__set(err, "%s: corrupt ram section", io->what);
    size_t table = 16 + (size_t)nruns * 16;
    size_t pad = (size_t)padding(section_start + table);
    uint8_t *head = malloc(table + pad);
    if (!head)
        return err__set(err, "out of memory for the ram map");
    memcpy(head, h, 16);
    int rc = read_all(io, head + 16, table - 16 + pad, err);
    uint32_t have = rc ? 0 : crc(0, head, table + pad);
    uint64_t left = len - table - pad;
    for (uint32_t i = 0; !rc && i < nruns; i++) {
        uint64_t gpa = get64(head + 16 + i * 16), pages = get64(head + 24 + i * 16);
        bool zero = gpa & STATE_RUN_ZERO;
        gpa &= ~(uint64_t)STATE_RUN_ZERO;
        if ((!zero && pages > left / STATE_PAGE) || gpa % STATE_PAGE ||
            pages > mem->ram_size / STATE_PAGE) {
            rc = err__set(err, "%s: corrupt ram section (run %u)", io->what, i);
            break;
        }
        uint8_t *hva = guest_memory__hva(mem, gpa, pages * STATE_PAGE);
        if (!hva) {
            rc = err__set(err, "%s: ram run %u is not in the vm's ram", io->what, i);
            break;
        }
        if (zero) { /* pages that held data before (a later round of a migration) */
            memset(hva, 0, pages * STATE_PAGE);
            continue;
        }
        /* Straight into guest RAM, in chunks so the checksum reads warm cache. */
        for (uint64_t off = 0; !rc && off < pages * STATE_PAGE; off += CHUNK) {
            size_t n =
                (size_t)(pages * STATE_PAGE - off < CHUNK ? pages * STATE_PAGE - off : CHUNK);
            rc = read_all(io, hva + off, n, err);
            if (!rc)
                have = crc(have, hva + off, n);
        }
        left -= pages * STATE_PAGE;
    }
    free(head);
    if (rc)
        return -1;
    if (left)
        return err__set(err, "%s: corrupt ram section (%llu bytes left over)", io->what,
                        (unsigned long long)left);
    if (have != c)
        return err__set(err, "%s: corrupt (checksum mismatch in the ram section)", io->what);
    return 0;
}
