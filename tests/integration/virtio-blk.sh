#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# virtio-blk.sh RUN_GUEST STRATA ENGINE ELF - runs the virtio_blk test guest
# (tests/guests/virtio_blk.c) on ENGINE with two disks and checks the images
# afterwards: the writable one holds the guest's pattern at sector 0 (so the
# data reached the host file), the read-only one is unchanged and the guest
# said it refused the write. Skips (77)
# as run-guest.sh does.
set -euo pipefail
[[ $# -eq 4 ]] || { echo "usage: $0 RUN_GUEST STRATA ENGINE ELF" >&2; exit 2; }
run_guest=$1 strata=$2 engine=$3 elf=$4

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
truncate -s 1M "$tmp/disk.img"
# The guest expects this string at sector 8 and overwrites sectors 0-7.
printf 'hello from the host disk' | dd of="$tmp/disk.img" bs=512 seek=8 conv=notrunc status=none
head -c 65536 /dev/urandom >"$tmp/ro.img"
ro_before=$(sha256sum <"$tmp/ro.img")

status=0
# The guest's own line for the read-only disk: its write came back VIRTIO_BLK_S_IOERR.
ALSO_EXPECTED_OUTPUT="virtio-blk: read-only disk refused a write" \
    "$run_guest" "$strata" "$engine" "$elf" 0 "virtio-blk: ok" \
    --disk "$tmp/disk.img,id=strata-test" --disk "$tmp/ro.img,readonly" || status=$?
((status == 0)) || exit "$status"

fail() {
    echo "FAIL: virtio_blk on $engine: $*"
    exit 1
}
for _ in $(seq 256); do printf '0123456789abcdef'; done >"$tmp/expected"
cmp -s <(head -c 4096 "$tmp/disk.img") "$tmp/expected" ||
    fail "the image does not hold what the guest wrote at sector 0"
[[ $(sha256sum <"$tmp/ro.img") == "$ro_before" ]] || fail "the read-only image changed"
echo "PASS: virtio_blk on $engine: the images hold what they should"
