// SPDX-License-Identifier: Apache-2.0
/*
 * spec_default.c - builds the default config.json with json-c; see
 * spec_default.h. The mounts, masked and read-only paths are runc's `spec`
 * template (runtime-spec v1.0.2); the capability list is Docker's default.
 */
#include "ct/spec_default.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

const char *const ct_seccomp_denied[] = {
    /* the kernel itself: modules, kexec, swap, reboot-class and clock changes */
    "init_module", "finit_module", "delete_module", "create_module", "kexec_load",
    "kexec_file_load", "swapon", "swapoff", "acct", "settimeofday", "clock_settime",
    "clock_adjtime", "stime", "syslog", "quotactl", "nfsservctl", "iopl", "ioperm",
    /* obsolete or unsafe to expose: */
    "uselib", "ustat", "sysfs", "_sysctl", "vm86", "vm86old", "lookup_dcookie", "get_kernel_syms",
    "query_module",
    /* escape and attack surface: handles on host files, bpf, perf, keyrings, userfaultfd */
    "open_by_handle_at", "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key",
    "request_key", "fanotify_init", "pivot_root", NULL};

static const char *const default_caps[] = {"CAP_CHOWN",
                                           "CAP_DAC_OVERRIDE",
                                           "CAP_FSETID",
                                           "CAP_FOWNER",
                                           "CAP_MKNOD",
                                           "CAP_NET_RAW",
                                           "CAP_SETGID",
                                           "CAP_SETUID",
                                           "CAP_SETFCAP",
                                           "CAP_SETPCAP",
                                           "CAP_NET_BIND_SERVICE",
                                           "CAP_SYS_CHROOT",
                                           "CAP_KILL",
                                           "CAP_AUDIT_WRITE",
                                           NULL};
static const char *const runc_caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                                        NULL};

static const char *const masked[] = {"/proc/acpi",
                                     "/proc/asound",
                                     "/proc/kcore",
                                     "/proc/keys",
                                     "/proc/latency_stats",
                                     "/proc/timer_list",
                                     "/proc/timer_stats",
                                     "/proc/sched_debug",
                                     "/sys/firmware",
                                     "/proc/scsi",
                                     NULL};
static const char *const readonly[] = {"/proc/bus",           "/proc/fs", "/proc/irq", "/proc/sys",
                                       "/proc/sysrq-trigger", NULL};

static json_object *strings(const char *const *s)
{
    json_object *a = json_object_new_array();
    for (; s && *s; s++)
        json_object_array_add(a, json_object_new_string(*s));
    return a;
}

static void add_mount(json_object *mounts, const char *dest, const char *type, const char *src,
                      const char *const *opts)
{
    json_object *m = json_object_new_object();
    json_object_object_add(m, "destination", json_object_new_string(dest));
    json_object_object_add(m, "type", json_object_new_string(type));
    json_object_object_add(m, "source", json_object_new_string(src));
    json_object_object_add(m, "options", strings(opts));
    json_object_array_add(mounts, m);
}

static json_object *idmaps(const struct ct_idmap *m, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "containerID", json_object_new_int64(m[i].container_id));
        json_object_object_add(o, "hostID", json_object_new_int64(m[i].host_id));
        json_object_object_add(o, "size", json_object_new_int64(m[i].size));
        json_object_array_add(a, o);
    }
    return a;
}

static json_object *process(const struct ct_default_opts *o)
{
    static const char *const sh[] = {"sh", NULL};
    static const char *const env[] = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL};
    json_object *p = json_object_new_object();
    json_object_object_add(p, "terminal", json_object_new_boolean(o->terminal));
    json_object *user = json_object_new_object();
    json_object_object_add(user, "uid", json_object_new_int(0));
    json_object_object_add(user, "gid", json_object_new_int(0));
    json_object_object_add(p, "user", user);
    json_object_object_add(p, "args", strings(o->args ? o->args : sh));
    json_object_object_add(p, "env", strings(env));
    json_object_object_add(p, "cwd", json_object_new_string("/"));
    json_object *caps = json_object_new_object();
    const char *const *list = o->ct ? default_caps : runc_caps;
    json_object_object_add(caps, "bounding", strings(list));
    json_object_object_add(caps, "effective", strings(list));
    json_object_object_add(caps, "permitted", strings(list));
    json_object_object_add(p, "capabilities", caps);
    json_object *rl = json_object_new_array(), *nofile = json_object_new_object();
    json_object_object_add(nofile, "type", json_object_new_string("RLIMIT_NOFILE"));
    json_object_object_add(nofile, "hard", json_object_new_int(1024));
    json_object_object_add(nofile, "soft", json_object_new_int(1024));
    json_object_array_add(rl, nofile);
    json_object_object_add(p, "rlimits", rl);
    json_object_object_add(p, "noNewPrivileges", json_object_new_boolean(true));
    return p;
}

static json_object *mounts(const struct ct_default_opts *o)
{
    json_object *m = json_object_new_array();
    add_mount(m, "/proc", "proc", "proc", NULL);
    add_mount(m, "/dev", "tmpfs", "tmpfs",
              (const char *const[]){"nosuid", "strictatime", "mode=755", "size=65536k", NULL});
    add_mount(m, "/dev/pts", "devpts", "devpts",
              (const char *const[]){"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
                                    o->rootless ? NULL : "gid=5", NULL});
    add_mount(m, "/dev/shm", "tmpfs", "shm",
              (const char *const[]){"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL});
    add_mount(m, "/dev/mqueue", "mqueue", "mqueue",
              (const char *const[]){"nosuid", "noexec", "nodev", NULL});
    if (o->rootless && o->share_net)
        add_mount(m, "/sys", "none", "/sys",
                  (const char *const[]){"rbind", "nosuid", "noexec", "nodev", "ro", NULL});
    else
        add_mount(m, "/sys", "sysfs", "sysfs",
                  (const char *const[]){"nosuid", "noexec", "nodev", "ro", NULL});
    add_mount(m, "/sys/fs/cgroup", "cgroup", "cgroup",
              (const char *const[]){"nosuid", "noexec", "nodev", "relatime", "ro", NULL});
    for (size_t i = 0; i < o->n_volumes; i++)
        add_mount(m, o->volumes[i].guest, "bind", o->volumes[i].host,
                  (const char *const[]){"rbind", o->volumes[i].readonly ? "ro" : "rw", NULL});
    return m;
}

static json_object *resources(const struct ct_default_opts *o)
{
    json_object *r = json_object_new_object();
    json_object *dev = json_object_new_array(), *deny = json_object_new_object();
    json_object_object_add(deny, "allow", json_object_new_boolean(false));
    json_object_object_add(deny, "access", json_object_new_string("rwm"));
    json_object_array_add(dev, deny);
    json_object_object_add(r, "devices", dev);
    if (o->memory >= 0) {
        json_object *mem = json_object_new_object();
        json_object_object_add(mem, "limit", json_object_new_int64(o->memory));
        json_object_object_add(r, "memory", mem);
    }
    if (o->pids >= 0) {
        json_object *pids = json_object_new_object();
        json_object_object_add(pids, "limit", json_object_new_int64(o->pids));
        json_object_object_add(r, "pids", pids);
    }
    if (o->cpus_milli) {
        json_object *cpu = json_object_new_object();
        json_object_object_add(cpu, "period", json_object_new_int64(100000));
        json_object_object_add(cpu, "quota", json_object_new_int64((int64_t)o->cpus_milli * 100));
        json_object_object_add(r, "cpu", cpu);
    }
    if (o->io_weight) {
        json_object *io = json_object_new_object();
        json_object_object_add(io, "weight", json_object_new_int((int)o->io_weight));
        json_object_object_add(r, "blockIO", io);
    }
    return r;
}

static json_object *seccomp(void)
{
    json_object *s = json_object_new_object();
    json_object_object_add(s, "defaultAction", json_object_new_string("SCMP_ACT_ALLOW"));
    json_object_object_add(
        s, "architectures",
        strings((const char *const[]){"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL}));
    json_object *rules = json_object_new_array(), *deny = json_object_new_object();
    json_object_object_add(deny, "names", strings(ct_seccomp_denied));
    json_object_object_add(deny, "action", json_object_new_string("SCMP_ACT_ERRNO"));
    json_object_object_add(deny, "errnoRet", json_object_new_int(1));
    json_object_array_add(rules, deny);
    json_object_object_add(s, "syscalls", rules);
    return s;
}

char *ct_spec__default_json(const struct ct_default_opts *o)
{
    json_object *c = json_object_new_object();
    json_object_object_add(c, "ociVersion", json_object_new_string("1.0.2"));
    json_object_object_add(c, "process", process(o));
    json_object *root = json_object_new_object();
    json_object_object_add(root, "path", json_object_new_string(o->root_path));
    json_object_object_add(root, "readonly", json_object_new_boolean(!o->ct));
    json_object_object_add(c, "root", root);
    json_object_object_add(c, "hostname",
                           json_object_new_string(o->hostname ? o->hostname : "strata"));
    json_object_object_add(c, "mounts", mounts(o));
    json_object *lx = json_object_new_object();
    if (o->rootless) {
        json_object_object_add(lx, "uidMappings", idmaps(o->uid_maps, o->n_uid_maps));
        json_object_object_add(lx, "gidMappings", idmaps(o->gid_maps, o->n_gid_maps));
    } else {
        json_object_object_add(lx, "resources", resources(o));
    }
    json_object *ns = json_object_new_array();
    const char *types[] = {"pid", "network", "ipc", "uts", "mount", "cgroup", "user"};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if ((!strcmp(types[i], "network") && o->share_net) ||
            (!strcmp(types[i], "user") && !o->rootless))
            continue;
        json_object *n = json_object_new_object();
        json_object_object_add(n, "type", json_object_new_string(types[i]));
        json_object_array_add(ns, n);
    }
    json_object_object_add(lx, "namespaces", ns);
    json_object_object_add(lx, "maskedPaths", strings(masked));
    json_object_object_add(lx, "readonlyPaths", strings(readonly));
    if (o->ct)
        json_object_object_add(lx, "seccomp", seccomp());
    json_object_object_add(c, "linux", lx);
    char *text = strdup(json_object_to_json_string_ext(
        c, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(c);
    return text;
}
