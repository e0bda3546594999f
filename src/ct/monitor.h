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
 * console.sock, LOG_FD console.log. ENDED (unless NULL) is called with ARG
 * and the init's wait status once it has exited, before the exit is
 * recorded, so that whoever waits for the record finds what ENDED undoes
 * (the network, the control socket) undone. Never
 * returns an error: it has nobody to tell.
 */
void ct_monitor__run(const char *dir, pid_t pid, int master, int listen_fd, int log_fd,
                     void (*ended)(void *arg, int wait_status), void *arg);

/*
 * A client of console.sock: copies IN to the container and the container's
 * output to OUT until the container's console closes (or, when ESCAPE is
 * set, Ctrl-A X on IN). Returns 0 when the container ended, 1 on detach.
 */
int ct_monitor__attach(const char *dir, int in, int out, bool escape);

#endif
