// SPDX-License-Identifier: Apache-2.0
/* main.c - strata's entry point: dispatches to one subcommand (src/cli/). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "machine/machine.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: strata <command> [options]\n"
                 "\n"
                 "commands:\n"
                 "  run     boot a virtual machine (strata run --help)\n"
                 "  ls      list the running VMs (--json)\n"
                 "  info    show a running VM (strata info NAME [--json])\n"
                 "  balloon set a running VM's balloon (strata balloon NAME SIZE)\n"
                 "  pause, resume, stop, kill NAME\n"
                 "          manage a running VM (stop: ACPI power button, kill after a timeout)\n"
                 "  console attach to a running VM's serial console (Ctrl-A X detaches)\n"
                 "  snapshot NAME FILE [--stop]\n"
                 "          write a running VM to a file (strata run --restore FILE continues it)\n"
                 "  migrate NAME tcp:HOST:PORT [--downtime-ms N]\n"
                 "          move a running VM live to `strata run --incoming tcp:HOST:PORT`\n"
                 "  ct      containers: create, start, exec, stop, ls, ... (strata ct --help)\n"
                 "  oci     the OCI runtime command line (strata oci --help)\n"
                 "  img     create, inspect and convert disk images (strata img --help)\n"
                 "  net     named networks: create, ls, rm (strata net --help)\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_STATUS_USAGE;
    }
    /* A closed stdout must not kill the VMM mid-run: writes fail with EPIPE instead. */
    signal(SIGPIPE, SIG_IGN);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "run"))
        return cli__run(argc - 1, argv + 1);
    if (!strcmp(cmd, "ls"))
        return cli__ls(argc - 1, argv + 1);
    if (!strcmp(cmd, "snapshot"))
        return cli__snapshot(argc - 1, argv + 1);
    if (!strcmp(cmd, "migrate"))
        return cli__migrate(argc - 1, argv + 1);
    if (!strcmp(cmd, "console"))
        return cli__console(argc - 1, argv + 1);
    if (!strcmp(cmd, "balloon"))
        return cli__balloon(argc - 1, argv + 1);
    static const char *const vm_commands[] = {"pause", "resume", "stop", "kill", "info"};
    for (size_t i = 0; i < sizeof(vm_commands) / sizeof(vm_commands[0]); i++)
        if (!strcmp(cmd, vm_commands[i]))
            return cli__vm_control(cmd, argc - 1, argv + 1);
    if (!strcmp(cmd, "ct"))
        return cli__ct(argc - 1, argv + 1);
    if (!strcmp(cmd, "oci"))
        return cli__oci(argc - 1, argv + 1);
    if (!strcmp(cmd, "img"))
        return cli__img(argc - 1, argv + 1);
    if (!strcmp(cmd, "net"))
        return cli__net(argc - 1, argv + 1);
    fprintf(stderr, "strata: unknown command '%s' (try 'strata --help')\n", cmd);
    return EXIT_STATUS_USAGE;
}
