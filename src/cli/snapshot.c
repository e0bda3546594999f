// SPDX-License-Identifier: Apache-2.0
/*
 * snapshot.c - `strata snapshot NAME FILE [--stop]`: the running VM writes
 * itself to FILE (paused meanwhile; resumed after, or ended with --stop),
 * one request to its control socket (docs/api.md, docs/snapshot.md).
 */
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/client.h"
#include "cli/cli.h"
#include "cli/vm_cli.h"
#include "machine/machine.h"
#include "util/log.h"

int cli__snapshot(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"stop", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    bool stop = false;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 's') {
            stop = true;
        } else if (c == 'h') {
            printf("usage: strata snapshot NAME FILE [--stop]\n\n"
                   "Writes the running VM to FILE (paused meanwhile): every vCPU, every device,\n"
                   "its RAM without the zero pages. It runs on after, or ends with --stop.\n"
                   "`strata run --restore FILE` continues it.\n");
            return 0;
        } else {
            fprintf(stderr, "strata: snapshot: unknown option '%s'\n", argv[optind - 1]);
            return EXIT_STATUS_USAGE;
        }
    }
    if (optind != argc - 2) {
        fprintf(stderr, "strata: snapshot: want NAME FILE (try 'strata snapshot --help')\n");
        return EXIT_STATUS_USAGE;
    }
    const char *name = argv[optind], *file = argv[optind + 1];
    char path[PATH_MAX];
    if (file[0] == '/') {
        snprintf(path, sizeof(path), "%s", file);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof(cwd)) ||
            snprintf(path, sizeof(path), "%s/%s", cwd, file) >= (int)sizeof(path)) {
            log__msg("snapshot: path too long: %s", file);
            return EXIT_STATUS_HOST_ERROR;
        }
    }
    struct json_object *req = api_client__request("snapshot"), *result;
    json_object_object_add(req, "path", json_object_new_string(path));
    if (stop)
        json_object_object_add(req, "stop", json_object_new_boolean(true));
    int status = cli_vm__call(name, req, 600, &result);
    if (status)
        return status;
    struct json_object *bytes, *secs;
    if (json_object_object_get_ex(result, "bytes", &bytes) &&
        json_object_object_get_ex(result, "seconds", &secs))
        printf("%s: wrote %s (%.1f MiB) in %.0f ms%s\n", name, path,
               (double)json_object_get_int64(bytes) / (1 << 20), json_object_get_double(secs) * 1e3,
               stop ? "; the vm ended" : "");
    json_object_put(result);
    return 0;
}
