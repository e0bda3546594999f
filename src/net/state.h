/* SPDX-License-Identifier: Apache-2.0 */
/*
 * state.h - the network state directory's records (see network.h; the
 * functions are in state.c). Internal to src/net/.
 */
#ifndef STRATA_NET_STATE_H
#define STRATA_NET_STATE_H

#include <stddef.h>

#include "net/network.h"
#include "util/err.h"

/* Takes the directory's exclusive lock; returns the fd to pass to state__unlock. */
int state__lock(const char *dir, struct err *err);
void state__unlock(int fd);

int state__write_network(const char *dir, const struct network *n, struct err *err);

int state__add_attachment(const char *dir, const char *name, const char *tap, const char *vm,
                          struct err *err);
void state__remove_attachment(const char *dir, const char *name, const char *tap);
/*
 * Counts the network's live attachments, reaping stale ones (deleting their
 * taps if still there); their VM names go comma-separated into vms.
 */
unsigned state__live_attachments(const char *dir, const char *name, char *vms, size_t len);

#endif
