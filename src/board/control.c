// SPDX-License-Identifier: Apache-2.0
/* control.c - the control thread: acting on parsed requests (see control.h). */
#include "board/control.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "board/migrate.h"
#include "board/snapshot.h"
#include "util/log.h"

struct vm_control {
    struct vm *vm;
    char *name;
    char *console_path;
    const char *engine;
    unsigned ncpus;
    uint64_t ram_size;
    struct virtio_options disks; /* copies: path, readonly */
    struct timespec started;
    time_t started_wall;

    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct api_call *queue, **tail;
    bool finishing;
    bool ended;  /* the thread is gone: calls are refused at once */
    bool paused; /* by a request */
    struct api_server *server;
    struct snapshot_config snap; /* what a snapshot records of the configuration */
    struct err snap_err;         /* why it cannot be had, if so */
    bool snap_ok;
};

typedef void handler_fn(struct vm_control *c, struct api_call *call);

static void emit_state(struct vm_control *c, const char *state)
{
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "state", json_object_new_string(state));
    api_server__event(c->server, "state", d);
}

static const char *state_name(struct vm_control *c)
{
    if (machine__stopped(&c->vm->machine))
        return "stopping";
    return c->paused ? "paused" : "running";
}

static double seconds_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* This process's resident set in bytes (/proc/self/statm), 0 if unknown. */
static uint64_t process_rss(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long size, rss = 0;
    if (f) {
        if (fscanf(f, "%llu %llu", &size, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return rss * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void add_u64(struct json_object *o, const char *key, uint64_t v)
{
    json_object_object_add(o, key, json_object_new_int64((int64_t)v));
}

/* Asks the guest for fresh statistics and waits a little for them (they come on statsq). */
static void refresh_balloon_stats(struct virtio_balloon *b)
{
    struct virtio_balloon_info before, now;
    virtio_balloon__info(b, &before);
    virtio_balloon__request_stats(b);
    for (int i = 0; i < 25; i++) {
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
        virtio_balloon__info(b, &now);
        if (now.stats_updates != before.stats_updates)
            return;
    }
}

/*
 * "host_memory": what the VM costs the host (docs/memory.md); "balloon":
 * the balloon's target and size and the guest's own statistics.
 */
static void add_memory(struct vm_control *c, struct json_object *r)
{
    struct machine *m = &c->vm->machine;
    struct guest_memory_usage u = {0};
    struct err err;
    struct json_object *h = json_object_new_object();
    add_u64(h, "rss", process_rss());
    if (!guest_memory__usage(&m->mem, &u, &err))
        add_u64(h, "guest_resident", u.resident);
    json_object_object_add(h, "merge", json_object_new_boolean(m->mem.merge));
    add_u64(h, "shared", u.ksm);
    json_object_object_add(h, "hugepages",
                           json_object_new_string(m->mem.shared_backing ? "file"
                                                  : m->mem.thp          ? "thp"
                                                                        : "off"));
    struct virtio_balloon *b = c->vm->virtio.balloon;
    struct virtio_balloon_info bi = {0};
    if (b && !c->paused) {
        refresh_balloon_stats(b);
        virtio_balloon__info(b, &bi);
    } else if (b) {
        virtio_balloon__info(b, &bi);
    }
    add_u64(h, "ballooned", bi.inflated);
    json_object_object_add(r, "host_memory", h);
    if (!b)
        return;
    static const char *const names[VIRTIO_BALLOON_S_NR] = {
        "swap_in", "swap_out",  "major_faults", "minor_faults",        "free",
        "total",   "available", "caches",       "hugetlb_allocations", "hugetlb_failures"};
    struct json_object *bo = json_object_new_object(), *st = json_object_new_object();
    add_u64(bo, "target", bi.target);
    add_u64(bo, "actual", bi.actual);
    add_u64(bo, "reported", bi.reported);
    for (unsigned i = 0; i < VIRTIO_BALLOON_S_NR; i++)
        if (bi.stats_valid & (1u << i))
            add_u64(st, names[i], bi.stats[i]);
    json_object_object_add(bo, "stats", st);
    json_object_object_add(r, "balloon", bo);
}

static void do_balloon(struct vm_control *c, struct api_call *call)
{
    struct virtio_balloon *b = c->vm->virtio.balloon;
    if (!b) {
        err__set(&call->error, "balloon: this vm has no balloon (run it with --balloon)");
        return;
    }
    uint64_t size = call->req.balloon.size;
    if (size > c->ram_size) {
        err__set(&call->error, "balloon: %llu MiB is more than the vm's %llu MiB",
                 (unsigned long long)(size >> 20), (unsigned long long)(c->ram_size >> 20));
        return;
    }
    virtio_balloon__set_target(b, size);
    struct json_object *r = json_object_new_object();
    add_u64(r, "target", size & ~(uint64_t)(VIRTIO_BALLOON_PAGE - 1));
    call->result = r;
    call->ok = true;
}

static void do_info(struct vm_control *c, struct api_call *call)
{
    struct json_object *r = json_object_new_object();
    json_object_object_add(r, "name", json_object_new_string(c->name));
    json_object_object_add(r, "type", json_object_new_string("vm"));
    json_object_object_add(r, "engine", json_object_new_string(c->engine));
    json_object_object_add(r, "cpus", json_object_new_int((int)c->ncpus));
    json_object_object_add(r, "memory", json_object_new_int64((int64_t)c->ram_size));
    json_object_object_add(r, "state", json_object_new_string(state_name(c)));
    json_object_object_add(r, "uptime", json_object_new_double(seconds_since(&c->started)));
    json_object_object_add(r, "started", json_object_new_int64((int64_t)c->started_wall));
    json_object_object_add(r, "pid", json_object_new_int((int)getpid()));
    struct json_object *disks = json_object_new_array();
    for (unsigned i = 0; i < c->disks.ndisks; i++) {
        const struct block_options *b = &c->disks.disks[i].image;
        struct json_object *d = json_object_new_object();
        struct stat st;
        json_object_object_add(d, "path", json_object_new_string(b->path));
        json_object_object_add(d, "readonly", json_object_new_boolean(b->readonly));
        if (!stat(b->path, &st))
            json_object_object_add(d, "size", json_object_new_int64((int64_t)st.st_size));
        json_object_array_add(disks, d);
    }
    json_object_object_add(r, "disks", disks);
    json_object_object_add(r, "nics", json_object_new_array());
    if (c->console_path)
        json_object_object_add(r, "console", json_object_new_string(c->console_path));
    add_memory(c, r);
    call->result = r;
    call->ok = true;
}

static void do_pause(struct vm_control *c, struct api_call *call)
{
    if (!c->paused) {
        vm__pause(c->vm);
        c->paused = true;
        emit_state(c, "paused");
    }
    call->ok = true;
}

static void do_resume(struct vm_control *c, struct api_call *call)
{
    if (c->paused) {
        vm__resume(c->vm);
        c->paused = false;
        emit_state(c, "running");
    }
    call->ok = true;
}

static void do_kill(struct vm_control *c, struct api_call *call)
{
    machine__stop(&c->vm->machine, MACHINE_STOP_KILLED, EXIT_STATUS_KILLED);
    call->ok = true;
}

/* Presses the power button and waits for the guest to power off; kills it after the timeout. */
static void do_stop(struct vm_control *c, struct api_call *call)
{
    struct machine *m = &c->vm->machine;
    struct err err;
    const char *how = "powered off";
    do_resume(c, call); /* a paused guest cannot see the button */
    if (vm__power_button(c->vm, &err)) {
        log__debug("stop: %s: killing the vm", err.msg);
        how = "killed: the vm has no power button";
        machine__stop(m, MACHINE_STOP_KILLED, EXIT_STATUS_KILLED);
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!machine__stopped(m)) {
        if (seconds_since(&t0) >= call->req.stop.timeout_s) {
            how = "killed: the guest did not power off in time";
            machine__stop(m, MACHINE_STOP_KILLED, EXIT_STATUS_KILLED);
            break;
        }
        nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    }
    if (atomic_load(&m->stop_reason) != MACHINE_STOP_POWEROFF &&
        atomic_load(&m->stop_reason) != MACHINE_STOP_KILLED)
        how = "ended on its own";
    struct json_object *r = json_object_new_object();
    json_object_object_add(r, "how", json_object_new_string(how));
    call->result = r;
    call->ok = true;
}

/* Pauses, writes the VM to a new file (renamed into place), resumes unless asked to stop. */
static void do_snapshot(struct vm_control *c, struct api_call *call)
{
    const char *path = call->req.snapshot.path;
    if (!c->snap_ok) {
        call->error = c->snap_err;
        return;
    }
    char tmp[PATH_MAX + 16];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        err__set_errno(&call->error, errno, "cannot create %s", tmp);
        return;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool was_paused = c->paused;
    if (!was_paused)
        vm__pause(c->vm);
    struct state_io io = {.fd = fd, .what = path};
    struct snapshot_stats stats = {0};
    int rc = vm_snapshot__write(c->vm, &c->snap, &io, &stats, &call->error);
    if (close(fd) && !rc)
        rc = err__set_errno(&call->error, errno, "%s: write failed", path);
    if (!rc && rename(tmp, path))
        rc = err__set_errno(&call->error, errno, "cannot rename %s to %s", tmp, path);
    if (rc)
        unlink(tmp);
    double seconds = seconds_since(&t0);
    if (!rc && call->req.snapshot.stop)
        machine__stop(&c->vm->machine, MACHINE_STOP_SAVED, 0);
    else if (!was_paused)
        vm__resume(c->vm);
    if (rc)
        return;
    struct json_object *r = json_object_new_object();
    json_object_object_add(r, "path", json_object_new_string(path));
    json_object_object_add(r, "bytes", json_object_new_int64((int64_t)stats.bytes));
    json_object_object_add(r, "ram_pages", json_object_new_int64((int64_t)stats.ram_pages));
    json_object_object_add(r, "seconds", json_object_new_double(seconds));
    json_object_object_add(r, "stopped", json_object_new_boolean(call->req.snapshot.stop));
    call->result = r;
    call->ok = true;
}

/* Sends the VM to another strata (board/migrate.h); on success it ends here. */
static void do_migrate(struct vm_control *c, struct api_call *call)
{
    if (!c->snap_ok) {
        call->error = c->snap_err;
        return;
    }
    struct migrate_stats st;
    if (vm_migrate__send(c->vm, &c->snap, call->req.migrate.uri, call->req.migrate.downtime_ms,
                         c->paused, &st, &call->error)) {
        struct err why = call->error;
        err__set(&call->error, "migration to %s failed: %s; the vm runs on here",
                 call->req.migrate.uri, why.msg);
        log__msg("%s", call->error.msg);
        return;
    }
    log__msg("migrated to %s: %.0f ms, downtime %.1f ms, %.1f MiB in %u rounds",
             call->req.migrate.uri, st.total_ms, st.downtime_ms, (double)st.bytes / (1 << 20),
             st.iterations);
    struct json_object *r = json_object_new_object();
    json_object_object_add(r, "uri", json_object_new_string(call->req.migrate.uri));
    json_object_object_add(r, "total_ms", json_object_new_double(st.total_ms));
    json_object_object_add(r, "downtime_ms", json_object_new_double(st.downtime_ms));
    json_object_object_add(r, "downtime_limit_ms",
                           json_object_new_int((int)call->req.migrate.downtime_ms));
    add_u64(r, "bytes", st.bytes);
    json_object_object_add(r, "iterations", json_object_new_int((int)st.iterations));
    add_u64(r, "pages", st.pages);
    add_u64(r, "last_pages", st.last_pages);
    json_object_object_add(r, "bandwidth_mbs", json_object_new_double(st.bandwidth_mbs));
    call->result = r;
    call->ok = true;
}

static handler_fn *const handlers[API_CMD_COUNT] = {
    [API_CMD_INFO] = do_info,         [API_CMD_PAUSE] = do_pause,
    [API_CMD_RESUME] = do_resume,     [API_CMD_STOP] = do_stop,
    [API_CMD_KILL] = do_kill,         [API_CMD_BALLOON] = do_balloon,
    [API_CMD_SNAPSHOT] = do_snapshot, [API_CMD_MIGRATE] = do_migrate,
};

static void *control_thread(void *arg)
{
    struct vm_control *c = arg;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (!c->queue && !c->finishing)
            pthread_cond_wait(&c->changed, &c->lock);
        if (!c->queue)
            break;
        struct api_call *call = c->queue;
        if (!(c->queue = call->next))
            c->tail = &c->queue;
        call->next = NULL;
        pthread_mutex_unlock(&c->lock);
        handler_fn *h = call->req.cmd < API_CMD_COUNT ? handlers[call->req.cmd] : NULL;
        if (c->finishing && call->req.cmd != API_CMD_INFO && call->req.cmd != API_CMD_STOP &&
            call->req.cmd != API_CMD_KILL)
            err__set(&call->error, "the vm has ended");
        else if (h)
            h(c, call);
        else
            err__set(&call->error, "%s: not supported by this vm", api_cmd__name(call->req.cmd));
        api_call__done(call);
        pthread_mutex_lock(&c->lock);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

static void submit(void *opaque, struct api_call *call)
{
    struct vm_control *c = opaque;
    pthread_mutex_lock(&c->lock);
    if (c->ended) {
        pthread_mutex_unlock(&c->lock);
        err__set(&call->error, "the vm has ended");
        api_call__done(call);
        return;
    }
    *c->tail = call;
    c->tail = &call->next;
    pthread_cond_signal(&c->changed);
    pthread_mutex_unlock(&c->lock);
}

struct api_handler vm_control__handler(struct vm_control *c)
{
    return (struct api_handler){.submit = submit, .opaque = c};
}

void vm_control__set_server(struct vm_control *c, struct api_server *s)
{
    c->server = s;
}

struct vm_control *vm_control__create(struct vm *vm, const struct vm_control_info *info,
                                      struct err *err)
{
    struct vm_control *c = calloc(1, sizeof(*c));
    if (!c) {
        err__set(err, "out of memory");
        return NULL;
    }
    c->vm = vm;
    c->name = strdup(info->name);
    c->console_path = info->console_path ? strdup(info->console_path) : NULL;
    c->engine = info->cfg->engine->name;
    c->ncpus = info->cfg->ncpus;
    c->ram_size = info->cfg->ram_size;
    for (unsigned i = 0; i < info->cfg->virtio.ndisks; i++) {
        const struct block_options *b = &info->cfg->virtio.disks[i].image;
        struct virtio_blk_params *d = &c->disks.disks[c->disks.ndisks];
        if (!(c->disks.disk_specs[c->disks.ndisks] = strdup(b->path)))
            break;
        d->image.path = c->disks.disk_specs[c->disks.ndisks++];
        d->image.readonly = b->readonly;
    }
    c->snap_ok = !snapshot_config__from(&c->snap, info->cfg, &c->snap_err);
    clock_gettime(CLOCK_MONOTONIC, &c->started);
    c->started_wall = time(NULL);
    c->tail = &c->queue;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->changed, NULL);
    int rc = pthread_create(&c->thread, NULL, control_thread, c);
    if (rc) {
        err__set_errno(err, rc, "cannot start the control thread");
        vm_control__destroy(c);
        return NULL;
    }
    return c;
}

static const char *reason_name(int reason)
{
    switch (reason) {
    case MACHINE_STOP_EXIT: return "exit";
    case MACHINE_STOP_RESET: return "reset";
    case MACHINE_STOP_TIMEOUT: return "timeout";
    case MACHINE_STOP_FAILURE: return "failure";
    case MACHINE_STOP_USER: return "quit";
    case MACHINE_STOP_POWEROFF: return "poweroff";
    case MACHINE_STOP_KILLED: return "killed";
    case MACHINE_STOP_SAVED: return "saved";
    case MACHINE_STOP_MIGRATED: return "migrated";
    }
    return "unknown";
}

void vm_control__finish(struct vm_control *c, int status)
{
    pthread_mutex_lock(&c->lock);
    bool started = !c->finishing;
    c->finishing = true;
    pthread_cond_signal(&c->changed);
    pthread_mutex_unlock(&c->lock);
    if (!started)
        return;
    pthread_join(c->thread, NULL);
    pthread_mutex_lock(&c->lock);
    c->ended = true;
    pthread_mutex_unlock(&c->lock);
    struct json_object *d = json_object_new_object();
    json_object_object_add(
        d, "reason", json_object_new_string(reason_name(atomic_load(&c->vm->machine.stop_reason))));
    json_object_object_add(d, "status", json_object_new_int(status));
    api_server__event(c->server, "shutdown", d);
}

void vm_control__destroy(struct vm_control *c)
{
    if (!c)
        return;
    vm_control__finish(c, 0);
    virtio_options__free(&c->disks);
    pthread_cond_destroy(&c->changed);
    pthread_mutex_destroy(&c->lock);
    free(c->name);
    free(c->console_path);
    free(c);
}

void vm_control__pause(struct vm_control *c)
{
    vm__pause(c->vm);
    c->paused = true;
}
