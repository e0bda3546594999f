/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memwatch.h - the VMM's side of host memory pressure (docs/memory.md,
 * "When the host runs short"): while a VM runs, a thread reads the host's
 * MemAvailable every two seconds and, when it falls under the low mark
 * (the larger of 256 MiB and 5% of MemTotal), logs one line saying so with
 * what this VM costs (RSS, ballooned), once per episode, so that an OOM
 * kill that may follow is not silent. A SIGBUS from guest memory the host
 * cannot back (an exhausted hugetlbfs pool, a full --mem-path file system)
 * is logged in one line before strata exits with status 1.
 */
#ifndef STRATA_BOARD_MEMWATCH_H
#define STRATA_BOARD_MEMWATCH_H

#include <stdint.h>

struct memwatch;
struct vm;

/* Starts watching for vm; NULL (and nothing watched) if the thread cannot start. */
struct memwatch *memwatch__start(struct vm *vm);
void memwatch__stop(struct memwatch *w);

/* The low mark for a host with mem_total bytes: max(256 MiB, 5%). */
uint64_t memwatch__low_mark(uint64_t mem_total);

#endif
