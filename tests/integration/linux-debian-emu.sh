#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# linux-debian-emu.sh STRATA GUESTDIR CASE - the default guest (Debian's cloud
# kernel, busybox initramfs from scripts/guest, in GUESTDIR) on the emu engine,
# driven the way a user does (issues 5 and 6):
#   command  strata run -- sh -c 'echo hello-from-debian; exit 3': the output
#            and the command's exit status come back
#   cpus2    strata run --cpus 2 -- cat /proc/cpuinfo: two processors
#   shell    no command: once the guest's shell prompts, it is sent a line
#            to run and `exit 5`, which ends the VM with 5 (input sent before
#            the guest opens its serial port is lost, as on a real UART)
#   disk     --disk IMG: 16 MiB of random data written to /dev/vda in the
#            guest; its sha256 there equals the host's of the image
#   readonly --disk IMG,readonly: a guest write fails with the kernel's
#            refusal (EPERM), the image is unchanged
#   ext2     mkfs.ext2, mount, write, umount in the guest; the host's
#            e2fsck -fn finds the file system clean and debugfs reads the
#            file back with the sha256 the guest printed
#   poweroff strata run -- poweroff -f: the kernel powers off through ACPI S5,
#            strata ends with status 0 (not the timeout's 124)
#   reboot   strata run -- reboot -f: the reset ends the VM with status 0
#   shell-poweroff  `poweroff` typed in the guest's shell: init powers off,
#            status 0
#   isa-level  the host's glibc loader, copied in through a raw disk, says
#            x86-64-v2 is supported: the CPU model has the whole level
#            (CPUID as glibc reads it; the kernel lists pni ssse3 sse4_1
#            sse4_2 in /proc/cpuinfo). Skips without a host loader.
# Skips (77) when the guest image is missing.
set -euo pipefail

[[ $# -eq 3 ]] || { echo "usage: $0 STRATA GUESTDIR CASE" >&2; exit 2; }
strata=$1 guestdir=$2 case=$3
[[ -f $guestdir/vmlinuz && -f $guestdir/initrd.img ]] || {
    echo "SKIP: no guest image in $guestdir (make guest)"
    exit 77
}
export STRATA_GUEST_DIR=$guestdir

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run EXPECTED_STATUS STRATA_ARGS... - runs strata and checks its exit status
run() {
    local want=$1 status=0
    shift
    "$strata" run --engine=emu --timeout 240 "$@" </dev/null >"$tmp/out" 2>"$tmp/err" || status=$?
    echo "--- guest output ---"
    cat "$tmp/out"
    echo "--- stderr ---"
    cat "$tmp/err"
    if [[ $status -ne $want ]]; then
        echo "FAIL: exit status $status, want $want"
        exit 1
    fi
}

expect() {
    grep -q -- "$1" "$tmp/out" || { echo "FAIL: no '$1' in the guest's output"; exit 1; }
}

case $case in
command)
    run 3 -- sh -c 'echo hello-from-debian; exit 3'
    expect '^hello-from-debian'
    ;;
cpus2)
    run 0 --cpus 2 -- cat /proc/cpuinfo
    n=$(grep -c '^processor' "$tmp/out")
    [[ $n -eq 2 ]] || { echo "FAIL: $n processors in /proc/cpuinfo, want 2"; exit 1; }
    ;;
shell | shell-poweroff)
    mkfifo "$tmp/in"
    "$strata" run --engine=emu --timeout 240 <"$tmp/in" >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    exec 4>"$tmp/in"
    for _ in $(seq 240); do
        grep -q '/root # ' "$tmp/out" 2>/dev/null && break
        sleep 1
    done
    if [[ $case == shell ]]; then
        printf 'echo shell-says-$((6 * 7))\nexit 5\n' >&4
        want=5
    else
        printf 'poweroff\n' >&4
        want=0
    fi
    status=0
    wait "$pid" || status=$?
    exec 4>&-
    cat "$tmp/out" "$tmp/err"
    [[ $status -eq $want ]] || { echo "FAIL: exit status $status, want $want"; exit 1; }
    if [[ $case == shell ]]; then
        expect 'shell-says-42'
    else
        expect 'reboot: Power down'
    fi
    ;;
poweroff)
    run 0 -- poweroff -f
    expect 'reboot: Power down'
    ;;
reboot)
    run 0 -- reboot -f
    grep -q 'guest reset' "$tmp/err" || { echo "FAIL: no reset on stderr"; exit 1; }
    ;;
disk)
    truncate -s 16M "$tmp/d.img"
    run 0 --disk "$tmp/d.img" -- sh -c \
        'dd if=/dev/urandom of=/dev/vda bs=1M count=16 && sync && sha256sum /dev/vda'
    guest=$(sed -n 's,^\([0-9a-f]\{64\}\)  /dev/vda.*,\1,p' "$tmp/out")
    host=$(sha256sum "$tmp/d.img" | cut -d' ' -f1)
    [[ -n $guest && $guest == "$host" ]] || { echo "FAIL: guest sha256 '$guest', host $host"; exit 1; }
    ;;
readonly)
    head -c 1M /dev/urandom >"$tmp/d.img"
    before=$(sha256sum "$tmp/d.img")
    run 0 --disk "$tmp/d.img,readonly" -- sh -c \
        'if dd if=/dev/zero of=/dev/vda bs=4k count=1 oflag=direct; then echo write-went-through; else echo write-failed; fi'
    # the guest kernel's refusal (EPERM for a read-only disk), not an I/O error
    expect "^dd: error writing '/dev/vda': Operation not permitted"
    expect '^write-failed'
    [[ $(sha256sum "$tmp/d.img") == "$before" ]] || { echo "FAIL: the read-only image changed"; exit 1; }
    ;;
isa-level)
    loader=/lib64/ld-linux-x86-64.so.2
    [[ -f $loader ]] || { echo "SKIP: no $loader on the host to copy into the guest"; exit 77; }
    cp -L "$loader" "$tmp/d.img"
    size=$(stat -c %s "$tmp/d.img")
    truncate -s 1M "$tmp/d.img"
    run 0 --disk "$tmp/d.img,readonly" -- sh -c "mkdir -p /lib64 &&
        head -c $size /dev/vda >$loader && chmod +x $loader && $loader --help &&
        grep -m1 '^flags' /proc/cpuinfo"
    expect '^  x86-64-v2 (supported, searched)'
    for flag in pni ssse3 sse4_1 sse4_2 popcnt cx16 lahf_lm; do
        grep -q "^flags.* $flag\b" "$tmp/out" || { echo "FAIL: no $flag in /proc/cpuinfo"; exit 1; }
    done
    ;;
ext2)
    truncate -s 32M "$tmp/d.img"
    run 0 --disk "$tmp/d.img" -- sh -c 'mkfs.ext2 -q /dev/vda && mkdir -p /mnt &&
        mount /dev/vda /mnt && dd if=/dev/urandom of=/mnt/f bs=1M count=4 &&
        sha256sum /mnt/f && umount /mnt'
    e2fsck -fn "$tmp/d.img" || { echo "FAIL: e2fsck -fn found problems"; exit 1; }
    guest=$(sed -n 's,^\([0-9a-f]\{64\}\)  /mnt/f.*,\1,p' "$tmp/out")
    host=$(debugfs -R 'cat /f' "$tmp/d.img" 2>/dev/null | sha256sum | cut -d' ' -f1)
    [[ -n $guest && $guest == "$host" ]] || {
        echo "FAIL: /f read on the host (debugfs) has sha256 $host, the guest wrote '$guest'"
        exit 1
    }
    ;;
*)
    echo "unknown case $case" >&2
    exit 2
    ;;
esac
echo "PASS: $case"
