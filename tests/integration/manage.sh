#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# manage.sh STRATA COUNTER_GUEST CASE - running VMs managed by name, as a
# user and as another program would (issue 13). The counter guest
# (tests/guests/counter.c) prints "count N" on and on; runs on the emu
# engine; a private runtime directory (STRATA_STATE_DIR) per test.
#   cli     run --detach --name; ls and ls --json; pause (the count stands
#           still, the process uses ~no CPU); resume (it counts again);
#           console in a terminal, Ctrl-A X detaches and the VM runs on,
#           attach again; stop; the VM and its directory are gone
#   script  tests/integration/manage_client.py (python, nothing of strata's)
#           drives the control socket: info, subscribe, pause/resume with
#           events, bad requests, kill with the shutdown event
#   linux-stop  the default guest (GUESTDIR in the environment) runs a
#           command detached; `strata stop` presses its ACPI power button and
#           the guest powers off (not killed after the timeout)
#   errors  an unknown name, a socket that is not strata's, a dead VM's
#           leftovers (cleaned, never taken for live), a name taken twice,
#           bad names: one line each, non-zero status, the VM unaffected
set -euo pipefail

[[ $# -eq 3 ]] || { echo "usage: $0 STRATA COUNTER_GUEST CASE" >&2; exit 2; }
strata=$1 guest=$2 case=$3
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=vm-lib.sh
. "$(dirname "$0")/vm-lib.sh"
vm_sandbox "$strata"

start() { # start NAME: a detached counter VM
    out=$("$strata" run --engine emu --kernel "$guest" --name "$1" --detach) ||
        fail "run --detach failed"
    [[ $out == "$1" ]] || fail "run --detach printed '$out', want the name"
}

# The last count the VM has printed (from its console's history).
last_count() {
    timeout 2 "$strata" console "$1" </dev/null 2>/dev/null | tr -d '\r' |
        sed -n 's/^count \([0-9]*\)$/\1/p' | tail -1 || :
}

wait_count() { # wait_count NAME MIN: until the count reaches MIN
    for _ in $(seq 100); do
        local n; n=$(last_count "$1")
        [[ -n $n && $n -ge $2 ]] && return 0
        sleep 0.3
    done
    fail "$1 never counted to $2"
}

cpu_ticks() { # user+system clock ticks of a process
    awk '{print $14 + $15}' "/proc/$1/stat"
}

case $case in
cli)
    start c1
    wait_count c1 3
    "$strata" ls | tee "$tmp/ls"
    grep -Eq '^NAME +TYPE +ENGINE +CPUS +MEMORY +STATE +UPTIME +DISKS +NICS' "$tmp/ls" || fail "ls header"
    grep -Eq '^c1 +vm +emu +1 +256M +running ' "$tmp/ls" || fail "ls line for c1"
    grep -Eq ' RSS +SHARED +BALLOON$' "$tmp/ls" || fail "ls memory columns"
    grep -Eq '^c1 .* [1-9][0-9]*M +0M +0M$' "$tmp/ls" || fail "ls memory figures for c1"
    "$strata" ls --json >"$tmp/ls.json"
    python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); assert [v["name"] for v in l]==["c1"] and l[0]["state"]=="running", l' "$tmp/ls.json" || fail "ls --json"
    pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["pid"])' "$tmp/ls.json")

    "$strata" pause c1
    "$strata" info c1 | grep -Eq '^state +paused' || fail "info after pause"
    a=$(last_count c1); t0=$(cpu_ticks "$pid"); sleep 3
    b=$(last_count c1); t1=$(cpu_ticks "$pid")
    echo "paused: count $a -> $b, cpu ticks $t0 -> $t1"
    [[ $a == "$b" ]] || fail "the count moved while paused ($a -> $b)"
    (( t1 - t0 <= 15 )) || fail "a paused vm used $((t1 - t0)) ticks in 3 s"
    "$strata" resume c1
    wait_count c1 $((b + 2))
    echo "resumed: counting again"

    # The console in a terminal: Ctrl-A X detaches, the VM runs on; attach again.
    for round in 1 2; do
        python3 - "$strata" c1 <<'PY' || fail "console round $round"
import os, pty, sys, time
strata, name = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.execv(strata, [strata, "console", name])
out = b""
deadline = time.time() + 30
while b"count" not in out and time.time() < deadline:
    out += os.read(fd, 4096)
assert b"count" in out, out
os.write(fd, b"\x01x")
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
assert b"detached" in out, out
print("console: attached, saw the count, detached")
PY
        "$strata" info c1 | grep -Eq '^state +running' || fail "c1 not running after detach"
    done

    "$strata" stop --timeout 5 c1 | tee "$tmp/stop"
    grep -q '^c1: ' "$tmp/stop" || fail "stop said nothing"
    "$strata" ls | grep -q '^c1 ' && fail "c1 still listed after stop"
    for _ in $(seq 50); do [[ -e $STRATA_STATE_DIR/c1 ]] || break; sleep 0.1; done
    [[ ! -e $STRATA_STATE_DIR/c1 ]] || fail "c1's directory is left"
    ;;
script)
    start s1
    python3 "$here/manage_client.py" "$STRATA_STATE_DIR/s1/control.sock" script
    for _ in $(seq 50); do [[ -e $STRATA_STATE_DIR/s1 ]] || break; sleep 0.1; done
    [[ ! -e $STRATA_STATE_DIR/s1 ]] || fail "s1's directory is left after kill"
    ;;
linux-stop)
    [[ -f ${GUESTDIR:-}/vmlinuz ]] || { echo "SKIP: no guest image in '${GUESTDIR:-}' (make guest)"; exit 77; }
    export STRATA_GUEST_DIR=$GUESTDIR
    # shellcheck disable=SC2016 # the guest's shell expands it
    "$strata" run --engine emu --name l --detach -- \
        sh -c 'i=0; while :; do i=$((i+1)); echo "count $i"; sleep 1; done' >/dev/null
    wait_count l 2
    "$strata" stop --timeout 60 l | tee "$tmp/stop"
    grep -q '^l: powered off$' "$tmp/stop" || fail "the guest did not power off by the button"
    # The answer comes before the process has taken its directory down.
    for _ in $(seq 50); do [[ -e $STRATA_STATE_DIR/l ]] || break; sleep 0.1; done
    [[ ! -e $STRATA_STATE_DIR/l ]] || fail "l's directory is left"
    ;;
errors)
    expect_error() { # expect_error PATTERN CMD...: one line on stderr, non-zero status
        local status=0 pattern=$1
        shift
        "$@" >"$tmp/out" 2>"$tmp/err" || status=$?
        cat "$tmp/err"
        (( status != 0 )) || fail "'$*' succeeded"
        [[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "'$*' printed more than one line"
        grep -q -- "$pattern" "$tmp/err" || fail "'$*': no '$pattern' in its message"
    }
    start e1
    expect_error "no vm named 'nosuch' is running" "$strata" pause nosuch
    expect_error "no vm named 'nosuch' is running" "$strata" console nosuch
    expect_error "bad vm name" "$strata" info '../etc'
    expect_error "already running" "$strata" run --engine emu --kernel "$guest" --name e1 --detach
    # A dead VM's leftovers: a lock nobody holds and a socket nobody listens on.
    mkdir -m 700 "$STRATA_STATE_DIR/dead"
    : >"$STRATA_STATE_DIR/dead/lock"
    python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' \
        "$STRATA_STATE_DIR/dead/control.sock"
    expect_error "no vm named 'dead' is running" "$strata" info dead
    [[ ! -e $STRATA_STATE_DIR/dead ]] || fail "the dead vm's directory was not removed"
    mkdir -m 700 "$STRATA_STATE_DIR/dead2" && : >"$STRATA_STATE_DIR/dead2/lock"
    "$strata" ls | grep -q dead2 && fail "ls lists a dead vm"
    [[ ! -e $STRATA_STATE_DIR/dead2 ]] || fail "ls left the dead vm's directory"
    # A live socket that is not strata's (it holds the lock, accepts, says something else).
    mkdir -m 700 "$STRATA_STATE_DIR/alien"
    python3 - "$STRATA_STATE_DIR/alien" <<'PY' &
import fcntl, os, socket, sys, time
d = sys.argv[1]
lock = open(os.path.join(d, "lock"), "w")
fcntl.flock(lock, fcntl.LOCK_EX)
s = socket.socket(socket.AF_UNIX)
s.bind(os.path.join(d, "control.sock"))
s.listen(4)
open(os.path.join(d, "ready"), "w").close()
end = time.time() + 60
while time.time() < end:
    c, _ = s.accept()
    c.sendall(b"220 smtp.example.com ESMTP\r\n")
    c.close()
PY
    alien=$!
    for _ in $(seq 50); do [[ -e $STRATA_STATE_DIR/alien/ready ]] && break; sleep 0.1; done
    expect_error "not a strata control socket" "$strata" info alien
    expect_error "not a strata control socket" "$strata" pause alien
    kill "$alien"
    "$strata" info e1 | grep -Eq '^state +running' || fail "e1 affected"
    "$strata" kill e1
    ;;
*)
    echo "unknown case $case" >&2
    exit 2
    ;;
esac
echo PASS
