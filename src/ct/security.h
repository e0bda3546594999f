/* SPDX-License-Identifier: Apache-2.0 */
/*
 * security.h - what a container process may do: capabilities (capabilities(7),
 * runtime-spec config.md#linux-process), the seccomp filter built with
 * libseccomp (config-linux.md#seccomp), no_new_privs, rlimits, the user and
 * groups it runs as. Applied last in the container's init and in exec, in the
 * order runc uses (seccomp.c, caps.c, process.c).
 */
#ifndef STRATA_CT_SECURITY_H
#define STRATA_CT_SECURITY_H

#include <stddef.h>
#include <stdint.h>

#include "ct/spec.h"
#include "util/err.h"

/* caps.c: drops the bounding set to caps[BOUNDING], then sets the other four sets. */
int ct_caps__drop_bounding(const uint64_t caps[CT_CAP_SETS], struct err *err);
int ct_caps__set(const uint64_t caps[CT_CAP_SETS], struct err *err);

/* seccomp.c: loads the filter into the calling thread (and its future children). */
int ct_seccomp__load(const struct ct_seccomp *sc, struct err *err);

/*
 * process.c: turns the calling process into PROC (rlimits, oom_score_adj, the
 * user and groups, capabilities, no_new_privs, the seccomp filter SC or none)
 * and changes into its cwd; after this only the exec is left.
 */
int ct_process__prepare(const struct ct_process *proc, const struct ct_seccomp *sc,
                        struct err *err);
/* PATH (of proc->env) lookup of proc->args[0] into OUT: an executable regular file. */
int ct_process__lookup(const struct ct_process *proc, char *out, size_t size, struct err *err);
/* execve of PATH with proc's args and env; returns -1 with err on failure. */
int ct_process__exec(const struct ct_process *proc, const char *path, struct err *err);

#endif
