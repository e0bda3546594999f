/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net.h - virtio-net (virtio 1.2, 5.1): one receive and one transmit queue
 * over a network backend (src/net/net.h), which the device does not tell
 * apart. It offers its MAC address, link status (always up), mergeable
 * receive buffers and, when the backend carries the virtio-net header (a tap
 * with IFF_VNET_HDR), checksum and TSO offloads in both directions; the
 * transport adds EVENT_IDX and indirect descriptors.
 *
 * Receive runs on the backend's thread, transmit on the device's own
 * thread, which the guest's notifications wake: never on a vCPU thread.
 * A transmit chain shorter than a header and an Ethernet header, or longer
 * than NET_MAX_FRAME, and a received frame the guest's buffers cannot hold
 * are dropped and counted.
 */
#ifndef STRATA_DEVICES_VIRTIO_NET_H
#define STRATA_DEVICES_VIRTIO_NET_H

#include <stdint.h>

#include "devices/virtio/core.h"
#include "net/net.h"

#define VIRTIO_NET_STATE_VERSION 1

/* Feature bits (5.1.3) */
#define VIRTIO_NET_F_CSUM       0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MAC        5
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_GUEST_TSO6 8
#define VIRTIO_NET_F_HOST_TSO4  11
#define VIRTIO_NET_F_HOST_TSO6  12
#define VIRTIO_NET_F_MRG_RXBUF  15
#define VIRTIO_NET_F_STATUS     16

#define VIRTIO_NET_S_LINK_UP 1
#define VIRTIO_NET_HDR_LEN   12 /* struct virtio_net_hdr_v1 */

struct virtio_net;

struct virtio_net_stats {
    uint64_t rx_frames, tx_frames;
    uint64_t rx_dropped; /* no buffers, frame too big for them */
    uint64_t tx_dropped; /* malformed or oversized chains, backend refused */
};

struct virtio_net_state {
    uint32_t version;
    struct virtio_dev_state core;
};

/*
 * Takes the backend and starts its receive path. The device owns it from
 * here (on failure too): destroy closes it after stopping the transmit
 * thread and before the device's memory goes, since the backend's thread
 * calls into the device.
 */
struct virtio_net *virtio_net__create(struct machine *m, struct net_backend *backend,
                                      const uint8_t mac[6], struct err *err);
/* Its transport must be gone. NULL is fine. */
void virtio_net__destroy(struct virtio_net *n);
/* The device's virtio core, for a transport to attach to. */
struct virtio_dev *virtio_net__virtio(struct virtio_net *n);
void virtio_net__stats(struct virtio_net *n, struct virtio_net_stats *s);

void virtio_net__save(struct virtio_net *n, struct virtio_net_state *state);
int virtio_net__load(struct virtio_net *n, const struct virtio_net_state *state, struct err *err);

#endif
