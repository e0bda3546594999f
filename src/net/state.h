/* SPDX-License-Identifier: Apache-2.0 */
/*
 * state.h - the network state directory's records (see network.h; the
 * functions are in state.c). Internal to src/net/.
 */
#ifndef STRATA_NET_STATE_H
#define STRATA_NET_STATE_H

#include <stddef.h>

#include "net/network.h"
#include "util/err.h"

/* Takes the directory's exclusive lock; returns the fd to pass to state__unlock. */
int state__lock(const char *dir, struct err *err);
void state__unlock(int fd);

int state__write_network(const char *dir, const struct network *n, struct err *err);

int state__add_attachment(const char *dir, const char *name, const char *tap, const char *vm,
                          struct err *err);
void state__remove_attachment(const char *dir, const char *name, const char *tap);
/*
 * Address reservations of interfaces strata configures itself (ipam.c):
 * NAME.hosts/IFNAME holds "MAC,ADDRESS", a dhcp-host line of the directory
 * the network's dnsmasq watches (--dhcp-hostsdir), so DHCP never hands the
 * address to anyone else. Removed with the interface's attachment.
 */
int state__add_reservation(const char *dir, const char *name, const char *ifname, const char *line,
                           struct err *err);
void state__remove_reservation(const char *dir, const char *name, const char *ifname);
/* The hosts directory of network NAME into buf. */
void state__hosts_dir(const char *dir, const char *name, char *buf, size_t len);
/* Removes the hosts directory and what it holds. */
void state__remove_hosts(const char *dir, const char *name);
/*
 * Counts the network's live attachments, reaping stale ones (deleting their
 * taps if still there); their VM names go comma-separated into vms.
 */
unsigned state__live_attachments(const char *dir, const char *name, char *vms, size_t len);

#endif
