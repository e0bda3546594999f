/* SPDX-License-Identifier: Apache-2.0 */
/* ct_cli.h - what the files of `strata ct` (ct*.c) share. */
#ifndef STRATA_CLI_CT_CLI_H
#define STRATA_CLI_CT_CLI_H

#include <stddef.h>

/* Prints "strata: MSG" on stderr; returns 1. */
int ct_cli__fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The state root of `strata ct` containers; -1 after printing why there is none. */
int ct_cli__root(char *out, size_t size);
/* The same without a message; for `strata ls`. */
int ct_cli__root_quiet(char *out, size_t size);
/* Where --image tarballs are unpacked: /var/lib/strata/ct (root) or ~/.local/share/strata/ct. */
int ct_cli__data_dir(char *out, size_t size);

int ct_cli__create(int argc, char **argv);
int ct_cli__start(int argc, char **argv);
int ct_cli__stop(int argc, char **argv);
int ct_cli__kill(int argc, char **argv);
int ct_cli__rm(int argc, char **argv);
int ct_cli__ls(int argc, char **argv);
int ct_cli__stats(int argc, char **argv);
int ct_cli__exec(int argc, char **argv);
int ct_cli__console(int argc, char **argv);

#endif
