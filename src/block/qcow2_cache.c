// SPDX-License-Identifier: Apache-2.0
/*
 * qcow2_cache.c - a few metadata clusters (L2 tables, refcount blocks) kept
 * in memory, least recently used out first. The cache is write-through:
 * whoever changes an entry writes it to the file at once (qcow2.h says in
 * which order), so an evicted cluster is simply dropped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "block/qcow2.h"

int qcow2__cache_init(struct qcow2_cache *c, unsigned n, uint64_t cluster_size)
{
    memset(c, 0, sizeof(*c));
    c->e = calloc(n, sizeof(*c->e));
    if (!c->e)
        return -ENOMEM;
    c->n = n;
    for (unsigned i = 0; i < n; i++)
        if (!(c->e[i].data = malloc(cluster_size)))
            return -ENOMEM;
    return 0;
}

void qcow2__cache_free(struct qcow2_cache *c)
{
    if (!c->e)
        return;
    for (unsigned i = 0; i < c->n; i++)
        free(c->e[i].data);
    free(c->e);
    c->e = NULL;
}

uint8_t *qcow2__cache_get(struct qcow2 *q, struct qcow2_cache *c, uint64_t offset, bool fresh,
                          int *rc)
{
    struct qcow2_cache_entry *victim = &c->e[0];
    for (unsigned i = 0; i < c->n; i++) {
        struct qcow2_cache_entry *e = &c->e[i];
        if (e->offset == offset) {
            e->used = ++c->clock;
            if (fresh)
                memset(e->data, 0, q->cluster_size);
            return e->data;
        }
        if (e->used < victim->used)
            victim = e;
    }
    victim->offset = 0;
    if (fresh) {
        memset(victim->data, 0, q->cluster_size);
    } else {
        int r = qcow2__pread(q, victim->data, q->cluster_size, offset);
        if (r) {
            *rc = r;
            return NULL;
        }
    }
    victim->offset = offset;
    victim->used = ++c->clock;
    return victim->data;
}

void qcow2__cache_drop(struct qcow2_cache *c, uint64_t offset)
{
    for (unsigned i = 0; i < c->n; i++)
        if (c->e[i].offset == offset)
            c->e[i].offset = 0;
}
