/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net.h - network backends behind one interface, so that virtio-net does not
 * know a tap from user-mode networking (the way block.h is for disks).
 *
 * A backend carries Ethernet frames between one NIC and the host:
 *   tap      a Linux tap device (Documentation/networking/tuntap.rst), an
 *            existing one or one strata creates and the kernel removes when
 *            strata's descriptor closes; IFF_VNET_HDR, so frames carry the
 *            virtio-net header and checksum/TSO/UFO offloads pass through;
 *   user     libslirp: a user-mode TCP/IP stack with DHCP, DNS and host
 *            port forwarding, on its own event-loop thread;
 *   network  a tap strata creates for the VM and enslaves to a named
 *            network's bridge (network.h), recorded as an attachment.
 *
 * Frames to the guest arrive on the backend's own thread through the rx
 * callbacks; frames from the guest go through send(), from any thread. With
 * hdr_len non-zero every frame in both directions starts with a
 * struct virtio_net_hdr_v1 (virtio 1.2, 5.1.6) of that many bytes.
 */
#ifndef STRATA_NET_NET_H
#define STRATA_NET_NET_H

#include <net/if.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "util/err.h"

/* The largest frame a backend hands over: a 64 KiB TSO frame plus headers. */
#define NET_MAX_FRAME    (65536 + 14 + 4 + 12)
/* Host port forwards of one user backend. */
#define NET_MAX_HOSTFWD  8
/* Offloads a tap can be asked to honour (they mirror TUN_F_*). */
#define NET_OFFLOAD_CSUM (1u << 0)
#define NET_OFFLOAD_TSO4 (1u << 1)
#define NET_OFFLOAD_TSO6 (1u << 2)
#define NET_OFFLOAD_UFO  (1u << 3)

struct net_backend;

/* How a backend hands frames to the device; called on the backend's thread. */
struct net_rx_ops {
    /* True if the device has somewhere to put a frame now. */
    bool (*has_room)(void *opaque);
    /* One frame for the guest (the header first when hdr_len). */
    void (*receive)(void *opaque, const uint8_t *frame, size_t len);
};

struct net_backend_ops {
    /* Starts delivering frames to rx. */
    int (*start)(struct net_backend *b, const struct net_rx_ops *rx, void *opaque, struct err *err);
    /* Sends one frame from the guest; 0 or a negative errno (the frame is then dropped). */
    int (*send)(struct net_backend *b, const struct iovec *iov, int iovcnt);
    /* The device has room again after has_room said no. */
    void (*rx_ready)(struct net_backend *b);
    /* Optional: the guest's header may use these offloads (NET_OFFLOAD_*). */
    int (*set_offloads)(struct net_backend *b, unsigned offloads);
    /* Stops the backend's thread and releases everything it made on the host. */
    void (*close)(struct net_backend *b);
};

struct net_backend {
    const struct net_backend_ops *ops;
    const char *kind;         /* "tap", "user", "network" */
    char ifname[IF_NAMESIZE]; /* the tap, when there is one */
    size_t hdr_len;           /* bytes of virtio-net header on each frame (0: none) */
    unsigned offloads;        /* NET_OFFLOAD_* the backend can honour */
    atomic_ulong rx_dropped;  /* frames for the guest dropped (no room, too big) */
    atomic_ulong tx_errors;   /* frames from the guest the host refused */
};

struct net_hostfwd {
    bool udp;
    uint32_t host_addr; /* network byte order */
    uint16_t host_port;
    uint16_t guest_port;
};

/* One --net option. */
struct net_options {
    enum { NET_TAP, NET_USER, NET_NETWORK } kind;
    char name[IF_NAMESIZE]; /* the tap (NET_TAP) */
    char network[32];       /* the network (NET_NETWORK) */
    struct net_hostfwd hostfwd[NET_MAX_HOSTFWD];
    unsigned nhostfwd;
    uint8_t mac[6];
    bool has_mac;
};

/*
 * Parses a --net spec: tap=IFNAME | user[,hostfwd=tcp:ADDR:HPORT-:GPORT]... |
 * NETWORK, each with an optional ,mac=XX:XX:XX:XX:XX:XX. The error is one
 * line naming what is wrong (a usage error).
 */
int net_options__parse(struct net_options *o, const char *spec, struct err *err);

/*
 * Opens the backend the options ask for. vm_name names the VM in a network
 * attachment record.
 */
struct net_backend *net__open(const struct net_options *o, const char *vm_name, struct err *err);
void net__close(struct net_backend *b);

/* A stable locally administered unicast MAC from the VM name and the NIC's index. */
void net__default_mac(const char *vm_name, unsigned index, uint8_t mac[6]);

/* tap.c: opens (or creates, when absent) the tap `name`; see net.h. */
struct net_backend *net_tap__open(const char *name, struct err *err);
/* slirp.c */
struct net_backend *net_slirp__open(const struct net_options *o, struct err *err);
/* attach.c: a tap on a named network's bridge. */
struct net_backend *net_attach__open(const char *network, const char *vm_name, struct err *err);

#endif
