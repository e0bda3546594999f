// SPDX-License-Identifier: Apache-2.0
/*
 * memory.c - guest RAM slots, their host backing and GPA -> HVA translation
 * (see memory.h; the policy and its measurements are in docs/memory.md).
 *
 * Anonymous RAM is private memory mapped with MAP_NORESERVE: the host
 * commits pages only when the guest touches them, so a 4 GiB guest that
 * uses 100 MiB costs 100 MiB, and no commit charge is taken at start. Each
 * slot is mapped 2 MiB-aligned (a larger reservation, trimmed), so that
 * the host can back guest-physical 2 MiB ranges with transparent huge
 * pages, which MADV_HUGEPAGE asks for when THP is in madvise mode. A
 * --mem-path file is mapped shared without MAP_NORESERVE: hugetlbfs then
 * reserves its huge pages at mmap time, and a host short of them fails
 * here with a message rather than with SIGBUS later.
 */
#include "machine/memory.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "machine/dirty.h"
#include "machine/layout.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define HUGE_2M (2ull << 20)

const char *guest_memory__thp_mode(char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (!f)
        return buf;
    char line[128];
    if (fgets(line, sizeof(line), f)) {
        char *l = strchr(line, '['), *r = l ? strchr(l, ']') : NULL;
        if (l && r && (size_t)(r - l - 1) < len) {
            memcpy(buf, l + 1, (size_t)(r - l - 1));
            buf[r - l - 1] = '\0';
        }
    }
    fclose(f);
    return buf;
}

/* An anonymous mapping of size bytes whose start is 2 MiB-aligned. */
static void *map_anon_aligned(uint64_t size)
{
    size_t len = size + HUGE_2M;
    uint8_t *p =
        mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return MAP_FAILED;
    uint8_t *start = (uint8_t *)(((uintptr_t)p + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1));
    if (start > p)
        munmap(p, (size_t)(start - p));
    size_t tail = (size_t)((p + len) - (start + size));
    if (tail)
        munmap(start + size, tail);
    return start;
}

static int add_slot(struct guest_memory *mem, uint64_t gpa, uint64_t size, uint64_t file_off,
                    struct err *err)
{
    void *hva;
    if (mem->shared_backing) {
        hva = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mem->fd, (off_t)file_off);
    } else {
        hva = map_anon_aligned(size);
    }
    if (hva == MAP_FAILED)
        return err__set_errno(
            err, errno, "cannot map %llu MiB of guest memory%s", (unsigned long long)(size >> 20),
            mem->shared_backing ? " from --mem-path (enough huge pages reserved?)" : "");
    mem->slots[mem->nslots++] =
        (struct mem_slot){.gpa = gpa, .size = size, .hva = hva, .map_len = size};
    if (mem->thp && madvise(hva, size, MADV_HUGEPAGE))
        mem->thp = false;
    if (mem->merge && madvise(hva, size, MADV_MERGEABLE))
        return err__set_errno(err, errno, "cannot mark guest memory mergeable (--mem-merge)");
    return 0;
}

static int open_path(struct guest_memory *mem, const char *dir, uint64_t ram_size, struct err *err)
{
    struct statfs sf;
    if (statfs(dir, &sf))
        return err__set_errno(err, errno, "--mem-path %s", dir);
    mem->page_size = (uint64_t)sf.f_bsize;
    if (mem->page_size < KIB(4) || ram_size % mem->page_size)
        return err__set(err, "--mem-path %s: guest memory must be a multiple of its %llu KiB pages",
                        dir, (unsigned long long)(mem->page_size >> 10));
    mem->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (mem->fd < 0) { /* hugetlbfs before 6.x has no O_TMPFILE: a named file, unlinked */
        char name[4096];
        snprintf(name, sizeof(name), "%s/strata-ram-XXXXXX", dir);
        mem->fd = mkostemp(name, O_CLOEXEC);
        if (mem->fd < 0)
            return err__set_errno(err, errno, "--mem-path %s: cannot create a file", dir);
        unlink(name);
    }
    mem->shared_backing = true; /* from here on, fd is ours to close */
    if (ftruncate(mem->fd, (off_t)ram_size))
        return err__set_errno(err, errno, "--mem-path %s: cannot size the file to %llu MiB", dir,
                              (unsigned long long)(ram_size >> 20));
    return 0;
}

int guest_memory__init(struct guest_memory *mem, uint64_t ram_size,
                       const struct guest_memory_options *opt, struct err *err)
{
    static const struct guest_memory_options defaults;
    if (!opt)
        opt = &defaults;
    memset(mem, 0, sizeof(*mem));
    mem->fd = -1;
    mem->page_size = KIB(4);
    if (ram_size == 0 || ram_size % KIB(4))
        return err__set(err, "guest memory size must be a non-zero multiple of 4 KiB");
    mem->ram_size = ram_size;
    mem->merge = opt->merge;
    if (opt->path) {
        if (open_path(mem, opt->path, ram_size, err)) {
            guest_memory__destroy(mem);
            return -1;
        }
    } else if (!opt->no_hugepages) {
        char mode[16];
        mem->thp = !strcmp(guest_memory__thp_mode(mode, sizeof(mode)), "madvise");
    }

    uint64_t low = ram_size < LAYOUT_LOW_RAM_END ? ram_size : LAYOUT_LOW_RAM_END;
    if (add_slot(mem, 0, low, 0, err) ||
        (ram_size > low && add_slot(mem, LAYOUT_HIGH_RAM_BASE, ram_size - low, low, err)))
        goto fail;
    if (opt->prealloc)
        for (unsigned i = 0; i < mem->nslots; i++)
            if (madvise(mem->slots[i].hva, mem->slots[i].size, MADV_POPULATE_WRITE)) {
                err__set_errno(err, errno, "cannot preallocate %llu MiB of guest memory",
                               (unsigned long long)(ram_size >> 20));
                goto fail;
            }
    return 0;
fail:
    guest_memory__destroy(mem);
    return -1;
}

void guest_memory__destroy(struct guest_memory *mem)
{
    guest_dirty__stop(mem);
    free(mem->dirty_map);
    mem->dirty_map = NULL;
    for (unsigned i = 0; i < mem->nslots; i++)
        munmap(mem->slots[i].hva, mem->slots[i].map_len);
    mem->nslots = 0;
    if (mem->shared_backing)
        close(mem->fd);
    mem->shared_backing = false;
    mem->fd = -1;
}

void *guest_memory__hva(const struct guest_memory *mem, uint64_t gpa, uint64_t len)
{
    for (unsigned i = 0; i < mem->nslots; i++) {
        const struct mem_slot *s = &mem->slots[i];
        uint64_t off = gpa - s->gpa;
        /* off < size and len <= size - off: no overflow possible */
        if (gpa >= s->gpa && off < s->size && len <= s->size - off)
            return s->hva + off;
    }
    return NULL;
}

int guest_memory__write(const struct guest_memory *mem, uint64_t gpa, const void *src, size_t len)
{
    void *dst = guest_memory__hva(mem, gpa, len);
    if (!dst)
        return -1;
    memcpy(dst, src, len);
    return 0;
}

int guest_memory__read(const struct guest_memory *mem, uint64_t gpa, void *dst, size_t len)
{
    const void *src = guest_memory__hva(mem, gpa, len);
    if (!src)
        return -1;
    memcpy(dst, src, len);
    return 0;
}

uint64_t guest_memory__low_end(const struct guest_memory *mem)
{
    return mem->nslots ? mem->slots[0].size : 0;
}

/*
 * A 2 MiB range of which only a part was given back (gpa inside it, not at
 * its start) stays in 4 KiB pages: khugepaged would otherwise collapse it
 * into a huge page again (with max_ptes_none at its default 511), making
 * the given-back part resident as zeros while the guest keeps it free.
 * Best effort: a host out of VMAs (vm.max_map_count) just keeps THP there.
 */
static void keep_split(struct guest_memory *mem, uint64_t gpa)
{
    uint64_t base = gpa & ~(HUGE_2M - 1);
    uint8_t *hva = gpa == base ? NULL : guest_memory__hva(mem, base, HUGE_2M);
    if (hva)
        madvise(hva, HUGE_2M, MADV_NOHUGEPAGE);
}

int guest_memory__discard(struct guest_memory *mem, uint64_t gpa, uint64_t len)
{
    uint8_t *hva = guest_memory__hva(mem, gpa, len);
    if (!hva || !len)
        return -1;
    uint64_t ps = mem->page_size;
    uint64_t start = (gpa + ps - 1) & ~(ps - 1), end = (gpa + len) & ~(ps - 1);
    if (end <= start)
        return 0; /* less than one backing page: nothing to give back */
    hva += start - gpa;
    if (madvise(hva, end - start, mem->shared_backing ? MADV_REMOVE : MADV_DONTNEED))
        return -1;
    if (mem->thp) {
        keep_split(mem, start);
        keep_split(mem, end);
    }
    guest_dirty__mark(mem, start, end - start); /* they read as zero now */
    return 0;
}

/* The "ksm_merging_pages N" line of /proc/self/ksm_stat (Linux 6.1), in pages. */
static uint64_t ksm_merging_pages(void)
{
    FILE *f = fopen("/proc/self/ksm_stat", "r");
    if (!f)
        return 0;
    char line[128];
    unsigned long long n = 0, v;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "ksm_merging_pages %llu", &v) == 1)
            n = v;
    fclose(f);
    return n;
}

int guest_memory__usage(const struct guest_memory *mem, struct guest_memory_usage *u,
                        struct err *err)
{
    *u = (struct guest_memory_usage){0};
    long host_page = sysconf(_SC_PAGESIZE);
    const uint64_t chunk = 64ull << 20; /* the residency vector of 64 MiB at a time */
    unsigned char *vec = malloc(chunk / (uint64_t)host_page);
    if (!vec)
        return err__set(err, "out of memory");
    for (unsigned i = 0; i < mem->nslots; i++) {
        const struct mem_slot *s = &mem->slots[i];
        for (uint64_t off = 0; off < s->size; off += chunk) {
            uint64_t n = s->size - off < chunk ? s->size - off : chunk;
            if (mincore(s->hva + off, n, vec)) {
                free(vec);
                return err__set_errno(err, errno, "cannot read guest memory residency");
            }
            for (uint64_t k = 0; k < (n + host_page - 1) / (uint64_t)host_page; k++)
                u->resident += (vec[k] & 1) ? (uint64_t)host_page : 0;
        }
    }
    free(vec);
    if (mem->merge)
        u->ksm = ksm_merging_pages() * (uint64_t)host_page;
    return 0;
}
