// SPDX-License-Identifier: Apache-2.0
/*
 * console.c - `strata console NAME`: the terminal on a running VM's serial
 * console (its console.sock, board/console.h). Ctrl-A X detaches and
 * leaves the VM running; Ctrl-A Ctrl-A sends one Ctrl-A. Input that is not
 * a terminal is forwarded as it is, and its end leaves the output flowing
 * until the VM ends.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "api/client.h"
#include "api/registry.h"
#include "cli/cli.h"
#include "machine/machine.h"
#include "util/log.h"
#include "util/term.h"

#define CTRL_A 0x01

static bool write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Applies the escapes to what the terminal typed; true when the user detached. */
static bool keys(const char *in, size_t n, char *out, size_t *len, bool *escape)
{
    *len = 0;
    for (size_t i = 0; i < n; i++) {
        char k = in[i];
        if (!*escape && k == CTRL_A) {
            *escape = true;
            continue;
        }
        if (*escape) {
            *escape = false;
            if (k == 'x' || k == 'X')
                return true;
            if (k != CTRL_A)
                continue;
        }
        out[(*len)++] = k;
    }
    return false;
}

static int relay(int sock, const char *name)
{
    bool tty = isatty(STDIN_FILENO), escape = false, in_open = true;
    struct err err;
    if (tty && term__raw_mode(STDIN_FILENO, &err))
        tty = false;
    if (tty)
        fprintf(stderr, "strata: attached to %s's console (Ctrl-A X detaches)\r\n", name);
    char buf[4096], out[4096];
    int status = 0;
    for (;;) {
        struct pollfd fds[2] = {{.fd = sock, .events = POLLIN},
                                {.fd = in_open ? STDIN_FILENO : -1, .events = POLLIN}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[0].revents) {
            ssize_t n = read(sock, buf, sizeof(buf));
            if (n <= 0) {
                if (tty)
                    fprintf(stderr, "\r\nstrata: %s's console closed: the vm ended\r\n", name);
                break;
            }
            if (!write_all(STDOUT_FILENO, buf, (size_t)n))
                break;
        }
        if (fds[1].revents) {
            ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                in_open = false;
                continue;
            }
            size_t len = (size_t)n;
            if (tty) {
                if (keys(buf, (size_t)n, out, &len, &escape)) {
                    fprintf(stderr, "\r\nstrata: detached from %s (it runs on)\r\n", name);
                    break;
                }
            } else {
                memcpy(out, buf, len);
            }
            if (!write_all(sock, out, len)) {
                status = EXIT_STATUS_HOST_ERROR;
                break;
            }
        }
    }
    term__restore();
    return status;
}

int cli__console(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        printf("usage: strata console NAME\n\nAttaches the terminal to a running VM's serial "
               "console.\nCtrl-A X detaches (the VM runs on); Ctrl-A Ctrl-A sends Ctrl-A.\n");
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "strata: console: want one VM name (try 'strata console --help')\n");
        return EXIT_STATUS_USAGE;
    }
    const char *name = argv[1];
    struct api_client c;
    struct err err;
    char path[PATH_MAX];
    /* The control socket's greeting proves the directory is a live strata VM's. */
    if (api_client__open(&c, name, &err)) {
        log__msg("%s", err.msg);
        return EXIT_STATUS_HOST_ERROR;
    }
    api_client__close(&c);
    if (registry__find(name, "console.sock", path, sizeof(path), &err)) {
        log__msg("%s", err.msg);
        return EXIT_STATUS_HOST_ERROR;
    }
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(addr.sun_path)) {
        log__msg("console socket path too long: %s", path);
        return EXIT_STATUS_HOST_ERROR;
    }
    strcpy(addr.sun_path, path);
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        log__msg("%s: cannot connect to its console: %s", name, strerror(errno));
        if (sock >= 0)
            close(sock);
        return EXIT_STATUS_HOST_ERROR;
    }
    int status = relay(sock, name);
    close(sock);
    return status;
}
