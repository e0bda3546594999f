// SPDX-License-Identifier: Apache-2.0
/*
 * ct_serve.c - a `strata ct` container's control socket (docs/api.md),
 * served by its monitor: the VM's protocol and commands where they apply,
 * in the same runtime directory (api/registry.h), so `strata ls`, `strata
 * info|pause|resume|stop|kill NAME` and any client of the socket reach VMs
 * and containers alike. info is ct/info.c's object; pause and resume
 * freeze and thaw its cgroup; stop sends SIGTERM to the init (thawed first)
 * and SIGKILL to the cgroup after the timeout, and answers once the init
 * has ended; kill sends SIGKILL to the cgroup. Stops wait on their own
 * threads; the monitor's end (ct_serve__end) answers them, sends the
 * shutdown event and removes the directory.
 */
#include "cli/ct_serve.h"

#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "ct/container.h"
#include "ct/info.h"

/* The container's cgroup, from its state. */
static int cgroup(struct ct_serve *s, struct ct_cgroup *cg, struct err *err)
{
    char dir[PATH_MAX];
    struct ct_state st;
    if (ct_container__load(s->root, s->name, dir, sizeof(dir), &st, NULL, err))
        return -1;
    ct_container__cgroup_of(&st, cg);
    return 0;
}

static void state_event(struct ct_serve *s, const char *state)
{
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "state", json_object_new_string(state));
    api_server__event(s->server, "state", d);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

struct stop_job {
    struct ct_serve *s;
    struct api_call *call;
};

/* Waits up to SECONDS for the init's end; true once it has ended. */
static bool wait_end(struct ct_serve *s, double seconds)
{
    double until = now() + seconds;
    pthread_mutex_lock(&s->lock);
    while (!s->ended && now() < until) {
        pthread_mutex_unlock(&s->lock);
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
        pthread_mutex_lock(&s->lock);
    }
    bool ended = s->ended;
    pthread_mutex_unlock(&s->lock);
    return ended;
}

static void *stop_thread(void *arg)
{
    struct stop_job *j = arg;
    struct ct_serve *s = j->s;
    struct api_call *call = j->call;
    free(j);
    const char *how = "stopped";
    struct ct_cgroup cg;
    struct err err;
    if (!wait_end(s, 0)) {
        if (cgroup(s, &cg, &err) == 0 && ct_cgroup__frozen(&cg))
            ct_cgroup__freeze(&cg, false, NULL); /* a frozen init cannot take SIGTERM */
        if (ct_container__kill(s->root, s->name, SIGTERM, false, &err))
            how = "ended on its own";
        else if (!wait_end(s, call->req.stop.timeout_s)) {
            how = "killed: the init did not exit in time";
            ct_container__kill(s->root, s->name, SIGKILL, true, NULL);
        }
    } else {
        how = "ended on its own";
    }
    wait_end(s, 30);
    call->ok = true;
    call->result = json_object_new_object();
    json_object_object_add(call->result, "how", json_object_new_string(how));
    api_call__done(call);
    pthread_mutex_lock(&s->lock);
    s->stops--;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static void submit(void *opaque, struct api_call *call)
{
    struct ct_serve *s = opaque;
    struct ct_cgroup cg;
    call->ok = false;
    switch (call->req.cmd) {
    case API_CMD_INFO:
        call->result = ct_info__object(s->root, s->name);
        call->ok = call->result != NULL;
        if (!call->ok)
            err__set(&call->error, "container %s: its state cannot be read", s->name);
        break;
    case API_CMD_PAUSE:
    case API_CMD_RESUME: {
        bool pause = call->req.cmd == API_CMD_PAUSE;
        if (cgroup(s, &cg, &call->error))
            break;
        bool change = ct_cgroup__frozen(&cg) != pause;
        if (change && ct_cgroup__freeze(&cg, pause, &call->error))
            break;
        call->ok = true;
        if (change)
            state_event(s, pause ? "paused" : "running");
        break;
    }
    case API_CMD_KILL:
        call->ok = ct_container__kill(s->root, s->name, SIGKILL, true, &call->error) == 0;
        break;
    case API_CMD_STOP: {
        struct stop_job *j = malloc(sizeof(*j));
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_mutex_lock(&s->lock);
        s->stops++;
        pthread_mutex_unlock(&s->lock);
        if (j) {
            *j = (struct stop_job){.s = s, .call = call};
            if (pthread_create(&t, &attr, stop_thread, j) == 0) {
                pthread_attr_destroy(&attr);
                return; /* answered by the thread */
            }
            free(j);
        }
        pthread_attr_destroy(&attr);
        pthread_mutex_lock(&s->lock);
        s->stops--;
        pthread_mutex_unlock(&s->lock);
        err__set(&call->error, "stop: cannot start a thread");
        break;
    }
    case API_CMD_BALLOON:
    case API_CMD_SNAPSHOT:
    default:
        err__set(&call->error, "%s: not for containers (type ct)", api_cmd__name(call->req.cmd));
        break;
    }
    api_call__done(call);
}

int ct_serve__start(struct ct_serve *s, const char *root, const char *name, struct err *err)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->root, sizeof(s->root), "%s", root);
    snprintf(s->name, sizeof(s->name), "%s", name);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    char control[PATH_MAX];
    if (registry__claim(name, &s->reg, err))
        return -1;
    if (registry__path(&s->reg, "control.sock", control, sizeof(control), err))
        goto fail;
    struct json_object *greeting = json_object_new_object();
    json_object_object_add(greeting, "version", json_object_new_int(API_PROTOCOL_VERSION));
    json_object_object_add(greeting, "name", json_object_new_string(name));
    json_object_object_add(greeting, "type", json_object_new_string("ct"));
    const struct api_handler h = {.submit = submit, .opaque = s};
    if (!(s->server = api_server__start(control, greeting, &h, err)))
        goto fail;
    if (registry__publish(&s->reg, err))
        goto fail;
    s->started = true;
    return 0;
fail:
    api_server__stop(s->server);
    registry__release(&s->reg);
    s->server = NULL;
    return -1;
}

void ct_serve__end(struct ct_serve *s, int wait_status)
{
    if (!s->started)
        return;
    pthread_mutex_lock(&s->lock);
    s->ended = true;
    while (s->stops)
        pthread_cond_wait(&s->cond, &s->lock);
    pthread_mutex_unlock(&s->lock);
    struct json_object *d = json_object_new_object();
    bool sig = WIFSIGNALED(wait_status);
    json_object_object_add(d, "reason", json_object_new_string(sig ? "killed" : "exit"));
    json_object_object_add(
        d, "status",
        json_object_new_int(sig ? 128 + WTERMSIG(wait_status) : WEXITSTATUS(wait_status)));
    api_server__event(s->server, "shutdown", d);
    api_server__stop(s->server);
    registry__release(&s->reg);
    s->started = false;
}
