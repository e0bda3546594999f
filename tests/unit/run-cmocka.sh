#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# run-cmocka.sh PROGRAM [ARGS...] - runs one cmocka unit-test program and
# passes its exit status on, except that a program whose tests all passed
# but some of which called skip() exits 77 (meson: skipped), not 0: a
# skipped test is never counted as passed. The reason is the program's
# "skipped: ..." message (print_message before skip()), printed as
# "SKIP: PROGRAM: reason" for scripts/run-tests to show.
set -uo pipefail
[[ $# -ge 1 ]] || {
    echo "usage: $0 PROGRAM [ARGS...]" >&2
    exit 2
}
name=$(basename "$1")
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
((status == 0 || status == 77)) || exit "$status"
if ((status == 77)) || grep -q '^\[  SKIPPED \]' "$out"; then
    reasons=$(sed -n 's/^skipped: //p' "$out" | sort -u | paste -sd ';' -)
    echo "SKIP: $name: ${reasons:-a test called skip() without saying why}"
    exit 77
fi
exit 0
