/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control.h - a running VM acting on control-socket requests
 * (api/server.h, docs/api.md).
 *
 * The server thread only parses; each request comes here as an api_call
 * and is executed on the control thread, one at a time, in order: info,
 * pause, resume, stop (the ACPI power button, then a kill when the guest
 * has not powered off within the timeout), kill, balloon (a new target
 * for the virtio balloon), snapshot, migrate (which holds the thread for
 * the whole migration: other requests wait until it is over). Events go back through
 * the server: "state" on every pause and resume, "shutdown" when the VM
 * ends. To add a command: its parser in api/request.c and a handler in
 * control.c's table.
 */
#ifndef STRATA_BOARD_CONTROL_H
#define STRATA_BOARD_CONTROL_H

#include "api/server.h"
#include "board/vm.h"

struct vm_control;

/* What info reports about the VM besides its live state. */
struct vm_control_info {
    const char *name;
    const struct vm_config *cfg;
    const char *console_path; /* NULL: none */
};

/* Starts the control thread for vm (not yet serving: see vm_control__handler). */
struct vm_control *vm_control__create(struct vm *vm, const struct vm_control_info *info,
                                      struct err *err);
/* The handler to give api_server__start. */
struct api_handler vm_control__handler(struct vm_control *c);
/* Where events go (NULL: nowhere). */
void vm_control__set_server(struct vm_control *c, struct api_server *s);
/*
 * After vm__run returned with status: answers what is queued, sends the
 * "shutdown" event and ends the control thread. Then the server can stop.
 */
void vm_control__finish(struct vm_control *c, int status);
void vm_control__destroy(struct vm_control *c);
/* Pauses the VM as a pause request would (before vm__run: it starts paused). */
void vm_control__pause(struct vm_control *c);

#endif
