/* SPDX-License-Identifier: Apache-2.0 */
/*
 * veth.h - a container's network interface: a veth pair (veth(4)) made with
 * rtnetlink (RFC 3549; include/uapi/linux/veth.h, if_link.h) through libmnl,
 * its peer created directly inside the container's network namespace under
 * the name the container sees, its host end enslaved to a bridge and up.
 */
#ifndef STRATA_CT_VETH_H
#define STRATA_CT_VETH_H

#include <sys/types.h>

#include "util/err.h"

/*
 * Creates HOST_IF (in the caller's namespace, enslaved to BRIDGE and up)
 * paired with PEER_IF inside the network namespace of process PID (down; the
 * container brings it up).
 */
int ct_veth__create(const char *host_if, const char *peer_if, pid_t pid, const char *bridge,
                    struct err *err);
/* In PID's network namespace: PEER_IF up, with the IPv4 CIDR ("10.0.0.2/24") unless NULL. */
int ct_veth__configure_peer(pid_t pid, const char *peer_if, const char *cidr, struct err *err);
/* Deletes HOST_IF (and so its peer); a missing one is fine. */
int ct_veth__delete(const char *host_if, struct err *err);

#endif
