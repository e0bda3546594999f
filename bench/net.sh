#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/net.sh STRATA BUILDDIR RUNS - guest-to-host TCP throughput: the default
# guest (Debian's kernel, busybox) sends NET_MB MiB (default 32) with
# `dd | nc` to a receiver on the host, which times first byte to end of
# stream. Over a tap (strata --net tap=, QEMU -netdev tap,vnet_hdr=on) and
# over user networking (strata --net user, QEMU -netdev user, both libslirp),
# strata on the emu engine (virtio-mmio) against qemu-system-x86_64 -accel tcg
# -M pc with virtio-net-pci, run alternately; medians and the ratio
# strata/QEMU (higher is better for strata). Runs inside a network namespace
# of its own (unshare -n): only the namespace's tap and loopback carry traffic.
set -euo pipefail
strata=${1:?usage: bench/net.sh STRATA BUILDDIR RUNS} build=${2:?} runs=${3:-5}
if [[ -z ${STRATA_BENCH_NET_INNER:-} ]]; then
    if ! unshare -n true 2>/dev/null; then
        echo "net throughput: skipped, cannot create a network namespace"
        exit 0
    fi
    STRATA_BENCH_NET_INNER=1 exec unshare -n "$0" "$@"
fi
kernel="$build/guest/vmlinuz" initrd="$build/guest/initrd.img"
if [[ ! -f $kernel || ! -f $initrd ]]; then
    echo "net throughput: skipped, $kernel or $initrd missing (make guest)"
    exit 0
fi
mb=${NET_MB:-32}
ip link set lo up
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# receiver ADDR PORT: prints MB/s of one connection, first byte to EOF.
receiver() {
    /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(400)
c, _ = s.accept(); c.settimeout(400)
n = 0; t0 = None
while True:
    b = c.recv(1 << 20)
    if not b: break
    if t0 is None: t0 = time.monotonic()
    n += len(b)
t = time.monotonic() - t0 if t0 else 0
print("%.1f" % (n / 1e6 / t) if n >= int(sys.argv[3]) and t > 0 else "")
' "$1" "$2" "$3"
}

# append SCRIPT: the kernel command line that runs SCRIPT in the default guest.
append() {
    local cmd
    cmd=$(printf "'sh' '-c' '%s'" "$1" | base64 -w0)
    echo "console=ttyS0 reboot=k panic=-1 quiet $2 strata.cmd=$cmd"
}

qemu() {
    timeout 400 qemu-system-x86_64 -accel tcg -M pc -m 256M \
        -cpu qemu64,+popcnt,+bmi1,+abm,+pdpe1gb,+rdtscp -kernel "$kernel" -initrd "$initrd" \
        -device isa-debug-exit,iobase=0x501,iosize=1 -nodefaults -nographic -serial stdio \
        -no-reboot "$@" </dev/null >"$tmp/qemu.out" 2>&1 || true
}

# one_run KIND WHO: one transfer; prints MB/s (empty on failure).
one_run() {
    local kind=$1 who=$2 port=$((20000 + RANDOM % 20000)) bytes=$((mb << 20))
    local send="dd if=/dev/zero bs=64k count=$((mb * 16)) 2>/dev/null | nc"
    if [[ $kind == tap ]]; then
        local ifn=tb$who
        receiver 0.0.0.0 "$port" "$bytes" >"$tmp/rate" &
        local rx=$!
        local script="ip addr add 10.59.0.2/24 dev eth0; ip link set eth0 up
for i in \$(seq 120); do ping -c 1 -W 1 10.59.0.1 >/dev/null && break; done
$send 10.59.0.1 $port"
        (
            for _ in $(seq 200); do ip link show "$ifn" >/dev/null 2>&1 && break; sleep 0.5; done
            ip link set "$ifn" up && ip addr add 10.59.0.1/24 dev "$ifn"
        ) &
        local setup=$!
        if [[ $who == s ]]; then
            "$strata" run --engine=emu --kernel "$kernel" --initrd "$initrd" --timeout 400 \
                --append "$(append "$script" strata.dhcp=off)" --net "tap=$ifn" \
                </dev/null >"$tmp/strata.out" 2>&1 || true
        else
            qemu -append "$(append "$script" strata.dhcp=off)" \
                -netdev "tap,id=n0,ifname=$ifn,script=no,downscript=no,vnet_hdr=on" \
                -device virtio-net-pci,netdev=n0
        fi
        wait "$setup" || true
        kill "$rx" 2>/dev/null || true
        wait "$rx" 2>/dev/null || true
    else
        receiver 127.0.0.1 "$port" "$bytes" >"$tmp/rate" &
        local rx=$!
        local script="for i in \$(seq 120); do ip -4 addr show dev eth0 | grep -q inet && break; sleep 1; done
$send 10.0.2.2 $port"
        if [[ $who == s ]]; then
            "$strata" run --engine=emu --kernel "$kernel" --initrd "$initrd" --timeout 400 \
                --append "$(append "$script" "")" --net user </dev/null >"$tmp/strata.out" 2>&1 || true
        else
            qemu -append "$(append "$script" "")" -netdev user,id=n0 -device virtio-net-pci,netdev=n0
        fi
        kill "$rx" 2>/dev/null || true
        wait "$rx" 2>/dev/null || true
    fi
    if [[ -z $(cat "$tmp/rate") && -n ${NET_DEBUG:-} ]]; then
        echo "--- $kind $who: no rate; the guest's output:" >&2
        tail -n 15 "$tmp/$([[ $who == s ]] && echo strata || echo qemu).out" >&2
    fi
    cat "$tmp/rate"
}

for kind in ${NET_KINDS:-tap user}; do
    s=() q=()
    for _ in $(seq "$runs"); do
        s+=("$(one_run "$kind" s)")
        q+=("$(one_run "$kind" q)")
    done
    if [[ -z ${s[0]} || -z ${q[0]} ]]; then
        echo "net throughput over $kind: a guest did not complete its transfer (strata: '${s[*]}', qemu: '${q[*]}')"
        continue
    fi
    sm=$(printf '%s\n' "${s[@]}" | median) qm=$(printf '%s\n' "${q[@]}" | median)
    printf 'net guest-to-host TCP over %s, %d MiB: strata emu %s MB/s, qemu tcg %s MB/s, ratio %.2f (medians of %d runs)\n' \
        "$kind" "$mb" "$sm" "$qm" "$(awk -v s="$sm" -v q="$qm" 'BEGIN { print s / q }')" "$runs"
done
