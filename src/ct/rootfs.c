// SPDX-License-Identifier: Apache-2.0
/*
 * rootfs.c - mounts, /dev and pivot_root for a container (see rootfs.h). The
 * order follows what runc's libcontainer/rootfs_linux.go and crun's
 * linux.c do: private propagation for "/", the rootfs bind-mounted on itself,
 * each config mount below it, device nodes and the /dev symlinks, then
 * pivot_root(".", ".") and a lazy unmount of the old root, which leaves no
 * path back to the host's tree.
 */
#include "ct/rootfs.h"
#include "ct/fmt.h"
#include "util/rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define PROPAGATION_MASK (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)

/* The mount point for a bind of SOURCE: a directory, or an empty file for a file source. */
static int make_target(const char *target, const char *source)
{
    struct stat st;
    if (source && stat(source, &st) == 0 && !S_ISDIR(st.st_mode)) {
        char dir[PATH_MAX];
        ct_fmt(dir, sizeof(dir), "%s", target);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
            *slash = 0;
            if (rundir__mkdirs(dir, 0755, NULL))
                return -1;
        }
        int fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EISDIR)
            return -1;
        if (fd >= 0)
            close(fd);
        return 0;
    }
    return rundir__mkdirs(target, 0755, NULL);
}

/* Flags the kernel keeps on a bind remount inside a user namespace (locked ones). */
static unsigned long kept_flags(const char *path)
{
    struct statvfs sv;
    unsigned long f = 0;
    if (statvfs(path, &sv))
        return 0;
    if (sv.f_flag & ST_NOSUID)
        f |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV)
        f |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC)
        f |= MS_NOEXEC;
    return f;
}

static int bind_remount(const char *target, unsigned long flags, struct err *err)
{
    unsigned long f = MS_BIND | MS_REMOUNT | (flags & ~(MS_BIND | MS_REC | PROPAGATION_MASK));
    if (mount(NULL, target, NULL, f, NULL) < 0 &&
        mount(NULL, target, NULL, f | kept_flags(target), NULL) < 0)
        return err__set_errno(err, errno, "rootfs: cannot remount %s", target);
    return 0;
}

/* /sys/fs/cgroup: the container's own cgroups (v2: a cgroup2 mount; v1: each hierarchy bound). */
static int mount_cgroup(const struct ct_mount *m, const char *target, const struct ct_cgroup *cg,
                        struct err *err)
{
    unsigned long flags = m->flags & ~PROPAGATION_MASK;
    if (rundir__mkdirs(target, 0755, NULL))
        return err__set_errno(err, errno, "rootfs: cannot create %s", target);
    if (cg->v2) {
        if (mount("cgroup2", target, "cgroup2", flags, NULL) == 0)
            return 0;
        /* without a cgroup namespace the kernel may refuse: bind the container's own */
        char src[PATH_MAX];
        ct_fmt(src, sizeof(src), "/sys/fs/cgroup%s", cg->path);
        if (mount(src, target, NULL, MS_BIND | MS_REC, NULL) < 0)
            return err__set_errno(err, errno, "rootfs: cannot mount cgroup2 on %s", target);
        return flags & MS_RDONLY ? bind_remount(target, flags, err) : 0;
    }
    if (mount("tmpfs", target, "tmpfs", (flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "mode=755") < 0)
        return err__set_errno(err, errno, "rootfs: cannot mount tmpfs on %s", target);
    static const char *const ctls[] = {"memory", "pids",    "cpu",     "cpuacct",
                                       "blkio",  "devices", "freezer", "cpuset"};
    for (size_t i = 0; i < sizeof(ctls) / sizeof(ctls[0]); i++) {
        char src[PATH_MAX], dst[PATH_MAX];
        ct_fmt(src, sizeof(src), "/sys/fs/cgroup/%s%s", ctls[i], cg->path);
        if (access(src, F_OK))
            continue;
        ct_fmt(dst, sizeof(dst), "%s/%s", target, ctls[i]);
        if (rundir__mkdirs(dst, 0755, NULL) || mount(src, dst, NULL, MS_BIND, NULL) < 0)
            return err__set_errno(err, errno, "rootfs: cannot bind %s", src);
        if (bind_remount(dst, flags | MS_NOSUID | MS_NODEV | MS_NOEXEC, err))
            return -1;
    }
    if (flags & MS_RDONLY)
        return bind_remount(target, flags | MS_NOSUID | MS_NODEV | MS_NOEXEC, err);
    return 0;
}

static int do_mount(const struct ct_mount *m, const char *rootfs, const struct ct_cgroup *cg,
                    struct err *err)
{
    char target[PATH_MAX];
    if (ct_fmt(target, sizeof(target), "%s%s", rootfs, m->destination) >= (int)sizeof(target))
        return err__set(err, "rootfs: mount destination %s too long", m->destination);
    if (strstr(m->destination, "/../") ||
        !strcmp(m->destination + strlen(m->destination) - 3, "/.."))
        return err__set(err, "rootfs: mount destination %s leaves the root", m->destination);
    if (m->type && !strcmp(m->type, "cgroup"))
        return mount_cgroup(m, target, cg, err);
    if (make_target(target, m->bind ? m->source : NULL))
        return err__set_errno(err, errno, "rootfs: cannot create mount point %s", target);
    unsigned long flags = m->flags & ~PROPAGATION_MASK;
    if (m->bind) {
        if (mount(m->source, target, NULL, MS_BIND | (flags & MS_REC), NULL) < 0)
            return err__set_errno(err, errno, "rootfs: cannot bind %s on %s", m->source,
                                  m->destination);
        if ((flags & ~(MS_BIND | MS_REC)) && bind_remount(target, flags, err))
            return -1;
    } else {
        const char *src = m->source ? m->source : m->type;
        if (mount(src, target, m->type, flags, m->data) < 0) {
            int e = errno;
            /* sysfs cannot be mounted without owning the network namespace: bind the host's */
            if (m->type && !strcmp(m->type, "sysfs") && (e == EPERM || e == EBUSY)) {
                if (mount("/sys", target, NULL, MS_BIND | MS_REC, NULL) == 0)
                    return bind_remount(target, flags | MS_RDONLY, err);
            }
            return err__set_errno(err, e, "rootfs: cannot mount %s (%s) on %s", src,
                                  m->type ? m->type : "?", m->destination);
        }
    }
    if (m->propagation && mount(NULL, target, NULL, m->propagation, NULL) < 0)
        return err__set_errno(err, errno, "rootfs: cannot set propagation of %s", m->destination);
    return 0;
}

/* The device nodes every container gets (runtime-spec config-linux.md#default-devices). */
static int make_devices(const char *rootfs, bool in_userns, struct err *err)
{
    static const struct {
        const char *name;
        unsigned major, minor;
    } devs[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
    for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
        char p[PATH_MAX], host[64];
        ct_fmt(p, sizeof(p), "%s/dev/%s", rootfs, devs[i].name);
        ct_fmt(host, sizeof(host), "/dev/%s", devs[i].name);
        struct stat st;
        if (lstat(p, &st) == 0)
            continue; /* the config put one there */
        if (!in_userns && mknod(p, S_IFCHR | 0666, makedev(devs[i].major, devs[i].minor)) == 0) {
            chmod(p, 0666); /* past the umask */
            continue;
        }
        int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
        if (fd < 0)
            return err__set_errno(err, errno, "rootfs: cannot create %s", p);
        close(fd);
        if (mount(host, p, NULL, MS_BIND, NULL) < 0)
            return err__set_errno(err, errno, "rootfs: cannot bind %s", host);
    }
    static const char *const links[][2] = {
        {"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
        {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},         {"/proc/kcore", "core"}};
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
        char p[PATH_MAX];
        ct_fmt(p, sizeof(p), "%s/dev/%s", rootfs, links[i][1]);
        struct stat st;
        if (!strcmp(links[i][1], "ptmx") && lstat(p, &st) == 0 && !S_ISLNK(st.st_mode)) {
            unlink(p); /* a ptmx node from the image: the container's devpts owns ptmx */
        }
        if (symlink(links[i][0], p) < 0 && errno != EEXIST)
            return err__set_errno(err, errno, "rootfs: cannot create %s", p);
    }
    return 0;
}

/* linux.devices: each node made (or bound from the same host path inside a user namespace). */
static int make_config_devices(const struct ct_spec *spec, const char *rootfs, bool in_userns,
                               struct err *err)
{
    for (size_t i = 0; i < spec->n_devices; i++) {
        const struct ct_device *d = &spec->devices[i];
        char p[PATH_MAX];
        ct_fmt(p, sizeof(p), "%s%s", rootfs, d->path);
        char dir[PATH_MAX];
        ct_fmt(dir, sizeof(dir), "%s", p);
        char *slash = strrchr(dir, '/');
        if (slash) {
            *slash = 0;
            rundir__mkdirs(dir, 0755, NULL);
        }
        unlink(p);
        mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
        mode_t mode = d->has_mode ? (d->file_mode & 07777) : 0666;
        if (!in_userns || type == S_IFIFO) {
            if (mknod(p, type | mode, makedev(d->major, d->minor)) < 0)
                return err__set_errno(err, errno, "rootfs: cannot make device %s", d->path);
        } else {
            int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
            if (fd < 0)
                return err__set_errno(err, errno, "rootfs: cannot create %s", p);
            close(fd);
            if (mount(d->path, p, NULL, MS_BIND, NULL) < 0)
                return err__set_errno(err, errno, "rootfs: cannot bind device %s", d->path);
            continue;
        }
        chmod(p, mode); /* past the umask */
        if ((d->has_uid || d->has_gid) &&
            chown(p, d->has_uid ? d->uid : (uid_t)-1, d->has_gid ? d->gid : (gid_t)-1) < 0)
            return err__set_errno(err, errno, "rootfs: cannot chown device %s", d->path);
    }
    return 0;
}

static bool has_mount_at(const struct ct_spec *spec, const char *dest)
{
    for (size_t i = 0; i < spec->n_mounts; i++)
        if (!strcmp(spec->mounts[i].destination, dest))
            return true;
    return false;
}

/*
 * pivot_root refuses a new root whose parent mount is shared (a shared
 * rootfsPropagation makes it so): make the mount that holds ROOTFS private,
 * found as the longest mount point above it in /proc/self/mountinfo.
 */
static int parent_mount_private(const char *rootfs, struct err *err)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return err__set_errno(err, errno, "rootfs: cannot read /proc/self/mountinfo");
    char line[4096], best[PATH_MAX] = "/";
    size_t best_len = 1;
    while (fgets(line, sizeof(line), f)) {
        /* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... */
        char mp[PATH_MAX];
        if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
            continue;
        size_t len = strlen(mp);
        if (len > best_len && !strncmp(rootfs, mp, len) &&
            (rootfs[len] == '/' || rootfs[len] == 0)) {
            ct_fmt(best, sizeof(best), "%s", mp);
            best_len = len;
        }
    }
    fclose(f);
    if (mount(NULL, best, NULL, MS_PRIVATE, NULL) < 0)
        return err__set_errno(err, errno, "rootfs: cannot make %s private", best);
    return 0;
}

int ct_rootfs__enter(const struct ct_spec *spec, const char *rootfs, const struct ct_cgroup *cg,
                     bool in_userns, const char *console, struct err *err)
{
    unsigned long prop = spec->rootfs_propagation ? spec->rootfs_propagation : MS_SLAVE | MS_REC;
    /* an unbindable tree cannot give the rootfs bind: private now, unbindable after the pivot */
    unsigned long first = prop & MS_UNBINDABLE ? MS_PRIVATE : prop & PROPAGATION_MASK;
    if (mount(NULL, "/", NULL, MS_REC | first, NULL) < 0)
        return err__set_errno(err, errno, "rootfs: cannot make / %s",
                              prop & MS_SHARED ? "shared" : "private");
    if ((prop & MS_SHARED) && parent_mount_private(rootfs, err))
        return -1;
    if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
        return err__set_errno(err, errno, "rootfs: cannot bind %s on itself", rootfs);
    for (size_t i = 0; i < spec->n_mounts; i++)
        if (do_mount(&spec->mounts[i], rootfs, cg, err))
            return -1;
    if (has_mount_at(spec, "/dev") && make_devices(rootfs, in_userns, err))
        return -1;
    if (make_config_devices(spec, rootfs, in_userns, err))
        return -1;
    if (console) {
        char p[PATH_MAX];
        ct_fmt(p, sizeof(p), "%s/dev/console", rootfs);
        int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0620);
        if (fd >= 0)
            close(fd);
        if (mount(console, p, NULL, MS_BIND, NULL) < 0)
            return err__set_errno(err, errno, "rootfs: cannot bind the console on /dev/console");
    }
    if (chdir(rootfs) < 0)
        return err__set_errno(err, errno, "rootfs: cannot enter %s", rootfs);
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return err__set_errno(err, errno, "rootfs: pivot_root into %s", rootfs);
    /* the old root is stacked under the new one: keep it from propagating, then drop it */
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 || umount2(".", MNT_DETACH) < 0)
        return err__set_errno(err, errno, "rootfs: cannot detach the old root");
    if (chdir("/") < 0)
        return err__set_errno(err, errno, "rootfs: chdir /");
    /* the root itself gets the propagation asked for */
    if ((prop & (MS_SHARED | MS_UNBINDABLE)) &&
        mount(NULL, "/", NULL, MS_REC | (prop & PROPAGATION_MASK), NULL) < 0)
        return err__set_errno(err, errno, "rootfs: cannot set the propagation of /");
    return 0;
}

static int mask_path(const char *path, struct err *err)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return 0; /* nothing there to hide */
    if (S_ISDIR(st.st_mode)) {
        if (mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL) < 0)
            return err__set_errno(err, errno, "rootfs: cannot mask %s", path);
    } else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
        return err__set_errno(err, errno, "rootfs: cannot mask %s", path);
    }
    return 0;
}

static int readonly_path(const char *path, struct err *err)
{
    if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
        return errno == ENOENT ? 0 : err__set_errno(err, errno, "rootfs: cannot bind %s", path);
    return bind_remount(path, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err);
}

static int set_sysctl(const struct ct_sysctl *s, struct err *err)
{
    char p[PATH_MAX];
    int n = ct_fmt(p, sizeof(p), "/proc/sys/%s", s->key);
    if (n < 0 || (size_t)n >= sizeof(p) || strstr(s->key, ".."))
        return err__set(err, "rootfs: bad sysctl name '%s'", s->key);
    for (char *c = p + 10; *c; c++)
        if (*c == '.')
            *c = '/';
    int fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return err__set_errno(err, errno, "rootfs: sysctl %s", s->key);
    ssize_t w = write(fd, s->value, strlen(s->value));
    int e = errno;
    close(fd);
    if (w < 0)
        return err__set_errno(err, e, "rootfs: sysctl %s=%s", s->key, s->value);
    return 0;
}

int ct_rootfs__seal(const struct ct_spec *spec, struct err *err)
{
    for (size_t i = 0; i < spec->n_sysctls; i++)
        if (set_sysctl(&spec->sysctls[i], err))
            return -1;
    for (size_t i = 0; spec->readonly_paths && spec->readonly_paths[i]; i++)
        if (readonly_path(spec->readonly_paths[i], err))
            return -1;
    for (size_t i = 0; spec->masked_paths && spec->masked_paths[i]; i++)
        if (mask_path(spec->masked_paths[i], err))
            return -1;
    if (spec->root_readonly && bind_remount("/", MS_RDONLY, err))
        return -1;
    return 0;
}
