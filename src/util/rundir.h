/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rundir.h - strata's runtime directory, shared by everything that keeps
 * per-object state while it runs (VMs, containers, networks).
 *
 * The base is $STRATA_STATE_DIR when set (tests), /run/strata for root,
 * $XDG_RUNTIME_DIR/strata otherwise. Below it, VMs own NAME/ (their control
 * and console sockets), containers ct/, networks net/, the OCI runtime oci/
 * (those names are reserved: no VM may take them).
 */
#ifndef STRATA_UTIL_RUNDIR_H
#define STRATA_UTIL_RUNDIR_H

#include <stddef.h>

#include "util/err.h"

/* Writes the base directory into out (not created). */
int rundir__base(char *out, size_t size, struct err *err);

/* Creates path and its missing parents with mode (directories already there are fine). */
int rundir__mkdirs(const char *path, unsigned mode, struct err *err);

#endif
