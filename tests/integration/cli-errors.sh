#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# cli-errors.sh STRATA GUESTDIR CASE - one bad-input case of `strata run`
# (issue 2, deliverable 8; exit statuses from docs/cli.md). Every case must end
# with the expected status and exactly one line on stderr, and no crash: no
# death by signal, no sanitizer report. Bad files end with status 1 and the line
# names the file; bad usage ends with status 2 and the line names what was
# wrong (the option and its value).
#   missing-kernel     --kernel on a path that does not exist
#   not-a-kernel       a text file
#   truncated-bzimage  the first 64 KiB of GUESTDIR/vmlinuz
#   corrupt-payload    GUESTDIR/vmlinuz with its compressed payload overwritten
#   mem-zero, cpus-zero, unknown-option, bogus-engine, junk-timeout: bad usage
# The cases built from GUESTDIR/vmlinuz (scripts/guest) skip (77) without it.
set -euo pipefail

[[ $# -eq 3 ]] || {
    echo "usage: $0 STRATA GUESTDIR CASE" >&2
    exit 2
}
strata=$1 guest=$2 case=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

text_file=$tmp/not-a-kernel.txt
echo "this is a text file, not a kernel" >"$text_file"

need_guest_kernel() {
    [[ -f $guest/vmlinuz ]] || {
        echo "SKIP: $case: no guest kernel $guest/vmlinuz (make guest)"
        exit 77
    }
}

# Writes a copy of the guest bzImage with 4 KiB of its compressed payload
# zeroed after the first 8 bytes (format magic / header). Zeros are invalid in
# every format (LZ4 match offset 0, deflate stored-block length check, ...),
# unlike 0xff, which LZ4 uses for long runs.
make_corrupt_payload() {
    local out=$1 setup_sects payload_offset payload_start
    cp "$guest/vmlinuz" "$out"
    setup_sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$out")
    payload_offset=$(od -An -tu4 -j $((0x248)) -N4 "$out")
    ((setup_sects == 0)) && setup_sects=4
    payload_start=$(((setup_sects + 1) * 512 + payload_offset))
    dd if=/dev/zero of="$out" bs=1 seek=$((payload_start + 8)) count=4096 conv=notrunc status=none
}

# expect STATUS NEEDLE ARGS...: runs `strata run ARGS...` and checks the status,
# the single stderr line and (if NEEDLE is not empty) that the line holds NEEDLE.
expect() {
    local want=$1 needle=$2
    shift 2
    local status=0
    timeout 60 "$strata" run "$@" </dev/null >"$tmp/stdout" 2>"$tmp/stderr" || status=$?
    local lines
    lines=$(wc -l <"$tmp/stderr")
    echo "strata run $* -> status $status, stderr:"
    cat "$tmp/stderr"
    if ((status >= 128)) || grep -qE 'Sanitizer|runtime error' "$tmp/stderr"; then
        echo "FAIL: $case: strata crashed (status $status)"
        exit 1
    fi
    if ((status != want)); then
        echo "FAIL: $case: want exit status $want, got $status"
        exit 1
    fi
    if ((lines != 1)); then
        echo "FAIL: $case: want one line on stderr, got $lines"
        exit 1
    fi
    if [[ -n $needle ]] && ! grep -qF -- "$needle" "$tmp/stderr"; then
        echo "FAIL: $case: the message does not name '$needle'"
        exit 1
    fi
    echo "PASS: $case"
}

case $case in
missing-kernel)
    expect 1 /nonexistent/vmlinuz --kernel /nonexistent/vmlinuz
    ;;
not-a-kernel)
    expect 1 "$text_file" --kernel "$text_file"
    ;;
truncated-bzimage)
    need_guest_kernel
    head -c 65536 "$guest/vmlinuz" >"$tmp/truncated-vmlinuz"
    expect 1 "$tmp/truncated-vmlinuz" --kernel "$tmp/truncated-vmlinuz"
    ;;
corrupt-payload)
    need_guest_kernel
    make_corrupt_payload "$tmp/corrupt-vmlinuz"
    expect 1 "$tmp/corrupt-vmlinuz" --kernel "$tmp/corrupt-vmlinuz"
    ;;
mem-zero) expect 2 "bad --mem '0'" --kernel "$text_file" --mem 0 ;;
cpus-zero) expect 2 "bad --cpus '0'" --kernel "$text_file" --cpus 0 ;;
unknown-option) expect 2 "unknown option '--no-such-option'" --kernel "$text_file" --no-such-option ;;
bogus-engine) expect 2 "unknown engine 'bogus'" --kernel "$text_file" --engine=bogus ;;
junk-timeout) expect 2 "bad --timeout 'soon'" --kernel "$text_file" --timeout soon ;;
*)
    echo "$0: unknown case '$case'" >&2
    exit 2
    ;;
esac
