// SPDX-License-Identifier: Apache-2.0
/*
 * console.c - the host's stdin feeding COM1 or another console device (see console.h).
 *
 * A reader thread polls stdin and a self-pipe. Bytes read go to the device
 * (the UART's receive FIFO); what it refuses waits in a small buffer, and stdin is
 * not read again until the device reports room (through the self-pipe), so
 * input is never dropped and the host never spins. console__destroy wakes
 * the thread through the same pipe.
 *
 * On a terminal, stdin is in raw mode and Ctrl-A starts an escape, as in
 * QEMU: Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A, Ctrl-A h lists the
 * keys; other escapes are ignored. Input from a pipe or file is forwarded
 * as it is, and its end only ends the reader: the VM runs on. A closed
 * stdin means no reader at all.
 */
#include "board/console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/term.h"

#define CTRL_A 0x01

struct console {
    struct machine *machine;
    struct console_input input;
    bool is_tty;
    bool escape; /* Ctrl-A seen, waiting for the next key */
    int wake[2]; /* self-pipe: room in the UART, or stop */
    atomic_bool stop;
    bool thread_started;
    pthread_t thread;
    /* Input accepted from stdin but not yet by the UART. */
    uint8_t pending[256];
    size_t pending_off, pending_len;
};

static void wake_reader(void *opaque)
{
    struct console *c = opaque;
    const uint8_t byte = 0;
    /* A full pipe already holds a wake-up; nothing else can go wrong that matters. */
    ssize_t n = write(c->wake[1], &byte, 1);
    (void)n;
}

static void drain_wake_pipe(struct console *c)
{
    uint8_t buf[64];
    while (read(c->wake[0], buf, sizeof(buf)) > 0)
        continue;
}

static void print_help(void)
{
    fprintf(stderr, "\r\nC-a x    quit\r\nC-a C-a  send C-a\r\nC-a h    this help\r\n");
}

/* Applies the Ctrl-A escapes to `in`, appending what goes to the guest to the pending buffer. */
static void take_keys(struct console *c, const uint8_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t key = in[i];
        if (!c->escape && key == CTRL_A) {
            c->escape = true;
            continue;
        }
        if (c->escape) {
            c->escape = false;
            if (key == 'x' || key == 'X') {
                machine__stop(c->machine, MACHINE_STOP_USER, 0);
                continue;
            }
            if (key == 'h' || key == 'H' || key == '?')
                print_help();
            if (key != CTRL_A)
                continue;
        }
        c->pending[c->pending_len++] = key;
    }
}

static void feed_input(struct console *c)
{
    size_t taken = c->input.receive(c->input.dev, c->pending + c->pending_off, c->pending_len);
    c->pending_off += taken;
    c->pending_len -= taken;
    if (!c->pending_len)
        c->pending_off = 0;
}

/* Reads what stdin has; false at its end or on an error. */
static bool read_stdin(struct console *c)
{
    uint8_t buf[sizeof(c->pending)];
    ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
    if (n < 0)
        return errno == EINTR || errno == EAGAIN;
    if (n == 0)
        return false;
    if (c->is_tty) {
        take_keys(c, buf, (size_t)n);
    } else {
        memcpy(c->pending, buf, (size_t)n);
        c->pending_len = (size_t)n;
    }
    return true;
}

static void *reader_thread(void *arg)
{
    struct console *c = arg;
    while (!atomic_load(&c->stop)) {
        /* stdin is only watched once everything read before has gone to the UART. */
        struct pollfd fds[2] = {
            {.fd = c->wake[0], .events = POLLIN},
            {.fd = STDIN_FILENO, .events = POLLIN},
        };
        nfds_t nfds = c->pending_len ? 1 : 2;
        if (poll(fds, nfds, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[0].revents)
            drain_wake_pipe(c);
        if (atomic_load(&c->stop))
            break;
        if (!c->pending_len && nfds == 2 && fds[1].revents && !read_stdin(c))
            break;
        if (c->pending_len)
            feed_input(c);
    }
    return NULL;
}

static bool stdin_is_open(void)
{
    return fcntl(STDIN_FILENO, F_GETFD) != -1;
}

static size_t com1_receive(void *dev, const uint8_t *bytes, size_t n)
{
    return uart8250__receive(dev, bytes, n);
}

static void com1_set_rx_ready(void *dev, void (*ready)(void *opaque), void *opaque)
{
    uart8250__set_rx_ready(dev, ready, opaque);
}

struct console *console__create(struct machine *m, struct uart8250 *com1,
                                const struct console_input *input, struct err *err)
{
    const struct console_input com1_input = {
        .receive = com1_receive, .set_rx_ready = com1_set_rx_ready, .dev = com1};
    if (!input && !com1) {
        err__set(err, "console: the board has no serial port");
        return NULL;
    }
    struct console *c = calloc(1, sizeof(*c));
    if (!c) {
        err__set(err, "console: out of memory");
        return NULL;
    }
    c->machine = m;
    c->input = input ? *input : com1_input;
    c->wake[0] = c->wake[1] = -1;
    if (!stdin_is_open())
        return c; /* output only */

    c->is_tty = isatty(STDIN_FILENO);
    if (pipe2(c->wake, O_NONBLOCK | O_CLOEXEC)) {
        err__set_errno(err, errno, "console: cannot create a pipe");
        goto fail;
    }
    if (c->is_tty && term__raw_mode(STDIN_FILENO, err))
        goto fail;
    c->input.set_rx_ready(c->input.dev, wake_reader, c);
    int rc = pthread_create(&c->thread, NULL, reader_thread, c);
    if (rc) {
        err__set_errno(err, rc, "console: cannot start the input thread");
        goto fail;
    }
    c->thread_started = true;
    return c;

fail:
    console__destroy(c);
    return NULL;
}

void console__destroy(struct console *c)
{
    if (!c)
        return;
    if (c->input.set_rx_ready)
        c->input.set_rx_ready(c->input.dev, NULL, NULL);
    if (c->thread_started) {
        atomic_store(&c->stop, true);
        wake_reader(c);
        pthread_join(c->thread, NULL);
    }
    for (int i = 0; i < 2; i++)
        if (c->wake[i] >= 0)
            close(c->wake[i]);
    term__restore();
    free(c);
}
