/* SPDX-License-Identifier: Apache-2.0 */
/*
 * network.h - named networks (`strata net`) in libvirt's four forward
 * models (https://libvirt.org/formatnetwork.html):
 *
 *   isolated  a bridge with no host address: guests reach each other only;
 *   routed    the bridge has the subnet's first address, forwarding is on,
 *             guests route through the host; dnsmasq hands out addresses;
 *   nat       routed plus nftables masquerade of the subnet toward the
 *             uplink (any other interface without --uplink);
 *   bridged   the uplink is enslaved to the bridge: guests are on the
 *             uplink's LAN.
 *
 * A network is a file in the state directory (`/run/strata/net` as root,
 * `$XDG_RUNTIME_DIR/strata/net` otherwise, STRATA_STATE_DIR overrides) and
 * what it made on the host: the bridge `sb-NAME`, for routed and nat a
 * dnsmasq (pid file and leases beside the record), for nat the nftables
 * table `ip strata-NAME`. Each VM NIC on it is an attachment record
 * NAME.attach/TAP holding the owner's pid and start time; a record whose
 * process is gone is stale and is reaped (its tap deleted if still there)
 * by `strata net ls`, `net rm` and the next attach. A container's veth is
 * attached the same way, and its address reserved (network__attach_addressed). All
 * changes hold an exclusive lock on the state directory.
 */
#ifndef STRATA_NET_NETWORK_H
#define STRATA_NET_NETWORK_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

#define NETWORK_NAME_MAX 12 /* the bridge "sb-NAME" fits IF_NAMESIZE */

enum network_model { NETWORK_ISOLATED, NETWORK_ROUTED, NETWORK_NAT, NETWORK_BRIDGED };

struct network {
    char name[NETWORK_NAME_MAX + 1];
    enum network_model model;
    char bridge[IF_NAMESIZE];
    uint32_t subnet; /* network byte order; 0 with prefix 0: none */
    unsigned prefix;
    char uplink[IF_NAMESIZE]; /* "" if none */
};

/* What `strata net create` asks for. */
struct network_config {
    const char *name;
    const char *model;  /* isolated|routed|nat|bridged */
    const char *subnet; /* CIDR or NULL */
    const char *uplink; /* IFNAME or NULL */
};

const char *network__model_name(enum network_model m);

/* Creates the network; on any error nothing of it is left on the host. */
int network__create(const struct network_config *c, struct err *err);
/* Removes the network (refused while a live VM is attached). */
int network__remove(const char *name, struct err *err);

/* One network as listed: its record and its live attachments. */
struct network_info {
    struct network net;
    char vms[256]; /* "vm1,vm2" or "" */
    unsigned nattached;
};
/* Calls fn for each network in name order, after reaping stale attachments. */
int network__list(void (*fn)(const struct network_info *info, void *opaque), void *opaque,
                  struct err *err);

/* Reads a network's record. */
int network__load(const char *name, struct network *n, struct err *err);

/*
 * Records that this process attached the tap to the network, reaping stale
 * attachments first; network__detach removes the record and any address
 * reservation (network__attach_addressed).
 */
int network__attach(const char *name, const char *tap, const char *vm_name, struct err *err);
void network__detach(const char *name, const char *tap);

/* An address strata gives an interface it configures itself (a container's). */
struct network_addr {
    uint32_t addr; /* network byte order; 0: none */
    unsigned prefix;
    uint32_t gateway; /* network byte order; 0: no default route */
};

/*
 * network__attach for an interface strata configures itself (a
 * container's veth IFNAME with hardware address MAC), which also gets an
 * IPv4 address (ipam.c): WANT ("A.B.C.D[/N]") if not NULL, checked against
 * the subnet and the addresses in use, else the lowest free address of the
 * subnet from its second one. The reservation is a dhcp-host line for the
 * network's dnsmasq, so its DHCP never hands the address to another NIC and
 * gives it to this MAC; network__detach drops it. A network without a
 * subnet (bridged, isolated without --subnet) gives no address unless
 * WANT. Routed and NAT networks give the host's address as gateway.
 */
int network__attach_addressed(const char *name, const char *ifname, const char *owner,
                              const uint8_t mac[6], const char *want, struct network_addr *a,
                              struct err *err);

/* Parses a host address "A.B.C.D/N" (N from 1 to 32) or, if prefix_optional, "A.B.C.D" (prefix 0).
 */
int network__parse_addr(const char *s, bool prefix_optional, uint32_t *addr, unsigned *prefix,
                        struct err *err);

/* Parses "A.B.C.D/N" (N from 8 to 30, no host bits set). */
int network__parse_cidr(const char *s, uint32_t *addr, unsigned *prefix, struct err *err);

/* The state directory into buf (created if missing). */
int network__state_dir(char *buf, size_t len, struct err *err);

/* True if the process has CAP_NET_ADMIN in its effective set. */
bool network__have_net_admin(void);

#endif
