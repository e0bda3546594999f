/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memory.h - guest RAM: host mappings in slots, GPA -> HVA, and how the host
 * backs them (docs/memory.md).
 *
 * The RAM size is split around the MMIO hole (see layout.h): one slot below
 * 3 GiB and, for larger guests, one above 4 GiB. Both engines use the same
 * host memory: kvm registers the slots with KVM_SET_USER_MEMORY_REGION, emu
 * caches the host addresses in its TLB.
 *
 * Backing: anonymous private memory reserved with MAP_NORESERVE (committed
 * only where the guest touches it), each slot 2 MiB-aligned and marked
 * MADV_HUGEPAGE when the host's transparent huge pages are in madvise mode;
 * or, with a path, a deleted file in that directory (hugetlbfs, or tmpfs),
 * mapped shared. prealloc commits every page up front (MADV_POPULATE_WRITE),
 * merge marks the RAM MADV_MERGEABLE for KSM. guest_memory__discard gives
 * pages back to the host (the balloon, free page reporting).
 */
#ifndef STRATA_MACHINE_MEMORY_H
#define STRATA_MACHINE_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define GUEST_MEMORY_MAX_SLOTS 4

struct mem_slot {
    uint64_t gpa;
    uint64_t size;
    uint8_t *hva;
    size_t map_len; /* bytes mapped at hva (size rounded up to the backing's page) */
};

/* How guest RAM is backed; all-zero is the default (lazy, THP where madvise). */
struct guest_memory_options {
    bool prealloc;     /* --mem-prealloc: commit every page at start */
    bool merge;        /* --mem-merge: MADV_MERGEABLE (KSM) */
    bool no_hugepages; /* --mem-hugepages off: no MADV_HUGEPAGE */
    const char *path;  /* --mem-path DIR: a file there (hugetlbfs) instead of anonymous memory */
};

struct guest_memory {
    struct mem_slot slots[GUEST_MEMORY_MAX_SLOTS];
    unsigned nslots;
    uint64_t ram_size;
    int fd;              /* the --mem-path file when shared_backing */
    uint64_t page_size;  /* the host backing's page size: 4 KiB, or the hugetlbfs page */
    bool thp;            /* slots are MADV_HUGEPAGE */
    bool merge;          /* slots are MADV_MERGEABLE */
    bool shared_backing; /* a --mem-path file, mapped shared: discard uses MADV_REMOVE */
    uint64_t *dirty;     /* the dirty page log (dirty.h), NULL when off */
    uint64_t *dirty_map; /* its bitmap, kept until destroy (devices may still hold it) */
};

/*
 * Maps ram_size bytes of zeroed RAM. ram_size must be a non-zero multiple of
 * 4 KiB (and of the page size of a --mem-path file system). opt may be NULL.
 */
int guest_memory__init(struct guest_memory *mem, uint64_t ram_size,
                       const struct guest_memory_options *opt, struct err *err);
void guest_memory__destroy(struct guest_memory *mem);

/*
 * Host address of [gpa, gpa+len) if the whole range is RAM within one slot,
 * otherwise NULL. Never trusts the guest: overflow-safe.
 */
void *guest_memory__hva(const struct guest_memory *mem, uint64_t gpa, uint64_t len);

/* Copies to/from guest RAM; -1 if any part of the range is not RAM. */
int guest_memory__write(const struct guest_memory *mem, uint64_t gpa, const void *src, size_t len);
int guest_memory__read(const struct guest_memory *mem, uint64_t gpa, void *dst, size_t len);

/* Highest GPA + 1 of RAM below the MMIO hole. */
uint64_t guest_memory__low_end(const struct guest_memory *mem);

/*
 * Gives the host pages of [gpa, gpa+len) back (they read as zero after):
 * MADV_DONTNEED for anonymous RAM, MADV_REMOVE for a shared file. The range
 * is shrunk to whole backing pages; -1 if it is not RAM in one slot. The
 * caller tells the engine (engine_ops.ram_written) to drop decoded code.
 */
int guest_memory__discard(struct guest_memory *mem, uint64_t gpa, uint64_t len);

/* What the guest's RAM costs the host now. */
struct guest_memory_usage {
    uint64_t resident; /* bytes of guest RAM in host memory (mincore) */
    uint64_t ksm;      /* bytes of this process merged by KSM (/proc/self/ksm_stat), 0 if none */
};
int guest_memory__usage(const struct guest_memory *mem, struct guest_memory_usage *u,
                        struct err *err);

/* The host's transparent huge page mode: "always", "madvise", "never", or "" if unknown. */
const char *guest_memory__thp_mode(char *buf, size_t len);

#endif
