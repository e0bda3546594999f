#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# linux-tiny-emu.sh STRATA GUESTDIR [STRATA_ARGS...] - boots the tiny kernel
# (GUESTDIR/tiny-vmlinux and GUESTDIR/tiny-initrd.img from `make tiny-kernel`)
# on the emu engine to user space (issue 4): its /init prints INIT-OK and ends
# the VM through the exit device with status 0.
#
# Checks: the kernel's own console lines ("Linux version", "Run /init") and
# INIT-OK on stdout, exit status 0 through the exit device (no panic, no
# reset) within --timeout 120 (panic=-1: a kernel
# panic, e.g. an /init that cannot reach the exit device, resets the VM at
# once instead of hanging until the timeout). Skips (77) when the
# tiny kernel is not built: that takes minutes, so `make test` does not build
# it by itself.
set -euo pipefail

[[ $# -ge 2 ]] || {
    echo "usage: $0 STRATA GUESTDIR [STRATA_ARGS...]" >&2
    exit 2
}
strata=$1 guest=$2
shift 2
name="linux-tiny-emu${*:+ ($*)}"

for file in tiny-vmlinux tiny-initrd.img; do
    [[ -f $guest/$file ]] || {
        echo "SKIP: $name: no $guest/$file (make tiny-kernel builds it)"
        exit 77
    }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
start=$(date +%s.%N)
"$strata" run --engine=emu --kernel "$guest/tiny-vmlinux" --initrd "$guest/tiny-initrd.img" \
    --append "console=ttyS0 panic=-1" --timeout 120 "$@" \
    </dev/null >"$tmp/stdout" 2>"$tmp/stderr" || status=$?
end=$(date +%s.%N)

echo "--- guest output (last 30 lines) ---"
tail -n 30 "$tmp/stdout"
echo "--- stderr ---"
cat "$tmp/stderr"
echo "--- exit status $status (want 0), $(awk "BEGIN { print $end - $start }") s wall ---"

fail() {
    echo "FAIL: $name: $*"
    exit 1
}
((status != 124)) || fail "timed out after 120 s"
grep -q 'Linux version' "$tmp/stdout" || fail "no 'Linux version' on stdout"
grep -q 'Run /init' "$tmp/stdout" || fail "the kernel did not start /init"
grep -qx 'INIT-OK' <(tr -d '\r' <"$tmp/stdout") || fail "no INIT-OK line on stdout"
((status == 0)) || fail "exit status $status, want 0"
! grep -q 'Kernel panic' "$tmp/stdout" || fail "the kernel panicked"
! grep -q 'guest reset' "$tmp/stderr" || fail "the VM was reset instead of ended through the exit device"
echo "PASS: $name"
