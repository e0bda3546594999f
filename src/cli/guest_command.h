/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guest_command.h - `strata run -- CMD ARGS...`: the command for the guest's
 * /init, as the kernel command line parameter it reads (scripts/initrd/init):
 * strata.cmd=BASE64, the base64 of a shell command line in which every
 * argument is single-quoted, so spaces and quotes reach the guest intact.
 */
#ifndef STRATA_CLI_GUEST_COMMAND_H
#define STRATA_CLI_GUEST_COMMAND_H

#include "util/err.h"

/* A malloc'd "strata.cmd=..." for argv[0..argc-1] (argc >= 1), or NULL on error. */
char *guest_command__param(int argc, char *const argv[], struct err *err);

#endif
