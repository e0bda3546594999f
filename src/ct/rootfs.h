/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rootfs.h - the container's filesystem view, built inside its new mount
 * namespace: the config's mounts (runtime-spec config.md#mounts), a minimal
 * /dev, pivot_root(2) into the root filesystem (never chroot), then the masked
 * and read-only paths (config-linux.md#masked-paths) and a read-only root.
 */
#ifndef STRATA_CT_ROOTFS_H
#define STRATA_CT_ROOTFS_H

#include <stdbool.h>

#include "ct/cgroup.h"
#include "ct/spec.h"
#include "util/err.h"

/*
 * Mounts everything below ROOTFS (an absolute path) and pivots into it; the
 * old root is detached. IN_USERNS: device nodes are bind-mounted from the
 * host instead of made with mknod. CONSOLE: the pty slave's path to bind on
 * /dev/console, or NULL.
 */
int ct_rootfs__enter(const struct ct_spec *spec, const char *rootfs, const struct ct_cgroup *cg,
                     bool in_userns, const char *console, struct err *err);
/* After the pivot (and /proc is mounted): masked and read-only paths, sysctls, read-only root. */
int ct_rootfs__seal(const struct ct_spec *spec, struct err *err);

#endif
