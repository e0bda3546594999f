// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_state_stream.c - fuzz target for the snapshot file / migration
 * stream reader (src/state/format.c), in libFuzzer's form: the input is a
 * whole file (or stream) as anyone could hand to `strata run --restore`.
 * It goes through the one stream reader (state/stream.c) that both a
 * restore and a migration's destination use, the RAM sections (with their
 * zero runs) into 1 MiB of guest RAM; every outcome must be success or one
 * error line, never a write outside RAM or a sanitizer report.
 *
 * The input goes through a pipe, as a migration stream would arrive: the
 * reader must not need to seek.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machine/memory.h"
#include "state/format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct feed {
    int fd;
    const uint8_t *data;
    size_t size;
};

static void *feeder(void *arg)
{
    struct feed *f = arg;
    for (size_t off = 0; off < f->size;) {
        ssize_t n = write(f->fd, f->data + off, f->size - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    close(f->fd);
    return NULL;
}

static void check_error(const struct err *err)
{
    if (!err->msg[0] || strchr(err->msg, '\n'))
        abort();
}

static struct guest_memory mem;

/* The board parses CONFIG with json-c and makes a VM; here RAM is a fixed 1 MiB. */
static int on_config(void *opaque, const char *text, const struct guest_memory **m, struct err *err)
{
    (void)opaque;
    (void)text;
    (void)err;
    *m = &mem;
    return 0;
}

static int on_state(void *opaque, const void *blob, uint64_t len, struct err *err)
{
    (void)opaque;
    (void)blob;
    return len > (1u << 16) ? err__set(err, "fuzz: state of %llu bytes", (unsigned long long)len)
                            : 0;
}

static int on_end(void *opaque, struct err *err)
{
    (void)opaque;
    (void)err;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (guest_memory__init(&mem, 1 << 20, NULL, NULL))
            abort();
        signal(SIGPIPE, SIG_IGN); /* the feeder's writes after the reader gave up */
        ready = 1;
    }
    int p[2];
    if (pipe(p))
        abort();
    struct feed f = {p[1], data, size};
    pthread_t t;
    if (pthread_create(&t, NULL, feeder, &f))
        abort();
    struct state_io io = {.fd = p[0], .what = "fuzz"};
    struct err err = {{0}};
    struct state_reader reader = {.config = on_config, .state = on_state, .end = on_end};
    if (state__read_stream(&io, &reader, &err))
        check_error(&err);
    close(p[0]); /* the feeder gets EPIPE (ignored below) and ends */
    pthread_join(t, NULL);
    return 0;
}
