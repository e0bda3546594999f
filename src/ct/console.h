/* SPDX-License-Identifier: Apache-2.0 */
/*
 * console.h - a container's terminal: a pseudo-terminal made from the
 * container's own devpts, its slave as the process's stdio and controlling
 * terminal (and bound on /dev/console), its master sent to whoever manages
 * the container over a unix socket with SCM_RIGHTS (runtime-spec
 * runtime.md --console-socket, as runc and crun do it).
 */
#ifndef STRATA_CT_CONSOLE_H
#define STRATA_CT_CONSOLE_H

#include <stdbool.h>

#include "util/err.h"

/* Connects to the console socket at PATH (in the runtime's mount namespace); the fd or -1. */
int ct_console__connect(const char *path, struct err *err);
/*
 * In the container, after the pivot: opens a pty from /dev/ptmx, makes its
 * slave stdio and the controlling terminal (after setsid), binds it on
 * /dev/console if BIND_CONSOLE, and sends the master over the connected
 * socket SOCK (closed afterwards).
 */
int ct_console__setup(int sock, bool bind_console, struct err *err);
/* Sends FD over the connected unix socket S (one SCM_RIGHTS message) and closes S. */
int ct_console__send_fd(int s, int fd, struct err *err);
/* Receives one fd over a connected unix socket, or -1. */
int ct_console__recv_fd(int sock);

#endif
