// SPDX-License-Identifier: Apache-2.0
/*
 * migrate.c - `strata migrate NAME tcp:HOST:PORT [--downtime-ms N] [--json]`:
 * the running VM goes live to the strata waiting there (`strata run
 * --incoming`), one `migrate` request to its control socket (docs/api.md,
 * docs/snapshot.md). Prints the total time, the downtime, the bytes sent
 * and the rounds, or the one line saying why the VM stayed here.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/client.h"
#include "cli/cli.h"
#include "cli/vm_cli.h"
#include "machine/machine.h"

static double num(struct json_object *o, const char *key)
{
    struct json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_double(v) : 0;
}

int cli__migrate(int argc, char **argv)
{
    enum { OPT_DOWNTIME = 256, OPT_JSON };
    static const struct option longopts[] = {
        {"downtime-ms", required_argument, NULL, OPT_DOWNTIME},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    long downtime = 100;
    bool json = false;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        char *end;
        switch (c) {
        case OPT_DOWNTIME:
            errno = 0;
            downtime = strtol(optarg, &end, 10);
            if (errno || *end || downtime < 1 || downtime > 600000) {
                fprintf(stderr, "strata: migrate: --downtime-ms wants 1 to 600000\n");
                return EXIT_STATUS_USAGE;
            }
            break;
        case OPT_JSON: json = true; break;
        case 'h':
            printf("usage: strata migrate NAME tcp:HOST:PORT [--downtime-ms N] [--json]\n\n"
                   "Moves the running VM NAME to the strata waiting on HOST:PORT\n"
                   "(`strata run --incoming tcp:HOST:PORT`) while it runs: its RAM is copied\n"
                   "in rounds, then the VM pauses for at most about N ms (default 100) for the\n"
                   "rest and its device state, and runs on there; it ends here. Its disks\n"
                   "must be at the same paths there. If anything fails it runs on here.\n");
            return 0;
        default:
            fprintf(stderr, "strata: migrate: unknown option '%s'\n", argv[optind - 1]);
            return EXIT_STATUS_USAGE;
        }
    }
    if (optind != argc - 2) {
        fprintf(stderr, "strata: migrate: want NAME tcp:HOST:PORT (try 'strata migrate --help')\n");
        return EXIT_STATUS_USAGE;
    }
    const char *name = argv[optind], *uri = argv[optind + 1];
    if (strncmp(uri, "tcp:", 4)) {
        fprintf(stderr, "strata: migrate: '%s': want tcp:HOST:PORT\n", uri);
        return EXIT_STATUS_USAGE;
    }
    struct json_object *req = api_client__request("migrate"), *result;
    json_object_object_add(req, "uri", json_object_new_string(uri));
    json_object_object_add(req, "downtime_ms", json_object_new_int((int)downtime));
    int status = cli_vm__call(name, req, 3600, &result);
    if (status)
        return status;
    if (json)
        printf("%s\n", json_object_to_json_string_ext(result, JSON_C_TO_STRING_PLAIN));
    else
        printf("%s: migrated to %s in %.0f ms, downtime %.1f ms, %.1f MiB sent in %.0f "
               "iterations\n",
               name, uri, num(result, "total_ms"), num(result, "downtime_ms"),
               num(result, "bytes") / (1 << 20), num(result, "iterations"));
    json_object_put(result);
    return 0;
}
