// SPDX-License-Identifier: Apache-2.0
/* request.c - parsing a control-socket request line with json-c (see request.h). */
#include "api/request.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <string.h>

typedef int parse_fn(struct json_object *obj, struct api_request *req, struct err *err);

static int parse_stop(struct json_object *obj, struct api_request *req, struct err *err)
{
    req->stop.timeout_s = API_STOP_DEFAULT_TIMEOUT_S;
    struct json_object *t;
    if (json_object_object_get_ex(obj, "timeout", &t)) {
        if (!json_object_is_type(t, json_type_int) && !json_object_is_type(t, json_type_double))
            return err__set(err, "stop: \"timeout\" must be a number of seconds");
        double v = json_object_get_double(t);
        if (!isfinite(v) || v < 0 || v > 86400)
            return err__set(err, "stop: \"timeout\" must be 0 to 86400 seconds");
        req->stop.timeout_s = v;
    }
    return 0;
}

static int parse_balloon(struct json_object *obj, struct api_request *req, struct err *err)
{
    struct json_object *v;
    if (!json_object_object_get_ex(obj, "size", &v))
        return err__set(err, "balloon: \"size\" (bytes) is required");
    if (!json_object_is_type(v, json_type_int))
        return err__set(err, "balloon: \"size\" must be a whole number of bytes");
    errno = 0;
    int64_t n = json_object_get_int64(v);
    if (n < 0 || errno)
        return err__set(err, "balloon: \"size\" must be 0 or more bytes");
    req->balloon.size = (uint64_t)n;
    return 0;
}

static int parse_snapshot(struct json_object *obj, struct api_request *req, struct err *err)
{
    struct json_object *v;
    if (!json_object_object_get_ex(obj, "path", &v) || !json_object_is_type(v, json_type_string))
        return err__set(err, "snapshot: wants a \"path\" string");
    const char *path = json_object_get_string(v);
    if (path[0] != '/' || strlen(path) >= sizeof(req->snapshot.path))
        return err__set(err, "snapshot: \"path\" must be an absolute path");
    strcpy(req->snapshot.path, path);
    if (json_object_object_get_ex(obj, "stop", &v)) {
        if (!json_object_is_type(v, json_type_boolean))
            return err__set(err, "snapshot: \"stop\" must be true or false");
        req->snapshot.stop = json_object_get_boolean(v);
    }
    return 0;
}

static int parse_migrate(struct json_object *obj, struct api_request *req, struct err *err)
{
    struct json_object *v;
    if (!json_object_object_get_ex(obj, "uri", &v) || !json_object_is_type(v, json_type_string))
        return err__set(err, "migrate: wants a \"uri\" string (tcp:HOST:PORT)");
    const char *uri = json_object_get_string(v);
    if (strncmp(uri, "tcp:", 4) || strlen(uri) >= sizeof(req->migrate.uri))
        return err__set(err, "migrate: \"uri\" must be tcp:HOST:PORT");
    strcpy(req->migrate.uri, uri);
    req->migrate.downtime_ms = API_MIGRATE_DEFAULT_DOWNTIME_MS;
    if (json_object_object_get_ex(obj, "downtime_ms", &v)) {
        errno = 0;
        int64_t n = json_object_get_int64(v);
        if (!json_object_is_type(v, json_type_int) || errno || n < 1 || n > 600000)
            return err__set(err, "migrate: \"downtime_ms\" must be 1 to 600000");
        req->migrate.downtime_ms = (unsigned)n;
    }
    return 0;
}

static const struct {
    const char *name;
    const char *args[4]; /* allowed arguments besides cmd and id */
    parse_fn *parse;
} commands[API_CMD_COUNT] = {
    [API_CMD_INFO] = {"info", {0}, NULL},
    [API_CMD_PAUSE] = {"pause", {0}, NULL},
    [API_CMD_RESUME] = {"resume", {0}, NULL},
    [API_CMD_STOP] = {"stop", {"timeout"}, parse_stop},
    [API_CMD_KILL] = {"kill", {0}, NULL},
    [API_CMD_SUBSCRIBE] = {"subscribe", {0}, NULL},
    [API_CMD_BALLOON] = {"balloon", {"size"}, parse_balloon},
    [API_CMD_SNAPSHOT] = {"snapshot", {"path", "stop"}, parse_snapshot},
    [API_CMD_MIGRATE] = {"migrate", {"uri", "downtime_ms"}, parse_migrate},
};

const char *api_cmd__name(enum api_cmd cmd)
{
    return cmd < API_CMD_COUNT ? commands[cmd].name : "?";
}

static bool allowed(unsigned cmd, const char *key)
{
    if (!strcmp(key, "cmd") || !strcmp(key, "id"))
        return true;
    for (size_t i = 0; i < 4 && commands[cmd].args[i]; i++)
        if (!strcmp(key, commands[cmd].args[i]))
            return true;
    return false;
}

int api_request__parse(const char *line, size_t len, struct api_request *req, struct err *err)
{
    memset(req, 0, sizeof(*req));
    if (len > API_LINE_MAX)
        return err__set(err, "request longer than %d bytes", API_LINE_MAX);
    struct json_tokener *tok = json_tokener_new();
    if (!tok)
        return err__set(err, "out of memory");
    struct json_object *obj = json_tokener_parse_ex(tok, line, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t used = (size_t)json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (!obj || jerr != json_tokener_success) {
        json_object_put(obj);
        return err__set(err, "request is not valid json: %s",
                        jerr == json_tokener_continue ? "unexpected end"
                                                      : json_tokener_error_desc(jerr));
    }
    for (; used < len; used++)
        if (!strchr(" \t\r", line[used])) {
            json_object_put(obj);
            return err__set(err, "request has trailing bytes after the json object");
        }
    int rc = -1;
    struct json_object *cmd;
    if (!json_object_is_type(obj, json_type_object)) {
        err__set(err, "request must be a json object");
        goto out;
    }
    if (!json_object_object_get_ex(obj, "cmd", &cmd) ||
        !json_object_is_type(cmd, json_type_string)) {
        err__set(err, "request has no \"cmd\" string");
        goto out;
    }
    const char *name = json_object_get_string(cmd);
    unsigned i = 0;
    while (i < API_CMD_COUNT && strcmp(commands[i].name, name))
        i++;
    if (i == API_CMD_COUNT) {
        err__set(err, "unknown command '%.64s'", name);
        goto out;
    }
    req->cmd = (enum api_cmd)i;
    json_object_object_foreach(obj, key, val)
    {
        (void)val;
        if (!allowed(i, key)) {
            err__set(err, "%s: unknown argument '%.64s'", commands[i].name, key);
            goto out;
        }
    }
    if (commands[i].parse && commands[i].parse(obj, req, err))
        goto out;
    rc = 0;
out:
    if (json_object_object_get_ex(obj, "id", &cmd))
        req->id = json_object_get(cmd); /* echoed even in an error response */
    json_object_put(obj);
    return rc;
}

void api_request__free(struct api_request *req)
{
    json_object_put(req->id);
    req->id = NULL;
}
