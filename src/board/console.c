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
 * as it is, and its end only ends the reading of stdin: the VM runs on. A
 * closed stdin is not read at all.
 *
 * The same thread accepts console-socket clients and reads their input
 * (console__serve); the output callbacks, on vCPU threads, copy every byte
 * into the history ring and to each client without blocking.
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

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "devices/virtio/console.h"
#include "util/term.h"

#define CTRL_A      0x01
#define MAX_CLIENTS 16

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
    bool stdin_open;

    /* console__serve: the socket, its clients and the output they get */
    int listen_fd;
    bool quiet;
    struct uart8250 *com1;
    struct virtio_console *vc;
    pthread_mutex_t out_lock; /* clients[], nclients, history */
    int clients[MAX_CLIENTS];
    unsigned nclients;
    uint8_t history[CONSOLE_HISTORY];
    uint64_t written; /* bytes ever output; history holds the last ones */
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

static void drop_client(struct console *c, unsigned i)
{
    pthread_mutex_lock(&c->out_lock);
    close(c->clients[i]);
    c->clients[i] = c->clients[--c->nclients];
    pthread_mutex_unlock(&c->out_lock);
}

static void send_all(int fd, const uint8_t *bytes, size_t n)
{
    ssize_t w = send(fd, bytes, n, MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)w; /* a client that does not keep up misses output; the guest never waits */
}

static void accept_client(struct console *c)
{
    int fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    pthread_mutex_lock(&c->out_lock);
    if (c->nclients == MAX_CLIENTS) {
        pthread_mutex_unlock(&c->out_lock);
        close(fd);
        return;
    }
    /* The recent output, oldest first, so that the client sees where the console is. */
    uint64_t have = c->written < CONSOLE_HISTORY ? c->written : CONSOLE_HISTORY;
    size_t start = (size_t)((c->written - have) % CONSOLE_HISTORY);
    size_t first = CONSOLE_HISTORY - start < have ? CONSOLE_HISTORY - start : (size_t)have;
    send_all(fd, c->history + start, first);
    send_all(fd, c->history, (size_t)have - first);
    c->clients[c->nclients++] = fd;
    pthread_mutex_unlock(&c->out_lock);
}

/* Reads a client's input into the pending buffer; false when it left. */
static bool read_client(struct console *c, int fd)
{
    ssize_t n = read(fd, c->pending, sizeof(c->pending));
    if (n < 0)
        return errno == EINTR || errno == EAGAIN;
    if (n == 0)
        return false;
    c->pending_off = 0;
    c->pending_len = (size_t)n;
    return true;
}

static void *reader_thread(void *arg)
{
    struct console *c = arg;
    while (!atomic_load(&c->stop)) {
        /* Sources are only watched once everything read before has gone to the device. */
        struct pollfd fds[3 + MAX_CLIENTS];
        int client_fd[MAX_CLIENTS];
        nfds_t nfds = 0;
        fds[nfds++] = (struct pollfd){.fd = c->wake[0], .events = POLLIN};
        bool take = !c->pending_len;
        fds[nfds++] =
            (struct pollfd){.fd = take && c->stdin_open ? STDIN_FILENO : -1, .events = POLLIN};
        pthread_mutex_lock(&c->out_lock);
        fds[nfds++] = (struct pollfd){.fd = c->listen_fd, .events = POLLIN};
        unsigned nclients = c->nclients;
        for (unsigned i = 0; i < nclients; i++) {
            client_fd[i] = c->clients[i];
            fds[nfds++] = (struct pollfd){.fd = take ? c->clients[i] : -1, .events = POLLIN};
        }
        pthread_mutex_unlock(&c->out_lock);
        if (poll(fds, nfds, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[0].revents)
            drain_wake_pipe(c);
        if (atomic_load(&c->stop))
            break;
        if (fds[2].revents & POLLIN)
            accept_client(c);
        if (take && fds[1].revents && !read_stdin(c))
            c->stdin_open = false;
        for (unsigned i = 0; i < nclients && !c->pending_len; i++) {
            if (!fds[3 + i].revents)
                continue;
            if (!read_client(c, client_fd[i])) {
                pthread_mutex_lock(&c->out_lock);
                for (unsigned j = 0; j < c->nclients; j++)
                    if (c->clients[j] == client_fd[i]) {
                        pthread_mutex_unlock(&c->out_lock);
                        drop_client(c, j);
                        pthread_mutex_lock(&c->out_lock);
                        break;
                    }
                pthread_mutex_unlock(&c->out_lock);
            }
        }
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

static int start_reader(struct console *c, struct err *err)
{
    if (c->thread_started)
        return 0;
    if (pipe2(c->wake, O_NONBLOCK | O_CLOEXEC))
        return err__set_errno(err, errno, "console: cannot create a pipe");
    c->input.set_rx_ready(c->input.dev, wake_reader, c);
    int rc = pthread_create(&c->thread, NULL, reader_thread, c);
    if (rc)
        return err__set_errno(err, rc, "console: cannot start the input thread");
    c->thread_started = true;
    return 0;
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
    c->listen_fd = -1;
    pthread_mutex_init(&c->out_lock, NULL);
    if (!stdin_is_open())
        return c; /* output only, until console__serve */

    c->stdin_open = true;
    c->is_tty = isatty(STDIN_FILENO);
    if (c->is_tty && term__raw_mode(STDIN_FILENO, err))
        goto fail;
    if (start_reader(c, err))
        goto fail;
    return c;

fail:
    console__destroy(c);
    return NULL;
}

static void write_stdout(const uint8_t *bytes, size_t n)
{
    while (n) {
        ssize_t w = write(STDOUT_FILENO, bytes, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* a closed stdout loses the output */
        bytes += w;
        n -= (size_t)w;
    }
}

static void stdout_byte(void *opaque, uint8_t byte)
{
    (void)opaque;
    write_stdout(&byte, 1);
}

static void discard_byte(void *opaque, uint8_t byte)
{
    (void)opaque;
    (void)byte;
}

static void discard_bytes(void *opaque, const uint8_t *bytes, size_t n)
{
    (void)opaque;
    (void)bytes;
    (void)n;
}

/* The devices' output: stdout unless quiet, the history, every client. */
static void output(void *opaque, const uint8_t *bytes, size_t n)
{
    struct console *c = opaque;
    if (!c->quiet)
        write_stdout(bytes, n);
    pthread_mutex_lock(&c->out_lock);
    for (size_t i = 0; i < n; i++)
        c->history[(c->written + i) % CONSOLE_HISTORY] = bytes[i];
    c->written += n;
    for (unsigned i = 0; i < c->nclients; i++)
        send_all(c->clients[i], bytes, n);
    pthread_mutex_unlock(&c->out_lock);
}

static void output_byte(void *opaque, uint8_t byte)
{
    output(opaque, &byte, 1);
}

int console__serve(struct console *c, const char *path, struct uart8250 *com1,
                   struct virtio_console *vc, bool quiet, struct err *err)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(addr.sun_path))
        return err__set(err, "console socket path too long: %s", path);
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return err__set_errno(err, errno, "console socket");
    unlink(path);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || chmod(path, 0600) < 0 ||
        listen(fd, 4) < 0) {
        err__set_errno(err, errno, "cannot listen on %s", path);
        close(fd);
        return -1;
    }
    c->quiet = quiet;
    c->com1 = com1;
    c->vc = vc;
    if (com1)
        uart8250__set_tx(com1, output_byte, c);
    if (vc)
        virtio_console__set_tx(vc, output, c);
    if (c->thread_started) { /* the reader picks the socket up on its next round */
        pthread_mutex_lock(&c->out_lock);
        c->listen_fd = fd;
        pthread_mutex_unlock(&c->out_lock);
        wake_reader(c);
        return 0;
    }
    c->listen_fd = fd;
    return start_reader(c, err);
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
    if (c->com1)
        uart8250__set_tx(c->com1, c->quiet ? discard_byte : stdout_byte, NULL);
    if (c->vc)
        virtio_console__set_tx(c->vc, c->quiet ? discard_bytes : NULL, NULL);
    if (c->listen_fd >= 0)
        close(c->listen_fd);
    while (c->nclients)
        close(c->clients[--c->nclients]);
    c->listen_fd = -1;
    pthread_mutex_destroy(&c->out_lock);
    term__restore();
    free(c);
}
