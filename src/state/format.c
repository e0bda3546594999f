// SPDX-License-Identifier: Apache-2.0
/* format.c - writing and reading the snapshot/stream format (see format.h). */
#include "state/format.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

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
        ssize_t w = write(io->fd, p, n);
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

struct run {
    uint64_t gpa, pages;
    const uint8_t *hva;
};

/* The runs of non-zero pages of every RAM slot (malloc'ed). */
static struct run *find_runs(const struct guest_memory *mem, uint32_t *nruns, uint64_t *npages)
{
    size_t cap = 64, n = 0;
    struct run *runs = malloc(cap * sizeof(*runs));
    *npages = 0;
    if (!runs)
        return NULL;
    for (unsigned s = 0; s < mem->nslots; s++) {
        const struct mem_slot *slot = &mem->slots[s];
        for (uint64_t off = 0; off < slot->size; off += STATE_PAGE) {
            if (page_is_zero(slot->hva + off))
                continue;
            if (n && runs[n - 1].gpa + runs[n - 1].pages * STATE_PAGE == slot->gpa + off &&
                runs[n - 1].hva + runs[n - 1].pages * STATE_PAGE == slot->hva + off) {
                runs[n - 1].pages++;
            } else {
                if (n == cap) {
                    struct run *r = realloc(runs, 2 * cap * sizeof(*runs));
                    if (!r) {
                        free(runs);
                        return NULL;
                    }
                    runs = r;
                    cap *= 2;
                }
                runs[n++] = (struct run){slot->gpa + off, 1, slot->hva + off};
            }
            (*npages)++;
        }
    }
    *nruns = (uint32_t)n;
    return runs;
}

static uint64_t padding(uint64_t offset)
{
    return (STATE_PAGE - offset % STATE_PAGE) % STATE_PAGE;
}

int state__write_ram(struct state_io *io, const struct guest_memory *mem, uint64_t *pages_written,
                     struct err *err)
{
    uint32_t nruns;
    uint64_t npages;
    struct run *runs = find_runs(mem, &nruns, &npages);
    if (!runs)
        return err__set(err, "out of memory for the ram map");
    size_t table = 16 + (size_t)nruns * 16;
    uint64_t data_start = io->offset + SECTION_SIZE + table;
    size_t pad = (size_t)padding(data_start);
    uint8_t *head = calloc(1, table + pad);
    if (!head) {
        free(runs);
        return err__set(err, "out of memory for the ram map");
    }
    put64(head, mem->ram_size);
    put32(head + 8, STATE_PAGE);
    put32(head + 12, nruns);
    for (uint32_t i = 0; i < nruns; i++) {
        put64(head + 16 + i * 16, runs[i].gpa);
        put64(head + 24 + i * 16, runs[i].pages);
    }
    uint32_t c = crc(0, head, table + pad);
    for (uint32_t i = 0; i < nruns; i++)
        c = crc(c, runs[i].hva, runs[i].pages * STATE_PAGE);
    int rc = write_section_header(io, STATE_SECTION_RAM, table + pad + npages * STATE_PAGE, c, err);
    if (!rc)
        rc = write_all(io, head, table + pad, err);
    for (uint32_t i = 0; !rc && i < nruns; i++)
        rc = write_all(io, runs[i].hva, runs[i].pages * STATE_PAGE, err);
    free(head);
    free(runs);
    if (!rc && pages_written)
        *pages_written = npages;
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
        if (pages > left / STATE_PAGE || gpa % STATE_PAGE) {
            rc = err__set(err, "%s: corrupt ram section (run %u)", io->what, i);
            break;
        }
        uint8_t *hva = guest_memory__hva(mem, gpa, pages * STATE_PAGE);
        if (!hva) {
            rc = err__set(err, "%s: ram run %u is not in the vm's ram", io->what, i);
            break;
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
