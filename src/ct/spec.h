/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spec.h - a container's configuration as the OCI runtime specification
 * (runtime-spec v1.0.2, config.md and config-linux.md) defines it: the parsed
 * form of a bundle's config.json, which every other part of src/ct/ reads.
 *
 * Strings point into the parsed JSON document or into the spec's own
 * allocations; ct_spec__free releases both. `strata ct create` builds the
 * same JSON from its options (spec_default.c), so both command lines run one
 * code path.
 */
#ifndef STRATA_CT_SPEC_H
#define STRATA_CT_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum ct_ns_type {
    CT_NS_USER,
    CT_NS_MOUNT,
    CT_NS_PID,
    CT_NS_UTS,
    CT_NS_IPC,
    CT_NS_NET,
    CT_NS_CGROUP,
    CT_NS_COUNT,
};

struct ct_namespace {
    bool wanted;      /* listed in linux.namespaces */
    const char *path; /* join this one instead of creating a new one, or NULL */
};

struct ct_idmap {
    uint32_t container_id, host_id, size;
};

struct ct_mount {
    const char *destination, *source, *type;
    unsigned long flags;       /* MS_* from the options */
    unsigned long propagation; /* MS_PRIVATE, MS_SLAVE, ... (with MS_REC) or 0 */
    char *data;                /* the options that are not flags, comma-joined */
    bool bind;                 /* "bind"/"rbind" option or type "bind" */
};

struct ct_rlimit {
    int resource;
    uint64_t soft, hard;
};

enum ct_cap_set {
    CT_CAP_BOUNDING,
    CT_CAP_EFFECTIVE,
    CT_CAP_INHERITABLE,
    CT_CAP_PERMITTED,
    CT_CAP_AMBIENT,
    CT_CAP_SETS
};

struct ct_process {
    bool terminal;
    uint32_t uid, gid;
    uint32_t *additional_gids;
    size_t n_additional_gids;
    const char **args; /* NULL-terminated */
    const char **env;  /* NULL-terminated */
    const char *cwd;
    bool has_caps;
    uint64_t caps[CT_CAP_SETS]; /* bit n = capability n */
    bool no_new_privileges;
    struct ct_rlimit *rlimits;
    size_t n_rlimits;
    bool has_oom_score_adj;
    int oom_score_adj;
};

enum ct_seccomp_action {
    CT_SECCOMP_KILL,
    CT_SECCOMP_KILL_PROCESS,
    CT_SECCOMP_TRAP,
    CT_SECCOMP_ERRNO,
    CT_SECCOMP_TRACE,
    CT_SECCOMP_ALLOW,
    CT_SECCOMP_LOG,
};

struct ct_seccomp_arg {
    unsigned index;
    uint64_t value, value_two;
    int op; /* enum scmp_compare */
};

struct ct_seccomp_rule {
    const char **names; /* NULL-terminated */
    enum ct_seccomp_action action;
    unsigned errno_ret;
    struct ct_seccomp_arg *args;
    size_t n_args;
};

struct ct_seccomp {
    enum ct_seccomp_action default_action;
    unsigned default_errno_ret;
    const char **architectures; /* NULL-terminated, "SCMP_ARCH_X86_64", ... */
    struct ct_seccomp_rule *rules;
    size_t n_rules;
};

struct ct_hook {
    const char *path;
    const char **args; /* NULL-terminated, or NULL */
    const char **env;  /* NULL-terminated, or NULL */
    int timeout_s;     /* 0: none */
};

enum ct_hook_kind {
    CT_HOOK_PRESTART,
    CT_HOOK_CREATE_RUNTIME,
    CT_HOOK_CREATE_CONTAINER,
    CT_HOOK_START_CONTAINER,
    CT_HOOK_POSTSTART,
    CT_HOOK_POSTSTOP,
    CT_HOOK_KINDS
};

struct ct_device_rule {
    bool allow;
    char type;            /* 'a', 'c', 'b' */
    int64_t major, minor; /* -1: any */
    const char *access;   /* "rwm" or a part */
};

/* linux.resources: -1 (or 0 for the weights) means not set. */
struct ct_resources {
    int64_t memory_limit, memory_swap, memory_reservation;
    int64_t memory_swappiness; /* 0-100, -1 unset */
    bool disable_oom_killer;
    bool network, hugetlb, kernel_memory; /* asked for, and refused (see cgroup.c) */
    int64_t cpu_quota;
    uint64_t cpu_period, cpu_shares;
    const char *cpuset_cpus, *cpuset_mems;
    int64_t pids_limit;
    uint16_t blkio_weight;
    struct ct_device_rule *devices;
    size_t n_devices;
};

/* linux.devices: a node to make in the container's /dev (config-linux.md#devices). */
struct ct_device {
    const char *path;
    char type; /* 'c', 'b', 'u' (unbuffered char), 'p' (fifo) */
    int64_t major, minor;
    uint32_t file_mode, uid, gid;
    bool has_mode, has_uid, has_gid;
};

struct ct_sysctl {
    const char *key, *value;
};

struct ct_spec {
    const char *oci_version;
    const char *root_path; /* relative to the bundle, or absolute */
    bool root_readonly;
    const char *hostname;
    struct ct_process process;
    struct ct_mount *mounts;
    size_t n_mounts;
    struct ct_namespace ns[CT_NS_COUNT];
    struct ct_idmap *uid_maps, *gid_maps;
    size_t n_uid_maps, n_gid_maps;
    const char *cgroups_path;
    struct ct_resources resources;
    struct ct_device *devices;
    size_t n_devices;
    struct ct_sysctl *sysctls;
    size_t n_sysctls;
    const char **masked_paths;   /* NULL-terminated */
    const char **readonly_paths; /* NULL-terminated */
    unsigned long rootfs_propagation;
    struct ct_seccomp *seccomp; /* NULL: no filter */
    struct ct_hook *hooks[CT_HOOK_KINDS];
    size_t n_hooks[CT_HOOK_KINDS];
    const char *annotations_json; /* "{...}" as in the config, for `state` */

    void *doc;     /* the parsed json_object */
    void **allocs; /* everything allocated for this spec */
    size_t n_allocs, cap_allocs;
};

/* Parses a config.json text; -1 with err naming the bad field. */
int ct_spec__parse(struct ct_spec *spec, const char *json, struct err *err);
/* Reads and parses PATH. */
int ct_spec__load(struct ct_spec *spec, const char *path, struct err *err);
/* Parses a "process" object alone (runc exec --process FILE) into proc, owned by spec. */
int ct_spec__parse_process(struct ct_spec *spec, struct ct_process *proc, const char *json,
                           struct err *err);
void ct_spec__free(struct ct_spec *spec);

/* The namespace type's name in config.json ("pid", "network", ...) and its CLONE_NEW* flag. */
const char *ct_ns__name(enum ct_ns_type t);
int ct_ns__clone_flag(enum ct_ns_type t);
/* The /proc/PID/ns/ file name of the type ("pid", "net", ...). */
const char *ct_ns__proc_name(enum ct_ns_type t);

#endif
