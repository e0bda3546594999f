// SPDX-License-Identifier: Apache-2.0
/* channel.c - TCP sockets and reply lines for the migration stream (see channel.h). */
#include "state/channel.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Splits "tcp:HOST:PORT" into host and port. */
static int parse(const char *uri, char *host, size_t hlen, char *port, size_t plen, struct err *err)
{
    if (strncmp(uri, "tcp:", 4))
        return err__set(err, "'%s': want tcp:HOST:PORT", uri);
    const char *h = uri + 4, *colon;
    size_t n;
    if (*h == '[') {
        const char *close = strchr(h, ']');
        if (!close || close[1] != ':')
            return err__set(err, "'%s': want tcp:[IPV6]:PORT", uri);
        h++;
        n = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(h, ':');
        if (!colon)
            return err__set(err, "'%s': want tcp:HOST:PORT", uri);
        n = (size_t)(colon - h);
    }
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || p < 0 || p > 65535)
        return err__set(err, "'%s': the port must be 0 to 65535", uri);
    if (n == 0 || n >= hlen)
        return err__set(err, "'%s': want tcp:HOST:PORT", uri);
    memcpy(host, h, n);
    host[n] = 0;
    snprintf(port, plen, "%ld", p);
    return 0;
}

static struct addrinfo *resolve(const char *uri, bool passive, struct err *err)
{
    char host[256], port[8];
    if (parse(uri, host, sizeof(host), port, sizeof(port), err))
        return NULL;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = passive ? AI_PASSIVE : 0};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc) {
        err__set(err, "'%s': %s", uri, gai_strerror(rc));
        return NULL;
    }
    return ai;
}

int channel__listen(const char *uri, char *bound, size_t len, struct err *err)
{
    struct addrinfo *ai = resolve(uri, true, err);
    if (!ai)
        return -1;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 1)) {
        err__set_errno(err, errno, "cannot listen on %s", uri);
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char host[NI_MAXHOST], port[NI_MAXSERV];
    if (!getsockname(fd, (struct sockaddr *)&ss, &sl) &&
        !getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), port, sizeof(port),
                     NI_NUMERICHOST | NI_NUMERICSERV))
        snprintf(bound, len, strchr(host, ':') ? "tcp:[%s]:%s" : "tcp:%s:%s", host, port);
    else
        snprintf(bound, len, "%s", uri);
    freeaddrinfo(ai);
    return fd;
}

static void tune(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int channel__accept(int lfd, struct err *err)
{
    int fd;
    while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0 && errno == EINTR)
        continue;
    if (fd < 0)
        err__set_errno(err, errno, "cannot accept the migration");
    close(lfd);
    if (fd >= 0)
        tune(fd);
    return fd;
}

int channel__connect(const char *uri, double timeout_s, struct err *err)
{
    struct addrinfo *ai = resolve(uri, false, err);
    if (!ai)
        return -1;
    int fd = -1, e = 0;
    for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
            e = errno;
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) && errno != EINPROGRESS) {
            e = errno;
        } else {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            socklen_t el = sizeof(e);
            int n = poll(&p, 1, (int)(timeout_s * 1000));
            if (n == 0)
                e = ETIMEDOUT;
            else if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el))
                e = errno;
        }
        if (e) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    if (fd < 0)
        return err__set_errno(err, e, "cannot connect to %s", uri);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    tune(fd);
    return fd;
}

int channel__send_line(int fd, const char *line, struct err *err)
{
    char buf[1024];
    int n = snprintf(buf, sizeof(buf), "%s\n", line);
    if (n >= (int)sizeof(buf)) {
        n = sizeof(buf) - 1;
        buf[n - 1] = '\n';
    }
    for (int off = 0; off < n;) {
        ssize_t w = send(fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return err__set_errno(err, w < 0 ? errno : EIO, "the migration connection");
        off += (int)w;
    }
    return 0;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int channel__read_line(int fd, char *buf, size_t len, double timeout_s, struct err *err)
{
    double deadline = now_s() + timeout_s;
    size_t n = 0;
    while (n + 1 < len) {
        double left = deadline - now_s();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = left > 0 ? poll(&p, 1, (int)(left * 1000) + 1) : 0;
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            return err__set(err, "no answer within %.0f s", timeout_s);
        if (r < 0)
            return err__set_errno(err, errno, "the migration connection");
        ssize_t got = recv(fd, buf + n, 1, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return err__set_errno(err, errno, "the migration connection");
        if (got == 0)
            return err__set(err, "the connection was closed");
        if (buf[n] == '\n')
            break;
        n++;
    }
    buf[n] = 0;
    return 0;
}
