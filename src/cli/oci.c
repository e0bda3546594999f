// SPDX-License-Identifier: Apache-2.0
/*
 * oci.c - `strata oci` (also the strata-oci binary): the OCI runtime command
 * line as runc and crun have it (runtime-spec runtime.md operations plus
 * runc's CLI conventions): global options, then create, start, state, kill,
 * delete, features, spec, exec, ps, run. A thin layer over src/ct/; the
 * verbs that need more than a few lines are in oci_exec.c.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/oci.h"
#include "ct/cgroup.h"
#include "ct/container.h"
#include "ct/fmt.h"
#include "ct/spec.h"
#include "ct/spec_default.h"
#include "ct/state.h"

static struct oci_globals g;

/* An error: on stderr, and in --log (a JSON line with --log-format=json, as runc writes). */
int oci__fail(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "strata-oci: %s\n", msg);
    if (g.log) {
        FILE *f = fopen(g.log, "ae");
        if (f) {
            if (g.log_json) {
                char ts[40];
                time_t t = time(NULL);
                struct tm tm;
                gmtime_r(&t, &tm);
                strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
                json_object *o = json_object_new_object();
                json_object_object_add(o, "level", json_object_new_string("error"));
                json_object_object_add(o, "msg", json_object_new_string(msg));
                json_object_object_add(o, "time", json_object_new_string(ts));
                fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
                json_object_put(o);
            } else {
                fprintf(f, "strata-oci: %s\n", msg);
            }
            fclose(f);
        }
    }
    return 1;
}

const struct oci_globals *oci__globals(void)
{
    return &g;
}

/* runc's signal argument: "KILL", "SIGKILL" or "9". */
int oci__parse_signal(const char *s)
{
    if (!s)
        return SIGTERM;
    char *end;
    long n = strtol(s, &end, 10);
    if (*s && !*end)
        return n > 0 && n < NSIG ? (int)n : -1;
    if (!strncasecmp(s, "SIG", 3))
        s += 3;
    for (int i = 1; i < NSIG; i++) {
        const char *abbrev = sigabbrev_np(i);
        if (abbrev && !strcasecmp(abbrev, s))
            return i;
    }
    return -1;
}

static int one_id(int argc, char **argv, const char *verb)
{
    if (optind != argc - 1) {
        oci__fail("%s: want exactly one container id", verb);
        return -1;
    }
    (void)argv;
    return optind;
}

static int cmd_create(int argc, char **argv, bool run)
{
    static const struct option opts[] = {{"bundle", required_argument, NULL, 'b'},
                                         {"pid-file", required_argument, NULL, 'p'},
                                         {"console-socket", required_argument, NULL, 'c'},
                                         {"no-pivot", no_argument, NULL, 'P'},
                                         {"no-new-keyring", no_argument, NULL, 'K'},
                                         {"preserve-fds", required_argument, NULL, 'f'},
                                         {"detach", no_argument, NULL, 'd'},
                                         {"keep", no_argument, NULL, 'k'},
                                         {NULL, 0, NULL, 0}};
    const char *bundle = ".", *pid_file = NULL, *console = NULL;
    bool detach = false;
    int c;
    while ((c = getopt_long(argc, argv, "b:d", opts, NULL)) != -1) {
        switch (c) {
        case 'b': bundle = optarg; break;
        case 'p': pid_file = optarg; break;
        case 'c': console = optarg; break;
        case 'd': detach = true; break;
        case 'P':
        case 'K':
        case 'f':
        case 'k': break; /* accepted for runc compatibility; nothing to do */
        default: return oci__fail("%s: bad option (see strata oci --help)", argv[0]);
        }
    }
    int i = one_id(argc, argv, argv[0]);
    if (i < 0)
        return 1;
    const char *id = argv[i];
    char abs_bundle[PATH_MAX], cfg[PATH_MAX], abs_pid[PATH_MAX];
    if (!realpath(bundle, abs_bundle))
        return oci__fail("bundle %s: %s", bundle, strerror(errno));
    if (pid_file && pid_file[0] != '/') {
        char cwd[PATH_MAX];
        if (getcwd(cwd, sizeof(cwd)))
            ct_fmt(abs_pid, sizeof(abs_pid), "%s/%s", cwd, pid_file);
        pid_file = abs_pid;
    }
    ct_fmt(cfg, sizeof(cfg), "%s/config.json", abs_bundle);
    struct ct_spec spec;
    struct err err;
    if (ct_spec__load(&spec, cfg, &err)) {
        ct_spec__free(&spec);
        return oci__fail("%s", err.msg);
    }
    if (spec.process.terminal && !console && !run) {
        ct_spec__free(&spec);
        return oci__fail("process.terminal is set: --console-socket is required");
    }
    if (g.systemd_cgroup) {
        ct_spec__free(&spec);
        return oci__fail("--systemd-cgroup: strata has no systemd cgroup driver; use the "
                         "cgroupfs manager (podman --cgroup-manager=cgroupfs)");
    }
    struct ct_create_opts o = {.id = id,
                               .state_root = g.root,
                               .bundle = abs_bundle,
                               .config_path = cfg,
                               .console_socket = console,
                               .console_fd = -1,
                               .pid_file = pid_file};
    pid_t pid;
    int rc = ct_container__create(&spec, &o, &pid, &err);
    ct_spec__free(&spec);
    if (rc)
        return oci__fail("%s", err.msg);
    if (!run)
        return 0;
    if (ct_container__start(g.root, id, &err))
        return oci__fail("%s", err.msg);
    if (detach)
        return 0;
    int ws;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        ;
    if (ct_container__delete(g.root, id, true, &err))
        return oci__fail("%s", err.msg);
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

static int cmd_simple(int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
                                         {"all", no_argument, NULL, 'a'},
                                         {"format", required_argument, NULL, 'F'},
                                         {NULL, 0, NULL, 0}};
    bool force = false, all = false;
    const char *format = "table";
    int c;
    while ((c = getopt_long(argc, argv, "faF:", opts, NULL)) != -1) {
        switch (c) {
        case 'f': force = true; break;
        case 'a': all = true; break;
        case 'F': format = optarg; break;
        default: return oci__fail("%s: bad option", argv[0]);
        }
    }
    const char *verb = argv[0];
    struct err err;
    if (!strcmp(verb, "kill")) {
        if (optind != argc - 1 && optind != argc - 2)
            return oci__fail("kill: want a container id and an optional signal");
        int sig = oci__parse_signal(optind == argc - 2 ? argv[optind + 1] : NULL);
        if (sig < 0)
            return oci__fail("kill: unknown signal '%s'", argv[optind + 1]);
        if (ct_container__kill(g.root, argv[optind], sig, all, &err))
            return oci__fail("%s", err.msg);
        return 0;
    }
    int i = one_id(argc, argv, verb);
    if (i < 0)
        return 1;
    if (!strcmp(verb, "start")) {
        if (ct_container__start(g.root, argv[i], &err))
            return oci__fail("%s", err.msg);
        return 0;
    }
    if (!strcmp(verb, "delete")) {
        if (ct_container__delete(g.root, argv[i], force, &err))
            return oci__fail("%s", err.msg);
        return 0;
    }
    if (!strcmp(verb, "state")) {
        char *json;
        if (ct_container__state_json(g.root, argv[i], &json, &err))
            return oci__fail("%s", err.msg);
        printf("%s\n", json);
        free(json);
        return 0;
    }
    /* ps */
    char dir[PATH_MAX];
    struct ct_state st;
    if (ct_container__load(g.root, argv[i], dir, sizeof(dir), &st, NULL, &err))
        return oci__fail("%s", err.msg);
    struct ct_cgroup cg = {.v2 = st.cgroup_v2};
    ct_fmt(cg.path, sizeof(cg.path), "%s", st.cgroup_path);
    pid_t *pids;
    size_t n;
    if (ct_cgroup__pids(&cg, &pids, &n, &err))
        return oci__fail("%s", err.msg);
    if (!strcmp(format, "json")) {
        printf("[");
        for (size_t k = 0; k < n; k++)
            printf("%s%d", k ? "," : "", (int)pids[k]);
        printf("]\n");
    } else {
        printf("PID\n");
        for (size_t k = 0; k < n; k++)
            printf("%d\n", (int)pids[k]);
    }
    free(pids);
    return 0;
}

static int cmd_spec(int argc, char **argv)
{
    static const struct option opts[] = {{"bundle", required_argument, NULL, 'b'},
                                         {"rootless", no_argument, NULL, 'r'},
                                         {NULL, 0, NULL, 0}};
    const char *bundle = ".";
    bool rootless = false;
    int c;
    while ((c = getopt_long(argc, argv, "b:", opts, NULL)) != -1) {
        switch (c) {
        case 'b': bundle = optarg; break;
        case 'r': rootless = true; break;
        default: return oci__fail("spec: bad option");
        }
    }
    if (optind != argc)
        return oci__fail("spec: takes no arguments");
    struct ct_default_opts o = {.root_path = "rootfs",
                                .terminal = true,
                                .rootless = rootless,
                                .share_net = rootless,
                                .memory = -1,
                                .pids = -1};
    o.uid_maps[0] = (struct ct_idmap){0, (uint32_t)getuid(), 1};
    o.gid_maps[0] = (struct ct_idmap){0, (uint32_t)getgid(), 1};
    o.n_uid_maps = o.n_gid_maps = 1;
    char path[PATH_MAX];
    ct_fmt(path, sizeof(path), "%s/config.json", bundle);
    if (access(path, F_OK) == 0)
        return oci__fail("spec: %s already exists", path);
    char *text = ct_spec__default_json(&o);
    FILE *f = fopen(path, "we");
    if (!f) {
        free(text);
        return oci__fail("spec: cannot create %s: %s", path, strerror(errno));
    }
    fprintf(f, "%s\n", text);
    free(text);
    return fclose(f) ? oci__fail("spec: cannot write %s", path) : 0;
}

static int cmd_features(void)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ociVersionMin", json_object_new_string("1.0.0"));
    json_object_object_add(o, "ociVersionMax", json_object_new_string("1.0.2"));
    json_object *hooks = json_object_new_array();
    const char *hook_names[] = {"prestart",       "createRuntime", "createContainer",
                                "startContainer", "poststart",     "poststop"};
    for (size_t i = 0; i < 6; i++)
        json_object_array_add(hooks, json_object_new_string(hook_names[i]));
    json_object_object_add(o, "hooks", hooks);
    json_object *mo = json_object_new_array();
    const char *mount_opts[] = {
        "async",         "atime",   "bind",    "dev",         "diratime", "dirsync", "exec",
        "mand",          "noatime", "nodev",   "nodiratime",  "noexec",   "nomand",  "norelatime",
        "nostrictatime", "nosuid",  "private", "rbind",       "relatime", "remount", "ro",
        "rprivate",      "rshared", "rslave",  "runbindable", "rw",       "shared",  "slave",
        "strictatime",   "suid",    "sync",    "unbindable"};
    for (size_t i = 0; i < sizeof(mount_opts) / sizeof(mount_opts[0]); i++)
        json_object_array_add(mo, json_object_new_string(mount_opts[i]));
    json_object_object_add(o, "mountOptions", mo);
    json_object *lx = json_object_new_object();
    json_object *ns = json_object_new_array();
    for (int t = 0; t < CT_NS_COUNT; t++)
        json_object_array_add(ns, json_object_new_string(ct_ns__name(t)));
    json_object_object_add(lx, "namespaces", ns);
    json_object *cg = json_object_new_object();
    json_object_object_add(cg, "v1", json_object_new_boolean(true));
    json_object_object_add(cg, "v2", json_object_new_boolean(true));
    json_object_object_add(cg, "systemd", json_object_new_boolean(false));
    json_object_object_add(cg, "systemdUser", json_object_new_boolean(false));
    json_object_object_add(lx, "cgroup", cg);
    json_object *sc = json_object_new_object();
    json_object_object_add(sc, "enabled", json_object_new_boolean(true));
    json_object *acts = json_object_new_array();
    const char *actions[] = {"SCMP_ACT_ALLOW",        "SCMP_ACT_ERRNO",       "SCMP_ACT_KILL",
                             "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
                             "SCMP_ACT_TRACE",        "SCMP_ACT_TRAP"};
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        json_object_array_add(acts, json_object_new_string(actions[i]));
    json_object_object_add(sc, "actions", acts);
    json_object *ops = json_object_new_array();
    const char *operators[] = {"SCMP_CMP_EQ", "SCMP_CMP_GE",        "SCMP_CMP_GT", "SCMP_CMP_LE",
                               "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"};
    for (size_t i = 0; i < sizeof(operators) / sizeof(operators[0]); i++)
        json_object_array_add(ops, json_object_new_string(operators[i]));
    json_object_object_add(sc, "operators", ops);
    json_object_object_add(lx, "seccomp", sc);
    json_object_object_add(o, "linux", lx);
    printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
    json_object_put(o);
    return 0;
}

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: strata oci [global options] COMMAND [options] ID\n"
        "\n"
        "An OCI runtime (runtime-spec 1.0.2) with runc's command line; podman can use it\n"
        "as `podman --runtime /path/to/strata-oci`.\n"
        "\n"
        "global options:\n"
        "  --root DIR           state directory (default /run/strata/oci)\n"
        "  --log FILE           also write errors to FILE\n"
        "  --log-format text|json\n"
        "  --systemd-cgroup     refused: strata has no systemd cgroup driver\n"
        "  --debug, --rootless  accepted, no effect\n"
        "\n"
        "commands:\n"
        "  create [--bundle DIR] [--pid-file F] [--console-socket S] ID\n"
        "  start ID             run the created container's process\n"
        "  state ID             the state as JSON\n"
        "  kill [--all] ID [SIGNAL]\n"
        "  delete [--force] ID\n"
        "  exec [--process F | options] [--detach] [--pid-file F] [--tty] [--console-socket S]\n"
        "       ID [COMMAND...]\n"
        "  ps [--format table|json] ID\n"
        "  run [--bundle DIR] [--detach] ID   create + start (+ wait and delete)\n"
        "  spec [--bundle DIR] [--rootless]    write a default config.json\n"
        "  features             what this runtime supports, as JSON\n");
}

int cli__oci(int argc, char **argv)
{
    static const struct option opts[] = {{"root", required_argument, NULL, 'r'},
                                         {"log", required_argument, NULL, 'l'},
                                         {"log-format", required_argument, NULL, 'f'},
                                         {"log-level", required_argument, NULL, 'L'},
                                         {"systemd-cgroup", no_argument, NULL, 's'},
                                         {"debug", no_argument, NULL, 'd'},
                                         {"rootless", required_argument, NULL, 'R'},
                                         {"criu", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, 'v'},
                                         {NULL, 0, NULL, 0}};
    static char root[PATH_MAX];
    memset(&g, 0, sizeof(g));
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
        switch (c) {
        case 'r': g.root = optarg; break;
        case 'l': g.log = optarg; break;
        case 'f':
            if (strcmp(optarg, "json") && strcmp(optarg, "text"))
                return oci__fail("--log-format must be text or json");
            g.log_json = !strcmp(optarg, "json");
            break;
        case 's': g.systemd_cgroup = true; break;
        case 'd':
        case 'L':
        case 'R':
        case 'c': break;
        case 'h': usage(stdout); return 0;
        case 'v': printf("strata-oci version 0.1.0\nspec: 1.0.2\n"); return 0;
        default: usage(stderr); return EXIT_STATUS_USAGE_OCI;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EXIT_STATUS_USAGE_OCI;
    }
    if (!g.root) {
        struct err err;
        if (ct_state__default_root("oci", root, sizeof(root), &err))
            return oci__fail("%s", err.msg);
        g.root = root;
    }
    char **vargv = argv + optind;
    int vargc = argc - optind;
    const char *verb = vargv[0];
    optind = 1;
    if (!strcmp(verb, "create"))
        return cmd_create(vargc, vargv, false);
    if (!strcmp(verb, "run"))
        return cmd_create(vargc, vargv, true);
    if (!strcmp(verb, "start") || !strcmp(verb, "state") || !strcmp(verb, "kill") ||
        !strcmp(verb, "delete") || !strcmp(verb, "ps"))
        return cmd_simple(vargc, vargv);
    if (!strcmp(verb, "exec"))
        return oci__exec(vargc, vargv);
    if (!strcmp(verb, "spec"))
        return cmd_spec(vargc, vargv);
    if (!strcmp(verb, "features"))
        return cmd_features();
    if (!strcmp(verb, "help")) {
        usage(stdout);
        return 0;
    }
    return oci__fail("unknown command '%s' (try --help)", verb);
}
