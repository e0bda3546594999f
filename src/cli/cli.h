/* SPDX-License-Identifier: Apache-2.0 */
/* cli.h - the subcommands of strata, one file each; each returns the process exit status. */
#ifndef STRATA_CLI_CLI_H
#define STRATA_CLI_CLI_H

int cli__run(int argc, char **argv);
int cli__oci(int argc, char **argv);
int cli__ct(int argc, char **argv);

#endif
