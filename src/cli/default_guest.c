// SPDX-License-Identifier: Apache-2.0
/* default_guest.c - finds or builds the default guest image (see default_guest.h). */
#include "cli/default_guest.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/build_config.h"
#include "util/log.h"

extern char **environ;

static int guest_dir(char *dir, size_t len, struct err *err)
{
    const char *env = getenv("STRATA_GUEST_DIR");
    if (env && *env) {
        snprintf(dir, len, "%s", env);
        return 0;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n < 0)
        return err__set_errno(err, errno, "cannot find the strata binary's directory");
    exe[n] = '\0';
    snprintf(dir, len, "%s/guest", dirname(exe));
    return 0;
}

/* Runs scripts/guest DIR with its output on stderr, so that stdout stays the guest's. */
static int build_guest(const char *dir, struct err *err)
{
    const char *script = STRATA_SOURCE_DIR "/scripts/guest";
    log__msg("building the default guest in %s (first run, takes a minute) ...", dir);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    char *const argv[] = {(char *)script, (char *)dir, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, script, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc)
        return err__set_errno(err, rc, "cannot run %s", script);

    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return err__set_errno(err, errno, "waiting for %s", script);
    if (!WIFEXITED(status) || WEXITSTATUS(status))
        return err__set(err, "cannot build the default guest: %s failed", script);
    return 0;
}

int default_guest__locate(struct default_guest *g, struct err *err)
{
    char dir[PATH_MAX - 16];
    if (guest_dir(dir, sizeof(dir), err))
        return -1;
    snprintf(g->kernel, sizeof(g->kernel), "%s/vmlinuz", dir);
    snprintf(g->initrd, sizeof(g->initrd), "%s/initrd.img", dir);
    if (access(g->kernel, R_OK) == 0 && access(g->initrd, R_OK) == 0)
        return 0;
    return build_guest(dir, err);
}
