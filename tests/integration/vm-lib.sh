#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# vm-lib.sh - sourced by the tests that manage named VMs (manage.sh,
# snapshot.sh, balloon.sh): a private state directory, so the VMs they start
# are theirs alone, and a scratch directory, both removed at exit together
# with any VM still running there.
#   vm_sandbox STRATA   sets STRATA_STATE_DIR (exported) and tmp; installs the exit trap
#   fail MESSAGE...     prints FAIL: MESSAGE and exits 1

vm_sandbox() {
    vm_lib_strata=$1
    export STRATA_STATE_DIR
    STRATA_STATE_DIR=$(mktemp -d)
    tmp=$(mktemp -d)
    trap vm_lib_cleanup EXIT
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
