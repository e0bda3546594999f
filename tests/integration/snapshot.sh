#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# snapshot.sh STRATA GUESTS_DIR GUESTDIR CASE - strata snapshot and
# strata run --restore (issue 13), each in its own runtime directory:
#   counter   the counter guest on emu, paused at count N, snapshot, killed,
#             restored: its first count is N+1; a snapshot without --stop
#             leaves the VM running
#   linux     the default guest on emu counts in a shell loop and writes a
#             line to its disk; snapshot --stop, restore: the count goes on
#             from where it was, the line is on the disk image and the
#             restored guest reads it back from the disk
#   kvm-emu   the counter mid-run on kvm, restored on emu: the count goes
#             on; and the ring3 guest started --paused on kvm, saved,
#             completes on emu (on a PVM host it cannot be stopped mid-run:
#             it finishes in milliseconds there)
#   errors    truncated, corrupt, wrong version, not a snapshot, a missing
#             or resized disk, options the snapshot decides: one line each,
#             a non-zero status, and the snapshot file left as it was
set -euo pipefail

[[ $# -eq 4 ]] || { echo "usage: $0 STRATA GUESTS_DIR GUESTDIR CASE" >&2; exit 2; }
strata=$1 guests=$2 guestdir=$3 case=$4
export STRATA_GUEST_DIR=$guestdir
# shellcheck source=vm-lib.sh
. "$(dirname "$0")/vm-lib.sh"
vm_sandbox "$strata"

console_text() { timeout 2 "$strata" console "$1" </dev/null 2>/dev/null | tr -d '\r' || :; }
last_count() { console_text "$1" | sed -n 's/^count \([0-9]*\).*$/\1/p' | tail -1; }
wait_count() { # NAME MIN [TRIES]
    for _ in $(seq "${3:-100}"); do
        local n; n=$(last_count "$1")
        [[ -n $n && $n -ge $2 ]] && return 0
        sleep 0.3
    done
    fail "$1 never counted to $2"
}

# restore_check FILE ENGINE WANT: restores FILE detached as 'back', checks that
# its first count is WANT.
restore_check() {
    "$strata" run --restore "$1" --engine "$2" --name back --detach >/dev/null ||
        fail "restore of $1 failed"
    wait_count back "$3"
    first=$(console_text back | sed -n 's/^count \([0-9]*\).*$/\1/p' | head -1)
    echo "restored on $2: first count $first, want $3"
    [[ $first == "$3" ]] || fail "the count restarted at $first, not $3"
    "$strata" kill back
}

case $case in
counter)
    "$strata" run --engine emu --kernel "$guests/counter.elf" --name c --detach >/dev/null
    wait_count c 3
    "$strata" snapshot c "$tmp/running.snap"
    "$strata" info c | grep -Eq '^state +running' || fail "c not running after snapshot"
    "$strata" pause c
    n=$(last_count c)
    "$strata" snapshot c "$tmp/c.snap" | tee "$tmp/out"
    grep -q "wrote $tmp/c.snap" "$tmp/out" || fail "snapshot said nothing"
    "$strata" info c | grep -Eq '^state +paused' || fail "a paused vm ran on after snapshot"
    "$strata" kill c
    size=$(stat -c %s "$tmp/c.snap")
    echo "count $n saved in $size bytes"
    (( size < 4 * 1024 * 1024 )) || fail "a 256 MiB guest that uses little RAM took $size bytes"
    restore_check "$tmp/c.snap" emu $((n + 1))
    # The file made while running restores too (its count is anywhere after 3).
    "$strata" run --restore "$tmp/running.snap" --name again --detach >/dev/null
    wait_count again 4
    "$strata" kill again
    ;;
linux)
    [[ -f $guestdir/vmlinuz ]] || { echo "SKIP: no guest image in $guestdir (make guest)"; exit 77; }
    truncate -s 16M "$tmp/disk.img"
    # shellcheck disable=SC2016 # expanded by the guest's shell
    loop='i=0; while :; do i=$((i+1));
        [ $i = 3 ] && echo on-disk-before-snapshot | dd of=/dev/vda conv=fsync 2>/dev/null;
        echo "count $i disk $(dd if=/dev/vda bs=23 count=1 iflag=direct 2>/dev/null)"; sleep 0.5; done'
    "$strata" run --engine emu --disk "$tmp/disk.img" --name l --detach -- sh -c "$loop" >/dev/null
    wait_count l 5 600
    "$strata" pause l
    n=$(last_count l)
    "$strata" snapshot l "$tmp/l.snap" --stop
    for _ in $(seq 50); do [[ -e $STRATA_STATE_DIR/l ]] || break; sleep 0.1; done
    "$strata" ls | grep -q '^l ' && fail "l still runs after snapshot --stop"
    head -c 23 "$tmp/disk.img" | grep -q on-disk-before-snapshot || fail "the disk write is not in the image"
    "$strata" run --restore "$tmp/l.snap" --name back --detach >/dev/null
    wait_count back $((n + 2)) 200
    console_text back | tee "$tmp/after"
    first=$(sed -n 's/^count \([0-9]*\).*$/\1/p' "$tmp/after" | head -1)
    [[ $first == $((n + 1)) ]] || fail "the count restarted at $first, not $((n + 1))"
    grep -q "^count $((n + 2)) disk on-disk-before-snapshot" "$tmp/after" ||
        fail "the restored guest does not read its disk write back"
    "$strata" kill back
    ;;
kvm-emu)
    if ! "$strata" run --engine kvm --kernel "$guests/hello.elf" >/dev/null 2>&1; then
        echo "SKIP: the kvm engine does not run here"
        exit 77
    fi
    "$strata" run --engine kvm --kernel "$guests/counter.elf" --name k --detach >/dev/null
    wait_count k 5
    "$strata" pause k
    n=$(last_count k)
    "$strata" snapshot k "$tmp/k.snap" --stop
    restore_check "$tmp/k.snap" emu $((n + 1))
    "$strata" run --engine kvm --kernel "$guests/ring3.elf" --name r --paused --detach >/dev/null
    "$strata" snapshot r "$tmp/r.snap" --stop
    status=0
    timeout 60 "$strata" run --restore "$tmp/r.snap" --engine emu </dev/null >"$tmp/out" || status=$?
    cat "$tmp/out"
    [[ $status == 0 ]] || fail "ring3 from kvm ended with $status on emu"
    grep -q 'ring3: ok' "$tmp/out" || fail "ring3 did not complete on emu"
    if grep -q 'SYSCALL reached LSTAR still at CPL 3' "$tmp/out"; then
        fail "emu's SYSCALL stayed at CPL 3"
    fi
    ;;
errors)
    truncate -s 4M "$tmp/disk.img"
    "$strata" run --engine emu --kernel "$guests/counter.elf" --disk "$tmp/disk.img" --name e \
        --detach >/dev/null
    wait_count e 2
    "$strata" snapshot e "$tmp/good.snap" --stop
    size=$(stat -c %s "$tmp/good.snap")
    expect_error() { # PATTERN FILE [ARGS]: restoring FILE fails with one line
        local pattern=$1 file=$2 status=0
        shift 2
        local sum=none
        [[ -e $file ]] && sum=$(sha256sum <"$file")
        timeout 30 "$strata" run --restore "$file" "$@" </dev/null >"$tmp/out" 2>"$tmp/err" || status=$?
        cat "$tmp/err"
        (( status == 1 || status == 2 )) || fail "restore of a bad file: status $status"
        [[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "more than one line for a bad file"
        grep -q -- "$pattern" "$tmp/err" || fail "no '$pattern' in the message"
        [[ ! -e $file || $(sha256sum <"$file") == "$sum" ]] || fail "the file changed"
    }
    head -c $((size / 2)) "$tmp/good.snap" >"$tmp/cut.snap"
    expect_error "truncated" "$tmp/cut.snap"
    head -c 10 "$tmp/good.snap" >"$tmp/tiny.snap"
    expect_error "truncated" "$tmp/tiny.snap"
    cp "$tmp/good.snap" "$tmp/flip.snap"
    printf '\xff' | dd of="$tmp/flip.snap" bs=1 seek=$((size - 5000)) conv=notrunc 2>/dev/null
    expect_error "corrupt" "$tmp/flip.snap"
    cp "$tmp/good.snap" "$tmp/v9.snap"
    printf '\x09' | dd of="$tmp/v9.snap" bs=1 seek=8 conv=notrunc 2>/dev/null
    expect_error "format version 9, this strata reads version 1" "$tmp/v9.snap"
    head -c 100000 /dev/urandom >"$tmp/random.snap"
    expect_error "not a strata snapshot" "$tmp/random.snap"
    expect_error "cannot open snapshot" "$tmp/none.snap"
    expect_error "takes the machine from the snapshot" "$tmp/good.snap" --mem 512M
    truncate -s 8M "$tmp/disk.img"
    expect_error "changed size" "$tmp/good.snap"
    rm "$tmp/disk.img"
    expect_error "is missing" "$tmp/good.snap"
    # A snapshot request for a path the vm cannot write: one line, the vm runs on.
    "$strata" run --engine emu --kernel "$guests/counter.elf" --name w --detach >/dev/null
    status=0
    "$strata" snapshot w /nonexistent-dir/x.snap 2>"$tmp/err" || status=$?
    cat "$tmp/err"
    (( status != 0 )) && [[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "snapshot to a bad path"
    "$strata" info w | grep -Eq '^state +running' || fail "w not running after a failed snapshot"
    "$strata" kill w
    ;;
*)
    echo "unknown case $case" >&2
    exit 2
    ;;
esac
echo PASS
