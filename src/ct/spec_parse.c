// SPDX-License-Identifier: Apache-2.0
/*
 * spec_parse.c - config.json to struct ct_spec with json-c, following the OCI
 * runtime-spec v1.0.2 (config.md, config-linux.md, config-linux.md#seccomp).
 * Unknown fields are ignored as the spec asks; a known field of the wrong type
 * or with a bad value is an error naming it.
 */
#include "ct/spec.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>

static const struct {
    const char *name, *proc;
    int flag;
} ns_table[CT_NS_COUNT] = {
    [CT_NS_USER] = {"user", "user", CLONE_NEWUSER},
    [CT_NS_MOUNT] = {"mount", "mnt", CLONE_NEWNS},
    [CT_NS_PID] = {"pid", "pid", CLONE_NEWPID},
    [CT_NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
    [CT_NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
    [CT_NS_NET] = {"network", "net", CLONE_NEWNET},
    [CT_NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
};

const char *ct_ns__name(enum ct_ns_type t)
{
    return ns_table[t].name;
}

const char *ct_ns__proc_name(enum ct_ns_type t)
{
    return ns_table[t].proc;
}

int ct_ns__clone_flag(enum ct_ns_type t)
{
    return ns_table[t].flag;
}

static void *spec_alloc(struct ct_spec *spec, size_t size)
{
    if (spec->n_allocs == spec->cap_allocs) {
        size_t cap = spec->cap_allocs ? spec->cap_allocs * 2 : 32;
        void **n = realloc(spec->allocs, cap * sizeof(*n));
        if (!n)
            abort();
        spec->allocs = n;
        spec->cap_allocs = cap;
    }
    void *p = calloc(1, size ? size : 1);
    if (!p)
        abort();
    spec->allocs[spec->n_allocs++] = p;
    return p;
}

void ct_spec__free(struct ct_spec *spec)
{
    for (size_t i = 0; i < spec->n_allocs; i++)
        free(spec->allocs[i]);
    free(spec->allocs);
    if (spec->doc)
        json_object_put(spec->doc);
    memset(spec, 0, sizeof(*spec));
}

/* --- typed field access ----------------------------------------------------------------- */

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (o && json_object_object_get_ex(o, key, &v) && !json_object_is_type(v, json_type_null))
        return v;
    return NULL;
}

static int want_type(json_object *v, json_type t, const char *what, struct err *err)
{
    if (!json_object_is_type(v, t))
        return err__set(err, "config: %s must be %s", what, json_type_to_name(t));
    return 0;
}

static int get_string(json_object *o, const char *key, const char **out, const char *what,
                      struct err *err)
{
    json_object *v = get(o, key);
    if (!v)
        return 0;
    if (want_type(v, json_type_string, what, err))
        return -1;
    *out = json_object_get_string(v);
    return 0;
}

static int get_bool(json_object *o, const char *key, bool *out, const char *what, struct err *err)
{
    json_object *v = get(o, key);
    if (!v)
        return 0;
    if (want_type(v, json_type_boolean, what, err))
        return -1;
    *out = json_object_get_boolean(v);
    return 0;
}

static int get_int64(json_object *o, const char *key, int64_t *out, const char *what,
                     struct err *err)
{
    json_object *v = get(o, key);
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_int))
        return err__set(err, "config: %s must be an integer", what);
    errno = 0;
    *out = json_object_get_int64(v);
    return 0;
}

static int get_uint64(json_object *o, const char *key, uint64_t *out, const char *what,
                      struct err *err)
{
    json_object *v = get(o, key);
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_int))
        return err__set(err, "config: %s must be an integer", what);
    if (json_object_get_int64(v) < 0 && !json_object_get_uint64(v))
        return err__set(err, "config: %s must not be negative", what);
    *out = json_object_get_uint64(v);
    return 0;
}

static int get_u32(json_object *o, const char *key, uint32_t *out, const char *what,
                   struct err *err)
{
    int64_t v = -1;
    if (!get(o, key))
        return 0;
    if (get_int64(o, key, &v, what, err))
        return -1;
    if (v < 0 || v > UINT32_MAX)
        return err__set(err, "config: %s out of range", what);
    *out = (uint32_t)v;
    return 0;
}

/* A NULL-terminated array of the strings of array field KEY (NULL when absent). */
static int get_strings(struct ct_spec *spec, json_object *o, const char *key, const char ***out,
                       const char *what, struct err *err)
{
    json_object *v = get(o, key);
    if (!v)
        return 0;
    if (want_type(v, json_type_array, what, err))
        return -1;
    size_t n = json_object_array_length(v);
    const char **a = spec_alloc(spec, (n + 1) * sizeof(*a));
    for (size_t i = 0; i < n; i++) {
        json_object *s = json_object_array_get_idx(v, i);
        if (!json_object_is_type(s, json_type_string))
            return err__set(err, "config: %s[%zu] must be a string", what, i);
        a[i] = json_object_get_string(s);
    }
    *out = a;
    return 0;
}

/* --- process ------------------------------------------------------------------------------ */

static const struct {
    const char *name;
    int resource;
} rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

static int parse_caps(json_object *caps, uint64_t out[CT_CAP_SETS], struct err *err)
{
    static const char *const set_names[CT_CAP_SETS] = {"bounding", "effective", "inheritable",
                                                       "permitted", "ambient"};
    for (int s = 0; s < CT_CAP_SETS; s++) {
        json_object *list = get(caps, set_names[s]);
        out[s] = 0;
        if (!list)
            continue;
        if (!json_object_is_type(list, json_type_array))
            return err__set(err, "config: process.capabilities.%s must be an array", set_names[s]);
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            const char *name = json_object_get_string(json_object_array_get_idx(list, i));
            char lower[64];
            size_t k = 0;
            for (; name && name[k] && k < sizeof(lower) - 1; k++)
                lower[k] = (char)tolower((unsigned char)name[k]);
            lower[k] = 0;
            cap_value_t cap;
            if (!name || cap_from_name(lower, &cap) < 0 || cap < 0 || cap >= 64)
                return err__set(err, "config: unknown capability '%s' in process.capabilities.%s",
                                name ? name : "?", set_names[s]);
            if (cap > CAP_LAST_CAP || !CAP_IS_SUPPORTED(cap))
                continue; /* a capability this kernel lacks: nothing to keep or drop */
            out[s] |= 1ull << cap;
        }
    }
    return 0;
}

static int parse_process(struct ct_spec *spec, struct ct_process *p, json_object *o,
                         struct err *err)
{
    memset(p, 0, sizeof(*p));
    if (!o)
        return err__set(err, "config: process is missing");
    if (want_type(o, json_type_object, "process", err))
        return -1;
    p->cwd = "/";
    if (get_bool(o, "terminal", &p->terminal, "process.terminal", err) ||
        get_string(o, "cwd", &p->cwd, "process.cwd", err) ||
        get_strings(spec, o, "args", &p->args, "process.args", err) ||
        get_strings(spec, o, "env", &p->env, "process.env", err) ||
        get_bool(o, "noNewPrivileges", &p->no_new_privileges, "process.noNewPrivileges", err))
        return -1;
    if (!p->args || !p->args[0])
        return err__set(err, "config: process.args must name a program");
    if (p->cwd[0] != '/')
        return err__set(err, "config: process.cwd must be absolute");
    if (!p->env) {
        p->env = spec_alloc(spec, sizeof(*p->env));
    }
    json_object *user = get(o, "user");
    if (user) {
        if (get_u32(user, "uid", &p->uid, "process.user.uid", err) ||
            get_u32(user, "gid", &p->gid, "process.user.gid", err))
            return -1;
        json_object *gids = get(user, "additionalGids");
        if (gids) {
            if (want_type(gids, json_type_array, "process.user.additionalGids", err))
                return -1;
            p->n_additional_gids = json_object_array_length(gids);
            p->additional_gids = spec_alloc(spec, p->n_additional_gids * sizeof(uint32_t));
            for (size_t i = 0; i < p->n_additional_gids; i++)
                p->additional_gids[i] =
                    (uint32_t)json_object_get_int64(json_object_array_get_idx(gids, i));
        }
    }
    json_object *caps = get(o, "capabilities");
    if (caps) {
        p->has_caps = true;
        if (parse_caps(caps, p->caps, err))
            return -1;
    }
    json_object *rl = get(o, "rlimits");
    if (rl) {
        if (want_type(rl, json_type_array, "process.rlimits", err))
            return -1;
        p->n_rlimits = json_object_array_length(rl);
        p->rlimits = spec_alloc(spec, p->n_rlimits * sizeof(*p->rlimits));
        for (size_t i = 0; i < p->n_rlimits; i++) {
            json_object *r = json_object_array_get_idx(rl, i);
            const char *type = NULL;
            if (get_string(r, "type", &type, "process.rlimits[].type", err) ||
                get_uint64(r, "soft", &p->rlimits[i].soft, "process.rlimits[].soft", err) ||
                get_uint64(r, "hard", &p->rlimits[i].hard, "process.rlimits[].hard", err))
                return -1;
            size_t k = 0;
            while (k < sizeof(rlimit_names) / sizeof(rlimit_names[0]) &&
                   (!type || strcmp(type, rlimit_names[k].name)))
                k++;
            if (k == sizeof(rlimit_names) / sizeof(rlimit_names[0]))
                return err__set(err, "config: unknown rlimit '%s'", type ? type : "?");
            p->rlimits[i].resource = rlimit_names[k].resource;
        }
    }
    int64_t adj = 0;
    if (get(o, "oomScoreAdj")) {
        if (get_int64(o, "oomScoreAdj", &adj, "process.oomScoreAdj", err))
            return -1;
        if (adj < -1000 || adj > 1000)
            return err__set(err, "config: process.oomScoreAdj out of range");
        p->has_oom_score_adj = true;
        p->oom_score_adj = (int)adj;
    }
    return 0;
}

/* --- mounts -------------------------------------------------------------------------------- */

static const struct {
    const char *name;
    bool clear;
    unsigned long flag;
} mount_flags[] = {
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},
    {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
};

static const struct {
    const char *name;
    unsigned long flag;
} propagation_flags[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

/* One mount option: a flag, a propagation, bind/rbind, or data for the filesystem. */
static void mount_option(struct ct_spec *spec, struct ct_mount *m, const char *opt)
{
    for (size_t i = 0; i < sizeof(mount_flags) / sizeof(mount_flags[0]); i++) {
        if (!strcmp(opt, mount_flags[i].name)) {
            if (mount_flags[i].clear)
                m->flags &= ~mount_flags[i].flag;
            else
                m->flags |= mount_flags[i].flag;
            return;
        }
    }
    for (size_t i = 0; i < sizeof(propagation_flags) / sizeof(propagation_flags[0]); i++) {
        if (!strcmp(opt, propagation_flags[i].name)) {
            m->propagation = propagation_flags[i].flag;
            return;
        }
    }
    if (!strcmp(opt, "bind")) {
        m->bind = true;
        m->flags |= MS_BIND;
        return;
    }
    if (!strcmp(opt, "rbind")) {
        m->bind = true;
        m->flags |= MS_BIND | MS_REC;
        return;
    }
    if (!strcmp(opt, "tmpcopyup") || !strcmp(opt, "idmap") || !strcmp(opt, "ridmap") ||
        !strcmp(opt, "copy-symlink") || !strncmp(opt, "x-", 2))
        return; /* runtime extensions and userspace hints: nothing for the kernel */
    size_t old = m->data ? strlen(m->data) : 0, add = strlen(opt);
    char *d = spec_alloc(spec, old + add + 2);
    if (old) {
        memcpy(d, m->data, old);
        d[old++] = ',';
    }
    memcpy(d + old, opt, add + 1);
    m->data = d;
}

static int parse_mounts(struct ct_spec *spec, json_object *list, struct err *err)
{
    if (!list)
        return 0;
    if (want_type(list, json_type_array, "mounts", err))
        return -1;
    spec->n_mounts = json_object_array_length(list);
    spec->mounts = spec_alloc(spec, spec->n_mounts * sizeof(*spec->mounts));
    for (size_t i = 0; i < spec->n_mounts; i++) {
        json_object *o = json_object_array_get_idx(list, i);
        struct ct_mount *m = &spec->mounts[i];
        const char **opts = NULL;
        if (get_string(o, "destination", &m->destination, "mounts[].destination", err) ||
            get_string(o, "source", &m->source, "mounts[].source", err) ||
            get_string(o, "type", &m->type, "mounts[].type", err) ||
            get_strings(spec, o, "options", &opts, "mounts[].options", err))
            return -1;
        if (!m->destination || m->destination[0] != '/')
            return err__set(err, "config: mounts[%zu].destination must be an absolute path", i);
        if (m->type && !strcmp(m->type, "bind")) {
            m->bind = true;
            m->flags |= MS_BIND;
        }
        for (size_t k = 0; opts && opts[k]; k++)
            mount_option(spec, m, opts[k]);
        if (m->bind && !m->source)
            return err__set(err, "config: bind mount on %s has no source", m->destination);
    }
    return 0;
}

/* --- linux --------------------------------------------------------------------------------- */

static int parse_idmaps(struct ct_spec *spec, json_object *list, struct ct_idmap **out, size_t *n,
                        const char *what, struct err *err)
{
    if (!list)
        return 0;
    if (want_type(list, json_type_array, what, err))
        return -1;
    *n = json_object_array_length(list);
    *out = spec_alloc(spec, *n * sizeof(**out));
    for (size_t i = 0; i < *n; i++) {
        json_object *o = json_object_array_get_idx(list, i);
        if (get_u32(o, "containerID", &(*out)[i].container_id, what, err) ||
            get_u32(o, "hostID", &(*out)[i].host_id, what, err) ||
            get_u32(o, "size", &(*out)[i].size, what, err))
            return -1;
    }
    return 0;
}

static int parse_namespaces(struct ct_spec *spec, json_object *list, struct err *err)
{
    if (!list)
        return 0;
    if (want_type(list, json_type_array, "linux.namespaces", err))
        return -1;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *o = json_object_array_get_idx(list, i);
        const char *type = NULL, *path = NULL;
        if (get_string(o, "type", &type, "linux.namespaces[].type", err) ||
            get_string(o, "path", &path, "linux.namespaces[].path", err))
            return -1;
        int t = 0;
        while (t < CT_NS_COUNT && (!type || strcmp(type, ns_table[t].name)))
            t++;
        if (t == CT_NS_COUNT)
            return err__set(err, "config: unknown namespace type '%s'", type ? type : "?");
        if (spec->ns[t].wanted)
            return err__set(err, "config: namespace '%s' listed twice", type);
        spec->ns[t].wanted = true;
        spec->ns[t].path = path && path[0] ? path : NULL;
    }
    return 0;
}

static int parse_resources(struct ct_spec *spec, json_object *o, struct err *err)
{
    struct ct_resources *r = &spec->resources;
    r->memory_limit = r->memory_swap = r->memory_reservation = r->memory_swappiness = -1;
    r->cpu_quota = -1;
    r->pids_limit = -1;
    if (!o)
        return 0;
    json_object *mem = get(o, "memory"), *cpu = get(o, "cpu"), *pids = get(o, "pids"),
                *blkio = get(o, "blockIO"), *dev = get(o, "devices");
    if (get_int64(mem, "limit", &r->memory_limit, "linux.resources.memory.limit", err) ||
        get_int64(mem, "swap", &r->memory_swap, "linux.resources.memory.swap", err) ||
        get_int64(mem, "reservation", &r->memory_reservation, "linux.resources.memory.reservation",
                  err) ||
        get_int64(mem, "swappiness", &r->memory_swappiness, "linux.resources.memory.swappiness",
                  err) ||
        get_bool(mem, "disableOOMKiller", &r->disable_oom_killer,
                 "linux.resources.memory.disableOOMKiller", err) ||
        get_int64(cpu, "quota", &r->cpu_quota, "linux.resources.cpu.quota", err) ||
        get_uint64(cpu, "period", &r->cpu_period, "linux.resources.cpu.period", err) ||
        get_uint64(cpu, "shares", &r->cpu_shares, "linux.resources.cpu.shares", err) ||
        get_string(cpu, "cpus", &r->cpuset_cpus, "linux.resources.cpu.cpus", err) ||
        get_string(cpu, "mems", &r->cpuset_mems, "linux.resources.cpu.mems", err) ||
        get_int64(pids, "limit", &r->pids_limit, "linux.resources.pids.limit", err))
        return -1;
    r->network = get(o, "network") != NULL;
    r->hugetlb =
        get(o, "hugepageLimits") != NULL && json_object_array_length(get(o, "hugepageLimits")) > 0;
    r->kernel_memory = get(mem, "kernel") != NULL || get(mem, "kernelTCP") != NULL;
    if (r->memory_swappiness > 100)
        return err__set(err, "config: linux.resources.memory.swappiness must be 0 to 100");
    if (blkio) {
        int64_t w = 0;
        if (get_int64(blkio, "weight", &w, "linux.resources.blockIO.weight", err))
            return -1;
        if (w && (w < 10 || w > 1000))
            return err__set(err, "config: linux.resources.blockIO.weight must be 10 to 1000");
        r->blkio_weight = (uint16_t)w;
    }
    if (dev) {
        if (want_type(dev, json_type_array, "linux.resources.devices", err))
            return -1;
        r->n_devices = json_object_array_length(dev);
        r->devices = spec_alloc(spec, r->n_devices * sizeof(*r->devices));
        for (size_t i = 0; i < r->n_devices; i++) {
            json_object *d = json_object_array_get_idx(dev, i);
            struct ct_device_rule *rule = &r->devices[i];
            const char *type = "a";
            rule->major = rule->minor = -1;
            rule->access = "rwm";
            if (get_bool(d, "allow", &rule->allow, "linux.resources.devices[].allow", err) ||
                get_string(d, "type", &type, "linux.resources.devices[].type", err) ||
                get_int64(d, "major", &rule->major, "linux.resources.devices[].major", err) ||
                get_int64(d, "minor", &rule->minor, "linux.resources.devices[].minor", err) ||
                get_string(d, "access", &rule->access, "linux.resources.devices[].access", err))
                return -1;
            if (strlen(type) != 1 || !strchr("acb", type[0]))
                return err__set(err, "config: device rule type '%s' is not a, c or b", type);
            if (strspn(rule->access, "rwm") != strlen(rule->access))
                return err__set(err, "config: device rule access '%s' is not of r, w, m",
                                rule->access);
            rule->type = type[0];
        }
    }
    return 0;
}

static const struct {
    const char *name;
    enum ct_seccomp_action action;
} seccomp_actions[] = {
    {"SCMP_ACT_KILL", CT_SECCOMP_KILL},
    {"SCMP_ACT_KILL_THREAD", CT_SECCOMP_KILL},
    {"SCMP_ACT_KILL_PROCESS", CT_SECCOMP_KILL_PROCESS},
    {"SCMP_ACT_TRAP", CT_SECCOMP_TRAP},
    {"SCMP_ACT_ERRNO", CT_SECCOMP_ERRNO},
    {"SCMP_ACT_TRACE", CT_SECCOMP_TRACE},
    {"SCMP_ACT_ALLOW", CT_SECCOMP_ALLOW},
    {"SCMP_ACT_LOG", CT_SECCOMP_LOG},
};

static int seccomp_action(const char *name, enum ct_seccomp_action *out, struct err *err)
{
    for (size_t i = 0; name && i < sizeof(seccomp_actions) / sizeof(seccomp_actions[0]); i++) {
        if (!strcmp(name, seccomp_actions[i].name)) {
            *out = seccomp_actions[i].action;
            return 0;
        }
    }
    return err__set(err, "config: unknown seccomp action '%s'", name ? name : "?");
}

static const struct {
    const char *name;
    int op;
} seccomp_ops[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static int parse_seccomp(struct ct_spec *spec, json_object *o, struct err *err)
{
    if (!o)
        return 0;
    struct ct_seccomp *s = spec_alloc(spec, sizeof(*s));
    const char *def = NULL;
    int64_t eret = 1; /* EPERM, as runc and crun default */
    if (get_string(o, "defaultAction", &def, "linux.seccomp.defaultAction", err) ||
        seccomp_action(def, &s->default_action, err) ||
        get_int64(o, "defaultErrnoRet", &eret, "linux.seccomp.defaultErrnoRet", err) ||
        get_strings(spec, o, "architectures", &s->architectures, "linux.seccomp.architectures",
                    err))
        return -1;
    s->default_errno_ret = (unsigned)eret;
    json_object *list = get(o, "syscalls");
    if (list) {
        if (want_type(list, json_type_array, "linux.seccomp.syscalls", err))
            return -1;
        s->n_rules = json_object_array_length(list);
        s->rules = spec_alloc(spec, s->n_rules * sizeof(*s->rules));
        for (size_t i = 0; i < s->n_rules; i++) {
            json_object *r = json_object_array_get_idx(list, i);
            struct ct_seccomp_rule *rule = &s->rules[i];
            const char *action = NULL;
            int64_t rr = 1;
            if (get_strings(spec, r, "names", &rule->names, "linux.seccomp.syscalls[].names",
                            err) ||
                get_string(r, "action", &action, "linux.seccomp.syscalls[].action", err) ||
                seccomp_action(action, &rule->action, err) ||
                get_int64(r, "errnoRet", &rr, "linux.seccomp.syscalls[].errnoRet", err))
                return -1;
            rule->errno_ret = (unsigned)rr;
            if (!rule->names)
                return err__set(err, "config: linux.seccomp.syscalls[%zu] has no names", i);
            json_object *args = get(r, "args");
            if (!args)
                continue;
            if (want_type(args, json_type_array, "linux.seccomp.syscalls[].args", err))
                return -1;
            rule->n_args = json_object_array_length(args);
            rule->args = spec_alloc(spec, rule->n_args * sizeof(*rule->args));
            for (size_t k = 0; k < rule->n_args; k++) {
                json_object *a = json_object_array_get_idx(args, k);
                struct ct_seccomp_arg *arg = &rule->args[k];
                uint64_t index = 0;
                const char *op = NULL;
                if (get_uint64(a, "index", &index, "seccomp args index", err) ||
                    get_uint64(a, "value", &arg->value, "seccomp args value", err) ||
                    get_uint64(a, "valueTwo", &arg->value_two, "seccomp args valueTwo", err) ||
                    get_string(a, "op", &op, "seccomp args op", err))
                    return -1;
                if (index > 5)
                    return err__set(err, "config: seccomp argument index %llu > 5",
                                    (unsigned long long)index);
                arg->index = (unsigned)index;
                size_t n = 0;
                while (n < sizeof(seccomp_ops) / sizeof(seccomp_ops[0]) &&
                       (!op || strcmp(op, seccomp_ops[n].name)))
                    n++;
                if (n == sizeof(seccomp_ops) / sizeof(seccomp_ops[0]))
                    return err__set(err, "config: unknown seccomp operator '%s'", op ? op : "?");
                arg->op = seccomp_ops[n].op;
            }
        }
    }
    spec->seccomp = s;
    return 0;
}

static int parse_hooks(struct ct_spec *spec, json_object *o, struct err *err)
{
    static const char *const names[CT_HOOK_KINDS] = {
        "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"};
    if (!o)
        return 0;
    for (int k = 0; k < CT_HOOK_KINDS; k++) {
        json_object *list = get(o, names[k]);
        if (!list)
            continue;
        if (want_type(list, json_type_array, "hooks", err))
            return -1;
        spec->n_hooks[k] = json_object_array_length(list);
        spec->hooks[k] = spec_alloc(spec, spec->n_hooks[k] * sizeof(struct ct_hook));
        for (size_t i = 0; i < spec->n_hooks[k]; i++) {
            json_object *h = json_object_array_get_idx(list, i);
            struct ct_hook *hook = &spec->hooks[k][i];
            int64_t timeout = 0;
            if (get_string(h, "path", &hook->path, "hooks[].path", err) ||
                get_strings(spec, h, "args", &hook->args, "hooks[].args", err) ||
                get_strings(spec, h, "env", &hook->env, "hooks[].env", err) ||
                get_int64(h, "timeout", &timeout, "hooks[].timeout", err))
                return -1;
            if (!hook->path || hook->path[0] != '/')
                return err__set(err, "config: hooks.%s[%zu].path must be absolute", names[k], i);
            if (timeout < 0 || timeout > 86400)
                return err__set(err, "config: hooks.%s[%zu].timeout out of range", names[k], i);
            hook->timeout_s = (int)timeout;
        }
    }
    return 0;
}

static int parse_devices(struct ct_spec *spec, json_object *list, struct err *err)
{
    if (!list)
        return 0;
    if (want_type(list, json_type_array, "linux.devices", err))
        return -1;
    spec->n_devices = json_object_array_length(list);
    spec->devices = spec_alloc(spec, spec->n_devices * sizeof(*spec->devices));
    for (size_t i = 0; i < spec->n_devices; i++) {
        json_object *o = json_object_array_get_idx(list, i);
        struct ct_device *d = &spec->devices[i];
        const char *type = NULL;
        d->major = d->minor = 0;
        if (get_string(o, "path", &d->path, "linux.devices[].path", err) ||
            get_string(o, "type", &type, "linux.devices[].type", err) ||
            get_int64(o, "major", &d->major, "linux.devices[].major", err) ||
            get_int64(o, "minor", &d->minor, "linux.devices[].minor", err))
            return -1;
        if (!d->path || strncmp(d->path, "/dev/", 5) || strstr(d->path, ".."))
            return err__set(err, "config: linux.devices[%zu].path must be below /dev", i);
        if (!type || strlen(type) != 1 || !strchr("cbup", type[0]))
            return err__set(err, "config: linux.devices[%zu].type must be c, b, u or p", i);
        d->type = type[0];
        d->has_mode = get(o, "fileMode") != NULL;
        d->has_uid = get(o, "uid") != NULL;
        d->has_gid = get(o, "gid") != NULL;
        if (get_u32(o, "fileMode", &d->file_mode, "linux.devices[].fileMode", err) ||
            get_u32(o, "uid", &d->uid, "linux.devices[].uid", err) ||
            get_u32(o, "gid", &d->gid, "linux.devices[].gid", err))
            return -1;
    }
    return 0;
}

static int parse_linux(struct ct_spec *spec, json_object *o, struct err *err)
{
    parse_resources(spec, NULL, err); /* defaults */
    if (!o)
        return 0;
    if (want_type(o, json_type_object, "linux", err) ||
        parse_namespaces(spec, get(o, "namespaces"), err) ||
        parse_idmaps(spec, get(o, "uidMappings"), &spec->uid_maps, &spec->n_uid_maps,
                     "linux.uidMappings", err) ||
        parse_idmaps(spec, get(o, "gidMappings"), &spec->gid_maps, &spec->n_gid_maps,
                     "linux.gidMappings", err) ||
        get_string(o, "cgroupsPath", &spec->cgroups_path, "linux.cgroupsPath", err) ||
        parse_devices(spec, get(o, "devices"), err) ||
        parse_resources(spec, get(o, "resources"), err) ||
        get_strings(spec, o, "maskedPaths", &spec->masked_paths, "linux.maskedPaths", err) ||
        get_strings(spec, o, "readonlyPaths", &spec->readonly_paths, "linux.readonlyPaths", err) ||
        parse_seccomp(spec, get(o, "seccomp"), err))
        return -1;
    const char *prop = NULL;
    if (get_string(o, "rootfsPropagation", &prop, "linux.rootfsPropagation", err))
        return -1;
    if (prop) {
        size_t i = 0;
        while (i < sizeof(propagation_flags) / sizeof(propagation_flags[0]) &&
               strcmp(prop, propagation_flags[i].name))
            i++;
        if (i == sizeof(propagation_flags) / sizeof(propagation_flags[0]))
            return err__set(err, "config: unknown linux.rootfsPropagation '%s'", prop);
        spec->rootfs_propagation = propagation_flags[i].flag;
    }
    json_object *sysctl = get(o, "sysctl");
    if (sysctl) {
        if (want_type(sysctl, json_type_object, "linux.sysctl", err))
            return -1;
        spec->sysctls =
            spec_alloc(spec, (size_t)json_object_object_length(sysctl) * sizeof(*spec->sysctls));
        json_object_object_foreach(sysctl, key, val)
        {
            if (!json_object_is_type(val, json_type_string))
                return err__set(err, "config: linux.sysctl.%s must be a string", key);
            spec->sysctls[spec->n_sysctls].key = key;
            spec->sysctls[spec->n_sysctls++].value = json_object_get_string(val);
        }
    }
    if (spec->ns[CT_NS_USER].wanted && !spec->ns[CT_NS_USER].path &&
        (!spec->n_uid_maps || !spec->n_gid_maps))
        return err__set(err, "config: a new user namespace needs linux.uidMappings and "
                             "linux.gidMappings");
    return 0;
}

static int parse_doc(struct ct_spec *spec, const char *json, json_object **out, struct err *err)
{
    enum json_tokener_error jerr;
    json_object *doc = json_tokener_parse_verbose(json, &jerr);
    if (!doc)
        return err__set(err, "config: not JSON: %s", json_tokener_error_desc(jerr));
    if (!spec->doc) {
        spec->doc = doc;
    } else {
        /* a second document (exec's process.json) lives as long as the spec */
        json_object_object_add(spec->doc, "\x01strata-process", doc);
    }
    if (!json_object_is_type(doc, json_type_object))
        return err__set(err, "config: the document is not a JSON object");
    *out = doc;
    return 0;
}

int ct_spec__parse(struct ct_spec *spec, const char *json, struct err *err)
{
    memset(spec, 0, sizeof(*spec));
    json_object *doc;
    if (parse_doc(spec, json, &doc, err))
        return -1;
    json_object *root = get(doc, "root");
    if (get_string(doc, "ociVersion", &spec->oci_version, "ociVersion", err) ||
        get_string(root, "path", &spec->root_path, "root.path", err) ||
        get_bool(root, "readonly", &spec->root_readonly, "root.readonly", err) ||
        get_string(doc, "hostname", &spec->hostname, "hostname", err) ||
        parse_process(spec, &spec->process, get(doc, "process"), err) ||
        parse_mounts(spec, get(doc, "mounts"), err) || parse_linux(spec, get(doc, "linux"), err) ||
        parse_hooks(spec, get(doc, "hooks"), err))
        return -1;
    if (!spec->oci_version)
        return err__set(err, "config: ociVersion is missing");
    if (!spec->root_path)
        return err__set(err, "config: root.path is missing");
    json_object *ann = get(doc, "annotations");
    spec->annotations_json =
        ann ? json_object_to_json_string_ext(ann, JSON_C_TO_STRING_PLAIN) : "{}";
    return 0;
}

int ct_spec__parse_process(struct ct_spec *spec, struct ct_process *proc, const char *json,
                           struct err *err)
{
    json_object *doc;
    if (parse_doc(spec, json, &doc, err))
        return -1;
    return parse_process(spec, proc, doc, err);
}

int ct_spec__load(struct ct_spec *spec, const char *path, struct err *err)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        memset(spec, 0, sizeof(*spec));
        return err__set_errno(err, errno, "cannot open %s", path);
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        fwrite(chunk, 1, n, mem);
    fclose(f);
    fclose(mem);
    int rc = ct_spec__parse(spec, buf, err);
    free(buf);
    return rc;
}
