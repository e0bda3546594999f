#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# net-vm.sh STRATA GUESTDIR CASE - VMs (the default guest on the emu engine)
# with virtio-net NICs, inside a network namespace this script makes
# (unshare -n), peers in more namespaces on veth pairs: nothing touches the
# machine's real links, routes or firewall.
#   isolated  two VMs on an isolated network ping each other (static
#             addresses); neither reaches the host, nor the host them
#   routed    a VM on a routed network gets its address by DHCP from the
#             network's dnsmasq and answers the host's ping
#   nat       a VM on a NAT network whose uplink is a veth into an "outside"
#             namespace reaches a TCP server there, which sees the uplink's
#             address as the source
#   user      --net user,hostfwd=tcp:127.0.0.1:PORT-:80: busybox httpd in the
#             guest serves a 10 MiB file to curl on the host, bytes identical
#   kill9     after kill -9 of strata the tap it made for a network is gone,
#             `strata net ls` reaps the attachment, `strata net rm` succeeds
#   tap       --net tap=NAME creates the tap (gone after the run); the VM
#             pings an address on it
# Skips (77) without namespaces or without the guest image.
set -euo pipefail

[[ $# -eq 3 ]] || { echo "usage: $0 STRATA GUESTDIR CASE" >&2; exit 2; }
strata=$1 guestdir=$2 case=$3
[[ -f $guestdir/vmlinuz && -f $guestdir/initrd.img ]] || {
    echo "SKIP: no guest image in $guestdir (make guest)"
    exit 77
}
if [[ -z ${STRATA_NET_TEST_INNER:-} ]]; then
    unshare -n true 2>/dev/null || { echo "SKIP: cannot create a network namespace"; exit 77; }
    STRATA_NET_TEST_INNER=1 exec unshare -n "$0" "$@"
fi
export STRATA_GUEST_DIR=$guestdir

tmp=$(mktemp -d)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || :; done
    for f in "$tmp"/state/net/*.dnsmasq.pid; do
        [[ -f $f ]] && kill "$(cat "$f")" 2>/dev/null || :
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
export STRATA_STATE_DIR=$tmp/state
ip link set lo up

fail() {
    echo "FAIL: $*"
    for f in "$tmp"/vm*.out "$tmp"/vm*.err; do
        [[ -f $f ]] && { echo "--- $f"; tail -30 "$f"; }
    done
    exit 1
}

peer() {
    unshare -n sleep 600 >/dev/null 2>&1 &
    pids+=($!)
    printf -v "$1" %s $!
    sleep 0.2
}
in_peer() { local pid=$1; shift; nsenter -t "$pid" -n "$@"; }

# vm NAME STRATA-RUN-ARGS... -- COMMAND: starts a VM in the background.
vm() {
    local name=$1
    shift
    "$strata" run --engine=emu --timeout 280 --name "$name" "$@" </dev/null \
        >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pids+=($!)
    printf -v "pid_$name" %s $!
}

# In the guest: wait (up to 120 s) for eth0's DHCP lease, which udhcpc,
# backgrounded by /init after its first tries, may still be getting on a
# loaded host.
LEASE='for i in $(seq 120); do ip -4 addr show dev eth0 | grep -q inet && break; sleep 1; done; '

# wait_vm NAME: waits for the VM and checks its exit status is 0.
wait_vm() {
    local pid_var=pid_$1 status=0
    wait "${!pid_var}" || status=$?
    echo "--- $1 (status $status)"
    cat "$tmp/$1.out"
    [[ $status -eq 0 ]] || fail "VM $1 exited with $status"
}

# wait_for FILE PATTERN SECONDS: until FILE has a line matching PATTERN.
wait_for() {
    local i
    for ((i = 0; i < $3; i++)); do
        grep -Eq "$2" "$1" 2>/dev/null && return 0
        sleep 1
    done
    fail "no '$2' in $1 after $3 s"
}

case $case in
isolated)
    "$strata" net create iso --model isolated
    # Each pings the other until it answers (they boot at their own pace).
    for me in 2 3; do
        other=$((5 - me))
        vm "vm$me" --net iso --append strata.dhcp=off -- sh -c "
            ip addr add 10.55.0.$me/24 dev eth0 && ip link set eth0 up
            for i in \$(seq 120); do ping -c 1 -W 1 10.55.0.$other >/dev/null && break; done
            ping -c 2 -W 2 10.55.0.$other || exit 1
            sleep 3
            ip route add default dev eth0
            if ping -c 2 -W 2 192.0.2.1 >/dev/null; then echo reached-host; exit 2; fi
            echo isolated-ok"
    done
    # The host answers neither from its other addresses, even with a route back.
    ip addr add 192.0.2.1/32 dev lo
    ip route add 10.55.0.0/24 dev sb-iso
    wait_for "$tmp/vm2.out" 'isolated-ok|reached-host|exit status' 280
    "$guestdir/busybox" ping -c 1 -W 2 10.55.0.2 >/dev/null 2>&1 && fail "the host reached a VM on an isolated network"
    wait_vm vm2
    wait_vm vm3
    grep -q isolated-ok "$tmp/vm2.out" && grep -q isolated-ok "$tmp/vm3.out" ||
        fail "a VM is not isolated from the host"
    "$strata" net rm iso
    ;;
routed)
    "$strata" net create rt --model routed --subnet 10.56.0.0/24
    vm vm1 --net rt -- sh -c "$LEASE"'ip -4 addr show dev eth0; echo READY; sleep 25'
    wait_for "$tmp/vm1.out" READY 280
    addr=$(grep -Eo 'inet 10\.56\.0\.[0-9]+' "$tmp/vm1.out" | head -1 | cut -d' ' -f2)
    [[ -n $addr ]] || fail "the VM got no address in 10.56.0.0/24 by DHCP"
    echo "the VM got $addr by DHCP"
    grep -q "$addr" "$tmp/state/net/rt.leases" || fail "dnsmasq has no lease for $addr"
    "$guestdir/busybox" ping -c 3 -W 5 "$addr" || fail "the VM does not answer the host's ping"
    wait_vm vm1
    "$strata" net rm rt
    ;;
nat)
    peer out
    ip link add up0 type veth peer name wan0
    ip link set wan0 netns "$out"
    ip link set up0 up
    ip addr add 192.0.2.1/24 dev up0
    in_peer "$out" ip link set wan0 up
    in_peer "$out" ip link set lo up
    in_peer "$out" ip addr add 192.0.2.2/24 dev wan0
    "$strata" net create nt --model nat --subnet 10.57.0.0/24 --uplink up0
    in_peer "$out" /usr/bin/python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.2", 9000)); s.listen(1); s.settimeout(280)
c, a = s.accept(); c.sendall(("seen-" + a[0] + "\n").encode()); c.close()
print(a[0])
' >"$tmp/server" &
    server=$!
    vm vm1 --net nt -- sh -c "$LEASE"'ip -4 addr show dev eth0; ip route; echo | nc 192.0.2.2 9000'
    wait_vm vm1
    wait "$server" || fail "the server in the outside namespace saw no connection"
    echo "the server saw $(cat "$tmp/server")"
    [[ $(cat "$tmp/server") == 192.0.2.1 ]] || fail "the source was not the uplink's 192.0.2.1"
    grep -q 'seen-192.0.2.1' "$tmp/vm1.out" || fail "the VM did not get the server's answer"
    "$strata" net rm nt
    ;;
user)
    port=$((20000 + RANDOM % 20000))
    vm vm1 --mem 384M --net "user,hostfwd=tcp:127.0.0.1:$port-:80" -- sh -c "$LEASE"'
        mkdir -p /www && dd if=/dev/urandom of=/www/f bs=1M count=10 2>/dev/null
        sha256sum /www/f; httpd -p 80 -h /www; echo READY; sleep 200'
    wait_for "$tmp/vm1.out" READY 280
    want=$(grep -Eo '^[0-9a-f]{64}  /www/f' "$tmp/vm1.out" | cut -d' ' -f1)
    curl -sS --max-time 200 -o "$tmp/f" "http://127.0.0.1:$port/f" || fail "curl failed"
    got=$(sha256sum <"$tmp/f" | cut -d' ' -f1)
    echo "guest $want, host $got, $(stat -c %s "$tmp/f") bytes"
    [[ $(stat -c %s "$tmp/f") -eq $((10 << 20)) && $got == "$want" ]] ||
        fail "the file differs from the guest's"
    kill "$pid_vm1"
    ;;
kill9)
    "$strata" net create iso --model isolated
    vm vm1 --net iso --append strata.dhcp=off -- sh -c 'sleep 200'
    tap=st${pid_vm1}n0
    for i in $(seq 60); do
        ip -o link show "$tap" 2>/dev/null | grep 'master sb-iso' && break
        sleep 1
    done
    ip -o link show "$tap" | grep 'master sb-iso' || fail "no tap $tap on sb-iso"
    "$strata" net ls | tee "$tmp/ls"
    grep -Eq '^iso .* vm1$' "$tmp/ls" || fail "net ls does not show vm1 attached"
    "$strata" net rm iso 2>"$tmp/rm.err" && fail "net rm succeeded with a VM attached"
    cat "$tmp/rm.err"
    kill -9 "$pid_vm1"
    wait "$pid_vm1" 2>/dev/null || :
    sleep 1
    "$strata" net ls | tee "$tmp/ls"
    ip link show "$tap" >/dev/null 2>&1 && fail "tap $tap left after kill -9 and net ls"
    grep -Eq '^iso .* -$' "$tmp/ls" || fail "net ls still shows an attachment"
    ls "$tmp/state/net/iso.attach" 2>/dev/null && fail "the stale attachment record is left"
    "$strata" net rm iso || fail "net rm failed after the reap"
    ;;
tap)
    vm vm1 --net tap=tvm0 --append strata.dhcp=off -- sh -c '
        ip addr add 10.58.0.2/24 dev eth0 && ip link set eth0 up
        for i in $(seq 120); do ping -c 1 -W 1 10.58.0.1 >/dev/null && break; done
        ping -c 2 -W 2 10.58.0.1'
    for i in $(seq 60); do ip link show tvm0 >/dev/null 2>&1 && break; sleep 1; done
    ip addr add 10.58.0.1/24 dev tvm0 || fail "no tap tvm0"
    wait_vm vm1
    ip link show tvm0 >/dev/null 2>&1 && fail "tap tvm0 left after the run"
    ;;
*)
    echo "unknown case $case" >&2
    exit 2
    ;;
esac
echo "ok: $case"
