#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/idle.sh STRATA BUILDDIR [N] - the host memory idle default guests cost
# (docs/memory.md "Measurements"): starts N (default 8) default guests at
# once, each `strata run --mem 512M --balloon --detach` (free page reporting
# on) at its interactive shell, waits until every one has booted (its balloon
# driver has sent statistics) and their summed RSS has stopped falling
# (reporting and the emu code cache's idle trim have run; at most
# IDLE_SETTLE_MAX seconds, default 900), then prints `strata ls` and one line:
# the summed RSS, per guest, and the host's MemAvailable before and after.
# With IDLE_MERGE=1 the guests also get --mem-merge, and the line adds what
# KSM saves (pages_sharing) and the RSS net of it; KSM itself is the host's
# to turn on (/sys/kernel/mm/ksm/run, docs/memory.md), this script does not.
# The guests run in a private state directory and are killed at the end
# (tests/integration/vm-lib.sh). A measurement, not a test: minutes on emu.
set -euo pipefail
strata=${1:?usage: bench/idle.sh STRATA BUILDDIR [N]} build=${2:?} n=${3:-8}
max=${IDLE_SETTLE_MAX:-900}
if [[ ! -f $build/guest/vmlinuz || ! -f $build/guest/initrd.img ]]; then
    echo "idle guests: skipped, $build/guest/vmlinuz or initrd.img missing (make guest)"
    exit 0
fi
export STRATA_GUEST_DIR=$build/guest
# shellcheck source=../tests/integration/vm-lib.sh
. "$(dirname "$0")/../tests/integration/vm-lib.sh"
vm_sandbox "$strata"

mem_available_mib() { awk '$1 == "MemAvailable:" { print int($2 / 1024) }' /proc/meminfo; }

before=$(mem_available_mib)
names=() merge=()
[[ ${IDLE_MERGE:-0} == 1 ]] && merge=(--mem-merge)
for i in $(seq "$n"); do
    names+=("idle$i")
    "$strata" run --engine emu --mem 512M --balloon "${merge[@]}" --name "idle$i" --detach \
        >/dev/null 2>&1 ||
        fail "idle guests: strata run --detach of idle$i failed"
done
start=$SECONDS
for name in "${names[@]}"; do
    until vm_balloon_up "$name"; do
        ((SECONDS - start < max)) || fail "idle guests: $name did not boot within ${max} s"
        sleep 5
    done
done
boot=$((SECONDS - start))
total=$(vm_settled_rss $((max - boot)) "${names[@]}")
if ((${#merge[@]})); then
    # KSM merges over several passes: until pages_sharing has not grown for 3 samples 15 s apart
    sharing=-1 flat=0
    while ((flat < 3 && SECONDS - start < max)); do
        now=$(cat /sys/kernel/mm/ksm/pages_sharing)
        if ((now > sharing)); then sharing=$now flat=0; else flat=$((flat + 1)); fi
        sleep 15
    done
fi
"$strata" ls
printf 'idle guests: %d default guests (512 MiB, --balloon%s, emu) booted in %d s; RSS %d MiB in all, %d MiB each; host MemAvailable %d -> %d MiB' \
    "$n" "${merge:+ --mem-merge}" "$boot" "$total" $((total / n)) "$before" "$(mem_available_mib)"
if ((${#merge[@]})); then
    saved=$((sharing * 4 / 1024))
    printf '; KSM (run=%s) saves %d MiB: %d MiB net' "$(cat /sys/kernel/mm/ksm/run)" "$saved" $((total - saved))
fi
echo
