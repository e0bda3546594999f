/* SPDX-License-Identifier: Apache-2.0 */
/*
 * default_guest.h - the guest `strata run` boots when no --kernel is given:
 * Debian's cloud kernel and the busybox initramfs that scripts/guest builds,
 * kept in guest/ next to the strata binary (or in $STRATA_GUEST_DIR). It is
 * built on first use, with a progress line on stderr.
 */
#ifndef STRATA_CLI_DEFAULT_GUEST_H
#define STRATA_CLI_DEFAULT_GUEST_H

#include <limits.h>

#include "util/err.h"

struct default_guest {
    char kernel[PATH_MAX];
    char initrd[PATH_MAX];
};

/* Finds (building it if needed) the default guest's files. */
int default_guest__locate(struct default_guest *g, struct err *err);

#endif
