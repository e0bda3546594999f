#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""ct_api_client.py - drives running `strata ct` containers through their
control sockets with nothing of strata's (docs/api.md), as manage_client.py
does VMs, whose connection class it borrows.

  ct_api_client.py RUNDIR TERMNAME KILLNAME
    lists RUNDIR/*/control.sock and finds both containers (type ct); on
    TERMNAME: info, subscribe, pause/resume with their events and info's
    state, balloon refused on a connection that stays usable, stop (the init
    exits 3 on SIGTERM) with its answer and shutdown event, the directory
    gone; on KILLNAME: kill and its shutdown event (status 137)
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from manage_client import Conn, check  # noqa: E402


def listing(rundir):
    found = {}
    for entry in sorted(os.listdir(rundir)):
        sock = os.path.join(rundir, entry, "control.sock")
        if os.path.exists(sock):
            g = Conn(sock).greeting["strata"]
            found[g["name"]] = g["type"]
    return found


def gone(path, seconds=10):
    """The monitor removes the directory just after the shutdown event."""
    for _ in range(seconds * 10):
        if not os.path.exists(path):
            return True
        time.sleep(0.1)
    return False


def main():
    rundir, term, killed = sys.argv[1:4]
    found = listing(rundir)
    check(found.get(term) == "ct" and found.get(killed) == "ct", f"listed {found}")

    c = Conn(os.path.join(rundir, term, "control.sock"))
    g = c.greeting["strata"]
    check(g == {"version": 1, "name": term, "type": "ct"}, f"greeting {g}")
    r = c.call("info")
    check(r["ok"] and r["result"]["type"] == "ct" and r["result"]["name"] == term, f"info {r}")
    check(r["result"]["state"] == "running" and r["result"]["pid"] > 0, "info: running, a pid")
    check(r["result"].get("memory") == 64 << 20, "info: the 64M memory limit")
    check(c.call("subscribe")["ok"], "subscribe")
    for cmd, state in (("pause", "paused"), ("resume", "running")):
        check(c.call(cmd)["ok"], cmd)
        e = c.event("state")
        check(e["data"]["state"] == state, f"state event after {cmd}: {e}")
        check(c.call("info")["result"]["state"] == state, f"info says {state}")
    r = c.call("balloon", size=1 << 20)
    check(not r["ok"] and "not for containers" in r["error"], f"balloon refused: {r}")
    r = c.call("frobnicate")
    check(not r["ok"] and "unknown command" in r["error"], f"unknown command: {r}")
    r = c.call("stop", timeout=20)
    check(r["ok"] and r["result"]["how"] == "stopped", f"stop: {r}")
    e = c.event("shutdown")
    check(e["data"] == {"reason": "exit", "status": 3}, f"shutdown event: {e}")
    check(gone(os.path.join(rundir, term)), "its directory is gone")

    k = Conn(os.path.join(rundir, killed, "control.sock"))
    check(k.call("subscribe")["ok"], "subscribe (second container)")
    check(k.call("kill")["ok"], "kill")
    e = k.event("shutdown")
    check(e["data"] == {"reason": "killed", "status": 137}, f"shutdown event: {e}")
    gone(os.path.join(rundir, killed))
    found = listing(rundir)
    check(term not in found and killed not in found, f"neither is listed now: {found}")


if __name__ == "__main__":
    main()
