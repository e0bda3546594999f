/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hooks.h - OCI lifecycle hooks (runtime-spec config.md#posix-platform-hooks):
 * each hook runs with the container's state JSON on its stdin, its own args
 * and env, and an optional timeout; a failing prestart, createRuntime,
 * createContainer or startContainer hook fails the operation, a failing
 * poststart or poststop hook is only reported.
 */
#ifndef STRATA_CT_HOOKS_H
#define STRATA_CT_HOOKS_H

#include "ct/spec.h"
#include "util/err.h"

/* Runs the hooks of KIND in order; -1 with err at the first that fails. */
int ct_hooks__run(const struct ct_spec *spec, enum ct_hook_kind kind, const char *state_json,
                  struct err *err);

#endif
