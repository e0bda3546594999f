// SPDX-License-Identifier: Apache-2.0
/* veth.c - veth pairs for containers over rtnetlink with libmnl; see veth.h. */
#include "ct/veth.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Sends one request and waits for the kernel's acknowledgement; returns 0 or -errno. */
static int talk(struct nlmsghdr *nlh)
{
    struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
    if (!nl)
        return -errno;
    int rc = -EIO;
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        rc = -errno;
        goto out;
    }
    nlh->nlmsg_seq = (unsigned)time(NULL);
    unsigned portid = mnl_socket_get_portid(nl);
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
        rc = -errno;
        goto out;
    }
    char buf[8192]; /* MNL_SOCKET_BUFFER_SIZE at most */
    ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
    if (n < 0) {
        rc = -errno;
        goto out;
    }
    rc = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, NULL, NULL) < 0 ? -errno : 0;
out:
    mnl_socket_close(nl);
    return rc;
}

static struct nlmsghdr *link_msg(char *buf, int type, unsigned flags)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = (uint16_t)type;
    nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    return nlh;
}

int ct_veth__create(const char *host_if, const char *peer_if, pid_t pid, const char *bridge,
                    const uint8_t *mac, struct err *err)
{
    if (strlen(host_if) >= IF_NAMESIZE || strlen(peer_if) >= IF_NAMESIZE)
        return err__set(err, "veth: interface name too long");
    unsigned master = bridge ? if_nametoindex(bridge) : 0;
    if (bridge && !master)
        return err__set(err, "veth: no bridge %s", bridge);
    char buf[8192]; /* MNL_SOCKET_BUFFER_SIZE at most */
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, host_if);
    if (master)
        mnl_attr_put_u32(nlh, IFLA_MASTER, master);
    struct nlattr *linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    struct nlattr *peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
    struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
    pifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, peer_if);
    if (mac)
        mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
    mnl_attr_put_u32(nlh, IFLA_NET_NS_PID, (uint32_t)pid);
    mnl_attr_nest_end(nlh, peer);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, linkinfo);
    int rc = talk(nlh);
    if (rc < 0)
        return err__set_errno(err, -rc, "veth: cannot create %s", host_if);
    /* up */
    nlh = link_msg(buf, RTM_NEWLINK, 0);
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    ifi->ifi_index = (int)if_nametoindex(host_if);
    ifi->ifi_flags = IFF_UP;
    ifi->ifi_change = IFF_UP;
    rc = talk(nlh);
    if (rc < 0) {
        ct_veth__delete(host_if, NULL);
        return err__set_errno(err, -rc, "veth: cannot bring up %s", host_if);
    }
    return 0;
}

int ct_veth__delete(const char *host_if, struct err *err)
{
    unsigned idx = if_nametoindex(host_if);
    if (!idx)
        return 0;
    char buf[8192]; /* MNL_SOCKET_BUFFER_SIZE at most */
    struct nlmsghdr *nlh = link_msg(buf, RTM_DELLINK, 0);
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    ifi->ifi_index = (int)idx;
    int rc = talk(nlh);
    if (rc < 0 && rc != -ENODEV)
        return err__set_errno(err, -rc, "veth: cannot delete %s", host_if);
    return 0;
}

/* In the current network namespace: IF up, with a's address and default route if set. */
static int configure_here(const char *ifname, const struct ct_veth_addr *a)
{
    unsigned idx = if_nametoindex(ifname);
    if (!idx)
        return -ENODEV;
    char buf[8192]; /* MNL_SOCKET_BUFFER_SIZE at most */
    int rc;
    if (a->addr) {
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = RTM_NEWADDR;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
        struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
        ifa->ifa_family = AF_INET;
        ifa->ifa_prefixlen = (unsigned char)a->prefix;
        ifa->ifa_index = idx;
        mnl_attr_put_u32(nlh, IFA_LOCAL, a->addr);
        mnl_attr_put_u32(nlh, IFA_ADDRESS, a->addr);
        if ((rc = talk(nlh)) < 0)
            return rc;
    }
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0);
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    ifi->ifi_index = (int)idx;
    ifi->ifi_flags = IFF_UP;
    ifi->ifi_change = IFF_UP;
    if ((rc = talk(nlh)) < 0 || !a->gateway)
        return rc;
    /* default via GATEWAY dev IF (the link must be up first) */
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
    rtm->rtm_family = AF_INET;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = RTPROT_BOOT;
    rtm->rtm_scope = RT_SCOPE_UNIVERSE;
    rtm->rtm_type = RTN_UNICAST;
    mnl_attr_put_u32(nlh, RTA_GATEWAY, a->gateway);
    mnl_attr_put_u32(nlh, RTA_OIF, idx);
    return talk(nlh);
}

int ct_veth__configure_peer(pid_t pid, const char *peer_if, const struct ct_veth_addr *a,
                            struct err *err)
{
    char ns[64];
    snprintf(ns, sizeof(ns), "/proc/%d/ns/net", (int)pid);
    int fd = open(ns, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err__set_errno(err, errno, "veth: cannot open %s", ns);
    pid_t c = fork();
    if (c == 0) {
        int rc = setns(fd, CLONE_NEWNET) < 0 ? -errno : configure_here(peer_if, a);
        _exit(rc < 0 ? -rc : 0);
    }
    close(fd);
    int st;
    if (c < 0 || waitpid(c, &st, 0) < 0)
        return err__set_errno(err, errno, "veth: fork");
    if (!WIFEXITED(st) || WEXITSTATUS(st))
        return err__set_errno(err, WIFEXITED(st) ? WEXITSTATUS(st) : EIO,
                              "veth: cannot configure %s in the container", peer_if);
    return 0;
}
