/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spec_default.h - the default container configuration, as config.json text:
 * what `strata oci spec` prints (runc's `spec` template) and what `strata ct
 * create` starts from before applying its options. The defaults are
 * documented in docs/containers.md: the mounts of a minimal /proc, /dev and
 * /sys, runc's masked and read-only paths, Docker's fourteen default
 * capabilities for `ct`, no_new_privs, and strata's seccomp deny list.
 */
#ifndef STRATA_CT_SPEC_DEFAULT_H
#define STRATA_CT_SPEC_DEFAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct/spec.h"

struct ct_volume {
    const char *host, *guest;
    bool readonly;
};

struct ct_default_opts {
    const char *root_path;   /* "rootfs" for `oci spec` */
    const char *const *args; /* NULL: {"sh"} */
    const char *hostname;
    bool terminal;
    bool ct;       /* strata ct: full default capability set and the seccomp deny list */
    bool rootless; /* a user namespace with the maps below */
    struct ct_idmap uid_maps[2], gid_maps[2];
    size_t n_uid_maps, n_gid_maps;
    bool share_net;       /* no network namespace (the host's) */
    int64_t memory, pids; /* -1: none */
    unsigned cpus_milli;  /* 0: no quota; 1500 = 1.5 CPUs */
    unsigned io_weight;   /* 0: none */
    const struct ct_volume *volumes;
    size_t n_volumes;
};

/* The config.json text (malloc'd). */
char *ct_spec__default_json(const struct ct_default_opts *o);

/* The syscalls strata's default filter refuses with EPERM (NULL-terminated). */
extern const char *const ct_seccomp_denied[];

#endif
