/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.h - a VM's control socket: a Unix stream socket speaking
 * newline-delimited JSON (docs/api.md).
 *
 * One thread serves every connection: it greets each client with
 * {"strata": {...}}, reads request lines, parses them (request.h) and hands
 * each parsed request to the handler, which acts on it on its own thread
 * (board/control.c) and finishes it with api_call__done from there; the
 * server writes the response. The server thread never touches the VM.
 * A connection has one request in flight at a time (its next line waits).
 * "subscribe" is answered by the server itself: from then on the
 * connection also receives every event (api_server__event) as a line
 * {"event": NAME, "data": {...}}. Slow readers are buffered up to 1 MiB,
 * then dropped: they never hold up the VM.
 */
#ifndef STRATA_API_SERVER_H
#define STRATA_API_SERVER_H

#include <stdbool.h>

#include "api/request.h"
#include "util/err.h"

struct api_server;
struct json_object;

/* One request in flight: the handler fills ok/error/result, then calls api_call__done. */
struct api_call {
    struct api_request req;
    bool ok;
    struct err error;
    struct json_object *result; /* owned; NULL: {} */
    /* the server's */
    struct api_server *server;
    unsigned long client_id;
    struct api_call *next;
};

struct api_handler {
    /* Takes the call (called on the server thread, with no server lock held). */
    void (*submit)(void *opaque, struct api_call *call);
    void *opaque;
};

/*
 * Binds `path` (mode 0600), listens and starts serving. `greeting` (taken)
 * is the object sent as {"strata": greeting} to every new connection.
 */
struct api_server *api_server__start(const char *path, struct json_object *greeting,
                                     const struct api_handler *handler, struct err *err);
/* Finishes a call from any thread (ok = false with error filled, or ok with result). */
void api_call__done(struct api_call *call);
/* Sends {"event": event, "data": data} to every subscriber; takes data (NULL: {}). */
void api_server__event(struct api_server *s, const char *event, struct json_object *data);
/*
 * Stops accepting, gives the clients up to a second to read what is
 * queued for them, closes everything. Every submitted call must be done.
 */
void api_server__stop(struct api_server *s);

/* Writes the response line of a finished call into a malloc'ed string. */
char *api_call__response(const struct api_call *call);

#endif
