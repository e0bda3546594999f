// SPDX-License-Identifier: Apache-2.0
/*
 * state.c - where networks live between strata processes (network.h): the
 * state directory, its lock, network records (NAME.conf, key=value lines)
 * attachment records (NAME.attach/TAP: "PID STARTTIME VM") and address
 * reservations (NAME.hosts/IFNAME: "MAC,ADDRESS", see state.h). A process
 * is identified by its pid and its start time (proc(5), field 22), so a
 * reused pid does not keep a stale attachment alive.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "net/netlink.h"
#include "net/network.h"
#include "net/state.h"
#include "util/rundir.h"

bool network__have_net_admin(void)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct d[2] = {0};
    if (syscall(SYS_capget, &h, d))
        return false;
    return d[CAP_NET_ADMIN / 32].effective & (1u << (CAP_NET_ADMIN % 32));
}

int network__state_dir(char *buf, size_t len, struct err *err)
{
    const char *env = getenv("STRATA_STATE_DIR");
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (env && *env)
        snprintf(buf, len, "%s/net", env);
    else if (geteuid() == 0)
        snprintf(buf, len, "/run/strata/net");
    else if (xdg && *xdg)
        snprintf(buf, len, "%s/strata/net", xdg);
    else
        return err__set(err, "no state directory: XDG_RUNTIME_DIR is not set");
    return rundir__mkdirs(buf, 0755, err);
}

int state__lock(const char *dir, struct err *err)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return err__set_errno(err, errno, "cannot open %s", path);
    while (flock(fd, LOCK_EX) && errno == EINTR)
        ;
    return fd;
}

void state__unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* drops the flock */
}

int state__write_network(const char *dir, const struct network *n, struct err *err)
{
    char path[600], tmp[640], subnet[INET_ADDRSTRLEN] = "";
    snprintf(path, sizeof(path), "%s/%s.conf", dir, n->name);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (n->prefix)
        inet_ntop(AF_INET, &n->subnet, subnet, sizeof(subnet));
    FILE *f = fopen(tmp, "we");
    if (!f)
        return err__set_errno(err, errno, "cannot write %s", tmp);
    fprintf(f, "model=%s\nbridge=%s\nsubnet=%s\nprefix=%u\nuplink=%s\n",
            network__model_name(n->model), n->bridge, subnet, n->prefix, n->uplink);
    if (fclose(f) || rename(tmp, path)) {
        int e = errno;
        unlink(tmp);
        return err__set_errno(err, e, "cannot write %s", path);
    }
    return 0;
}

int network__load(const char *name, struct network *n, struct err *err)
{
    char dir[512], path[600], line[128];
    if (network__state_dir(dir, sizeof(dir), err))
        return -1;
    if (strlen(name) > NETWORK_NAME_MAX || strchr(name, '/') || !*name)
        return err__set(err, "no network named '%s'", name);
    snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
    FILE *f = fopen(path, "re");
    if (!f) {
        if (errno == ENOENT)
            return err__set(err, "no network named '%s' (see strata net ls)", name);
        return err__set_errno(err, errno, "cannot read %s", path);
    }
    *n = (struct network){0};
    strcpy(n->name, name);
    bool model_ok = false;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        char *v = strchr(line, '=');
        if (!v)
            continue;
        *v++ = '\0';
        if (!strcmp(line, "model")) {
            for (int m = NETWORK_ISOLATED; m <= NETWORK_BRIDGED; m++)
                if (!strcmp(v, network__model_name(m))) {
                    n->model = m;
                    model_ok = true;
                }
        } else if (!strcmp(line, "bridge")) {
            snprintf(n->bridge, sizeof(n->bridge), "%s", v);
        } else if (!strcmp(line, "subnet") && *v) {
            inet_pton(AF_INET, v, &n->subnet);
        } else if (!strcmp(line, "prefix")) {
            n->prefix = (unsigned)strtoul(v, NULL, 10);
        } else if (!strcmp(line, "uplink")) {
            snprintf(n->uplink, sizeof(n->uplink), "%s", v);
        }
    }
    fclose(f);
    if (!model_ok || !n->bridge[0] || n->prefix > 32)
        return err__set(err, "network record %s is damaged", path);
    return 0;
}

/* The start time of pid (clock ticks since boot), 0 if it is gone. */
static unsigned long long start_time(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command name may hold anything */
    if (!p)
        return 0;
    unsigned long long t = 0;
    /* Fields 3..22 after ") ": state is 3, starttime is 22. */
    if (sscanf(p + 2,
               "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d "
               "%*d %llu",
               &t) != 1)
        return 0;
    return t;
}

/*
 * Writes the one-line record DIR/SUB/FILE (SUB made if missing) aside and
 * renames it into place: readers (dnsmasq, the reaper) never see half a line.
 */
static int write_record(const char *dir, const char *sub, const char *file, const char *line,
                        struct err *err)
{
    char path[700], tmp[960], final[960];
    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    if (mkdir(path, 0755) && errno != EEXIST)
        return err__set_errno(err, errno, "cannot create %s", path);
    snprintf(tmp, sizeof(tmp), "%s/.%s", path, file);
    snprintf(final, sizeof(final), "%s/%s", path, file);
    FILE *f = fopen(tmp, "we");
    if (!f)
        return err__set_errno(err, errno, "cannot write %s", tmp);
    fprintf(f, "%s\n", line);
    if (fclose(f) || rename(tmp, final)) {
        unlink(tmp);
        return err__set_errno(err, errno, "cannot write %s", final);
    }
    return 0;
}

int state__add_attachment(const char *dir, const char *name, const char *tap, const char *vm,
                          struct err *err)
{
    char sub[64], line[256];
    snprintf(sub, sizeof(sub), "%s.attach", name);
    snprintf(line, sizeof(line), "%d %llu %s", (int)getpid(), start_time(getpid()), vm);
    return write_record(dir, sub, tap, line, err);
}

void state__remove_attachment(const char *dir, const char *name, const char *tap)
{
    char path[700];
    snprintf(path, sizeof(path), "%s/%s.attach/%s", dir, name, tap);
    unlink(path);
    state__remove_reservation(dir, name, tap);
}

void state__hosts_dir(const char *dir, const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s.hosts", dir, name);
}

int state__add_reservation(const char *dir, const char *name, const char *ifname, const char *line,
                           struct err *err)
{
    char sub[64];
    snprintf(sub, sizeof(sub), "%s.hosts", name);
    return write_record(dir, sub, ifname, line, err);
}

void state__remove_reservation(const char *dir, const char *name, const char *ifname)
{
    char path[960];
    snprintf(path, sizeof(path), "%s/%s.hosts/%s", dir, name, ifname);
    unlink(path);
}

void state__remove_hosts(const char *dir, const char *name)
{
    char path[700];
    state__hosts_dir(dir, name, path, sizeof(path));
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char rec[960];
        snprintf(rec, sizeof(rec), "%s/%s", path, e->d_name);
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlink(rec);
    }
    if (d)
        closedir(d);
    rmdir(path);
}

unsigned state__live_attachments(const char *dir, const char *name, char *vms, size_t len)
{
    char path[700];
    snprintf(path, sizeof(path), "%s/%s.attach", dir, name);
    if (vms && len)
        vms[0] = '\0';
    DIR *d = opendir(path);
    if (!d)
        return 0;
    unsigned live = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char rec[960], vm[128] = "?";
        snprintf(rec, sizeof(rec), "%s/%s", path, e->d_name);
        FILE *f = fopen(rec, "re");
        int pid = 0;
        unsigned long long t = 0;
        bool ok = f && fscanf(f, "%d %llu %127s", &pid, &t, vm) >= 2;
        if (f)
            fclose(f);
        if (ok && pid > 0 && t && start_time(pid) == t) {
            live++;
            if (vms && strlen(vms) + strlen(vm) + 2 < len) {
                if (vms[0])
                    strcat(vms, ",");
                strcat(vms, vm);
            }
            continue;
        }
        /* Stale: its process is gone. The kernel removed a tap strata made
         * when the process died; one kept alive elsewhere is deleted here. */
        netlink__del_link(e->d_name, NULL);
        state__remove_reservation(dir, name, e->d_name);
        unlink(rec);
    }
    closedir(d);
    if (!live)
        rmdir(path);
    return live;
}
