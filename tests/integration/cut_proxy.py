#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""cut_proxy.py - a TCP proxy for the live migration test (migrate.sh) that
cuts the connection in the middle of a stream.

  cut_proxy.py TARGET_PORT BYTES

Listens on 127.0.0.1 (a free port, printed as "port N" on stdout), takes one
connection, forwards it to 127.0.0.1:TARGET_PORT both ways, and after BYTES
bytes from the client resets both sides (SO_LINGER 0: an RST, as a dropped
link or a crashed peer gives), then exits.
"""
import select
import socket
import struct
import sys


def reset(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def main():
    target, limit = int(sys.argv[1]), int(sys.argv[2])
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    print("port", ls.getsockname()[1], flush=True)
    client, _ = ls.accept()
    server = socket.create_connection(("127.0.0.1", target))
    sent = 0
    while sent < limit:
        ready, _, _ = select.select([client, server], [], [], 60)
        if not ready:
            break
        if server in ready:
            data = server.recv(65536)
            if not data:
                break
            client.sendall(data)
        if client in ready:
            data = client.recv(min(65536, limit - sent))
            if not data:
                break
            server.sendall(data)
            sent += len(data)
    print("cut after", sent, "bytes", flush=True)
    reset(client)
    reset(server)


main()
