// SPDX-License-Identifier: Apache-2.0
/*
 * term.c - raw mode for the host terminal, restored on every exit path (see
 * term.h). POSIX termios (XBD chapter 11, "General Terminal Interface").
 *
 * The saved settings live in static storage written before raw mode is
 * switched on; `raw_active` says whether there is something to restore, and
 * the restorer claims it with one atomic exchange, so that the atexit path
 * and a signal arriving meanwhile restore once. tcsetattr, sigaction and
 * raise are async-signal-safe.
 */
#include "util/term.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

static const int restoring_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define NR_RESTORING_SIGNALS (sizeof(restoring_signals) / sizeof(restoring_signals[0]))

static struct termios saved_termios;
static int saved_fd = -1;
static atomic_bool raw_active;
static struct sigaction previous_actions[NR_RESTORING_SIGNALS];
static bool hooks_installed;

void term__restore(void)
{
    if (atomic_exchange(&raw_active, false)) {
        int saved_errno = errno;
        tcsetattr(saved_fd, TCSADRAIN, &saved_termios);
        errno = saved_errno;
    }
}

static void restore_at_exit(void)
{
    term__restore();
}

static void restore_on_signal(int sig)
{
    int saved_errno = errno;
    term__restore();
    /* Put back what was there before us and deliver the signal to it on return. */
    for (size_t i = 0; i < NR_RESTORING_SIGNALS; i++)
        if (restoring_signals[i] == sig)
            sigaction(sig, &previous_actions[i], NULL);
    raise(sig);
    errno = saved_errno;
}

static int install_hooks(struct err *err)
{
    if (hooks_installed)
        return 0;
    if (atexit(restore_at_exit))
        return err__set(err, "cannot register the terminal restore at exit");
    struct sigaction sa = {.sa_handler = restore_on_signal};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NR_RESTORING_SIGNALS; i++)
        if (sigaction(restoring_signals[i], &sa, &previous_actions[i]))
            return err__set_errno(err, errno, "cannot install the terminal restore handler");
    hooks_installed = true;
    return 0;
}

int term__raw_mode(int fd, struct err *err)
{
    if (atomic_load(&raw_active))
        return 0;
    struct termios raw;
    if (tcgetattr(fd, &raw))
        return err__set_errno(err, errno, "cannot read the terminal settings");
    saved_termios = raw;
    saved_fd = fd;
    if (install_hooks(err))
        return -1;

    raw.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    raw.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    raw.c_cflag |= CS8;
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;

    atomic_store(&raw_active, true);
    if (tcsetattr(fd, TCSADRAIN, &raw)) {
        int e = errno;
        atomic_store(&raw_active, false);
        return err__set_errno(err, e, "cannot put the terminal in raw mode");
    }
    return 0;
}
