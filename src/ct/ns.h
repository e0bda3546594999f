/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ns.h - Linux namespaces for a container (namespaces(7), user_namespaces(7),
 * runtime-spec config-linux.md#namespaces and #user-namespace-mappings):
 * writing a new user namespace's id maps (directly as root; through the
 * setuid newuidmap/newgidmap helpers and /etc/subuid for other users),
 * joining namespaces by path or by a process's /proc/PID/ns, and bringing up
 * loopback in a new network namespace.
 */
#ifndef STRATA_CT_NS_H
#define STRATA_CT_NS_H

#include <stdbool.h>
#include <sys/types.h>

#include "ct/spec.h"
#include "util/err.h"

/* Writes PID's uid_map and gid_map from the spec (the parent does this after clone). */
int ct_ns__write_maps(pid_t pid, const struct ct_spec *spec, struct err *err);
/* Joins the namespace at PATH (of type T). */
int ct_ns__join_path(enum ct_ns_type t, const char *path, struct err *err);
/*
 * Opens PID's namespaces of the types the spec uses into fds[] (-1 where the
 * container shares the caller's), for ct_ns__enter.
 */
int ct_ns__open_of(pid_t pid, const struct ct_spec *spec, int fds[CT_NS_COUNT], struct err *err);
/* setns into each open fd: user first, then the rest; the pid one affects children only. */
int ct_ns__enter(int fds[CT_NS_COUNT], bool skip_cgroup, struct err *err);
void ct_ns__close(int fds[CT_NS_COUNT]);
/* ip link set lo up, in the calling process's network namespace. */
int ct_ns__loopback_up(struct err *err);
/*
 * The default id map of an unprivileged user's container, from FILE
 * (/etc/subuid or /etc/subgid): container ids 0..65535 (root included) onto
 * the user's first subordinate range, as LXC maps them; without a range,
 * only the user's own id OWN as root. Fills out[] and *n.
 */
int ct_ns__subid_map(const char *file, const char *user, uid_t own, struct ct_idmap out[2],
                     size_t *n);

#endif
