// SPDX-License-Identifier: Apache-2.0
/*
 * slirp.c - the user backend (net.h): libslirp's user-mode TCP/IP stack
 * (libslirp.h), QEMU's `-netdev user` network without root or host setup:
 *
 *   10.0.2.0/24   the guest's network; the guest gets 10.0.2.15 by DHCP
 *   10.0.2.2      the gateway: the host (connections become host sockets)
 *   10.0.2.3      DNS, forwarded to the host's resolvers
 *
 * Host port forwards (hostfwd=) listen on the host and connect to the
 * guest's 10.0.2.15. libslirp is not thread-safe: one mutex covers every
 * call into it. Its event loop runs on its own thread (poll on the sockets
 * slirp asks for, its timers, and an eventfd that a frame from the guest or
 * slirp's notify signals); frames for the guest are handed to the device
 * there, and dropped (counted) when the device has no buffer, which TCP
 * recovers from as libslirp expects.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <slirp/libslirp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "net/net.h"
#include "util/log.h"

#define GUEST_ADDR "10.0.2.15"

struct slirp_timer {
    struct slirp_timer *next;
    SlirpTimerId id;
    void *cb_opaque;
    int64_t expire_ms; /* -1: not armed */
};

struct slirp_be {
    struct net_backend b;
    Slirp *slirp;
    pthread_mutex_t lock;
    pthread_t thread;
    bool started;
    atomic_bool stopping;
    int wake_fd;
    const struct net_rx_ops *rx;
    void *opaque;
    struct slirp_timer *timers;
    struct pollfd *pfds;
    unsigned npfds, cap_pfds;
    uint8_t txbuf[NET_MAX_FRAME];
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void wake(struct slirp_be *s)
{
    uint64_t one = 1;
    if (write(s->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        log_ratelimited("user net: eventfd write: %s", strerror(errno));
}

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
    struct slirp_be *s = opaque;
    if (!s->rx || len > NET_MAX_FRAME || !s->rx->has_room(s->opaque)) {
        atomic_fetch_add(&s->b.rx_dropped, 1);
        return (ssize_t)len;
    }
    s->rx->receive(s->opaque, buf, len);
    return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
    (void)opaque;
    log_ratelimited("user net: guest error: %s", msg);
}

static int64_t cb_clock_get_ns(void *opaque)
{
    (void)opaque;
    return now_ns();
}

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
    struct slirp_be *s = opaque;
    struct slirp_timer *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    *t = (struct slirp_timer){.next = s->timers, .id = id, .cb_opaque = cb_opaque, .expire_ms = -1};
    s->timers = t;
    return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
    struct slirp_be *s = opaque;
    for (struct slirp_timer **p = &s->timers; *p; p = &(*p)->next)
        if (*p == timer) {
            *p = (*p)->next;
            free(timer);
            return;
        }
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    struct slirp_be *s = opaque;
    ((struct slirp_timer *)timer)->expire_ms = expire_ms;
    wake(s);
}

static void cb_register_poll_fd(int fd, void *opaque)
{
    (void)fd;
    (void)opaque;
}

static void cb_notify(void *opaque)
{
    wake(opaque);
}

static const SlirpCb callbacks = {
    .send_packet = cb_send_packet,
    .guest_error = cb_guest_error,
    .clock_get_ns = cb_clock_get_ns,
    .timer_free = cb_timer_free,
    .timer_mod = cb_timer_mod,
    .register_poll_fd = cb_register_poll_fd,
    .unregister_poll_fd = cb_register_poll_fd,
    .notify = cb_notify,
    .timer_new_opaque = cb_timer_new_opaque,
};

static int add_poll(int fd, int events, void *opaque)
{
    struct slirp_be *s = opaque;
    if (s->npfds == s->cap_pfds) {
        unsigned cap = s->cap_pfds ? s->cap_pfds * 2 : 64;
        struct pollfd *p = realloc(s->pfds, cap * sizeof(*p));
        if (!p)
            return -1;
        s->pfds = p;
        s->cap_pfds = cap;
    }
    short ev = 0;
    if (events & SLIRP_POLL_IN)
        ev |= POLLIN;
    if (events & SLIRP_POLL_OUT)
        ev |= POLLOUT;
    if (events & SLIRP_POLL_PRI)
        ev |= POLLPRI;
    s->pfds[s->npfds] = (struct pollfd){.fd = fd, .events = ev};
    return (int)s->npfds++;
}

static int get_revents(int idx, void *opaque)
{
    struct slirp_be *s = opaque;
    if (idx < 0 || (unsigned)idx >= s->npfds)
        return 0;
    short r = s->pfds[idx].revents;
    int ev = 0;
    if (r & POLLIN)
        ev |= SLIRP_POLL_IN;
    if (r & POLLOUT)
        ev |= SLIRP_POLL_OUT;
    if (r & POLLPRI)
        ev |= SLIRP_POLL_PRI;
    if (r & POLLERR)
        ev |= SLIRP_POLL_ERR;
    if (r & POLLHUP)
        ev |= SLIRP_POLL_HUP;
    return ev;
}

static void run_timers(struct slirp_be *s)
{
    int64_t now = now_ns() / 1000000;
    for (bool fired = true; fired;) {
        fired = false;
        for (struct slirp_timer *t = s->timers; t; t = t->next)
            if (t->expire_ms >= 0 && t->expire_ms <= now) {
                t->expire_ms = -1;
                slirp_handle_timer(s->slirp, t->id, t->cb_opaque);
                fired = true; /* the handler may have changed the list */
                break;
            }
    }
}

static void *event_loop(void *arg)
{
    struct slirp_be *s = arg;
    while (!atomic_load(&s->stopping)) {
        pthread_mutex_lock(&s->lock);
        uint32_t timeout = UINT32_MAX;
        s->npfds = 0;
        add_poll(s->wake_fd, SLIRP_POLL_IN, s);
        slirp_pollfds_fill(s->slirp, &timeout, add_poll, s);
        int64_t now = now_ns() / 1000000;
        for (struct slirp_timer *t = s->timers; t; t = t->next)
            if (t->expire_ms >= 0) {
                int64_t d = t->expire_ms > now ? t->expire_ms - now : 0;
                if (d < (int64_t)timeout)
                    timeout = (uint32_t)d;
            }
        pthread_mutex_unlock(&s->lock);

        int r = poll(s->pfds, s->npfds, timeout == UINT32_MAX ? -1 : (int)timeout);
        if (r < 0 && errno != EINTR)
            log_ratelimited("user net: poll: %s", strerror(errno));
        if (r > 0 && s->pfds[0].revents) {
            uint64_t v;
            if (read(s->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
                log_ratelimited("user net: eventfd read: %s", strerror(errno));
        }
        pthread_mutex_lock(&s->lock);
        slirp_pollfds_poll(s->slirp, r < 0, get_revents, s);
        run_timers(s);
        pthread_mutex_unlock(&s->lock);
    }
    return NULL;
}

static int slirp_start(struct net_backend *b, const struct net_rx_ops *rx, void *opaque,
                       struct err *err)
{
    struct slirp_be *s = (struct slirp_be *)b;
    pthread_mutex_lock(&s->lock);
    s->rx = rx;
    s->opaque = opaque;
    pthread_mutex_unlock(&s->lock);
    int rc = pthread_create(&s->thread, NULL, event_loop, s);
    if (rc)
        return err__set_errno(err, rc, "user net: cannot start its thread");
    s->started = true;
    return 0;
}

static int slirp_send(struct net_backend *b, const struct iovec *iov, int iovcnt)
{
    struct slirp_be *s = (struct slirp_be *)b;
    pthread_mutex_lock(&s->lock);
    size_t len = 0;
    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].iov_len > sizeof(s->txbuf) - len) {
            pthread_mutex_unlock(&s->lock);
            atomic_fetch_add(&b->tx_errors, 1);
            return -EMSGSIZE;
        }
        memcpy(s->txbuf + len, iov[i].iov_base, iov[i].iov_len);
        len += iov[i].iov_len;
    }
    slirp_input(s->slirp, s->txbuf, (int)len);
    pthread_mutex_unlock(&s->lock);
    wake(s); /* the frame may have opened a socket for the loop to poll */
    return 0;
}

static void slirp_rx_ready(struct net_backend *b)
{
    (void)b; /* frames slirp could not deliver were dropped; TCP resends them */
}

static void slirp_close(struct net_backend *b)
{
    struct slirp_be *s = (struct slirp_be *)b;
    if (s->started) {
        atomic_store(&s->stopping, true);
        wake(s);
        pthread_join(s->thread, NULL);
    }
    slirp_cleanup(s->slirp);
    while (s->timers) {
        struct slirp_timer *t = s->timers;
        s->timers = t->next;
        free(t);
    }
    free(s->pfds);
    close(s->wake_fd);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static const struct net_backend_ops slirp_ops = {
    .start = slirp_start,
    .send = slirp_send,
    .rx_ready = slirp_rx_ready,
    .close = slirp_close,
};

struct net_backend *net_slirp__open(const struct net_options *o, struct err *err)
{
    struct slirp_be *s = calloc(1, sizeof(*s));
    if (!s) {
        err__set(err, "user net: out of memory");
        return NULL;
    }
    s->b = (struct net_backend){.ops = &slirp_ops, .kind = "user"};
    pthread_mutex_init(&s->lock, NULL);
    s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s->wake_fd < 0) {
        err__set_errno(err, errno, "user net: eventfd");
        pthread_mutex_destroy(&s->lock);
        free(s);
        return NULL;
    }
    SlirpConfig cfg = {
        .version = 4,
        .in_enabled = true,
        .vhostname = "strata",
    };
    inet_pton(AF_INET, "10.0.2.0", &cfg.vnetwork);
    inet_pton(AF_INET, "255.255.255.0", &cfg.vnetmask);
    inet_pton(AF_INET, "10.0.2.2", &cfg.vhost);
    inet_pton(AF_INET, GUEST_ADDR, &cfg.vdhcp_start);
    inet_pton(AF_INET, "10.0.2.3", &cfg.vnameserver);
    s->slirp = slirp_new(&cfg, &callbacks, s);
    if (!s->slirp) {
        err__set(err, "user net: libslirp could not start");
        close(s->wake_fd);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return NULL;
    }
    struct in_addr guest;
    inet_pton(AF_INET, GUEST_ADDR, &guest);
    for (unsigned i = 0; i < o->nhostfwd; i++) {
        const struct net_hostfwd *f = &o->hostfwd[i];
        struct in_addr host = {.s_addr = f->host_addr};
        if (slirp_add_hostfwd(s->slirp, f->udp, host, f->host_port, guest, f->guest_port) < 0) {
            char a[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &host, a, sizeof(a));
            err__set(err, "user net: cannot forward %s:%s:%u (is the port in use?)",
                     f->udp ? "udp" : "tcp", a, f->host_port);
            slirp_close(&s->b);
            return NULL;
        }
    }
    return &s->b;
}
