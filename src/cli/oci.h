/* SPDX-License-Identifier: Apache-2.0 */
/* oci.h - what the files of `strata oci` (oci.c, oci_exec.c) share. */
#ifndef STRATA_CLI_OCI_H
#define STRATA_CLI_OCI_H

#include <stdbool.h>

#define EXIT_STATUS_USAGE_OCI 2

struct oci_globals {
    const char *root;
    const char *log;
    bool log_json;
    bool systemd_cgroup;
};

const struct oci_globals *oci__globals(void);
/* Reports an error (stderr and --log); returns 1, the exit status. */
int oci__fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "KILL", "SIGKILL" or "9" to a signal number; -1 if unknown; NULL is SIGTERM. */
int oci__parse_signal(const char *s);
int oci__exec(int argc, char **argv);

#endif
