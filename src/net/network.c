// SPDX-License-Identifier: Apache-2.0
/*
 * network.c - creating, listing and removing named networks (network.h).
 *
 * Create checks everything first (CAP_NET_ADMIN, the name, the model, the
 * uplink, the subnet against the host's routes and the other networks),
 * then builds in order bridge (isolated: no IPv6, no ARP answers), address,
 * uplink, forwarding, dnsmasq, nft table, record; a failure undoes the steps already done, so
 * nothing is left half-created. Remove undoes them in reverse.
 */
#include "net/network.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/dnsmasq.h"
#include "net/ipam.h"
#include "net/netlink.h"
#include "net/nft.h"
#include "net/state.h"

static const char *const model_names[] = {"isolated", "routed", "nat", "bridged"};

const char *network__model_name(enum network_model m)
{
    return m <= NETWORK_BRIDGED ? model_names[m] : "?";
}

int network__parse_cidr(const char *s, uint32_t *addr, unsigned *prefix, struct err *err)
{
    char ip[32];
    const char *slash = strchr(s, '/');
    char *end;
    if (!slash || (size_t)(slash - s) >= sizeof(ip))
        return err__set(err, "bad subnet '%s': want A.B.C.D/N", s);
    memcpy(ip, s, (size_t)(slash - s));
    ip[slash - s] = '\0';
    errno = 0;
    unsigned long n = strtoul(slash + 1, &end, 10);
    struct in_addr a;
    if (!isdigit((unsigned char)slash[1]) || *end || errno || inet_pton(AF_INET, ip, &a) != 1)
        return err__set(err, "bad subnet '%s': want A.B.C.D/N", s);
    if (n < 8 || n > 30)
        return err__set(err, "bad subnet '%s': the prefix length must be from 8 to 30", s);
    uint32_t mask = ~0u << (32 - n);
    if (ntohl(a.s_addr) & ~mask)
        return err__set(err, "bad subnet '%s': host bits are set", s);
    *addr = a.s_addr;
    *prefix = (unsigned)n;
    return 0;
}

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > NETWORK_NAME_MAX || !isalnum((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
            return false;
    return true;
}

static bool overlaps(uint32_t a, unsigned pa, uint32_t b, unsigned pb)
{
    unsigned p = pa < pb ? pa : pb;
    uint32_t mask = p ? ~0u << (32 - p) : 0;
    return ((ntohl(a) ^ ntohl(b)) & mask) == 0;
}

/* Another network's subnet that overlaps, into what; 1 if found. */
static int network_overlap(const char *dir, uint32_t addr, unsigned prefix, char *what, size_t len)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".conf"))
            continue;
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)(n - 5), e->d_name);
        struct network other;
        if (network__load(name, &other, NULL) || !other.prefix)
            continue;
        if (overlaps(addr, prefix, other.subnet, other.prefix)) {
            snprintf(what, len, "network %s", name);
            found = 1;
        }
    }
    closedir(d);
    return found;
}

/* Picks 192.168.N.0/24 (N from 100) free of routes and networks. */
static int pick_subnet(const char *dir, struct network *n, struct err *err)
{
    char what[128];
    for (unsigned third = 100; third < 255; third++) {
        uint32_t addr = htonl(0xc0a80000u | third << 8);
        int r = netlink__route_overlap(addr, 24, what, sizeof(what), err);
        if (r < 0)
            return -1;
        if (r == 0 && !network_overlap(dir, addr, 24, what, sizeof(what))) {
            n->subnet = addr;
            n->prefix = 24;
            return 0;
        }
    }
    return err__set(err, "network %s: no free subnet in 192.168.100-254.0/24: give --subnet",
                    n->name);
}

static int set_forwarding(struct err *err)
{
    int fd = open("/proc/sys/net/ipv4/ip_forward", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "1\n", 2) != 2) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return err__set_errno(err, e, "cannot turn on IPv4 forwarding");
    }
    close(fd);
    return 0;
}

/* Writes value to /proc/sys/net/FAMILY/conf/BRIDGE/KEY. */
static int bridge_sysctl(const struct network *n, const char *family, const char *key,
                         const char *value, struct err *err)
{
    char path[160];
    snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", family, n->bridge, key);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t len = (ssize_t)strlen(value);
    if (fd < 0 || write(fd, value, (size_t)len) != len) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return err__set_errno(err, e, "network %s: cannot write %s", n->name, path);
    }
    close(fd);
    return 0;
}

/* An isolated bridge: no IPv6 address for the host, no ARP answers from it. */
static int isolate_bridge(const struct network *n, struct err *err)
{
    char path[160];
    snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s", n->bridge);
    if (access(path, F_OK) == 0 && bridge_sysctl(n, "ipv6", "disable_ipv6", "1\n", err))
        return -1; /* (no such directory: the host has no IPv6) */
    return bridge_sysctl(n, "ipv4", "arp_ignore", "8\n", err);
}

/* What create made, to undo on failure and on remove. */
static void teardown(const struct network *n, const char *dir)
{
    if (n->model == NETWORK_NAT || n->model == NETWORK_ISOLATED)
        nft__del(n);
    if (n->model == NETWORK_ROUTED || n->model == NETWORK_NAT)
        dnsmasq__stop(n, dir);
    if (n->model == NETWORK_BRIDGED && n->uplink[0]) {
        char master[IF_NAMESIZE];
        if (netlink__get_master(n->uplink, master, sizeof(master)) == 0 &&
            !strcmp(master, n->bridge))
            netlink__set_master(n->uplink, NULL, NULL);
    }
    netlink__del_link(n->bridge, NULL);
    state__remove_hosts(dir, n->name);
}

static int validate(const struct network_config *c, const char *dir, struct network *n,
                    struct err *err)
{
    if (!valid_name(c->name))
        return err__set(err,
                        "bad network name '%s': want 1 to %d letters, digits, - or _, "
                        "starting with a letter or digit",
                        c->name, NETWORK_NAME_MAX);
    *n = (struct network){0};
    strcpy(n->name, c->name);
    snprintf(n->bridge, sizeof(n->bridge), "sb-%s", c->name);
    int model = -1;
    for (int m = NETWORK_ISOLATED; m <= NETWORK_BRIDGED; m++)
        if (c->model && !strcmp(c->model, model_names[m]))
            model = m;
    if (model < 0)
        return err__set(err, "bad --model '%s': want isolated, routed, nat or bridged",
                        c->model ? c->model : "");
    n->model = model;
    if (!network__have_net_admin())
        return err__set(err, "net create: CAP_NET_ADMIN is needed to create networks "
                             "(run as root)");

    char path[600];
    snprintf(path, sizeof(path), "%s/%s.conf", dir, c->name);
    if (access(path, F_OK) == 0)
        return err__set(err, "network '%s' already exists", c->name);
    if (netlink__link_exists(n->bridge))
        return err__set(err, "network '%s': the interface %s already exists", c->name, n->bridge);

    if (c->uplink) {
        if (n->model == NETWORK_ISOLATED)
            return err__set(err, "an isolated network has no uplink: drop --uplink");
        if (strlen(c->uplink) >= IF_NAMESIZE || !netlink__link_exists(c->uplink))
            return err__set(err, "uplink '%s' does not exist", c->uplink);
        strcpy(n->uplink, c->uplink);
        char master[IF_NAMESIZE] = "";
        if (n->model == NETWORK_BRIDGED &&
            netlink__get_master(c->uplink, master, sizeof(master)) == 0 && master[0])
            return err__set(err, "uplink '%s' is already enslaved to %s", c->uplink, master);
    } else if (n->model == NETWORK_BRIDGED) {
        return err__set(err, "a bridged network needs --uplink IFNAME");
    }

    if (c->subnet) {
        if (n->model == NETWORK_BRIDGED)
            return err__set(err, "a bridged network takes the uplink's LAN: drop --subnet");
        if (network__parse_cidr(c->subnet, &n->subnet, &n->prefix, err))
            return -1;
        char what[128];
        int r = netlink__route_overlap(n->subnet, n->prefix, what, sizeof(what), err);
        if (r < 0)
            return -1;
        if (r || network_overlap(dir, n->subnet, n->prefix, what, sizeof(what)))
            return err__set(err, "subnet %s overlaps %s", c->subnet, what);
    } else if (n->model == NETWORK_ROUTED || n->model == NETWORK_NAT) {
        if (pick_subnet(dir, n, err))
            return -1;
    }
    return 0;
}

static int build(const struct network *n, const char *dir, struct err *err)
{
    if (netlink__add_bridge(n->bridge, err))
        return -1;
    if (n->model == NETWORK_ISOLATED && isolate_bridge(n, err))
        return -1;
    if ((n->model == NETWORK_ROUTED || n->model == NETWORK_NAT) &&
        netlink__add_addr4(n->bridge, htonl(ntohl(n->subnet) + 1), n->prefix, err))
        return -1;
    if (n->model == NETWORK_BRIDGED &&
        (netlink__set_master(n->uplink, n->bridge, err) || netlink__set_up(n->uplink, true, err)))
        return -1;
    if (netlink__set_up(n->bridge, true, err))
        return -1;
    if (n->model == NETWORK_ROUTED || n->model == NETWORK_NAT) {
        if (set_forwarding(err) || dnsmasq__start(n, dir, err))
            return -1;
    }
    if ((n->model == NETWORK_NAT || n->model == NETWORK_ISOLATED) && nft__add(n, err))
        return -1;
    return state__write_network(dir, n, err);
}

/* The networks' state directory into dir, locked: the lock's descriptor, or -1 with ERR. */
static int lock_state_dir(char *dir, size_t len, struct err *err)
{
    if (network__state_dir(dir, len, err))
        return -1;
    return state__lock(dir, err);
}

int network__create(const struct network_config *c, struct err *err)
{
    char dir[512];
    int lock = lock_state_dir(dir, sizeof(dir), err);
    if (lock < 0)
        return -1;
    struct network n;
    int ret = validate(c, dir, &n, err);
    if (ret == 0 && (ret = build(&n, dir, err)))
        teardown(&n, dir);
    state__unlock(lock);
    return ret;
}

int network__remove(const char *name, struct err *err)
{
    char dir[512], vms[256];
    struct network n;
    int lock = lock_state_dir(dir, sizeof(dir), err);
    if (lock < 0)
        return -1;
    int ret = -1;
    if (network__load(name, &n, err))
        goto out;
    if (!network__have_net_admin()) {
        err__set(err, "net rm: CAP_NET_ADMIN is needed to remove networks (run as root)");
        goto out;
    }
    unsigned live = state__live_attachments(dir, name, vms, sizeof(vms));
    if (live) {
        err__set(err, "network '%s' has %u attached NIC%s (%s): stop them first", name, live,
                 live == 1 ? "" : "s", vms);
        goto out;
    }
    teardown(&n, dir);
    char path[600];
    snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
    if (unlink(path)) {
        err__set_errno(err, errno, "cannot remove %s", path);
        goto out;
    }
    ret = 0;
out:
    state__unlock(lock);
    return ret;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int network__list(void (*fn)(const struct network_info *info, void *opaque), void *opaque,
                  struct err *err)
{
    char dir[512];
    int lock = lock_state_dir(dir, sizeof(dir), err);
    if (lock < 0)
        return -1;
    DIR *d = opendir(dir);
    if (!d) {
        state__unlock(lock);
        return err__set_errno(err, errno, "cannot read %s", dir);
    }
    char *names[256];
    unsigned count = 0;
    struct dirent *e;
    while ((e = readdir(d)) && count < 256) {
        size_t n = strlen(e->d_name);
        if (n > 5 && !strcmp(e->d_name + n - 5, ".conf"))
            names[count++] = strndup(e->d_name, n - 5);
    }
    closedir(d);
    qsort(names, count, sizeof(names[0]), cmp_names);
    int ret = 0;
    for (unsigned i = 0; i < count; i++) {
        struct network_info info = {0};
        if (names[i] && !network__load(names[i], &info.net, err)) {
            info.nattached = state__live_attachments(dir, names[i], info.vms, sizeof(info.vms));
            fn(&info, opaque);
        } else {
            ret = -1;
        }
        free(names[i]);
    }
    state__unlock(lock);
    return ret;
}

/* Both attaches: the tap or veth on the bridge, recorded, and (MAC set) its address reserved. */
static int attach(const char *name, const char *tap, const char *owner, const uint8_t *mac,
                  const char *want, struct network_addr *a, struct err *err)
{
    char dir[512];
    int lock = lock_state_dir(dir, sizeof(dir), err);
    if (lock < 0)
        return -1;
    struct network n;
    int ret = -1;
    if (network__load(name, &n, err))
        goto out;
    /* Reap what VMs killed before us left behind. */
    state__live_attachments(dir, name, NULL, 0);
    if (!netlink__link_exists(n.bridge)) {
        err__set(err, "network '%s': its bridge %s is gone (strata net rm it and create it again)",
                 name, n.bridge);
        goto out;
    }
    if (netlink__set_master(tap, n.bridge, err) ||
        state__add_attachment(dir, name, tap, owner, err))
        goto out;
    ret = mac ? ipam__reserve(dir, &n, tap, mac, want, a, err) : 0;
    if (ret)
        state__remove_attachment(dir, name, tap);
out:
    state__unlock(lock);
    return ret;
}

int network__attach(const char *name, const char *tap, const char *vm_name, struct err *err)
{
    return attach(name, tap, vm_name, NULL, NULL, NULL, err);
}

int network__attach_addressed(const char *name, const char *ifname, const char *owner,
                              const uint8_t mac[6], const char *want, struct network_addr *a,
                              struct err *err)
{
    return attach(name, ifname, owner, mac, want, a, err);
}

void network__detach(const char *name, const char *tap)
{
    char dir[512];
    if (network__state_dir(dir, sizeof(dir), NULL))
        return;
    int lock = state__lock(dir, NULL);
    state__remove_attachment(dir, name, tap);
    state__unlock(lock);
}
