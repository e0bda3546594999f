// SPDX-License-Identifier: Apache-2.0
/*
 * balloon.c - `strata balloon NAME SIZE`: sets the size of a running VM's
 * virtio balloon, the memory taken back from the guest (docs/memory.md);
 * 0 gives it all back. One "balloon" request to the control socket.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "api/client.h"
#include "cli/cli.h"
#include "cli/vm_cli.h"
#include "machine/machine.h"
#include "util/parse.h"

static int usage(FILE *out, int status)
{
    fprintf(out, "usage: strata balloon NAME SIZE\n"
                 "\n"
                 "Inflates or deflates the virtio balloon of VM NAME (started with --balloon)\n"
                 "to SIZE, e.g. 128M: the guest hands that much of its RAM back to the host\n"
                 "(0: all of it returns to the guest). `strata info NAME` shows its progress.\n");
    return status;
}

int cli__balloon(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
        return usage(stdout, 0);
    if (argc != 3) {
        fprintf(stderr, "strata: balloon: want a VM name and a size\n");
        return usage(stderr, EXIT_STATUS_USAGE);
    }
    uint64_t size;
    if (!parse__size(argv[2], &size)) {
        fprintf(stderr, "strata: balloon: bad size '%s': want a size such as 128M or 0\n", argv[2]);
        return EXIT_STATUS_USAGE;
    }
    struct json_object *req = api_client__request("balloon"), *result = NULL;
    json_object_object_add(req, "size", json_object_new_int64((int64_t)size));
    int status = cli_vm__call(argv[1], req, 30, &result);
    json_object_put(result);
    return status;
}
