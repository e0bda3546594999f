/* SPDX-License-Identifier: Apache-2.0 */
/*
 * request.h - the control socket's requests, parsed apart from acting on
 * them (docs/api.md).
 *
 * A request is one JSON object on one line: {"cmd": NAME, "id": ANY,
 * ...arguments}. "id" is optional and echoed in the response. Each command
 * names the arguments it takes; anything else is refused, so a typo is an
 * error and not a silently ignored option. Adding a command is one entry in
 * request.c's table and one handler where the VM acts on it
 * (board/control.c).
 */
#ifndef STRATA_API_REQUEST_H
#define STRATA_API_REQUEST_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define API_LINE_MAX         65536 /* longest request line */
#define API_PROTOCOL_VERSION 1

enum api_cmd {
    API_CMD_INFO,
    API_CMD_PAUSE,
    API_CMD_RESUME,
    API_CMD_STOP,      /* ACPI power button, then kill after timeout */
    API_CMD_KILL,      /* ends the VM now */
    API_CMD_SUBSCRIBE, /* this connection receives events from now on */
    API_CMD_BALLOON,   /* sets the balloon's target size */
    API_CMD_SNAPSHOT,  /* pause, write the VM to a file, resume (or end) */
    API_CMD_MIGRATE,   /* live migration to another strata; the VM ends there */
    API_CMD_COUNT
};

struct api_request {
    enum api_cmd cmd;
    struct json_object *id; /* owned reference, or NULL */
    union {
        struct {
            double timeout_s;
        } stop;
        struct {
            uint64_t size; /* bytes the balloon should hold */
        } balloon;
        struct {
            char path[PATH_MAX]; /* absolute */
            bool stop;           /* end the VM after writing */
        } snapshot;
        struct {
            char uri[256];        /* tcp:HOST:PORT */
            unsigned downtime_ms; /* the budget for the paused last round */
        } migrate;
    };
};

#define API_STOP_DEFAULT_TIMEOUT_S      30.0
#define API_MIGRATE_DEFAULT_DOWNTIME_MS 100

/* Parses one request line (without its newline). On success *req holds a reference to "id". */
int api_request__parse(const char *line, size_t len, struct api_request *req, struct err *err);
void api_request__free(struct api_request *req);
const char *api_cmd__name(enum api_cmd cmd);

#endif
