/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve.h - making a VM manageable while it runs: its directory in the
 * runtime directory (api/registry.h) with the control socket
 * (api/server.h, acted on by control.h) and the console socket
 * (console.h), published under the VM's name once both listen, and taken
 * down when it ends.
 */
#ifndef STRATA_BOARD_SERVE_H
#define STRATA_BOARD_SERVE_H

#include <stdbool.h>

#include "api/registry.h"
#include "board/vm.h"

struct vm_serve {
    struct registration reg;
    struct vm_control *control;
    struct api_server *server;
};

/*
 * Claims `name`, serves vm's control and console sockets and publishes
 * them. quiet: the console output goes only to console clients, not stdout.
 */
int vm_serve__start(struct vm_serve *s, struct vm *vm, const char *name,
                    const struct vm_config *cfg, bool quiet, struct err *err);
/* Before vm__run: the vCPUs start paused, as after a pause request. */
void vm_serve__start_paused(struct vm_serve *s);
/* After vm__run returned status: the last answers and events, then the directory goes. */
void vm_serve__end(struct vm_serve *s, int status);

#endif
