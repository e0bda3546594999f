/* SPDX-License-Identifier: Apache-2.0 */
/*
 * channel.h - where a migration stream goes: an address "tcp:HOST:PORT"
 * (HOST a name, an IPv4 address or an IPv6 one in brackets; PORT 0 on the
 * listening side picks a free one), a listening socket that takes one
 * connection, a connecting one, and the short text lines the destination
 * answers with (docs/snapshot.md, "Live migration").
 */
#ifndef STRATA_STATE_CHANNEL_H
#define STRATA_STATE_CHANNEL_H

#include <stddef.h>

#include "util/err.h"

/* Listens on uri; *bound (len bytes) gets "tcp:HOST:PORT" with the real port. */
int channel__listen(const char *uri, char *bound, size_t len, struct err *err);
/* Takes one connection from a listening socket (which it closes). */
int channel__accept(int lfd, struct err *err);
/* Connects to uri within timeout_s seconds. */
int channel__connect(const char *uri, double timeout_s, struct err *err);

/* Sends one line ("ok", "error MESSAGE"...); the newline is added. */
int channel__send_line(int fd, const char *line, struct err *err);
/* Reads one line (without its newline) within timeout_s seconds; -1 on EOF, error or timeout. */
int channel__read_line(int fd, char *buf, size_t len, double timeout_s, struct err *err);

#endif
