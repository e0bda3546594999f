/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codeshare.h - decoded code across vCPUs: a store by any vCPU to a page
 * holding decoded blocks invalidates them on every vCPU (SDM vol. 3A,
 * 8.1.3 "Handling Self- and Cross-Modifying Code").
 *
 * Decoded blocks and TLBs stay per vCPU, with no lock on any hot path.
 * Shared is one 64-bit word per guest-physical RAM page: bits 0-31 are the
 * vCPUs holding blocks decoded from the page, bits 32-63 the epoch at
 * which it became code. Every vCPU's TLB write-protects (TLB_CODE) the
 * pages whose holder set is not empty, so a store to a page without code
 * - the common case - costs what it cost before. A store through a
 * protected entry kills the writer's own blocks at once; after the store
 * it removes the other holders from the set and posts the page to their
 * inboxes, raising their exit_request: each of them kills all its blocks
 * on the page at its next block boundary (when the hardware too may still
 * run the old instruction) and decodes afresh. The set is then empty, so
 * the writer's further stores to the page are fast again.
 *
 * When a page gains its first holder, the other vCPUs' TLBs may still map
 * it writable without TLB_CODE. The page takes a new epoch (from a global
 * counter, after its word is marked) and every running vCPU is asked to
 * re-protect: at its next block boundary it reads the counter, rescans its
 * TLB against the words and acknowledges that epoch. Until every running
 * vCPU has acknowledged the page's epoch or become a holder itself (a
 * holder protects the page from its mark on), blocks decoded from it are
 * "young": they run once and are not cached, so no stale decode survives a
 * store that slipped through an unprotected entry. Whether a block is
 * young is judged before its bytes are read: a vCPU's acknowledgement
 * (release) follows its earlier stores, so a decoder that has seen it
 * (acquire) reads them too. A vCPU asleep in HLT or wait-for-SIPI
 * acknowledges nothing and holds up nobody: it re-protects when it wakes,
 * before it touches memory. The holder bit is set before the bytes are
 * read, and a store is followed by a full fence before the holder set is
 * read, so either the decoder sees the new bytes or the writer sees the
 * holder.
 */
#ifndef STRATA_CPU_EMU_CODESHARE_H
#define STRATA_CPU_EMU_CODESHARE_H

#include "cpu/emu/cpu.h"
#include "util/err.h"

#define CODESHARE_MAX_CPUS      32
#define CODESHARE_INBOX         64
/* Epoch field of a word whose holder is still taking its epoch: never settled. */
#define CODESHARE_EPOCH_PENDING 0xffffffffu

/* One vCPU's side: what it has acknowledged and the pages posted to it. */
struct codeshare_cpu {
    struct emu_cpu *cpu;
    atomic_uint acked;    /* epoch up to which its TLB protects every code page */
    atomic_bool running;  /* not asleep: its TLB may map code pages */
    atomic_bool pending;  /* re-protect or inbox work waits */
    pthread_mutex_t lock; /* guards the inbox */
    unsigned ninbox;
    bool overflow; /* the inbox overflowed: drop all decoded code */
    uint64_t inbox[CODESHARE_INBOX];
};

struct emu_codeshare {
    _Atomic uint64_t *pages; /* by guest-physical page number below npages */
    uint64_t npages;
    atomic_uint epoch;
    atomic_uint refs;
    struct codeshare_cpu cpus[CODESHARE_MAX_CPUS];
};

/* Joins the VM's table (the first vCPU creates it). */
int emu_codeshare_attach(struct emu_cpu *cpu, struct err *err);
void emu_codeshare_detach(struct emu_cpu *cpu);

/* Whether any vCPU holds decoded code from ppage (TLB fills write-protect it then). */
bool emu_codeshare_has_code(const struct emu_cpu *cpu, uint64_t ppage);

/* This vCPU starts decoding from ppage: adds it to the holders. */
void emu_codeshare_mark(struct emu_cpu *cpu, uint64_t ppage);
/* This vCPU's blocks on ppage are gone; true if no vCPU holds code there any more. */
bool emu_codeshare_unmark(struct emu_cpu *cpu, uint64_t ppage);
/*
 * After mark: whether blocks decoded from ppage may be cached, that is
 * whether every other running vCPU holds the page or has acknowledged its
 * epoch (see above).
 */
bool emu_codeshare_settled(struct emu_cpu *cpu, uint64_t ppage);

/* After this vCPU stored to ppage through a protected entry: condemns the other holders' blocks. */
void emu_codeshare_written(struct emu_cpu *cpu, uint64_t ppage);

/*
 * A device (not a vCPU) wrote guest RAM [gpa, gpa + len) (engine_ops.ram_written):
 * every holder of a page there kills its blocks at its next block boundary.
 * Callable from any thread; the device's stores come before the call.
 */
void emu_codeshare_device_written(struct emu_codeshare *s, uint64_t gpa, uint64_t len);

/* The vCPU (re)starts running code, re-protecting first (emu_exec, a wake-up), or sleeps. */
void emu_codeshare_enter(struct emu_cpu *cpu);
void emu_codeshare_leave(struct emu_cpu *cpu);

/* Re-protects the TLB and kills the blocks posted to this vCPU. */
void emu_codeshare_sync(struct emu_cpu *cpu);

/* Looked at between blocks when exit_request was raised. */
static inline bool emu_codeshare_pending(const struct emu_cpu *cpu)
{
    return atomic_load_explicit(&cpu->share->cpus[cpu->vcpu->index].pending, memory_order_acquire);
}

#endif
