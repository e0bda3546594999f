// SPDX-License-Identifier: Apache-2.0
/*
 * nft.c - a network's nftables table (see nft.h), in nft's ruleset
 * language (nft(8)) through libnftables. NAT:
 *
 *   table ip strata-NAME {
 *     chain forward      filter/forward: the subnet out, replies back in,
 *                        nothing else in from the uplink
 *     chain postrouting  nat/postrouting: masquerade the subnet leaving
 *                        toward the uplink (or anywhere but the bridge)
 *   }
 *
 * Isolated: the host keeps out of the guests' LAN, whatever addresses it
 * has elsewhere (Linux would answer for them on any interface):
 *
 *   table inet strata-NAME {
 *     chain input        filter/input: drop what arrives on the bridge
 *     chain forward      filter/forward: nothing routed in or out of it
 *                        (traffic between its ports, which br_netfilter may
 *                        show here, passes)
 *   }
 */
#include "net/nft.h"

#include <arpa/inet.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>

static int isolated_ruleset(const struct network *n, char *buf, size_t len)
{
    int r = snprintf(buf, len,
                     "table inet strata-%s {\n"
                     "  chain input {\n"
                     "    type filter hook input priority filter; policy accept;\n"
                     "    iifname \"%s\" drop\n"
                     "  }\n"
                     "  chain forward {\n"
                     "    type filter hook forward priority filter; policy accept;\n"
                     "    iifname \"%s\" oifname != \"%s\" drop\n"
                     "    iifname != \"%s\" oifname \"%s\" drop\n"
                     "  }\n"
                     "}\n",
                     n->name, n->bridge, n->bridge, n->bridge, n->bridge, n->bridge);
    return r < 0 || (size_t)r >= len ? -1 : 0;
}

int nft__ruleset(const struct network *n, char *buf, size_t len)
{
    if (n->model == NETWORK_ISOLATED)
        return isolated_ruleset(n, buf, len);
    char subnet[32];
    struct in_addr a = {.s_addr = n->subnet};
    snprintf(subnet, sizeof(subnet), "%s/%u", inet_ntoa(a), n->prefix);
    char out_match[64], in_match[64];
    if (n->uplink[0]) {
        snprintf(out_match, sizeof(out_match), "oifname \"%s\"", n->uplink);
        snprintf(in_match, sizeof(in_match), "iifname \"%s\"", n->uplink);
    } else {
        snprintf(out_match, sizeof(out_match), "oifname != \"%s\"", n->bridge);
        snprintf(in_match, sizeof(in_match), "iifname != \"%s\"", n->bridge);
    }
    int r = snprintf(buf, len,
                     "table ip strata-%s {\n"
                     "  chain forward {\n"
                     "    type filter hook forward priority filter; policy accept;\n"
                     "    iifname \"%s\" %s ip saddr %s accept\n"
                     "    %s oifname \"%s\" ip daddr %s ct state established,related accept\n"
                     "    %s oifname \"%s\" drop\n"
                     "  }\n"
                     "  chain postrouting {\n"
                     "    type nat hook postrouting priority srcnat; policy accept;\n"
                     "    ip saddr %s ip daddr != %s %s masquerade\n"
                     "  }\n"
                     "}\n",
                     n->name, n->bridge, out_match, subnet, in_match, n->bridge, subnet, in_match,
                     n->bridge, subnet, subnet, out_match);
    return r < 0 || (size_t)r >= len ? -1 : 0;
}

static int run(const char *cmd, char *errbuf, size_t len)
{
    struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
    if (!ctx) {
        snprintf(errbuf, len, "cannot create an nftables context");
        return -1;
    }
    nft_ctx_buffer_output(ctx);
    nft_ctx_buffer_error(ctx);
    int rc = nft_run_cmd_from_buffer(ctx, cmd);
    if (rc) {
        const char *e = nft_ctx_get_error_buffer(ctx);
        /* The first line says what went wrong. */
        snprintf(errbuf, len, "%.*s", (int)strcspn(e ? e : "", "\n"), e ? e : "");
    }
    nft_ctx_free(ctx);
    return rc ? -1 : 0;
}

int nft__add(const struct network *n, struct err *err)
{
    char ruleset[2048], e[256];
    if (nft__ruleset(n, ruleset, sizeof(ruleset)))
        return err__set(err, "network %s: nftables ruleset too long", n->name);
    if (run(ruleset, e, sizeof(e)))
        return err__set(err, "network %s: cannot load the nftables table: %s", n->name, e);
    return 0;
}

void nft__del(const struct network *n)
{
    const char *family = n->model == NETWORK_ISOLATED ? "inet" : "ip";
    char cmd[128], list[128], e[256];
    snprintf(cmd, sizeof(cmd), "delete table %s strata-%s\n", family, n->name);
    snprintf(list, sizeof(list), "list table %s strata-%s\n", family, n->name);
    if (run(list, e, sizeof(e)) == 0)
        run(cmd, e, sizeof(e));
}
