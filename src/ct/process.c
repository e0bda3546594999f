// SPDX-License-Identifier: Apache-2.0
/*
 * process.c - the last steps before a container process's execve: rlimits,
 * oom_score_adj, groups and ids (keeping capabilities across setuid with
 * PR_SET_KEEPCAPS), capabilities, no_new_privs and seccomp, in runc's order:
 * with no_new_privs the filter goes last; without it the filter is loaded
 * while the process may still do so (before its capabilities are dropped).
 * The program is looked up in the PATH of the process's own environment
 * before the process is reported ready, so a missing one fails create.
 * See security.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct/fmt.h"
#include "ct/security.h"

static int set_ids(const struct ct_process *p, struct err *err)
{
    gid_t *gids = NULL;
    if (p->n_additional_gids) {
        gids = calloc(p->n_additional_gids, sizeof(*gids));
        if (!gids)
            return err__set(err, "process: out of memory");
        for (size_t i = 0; i < p->n_additional_gids; i++)
            gids[i] = p->additional_gids[i];
    }
    /* setgroups is refused in a user namespace whose gid_map was written unprivileged */
    int rc = setgroups(p->n_additional_gids, gids);
    int e = errno;
    free(gids);
    if (rc < 0 && !(e == EPERM && !p->n_additional_gids))
        return err__set_errno(err, e, "process: setgroups");
    if (setresgid(p->gid, p->gid, p->gid) < 0)
        return err__set_errno(err, errno, "process: cannot become gid %u", p->gid);
    if (setresuid(p->uid, p->uid, p->uid) < 0)
        return err__set_errno(err, errno, "process: cannot become uid %u", p->uid);
    return 0;
}

int ct_process__prepare(const struct ct_process *p, const struct ct_seccomp *sc, struct err *err)
{
    for (size_t i = 0; i < p->n_rlimits; i++) {
        struct rlimit rl = {p->rlimits[i].soft, p->rlimits[i].hard};
        if (setrlimit(p->rlimits[i].resource, &rl) < 0)
            return err__set_errno(err, errno, "process: setrlimit %d to %llu/%llu",
                                  p->rlimits[i].resource, (unsigned long long)rl.rlim_cur,
                                  (unsigned long long)rl.rlim_max);
    }
    if (p->has_oom_score_adj) {
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        char v[16];
        int n = ct_fmt(v, sizeof(v), "%d", p->oom_score_adj);
        if (fd < 0 || write(fd, v, (size_t)n) < 0) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            return err__set_errno(err, e, "process: cannot set oom_score_adj");
        }
        close(fd);
    }
    if (p->has_caps && ct_caps__drop_bounding(p->caps, err))
        return -1;
    if (!p->no_new_privileges && ct_seccomp__load(sc, err))
        return -1;
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return err__set_errno(err, errno, "process: PR_SET_KEEPCAPS");
    if (set_ids(p, err))
        return -1;
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    if (p->has_caps && ct_caps__set(p->caps, err))
        return -1;
    if (chdir(p->cwd) < 0)
        return err__set_errno(err, errno, "process: cannot enter cwd %s", p->cwd);
    if (p->no_new_privileges) {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
            return err__set_errno(err, errno, "process: PR_SET_NO_NEW_PRIVS");
        if (ct_seccomp__load(sc, err))
            return -1;
    }
    return 0;
}

int ct_process__lookup(const struct ct_process *p, char *out, size_t size, struct err *err)
{
    const char *prog = p->args[0];
    if (strchr(prog, '/')) {
        if (access(prog, X_OK) < 0)
            return err__set_errno(err, errno, "cannot run %s", prog);
        ct_fmt(out, size, "%s", prog);
        return 0;
    }
    const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (size_t i = 0; p->env[i]; i++)
        if (!strncmp(p->env[i], "PATH=", 5))
            path = p->env[i] + 5;
    for (const char *s = path; *s;) {
        size_t len = strcspn(s, ":");
        ct_fmt(out, size, "%.*s/%s", (int)len, len ? s : ".", prog);
        struct stat st;
        if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
            return 0;
        s += len;
        if (*s == ':')
            s++;
    }
    return err__set(err, "executable '%s' not found in PATH %s", prog, path);
}

int ct_process__exec(const struct ct_process *p, const char *path, struct err *err)
{
    execve(path, (char *const *)p->args, (char *const *)p->env);
    return err__set_errno(err, errno, "exec %s", path);
}
