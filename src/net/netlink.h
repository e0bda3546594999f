/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netlink.h - the host's links, addresses and routes through rtnetlink
 * (RFC 3549; Linux's include/uapi/linux/rtnetlink.h) with libmnl, instead
 * of running `ip`. Every call opens its own socket and waits for the
 * kernel's acknowledgement, so errors come back as the kernel's errno.
 * Names are interface names (at most IF_NAMESIZE - 1 bytes).
 */
#ifndef STRATA_NET_NETLINK_H
#define STRATA_NET_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* True if the interface exists. */
bool netlink__link_exists(const char *name);
/* Creates a bridge (RTM_NEWLINK, kind "bridge"), down. */
int netlink__add_bridge(const char *name, struct err *err);
/* Deletes a link; one that is already gone is not an error. */
int netlink__del_link(const char *name, struct err *err);
/* Sets IFF_UP on or off. */
int netlink__set_up(const char *name, bool up, struct err *err);
/* Enslaves the link to the bridge `master`, or releases it (master NULL). */
int netlink__set_master(const char *name, const char *master, struct err *err);
/* Adds an IPv4 address (network byte order) with its prefix length. */
int netlink__add_addr4(const char *name, uint32_t addr, unsigned prefix, struct err *err);
/*
 * Looks for an IPv4 route, in any table, whose destination overlaps
 * addr/prefix (default routes do not count). Returns 1 and describes it in
 * what ("10.0.0.0/8 dev eth0"), 0 if none, -1 on error.
 */
int netlink__route_overlap(uint32_t addr, unsigned prefix, char *what, size_t len, struct err *err);
/* The interface's master (a bridge) into master, "" if none; -1 if it does not exist. */
int netlink__get_master(const char *name, char *master, size_t len);

#endif
