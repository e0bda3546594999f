// SPDX-License-Identifier: Apache-2.0
/*
 * test_net.c - unit tests for the --net option (src/net/net.c), subnet
 * parsing (src/net/network.c) and the NAT ruleset (src/net/nft.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "net/net.h"
#include "net/network.h"
#include "net/nft.h"

static void net_specs(void **state)
{
    (void)state;
    struct net_options o;
    struct err err;
    assert_int_equal(net_options__parse(&o, "tap=tap0", &err), 0);
    assert_int_equal(o.kind, NET_TAP);
    assert_string_equal(o.name, "tap0");
    assert_false(o.has_mac);

    assert_int_equal(
        net_options__parse(&o, "user,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp::53-:5353", &err),
        0);
    assert_int_equal(o.kind, NET_USER);
    assert_int_equal(o.nhostfwd, 2);
    assert_false(o.hostfwd[0].udp);
    assert_int_equal(o.hostfwd[0].host_addr, htonl(0x7f000001));
    assert_int_equal(o.hostfwd[0].host_port, 8080);
    assert_int_equal(o.hostfwd[0].guest_port, 80);
    assert_true(o.hostfwd[1].udp);
    assert_int_equal(o.hostfwd[1].host_addr, 0);
    assert_int_equal(o.hostfwd[1].guest_port, 5353);

    assert_int_equal(net_options__parse(&o, "lan,mac=52:54:00:12:34:56", &err), 0);
    assert_int_equal(o.kind, NET_NETWORK);
    assert_string_equal(o.network, "lan");
    assert_true(o.has_mac);
    assert_int_equal(o.mac[5], 0x56);

    const char *bad[] = {"",
                         "tap=",
                         "tap=averyveryverylongname",
                         "user,hostfwd=tcp:127.0.0.1:0-:80",
                         "user,hostfwd=tcp:127.0.0.1:80-:99999",
                         "user,hostfwd=sctp::1-:2",
                         "user,hostfwd=tcp:1.2.3:80-:80",
                         "lan,hostfwd=tcp::1-:2",
                         "lan,mac=01:00:00:00:00:01",
                         "lan,mac=52:54:00:12:34",
                         "user,bogus=1",
                         "x=y"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err.msg[0] = '\0';
        assert_int_equal(net_options__parse(&o, bad[i], &err), -1);
        assert_true(err.msg[0] != '\0');
    }
}

static void default_macs(void **state)
{
    (void)state;
    uint8_t a[6], b[6], c[6];
    net__default_mac("vm1", 0, a);
    net__default_mac("vm1", 0, b);
    net__default_mac("vm1", 1, c);
    assert_memory_equal(a, b, 6);
    assert_memory_not_equal(a, c, 6);
    assert_int_equal(a[0] & 3, 2); /* locally administered, unicast */
}

static void cidrs(void **state)
{
    (void)state;
    uint32_t addr;
    unsigned prefix;
    assert_int_equal(network__parse_cidr("10.1.0.0/16", &addr, &prefix, NULL), 0);
    assert_int_equal(addr, htonl(0x0a010000));
    assert_int_equal(prefix, 16);
    const char *bad[] = {"10.1.0.0",  "10.1.0.1/16",  "10.1.0.0/7", "10.1.0.0/31",
                         "10.1.0/16", "10.1.0.0/16x", "/24",        "10.1.0.0/"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(network__parse_cidr(bad[i], &addr, &prefix, NULL), -1);
}

static void nat_ruleset(void **state)
{
    (void)state;
    struct network n = {
        .name = "lan", .model = NETWORK_NAT, .bridge = "sb-lan", .prefix = 24, .uplink = "eth1"};
    inet_pton(AF_INET, "10.5.0.0", &n.subnet);
    char buf[2048];
    assert_int_equal(nft__ruleset(&n, buf, sizeof(buf)), 0);
    assert_non_null(strstr(buf, "table ip strata-lan {"));
    assert_non_null(
        strstr(buf, "ip saddr 10.5.0.0/24 ip daddr != 10.5.0.0/24 oifname \"eth1\" masquerade"));
    assert_non_null(strstr(buf, "iifname \"eth1\" oifname \"sb-lan\" drop"));
    n.uplink[0] = '\0';
    assert_int_equal(nft__ruleset(&n, buf, sizeof(buf)), 0);
    assert_non_null(strstr(buf, "oifname != \"sb-lan\" masquerade"));
    assert_int_equal(nft__ruleset(&n, buf, 64), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(net_specs),
        cmocka_unit_test(default_macs),
        cmocka_unit_test(cidrs),
        cmocka_unit_test(nat_ruleset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
