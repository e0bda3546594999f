/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container.h - a container's life as the OCI runtime specification
 * (runtime.md#lifecycle) has it: create (namespaces, cgroup, rootfs, the
 * process prepared and held before its exec), start (the exec happens), kill,
 * delete, state; and exec of another process inside. Both `strata oci` and
 * `strata ct` are thin command lines over this (crun's src/ over libcrun).
 */
#ifndef STRATA_CT_CONTAINER_H
#define STRATA_CT_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "ct/cgroup.h"
#include "ct/spec.h"
#include "ct/state.h"
#include "util/err.h"

struct ct_create_opts {
    const char *id;
    const char *state_root;
    const char *bundle;         /* absolute; a relative root.path is below it */
    const char *config_path;    /* copied into the state directory */
    const char *console_socket; /* where the pty master goes if process.terminal */
    int console_fd;             /* or an already connected socket for it (>= 0), else -1 */
    const char *pid_file;       /* the container's init pid is written here */
    bool ct;                    /* a `strata ct` container: recorded as such */
    bool dir_made;              /* the caller made the (empty) state directory */
    pid_t monitor;              /* the process that waits for init (ct), or 0 */
    /* called in the parent after the init exists, before it continues (e.g. a veth) */
    int (*after_spawn)(pid_t pid, void *arg, struct err *err);
    void *after_spawn_arg;
};

/* Creates the container; on return its init waits for `start`. *pid: the init's pid. */
int ct_container__create(struct ct_spec *spec, const struct ct_create_opts *o, pid_t *pid,
                         struct err *err);
/* Lets a created container's init exec its process; runs poststart hooks. */
int ct_container__start(const char *state_root, const char *id, struct err *err);
/* Sends SIG to the init, or with ALL to every process of the container. */
int ct_container__kill(const char *state_root, const char *id, int sig, bool all, struct err *err);
/* The cgroup recorded in a container's state. */
void ct_container__cgroup_of(const struct ct_state *st, struct ct_cgroup *cg);
/* Removes a stopped container (FORCE: kills it first); runs poststop hooks. */
int ct_container__delete(const char *state_root, const char *id, bool force, struct err *err);
/* The runtime-spec state object as JSON (malloc'd). */
int ct_container__state_json(const char *state_root, const char *id, char **json, struct err *err);
/* Loads a container's state and its copy of config.json. */
int ct_container__load(const char *state_root, const char *id, char *dir, size_t dir_size,
                       struct ct_state *st, struct ct_spec *spec, struct err *err);

struct ct_exec_opts {
    bool detach; /* return once it runs (its pid in pid_file) */
    const char *pid_file;
    const char *console_socket; /* pty master to this socket if proc->terminal */
    int console_fd;             /* or an already connected socket for it (>= 0), else -1 */
};

/*
 * Runs PROC inside the running container ID. Not detached: waits and sets
 * *status to its exit code (128+N when signal N ended it), as a shell would.
 * Detached: returns once it runs; *pid is its pid.
 */
int ct_container__exec(const char *state_root, const char *id, const struct ct_process *proc,
                       const struct ct_exec_opts *o, int *status, pid_t *pid, struct err *err);

#endif
