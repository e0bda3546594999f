/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client.h - talking to a running VM's control socket (docs/api.md), for
 * strata's own commands (ls, pause, info, ...).
 *
 * api_client__open finds the VM by name (registry.h), connects and checks
 * the greeting: a socket that does not greet as strata is refused with one
 * line, whatever it sends. api_client__call sends one request and returns
 * its result, skipping event lines in between.
 */
#ifndef STRATA_API_CLIENT_H
#define STRATA_API_CLIENT_H

#include <stddef.h>

#include "util/err.h"

struct json_object;

struct api_client {
    int fd;
    char name[64];
    char buf[65536 + 1];
    size_t len;
    struct json_object *greeting; /* the {"strata": ...} object's value */
};

/* Connects to the VM `name`; timeout_ms bounds the wait for the greeting. */
int api_client__open(struct api_client *c, const char *name, struct err *err);
/* Connects to a socket path directly (for tests and tools). */
int api_client__open_path(struct api_client *c, const char *path, struct err *err);
void api_client__close(struct api_client *c);

/*
 * Sends `request` (not taken) and waits up to timeout_s (0: forever) for
 * its response; *result (owned by the caller) is its "result". A response
 * with "ok": false is an error carrying the VM's message.
 */
int api_client__call(struct api_client *c, struct json_object *request, double timeout_s,
                     struct json_object **result, struct err *err);
/* Reads the next line as JSON (an event, after subscribe); NULL at the end or on error. */
struct json_object *api_client__read(struct api_client *c, double timeout_s, struct err *err);

/* A request {"cmd": cmd}. */
struct json_object *api_client__request(const char *cmd);

#endif
