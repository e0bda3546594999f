#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# ct-net.sh STRATA GUESTDIR CASE - containers on `strata net` networks
# (`strata ct create --net NETWORK`), inside a network namespace this script
# makes (unshare -n): nothing touches the machine's real links or firewall.
#   routed   two containers on a routed network get the subnet's .2 and .3,
#            a default route via the host's .1, ping it and each other;
#            `net ls` lists them and `net rm` is refused; busybox udhcpc in a
#            container gets from dnsmasq the very address strata reserved;
#            --ip picks one; after rm the veths, attachments and
#            reservations are gone and `net rm` succeeds
#   errors   an unknown network, --ip outside the subnet, on the host's
#            address or in use: one line, status 1, no container left
#   vm       a VM (the default guest on emu, virtio-net on the network) and a
#            container on one isolated network ping each other, each side
#            checking from its own end
# Skips (77) without root, namespaces or cgroups, busybox-static, or (vm)
# the guest image.
set -euo pipefail

[[ $# -eq 3 ]] || { echo "usage: $0 STRATA GUESTDIR CASE" >&2; exit 2; }
strata=$1 guestdir=$2 case=$3
here=$(dirname "$(realpath "$0")")
# shellcheck source=tests/integration/ct-lib.sh
source "$here/ct-lib.sh"
ct_need_root
if [[ -z ${STRATA_NET_TEST_INNER:-} ]]; then
    unshare -n true 2>/dev/null || { echo "SKIP: cannot create a network namespace"; exit 77; }
    STRATA_NET_TEST_INNER=1 exec unshare -n "$0" "$@"
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
    local p c
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || :; done
    for c in "$tmp"/ct/*/; do
        [[ -d $c ]] && "$strata" ct rm --force "$(basename "$c")" >/dev/null 2>&1 || :
    done
    for f in "$tmp"/state/net/*.dnsmasq.pid; do
        [[ -f $f ]] && kill "$(cat "$f")" 2>/dev/null || :
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
export STRATA_STATE_DIR=$tmp/state STRATA_CT_ROOT=$tmp/ct STRATA_GUEST_DIR=$guestdir
ip link set lo up
ct_rootfs "$tmp/rootfs"
# Container names are unique to this run: their cgroups (/strata/NAME) are the host's.
p=n$$

fail() {
    echo "FAIL: $*"
    for f in "$tmp"/*.out "$tmp"/ct/*/console.log; do
        [[ -f $f ]] && { echo "--- $f"; tail -30 "$f"; }
    done
    exit 1
}

# ct_addr NAME: eth0's IPv4 address/prefix in the container.
ct_addr() { "$strata" ct exec "$1" -- ip -4 -o addr show dev eth0 | grep -Eo 'inet [0-9./]+' | cut -d' ' -f2; }

# wait_for FILE PATTERN SECONDS: until FILE has a line matching PATTERN.
wait_for() {
    timeout "$3" sh -c 'until grep -Eq "$1" "$2" 2>/dev/null; do sleep 1; done' - "$2" "$1" ||
        fail "no '$2' in $1 after $3 s"
}

case $case in
routed)
    "$strata" net create rt --model routed --subnet 10.163.0.0/24
    "$strata" ct create "$p-a" --rootfs "$tmp/rootfs" --net rt -- sleep 300
    "$strata" ct start "$p-a"
    "$strata" ct create "$p-b" --rootfs "$tmp/rootfs" --net rt -- sleep 300
    "$strata" ct start "$p-b"
    [[ $(ct_addr "$p-a") == 10.163.0.2/24 ]] || fail "a has $(ct_addr "$p-a"), want 10.163.0.2/24"
    [[ $(ct_addr "$p-b") == 10.163.0.3/24 ]] || fail "b has $(ct_addr "$p-b"), want 10.163.0.3/24"
    "$strata" ct exec "$p-b" -- ip route | tee "$tmp/route"
    grep -q '^default via 10.163.0.1 dev eth0' "$tmp/route" || fail "no default route via 10.163.0.1"
    "$strata" ct exec "$p-b" -- ping -c 2 -W 5 10.163.0.1 || fail "b cannot ping the host"
    "$strata" ct exec "$p-b" -- ping -c 2 -W 5 10.163.0.2 || fail "b cannot ping a"
    "$tmp/rootfs/bin/busybox" ping -c 2 -W 5 10.163.0.3 || fail "the host cannot ping b"
    [[ $(ip -o link show master sb-rt | grep -c ' vc[0-9]*@') -eq 2 ]] || fail "not two veths on sb-rt"
    "$strata" net ls | tee "$tmp/ls"
    grep -Eq "^rt .* ($p-a,$p-b|$p-b,$p-a)\$" "$tmp/ls" || fail "net ls does not list a and b"
    "$strata" net rm rt 2>"$tmp/err" && fail "net rm succeeded with containers attached"
    grep -q "2 attached NICs" "$tmp/err" || fail "net rm: $(cat "$tmp/err")"
    # The reservation is dnsmasq's too: b's own DHCP request gets b's address.
    printf '#!/bin/sh\n[ "$1" = bound ] && echo "bound $ip"\nexit 0\n' >"$tmp/rootfs/udhcpc.sh"
    chmod +x "$tmp/rootfs/udhcpc.sh"
    "$strata" ct exec "$p-b" -- udhcpc -i eth0 -n -q -t 5 -T 3 -s /udhcpc.sh | tee "$tmp/dhcp"
    grep -q '^bound 10.163.0.3$' "$tmp/dhcp" || fail "dnsmasq did not offer b its reserved 10.163.0.3"
    "$strata" ct create "$p-c" --rootfs "$tmp/rootfs" --net rt --ip 10.163.0.77 -- sleep 300
    "$strata" ct start "$p-c"
    [[ $(ct_addr "$p-c") == 10.163.0.77/24 ]] || fail "c has $(ct_addr "$p-c"), want its --ip 10.163.0.77/24"
    for c in a b c; do "$strata" ct rm --force "$p-$c"; done
    for _ in $(seq 50); do
        [[ -z $(ip -o link show master sb-rt) ]] && break
        sleep 0.1
    done
    [[ -z $(ip -o link show master sb-rt) ]] || fail "veths left on sb-rt"
    [[ -z $(ls -A "$tmp/state/net/rt.hosts") ]] || fail "reservations left: $(ls "$tmp/state/net/rt.hosts")"
    [[ -z $(ls -A "$tmp/state/net/rt.attach" 2>/dev/null) ]] || fail "attachments left"
    # The freed address goes to the next container.
    "$strata" ct create "$p-d" --rootfs "$tmp/rootfs" --net rt -- sleep 300
    "$strata" ct start "$p-d"
    [[ $(ct_addr "$p-d") == 10.163.0.2/24 ]] || fail "d has $(ct_addr "$p-d"), want the freed 10.163.0.2/24"
    "$strata" ct rm --force "$p-d"
    "$strata" net rm rt || fail "net rm failed after the containers went"
    ;;
errors)
    "$strata" net create rt --model routed --subnet 10.164.0.0/24
    "$strata" ct create "$p-a" --rootfs "$tmp/rootfs" --net rt -- sleep 300
    "$strata" ct start "$p-a"
    check() { # check WANT-SUBSTRING ARGS...: status 1, that one line, no container left
        local want=$1 st=0
        shift
        "$strata" ct create "$p-x" --rootfs "$tmp/rootfs" "$@" -- true 2>"$tmp/err" >/dev/null || st=$?
        echo "ct create "$p-x" $*: status $st: $(cat "$tmp/err")"
        [[ $st -eq 1 && $(wc -l <"$tmp/err") -eq 1 ]] || fail "want status 1 and one line"
        grep -q -- "$want" "$tmp/err" || fail "no '$want' in the message"
        [[ ! -e $tmp/ct/$p-x ]] || fail "container x left behind"
    }
    check "no network named 'ghost'" --net ghost
    check "not an address of network rt's subnet" --net rt --ip 10.99.0.5
    check "not an address of network rt's subnet" --net rt --ip 10.164.0.5/16
    check "host address" --net rt --ip 10.164.0.1
    check "in use on network rt" --net rt --ip 10.164.0.2
    check "want an IPv4" --net rt --ip 10.164.0.300
    [[ $(ip -o link show master sb-rt | wc -l) -eq 1 ]] || fail "a failed create left a veth"
    [[ $(ls "$tmp/state/net/rt.hosts" | wc -l) -eq 1 ]] || fail "a failed create left a reservation"
    "$strata" ct rm --force "$p-a"
    "$strata" net rm rt
    ;;
vm)
    [[ -f $guestdir/vmlinuz && -f $guestdir/initrd.img ]] || {
        echo "SKIP: no guest image in $guestdir (make guest)"
        exit 77
    }
    "$strata" net create iso --model isolated --subnet 10.165.0.0/24
    # The container (10.165.0.2, the first free address) pings the VM until
    # it answers, then stays up for the VM's pings.
    "$strata" ct create "$p-c" --rootfs "$tmp/rootfs" --net iso -- sh -c '
        for i in $(seq 500); do ping -c 1 -W 1 10.165.0.10 >/dev/null && break; done
        ping -c 3 -W 3 10.165.0.10 && echo CT-PINGED-VM; sleep 600'
    "$strata" ct start "$p-c"
    [[ $(ct_addr "$p-c") == 10.165.0.2/24 ]] || fail "the container has $(ct_addr "$p-c"), want 10.165.0.2/24"
    # The VM pings the container, then stays up until the container has pinged it.
    "$strata" run --engine=emu --timeout 560 --name vm1 --net iso --append strata.dhcp=off -- sh -c '
        ip addr add 10.165.0.10/24 dev eth0 && ip link set eth0 up
        for i in $(seq 400); do ping -c 1 -W 1 10.165.0.2 >/dev/null && break; done
        ping -c 3 -W 3 10.165.0.2 && echo VM-PINGED-CT; sleep 300' </dev/null >"$tmp/vm1.out" 2>&1 &
    vm=$!
    pids+=($vm)
    wait_for "$tmp/vm1.out" '^VM-PINGED-CT|exit status' 500
    grep -q '^VM-PINGED-CT' "$tmp/vm1.out" || fail "the VM could not ping the container"
    grep -Eq '3 packets transmitted, [1-3] packets received' "$tmp/vm1.out" ||
        fail "no replies to the VM's pings"
    wait_for "$tmp/ct/$p-c/console.log" 'CT-PINGED-VM' 120
    cat "$tmp/ct/$p-c/console.log"
    grep -Eq '3 packets transmitted, [1-3] packets received' "$tmp/ct/$p-c/console.log" ||
        fail "no replies to the container's pings"
    kill "$vm"
    wait "$vm" 2>/dev/null || :
    "$strata" ct rm --force "$p-c"
    "$strata" net rm iso || fail "net rm failed after the VM and the container went"
    ;;
*)
    echo "unknown case $case" >&2
    exit 2
    ;;
esac
echo "ok: $case"
