#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# vm-lib.sh - sourced by the tests that manage named VMs (manage.sh,
# snapshot.sh, balloon.sh): a private state directory, so the VMs they start
# are theirs alone, and a scratch directory, both removed at exit together
# with any VM still running there.
#   vm_sandbox STRATA   sets STRATA_STATE_DIR (exported) and tmp; installs the exit trap
#   vm_default_guest STRATA GUESTDIR
#                       the default guest from GUESTDIR (STRATA_GUEST_DIR), or SKIP
#                       (77) without it; then vm_sandbox STRATA
#   fail MESSAGE...     prints FAIL: MESSAGE and exits 1
#   vm_rss NAME         the VM's RSS in MiB as `strata info` shows it (nothing if it is gone)
#   vm_balloon_up NAME  whether the guest's balloon driver has sent its statistics
#   vm_settled_rss MAX NAME...
#                       waits until the VMs' summed RSS has not fallen by 1 MiB
#                       over three samples 15 s apart (at most MAX seconds) and
#                       prints it in MiB; fails if a VM is gone

vm_sandbox() {
    vm_lib_strata=$1
    export STRATA_STATE_DIR
    STRATA_STATE_DIR=$(mktemp -d)
    tmp=$(mktemp -d)
    trap vm_lib_cleanup EXIT
}

vm_default_guest() {
    [[ -f $2/vmlinuz && -f $2/initrd.img ]] || {
        echo "SKIP: no guest image in $2 (make guest)"
        exit 77
    }
    export STRATA_GUEST_DIR=$2
    vm_sandbox "$1"
}

vm_lib_cleanup() {
    local d
    for d in "$STRATA_STATE_DIR"/*/; do
        [[ -S $d/control.sock ]] && "$vm_lib_strata" kill "$(basename "$d")" >/dev/null 2>&1 || :
    done
    rm -rf "$STRATA_STATE_DIR" "$tmp"
}

fail() {
    echo "FAIL: $*"
    exit 1
}

vm_rss() {
    "$vm_lib_strata" info "$1" 2>/dev/null | sed -n 's/^host  *rss \([0-9]*\)M,.*/\1/p'
}

vm_balloon_up() {
    "$vm_lib_strata" info "$1" 2>/dev/null | grep -Eq '^guest .* total [0-9]+M'
}

# the summed RSS of the VMs in MiB; FAIL on stderr and status 1 if one is gone
vm_lib_sum_rss() {
    local name sum=0 r
    for name in "$@"; do
        r=$(vm_rss "$name")
        [[ -n $r ]] || { echo "FAIL: $name is not running" >&2; return 1; }
        sum=$((sum + r))
    done
    echo "$sum"
}

vm_settled_rss() {
    local max=$1 start=$SECONDS low now flat=0
    shift
    low=$(vm_lib_sum_rss "$@") || exit 1
    now=$low
    while ((flat < 3 && SECONDS - start < max)); do
        sleep 15
        now=$(vm_lib_sum_rss "$@") || exit 1
        if ((now <= low - 1)); then
            low=$now flat=0
        else
            flat=$((flat + 1))
        fi
    done
    echo "$now"
}
