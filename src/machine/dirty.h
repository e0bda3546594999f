/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dirty.h - which guest RAM pages were written since the last look: the
 * dirty page log live migration iterates on (docs/snapshot.md, "Live
 * migration").
 *
 * One bit per 4 KiB page of guest RAM, indexed by the page's position in
 * RAM (slot by slot, in slot order: guest_dirty__page). While the log is on,
 * whoever writes guest RAM other than through an engine's own tracking
 * marks the page after the write: devices (virtio's DMA and used rings),
 * the balloon's discards, the emu engine's slow path (its TLB keeps no
 * writable fast-path entry for a page whose bit is clear) and its page
 * walker's A/D bits. The kvm engine's vCPU writes come from KVM's own dirty
 * log, merged in by engine_ops.dirty_log. Marking is lock-free (atomic OR);
 * taking the set swaps every word with zero. When the log is off, marking
 * costs one load.
 */
#ifndef STRATA_MACHINE_DIRTY_H
#define STRATA_MACHINE_DIRTY_H

#include <stdbool.h>
#include <stdint.h>

#include "machine/memory.h"

#define GUEST_DIRTY_PAGE 4096u

/* Starts the log with every page clean. */
int guest_dirty__start(struct guest_memory *mem, struct err *err);
/* Stops it (the bitmap is freed with the memory). */
void guest_dirty__stop(struct guest_memory *mem);
static inline bool guest_dirty__on(const struct guest_memory *mem)
{
    return __atomic_load_n(&mem->dirty, __ATOMIC_ACQUIRE) != NULL;
}

/* Pages of guest RAM (the bitmap's size in bits). */
uint64_t guest_dirty__pages(const struct guest_memory *mem);
/* The bitmap index of the page at gpa, or UINT64_MAX if it is not RAM. */
uint64_t guest_dirty__page(const struct guest_memory *mem, uint64_t gpa);
/* The guest-physical address of bitmap index page. */
uint64_t guest_dirty__gpa(const struct guest_memory *mem, uint64_t page);

/* Marks the pages of [gpa, gpa + len) written (what is not RAM is ignored). */
void guest_dirty__mark(const struct guest_memory *mem, uint64_t gpa, uint64_t len);
/* The same for a host address inside guest RAM. */
void guest_dirty__mark_host(const struct guest_memory *mem, const void *hva, uint64_t len);
/* Whether the page at gpa is marked (true when the log is off: no tracking wanted). */
bool guest_dirty__test(const struct guest_memory *mem, uint64_t gpa);

/*
 * ORs the marked pages into out (guest_dirty__pages bits, as uint64_t
 * words) and clears them; returns how many were marked.
 */
uint64_t guest_dirty__take(struct guest_memory *mem, uint64_t *out);

#endif
