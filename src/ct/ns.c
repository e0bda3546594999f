// SPDX-License-Identifier: Apache-2.0
/*
 * ns.c - id maps, setns and loopback for containers; see ns.h. The order of
 * setns follows nsenter(1) and runc's nsexec: the user namespace first (it
 * gives the capabilities the other joins need), the mount namespace after the
 * others that need paths on the host.
 */
#include "ct/ns.h"
#include "ct/fmt.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_proc(pid_t pid, const char *file, const char *text, struct err *err)
{
    char p[64];
    ct_fmt(p, sizeof(p), "/proc/%d/%s", (int)pid, file);
    int fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return err__set_errno(err, errno, "userns: cannot open %s", p);
    ssize_t n = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    if (n < 0)
        return err__set_errno(err, e, "userns: cannot write %s", p);
    return 0;
}

static void format_map(const struct ct_idmap *m, size_t n, char *out, size_t size)
{
    size_t off = 0;
    out[0] = 0;
    for (size_t i = 0; i < n && off < size; i++)
        off += (size_t)ct_fmt(out + off, size - off, "%u %u %u\n", m[i].container_id, m[i].host_id,
                              m[i].size);
}

/* newuidmap PID inside outside count ... (shadow's setuid helpers check /etc/subuid). */
static int run_helper(const char *helper, pid_t pid, const struct ct_idmap *m, size_t n,
                      struct err *err)
{
    char *argv[2 + 3 * 16 + 1];
    char buf[3 * 16][16];
    char pidstr[16];
    if (n > 16)
        return err__set(err, "userns: at most 16 id map entries");
    ct_fmt(pidstr, sizeof(pidstr), "%d", (int)pid);
    size_t k = 0;
    argv[k++] = (char *)helper;
    argv[k++] = pidstr;
    for (size_t i = 0; i < n; i++) {
        ct_fmt(buf[3 * i], 16, "%u", m[i].container_id);
        ct_fmt(buf[3 * i + 1], 16, "%u", m[i].host_id);
        ct_fmt(buf[3 * i + 2], 16, "%u", m[i].size);
        argv[k++] = buf[3 * i];
        argv[k++] = buf[3 * i + 1];
        argv[k++] = buf[3 * i + 2];
    }
    argv[k] = NULL;
    pid_t c = fork();
    if (c < 0)
        return err__set_errno(err, errno, "userns: fork");
    if (c == 0) {
        execvp(helper, argv);
        _exit(127);
    }
    int status;
    while (waitpid(c, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status))
        return err__set(err, "userns: %s failed%s (are the ids in /etc/sub%cid?)", helper,
                        WIFEXITED(status) && WEXITSTATUS(status) == 127 ? " to run" : "",
                        helper[3] == 'u' ? 'u' : 'g');
    return 0;
}

/* An unprivileged process may map only its own id, once. */
static bool only_own(const struct ct_idmap *m, size_t n, unsigned own)
{
    return n == 1 && m[0].host_id == own && m[0].size == 1;
}

int ct_ns__write_maps(pid_t pid, const struct ct_spec *spec, struct err *err)
{
    char text[1024];
    if (geteuid() == 0) {
        format_map(spec->uid_maps, spec->n_uid_maps, text, sizeof(text));
        if (write_proc(pid, "uid_map", text, err))
            return -1;
        format_map(spec->gid_maps, spec->n_gid_maps, text, sizeof(text));
        return write_proc(pid, "gid_map", text, err);
    }
    if (only_own(spec->uid_maps, spec->n_uid_maps, geteuid())) {
        format_map(spec->uid_maps, spec->n_uid_maps, text, sizeof(text));
        if (write_proc(pid, "uid_map", text, err))
            return -1;
    } else if (run_helper("newuidmap", pid, spec->uid_maps, spec->n_uid_maps, err)) {
        return -1;
    }
    if (only_own(spec->gid_maps, spec->n_gid_maps, getegid())) {
        if (write_proc(pid, "setgroups", "deny", err))
            return -1;
        format_map(spec->gid_maps, spec->n_gid_maps, text, sizeof(text));
        return write_proc(pid, "gid_map", text, err);
    }
    return run_helper("newgidmap", pid, spec->gid_maps, spec->n_gid_maps, err);
}

int ct_ns__join_path(enum ct_ns_type t, const char *path, struct err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err__set_errno(err, errno, "cannot open %s namespace %s", ct_ns__name(t), path);
    int rc = setns(fd, ct_ns__clone_flag(t));
    int e = errno;
    close(fd);
    if (rc < 0)
        return err__set_errno(err, e, "cannot join %s namespace %s", ct_ns__name(t), path);
    return 0;
}

int ct_ns__open_of(pid_t pid, const struct ct_spec *spec, int fds[CT_NS_COUNT], struct err *err)
{
    for (int t = 0; t < CT_NS_COUNT; t++)
        fds[t] = -1;
    for (int t = 0; t < CT_NS_COUNT; t++) {
        if (!spec->ns[t].wanted)
            continue;
        char theirs[64], mine[64];
        ct_fmt(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)pid, ct_ns__proc_name(t));
        ct_fmt(mine, sizeof(mine), "/proc/self/ns/%s", ct_ns__proc_name(t));
        struct stat a, b;
        if (stat(theirs, &a) < 0) {
            ct_ns__close(fds);
            return err__set_errno(err, errno, "cannot see %s", theirs);
        }
        if (stat(mine, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
            continue; /* shared with us: nothing to join (and joining one's own userns fails) */
        fds[t] = open(theirs, O_RDONLY | O_CLOEXEC);
        if (fds[t] < 0) {
            ct_ns__close(fds);
            return err__set_errno(err, errno, "cannot open %s", theirs);
        }
    }
    return 0;
}

int ct_ns__enter(int fds[CT_NS_COUNT], bool skip_cgroup, struct err *err)
{
    static const enum ct_ns_type order[] = {CT_NS_USER, CT_NS_IPC,    CT_NS_UTS,  CT_NS_NET,
                                            CT_NS_PID,  CT_NS_CGROUP, CT_NS_MOUNT};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        enum ct_ns_type t = order[i];
        if (fds[t] < 0 || (skip_cgroup && t == CT_NS_CGROUP))
            continue;
        if (setns(fds[t], ct_ns__clone_flag(t)) < 0)
            return err__set_errno(err, errno, "cannot join the container's %s namespace",
                                  ct_ns__name(t));
    }
    return 0;
}

void ct_ns__close(int fds[CT_NS_COUNT])
{
    for (int t = 0; t < CT_NS_COUNT; t++) {
        if (fds[t] >= 0)
            close(fds[t]);
        fds[t] = -1;
    }
}

int ct_ns__loopback_up(struct err *err)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return err__set_errno(err, errno, "net: socket");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ct_fmt(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
    int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    int e = errno;
    close(s);
    if (rc < 0)
        return err__set_errno(err, e, "net: cannot bring up lo");
    return 0;
}

int ct_ns__subid_map(const char *file, const char *user, uid_t own, struct ct_idmap out[2],
                     size_t *n)
{
    FILE *f = fopen(file, "re");
    char line[256];
    char ownstr[16];
    ct_fmt(ownstr, sizeof(ownstr), "%u", (unsigned)own);
    while (f && fgets(line, sizeof(line), f)) {
        char *a = strtok(line, ":\n"), *start = strtok(NULL, ":\n"), *count = strtok(NULL, ":\n");
        if (!a || !start || !count || (strcmp(a, user) && strcmp(a, ownstr)))
            continue;
        unsigned long s = strtoul(start, NULL, 10), c = strtoul(count, NULL, 10);
        if (c < 1)
            continue;
        fclose(f);
        /* container ids 0..N-1 onto the subordinate range (LXC's unprivileged layout) */
        out[0] = (struct ct_idmap){0, (uint32_t)s, (uint32_t)(c > 65536 ? 65536 : c)};
        *n = 1;
        return 0;
    }
    if (f)
        fclose(f);
    out[0] = (struct ct_idmap){0, (uint32_t)own, 1};
    *n = 1;
    return 0;
}
