#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/ct-start.sh STRATA STRATA_OCI RUNS - container start-up: the time from
# `strata ct create` through `start` to the end of /bin/true (and `rm`),
# against `crun run` and `runc run` of the same busybox bundle (which also
# create, start, wait and delete), run alternately. Prints one line with the
# medians and the ratios strata/crun and strata/runc. Runs in a private mount
# namespace without the cgroup2 mount of a hybrid host, which crun refuses
# ("cgroups in hybrid mode not supported"); all three see the same cgroups.
set -euo pipefail
strata=$(realpath "$1") oci=$(realpath "$2") runs=$3
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tests/integration/ct-lib.sh
. "$here/../tests/integration/ct-lib.sh"
if [[ $(id -u) -ne 0 ]]; then
    echo "container start: skipped, needs root"
    exit 0
fi
if [[ -z ${STRATA_BENCH_INNER:-} ]]; then
    # once more, alone in a mount namespace
    exec unshare -m --propagation private env STRATA_BENCH_INNER=1 "$0" "$@"
fi
if mountpoint -q /sys/fs/cgroup/unified; then
    umount /sys/fs/cgroup/unified
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export STRATA_CT_ROOT=$tmp/ct
mkdir "$tmp/bundle"
ct_rootfs "$tmp/bundle/rootfs" >/dev/null
(cd "$tmp/bundle" && "$oci" spec)
python3 - "$tmp/bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
json.dump(c, open(sys.argv[1], "w"))
PY
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
timed() { # prints seconds; fails the bench if the command fails
    local start=$EPOCHREALTIME
    "$@" >/dev/null
    awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.4f\n", b - a }'
}
strata_once() {
    "$strata" ct create b$$ --rootfs "$tmp/bundle/rootfs" -- /bin/true &&
        "$strata" ct start --attach b$$ && "$strata" ct rm b$$
}
have_crun=$(command -v crun || true) have_runc=$(command -v runc || true)
s=() c=() r=()
for i in $(seq "$runs"); do
    s+=("$(timed strata_once)")
    [[ -n $have_crun ]] && c+=("$(timed crun --root "$tmp/crun" run -b "$tmp/bundle" c$$-$i)")
    [[ -n $have_runc ]] && r+=("$(timed runc --root "$tmp/runc" run -b "$tmp/bundle" r$$-$i)")
done
sm=$(printf '%s\n' "${s[@]}" | median)
line="container create->start->/bin/true exit: strata ct $(printf '%.1f' "$(awk -v s="$sm" 'BEGIN { print s * 1000 }')") ms"
for ref in crun runc; do
    [[ $ref == crun ]] && arr=("${c[@]}") || arr=("${r[@]}")
    if [[ ${#arr[@]} -eq 0 ]]; then
        line+=", $ref not installed"
        continue
    fi
    m=$(printf '%s\n' "${arr[@]}" | median)
    line+=$(awk -v s="$sm" -v m="$m" -v n="$ref" 'BEGIN { printf ", %s %.1f ms (ratio %.2f)", n, m * 1000, s / m }')
done
echo "$line (medians of $runs runs)"
