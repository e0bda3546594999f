/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dnsmasq.h - the DHCP and DNS server of a routed or NAT network: one
 * dnsmasq per network, started and stopped by strata as libvirt does, bound
 * to the network's bridge only, with its pid file and leases in the state
 * directory (network.h).
 */
#ifndef STRATA_NET_DNSMASQ_H
#define STRATA_NET_DNSMASQ_H

#include "net/network.h"
#include "util/err.h"

/* Starts dnsmasq for n; returns once it serves (or with its error). */
int dnsmasq__start(const struct network *n, const char *state_dir, struct err *err);
/* Stops the network's dnsmasq if it runs and removes its files. */
void dnsmasq__stop(const struct network *n, const char *state_dir);

#endif
