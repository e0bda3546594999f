// SPDX-License-Identifier: Apache-2.0
/*
 * cgroup.c - limits, accounting and membership of a container's control group
 * on cgroup v1 (a hierarchy per controller under /sys/fs/cgroup/NAME) or v2
 * (the unified hierarchy at /sys/fs/cgroup). See cgroup.h.
 *
 * v1 files: memory.limit_in_bytes, memory.memsw.limit_in_bytes,
 * memory.oom_control (oom_kill), pids.max, pids.events, cpu.cfs_quota_us,
 * cpu.cfs_period_us, cpu.shares, cpuacct.usage, blkio.weight, devices.allow
 * and devices.deny, cpuset.cpus and cpuset.mems (copied from the parent, or a
 * new cpuset takes no tasks).
 * v2 files: memory.max, memory.swap.max, memory.events, pids.max, pids.events,
 * cpu.max, cpu.weight, cpu.stat, io.weight, cgroup.subtree_control.
 * The v2 device controller is an eBPF program; strata does not load one, so
 * on v2 device access is limited by the device nodes /dev has (rootfs.c).
 */
#include "ct/cgroup.h"
#include "ct/fmt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#define CGROUP2_MAGIC_NUM 0x63677270

static const char *cgroup_root = "/sys/fs/cgroup";
static int root_v2 = -1; /* -1: ask statfs */

void ct_cgroup__set_root(const char *dir, bool v2)
{
    cgroup_root = dir;
    root_v2 = v2;
}

/* v1 controllers a container joins; a missing hierarchy is skipped. */
static const char *const v1_controllers[] = {"memory", "pids",    "cpu",     "cpuacct",
                                             "blkio",  "devices", "freezer", "cpuset"};
#define N_V1 (sizeof(v1_controllers) / sizeof(v1_controllers[0]))

bool ct_cgroup__is_v2(void)
{
    struct statfs sf;
    if (root_v2 >= 0)
        return root_v2;
    return statfs(cgroup_root, &sf) == 0 && sf.f_type == CGROUP2_MAGIC_NUM;
}

static bool v1_present(const char *ctl)
{
    char p[PATH_MAX];
    ct_fmt(p, sizeof(p), "%s/%s/cgroup.procs", cgroup_root, ctl);
    return access(p, F_OK) == 0;
}

/* The directory of the cgroup in hierarchy CTL (NULL for v2). */
static void dir_of(const struct ct_cgroup *cg, const char *ctl, char *out, size_t size)
{
    if (cg->v2 || !ctl)
        ct_fmt(out, size, "%s%s", cgroup_root, cg->path);
    else
        ct_fmt(out, size, "%s/%s%s", cgroup_root, ctl, cg->path);
}

static int write_file(const char *dir, const char *file, const char *value, struct err *err)
{
    char p[PATH_MAX];
    ct_fmt(p, sizeof(p), "%s/%s", dir, file);
    int fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC); /* cgroupfs ignores O_TRUNC */
    if (fd < 0)
        return err__set_errno(err, errno, "cgroup: cannot open %s", p);
    ssize_t n = write(fd, value, strlen(value));
    int e = errno;
    close(fd);
    if (n < 0)
        return err__set_errno(err, e, "cgroup: cannot write '%s' to %s", value, p);
    return 0;
}

static int read_file(const char *dir, const char *file, char *buf, size_t size)
{
    char p[PATH_MAX];
    ct_fmt(p, sizeof(p), "%s/%s", dir, file);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = 0;
    return 0;
}

/* A number from a one-value file; "max" is UINT64_MAX; missing file: UINT64_MAX. */
static uint64_t read_u64(const char *dir, const char *file)
{
    char buf[64];
    if (read_file(dir, file, buf, sizeof(buf)))
        return UINT64_MAX;
    if (!strncmp(buf, "max", 3))
        return UINT64_MAX;
    return strtoull(buf, NULL, 10);
}

/* The value of "KEY N" in a flat keyed file (memory.events, pids.events, cpu.stat, oom_control). */
static uint64_t read_key(const char *dir, const char *file, const char *key)
{
    char buf[4096];
    if (read_file(dir, file, buf, sizeof(buf)))
        return UINT64_MAX;
    size_t kl = strlen(key);
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (!strncmp(line, key, kl) && line[kl] == ' ')
            return strtoull(line + kl + 1, NULL, 10);
    return UINT64_MAX;
}

int ct_cgroup__init(struct ct_cgroup *cg, const char *cgroups_path, const char *id, struct err *err)
{
    memset(cg, 0, sizeof(*cg));
    cg->v2 = ct_cgroup__is_v2();
    if (!cgroups_path || !cgroups_path[0]) {
        ct_fmt(cg->path, sizeof(cg->path), "/strata/%s", id);
        return 0;
    }
    if (strchr(cgroups_path, ':'))
        return err__set(err,
                        "cgroup: '%s' is a systemd cgroup path; strata has no systemd "
                        "cgroup driver (use the cgroupfs manager)",
                        cgroups_path);
    if (strstr(cgroups_path, ".."))
        return err__set(err, "cgroup: path '%s' must not contain '..'", cgroups_path);
    if (cgroups_path[0] == '/') {
        ct_fmt(cg->path, sizeof(cg->path), "%s", cgroups_path);
        return 0;
    }
    /* relative: below the cgroup strata itself is in (the memory one on v1) */
    char self[PATH_MAX] = "";
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (f) {
        char line[PATH_MAX];
        while (fgets(line, sizeof(line), f)) {
            line[strcspn(line, "\n")] = 0;
            char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
            if (!b)
                continue;
            *b = 0;
            if ((cg->v2 && !strcmp(a + 1, "")) || (!cg->v2 && !strcmp(a + 1, "memory")))
                ct_fmt(self, sizeof(self), "%s", b + 1);
        }
        fclose(f);
    }
    ct_fmt(cg->path, sizeof(cg->path), "%s/%s", strcmp(self, "/") ? self : "", cgroups_path);
    return 0;
}

/* mkdir -p of DIR; on v2 enables the controllers for children on the way down. */
static int make_dirs(const char *dir, size_t root_len, bool v2, struct err *err)
{
    char p[PATH_MAX];
    ct_fmt(p, sizeof(p), "%s", dir);
    for (char *s = p + root_len + 1;; s++) {
        if (*s != '/' && *s != 0)
            continue;
        char c = *s;
        *s = 0;
        if (v2) {
            /* the parent must hand its controllers down before a child can use them */
            char parent[PATH_MAX];
            ct_fmt(parent, sizeof(parent), "%s", p);
            char *slash = strrchr(parent, '/');
            if (slash && (size_t)(slash - parent) >= root_len) {
                *slash = 0;
                char avail[256];
                if (!read_file(parent, "cgroup.controllers", avail, sizeof(avail))) {
                    const char *want[] = {"memory", "pids", "cpu", "io", "cpuset"};
                    for (size_t i = 0; i < 5; i++) {
                        if (!strstr(avail, want[i]))
                            continue;
                        char v[32];
                        ct_fmt(v, sizeof(v), "+%s", want[i]);
                        write_file(parent, "cgroup.subtree_control", v, NULL);
                    }
                }
            }
        }
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
            return err__set_errno(err, errno, "cgroup: cannot create %s", p);
        if (!c)
            break;
        *s = c;
    }
    return 0;
}

/* cpuset.cpus/mems of a new v1 cpuset are empty: copy each from the nearest parent that has them.
 */
static void v1_cpuset_inherit(const char *dir, size_t root_len)
{
    static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
    char p[PATH_MAX];
    ct_fmt(p, sizeof(p), "%s", dir);
    /* walk down from the root, filling each level */
    for (char *s = p + root_len + 1;; s++) {
        if (*s != '/' && *s != 0)
            continue;
        char c = *s;
        *s = 0;
        char parent[PATH_MAX];
        ct_fmt(parent, sizeof(parent), "%s", p);
        char *slash = strrchr(parent, '/');
        if (slash)
            *slash = 0;
        for (int i = 0; i < 2; i++) {
            char mine[256], theirs[256];
            if (!read_file(p, files[i], mine, sizeof(mine)) && mine[0] == '\n' &&
                !read_file(parent, files[i], theirs, sizeof(theirs)))
                write_file(p, files[i], theirs, NULL);
        }
        if (!c)
            break;
        *s = c;
    }
}

static int v1_devices(const char *dir, const struct ct_resources *res,
                      const struct ct_device *nodes, size_t n_nodes, struct err *err)
{
    /* what every container needs (runc's and crun's default list) */
    static const char *const defaults[] = {
        "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm",   "c 1:9 rwm",
        "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm",
    };
    if (write_file(dir, "devices.deny", "a", err))
        return -1;
    for (size_t i = 0; i < res->n_devices; i++) {
        const struct ct_device_rule *r = &res->devices[i];
        char rule[64], maj[24] = "*", min[24] = "*";
        if (r->major >= 0)
            ct_fmt(maj, sizeof(maj), "%lld", (long long)r->major);
        if (r->minor >= 0)
            ct_fmt(min, sizeof(min), "%lld", (long long)r->minor);
        if (r->type == 'a')
            ct_fmt(rule, sizeof(rule), "a");
        else
            ct_fmt(rule, sizeof(rule), "%c %s:%s %s", r->type, maj, min, r->access);
        if (write_file(dir, r->allow ? "devices.allow" : "devices.deny", rule, err))
            return -1;
    }
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
        if (write_file(dir, "devices.allow", defaults[i], err))
            return -1;
    /* the config's own device nodes (linux.devices) are the container's to use */
    for (size_t i = 0; i < n_nodes; i++) {
        if (nodes[i].type == 'p')
            continue;
        char rule[64];
        ct_fmt(rule, sizeof(rule), "%c %lld:%lld rwm", nodes[i].type == 'b' ? 'b' : 'c',
               (long long)nodes[i].major, (long long)nodes[i].minor);
        if (write_file(dir, "devices.allow", rule, err))
            return -1;
    }
    return 0;
}

static int set_num(const char *dir, const char *file, int64_t v, struct err *err)
{
    char buf[32];
    ct_fmt(buf, sizeof(buf), "%lld", (long long)v);
    return write_file(dir, file, buf, err);
}

static int apply_v1(const struct ct_cgroup *cg, const struct ct_resources *r,
                    const struct ct_device *nodes, size_t n_nodes, struct err *err)
{
    char d[PATH_MAX];
    if (r->memory_limit >= 0 || r->memory_swap >= 0) {
        if (!v1_present("memory"))
            return err__set(err, "cgroup: a memory limit needs the memory controller");
        dir_of(cg, "memory", d, sizeof(d));
        int64_t limit = r->memory_limit, swap = r->memory_swap;
        char memsw[PATH_MAX];
        ct_fmt(memsw, sizeof(memsw), "%s/memory/memory.memsw.limit_in_bytes", cgroup_root);
        bool has_memsw = !access(memsw, F_OK);
        if (swap < 0 && limit >= 0)
            swap = limit; /* no swap for the container unless asked */
        /* memsw must stay >= limit at every step: raise memsw first when growing */
        if (has_memsw && swap >= 0 && set_num(d, "memory.memsw.limit_in_bytes", swap, NULL) == 0) {
            if (limit >= 0 && set_num(d, "memory.limit_in_bytes", limit, err))
                return -1;
        } else {
            if (limit >= 0 && set_num(d, "memory.limit_in_bytes", limit, err))
                return -1;
            if (has_memsw && swap >= 0 && set_num(d, "memory.memsw.limit_in_bytes", swap, err))
                return -1;
        }
        if (r->memory_reservation >= 0 &&
            set_num(d, "memory.soft_limit_in_bytes", r->memory_reservation, err))
            return -1;
    }
    if (r->memory_swappiness >= 0 || r->disable_oom_killer) {
        dir_of(cg, "memory", d, sizeof(d));
        if (r->memory_swappiness >= 0 && set_num(d, "memory.swappiness", r->memory_swappiness, err))
            return -1;
        if (r->disable_oom_killer && write_file(d, "memory.oom_control", "1", err))
            return -1;
    }
    if (r->pids_limit != -1) {
        dir_of(cg, "pids", d, sizeof(d));
        if (r->pids_limit <= 0 ? write_file(d, "pids.max", "max", err)
                               : set_num(d, "pids.max", r->pids_limit, err))
            return -1;
    }
    if (r->cpu_period || r->cpu_quota >= 0 || r->cpu_shares) {
        dir_of(cg, "cpu", d, sizeof(d));
        if (r->cpu_period && set_num(d, "cpu.cfs_period_us", (int64_t)r->cpu_period, err))
            return -1;
        if (r->cpu_quota >= 0 && set_num(d, "cpu.cfs_quota_us", r->cpu_quota, err))
            return -1;
        if (r->cpu_shares && set_num(d, "cpu.shares", (int64_t)r->cpu_shares, err))
            return -1;
    }
    if (r->cpuset_cpus || r->cpuset_mems) {
        dir_of(cg, "cpuset", d, sizeof(d));
        if ((r->cpuset_cpus && write_file(d, "cpuset.cpus", r->cpuset_cpus, err)) ||
            (r->cpuset_mems && write_file(d, "cpuset.mems", r->cpuset_mems, err)))
            return -1;
    }
    if (r->blkio_weight) {
        dir_of(cg, "blkio", d, sizeof(d));
        const char *file = NULL;
        char p[PATH_MAX];
        ct_fmt(p, sizeof(p), "%s/blkio.weight", d);
        if (!access(p, F_OK))
            file = "blkio.weight";
        ct_fmt(p, sizeof(p), "%s/blkio.bfq.weight", d);
        if (!file && !access(p, F_OK))
            file = "blkio.bfq.weight";
        if (!file)
            return err__set(err, "cgroup: this host's blkio controller has no weight file (its "
                                 "I/O schedulers are neither CFQ nor BFQ): no I/O weight");
        if (set_num(d, file, r->blkio_weight, err))
            return -1;
    }
    if (v1_present("devices")) {
        dir_of(cg, "devices", d, sizeof(d));
        if (v1_devices(d, r, nodes, n_nodes, err))
            return -1;
    }
    return 0;
}

static int apply_v2(const struct ct_cgroup *cg, const struct ct_resources *r, struct err *err)
{
    char d[PATH_MAX];
    dir_of(cg, NULL, d, sizeof(d));
    if (r->memory_limit >= 0 && set_num(d, "memory.max", r->memory_limit, err))
        return -1;
    if (r->memory_limit >= 0 || r->memory_swap >= 0) {
        /* v2 counts swap alone: OCI's swap is memory+swap */
        int64_t swap =
            r->memory_swap >= 0 && r->memory_limit >= 0 ? r->memory_swap - r->memory_limit : 0;
        if (swap < 0)
            swap = 0;
        char p[PATH_MAX];
        ct_fmt(p, sizeof(p), "%s/memory.swap.max", d);
        if (!access(p, F_OK) && set_num(d, "memory.swap.max", swap, err))
            return -1;
    }
    if (r->memory_reservation >= 0 && set_num(d, "memory.low", r->memory_reservation, err))
        return -1;
    if (r->memory_swappiness >= 0 || r->disable_oom_killer)
        return err__set(err, "cgroup: v2 has no per-cgroup swappiness or OOM-killer switch");
    if (r->pids_limit != -1 && (r->pids_limit <= 0 ? write_file(d, "pids.max", "max", err)
                                                   : set_num(d, "pids.max", r->pids_limit, err)))
        return -1;
    if (r->cpu_quota >= 0 || r->cpu_period) {
        char v[64];
        uint64_t period = r->cpu_period ? r->cpu_period : 100000;
        if (r->cpu_quota > 0)
            ct_fmt(v, sizeof(v), "%lld %llu", (long long)r->cpu_quota, (unsigned long long)period);
        else
            ct_fmt(v, sizeof(v), "max %llu", (unsigned long long)period);
        if (write_file(d, "cpu.max", v, err))
            return -1;
    }
    if (r->cpu_shares) {
        /* the conversion runc and crun use: [2, 262144] onto [1, 10000] */
        uint64_t s = r->cpu_shares < 2 ? 2 : r->cpu_shares > 262144 ? 262144 : r->cpu_shares;
        if (set_num(d, "cpu.weight", (int64_t)(1 + ((s - 2) * 9999) / 262142), err))
            return -1;
    }
    if ((r->cpuset_cpus && write_file(d, "cpuset.cpus", r->cpuset_cpus, err)) ||
        (r->cpuset_mems && write_file(d, "cpuset.mems", r->cpuset_mems, err)))
        return -1;
    if (r->blkio_weight) {
        char v[32], p[PATH_MAX];
        ct_fmt(p, sizeof(p), "%s/io.weight", d);
        if (!access(p, F_OK)) {
            ct_fmt(v, sizeof(v), "default %u", r->blkio_weight);
            if (write_file(d, "io.weight", v, err))
                return -1;
        } else {
            ct_fmt(p, sizeof(p), "%s/io.bfq.weight", d);
            if (access(p, F_OK))
                return err__set(err, "cgroup: no io.weight here (io controller not enabled or "
                                     "no weight-based scheduler): no I/O weight");
            if (set_num(d, "io.bfq.weight", r->blkio_weight, err))
                return -1;
        }
    }
    return 0;
}

bool ct_cgroup__resources_set(const struct ct_resources *r)
{
    return r->memory_limit >= 0 || r->memory_swap >= 0 || r->memory_reservation >= 0 ||
           r->memory_swappiness >= 0 || r->disable_oom_killer || r->cpu_quota >= 0 ||
           r->cpu_period || r->cpu_shares || r->cpuset_cpus || r->cpuset_mems ||
           r->pids_limit != -1 || r->blkio_weight;
}

int ct_cgroup__create(const struct ct_cgroup *cg, const struct ct_resources *res,
                      const struct ct_device *nodes, size_t n_nodes, struct err *err)
{
    char d[PATH_MAX];
    /* limits strata does not apply are refused, never dropped */
    if (res->network)
        return err__set(err, "cgroup: linux.resources.network (net_cls, net_prio) is not "
                             "supported");
    if (res->hugetlb)
        return err__set(err, "cgroup: linux.resources.hugepageLimits is not supported");
    if (res->kernel_memory)
        return err__set(err, "cgroup: linux.resources.memory.kernel and kernelTCP are not "
                             "supported (deprecated, gone from cgroup v2)");
    if (!cg->path[0])
        return 0;
    if (cg->v2) {
        dir_of(cg, NULL, d, sizeof(d));
        if (make_dirs(d, strlen(cgroup_root), true, err))
            return -1;
        return apply_v2(cg, res, err);
    }
    for (size_t i = 0; i < N_V1; i++) {
        if (!v1_present(v1_controllers[i]))
            continue;
        dir_of(cg, v1_controllers[i], d, sizeof(d));
        size_t root_len = strlen(cgroup_root) + 1 + strlen(v1_controllers[i]);
        if (make_dirs(d, root_len, false, err))
            return -1;
        if (!strcmp(v1_controllers[i], "cpuset"))
            v1_cpuset_inherit(d, root_len);
    }
    return apply_v1(cg, res, nodes, n_nodes, err);
}

int ct_cgroup__attach(const struct ct_cgroup *cg, pid_t pid, struct err *err)
{
    char d[PATH_MAX], v[24];
    if (!cg->path[0])
        return 0; /* stays where its creator is */
    ct_fmt(v, sizeof(v), "%d", (int)pid);
    if (cg->v2) {
        dir_of(cg, NULL, d, sizeof(d));
        return write_file(d, "cgroup.procs", v, err);
    }
    for (size_t i = 0; i < N_V1; i++) {
        if (!v1_present(v1_controllers[i]))
            continue;
        dir_of(cg, v1_controllers[i], d, sizeof(d));
        if (write_file(d, "cgroup.procs", v, err))
            return -1;
    }
    return 0;
}

bool ct_cgroup__frozen(const struct ct_cgroup *cg)
{
    char d[PATH_MAX], buf[32];
    if (!cg->path[0])
        return false;
    if (cg->v2) {
        dir_of(cg, NULL, d, sizeof(d));
        return read_key(d, "cgroup.events", "frozen") == 1;
    }
    dir_of(cg, "freezer", d, sizeof(d));
    return read_file(d, "freezer.state", buf, sizeof(buf)) == 0 && !strncmp(buf, "FROZEN", 6);
}

int ct_cgroup__freeze(const struct ct_cgroup *cg, bool frozen, struct err *err)
{
    char d[PATH_MAX];
    if (!cg->path[0])
        return err__set(err, "cgroup: the container has no cgroup to freeze");
    if (!cg->v2 && !v1_present("freezer"))
        return err__set(err, "cgroup: no freezer controller on this host");
    dir_of(cg, cg->v2 ? NULL : "freezer", d, sizeof(d));
    if (write_file(d, cg->v2 ? "cgroup.freeze" : "freezer.state",
                   cg->v2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED"), err))
        return -1;
    /* v1 passes through FREEZING, v2 reports "frozen 1" once every task stopped */
    for (int i = 0; i < 200; i++) {
        if (ct_cgroup__frozen(cg) == frozen)
            return 0;
        usleep(5000);
    }
    return err__set(err, "cgroup: %s did not %s within a second", d, frozen ? "freeze" : "thaw");
}

int ct_cgroup__stats(const struct ct_cgroup *cg, struct ct_cgroup_stats *st, struct err *err)
{
    char d[PATH_MAX];
    memset(st, 0xff, sizeof(*st));
    if (!cg->path[0])
        return err__set(err, "cgroup: the container has no cgroup of its own");
    if (cg->v2) {
        dir_of(cg, NULL, d, sizeof(d));
        if (access(d, F_OK))
            return err__set(err, "cgroup: %s is gone", d);
        st->mem_usage = read_u64(d, "memory.current");
        st->mem_max_usage = read_u64(d, "memory.peak");
        st->mem_limit = read_u64(d, "memory.max");
        st->oom_kills = read_key(d, "memory.events", "oom_kill");
        st->pids_current = read_u64(d, "pids.current");
        st->pids_limit = read_u64(d, "pids.max");
        st->pids_refused = read_key(d, "pids.events", "max");
        uint64_t usec = read_key(d, "cpu.stat", "usage_usec");
        st->cpu_usage_ns = usec == UINT64_MAX ? usec : usec * 1000;
        char buf[64];
        if (!read_file(d, "cpu.max", buf, sizeof(buf))) {
            st->cpu_quota_us = strncmp(buf, "max", 3) ? strtoull(buf, NULL, 10) : UINT64_MAX;
            char *sp = strchr(buf, ' ');
            st->cpu_period_us = sp ? strtoull(sp + 1, NULL, 10) : UINT64_MAX;
        }
        st->cpu_weight = read_u64(d, "cpu.weight");
        st->io_weight = read_key(d, "io.weight", "default");
        return 0;
    }
    dir_of(cg, "memory", d, sizeof(d));
    if (access(d, F_OK))
        return err__set(err, "cgroup: %s is gone", d);
    st->mem_usage = read_u64(d, "memory.usage_in_bytes");
    st->mem_max_usage = read_u64(d, "memory.max_usage_in_bytes");
    st->mem_limit = read_u64(d, "memory.limit_in_bytes");
    if (st->mem_limit >= (1ull << 62))
        st->mem_limit = UINT64_MAX; /* v1 says "unlimited" with a page-rounded LLONG_MAX */
    st->oom_kills = read_key(d, "memory.oom_control", "oom_kill");
    dir_of(cg, "pids", d, sizeof(d));
    st->pids_current = read_u64(d, "pids.current");
    st->pids_limit = read_u64(d, "pids.max");
    st->pids_refused = read_key(d, "pids.events", "max");
    dir_of(cg, "cpuacct", d, sizeof(d));
    st->cpu_usage_ns = read_u64(d, "cpuacct.usage");
    dir_of(cg, "cpu", d, sizeof(d));
    uint64_t q = read_u64(d, "cpu.cfs_quota_us");
    st->cpu_quota_us = (int64_t)q < 0 ? UINT64_MAX : q;
    st->cpu_period_us = read_u64(d, "cpu.cfs_period_us");
    st->cpu_weight = read_u64(d, "cpu.shares");
    dir_of(cg, "blkio", d, sizeof(d));
    st->io_weight = read_u64(d, "blkio.weight");
    return 0;
}

int ct_cgroup__pids(const struct ct_cgroup *cg, pid_t **pids, size_t *n, struct err *err)
{
    char d[PATH_MAX], p[PATH_MAX];
    if (!cg->path[0]) {
        /* no cgroup of its own (an unprivileged container): never the root's list */
        *pids = NULL;
        *n = 0;
        return err__set(err, "cgroup: the container has no cgroup of its own");
    }
    dir_of(cg, cg->v2 ? NULL : (v1_present("pids") ? "pids" : "memory"), d, sizeof(d));
    ct_fmt(p, sizeof(p), "%s/cgroup.procs", d);
    *pids = NULL;
    *n = 0;
    FILE *f = fopen(p, "re");
    if (!f)
        return errno == ENOENT ? 0 : err__set_errno(err, errno, "cgroup: cannot read %s", p);
    size_t cap = 0;
    long v;
    while (fscanf(f, "%ld", &v) == 1) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            pid_t *np = realloc(*pids, cap * sizeof(pid_t));
            if (!np)
                abort();
            *pids = np;
        }
        (*pids)[(*n)++] = (pid_t)v;
    }
    fclose(f);
    return 0;
}

int ct_cgroup__signal_all(const struct ct_cgroup *cg, int sig, struct err *err)
{
    pid_t *pids;
    size_t n;
    if (ct_cgroup__pids(cg, &pids, &n, err))
        return -1;
    for (size_t i = 0; i < n; i++)
        kill(pids[i], sig);
    free(pids);
    return 0;
}

static int remove_dir(const char *d, struct err *err)
{
    for (int tries = 0;; tries++) {
        if (rmdir(d) == 0 || errno == ENOENT)
            return 0;
        if (errno != EBUSY || tries >= 200)
            return err__set_errno(err, errno, "cgroup: cannot remove %s", d);
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

int ct_cgroup__destroy(const struct ct_cgroup *cg, struct err *err)
{
    char d[PATH_MAX];
    if (!cg->path[0])
        return 0;
    if (cg->v2) {
        dir_of(cg, NULL, d, sizeof(d));
        return remove_dir(d, err);
    }
    int rc = 0;
    for (size_t i = 0; i < N_V1; i++) {
        if (!v1_present(v1_controllers[i]))
            continue;
        dir_of(cg, v1_controllers[i], d, sizeof(d));
        if (remove_dir(d, err))
            rc = -1;
    }
    return rc;
}
