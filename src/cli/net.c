// SPDX-License-Identifier: Apache-2.0
/*
 * net.c - `strata net create|ls|rm`: parses the options and calls the named
 * networks of src/net/network.h (docs/network.md).
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "machine/machine.h"
#include "net/network.h"
#include "util/log.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: strata net create NAME --model isolated|routed|nat|bridged\n"
                 "                         [--subnet CIDR] [--uplink IFNAME]\n"
                 "       strata net ls\n"
                 "       strata net rm NAME\n"
                 "\n"
                 "Named networks for `strata run --net NAME` (docs/network.md):\n"
                 "  isolated  a bridge without a host address: VMs see only each other\n"
                 "  routed    the host routes for the subnet; DHCP and DNS by dnsmasq\n"
                 "  nat       routed, masqueraded toward --uplink (or any interface)\n"
                 "  bridged   --uplink enslaved to the bridge: VMs are on its LAN\n"
                 "--subnet defaults to a free 192.168.N.0/24 for routed and nat.\n");
}

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "strata: %s%s%s (try 'strata net --help')\n", msg, arg ? " " : "",
            arg ? arg : "");
    return EXIT_STATUS_USAGE;
}

static int fail(const struct err *err)
{
    log__msg("%s", err->msg);
    return EXIT_STATUS_HOST_ERROR;
}

static int net_create(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},
        {"subnet", required_argument, NULL, 's'},
        {"uplink", required_argument, NULL, 'u'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct network_config c = {0};
    opterr = 0;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'm': c.model = optarg; break;
        case 's': c.subnet = optarg; break;
        case 'u': c.uplink = optarg; break;
        case 'h': usage(stdout); return 0;
        case ':': return usage_error("option needs a value:", argv[optind - 1]);
        default: return usage_error("unknown option", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return usage_error("net create takes one NAME", NULL);
    if (!c.model)
        return usage_error("net create needs --model isolated|routed|nat|bridged", NULL);
    c.name = argv[optind];
    struct err err;
    if (network__create(&c, &err))
        return fail(&err);
    return 0;
}

static void print_network(const struct network_info *i, void *opaque)
{
    (void)opaque;
    char subnet[40] = "-";
    if (i->net.prefix) {
        char a[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &i->net.subnet, a, sizeof(a));
        snprintf(subnet, sizeof(subnet), "%s/%u", a, i->net.prefix);
    }
    printf("%-12s %-8s %-15s %-18s %-10s %s\n", i->net.name, network__model_name(i->net.model),
           i->net.bridge, subnet, i->net.uplink[0] ? i->net.uplink : "-", i->vms[0] ? i->vms : "-");
}

static int net_ls(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage_error("net ls takes no arguments", NULL);
    printf("%-12s %-8s %-15s %-18s %-10s %s\n", "NAME", "MODEL", "BRIDGE", "SUBNET", "UPLINK",
           "ATTACHED");
    struct err err;
    if (network__list(print_network, NULL, &err))
        return fail(&err);
    return 0;
}

static int net_rm(int argc, char **argv)
{
    if (argc != 2)
        return usage_error("net rm takes one NAME", NULL);
    struct err err;
    if (network__remove(argv[1], &err))
        return fail(&err);
    return 0;
}

int cli__net(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("net needs a command: create, ls or rm", NULL);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "create"))
        return net_create(argc - 1, argv + 1);
    if (!strcmp(cmd, "ls"))
        return net_ls(argc - 1, argv + 1);
    if (!strcmp(cmd, "rm"))
        return net_rm(argc - 1, argv + 1);
    return usage_error("unknown net command", cmd);
}
