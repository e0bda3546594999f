/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ct_serve.h - making a running `strata ct` container manageable through
 * the control API (docs/api.md): its directory in the runtime directory
 * (api/registry.h) with control.sock, served by the container's monitor
 * from the init's start to its end. Greets with type "ct".
 */
#ifndef STRATA_CLI_CT_SERVE_H
#define STRATA_CLI_CT_SERVE_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>

#include "api/registry.h"
#include "api/server.h"

struct ct_serve {
    char root[PATH_MAX]; /* the `strata ct` state root */
    char name[REGISTRY_NAME_MAX];
    struct registration reg;
    struct api_server *server;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool ended;     /* the init has exited */
    unsigned stops; /* stop requests waiting for that */
};

/* Claims NAME (refused while a VM or container of that name runs), serves, publishes. */
int ct_serve__start(struct ct_serve *s, const char *root, const char *name, struct err *err);
/* The init ended with WAIT_STATUS: answers waiting stops, sends "shutdown", removes it all. */
void ct_serve__end(struct ct_serve *s, int wait_status);

#endif
