// SPDX-License-Identifier: Apache-2.0
/* hooks.c - running OCI hooks with the state on stdin and a timeout; see hooks.h. */
#include "ct/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const kind_names[CT_HOOK_KINDS] = {
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"};

static int run_one(const struct ct_hook *h, const char *kind, const char *state_json,
                   struct err *err)
{
    int in[2];
    if (pipe2(in, O_CLOEXEC) < 0)
        return err__set_errno(err, errno, "hook %s: pipe", kind);
    pid_t pid = fork();
    if (pid < 0)
        return err__set_errno(err, errno, "hook %s: fork", kind);
    if (pid == 0) {
        dup2(in[0], 0);
        const char *argv0[] = {h->path, NULL};
        const char *env0[] = {NULL};
        execve(h->path, (char *const *)(h->args ? h->args : argv0),
               (char *const *)(h->env ? h->env : env0));
        fprintf(stderr, "strata: hook %s: cannot run %s: %s\n", kind, h->path, strerror(errno));
        _exit(127);
    }
    close(in[0]);
    /* a hook that does not read its stdin must not stop the runtime */
    signal(SIGPIPE, SIG_IGN);
    size_t len = strlen(state_json), off = 0;
    while (off < len) {
        ssize_t n = write(in[1], state_json + off, len - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    close(in[1]);
    int status = 0;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        pid_t r = waitpid(pid, &status, h->timeout_s ? WNOHANG : 0);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR)
            return err__set_errno(err, errno, "hook %s: waitpid", kind);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= h->timeout_s) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return err__set(err, "hook %s %s timed out after %d s", kind, h->path, h->timeout_s);
        }
        usleep(10000);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status))
        return err__set(err, "hook %s %s failed (%s %d)", kind, h->path,
                        WIFEXITED(status) ? "exit status" : "signal",
                        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return 0;
}

int ct_hooks__run(const struct ct_spec *spec, enum ct_hook_kind kind, const char *state_json,
                  struct err *err)
{
    for (size_t i = 0; i < spec->n_hooks[kind]; i++)
        if (run_one(&spec->hooks[kind][i], kind_names[kind], state_json, err))
            return -1;
    return 0;
}
