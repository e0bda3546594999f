// SPDX-License-Identifier: Apache-2.0
/*
 * container.c - create, start, kill, delete, state and exec of a container
 * (see container.h), following runtime-spec runtime.md#lifecycle.
 *
 * create clones the init with every new namespace but the cgroup one at once
 * (the kernel makes the user namespace first, so the others belong to it).
 * The parent writes the id maps, moves the init into its cgroup, runs the
 * after-spawn callback (networking) and the prestart/createRuntime hooks,
 * then lets it go on: it joins the namespaces given by path, unshares its
 * cgroup namespace, builds the rootfs and pivots, prepares its process and
 * reports ready over a SOCK_SEQPACKET pair ('D', or 'E' and a message). It
 * then blocks opening the exec fifo (runc's design): `start` opens the other
 * end, and only then does it exec.
 */
#include "ct/container.h"
#include "ct/fmt.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ct/cgroup.h"
#include "ct/console.h"
#include "ct/hooks.h"
#include "ct/ns.h"
#include "ct/rootfs.h"
#include "ct/security.h"

#define OCI_VERSION "1.0.2"

/* --- the sync channel between the runtime and the init ---------------------------------- */

static void sync_send(int fd, char tag, const char *text)
{
    char buf[600];
    buf[0] = tag;
    size_t n = 1;
    if (text) {
        size_t l = strlen(text);
        if (l > sizeof(buf) - 1)
            l = sizeof(buf) - 1;
        memcpy(buf + 1, text, l);
        n += l;
    }
    while (send(fd, buf, n, MSG_NOSIGNAL) < 0 && errno == EINTR)
        ;
}

/* Waits for a message; returns its tag, or 0 when the other side is gone. */
static char sync_recv(int fd, char *text, size_t size)
{
    char buf[600];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) < 0 && errno == EINTR)
        ;
    if (n <= 0)
        return 0;
    buf[n] = 0;
    if (text)
        ct_fmt(text, size, "%s", buf + 1);
    return buf[0];
}

static __attribute__((noreturn)) void init_fail(int sync, const struct err *e)
{
    sync_send(sync, 'E', e->msg);
    _exit(1);
}

/* --- the init, in the new namespaces --------------------------------------------------------- */

struct init_args {
    struct ct_spec *spec;
    const struct ct_create_opts *o;
    const struct ct_cgroup *cg;
    const char *rootfs;
    int state_fd;   /* the state directory (O_PATH), opened by the parent: reaches exec.fifo */
    int console_fd; /* connected to --console-socket by the parent, or -1 */
    int sync;
};

static __attribute__((noreturn)) void init_main(const struct init_args *a)
{
    struct ct_spec *spec = a->spec;
    struct err e = {{0}};
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (sync_recv(a->sync, NULL, 0) != 'G')
        _exit(1);
    bool new_userns = spec->ns[CT_NS_USER].wanted && !spec->ns[CT_NS_USER].path;
    if (spec->ns[CT_NS_USER].path && ct_ns__join_path(CT_NS_USER, spec->ns[CT_NS_USER].path, &e))
        init_fail(a->sync, &e);
    if (new_userns || spec->ns[CT_NS_USER].path) {
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
            err__set_errno(&e, errno, "cannot become root in the user namespace (is 0 mapped?)");
            init_fail(a->sync, &e);
        }
    }
    for (int t = 0; t < CT_NS_COUNT; t++) {
        if (t == CT_NS_USER || t == CT_NS_PID || !spec->ns[t].path)
            continue;
        if (ct_ns__join_path(t, spec->ns[t].path, &e))
            init_fail(a->sync, &e);
    }
    if (spec->ns[CT_NS_CGROUP].wanted && !spec->ns[CT_NS_CGROUP].path &&
        unshare(CLONE_NEWCGROUP) < 0) {
        err__set_errno(&e, errno, "cannot make a cgroup namespace");
        init_fail(a->sync, &e);
    }
    if (spec->hostname && spec->ns[CT_NS_UTS].wanted &&
        sethostname(spec->hostname, strlen(spec->hostname)) < 0) {
        err__set_errno(&e, errno, "cannot set the hostname");
        init_fail(a->sync, &e);
    }
    if (spec->ns[CT_NS_NET].wanted && !spec->ns[CT_NS_NET].path && ct_ns__loopback_up(&e))
        init_fail(a->sync, &e);
    setsid();
    char state[512];
    ct_fmt(state, sizeof(state),
           "{\"ociVersion\":\"" OCI_VERSION "\",\"id\":\"%s\",\"status\":\"creating\","
           "\"pid\":%d,\"bundle\":\"%s\"}",
           a->o->id, (int)getpid(), a->o->bundle);
    if (ct_hooks__run(spec, CT_HOOK_CREATE_CONTAINER, state, &e))
        init_fail(a->sync, &e);
    if (spec->ns[CT_NS_MOUNT].wanted) {
        if (ct_rootfs__enter(spec, a->rootfs, a->cg, new_userns || spec->ns[CT_NS_USER].path, NULL,
                             &e))
            init_fail(a->sync, &e);
    } else if (chroot(a->rootfs) < 0 || chdir("/") < 0) {
        /* no mount namespace asked for: pivot_root would change the host's root */
        err__set_errno(&e, errno, "cannot enter %s", a->rootfs);
        init_fail(a->sync, &e);
    }
    if (spec->process.terminal &&
        ct_console__setup(a->console_fd, spec->ns[CT_NS_MOUNT].wanted, &e))
        init_fail(a->sync, &e);
    if (spec->ns[CT_NS_MOUNT].wanted && ct_rootfs__seal(spec, &e))
        init_fail(a->sync, &e);
    if (ct_process__prepare(&spec->process, spec->seccomp, &e))
        init_fail(a->sync, &e);
    char prog[PATH_MAX];
    if (ct_process__lookup(&spec->process, prog, sizeof(prog), &e))
        init_fail(a->sync, &e);
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    sync_send(a->sync, 'D', NULL);
    close(a->sync);
    /* through the state directory's fd: the new root neither has it nor needs a /proc */
    int w = openat(a->state_fd, "exec.fifo", O_WRONLY | O_CLOEXEC);
    if (w < 0 || write(w, "0", 1) != 1)
        _exit(1);
    close(w);
    close(a->state_fd);
    if (ct_hooks__run(spec, CT_HOOK_START_CONTAINER, state, &e)) {
        fprintf(stderr, "strata: %s\n", e.msg);
        _exit(1);
    }
    ct_process__exec(&spec->process, prog, &e);
    fprintf(stderr, "strata: %s\n", e.msg);
    _exit(127);
}

/* --- create ---------------------------------------------------------------------------------- */

static void now_rfc3339(char *out, size_t size)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char base[32];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    ct_fmt(out, size, "%s.%09ldZ", base, ts.tv_nsec);
}

static int write_pid_file(const char *path, pid_t pid, struct err *err)
{
    char tmp[PATH_MAX];
    ct_fmt(tmp, sizeof(tmp), "%s.strata-tmp", path);
    FILE *f = fopen(tmp, "we");
    if (!f)
        return err__set_errno(err, errno, "cannot write pid file %s", path);
    fprintf(f, "%d", (int)pid);
    if (fclose(f) != 0 || rename(tmp, path) < 0)
        return err__set_errno(err, errno, "cannot write pid file %s", path);
    return 0;
}

static char *hook_state(const char *id, const char *status, pid_t pid, const char *bundle,
                        const char *annotations)
{
    char *s = NULL;
    if (asprintf(&s,
                 "{\"ociVersion\":\"" OCI_VERSION "\",\"id\":\"%s\",\"status\":\"%s\","
                 "\"pid\":%d,\"bundle\":\"%s\",\"annotations\":%s}",
                 id, status, (int)pid, bundle, annotations ? annotations : "{}") < 0)
        abort();
    return s;
}

int ct_container__create(struct ct_spec *spec, const struct ct_create_opts *o, pid_t *pid_out,
                         struct err *err)
{
    char dir[PATH_MAX], rootfs[PATH_MAX], fifo[PATH_MAX], cfg[PATH_MAX];
    if (ct_state__dir(o->state_root, o->id, dir, sizeof(dir), err))
        return -1;
    if (!o->dir_made && mkdir(dir, 0711) < 0) {
        if (errno == EEXIST)
            return err__set(err, "container %s already exists", o->id);
        return err__set_errno(err, errno, "cannot create %s", dir);
    }
    if (spec->root_path[0] == '/')
        ct_fmt(rootfs, sizeof(rootfs), "%s", spec->root_path);
    else
        ct_fmt(rootfs, sizeof(rootfs), "%s/%s", o->bundle, spec->root_path);
    char *real = realpath(rootfs, NULL);
    struct ct_cgroup cg;
    int sync[2] = {-1, -1}, state_fd = -1, console_fd = -1;
    pid_t pid = -1;
    bool cg_made = false;
    if (!real) {
        err__set_errno(err, errno, "root filesystem %s", rootfs);
        goto fail;
    }
    ct_fmt(rootfs, sizeof(rootfs), "%s", real);
    free(real);
    ct_fmt(cfg, sizeof(cfg), "%s/config.json", dir);
    if (o->config_path && strcmp(o->config_path, cfg) &&
        ct_state__copy_file(o->config_path, cfg, err))
        goto fail;
    if (ct_cgroup__init(&cg, spec->cgroups_path, o->id, err))
        goto fail;
    if (geteuid() != 0 && !ct_cgroup__resources_set(&spec->resources))
        cg.path[0] = 0; /* an unprivileged user cannot make cgroups here: none without limits */
    cg_made = true;     /* a limit refused after the directories were made: they go too */
    if (ct_cgroup__create(&cg, &spec->resources, spec->devices, spec->n_devices, err))
        goto fail_cg;
    ct_fmt(fifo, sizeof(fifo), "%s/exec.fifo", dir);
    if (mkfifo(fifo, 0622) < 0 || chmod(fifo, 0622) < 0) {
        err__set_errno(err, errno, "cannot make %s", fifo);
        goto fail_cg;
    }
    state_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (state_fd < 0) {
        err__set_errno(err, errno, "cannot open %s", dir);
        goto fail_cg;
    }
    if (spec->process.terminal && o->console_fd >= 0)
        console_fd = dup(o->console_fd);
    else if (spec->process.terminal && o->console_socket &&
             (console_fd = ct_console__connect(o->console_socket, err)) < 0)
        goto fail_cg;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0) {
        err__set_errno(err, errno, "socketpair");
        goto fail_cg;
    }
    if (spec->ns[CT_NS_PID].path && ct_ns__join_path(CT_NS_PID, spec->ns[CT_NS_PID].path, err))
        goto fail_cg;
    int flags = 0;
    for (int t = 0; t < CT_NS_COUNT; t++)
        if (t != CT_NS_CGROUP && spec->ns[t].wanted && !spec->ns[t].path)
            flags |= ct_ns__clone_flag(t);
    fflush(NULL);
    pid = (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid < 0) {
        err__set_errno(err, errno, "cannot clone the container's init");
        goto fail_cg;
    }
    if (pid == 0) {
        close(sync[0]);
        struct init_args a = {spec, o, &cg, rootfs, state_fd, console_fd, sync[1]};
        init_main(&a);
    }
    close(sync[1]);
    sync[1] = -1;
    char *state = NULL;
    if (spec->ns[CT_NS_USER].wanted && !spec->ns[CT_NS_USER].path &&
        ct_ns__write_maps(pid, spec, err))
        goto fail_kill;
    if (ct_cgroup__attach(&cg, pid, err))
        goto fail_kill;
    if (o->after_spawn && o->after_spawn(pid, o->after_spawn_arg, err))
        goto fail_kill;
    /* prestart (deprecated) sees "created", as crun shows it; createRuntime "creating" */
    state = hook_state(o->id, "created", pid, o->bundle, spec->annotations_json);
    int hrc = ct_hooks__run(spec, CT_HOOK_PRESTART, state, err);
    free(state);
    state = hook_state(o->id, "creating", pid, o->bundle, spec->annotations_json);
    if (!hrc)
        hrc = ct_hooks__run(spec, CT_HOOK_CREATE_RUNTIME, state, err);
    free(state);
    if (hrc)
        goto fail_kill;
    sync_send(sync[0], 'G', NULL);
    char msg[600];
    char tag = sync_recv(sync[0], msg, sizeof(msg));
    if (tag != 'D') {
        if (tag == 'E')
            err__set(err, "%s", msg);
        else
            err__set(err, "the container's init died while it was being created");
        goto fail_kill;
    }
    close(sync[0]);
    sync[0] = -1;
    close(state_fd);
    state_fd = -1;
    if (console_fd >= 0)
        close(console_fd);
    console_fd = -1;
    struct ct_state st = {0};
    ct_fmt(st.id, sizeof(st.id), "%s", o->id);
    st.pid = pid;
    st.start_time = ct_state__start_time(pid);
    ct_fmt(st.bundle, sizeof(st.bundle), "%s", o->bundle);
    ct_fmt(st.rootfs, sizeof(st.rootfs), "%s", rootfs);
    now_rfc3339(st.created, sizeof(st.created));
    ct_fmt(st.cgroup_path, sizeof(st.cgroup_path), "%s", cg.path);
    st.cgroup_v2 = cg.v2;
    st.ct = o->ct;
    st.monitor = o->monitor;
    if (ct_state__write(dir, &st, err))
        goto fail_kill;
    if (o->pid_file && write_pid_file(o->pid_file, pid, err))
        goto fail_kill;
    if (pid_out)
        *pid_out = pid;
    return 0;

fail_kill:
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
fail_cg:
    if (cg_made)
        ct_cgroup__destroy(&cg, NULL);
fail:
    if (state_fd >= 0)
        close(state_fd);
    if (console_fd >= 0)
        close(console_fd);
    if (sync[0] >= 0)
        close(sync[0]);
    if (sync[1] >= 0)
        close(sync[1]);
    ct_state__remove(dir, NULL);
    return -1;
}

/* --- the other operations -------------------------------------------------------------------- */

int ct_container__load(const char *state_root, const char *id, char *dir, size_t dir_size,
                       struct ct_state *st, struct ct_spec *spec, struct err *err)
{
    if (ct_state__dir(state_root, id, dir, dir_size, err) || ct_state__read(dir, id, st, err))
        return -1;
    if (spec) {
        char cfg[PATH_MAX];
        ct_fmt(cfg, sizeof(cfg), "%s/config.json", dir);
        if (ct_spec__load(spec, cfg, err))
            return -1;
    }
    return 0;
}

void ct_container__cgroup_of(const struct ct_state *st, struct ct_cgroup *cg)
{
    memset(cg, 0, sizeof(*cg));
    cg->v2 = st->cgroup_v2;
    ct_fmt(cg->path, sizeof(cg->path), "%s", st->cgroup_path);
}

int ct_container__start(const char *state_root, const char *id, struct err *err)
{
    char dir[PATH_MAX], fifo[PATH_MAX];
    struct ct_state st;
    struct ct_spec spec;
    if (ct_container__load(state_root, id, dir, sizeof(dir), &st, &spec, err))
        return -1;
    enum ct_status s = ct_state__status(dir, &st);
    if (s != CT_STATUS_CREATED) {
        ct_spec__free(&spec);
        return err__set(err, "container %s is %s, not created: cannot start it", id,
                        ct_state__status_name(s));
    }
    ct_fmt(fifo, sizeof(fifo), "%s/exec.fifo", dir);
    int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        ct_spec__free(&spec);
        return err__set_errno(err, errno, "cannot open %s", fifo);
    }
    /* the init holds the write end open once it is ready; wait for its byte */
    char c = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, 100);
        if (r > 0 && read(fd, &c, 1) == 1)
            break;
        if (ct_state__status(dir, &st) == CT_STATUS_STOPPED) {
            close(fd);
            ct_spec__free(&spec);
            return err__set(err, "container %s: its init exited before it started", id);
        }
    }
    close(fd);
    unlink(fifo);
    char *state = hook_state(id, "running", st.pid, st.bundle, spec.annotations_json);
    struct err herr;
    if (ct_hooks__run(&spec, CT_HOOK_POSTSTART, state, &herr))
        fprintf(stderr, "strata: warning: %s\n", herr.msg);
    free(state);
    ct_spec__free(&spec);
    return 0;
}

int ct_container__kill(const char *state_root, const char *id, int sig, bool all, struct err *err)
{
    char dir[PATH_MAX];
    struct ct_state st;
    if (ct_container__load(state_root, id, dir, sizeof(dir), &st, NULL, err))
        return -1;
    enum ct_status s = ct_state__status(dir, &st);
    if (s != CT_STATUS_CREATED && s != CT_STATUS_RUNNING)
        return err__set(err, "container %s is not running", id);
    if (all && st.cgroup_path[0]) { /* without a cgroup: the init (its pid namespace's end) */
        struct ct_cgroup cg;
        ct_container__cgroup_of(&st, &cg);
        if (ct_cgroup__signal_all(&cg, sig, err))
            return -1;
    }
    if (kill(st.pid, sig) < 0 && errno != ESRCH)
        return err__set_errno(err, errno, "cannot signal container %s", id);
    return 0;
}

/* Waits up to TIMEOUT_MS for the init to be gone; true when it is. */
static bool wait_stopped(const char *dir, const struct ct_state *st, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        if (ct_state__status(dir, st) == CT_STATUS_STOPPED)
            return true;
        /* our own child (the ct monitor's, or a test's): reap it so it stops being a zombie */
        waitpid(st->pid, NULL, WNOHANG);
        usleep(10000);
    }
    return false;
}

int ct_container__delete(const char *state_root, const char *id, bool force, struct err *err)
{
    char dir[PATH_MAX];
    struct ct_state st;
    struct ct_spec spec;
    if (ct_container__load(state_root, id, dir, sizeof(dir), &st, &spec, err))
        return -1;
    enum ct_status s = ct_state__status(dir, &st);
    struct ct_cgroup cg;
    ct_container__cgroup_of(&st, &cg);
    if (s != CT_STATUS_STOPPED) {
        if (!force) { /* runtime.md#delete: not stopped is an error, with no effect */
            ct_spec__free(&spec);
            return err__set(err, "container %s is %s: stop it first (or force)", id,
                            ct_state__status_name(s));
        }
        ct_cgroup__signal_all(&cg, SIGKILL, NULL);
        kill(st.pid, SIGKILL);
        if (!wait_stopped(dir, &st, 5000)) {
            ct_spec__free(&spec);
            return err__set(err, "container %s: its init did not die", id);
        }
    }
    /* the processes it left behind (a pid namespace's die with its init; a shared one's do not) */
    ct_cgroup__signal_all(&cg, SIGKILL, NULL);
    if (ct_cgroup__destroy(&cg, err)) {
        ct_spec__free(&spec);
        return -1;
    }
    char *state = hook_state(id, "stopped", 0, st.bundle, spec.annotations_json);
    struct err herr;
    if (ct_hooks__run(&spec, CT_HOOK_POSTSTOP, state, &herr))
        fprintf(stderr, "strata: warning: %s\n", herr.msg);
    free(state);
    ct_spec__free(&spec);
    return ct_state__remove(dir, err);
}

int ct_container__state_json(const char *state_root, const char *id, char **json, struct err *err)
{
    char dir[PATH_MAX];
    struct ct_state st;
    struct ct_spec spec;
    if (ct_container__load(state_root, id, dir, sizeof(dir), &st, &spec, err))
        return -1;
    enum ct_status s = ct_state__status(dir, &st);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ociVersion", json_object_new_string(OCI_VERSION));
    json_object_object_add(o, "id", json_object_new_string(id));
    json_object_object_add(o, "status", json_object_new_string(ct_state__status_name(s)));
    json_object_object_add(o, "pid", json_object_new_int(s == CT_STATUS_STOPPED ? 0 : st.pid));
    json_object_object_add(o, "bundle", json_object_new_string(st.bundle));
    json_object_object_add(o, "rootfs", json_object_new_string(st.rootfs));
    json_object_object_add(o, "created", json_object_new_string(st.created));
    json_object *ann = json_tokener_parse(spec.annotations_json);
    json_object_object_add(o, "annotations", ann ? ann : json_object_new_object());
    *json = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    ct_spec__free(&spec);
    return 0;
}

/* --- exec ------------------------------------------------------------------------------------ */

static __attribute__((noreturn)) void exec_fail(int fd, const struct err *e)
{
    ssize_t n = write(fd, e->msg, strlen(e->msg));
    (void)n;
    _exit(126);
}

int ct_container__exec(const char *state_root, const char *id, const struct ct_process *proc,
                       const struct ct_exec_opts *o, int *status, pid_t *pid_out, struct err *err)
{
    char dir[PATH_MAX];
    struct ct_state st;
    struct ct_spec spec;
    if (ct_container__load(state_root, id, dir, sizeof(dir), &st, &spec, err))
        return -1;
    if (ct_state__status(dir, &st) != CT_STATUS_RUNNING) {
        ct_spec__free(&spec);
        return err__set(err, "container %s is not running", id);
    }
    int nsfd[CT_NS_COUNT];
    if (ct_ns__open_of(st.pid, &spec, nsfd, err)) {
        ct_spec__free(&spec);
        return -1;
    }
    struct ct_cgroup cg;
    ct_container__cgroup_of(&st, &cg);
    /* errors of the children come back on this pipe; it closes at the exec */
    int errp[2], pidp[2];
    if (pipe2(errp, O_CLOEXEC) < 0 || pipe2(pidp, O_CLOEXEC) < 0) {
        ct_ns__close(nsfd);
        ct_spec__free(&spec);
        return err__set_errno(err, errno, "pipe");
    }
    int console_fd = -1;
    if (proc->terminal && o->console_fd >= 0)
        console_fd = dup(o->console_fd);
    else if (proc->terminal && o->console_socket &&
             (console_fd = ct_console__connect(o->console_socket, err)) < 0) {
        ct_ns__close(nsfd);
        ct_spec__free(&spec);
        return -1;
    }
    fflush(NULL);
    pid_t mid = fork();
    if (mid < 0) {
        ct_ns__close(nsfd);
        ct_spec__free(&spec);
        return err__set_errno(err, errno, "fork");
    }
    if (mid == 0) {
        /* the middle process: joins, then forks the process proper into the pid namespace */
        struct err e = {{0}};
        close(errp[0]);
        close(pidp[0]);
        if (ct_cgroup__attach(&cg, getpid(), &e) || ct_ns__enter(nsfd, false, &e))
            exec_fail(errp[1], &e);
        pid_t child = fork();
        if (child < 0) {
            err__set_errno(&e, errno, "fork");
            exec_fail(errp[1], &e);
        }
        if (child == 0) {
            if (proc->terminal) {
                setsid();
                if (ct_console__setup(console_fd, false, &e))
                    exec_fail(errp[1], &e);
            }
            char prog[PATH_MAX];
            if (ct_process__prepare(proc, spec.seccomp, &e) ||
                ct_process__lookup(proc, prog, sizeof(prog), &e))
                exec_fail(errp[1], &e);
            ct_process__exec(proc, prog, &e);
            exec_fail(errp[1], &e);
        }
        ssize_t n = write(pidp[1], &child, sizeof(child));
        (void)n;
        if (o->detach)
            _exit(0);
        int ws;
        while (waitpid(child, &ws, 0) < 0 && errno == EINTR)
            ;
        /* pass the status on: an exit code as one, a signal as 128+n */
        _exit(WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws));
    }
    close(errp[1]);
    close(pidp[1]);
    if (console_fd >= 0)
        close(console_fd);
    ct_ns__close(nsfd);
    ct_spec__free(&spec);
    pid_t child = -1;
    if (read(pidp[0], &child, sizeof(child)) != sizeof(child))
        child = -1;
    close(pidp[0]);
    char msg[512];
    ssize_t n = read(errp[0], msg, sizeof(msg) - 1);
    close(errp[0]);
    int ws = 0;
    if (n > 0 || o->detach) {
        while (waitpid(mid, &ws, 0) < 0 && errno == EINTR)
            ;
    }
    if (n > 0) {
        msg[n] = 0;
        return err__set(err, "exec in %s: %s", id, msg);
    }
    if (child < 0)
        return err__set(err, "exec in %s: the process did not start", id);
    if (pid_out)
        *pid_out = child;
    if (o->pid_file && write_pid_file(o->pid_file, child, err))
        return -1;
    if (o->detach)
        return 0;
    while (waitpid(mid, &ws, 0) < 0 && errno == EINTR)
        ;
    *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    return 0;
}
