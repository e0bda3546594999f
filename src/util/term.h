/* SPDX-License-Identifier: Apache-2.0 */
/*
 * term.h - the host terminal in raw mode, and its restoration.
 *
 * Raw mode here is cfmakeraw(3) minus one thing: output processing stays on
 * (a lone "\n" from the guest still returns the carriage), as QEMU does for
 * its stdio console. The saved settings come back at exit and when SIGINT,
 * SIGTERM, SIGHUP or SIGQUIT arrives (the handler restores the terminal,
 * then lets the signal take its previous course).
 */
#ifndef STRATA_UTIL_TERM_H
#define STRATA_UTIL_TERM_H

#include "util/err.h"

/* Puts terminal fd in raw mode; -1 with err filled if fd is not a terminal or it fails. */
int term__raw_mode(int fd, struct err *err);

/* Restores the terminal settings saved by term__raw_mode. Idempotent, async-signal-safe. */
void term__restore(void);

#endif
