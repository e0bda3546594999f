/* SPDX-License-Identifier: Apache-2.0 */
/*
 * monitor.h - the process that stays with a `strata ct` container (conmon's
 * job for podman): the init's parent, it holds the master side of the
 * container's console pty, appends what the container writes to console.log,
 * serves one attached client at a time on console.sock (bytes both ways),
 * and when the init exits records its wait status in the state directory.
 */
#ifndef STRATA_CT_MONITOR_H
#define STRATA_CT_MONITOR_H

#include <sys/types.h>

/*
 * Runs until the init PID has exited and its output is drained. DIR is the
 * state directory, MASTER the pty master, LISTEN_FD the listening
 * console.sock, LOG_FD console.log. Never returns an error: it has nobody to
 * tell.
 */
void ct_monitor__run(const char *dir, pid_t pid, int master, int listen_fd, int log_fd);

/*
 * A client of console.sock: copies IN to the container and the container's
 * output to OUT until the container's console closes (or, when ESCAPE is
 * set, Ctrl-A X on IN). Returns 0 when the container ended, 1 on detach.
 */
int ct_monitor__attach(const char *dir, int in, int out, bool escape);

#endif
