/* SPDX-License-Identifier: Apache-2.0 */
/*
 * io_pool.h - a small pool of threads that run blocking I/O jobs (disk
 * reads, writes, fdatasync) away from the vCPU threads, first in, first out.
 */
#ifndef STRATA_BLOCK_IO_POOL_H
#define STRATA_BLOCK_IO_POOL_H

#include "util/err.h"

struct io_job {
    void (*run)(struct io_job *job); /* on a pool thread; may free the job */
    struct io_job *next;
};

struct io_pool;

struct io_pool *io_pool__create(unsigned nthreads, struct err *err);
/* Runs the jobs still queued, then joins the threads. */
void io_pool__destroy(struct io_pool *p);
void io_pool__submit(struct io_pool *p, struct io_job *job);

#endif
