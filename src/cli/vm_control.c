// SPDX-License-Identifier: Apache-2.0
/*
 * vm_control.c - `strata pause|resume|stop|kill|info NAME`: one request
 * each to the VM's control socket (api/client.h, docs/api.md).
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "api/client.h"
#include "cli/cli.h"
#include "cli/vm_cli.h"
#include "machine/machine.h"
#include "util/log.h"
#include "util/parse.h"

int cli_vm__call(const char *name, struct json_object *req, double timeout_s,
                 struct json_object **result)
{
    struct api_client c;
    struct err err;
    if (api_client__open(&c, name, &err)) {
        log__msg("%s", err.msg);
        json_object_put(req);
        return EXIT_STATUS_HOST_ERROR;
    }
    int rc = api_client__call(&c, req, timeout_s, result, &err);
    api_client__close(&c);
    json_object_put(req);
    if (rc) {
        log__msg("%s", err.msg);
        return EXIT_STATUS_HOST_ERROR;
    }
    return 0;
}

static int usage(const char *cmd, FILE *out, int status)
{
    if (!strcmp(cmd, "stop"))
        fprintf(out, "usage: strata stop NAME [--timeout SECONDS]\n"
                     "\n"
                     "Presses the VM's ACPI power button and waits for the guest to power off;\n"
                     "kills the VM if it has not after SECONDS (default 30).\n");
    else if (!strcmp(cmd, "info"))
        fprintf(out, "usage: strata info NAME [--json]\n"
                     "\n"
                     "Shows a running VM: engine, vCPUs, memory, state, uptime, disks, NICs,\n"
                     "what its memory costs the host and, with a balloon, the guest's own\n"
                     "memory statistics.\n");
    else
        fprintf(out, "usage: strata %s NAME\n\n%s\n", cmd,
                !strcmp(cmd, "pause")    ? "Stops the VM's vCPUs (its state stays as it is)."
                : !strcmp(cmd, "resume") ? "Lets a paused VM's vCPUs run again."
                                         : "Ends the VM at once (exit status 137).");
    return status;
}

static unsigned long long mib(struct json_object *o, const char *key)
{
    struct json_object *v;
    return json_object_object_get_ex(o, key, &v)
               ? (unsigned long long)json_object_get_int64(v) >> 20
               : 0;
}

/* host_memory and balloon (docs/memory.md), in MiB. */
static void print_memory(struct json_object *r)
{
    struct json_object *h, *b, *st;
    if (json_object_object_get_ex(r, "host_memory", &h))
        printf("host     rss %lluM, guest RAM resident %lluM, shared (KSM) %lluM, ballooned "
               "%lluM\n",
               mib(h, "rss"), mib(h, "guest_resident"), mib(h, "shared"), mib(h, "ballooned"));
    if (!json_object_object_get_ex(r, "balloon", &b))
        return;
    printf("balloon  target %lluM, actual %lluM, free pages reported %lluM\n", mib(b, "target"),
           mib(b, "actual"), mib(b, "reported"));
    if (json_object_object_get_ex(b, "stats", &st) && json_object_object_length(st)) {
        printf("guest   ");
        json_object_object_foreach(st, key, val)
        {
            if (strstr(key, "faults") || strstr(key, "swap") || strstr(key, "hugetlb"))
                printf(" %s %lld", key, (long long)json_object_get_int64(val));
            else
                printf(" %s %lluM", key, (unsigned long long)json_object_get_int64(val) >> 20);
        }
        printf("\n");
    }
}

static void print_info(struct json_object *r)
{
    struct json_object *v;
    const char *keys[] = {"name",  "type",   "engine", "cpus",   "memory",
                          "state", "uptime", "pid",    "console"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (json_object_object_get_ex(r, keys[i], &v))
            printf("%-8s %s\n", keys[i], json_object_get_string(v));
    if (json_object_object_get_ex(r, "disks", &v))
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            struct json_object *d = json_object_array_get_idx(v, i), *p, *ro;
            json_object_object_get_ex(d, "path", &p);
            json_object_object_get_ex(d, "readonly", &ro);
            printf("disk     vd%c %s%s\n", (char)('a' + i), json_object_get_string(p),
                   json_object_get_boolean(ro) ? " (readonly)" : "");
        }
    if (json_object_object_get_ex(r, "nics", &v))
        for (size_t i = 0; i < json_object_array_length(v); i++)
            printf("nic      %s\n", json_object_get_string(json_object_array_get_idx(v, i)));
    print_memory(r);
}

int cli__vm_control(const char *cmd, int argc, char **argv)
{
    enum { OPT_TIMEOUT = 256, OPT_JSON };
    static const struct option longopts[] = {
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    double timeout_s = -1;
    bool json = false;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_TIMEOUT:
            if (strcmp(cmd, "stop") || !parse__seconds(optarg, &timeout_s)) {
                fprintf(stderr, "strata: %s: bad option --timeout\n", cmd);
                return usage(cmd, stderr, EXIT_STATUS_USAGE);
            }
            break;
        case OPT_JSON:
            if (strcmp(cmd, "info")) {
                fprintf(stderr, "strata: %s: unknown option --json\n", cmd);
                return usage(cmd, stderr, EXIT_STATUS_USAGE);
            }
            json = true;
            break;
        case 'h': return usage(cmd, stdout, 0);
        default:
            fprintf(stderr, "strata: %s: unknown option '%s'\n", cmd, argv[optind - 1]);
            return usage(cmd, stderr, EXIT_STATUS_USAGE);
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "strata: %s: want one VM name\n", cmd);
        return usage(cmd, stderr, EXIT_STATUS_USAGE);
    }
    const char *name = argv[optind];
    struct json_object *req = api_client__request(cmd), *result = NULL;
    double wait_s = 30;
    if (timeout_s >= 0) {
        json_object_object_add(req, "timeout", json_object_new_double(timeout_s));
        wait_s = timeout_s + 30;
    } else if (!strcmp(cmd, "stop")) {
        wait_s = 60;
    }
    int status = cli_vm__call(name, req, wait_s, &result);
    if (status)
        return status;
    struct json_object *how;
    if (!strcmp(cmd, "info")) {
        if (json)
            printf("%s\n", json_object_to_json_string_ext(
                               result, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        else
            print_info(result);
    } else if (!strcmp(cmd, "stop") && json_object_object_get_ex(result, "how", &how)) {
        printf("%s: %s\n", name, json_object_get_string(how));
    }
    json_object_put(result);
    return 0;
}
