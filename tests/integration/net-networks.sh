#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# net-networks.sh STRATA GUESTDIR CASE - `strata net` on the host side, inside
# a network namespace this script makes (unshare -n): nothing touches the
# machine's real links, routes or firewall. Peers are more namespaces (an
# `unshare -n sleep` each, entered with nsenter) joined by veth pairs.
#   models   create one network per model; `net ls` shows them; the bridge,
#            its address, dnsmasq and the nft table exist; `net rm` removes
#            every one of them
#   errors   nonexistent network, overlapping subnet, nonexistent uplink, name
#            in use, missing CAP_NET_ADMIN, bad model/name/subnet: one line,
#            exit status 1, and no new link, nft table or dnsmasq after each
#   dhcp     a client namespace on a routed network's bridge gets an address
#            from its dnsmasq (busybox udhcpc) and pings the host side
#   nat      a client on a NAT network reaches a TCP server in an "outside"
#            namespace behind the uplink veth; the server sees the uplink's
#            address as the source
#   isolated two clients on an isolated network ping each other; the host
#            has no address on it and cannot be reached through it
# Skips (77) without the privilege to make namespaces, or without the
# guest's busybox (udhcpc, ping) for the cases that need it.
set -euo pipefail

[[ $# -eq 3 ]] || { echo "usage: $0 STRATA GUESTDIR CASE" >&2; exit 2; }
strata=$1 guestdir=$2 case=$3

if [[ -z ${STRATA_NET_TEST_INNER:-} ]]; then
    unshare -n true 2>/dev/null || { echo "SKIP: cannot create a network namespace"; exit 77; }
    STRATA_NET_TEST_INNER=1 exec unshare -n "$0" "$@"
fi

busybox=$guestdir/busybox
need_busybox() {
    [[ -x $busybox ]] || { echo "SKIP: no busybox in $guestdir (make guest)"; exit 77; }
}

tmp=$(mktemp -d)
peers=()
cleanup() {
    local p
    for p in "${peers[@]}"; do kill "$p" 2>/dev/null || :; done
    # Networks left by a failed check: their dnsmasq would outlive the namespace.
    for f in "$tmp"/state/net/*.dnsmasq.pid; do
        [[ -f $f ]] && kill "$(cat "$f")" 2>/dev/null || :
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
export STRATA_STATE_DIR=$tmp/state
ip link set lo up

fail() { echo "FAIL: $*"; exit 1; }

# dnsmasq processes of this namespace only (other tests run theirs at the same time).
our_dnsmasq() { pgrep --ns $$ --nslist net -x dnsmasq "$@"; }

# peer VAR: a namespace kept alive by a sleeping process; its pid goes in VAR.
peer() {
    unshare -n sleep 600 >/dev/null 2>&1 &
    peers+=($!)
    printf -v "$1" %s $!
    sleep 0.2
}
in_peer() { local pid=$1; shift; nsenter -t "$pid" -n "$@"; }

# veth_to PEERPID HOSTNAME PEERNAME: a veth pair, one end into the peer.
veth_to() {
    ip link add "$2" type veth peer name "$3"
    ip link set "$3" netns "$1"
    ip link set "$2" up
    in_peer "$1" ip link set "$3" up
    in_peer "$1" ip link set lo up
}

# The host's state, to compare before and after a failing command.
host_state() {
    ip -o link show | awk -F': ' '{print $2}' | sort
    nft list tables 2>/dev/null | sort
    our_dnsmasq | sort || :
}

# expect_error WHAT-SUBSTRING STRATA-ARGS...: status 1, one line naming it, nothing new
expect_error() {
    local want=$1 status=0
    shift
    host_state >"$tmp/before"
    if [[ $1 == setpriv ]]; then "$@"; else "$strata" "$@"; fi >"$tmp/out" 2>"$tmp/err" || status=$?
    host_state >"$tmp/after"
    echo "strata $*: status $status: $(cat "$tmp/err")"
    [[ $status -eq 1 ]] || fail "strata $*: exit status $status, want 1"
    [[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "strata $*: want one line on stderr"
    grep -q -- "$want" "$tmp/err" || fail "strata $*: no '$want' in the message"
    diff "$tmp/before" "$tmp/after" || fail "strata $*: left something behind"
}

case $case in
models)
    ip link add up0 type veth peer name up0p
    ip link add up1 type veth peer name up1p
    "$strata" net create iso --model isolated
    "$strata" net create rt --model routed --subnet 10.50.0.0/24
    "$strata" net create nt --model nat --subnet 10.51.0.0/24 --uplink up0
    "$strata" net create br --model bridged --uplink up1
    "$strata" net ls | tee "$tmp/ls"
    grep -Eq '^iso +isolated +sb-iso +- ' "$tmp/ls" || fail "iso not listed"
    grep -Eq '^rt +routed +sb-rt +10.50.0.0/24 ' "$tmp/ls" || fail "rt not listed"
    grep -Eq '^nt +nat +sb-nt +10.51.0.0/24 +up0 ' "$tmp/ls" || fail "nt not listed"
    grep -Eq '^br +bridged +sb-br +- +up1 ' "$tmp/ls" || fail "br not listed"
    ip -o -4 addr show dev sb-iso | grep >/dev/null inet && fail "an isolated bridge has a host address"
    ip -o -4 addr show dev sb-rt | grep >/dev/null 'inet 10.50.0.1/24' || fail "sb-rt has no 10.50.0.1/24"
    ip -o -4 addr show dev sb-nt | grep >/dev/null 'inet 10.51.0.1/24' || fail "sb-nt has no 10.51.0.1/24"
    ip -o link show up1 | grep >/dev/null 'master sb-br ' ||
        fail "up1 is not enslaved to sb-br"
    [[ $(cat /proc/sys/net/ipv4/ip_forward) == 1 ]] || fail "forwarding is off"
    [[ $(our_dnsmasq -c) -eq 2 ]] || fail "no dnsmasq for rt and nt"
    nft list table ip strata-nt | grep >/dev/null masquerade || fail "no masquerade table for nt"
    nft list table ip strata-rt >/dev/null 2>&1 && fail "a routed network has an nft table"
    nft list table inet strata-iso >"$tmp/nft" || fail "no table for the isolated network"
    grep >/dev/null 'iifname "sb-iso" drop' "$tmp/nft" || fail "the isolated bridge's input is open"
    [[ -z $(ip -6 addr show dev sb-iso) ]] || fail "the isolated bridge has an IPv6 address"
    for n in iso rt nt br; do "$strata" net rm "$n"; done
    "$strata" net ls | tee "$tmp/ls"
    [[ $(wc -l <"$tmp/ls") -eq 1 ]] || fail "networks left after rm"
    for b in sb-iso sb-rt sb-nt sb-br; do
        ip link show "$b" >/dev/null 2>&1 && fail "bridge $b left after rm"
    done
    ip -o link show up1 | grep >/dev/null ' master ' && fail "up1 still enslaved"
    [[ -z $(nft list tables) ]] || fail "nft tables left after rm"
    our_dnsmasq >/dev/null && fail "dnsmasq left after rm"
    ;;
errors)
    ip link add up0 type veth peer name up0p
    ip addr add 10.60.0.1/16 dev up0
    ip link set up0 up
    "$strata" net create taken --model routed --subnet 10.61.0.0/24
    expect_error "no network named 'ghost'" net rm ghost
    expect_error "overlaps 10.60.0.0/16 dev up0" net create ov --model routed --subnet 10.60.5.0/24
    expect_error "overlaps 10.61.0.0/24 dev sb-taken" net create ov2 --model isolated --subnet 10.61.0.0/25
    expect_error "uplink 'nope' does not exist" net create nu --model nat --uplink nope
    expect_error "uplink 'nope' does not exist" net create nb --model bridged --uplink nope
    expect_error "network 'taken' already exists" net create taken --model isolated
    expect_error "bad --model 'mesh'" net create m --model mesh
    expect_error "bad network name" net create 'a/b' --model isolated
    expect_error "bad subnet" net create s --model routed --subnet 10.70.0.1/24
    expect_error "CAP_NET_ADMIN" setpriv --inh-caps=-all --bounding-set=-net_admin \
        "$strata" net create nocap --model isolated
    "$strata" net rm taken
    ;;
dhcp)
    need_busybox
    "$strata" net create rt --model routed --subnet 10.52.0.0/24
    peer c
    veth_to "$c" c0 eth0
    ip link set c0 master sb-rt
    cat >"$tmp/udhcpc.sh" <<'SCRIPT'
#!/bin/sh
[ "$1" = bound ] && ip addr add "$ip/$mask" dev "$interface" && echo "bound $ip"
exit 0
SCRIPT
    chmod +x "$tmp/udhcpc.sh"
    in_peer "$c" "$busybox" udhcpc -i eth0 -n -q -t 5 -T 2 -s "$tmp/udhcpc.sh" | tee "$tmp/dhcp"
    grep -Eq '^bound 10\.52\.0\.([2-9]|[1-9][0-9]+)$' "$tmp/dhcp" || fail "no DHCP lease from 10.52.0.0/24"
    in_peer "$c" "$busybox" ping -c 1 -W 5 10.52.0.1 || fail "the client cannot ping the host side"
    "$strata" net rm rt
    ;;
nat)
    "$strata" net create nt --model nat --subnet 10.53.0.0/24 --uplink up0 2>/dev/null &&
        fail "nat with a missing uplink was created"
    peer out
    veth_to "$out" up0 wan0
    ip addr add 192.0.2.1/24 dev up0
    in_peer "$out" ip addr add 192.0.2.2/24 dev wan0
    "$strata" net create nt --model nat --subnet 10.53.0.0/24 --uplink up0
    peer c
    veth_to "$c" c0 eth0
    ip link set c0 master sb-nt
    in_peer "$c" ip addr add 10.53.0.7/24 dev eth0
    in_peer "$c" ip route add default via 10.53.0.1
    in_peer "$out" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.2", 9000)); s.listen(1); s.settimeout(30)
c, a = s.accept(); c.sendall(a[0].encode() + b"\n"); c.close()
' >"$tmp/server" &
    server=$!
    sleep 0.5
    seen=$(in_peer "$c" /usr/bin/python3 -c '
import socket
s = socket.create_connection(("192.0.2.2", 9000), timeout=10); print(s.recv(100).decode().strip())
')
    wait "$server"
    echo "the server saw $seen"
    [[ $seen == 192.0.2.1 ]] || fail "the server saw $seen, want the uplink's 192.0.2.1"
    "$strata" net rm nt
    [[ -z $(nft list tables) ]] || fail "nft table left after rm"
    ;;
isolated)
    need_busybox
    "$strata" net create iso --model isolated
    peer a
    peer b
    veth_to "$a" va eth0
    veth_to "$b" vb eth0
    ip link set va master sb-iso
    ip link set vb master sb-iso
    in_peer "$a" ip addr add 10.54.0.2/24 dev eth0
    in_peer "$b" ip addr add 10.54.0.3/24 dev eth0
    in_peer "$a" "$busybox" ping -c 1 -W 5 10.54.0.3 || fail "the clients cannot ping each other"
    # The host's addresses elsewhere stay out of reach from the isolated LAN,
    # even with a route back to it (without strata's wall this ping succeeds).
    ip addr add 192.0.2.1/32 dev lo
    ip route add 10.54.0.0/24 dev sb-iso
    in_peer "$a" ip route add default dev eth0
    in_peer "$a" "$busybox" ping -c 2 -W 2 192.0.2.1 && fail "a client reached the host"
    ip -o -4 addr show dev sb-iso | grep >/dev/null inet && fail "the host has an address on the bridge"
    "$strata" net rm iso
    ;;
*)
    echo "unknown case $case" >&2
    exit 2
    ;;
esac
echo "ok: $case"
