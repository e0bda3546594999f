// SPDX-License-Identifier: Apache-2.0
/*
 * state.c - a container's state directory and state.json (json-c); see
 * state.h. Writes go to a temporary file renamed into place, so a reader
 * sees the old or the new state, never half of one.
 */
#include "ct/state.h"
#include "ct/fmt.h"
#include "util/rundir.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ct_state__default_root(const char *kind, char *out, size_t size, struct err *err)
{
    if (geteuid() == 0) {
        ct_fmt(out, size, "/run/strata/%s", kind);
        return 0;
    }
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (!xdg || xdg[0] != '/')
        return err__set(err, "no state directory: not root and XDG_RUNTIME_DIR is not set");
    ct_fmt(out, size, "%s/strata/%s", xdg, kind);
    return 0;
}

int ct_state__dir(const char *root, const char *id, char *out, size_t size, struct err *err)
{
    size_t len = strlen(id);
    if (!len || len >= sizeof(((struct ct_state *)0)->id) || !isalnum((unsigned char)id[0]))
        return err__set(err,
                        "bad container name '%s' (a letter or digit, then letters, "
                        "digits, '_', '.', '-'; at most 127)",
                        id);
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)id[i]) && !strchr("_.-", id[i]))
            return err__set(err,
                            "bad container name '%s' (a letter or digit, then letters, "
                            "digits, '_', '.', '-'; at most 127)",
                            id);
    if (rundir__mkdirs(root, 0700, NULL) < 0)
        return err__set_errno(err, errno, "cannot create state root %s", root);
    if (ct_fmt(out, size, "%s/%s", root, id) >= (int)size)
        return err__set(err, "state path for '%s' too long", id);
    return 0;
}

int ct_state__write(const char *dir, const struct ct_state *st, struct err *err)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(st->id));
    json_object_object_add(o, "pid", json_object_new_int(st->pid));
    json_object_object_add(o, "startTime", json_object_new_uint64(st->start_time));
    json_object_object_add(o, "bundle", json_object_new_string(st->bundle));
    json_object_object_add(o, "rootfs", json_object_new_string(st->rootfs));
    json_object_object_add(o, "created", json_object_new_string(st->created));
    json_object_object_add(o, "cgroupPath", json_object_new_string(st->cgroup_path));
    json_object_object_add(o, "cgroupV2", json_object_new_boolean(st->cgroup_v2));
    json_object_object_add(o, "strataCt", json_object_new_boolean(st->ct));
    json_object_object_add(o, "monitor", json_object_new_int(st->monitor));
    char tmp[PATH_MAX], final[PATH_MAX];
    ct_fmt(tmp, sizeof(tmp), "%s/.state.json.tmp", dir);
    ct_fmt(final, sizeof(final), "%s/state.json", dir);
    int rc = json_object_to_file_ext(tmp, o, JSON_C_TO_STRING_PLAIN);
    json_object_put(o);
    if (rc < 0 || rename(tmp, final) < 0)
        return err__set_errno(err, errno, "cannot write %s", final);
    return 0;
}

static void copy_str(json_object *o, const char *key, char *out, size_t size)
{
    json_object *v;
    if (json_object_object_get_ex(o, key, &v))
        ct_fmt(out, size, "%s", json_object_get_string(v));
}

int ct_state__read(const char *dir, const char *id, struct ct_state *st, struct err *err)
{
    memset(st, 0, sizeof(*st));
    char p[PATH_MAX];
    ct_fmt(p, sizeof(p), "%s/state.json", dir);
    if (access(dir, F_OK) < 0)
        return err__set(err, "container %s does not exist", id);
    json_object *o = json_object_from_file(p);
    if (!o)
        return err__set(err, "container %s: its state is unreadable (%s)", id, p);
    json_object *v;
    copy_str(o, "id", st->id, sizeof(st->id));
    if (json_object_object_get_ex(o, "pid", &v))
        st->pid = json_object_get_int(v);
    if (json_object_object_get_ex(o, "startTime", &v))
        st->start_time = json_object_get_uint64(v);
    copy_str(o, "bundle", st->bundle, sizeof(st->bundle));
    copy_str(o, "rootfs", st->rootfs, sizeof(st->rootfs));
    copy_str(o, "created", st->created, sizeof(st->created));
    copy_str(o, "cgroupPath", st->cgroup_path, sizeof(st->cgroup_path));
    if (json_object_object_get_ex(o, "cgroupV2", &v))
        st->cgroup_v2 = json_object_get_boolean(v);
    if (json_object_object_get_ex(o, "strataCt", &v))
        st->ct = json_object_get_boolean(v);
    if (json_object_object_get_ex(o, "monitor", &v))
        st->monitor = json_object_get_int(v);
    json_object_put(o);
    return 0;
}

unsigned long long ct_state__start_time(pid_t pid)
{
    char p[64], buf[1024];
    ct_fmt(p, sizeof(p), "/proc/%d/stat", (int)pid);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    char *s = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
    if (!s || s[1] != ' ')
        return 0;
    s += 2;
    if (s[0] == 'Z' || s[0] == 'X')
        return 0; /* a zombie has finished */
    /* s is at field 3 (state); start time is field 22 */
    for (int field = 3; field < 22 && s; field++) {
        s = strchr(s, ' ');
        if (s)
            s++;
    }
    return s ? strtoull(s, NULL, 10) : 0;
}

enum ct_status ct_state__status(const char *dir, const struct ct_state *st)
{
    if (st->pid <= 0)
        return CT_STATUS_CREATING;
    if (!st->start_time || ct_state__start_time(st->pid) != st->start_time)
        return CT_STATUS_STOPPED;
    char fifo[PATH_MAX];
    ct_fmt(fifo, sizeof(fifo), "%s/exec.fifo", dir);
    return access(fifo, F_OK) == 0 ? CT_STATUS_CREATED : CT_STATUS_RUNNING;
}

const char *ct_state__status_name(enum ct_status s)
{
    static const char *const names[] = {"creating", "created", "running", "stopped"};
    return names[s];
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ct_state__list(const char *root, char ***ids, size_t *n, struct err *err)
{
    *ids = NULL;
    *n = 0;
    DIR *d = opendir(root);
    if (!d)
        return errno == ENOENT ? 0 : err__set_errno(err, errno, "cannot list %s", root);
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p[PATH_MAX];
        ct_fmt(p, sizeof(p), "%s/%s/state.json", root, e->d_name);
        if (access(p, F_OK))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            char **ni = realloc(*ids, cap * sizeof(char *));
            if (!ni)
                abort();
            *ids = ni;
        }
        (*ids)[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    if (*n)
        qsort(*ids, *n, sizeof(char *), cmp_str);
    return 0;
}

int ct_state__remove(const char *dir, struct err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : err__set_errno(err, errno, "cannot open %s", dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[PATH_MAX];
        ct_fmt(p, sizeof(p), "%s/%s", dir, e->d_name);
        if (unlink(p) < 0 && errno == EISDIR)
            ct_state__remove(p, NULL);
    }
    closedir(d);
    if (rmdir(dir) < 0 && errno != ENOENT)
        return err__set_errno(err, errno, "cannot remove %s", dir);
    return 0;
}

int ct_state__write_exit(const char *dir, int wait_status)
{
    char tmp[PATH_MAX], final[PATH_MAX], v[32];
    ct_fmt(tmp, sizeof(tmp), "%s/.exit.tmp", dir);
    ct_fmt(final, sizeof(final), "%s/exit", dir);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    int n = ct_fmt(v, sizeof(v), "%d\n", wait_status);
    ssize_t w = write(fd, v, (size_t)n);
    close(fd);
    return w == n ? rename(tmp, final) : -1;
}

void ct_state__read_exit(const char *dir, struct ct_exit *ex)
{
    char p[PATH_MAX], v[32] = "";
    memset(ex, 0, sizeof(*ex));
    ct_fmt(p, sizeof(p), "%s/exit", dir);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, v, sizeof(v) - 1);
    close(fd);
    if (n > 0) {
        v[n] = 0;
        ex->known = true;
        ex->wait_status = atoi(v);
    }
}

int ct_state__copy_file(const char *from, const char *to, struct err *err)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return err__set_errno(err, errno, "cannot open %s", from);
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) {
        close(in);
        return err__set_errno(err, errno, "cannot create %s", to);
    }
    char buf[65536];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, (size_t)n) != n) {
            rc = err__set_errno(err, errno, "cannot write %s", to);
            break;
        }
    close(in);
    close(out);
    return rc;
}
