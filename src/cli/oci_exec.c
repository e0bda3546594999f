// SPDX-License-Identifier: Apache-2.0
/*
 * oci_exec.c - `strata oci exec`: a new process in a running container, from
 * a runtime-spec process object (--process FILE, as podman's conmon passes
 * it) or from the container's own process with the command line's
 * arguments, --cwd, --env, --user and --tty over it (runc's exec options).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/oci.h"
#include "ct/container.h"
#include "ct/fmt.h"
#include "ct/spec.h"

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        fwrite(chunk, 1, n, mem);
    fclose(f);
    fclose(mem);
    return buf;
}

int oci__exec(int argc, char **argv)
{
    static const struct option opts[] = {{"process", required_argument, NULL, 'p'},
                                         {"detach", no_argument, NULL, 'd'},
                                         {"pid-file", required_argument, NULL, 'P'},
                                         {"console-socket", required_argument, NULL, 'c'},
                                         {"tty", no_argument, NULL, 't'},
                                         {"cwd", required_argument, NULL, 'w'},
                                         {"env", required_argument, NULL, 'e'},
                                         {"user", required_argument, NULL, 'u'},
                                         {"no-new-privs", no_argument, NULL, 'n'},
                                         {"preserve-fds", required_argument, NULL, 'f'},
                                         {NULL, 0, NULL, 0}};
    const struct oci_globals *g = oci__globals();
    const char *process = NULL, *cwd = NULL, *user = NULL;
    struct ct_exec_opts eo = {.console_fd = -1};
    bool tty = false, nnp = false;
    const char *envs[64];
    size_t n_env = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+p:dP:tw:e:u:", opts, NULL)) != -1) {
        switch (c) {
        case 'p': process = optarg; break;
        case 'd': eo.detach = true; break;
        case 'P': eo.pid_file = optarg; break;
        case 'c': eo.console_socket = optarg; break;
        case 't': tty = true; break;
        case 'w': cwd = optarg; break;
        case 'e':
            if (n_env == 63)
                return oci__fail("exec: too many --env");
            envs[n_env++] = optarg;
            break;
        case 'u': user = optarg; break;
        case 'n': nnp = true; break;
        case 'f': break;
        default: return oci__fail("exec: bad option");
        }
    }
    if (optind >= argc)
        return oci__fail("exec: want a container id");
    const char *id = argv[optind++];
    char dir[PATH_MAX];
    struct ct_state st;
    struct ct_spec spec;
    struct err err;
    if (ct_container__load(g->root, id, dir, sizeof(dir), &st, &spec, &err))
        return oci__fail("%s", err.msg);
    struct ct_process proc;
    if (process) {
        char *text = read_all(process);
        if (!text) {
            ct_spec__free(&spec);
            return oci__fail("exec: cannot read %s: %s", process, strerror(errno));
        }
        int rc = ct_spec__parse_process(&spec, &proc, text, &err);
        free(text);
        if (rc) {
            ct_spec__free(&spec);
            return oci__fail("exec: %s", err.msg);
        }
    } else {
        if (optind >= argc) {
            ct_spec__free(&spec);
            return oci__fail("exec: want a command (or --process)");
        }
        proc = spec.process;
        proc.args = (const char **)(argv + optind);
        proc.terminal = tty;
        proc.no_new_privileges |= nnp;
        if (cwd)
            proc.cwd = cwd;
        if (user) {
            unsigned uid, gid = 0;
            int k = sscanf(user, "%u:%u", &uid, &gid);
            if (k < 1) {
                ct_spec__free(&spec);
                return oci__fail("exec: --user wants UID[:GID]");
            }
            proc.uid = uid;
            proc.gid = k == 2 ? gid : 0;
        }
        if (n_env) {
            size_t base = 0;
            while (proc.env[base])
                base++;
            const char **env = calloc(base + n_env + 1, sizeof(*env));
            memcpy(env, proc.env, base * sizeof(*env));
            memcpy(env + base, envs, n_env * sizeof(*env));
            proc.env = env;
        }
    }
    if (proc.terminal && !eo.console_socket) {
        ct_spec__free(&spec);
        return oci__fail("exec: a terminal needs --console-socket");
    }
    int status = 0;
    pid_t pid;
    int rc = ct_container__exec(g->root, id, &proc, &eo, &status, &pid, &err);
    if (!process && n_env)
        free((void *)proc.env);
    ct_spec__free(&spec);
    if (rc)
        return oci__fail("%s", err.msg);
    return eo.detach ? 0 : status;
}
