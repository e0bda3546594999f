// SPDX-License-Identifier: Apache-2.0
/*
 * seccomp.c - a container's seccomp filter from its config
 * (runtime-spec config-linux.md#seccomp) compiled by libseccomp. Syscall
 * names this libseccomp or architecture does not know are skipped, as runc
 * and crun do (profiles list syscalls of every architecture). See security.h.
 */
#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "ct/security.h"

static uint32_t action_of(enum ct_seccomp_action a, unsigned errno_ret)
{
    switch (a) {
    case CT_SECCOMP_KILL: return SCMP_ACT_KILL_THREAD;
    case CT_SECCOMP_KILL_PROCESS: return SCMP_ACT_KILL_PROCESS;
    case CT_SECCOMP_TRAP: return SCMP_ACT_TRAP;
    case CT_SECCOMP_ERRNO: return SCMP_ACT_ERRNO(errno_ret);
    case CT_SECCOMP_TRACE: return SCMP_ACT_TRACE(errno_ret);
    case CT_SECCOMP_LOG: return SCMP_ACT_LOG;
    case CT_SECCOMP_ALLOW: break;
    }
    return SCMP_ACT_ALLOW;
}

int ct_seccomp__load(const struct ct_seccomp *sc, struct err *err)
{
    if (!sc)
        return 0;
    uint32_t def = action_of(sc->default_action, sc->default_errno_ret);
    scmp_filter_ctx ctx = seccomp_init(def);
    if (!ctx)
        return err__set(err, "seccomp: cannot create a filter");
    /* no_new_privs is the config's to ask for (process.c sets it), not libseccomp's */
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    if (rc < 0) {
        seccomp_release(ctx);
        return err__set_errno(err, -rc, "seccomp: cannot leave no_new_privs alone");
    }
    for (size_t i = 0; sc->architectures && sc->architectures[i]; i++) {
        const char *a = sc->architectures[i];
        if (strncmp(a, "SCMP_ARCH_", 10)) {
            seccomp_release(ctx);
            return err__set(err, "seccomp: unknown architecture '%s'", a);
        }
        char lower[32];
        size_t k = 0;
        for (const char *s = a + 10; *s && k < sizeof(lower) - 1; s++)
            lower[k++] = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
        lower[k] = 0;
        uint32_t arch = seccomp_arch_resolve_name(lower);
        if (!arch)
            continue; /* an architecture this libseccomp does not know */
        rc = seccomp_arch_add(ctx, arch);
        if (rc < 0 && rc != -EEXIST) {
            seccomp_release(ctx);
            return err__set_errno(err, -rc, "seccomp: cannot add architecture %s", a);
        }
    }
    for (size_t r = 0; r < sc->n_rules; r++) {
        const struct ct_seccomp_rule *rule = &sc->rules[r];
        uint32_t act = action_of(rule->action, rule->errno_ret);
        if (act == def)
            continue; /* libseccomp refuses rules that repeat the default */
        struct scmp_arg_cmp cmp[6];
        size_t n = rule->n_args > 6 ? 6 : rule->n_args;
        for (size_t k = 0; k < n; k++)
            cmp[k] = (struct scmp_arg_cmp){rule->args[k].index, rule->args[k].op,
                                           rule->args[k].value, rule->args[k].value_two};
        for (size_t i = 0; rule->names[i]; i++) {
            int nr = seccomp_syscall_resolve_name(rule->names[i]);
            if (nr == __NR_SCMP_ERROR)
                continue;
            rc = seccomp_rule_add_array(ctx, act, nr, (unsigned)n, cmp);
            if (rc == -EINVAL && n > 1) {
                /* several conditions on one argument: each is its own rule (OR) */
                for (size_t k = 0; k < n && rc != 0; k++)
                    rc = seccomp_rule_add_array(ctx, act, nr, 1, &cmp[k]);
                for (size_t k = 1; k < n; k++)
                    seccomp_rule_add_array(ctx, act, nr, 1, &cmp[k]);
            }
            if (rc < 0 && rc != -EEXIST) {
                seccomp_release(ctx);
                return err__set_errno(err, -rc, "seccomp: cannot add a rule for %s",
                                      rule->names[i]);
            }
        }
    }
    rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc < 0)
        return err__set_errno(err, -rc, "seccomp: cannot load the filter");
    return 0;
}
