// SPDX-License-Identifier: Apache-2.0
/*
 * ipam.c - IPv4 addresses for the interfaces strata configures itself on a
 * named network (a container's veth; VMs ask the network's DHCP): the
 * allocation podman's IPAM makes (the lowest free address of the subnet
 * from its second, the first being the host's on routed and NAT networks),
 * recorded as a dnsmasq dhcp-host line ("MAC,ADDRESS", dnsmasq(8)
 * --dhcp-hostsdir) which dnsmasq excludes from its dynamic range and gives
 * to that MAC alone. Taken addresses: the other reservations and the
 * dnsmasq leases of other MACs (NAME.leases: "EXPIRY MAC ADDRESS ...").
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/ipam.h"
#include "net/state.h"

#define MAX_TAKEN 4096

struct taken {
    uint32_t addr[MAX_TAKEN]; /* host byte order */
    unsigned n;
};

int network__parse_addr(const char *s, bool prefix_optional, uint32_t *addr, unsigned *prefix,
                        struct err *err)
{
    char ip[INET_ADDRSTRLEN];
    const char *slash = strchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);
    unsigned long p = 0;
    char *end = NULL;
    if (slash)
        p = strtoul(slash + 1, &end, 10);
    if ((!slash && !prefix_optional) || len >= sizeof(ip) ||
        (slash && (!slash[1] || *end || p < 1 || p > 32)))
        return err__set(err, "address %s: want an IPv4 A.B.C.D%s", s,
                        prefix_optional ? "[/N]" : "/N");
    memcpy(ip, s, len);
    ip[len] = '\0';
    if (inet_pton(AF_INET, ip, addr) != 1)
        return err__set(err, "address %s: want an IPv4 A.B.C.D%s", s,
                        prefix_optional ? "[/N]" : "/N");
    *prefix = (unsigned)p;
    return 0;
}

static void format_mac(const uint8_t mac[6], char *buf, size_t len)
{
    snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
}

static void take(struct taken *t, const char *ip)
{
    struct in_addr a;
    if (t->n < MAX_TAKEN && inet_pton(AF_INET, ip, &a) == 1)
        t->addr[t->n++] = ntohl(a.s_addr);
}

/* Every reservation but IFNAME's, and the leases of MACs other than ours. */
static void collect(const char *dir, const char *name, const char *ifname, const char *mac,
                    struct taken *t)
{
    char path[700], line[256];
    state__hosts_dir(dir, name, path, sizeof(path));
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, ifname))
            continue;
        char rec[960];
        snprintf(rec, sizeof(rec), "%s/%s", path, e->d_name);
        FILE *f = fopen(rec, "re");
        if (f && fgets(line, sizeof(line), f)) {
            char *comma = strchr(line, ',');
            if (comma) {
                comma[1 + strcspn(comma + 1, ",\n")] = '\0';
                take(t, comma + 1);
            }
        }
        if (f)
            fclose(f);
    }
    if (d)
        closedir(d);
    snprintf(path, sizeof(path), "%s/%s.leases", dir, name);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f)) {
        char lmac[64], ip[64];
        if (sscanf(line, "%*s %63s %63s", lmac, ip) == 2 && strcasecmp(lmac, mac))
            take(t, ip);
    }
    if (f)
        fclose(f);
}

static bool is_taken(const struct taken *t, uint32_t a)
{
    for (unsigned i = 0; i < t->n; i++)
        if (t->addr[i] == a)
            return true;
    return false;
}

/* Checks or picks a->addr (host byte order in `host`) on a network with a subnet. */
static int pick(const struct network *n, const char *want, uint32_t want_addr, unsigned want_prefix,
                const struct taken *t, uint32_t *host, struct err *err)
{
    uint32_t base = ntohl(n->subnet), mask = ~0u << (32 - n->prefix);
    uint32_t first = base + 2, last = (base | ~mask) - 1;
    if (!want) {
        for (uint32_t a = first; a <= last; a++) {
            if (!is_taken(t, a)) {
                *host = a;
                return 0;
            }
        }
        return err__set(err, "network %s: no free address left in its subnet", n->name);
    }
    uint32_t a = ntohl(want_addr);
    bool gateway = n->model == NETWORK_ROUTED || n->model == NETWORK_NAT;
    if ((a & mask) != base || (want_prefix && want_prefix != n->prefix))
        return err__set(err, "--ip %s: not an address of network %s's subnet", want, n->name);
    if (a == base || a == (base | ~mask) || (gateway && a == base + 1))
        return err__set(err, "--ip %s: the subnet's network, broadcast or host address", want);
    if (is_taken(t, a))
        return err__set(err, "--ip %s: in use on network %s", want, n->name);
    *host = a;
    return 0;
}

int ipam__reserve(const char *dir, const struct network *n, const char *ifname,
                  const uint8_t mac[6], const char *want, struct network_addr *a, struct err *err)
{
    *a = (struct network_addr){0};
    uint32_t want_addr = 0;
    unsigned want_prefix = 0;
    if (want && network__parse_addr(want, true, &want_addr, &want_prefix, err))
        return -1;
    if (!n->prefix) {
        /* No subnet known: the user's address as given, or none. */
        if (want && !want_prefix)
            return err__set(err, "--ip %s: network %s has no subnet: want A.B.C.D/N", want,
                            n->name);
        a->addr = want_addr;
        a->prefix = want_prefix;
        return 0;
    }
    char smac[32];
    format_mac(mac, smac, sizeof(smac));
    struct taken *t = calloc(1, sizeof(*t));
    if (!t)
        return err__set(err, "network %s: out of memory", n->name);
    collect(dir, n->name, ifname, smac, t);
    uint32_t host = 0;
    int r = pick(n, want, want_addr, want_prefix, t, &host, err);
    free(t);
    if (r)
        return -1;
    a->addr = htonl(host);
    a->prefix = n->prefix;
    if (n->model == NETWORK_ROUTED || n->model == NETWORK_NAT)
        a->gateway = htonl(ntohl(n->subnet) + 1);
    char ip[INET_ADDRSTRLEN], line[64];
    inet_ntop(AF_INET, &a->addr, ip, sizeof(ip));
    snprintf(line, sizeof(line), "%s,%s", smac, ip);
    return state__add_reservation(dir, n->name, ifname, line, err);
}
