// SPDX-License-Identifier: Apache-2.0
/*
 * net.c - the --net option and opening the backend it names (net.h).
 *
 *   tap=IFNAME                       tap.c
 *   user[,hostfwd=tcp:ADDR:HPORT-:GPORT]...   slirp.c (udp: too; ADDR may be empty)
 *   NETWORK                          attach.c
 *   any of them ,mac=XX:XX:XX:XX:XX:XX
 */
#include "net/net.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/network.h"

static int parse_mac(const char *s, uint8_t mac[6], struct err *err)
{
    unsigned v[6];
    char tail;
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) !=
            6 ||
        strlen(s) != 17)
        return err__set(err, "bad mac '%s': want XX:XX:XX:XX:XX:XX", s);
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
    if (mac[0] & 1)
        return err__set(err, "bad mac '%s': a multicast address", s);
    return 0;
}

static bool parse_port(const char *s, size_t len, uint16_t *port)
{
    if (len == 0 || len > 5)
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v == 0 || v > 65535)
        return false;
    *port = (uint16_t)v;
    return true;
}

/* tcp:ADDR:HPORT-:GPORT (QEMU's hostfwd form; ADDR empty means 127.0.0.1... no: any). */
static int parse_hostfwd(const char *s, struct net_hostfwd *f, struct err *err)
{
    *f = (struct net_hostfwd){0};
    const char *p = s;
    if (!strncmp(p, "tcp:", 4)) {
        p += 4;
    } else if (!strncmp(p, "udp:", 4)) {
        f->udp = true;
        p += 4;
    } else {
        return err__set(err, "bad hostfwd '%s': want tcp:ADDR:HOSTPORT-:GUESTPORT", s);
    }
    const char *colon = strchr(p, ':');
    const char *dash = colon ? strstr(colon, "-:") : NULL;
    if (!colon || !dash)
        return err__set(err, "bad hostfwd '%s': want tcp:ADDR:HOSTPORT-:GUESTPORT", s);
    char addr[32];
    size_t alen = (size_t)(colon - p);
    if (alen >= sizeof(addr))
        return err__set(err, "bad hostfwd '%s': bad address", s);
    memcpy(addr, p, alen);
    addr[alen] = '\0';
    struct in_addr a = {.s_addr = INADDR_ANY};
    if (alen && inet_pton(AF_INET, addr, &a) != 1)
        return err__set(err, "bad hostfwd '%s': bad address '%s'", s, addr);
    f->host_addr = a.s_addr;
    if (!parse_port(colon + 1, (size_t)(dash - colon - 1), &f->host_port) ||
        !parse_port(dash + 2, strlen(dash + 2), &f->guest_port))
        return err__set(err, "bad hostfwd '%s': ports are 1 to 65535", s);
    return 0;
}

int net_options__parse(struct net_options *o, const char *spec, struct err *err)
{
    *o = (struct net_options){0};
    char *copy = strdup(spec);
    if (!copy)
        return err__set(err, "out of memory");
    int ret = -1;
    char *save = NULL;
    char *first = strtok_r(copy, ",", &save);
    if (!first) {
        err__set(err, "bad --net '%s': want tap=IFNAME, user or a network name", spec);
        goto out;
    }
    if (!strncmp(first, "tap=", 4)) {
        o->kind = NET_TAP;
        if (!first[4] || strlen(first + 4) >= sizeof(o->name)) {
            err__set(err, "bad --net '%s': want tap=IFNAME (1 to %zu characters)", spec,
                     sizeof(o->name) - 1);
            goto out;
        }
        strcpy(o->name, first + 4);
    } else if (!strcmp(first, "user")) {
        o->kind = NET_USER;
    } else if (!strchr(first, '=')) {
        o->kind = NET_NETWORK;
        if (strlen(first) >= sizeof(o->network)) {
            err__set(err, "bad --net '%s': network name too long", spec);
            goto out;
        }
        strcpy(o->network, first);
    } else {
        err__set(err, "bad --net '%s': want tap=IFNAME, user or a network name", spec);
        goto out;
    }
    for (char *opt; (opt = strtok_r(NULL, ",", &save));) {
        if (!strncmp(opt, "mac=", 4)) {
            if (parse_mac(opt + 4, o->mac, err))
                goto out;
            o->has_mac = true;
        } else if (!strncmp(opt, "hostfwd=", 8) && o->kind == NET_USER) {
            if (o->nhostfwd == NET_MAX_HOSTFWD) {
                err__set(err, "bad --net '%s': at most %d hostfwd", spec, NET_MAX_HOSTFWD);
                goto out;
            }
            if (parse_hostfwd(opt + 8, &o->hostfwd[o->nhostfwd++], err))
                goto out;
        } else {
            err__set(err, "bad --net '%s': unknown option '%s'", spec, opt);
            goto out;
        }
    }
    ret = 0;
out:
    free(copy);
    return ret;
}

struct net_backend *net__open(const struct net_options *o, const char *vm_name, struct err *err)
{
    switch (o->kind) {
    case NET_TAP: return net_tap__open(o->name, err);
    case NET_USER: return net_slirp__open(o, err);
    case NET_NETWORK: return net_attach__open(o->network, vm_name, err);
    }
    err__set(err, "unknown network backend");
    return NULL;
}

void net__close(struct net_backend *b)
{
    if (b)
        b->ops->close(b);
}

void net__default_mac(const char *vm_name, unsigned index, uint8_t mac[6])
{
    /* FNV-1a of the name: the same VM name gets the same addresses every run. */
    uint32_t h = 2166136261u;
    for (const char *p = vm_name; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    mac[0] = 0x52; /* locally administered, unicast (QEMU's guests use 52:54:00) */
    mac[1] = 0x54;
    mac[2] = (uint8_t)(h >> 24);
    mac[3] = (uint8_t)(h >> 16);
    mac[4] = (uint8_t)(h >> 8);
    mac[5] = (uint8_t)(h + index);
}
