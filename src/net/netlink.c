// SPDX-License-Identifier: Apache-2.0
/*
 * netlink.c - rtnetlink requests with libmnl (see netlink.h): RTM_NEWLINK
 * and RTM_DELLINK for bridges and link flags/masters, RTM_NEWADDR for
 * addresses, an RTM_GETROUTE dump for the subnet overlap check.
 */
#include "net/netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

bool netlink__link_exists(const char *name)
{
    return if_nametoindex(name) != 0;
}

/* Sends one request and reads until its acknowledgement; cb sees dump replies. */
static int transact(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
    struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
    if (!nl)
        return -errno;
    int ret = 0;
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        ret = -errno;
        goto out;
    }
    unsigned portid = mnl_socket_get_portid(nl);
    nlh->nlmsg_seq = (uint32_t)time(NULL);
    if (!cb) /* a change: wait for its acknowledgement (a dump ends with NLMSG_DONE) */
        nlh->nlmsg_flags |= NLM_F_ACK;
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
        ret = -errno;
        goto out;
    }
    char *buf = malloc(MNL_SOCKET_BUFFER_SIZE);
    if (!buf) {
        ret = -ENOMEM;
        goto out;
    }
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(nl, buf, MNL_SOCKET_BUFFER_SIZE);
        if (n < 0) {
            ret = -errno;
            break;
        }
        int r = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, cb, data);
        if (r == MNL_CB_ERROR) {
            ret = -errno;
            break;
        }
        if (r == MNL_CB_STOP)
            break;
    }
    free(buf);
out:
    mnl_socket_close(nl);
    return ret;
}

static struct nlmsghdr *link_msg(char *buf, uint16_t type, uint16_t flags, const char *name,
                                 struct ifinfomsg **ifm)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(**ifm));
    (*ifm)->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    return nlh;
}

static int link_error(struct err *err, int ret, const char *what, const char *name)
{
    if (ret == -EPERM)
        return err__set(err, "cannot %s %s: permission denied (CAP_NET_ADMIN is needed)", what,
                        name);
    return err__set_errno(err, -ret, "cannot %s %s", what, name);
}

int netlink__add_bridge(const char *name, struct err *err)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct ifinfomsg *ifm;
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, name, &ifm);
    struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
    mnl_attr_nest_end(nlh, info);
    int ret = transact(nlh, NULL, NULL);
    return ret ? link_error(err, ret, "create bridge", name) : 0;
}

int netlink__del_link(const char *name, struct err *err)
{
    if (!netlink__link_exists(name))
        return 0;
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct ifinfomsg *ifm;
    struct nlmsghdr *nlh = link_msg(buf, RTM_DELLINK, 0, name, &ifm);
    int ret = transact(nlh, NULL, NULL);
    return ret && ret != -ENODEV ? link_error(err, ret, "delete", name) : 0;
}

int netlink__set_up(const char *name, bool up, struct err *err)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct ifinfomsg *ifm;
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, name, &ifm);
    ifm->ifi_change = IFF_UP;
    ifm->ifi_flags = up ? IFF_UP : 0;
    int ret = transact(nlh, NULL, NULL);
    return ret ? link_error(err, ret, up ? "bring up" : "bring down", name) : 0;
}

int netlink__set_master(const char *name, const char *master, struct err *err)
{
    unsigned index = 0;
    if (master && !(index = if_nametoindex(master)))
        return err__set(err, "cannot enslave %s: no bridge %s", name, master);
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct ifinfomsg *ifm;
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, name, &ifm);
    mnl_attr_put_u32(nlh, IFLA_MASTER, index);
    int ret = transact(nlh, NULL, NULL);
    return ret ? link_error(err, ret, master ? "enslave" : "release", name) : 0;
}

int netlink__add_addr4(const char *name, uint32_t addr, unsigned prefix, struct err *err)
{
    unsigned index = if_nametoindex(name);
    if (!index)
        return err__set(err, "cannot add an address to %s: no such interface", name);
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWADDR;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = (uint8_t)prefix;
    ifa->ifa_index = index;
    mnl_attr_put_u32(nlh, IFA_LOCAL, addr);
    mnl_attr_put_u32(nlh, IFA_ADDRESS, addr);
    uint32_t mask = prefix ? htonl(~0u << (32 - prefix)) : 0;
    mnl_attr_put_u32(nlh, IFA_BROADCAST, addr | ~mask);
    int ret = transact(nlh, NULL, NULL);
    return ret ? link_error(err, ret, "add an address to", name) : 0;
}

struct overlap_search {
    uint32_t addr; /* host order */
    unsigned prefix;
    bool found;
    char *what;
    size_t len;
};

static uint32_t mask_of(unsigned prefix)
{
    return prefix ? ~0u << (32 - prefix) : 0;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
    struct overlap_search *s = data;
    struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
    if (rtm->rtm_family != AF_INET || rtm->rtm_dst_len == 0 || s->found)
        return MNL_CB_OK;
    /* Local and broadcast routes of an address come with its subnet route. */
    if (rtm->rtm_type != RTN_UNICAST)
        return MNL_CB_OK;
    uint32_t dst = 0, oif = 0;
    struct nlattr *attr;
    mnl_attr_for_each(attr, nlh, sizeof(*rtm))
    {
        if (mnl_attr_get_type(attr) == RTA_DST && mnl_attr_get_payload_len(attr) == 4)
            dst = ntohl(mnl_attr_get_u32(attr));
        else if (mnl_attr_get_type(attr) == RTA_OIF)
            oif = mnl_attr_get_u32(attr);
    }
    unsigned common = rtm->rtm_dst_len < s->prefix ? rtm->rtm_dst_len : s->prefix;
    if (((dst ^ s->addr) & mask_of(common)) == 0) {
        char ifname[IF_NAMESIZE] = "?";
        struct in_addr a = {.s_addr = htonl(dst)};
        if (oif)
            if_indextoname(oif, ifname);
        snprintf(s->what, s->len, "%s/%u dev %s", inet_ntoa(a), rtm->rtm_dst_len, ifname);
        s->found = true;
    }
    return MNL_CB_OK;
}

int netlink__route_overlap(uint32_t addr, unsigned prefix, char *what, size_t len, struct err *err)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
    rtm->rtm_family = AF_INET;
    struct overlap_search s = {.addr = ntohl(addr), .prefix = prefix, .what = what, .len = len};
    int ret = transact(nlh, route_cb, &s);
    if (ret)
        return err__set_errno(err, -ret, "cannot read the host's routes");
    return s.found;
}

struct master_query {
    unsigned master;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
    struct master_query *q = data;
    struct nlattr *attr;
    mnl_attr_for_each(attr, nlh, sizeof(struct ifinfomsg))
    {
        if (mnl_attr_get_type(attr) == IFLA_MASTER && mnl_attr_get_payload_len(attr) == 4)
            q->master = mnl_attr_get_u32(attr);
    }
    return MNL_CB_STOP;
}

int netlink__get_master(const char *name, char *master, size_t len)
{
    unsigned index = if_nametoindex(name);
    if (!index)
        return -1;
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
    ifm->ifi_family = AF_UNSPEC;
    ifm->ifi_index = (int)index;
    struct master_query q = {0};
    if (transact(nlh, link_cb, &q))
        return -1;
    char ifname[IF_NAMESIZE] = "";
    if (q.master && !if_indextoname(q.master, ifname))
        ifname[0] = '\0';
    snprintf(master, len, "%s", ifname);
    return 0;
}
