#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# run-guest.sh STRATA ENGINE ELF EXPECTED_STATUS [EXPECTED_OUTPUT [STRATA_ARGS...]] -
# runs one freestanding test guest (tests/guests/) with
#   STRATA run --engine=ENGINE --kernel ELF --timeout 30 STRATA_ARGS...
# and checks its exit status and, if EXPECTED_OUTPUT is given and non-empty,
# that the guest's serial output on stdout contains it (issue 2, deliverable 7),
# and, if ALSO_EXPECTED_OUTPUT is set in the environment, that it contains that
# too, and, if FORBIDDEN_OUTPUT is set in the environment, that it does not contain that.
# FALLBACK_OUTPUT (environment) is the line a guest prints when it got through
# only by a fallback for a PVM host (e.g. ring3's SYSCALL finished through
# INT3): on a PVM host (/sys/module/kvm_pvm) such a run is reported skipped
# (77) with that reason once everything else checked out, never passed; on
# any other host the line is a failure.
# Prints the guest's output, then PASS, SKIP or FAIL with a one-line reason.
# Skips (77) when ENGINE is kvm and /dev/kvm is not a character device that
# can be opened for reading and writing.
set -euo pipefail

[[ $# -ge 4 ]] || {
    echo "usage: $0 STRATA ENGINE ELF EXPECTED_STATUS [EXPECTED_OUTPUT [STRATA_ARGS...]]" >&2
    exit 2
}
strata=$1 engine=$2 elf=$3 want=$4
expected_output=${5-}
shift $(($# < 5 ? $# : 5))
name="$(basename "$elf" .elf) on $engine"

if [[ $engine == kvm ]]; then
    # Test -c first: "<>" would create a missing /dev/kvm as a plain file.
    if [[ ! -c /dev/kvm ]] || ! { exec 3<>/dev/kvm; } 2>/dev/null; then
        echo "SKIP: $name: /dev/kvm is missing or cannot be opened for reading and writing"
        exit 77
    fi
    exec 3>&-
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
"$strata" run --engine="$engine" --kernel "$elf" --timeout 30 "$@" \
    </dev/null >"$tmp/stdout" 2>"$tmp/stderr" || status=$?

echo "--- guest output ---"
cat "$tmp/stdout"
echo "--- stderr ---"
cat "$tmp/stderr"
echo "--- exit status $status (want $want) ---"

fail() {
    echo "FAIL: $name: $*"
    exit 1
}
case $status in
124) fail "timed out after 30 s (exit status 124)" ;;
125) [[ $want == 125 ]] || fail "guest or engine failure (exit status 125), see stderr" ;;
esac
((status == want)) || fail "exit status $status, want $want"
if [[ -n $expected_output ]]; then
    grep -qF -- "$expected_output" "$tmp/stdout" || fail "no '$expected_output' in the output"
fi
if [[ -n ${ALSO_EXPECTED_OUTPUT-} ]] && ! grep -qF -- "$ALSO_EXPECTED_OUTPUT" "$tmp/stdout"; then
    fail "no '$ALSO_EXPECTED_OUTPUT' in the output"
fi
if [[ -n ${FORBIDDEN_OUTPUT-} ]] && grep -qF -- "$FORBIDDEN_OUTPUT" "$tmp/stdout"; then
    fail "'$FORBIDDEN_OUTPUT' in the output"
fi
if [[ -n ${FALLBACK_OUTPUT-} ]] && grep -qF -- "$FALLBACK_OUTPUT" "$tmp/stdout"; then
    [[ -e /sys/module/kvm_pvm ]] || fail "'$FALLBACK_OUTPUT' in the output on a host without PVM"
    echo "SKIP: $name: passes only by its PVM fallback ('$FALLBACK_OUTPUT'); needs VT-x/AMD-V to really pass"
    exit 77
fi
echo "PASS: $name"
