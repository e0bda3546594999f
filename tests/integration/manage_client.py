#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""manage_client.py - drives a running strata VM through its control socket
with nothing of strata's: the JSON lines of docs/api.md over a Unix socket.

  manage_client.py SOCKET script   greeting, info, subscribe, pause/resume
                                   with their events, bad requests answered
                                   with an error on a connection that stays
                                   usable, kill with the shutdown event
  manage_client.py SOCKET call CMD [JSON-ARGS]   one request, prints the result
"""
import json
import socket
import sys


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(30)
        self.s.connect(path)
        self.buf = b""
        self.events = []
        self.greeting = self.line()

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def send_raw(self, data):
        self.s.sendall(data)

    def response(self):
        while True:
            msg = self.line()
            if "event" in msg:
                self.events.append(msg)
                continue
            return msg

    def call(self, cmd, **args):
        req = {"cmd": cmd, "id": cmd + "-1", **args}
        self.send_raw((json.dumps(req) + "\n").encode())
        resp = self.response()
        assert resp.get("id") == req["id"], f"id not echoed: {resp}"
        return resp

    def event(self, name):
        for i, e in enumerate(self.events):
            if e["event"] == name:
                return self.events.pop(i)
        while True:
            msg = self.line()
            if msg.get("event") == name:
                return msg
            if "event" in msg:
                self.events.append(msg)


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}")
        sys.exit(1)
    print(f"ok: {what}")


def script(path):
    c = Conn(path)
    g = c.greeting.get("strata", {})
    check(g.get("version") == 1 and g.get("type") == "vm", f"greeting {c.greeting}")
    r = c.call("info")
    check(r["ok"] and r["result"]["state"] == "running", f"info: {r}")
    check(r["result"]["name"] == g["name"], "info names the vm of the greeting")
    for key in ("engine", "cpus", "memory", "uptime", "disks", "nics"):
        check(key in r["result"], f"info has {key}")
    check(c.call("subscribe")["ok"], "subscribe")
    check(c.call("pause")["ok"], "pause")
    e = c.event("state")
    check(e["data"]["state"] == "paused", f"state event after pause: {e}")
    check(c.call("info")["result"]["state"] == "paused", "info says paused")
    check(c.call("resume")["ok"], "resume")
    e = c.event("state")
    check(e["data"]["state"] == "running", f"state event after resume: {e}")
    # Bad requests: an error each, and the connection goes on.
    c.send_raw(b"this is not json\n")
    r = c.response()
    check(not r["ok"] and "json" in r["error"], f"bad json: {r}")
    r = c.call("frobnicate")
    check(not r["ok"] and "unknown command" in r["error"], f"unknown command: {r}")
    r = c.call("pause", speed=3)
    check(not r["ok"] and "unknown argument" in r["error"], f"unknown argument: {r}")
    c.send_raw(b'{"cmd": "info"} trailing\n')
    r = c.response()
    check(not r["ok"], f"trailing bytes: {r}")
    check(c.call("info")["ok"], "the connection still works")
    # A second client sees the same vm while the first is subscribed.
    c2 = Conn(path)
    check(c2.call("info")["ok"], "a second connection")
    check(c.call("kill")["ok"], "kill")
    e = c.event("shutdown")
    check(e["data"]["reason"] == "killed" and e["data"]["status"] == 137, f"shutdown event: {e}")


def main():
    path, mode = sys.argv[1], sys.argv[2]
    if mode == "script":
        script(path)
    elif mode == "call":
        args = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
        print(json.dumps(Conn(path).call(sys.argv[3], **args)))
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
