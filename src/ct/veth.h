/* SPDX-License-Identifier: Apache-2.0 */
/*
 * veth.h - a container's network interface: a veth pair (veth(4)) made with
 * rtnetlink (RFC 3549; include/uapi/linux/veth.h, if_link.h) through libmnl,
 * its peer created directly inside the container's network namespace under
 * the name the container sees, its host end enslaved to a bridge and up.
 */
#ifndef STRATA_CT_VETH_H
#define STRATA_CT_VETH_H

#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

/*
 * Creates HOST_IF (in the caller's namespace, up, enslaved to BRIDGE unless
 * NULL) paired with PEER_IF inside the network namespace of process PID
 * (down), with hardware address MAC unless NULL.
 */
int ct_veth__create(const char *host_if, const char *peer_if, pid_t pid, const char *bridge,
                    const uint8_t *mac, struct err *err);

/* An interface's IPv4 configuration, network byte order; zeros: none. */
struct ct_veth_addr {
    uint32_t addr;
    unsigned prefix;
    uint32_t gateway; /* the default route's */
};
/* In PID's network namespace: PEER_IF up, with a's address and default route. */
int ct_veth__configure_peer(pid_t pid, const char *peer_if, const struct ct_veth_addr *a,
                            struct err *err);
/* Deletes HOST_IF (and so its peer); a missing one is fine. */
int ct_veth__delete(const char *host_if, struct err *err);

#endif
