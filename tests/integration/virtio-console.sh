#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# virtio-console.sh STRATA ENGINE ELF - runs the virtio_console test guest
# (tests/guests/virtio_console.c) with --console virtio and --rng, a line on
# its stdin, and checks that the guest's greeting on hvc0 reached stdout and
# that the guest received the line. Skips (77) on kvm without a usable
# /dev/kvm, as run-guest.sh does.
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: $0 STRATA ENGINE ELF" >&2; exit 2; }
strata=$1 engine=$2 elf=$3
name="virtio_console on $engine"

if [[ $engine == kvm ]]; then
    if [[ ! -c /dev/kvm ]] || ! { exec 3<>/dev/kvm; } 2>/dev/null; then
        echo "SKIP: $name: /dev/kvm is missing or cannot be opened for reading and writing"
        exit 77
    fi
    exec 3>&-
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
printf 'ping from the host\n' |
    "$strata" run --engine="$engine" --kernel "$elf" --console virtio --rng --timeout 30 \
        >"$out" || status=$?
cat "$out"
fail() {
    echo "FAIL: $name: $*"
    exit 1
}
((status == 0)) || fail "exit status $status"
for want in "virtio-console: hello from hvc0" "virtio-console: got 'ping from the host'" \
    "virtio-rng: 64 random bytes" "virtio-console: ok"; do
    grep -qF -- "$want" "$out" || fail "no '$want' in the output"
done
echo "PASS: $name"
