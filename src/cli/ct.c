// SPDX-License-Identifier: Apache-2.0
/*
 * ct.c - `strata ct`: containers beside VMs on the same command line
 * (docs/containers.md). Dispatches to one file per group of verbs:
 * ct_create.c, ct_life.c (start, stop, kill, rm), ct_ls.c (ls, stats),
 * ct_exec.c (exec, console).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/ct_cli.h"
#include "ct/fmt.h"
#include "ct/state.h"
#include "machine/machine.h"

int ct_cli__fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "strata: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return 1;
}

int ct_cli__root(char *out, size_t size)
{
    struct err err;
    const char *env = getenv("STRATA_CT_ROOT");
    if (env && env[0] == '/') {
        ct_fmt(out, size, "%s", env);
        return 0;
    }
    if (ct_state__default_root("ct", out, size, &err)) {
        ct_cli__fail("%s", err.msg);
        return -1;
    }
    return 0;
}

int ct_cli__root_quiet(char *out, size_t size)
{
    const char *env = getenv("STRATA_CT_ROOT");
    if (env && env[0] == '/') {
        ct_fmt(out, size, "%s", env);
        return 0;
    }
    return ct_state__default_root("ct", out, size, NULL);
}

int ct_cli__data_dir(char *out, size_t size)
{
    if (geteuid() == 0) {
        ct_fmt(out, size, "/var/lib/strata/ct");
        return 0;
    }
    const char *data = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    if (data && data[0] == '/')
        ct_fmt(out, size, "%s/strata/ct", data);
    else if (home && home[0] == '/')
        ct_fmt(out, size, "%s/.local/share/strata/ct", home);
    else
        return ct_cli__fail("no data directory: neither XDG_DATA_HOME nor HOME is set"), -1;
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: strata ct COMMAND [options]\n"
            "\n"
            "Containers: one kernel, isolated user spaces (docs/containers.md).\n"
            "\n"
            "commands:\n"
            "  create NAME --rootfs DIR | --image TARBALL [options] [-- COMMAND...]\n"
            "           options: --memory SIZE, --cpus N, --pids N, --io-weight N,\n"
            "           --net NETWORK|none|host|bridge:NAME (NETWORK: see strata net),\n"
            "           --ip ADDR[/PREFIX], --hostname H,\n"
            "           --volume HOST:GUEST[:ro] (repeatable)\n"
            "  start NAME [--attach]    run it (--attach: show its output, wait, exit with its "
            "status)\n"
            "  exec NAME [-t] -- COMMAND...\n"
            "  console NAME             attach to its console (Ctrl-A X detaches)\n"
            "  stop NAME [--timeout S]  SIGTERM to its init, SIGKILL after S seconds (default 10)\n"
            "  kill NAME [SIGNAL]       signal its init (default KILL)\n"
            "  rm NAME [--force]        remove a stopped container (--force: stop it first)\n"
            "  ls                       containers with status, memory and pids\n"
            "  stats NAME               usage against the limits\n");
}

int cli__ct(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_STATUS_USAGE;
    }
    const char *verb = argv[1];
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } verbs[] = {
        {"create", ct_cli__create}, {"start", ct_cli__start}, {"stop", ct_cli__stop},
        {"kill", ct_cli__kill},     {"rm", ct_cli__rm},       {"ls", ct_cli__ls},
        {"stats", ct_cli__stats},   {"exec", ct_cli__exec},   {"console", ct_cli__console}};
    if (!strcmp(verb, "-h") || !strcmp(verb, "--help") || !strcmp(verb, "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (!strcmp(verb, verbs[i].name))
            return verbs[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "strata: unknown ct command '%s' (try 'strata ct --help')\n", verb);
    return EXIT_STATUS_USAGE;
}
