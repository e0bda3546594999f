/* SPDX-License-Identifier: Apache-2.0 */
/*
 * state.h - where a container's runtime state lives between commands: a
 * directory per container under the state root (/run/strata/<kind> for root,
 * $XDG_RUNTIME_DIR/strata/<kind> otherwise, or the OCI `--root`), holding
 * state.json, a copy of config.json, the exec fifo `start` opens, and for
 * `strata ct` the exit record the monitor writes. The status follows
 * runtime-spec runtime.md#state: creating, created, running, stopped.
 */
#ifndef STRATA_CT_STATE_H
#define STRATA_CT_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

enum ct_status { CT_STATUS_CREATING, CT_STATUS_CREATED, CT_STATUS_RUNNING, CT_STATUS_STOPPED };

struct ct_state {
    char id[128];
    pid_t pid;
    unsigned long long start_time; /* /proc/PID/stat field 22: tells a reused pid apart */
    char bundle[PATH_MAX];
    char rootfs[PATH_MAX];
    char created[40]; /* RFC 3339, UTC */
    char cgroup_path[256];
    bool cgroup_v2;
    bool ct; /* made by `strata ct` (has a monitor) */
    pid_t monitor;
};

/* Exit record of a `strata ct` container, written by its monitor. */
struct ct_exit {
    bool known;
    int wait_status; /* as from waitpid */
};

/* Fills OUT with the default state root for KIND ("oci", "ct"); -1 if none can be found. */
int ct_state__default_root(const char *kind, char *out, size_t size, struct err *err);
/* OUT = ROOT/ID after checking ID ([A-Za-z0-9][A-Za-z0-9_.-]*, at most 127 bytes). */
int ct_state__dir(const char *root, const char *id, char *out, size_t size, struct err *err);
int ct_state__write(const char *dir, const struct ct_state *st, struct err *err);
/* -1 with "container ID does not exist" when the directory is not there. */
int ct_state__read(const char *dir, const char *id, struct ct_state *st, struct err *err);
enum ct_status ct_state__status(const char *dir, const struct ct_state *st);
const char *ct_state__status_name(enum ct_status s);
unsigned long long ct_state__start_time(pid_t pid);
/* The container ids under ROOT, sorted; *ids and each string are malloc'd. */
int ct_state__list(const char *root, char ***ids, size_t *n, struct err *err);
/* rm -r of a state directory. */
int ct_state__remove(const char *dir, struct err *err);
int ct_state__write_exit(const char *dir, int wait_status);
void ct_state__read_exit(const char *dir, struct ct_exit *ex);
/* Copies a small file (config.json into the state directory). */
int ct_state__copy_file(const char *from, const char *to, struct err *err);

#endif
