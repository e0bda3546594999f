#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# balloon.sh STRATA GUESTDIR - the virtio balloon with the default guest on
# the emu engine, driven as a user does (issue 17): a 512 MiB guest started
# with --balloon --detach prints its MemAvailable every second;
# `strata balloon NAME 128M` makes it fall by about 128 MiB and `strata
# info` shows the balloon holding it and the guest's own statistics;
# `strata balloon NAME 0` gives it back; a balloon larger than the VM and a
# VM without a balloon are refused with one line. Skips (77) when the guest
# image is missing.
set -euo pipefail

[[ $# -eq 2 ]] || { echo "usage: $0 STRATA GUESTDIR" >&2; exit 2; }
strata=$1
# shellcheck source=vm-lib.sh
. "$(dirname "$0")/vm-lib.sh"
vm_default_guest "$strata" "$2"

# The guest's last MemAvailable in KiB, from its console's history.
avail() {
    timeout 3 "$strata" console b1 </dev/null 2>/dev/null | tr -d '\r' |
        sed -n 's/^MemAvailable: *\([0-9]*\) kB$/\1/p' | tail -1 || :
}
# wait_avail CMP KIB: until MemAvailable CMP (lt or gt) KIB, for up to 120 s
wait_avail() {
    local a
    for _ in $(seq 60); do
        a=$(avail)
        if [[ -n $a ]] && { { [[ $1 == lt ]] && ((a < $2)); } || { [[ $1 == gt ]] && ((a > $2)); }; }; then
            echo "$a"
            return 0
        fi
        sleep 2
    done
    fail "MemAvailable never went $1 $2 KiB (last: ${a:-none})"
}

"$strata" run --engine emu --mem 512M --balloon --name b1 --detach --timeout 600 -- \
    sh -c 'while :; do grep MemAvailable /proc/meminfo; sleep 1; done' >/dev/null ||
    fail "run --detach failed"
idle=$(wait_avail gt 300000)
echo "idle: MemAvailable $idle kB"

"$strata" balloon b1 128M || fail "strata balloon b1 128M failed"
low=$(wait_avail lt $((idle - 110 * 1024)))
echo "ballooned 128M: MemAvailable $low kB"
"$strata" info b1 | tee "$tmp/info"
grep -Eq '^balloon +target 128M, actual 128M' "$tmp/info" || fail "info: balloon line"
grep -Eq '^host .* ballooned 128M$' "$tmp/info" || fail "info: host line"
grep -Eq '^guest .* total [0-9]+M' "$tmp/info" || fail "info: the guest's statistics"
"$strata" ls | grep -Eq '^b1 .* 128M$' || fail "ls: ballooned column"

"$strata" balloon b1 0 || fail "strata balloon b1 0 failed"
back=$(wait_avail gt $((idle - 20 * 1024)))
echo "deflated: MemAvailable $back kB"

out=$("$strata" balloon b1 1G 2>&1) && fail "a balloon larger than the vm was accepted"
[[ $out == *"more than the vm's 512 MiB"* ]] || fail "balloon 1G: '$out'"
out=$("$strata" balloon b1 lots 2>&1) && fail "a bad size was accepted"
[[ $out == *"bad size 'lots'"* ]] || fail "balloon lots: '$out'"
"$strata" kill b1

"$strata" run --engine emu --mem 256M --name nb --detach --timeout 600 -- sleep 600 >/dev/null
out=$("$strata" balloon nb 64M 2>&1) && fail "a vm without a balloon took a target"
[[ $out == *"no balloon"* ]] || fail "balloon without a device: '$out'"
echo PASS
