/* SPDX-License-Identifier: Apache-2.0 */
/* vm_cli.h - what the commands managing running VMs share (vm_control.c, ls.c, console.c). */
#ifndef STRATA_CLI_VM_CLI_H
#define STRATA_CLI_VM_CLI_H

struct json_object;

/*
 * Sends req (taken) to the VM `name` and waits up to timeout_s for the
 * result (*result, the caller's); prints the one-line error itself.
 * Returns 0 or an exit status.
 */
int cli_vm__call(const char *name, struct json_object *req, double timeout_s,
                 struct json_object **result);

#endif
