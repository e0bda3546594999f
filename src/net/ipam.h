/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipam.h - IPv4 addresses for the interfaces strata configures itself on a
 * named network (network__attach_addressed in network.h says what they
 * get). Internal to src/net/.
 */
#ifndef STRATA_NET_IPAM_H
#define STRATA_NET_IPAM_H

#include <stdint.h>

#include "net/network.h"
#include "util/err.h"

/*
 * Picks IFNAME's address on network N (state directory DIR, its lock held)
 * and records the reservation; see network__attach_addressed.
 */
int ipam__reserve(const char *dir, const struct network *n, const char *ifname,
                  const uint8_t mac[6], const char *want, struct network_addr *a, struct err *err);

#endif
