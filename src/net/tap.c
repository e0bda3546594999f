// SPDX-License-Identifier: Apache-2.0
/*
 * tap.c - the tap backend (net.h): a Linux tap device opened through
 * /dev/net/tun with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR
 * (Documentation/networking/tuntap.rst), so every frame carries a 12-byte
 * virtio_net_hdr_v1 and the guest's checksum and segmentation offloads go
 * to the host kernel as they are.
 *
 * An existing tap (persistent, made by `ip tuntap add`) is used as it is. A
 * name that does not exist yet is created by the open and is not made
 * persistent: the kernel removes it when the last descriptor closes, which
 * is on every exit path of strata, kill -9 included.
 *
 * A reader thread, off the vCPU threads, moves frames to the device; while
 * the device has no receive buffers it waits on an eventfd that rx_ready
 * signals, leaving frames queued in the tap.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "net/net.h"
#include "net/netlink.h"
#include "util/log.h"

#define VNET_HDR_LEN 12 /* struct virtio_net_hdr_v1 */

struct tap {
    struct net_backend b;
    int fd;
    int wake_fd; /* rx_ready and close */
    bool created;
    bool started;
    atomic_bool stopping;
    pthread_t thread;
    const struct net_rx_ops *rx;
    void *opaque;
    uint8_t buf[NET_MAX_FRAME];
};

static void drain(int fd)
{
    uint64_t v;
    if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
        log_ratelimited("tap: eventfd read: %s", strerror(errno));
}

static void *reader(void *arg)
{
    struct tap *t = arg;
    while (!atomic_load(&t->stopping)) {
        bool room = t->rx->has_room(t->opaque);
        struct pollfd p[2] = {{.fd = t->wake_fd, .events = POLLIN},
                              {.fd = t->fd, .events = room ? POLLIN : 0}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            log__msg("tap %s: poll: %s", t->b.ifname, strerror(errno));
            break;
        }
        if (p[0].revents)
            drain(t->wake_fd);
        if (!(p[1].revents & POLLIN))
            continue;
        /* Several frames per wake-up while the device has room. */
        for (int i = 0; i < 64 && t->rx->has_room(t->opaque); i++) {
            ssize_t n = read(t->fd, t->buf, sizeof(t->buf));
            if (n < 0) {
                if (errno != EAGAIN && errno != EINTR)
                    log_ratelimited("tap %s: read: %s", t->b.ifname, strerror(errno));
                break;
            }
            if ((size_t)n <= VNET_HDR_LEN) {
                atomic_fetch_add(&t->b.rx_dropped, 1);
                continue;
            }
            t->rx->receive(t->opaque, t->buf, (size_t)n);
        }
    }
    return NULL;
}

static int tap_start(struct net_backend *b, const struct net_rx_ops *rx, void *opaque,
                     struct err *err)
{
    struct tap *t = (struct tap *)b;
    t->rx = rx;
    t->opaque = opaque;
    int rc = pthread_create(&t->thread, NULL, reader, t);
    if (rc)
        return err__set_errno(err, rc, "tap %s: cannot start its thread", b->ifname);
    t->started = true;
    return 0;
}

static int tap_send(struct net_backend *b, const struct iovec *iov, int iovcnt)
{
    struct tap *t = (struct tap *)b;
    ssize_t n = writev(t->fd, iov, iovcnt);
    if (n < 0) {
        atomic_fetch_add(&b->tx_errors, 1);
        return -errno;
    }
    return 0;
}

static void tap_rx_ready(struct net_backend *b)
{
    struct tap *t = (struct tap *)b;
    uint64_t one = 1;
    if (write(t->wake_fd, &one, sizeof(one)) < 0)
        log_ratelimited("tap %s: eventfd write: %s", b->ifname, strerror(errno));
}

static int tap_set_offloads(struct net_backend *b, unsigned offloads)
{
    struct tap *t = (struct tap *)b;
    unsigned flags = 0;
    if (offloads & NET_OFFLOAD_CSUM)
        flags |= TUN_F_CSUM;
    if (offloads & NET_OFFLOAD_TSO4)
        flags |= TUN_F_TSO4;
    if (offloads & NET_OFFLOAD_TSO6)
        flags |= TUN_F_TSO6;
    if (offloads & NET_OFFLOAD_UFO)
        flags |= TUN_F_UFO;
    if (ioctl(t->fd, TUNSETOFFLOAD, flags) == 0)
        return 0;
    return -errno;
}

static void tap_close(struct net_backend *b)
{
    struct tap *t = (struct tap *)b;
    if (t->started) {
        atomic_store(&t->stopping, true);
        tap_rx_ready(b);
        pthread_join(t->thread, NULL);
    }
    close(t->fd); /* a tap strata created goes away with its last descriptor */
    close(t->wake_fd);
    free(t);
}

static const struct net_backend_ops tap_ops = {
    .start = tap_start,
    .send = tap_send,
    .rx_ready = tap_rx_ready,
    .set_offloads = tap_set_offloads,
    .close = tap_close,
};

struct net_backend *net_tap__open(const char *name, struct err *err)
{
    if (!*name || strlen(name) >= IF_NAMESIZE) {
        err__set(err, "bad tap name '%s': want 1 to %d characters", name, IF_NAMESIZE - 1);
        return NULL;
    }
    struct tap *t = calloc(1, sizeof(*t));
    if (!t) {
        err__set(err, "tap %s: out of memory", name);
        return NULL;
    }
    t->b = (struct net_backend){.ops = &tap_ops, .kind = "tap", .hdr_len = VNET_HDR_LEN};
    strcpy(t->b.ifname, name);
    t->created = if_nametoindex(name) == 0;
    t->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    t->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (t->fd < 0 || t->wake_fd < 0) {
        err__set_errno(err, errno, "tap %s: cannot open /dev/net/tun", name);
        goto fail;
    }
    struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR};
    strcpy(ifr.ifr_name, name);
    if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        if (e == EPERM)
            err__set(err,
                     "tap %s: permission denied (CAP_NET_ADMIN is needed to create a tap, "
                     "or the tap's owner to use it)",
                     name);
        else if (!t->created && (e == EINVAL || e == EBUSY))
            err__set(err, "tap %s: the interface exists and is not a free tap", name);
        else
            err__set_errno(err, e, "tap %s: cannot attach", name);
        goto fail;
    }
    int hdr = VNET_HDR_LEN;
    if (ioctl(t->fd, TUNSETVNETHDRSZ, &hdr) < 0) {
        err__set_errno(err, errno, "tap %s: cannot set the virtio-net header size", name);
        goto fail;
    }
    /* Offloads the tap can take from the guest; off until the guest negotiates them. */
    t->b.offloads = NET_OFFLOAD_CSUM | NET_OFFLOAD_TSO4 | NET_OFFLOAD_TSO6;
    if (ioctl(t->fd, TUNSETOFFLOAD, 0) < 0) {
        err__set_errno(err, errno, "tap %s: cannot reset its offloads", name);
        goto fail;
    }
    if (t->created && netlink__set_up(name, true, err))
        goto fail;
    return &t->b;

fail:
    if (t->fd >= 0)
        close(t->fd);
    if (t->wake_fd >= 0)
        close(t->wake_fd);
    free(t);
    return NULL;
}
