/* SPDX-License-Identifier: Apache-2.0 */
/*
 * info.h - what `strata ct ls` and the joint `strata ls` say about a
 * container: its status in words (how a stopped one ended, OOM kills) and,
 * for `strata ls`, one JSON object per container with the fields a VM's
 * `info` has where they apply (name, type "ct", state, cpus, memory, pid).
 */
#ifndef STRATA_CT_INFO_H
#define STRATA_CT_INFO_H

#include <stddef.h>

#include "ct/cgroup.h"
#include "ct/state.h"

/* "running", "exited 0", "killed (SIGTERM)", "oom-killed (SIGKILL)", ...; CS may be NULL. */
void ct_info__status_text(const char *dir, const struct ct_state *st,
                          const struct ct_cgroup_stats *cs, char *out, size_t size);

/* The container's object (a json_object *, new), NULL if it cannot be read. */
void *ct_info__object(const char *root, const char *id);
/* Appends a json_object per container under ROOT to the json array ARRAY (a json_object *). */
void ct_info__append_all(const char *root, void *array);

#endif
