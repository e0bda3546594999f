#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# reporting.sh STRATA GUESTDIR - free page reporting with the default guest on
# the emu engine (issue 17): a 512 MiB guest started with --balloon --detach
# waits for words on its console; once its RSS has settled, it fills a tmpfs
# with 400 MiB (strata's RSS must grow by at least 300 MiB: the memory is
# really used), then deletes it; within 150 s strata's RSS must be back
# within 20% of its idle size, the pages having been reported and given
# back. Skips (77) when the guest image is missing.
set -euo pipefail

[[ $# -eq 2 ]] || { echo "usage: $0 STRATA GUESTDIR" >&2; exit 2; }
strata=$1
# shellcheck source=vm-lib.sh
. "$(dirname "$0")/vm-lib.sh"
vm_default_guest "$strata" "$2"

# say WORD: types WORD on the guest's console; waits up to 120 s for its answer WORD-done
say() {
    printf '%s\n' "$1" | timeout 5 "$strata" console r1 >/dev/null 2>&1 || :
    local history
    for _ in $(seq 60); do
        history=$(timeout 3 "$strata" console r1 </dev/null 2>/dev/null | tr -d '\r' || :)
        grep -qx "$1-done" <<<"$history" && return 0
        sleep 2
    done
    fail "the guest did not answer '$1'"
}

"$strata" run --engine emu --mem 512M --balloon --name r1 --detach --timeout 900 -- sh -c '
mkdir -p /tmp/fill && mount -t tmpfs -o size=420m fill /tmp/fill
while read -r word; do
    case $word in
    fill) dd if=/dev/zero of=/tmp/fill/f bs=1M count=400 2>/dev/null ;;
    free) rm /tmp/fill/f ;;
    esac
    echo "$word-done"
done' >/dev/null || fail "run --detach failed"
for _ in $(seq 150); do
    vm_balloon_up r1 && break
    sleep 2
done
vm_balloon_up r1 || fail "the guest's balloon driver never sent statistics"
idle=$(vm_settled_rss 300 r1)
echo "idle: rss ${idle} MiB"

say fill
full=$(vm_rss r1)
echo "400 MiB in the guest's tmpfs: rss ${full} MiB"
((full >= idle + 300)) || fail "rss ${full} MiB with 400 MiB in use: it did not grow from ${idle} MiB"

say free
limit=$((idle * 12 / 10))
for _ in $(seq 30); do
    sleep 5
    now=$(vm_rss r1)
    ((now <= limit)) && break
done
echo "freed: rss ${now} MiB (idle ${idle} MiB, limit ${limit} MiB)"
((now <= limit)) || fail "rss ${now} MiB 150 s after the guest freed 400 MiB: over 120% of idle ${idle} MiB"
"$strata" info r1 | grep -E '^(host|balloon) '
echo PASS
