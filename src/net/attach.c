// SPDX-License-Identifier: Apache-2.0
/*
 * attach.c - the network backend (net.h): a NIC on a named network. It is a
 * tap strata creates (tap.c; the kernel removes it when strata's descriptor
 * closes, kill -9 included) enslaved to the network's bridge, with an
 * attachment record (network.h) that close removes; a record whose process
 * died is reaped by the next `strata net ls`, `net rm` or attach.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/net.h"
#include "net/network.h"

struct attach {
    struct net_backend b;
    struct net_backend *tap;
    char network[NETWORK_NAME_MAX + 1];
};

static int attach_start(struct net_backend *b, const struct net_rx_ops *rx, void *opaque,
                        struct err *err)
{
    struct attach *a = (struct attach *)b;
    return a->tap->ops->start(a->tap, rx, opaque, err);
}

static int attach_send(struct net_backend *b, const struct iovec *iov, int iovcnt)
{
    struct attach *a = (struct attach *)b;
    int r = a->tap->ops->send(a->tap, iov, iovcnt);
    if (r)
        atomic_fetch_add(&b->tx_errors, 1);
    return r;
}

static void attach_rx_ready(struct net_backend *b)
{
    struct attach *a = (struct attach *)b;
    a->tap->ops->rx_ready(a->tap);
}

static int attach_set_offloads(struct net_backend *b, unsigned offloads)
{
    struct attach *a = (struct attach *)b;
    return a->tap->ops->set_offloads(a->tap, offloads);
}

static void attach_close(struct net_backend *b)
{
    struct attach *a = (struct attach *)b;
    network__detach(a->network, b->ifname);
    net__close(a->tap);
    free(a);
}

static const struct net_backend_ops attach_ops = {
    .start = attach_start,
    .send = attach_send,
    .rx_ready = attach_rx_ready,
    .set_offloads = attach_set_offloads,
    .close = attach_close,
};

struct net_backend *net_attach__open(const char *network, const char *vm_name, struct err *err)
{
    static atomic_uint next;
    struct network n;
    if (network__load(network, &n, err))
        return NULL;
    struct attach *a = calloc(1, sizeof(*a));
    if (!a) {
        err__set(err, "network %s: out of memory", network);
        return NULL;
    }
    char name[IF_NAMESIZE];
    snprintf(name, sizeof(name), "st%dn%u", (int)getpid(), atomic_fetch_add(&next, 1));
    if (!(a->tap = net_tap__open(name, err))) {
        free(a);
        return NULL;
    }
    if (network__attach(network, name, vm_name, err)) {
        net__close(a->tap);
        free(a);
        return NULL;
    }
    a->b = (struct net_backend){.ops = &attach_ops,
                                .kind = "network",
                                .hdr_len = a->tap->hdr_len,
                                .offloads = a->tap->offloads};
    strcpy(a->b.ifname, name);
    snprintf(a->network, sizeof(a->network), "%s", network);
    return &a->b;
}
