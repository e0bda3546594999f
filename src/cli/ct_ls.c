// SPDX-License-Identifier: Apache-2.0
/*
 * ct_ls.c - `strata ct ls` and `strata ct stats`: the containers with their
 * status (and how a stopped one ended: its exit status, a signal, an OOM
 * kill), and one container's usage against its limits, from its cgroup
 * (OpenVZ's beancounters: held, maxheld, barrier/limit, failcnt).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ct_cli.h"
#include "ct/cgroup.h"
#include "ct/container.h"
#include "ct/fmt.h"
#include "ct/info.h"
#include "ct/state.h"

static void human(uint64_t v, char *out, size_t size)
{
    if (v == UINT64_MAX)
        ct_fmt(out, size, "-");
    else if (v >= (1ull << 30))
        ct_fmt(out, size, "%.1fG", (double)v / (1ull << 30));
    else if (v >= (1ull << 20))
        ct_fmt(out, size, "%.1fM", (double)v / (1ull << 20));
    else
        ct_fmt(out, size, "%lluK", (unsigned long long)(v >> 10));
}

static void count(uint64_t v, char *out, size_t size)
{
    if (v == UINT64_MAX)
        ct_fmt(out, size, "-");
    else
        ct_fmt(out, size, "%llu", (unsigned long long)v);
}

static bool load(const char *root, const char *name, char *dir, size_t dsize, struct ct_state *st,
                 struct ct_cgroup_stats *cs, bool *have_stats)
{
    struct err err;
    if (ct_container__load(root, name, dir, dsize, st, NULL, &err))
        return false;
    struct ct_cgroup cg = {.v2 = st->cgroup_v2};
    ct_fmt(cg.path, sizeof(cg.path), "%s", st->cgroup_path);
    *have_stats = st->cgroup_path[0] && ct_cgroup__stats(&cg, cs, NULL) == 0;
    return true;
}

int ct_cli__ls(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return ct_cli__fail("ls: takes no arguments");
    char root[PATH_MAX];
    struct err err;
    if (ct_cli__root(root, sizeof(root)))
        return 1;
    char **ids;
    size_t n;
    if (ct_state__list(root, &ids, &n, &err))
        return ct_cli__fail("%s", err.msg);
    printf("%-20s %-8s %-30s %-8s %-15s %s\n", "NAME", "TYPE", "STATUS", "PID", "MEMORY", "PIDS");
    for (size_t i = 0; i < n; i++) {
        char dir[PATH_MAX], status[96], mem[16], lim[16], cur[16], plim[16];
        struct ct_state st;
        struct ct_cgroup_stats cs;
        bool have = false;
        if (load(root, ids[i], dir, sizeof(dir), &st, &cs, &have)) {
            ct_info__status_text(dir, &st, have ? &cs : NULL, status, sizeof(status));
            human(have ? cs.mem_usage : UINT64_MAX, mem, sizeof(mem));
            human(have ? cs.mem_limit : UINT64_MAX, lim, sizeof(lim));
            count(have ? cs.pids_current : UINT64_MAX, cur, sizeof(cur));
            count(have ? cs.pids_limit : UINT64_MAX, plim, sizeof(plim));
            char memcol[40], pidcol[40];
            ct_fmt(memcol, sizeof(memcol), "%s/%s", mem, lim);
            ct_fmt(pidcol, sizeof(pidcol), "%s/%s", cur, plim);
            bool live = ct_state__status(dir, &st) != CT_STATUS_STOPPED;
            printf("%-20s %-8s %-30s %-8d %-15s %s\n", ids[i], "ct", status, live ? (int)st.pid : 0,
                   memcol, pidcol);
        }
        free(ids[i]);
    }
    free(ids);
    return 0;
}

int ct_cli__stats(int argc, char **argv)
{
    if (argc != 2)
        return ct_cli__fail("stats: want one container NAME");
    char root[PATH_MAX], dir[PATH_MAX], status[96];
    if (ct_cli__root(root, sizeof(root)))
        return 1;
    struct ct_state st;
    struct ct_cgroup_stats cs;
    bool have = false;
    if (!load(root, argv[1], dir, sizeof(dir), &st, &cs, &have))
        return ct_cli__fail("container %s does not exist", argv[1]);
    if (!have)
        return ct_cli__fail("container %s has no cgroup to read", argv[1]);
    ct_info__status_text(dir, &st, have ? &cs : NULL, status, sizeof(status));
    char a[16], b[16], m[16], x[16], y[16], z[16];
    human(cs.mem_usage, a, sizeof(a));
    human(cs.mem_max_usage, m, sizeof(m));
    human(cs.mem_limit, b, sizeof(b));
    printf("container: %s (%s)\n", argv[1], status);
    printf("%-10s %12s %12s %12s %12s\n", "resource", "held", "maxheld", "limit", "failcnt");
    count(cs.oom_kills, x, sizeof(x));
    printf("%-10s %12s %12s %12s %12s\n", "memory", a, m, b, x);
    count(cs.pids_current, a, sizeof(a));
    count(cs.pids_limit, b, sizeof(b));
    count(cs.pids_refused, x, sizeof(x));
    printf("%-10s %12s %12s %12s %12s\n", "pids", a, "-", b, x);
    ct_fmt(a, sizeof(a), "%.3fs",
           cs.cpu_usage_ns == UINT64_MAX ? 0.0 : (double)cs.cpu_usage_ns / 1e9);
    if (cs.cpu_quota_us != UINT64_MAX && cs.cpu_period_us && cs.cpu_period_us != UINT64_MAX)
        ct_fmt(b, sizeof(b), "%.2f cpus", (double)cs.cpu_quota_us / (double)cs.cpu_period_us);
    else
        ct_fmt(b, sizeof(b), "-");
    printf("%-10s %12s %12s %12s %12s\n", "cpu", a, "-", b, "-");
    count(cs.cpu_weight, y, sizeof(y));
    count(cs.io_weight, z, sizeof(z));
    printf("weights: cpu %s, io %s\n", y, z);
    return 0;
}
