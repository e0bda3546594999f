// SPDX-License-Identifier: Apache-2.0
/* registry.c - running VMs' directories in the runtime directory (see registry.h). */
#include "api/registry.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/rundir.h"

static const char *const reserved[] = {"ct", "net", "oci", "vm", "img"};
static const char *const files[] = {"control.sock", "console.sock", "log", "lock"};

int registry__check_name(const char *name, struct err *err)
{
    size_t len = strlen(name);
    if (!len || len >= REGISTRY_NAME_MAX || !isalnum((unsigned char)name[0]))
        return err__set(err,
                        "bad vm name '%s': a letter or digit, then letters, digits, '_', '.', "
                        "'-'; at most %d",
                        name, REGISTRY_NAME_MAX - 1);
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
            return err__set(err, "bad vm name '%s': '%c' is not allowed", name, name[i]);
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (!strcmp(name, reserved[i]))
            return err__set(err, "bad vm name '%s': reserved", name);
    return 0;
}

static int join(char *out, size_t size, const char *a, const char *b, struct err *err)
{
    int n = snprintf(out, size, "%s/%s", a, b);
    if (n < 0 || (size_t)n >= size)
        return err__set(err, "path too long: %s/%s", a, b);
    return 0;
}

/* Removes a VM directory's known files and the directory (best effort). */
static void remove_dir(const char *dir)
{
    char p[PATH_MAX + 32];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
}

enum liveness { DIR_ABSENT, DIR_LIVE, DIR_DEAD, DIR_FOREIGN };

/*
 * Whether the VM directory `dir` is held by a live process. A dead one is
 * removed (under its lock, so two cleaners do not race a new owner).
 */
static enum liveness probe(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) < 0)
        return DIR_ABSENT;
    if (!S_ISDIR(st.st_mode))
        return DIR_FOREIGN;
    char p[PATH_MAX + 8];
    snprintf(p, sizeof(p), "%s/lock", dir);
    int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? DIR_FOREIGN : DIR_LIVE;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        close(fd);
        return DIR_LIVE;
    }
    remove_dir(dir);
    close(fd);
    return DIR_DEAD;
}

int registry__generate_name(char *out, size_t size, struct err *err)
{
    char base[PATH_MAX], dir[PATH_MAX];
    if (rundir__base(base, sizeof(base), err))
        return -1;
    for (int tries = 0; tries < 64; tries++) {
        unsigned short r;
        if (getrandom(&r, sizeof(r), 0) != sizeof(r))
            r = (unsigned short)(getpid() + tries);
        snprintf(out, size, "vm-%04x", r);
        if (join(dir, sizeof(dir), base, out, err))
            return -1;
        enum liveness l = probe(dir);
        if (l == DIR_ABSENT || l == DIR_DEAD)
            return 0;
    }
    return err__set(err, "cannot find a free vm name in %s", base);
}

int registry__claim(const char *name, struct registration *reg, struct err *err)
{
    memset(reg, 0, sizeof(*reg));
    reg->lock_fd = -1;
    if (registry__check_name(name, err) || rundir__base(reg->base, sizeof(reg->base), err))
        return -1;
    snprintf(reg->name, sizeof(reg->name), "%s", name);
    char tmp_name[REGISTRY_NAME_MAX + 32];
    snprintf(tmp_name, sizeof(tmp_name), ".%s.%d.tmp", name, (int)getpid());
    if (join(reg->dir, sizeof(reg->dir), reg->base, name, err) ||
        join(reg->tmp_dir, sizeof(reg->tmp_dir), reg->base, tmp_name, err) ||
        rundir__mkdirs(reg->base, 0755, err))
        return -1;
    if (probe(reg->dir) == DIR_LIVE)
        return err__set(err, "a vm named '%s' is already running", name);
    remove_dir(reg->tmp_dir); /* left by an earlier process with our pid */
    if (mkdir(reg->tmp_dir, 0700) < 0)
        return err__set_errno(err, errno, "cannot create %s", reg->tmp_dir);
    char lock[PATH_MAX + 8];
    snprintf(lock, sizeof(lock), "%s/lock", reg->tmp_dir);
    reg->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (reg->lock_fd < 0 || flock(reg->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        err__set_errno(err, errno, "cannot lock %s", lock);
        registry__release(reg);
        return -1;
    }
    return 0;
}

int registry__path(const struct registration *reg, const char *file, char *out, size_t size,
                   struct err *err)
{
    return join(out, size, reg->published ? reg->dir : reg->tmp_dir, file, err);
}

int registry__publish(struct registration *reg, struct err *err)
{
    enum liveness l = probe(reg->dir);
    if (l == DIR_LIVE)
        return err__set(err, "a vm named '%s' is already running", reg->name);
    if (l == DIR_FOREIGN)
        return err__set(err, "%s exists and is not a strata vm's directory", reg->dir);
    if (rename(reg->tmp_dir, reg->dir) < 0) {
        if (errno == ENOTEMPTY || errno == EEXIST)
            return err__set(err, "a vm named '%s' is already running", reg->name);
        return err__set_errno(err, errno, "cannot rename %s to %s", reg->tmp_dir, reg->dir);
    }
    reg->published = 1;
    return 0;
}

void registry__release(struct registration *reg)
{
    if (!reg->base[0])
        return;
    remove_dir(reg->published ? reg->dir : reg->tmp_dir);
    if (reg->lock_fd >= 0)
        close(reg->lock_fd);
    reg->lock_fd = -1;
    reg->base[0] = 0;
}

int registry__find(const char *name, const char *file, char *out, size_t size, struct err *err)
{
    char base[PATH_MAX], dir[PATH_MAX];
    if (registry__check_name(name, err) || rundir__base(base, sizeof(base), err) ||
        join(dir, sizeof(dir), base, name, err))
        return -1;
    switch (probe(dir)) {
    case DIR_LIVE: return join(out, size, dir, file, err);
    case DIR_DEAD:
        return err__set(err, "no vm named '%s' is running (removed what a dead one left in %s)",
                        name, dir);
    case DIR_FOREIGN: return err__set(err, "%s is not a strata vm's directory", dir);
    case DIR_ABSENT: break;
    }
    return err__set(err, "no vm named '%s' is running", name);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(a, b);
}

int registry__list(char (*names)[REGISTRY_NAME_MAX], size_t max, size_t *n, struct err *err)
{
    char base[PATH_MAX], dir[PATH_MAX];
    *n = 0;
    if (rundir__base(base, sizeof(base), err))
        return -1;
    DIR *d = opendir(base);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        return err__set_errno(err, errno, "cannot read %s", base);
    }
    struct dirent *e;
    while ((e = readdir(d)) && *n < max) {
        if (join(dir, sizeof(dir), base, e->d_name, NULL))
            continue;
        if (e->d_name[0] == '.') { /* a VM that died while starting */
            size_t len = strlen(e->d_name);
            if (len > 4 && !strcmp(e->d_name + len - 4, ".tmp"))
                probe(dir);
            continue;
        }
        if (registry__check_name(e->d_name, NULL) || probe(dir) != DIR_LIVE)
            continue;
        memcpy(names[*n], e->d_name, strlen(e->d_name) + 1); /* checked: fits */
        (*n)++;
    }
    closedir(d);
    qsort(names, *n, REGISTRY_NAME_MAX, compare_names);
    return 0;
}
