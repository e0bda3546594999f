#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# oci-cli.sh STRATA_OCI CASE - the OCI runtime command line driven by hand, as
# a container engine drives it (runc's conventions), on a busybox bundle.
#   lifecycle  spec, create (state "created"), start, exec, ps --format json,
#              kill, state "stopped", delete; --pid-file
#   hooks      prestart, createRuntime, poststart and poststop hooks run with
#              the state on stdin; a failing createRuntime hook fails create
#   errors     --systemd-cgroup refused, a bad config.json, an unknown id, and
#              --log --log-format=json gets the error as a JSON line
#   features   features is JSON naming the namespaces and cgroup versions
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 STRATA_OCI CASE" >&2; exit 2; }
oci=$(realpath "$1") case=$2
here=$(dirname "$0")
# shellcheck source=ct-lib.sh
. "$here/ct-lib.sh"
ct_need_root
tmp=$(mktemp -d)
root=$tmp/state
id=oci$$-$case
rt() { "$oci" --root "$root" "$@"; }
cleanup() {
    rt delete --force "$id" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
bundle=$tmp/bundle
mkdir "$bundle"
ct_rootfs "$bundle/rootfs"
(cd "$bundle" && rt spec)
# not a terminal; a command of our own
set_args() {
    python3 - "$bundle/config.json" "$@" <<'PY'
import json, sys
path, args = sys.argv[1], sys.argv[2:]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = args
json.dump(c, open(path, "w"), indent=1)
PY
}
state_of() { rt state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'; }

case $case in
lifecycle)
    set_args sh -c 'echo started > /dev/shm/mark; sleep 100'
    rt create --bundle "$bundle" --pid-file "$tmp/pid" "$id"
    [[ $(state_of) == created ]] || fail "state after create is $(state_of)"
    pid=$(cat "$tmp/pid")
    [[ -d /proc/$pid ]] || fail "pid file $pid is not a live process"
    rt start "$id"
    [[ $(state_of) == running ]] || fail "state after start is $(state_of)"
    for _ in $(seq 50); do rt exec "$id" cat /dev/shm/mark 2>/dev/null | grep -q started && break; sleep 0.1; done
    rt exec "$id" cat /dev/shm/mark | grep -q started || fail "exec does not see the container's files"
    rt exec "$id" sh -c 'exit 3' && st=0 || st=$?
    [[ $st -eq 3 ]] || fail "exec status $st, not 3"
    pids=$(rt ps --format json "$id")
    echo "ps: $pids"
    grep -q "$pid" <<<"$pids" || fail "ps does not list the init $pid"
    rt kill "$id" KILL
    for _ in $(seq 50); do [[ $(state_of) == stopped ]] && break; sleep 0.1; done
    [[ $(state_of) == stopped ]] || fail "state after kill is $(state_of)"
    rt delete "$id"
    rt state "$id" 2>/dev/null && fail "state of a deleted container"
    ;;
hooks)
    cat >"$tmp/hook" <<HOOK
#!/bin/sh
cat > "$tmp/hook-\$1.json"
HOOK
    chmod +x "$tmp/hook"
    set_args true
    python3 - "$bundle/config.json" "$tmp/hook" <<'PY'
import json, sys
path, hook = sys.argv[1], sys.argv[2]
c = json.load(open(path))
c["hooks"] = {k: [{"path": hook, "args": ["hook", k]}]
              for k in ["prestart", "createRuntime", "poststart", "poststop"]}
json.dump(c, open(path, "w"), indent=1)
PY
    rt create --bundle "$bundle" "$id"
    # prestart (deprecated) sees "created", createRuntime "creating"
    grep -q '"status":"created"' "$tmp/hook-prestart.json" || fail "prestart hook did not get the state"
    grep -q '"status":"creating"' "$tmp/hook-createRuntime.json" || fail "createRuntime hook did not get the state"
    rt start "$id"
    grep -q "\"id\":\"$id\"" "$tmp/hook-poststart.json" || fail "poststart hook did not run"
    for _ in $(seq 50); do [[ $(state_of) == stopped ]] && break; sleep 0.1; done
    rt delete "$id"
    grep -q '"status":"stopped"' "$tmp/hook-poststop.json" || fail "poststop hook did not run"
    python3 - "$bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["hooks"] = {"createRuntime": [{"path": "/bin/false"}]}
json.dump(c, open(sys.argv[1], "w"))
PY
    rt create --bundle "$bundle" "$id" 2>"$tmp/err" && fail "create with a failing hook succeeded"
    grep -q "hook createRuntime /bin/false failed" "$tmp/err" || { cat "$tmp/err"; fail "no hook error"; }
    [[ ! -e $root/$id ]] || fail "a failed create left its state"
    ;;
errors)
    set_args true
    rt --systemd-cgroup create --bundle "$bundle" "$id" 2>"$tmp/err" && fail "--systemd-cgroup accepted"
    grep -q "no systemd cgroup driver" "$tmp/err" || fail "--systemd-cgroup refusal unclear"
    echo '{"ociVersion": "1.0.2", "process": {"args": 5}}' >"$bundle/config.json"
    rt --log "$tmp/log.json" --log-format=json create --bundle "$bundle" "$id" 2>"$tmp/err" \
        && fail "a bad config was accepted"
    cat "$tmp/err"
    grep -q "process.args must be array" "$tmp/err" || fail "bad config error unclear"
    python3 -c 'import json,sys; l=json.loads(open(sys.argv[1]).readline()); assert l["level"]=="error" and "process.args" in l["msg"]' "$tmp/log.json" \
        || fail "--log-format=json line missing"
    rt start nosuch 2>"$tmp/err" && fail "start of an unknown id"
    grep -q "does not exist" "$tmp/err" || fail "unknown id error unclear"
    ;;
features)
    rt features | python3 -c '
import json, sys
f = json.load(sys.stdin)
assert "pid" in f["linux"]["namespaces"] and "user" in f["linux"]["namespaces"]
assert f["linux"]["cgroup"]["v1"] and f["linux"]["cgroup"]["v2"]
assert not f["linux"]["cgroup"]["systemd"]
print("features ok")'
    ;;
*) echo "unknown case $case" >&2; exit 2 ;;
esac
echo "oci $case: ok"
