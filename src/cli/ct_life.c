// SPDX-License-Identifier: Apache-2.0
/*
 * ct_life.c - `strata ct start`, `stop`, `kill` and `rm`: a container's life
 * after create, over ct/container.c. stop is OpenVZ's and Docker's: SIGTERM
 * to the init, then SIGKILL to everything in the container after a timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/ct_cli.h"
#include "cli/oci.h"
#include "ct/cgroup.h"
#include "ct/container.h"
#include "ct/fmt.h"
#include "ct/state.h"
#include "util/parse.h"

/* Copies console.log to stdout from the start until the monitor records the exit. */
static int follow(const char *dir)
{
    char log[PATH_MAX];
    ct_fmt(log, sizeof(log), "%s/console.log", dir);
    int fd = open(log, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ct_cli__fail("cannot read %s: %s", log, strerror(errno));
    char buf[16384];
    for (;;) {
        struct ct_exit ex;
        ct_state__read_exit(dir, &ex); /* before the read: the log is complete once it exists */
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
            if (write(1, buf, (size_t)n) != n)
                break;
        if (ex.known) {
            close(fd);
            return WIFEXITED(ex.wait_status) ? WEXITSTATUS(ex.wait_status)
                                             : 128 + WTERMSIG(ex.wait_status);
        }
        if (access(dir, F_OK)) {
            close(fd);
            return ct_cli__fail("the container was removed");
        }
        usleep(5000);
    }
}

int ct_cli__start(int argc, char **argv)
{
    static const struct option opts[] = {{"attach", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
    bool attach = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "a", opts, NULL)) != -1) {
        if (c != 'a')
            return ct_cli__fail("start: bad option");
        attach = true;
    }
    if (optind != argc - 1)
        return ct_cli__fail("start: want one container NAME");
    char root[PATH_MAX], dir[PATH_MAX];
    struct err err;
    if (ct_cli__root(root, sizeof(root)))
        return 1;
    if (ct_container__start(root, argv[optind], &err))
        return ct_cli__fail("%s", err.msg);
    if (!attach)
        return 0;
    if (ct_state__dir(root, argv[optind], dir, sizeof(dir), &err))
        return ct_cli__fail("%s", err.msg);
    return follow(dir);
}

/* Stopped, and its monitor has recorded how (so that ls tells it right after stop). */
static bool stopped(const char *root, const char *name)
{
    char dir[PATH_MAX];
    struct ct_state st;
    if (ct_container__load(root, name, dir, sizeof(dir), &st, NULL, NULL))
        return true;
    if (ct_state__status(dir, &st) != CT_STATUS_STOPPED)
        return false;
    struct ct_exit ex;
    ct_state__read_exit(dir, &ex);
    return ex.known || !st.monitor || kill(st.monitor, 0) < 0;
}

int ct_cli__stop(int argc, char **argv)
{
    static const struct option opts[] = {{"timeout", required_argument, NULL, 't'},
                                         {NULL, 0, NULL, 0}};
    double timeout = 10;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
        if (c != 't' || !parse__seconds(optarg, &timeout))
            return ct_cli__fail("stop: want --timeout SECONDS");
    }
    if (optind != argc - 1)
        return ct_cli__fail("stop: want one container NAME");
    const char *name = argv[optind];
    char root[PATH_MAX];
    struct err err;
    if (ct_cli__root(root, sizeof(root)))
        return 1;
    if (stopped(root, name)) {
        char dir[PATH_MAX];
        struct ct_state st;
        if (ct_container__load(root, name, dir, sizeof(dir), &st, NULL, &err))
            return ct_cli__fail("%s", err.msg);
        return 0; /* already stopped */
    }
    if (ct_container__kill(root, name, SIGTERM, false, &err))
        return ct_cli__fail("%s", err.msg);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        if (stopped(root, name))
            return 0;
        usleep(10000);
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while ((double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 < timeout);
    if (ct_container__kill(root, name, SIGKILL, true, &err) && !stopped(root, name))
        return ct_cli__fail("%s", err.msg);
    for (int i = 0; i < 500 && !stopped(root, name); i++)
        usleep(10000);
    return stopped(root, name) ? 0 : ct_cli__fail("container %s did not stop", name);
}

int ct_cli__kill(int argc, char **argv)
{
    if (argc != 2 && argc != 3)
        return ct_cli__fail("kill: want NAME [SIGNAL]");
    int sig = argc == 3 ? oci__parse_signal(argv[2]) : SIGKILL;
    if (sig < 0)
        return ct_cli__fail("kill: unknown signal '%s'", argv[2]);
    char root[PATH_MAX];
    struct err err;
    if (ct_cli__root(root, sizeof(root)))
        return 1;
    if (ct_container__kill(root, argv[1], sig, false, &err))
        return ct_cli__fail("%s", err.msg);
    return 0;
}

/*
 * The monitor leaves the container's network once its init has gone:
 * waits (5 s at most) for it to end, so that the network is free after rm.
 */
static void wait_monitor(pid_t monitor)
{
    for (int i = 0; i < 500 && monitor > 0 && kill(monitor, 0) == 0; i++) {
        waitpid(monitor, NULL, WNOHANG); /* a test's child, say */
        usleep(10000);
    }
}

int ct_cli__rm(int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
    bool force = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
        if (c != 'f')
            return ct_cli__fail("rm: bad option");
        force = true;
    }
    if (optind != argc - 1)
        return ct_cli__fail("rm: want one container NAME");
    const char *name = argv[optind];
    char root[PATH_MAX], dir[PATH_MAX], rec[PATH_MAX + 16], image_root[PATH_MAX] = "";
    struct err err;
    if (ct_cli__root(root, sizeof(root)))
        return 1;
    if (ct_state__dir(root, name, dir, sizeof(dir), &err))
        return ct_cli__fail("%s", err.msg);
    ct_fmt(rec, sizeof(rec), "%s/image-rootfs", dir);
    FILE *f = fopen(rec, "re");
    if (f) {
        if (fgets(image_root, sizeof(image_root), f))
            image_root[strcspn(image_root, "\n")] = 0;
        fclose(f);
    }
    struct ct_state st;
    pid_t monitor = 0;
    if (!ct_container__load(root, name, dir, sizeof(dir), &st, NULL, NULL))
        monitor = st.monitor;
    if (ct_container__delete(root, name, force, &err))
        return ct_cli__fail("%s", err.msg);
    wait_monitor(monitor);
    /* an unpacked --image: DATA/NAME/rootfs goes with its DATA/NAME */
    char *slash = strrchr(image_root, '/');
    if (image_root[0] == '/' && slash && !strcmp(slash, "/rootfs")) {
        *slash = 0;
        if (ct_state__remove(image_root, &err))
            return ct_cli__fail("%s", err.msg);
    }
    return 0;
}
