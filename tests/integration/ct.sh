#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# ct.sh STRATA CASE - `strata ct` as a user drives it, on a busybox root
# filesystem built here; each test has its own state root and names.
#   basic      create, start --attach, ls, rm; the isolation inside (pid 1,
#              hostname, capabilities, no_new_privs, seccomp, masked and
#              read-only paths, no host mounts)
#   exec       exec in a running container (status, same pid namespace), stop, rm
#   console    an interactive shell as the init: console attaches (through
#              script(1)'s pty), the shell's terminal is the container's
#              /dev/pts/0 and /dev/console; exec -t gets a terminal too
#   stop       stop: SIGTERM ignored by the init, SIGKILL after --timeout
#   oom        --memory 64M and 200 MiB allocated: OOM-killed, and `ct ls` and
#              the joint `strata ls` say so
#   pids       --pids 20 and a fork bomb: held at 20, refusals counted, host fine
#   image      --image TARBALL and --volume HOST:GUEST:ro
#   unprivileged  a user's container (nobody's): its root is the user's own id,
#              and with a range in /etc/subuid (bound over it in a private
#              mount namespace) container ids 0-65535 are the subordinate ids
#   net        two containers on one bridge (--net bridge:NAME --ip), in a network
#              namespace of the test's own: one pings the other
#   api        the control API (docs/api.md) by a python client with nothing
#              of strata's (ct_api_client.py): listing, info, pause/resume,
#              stop and kill with their events; `strata ls`, `info`, `pause`
#              and `stop NAME` reach the container too; a name taken by a
#              running container is refused to a second one
#   cgroup2    in a private mount namespace with cgroup2 mounted on
#              /sys/fs/cgroup: a container joins its v2 cgroup (cgroup.procs,
#              its cgroup namespace's root), pause freezes it (cgroup.events),
#              rm removes it; limits whose controllers the host binds to v1
#              are refused in one line (a limit test is skipped with reason)
#   errors     bad input: one line, non-zero, nothing left behind
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 STRATA CASE" >&2; exit 2; }
strata=$1 case=$2
here=$(dirname "$0")
# shellcheck source=ct-lib.sh
. "$here/ct-lib.sh"
ct_need_root
if [[ ($case == unprivileged || $case == cgroup2) && -z ${STRATA_CT_INNER:-} ]]; then
    # alone in a mount namespace, where /etc/subuid can be replaced
    STRATA_CT_INNER=1 exec unshare -m --propagation private "$0" "$@"
fi
if [[ $case == net && -z ${STRATA_CT_INNER:-} ]]; then
    # in a network namespace of its own: its bridge and veths touch nothing of the host's
    STRATA_CT_INNER=1 exec unshare -n "$0" "$@"
fi

tmp=$(mktemp -d)
export STRATA_CT_ROOT=$tmp/state
name=t$$-$case
cleanup() {
    local c
    for c in "${STRATA_CT_ROOT:-/nonexistent}"/*/; do # this test's containers (unprivileged: its own)
        [[ -d $c ]] && "$strata" ct rm --force "$(basename "$c")" >/dev/null 2>&1 || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
ct_rootfs "$tmp/rootfs"
fail() { echo "FAIL: $*"; exit 1; }

case $case in
basic)
    "$strata" ct create "$name" --rootfs "$tmp/rootfs" --hostname box -- sh -c '
        echo "pid=$$ host=$(hostname)"
        grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status
        [ -c /proc/timer_list ] && echo "timer_list masked"
        echo x > /proc/sys/kernel/domainname 2>/dev/null || echo "proc/sys read-only"
        mount | grep -c " / " | sed "s/^/root mounts: /"
        ls /dev | tr "\n" " "; echo
        exit 7'
    "$strata" ct ls | grep -E "^$name +ct +created " || fail "ls does not show it created"
    out=$("$strata" ct start --attach "$name") && st=0 || st=$?
    echo "$out"
    [[ $st -eq 7 ]] || fail "start --attach returned $st, not the container's 7"
    grep -q "pid=1 host=box" <<<"$out" || fail "not pid 1 with hostname box"
    # Docker's 14 default capabilities, nothing else
    grep -q "CapEff:.*00000000a80425fb" <<<"$out" || fail "capabilities are not the default set"
    grep -q "NoNewPrivs:.*1" <<<"$out" || fail "no_new_privs is not set"
    grep -q "Seccomp:.*2" <<<"$out" || fail "no seccomp filter"
    [[ ! -e /proc/timer_list ]] || grep -q "timer_list masked" <<<"$out" || fail "/proc/timer_list not masked"
    grep -q "proc/sys read-only" <<<"$out" || fail "/proc/sys writable"
    grep -q "root mounts: 1" <<<"$out" || fail "more than one mount on /"
    grep -q "null" <<<"$out" && ! grep -q "sda\|vda\|kvm" <<<"$out" || fail "/dev is not minimal"
    "$strata" ct ls | grep -E "^$name +ct +exited 7 " || fail "ls does not say exited 7"
    "$strata" ct rm "$name"
    [[ -z $(ls "$STRATA_CT_ROOT") ]] || fail "state left behind"
    ;;
exec)
    "$strata" ct create "$name" --rootfs "$tmp/rootfs" -- sleep 100
    "$strata" ct start "$name"
    "$strata" ct ls | grep -E "^$name +ct +running " || fail "not running"
    out=$("$strata" ct exec "$name" -- sh -c 'ps -o pid,comm; exit 5') && st=0 || st=$?
    echo "$out"
    [[ $st -eq 5 ]] || fail "exec returned $st, not 5"
    grep -qE "^ +1 +sleep" <<<"$out" || fail "exec does not see the container's pid 1"
    "$strata" ct stop --timeout 5 "$name"
    "$strata" ct ls | grep -E "^$name +ct +(killed|exited)" || fail "not stopped"
    "$strata" ct rm "$name"
    ;;
console)
    command -v script >/dev/null || { echo "SKIP: no script(1) to give the test a terminal"; exit 77; }
    "$strata" ct create "$name" --rootfs "$tmp/rootfs" -- sh
    "$strata" ct start "$name"
    out=$( (sleep 0.5; printf 'tty; ls -l /dev/console; echo marker-$((6*7))\n'; sleep 0.5
            printf 'exit 5\n'; sleep 1) | timeout 20 script -qec "$strata ct console $name" /dev/null)
    echo "$out"
    grep -q '^/dev/pts/0' <<<"$out" || fail "the console is not the container's /dev/pts/0"
    grep -q ' 136, *0 ' <<<"$out" || fail "/dev/console is not the console"
    grep -q 'marker-42' <<<"$out" || fail "the shell did not run the command"
    for _ in $(seq 50); do "$strata" ct ls | grep -qE "^$name +ct +exited 5 " && break; sleep 0.1; done
    "$strata" ct ls | grep -E "^$name +ct +exited 5 " || fail "ls does not say exited 5"
    "$strata" ct rm "$name"
    "$strata" ct create "$name" --rootfs "$tmp/rootfs" -- sleep 100
    "$strata" ct start "$name"
    out=$( (sleep 0.5; printf 'tty; exit 3\n'; sleep 1) | timeout 20 script -qec "$strata ct exec -t $name -- sh" /dev/null) && st=0 || st=$?
    echo "$out"
    grep -q '^/dev/pts/' <<<"$out" || fail "exec -t has no terminal of the container's"
    ;;
stop)
    "$strata" ct create "$name" --rootfs "$tmp/rootfs" -- sh -c 'trap "" TERM; while :; do sleep 1; done'
    "$strata" ct start "$name"
    start=$EPOCHREALTIME
    "$strata" ct stop --timeout 1 "$name"
    took=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
    echo "stop took $took s"
    awk -v t="$took" 'BEGIN { exit !(t >= 0.9 && t < 5) }' || fail "stop did not wait ~1 s before SIGKILL"
    "$strata" ct ls | grep -E "^$name +ct +killed \(SIGKILL\)" || fail "ls does not say killed"
    ;;
oom)
    "$strata" ct create "$name" --rootfs "$tmp/rootfs" --memory 64M -- dd if=/dev/zero of=/dev/null bs=200M count=1
    "$strata" ct start --attach "$name" && st=0 || st=$?
    "$strata" ct ls
    [[ $st -eq 137 ]] || fail "the container ended with $st, not SIGKILL (137)"
    "$strata" ct ls | grep -E "^$name +ct +oom-killed " || fail "ls does not say oom-killed"
    # the joint list of VMs and containers
    "$strata" ls | grep -E "^$name +ct +- +- +64M +oom-killed" || fail "strata ls does not list it"
    "$strata" ls --json | grep -q "\"name\":\"$name\"" || fail "strata ls --json does not list it"
    "$strata" ct stats "$name" | grep -E "^memory .* 64\.0M +[1-9]" || fail "stats shows no OOM kill at 64M"
    ;;
pids)
    "$strata" ct create "$name" --rootfs "$tmp/rootfs" --pids 20 -- sh -c 'bomb() { bomb | bomb & }; bomb; sleep 30'
    "$strata" ct start "$name"
    max=0
    for _ in $(seq 20); do
        n=$("$strata" ct stats "$name" | awk '$1 == "pids" { print $2 }')
        (( n > max )) && max=$n
        sleep 0.1
    done
    "$strata" ct stats "$name"
    refused=$("$strata" ct stats "$name" | awk '$1 == "pids" { print $5 }')
    echo "most pids seen: $max, forks refused: $refused"
    (( max <= 20 )) || fail "more than 20 pids in the container"
    (( refused > 0 )) || fail "no fork was refused: was there a bomb?"
    [[ $(sh -c 'echo host-fine') == host-fine ]] || fail "the host cannot fork"
    "$strata" ct stop --timeout 0.5 "$name"
    ;;
image)
    tar -C "$tmp/rootfs" -czf "$tmp/image.tar.gz" .
    mkdir "$tmp/vol"
    echo "from the host" >"$tmp/vol/file"
    "$strata" ct create "$name" --image "$tmp/image.tar.gz" --volume "$tmp/vol:/mnt/vol:ro" -- \
        sh -c 'cat /etc/os-release /mnt/vol/file; echo x > /mnt/vol/new 2>/dev/null && echo WROTE || echo "read-only volume"'
    out=$("$strata" ct start --attach "$name")
    echo "$out"
    grep -q 'strata test busybox' <<<"$out" || fail "not the image's root"
    grep -q 'from the host' <<<"$out" || fail "volume not mounted"
    grep -q 'read-only volume' <<<"$out" || fail "read-only volume writable"
    [[ ! -e $tmp/vol/new ]] || fail "a file appeared in the read-only volume"
    ;;
unprivileged)
    command -v newuidmap >/dev/null || { echo "SKIP: no newuidmap (apt-get install uidmap)"; exit 77; }
    user=(setpriv --reuid=65534 --regid=65534 --clear-groups env XDG_RUNTIME_DIR="$tmp/xdg" HOME="$tmp")
    mkdir -p "$tmp/xdg"
    chown 65534:65534 "$tmp/xdg"
    chmod 755 "$tmp"
    unset STRATA_CT_ROOT
    run_as_nobody() {
        "${user[@]}" "$strata" ct create "$name" --rootfs "$tmp/rootfs" -- sh -c 'cat /proc/self/uid_map; id -u'
        "${user[@]}" "$strata" ct start --attach "$name"
        "${user[@]}" "$strata" ct rm "$name"
    }
    : >"$tmp/subuid"
    mount --bind "$tmp/subuid" /etc/subuid
    mount --bind "$tmp/subuid" /etc/subgid
    out=$(run_as_nobody)
    echo "$out"
    grep -qE '^ +0 +65534 +1$' <<<"$out" || fail "root is not nobody's own id"
    echo "nobody:300000:65536" >"$tmp/subuid"
    out=$(run_as_nobody)
    echo "$out"
    grep -qE '^ +0 +300000 +65536$' <<<"$out" || fail "ids 0-65535 are not nobody's subordinate ids"
    "${user[@]}" "$strata" ct create "$name" --rootfs "$tmp/rootfs" --memory 64M -- true 2>"$tmp/err" \
        && fail "an unprivileged container got a memory limit"
    grep -q "limits need root" "$tmp/err" || fail "refusal unclear"
    ;;
net)
    ip link set lo up
    ip link add sbtest0 type bridge
    ip link set sbtest0 up
    "$strata" ct create "$name-a" --rootfs "$tmp/rootfs" --net bridge:sbtest0 --ip 10.99.0.2/24 -- sleep 100
    "$strata" ct start "$name-a"
    "$strata" ct create "$name" --rootfs "$tmp/rootfs" --net bridge:sbtest0 --ip 10.99.0.3/24 -- \
        sh -c 'ip -4 addr show eth0 | grep inet; ping -c 2 -W 3 10.99.0.2'
    out=$("$strata" ct start --attach "$name") && st=0 || st=$?
    echo "$out"
    "$strata" ct rm --force "$name-a"
    [[ $st -eq 0 ]] || fail "ping from one container to the other failed ($st)"
    grep -q 'inet 10.99.0.3/24' <<<"$out" || fail "eth0 does not have its --ip"
    grep -q '2 packets received' <<<"$out" || fail "no replies"
    # the kernel tears a network namespace down in the background: the veths go soon after
    for _ in $(seq 50); do
        [[ $(ip -o link show master sbtest0 | wc -l) -eq 0 ]] && break
        sleep 0.1
    done
    [[ $(ip -o link show master sbtest0 | wc -l) -eq 0 ]] || fail "veths left on the bridge"
    "$strata" ct create "$name-x" --rootfs "$tmp/rootfs" --net bridge:nosuchbr0 -- true 2>"$tmp/err" \
        && fail "a missing bridge was accepted"
    grep -q "no bridge nosuchbr0" "$tmp/err" || fail "missing bridge error unclear"
    ;;
api)
    export STRATA_STATE_DIR=$tmp/run # the runtime directory the sockets are in
    "$strata" ct create "$name" --rootfs "$tmp/rootfs" --memory 64M -- \
        sh -c 'trap "exit 3" TERM; while :; do sleep 1; done'
    "$strata" ct start "$name"
    "$strata" ct create "$name-k" --rootfs "$tmp/rootfs" -- sleep 300
    "$strata" ct start "$name-k"
    "$strata" ct create "$name" --rootfs "$tmp/rootfs" -- true 2>"$tmp/err" && fail "a taken name was accepted"
    cat "$tmp/err"
    "$strata" ls | tee "$tmp/ls"
    [[ $(grep -c "^$name " "$tmp/ls") -eq 1 ]] || fail "strata ls does not list it once"
    grep -Eq "^$name +ct .* running " "$tmp/ls" || fail "strata ls: not a running ct"
    "$strata" info "$name" | tee "$tmp/info"
    grep -Eq '^type +ct$' "$tmp/info" || fail "strata info: not type ct"
    "$strata" pause "$name-k"
    "$strata" ls | grep -Eq "^$name-k +ct .* paused " || fail "strata ls does not show it paused"
    "$strata" resume "$name-k"
    python3 "$here/ct_api_client.py" "$STRATA_STATE_DIR" "$name" "$name-k" || fail "the API client failed"
    "$strata" ct ls | tee "$tmp/ls"
    grep -Eq "^$name +ct +exited 3 " "$tmp/ls" || fail "ct ls: not exited 3 after stop"
    grep -Eq "^$name-k +ct +killed \(SIGKILL\) " "$tmp/ls" || fail "ct ls: not killed after kill"
    "$strata" ct rm "$name-k"
    "$strata" ct create "$name-s" --rootfs "$tmp/rootfs" -- sleep 300
    "$strata" ct start "$name-s"
    "$strata" stop --timeout 1 "$name-s" | tee "$tmp/stop"
    grep -q "killed: the init did not exit in time" "$tmp/stop" || fail "strata stop: no kill after the timeout"
    "$strata" ct rm "$name-s"
    ;;
cgroup2)
    mount -t cgroup2 none /sys/fs/cgroup 2>"$tmp/err" || {
        echo "SKIP: cannot mount cgroup2: $(cat "$tmp/err")"
        exit 77
    }
    export STRATA_STATE_DIR=$tmp/run
    "$strata" ct create "$name" --rootfs "$tmp/rootfs" -- sh -c 'cat /proc/self/cgroup; sleep 300'
    "$strata" ct start "$name"
    cg=/sys/fs/cgroup/strata/$name
    pid=$("$strata" info --json "$name" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
    echo "init $pid, $cg: $(tr '\n' ' ' <"$cg/cgroup.procs")"
    grep -qx "$pid" "$cg/cgroup.procs" || fail "the init is not in $cg"
    grep -q "^0::/strata/$name\$" "/proc/$pid/cgroup" || fail "the init's v2 cgroup is not /strata/$name"
    "$strata" ct exec "$name" -- cat /proc/self/cgroup | grep -qx '0::/' ||
        fail "inside, its cgroup namespace's root is not /"
    "$strata" pause "$name"
    grep -qx 'frozen 1' "$cg/cgroup.events" || fail "pause did not freeze $cg"
    "$strata" ls | grep -Eq "^$name +ct .* paused " || fail "ls does not say paused"
    "$strata" resume "$name"
    grep -qx 'frozen 0' "$cg/cgroup.events" || fail "resume did not thaw $cg"
    "$strata" ct rm --force "$name"
    [[ ! -d $cg ]] || fail "$cg left after rm"
    if grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
        echo "the memory controller is on v2 here: the oom case covers it"
    else
        "$strata" ct create "$name" --rootfs "$tmp/rootfs" --memory 64M -- true 2>"$tmp/err" &&
            fail "--memory was accepted without a v2 memory controller"
        cat "$tmp/err"
        [[ $(wc -l <"$tmp/err") -eq 1 ]] && grep -q "memory.max" "$tmp/err" || fail "unclear refusal"
        [[ ! -d $cg ]] || fail "$cg left after the refused create"
        echo "not checked here: v2 limits (the memory, pids, cpu and io controllers are bound to v1)" \
            "(cgroup.controllers: $(cat /sys/fs/cgroup/cgroup.controllers))"
    fi
    rmdir /sys/fs/cgroup/strata 2>/dev/null || : # the hierarchy outlives this namespace
    ;;
errors)
    check() { # check WANT_STATUS ARGS... : one line on stderr, that status
        local want=$1 st=0
        shift
        "$strata" ct "$@" 2>"$tmp/err" >/dev/null || st=$?
        [[ $st -eq $want && $(wc -l <"$tmp/err") -eq 1 ]] || {
            cat "$tmp/err"; fail "ct $* ended with $st (want $want) or not one line"; }
        echo "ok ($st): $(cat "$tmp/err")"
    }
    check 1 create "$name"
    check 1 create "$name" --rootfs "$tmp/nope" -- true
    check 1 create "bad/name" --rootfs "$tmp/rootfs" -- true
    check 1 create "$name" --rootfs "$tmp/rootfs" --memory 1K -- true
    check 1 create "$name" --rootfs "$tmp/rootfs" --volume relative:/x -- true
    check 1 create "$name" --rootfs "$tmp/rootfs" --ip 10.0.0.1/24 -- true
    check 1 create "$name" --rootfs "$tmp/rootfs" --net mynet -- true
    check 1 create "$name" --rootfs "$tmp/rootfs" -- /no/such/program
    "$strata" ct start "$name" 2>/dev/null && fail "a failed exec left a container"
    "$strata" ct create "$name" --rootfs "$tmp/rootfs" -- true
    check 1 create "$name" --rootfs "$tmp/rootfs" -- true
    check 1 exec "$name" -- true
    check 1 start nosuch$$
    check 2 frobnicate
    ;;
*) echo "unknown case $case" >&2; exit 2 ;;
esac
echo "ct $case: ok"
