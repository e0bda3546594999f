// SPDX-License-Identifier: Apache-2.0
/* console.c - the container's pty and the console socket; see console.h. */
#include "ct/console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int ct_console__connect(const char *path, struct err *err)
{
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return err__set_errno(err, errno, "console: socket");
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(addr.sun_path)) {
        close(s);
        return err__set(err, "console: socket path %s too long", path);
    }
    strcpy(addr.sun_path, path);
    if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        int e = errno;
        close(s);
        return err__set_errno(err, e, "console: cannot connect to %s", path);
    }
    return s;
}

int ct_console__send_fd(int s, int fd, struct err *err)
{
    char name[] = "/dev/ptmx";
    struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof(u));
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    ssize_t n = sendmsg(s, &msg, 0);
    int e = errno;
    close(s);
    if (n < 0)
        return err__set_errno(err, e, "console: cannot send the terminal");
    return 0;
}

int ct_console__recv_fd(int sock)
{
    char data[64];
    struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) <= 0)
        return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_type != SCM_RIGHTS)
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof(int));
    return fd;
}

int ct_console__setup(int sock, bool bind_console, struct err *err)
{
    int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        return err__set_errno(err, errno, "console: cannot open /dev/ptmx");
    int unlock = 0;
    char name[64];
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ptsname_r(master, name, sizeof(name)))
        return err__set_errno(err, errno, "console: cannot unlock the pty");
    int slave = open(name, O_RDWR | O_NOCTTY);
    if (slave < 0)
        return err__set_errno(err, errno, "console: cannot open %s", name);
    if (bind_console) {
        int fd = open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC, 0620);
        if (fd >= 0)
            close(fd);
        if (mount(name, "/dev/console", NULL, MS_BIND, NULL) < 0)
            return err__set_errno(err, errno, "console: cannot bind %s on /dev/console", name);
    }
    if (sock >= 0 && ct_console__send_fd(sock, master, err))
        return -1;
    close(master);
    if (ioctl(slave, TIOCSCTTY, 0) < 0)
        return err__set_errno(err, errno, "console: cannot make %s the controlling terminal", name);
    for (int i = 0; i < 3; i++)
        if (dup2(slave, i) < 0)
            return err__set_errno(err, errno, "console: dup2");
    if (slave > 2)
        close(slave);
    return 0;
}
