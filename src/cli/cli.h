/* SPDX-License-Identifier: Apache-2.0 */
/* cli.h - the subcommands of strata, one file each; each returns the process exit status. */
#ifndef STRATA_CLI_CLI_H
#define STRATA_CLI_CLI_H

int cli__run(int argc, char **argv);
int cli__oci(int argc, char **argv);
int cli__ct(int argc, char **argv);
int cli__ls(int argc, char **argv);
int cli__console(int argc, char **argv);
int cli__balloon(int argc, char **argv);
int cli__snapshot(int argc, char **argv);
int cli__migrate(int argc, char **argv);
/* pause, resume, stop, kill, info: one request to a running VM each */
int cli__vm_control(const char *cmd, int argc, char **argv);
int cli__img(int argc, char **argv);
int cli__net(int argc, char **argv);

#endif
