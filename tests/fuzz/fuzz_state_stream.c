// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_state_stream.c - fuzz target for the snapshot file / migration
 * stream reader (src/state/format.c), in libFuzzer's form: the input is a
 * whole file (or stream) as anyone could hand to `strata run --restore`.
 * It is read the way a restore reads it, section by section, the RAM
 * section into 1 MiB of guest RAM; every outcome must be success or one
 * error line, never a read outside RAM or a sanitizer report.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct guest_memory mem;
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
    if (state__read_header(&io, &err)) {
        check_error(&err);
    } else {
        for (;;) {
            enum state_section type;
            uint64_t len;
            uint32_t crc;
            if (state__read_section(&io, &type, &len, &crc, &err)) {
                check_error(&err);
                break;
            }
            if (type == STATE_SECTION_END)
                break;
            int rc;
            if (type == STATE_SECTION_RAM) {
                rc = state__read_ram(&io, len, crc, &mem, &err);
            } else {
                if (len > (1u << 16))
                    break; /* the board refuses larger config/state sections itself */
                void *buf = malloc(len ? len : 1);
                rc = state__read_payload(&io, buf, len, crc, &err);
                free(buf);
            }
            if (rc) {
                check_error(&err);
                break;
            }
        }
    }
    close(p[0]); /* the feeder gets EPIPE (ignored below) and ends */
    pthread_join(t, NULL);
    return 0;
}
