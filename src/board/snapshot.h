/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snapshot.h - a whole VM to and from the snapshot format (state/format.h,
 * docs/snapshot.md): what it is made of (the CONFIG section: engine, vCPUs,
 * RAM size, disks with their sizes, virtio console and rng), every vCPU's
 * engine-neutral state and every device's (STATE: struct vm_state as
 * vm__save fills it) and guest RAM, sparse (RAM). The balloon is recorded
 * (its target and size are in its state); a VM with NICs is refused: its
 * receive path does not stop for a save yet. The same functions write
 * a file and a migration stream.
 */
#ifndef STRATA_BOARD_SNAPSHOT_H
#define STRATA_BOARD_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "board/vm.h"
#include "state/format.h"

/* What the CONFIG section records. */
struct snapshot_config {
    char engine[16];
    unsigned ncpus;
    uint64_t ram_size;
    unsigned ndisks;
    struct {
        char path[4096];
        bool readonly;
        uint64_t size;
    } disks[VIRTIO_MAX_DEVICES];
    bool console, rng, balloon;
};

struct snapshot_stats {
    uint64_t bytes;     /* written */
    uint64_t ram_pages; /* non-zero pages written */
};

/* Fills *sc from a VM's configuration (disk paths made absolute, sizes read); NICs are refused. */
int snapshot_config__from(struct snapshot_config *sc, const struct vm_config *cfg, struct err *err);

/* With the VM paused: header, CONFIG, STATE, RAM, END. */
int vm_snapshot__write(struct vm *vm, const struct snapshot_config *sc, struct state_io *io,
                       struct snapshot_stats *stats, struct err *err);
/* The CONFIG section alone; the STATE section of a paused VM alone (a migration's parts). */
int vm_snapshot__write_config(const struct snapshot_config *sc, struct state_io *io,
                              struct err *err);
int vm_snapshot__write_state(struct vm *vm, struct state_io *io, struct err *err);

/*
 * Checks that the recorded disks are there with their sizes and fills
 * *cfg (its virtio options point into sc) for vm__create with restore set.
 */
int snapshot_config__to_vm(const struct snapshot_config *sc, struct vm_config *cfg,
                           struct err *err);

/*
 * Reads a whole snapshot file or migration stream (state__read_stream) into
 * a VM it creates from the CONFIG section (on cfg->engine if set, else the
 * recorded one; *sc holds the configuration and must outlive the VM).
 * created (may be NULL) is called once the VM exists, before its RAM is
 * read: a migration's destination says so to the source. The VM is
 * returned paused at its saved state, not yet run; NULL with err set, and
 * nothing left of it, when anything failed.
 */
struct vm *vm_snapshot__read(struct state_io *io, struct vm_config *cfg, struct snapshot_config *sc,
                             int (*created)(void *opaque, struct err *err), void *opaque,
                             struct err *err);

#endif
