#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# oci-podman.sh STRATA_OCI CASE - podman with strata-oci as its runtime, on an
# image made with `podman import` from a busybox tarball built here (no
# registry is reachable). cgroupfs manager; no network (podman's bridge would
# change the host's firewall).
#   run      podman run --rm IMAGE sh -c 'cat /etc/os-release; id; hostname'
#   detach   podman run -d, podman exec (also -t), podman stop, podman rm
#   tty      podman run -t: the process's terminal comes through --console-socket
# On a host whose root lacks CAP_SYS_RESOURCE, podman's default rlimits
# (RLIMIT_NOFILE 1048576, RLIMIT_NPROC) cannot be set by any runtime (crun and
# runc fail the same way): the test then asks for limits within the current ones.
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 STRATA_OCI CASE" >&2; exit 2; }
oci=$(realpath "$1") case=$2
here=$(dirname "$0")
# shellcheck source=ct-lib.sh
. "$here/ct-lib.sh"
ct_need_root
command -v podman >/dev/null || { echo "SKIP: podman is not installed"; exit 77; }
tmp=$(mktemp -d)
image=localhost/strata-test-$$:$case
podman=(podman --cgroup-manager=cgroupfs --runtime "$oci")
cleanup() {
    [[ -n ${ctr:-} ]] && "${podman[@]}" rm -f "$ctr" >/dev/null 2>&1
    podman rmi -f "$image" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
ct_rootfs "$tmp/rootfs"
tar -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" .
podman import "$tmp/rootfs.tar" "$image" >/dev/null
run_opts=(--network none)
bnd=$(awk '/^CapBnd/ { print $2 }' /proc/self/status)
if (( (0x$bnd >> 24 & 1) == 0 )); then
    echo "note: no CAP_SYS_RESOURCE here: asking podman for rlimits of 1024 (within the current ones)"
    run_opts+=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
fi

case $case in
run)
    out=$("${podman[@]}" run --rm "${run_opts[@]}" "$image" sh -c 'cat /etc/os-release; id; hostname')
    echo "$out"
    grep -q 'NAME="strata test busybox"' <<<"$out" || fail "no os-release from the image"
    grep -q 'uid=0(root) gid=0(root)' <<<"$out" || fail "id is not root"
    [[ $(tail -1 <<<"$out") =~ ^[0-9a-f]{12}$ ]] || fail "hostname is not the container id"
    ;;
detach)
    ctr=$("${podman[@]}" run -d "${run_opts[@]}" "$image" sleep 1000)
    "${podman[@]}" ps --format '{{.ID}} {{.Status}}' | grep -q "^${ctr:0:12} Up" || fail "not up"
    out=$("${podman[@]}" exec "$ctr" sh -c 'echo in-exec; ps -o pid,comm')
    echo "$out"
    grep -q in-exec <<<"$out" || fail "exec output missing"
    grep -qE '^ +1 +sleep' <<<"$out" || fail "exec does not see pid 1"
    "${podman[@]}" exec -t "$ctr" tty </dev/null | grep -q '^/dev/pts/' || fail "exec -t has no terminal"
    "${podman[@]}" exec "$ctr" sh -c 'exit 4' && st=0 || st=$?
    [[ $st -eq 4 ]] || fail "exec status $st, not 4"
    "${podman[@]}" stop -t 1 "$ctr" >/dev/null
    "${podman[@]}" ps -a --format '{{.ID}} {{.Status}}' | grep -q "^${ctr:0:12} Exited" || fail "not exited after stop"
    "${podman[@]}" rm "$ctr" >/dev/null
    ctr=
    ;;
tty)
    out=$("${podman[@]}" run --rm -t "${run_opts[@]}" "$image" sh -c 'tty; ls -l /dev/console' </dev/null)
    echo "$out"
    grep -q '^/dev/pts/0' <<<"$out" || fail "the process has no terminal"
    grep -q ' 136, *0 ' <<<"$out" || fail "/dev/console is not the terminal"
    ;;
*) echo "unknown case $case" >&2; exit 2 ;;
esac
echo "podman $case: ok"
