// SPDX-License-Identifier: Apache-2.0
/*
 * dnsmasq.c - one dnsmasq (dnsmasq(8)) per routed or NAT network, the way
 * libvirt runs it (see dnsmasq.h): no configuration file, bound to the
 * bridge and the host address on it, DHCP over the subnet from its second
 * address, DNS forwarded to the host's resolvers; the addresses strata
 * reserved for containers (ipam.c) come from a --dhcp-hostsdir it watches
 * (inotify). dnsmasq daemonizes; its first process exits once the daemon
 * serves (non-zero, with the reason on stderr, when it cannot), so strata
 * waits for that exit.
 */
#include "net/dnsmasq.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/state.h"

static void paths(const struct network *n, const char *dir, char *pid, char *leases, size_t len)
{
    snprintf(pid, len, "%s/%s.dnsmasq.pid", dir, n->name);
    snprintf(leases, len, "%s/%s.leases", dir, n->name);
}

static const char *ip_str(uint32_t host_order, char *buf)
{
    struct in_addr a = {.s_addr = htonl(host_order)};
    return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

int dnsmasq__start(const struct network *n, const char *dir, struct err *err)
{
    char pid_path[512], lease_path[512];
    paths(n, dir, pid_path, lease_path, sizeof(pid_path));
    uint32_t base = ntohl(n->subnet), mask = ~0u << (32 - n->prefix);
    char host[INET_ADDRSTRLEN], first[INET_ADDRSTRLEN], last[INET_ADDRSTRLEN],
        netmask[INET_ADDRSTRLEN];
    ip_str(base + 1, host);
    ip_str(base + 2, first);
    ip_str((base | ~mask) - 1, last);
    ip_str(mask, netmask);

    char a_pid[600], a_lease[600], a_iface[64], a_listen[64], a_range[128], a_hosts[600];
    char hosts[560];
    state__hosts_dir(dir, n->name, hosts, sizeof(hosts));
    if (mkdir(hosts, 0755) && errno != EEXIST)
        return err__set_errno(err, errno, "network %s: cannot create %s", n->name, hosts);
    snprintf(a_hosts, sizeof(a_hosts), "--dhcp-hostsdir=%s", hosts);
    snprintf(a_pid, sizeof(a_pid), "--pid-file=%s", pid_path);
    snprintf(a_lease, sizeof(a_lease), "--dhcp-leasefile=%s", lease_path);
    snprintf(a_iface, sizeof(a_iface), "--interface=%s", n->bridge);
    snprintf(a_listen, sizeof(a_listen), "--listen-address=%s", host);
    snprintf(a_range, sizeof(a_range), "--dhcp-range=%s,%s,%s,1h", first, last, netmask);
    const char *argv[] = {"dnsmasq",
                          "--conf-file=/dev/null",
                          "--bind-interfaces",
                          "--except-interface=lo",
                          "--strict-order",
                          "--dhcp-authoritative",
                          "--dhcp-no-override",
                          a_pid,
                          a_lease,
                          a_iface,
                          a_listen,
                          a_range,
                          a_hosts,
                          geteuid() == 0 ? "--user=root" : NULL,
                          NULL};

    /* Its messages go to a memory file: the daemon may keep stderr open. */
    int errfd = memfd_create("dnsmasq-stderr", MFD_CLOEXEC);
    if (errfd < 0)
        return err__set_errno(err, errno, "network %s: memfd", n->name);
    pid_t pid = fork();
    if (pid < 0) {
        close(errfd);
        return err__set_errno(err, errno, "network %s: cannot start dnsmasq", n->name);
    }
    if (pid == 0) {
        dup2(errfd, 2);
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
        }
        setsid();
        execvp("dnsmasq", (char *const *)argv);
        dprintf(2, "cannot run dnsmasq: %s (install dnsmasq-base)\n", strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    char msg[512];
    ssize_t got = pread(errfd, msg, sizeof(msg) - 1, 0);
    msg[got > 0 ? got : 0] = '\0';
    close(errfd);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        msg[strcspn(msg, "\n")] = '\0';
        dnsmasq__stop(n, dir);
        return err__set(err, "network %s: dnsmasq failed: %s", n->name,
                        got > 0 ? msg : "no message");
    }
    return 0;
}

static pid_t read_pid(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    long pid = 0;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    fclose(f);
    return (pid_t)pid;
}

static bool is_dnsmasq(pid_t pid)
{
    char path[64], comm[32] = "";
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    bool yes = fgets(comm, sizeof(comm), f) && !strncmp(comm, "dnsmasq", 7);
    fclose(f);
    return yes;
}

void dnsmasq__stop(const struct network *n, const char *dir)
{
    char pid_path[512], lease_path[512];
    paths(n, dir, pid_path, lease_path, sizeof(pid_path));
    pid_t pid = read_pid(pid_path);
    if (pid > 0 && is_dnsmasq(pid) && kill(pid, SIGTERM) == 0) {
        /* Wait (up to 2 s) so that its sockets are closed before the bridge goes. */
        for (int i = 0; i < 200 && kill(pid, 0) == 0 && is_dnsmasq(pid); i++)
            nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    }
    unlink(pid_path);
    unlink(lease_path);
}
