/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup.h - a container's resource limits ("beancounters", as OpenVZ called
 * them) through Linux control groups: the v1 hierarchies (one per controller,
 * as these hosts have) or the v2 unified hierarchy, whichever /sys/fs/cgroup
 * is. Follows runtime-spec config-linux.md#control-groups and the kernel's
 * Documentation/admin-guide/cgroup-v1/ and cgroup-v2.rst.
 */
#ifndef STRATA_CT_CGROUP_H
#define STRATA_CT_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ct/spec.h"
#include "util/err.h"

struct ct_cgroup {
    bool v2;
    char path[256]; /* below each hierarchy's root, e.g. "/strata/web"; "" for none */
};

/* The limits and what was used; UINT64_MAX where there is no limit or no counter. */
struct ct_cgroup_stats {
    uint64_t mem_usage, mem_max_usage, mem_limit;
    uint64_t oom_kills;
    uint64_t pids_current, pids_limit, pids_refused; /* refused: forks over the limit */
    uint64_t cpu_usage_ns, cpu_quota_us, cpu_period_us, cpu_weight;
    uint64_t io_weight;
};

/* True when /sys/fs/cgroup is the v2 unified hierarchy. */
bool ct_cgroup__is_v2(void);
/*
 * For the unit tests: DIR (kept by the caller) stands for /sys/fs/cgroup,
 * a v2 hierarchy if V2 else v1 hierarchies one per controller; a fake tree
 * of plain files, where each file the code reads or writes must exist.
 */
void ct_cgroup__set_root(const char *dir, bool v2);

/*
 * Names the cgroup of container ID: cgroups_path from the config ("/a/b" from
 * each hierarchy's root, "a/b" below strata's own cgroup), or "/strata/ID".
 * A systemd "slice:prefix:name" path is refused (no systemd cgroup driver).
 */
int ct_cgroup__init(struct ct_cgroup *cg, const char *cgroups_path, const char *id,
                    struct err *err);
/* True when the config asks for any limit. */
bool ct_cgroup__resources_set(const struct ct_resources *r);
/*
 * Creates the cgroup in every hierarchy and applies the limits (nothing for
 * path ""); the device nodes of linux.devices are allowed in the v1 device
 * controller.
 */
int ct_cgroup__create(const struct ct_cgroup *cg, const struct ct_resources *res,
                      const struct ct_device *nodes, size_t n_nodes, struct err *err);
/* Moves PID into it (all hierarchies). */
int ct_cgroup__attach(const struct ct_cgroup *cg, pid_t pid, struct err *err);
int ct_cgroup__stats(const struct ct_cgroup *cg, struct ct_cgroup_stats *st, struct err *err);
/* The pids in it; *pids is malloc'd. */
int ct_cgroup__pids(const struct ct_cgroup *cg, pid_t **pids, size_t *n, struct err *err);
/*
 * Freezes (FROZEN) or thaws every process in it: v1 freezer.state, v2
 * cgroup.freeze; returns once the kernel reports it done (1 s at most).
 */
int ct_cgroup__freeze(const struct ct_cgroup *cg, bool frozen, struct err *err);
bool ct_cgroup__frozen(const struct ct_cgroup *cg);
/* Sends SIG to every process in it. */
int ct_cgroup__signal_all(const struct ct_cgroup *cg, int sig, struct err *err);
/* Removes it (waits briefly for exiting processes); a missing cgroup is fine. */
int ct_cgroup__destroy(const struct ct_cgroup *cg, struct err *err);

#endif
