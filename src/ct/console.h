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

/*
 * In the container, after the pivot: opens a pty from /dev/ptmx, makes its
 * slave stdio and the controlling terminal (after setsid), binds it on
 * /dev/console if BIND_CONSOLE, and sends the master to SOCKET_PATH.
 */
int ct_console__setup(const char *socket_path, bool bind_console, struct err *err);
/* Sends FD over the unix socket at PATH (one SCM_RIGHTS message). */
int ct_console__send_fd(const char *path, int fd, struct err *err);
/* Receives one fd over a connected unix socket, or -1. */
int ct_console__recv_fd(int sock);

#endif
