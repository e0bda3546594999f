/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry.h - where running VMs are found: one directory per VM in the
 * runtime directory (util/rundir.h), RUNDIR/NAME/, mode 0700, holding
 *   lock          held (flock) by the VM's process for its whole life
 *   control.sock  the JSON control socket (docs/api.md), mode 0600
 *   console.sock  the serial console as a byte stream, mode 0600
 *   log           a --detach'ed VM's diagnostics
 * A VM builds its directory as RUNDIR/.NAME.PID.tmp (lock taken, sockets
 * bound) and renames it into place, so a directory under its name is
 * always complete. The lock decides liveness: a directory whose lock
 * nobody holds belongs to a VM that died; it is removed when met, and
 * never taken for a live VM.
 */
#ifndef STRATA_API_REGISTRY_H
#define STRATA_API_REGISTRY_H

#include <limits.h>
#include <stddef.h>
#include <sys/un.h>

#include "util/err.h"

#define REGISTRY_NAME_MAX 64 /* with the NUL */
#define REGISTRY_MAX_VMS  256

struct registration {
    char name[REGISTRY_NAME_MAX];
    char base[PATH_MAX];
    char tmp_dir[PATH_MAX];
    char dir[PATH_MAX];
    int lock_fd;
    int published;
};

/* A VM name: a letter or digit, then letters, digits, '_', '.', '-'; not a reserved name. */
int registry__check_name(const char *name, struct err *err);

/* A free generated name ("vm-" and 4 hex digits). */
int registry__generate_name(char *out, size_t size, struct err *err);

/*
 * Starts a VM's directory under a temporary name with its lock held;
 * registry__path then names files in it (for binding the sockets) and
 * registry__publish gives it the VM's name (failing if a live VM has it).
 */
int registry__claim(const char *name, struct registration *reg, struct err *err);
int registry__path(const struct registration *reg, const char *file, char *out, size_t size,
                   struct err *err);
int registry__publish(struct registration *reg, struct err *err);
/* Removes the directory (sockets, lock, log) and drops the lock. */
void registry__release(struct registration *reg);

/*
 * The path of FILE in the directory of the live VM `name`; a dead VM's
 * directory is removed and reported as not running.
 */
int registry__find(const char *name, const char *file, char *out, size_t size, struct err *err);

/* Names of the live VMs, sorted (dead ones' directories are removed on the way). */
int registry__list(char (*names)[REGISTRY_NAME_MAX], size_t max, size_t *n, struct err *err);

#endif
