// SPDX-License-Identifier: Apache-2.0
/* client.c - a control-socket client (see client.h). */
#include "api/client.h"

#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "api/registry.h"

#define GREETING_TIMEOUT_S 5.0

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads one line into a malloc'ed string-less view: returns its length, -1 on error. */
static int read_line(struct api_client *c, double timeout_s, char **line, size_t *len,
                     struct err *err)
{
    double deadline = timeout_s > 0 ? now_s() + timeout_s : 0;
    for (;;) {
        char *nl = memchr(c->buf, '\n', c->len);
        if (nl) {
            *nl = 0;
            *line = c->buf;
            *len = (size_t)(nl - c->buf);
            return 0;
        }
        if (c->len == sizeof(c->buf) - 1)
            return err__set(err, "%s: response line too long", c->name);
        int wait_ms = -1;
        if (deadline) {
            double left = deadline - now_s();
            if (left <= 0)
                return err__set(err, "%s: no answer within %g seconds", c->name, timeout_s);
            wait_ms = (int)(left * 1000) + 1;
        }
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        int rc = poll(&p, 1, wait_ms);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return err__set_errno(err, errno, "%s: poll", c->name);
        if (rc == 0)
            continue;
        ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return err__set_errno(err, errno, "%s: reading the control socket", c->name);
        if (n == 0)
            return err__set(err, "%s: the vm closed the control connection", c->name);
        c->len += (size_t)n;
    }
}

static void drop_line(struct api_client *c, size_t len)
{
    memmove(c->buf, c->buf + len + 1, c->len - len - 1);
    c->len -= len + 1;
}

struct json_object *api_client__read(struct api_client *c, double timeout_s, struct err *err)
{
    char *line;
    size_t len;
    if (read_line(c, timeout_s, &line, &len, err))
        return NULL;
    struct json_object *o = json_tokener_parse(line);
    drop_line(c, len);
    if (!o || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        err__set(err, "%s: the vm sent a line that is not a json object", c->name);
        return NULL;
    }
    return o;
}

int api_client__open_path(struct api_client *c, const char *path, struct err *err)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (!c->name[0])
        snprintf(c->name, sizeof(c->name), "%s", path);
    c->len = 0;
    c->greeting = NULL;
    c->fd = -1;
    if (strlen(path) >= sizeof(addr.sun_path))
        return err__set(err, "socket path too long: %s", path);
    strcpy(addr.sun_path, path);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return err__set_errno(err, errno, "socket");
    if (connect(c->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        err__set_errno(err, errno, "%s: cannot connect to %s", c->name, path);
        goto fail;
    }
    char *line;
    size_t len;
    struct err rerr;
    if (read_line(c, GREETING_TIMEOUT_S, &line, &len, &rerr)) {
        err__set(err, "%s is not a strata control socket (no greeting: %s)", path, rerr.msg);
        goto fail;
    }
    struct json_object *o = json_tokener_parse(line);
    drop_line(c, len);
    struct json_object *g, *v;
    if (!o || !json_object_object_get_ex(o, "strata", &g) ||
        !json_object_is_type(g, json_type_object) || !json_object_object_get_ex(g, "version", &v)) {
        json_object_put(o);
        err__set(err, "%s is not a strata control socket (it greets with something else)", path);
        goto fail;
    }
    if (json_object_get_int(v) != 1) {
        json_object_put(o);
        err__set(err, "%s speaks control protocol version %d, this strata speaks 1", path,
                 json_object_get_int(v));
        goto fail;
    }
    c->greeting = json_object_get(g);
    json_object_put(o);
    return 0;
fail:
    close(c->fd);
    c->fd = -1;
    return -1;
}

int api_client__open(struct api_client *c, const char *name, struct err *err)
{
    char path[PATH_MAX];
    memset(c->name, 0, sizeof(c->name));
    if (registry__find(name, "control.sock", path, sizeof(path), err))
        return -1;
    snprintf(c->name, sizeof(c->name), "%s", name);
    return api_client__open_path(c, path, err);
}

void api_client__close(struct api_client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    json_object_put(c->greeting);
    c->greeting = NULL;
}

struct json_object *api_client__request(const char *cmd)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "cmd", json_object_new_string(cmd));
    return o;
}

int api_client__call(struct api_client *c, struct json_object *request, double timeout_s,
                     struct json_object **result, struct err *err)
{
    *result = NULL;
    const char *text = json_object_to_json_string_ext(request, JSON_C_TO_STRING_PLAIN);
    size_t len = strlen(text);
    char line[4096];
    if (len + 2 > sizeof(line))
        return err__set(err, "request too long");
    memcpy(line, text, len);
    line[len++] = '\n';
    for (size_t off = 0; off < len;) {
        ssize_t n = send(c->fd, line + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return err__set_errno(err, errno, "%s: sending to the control socket", c->name);
        off += (size_t)n;
    }
    for (;;) {
        struct json_object *o = api_client__read(c, timeout_s, err);
        if (!o)
            return -1;
        struct json_object *ok, *v;
        if (json_object_object_get_ex(o, "event", &v)) { /* an event: not ours */
            json_object_put(o);
            continue;
        }
        if (!json_object_object_get_ex(o, "ok", &ok)) {
            json_object_put(o);
            return err__set(err, "%s: a response without \"ok\"", c->name);
        }
        if (!json_object_get_boolean(ok)) {
            const char *msg =
                json_object_object_get_ex(o, "error", &v) ? json_object_get_string(v) : "failed";
            err__set(err, "%s: %s", c->name, msg);
            json_object_put(o);
            return -1;
        }
        if (json_object_object_get_ex(o, "result", &v))
            *result = json_object_get(v);
        else
            *result = json_object_new_object();
        json_object_put(o);
        return 0;
    }
}
