// SPDX-License-Identifier: Apache-2.0
/* io_pool.c - threads running blocking I/O jobs from a FIFO queue (see io_pool.h). */
#include "block/io_pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct io_pool {
    pthread_mutex_t lock;
    pthread_cond_t work;
    struct io_job *head, **tail;
    bool stopping;
    unsigned nthreads;
    pthread_t threads[];
};

static void *worker(void *arg)
{
    struct io_pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->head && !p->stopping)
            pthread_cond_wait(&p->work, &p->lock);
        struct io_job *job = p->head;
        if (!job)
            break; /* stopping, and nothing left */
        p->head = job->next;
        if (!p->head)
            p->tail = &p->head;
        pthread_mutex_unlock(&p->lock);
        job->run(job);
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

struct io_pool *io_pool__create(unsigned nthreads, struct err *err)
{
    struct io_pool *p = calloc(1, sizeof(*p) + nthreads * sizeof(pthread_t));
    if (!p) {
        err__set(err, "io pool: out of memory");
        return NULL;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    p->tail = &p->head;
    for (; p->nthreads < nthreads; p->nthreads++) {
        int rc = pthread_create(&p->threads[p->nthreads], NULL, worker, p);
        if (rc) {
            err__set_errno(err, rc, "io pool: cannot start a thread");
            io_pool__destroy(p);
            return NULL;
        }
    }
    return p;
}

void io_pool__destroy(struct io_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->work);
    free(p);
}

void io_pool__submit(struct io_pool *p, struct io_job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&p->lock);
    *p->tail = job;
    p->tail = &job->next;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->lock);
}
