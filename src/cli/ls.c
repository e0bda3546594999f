// SPDX-License-Identifier: Apache-2.0
/*
 * ls.c - `strata ls [--json]`: the running VMs, one `info` request each
 * (a VM that ends meanwhile is left out), then the containers of `strata
 * ct`, running or not (type ct, from their state directories:
 * src/ct/info.c; a running one's control socket answers in the same way).
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "api/client.h"
#include "api/registry.h"
#include "cli/cli.h"
#include "cli/ct_cli.h"
#include "ct/info.h"
#include "machine/machine.h"
#include "util/log.h"

static void human_size(uint64_t bytes, char *out, size_t size)
{
    if (bytes >= (1ull << 30) && !(bytes % (1ull << 30)))
        snprintf(out, size, "%lluG", (unsigned long long)(bytes >> 30));
    else
        snprintf(out, size, "%lluM", (unsigned long long)(bytes >> 20));
}

static void human_time(double s, char *out, size_t size)
{
    unsigned long t = (unsigned long)s;
    if (t < 60)
        snprintf(out, size, "%lus", t);
    else if (t < 3600)
        snprintf(out, size, "%lum%02lus", t / 60, t % 60);
    else
        snprintf(out, size, "%luh%02lum", t / 3600, (t / 60) % 60);
}

static const char *str(struct json_object *o, const char *key)
{
    struct json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "-";
}

static size_t count(struct json_object *o, const char *key)
{
    struct json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_array_length(v) : 0;
}

int cli__ls(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    bool json = false;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        if (c == 'j') {
            json = true;
        } else if (c == 'h') {
            printf("usage: strata ls [--json]\n\nLists the running VMs (name, type, engine, "
                   "vCPUs, memory, state, uptime, disks, NICs, and what each costs the host:\n"
                   "its RSS, KSM-shared and ballooned memory, docs/memory.md) and the\n"
                   "containers (type ct: state, memory limit).\n");
            return 0;
        } else {
            fprintf(stderr, "strata: ls: unknown option '%s' (try 'strata ls --help')\n",
                    argv[optind - 1]);
            return EXIT_STATUS_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "strata: ls: unexpected argument '%s'\n", argv[optind]);
        return EXIT_STATUS_USAGE;
    }
    static char names[REGISTRY_MAX_VMS][REGISTRY_NAME_MAX];
    size_t n;
    struct err err;
    if (registry__list(names, REGISTRY_MAX_VMS, &n, &err)) {
        log__msg("%s", err.msg);
        return EXIT_STATUS_HOST_ERROR;
    }
    struct json_object *all = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        struct api_client cl;
        struct json_object *r;
        if (api_client__open(&cl, names[i], &err))
            continue; /* ended meanwhile, or not answering: not listed */
        if (!strcmp(str(cl.greeting, "type"), "ct")) {
            api_client__close(&cl); /* a running container: all are listed below */
            continue;
        }
        struct json_object *req = api_client__request("info");
        if (!api_client__call(&cl, req, 5, &r, &err))
            json_object_array_add(all, r);
        json_object_put(req);
        api_client__close(&cl);
    }
    char ct_root[4096];
    if (ct_cli__root_quiet(ct_root, sizeof(ct_root)) == 0)
        ct_info__append_all(ct_root, all);
    if (json) {
        printf("%s\n", json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE));
    } else {
        printf("%-16s %-4s %-6s %4s %7s %-8s %8s %5s %4s %7s %7s %7s\n", "NAME", "TYPE", "ENGINE",
               "CPUS", "MEMORY", "STATE", "UPTIME", "DISKS", "NICS", "RSS", "SHARED", "BALLOON");
        for (size_t i = 0; i < json_object_array_length(all); i++) {
            struct json_object *o = json_object_array_get_idx(all, i), *v;
            char mem[32] = "-", up[32] = "-", rss[32] = "-", shared[32] = "-", bal[32] = "-";
            if (json_object_object_get_ex(o, "memory", &v))
                human_size((uint64_t)json_object_get_int64(v), mem, sizeof(mem));
            struct json_object *h;
            if (json_object_object_get_ex(o, "host_memory", &h)) {
                if (json_object_object_get_ex(h, "rss", &v))
                    human_size((uint64_t)json_object_get_int64(v), rss, sizeof(rss));
                if (json_object_object_get_ex(h, "shared", &v))
                    human_size((uint64_t)json_object_get_int64(v), shared, sizeof(shared));
                if (json_object_object_get_ex(h, "ballooned", &v))
                    human_size((uint64_t)json_object_get_int64(v), bal, sizeof(bal));
            }
            if (json_object_object_get_ex(o, "uptime", &v))
                human_time(json_object_get_double(v), up, sizeof(up));
            printf("%-16s %-4s %-6s %4s %7s %-8s %8s %5zu %4zu %7s %7s %7s\n", str(o, "name"),
                   str(o, "type"), str(o, "engine"), str(o, "cpus"), mem, str(o, "state"), up,
                   count(o, "disks"), count(o, "nics"), rss, shared, bal);
        }
    }
    json_object_put(all);
    return 0;
}
