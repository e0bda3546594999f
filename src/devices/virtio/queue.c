// SPDX-License-Identifier: Apache-2.0
/*
 * queue.c - the device side of a split virtqueue (virtio 1.2, 2.7; see
 * queue.h).
 *
 * Ring layout (2.7.5-2.7.8), little-endian like the host:
 *   descriptor table  16 bytes each: le64 addr, le32 len, le16 flags, le16 next
 *   available ring    le16 flags, le16 idx, le16 ring[num], le16 used_event
 *   used ring         le16 flags, le16 idx, {le32 id, le32 len} ring[num], le16 avail_event
 *
 * Ordering (2.7.13, with the driver on another CPU): the available index is
 * read with acquire semantics before the entries it publishes; used entries
 * are written before the used index is stored with release semantics; a
 * full fence separates a store the driver must see (used idx, avail_event)
 * from the load that decides whether to notify or to look again (used_event,
 * avail idx). Every field the driver may change is read exactly once.
 */
#include "devices/virtio/queue.h"

#include <string.h>

#include "machine/dirty.h"

#define DESC_SIZE      16
#define AVAIL_IDX_OFF  2
#define AVAIL_RING_OFF 4
#define USED_IDX_OFF   2
#define USED_RING_OFF  4
#define USED_ELEM_SIZE 8
#define DESC_ALIGN     16
#define AVAIL_ALIGN    2
#define USED_ALIGN     4

struct desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

static uint16_t load16(const uint8_t *p)
{
    return __atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED);
}

static void store16(uint8_t *p, uint16_t v)
{
    __atomic_store_n((uint16_t *)p, v, __ATOMIC_RELAXED);
}

static void store32(uint8_t *p, uint32_t v)
{
    __atomic_store_n((uint32_t *)p, v, __ATOMIC_RELAXED);
}

/* Descriptors are 16-byte aligned in the table; an indirect table may not be: read bytewise. */
static struct desc read_desc(const uint8_t *table, unsigned i)
{
    volatile const uint8_t *p = table + (size_t)i * DESC_SIZE;
    uint8_t raw[DESC_SIZE];
    for (unsigned k = 0; k < DESC_SIZE; k++)
        raw[k] = p[k];
    struct desc d;
    memcpy(&d.addr, raw, 8);
    memcpy(&d.len, raw + 8, 4);
    memcpy(&d.flags, raw + 12, 2);
    memcpy(&d.next, raw + 14, 2);
    return d;
}

static size_t avail_size(uint16_t num)
{
    return AVAIL_RING_OFF + 2u * num + 2; /* + used_event */
}

static size_t used_size(uint16_t num)
{
    return USED_RING_OFF + (size_t)USED_ELEM_SIZE * num + 2; /* + avail_event */
}

void virtq__init(struct virtq *q)
{
    memset(q, 0, sizeof(*q));
    pthread_mutex_init(&q->lock, NULL);
}

void virtq__destroy(struct virtq *q)
{
    pthread_mutex_destroy(&q->lock);
}

static int enable_locked(struct virtq *q, const struct guest_memory *mem, uint16_t max_num,
                         bool event_idx, bool indirect, const char **why)
{
    if (q->num == 0 || q->num > max_num || (q->num & (q->num - 1))) {
        *why = "queue size is zero, too large or not a power of 2";
        return -1;
    }
    if (q->desc_gpa % DESC_ALIGN || q->avail_gpa % AVAIL_ALIGN || q->used_gpa % USED_ALIGN) {
        *why = "misaligned ring address";
        return -1;
    }
    uint8_t *desc = guest_memory__hva(mem, q->desc_gpa, (uint64_t)DESC_SIZE * q->num);
    uint8_t *avail = guest_memory__hva(mem, q->avail_gpa, avail_size(q->num));
    uint8_t *used = guest_memory__hva(mem, q->used_gpa, used_size(q->num));
    if (!desc || !avail || !used) {
        *why = "ring outside guest RAM";
        return -1;
    }
    q->mem = mem;
    q->desc = desc;
    q->avail = avail;
    q->used = used;
    q->event_idx = event_idx;
    q->indirect = indirect;
    q->ready = true;
    return 0;
}

int virtq__enable(struct virtq *q, const struct guest_memory *mem, uint16_t max_num, bool event_idx,
                  bool indirect, const char **why)
{
    pthread_mutex_lock(&q->lock);
    q->last_avail_idx = 0;
    q->used_idx = 0;
    int rc = enable_locked(q, mem, max_num, event_idx, indirect, why);
    pthread_mutex_unlock(&q->lock);
    return rc;
}

void virtq__reset(struct virtq *q)
{
    pthread_mutex_lock(&q->lock);
    q->ready = false;
    q->num = 0;
    q->desc_gpa = q->avail_gpa = q->used_gpa = 0;
    q->desc = q->avail = q->used = NULL;
    q->last_avail_idx = q->used_idx = 0;
    q->event_idx = q->indirect = false;
    pthread_mutex_unlock(&q->lock);
}

void virtq__disable(struct virtq *q)
{
    pthread_mutex_lock(&q->lock);
    q->ready = false;
    pthread_mutex_unlock(&q->lock);
}

/* Appends one buffer to the chain, keeping readable buffers before writable ones. */
static int add_buf(struct virtq *q, struct virtq_chain *c, const struct desc *d, const char **why)
{
    bool writes = d->flags & VIRTQ_DESC_F_WRITE;
    if (c->nbufs == VIRTQ_MAX_CHAIN) {
        *why = "descriptor chain too long (or looping)";
        return -1;
    }
    if (!writes && c->nbufs > c->nreadable) {
        *why = "device-readable descriptor after a device-writable one";
        return -1;
    }
    uint8_t *hva = guest_memory__hva(q->mem, d->addr, d->len);
    if (!hva) {
        *why = "descriptor buffer outside guest RAM";
        return -1;
    }
    c->bufs[c->nbufs++] =
        (struct virtq_buf){.hva = hva, .gpa = d->addr, .len = d->len, .device_writes = writes};
    if (writes) {
        c->writable_len += d->len;
    } else {
        c->nreadable++;
        c->readable_len += d->len;
    }
    return 0;
}

/*
 * Walks the chain from head: a direct part of at most num descriptors, which
 * may end in one indirect table of at most len/16 descriptors (2.7.5.3.1).
 * Counting descriptors per table bounds any loop.
 */
static int walk_chain(struct virtq *q, uint16_t head, struct virtq_chain *c, const char **why)
{
    const uint8_t *table = q->desc;
    uint32_t table_size = q->num;
    uint32_t walked = 0; /* descriptors visited in the current table */
    bool in_indirect = false;
    uint32_t i = head;

    c->head = head;
    c->nbufs = c->nreadable = 0;
    c->readable_len = c->writable_len = 0;
    if (head >= q->num) {
        *why = "available ring names a descriptor beyond the queue size";
        return -1;
    }
    for (;;) {
        if (++walked > table_size) {
            *why = "descriptor chain loops or is longer than its table";
            return -1;
        }
        struct desc d = read_desc(table, i);
        if (d.flags & VIRTQ_DESC_F_INDIRECT) {
            if (!q->indirect || in_indirect || (d.flags & VIRTQ_DESC_F_NEXT)) {
                *why = "indirect descriptor not allowed here";
                return -1;
            }
            if (d.len == 0 || d.len % DESC_SIZE) {
                *why = "indirect table size is not a non-zero multiple of 16";
                return -1;
            }
            table = guest_memory__hva(q->mem, d.addr, d.len);
            if (!table) {
                *why = "indirect table outside guest RAM";
                return -1;
            }
            table_size = d.len / DESC_SIZE;
            walked = 0;
            in_indirect = true;
            i = 0;
            continue;
        }
        if (add_buf(q, c, &d, why))
            return -1;
        if (!(d.flags & VIRTQ_DESC_F_NEXT))
            return 0;
        i = d.next;
        if (i >= table_size) {
            *why = "descriptor next index beyond its table";
            return -1;
        }
    }
}

static uint16_t avail_idx(const struct virtq *q)
{
    return __atomic_load_n((const uint16_t *)(q->avail + AVAIL_IDX_OFF), __ATOMIC_ACQUIRE);
}

/* With EVENT_IDX, asks for a notification once the driver adds past what we have taken. */
static void set_avail_event(struct virtq *q)
{
    store16(q->used + USED_RING_OFF + (size_t)USED_ELEM_SIZE * q->num, q->last_avail_idx);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    guest_dirty__mark(q->mem, q->used_gpa, used_size(q->num));
}

static enum virtq_pop_result pop_locked(struct virtq *q, struct virtq_chain *chain,
                                        const char **why)
{
    if (!q->ready)
        return VIRTQ_EMPTY;
    uint16_t idx = avail_idx(q);
    if (idx == q->last_avail_idx && q->event_idx) {
        set_avail_event(q);
        idx = avail_idx(q); /* the driver may have added one before it saw avail_event */
    }
    if (idx == q->last_avail_idx)
        return VIRTQ_EMPTY;
    if ((uint16_t)(idx - q->last_avail_idx) > q->num) {
        *why = "available index moved by more than the queue size";
        return VIRTQ_BROKEN;
    }
    uint16_t head = load16(q->avail + AVAIL_RING_OFF + 2u * (q->last_avail_idx % q->num));
    if (walk_chain(q, head, chain, why))
        return VIRTQ_BROKEN;
    q->last_avail_idx++;
    return VIRTQ_GOT_CHAIN;
}

enum virtq_pop_result virtq__pop(struct virtq *q, struct virtq_chain *chain, const char **why)
{
    pthread_mutex_lock(&q->lock);
    enum virtq_pop_result r = pop_locked(q, chain, why);
    pthread_mutex_unlock(&q->lock);
    return r;
}

/* vring_need_event() of 2.7.10: did the index pass `event` going from old to new? */
static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

bool virtq__push_many(struct virtq *q, const uint16_t *heads, const uint32_t *written, unsigned n)
{
    pthread_mutex_lock(&q->lock);
    if (!q->ready || n == 0) {
        pthread_mutex_unlock(&q->lock);
        return false;
    }
    uint16_t old_idx = q->used_idx;
    for (unsigned i = 0; i < n; i++) {
        uint8_t *elem = q->used + USED_RING_OFF + (size_t)USED_ELEM_SIZE * (q->used_idx % q->num);
        store32(elem, heads[i]);
        store32(elem + 4, written[i]);
        q->used_idx++;
    }
    /* One index update: the driver sees all n elements at once. */
    __atomic_store_n((uint16_t *)(q->used + USED_IDX_OFF), q->used_idx, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    guest_dirty__mark(q->mem, q->used_gpa, used_size(q->num)); /* for live migration */

    bool notify;
    if (q->event_idx) {
        uint16_t used_event = load16(q->avail + AVAIL_RING_OFF + 2u * q->num);
        notify = need_event(used_event, q->used_idx, old_idx);
    } else {
        notify = !(load16(q->avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
    }
    pthread_mutex_unlock(&q->lock);
    return notify;
}

bool virtq__push(struct virtq *q, uint16_t head, uint32_t written)
{
    return virtq__push_many(q, &head, &written, 1);
}

void virtq__unpop(struct virtq *q, unsigned n)
{
    pthread_mutex_lock(&q->lock);
    if (q->ready)
        q->last_avail_idx = (uint16_t)(q->last_avail_idx - n);
    pthread_mutex_unlock(&q->lock);
}

/* Copies between a linear buffer and the chain's buffers [first, end) from byte offset. */
static size_t copy_chain(const struct virtq_chain *c, unsigned first, unsigned end, uint64_t offset,
                         uint8_t *linear, size_t len, bool to_chain)
{
    size_t done = 0;
    for (unsigned k = first; k < end && done < len; k++) {
        const struct virtq_buf *b = &c->bufs[k];
        if (offset >= b->len) {
            offset -= b->len;
            continue;
        }
        size_t n = b->len - offset;
        if (n > len - done)
            n = len - done;
        if (to_chain)
            memcpy(b->hva + offset, linear + done, n);
        else
            memcpy(linear + done, b->hva + offset, n);
        done += n;
        offset = 0;
    }
    return done;
}

size_t virtq_chain__read(const struct virtq_chain *c, uint64_t offset, void *dst, size_t len)
{
    return copy_chain(c, 0, c->nreadable, offset, dst, len, false);
}

size_t virtq_chain__write(const struct virtq_chain *c, uint64_t offset, const void *src, size_t len)
{
    return copy_chain(c, c->nreadable, c->nbufs, offset, (uint8_t *)src, len, true);
}

void virtq__save(struct virtq *q, struct virtq_state *st)
{
    pthread_mutex_lock(&q->lock);
    *st = (struct virtq_state){
        .num = q->num,
        .ready = q->ready,
        .last_avail_idx = q->last_avail_idx,
        .used_idx = q->used_idx,
        .desc_gpa = q->desc_gpa,
        .avail_gpa = q->avail_gpa,
        .used_gpa = q->used_gpa,
    };
    pthread_mutex_unlock(&q->lock);
}

int virtq__load(struct virtq *q, const struct virtq_state *st, const struct guest_memory *mem,
                uint16_t max_num, bool event_idx, bool indirect, const char **why)
{
    pthread_mutex_lock(&q->lock);
    q->ready = false;
    q->num = st->num;
    q->desc_gpa = st->desc_gpa;
    q->avail_gpa = st->avail_gpa;
    q->used_gpa = st->used_gpa;
    q->last_avail_idx = st->last_avail_idx;
    q->used_idx = st->used_idx;
    int rc = st->ready ? enable_locked(q, mem, max_num, event_idx, indirect, why) : 0;
    pthread_mutex_unlock(&q->lock);
    return rc;
}
