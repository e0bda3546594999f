#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# img.sh STRATA GUESTDIR CASE - qcow2 and `strata img` against qemu-img
# (issue 12), the way a user runs them:
#   qemu-made   qemu-img create; a guest under strata writes random data and
#               zeroes and prints their sha256; qemu-img check is clean and
#               qemu-img's view of the image has that sha256
#   strata-made strata img create; qemu-io (QEMU's block layer) writes into it;
#               strata img check is clean; qemu-img compare agrees with strata
#               img convert; info --output=json of both tools agree
#   convert     raw -> qcow2 (plain, -c zlib, -c zstd) by strata and back, and
#               qemu-img's compressed images read by strata: all identical,
#               all clean for qemu-img check
#   snapshot    strata img snapshot -c/-l/-a/-d around qemu-io writes
#   commit      a clone on a backing file written by a guest under strata: the
#               backing file is unchanged; strata img commit makes it equal to
#               what the guest saw; rebase -u / rebase / resize
#   crash       kill -9 of strata during heavy guest writes, CRASH_RUNS times
#               (default 3; 20 by hand): qemu-img check finds no corruption,
#               every block the guest had flushed is there
#   hostile     damaged images: one line, a non-zero exit, no crash
#   probe       format=raw is never probed; a raw file with qcow2's magic
#               opens raw with a warning
#   debian      the Debian image of `make debian-image` (skipped when it is not
#               built), through an overlay so it stays unchanged: boots to the
#               serial login, root logs in, `systemctl is-system-running
#               --wait` says running, `poweroff` ends the VM with status 0
#   root        strata run --root on an ext4 qcow2 image: the initramfs mounts
#               it (ro by default; rw, rootfstype= and init= as given) and
#               switches to its init
# Skips (77) when qemu-img or (for guest cases) the guest image is missing.
set -euo pipefail

[[ $# -eq 3 ]] || { echo "usage: $0 STRATA GUESTDIR CASE" >&2; exit 2; }
strata=$(realpath "$1") guestdir=$(realpath -m "$2") case=$3
command -v qemu-img >/dev/null && command -v qemu-io >/dev/null || {
    echo "SKIP: qemu-img/qemu-io not installed (scripts/setup installs qemu-utils)"
    exit 77
}
need_guest() {
    [[ -f $guestdir/vmlinuz && -f $guestdir/initrd.img ]] || {
        echo "SKIP: no guest image in $guestdir (make guest)"
        exit 77
    }
}
export STRATA_GUEST_DIR=$guestdir

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

fail() {
    echo "FAIL: $case: $*"
    exit 1
}

# guest STRATA_ARGS... - runs the default guest on emu, output in out.txt
guest() {
    local status=0
    "$strata" run --engine=emu --timeout 240 "$@" </dev/null >out.txt 2>err.txt || status=$?
    cat out.txt err.txt
    ((status == 0)) || fail "strata run exited $status"
}

qcheck() { # qemu-img check must say clean
    qemu-img check "$1" || fail "qemu-img check $1 exited $?"
}

# the sha256 the guest printed after the word given
guest_sum() {
    sed -n "s,^$1 \([0-9a-f]\{64\}\).*,\1,p" out.txt | tr -d '\r' | tail -1
}

case $case in
qemu-made)
    need_guest
    qemu-img create -q -f qcow2 d.qcow2 64M
    guest --disk d.qcow2 -- sh -c '
        dd if=/dev/urandom of=/dev/vda bs=1M count=12 seek=5 2>/dev/null &&
        dd if=/dev/zero of=/dev/vda bs=64k count=3 seek=200 2>/dev/null &&
        dd if=/dev/urandom of=/dev/vda bs=512 count=3 seek=1 2>/dev/null && sync &&
        echo "SUM $(dd if=/dev/vda bs=1M 2>/dev/null | sha256sum)"'
    qcheck d.qcow2
    want=$(guest_sum SUM)
    qemu-img convert -O raw d.qcow2 d.raw
    have=$(sha256sum <d.raw | cut -d' ' -f1)
    [[ -n $want && $want == "$have" ]] || fail "guest saw $want, qemu-img reads $have"
    ;;
strata-made)
    "$strata" img create -q -f qcow2 s.qcow2 128M
    "$strata" img check s.qcow2 || fail "strata img check of a new image exited $?"
    qemu-io -c 'write -P 0x61 0 300k' -c 'write -P 0x62 10M 1M' -c 'write -z 10M 64k' \
        -c 'write -P 0x63 100M 4k' -c 'discard 100M 64k' s.qcow2 >/dev/null
    "$strata" img check s.qcow2 || fail "strata img check after qemu's writes exited $?"
    qemu-img convert -O raw s.qcow2 q.raw
    "$strata" img convert -O raw s.qcow2 s.raw
    cmp q.raw s.raw || fail "strata and qemu-img read the image differently"
    "$strata" img compare s.qcow2 q.raw || fail "strata img compare says they differ"
    qemu-img snapshot -c snap1 s.qcow2
    "$strata" img create -q -f qcow2 -b s.qcow2 -F qcow2 o.qcow2
    for f in s.qcow2 o.qcow2; do
        qemu-img info --output=json "$f" | grep -v actual-size >q.json
        "$strata" img info --output=json "$f" | grep -v actual-size >s.json
        diff q.json s.json || fail "info --output=json differs for $f"
    done
    ;;
convert)
    head -c 3M /dev/urandom >r.raw
    for i in $(seq 40000); do echo "line $i: compressible text"; done >>r.raw
    truncate -s 96M r.raw
    dd if=/dev/urandom of=r.raw bs=1M seek=70 count=1 conv=notrunc status=none
    for opts in "" "-c" "-c -o compression_type=zstd" "-o cluster_size=4096,compat=0.10"; do
        # shellcheck disable=SC2086
        "$strata" img convert -O qcow2 $opts r.raw c.qcow2
        qcheck c.qcow2
        qemu-img compare r.raw c.qcow2 || fail "strata convert $opts: not identical"
        "$strata" img convert -O raw c.qcow2 back.raw
        cmp r.raw back.raw || fail "strata convert $opts and back: not identical"
        # shellcheck disable=SC2086
        qemu-img convert -O qcow2 $opts r.raw q.qcow2
        "$strata" img check q.qcow2 || fail "strata check of qemu-img convert $opts exited $?"
        "$strata" img compare q.qcow2 r.raw || fail "strata reads qemu-img convert $opts wrongly"
    done
    [[ $(stat -c %s c.qcow2) -lt 30000000 ]] || true
    ;;
snapshot)
    "$strata" img create -q -f qcow2 s.qcow2 16M
    qemu-io -c 'write -P 0x11 0 1M' s.qcow2 >/dev/null
    "$strata" img snapshot -c first s.qcow2
    qemu-io -c 'write -P 0x22 512k 1M' s.qcow2 >/dev/null
    "$strata" img snapshot -c second s.qcow2
    qemu-io -c 'write -P 0x33 0 64k' s.qcow2 >/dev/null
    qcheck s.qcow2
    qemu-img snapshot -l s.qcow2 | grep -q second || fail "qemu-img does not list 'second'"
    "$strata" img snapshot -l s.qcow2 | grep -q first || fail "strata does not list 'first'"
    "$strata" img snapshot -a first s.qcow2
    qcheck s.qcow2
    qemu-io -c 'read -P 0x11 0 1M' s.qcow2 | grep -q 'read 1048576/1048576' ||
        fail "snapshot 'first' did not come back"
    "$strata" img snapshot -d first s.qcow2
    "$strata" img snapshot -a second s.qcow2
    qemu-io -c 'read -P 0x11 0 512k' -c 'read -P 0x22 512k 1M' s.qcow2 | grep -c 'read ' |
        grep -qx 2 || fail "snapshot 'second' did not come back"
    "$strata" img snapshot -d second s.qcow2
    qcheck s.qcow2
    "$strata" img check s.qcow2 || fail "strata check after deleting snapshots exited $?"
    ;;
commit)
    need_guest
    qemu-img create -q -f qcow2 base.qcow2 32M
    qemu-io -c 'write -P 0x42 0 8M' base.qcow2 >/dev/null
    base_sum=$(sha256sum <base.qcow2)
    "$strata" img create -q -f qcow2 -b base.qcow2 -F qcow2 clone.qcow2
    guest --disk clone.qcow2 -- sh -c '
        dd if=/dev/urandom of=/dev/vda bs=4k count=100 seek=1000 2>/dev/null &&
        dd if=/dev/urandom of=/dev/vda bs=1k count=3 seek=5 2>/dev/null && sync &&
        echo "SUM $(dd if=/dev/vda bs=1M 2>/dev/null | sha256sum)"'
    [[ $(sha256sum <base.qcow2) == "$base_sum" ]] || fail "the backing file changed"
    qcheck clone.qcow2
    want=$(guest_sum SUM)
    "$strata" img commit clone.qcow2
    qcheck base.qcow2
    qemu-img convert -O raw base.qcow2 base.raw
    have=$(sha256sum <base.raw | cut -d' ' -f1)
    [[ -n $want && $want == "$have" ]] || fail "after commit the base reads $have, the guest saw $want"
    # rebase: onto a copy of the base (-u: only the name), then onto nothing (data kept)
    cp base.qcow2 base2.qcow2
    "$strata" img rebase -u -b base2.qcow2 clone.qcow2
    qemu-img info clone.qcow2 | grep -q 'backing file: base2.qcow2' || fail "rebase -u"
    "$strata" img rebase -b '' clone.qcow2
    qcheck clone.qcow2
    qemu-img compare clone.qcow2 base.qcow2 || fail "rebase -b '' changed what the image reads"
    "$strata" img resize clone.qcow2 +1G
    qcheck clone.qcow2
    [[ $(qemu-img info --output=json clone.qcow2 | sed -n 's/.*"virtual-size": \([0-9]*\).*/\1/p') \
        == $((32 * 1048576 + 1073741824)) ]] || fail "resize +1G"
    ;;
crash)
    need_guest
    runs=${CRASH_RUNS:-3}
    for run in $(seq "$runs"); do
        qemu-img create -q -f qcow2 c.qcow2 256M
        # Heavy writes in the background; in the foreground numbered 64 KiB
        # blocks, each flushed (sync) before its sha256 is printed.
        "$strata" run --engine=emu --timeout 240 --disk c.qcow2 -- sh -c '
            (while :; do dd if=/dev/urandom of=/dev/vda bs=1M count=32 seek=100 2>/dev/null; done) &
            i=0; while :; do
                i=$((i + 1))
                dd if=/dev/urandom of=/tmp/b bs=64k count=1 2>/dev/null
                dd if=/tmp/b of=/dev/vda bs=64k seek=$i conv=notrunc 2>/dev/null
                sync
                echo "FLUSHED $i $(sha256sum </tmp/b)"
            done' </dev/null >out.txt 2>err.txt &
        pid=$!
        for _ in $(seq 240); do
            grep -q '^FLUSHED 3 ' out.txt 2>/dev/null && break
            sleep 0.5
        done
        grep -q '^FLUSHED 3 ' out.txt || { cat out.txt err.txt; kill -9 $pid; fail "run $run: the guest wrote nothing"; }
        sleep "$((RANDOM % 8)).$((RANDOM % 10))"
        kill -9 $pid
        wait $pid 2>/dev/null || true
        status=0
        qemu-img check c.qcow2 >check.txt || status=$?
        cat check.txt
        ((status == 0 || status == 3)) || fail "run $run: qemu-img check exited $status (corruption)"
        n=0
        qemu-img convert -O raw c.qcow2 c.raw
        while read -r _ i sum _; do
            got=$(dd if=c.raw bs=64k skip="$i" count=1 status=none | sha256sum | cut -d' ' -f1)
            [[ $got == "$sum" ]] || fail "run $run: flushed block $i is lost"
            n=$((n + 1))
        done < <(tr -d '\r' <out.txt | grep '^FLUSHED ')
        echo "run $run: $n flushed blocks all there"
    done
    ;;
hostile)
    "$strata" img create -q -f qcow2 good.qcow2 1M
    # expect_refusal IMAGE - strata img info fails with one line, no crash
    expect_refusal() {
        local status=0
        "$strata" img info -f qcow2 "$1" >o.txt 2>e.txt || status=$?
        cat e.txt
        ((status == 1)) || fail "$1: exit status $status, want 1"
        [[ $(wc -l <e.txt) -eq 1 ]] || fail "$1: more than one line of error"
    }
    patch() { # patch FILE OFFSET HEXBYTES
        printf "$(echo "$3" | sed 's/../\\x&/g')" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
    }
    cp good.qcow2 l1.qcow2 && patch l1.qcow2 40 00000fff00000000 && expect_refusal l1.qcow2
    cp good.qcow2 size.qcow2 && patch size.qcow2 24 7fffffffffffffff && expect_refusal size.qcow2
    cp good.qcow2 cb.qcow2 && patch cb.qcow2 20 0000001f && expect_refusal cb.qcow2
    cp good.qcow2 rt.qcow2 && patch rt.qcow2 56 7fffffff && expect_refusal rt.qcow2
    cp good.qcow2 feat.qcow2 && patch feat.qcow2 72 0000000000000100 && expect_refusal feat.qcow2
    cp good.qcow2 snap.qcow2 && patch snap.qcow2 60 ffffffff && expect_refusal snap.qcow2
    # a backing loop, and a protocol name as a backing file
    "$strata" img create -q -f qcow2 a.qcow2 1M && "$strata" img create -q -f qcow2 -b a.qcow2 b.qcow2
    "$strata" img rebase -u -b b.qcow2 -F qcow2 a.qcow2
    expect_refusal a.qcow2
    "$strata" img create -q -f qcow2 p.qcow2 1M && qemu-img rebase -u -b 'nbd:localhost:1' -F raw p.qcow2
    expect_refusal p.qcow2
    # an L2 entry pointing past the end: reads fail, the VMM does not crash;
    # qemu-img check and strata img check both call it a corruption
    qemu-img create -q -f qcow2 l2.qcow2 1M
    qemu-io -c 'write -P 1 0 64k' l2.qcow2 >/dev/null
    l2=$(od -An -tx1 -j $((0x30000)) -N8 l2.qcow2 | tr -d ' \n')
    l2off=$((0x${l2:2} & 0xfffffffffe00))
    patch l2.qcow2 "$l2off" 80000000ffff0000
    status=0
    "$strata" img check l2.qcow2 >/dev/null 2>&1 || status=$?
    ((status == 2)) || fail "strata img check of a dangling L2 entry exited $status, want 2"
    status=0
    "$strata" img convert -O raw l2.qcow2 x.raw 2>e.txt || status=$?
    cat e.txt
    ((status == 1)) || fail "convert of a dangling L2 entry exited $status, want 1"
    ;;
probe)
    "$strata" img create -q -f qcow2 q.qcow2 16M
    "$strata" img info q.qcow2 | grep -q 'file format: qcow2' || fail "qcow2 not probed"
    "$strata" img info -f raw q.qcow2 2>e.txt | grep -q 'file format: raw' || fail "format=raw probed"
    [[ ! -s e.txt ]] || fail "format=raw warned: $(cat e.txt)"
    printf 'QFI\xfbthis is not a qcow2 header' >fake.img && truncate -s 1M fake.img
    "$strata" img info fake.img 2>e.txt | grep -q 'file format: raw' || fail "a fake header is not raw"
    grep -q warning e.txt || fail "no warning for a raw image with qcow2's magic"
    ;;
debian)
    need_guest
    image=$guestdir/debian.qcow2
    [[ -f $image ]] || { echo "SKIP: $image is not built (make debian-image)"; exit 77; }
    "$strata" img create -q -f qcow2 -b "$image" -F qcow2 overlay.qcow2
    mkfifo in
    "$strata" run --engine=emu --mem 1G --timeout "${DEBIAN_TIMEOUT:-900}" --root overlay.qcow2 \
        <in >out.txt 2>err.txt &
    pid=$!
    trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
    exec 4>in
    # wait_for TEXT SECONDS - until the console shows TEXT
    wait_for() {
        for _ in $(seq "$2"); do
            tr -d '\r' <out.txt | grep -q -- "$1" && return 0
            kill -0 $pid 2>/dev/null || break
            sleep 1
        done
        cat out.txt err.txt
        fail "no '$1' on the console"
    }
    start=$SECONDS
    wait_for 'login: ' 800
    echo "login prompt after $((SECONDS - start)) s"
    printf 'root\n' >&4
    wait_for 'root@strata:~# ' 120
    printf 'echo STATE-$(systemctl is-system-running --wait)\n' >&4
    wait_for 'STATE-[a-z]' 300
    # (the shell's terminal escapes may precede it on the line)
    state=$(tr -d '\r' <out.txt | grep -a -o 'STATE-[a-z]*' | tail -1)
    state=${state#STATE-}
    echo "systemctl is-system-running: $state"
    [[ $state == running ]] || {
        printf 'systemctl --failed --no-pager\n' >&4
        sleep 10
        cat out.txt
        fail "systemctl is-system-running says '$state'"
    }
    printf 'poweroff\n' >&4
    status=0
    wait $pid || status=$?
    exec 4>&-
    ((status == 0)) || { cat err.txt; fail "strata exited $status after poweroff"; }
    echo "booted, running, powered off in $((SECONDS - start)) s"
    ;;
root)
    need_guest
    mkdir -p r/bin r/sbin r/dev r/proc r/sys
    cp "$guestdir/busybox" r/bin/busybox
    for applet in sh mount grep reboot; do ln -s busybox "r/bin/$applet"; done
    for name in init other; do
        printf '#!/bin/sh\necho %s-RAN-AS-PID-$$\nmount -t proc proc /proc\ngrep " / " /proc/mounts\nreboot -f\n' \
            "$name" >"r/sbin/$name"
        chmod +x "r/sbin/$name"
    done
    truncate -s 32M root.raw
    mkfs.ext4 -q -d r root.raw
    "$strata" img convert -O qcow2 root.raw root.qcow2
    guest --root root.qcow2
    grep -q '^init-RAN-AS-PID-1' out.txt || fail "the root's /sbin/init did not run as pid 1"
    grep -q '^/dev/vda / ext4 ro' out.txt || fail "the root is not mounted read-only"
    guest --root root.qcow2 --append 'rw rootfstype=ext4 init=/sbin/other'
    grep -q '^other-RAN-AS-PID-1' out.txt || fail "init= was not honoured"
    grep -q '^/dev/vda / ext4 rw' out.txt || fail "rw was not honoured"
    ;;
*)
    echo "unknown case $case" >&2
    exit 2
    ;;
esac
echo "PASS: $case"
