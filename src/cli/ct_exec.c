// SPDX-License-Identifier: Apache-2.0
/*
 * ct_exec.c - `strata ct exec` (a command inside a running container, as its
 * own process with the container's user, capabilities and filter; -t gives it
 * a pty of the container's own devpts, whose master comes back over a socket
 * pair and is relayed to this terminal) and `strata ct console` (the container's
 * console, through its monitor).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "cli/ct_cli.h"
#include "ct/console.h"
#include "ct/container.h"
#include "ct/fmt.h"
#include "ct/monitor.h"
#include "ct/spec.h"
#include "util/term.h"

/* The pty master arrives on sock (from the container's own devpts); then terminal <-> master. */
static void *relay_main(void *arg)
{
    int sock = *(int *)arg;
    int master = ct_console__recv_fd(sock);
    if (master < 0)
        return NULL; /* the process did not get that far: the error comes from exec */
    struct winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) == 0)
        ioctl(master, TIOCSWINSZ, &ws);
    char buf[8192];
    int in = 0;
    for (;;) {
        struct pollfd p[2] = {{.fd = master, .events = POLLIN}, {.fd = in, .events = POLLIN}};
        if (poll(p, 2, -1) < 0)
            continue;
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(master, buf, sizeof(buf));
            if (n <= 0 || write(1, buf, (size_t)n) < 0)
                break; /* EIO: the last process holding the terminal is gone */
        }
        if (in >= 0 && (p[1].revents & (POLLIN | POLLHUP))) {
            ssize_t n = read(in, buf, sizeof(buf));
            if (n <= 0)
                in = -1;
            else if (write(master, buf, (size_t)n) < 0)
                break;
        }
    }
    close(master);
    return NULL;
}

int ct_cli__exec(int argc, char **argv)
{
    static const struct option opts[] = {{"tty", no_argument, NULL, 't'}, {NULL, 0, NULL, 0}};
    bool tty = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+t", opts, NULL)) != -1) {
        if (c != 't')
            return ct_cli__fail("exec: bad option");
        tty = true;
    }
    if (optind >= argc)
        return ct_cli__fail("exec: want NAME -- COMMAND...");
    const char *name = argv[optind++];
    if (optind < argc && !strcmp(argv[optind], "--"))
        optind++;
    if (optind >= argc)
        return ct_cli__fail("exec: want a command after the NAME");
    char root[PATH_MAX], dir[PATH_MAX];
    struct ct_state st;
    struct ct_spec spec;
    struct err err;
    if (ct_cli__root(root, sizeof(root)))
        return 1;
    if (ct_container__load(root, name, dir, sizeof(dir), &st, &spec, &err))
        return ct_cli__fail("%s", err.msg);
    struct ct_process proc = spec.process;
    proc.args = (const char **)(argv + optind);
    proc.terminal = tty;
    struct ct_exec_opts eo = {.console_fd = -1};
    pthread_t thread;
    int sv[2] = {-1, -1};
    if (tty) {
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
            ct_spec__free(&spec);
            return ct_cli__fail("exec -t: socketpair: %s", strerror(errno));
        }
        eo.console_fd = sv[1];
        if (isatty(0))
            term__raw_mode(0, NULL);
        pthread_create(&thread, NULL, relay_main, &sv[0]);
    }
    int status = 0;
    int rc = ct_container__exec(root, name, &proc, &eo, &status, NULL, &err);
    ct_spec__free(&spec);
    if (tty) {
        close(sv[1]); /* if the terminal never came, the relay sees the end */
        pthread_join(thread, NULL);
        close(sv[0]);
        term__restore();
    }
    if (rc)
        return ct_cli__fail("%s", err.msg);
    return status;
}

int ct_cli__console(int argc, char **argv)
{
    if (argc != 2)
        return ct_cli__fail("console: want one container NAME");
    char root[PATH_MAX], dir[PATH_MAX];
    struct ct_state st;
    struct err err;
    if (ct_cli__root(root, sizeof(root)))
        return 1;
    if (ct_container__load(root, argv[1], dir, sizeof(dir), &st, NULL, &err))
        return ct_cli__fail("%s", err.msg);
    if (ct_state__status(dir, &st) == CT_STATUS_STOPPED)
        return ct_cli__fail("container %s is stopped", argv[1]);
    bool term = isatty(0);
    if (term) {
        fprintf(stderr, "strata: console of %s (Ctrl-A X detaches)\r\n", argv[1]);
        term__raw_mode(0, NULL);
    }
    int rc = ct_monitor__attach(dir, 0, 1, term);
    if (term)
        term__restore();
    if (rc < 0)
        return ct_cli__fail("cannot reach the console of %s (no monitor?)", argv[1]);
    return 0;
}
