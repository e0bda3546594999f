// SPDX-License-Identifier: Apache-2.0
/* monitor.c - the console pty relay and exit recorder of a `strata ct` container; see monitor.h. */
#include <stdbool.h>

#include "ct/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct/fmt.h"
#include "ct/state.h"

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

void ct_monitor__run(const char *dir, pid_t pid, int master, int listen_fd, int log_fd,
                     void (*ended)(void *arg, int wait_status), void *arg)
{
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    int client = -1;
    bool exited = false;
    int status = 0;
    char buf[16384];
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    for (;;) {
        struct pollfd p[4] = {{.fd = master, .events = POLLIN},
                              {.fd = listen_fd, .events = POLLIN},
                              {.fd = client, .events = POLLIN},
                              {.fd = exited ? -1 : pidfd, .events = POLLIN}};
        int r = poll(p, 4, exited ? 0 : (pidfd < 0 ? 200 : -1));
        if (r < 0 && errno != EINTR)
            break;
        if (p[0].revents & POLLIN) {
            ssize_t n = read(master, buf, sizeof(buf));
            if (n > 0) {
                write_all(log_fd, buf, (size_t)n);
                if (client >= 0)
                    write_all(client, buf, (size_t)n);
                continue;
            }
        }
        if (p[1].revents & POLLIN) {
            int c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (c >= 0) {
                if (client >= 0)
                    close(client); /* the newest client takes over the console */
                client = c;
            }
        }
        if (client >= 0 && (p[2].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = read(client, buf, sizeof(buf));
            if (n > 0) {
                write_all(master, buf, (size_t)n);
            } else {
                close(client);
                client = -1;
            }
        }
        if (!exited && (pidfd < 0 || (p[3].revents & POLLIN))) {
            pid_t w = waitpid(pid, &status, pidfd < 0 ? WNOHANG : 0);
            if (w == pid) {
                exited = true;
                continue; /* one more pass drains the pty */
            }
        }
        if (exited && !(p[0].revents & POLLIN))
            break; /* output drained */
    }
    if (ended)
        ended(arg, status);
    ct_state__write_exit(dir, status);
    if (client >= 0)
        close(client);
}

int ct_monitor__attach(const char *dir, int in, int out, bool escape)
{
    char path[4200];
    ct_fmt(path, sizeof(path), "%s/console.sock", dir);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (s < 0 || strlen(path) >= sizeof(addr.sun_path))
        return -1;
    strcpy(addr.sun_path, path);
    if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        close(s);
        return -1;
    }
    char buf[16384];
    bool ctrl_a = false;
    for (;;) {
        struct pollfd p[2] = {{.fd = s, .events = POLLIN}, {.fd = in, .events = POLLIN}};
        if (poll(p, in >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[0].revents & (POLLIN | POLLHUP)) {
            ssize_t n = read(s, buf, sizeof(buf));
            if (n <= 0)
                break;
            write_all(out, buf, (size_t)n);
        }
        if (in >= 0 && (p[1].revents & (POLLIN | POLLHUP))) {
            ssize_t n = read(in, buf, sizeof(buf));
            if (n <= 0) {
                in = -1; /* end of our input: keep showing the output */
                continue;
            }
            if (escape) {
                for (ssize_t i = 0; i < n; i++) {
                    if (ctrl_a && (buf[i] == 'x' || buf[i] == 'X')) {
                        close(s);
                        return 1;
                    }
                    ctrl_a = buf[i] == 1 && !ctrl_a;
                }
            }
            write_all(s, buf, (size_t)n);
        }
    }
    close(s);
    return 0;
}
