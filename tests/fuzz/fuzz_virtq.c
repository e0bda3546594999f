// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_virtq.c - fuzz target for the split virtqueue parser
 * (src/devices/virtio/queue.c), in libFuzzer's form
 * (LLVMFuzzerTestOneInput): the input is a hostile driver's guest RAM.
 *
 * Input layout: byte 0 picks the queue size (a power of 2 up to 256, or
 * with bit 7 set any byte value), byte 1 the negotiated features (bit 0
 * event index, bit 1 indirect descriptors) and whether to tame the RAM
 * (bit 2), byte 2 how many rounds the driver adds buffers; the rest is
 * copied over 64 KiB of guest RAM holding the descriptor table at 0, the
 * available ring at 0x1000, the used ring at 0x2000 and buffers or
 * indirect tables above. Taming folds most addresses, lengths and indexes
 * into range, so that inputs reach deep into chains instead of failing on
 * the first wild address.
 *
 * Every chain the queue hands out is checked: its buffers lie inside guest
 * RAM, its lengths add up, it is not longer than VIRTQ_MAX_CHAIN, and
 * readable buffers come first. A violation aborts (a finding); so does any
 * sanitizer report. The number of pops per input is bounded, so an input
 * that makes the queue loop is a finding too (a timeout).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio/queue.h"

#define RAM_SIZE    0x10000u
#define DESC_GPA    0x0000u
#define AVAIL_GPA   0x1000u
#define USED_GPA    0x2000u
#define HEADER_SIZE 3
#define MAX_ROUNDS  4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static void tame(uint8_t *ram, uint16_t num)
{
    /* Every 16 bytes outside the rings may be a descriptor (table or indirect table). */
    for (uint32_t off = 0; off + 16 <= RAM_SIZE; off += 16) {
        if (off >= AVAIL_GPA && off < USED_GPA + 0x1000)
            continue;
        uint64_t addr;
        uint32_t len;
        uint16_t next;
        memcpy(&addr, ram + off, 8);
        memcpy(&len, ram + off + 8, 4);
        memcpy(&next, ram + off + 14, 2);
        if (!(addr >> 63))
            addr %= RAM_SIZE;
        if (!(len >> 31))
            len %= 0x2000;
        if (!(next >> 15))
            next %= (uint16_t)(num * 2);
        memcpy(ram + off, &addr, 8);
        memcpy(ram + off + 8, &len, 4);
        memcpy(ram + off + 14, &next, 2);
    }
    /* Available ring entries mostly name real descriptors. */
    for (uint32_t i = 0; i < num; i++) {
        uint16_t head;
        memcpy(&head, ram + AVAIL_GPA + 4 + 2 * i, 2);
        if (!(head >> 15))
            head %= num;
        memcpy(ram + AVAIL_GPA + 4 + 2 * i, &head, 2);
    }
}

static void check_chain(const struct virtq_chain *c, const uint8_t *ram)
{
    uint64_t readable = 0, writable = 0;
    check(c->nbufs <= VIRTQ_MAX_CHAIN && c->nreadable <= c->nbufs);
    for (unsigned k = 0; k < c->nbufs; k++) {
        const struct virtq_buf *b = &c->bufs[k];
        check(b->hva >= ram && b->hva <= ram + RAM_SIZE && b->len <= ram + RAM_SIZE - b->hva);
        check(b->hva - ram == (ptrdiff_t)b->gpa);
        check(b->device_writes == (k >= c->nreadable));
        if (b->device_writes)
            writable += b->len;
        else
            readable += b->len;
    }
    check(readable == c->readable_len && writable == c->writable_len);
}

/* Uses the chain as a device would: reads what it may read, fills what it may write. */
static uint32_t use_chain(const struct virtq_chain *c)
{
    static uint8_t scratch[0x2000];
    uint64_t off = 0;
    size_t n;
    while ((n = virtq_chain__read(c, off, scratch, sizeof(scratch))) > 0)
        off += n;
    check(off == c->readable_len);
    memset(scratch, 0xa5, sizeof(scratch));
    uint64_t written = 0;
    while ((n = virtq_chain__write(c, written, scratch, sizeof(scratch))) > 0)
        written += n;
    check(written == c->writable_len);
    return (uint32_t)(written > UINT32_MAX ? UINT32_MAX : written);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HEADER_SIZE)
        return 0;
    static struct virtq_chain chain;
    uint16_t num = data[0] & 0x80 ? data[0] & 0x7f : (uint16_t)(1u << (data[0] % 9));
    bool event_idx = data[1] & 1, indirect = data[1] & 2, taming = data[1] & 4;
    unsigned rounds = 1 + data[2] % MAX_ROUNDS;
    data += HEADER_SIZE;
    size -= HEADER_SIZE;

    struct guest_memory mem;
    struct err err;
    if (guest_memory__init(&mem, RAM_SIZE, NULL, &err))
        abort();
    uint8_t *ram = guest_memory__hva(&mem, 0, RAM_SIZE);
    memcpy(ram, data, size < RAM_SIZE ? size : RAM_SIZE);
    if (taming && num)
        tame(ram, num);

    struct virtq q;
    virtq__init(&q);
    q.num = num;
    q.desc_gpa = DESC_GPA;
    q.avail_gpa = AVAIL_GPA;
    q.used_gpa = USED_GPA;
    const char *why = NULL;
    if (virtq__enable(&q, &mem, VIRTQ_MAX_SIZE, event_idx, indirect, &why) == 0) {
        uint16_t avail_idx;
        memcpy(&avail_idx, ram + AVAIL_GPA + 2, 2);
        for (unsigned r = 0; r < rounds; r++) {
            if (taming) /* the driver adds a few, as a real one would */
                avail_idx = (uint16_t)(q.last_avail_idx + avail_idx % (num + 1u));
            memcpy(ram + AVAIL_GPA + 2, &avail_idx, 2);
            enum virtq_pop_result res = VIRTQ_GOT_CHAIN;
            for (unsigned pops = 0; pops <= num && res == VIRTQ_GOT_CHAIN; pops++) {
                res = virtq__pop(&q, &chain, &why);
                if (res == VIRTQ_GOT_CHAIN) {
                    check_chain(&chain, ram);
                    virtq__push(&q, chain.head, use_chain(&chain));
                } else if (res == VIRTQ_BROKEN) {
                    check(why != NULL);
                }
            }
            check(res != VIRTQ_GOT_CHAIN); /* at most num chains can be available */
            if (res == VIRTQ_BROKEN)
                break;
            avail_idx = (uint16_t)(avail_idx + 1 + r);
        }
    }
    virtq__destroy(&q);
    guest_memory__destroy(&mem);
    return 0;
}
