#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# migrate.sh STRATA GUESTS_DIR GUESTDIR MEMDIRTY CASE - live migration
# (issue 13) between two strata processes over loopback, each test in its
# own runtime directory:
#   counter   the counter guest on emu with a balloon goes to another
#             strata: the count goes on there from where it was, the
#             balloon keeps its target; the source ends. A VM with a NIC is
#             refused and runs on
#   linux     the default guest on emu (256 MiB) runs memdirty (writes 64 MiB
#             with a new pattern each pass, reads it back and checksums it)
#             and is migrated in its second pass: the workload finishes on
#             the destination with no bad word and the host's checksum; the
#             source ends with status 0; the downtime reported is printed and
#             must be under MAX_DOWNTIME_MS (default 100)
#   cut       the same, the connection reset by a proxy after 40 MB: the
#             source says why and runs on, its workload completes there with
#             the right checksum; the destination exits non-zero with one
#             line and no VM left
#   errors    nobody listening; a destination that refuses (a disk changed
#             size); a peer that is not strata; a stream of another format
#             version sent to a destination; an unknown VM: one line each,
#             the source runs on
#   kvm-emu   the ring3 guest, paused at its entry on kvm, migrated to emu,
#             completes there (SKIP when the kvm engine does not run here)
set -euo pipefail

[[ $# -eq 5 ]] || { echo "usage: $0 STRATA GUESTS_DIR GUESTDIR MEMDIRTY CASE" >&2; exit 2; }
strata=$1 guests=$2 guestdir=$3 memdirty=$4 case=$5
export STRATA_GUEST_DIR=$guestdir
# shellcheck source=vm-lib.sh
. "$(dirname "$0")/vm-lib.sh"
vm_sandbox "$strata"
here=$(dirname "$0")
pids=()
cleanup_pids() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || :; done; vm_lib_cleanup; }
trap cleanup_pids EXIT

console_text() { timeout 2 "$strata" console "$1" </dev/null 2>/dev/null | tr -d '\r' || :; }
last_count() { console_text "$1" | sed -n 's/^count \([0-9]*\).*$/\1/p' | tail -1; }
wait_for() { # FILE PATTERN TRIES: waits until FILE has a line matching PATTERN
    for _ in $(seq "$3"); do
        grep -aq -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.5
    done
    fail "no '$2' in $1"
}

# start_dest NAME [ARGS]: strata run --incoming in the background, output in
# $tmp/NAME.out and .err, its status in $tmp/NAME.status; sets $port.
start_dest() {
    local name=$1
    shift
    (rc=0; "$strata" run --incoming tcp:127.0.0.1:0 --name "$name" "$@" </dev/null \
        >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?; echo $rc >"$tmp/$name.status") &
    pids+=($!)
    wait_for "$tmp/$name.err" 'waiting for a migration on' 40
    port=$(sed -n 's/.*waiting for a migration on tcp:127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/$name.err")
}
# wait_status NAME TRIES: the exit status of a background strata run, in $status.
wait_status() {
    for _ in $(seq "$2"); do
        [[ -s $tmp/$1.status ]] && { status=$(cat "$tmp/$1.status"); return; }
        sleep 0.5
    done
    cat "$tmp/$1.err"
    fail "$1 did not end"
}

# The memdirty workload in the default guest, on emu with 256 MiB, in the background.
start_workload() { # NAME PASSES
    size=$(stat -c %s "$memdirty")
    cp "$memdirty" "$tmp/disk.img"
    truncate -s $(((size + 511) / 512 * 512)) "$tmp/disk.img"
    (rc=0; "$strata" run --engine emu --mem 256M --disk "$tmp/disk.img" --name "$1" --timeout 500 \
        -- sh -c "head -c $size /dev/vda >/t && chmod +x /t && /t 64 $2" </dev/null \
        >"$tmp/$1.out" 2>"$tmp/$1.err" || rc=$?; echo $rc >"$tmp/$1.status") &
    pids+=($!)
}
# The workload as src ($passes passes) in its first pass, and a destination dst waiting.
workload_and_dest() {
    [[ -f $guestdir/vmlinuz ]] || { echo "SKIP: no guest image in $guestdir (make guest)"; exit 77; }
    start_workload src "$passes"
    wait_for "$tmp/src.out" '^pass 1 ok' 600
    start_dest dst
}
host_sum() { "$memdirty" 64 "$1" | sed -n 's/.*checksum \([0-9a-f]*\),.*/\1/p'; }

check_done() { # FILE PASSES: the workload's last line has the host's checksum and no bad word
    local line want
    line=$(tr -d '\0\r' <"$1" | grep -a '^memdirty: done' || :)
    want=$(host_sum "$2")
    echo "guest: $line"
    echo "host checksum: $want"
    [[ $line == "memdirty: done $2 passes, checksum $want, bad 0" ]] ||
        fail "the workload did not finish right"
}

case $case in
counter)
    "$strata" run --engine emu --kernel "$guests/counter.elf" --balloon=64M --name c --detach \
        >/dev/null
    for _ in $(seq 100); do n=$(last_count c); [[ -n $n && $n -ge 3 ]] && break; sleep 0.3; done
    start_dest d
    "$strata" migrate c "tcp:127.0.0.1:$port" | tee "$tmp/out"
    grep -Eq '^c: migrated to .* downtime [0-9.]+ ms, [0-9.]+ MiB sent in [0-9]+ iterations' \
        "$tmp/out" || fail "migrate printed no report"
    for _ in $(seq 50); do [[ -e $STRATA_STATE_DIR/c ]] || break; sleep 0.1; done
    "$strata" ls | grep -q '^c ' && fail "the source still runs"
    wait_for "$tmp/d.out" '^count' 40
    n=$(sed -n 's/^count \([0-9]*\).*$/\1/p' "$tmp/d.out" | tr -d '\r' | head -1)
    echo "the destination's first count: $n"
    (( n > 3 )) || fail "the count restarted at $n"
    "$strata" info d | grep -Eq '^state +running' || fail "d is not running"
    "$strata" info d --json | python3 -c 'import json,sys; b=json.load(sys.stdin)["balloon"]; assert b["target"]==64<<20, b' ||
        fail "the balloon did not come along with its target"
    "$strata" kill d
    # A vm with a NIC is refused before anything is sent, and runs on.
    "$strata" run --engine emu --kernel "$guests/counter.elf" --net user --name n --detach >/dev/null
    status=0
    "$strata" migrate n "tcp:127.0.0.1:$port" 2>"$tmp/err" || status=$?
    cat "$tmp/err"
    [[ $status != 0 ]] && grep -q 'NICs cannot be saved or migrated' "$tmp/err" || fail "a NIC was not refused"
    "$strata" info n | grep -Eq '^state +running' || fail "n is not running"
    "$strata" kill n
    ;;
linux)
    passes=5
    workload_and_dest
    "$strata" migrate src "tcp:127.0.0.1:$port" --json | tee "$tmp/report"
    python3 - "$tmp/report" "${MAX_DOWNTIME_MS:-100}" <<'PY' || fail "the report"
import json, sys
r = json.load(open(sys.argv[1]))
print("total %.0f ms, downtime %.1f ms, %.1f MiB, %d iterations, %.0f MB/s" % (
    r["total_ms"], r["downtime_ms"], r["bytes"] / 2**20, r["iterations"], r["bandwidth_mbs"]))
assert r["iterations"] >= 2 and r["bytes"] > 64 << 20, "no pre-copy rounds"
assert r["downtime_ms"] < float(sys.argv[2]), "downtime %.1f ms" % r["downtime_ms"]
PY
    wait_status src 60
    [[ $status == 0 ]] || fail "the source ended with $status"
    grep -q 'migrated to' "$tmp/src.err" || fail "the source did not say it migrated"
    wait_status dst 900
    check_done "$tmp/dst.out" "$passes"
    [[ $status == 0 ]] || fail "the destination ended with $status"
    ! grep -aq '^memdirty: done' "$tmp/src.out" || fail "the workload finished on the source too"
    ;;
cut)
    passes=3
    workload_and_dest
    python3 "$here/cut_proxy.py" "$port" 40000000 >"$tmp/proxy.out" &
    pids+=($!)
    wait_for "$tmp/proxy.out" '^port' 20
    proxy=$(sed -n 's/^port //p' "$tmp/proxy.out")
    status=0
    "$strata" migrate src "tcp:127.0.0.1:$proxy" >"$tmp/out" 2>"$tmp/err" || status=$?
    cat "$tmp/proxy.out" "$tmp/out" "$tmp/err"
    [[ $status != 0 ]] || fail "migrate succeeded through a cut connection"
    [[ $(wc -l <"$tmp/err") == 1 ]] || fail "more than one line"
    grep -q 'failed: .*; the vm runs on here' "$tmp/err" || fail "no reason given"
    wait_status dst 60
    cat "$tmp/dst.err"
    [[ $status != 0 ]] || fail "the destination of a cut migration ended with 0"
    grep -q 'incoming migration failed: ' "$tmp/dst.err" || fail "the destination said nothing"
    "$strata" ls | grep -q '^dst ' && fail "a half vm is left on the destination"
    "$strata" info src | grep -Eq '^state +running' || fail "the source is not running"
    wait_status src 900
    [[ $status == 0 ]] || fail "the source's workload ended with $status"
    check_done "$tmp/src.out" "$passes"
    ;;
errors)
    truncate -s 4M "$tmp/disk.img"
    "$strata" run --engine emu --kernel "$guests/counter.elf" --disk "$tmp/disk.img" --name e \
        --detach >/dev/null
    expect_error() { # PATTERN ARGS...: strata migrate fails with one line, e runs on
        local pattern=$1 status=0
        shift
        "$strata" migrate "$@" >"$tmp/out" 2>"$tmp/err" || status=$?
        cat "$tmp/err"
        [[ $status != 0 ]] || fail "migrate $* succeeded"
        [[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "more than one line"
        grep -q -- "$pattern" "$tmp/err" || fail "no '$pattern' in the message"
        "$strata" info e | grep -Eq '^state +running' || fail "e is not running after a failure"
    }
    # nobody listening (a port just freed)
    free=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    expect_error "cannot connect" e "tcp:127.0.0.1:$free"
    expect_error "want tcp:HOST:PORT" e "udp:127.0.0.1:1"
    expect_error "no vm named" nope "tcp:127.0.0.1:1"
    # the destination refuses: the disk changed size since
    start_dest d1
    truncate -s 8M "$tmp/disk.img"
    expect_error "the destination refused: .*changed size" e "tcp:127.0.0.1:$port"
    wait_status d1 20
    [[ $status != 0 ]] || fail "d1 ended with 0"
    cat "$tmp/d1.err"
    grep -q "changed size" "$tmp/d1.err" || fail "d1 did not say why"
    truncate -s 4M "$tmp/disk.img"
    # a peer that is not strata
    python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept(); c.recv(100); c.sendall(b"SSH-2.0-OpenSSH\r\n"); c.recv(100)' >"$tmp/fake" &
    pids+=($!)
    wait_for "$tmp/fake" '^[0-9]' 20
    expect_error "not a strata migration" e "tcp:127.0.0.1:$(head -1 "$tmp/fake")"
    # a stream of another format version: the destination refuses it, with one line
    start_dest d2
    python3 -c '
import socket, struct, sys, zlib
h = b"STRATAVM" + struct.pack("<III", 9, 24, 0)
h += struct.pack("<I", zlib.crc32(h))
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.sendall(h)
print(s.makefile().readline().strip())' "$port" | tee "$tmp/answer"
    grep -q '^error .*format version 9, this strata reads version 1' "$tmp/answer" ||
        fail "the destination did not answer with the error"
    wait_status d2 20
    [[ $status != 0 ]] || fail "d2 ended with 0"
    [[ $(grep -c . "$tmp/d2.err") == 2 ]] || fail "d2: more than its waiting line and one error"
    grep -q "format version 9" "$tmp/d2.err" || fail "d2 did not say why"
    "$strata" kill e
    ;;
kvm-emu)
    if ! "$strata" run --engine kvm --kernel "$guests/hello.elf" >/dev/null 2>&1; then
        echo "SKIP: the kvm engine does not run here"
        exit 77
    fi
    "$strata" run --engine kvm --kernel "$guests/ring3.elf" --name r --paused --detach >/dev/null
    start_dest e --engine emu --timeout 60
    "$strata" migrate r "tcp:127.0.0.1:$port"
    wait_status e 120
    cat "$tmp/e.out"
    [[ $status == 0 ]] || fail "ring3 from kvm ended with $status on emu"
    grep -q 'ring3: ok' "$tmp/e.out" || fail "ring3 did not complete on emu"
    grep -q 'SYSCALL reached LSTAR still at CPL 3' "$tmp/e.out" && fail "emu's SYSCALL stayed at CPL 3"
    ;;
*)
    echo "unknown case $case" >&2
    exit 2
    ;;
esac
echo "ok: $case"
