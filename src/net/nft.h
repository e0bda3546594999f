/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nft.h - a network's firewall: for NAT the masquerade, one nftables
 * table `ip strata-NAME`; for isolated the wall between the guests and the
 * host, `inet strata-NAME`. Generated as a ruleset and loaded through
 * libnftables (never by parsing the output of a program).
 */
#ifndef STRATA_NET_NFT_H
#define STRATA_NET_NFT_H

#include "net/network.h"
#include "util/err.h"

/* Writes the ruleset that nft__add loads for n into buf. */
int nft__ruleset(const struct network *n, char *buf, size_t len);
int nft__add(const struct network *n, struct err *err);
/* Deletes the table if it exists. */
void nft__del(const struct network *n);

#endif
