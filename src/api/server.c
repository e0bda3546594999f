// SPDX-License-Identifier: Apache-2.0
/*
 * server.c - the control socket's thread: accept, read lines, parse, hand
 * over, write responses and events (see server.h).
 */
#include "api/server.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"

#define MAX_CLIENTS 64
#define OUT_MAX     (1u << 20)

struct buf {
    char *data;
    size_t len, cap;
};

struct client {
    int fd;
    unsigned long id;
    bool busy; /* a call is with the handler */
    bool subscribed;
    bool closing; /* close once out is written */
    struct buf in, out;
};

struct api_server {
    int listen_fd;
    int wake_fd;
    pthread_t thread;
    struct api_handler handler;
    char *greeting_line;
    pthread_mutex_t lock; /* clients, their out buffers, done list, stopping */
    struct client clients[MAX_CLIENTS];
    unsigned nclients;
    unsigned long next_id;
    struct api_call *done; /* finished calls to answer */
    bool stopping;
};

static int buf_append(struct buf *b, const char *data, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p)
            return -1;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    return 0;
}

static void buf_consume(struct buf *b, size_t n)
{
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

static void wake(struct api_server *s)
{
    uint64_t one = 1;
    ssize_t n = write(s->wake_fd, &one, sizeof(one));
    (void)n;
}

/* With s->lock held: queues a line (adds the newline) for a client. */
static void send_line(struct client *c, const char *line)
{
    if (c->out.len + strlen(line) + 1 > OUT_MAX || buf_append(&c->out, line, strlen(line)) ||
        buf_append(&c->out, "\n", 1)) {
        log__debug("api: dropping a client that does not read");
        c->closing = true;
        c->out.len = 0;
        shutdown(c->fd, SHUT_RDWR);
    }
}

char *api_call__response(const struct api_call *call)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_get(call->req.id));
    json_object_object_add(o, "ok", json_object_new_boolean(call->ok));
    if (call->ok)
        json_object_object_add(
            o, "result", call->result ? json_object_get(call->result) : json_object_new_object());
    else
        json_object_object_add(o, "error", json_object_new_string(call->error.msg));
    char *line = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return line;
}

static void free_call(struct api_call *call)
{
    api_request__free(&call->req);
    json_object_put(call->result);
    free(call);
}

static struct client *find_client(struct api_server *s, unsigned long id)
{
    for (unsigned i = 0; i < s->nclients; i++)
        if (s->clients[i].id == id)
            return &s->clients[i];
    return NULL;
}

/* With s->lock held: answers the finished calls. */
static void answer_done(struct api_server *s)
{
    while (s->done) {
        struct api_call *call = s->done;
        s->done = call->next;
        struct client *c = find_client(s, call->client_id);
        if (c) {
            c->busy = false;
            char *line = api_call__response(call);
            if (line)
                send_line(c, line);
            free(line);
        }
        free_call(call);
    }
}

static void accept_client(struct api_server *s)
{
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    if (s->nclients == MAX_CLIENTS) {
        const char msg[] = "{\"ok\":false,\"error\":\"too many connections\"}\n";
        ssize_t n = write(fd, msg, sizeof(msg) - 1);
        (void)n;
        close(fd);
        return;
    }
    struct client *c = &s->clients[s->nclients++];
    memset(c, 0, sizeof(*c));
    c->fd = fd;
    c->id = ++s->next_id;
    send_line(c, s->greeting_line);
}

static void close_client(struct api_server *s, unsigned i)
{
    struct client *c = &s->clients[i];
    close(c->fd);
    free(c->in.data);
    free(c->out.data);
    s->clients[i] = s->clients[--s->nclients];
}

/*
 * With s->lock held: takes the complete lines of a client's input. A parsed
 * request goes to *submit (handed over once the lock is dropped); errors and
 * subscribe are answered here.
 */
static void take_lines(struct api_server *s, struct client *c, struct api_call **submit)
{
    while (!c->busy && !c->closing) {
        char *nl = memchr(c->in.data, '\n', c->in.len);
        if (!nl) {
            if (c->in.len > API_LINE_MAX) {
                send_line(c, "{\"id\":null,\"ok\":false,\"error\":\"request line too long\"}");
                c->closing = true;
            }
            return;
        }
        size_t len = (size_t)(nl - c->in.data);
        struct api_call *call = calloc(1, sizeof(*call));
        if (!call) {
            c->closing = true;
            return;
        }
        call->server = s;
        call->client_id = c->id;
        if (len == 0 || (len == 1 && c->in.data[0] == '\r')) { /* blank line: ignored */
            free(call);
        } else if (api_request__parse(c->in.data, len, &call->req, &call->error)) {
            char *line = api_call__response(call);
            if (line)
                send_line(c, line);
            free(line);
            free_call(call);
        } else if (call->req.cmd == API_CMD_SUBSCRIBE) {
            c->subscribed = true;
            call->ok = true;
            char *line = api_call__response(call);
            if (line)
                send_line(c, line);
            free(line);
            free_call(call);
        } else {
            c->busy = true;
            call->next = *submit;
            *submit = call;
        }
        buf_consume(&c->in, len + 1);
    }
}

static void read_client(struct api_server *s, struct client *c, struct api_call **submit)
{
    char chunk[4096];
    for (;;) {
        ssize_t n = read(c->fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0) {
            c->closing = true; /* its own end: what is queued cannot be read */
            c->out.len = 0;
            return;
        }
        if (buf_append(&c->in, chunk, (size_t)n)) {
            c->closing = true;
            return;
        }
        take_lines(s, c, submit);
        if (c->busy || c->in.len > API_LINE_MAX)
            break;
    }
    take_lines(s, c, submit);
}

static void write_client(struct client *c)
{
    while (c->out.len) {
        ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            c->closing = true;
            c->out.len = 0;
            return;
        }
        buf_consume(&c->out, (size_t)n);
    }
}

static void *server_thread(void *arg)
{
    struct api_server *s = arg;
    struct pollfd fds[MAX_CLIENTS + 2];
    struct timespec stop_deadline = {0};
    pthread_mutex_lock(&s->lock);
    for (;;) {
        answer_done(s);
        /* Closing clients go once their output is written (or at once when stopping ran out). */
        for (unsigned i = 0; i < s->nclients;) {
            struct client *c = &s->clients[i];
            if (c->closing && !c->busy && !c->out.len)
                close_client(s, i);
            else
                i++;
        }
        if (s->stopping) {
            bool pending = false;
            for (unsigned i = 0; i < s->nclients; i++)
                pending |= s->clients[i].out.len > 0;
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (!stop_deadline.tv_sec) {
                stop_deadline = now;
                stop_deadline.tv_sec += 1;
            }
            if (!pending || now.tv_sec > stop_deadline.tv_sec ||
                (now.tv_sec == stop_deadline.tv_sec && now.tv_nsec >= stop_deadline.tv_nsec))
                break;
        }
        nfds_t n = 0;
        fds[n++] = (struct pollfd){.fd = s->wake_fd, .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = s->stopping ? -1 : s->listen_fd, .events = POLLIN};
        for (unsigned i = 0; i < s->nclients; i++) {
            struct client *c = &s->clients[i];
            short ev = 0;
            if (!c->busy && !c->closing && !s->stopping)
                ev |= POLLIN;
            if (c->out.len)
                ev |= POLLOUT;
            fds[n++] = (struct pollfd){.fd = c->fd, .events = ev};
        }
        unsigned polled = s->nclients;
        pthread_mutex_unlock(&s->lock);
        int rc = poll(fds, n, s->stopping ? 50 : -1);
        pthread_mutex_lock(&s->lock);
        if (rc < 0 && errno != EINTR) {
            log__msg("api: poll failed: %s", strerror(errno));
            break;
        }
        if (rc <= 0)
            continue;
        if (fds[0].revents) {
            uint64_t v;
            ssize_t r = read(s->wake_fd, &v, sizeof(v));
            (void)r;
        }
        /* Clients are only added or removed by this thread: indexes still hold. */
        struct api_call *submit = NULL;
        for (unsigned i = 0; i < polled && i < s->nclients; i++) {
            struct client *c = &s->clients[i];
            short re = fds[i + 2].revents;
            if (re & (POLLIN | POLLHUP | POLLERR))
                read_client(s, c, &submit);
            if (c->out.len && (re & POLLOUT))
                write_client(c);
            else if (c->out.len)
                write_client(c);
        }
        if (fds[1].revents & POLLIN)
            accept_client(s);
        if (submit) {
            pthread_mutex_unlock(&s->lock);
            while (submit) {
                struct api_call *call = submit;
                submit = call->next;
                call->next = NULL;
                s->handler.submit(s->handler.opaque, call);
            }
            pthread_mutex_lock(&s->lock);
        }
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

struct api_server *api_server__start(const char *path, struct json_object *greeting,
                                     const struct api_handler *handler, struct err *err)
{
    struct api_server *s = calloc(1, sizeof(*s));
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (!s) {
        json_object_put(greeting);
        err__set(err, "out of memory");
        return NULL;
    }
    s->listen_fd = s->wake_fd = -1;
    pthread_mutex_init(&s->lock, NULL);
    s->handler = *handler;
    struct json_object *g = json_object_new_object();
    json_object_object_add(g, "strata", greeting);
    s->greeting_line = strdup(json_object_to_json_string_ext(g, JSON_C_TO_STRING_PLAIN));
    json_object_put(g);
    if (strlen(path) >= sizeof(addr.sun_path)) {
        err__set(err, "control socket path too long (%zu bytes, at most %zu): %s", strlen(path),
                 sizeof(addr.sun_path) - 1, path);
        goto fail;
    }
    strcpy(addr.sun_path, path);
    s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s->listen_fd < 0 || s->wake_fd < 0) {
        err__set_errno(err, errno, "control socket");
        goto fail;
    }
    unlink(path);
    if (bind(s->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || chmod(path, 0600) < 0 ||
        listen(s->listen_fd, 16) < 0) {
        err__set_errno(err, errno, "cannot listen on %s", path);
        goto fail;
    }
    int rc = pthread_create(&s->thread, NULL, server_thread, s);
    if (rc) {
        err__set_errno(err, rc, "cannot start the control socket's thread");
        goto fail;
    }
    return s;
fail:
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    if (s->wake_fd >= 0)
        close(s->wake_fd);
    free(s->greeting_line);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return NULL;
}

void api_call__done(struct api_call *call)
{
    struct api_server *s = call->server;
    pthread_mutex_lock(&s->lock);
    call->next = s->done;
    s->done = call;
    pthread_mutex_unlock(&s->lock);
    wake(s);
}

void api_server__event(struct api_server *s, const char *event, struct json_object *data)
{
    if (!s) {
        json_object_put(data);
        return;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "event", json_object_new_string(event));
    json_object_object_add(o, "data", data ? data : json_object_new_object());
    const char *line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    pthread_mutex_lock(&s->lock);
    for (unsigned i = 0; i < s->nclients; i++)
        if (s->clients[i].subscribed && !s->clients[i].closing)
            send_line(&s->clients[i], line);
    pthread_mutex_unlock(&s->lock);
    json_object_put(o);
    wake(s);
}

void api_server__stop(struct api_server *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_mutex_unlock(&s->lock);
    wake(s);
    pthread_join(s->thread, NULL);
    answer_done(s);
    while (s->nclients)
        close_client(s, s->nclients - 1);
    close(s->listen_fd);
    close(s->wake_fd);
    free(s->greeting_line);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
