// SPDX-License-Identifier: Apache-2.0
/*
 * copy.c - copying one image's contents into another (what `strata img
 * convert` does; qemu-img convert's -m: several requests in flight): a few
 * threads take chunks in turn, ask the source's chain which parts read as
 * zeroes or are unallocated all the way down, read the rest, skip blocks
 * that are zeroes all the same, and write what is left, compressed when
 * asked. The destination is new, so skipped ranges read as zeroes there.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "block/copy.h"
#include "block/qcow2_img.h"

int block__status_deep(struct block_backend *b, uint64_t offset, uint64_t len, uint64_t *pnum,
                       unsigned *status)
{
    int rc = block__status(b, offset, len, pnum, status);
    if (rc || (*status & BLOCK_STATUS_ALLOCATED) || (*status & BLOCK_STATUS_ZERO))
        return rc;
    if (!b->backing || offset >= b->backing->size) {
        *status = BLOCK_STATUS_ZERO;
        return 0;
    }
    uint64_t n = *pnum;
    if (offset + n > b->backing->size)
        n = b->backing->size - offset;
    rc = block__status_deep(b->backing, offset, n, pnum, status);
    *status &= ~BLOCK_STATUS_ALLOCATED;
    return rc;
}

bool block__is_zero(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    if (!len)
        return true;
    if (p[0])
        return false;
    return !memcmp(p, p + 1, len - 1);
}

struct copy_job {
    const struct block_copy_opts *o;
    struct block_backend *src, *dst;
    uint64_t size;
    atomic_uint_fast64_t next;
    atomic_uint_fast64_t done;
    atomic_int rc;
    pthread_mutex_t progress_lock;
};

static int write_out(struct copy_job *j, const uint8_t *buf, size_t len, uint64_t off)
{
    if (j->o->compress)
        return qcow2__pwrite_compressed(j->dst, buf, len, off);
    return block__pwrite(j->dst, buf, len, off);
}

/* Copies [off, off+len): the data parts, minus blocks of zeroes. */
static int copy_data(struct copy_job *j, uint8_t *buf, uint64_t off, uint64_t len)
{
    int rc = block__pread(j->src, buf, len, off);
    if (rc)
        return rc;
    /* Skip zero blocks of the destination's cluster size (64 KiB if raw). */
    uint64_t g = j->o->granularity;
    uint64_t at = 0;
    while (at < len) {
        uint64_t n = g - ((off + at) % g);
        if (n > len - at)
            n = len - at;
        if (block__is_zero(buf + at, n)) {
            at += n;
            continue;
        }
        /* Gather the run of non-zero blocks into one write. */
        uint64_t run = n;
        while (at + run < len) {
            uint64_t m = g < len - at - run ? g : len - at - run;
            if (block__is_zero(buf + at + run, m))
                break;
            run += m;
        }
        if ((rc = write_out(j, buf + at, run, off + at)))
            return rc;
        at += run;
    }
    return 0;
}

static void *worker(void *arg)
{
    struct copy_job *j = arg;
    uint64_t chunk = j->o->chunk;
    uint8_t *buf = malloc(chunk);
    if (!buf) {
        atomic_store(&j->rc, -ENOMEM);
        return NULL;
    }
    for (;;) {
        if (atomic_load(&j->rc))
            break;
        uint64_t off = atomic_fetch_add(&j->next, chunk);
        if (off >= j->size)
            break;
        uint64_t end = off + chunk < j->size ? off + chunk : j->size;
        int rc = 0;
        for (uint64_t at = off; at < end && !rc;) {
            uint64_t pnum;
            unsigned st;
            if ((rc = block__status_deep(j->src, at, end - at, &pnum, &st)))
                break;
            if (!pnum) {
                rc = -EIO;
                break;
            }
            if (!(st & BLOCK_STATUS_ZERO))
                rc = copy_data(j, buf, at, pnum);
            at += pnum;
        }
        if (rc) {
            atomic_store(&j->rc, rc);
            break;
        }
        uint64_t done = atomic_fetch_add(&j->done, end - off) + (end - off);
        if (j->o->progress) {
            pthread_mutex_lock(&j->progress_lock);
            j->o->progress(j->o->progress_arg, done, j->size);
            pthread_mutex_unlock(&j->progress_lock);
        }
    }
    free(buf);
    return NULL;
}

int block__copy(struct block_backend *src, struct block_backend *dst,
                const struct block_copy_opts *o)
{
    struct copy_job j = {.o = o, .src = src, .dst = dst};
    j.size = src->size < dst->size ? src->size : dst->size;
    pthread_mutex_init(&j.progress_lock, NULL);
    unsigned n = o->threads ? o->threads : 1;
    if (n > 16)
        n = 16;
    pthread_t t[16];
    unsigned started = 0;
    for (; started < n; started++)
        if (pthread_create(&t[started], NULL, worker, &j))
            break;
    if (!started)
        worker(&j);
    for (unsigned i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    pthread_mutex_destroy(&j.progress_lock);
    int rc = atomic_load(&j.rc);
    if (!rc && o->flush)
        rc = dst->ops->flush(dst);
    return rc;
}
