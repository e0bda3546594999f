/* SPDX-License-Identifier: Apache-2.0 */
/*
 * migrate.h - live migration of a VM to another strata over TCP, pre-copy
 * (docs/snapshot.md, "Live migration"), in the snapshot's stream format
 * (state/format.h): the CONFIG section, then rounds of RAM sections while
 * the guest runs (the first every non-zero page, the next ones the pages
 * the dirty page log, machine/dirty.h, saw written since), until what is
 * left fits the downtime budget at the bandwidth the last round had; then,
 * paused, the STATE section, the last dirty pages and END. The destination
 * answers on the same connection: "ok" once it made the VM from CONFIG,
 * "ready" once the whole stream checked out and loaded, or "error
 * MESSAGE"; the source answers "ready" with "go", and only then ends while
 * the destination runs.
 */
#ifndef STRATA_BOARD_MIGRATE_H
#define STRATA_BOARD_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>

#include "board/snapshot.h"
#include "board/vm.h"

#define MIGRATE_DEFAULT_DOWNTIME_MS 100

struct migrate_stats {
    double total_ms;      /* from the connection to the hand-over */
    double downtime_ms;   /* the vCPUs paused for the last round until "go" was sent */
    uint64_t bytes;       /* sent */
    unsigned iterations;  /* RAM rounds, the last (paused) one included */
    uint64_t pages;       /* pages of data sent, over all rounds */
    uint64_t last_pages;  /* of those, in the last round */
    double bandwidth_mbs; /* MB/s the last live round reached */
};

/*
 * Sends vm (running, or paused by its user when paused is set) to uri
 * (tcp:HOST:PORT). On success the VM has been handed over and is stopped
 * (MACHINE_STOP_MIGRATED); on failure it runs on as before (or stays
 * paused) and err says why in one line.
 */
int vm_migrate__send(struct vm *vm, const struct snapshot_config *sc, const char *uri,
                     unsigned downtime_ms, bool paused, struct migrate_stats *stats,
                     struct err *err);

/*
 * Waits on uri for one migration (says where on stderr) and returns the VM
 * it carried, loaded and ready to run, made on cfg->engine if set (*sc
 * holds its configuration and must outlive it). NULL with err set, and
 * nothing left of the VM, if anything failed; the source is told why.
 */
struct vm *vm_migrate__receive(const char *uri, struct vm_config *cfg, struct snapshot_config *sc,
                               struct err *err);

#endif
