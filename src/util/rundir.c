// SPDX-License-Identifier: Apache-2.0
/* rundir.c - strata's runtime directory (see rundir.h). */
#include "util/rundir.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int rundir__base(char *out, size_t size, struct err *err)
{
    const char *env = getenv("STRATA_STATE_DIR");
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    int n;
    if (env && env[0] == '/')
        n = snprintf(out, size, "%s", env);
    else if (geteuid() == 0)
        n = snprintf(out, size, "/run/strata");
    else if (xdg && xdg[0] == '/')
        n = snprintf(out, size, "%s/strata", xdg);
    else
        return err__set(err, "no runtime directory: not root and XDG_RUNTIME_DIR is not set");
    if (n < 0 || (size_t)n >= size)
        return err__set(err, "runtime directory path too long");
    return 0;
}

int rundir__mkdirs(const char *path, unsigned mode, struct err *err)
{
    char p[PATH_MAX];
    if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
        return err__set(err, "path too long: %s", path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = 0;
        if (mkdir(p, mode) < 0 && errno != EEXIST)
            return err__set_errno(err, errno, "cannot create %s", p);
        *s = '/';
    }
    if (mkdir(p, mode) < 0 && errno != EEXIST)
        return err__set_errno(err, errno, "cannot create %s", p);
    return 0;
}
